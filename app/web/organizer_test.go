package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/rosterwatch"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/submit"
	"github.com/advocate-org/advocate/app/web"
	"github.com/advocate-org/advocate/data"
	"github.com/advocate-org/advocate/templates"
)

// orgFixture is the whole app as serve wires it, organizer workspace
// included, with accounts on a settable clock.
type orgFixture struct {
	*authFixture
	camps *campaign.Service
}

func newOrgFixture(t *testing.T) *orgFixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "advocate.db")})
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
	clock := apptest.NewClock(fixedNow)
	sub := submit.New(submit.Options{Campaigns: db.Campaigns, Submissions: db.Submissions, Roster: rs, Letters: letters, PDF: maker, Clock: clock.Now})
	audit := auth.NewAudit(db.Audit, clock.Now)
	camps := campaign.New(campaign.Options{Store: db.Campaigns, Letters: letters, Roster: rs, PDF: maker, Cache: sub,
		Auditor: audit, Counts: db.Stats, Clock: clock.Now})
	cs, _ := fs.Sub(data.Seed(), "campaigns")
	if _, err := camps.LoadSeed(ctx, cs, templates.Letters()); err != nil {
		t.Fatal(err)
	}
	kept := keptroster.New(keptroster.Options{Store: db.Roster, Roster: rs, Campaigns: db.Campaigns, Auditor: audit})
	svc, err := auth.New(auth.Options{Store: db.Accounts, Clock: clock.Now, BcryptCost: bcrypt.MinCost, Audit: audit})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Options{Submit: sub, Roster: rs, DB: db, Pages: templates.Pages(), Static: templates.Static(),
		Clock: clock.Now, Auth: svc, Campaigns: camps, Rosters: kept, Flags: rosterwatch.NewFlags(db.Campaigns, audit, clock.Now)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	jar, _ := cookiejar.New(nil)
	f := &fixture{t: t, db: db, roster: rs, submit: sub, srv: hs, now: fixedNow,
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	return &orgFixture{authFixture: &authFixture{fixture: f, auth: svc, clock: clock, web: srv}, camps: camps}
}

// organizer signs in a new organizer.
func (of *orgFixture) organizer() *browser {
	return of.signedIn("org@example.org", app.RoleOrganizer)
}

// form loads a page and returns its CSRF token, as a browser would.
func (b *browser) form(path string) string {
	b.af.t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != http.StatusOK {
		b.af.t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		b.af.t.Fatalf("no CSRF token on %s", path)
	}
	return m[1]
}

// submit posts a form with the token of the page it is on.
func (b *browser) submit(page, action string, form url.Values) (*http.Response, string) {
	b.af.t.Helper()
	form.Set("_csrf", b.form(page))
	req, _ := http.NewRequest(http.MethodPost, b.af.srv.URL+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow loads where a redirect points.
func (b *browser) follow(resp *http.Response, body string) string {
	b.af.t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		b.af.t.Fatalf("want a redirect, got %d:\n%s", resp.StatusCode, body)
	}
	r, page := b.get(resp.Header.Get("Location"))
	if r.StatusCode != http.StatusOK {
		b.af.t.Fatalf("GET %s: %d", resp.Header.Get("Location"), r.StatusCode)
	}
	return html.UnescapeString(page)
}

func text(body string) string { return html.UnescapeString(body) }

const editorPath = "/organize/campaigns/protect-witnesses/letters/"

func TestOrganizerPagesNeedTheOrganizerRole(t *testing.T) {
	of := newOrgFixture(t)
	anon := of.browser()
	resp, _ := anon.get("/organize/campaigns/protect-witnesses")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Fatalf("anonymous: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	staff := of.signedIn("staff@example.org", app.RoleStaff)
	if resp, _ := staff.get("/organize"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff: %d", resp.StatusCode)
	}
	// A POST without the token is refused before it reaches a handler.
	b := of.organizer()
	if resp, _ := b.post("/organize/campaigns/protect-witnesses/close", url.Values{}, false); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("close without CSRF: %d", resp.StatusCode)
	}
	resp, body := b.get("/organize")
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode, body)
	}
	mustContain(t, body, "Protect the people who document abuses in China", `badge status-open`, "/organize/campaigns/protect-witnesses", "New campaign", "Rosters")
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s", h)
		}
	}
}

func TestCampaignCreateEditOpenCloseOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()

	// A new campaign asks supporters to confirm unless the organizer
	// says otherwise.
	if resp, body := b.get("/organize/campaigns/new"); resp.StatusCode != http.StatusOK ||
		!regexp.MustCompile(`id="double_opt_in" name="double_opt_in" value="1" checked`).MatchString(body) {
		t.Fatalf("new campaign form: %d, double opt-in not ticked", resp.StatusCode)
	}

	// Mistakes come back next to their fields; nothing is created.
	resp, body := b.submit("/organize/campaigns/new", "/organize/campaigns", url.Values{
		"title": {""}, "slug": {"Not A Slug"}, "starts_at": {"soon"}, "retention_days": {"-1"},
		"fact_key": {"", "Bad Key"}, "fact_value": {"orphan", "x"},
	})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad create: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="title-error"`, `id="slug-error"`, `id="starts_at-error"`, `id="retention_days-error"`, `id="facts-error"`,
		`value="Not A Slug"`, `value="Bad Key"`)
	if list, _ := of.db.Campaigns.ListCampaigns(context.Background(), app.CampaignFilter{}); len(list) != 2 {
		t.Fatalf("%d campaigns after a refused create", len(list))
	}

	resp, body = b.submit("/organize/campaigns/new", "/organize/campaigns", url.Values{
		"title": {"Free Ana"}, "slug": {"free-ana"}, "ask": {"release Ana"}, "summary": {"Ana is held.\r\n\r\nHelp."},
		"fact_key": {"person", "", ""}, "fact_value": {"Ana", "", ""}, "starts_at": {""}, "ends_at": {"2026-12-31T17:00"}, "retention_days": {"30"},
	})
	if resp.Header.Get("Location") != "/organize/campaigns/free-ana" {
		t.Fatalf("create: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	page := b.follow(resp, body)
	mustContain(t, page, "Created the draft", "Free Ana", "badge status-draft", "campaign.facts.person",
		"The supporter’s own Representative", "Dec 31, 2026 5:00 PM EST", "kept 30 days")
	// The starter letters still hold their placeholders: the campaign
	// cannot open until they are written.
	mustContain(t, text(page), "it still has the starter letter's placeholder", "Before this campaign can open")
	resp, body = b.submit("/organize/campaigns/free-ana", "/organize/campaigns/free-ana/open", url.Values{})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(text(body), "The campaign cannot open yet: Write the representative letter: it still has the starter letter's placeholder") {
		t.Fatalf("open with placeholders: %d %s", resp.StatusCode, errorText(body))
	}
	writeLetters(t, b, "free-ana")
	_, page = b.get("/organize/campaigns/free-ana")
	mustContain(t, page, "Everything is in place")
	if r, _ := of.get("/c/free-ana"); r.StatusCode != http.StatusNotFound {
		t.Errorf("draft is public: %d", r.StatusCode)
	}

	// Edit: the form shows what is stored; a second fact is added.
	_, form := b.get("/organize/campaigns/free-ana/edit")
	mustContain(t, form, `value="Free Ana"`, `value="person"`, `value="2026-12-31T17:00"`, `name="slug"`)
	resp, body = b.submit("/organize/campaigns/free-ana/edit", "/organize/campaigns/free-ana/edit", url.Values{
		"title": {"Free Ana Now"}, "slug": {"free-ana"}, "ask": {"release Ana"}, "summary": {"Ana is held."},
		"fact_key": {"person", "age"}, "fact_value": {"Ana", "31"}, "ends_at": {""}, "retention_days": {"30"},
	})
	page = b.follow(resp, body)
	mustContain(t, page, "Saved the campaign details", "Free Ana Now", "campaign.facts.age")

	// Open, then close: the public page says so and takes no letters.
	resp, body = b.submit("/organize/campaigns/free-ana", "/organize/campaigns/free-ana/open", url.Values{})
	page = b.follow(resp, body)
	mustContain(t, page, "is open", "badge status-open", "Close campaign")
	if r, _ := of.get("/c/free-ana"); r.StatusCode != http.StatusOK {
		t.Fatalf("open campaign page: %d", r.StatusCode)
	}
	resp, body = b.submit("/organize/campaigns/free-ana", "/organize/campaigns/free-ana/close", url.Values{})
	page = b.follow(resp, body)
	mustContain(t, page, "is closed", "badge status-closed", "Reopen campaign")

	_, pub := of.get("/c/free-ana")
	mustContain(t, text(pub), "This campaign is closed and no longer accepts letters")
	mustNotContain(t, pub, `action="/c/free-ana/preview"`)
	form2 := supporterForm("12202", "NY")
	form2.Set("_csrf", of.csrf(slug)) // the closed page has no form; any page's token will do
	if r, body := of.postForm("/c/free-ana/submit", form2); r.StatusCode != http.StatusConflict || !strings.Contains(text(body), "closed") {
		t.Fatalf("submit to a closed campaign: %d", r.StatusCode)
	}

	// The slug of an opened campaign is fixed.
	_, form = b.get("/organize/campaigns/free-ana/edit")
	mustNotContain(t, form, `id="slug"`)

	got := strings.Join(of.auditActions(app.AuditFilter{Action: "campaign"}), " ")
	for _, a := range []string{campaign.ActionCampaignCreate, campaign.ActionCampaignUpdate, campaign.ActionCampaignOpen, campaign.ActionCampaignClose} {
		if !strings.Contains(got, a) {
			t.Errorf("audit lacks %s: %s", a, got)
		}
	}
}

func TestTargetRulesOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	const page = "/organize/campaigns/protect-witnesses/targets"
	_, body := b.get(page)
	mustContain(t, text(body), "Leaders (chairs, co-chairs, ranking members) of the Tom Lantos Human Rights Commission",
		"Secretary of Homeland Security, Markwayne Mullin", "Congressional-Executive Commission on China (CECC)")

	// An unknown committee code is refused next to the field.
	resp, body := b.submit(page, page, url.Values{"kind": {"committee"}, "committee": {"NOPE"}, "leadership_only": {"1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown committee: %d", resp.StatusCode)
	}
	mustContain(t, text(body), `id="committee-error"`, `there is no committee or commission "NOPE" in the current roster`)
	resp, body = b.submit(page, page, url.Values{"kind": {"executive"}, "executive": {"NO_SUCH"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="executive-error"`) {
		t.Fatalf("unknown executive: %d", resp.StatusCode)
	}

	// Replace the TLHRC leadership rule by all members who represent the supporter.
	resp, body = b.submit(page, page+"/remove", url.Values{"rule": {"committee:TLHRC"}})
	mustContain(t, b.follow(resp, body), "Removed the target")
	resp, body = b.submit(page, page, url.Values{"kind": {"committee"}, "committee": {"TLHRC"}, "leadership_only": {""}, "only_constituents": {"1"}})
	got := b.follow(resp, body)
	mustContain(t, got, "Added: All members of the Tom Lantos Human Rights Commission (2 people in the current roster)",
		"only those who represent the supporter")
	resp, body = b.submit(page, page+"/move", url.Values{"rule": {"committee:TLHRC"}, "dir": {"up"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d %s", resp.StatusCode, body)
	}
	rules, _ := of.db.Campaigns.ListTargetRules(context.Background(), of.seedID(t))
	if n := len(rules); n != 6 || rules[4].CommitteeCode != "TLHRC" || rules[5].ExecutiveKey != "DHS_SECRETARY" {
		t.Fatalf("rules after move: %+v", rules)
	}
	got = strings.Join(of.auditActions(app.AuditFilter{Action: "campaign.rule"}), " ")
	for _, a := range []string{campaign.ActionRuleAdd, campaign.ActionRuleRemove, campaign.ActionRuleMove} {
		if !strings.Contains(got, a) {
			t.Errorf("audit lacks %s: %s", a, got)
		}
	}
}

func currentVersion(t *testing.T, of *orgFixture, kind app.TargetKind) app.TemplateVersion {
	t.Helper()
	tpls, err := of.db.Campaigns.CurrentTemplates(context.Background(), of.seedID(t))
	if err != nil {
		t.Fatal(err)
	}
	return tpls[kind]
}

func TestTemplateEditorOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	page := editorPath + "representative"
	resp, body := b.get(page)
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	body = text(body)
	// Merge fields, the current text, and a preview for Albany's Representative.
	mustContain(t, body, "{{ recipient.greeting }}", "Salutation line", "{{ campaign.facts.witness }}", "Dear Representative Tonko:",
		`value="12202"`, "Editing version 1", `formaction="/organize/campaigns/protect-witnesses/letters/representative/preview.pdf"`,
		`src="/static/editor.js"`)
	cur := currentVersion(t, of, app.TargetRepresentative)

	// Preview renders unsaved text and saves nothing.
	form := url.Values{"subject": {cur.Subject}, "body": {cur.Body + "\n\nP.S. An unsaved postscript."}, "base_version": {"1"},
		"sample_zip": {"12202"}, "sample_set": {"1"}, "sample_message": {""}, "action": {"preview"}}
	resp, body = b.submit(page, page, form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d", resp.StatusCode)
	}
	mustContain(t, text(body), "P.S. An unsaved postscript.", "Dear Representative Tonko:")
	if v := currentVersion(t, of, app.TargetRepresentative); v.Version != 1 {
		t.Fatalf("preview saved version %d", v.Version)
	}

	// A broken template: errors with line and column next to the field, nothing saved.
	bad := url.Values{"subject": {"Hello {{ supporter.nmae }}"}, "body": {"{{ recipient.greeting }}\n\nLine two\n  {{ campaign.facts.nope }}\n{{ if personal_message }}"},
		"base_version": {"1"}, "action": {"save"}}
	resp, body = b.submit(page, page, bad)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad save: %d", resp.StatusCode)
	}
	body = text(body)
	mustContain(t, body, "The letter template has errors.", `id="subject-error"`, "line 1, column", "supporter.nmae",
		"Line 4, column 6", "campaign.facts.nope", `data-line="4" data-col="6"`, "  {{ campaign.facts.nope }}\n     ^",
		"{{ if personal_message }}</textarea>")
	if v := currentVersion(t, of, app.TargetRepresentative); v.Version != 1 {
		t.Fatalf("broken template saved as version %d", v.Version)
	}

	// A good save makes version 2, by the signed-in organizer.
	good := url.Values{"subject": {cur.Subject}, "body": {strings.Replace(cur.Body, "Respectfully,", "With hope,", 1)},
		"note": {"warmer closing"}, "base_version": {"1"}, "action": {"save"}, "sample_zip": {"12202"}}
	resp, body = b.submit(page, page, good)
	got := b.follow(resp, body)
	mustContain(t, got, "Saved version 2 of the representative letter", "Editing version 2", "org@example.org", "With hope,")
	if v := currentVersion(t, of, app.TargetRepresentative); v.Version != 2 || v.Author != "org@example.org" || v.Note != "warmer closing" {
		t.Fatalf("saved %+v", v)
	}
	// Saving from the stale version 1 is refused and keeps the text.
	stale := url.Values{"subject": {"Someone else's subject"}, "body": {cur.Body}, "base_version": {"1"}, "action": {"save"}}
	resp, body = b.submit(page, page, stale)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(text(body), "Someone else's subject") {
		t.Fatalf("stale save: %d", resp.StatusCode)
	}

	// History: both versions, the diff of version 2.
	_, hist := b.get(page + "/history")
	hist = text(hist)
	mustContain(t, hist, "Version 2", "current", "Version 1", "warmer closing", `<tr class="delete">`, "Respectfully,",
		`<tr class="insert">`, "With hope,", `class="ins">+1`, `class="del">−1`)
	// Restore version 1: it becomes version 3.
	resp, body = b.submit(page+"/history", page+"/versions/1/restore", url.Values{})
	mustContain(t, b.follow(resp, body), "Restored version 1 as version 3", "restored version 1")
	if v := currentVersion(t, of, app.TargetRepresentative); v.Version != 3 || v.Body != cur.Body || v.Note != "restored version 1" {
		t.Fatalf("restored %+v", v)
	}
	_, ver := b.get(page + "/versions/2")
	mustContain(t, text(ver), "Version 2 of the Representative letter", "Changes from version 1", "Restore this version")

	got = strings.Join(of.auditActions(app.AuditFilter{Action: "template"}), " ")
	if !strings.Contains(got, campaign.ActionTemplateSave) || !strings.Contains(got, campaign.ActionTemplateRestore) {
		t.Errorf("audit: %s", got)
	}
	if resp, _ := b.get(editorPath + "nobody"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown kind: %d", resp.StatusCode)
	}
}

