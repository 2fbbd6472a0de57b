package letter_test

import (
	"os"
	"path/filepath"
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
	for _, k := range app.TargetKinds {
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
	if len(got) != len(app.TargetKinds) {
		t.Fatalf("got %d defaults", len(got))
	}
	for _, k := range app.TargetKinds {
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
	common := []string{
		"Guan Heng", "38", "an ICE detention facility in New York", "near Albany, New York",
		"Xinjiang", "Uyghurs", "asylum", "bond", "Uganda", "23 hours",
	}
	tests := []struct {
		kind    app.TargetKind
		target  app.Target
		subject string
		want    []string
		not     []string
		closing string
	}{
		{app.TargetRepresentative, repTarget(), "Please help free Guan Heng while his asylum case is heard",
			[]string{"Dear Representative Tonko:\n\n", "As your constituent in Albany, NY,", "immigration judge"},
			nil, "Respectfully,"},
		{app.TargetSenator, senTarget(), "Urging your support for the release of Guan Heng from ICE detention",
			[]string{"Dear Senator Example:\n\n", "you represent in the Senate, writing from Albany, NY.", "humanitarian parole", "Senate's oversight"},
			nil, "Sincerely,"},
		{app.TargetCommittee, committeeTarget(), "Guan Heng exposed the Xinjiang camps; please help secure his release",
			[]string{"Dear Representative Rivera:\n\n", "in your role as Ranking Member of the House Select Committee on the CCP about Guan Heng",
				"The body on which you serve", "humanitarian parole", "public record"},
			[]string{"constituent"}, "Respectfully,"},
		{app.TargetExecutive, dhsTarget(), "Request for the release of Guan Heng on bond or humanitarian parole",
			[]string{"Dear Secretary Mullin:\n\n", "I am writing from Albany, NY, to respectfully ask that you release Guan Heng",
				"humanitarian parole", "full and fair hearing", "moral duty"},
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
				if n := len(strings.Fields(got)); n < 250 || n > 420 {
					t.Errorf("%s: %d words, want roughly 250-400", name, n)
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
