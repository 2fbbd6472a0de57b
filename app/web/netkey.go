package web

import (
	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
)

// clientKey is the client network (app.ClientNetwork: an IPv6 /64) of the
// request's client address, as echo's RealIP gives it, which believes
// X-Forwarded-For only from trusted proxies.
func clientKey(c echo.Context) string { return app.ClientNetwork(c.RealIP()) }