func TestPreviewPDFAndJSON(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	page := editorPath + "senator"
	cur := currentVersion(t, of, app.TargetSenator)
	form := url.Values{"subject": {cur.Subject}, "body": {cur.Body + "\n\nUnsaved line for the PDF."}, "sample_zip": {"12202"},
		"sample_target": {"leg:G000555"}}
	resp, body := b.submit(page, page+"/preview.pdf", form)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "preview-protect-witnesses-senator.pdf") {
		t.Errorf("disposition %q", cd)
	}
	if !strings.Contains(body, "/Title (SAMPLE: ") {
		t.Errorf("the preview PDF is not stamped as a sample")
	}
	// A broken template gives the editor with its errors, not a PDF.
	form.Set("body", "{{ nope }}")
	resp, body = b.submit(page, page+"/preview.pdf", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Line 1, column") {
		t.Fatalf("bad pdf: %d", resp.StatusCode)
	}

	// The live preview's JSON.
	form.Set("body", cur.Body)
	resp, body = b.submit(page, page+"/preview.json", form)
	var res struct {
		OK      bool   `json:"ok"`
		Body    string `json:"body"`
		Target  struct{ Key string }
		Targets []struct{ Key, Label string }
		Errors  []struct {
			Field     string
			Line, Col int
		}
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("json: %d %v %s", resp.StatusCode, err, body)
	}
	if !res.OK || res.Target.Key != "leg:G000555" || len(res.Targets) != 2 || !strings.Contains(res.Body, "Dear Senator Gillibrand:") {
		t.Fatalf("json preview: %+v", res)
	}
	form.Set("body", "ok\n{{ if }}")
	_, body = b.submit(page, page+"/preview.json", form)
	res.OK, res.Errors = true, nil
	if err := json.Unmarshal([]byte(body), &res); err != nil || res.OK || len(res.Errors) == 0 || res.Errors[0].Line != 2 {
		t.Fatalf("json errors: %v %s", err, body)
	}
}

func TestHostileTemplatesOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	page := editorPath + "executive"
	for _, tt := range []struct{ name, body, want string }{
		{"go field", "{{ .Env }}", "Line 1, column"},
		{"go template call", `{{ template "x" }}`, "Line 1, column"},
		{"60 KB", strings.Repeat("abcdefghij", 6000), "too long"},
		{"personal message repeated", strings.Repeat("{{ personal_message }}\n", 150), "personal message"},
		{"script", "<script>alert(1)</script>{{ supporter.password }}", "supporter.password"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := b.submit(page, page, url.Values{"subject": {"x"}, "body": {tt.body}, "action": {"save"}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", resp.StatusCode)
			}
			mustContain(t, text(body), "The letter template has errors.", tt.want)
			mustNotContain(t, body, "<script>alert(1)")
		})
	}
	if v := currentVersion(t, of, app.TargetExecutive); v.Version != 1 {
		t.Fatalf("a hostile template was saved as version %d", v.Version)
	}
}

var tokenPathRE = regexp.MustCompile(`^/s/([a-z2-7]{32})$`)

func TestLettersUnchangedByTemplateEdits(t *testing.T) {
	of := newOrgFixture(t)
	submitOne := func(email string) *app.Submission {
		t.Helper()
		form := supporterForm("12202", "NY")
		form.Set("email", email)
		form.Set("_csrf", of.csrf(slug))
		resp, body := of.postForm("/c/"+slug+"/submit", form)
		m := tokenPathRE.FindStringSubmatch(of.formLink(t, resp, form))
		if m == nil {
			t.Fatalf("submit: %d %s", resp.StatusCode, body)
		}
		sub, err := of.db.Submissions.FindSubmissionByToken(context.Background(), m[1])
		if err != nil {
			t.Fatal(err)
		}
		return sub
	}
	first := submitOne("one@example.org")
	b := of.organizer()
	page := editorPath + "senator"
	resp, body := b.submit(page, page, url.Values{"subject": {"New subject for {{ recipient.name }}"},
		"body": {"{{ recipient.greeting }}\n\nAn entirely new letter.\n\n{{ supporter.full_name }}"}, "action": {"save"}})
	b.follow(resp, body)
	v2 := currentVersion(t, of, app.TargetSenator)

	stored, err := of.db.Submissions.FindSubmissionByToken(context.Background(), first.Token)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range stored.Letters {
		was := first.Letters[i]
		if l.Subject != was.Subject || l.Body != was.Body || l.TemplateVersionID != was.TemplateVersionID {
			t.Fatalf("letter %d changed after a template edit", l.ID)
		}
		if l.Recipient.Kind == app.TargetSenator && (l.TemplateVersionID == v2.ID || strings.Contains(l.Body, "entirely new")) {
			t.Fatalf("old letter shows the new version")
		}
	}
	second := submitOne("two@example.org")
	for _, l := range second.Letters {
		if l.Recipient.Kind == app.TargetSenator && (l.TemplateVersionID != v2.ID || !strings.Contains(l.Body, "An entirely new letter.")) {
			t.Fatalf("new letter from version %d: %q", l.TemplateVersionID, l.Body)
		}
	}
}

