// Package config reads Advocate's settings from ADVOCATE_* environment
// variables (flags in cmd/advocate override them). No config file is needed
// to start: the defaults run a working instance on SQLite.
package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of one Advocate process.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string
	// DataDir holds the default SQLite file and fetched public data.
	DataDir string
	// DB is a SQLite file path or a postgres:// URL. Empty means
	// DataDir/advocate.db.
	DB string
	// BaseURL is the public URL of the site, used in links that leave the
	// browser (emails). Empty: derived from each request.
	BaseURL string
	// GeocoderURL enables the US Census geocoder adapter (off when empty).
	GeocoderURL string
	// AutoFetch lets `serve` download the public roster on first start.
	AutoFetch bool
	// FetchTimeout bounds the first-start download as a whole.
	FetchTimeout time.Duration
	// RosterRefresh is how often `serve` downloads the public roster again
	// (ADVOCATE_ROSTER_REFRESH, roster.go); 0 turns it off.
	RosterRefresh time.Duration
	// Timezone is where letters are dated (IANA name).
	Timezone string
	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
	// SubmitPerMinute limits submissions per client address (0: no limit);
	// SubmitBurst is how many may come at once.
	SubmitPerMinute float64
	SubmitBurst     int
	// SubmitEmailPerHour limits submissions per supporter email address
	// (case, "+tag" and Gmail dots ignored; 0: no limit);
	// SubmitEmailBurst is how many may come at once.
	SubmitEmailPerHour float64
	SubmitEmailBurst   int
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string
	LogFormat string
	// SecureCookies marks cookies Secure; also on when BaseURL is https
	// (see CookiesSecure).
	SecureCookies bool
	// TrustedProxies lists reverse proxies (addresses or CIDR ranges) whose
	// X-Forwarded-For is believed. Empty: the connection's address counts,
	// so sign-in throttling cannot be dodged with a forged header.
	TrustedProxies []string
	// SessionTTL is a sign-in's absolute lifetime; SessionIdle ends one
	// unused for that long.
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// Delivery configures outgoing email and CWC exports (delivery.go).
	Delivery Delivery
	// Protect bounds database waits and PDF downloads (protect.go).
	Protect Protect
}

// Default returns the settings used when nothing is configured.
func Default() Config {
	return Config{
		Addr:          "localhost:8080",
		DataDir:       "data",
		AutoFetch:     true,
		FetchTimeout:  2 * time.Minute,
		RosterRefresh: 24 * time.Hour,
		Timezone:      "America/New_York",
		MaxBodyBytes:  64 << 10,
		// A household or office behind one address may send several; a
		// script sending hundreds is refused.
		SubmitPerMinute: 20,
		SubmitBurst:     10,
		// One person writes once per campaign; a few retries (a typo, a
		// split ZIP code) fit in the burst.
		SubmitEmailPerHour: 10,
		SubmitEmailBurst:   5,
		LogLevel:           "info",
		LogFormat:          "text",
		SessionTTL:         12 * time.Hour,
		SessionIdle:        2 * time.Hour,
		Delivery:           defaultDelivery(),
		Protect:            defaultProtect(),
	}
}

// Load starts from Default and applies ADVOCATE_* variables read through
// getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	c := Default()
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	str("ADVOCATE_ADDR", &c.Addr)
	str("ADVOCATE_DATA_DIR", &c.DataDir)
	str("ADVOCATE_DB", &c.DB)
	str("ADVOCATE_BASE_URL", &c.BaseURL)
	str("ADVOCATE_GEOCODER_URL", &c.GeocoderURL)
	str("ADVOCATE_LOG_LEVEL", &c.LogLevel)
	str("ADVOCATE_LOG_FORMAT", &c.LogFormat)
	str("ADVOCATE_TIMEZONE", &c.Timezone)
	if v := strings.TrimSpace(getenv("ADVOCATE_AUTO_FETCH")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("ADVOCATE_AUTO_FETCH=%q: want true or false", v)
		}
		c.AutoFetch = b
	}
	if v := strings.TrimSpace(getenv("ADVOCATE_FETCH_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("ADVOCATE_FETCH_TIMEOUT=%q: want a duration such as 90s", v)
		}
		c.FetchTimeout = d
	}
	if err := loadRosterRefresh(&c, getenv); err != nil {
		return c, err
	}
	if err := loadAccounts(&c, getenv); err != nil {
		return c, err
	}
	if v := strings.TrimSpace(getenv("ADVOCATE_MAX_BODY_BYTES")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return c, fmt.Errorf("ADVOCATE_MAX_BODY_BYTES=%q: want a number of bytes", v)
		}
		c.MaxBodyBytes = n
	}
	// ADVOCATE_SUBMIT_RATE and _BURST; ADVOCATE_SUBMIT_EMAIL_RATE and _BURST.
	if err := loadRate(getenv, "ADVOCATE_SUBMIT", "minute per address", &c.SubmitPerMinute, &c.SubmitBurst); err != nil {
		return c, err
	}
	if err := loadRate(getenv, "ADVOCATE_SUBMIT_EMAIL", "hour per email address", &c.SubmitEmailPerHour, &c.SubmitEmailBurst); err != nil {
		return c, err
	}
	if err := loadDelivery(getenv, &c.Delivery); err != nil {
		return c, err
	}
	if err := loadProtect(getenv, &c.Protect); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// loadRate reads a submission limit from prefix_RATE (submissions per
