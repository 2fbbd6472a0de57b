package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/config"
)

func TestAccountSettings(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.CookiesSecure() || len(c.TrustedProxies) != 0 || c.SessionTTL != 12*time.Hour || c.SessionIdle != 2*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = config.Load(env(map[string]string{
		"ADVOCATE_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.1 ,,fd00::/8",
		"ADVOCATE_SESSION_TTL":     "8h",
		"ADVOCATE_SESSION_IDLE":    "30m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.TrustedProxies, []string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"}) || c.SessionTTL != 8*time.Hour || c.SessionIdle != 30*time.Minute {
		t.Fatalf("parsed: %+v", c)
	}
	for _, e := range []map[string]string{{"ADVOCATE_SECURE_COOKIES": "true"}, {"ADVOCATE_BASE_URL": "https://act.example.org"}} {
		c, err := config.Load(env(e))
		if err != nil || !c.CookiesSecure() {
			t.Errorf("%v: secure=%v err=%v", e, c.CookiesSecure(), err)
		}
	}
	for _, bad := range []struct{ k, v, want string }{
		{"ADVOCATE_TRUSTED_PROXIES", "10.0.0.0/33", "trusted proxy"},
		{"ADVOCATE_TRUSTED_PROXIES", "proxy.internal", "trusted proxy"},
		{"ADVOCATE_SECURE_COOKIES", "yes please", "true or false"},
		{"ADVOCATE_SESSION_TTL", "forever", "duration"},
		{"ADVOCATE_SESSION_IDLE", "1s", "at least a minute"},
	} {
		_, err := config.Load(env(map[string]string{bad.k: bad.v}))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s=%s: %v", bad.k, bad.v, err)
		}
	}
}
