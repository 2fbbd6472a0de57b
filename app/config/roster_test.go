package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/config"
)

func TestRosterRefresh(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 24 * time.Hour, "12h": 12 * time.Hour, "0": 0, "off": 0, "OFF": 0} {
		c, err := config.Load(func(k string) string {
			if k == "ADVOCATE_ROSTER_REFRESH" {
				return v
			}
			return ""
		})
		if err == nil {
			err = c.Validate()
		}
		if err != nil || c.RosterRefresh != want {
			t.Errorf("%q: %v %v, want %v", v, c.RosterRefresh, err, want)
		}
	}
	for _, v := range []string{"daily", "-1h", "1m"} {
		c, err := config.Load(func(k string) string {
			if k == "ADVOCATE_ROSTER_REFRESH" {
				return v
			}
			return ""
		})
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), "roster refresh") && !strings.Contains(err.Error(), "ADVOCATE_ROSTER_REFRESH") {
			t.Errorf("%q accepted: %v", v, err)
		}
	}
}
