package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/web"
)

const slug = "protect-witnesses"

func TestHomeRedirectsToTheOnlyCampaign(t *testing.T) {
	f := newFixture(t, "", "")
	resp, _ := f.get("/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/c/"+slug {
		t.Fatalf("GET / = %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCampaignPage(t *testing.T) {
	f := newFixture(t, "", "")
	resp, body := f.get("/c/" + slug)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "Protect the people who document abuses in China", `<label for="zip">ZIP code`, `name="_csrf"`, "sample roster")
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if st := resp.Header.Get("Server-Timing"); !regexp.MustCompile(`^app;dur=\d+\.\d$`).MatchString(st) {
		t.Errorf("Server-Timing %q", st)
	}
	if r, _ := f.get("/c/no-such-campaign"); r.StatusCode != 404 {
		t.Errorf("unknown campaign: %d", r.StatusCode)
	}
}

func TestPreviewNeedsCSRF(t *testing.T) {
	f := newFixture(t, "", "")
	resp, body := f.postForm("/c/"+slug+"/preview", supporterForm("12202", "NY"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	mustContain(t, body, "form expired")
}

func TestSupporterJourneySingleDistrict(t *testing.T) {
	f := newFixture(t, "", "")
	tok := f.csrf(slug)
	form := supporterForm("12202", "NY")
	form.Set("_csrf", tok)
	form.Set("personal_message", "I live in Albany and I want him safe.")
	resp, body := f.postForm("/c/"+slug+"/preview", form)
	if resp.StatusCode != 200 {
		t.Fatalf("preview %d: %s", resp.StatusCode, body)
	}
	mustContain(t, body, "Paul Tonko", "Charles E. Schumer", "Kirsten E. Gillibrand", "Markwayne Mullin",
		"your Representative", "Dear Representative Tonko:", "I live in Albany and I want him safe.")

	resp, body = f.postForm("/c/"+slug+"/submit", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("submit %d: %s", resp.StatusCode, body)
	}
	// The answer says where the link went and holds no link.
	mustContain(t, body, "Check your email", form.Get("email"), "Paul Tonko")
	if regexp.MustCompile(`/s/[a-z2-7]{26,32}`).MatchString(body) {
		t.Fatalf("the answer holds a private link:\n%s", body)
	}
	loc := f.emailedLink(t, slug, form.Get("email"))
	resp, body = f.get(loc)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "Thank you, José", "Paul Tonko", "ready to download", loc+"/letters.pdf")

	resp, pdfBody := f.get(loc + "/letters.pdf")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdfBody, "%PDF-") {
		t.Fatalf("pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "letters-protect-witnesses.pdf") {
		t.Errorf("Content-Disposition %q", cd)
	}
	_, body = f.get(loc)
	mustContain(t, body, "downloaded")

	sub, err := f.db.Submissions.FindSubmissionByToken(context.Background(), strings.TrimPrefix(loc, "/s/"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sub.Letters) < 4 {
		t.Fatalf("%d letters", len(sub.Letters))
	}
	for _, l := range sub.Letters {
		if l.TemplateVersionID == 0 || l.Body == "" || l.Recipient.Name == "" || len(l.Deliveries) == 0 ||
			l.Deliveries[0].Channel != app.ChannelDownload {
			t.Errorf("letter not fully recorded: %+v", l)
		}
		if !strings.Contains(l.Body, "I live in Albany and I want him safe.") {
			t.Errorf("letter to %s lacks the personal paragraph", l.Recipient.Name)
		}
	}
}

func TestSupporterChoosesRepresentativeOnSplitZip(t *testing.T) {
	f := newFixture(t, "", "")
	form := supporterForm("60173", "IL")
	form.Set("_csrf", f.csrf(slug))
	resp, body := f.postForm("/c/"+slug+"/preview", form)
	if resp.StatusCode != 200 {
		t.Fatalf("preview %d", resp.StatusCode)
	}
	mustContain(t, body, "Who is your Representative?", "Raja Krishnamoorthi", "Mike Quigley", `value="K000391"`)

	// Submitting without a choice never picks one silently.
	resp, body = f.postForm("/c/"+slug+"/submit", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("submit without choice: %d", resp.StatusCode)
	}
	mustContain(t, body, "Please choose your Representative.")

	form.Set("representative", "K000391")
	resp, body = f.postForm("/c/"+slug+"/preview", form)
	mustContain(t, body, "Dear Representative Krishnamoorthi:")
	mustNotContain(t, body, "Dear Representative Quigley:")
	resp, _ = f.postForm("/c/"+slug+"/submit", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
}

func TestFormErrorsStayNextToFields(t *testing.T) {
	f := newFixture(t, "", "")
	form := supporterForm("1220", "NY")
	form.Set("_csrf", f.csrf(slug))
	form.Set("email", "not-an-email")
	form.Set("first_name", "<script>alert(1)</script>")
	resp, body := f.postForm("/c/"+slug+"/preview", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	mustContain(t, body, `id="email-error"`, "is not a valid email address", `id="zip-error"`, "&lt;script&gt;alert(1)&lt;/script&gt;")
	mustNotContain(t, body, "<script>alert(1)</script>")
}

func TestUnprintableScriptIsRefused(t *testing.T) {
	f := newFixture(t, "", "")
	form := supporterForm("12202", "NY")
	form.Set("_csrf", f.csrf(slug))
	form.Set("personal_message", "ئۇيغۇر")
	resp, body := f.postForm("/c/"+slug+"/preview", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	mustContain(t, body, "Latin")
}

func TestPDFLinksAreCapabilities(t *testing.T) {
	f := newFixture(t, "", "")
	for _, p := range []string{"/s/1", "/s/aaaaaaaaaaaaaaaaaaaaaaaaaa", "/s/../../etc/passwd", "/s/aaaaaaaaaaaaaaaaaaaaaaaaaa/letters.pdf", "/s/x/letters/1/pdf"} {
		if resp, _ := f.get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

func TestClosedCampaignTakesNoLetters(t *testing.T) {
	f := newFixture(t, "", "")
	ctx := context.Background()
	c, err := f.db.Campaigns.FindCampaignBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	c.Status = app.CampaignClosed
	if err := f.db.Campaigns.UpdateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	f.submit.Forget(slug) // as the organizer pages will do after an edit
	resp, body := f.get("/c/" + slug)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "closed")
	mustNotContain(t, body, "Preview my letters")
	resp, body = f.do(http.MethodPost, "/api/v1/campaigns/"+slug+"/submissions", "application/json",
		`{"first_name":"A","last_name":"B","email":"a@example.org","address1":"1 Main St","city":"Albany","state":"NY","zip":"12202"}`)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("closed campaign submission: %d %s", resp.StatusCode, body)
	}
}

func TestHoneypotStopsFormRobots(t *testing.T) {
	f := newFixture(t, "", "")
	form := supporterForm("12202", "NY")
	form.Set("_csrf", f.csrf(slug))
	form.Set("website", "http://spam.example")
	resp, _ := f.postForm("/c/"+slug+"/submit", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("honeypot filled: %d", resp.StatusCode)
	}
	form.Set("website", "")
	if resp, _ := f.postForm("/c/"+slug+"/submit", form); resp.StatusCode != http.StatusOK {
		t.Fatalf("honeypot empty: %d", resp.StatusCode)
	}
}

// TestRequestLog: failures (5xx) are logged at warn with their status;
// ordinary requests are not logged above debug.
func TestRequestLog(t *testing.T) {
	var buf apptest.Buffer
	f := newFixture(t, "", "", func(o *web.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	if r, _ := f.get("/c/" + slug); r.StatusCode != 200 {
		t.Fatal(r.StatusCode)
	}
	if strings.Contains(buf.String(), "msg=request") {
		t.Fatalf("a 200 was logged at info or above: %s", buf.String())
	}
	f.db.Close() // the health check now fails
	if r, _ := f.get("/healthz"); r.StatusCode < 500 {
		t.Fatalf("health with the database closed: %d", r.StatusCode)
	}
	if out := buf.String(); !strings.Contains(out, "level=WARN msg=request") || !strings.Contains(out, "path=/healthz") {
		t.Fatalf("the failure was not logged: %s", out)
	}
}

// Whoever holds the private link (the address's owner, by email) can erase
// their own letters and details, and then write again with the address.
func TestSupporterErasesOwnLetters(t *testing.T) {
	f := newFixture(t, "", "")
	link := f.submitAs(t, "own@example.org")
	tok := f.csrf(slug)
	resp, body := f.postForm(link+"/erase", url.Values{"_csrf": {tok}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Nothing was erased") {
		t.Fatalf("without the tick: %d", resp.StatusCode)
	}
	if sub, _ := f.db.Submissions.FindSubmissionByToken(context.Background(), strings.TrimPrefix(link, "/s/")); sub.Supporter.ErasedAt != nil {
		t.Fatal("erased without the tick")
	}
	resp, _ = f.postForm(link+"/erase", url.Values{"_csrf": {tok}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != link {
		t.Fatalf("erase: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = f.get(link)
	mustContain(t, body, "erased")
	mustNotContain(t, body, "José", "12 State St")
	if resp, _ := f.get(link + "/letters.pdf"); resp.StatusCode != http.StatusGone {
		t.Fatalf("PDF after erasure: %d", resp.StatusCode)
	}
	// The address writes again, and gets a new link.
	if again := f.submitAs(t, "own@example.org"); again == link {
		t.Fatal("no new submission after erasure")
	}
	// Without the CSRF token nothing happens.
	resp, _ = f.postForm(link+"/erase", url.Values{"confirm": {"yes"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("without CSRF: %d", resp.StatusCode)
	}
}
