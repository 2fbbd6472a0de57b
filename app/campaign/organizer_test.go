package campaign_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/submit"
	"github.com/advocate-org/advocate/data"
	"github.com/advocate-org/advocate/templates"
)

// auditLog is a fake Auditor that keeps what it is told.
type auditLog struct {
	mu     sync.Mutex
	events []string
}

func (a *auditLog) Record(ctx context.Context, action, subject, detail string) error {
	who := "nobody"
	if ac, ok := app.ActorFrom(ctx); ok {
		who = ac.Label()
	}
	a.mu.Lock()
	a.events = append(a.events, who+" "+action+" "+subject+" "+detail)
	a.mu.Unlock()
	return nil
}

func (a *auditLog) has(t *testing.T, want ...string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	all := strings.Join(a.events, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("audit log lacks %q:\n%s", w, all)
		}
	}
}

// stack is the organizer side wired like serve does, on the seed roster
// and the seed campaign.
type stack struct {
	db     *store.DB
	roster *roster.Service
	camps  *campaign.Service
	submit *submit.Service
	audit  *auditLog
}

var testNow = time.Date(2026, 11, 22, 15, 4, 5, 0, time.UTC)

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "a.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seed, _ := fs.Sub(data.Seed(), "roster")
	rs := roster.New(roster.Options{Store: db.Roster, Seed: seed, Overlay: keptroster.NewOverlay(db.Roster)})
	if _, err := rs.ImportSeed(ctx); err != nil {
		t.Fatal(err)
	}
	letters := letter.NewRenderer(letter.Options{})
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return testNow }
	sub := submit.New(submit.Options{Campaigns: db.Campaigns, Submissions: db.Submissions, Roster: rs, Letters: letters, PDF: maker, Clock: clock})
	audit := &auditLog{}
	camps := campaign.New(campaign.Options{Store: db.Campaigns, Letters: letters, Roster: rs, PDF: maker, Cache: sub,
		Auditor: audit, Counts: db.Stats, Clock: clock})
	cs, _ := fs.Sub(data.Seed(), "campaigns")
	if _, err := camps.LoadSeed(ctx, cs, templates.Letters()); err != nil {
		t.Fatal(err)
	}
	return &stack{db: db, roster: rs, camps: camps, submit: sub, audit: audit}
}

func organizer() context.Context {
	return app.WithActor(context.Background(), app.Actor{UserID: 7, Email: "org@example.org", Roles: []app.Role{app.RoleOrganizer}, Via: "session"})
}

const seedSlug = "protect-witnesses"

func TestOrganizerActionsNeedAnOrganizer(t *testing.T) {
	s := newStack(t)
	in := campaign.DetailsInput{Slug: "x", Title: "X"}
	if _, err := s.camps.CreateCampaign(context.Background(), in); app.ErrorCodeOf(err) != app.EUNAUTHORIZED {
		t.Errorf("anonymous create: %v", err)
	}
	staff := app.WithActor(context.Background(), app.Actor{Email: "s@example.org", Roles: []app.Role{app.RoleStaff}, Via: "session"})
	if _, err := s.camps.CreateCampaign(staff, in); app.ErrorCodeOf(err) != app.EFORBIDDEN {
		t.Errorf("staff create: %v", err)
	}
	if _, _, err := s.camps.SaveTemplate(staff, seedSlug, app.TargetSenator, campaign.TemplateDraft{Subject: "x", Body: "y"}); app.ErrorCodeOf(err) != app.EFORBIDDEN {
		t.Errorf("staff template save: %v", err)
	}
	if _, err := s.camps.List(staff); app.ErrorCodeOf(err) != app.EFORBIDDEN {
		t.Errorf("staff list: %v", err)
	}
}