// unit, 0 turns the limit off) and prefix_BURST (how many at once).
func loadRate(getenv func(string) string, prefix, unit string, rate *float64, burst *int) error {
	if v := strings.TrimSpace(getenv(prefix + "_RATE")); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%s_RATE=%q: want submissions per %s (0 turns the limit off)", prefix, v, unit)
		}
		*rate = n
	}
	if v := strings.TrimSpace(getenv(prefix + "_BURST")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("%s_BURST=%q: want a whole number of at least 1", prefix, v)
		}
		*burst = n
	}
	return nil
}

// DSN returns the database to open: DB, or the SQLite file in DataDir.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "advocate.db")
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("listen address %q: want host:port (e.g. localhost:8080)", c.Addr)
	}
	if c.DataDir == "" {
		return fmt.Errorf("data folder must not be empty")
	}
	for name, u := range map[string]string{"base URL": c.BaseURL, "geocoder URL": c.GeocoderURL} {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%s %q: want an http(s) URL", name, u)
		}
	}
	if strings.Contains(c.DB, "://") {
		p, err := url.Parse(c.DB)
		if err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql" && p.Scheme != "sqlite" && p.Scheme != "file") {
			return fmt.Errorf("database %q: want a SQLite file path or a postgres:// URL", redact(c.DB))
		}
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 64<<20 {
		return fmt.Errorf("max body bytes %d: want 1 KiB to 64 MiB", c.MaxBodyBytes)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log format %q: want text or json", c.LogFormat)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		return fmt.Errorf("time zone %q: want an IANA name such as America/New_York", c.Timezone)
	}
	if c.FetchTimeout <= 0 {
		return fmt.Errorf("fetch timeout must be positive")
	}
	if c.RosterRefresh != 0 && c.RosterRefresh < MinRosterRefresh {
		return fmt.Errorf("roster refresh every %v: want %v or more, or off", c.RosterRefresh, MinRosterRefresh)
	}
	for _, p := range c.TrustedProxies {
		if !validProxy(p) {
			return fmt.Errorf("trusted proxy %q: want an IP address or a CIDR range such as 10.0.0.0/8", p)
		}
	}
	if c.SessionTTL < time.Minute || c.SessionIdle < time.Minute {
		return fmt.Errorf("session lifetimes must be at least a minute")
	}
	if err := c.Delivery.validate(); err != nil {
		return err
	}
	return nil
}

// loadAccounts reads the sign-in settings.
func loadAccounts(c *Config, getenv func(string) string) error {
	if v := strings.TrimSpace(getenv("ADVOCATE_SECURE_COOKIES")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("ADVOCATE_SECURE_COOKIES=%q: want true or false", v)
		}
		c.SecureCookies = b
	}
	if v := strings.TrimSpace(getenv("ADVOCATE_TRUSTED_PROXIES")); v != "" {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
	}
	for name, dst := range map[string]*time.Duration{"ADVOCATE_SESSION_TTL": &c.SessionTTL, "ADVOCATE_SESSION_IDLE": &c.SessionIdle} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a duration such as 12h", name, v)
			}
			*dst = d
		}
	}
	return nil
}

func validProxy(p string) bool {
	if strings.Contains(p, "/") {
		_, _, err := net.ParseCIDR(p)
		return err == nil
	}
	return net.ParseIP(p) != nil
}

// CookiesSecure reports whether cookies must be Secure: when asked, or
// when the public URL is https (the site is behind TLS then).
func (c Config) CookiesSecure() bool {
	return c.SecureCookies || strings.HasPrefix(strings.ToLower(c.BaseURL), "https://")
}

// redact hides a password in a database URL for messages and logs.
func redact(dsn string) string {
	p, err := url.Parse(dsn)
	if err != nil || p.User == nil {
		return dsn
	}
	if _, ok := p.User.Password(); ok {
		p.User = url.UserPassword(p.User.Username(), "xxxxx")
	}
	return p.String()
}

// Location returns the time zone letters are dated in.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC // Validate rejects this before it can happen
	}
	return loc
}

// Redacted returns the DSN safe to print.
func (c Config) Redacted() string { return redact(c.DSN()) }
