package app_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
)

// FuzzNormalize feeds arbitrary supporter input through Normalize: it never
// panics, and what it accepts is clean (no control characters, limits kept,
// a 5-digit ZIP, a known state).
func FuzzNormalize(f *testing.F) {
	f.Add("José", "Núñez", "jose@example.org", "12 State St", "Albany", "NY", "12202-1234", "Hello.\r\n\r\nWorld")
	f.Add("<script>", "x\x00", "a@b", "", "", "zz", "1220", "\u202e")
	f.Add(strings.Repeat("a", 200), "b", "x@example.org", "1", "c", "dc", "20001", strings.Repeat("é", 3000))
	f.Fuzz(func(t *testing.T, first, last, email, addr, city, state, zip, msg string) {
		in := app.SubmissionInput{FirstName: first, LastName: last, Email: email, Address1: addr, City: city, State: state, Zip: zip, PersonalMessage: msg}
		if err := in.Normalize(); err != nil {
			if app.ErrorCodeOf(err) != app.EINVALID || len(app.ErrorFieldsOf(err)) == 0 {
				t.Fatalf("error without fields: %v", err)
			}
			return
		}
		for _, v := range []string{in.FirstName, in.LastName, in.Email, in.Address1, in.City} {
			if v == "" || !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n\t") || v != strings.TrimSpace(v) {
				t.Fatalf("accepted unclean field %q", v)
			}
		}
		if utf8.RuneCountInString(in.FirstName) > app.MaxNameLen || utf8.RuneCountInString(in.PersonalMessage) > app.MaxPersonalMessageLen {
			t.Fatal("limit not enforced")
		}
		if len(in.Zip) != 5 || !app.ValidState(in.State) {
			t.Fatalf("accepted zip %q state %q", in.Zip, in.State)
		}
		if strings.Contains(in.PersonalMessage, "\r") || strings.Contains(in.PersonalMessage, "\n\n\n") {
			t.Fatalf("message not normalised: %q", in.PersonalMessage)
		}
	})
}

// FuzzNormalizeZip: a result is always "" or exactly five digits taken from
// the input.
func FuzzNormalizeZip(f *testing.F) {
	for _, s := range []string{"12202", "12202-1234", "122021234", " 60173 ", "1220", "abcde", "00601", "12202-12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		z := app.NormalizeZip(s)
		if z == "" {
			return
		}
		if len(z) != 5 || strings.Trim(z, "0123456789") != "" || !strings.Contains(s, z) {
			t.Fatalf("NormalizeZip(%q) = %q", s, z)
		}
	})
}
