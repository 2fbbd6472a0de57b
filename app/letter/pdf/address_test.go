package pdf_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
)

func TestRecipientLines(t *testing.T) {
	d := 20
	tests := []struct {
		name string
		t    app.Target
		want []string
	}{
		{"representative", app.Target{Kind: app.TargetRepresentative, Chamber: app.House, Honorific: "The Honorable", Name: "Paul Tonko", District: &d,
			AddressLines: []string{"2269 Rayburn House Office Building", "Washington, DC 20515-3220"}},
			[]string{"The Honorable Paul Tonko", "U.S. House of Representatives", "2269 Rayburn House Office Building", "Washington, DC 20515-3220"}},
		{"senator", app.Target{Kind: app.TargetSenator, Chamber: app.Senate, Honorific: "The Honorable", Name: "Charles E. Schumer",
			AddressLines: []string{"322 Hart Senate Office Building", "Washington, DC 20510"}},
			[]string{"The Honorable Charles E. Schumer", "United States Senate", "322 Hart Senate Office Building", "Washington, DC 20510"}},
		{"executive", app.Target{Kind: app.TargetExecutive, Honorific: "The Honorable", Name: "Markwayne Mullin", Title: "Secretary of Homeland Security",
			AddressLines: []string{"Secretary of Homeland Security", "U.S. Department of Homeland Security", "Washington, DC 20528"}},
			[]string{"The Honorable Markwayne Mullin", "Secretary of Homeland Security", "U.S. Department of Homeland Security", "Washington, DC 20528"}},
	}
	for _, tt := range tests {
		if got := pdf.RecipientLines(tt.t); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q", tt.name, got)
		}
	}
}

func TestSenderLines(t *testing.T) {
	got := pdf.SenderLines(app.Supporter{FirstName: "Zoë", LastName: "Brontë", Address1: "1 Main St", City: "Albany", State: "NY", Zip: "12202", Email: "z@example.org"})
	want := []string{"Zoë Brontë", "1 Main St", "Albany, NY 12202", "z@example.org"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q", got)
	}
	erased := pdf.SenderLines(app.Supporter{FirstName: "A", LastName: "B"})
	if !reflect.DeepEqual(erased, []string{"A B"}) {
		t.Fatalf("erased supporter: %q", erased)
	}
}

func TestLettersAreDatedInTheConfiguredZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	late := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 9 pm on the 22nd in New York
	got := pdf.StoredLetter(&app.Submission{}, app.Letter{CreatedAt: late}, ny).Date
	if got.Day() != 22 || got.Location() != ny {
		t.Fatalf("letter dated %v", got)
	}
}
