package config_test

import (
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c config.Config)
	}{
		{name: "defaults", env: nil, check: func(t *testing.T, c config.Config) {
			if c.DSN() != "data/advocate.db" || c.Addr != "localhost:8080" || !c.AutoFetch {
				t.Fatalf("unexpected defaults: %+v", c)
			}
		}},
		{name: "postgres", env: map[string]string{"ADVOCATE_DB": "postgres://u:secret@h/db"}, check: func(t *testing.T, c config.Config) {
			if c.DSN() != "postgres://u:secret@h/db" {
				t.Fatal(c.DSN())
			}
			if strings.Contains(c.Redacted(), "secret") {
				t.Fatal("password not redacted:", c.Redacted())
			}
		}},
		{name: "bad addr", env: map[string]string{"ADVOCATE_ADDR": "8080"}, wantErr: "host:port"},
		{name: "bad scheme", env: map[string]string{"ADVOCATE_DB": "mysql://x"}, wantErr: "postgres://"},
		{name: "bad bool", env: map[string]string{"ADVOCATE_AUTO_FETCH": "maybe"}, wantErr: "true or false"},
		{name: "bad geocoder", env: map[string]string{"ADVOCATE_GEOCODER_URL": "ftp://x"}, wantErr: "http(s)"},
		{name: "bad level", env: map[string]string{"ADVOCATE_LOG_LEVEL": "loud"}, wantErr: "log level"},
		{name: "bad timezone", env: map[string]string{"ADVOCATE_TIMEZONE": "Mars/Olympus"}, wantErr: "IANA"},
		{name: "body too small", env: map[string]string{"ADVOCATE_MAX_BODY_BYTES": "10"}, wantErr: "1 KiB"},
		{name: "email rate", env: map[string]string{"ADVOCATE_SUBMIT_EMAIL_RATE": "2.5", "ADVOCATE_SUBMIT_EMAIL_BURST": "2"}, check: func(t *testing.T, c config.Config) {
			if c.SubmitEmailPerHour != 2.5 || c.SubmitEmailBurst != 2 {
				t.Fatalf("email rate %v burst %d", c.SubmitEmailPerHour, c.SubmitEmailBurst)
			}
			if d := config.Default(); d.SubmitEmailPerHour <= 0 || d.SubmitEmailBurst < 1 {
				t.Fatalf("the per-email limit is off by default: %+v", d)
			}
		}},
		{name: "bad email rate", env: map[string]string{"ADVOCATE_SUBMIT_EMAIL_RATE": "-1"}, wantErr: "per email address"},
		{name: "bad email burst", env: map[string]string{"ADVOCATE_SUBMIT_EMAIL_BURST": "0"}, wantErr: "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
