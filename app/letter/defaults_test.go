package letter_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/letter"
)

func TestDefaultLettersCompile(t *testing.T) {
	c := testCampaign()
	fields := letter.Fields(c)
	r := letter.NewRenderer(letter.Options{})
	for _, k := range app.TargetKinds() {
		subject, body := readDefault(t, k)
		if _, err := letter.Compile("subject", subject, fields); err != nil {
			t.Errorf("%s subject: %v", k, err)
		}
		if _, err := letter.Compile("body", body, fields); err != nil {
			t.Errorf("%s body: %v", k, err)
		}
		if err := r.Validate(app.TemplateVersion{Kind: k, Subject: subject, Body: body}, c); err != nil {
			t.Errorf("%s: Validate: %v", k, err)
		}
		if !strings.HasPrefix(body, "{{ recipient.greeting }}\n") {
			t.Errorf("%s: body must start with the greeting", k)
		}
		// Without the campaign's facts the defaults must not compile: they
		// are written for the seed campaign.
		if _, err := letter.Compile("body", body, letter.Fields(nil)); err == nil {
			t.Errorf("%s: compiled without campaign facts", k)
		}
	}
}

func TestDefaultTemplatesFromFS(t *testing.T) {
	dir := filepath.Join(apptest.RepoRoot(t), "templates")
	got, err := letter.DefaultTemplates(os.DirFS(dir), "letters")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(app.TargetKinds()) {
		t.Fatalf("got %d defaults", len(got))
	}
	for _, k := range app.TargetKinds() {
		tv := got[k]
		if tv.Kind != k || tv.Author != "seed" || tv.Subject == "" || tv.Body == "" {
			t.Errorf("%s: %+v", k, tv)
		}
	}
}

func TestDefaultLettersRender(t *testing.T) {
	const msg = "I am a retired teacher in Albany and have followed this case since August.\n\nPlease do not let him be sent away."
	withUnit := testSupporter()
	withUnit.Address2 = "Apt 3"
	// The open seed campaign's letters state only its sourced facts.
	common := []string{
		"Guan Heng", "secretly filmed detention facilities in Xinjiang in 2020",
		"On January 28, 2026, an immigration judge in Napanoch, New York granted him asylum in the United States, and he was released from immigration detention on February 3, 2026.",
		"public",
	}
	tests := []struct {
		kind    app.TargetKind
		target  app.Target
		subject string
		want    []string
		not     []string
		closing string
	}{
		{app.TargetRepresentative, repTarget(), "Please support a hearing on protecting people who document abuses in China",
			[]string{"Dear Representative Tonko:\n\n", "As your constituent in Albany, NY,", "support a public hearing"},
			[]string{"Because you serve as", "Thank you: you have already"}, "Respectfully,"},
		{app.TargetSenator, senTarget(), "Please support a hearing on protecting people who document abuses in China",
			[]string{"Dear Senator Example:\n\n", "you represent in the Senate, writing from Albany, NY.", "Senate's oversight"},
			[]string{"As a member", "Thank you: you have already"}, "Sincerely,"},
		{app.TargetCommittee, committeeTarget(), "A request for a public hearing on protecting people who document abuses in China",
			[]string{"Dear Representative Rivera:\n\n", "in your role as Ranking Member of the House Select Committee on the CCP to ask for a public hearing",
				"The body on which you serve is well placed"},
			[]string{"constituent"}, "Respectfully,"},
		{app.TargetExecutive, dhsTarget(), "Protecting people who document abuses in China and seek asylum",
			[]string{"Dear Secretary Mullin:\n\n", "I am writing from Albany, NY, to ask that the Department of Homeland Security",
				"heard fully and fairly"},
			[]string{"constituent", "your role"}, "Respectfully,"},
	}
	c := testCampaign()
	r := letter.NewRenderer(letter.Options{})
	for i, tt := range tests {
		subject, body := readDefault(t, tt.kind)
		tv := app.TemplateVersion{ID: int64(100 + i), CampaignID: c.ID, Kind: tt.kind, Version: 1, Subject: subject, Body: body}
		for _, personal := range []string{"", msg} {
			for _, sup := range []app.Supporter{testSupporter(), withUnit} {
				name := string(tt.kind)
				gotSubject, got, err := r.Render(tv, c, tt.target, sup, personal, letterDate)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if gotSubject != tt.subject {
					t.Errorf("%s: subject %q", name, gotSubject)
				}
				if !strings.HasPrefix(got, tt.want[0]) {
					t.Errorf("%s: starts %q", name, got[:min(len(got), 60)])
				}
				for _, w := range append(common, tt.want...) {
					if !strings.Contains(got, w) {
						t.Errorf("%s: missing %q", name, w)
					}
				}
				for _, w := range tt.not {
					if strings.Contains(got, w) {
						t.Errorf("%s: should not contain %q", name, w)
					}
				}
				if strings.Contains(got, "{{") || strings.Contains(got, "}}") || strings.Contains(got, "\n\n\n") || strings.Contains(got, " \n") {
					t.Errorf("%s: untidy output:\n%s", name, got)
				}
				if personal == "" && strings.Contains(got, "retired teacher") || personal != "" && !strings.Contains(got, "\n\n"+msg+"\n\n") {
					t.Errorf("%s: personal message handling wrong (message %q):\n%s", name, personal, got)
				}
				sig := "\n\n" + tt.closing + "\n\nMaria Lopez\n12 Elm Street\nAlbany, NY 12203"
				if sup.Address2 != "" {
					sig = "\n\n" + tt.closing + "\n\nMaria Lopez\n12 Elm Street\nApt 3\nAlbany, NY 12203"
				}
				if !strings.HasSuffix(got, sig) {
					t.Errorf("%s: ends %q, want %q", name, got[max(0, len(got)-80):], sig)
				}
				if n := len(strings.Fields(got)); n < 150 || n > 420 {
					t.Errorf("%s: %d words, want roughly 150-400", name, n)
				}
				if m := asksRelease.FindString(got); m != "" {
					t.Errorf("%s: asks for %q: the case is won", name, m)
				}
			}
		}
	}
}

