package match

import (
	"strings"

	"github.com/advocate-org/advocate/app"
)

// validZip5 reports whether z is exactly five ASCII digits.
func validZip5(z string) bool {
	if len(z) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		if z[i] < '0' || z[i] > '9' {
			return false
		}
	}
	return true
}

// zipNumber converts a valid five-digit ZIP to 0..99999.
func zipNumber(z string) int {
	n := 0
	for i := 0; i < 5; i++ {
		n = n*10 + int(z[i]-'0')
	}
	return n
}

// normalizeZip accepts "12345", "12345-6789" and "123456789" (spaces
// around are ignored) and returns the five-digit ZIP.
func normalizeZip(z string) (string, bool) {
	z = strings.TrimSpace(z)
	switch {
	case len(z) == 10 && z[5] == '-' && validZip5(z[:5]) && allDigits(z[6:]):
		z = z[:5]
	case len(z) == 9 && allDigits(z):
		z = z[:5]
	}
	return z, validZip5(z)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// territoryForZip maps the ZIPs of the island areas, which have no ZCTAs
// (and Puerto Rico's, for ZIPs missing from the table), to their state code.
func territoryForZip(z string) (string, bool) {
	switch {
	case z == "96950" || z == "96951" || z == "96952":
		return "MP", true
	case z == "96799":
		return "AS", true
	case strings.HasPrefix(z, "969"):
		return "GU", true
	case strings.HasPrefix(z, "008"):
		return "VI", true
	case strings.HasPrefix(z, "006"), strings.HasPrefix(z, "007"), strings.HasPrefix(z, "009"):
		return "PR", true
	}
	return "", false
}

// singleSeat reports whether a state or district-like area elects exactly
// one House member (district 0): the at-large states, DC and territories.
func singleSeat(state string) bool {
	switch state {
	case "AK", "DE", "ND", "SD", "VT", "WY", "DC":
		return true
	}
	return app.IsTerritory(state)
}

// placeNames gives the names used in notes for areas without senators.
var placeNames = map[string]string{
	"DC": "Washington, DC",
	"PR": "Puerto Rico",
	"GU": "Guam",
	"VI": "the U.S. Virgin Islands",
	"AS": "American Samoa",
	"MP": "the Northern Mariana Islands",
}

// houseTitle is how a state's House member is addressed.
func houseTitle(state string) string {
	switch {
	case state == "PR":
		return "Resident Commissioner"
	case state == "DC" || app.IsTerritory(state):
		return "Delegate"
	}
	return "Representative"
}
