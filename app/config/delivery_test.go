package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/config"
)

func TestDeliverySettings(t *testing.T) {
	env := map[string]string{
		"ADVOCATE_SMTP_URL":             "smtps://user:p%40ss@mail.example.org",
		"ADVOCATE_MAIL_FROM":            "Free Guan Heng <letters@example.org>",
		"ADVOCATE_SMTP_TIMEOUT":         "10s",
		"ADVOCATE_MAIL_RATE_PER_DOMAIN": "30",
		"ADVOCATE_OUTBOX_WORKERS":       "2",
		"ADVOCATE_CWC_URL":              "https://cwc.example.gov",
		"ADVOCATE_CWC_API_KEY":          "k",
	}
	c, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	d := c.Delivery
	if d.SMTPTimeout != 10*time.Second || d.RatePerDomain != 30 || d.OutboxWorkers != 2 || d.CWCAPIKey != "k" {
		t.Errorf("%+v", d)
	}
	if name, addr := c.MailFromAddress(); name != "Free Guan Heng" || addr != "letters@example.org" {
		t.Errorf("from %q %q", name, addr)
	}
	if c.OutboxPath() != "data/outbox" {
		t.Errorf("outbox %q", c.OutboxPath())
	}

	def := config.Default()
	if _, addr := def.MailFromAddress(); addr != "advocate@advocate.invalid" || def.Delivery.RatePerDomain != 120 {
		t.Errorf("defaults %q %+v", addr, def.Delivery)
	}

	for name, bad := range map[string]map[string]string{
		"no from":    {"ADVOCATE_SMTP_URL": "smtp://mail.example.org"},
		"scheme":     {"ADVOCATE_SMTP_URL": "http://mail.example.org", "ADVOCATE_MAIL_FROM": "a@example.org"},
		"from":       {"ADVOCATE_MAIL_FROM": "not an address"},
		"from at IP": {"ADVOCATE_MAIL_FROM": "Advocate <letters@[10.0.0.1]>"},
		"timeout":    {"ADVOCATE_SMTP_TIMEOUT": "soon"},
		"plaintext":  {"ADVOCATE_SMTP_ALLOW_PLAINTEXT": "maybe"},
		"workers":    {"ADVOCATE_OUTBOX_WORKERS": "many"},
		"cwc key":    {"ADVOCATE_CWC_URL": "https://cwc.example.gov"},
		"cwc scheme": {"ADVOCATE_CWC_URL": "ftp://x", "ADVOCATE_CWC_API_KEY": "k"},
	} {
		_, err := config.Load(func(k string) string { return bad[k] })
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "p%40ss") {
			t.Errorf("%s: password in %v", name, err)
		}
	}
	_, err = config.Load(func(k string) string {
		return map[string]string{"ADVOCATE_SMTP_URL": "ftp://u:secret@x"}[k]
	})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("redaction: %v", err)
	}
}
