package app_test

import (
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
)

// One rule for every address: plain, at a dotted domain name, never at an
// IP address (which would reach whatever machine the number names, the
// operator's own network included).
func TestCheckEmail(t *testing.T) {
	for _, tt := range []struct {
		email string
		want  error
	}{
		{"jose@example.org", nil},
		{"TLHRC@mail.house.gov", nil},
		{"a.b+tag@sub.example.co.uk", nil},
		{"a@[10.0.0.1]", app.ErrEmailIPLiteral},
		{"a@[IPv6:::1]", app.ErrEmailIPLiteral},
		{"a@[IPv6:2001:db8::1]", app.ErrEmailIPLiteral},
		{"a@127.0.0.1", app.ErrEmailIPLiteral},
		{"a@192.168.1.10.", app.ErrEmailIPLiteral},
		{"", app.ErrEmailInvalid},
		{"jose", app.ErrEmailInvalid},
		{"jose@localhost", app.ErrEmailInvalid},
		{"Jose <jose@example.org>", app.ErrEmailInvalid},
		{"a@example.org, b@example.org", app.ErrEmailInvalid},
		{"a@example.org\r\nBcc: b@example.org", app.ErrEmailInvalid},
		{"a\t@example.org", app.ErrEmailInvalid},
		{strings.Repeat("a", 250) + "@example.org", app.ErrEmailInvalid},
	} {
		if got := app.CheckEmail(tt.email); got != tt.want {
			t.Errorf("CheckEmail(%q) = %v, want %v", tt.email, got, tt.want)
		}
		if app.ValidEmail(tt.email) != (tt.want == nil) {
			t.Errorf("ValidEmail(%q) disagrees", tt.email)
		}
	}
}

// Supporters and accounts hear why an IP-literal address is refused.
func TestIPLiteralEmailRefusedWithReason(t *testing.T) {
	for _, email := range []string{"jose@[10.0.0.1]", "jose@[IPv6:::1]"} {
		in := validInput()
		in.Email = email
		err := in.Normalize()
		if msg := app.ErrorFieldsOf(err)["email"]; !strings.Contains(msg, "not at an IP address") {
			t.Errorf("supporter %s: %v %q", email, err, msg)
		}
		u := app.User{Email: email, Roles: []app.Role{app.RoleStaff}}
		if msg := app.ErrorFieldsOf(u.Validate())["email"]; !strings.Contains(msg, "not at an IP address") {
			t.Errorf("account %s: %q", email, msg)
		}
	}
}
