package app

import (
	"errors"
	"net"
	"net/mail"
	"strings"
	"unicode"
)

// MaxEmailAddressLen is the longest address SMTP carries (RFC 5321 path
// limit less the angle brackets).
const MaxEmailAddressLen = 254

// Email address problems, for callers that word their own message.
var (
	// ErrEmailInvalid is an address that is not exactly one plain mailbox
	// at a dotted domain name.
	ErrEmailInvalid = errors.New("not a valid email address")
	// ErrEmailIPLiteral is an address at an IP address ("a@[10.0.0.1]",
	// "a@[IPv6:::1]", "a@10.0.0.1") rather than a domain name. Such an
	// address reaches whatever machine the number names, inside the
	// operator's network included, so no supporter, account or office may
	// use one.
	ErrEmailIPLiteral = errors.New("email address at an IP address rather than a domain name")
)

// CheckEmail is the one rule for every email address Advocate stores or
// sends to (supporters, accounts, offices, commissions, the mail package):
// exactly one plain address, no display name, comment, space or control
// character, at most MaxEmailAddressLen bytes, at a dotted domain name and
// never at an IP address. It returns nil, ErrEmailIPLiteral or
// ErrEmailInvalid.
func CheckEmail(s string) error {
	if s == "" || len(s) > MaxEmailAddressLen {
		return ErrEmailInvalid
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == ',' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return ErrEmailInvalid
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return ErrEmailInvalid
	}
	domain := s[at+1:]
	// Checked before parsing: net/mail refuses "[IPv6:...]" as malformed,
	// and the person should hear the real reason.
	if strings.HasPrefix(domain, "[") || net.ParseIP(strings.TrimSuffix(domain, ".")) != nil {
		return ErrEmailIPLiteral
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(domain, ".") {
		return ErrEmailInvalid
	}
	return nil
}

// ValidEmail reports whether s passes CheckEmail.
func ValidEmail(s string) bool { return CheckEmail(s) == nil }

// SameEmail reports whether a and b are the same mailbox as far as
// delivery goes: the case of an address is not meaningful in practice, so
// retyping an office's address in other capitals is no change of address.
func SameEmail(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
