package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/privacy"
	"github.com/advocate-org/advocate/app/web"
	"github.com/advocate-org/advocate/templates"
)

// privacyFixture is the accounts fixture behind a server with the privacy
// service.
func privacyFixture(t *testing.T) *authFixture {
	t.Helper()
	af := newAuthFixture(t, authOpts{})
	priv, err := privacy.New(privacy.Options{Store: af.db.Privacy, Audit: auth.NewAudit(af.db.Audit, af.clock.Now), Clock: af.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Options{Submit: af.submit, Roster: af.roster, DB: af.db, Pages: templates.Pages(),
		Static: templates.Static(), Clock: af.clock.Now, Auth: af.auth, Privacy: priv})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	af.srv = hs
	return af
}

// submitAs sends the API submission with another email and returns its
// thank-you token and first letter id.
func submitAs(t *testing.T, af *authFixture, email string) (string, int64) {
	t.Helper()
	resp, body := af.do(http.MethodPost, "/api/v1/campaigns/"+slug+"/submissions", "application/json",
		strings.Replace(goodJSON, "lukasz@example.org", email, 1))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
	token := strings.TrimPrefix(af.emailedLink(t, slug, email), "/s/")
	sub, err := af.db.Submissions.FindSubmissionByToken(context.Background(), token)
	if err != nil || len(sub.Letters) == 0 {
		t.Fatalf("submission of %s: %v", email, err)
	}
	return token, sub.Letters[0].ID
}

func TestSupporterPrivacyPages(t *testing.T) {
	af := privacyFixture(t)
	token, letterID := submitAs(t, af, "Lukasz@Example.org")
	otherToken, _ := submitAs(t, af, "keep@example.org")
	if _, body := af.get("/s/" + token); !strings.Contains(body, "Łukasz") {
		t.Fatal("thank-you page before erasure lacks the supporter")
	}

	for _, role := range []app.Role{app.RoleStaff, app.RoleAdmin, app.RoleOrganizer} {
		b := af.signedIn(string(role)+"@example.org", role)
		for _, path := range []string{"/staff/supporters?email=lukasz@example.org", "/staff/supporters/export?email=lukasz@example.org"} {
			if resp, body := b.get(path); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "1 Main St") {
				t.Errorf("%s on %s: %d", role, path, resp.StatusCode)
			}
		}
	}
	sd := af.signedIn("privacy@example.org", app.RoleSupporterData)

	resp, body := sd.get("/staff/supporters")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/staff/supporters"`) {
		t.Fatalf("search form: %d", resp.StatusCode)
	}
	resp, body = sd.get("/staff/supporters?email=" + url.QueryEscape(" LUKASZ@example.org "))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search: %d %s", resp.StatusCode, body)
	}
	mustContain(t, body, "Held for lukasz@example.org", "Lukasz@Example.org", "Łukasz Żółć", "1 Main St, Albany, NY 12202",
		"Please help.", "Protect the people who document abuses in China", "/staff/supporters/export?email=lukasz%40example.org", "Erase this supporter's data",
		"The Honorable Paul Tonko", "download: ready to download")
	mustNotContain(t, body, "keep@example.org")
	_, body = sd.get("/staff/supporters?email=nobody@example.org")
	mustContain(t, body, "No supporter data is held for <strong>nobody@example.org</strong>")

	resp, body = sd.get("/staff/supporters/export?email=lukasz%40example.org")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
		strings.Contains(resp.Header.Get("Content-Disposition"), "lukasz") || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	var x app.SupporterExport
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		t.Fatal(err)
	}
	if len(x.Records) != 1 || x.Records[0].Supporter.LastName != "Żółć" || x.Records[0].Submission == nil ||
		x.Records[0].Submission.CampaignSlug != slug || x.Letters() < 4 || !strings.Contains(x.Records[0].Submission.Letters[0].Body, "Łukasz") {
		t.Fatalf("export: %+v", x)
	}
	if resp, _ := sd.get("/staff/supporters/export"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("export without an email: %d", resp.StatusCode)
	}

	// The erasure needs the CSRF token and the address typed again.
	if resp, _ := sd.post("/staff/supporters/erase", url.Values{"email": {"lukasz@example.org"}, "confirm": {"lukasz@example.org"}}, false); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("erase without CSRF: %d", resp.StatusCode)
	}
	resp, body = sd.post("/staff/supporters/erase", url.Values{"email": {"lukasz@example.org"}, "confirm": {"lukasz@example.com"}}, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("erase with a wrong confirmation: %d", resp.StatusCode)
	}
	mustContain(t, body, "Nothing was erased.", "Type the supporter", "Held for lukasz@example.org")
	if _, body := af.get("/s/" + token); !strings.Contains(body, "Łukasz") {
		t.Fatal("erased without confirmation")
	}
	resp, _ = sd.post("/staff/supporters/erase", url.Values{"email": {"lukasz@example.org"}, "confirm": {" LUKASZ@example.org"}}, true)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/staff/supporters" {
		t.Fatalf("erase: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = sd.get("/staff/supporters")
	mustContain(t, body, "Erased 1 submission and", "held for l***@e***.org")
	mustNotContain(t, body, "lukasz@")
	_, body = sd.get("/staff/supporters?email=lukasz@example.org")
	mustContain(t, body, "No supporter data is held")

	// The supporter's private link says what happened and shows nothing.
	resp, body = af.get("/s/" + token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("thank-you page after erasure: %d", resp.StatusCode)
	}
	mustContain(t, body, "Your data was erased", "were erased on November 22, 2026", "/c/"+slug)
	mustNotContain(t, body, "Łukasz", "Please help", "letters.pdf", "Paul Tonko", "Dear ")
	for _, path := range []string{"/s/" + token + "/letters.pdf", "/s/" + token + "/letters/" + strconv.FormatInt(letterID, 10) + "/pdf"} {
		resp, body := af.get(path)
		if resp.StatusCode != http.StatusGone || !strings.Contains(body, "erased with the supporter&#39;s data on November 22, 2026") {
			t.Errorf("%s after erasure: %d %s", path, resp.StatusCode, body)
		}
	}
	if _, body := af.get("/s/" + otherToken); !strings.Contains(body, "Thank you, Łukasz") {
		t.Error("another supporter's page changed")
	}

	// Every look, export and erasure is in the audit log, without the address.
	evs, err := af.db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "supporter"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		actions = append(actions, e.Action)
		if e.ActorEmail != "privacy@example.org" || strings.Contains(e.Subject+e.Detail, "lukasz") {
			t.Errorf("audit event %+v", e)
		}
	}
	want := "supporter.view supporter.view supporter.export supporter.view supporter.erase supporter.view"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit actions:\n got  %s\n want %s", got, want)
	}
}

// The supporter form says what is kept, for how long and where letters
// go, and asks before any further contact.
func TestSupporterFormPrivacyNotice(t *testing.T) {
	af := privacyFixture(t)
	_, body := af.get("/c/" + slug)
	mustContain(t, body, "We store your name, email address and home address", "officials named in the preview",
		"We keep your details until you ask us to erase them.", `id="contact_ok" name="contact_ok" value="1">`)

	ctx := context.Background()
	camp, err := af.db.Campaigns.FindCampaignBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	camp.RetentionDays = 180
	if err := af.db.Campaigns.UpdateCampaign(ctx, camp); err != nil {
		t.Fatal(err)
	}
	af.submit.Forget(slug)
	_, body = af.get("/c/" + slug)
	mustContain(t, body, "We erase your details 180 days after you write.")
	mustNotContain(t, body, "until you ask us")
}
