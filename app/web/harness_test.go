package web_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/limit"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/submit"
	"github.com/advocate-org/advocate/app/web"
	"github.com/advocate-org/advocate/data"
	"github.com/advocate-org/advocate/templates"
)

// fixture is a running app on a temp SQLite database with the seed roster
// and the seed campaign.
type fixture struct {
	t      testing.TB
	db     *store.DB
	roster *roster.Service
	submit *submit.Service
	srv    *httptest.Server
	client *http.Client
	now    time.Time
	limits *limit.Counter
}

var fixedNow = time.Date(2026, 11, 22, 15, 4, 5, 0, time.UTC)

func newFixture(t testing.TB, dsn string, importDir string, edits ...func(*web.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "advocate.db")
	}
	db, err := store.Open(ctx, store.Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seed, _ := fs.Sub(data.Seed(), "roster")
	// The hand-kept rosters are laid over the import, as serve does.
	rs := roster.New(roster.Options{Store: db.Roster, Seed: seed, Overlay: keptroster.NewOverlay(db.Roster)})
	if importDir != "" {
		if _, _, err := rs.ImportDir(ctx, importDir, congress.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	} else if _, err := rs.ImportSeed(ctx); err != nil {
		t.Fatal(err)
	}
	letters := letter.NewRenderer(letter.Options{})
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	camps := campaign.New(campaign.Options{Store: db.Campaigns, Letters: letters})
	cs, _ := fs.Sub(data.Seed(), "campaigns")
	if _, err := camps.LoadSeed(ctx, cs, templates.Letters()); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return fixedNow }
	limits := limit.New(limit.Options{Store: db.Limits, Clock: clock})
	sub := submit.New(submit.Options{Campaigns: db.Campaigns, Submissions: db.Submissions, Roster: rs, Letters: letters, PDF: maker, Clock: clock,
		Confirmations: db.Submissions, Mailboxes: submit.MailboxLimits{Counter: limits, PerHour: 10, Burst: 5}})
	wo := web.Options{Submit: sub, Roster: rs, DB: db, Pages: templates.Pages(), Static: templates.Static(), Clock: clock,
		Limits: limits}
	for _, edit := range edits {
		edit(&wo)
	}
	srv, err := web.NewServer(wo)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &fixture{t: t, db: db, roster: rs, submit: sub, srv: hs, client: client, now: fixedNow, limits: limits}
}

func (f *fixture) get(path string) (*http.Response, string) {
	f.t.Helper()
	resp, err := f.client.Get(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *fixture) do(method, path, contentType, body string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf loads the campaign page and returns the form token (the cookie jar
// keeps the cookie).
func (f *fixture) csrf(slug string) string {
	f.t.Helper()
	resp, body := f.get("/c/" + slug)
	if resp.StatusCode != 200 {
		f.t.Fatalf("campaign page: %d %s", resp.StatusCode, body)
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		f.t.Fatal("no CSRF token on the campaign page")
	}
	return m[1]
}

func (f *fixture) postForm(path string, v url.Values) (*http.Response, string) {
	return f.do(http.MethodPost, path, "application/x-www-form-urlencoded", v.Encode())
}

func supporterForm(zip, state string) url.Values {
	return url.Values{
		"first_name": {"José"}, "last_name": {"Núñez"}, "email": {"jose@example.org"},
		"address1": {"12 State St"}, "city": {"Albany"}, "state": {state}, "zip": {zip},
	}
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}

func mustNotContain(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(body, w) {
			t.Errorf("body contains %q", w)
		}
	}
}

// emailedLink is the private link that the copy email sends to the address
// that wrote for a campaign (the only way a supporter learns it): read
// from the store, as the outbox does, since the answer to a submission
// never holds it.
func (f *fixture) emailedLink(t testing.TB, campaignSlug, email string) string {
	t.Helper()
	ctx := context.Background()
	c, err := f.db.Campaigns.FindCampaignBySlug(ctx, campaignSlug)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := f.db.Submissions.FindSubmissionByDedupKey(ctx, c.ID, submit.DedupKey(c.ID, email))
	if err != nil {
		t.Fatalf("no submission from %s: %v", email, err)
	}
	return "/s/" + sub.Token
}

// formLink is the private link of a form submission that was answered
// "check your email" (200), as the copy email carries it; "" otherwise.
func (f *fixture) formLink(t testing.TB, resp *http.Response, form url.Values) string {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return f.emailedLink(t, slug, form.Get("email"))
}
