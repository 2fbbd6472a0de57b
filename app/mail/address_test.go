package mail_test

import (
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app/mail"
)

// The mail package applies the same address rule as the forms: no message
// is built for an address at an IP literal, whoever stored it.
func TestParseAddressRefusesIPLiterals(t *testing.T) {
	for _, a := range []string{"a@[10.0.0.1]", "a@[IPv6:::1]", "a@10.0.0.1"} {
		if _, err := mail.ParseAddress(a); err == nil || !strings.Contains(err.Error(), "IP address") {
			t.Errorf("ParseAddress(%q): %v", a, err)
		}
	}
	if got, err := mail.ParseAddress("office@example.gov"); err != nil || got != "office@example.gov" {
		t.Errorf("plain address: %q %v", got, err)
	}
}
