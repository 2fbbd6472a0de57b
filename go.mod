module github.com/advocate-org/advocate

go 1.26.8