func TestRosterEditsOverHTTPSurviveImport(t *testing.T) {
	of := newOrgFixture(t)
	before := func() *app.Submission {
		form := supporterForm("12202", "NY")
		form.Set("_csrf", of.csrf(slug))
		resp, _ := of.postForm("/c/"+slug+"/submit", form)
		m := tokenPathRE.FindStringSubmatch(of.formLink(t, resp, form))
		if m == nil {
			t.Fatalf("submit: %d", resp.StatusCode)
		}
		sub, _ := of.db.Submissions.FindSubmissionByToken(context.Background(), m[1])
		return sub
	}()
	b := of.organizer()
	_, body := b.get("/organize/rosters")
	mustContain(t, text(body), "Tom Lantos Human Rights Commission", "James P. McGovern (Co-Chair)", "Secretary of Homeland Security",
		"come from the last roster import")

	const tl = "/organize/rosters/commissions/TLHRC"
	_, body = b.get(tl)
	mustContain(t, text(body), `<datalist id="members">`, "Paul Tonko (D-NY-20) [T000469]", "Christopher H. Smith")
	// Unknown member: refused next to the field.
	resp, body := b.submit(tl, tl+"/seats", url.Values{"member": {"Nobody [Z999999]"}, "title": {"Chair"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="member-error"`) {
		t.Fatalf("unknown member: %d", resp.StatusCode)
	}
	// McGovern steps down as co-chair; Tonko joins as co-chair.
	resp, body = b.submit(tl, tl+"/seats", url.Values{"member": {"M000312"}, "title": {"Member"}})
	b.follow(resp, body)
	resp, body = b.submit(tl, tl+"/seats", url.Values{"member": {"Paul Tonko (D-NY-20) [T000469]"}, "title": {"Co-Chair"}})
	mustContain(t, b.follow(resp, body), "Saved the seat", "Paul Tonko")
	// A new Secretary of Homeland Security.
	const dhs = "/organize/rosters/executives/DHS_SECRETARY"
	resp, body = b.submit(dhs, dhs, url.Values{"title": {"Secretary of Homeland Security"}, "name": {"Jane Q. Public"},
		"address": {"U.S. Department of Homeland Security\r\nWashington, DC 20528"}, "email": {"not an email"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="email-error"`) {
		t.Fatalf("bad email: %d", resp.StatusCode)
	}
	resp, body = b.submit(dhs, dhs, url.Values{"title": {"Secretary of Homeland Security"}, "name": {"Jane Q. Public"},
		"address": {"U.S. Department of Homeland Security\r\nWashington, DC 20528"}})
	mustContain(t, b.follow(resp, body), "Saved Secretary of Homeland Security", "Jane Q. Public", "kept by hand")
	// The executive in use cannot be removed.
	resp, body = b.submit("/organize/rosters", dhs+"/remove", url.Values{})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(text(body), "Free Guan Heng") {
		t.Fatalf("remove in use: %d", resp.StatusCode)
	}

	// A roster import keeps the hand edits.
	if _, err := of.roster.ImportSeed(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := func(email string) *app.Submission {
		form := supporterForm("12202", "NY")
		form.Set("email", email)
		form.Set("_csrf", of.csrf(slug))
		resp, _ := of.postForm("/c/"+slug+"/submit", form)
		m := tokenPathRE.FindStringSubmatch(of.formLink(t, resp, form))
		if m == nil {
			t.Fatalf("submit: %d", resp.StatusCode)
		}
		sub, _ := of.db.Submissions.FindSubmissionByToken(context.Background(), m[1])
		return sub
	}("later@example.org")
	names := map[string]app.Target{}
	for _, l := range after.Letters {
		names[l.Recipient.Key] = l.Recipient
	}
	if names["exec:DHS_SECRETARY"].Name != "Jane Q. Public" {
		t.Errorf("after import the DHS letter goes to %q", names["exec:DHS_SECRETARY"].Name)
	}
	if _, ok := names["leg:M000312"]; ok {
		t.Error("McGovern still written to as a TLHRC leader after import")
	}
	if tonko := names["leg:T000469"]; !strings.Contains(strings.Join(tonko.Reasons, ";"), "Co-Chair, Tom Lantos") {
		t.Errorf("Tonko reasons after import: %v", tonko.Reasons)
	}
	// Letters made before keep their snapshot.
	stored, _ := of.db.Submissions.FindSubmissionByToken(context.Background(), before.Token)
	for i, l := range stored.Letters {
		if l.Recipient.Name != before.Letters[i].Recipient.Name || strings.Join(l.Recipient.Reasons, ";") != strings.Join(before.Letters[i].Recipient.Reasons, ";") {
			t.Errorf("stored letter %d now goes to %+v", l.ID, l.Recipient)
		}
		if l.Recipient.Key == "exec:DHS_SECRETARY" && l.Recipient.Name != "Markwayne Mullin" {
			t.Errorf("old DHS letter rewritten: %q", l.Recipient.Name)
		}
	}
	got := strings.Join(of.auditActions(app.AuditFilter{Action: "roster"}), " ")
	for _, a := range []string{keptroster.ActionMemberSave, keptroster.ActionExecutiveSave} {
		if !strings.Contains(got, a) {
			t.Errorf("audit lacks %s: %s", a, got)
		}
	}
}

// seedID is the id of the open seed campaign.
func (of *orgFixture) seedID(t *testing.T) int64 {
	t.Helper()
	c, err := of.db.Campaigns.FindCampaignBySlug(context.Background(), "protect-witnesses")
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// writeLetters replaces a new campaign's starter letters for its
// Representative and Senators, so that it can open.
func writeLetters(t *testing.T, b *browser, slug string) {
	t.Helper()
	for _, k := range []string{"representative", "senator"} {
		page := "/organize/campaigns/" + slug + "/letters/" + k
		resp, body := b.submit(page, page, url.Values{"subject": {"Please act"},
			"body": {"{{ recipient.greeting }}\n\nPlease {{ campaign.ask }}.\n\n{{ supporter.full_name }}"}, "action": {"save"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("write the %s letter: %d %s", k, resp.StatusCode, errorText(body))
		}
	}
}
