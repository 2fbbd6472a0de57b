package letter_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/letter"
)

// letterDate is the fixed date the tests write letters on.
var letterDate = time.Date(2026, time.November, 22, 10, 0, 0, 0, time.UTC)

func testCampaign() *app.Campaign {
	return &app.Campaign{
		ID: 7, Slug: "free-guan-heng", Title: "Free Guan Heng", Status: app.CampaignOpen,
		Ask:     "release him on bond while his asylum case proceeds",
		Summary: "Guan Heng filmed the camps in Xinjiang and now sits in ICE detention.",
		Facts: map[string]string{
			"person":     "Guan Heng",
			"person_age": "38",
			"facility":   "an ICE detention facility in New York",
			"home_area":  "near Albany, New York",
			// The facts of the default letters (the open seed campaign).
			"witness":           "Guan Heng",
			"documented":        "secretly filmed detention facilities in Xinjiang in 2020",
			"asylum_granted_on": "January 28, 2026",
			"asylum_court":      "an immigration judge in Napanoch, New York",
			"released_on":       "February 3, 2026",
		},
	}
}

// closedCampaign is the closed seed campaign its archived letters
// (templates/letters/free-guan-heng) are written for.
func closedCampaign() *app.Campaign {
	return &app.Campaign{
		ID: 8, Slug: "free-guan-heng", Title: "Free Guan Heng", Status: app.CampaignClosed,
		Facts: map[string]string{"person": "Guan Heng", "detained_in": "August 2025"},
		Acted: []app.ActedRecipient{
			{Key: "leg:K000391", Action: "written to the Secretary of Homeland Security on his behalf", Source: "his letter"},
			{Key: "body:TLHRC", Action: "spoken up for him through the Tom Lantos Human Rights Commission", Source: "statement"},
		},
	}
}

func intp(n int) *int { return &n }

func repTarget() app.Target {
	return app.Target{
		Key: "leg:T000469", Kind: app.TargetRepresentative, BioguideID: "T000469",
		Name: "Paul Tonko", LastName: "Tonko", Title: "Representative", Honorific: "The Honorable",
		Greeting: "Dear Representative Tonko:", Chamber: app.House, Party: "Democrat", State: "NY",
		District:     intp(20),
		AddressLines: []string{"2269 Rayburn House Office Building", "Washington, DC 20515"},
		Reasons:      []string{"your Representative"},
	}
}

func senTarget() app.Target {
	return app.Target{
		Key: "leg:S000001", Kind: app.TargetSenator, BioguideID: "S000001",
		Name: "Dana Example", LastName: "Example", Title: "Senator", Honorific: "The Honorable",
		Greeting: "Dear Senator Example:", Chamber: app.Senate, Party: "Democrat", State: "NY",
		AddressLines: []string{"100 Russell Senate Office Building", "Washington, DC 20510"},
		Reasons:      []string{"your Senator"},
	}
}

func committeeTarget() app.Target {
	return app.Target{
		Key: "leg:C000001", Kind: app.TargetCommittee, BioguideID: "C000001",
		Name: "Alex Rivera", LastName: "Rivera", Title: "Representative", Honorific: "The Honorable",
		Greeting: "Dear Representative Rivera:", Chamber: app.House, Party: "Democrat", State: "IL",
		District:     intp(8),
		AddressLines: []string{"2000 Longworth House Office Building", "Washington, DC 20515"},
		Roles: []app.TargetRole{
			{CommitteeCode: "HSZS", CommitteeName: "House Select Committee on the CCP", Title: "Ranking Member"},
		},
		Reasons: []string{"Ranking Member, House Select Committee on the CCP"},
	}
}

func dhsTarget() app.Target {
	return app.Target{
		Key: "exec:DHS_SECRETARY", Kind: app.TargetExecutive,
		Name: "Markwayne Mullin", LastName: "Mullin", Title: "Secretary of Homeland Security",
		Honorific: "The Honorable", Greeting: "Dear Secretary Mullin:",
		AddressLines: []string{"U.S. Department of Homeland Security", "2707 Martin Luther King Jr Ave SE", "Washington, DC 20528"},
		Reasons:      []string{"Secretary of Homeland Security"},
	}
}

func testSupporter() app.Supporter {
	return app.Supporter{
		FirstName: "Maria", LastName: "Lopez", Email: "maria@example.org",
		Address1: "12 Elm Street", City: "Albany", State: "NY", Zip: "12203",
	}
}

// testData is the merge data for the representative with an optional
// personal message.
func testData(msg string) letter.Data {
	return letter.NewData(testCampaign(), repTarget(), testSupporter(), msg, letterDate)
}

// readDefault loads one default letter from templates/letters.
func readDefault(tb testing.TB, kind app.TargetKind) (subject, body string) {
	tb.Helper()
	return readLetterFile(tb, string(kind)+".txt")
}

// readLetterFile loads a letter file from templates/letters.
func readLetterFile(tb testing.TB, name string) (subject, body string) {
	tb.Helper()
	kind := name
	src, err := os.ReadFile(filepath.Join(apptest.RepoRoot(tb), "templates", "letters", filepath.FromSlash(name)))
	if err != nil {
		tb.Fatal(err)
	}
	subject, body, err = letter.ParseLetterFile(string(src))
	if err != nil {
		tb.Fatalf("%s: %v", kind, err)
	}
	return subject, body
}
