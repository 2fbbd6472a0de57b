package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Delivery configures outgoing email (the outbox) and CWC exports. With no
// SMTP URL, emails are written as .eml files to the outbox folder and shown
// to supporters as not sent.
type Delivery struct {
	// SMTPURL is smtp://user:pass@host:587 (STARTTLS) or
	// smtps://user:pass@host:465 (ADVOCATE_SMTP_URL).
	SMTPURL string
	// MailFrom is the sender, "Name <address>" or an address
	// (ADVOCATE_MAIL_FROM); required with SMTP, since mail from an
	// address the server does not vouch for is dropped as spam.
	MailFrom string
	// SMTPAllowPlaintext allows a mail server without STARTTLS that is
	// not on this machine (ADVOCATE_SMTP_ALLOW_PLAINTEXT).
	SMTPAllowPlaintext bool
	// SMTPTimeout bounds each read and write to the mail server
	// (ADVOCATE_SMTP_TIMEOUT).
	SMTPTimeout time.Duration
	// RatePerDomain caps messages a minute to one destination domain, per
	// instance (ADVOCATE_MAIL_RATE_PER_DOMAIN; 0: no cap).
	RatePerDomain int
	// OutboxDir receives .eml files when no SMTP server is set
	// (ADVOCATE_OUTBOX_DIR; default DataDir/outbox).
	OutboxDir string
	// OutboxWorkers is how many batches an instance sends at once
	// (ADVOCATE_OUTBOX_WORKERS).
	OutboxWorkers int
	// Instance names this instance in outbox leases (ADVOCATE_INSTANCE);
	// a stable name lets a restarted instance retry its own unfinished
	// sends at once instead of after the lease expires.
	Instance string

	// CWCURL and CWCAPIKey enable posting exports to CWC
	// (ADVOCATE_CWC_URL, ADVOCATE_CWC_API_KEY).
	CWCURL    string
	CWCAPIKey string
	// CWCSenateURL and CWCSenateAPIKey do the same for letters to
	// Senators, to the Senate's CWC (ADVOCATE_CWC_SENATE_URL, e.g.
	// https://soapbox.senate.gov/api, and ADVOCATE_CWC_SENATE_API_KEY);
	// CWCSenateTesting posts to its test environment
	// (ADVOCATE_CWC_SENATE_TESTING=true).
	CWCSenateURL     string
	CWCSenateAPIKey  string
	CWCSenateTesting bool
	// The delivery agent as registered with CWC (ADVOCATE_CWC_AGENT,
	// ADVOCATE_CWC_ACK_EMAIL, ADVOCATE_CWC_CONTACT_NAME,
	// ADVOCATE_CWC_CONTACT_EMAIL, ADVOCATE_CWC_CONTACT_PHONE).
	CWCAgent        string
	CWCAckEmail     string
	CWCContactName  string
	CWCContactEmail string
	CWCContactPhone string
}

// defaultDelivery is the delivery part of Default.
func defaultDelivery() Delivery {
	return Delivery{SMTPTimeout: 30 * time.Second, RatePerDomain: 120, OutboxWorkers: 1}
}

