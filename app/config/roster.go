package config

import (
	"fmt"
	"strings"
	"time"
)

// MinRosterRefresh is the shortest refresh interval: the public sources
// change at most daily, and each refresh downloads and imports them all.
const MinRosterRefresh = 10 * time.Minute

// loadRosterRefresh reads ADVOCATE_ROSTER_REFRESH: a duration such as 24h
// or 12h, or 0/off to keep the roster as imported.
func loadRosterRefresh(c *Config, getenv func(string) string) error {
	v := strings.TrimSpace(getenv("ADVOCATE_ROSTER_REFRESH"))
	switch strings.ToLower(v) {
	case "":
		return nil
	case "0", "off", "false", "no":
		c.RosterRefresh = 0
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("ADVOCATE_ROSTER_REFRESH=%q: want a duration such as 24h, or off", v)
	}
	c.RosterRefresh = d
	return nil
}
