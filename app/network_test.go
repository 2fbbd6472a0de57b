package app_test

import (
	"testing"

	"github.com/advocate-org/advocate/app"
)

func TestClientNetwork(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                  "192.0.2.7",
		"::ffff:192.0.2.7":           "192.0.2.7",
		"2001:db8:1:2:aaaa::1":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:0:9": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":            "2001:db8:1:3::/64",
		"fe80::1%eth0":               "fe80::/64",
		"not an address":             "not an address",
	} {
		if got := app.ClientNetwork(in); got != want {
			t.Errorf("ClientNetwork(%q) = %q, want %q", in, got, want)
		}
	}
}
