package app_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

func validInput() app.SubmissionInput {
	return app.SubmissionInput{FirstName: " José ", LastName: "Núñez", Email: "jose@example.org", Address1: "12  State St",
		City: "Albany", State: "ny", Zip: "12202-1234", PersonalMessage: "First line.\r\n\r\n\r\nSecond   paragraph.  "}
}

func TestNormalizeCleans(t *testing.T) {
	in := validInput()
	if err := in.Normalize(); err != nil {
		t.Fatal(err)
	}
	if in.FirstName != "José" || in.Address1 != "12 State St" || in.State != "NY" || in.Zip != "12202" {
		t.Fatalf("%+v", in)
	}
	if in.PersonalMessage != "First line.\n\nSecond paragraph." {
		t.Fatalf("message %q", in.PersonalMessage)
	}
}

func TestNormalizeRejects(t *testing.T) {
	lat := 42.0
	tests := []struct {
		field string
		edit  func(*app.SubmissionInput)
	}{
		{"first_name", func(in *app.SubmissionInput) { in.FirstName = "" }},
		{"first_name", func(in *app.SubmissionInput) { in.FirstName = strings.Repeat("a", 10_000) }},
		{"last_name", func(in *app.SubmissionInput) { in.LastName = "a\x00b" }},
		{"city", func(in *app.SubmissionInput) { in.City = "Al\u202ebany" }},
		{"email", func(in *app.SubmissionInput) { in.Email = "jose" }},
		{"email", func(in *app.SubmissionInput) { in.Email = "Jose <jose@example.org>" }},
		{"email", func(in *app.SubmissionInput) { in.Email = "jose@localhost" }},
		{"email", func(in *app.SubmissionInput) { in.Email = "jose@example.org\r\nBcc: x@example.org" }},
		{"state", func(in *app.SubmissionInput) { in.State = "XX" }},
		{"zip", func(in *app.SubmissionInput) { in.Zip = "1220" }},
		{"zip", func(in *app.SubmissionInput) { in.Zip = "" }},
		{"lat", func(in *app.SubmissionInput) { in.Lat = &lat }},
		{"personal_message", func(in *app.SubmissionInput) { in.PersonalMessage = strings.Repeat("x", 2001) }},
		{"personal_message", func(in *app.SubmissionInput) { in.PersonalMessage = "bell\a" }},
		{"prefix", func(in *app.SubmissionInput) { in.Prefix = "Sir" }},
		{"prefix", func(in *app.SubmissionInput) { in.Prefix = "Dr.\x00" }},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i, tt.field), func(t *testing.T) {
			in := validInput()
			tt.edit(&in)
			err := in.Normalize()
			if app.ErrorCodeOf(err) != app.EINVALID {
				t.Fatalf("err %v", err)
			}
			if _, ok := app.ErrorFieldsOf(err)[tt.field]; !ok {
				t.Fatalf("no error on %s: %v", tt.field, err)
			}
		})
	}
}

func TestNormalizePrefix(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""}, {"  ", ""}, {"Dr.", "Dr."}, {" ms ", "Ms."}, {"MRS.", "Mrs."}, {"miss", "Miss"}, {"Mx", "Mx."}, {"mr.", "Mr."},
	} {
		in := validInput()
		in.Prefix = tt.in
		if err := in.Normalize(); err != nil || in.Prefix != tt.want {
			t.Errorf("prefix %q: got %q (%v), want %q", tt.in, in.Prefix, err, tt.want)
		}
	}
}

func TestCampaignAccepts(t *testing.T) {
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	later := now.Add(24 * time.Hour)
	earlier := now.Add(-24 * time.Hour)
	tests := []struct {
		c    app.Campaign
		ok   bool
		want string
	}{
		{app.Campaign{Status: app.CampaignOpen}, true, ""},
		{app.Campaign{Status: app.CampaignClosed}, false, "closed"},
		{app.Campaign{Status: app.CampaignDraft}, false, "not open"},
		{app.Campaign{Status: app.CampaignOpen, StartsAt: &later}, false, "opens on November 23, 2026"},
		{app.Campaign{Status: app.CampaignOpen, EndsAt: &earlier}, false, "ended"},
	}
	for _, tt := range tests {
		ok, why := tt.c.AcceptsAt(now)
		if ok != tt.ok || !strings.Contains(why, tt.want) {
			t.Errorf("%+v: %v %q", tt.c, ok, why)
		}
	}
}

func TestErrorsNeverLeakInternals(t *testing.T) {
	internal := fmt.Errorf("pq: relation \"secret\" does not exist")
	if msg := app.ErrorMessageOf(internal); strings.Contains(msg, "secret") {
		t.Fatal(msg)
	}
	wrapped := fmt.Errorf("submit: %w", app.WrapError(app.ENOTFOUND, internal, "No such campaign."))
	if app.ErrorCodeOf(wrapped) != app.ENOTFOUND || app.ErrorMessageOf(wrapped) != "No such campaign." {
		t.Fatal(wrapped)
	}
	if !errors.Is(wrapped, internal) {
		t.Fatal("cause lost")
	}
}

// "Leaders" are chairs, co-chairs, vice chairs and ranking members; other
// titled seats, such as the TLHRC executive committee, are not.
func TestMembershipLeadership(t *testing.T) {
	for title, want := range map[string]bool{"Chairman": true, "Co-Chair": true, "Vice Chair": true, "Ranking Member": true,
		"Chair": true, "Executive Committee": false, "Ex Officio": false, "": false} {
		if got := (app.Membership{Title: title}).Leadership(); got != want {
			t.Errorf("Leadership(%q) = %v, want %v", title, got, want)
		}
	}
}