// A committee member who also represents the supporter is greeted as one.
func TestCommitteeLetterForConstituent(t *testing.T) {
	subject, body := readDefault(t, app.TargetCommittee)
	tgt := committeeTarget()
	tgt.Reasons = append(tgt.Reasons, "your Representative")
	_, got, err := letter.NewRenderer(letter.Options{}).Render(app.TemplateVersion{Subject: subject, Body: body}, testCampaign(), tgt, testSupporter(), "", letterDate)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "As your constituent in Albany, NY, I am writing to you in your role as Ranking Member") {
		t.Errorf("got:\n%s", got)
	}
}

// asksRelease finds the words of the won case's ask (release, bond,
// parole) that no letter made today may contain.
var asksRelease = regexp.MustCompile(`(?i)\b(release|bond|parole)\b`)

// The archived letters of the closed seed campaign stay readable as the
// example: dated with the year, no frozen age, and a recipient who already
// acted is thanked, not asked to join himself; a TLHRC co-chair is told of
// his own Commission's statement; grammar follows the number of seats.
func TestArchivedGuanHengLetters(t *testing.T) {
	c := closedCampaign()
	r := letter.NewRenderer(letter.Options{})
	render := func(kind app.TargetKind, tg app.Target) string {
		t.Helper()
		subject, body := readLetterFile(t, "free-guan-heng/"+string(kind)+".txt")
		_, got, err := r.Render(app.TemplateVersion{Kind: kind, Subject: subject, Body: body}, c, tg, testSupporter(), "", letterDate)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got, " in August.") || strings.Contains(got, " in August,") || strings.Contains(got, "38") {
			t.Errorf("%s letter has a date without its year or an age:\n%s", kind, got)
		}
		return got
	}
	k := repTarget()
	k.Key, k.BioguideID, k.Name, k.LastName, k.Greeting = "leg:K000391", "K000391", "Raja Krishnamoorthi", "Krishnamoorthi", "Dear Representative Krishnamoorthi:"
	got := render(app.TargetRepresentative, k)
	if !strings.Contains(got, "thank you: you have already written to the Secretary of Homeland Security on his behalf") ||
		strings.Contains(got, "add your voice") {
		t.Errorf("the sponsor is asked to join himself:\n%s", got)
	}
	if got := render(app.TargetRepresentative, repTarget()); !strings.Contains(got, "add your voice") || !strings.Contains(got, "August 2025") {
		t.Errorf("another Representative:\n%s", got)
	}
	smith := committeeTarget()
	smith.Roles = []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: "Tom Lantos Human Rights Commission", Title: "Co-Chair"},
		{CommitteeCode: "CECC", CommitteeName: "Congressional-Executive Commission on China", Title: "Co-Chair"}}
	got = render(app.TargetCommittee, smith)
	if !strings.Contains(got, "in your roles as Co-Chair of the Tom Lantos Human Rights Commission and Co-Chair of the Congressional-Executive Commission on China") ||
		!strings.Contains(got, "you have already spoken up for him through the Tom Lantos Human Rights Commission") ||
		strings.Contains(got, "Members of Congress have already said") {
		t.Errorf("TLHRC co-chair:\n%s", got)
	}
	sullivan := committeeTarget()
	sullivan.Roles = []app.TargetRole{{CommitteeCode: "CECC", CommitteeName: "Congressional-Executive Commission on China", Title: "Chair"},
		{CommitteeCode: "HSZS", CommitteeName: "House Select Committee on the CCP"}}
	if got := render(app.TargetCommittee, sullivan); !strings.Contains(got, "The bodies on which you serve exist to") {
		t.Errorf("two bodies:\n%s", got)
	}
}