func TestCreateEditOpenClose(t *testing.T) {
	ctx := organizer()
	s := newStack(t)

	// Every mistake is reported next to its field at once.
	_, err := s.camps.CreateCampaign(ctx, campaign.DetailsInput{
		Slug: "Bad Slug", Title: "", StartsAt: "tomorrow", RetentionDays: "ten",
		Facts: []campaign.Fact{{Key: "", Value: "orphan"}},
	})
	fields := app.ErrorFieldsOf(err)
	for _, f := range []string{"slug", "title", "starts_at", "retention_days", "facts"} {
		if fields[f] == "" {
			t.Errorf("no error for %s: %v", f, err)
		}
	}
	if _, err := s.camps.CreateCampaign(ctx, campaign.DetailsInput{Slug: seedSlug, Title: "Again"}); app.ErrorFieldsOf(err)["slug"] == "" {
		t.Errorf("taken slug: %v", err)
	}

	c, err := s.camps.CreateCampaign(ctx, campaign.DetailsInput{
		Slug: "free-them", Title: "Free Them", Ask: "release them", Summary: "Why.\r\n\r\nMore.",
		Facts:    []campaign.Fact{{Key: "person", Value: "Ana"}, {}},
		StartsAt: "2026-11-01T09:00", EndsAt: "2026-12-31T17:00", RetentionDays: "90",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != app.CampaignDraft || c.Facts["person"] != "Ana" || c.RetentionDays != 90 || c.Summary != "Why.\n\nMore." {
		t.Fatalf("created %+v", c)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if want := time.Date(2026, 11, 1, 9, 0, 0, 0, ny); !c.StartsAt.Equal(want) {
		t.Errorf("starts at %v, want %v", c.StartsAt, want)
	}
	if got := s.camps.DetailsOf(c); got.StartsAt != "2026-11-01T09:00" || got.EndsAt != "2026-12-31T17:00" {
		t.Errorf("form round trip: %+v", got)
	}
	rules, _, err := s.camps.Rules(ctx, "free-them")
	if err != nil || len(rules) != 2 || rules[0].Kind != app.RuleOwnRepresentative || rules[1].Kind != app.RuleOwnSenators {
		t.Fatalf("default rules %+v %v", rules, err)
	}
	tpls, _ := s.camps.Templates(ctx, c)
	for _, k := range app.TargetKinds() {
		if tpls[k].Version != 1 || tpls[k].Author != "org@example.org" {
			t.Errorf("%s starter: %+v", k, tpls[k])
		}
	}
	// A draft is not public.
	if _, err := s.submit.Campaign(context.Background(), "free-them"); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Errorf("draft visible: %v", err)
	}

	// The slug may change while a draft.
	in := s.camps.DetailsOf(c)
	in.Slug, in.Title = "free-ana", "Free Ana"
	if c, err = s.camps.UpdateCampaign(ctx, "free-them", in); err != nil || c.Slug != "free-ana" {
		t.Fatalf("rename draft: %v", err)
	}

	// A fact a letter uses cannot be removed.
	if _, _, err := s.camps.SaveTemplate(ctx, "free-ana", app.TargetSenator, campaign.TemplateDraft{
		Subject: "Free {{ campaign.facts.person }}", Body: "{{ recipient.greeting }}\n\nFree {{ campaign.facts.person }}."}); err != nil {
		t.Fatal(err)
	}
	// A starter letter still holding its placeholder cannot go out.
	_, err = s.camps.Open(ctx, "free-ana")
	if app.ErrorCodeOf(err) != app.ECONFLICT || !strings.Contains(app.ErrorMessageOf(err), "representative letter: it still has the starter letter's placeholder \u201c[Explain") {
		t.Fatalf("opening with a placeholder: %v", err)
	}
	if _, _, err := s.camps.SaveTemplate(ctx, "free-ana", app.TargetRepresentative, campaign.TemplateDraft{
		Subject: "Free {{ campaign.facts.person }}", Body: "{{ recipient.greeting }}\n\nPlease free {{ campaign.facts.person }} [sic]."}); err != nil {
		t.Fatal(err)
	}
	in.Facts = nil
	if _, err := s.camps.UpdateCampaign(ctx, "free-ana", in); !strings.Contains(app.ErrorFieldsOf(err)["facts"], "letter no longer works with these facts") {
		t.Errorf("removing a used fact: %v", err)
	}

	if _, err := s.camps.Open(ctx, "free-ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.submit.Campaign(context.Background(), "free-ana"); err != nil {
		t.Errorf("opened campaign not visible: %v", err)
	}
	in = s.camps.DetailsOf(c)
	in.Slug = "renamed"
	if _, err := s.camps.UpdateCampaign(ctx, "free-ana", in); app.ErrorFieldsOf(err)["slug"] == "" {
		t.Errorf("slug changed on an open campaign: %v", err)
	}

	if _, err := s.camps.Close(ctx, "free-ana"); err != nil {
		t.Fatal(err)
	}
	pub, err := s.submit.Campaign(context.Background(), "free-ana")
	if err != nil || pub.Status != app.CampaignClosed {
		t.Fatalf("closed campaign seen as %+v %v (the cache must be told)", pub, err)
	}
	if ok, why := pub.AcceptsAt(testNow); ok || !strings.Contains(why, "closed") {
		t.Errorf("closed campaign accepts: %v %q", ok, why)
	}
	s.audit.has(t, "org@example.org campaign.create campaign:free-them", "campaign.update campaign:free-ana changed address free-them",
		"campaign.open campaign:free-ana draft", "campaign.close campaign:free-ana open")

	list, err := s.camps.List(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("list %+v %v", list, err)
	}
}

func TestOpenNeedsATarget(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	if _, err := s.camps.CreateCampaign(ctx, campaign.DetailsInput{Slug: "empty", Title: "Empty"}); err != nil {
		t.Fatal(err)
	}
	rules, _, _ := s.camps.Rules(ctx, "empty")
	for _, r := range rules {
		if err := s.camps.RemoveRule(ctx, "empty", r.Key); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.camps.Open(ctx, "empty"); app.ErrorCodeOf(err) != app.ECONFLICT || !strings.Contains(app.ErrorMessageOf(err), "writes to no one") {
		t.Fatalf("open without targets: %v", err)
	}
}

func TestRules(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	rules, total, err := s.camps.Rules(ctx, seedSlug)
	if err != nil || len(rules) != 6 {
		t.Fatalf("%+v %v", rules, err)
	}
	byCode := map[string]campaign.RuleView{}
	for _, r := range rules {
		byCode[r.CommitteeCode+r.ExecutiveKey] = r
		if r.Problem != "" {
			t.Errorf("seed rule has a problem: %+v", r)
		}
	}
	if r := byCode["TLHRC"]; r.Reach != 2 || !strings.Contains(r.Description, "Leaders") || !strings.Contains(r.Description, "Tom Lantos") {
		t.Errorf("TLHRC rule: %+v", r)
	}
	if r := byCode["DHS_SECRETARY"]; r.Reach != 1 || !strings.Contains(r.Description, "Secretary of Homeland Security, Markwayne Mullin") {
		t.Errorf("executive rule: %+v", r)
	}
	if total == 0 {
		t.Error("total reach 0")
	}

	for _, tt := range []struct {
		in    campaign.RuleInput
		field string
	}{
		{campaign.RuleInput{Kind: app.RuleCommittee, CommitteeCode: "NOPE"}, "committee"},
		{campaign.RuleInput{Kind: app.RuleCommittee}, "committee"},
		{campaign.RuleInput{Kind: app.RuleExecutive, ExecutiveKey: "NO_SUCH_OFFICE"}, "executive"},
		{campaign.RuleInput{Kind: app.RuleExecutive, ExecutiveKey: "DHS_SECRETARY"}, "executive"}, // duplicate
		{campaign.RuleInput{Kind: app.RuleOwnSenators}, "kind"},                                   // duplicate
		{campaign.RuleInput{Kind: "everyone"}, "kind"},
	} {
		_, err := s.camps.AddRule(ctx, seedSlug, tt.in)
		if app.ErrorCodeOf(err) != app.EINVALID || app.ErrorFieldsOf(err)[tt.field] == "" {
			t.Errorf("%+v: %v", tt.in, err)
		}
	}
	if got, _, _ := s.camps.Rules(ctx, seedSlug); len(got) != 6 {
		t.Fatalf("a refused rule was stored: %d rules", len(got))
	}

	// Replace the TLHRC leadership rule by all members who represent the supporter.
	if err := s.camps.RemoveRule(ctx, seedSlug, byCode["TLHRC"].Key); err != nil {
		t.Fatal(err)
	}
	v, err := s.camps.AddRule(ctx, seedSlug, campaign.RuleInput{Kind: app.RuleCommittee, CommitteeCode: "tlhrc", OnlyConstituents: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.CommitteeCode != "TLHRC" || v.Reach != 2 || v.Filter == "" || !strings.HasPrefix(v.Description, "All members") {
		t.Errorf("added %+v", v)
	}
	rules, _, _ = s.camps.Rules(ctx, seedSlug)
	last := rules[len(rules)-1]
	if last.CommitteeCode != "TLHRC" || !last.OnlyConstituents {
		t.Fatalf("last rule %+v", last)
	}
	if err := s.camps.MoveRule(ctx, seedSlug, last.Key, -1); err != nil {
		t.Fatal(err)
	}
	rules, _, _ = s.camps.Rules(ctx, seedSlug)
	if rules[len(rules)-2].CommitteeCode != "TLHRC" || rules[len(rules)-1].ExecutiveKey != "DHS_SECRETARY" {
		t.Errorf("after move: %+v", rules)
	}
	if err := s.camps.RemoveRule(ctx, seedSlug, "committee:NOPE"); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Errorf("remove unknown: %v", err)
	}
	s.audit.has(t, "campaign.rule.remove campaign:protect-witnesses Leaders", "campaign.rule.add campaign:protect-witnesses All members of the Tom Lantos Human Rights Commission (only those who represent the supporter)",
		"campaign.rule.move")
}

func TestTemplateVersions(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	_, v1, err := s.camps.Template(ctx, seedSlug, app.TargetSenator)
	if err != nil || v1 == nil || v1.Version != 1 {
		t.Fatalf("current: %+v %v", v1, err)
	}

	// Invalid: nothing saved; positions reachable.
	_, _, err = s.camps.SaveTemplate(ctx, seedSlug, app.TargetSenator, campaign.TemplateDraft{
		Subject: "Hello {{ supporter.nmae }}", Body: "Line one\n{{ if recipient.is_senator }}\nno end"})
	var ces letter.CompileErrors
	if app.ErrorCodeOf(err) != app.EINVALID || !errors.As(err, &ces) || len(ces) < 2 {
		t.Fatalf("invalid save: %v", err)
	}
	f := app.ErrorFieldsOf(err)
	if !strings.Contains(f["subject"], "line 1, column") || !strings.Contains(f["subject"], "supporter.nmae") || !strings.Contains(f["body"], "line 2") {
		t.Errorf("field messages: %q", f)
	}
	if _, cur, _ := s.camps.Template(ctx, seedSlug, app.TargetSenator); cur.Version != 1 {
		t.Fatalf("invalid template saved as version %d", cur.Version)
	}

	// Valid save: version 2 by the actor.
	body2 := strings.Replace(v1.Body, "Sincerely,", "With respect and hope,", 1)
	v2, changed, err := s.camps.SaveTemplate(ctx, seedSlug, app.TargetSenator, campaign.TemplateDraft{
		Subject: v1.Subject, Body: strings.ReplaceAll(body2, "\n", "\r\n"), Note: "warmer closing", BaseVersion: 1})
	if err != nil || !changed || v2.Version != 2 || v2.Author != "org@example.org" || v2.Note != "warmer closing" {
		t.Fatalf("save: %+v %v %v", v2, changed, err)
	}
	if strings.Contains(v2.Body, "\r") {
		t.Error("CRLF stored")
	}
	// The same text again stores nothing.
	same, changed, err := s.camps.SaveTemplate(ctx, seedSlug, app.TargetSenator, campaign.TemplateDraft{Subject: v1.Subject, Body: body2, BaseVersion: 2})
	if err != nil || changed || same.Version != 2 {
		t.Fatalf("unchanged save: %+v %v %v", same, changed, err)
	}
	// Someone else saved meanwhile: refused.
	if _, _, err := s.camps.SaveTemplate(ctx, seedSlug, app.TargetSenator, campaign.TemplateDraft{Subject: "Other", Body: body2, BaseVersion: 1}); app.ErrorCodeOf(err) != app.ECONFLICT {
		t.Fatalf("stale save: %v", err)
	}

	// History: newest first, with the diff against the previous version.
	_, hist, err := s.camps.History(ctx, seedSlug, app.TargetSenator)
	if err != nil || len(hist) != 2 || !hist[0].Current || hist[0].Previous != 1 || hist[1].Previous != 0 {
		t.Fatalf("history %+v %v", hist, err)
	}
	if hist[0].Inserted != 1 || hist[0].Deleted != 1 || len(hist[0].Hunks) != 1 {
		t.Errorf("diff v1->v2: +%d -%d %d hunks", hist[0].Inserted, hist[0].Deleted, len(hist[0].Hunks))
	}
	var sawDel, sawIns bool
	for _, l := range hist[0].Hunks[0].Lines {
		sawDel = sawDel || l.Op == campaign.DiffDelete && l.Text == "Sincerely,"
		sawIns = sawIns || l.Op == campaign.DiffInsert && l.Text == "With respect and hope,"
	}
	if !sawDel || !sawIns {
		t.Errorf("hunk %+v", hist[0].Hunks[0])
	}

	// Restore version 1 as version 3.
	v3, err := s.camps.RestoreTemplate(ctx, seedSlug, app.TargetSenator, 1)
	if err != nil || v3.Version != 3 || v3.Note != "restored version 1" || v3.Body != v1.Body || v3.Subject != v1.Subject {
		t.Fatalf("restore: %+v %v", v3, err)
	}
	if _, err := s.camps.RestoreTemplate(ctx, seedSlug, app.TargetSenator, 42); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Errorf("restore unknown: %v", err)
	}
	_, vv, err := s.camps.Version(ctx, seedSlug, app.TargetSenator, 3)
	if err != nil || vv.Previous != 2 || vv.Inserted != 1 || vv.Deleted != 1 {
		t.Errorf("version 3 view: %+v %v", vv, err)
	}
	s.audit.has(t, "template.save campaign:protect-witnesses senator letter version 2 (+1 \u22121 lines): warmer closing",
		"template.restore campaign:protect-witnesses senator letter version 1 restored as version 3")
}

func TestHostileTemplatesAreRefused(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	tests := []struct {
		name          string
		subject, body string
		field, want   string
	}{
		{"go template field", "x", "{{ .Env }}", "body", "line 1"},
		{"go template call", "x", `{{ template "x" }}`, "body", "line 1"},
		{"range", "x", "{{ range .Supporters }}{{ end }}", "body", "line 1"},
		{"too long", "x", strings.Repeat("a", 60_000), "body", "too long"},
		{"repeats the personal message", "x", strings.Repeat("{{ personal_message }}", 200), "body", "personal message"},
		{"unprintable", "x", "{{ recipient.greeting }}\n\n你好", "body", ""},
		{"multi-line subject", "a\nb", "ok", "subject", "single line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.camps.SaveTemplate(ctx, seedSlug, app.TargetRepresentative, campaign.TemplateDraft{Subject: tt.subject, Body: tt.body})
			if app.ErrorCodeOf(err) != app.EINVALID {
				t.Fatalf("err = %v", err)
			}
			if msg := app.ErrorFieldsOf(err)[tt.field]; msg == "" || !strings.Contains(msg, tt.want) {
				t.Errorf("%s message %q, want %q", tt.field, msg, tt.want)
			}
		})
	}
	_, cur, _ := s.camps.Template(ctx, seedSlug, app.TargetRepresentative)
	if cur.Version != 1 {
		t.Fatalf("a hostile template was saved (version %d)", cur.Version)
	}
}

func TestLettersKeepTheirVersion(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	in := app.SubmissionInput{FirstName: "Ana", LastName: "Diaz", Email: "ana@example.org", Address1: "1 State St",
		City: "Albany", State: "NY", Zip: "12202"}
	res, err := s.submit.Submit(context.Background(), seedSlug, in)
	if err != nil {
		t.Fatal(err)
	}
	sub := res.Submission
	var before app.Letter
	for _, l := range sub.Letters {
		if l.Recipient.Kind == app.TargetSenator {
			before = l
			break
		}
	}
	_, cur, _ := s.camps.Template(ctx, seedSlug, app.TargetSenator)
	if before.TemplateVersionID != cur.ID {
		t.Fatalf("letter made from %d, current %d", before.TemplateVersionID, cur.ID)
	}
	v2, _, err := s.camps.SaveTemplate(ctx, seedSlug, app.TargetSenator, campaign.TemplateDraft{
		Subject: "A new subject for {{ recipient.name }}", Body: "{{ recipient.greeting }}\n\nA brand new letter.\n\n{{ supporter.full_name }}"})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.db.Submissions.FindSubmissionByToken(context.Background(), sub.Token)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range stored.Letters {
		if l.ID == before.ID && (l.Body != before.Body || l.Subject != before.Subject || l.TemplateVersionID != before.TemplateVersionID) {
			t.Fatalf("a stored letter changed after a template edit:\n%+v\n%+v", before, l)
		}
	}
	// A new submission uses the new version at once (the cache was told).
	in.Email = "ben@example.org"
	res2, err := s.submit.Submit(context.Background(), seedSlug, in)
	if err != nil {
		t.Fatal(err)
	}
	sub2 := res2.Submission
	n := 0
	for _, l := range sub2.Letters {
		if l.Recipient.Kind == app.TargetSenator {
			n++
			if l.TemplateVersionID != v2.ID || !strings.Contains(l.Body, "A brand new letter.") {
				t.Errorf("new letter from version %d: %q", l.TemplateVersionID, l.Body)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d senator letters", n)
	}
}

func TestPreview(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	_, cur, _ := s.camps.Template(ctx, seedSlug, app.TargetSenator)
	req := campaign.PreviewRequest{Kind: app.TargetSenator, Subject: cur.Subject, Body: cur.Body + "\n\nP.S. unsaved words"}
	p, err := s.camps.Preview(ctx, seedSlug, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Targets) != 2 || p.Target.Name != "Charles E. Schumer" || p.Supporter.City != "Albany" {
		t.Fatalf("sample: %+v", p.Sample)
	}
	if !strings.Contains(p.Body, "Dear Senator Schumer:") || !strings.Contains(p.Body, "P.S. unsaved words") || !strings.Contains(p.Body, campaign.DefaultSampleMessage) {
		t.Errorf("body:\n%s", p.Body)
	}
	req.TargetKey, req.Message = p.Targets[1].Key, "-"
	if p, err = s.camps.Preview(ctx, seedSlug, req); err != nil || p.Target.Name != "Kirsten E. Gillibrand" || strings.Contains(p.Body, campaign.DefaultSampleMessage) {
		t.Fatalf("chosen target: %+v %v", p, err)
	}
	// Committee letter: no TLHRC member represents Albany; the leaders are shown.
	_, ct, _ := s.camps.Template(ctx, seedSlug, app.TargetCommittee)
	p, err = s.camps.Preview(ctx, seedSlug, campaign.PreviewRequest{Kind: app.TargetCommittee, Subject: ct.Subject, Body: ct.Body})
	if err != nil || len(p.Targets) == 0 || p.Target.Kind != app.TargetCommittee {
		t.Fatalf("committee preview: %+v %v", p, err)
	}
	if _, err := s.camps.Preview(ctx, seedSlug, campaign.PreviewRequest{Kind: app.TargetSenator, Subject: "x", Body: "{{ nope }}"}); app.ErrorCodeOf(err) != app.EINVALID {
		t.Errorf("invalid preview: %v", err)
	}
	if _, err := s.camps.Preview(ctx, seedSlug, campaign.PreviewRequest{Kind: app.TargetSenator, Subject: "x", Body: "y", Zip: "abc"}); app.ErrorFieldsOf(err)["zip"] == "" {
		t.Errorf("bad zip: %v", err)
	}
	b, err := s.camps.PreviewPDF(ctx, seedSlug, req)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("pdf: %v %q", err, b[:min(len(b), 10)])
	}
	// The preview is stamped as a sample; a supporter's letter never is
	// (app/letter/pdf tests the stamp on every page).
	if !bytes.Contains(b, []byte("/Title (SAMPLE: ")) {
		t.Errorf("preview PDF is not marked as a sample")
	}
}
