package pdf_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
)

// The seed letters (templates/letters/*.txt) rendered for real offices, the
// way a supporter downloads them: through the letter renderer and the same
// sender and recipient blocks the submission service prints.

func intp(n int) *int { return &n }

// seedCampaign is the open seed campaign whose letters are
// templates/letters/*.txt, with its facts as data/seed/campaigns has them.
func seedCampaign(tb testing.TB) *app.Campaign {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(apptest.RepoRoot(tb), "data", "seed", "campaigns", "protect-witnesses.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	var seed struct {
		Slug  string            `yaml:"slug"`
		Title string            `yaml:"title"`
		Facts map[string]string `yaml:"facts"`
	}
	if err := yaml.Unmarshal(b, &seed); err != nil {
		tb.Fatal(err)
	}
	return &app.Campaign{ID: 1, Slug: seed.Slug, Title: seed.Title, Status: app.CampaignOpen, Facts: seed.Facts}
}

// seedTargets are one recipient of each kind, with real office addresses;
// the committee member holds two seats, which makes for the longest
// "in your role as" sentence.
func seedTargets() []app.Target {
	return []app.Target{
		{Key: "leg:T000469", Kind: app.TargetRepresentative, BioguideID: "T000469", Name: "Paul Tonko", LastName: "Tonko",
			Title: "Representative", Honorific: "The Honorable", Greeting: "Dear Representative Tonko:", Chamber: app.House,
			State: "NY", District: intp(20), AddressLines: []string{"2269 Rayburn House Office Building", "Washington, DC 20515"}},
		{Key: "leg:G000555", Kind: app.TargetSenator, BioguideID: "G000555", Name: "Kirsten E. Gillibrand", LastName: "Gillibrand",
			Title: "Senator", Honorific: "The Honorable", Greeting: "Dear Senator Gillibrand:", Chamber: app.Senate,
			State: "NY", AddressLines: []string{"478 Russell Senate Office Building", "Washington, DC 20510"}},
		{Key: "leg:S000522", Kind: app.TargetCommittee, BioguideID: "S000522", Name: "Christopher H. Smith", LastName: "Smith",
			Title: "Representative", Honorific: "The Honorable", Greeting: "Dear Representative Smith:", Chamber: app.House,
			State: "NJ", District: intp(4), AddressLines: []string{"2373 Rayburn House Office Building", "Washington, DC 20515"},
			Roles: []app.TargetRole{
				{CommitteeCode: "TLHRC", CommitteeName: "Tom Lantos Human Rights Commission", Title: "Co-Chair"},
				{CommitteeCode: "CECC", CommitteeName: "Congressional-Executive Commission on China", Title: "Co-Chair"},
			}},
		{Key: "exec:DHS_SECRETARY", Kind: app.TargetExecutive, Name: "Markwayne Mullin", LastName: "Mullin",
			Title: "Secretary of Homeland Security", Honorific: "The Honorable", Greeting: "Dear Secretary Mullin:",
			AddressLines: []string{"U.S. Department of Homeland Security", "2707 Martin Luther King Jr Ave SE", "Washington, DC 20528"}},
	}
}

// seedSupporter has a second address line, so the sender and signature
// blocks are as long as they get.
func seedSupporter() app.Supporter {
	return app.Supporter{
		FirstName: "José", LastName: "Núñez", Email: "jose.nunez@example.org",
		Address1: "1234 Maple Avenue", Address2: "Apartment 5B", City: "Albany", State: "NY", Zip: "12207",
	}
}

// personalParagraph is a personal message of some 450 characters, the
// length supporters commonly add.
const personalParagraph = "I am a retired schoolteacher in Albany, and my family came to this country " +
	"seeking safety, as Guan Heng did. I have followed his case since August, and I was moved that " +
	"he risked everything so that the world would know what happens in Xinjiang. Please do not let " +
	"his courage be answered with detention. My neighbours Łukasz Żółć and Zoë Brontë have signed " +
	"letters too; we are watching what our representatives do."

// seedLetters renders every default letter for its recipient, with the
// personal paragraph when msg is not empty.
func seedLetters(tb testing.TB, msg string) []pdf.Letter {
	tb.Helper()
	r := letter.NewRenderer(letter.Options{})
	c, sup := seedCampaign(tb), seedSupporter()
	var out []pdf.Letter
	for _, t := range seedTargets() {
		src, err := os.ReadFile(filepath.Join(apptest.RepoRoot(tb), "templates", "letters", string(t.Kind)+".txt"))
		if err != nil {
			tb.Fatal(err)
		}
		subject, body, err := letter.ParseLetterFile(string(src))
		if err != nil {
			tb.Fatal(err)
		}
		tv := app.TemplateVersion{Kind: t.Kind, Subject: subject, Body: body}
		subj, text, err := r.Render(tv, c, t, sup, msg, letterDate)
		if err != nil {
			tb.Fatalf("%s: %v", t.Kind, err)
		}
		if !strings.Contains(text, "Núñez") {
			tb.Fatalf("%s: rendered letter lacks the signature:\n%s", t.Kind, text)
		}
		out = append(out, pdf.Letter{
			SenderLines: pdf.SenderLines(sup), Date: letterDate,
			RecipientLines: pdf.RecipientLines(t), Subject: subj, Body: text,
		})
	}
	return out
}

// TestDumpSeedLetters writes the seed letters to $PDF_DUMP_DIR for a person
// to look at (pdftoppm -png); it does nothing otherwise.
func TestDumpSeedLetters(t *testing.T) {
	dir := os.Getenv("PDF_DUMP_DIR")
	if dir == "" {
		t.Skip("PDF_DUMP_DIR not set")
	}
	m := defaultMaker(t)
	for _, msg := range []string{"", personalParagraph} {
		for _, l := range seedLetters(t, msg) {
			name := strings.ReplaceAll(strings.Fields(l.RecipientLines[0])[2], ".", "")
			if msg != "" {
				name += "-personal"
			}
			if err := os.WriteFile(filepath.Join(dir, name+".pdf"), render(t, m, l), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