// loadDelivery applies the ADVOCATE_* delivery variables.
func loadDelivery(getenv func(string) string, d *Delivery) error {
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	str("ADVOCATE_SMTP_URL", &d.SMTPURL)
	str("ADVOCATE_MAIL_FROM", &d.MailFrom)
	str("ADVOCATE_OUTBOX_DIR", &d.OutboxDir)
	str("ADVOCATE_INSTANCE", &d.Instance)
	str("ADVOCATE_CWC_URL", &d.CWCURL)
	str("ADVOCATE_CWC_API_KEY", &d.CWCAPIKey)
	str("ADVOCATE_CWC_SENATE_URL", &d.CWCSenateURL)
	str("ADVOCATE_CWC_SENATE_API_KEY", &d.CWCSenateAPIKey)
	str("ADVOCATE_CWC_AGENT", &d.CWCAgent)
	str("ADVOCATE_CWC_ACK_EMAIL", &d.CWCAckEmail)
	str("ADVOCATE_CWC_CONTACT_NAME", &d.CWCContactName)
	str("ADVOCATE_CWC_CONTACT_EMAIL", &d.CWCContactEmail)
	str("ADVOCATE_CWC_CONTACT_PHONE", &d.CWCContactPhone)
	if v := strings.TrimSpace(getenv("ADVOCATE_SMTP_ALLOW_PLAINTEXT")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("ADVOCATE_SMTP_ALLOW_PLAINTEXT=%q: want true or false", v)
		}
		d.SMTPAllowPlaintext = b
	}
	if v := strings.TrimSpace(getenv("ADVOCATE_CWC_SENATE_TESTING")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("ADVOCATE_CWC_SENATE_TESTING=%q: want true or false", v)
		}
		d.CWCSenateTesting = b
	}
	if v := strings.TrimSpace(getenv("ADVOCATE_SMTP_TIMEOUT")); v != "" {
		t, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("ADVOCATE_SMTP_TIMEOUT=%q: want a duration such as 30s", v)
		}
		d.SMTPTimeout = t
	}
	for name, dst := range map[string]*int{"ADVOCATE_MAIL_RATE_PER_DOMAIN": &d.RatePerDomain, "ADVOCATE_OUTBOX_WORKERS": &d.OutboxWorkers} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want a whole number", name, v)
			}
			*dst = n
		}
	}
	return nil
}

// validate reports the first delivery setting that cannot work.
func (d Delivery) validate() error {
	if d.SMTPURL != "" {
		u, err := url.Parse(d.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return fmt.Errorf("SMTP URL %q: want smtp://user:pass@host:587 or smtps://user:pass@host:465", redact(d.SMTPURL))
		}
		if d.MailFrom == "" {
			return fmt.Errorf("ADVOCATE_MAIL_FROM is required with ADVOCATE_SMTP_URL: the address your mail server sends as")
		}
	}
	if d.MailFrom != "" {
		a, err := mail.ParseAddress(d.MailFrom)
		if err == nil {
			err = app.CheckEmail(a.Address) // the one address rule (no IP literals)
		}
		if err != nil {
			return fmt.Errorf("mail from %q: want an address at a domain name, such as \"Free Guan Heng <letters@example.org>\"", d.MailFrom)
		}
	}
	if d.SMTPTimeout < time.Second || d.SMTPTimeout > 10*time.Minute {
		return fmt.Errorf("SMTP timeout %v: want 1s to 10m", d.SMTPTimeout)
	}
	if d.RatePerDomain < 0 {
		return fmt.Errorf("mail rate per domain must not be negative")
	}
	if d.OutboxWorkers < 0 || d.OutboxWorkers > 64 {
		return fmt.Errorf("outbox workers %d: want 0 (no sending in this instance) to 64", d.OutboxWorkers)
	}
	if d.CWCURL != "" {
		u, err := url.Parse(d.CWCURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("CWC URL %q: want an https URL", d.CWCURL)
		}
		if d.CWCAPIKey == "" {
			return fmt.Errorf("ADVOCATE_CWC_API_KEY is required with ADVOCATE_CWC_URL")
		}
	}
	if d.CWCSenateURL != "" {
		u, err := url.Parse(d.CWCSenateURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("Senate CWC URL %q: want an https URL such as https://soapbox.senate.gov/api", d.CWCSenateURL)
		}
		if d.CWCSenateAPIKey == "" {
			return fmt.Errorf("ADVOCATE_CWC_SENATE_API_KEY is required with ADVOCATE_CWC_SENATE_URL")
		}
	}
	return nil
}

// OutboxPath is where unsent emails are filed.
func (c Config) OutboxPath() string {
	if c.Delivery.OutboxDir != "" {
		return c.Delivery.OutboxDir
	}
	return filepath.Join(c.DataDir, "outbox")
}

// MailFromAddress splits MailFrom into a display name and an address; with
// none set it derives one from BaseURL (only used for filed mail then).
func (c Config) MailFromAddress() (name, address string) {
	if a, err := mail.ParseAddress(c.Delivery.MailFrom); err == nil {
		return a.Name, a.Address
	}
	host := "advocate.invalid"
	if u, err := url.Parse(c.BaseURL); err == nil && strings.Contains(u.Hostname(), ".") {
		host = u.Hostname()
	}
	return "Advocate", "advocate@" + host
}
