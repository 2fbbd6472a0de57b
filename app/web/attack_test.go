package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/mail/mailtest"
	"github.com/advocate-org/advocate/app/outbox"
	"github.com/advocate-org/advocate/app/packets"
	"github.com/advocate-org/advocate/app/web"
	"github.com/advocate-org/advocate/templates"
)

// The attack tests: each table row names what an attacker tries and what
// must happen instead.

// newAttackApp is the whole app as serve wires it (supporters, accounts,
// the organizer workspace, staff packets), served by web.Server.HTTPServer
// so that its connection limits apply, on SQLite or on PostgreSQL when dsn
// is set. edit changes the server options.
func newAttackApp(t *testing.T, dsn string, edit func(*web.Options)) *authFixture {
	t.Helper()
	af := newAuthFixture(t, authOpts{dsn: dsn})
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	audit := auth.NewAudit(af.db, af.clock.Now)
	camps := campaign.New(campaign.Options{Store: af.db, Letters: letter.NewRenderer(letter.Options{}), Roster: af.roster,
		PDF: maker, Cache: af.submit, Auditor: audit, Counts: af.db, Clock: af.clock.Now})
	o := web.Options{Submit: af.submit, Roster: af.roster, DB: af.db, Pages: templates.Pages(), Static: templates.Static(),
		Clock: af.clock.Now, Auth: af.auth, Campaigns: camps,
		Rosters:  keptroster.New(keptroster.Options{Store: af.db, Roster: af.roster, Campaigns: af.db, Auditor: audit}),
		Delivery: af.db, Packets: packets.New(packets.Options{Store: af.db, PDF: maker, Clock: af.clock.Now})}
	if edit != nil {
		edit(&o)
	}
	srv, err := web.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Config = srv.HTTPServer()
	hs.Start()
	t.Cleanup(hs.Close)
	af.srv, af.web = hs, srv
	return af
}

// dbState summarises what a refused attack must leave alone: accounts
// (password hashes and status included), campaigns and their letters,
// submissions and the audit trail.
func dbState(t *testing.T, af *authFixture) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	users, err := af.db.ListUsers(ctx, app.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		fmt.Fprintf(&b, "user %s %q %v disabled=%v %s\n", u.Email, u.Name, u.Roles, u.Disabled, u.PasswordHash)
	}
	camps, err := af.db.ListCampaigns(ctx, app.CampaignFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range camps {
		fmt.Fprintf(&b, "campaign %s %s %q\n", c.Slug, c.Status, c.Title)
		for _, k := range app.TargetKinds {
			vs, err := af.db.ListTemplateVersions(ctx, c.ID, k)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "  %s letter: %d versions\n", k, len(vs))
		}
	}
	subs, err := af.db.SubmissionCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	letters, err := af.db.LetterCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := af.db.ListAuditEvents(ctx, app.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "submissions %v letters %v audit events %d\n", subs, letters, len(evs))
	return b.String()
}

// submitJSON posts a supporter to the API with fields changed from goodJSON.
func submitJSON(t *testing.T, af *authFixture, campaignSlug string, fields map[string]any, header ...string) (*http.Response, string) {
	t.Helper()
	var in map[string]any
	if err := json.Unmarshal([]byte(goodJSON), &in); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		in[k] = v
	}
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, af.srv.URL+"/api/v1/campaigns/"+campaignSlug+"/submissions", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return af.browser().do(req)
}

// submitToken stores a supporter through the API and returns the private
// token of the thank-you page.
func submitToken(t *testing.T, af *authFixture, fields map[string]any) string {
	t.Helper()
	resp, body := submitJSON(t, af, slug, fields)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
	var out struct {
		Token   string
		Letters []struct{ ID int64 }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Token == "" {
		t.Fatalf("submission answer %s", body)
	}
	return out.Token
}

// rawRequest sends path exactly as given (no cleaning or re-encoding by
// the client) and returns the answer.
func rawRequest(t *testing.T, base, method, path string, header ...string) (int, string) {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := method + " " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nConnection: close\r\n"
	for i := 0; i+1 < len(header); i += 2 {
		req += header[i] + ": " + header[i+1] + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAttackXSS(t *testing.T) {
	af := newAttackApp(t, "", nil)
	f := af.fixture
	const script = `<script>alert(1)</script>`
	rows := []struct {
		name, field, payload string
		// onThanks: the field is shown again on the thank-you page.
		onThanks bool
		// refused: the value is invalid, so the form comes back with it.
		refused bool
	}{
		{name: "script in first name", field: "first_name", payload: script, onThanks: true},
		{name: "image handler in last name", field: "last_name", payload: `<img src=x onerror=alert(1)>`},
		{name: "attribute breakout in address", field: "address1", payload: `12 State St"><script>alert(1)</script>`},
		{name: "textarea breakout in address line 2", field: "address2", payload: `</textarea>` + script},
		{name: "svg in city", field: "city", payload: `Albany<svg onload=alert(1)>`},
		{name: "textarea breakout in personal message", field: "personal_message", payload: `</textarea><iframe src=javascript:alert(1)>`},
		{name: "quoted script as email local part", field: "email", payload: `"` + script + `"@example.org`, refused: true},
		{name: "attribute breakout as email local part", field: "email", payload: "o'onfocus='alert`1`'autofocus='@example.org", onThanks: true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			escaped := template.HTMLEscapeString(r.payload)
			check := func(where, body string, wantEscaped bool) {
				t.Helper()
				if strings.Contains(body, r.payload) {
					t.Errorf("%s shows the payload unescaped", where)
				}
				if wantEscaped && !strings.Contains(body, escaped) {
					t.Errorf("%s lacks the escaped payload %q", where, escaped)
				}
			}
			form := supporterForm("12202", "NY")
			form.Set("email", "xss-"+r.field+"@example.org")
			form.Set(r.field, r.payload)
			form.Set("_csrf", f.csrf(slug))
			resp, body := f.postForm("/c/"+slug+"/preview", form)
			if r.refused {
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("preview: %d, want 422", resp.StatusCode)
				}
				check("the form page", body, true)
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
			}
			check("the preview", body, true)
			resp, body = f.postForm("/c/"+slug+"/submit", form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("submit: %d\n%s", resp.StatusCode, body)
			}
			_, body = f.get(resp.Header.Get("Location"))
			check("the thank-you page", body, r.onThanks)
		})
	}

	org := af.signedIn("org@example.org", app.RoleOrganizer)
	editor := "/organize/campaigns/" + slug + "/letters/representative"
	letterForm := url.Values{
		"subject":        {`Re: <script>alert("subject")</script>`},
		"body":           {"Dear {{ recipient.greeting }},\n\n<script>alert(\"body\")</script> <img src=x onerror=alert(2)>\n\n{{ personal_message }}\n\n{{ supporter.first_name }}"},
		"sample_message": {`</textarea><script>alert("sample")</script>`},
		"sample_set":     {"1"},
	}
	rawOrg := []string{`<script>alert("subject")</script>`, `<script>alert("body")</script>`, `<img src=x onerror=alert(2)>`,
		`</textarea><script>alert("sample")</script>`}
	t.Run("script in a letter template, editor preview", func(t *testing.T) {
		resp, body := org.submit(editor, editor, letterForm)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
		}
		mustNotContain(t, body, rawOrg...)
		mustContain(t, body, `&lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;`, `&lt;img src=x onerror=alert(2)&gt;`)
	})
	t.Run("script in a letter template, live preview JSON", func(t *testing.T) {
		resp, body := org.submit(editor, editor+"/preview.json", letterForm)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("preview.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if strings.Contains(body, "<") || strings.Contains(body, ">") {
			t.Errorf("the JSON carries raw angle brackets: %s", body)
		}
		var p struct {
			OK            bool
			Subject, Body string
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil || !p.OK || !strings.Contains(p.Body, `<script>alert("body")</script>`) {
			t.Fatalf("preview.json: %v %s", err, body)
		}
	})
	t.Run("script in a saved letter template, supporter preview", func(t *testing.T) {
		save := url.Values{"action": {"save"}}
		for k, v := range letterForm {
			save[k] = v
		}
		resp, body := org.submit(editor, editor, save)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", resp.StatusCode, body)
		}
		form := supporterForm("12202", "NY")
		form.Set("_csrf", f.csrf(slug))
		resp, body = f.postForm("/c/"+slug+"/preview", form)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d", resp.StatusCode)
		}
		mustNotContain(t, body, rawOrg...)
		mustContain(t, body, `Re: &lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt;`)
	})
	t.Run("script in a campaign title, public page and API", func(t *testing.T) {
		ctx := context.Background()
		c, err := af.db.FindCampaignBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		c.Title = `Free <script>alert("title")</script> Heng`
		if err := af.db.UpdateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		af.submit.Forget(slug)
		_, body := f.get("/c/" + slug)
		mustNotContain(t, body, `<script>alert("title")`)
		mustContain(t, body, `Free &lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; Heng`)
		_, body = f.get("/api/v1/campaigns")
		mustNotContain(t, body, "<script>")
		mustContain(t, body, `\u003cscript\u003e`)
		_, body = org.get("/organize")
		mustNotContain(t, body, `<script>alert("title")`)
	})
	t.Run("script in sign-in email and user agent, audit log", func(t *testing.T) {
		b := af.browser()
		form := url.Values{"email": {`<script>alert("email")</script>`}, "password": {"wrong password"}, "_csrf": {b.csrfToken()}}
		req, _ := http.NewRequest(http.MethodPost, af.srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", `<script>alert("agent")</script>`)
		if resp, body := b.do(req); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("login: %d", resp.StatusCode)
		} else {
			mustNotContain(t, body, `<script>alert("email")`)
		}
		admin := af.signedIn("admin@example.org", app.RoleAdmin)
		_, body := admin.get("/admin/audit")
		mustNotContain(t, body, `<script>alert("email")`, `<script>alert("agent")`)
		mustContain(t, body, `&lt;script&gt;alert(&#34;email&#34;)&lt;/script&gt;`)
	})
	t.Run("content security policy", func(t *testing.T) {
		admin := af.signedIn("csp@example.org", app.RoleAdmin, app.RoleOrganizer, app.RoleStaff)
		inlineScript := regexp.MustCompile(`(?i)<script\b[^>]*>`)
		handler := regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
		for _, p := range []string{"/c/" + slug, "/login", "/no-such-page", "/api/v1/campaigns", "/static/app.js",
			"/organize", editor, "/admin/users", "/admin/audit", "/staff", "/account"} {
			resp, body := admin.get(p)
			csp := resp.Header.Get("Content-Security-Policy")
			directives := map[string]string{}
			for _, d := range strings.Split(csp, ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
				directives[name] = value
			}
			scripts, ok := directives["script-src"]
			if !ok {
				scripts, ok = directives["default-src"]
			}
			if !ok || strings.Contains(scripts, "'unsafe-inline'") || strings.Contains(scripts, "'unsafe-eval'") ||
				strings.Contains(scripts, "*") || strings.Contains(scripts, "data:") {
				t.Errorf("%s: Content-Security-Policy %q lets scripts in", p, csp)
			}
			if directives["frame-ancestors"] != "'none'" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: framing or sniffing allowed: %v", p, resp.Header)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				continue
			}
			for _, tag := range inlineScript.FindAllString(body, -1) {
				if !strings.Contains(tag, " src=") {
					t.Errorf("%s: inline script %s (the policy would block it)", p, tag)
				}
			}
			if m := handler.FindString(body); m != "" {
				t.Errorf("%s: inline event handler %q", p, m)
			}
		}
	})
}

func TestAttackCSRF(t *testing.T) {
	af := newAttackApp(t, "", nil)
	admin := af.signedIn("admin@example.org", app.RoleAdmin, app.RoleOrganizer)
	leaver := af.signedIn("leaver@example.org", app.RoleStaff)
	victim := af.user("victim@example.org", app.RoleStaff)
	attacker := af.browser() // the attacker's own visit gives them a token of their own
	attackerToken := attacker.csrfToken()

	rows := []struct {
		name string
		// as is who sends the form (nil: an anonymous visitor).
		as         *browser
		path       string
		form       url.Values
		unchanged  func(t *testing.T) // more than dbState can see
		validWorks int                // the status once the token is right
	}{
		{name: "supporter preview", path: "/c/" + slug + "/preview", form: supporterForm("12202", "NY"), validWorks: http.StatusOK},
		{name: "supporter submit", path: "/c/" + slug + "/submit", form: supporterForm("12202", "NY"), validWorks: http.StatusSeeOther},
		{name: "sign-in", path: "/login", form: url.Values{"email": {"victim@example.org"}, "password": {testPassword}},
			validWorks: http.StatusSeeOther},
		{name: "sign-out", as: leaver, path: "/logout", validWorks: http.StatusSeeOther, unchanged: func(t *testing.T) {
			if resp, _ := leaver.get("/account"); resp.StatusCode != http.StatusOK {
				t.Errorf("the session ended: %d", resp.StatusCode)
			}
		}},
		{name: "new campaign", as: admin, path: "/organize/campaigns", validWorks: http.StatusSeeOther, form: url.Values{
			"title": {"Forged"}, "slug": {"forged"}, "ask": {"x"}, "summary": {"x"}, "retention_days": {"30"}}},
		{name: "close a campaign", as: admin, path: "/organize/campaigns/" + slug + "/close", validWorks: http.StatusSeeOther},
		{name: "new admin", as: admin, path: "/admin/users", validWorks: http.StatusSeeOther,
			form: url.Values{"email": {"evil@example.org"}, "roles": {"admin"}, "password": {testPassword}}},
		{name: "disable a user", as: admin, path: "/admin/users/" + itoa(victim.ID) + "/disable", validWorks: http.StatusSeeOther},
		{name: "change password", as: admin, path: "/account/password", validWorks: http.StatusSeeOther,
			form: url.Values{"current": {testPassword}, "password": {"attacker password 1"}, "confirm": {"attacker password 1"}}},
	}
	modes := []struct {
		name   string
		token  func(b *browser) string
		header map[string]string
	}{
		{name: "no token", token: func(*browser) string { return "" }},
		{name: "forged token", token: func(*browser) string { return "forged-token-0123456789abcdef" }},
		{name: "another session's token", token: func(*browser) string { return attackerToken }},
		{name: "valid token from another site", token: func(b *browser) string { return b.csrfToken() },
			header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			b := r.as
			if b == nil {
				b = af.browser()
				b.csrfToken() // the visitor has a CSRF cookie of their own
			}
			send := func(token string, header map[string]string) int {
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				if token != "" {
					form.Set("_csrf", token)
				}
				req, _ := http.NewRequest(http.MethodPost, af.srv.URL+r.path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for k, v := range header {
					req.Header.Set(k, v)
				}
				resp, _ := b.do(req)
				return resp.StatusCode
			}
			for _, m := range modes {
				before := dbState(t, af)
				if got := send(m.token(b), m.header); got != http.StatusBadRequest && got != http.StatusForbidden {
					t.Errorf("%s: %d, want 400 or 403", m.name, got)
				}
				if after := dbState(t, af); after != before {
					t.Errorf("%s changed the database:\n%s\nthen:\n%s", m.name, before, after)
				}
				if b.cookie("advocate_session") == "" && r.as != nil {
					t.Errorf("%s: the session cookie was dropped", m.name)
				}
				if r.unchanged != nil {
					r.unchanged(t)
				}
			}
			// The same form with the page's own token goes through, so the
			// refusals above were the token's doing.
			if got := send(b.csrfToken(), nil); got != r.validWorks {
				t.Errorf("with a valid token: %d, want %d", got, r.validWorks)
			}
		})
	}
}

func TestAttackSessionFixation(t *testing.T) {
	af := newAttackApp(t, "", nil)
	af.user("ana@example.org", app.RoleOrganizer)
	works := func(cookie string) bool {
		b := af.browser()
		b.jar.SetCookies(b.url(), []*http.Cookie{{Name: "advocate_session", Value: cookie}})
		resp, _ := b.get("/account")
		return resp.StatusCode == http.StatusOK
	}
	rows := []struct {
		name string
		// before runs ahead of the sign-in and returns the cookie the
		// attacker knows.
		before func(b *browser) string
		// after runs after the sign-in (nothing when nil).
		after func(b *browser)
	}{
		{name: "planted session cookie", before: func(b *browser) string {
			b.jar.SetCookies(b.url(), []*http.Cookie{{Name: "advocate_session", Value: "planted-by-an-attacker-0123456789abcdef"}})
			return "planted-by-an-attacker-0123456789abcdef"
		}},
		{name: "a real session from an earlier sign-in", before: func(b *browser) string {
			b.login("ana@example.org", testPassword)
			return b.cookie("advocate_session")
		}},
		{name: "a cookie after sign-out", before: func(b *browser) string { return "" }, after: func(b *browser) {
			stolen := b.cookie("advocate_session")
			if resp, _ := b.post("/logout", nil, true); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("logout: %d", resp.StatusCode)
			}
			if works(stolen) {
				t.Error("the signed-out session cookie still works")
			}
		}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			b := af.browser()
			known := r.before(b)
			if resp, body := b.login("ana@example.org", testPassword); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: %d %s", resp.StatusCode, body)
			}
			now := b.cookie("advocate_session")
			if now == "" || now == known {
				t.Fatalf("session cookie after sign-in %q, known before %q", now, known)
			}
			if known != "" && works(known) {
				t.Error("the cookie from before the sign-in works")
			}
			if !works(now) {
				t.Fatal("the new session does not work")
			}
			if r.after != nil {
				r.after(b)
			}
		})
	}
}

func TestAttackMailHeaderInjection(t *testing.T) {
	af := newAttackApp(t, "", nil)
	// Through the front door, line breaks never get into a submission: in
	// an email address they are refused, in a name folded into a space.
	if resp, body := submitJSON(t, af, slug, map[string]any{"email": "eve@example.org\r\nBcc: victim@example.org"}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("email with CR/LF: %d %s", resp.StatusCode, body)
	}
	for i, field := range []string{"first_name", "last_name", "address1", "city"} {
		token := submitToken(t, af, map[string]any{field: "Eve\r\nBcc: victim@example.org\nX-Injected: yes", "email": fmt.Sprintf("crlf%d@example.org", i)})
		sub, err := af.db.FindSubmissionByToken(context.Background(), token)
		if err != nil {
			t.Fatal(err)
		}
		sup := sub.Supporter
		if v := sup.FirstName + sup.LastName + sup.Address1 + sup.City; strings.ContainsAny(v, "\r\n") {
			t.Errorf("%s stored with a line break: %+v", field, sup)
		}
	}

	// Behind it, the mail composer holds whatever a stored row contains.
	token := submitToken(t, af, map[string]any{"email": "mail@example.org"})
	ctx := context.Background()
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	composer, err := outbox.NewComposer(outbox.ComposerOptions{From: mail.Address{Name: "Advocate", Email: "letters@example.org"},
		BaseURL: "https://letters.example.org", Templates: templates.Emails(), PDF: maker})
	if err != nil {
		t.Fatal(err)
	}
	const inject = "\r\nBcc: victim@example.org\r\nX-Injected: yes\n\nbody"
	rows := []struct {
		name  string
		spoil func(sub *app.Submission, camp *app.Campaign)
		// refused: the message cannot be built (and so is never sent).
		refused bool
	}{
		{name: "CR/LF in the first name", spoil: func(s *app.Submission, _ *app.Campaign) { s.Supporter.FirstName += inject }},
		{name: "CR/LF in the last name", spoil: func(s *app.Submission, _ *app.Campaign) { s.Supporter.LastName += inject }},
		{name: "CR/LF in the letter subject", spoil: func(s *app.Submission, _ *app.Campaign) { s.Letters[0].Subject += inject }},
		{name: "CR/LF in the recipient name", spoil: func(s *app.Submission, _ *app.Campaign) { s.Letters[0].Recipient.Name += inject }},
		{name: "CR/LF in the organization name", spoil: func(_ *app.Submission, c *app.Campaign) { c.Delivery.OrgName = "Org" + inject }},
		{name: "Unicode line separators in the name", spoil: func(s *app.Submission, _ *app.Campaign) {
			s.Supporter.FirstName += "\u2028Bcc: victim@example.org\u0085X-Injected: yes"
		}},
		{name: "CR/LF in the supporter email", refused: true, spoil: func(s *app.Submission, _ *app.Campaign) {
			s.Supporter.Email += inject
		}},
	}
	allowed := map[string]bool{"From": true, "To": true, "Reply-To": true, "Subject": true, "Message-Id": true, "Date": true,
		"Mime-Version": true, "Content-Type": true, "X-Advocate-Campaign": true, "Auto-Submitted": true}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			sub, err := af.db.FindSubmissionByToken(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			camp, err := af.db.FindCampaignByID(ctx, sub.CampaignID)
			if err != nil {
				t.Fatal(err)
			}
			camp.Delivery.ReplyToSupporter = true // the supporter's name and address go into Reply-To too
			r.spoil(sub, camp)
			sub.Letters[0].ID = 1
			for _, ch := range []app.Channel{app.ChannelEmail, app.ChannelCopy} {
				dl := app.Delivery{ID: 7, LetterID: 1, Channel: ch, To: "office@example.org", CreatedAt: fixedNow}
				if ch == app.ChannelCopy {
					dl.To = sub.Supporter.Email
				}
				m, err := composer.Compose(dl, sub, camp, fixedNow)
				if r.refused {
					if err == nil {
						t.Errorf("%s: a message was built", ch)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", ch, err)
				}
				raw, err := m.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				p := mailtest.Parse(t, raw)
				for name := range p.Header {
					if !allowed[name] {
						t.Errorf("%s: header %s: %q", ch, name, p.Header[name])
					}
				}
				for _, name := range []string{"To", "From", "Reply-To"} {
					if v := p.Header.Get(name); v == "" && name != "Reply-To" {
						t.Errorf("%s: no %s", ch, name)
					} else if list, err := p.Header.AddressList(name); v != "" && (err != nil || len(list) != 1) {
						t.Errorf("%s: %s is %q (%v), want one address", ch, name, v, err)
					}
				}
				if p.Text == "" || len(p.Attachments) != 1 {
					t.Errorf("%s: the message lost its body or letter: %d attachments", ch, len(p.Attachments))
				}
			}
		})
	}
}

func TestAttackPathTraversal(t *testing.T) {
	af := newAttackApp(t, "", nil)
	token := submitToken(t, af, nil)
	staff := af.signedIn("staff@example.org", app.RoleStaff)
	session := "advocate_session=" + staff.cookie("advocate_session")
	secrets := []string{"module github.com/advocate-org", "root:x:0:0", "package web", "[core]"}
	rows := []struct {
		name, path string
		signedIn   bool
	}{
		{name: "dot-dot under a letter", path: "/s/" + token + "/letters/../../etc/passwd"},
		{name: "dot-dot as a letter id", path: "/s/" + token + "/letters/..%2f..%2f..%2fetc%2fpasswd/pdf"},
		{name: "encoded dots as a letter id", path: "/s/" + token + "/letters/%2e%2e%2f%2e%2e%2fgo.mod/pdf"},
		{name: "encoded dot-dot as the token", path: "/s/%2e%2e%2f%2e%2e%2fetc%2fpasswd"},
		{name: "dot-dot as the token", path: "/s/../../etc/passwd/letters.pdf"},
		{name: "static dot-dot", path: "/static/../go.mod"},
		{name: "static deep dot-dot", path: "/static/../../../../etc/passwd"},
		{name: "static encoded dots", path: "/static/%2e%2e/go.mod"},
		{name: "static encoded slash", path: "/static/..%2fgo.mod"},
		{name: "static encoded dots and slash", path: "/static/%2e%2e%2f%2e%2e%2fgo.mod"},
		{name: "static double-encoded", path: "/static/%252e%252e%252fgo.mod"},
		{name: "static backslashes", path: "/static/..%5c..%5cgo.mod"},
		{name: "static absolute", path: "/static//etc/passwd"},
		{name: "static encoded absolute", path: "/static/%2fetc%2fpasswd"},
		{name: "static overlong UTF-8 dots", path: "/static/%c0%ae%c0%ae/go.mod"},
		{name: "static repo file", path: "/static/../../.git/config"},
		{name: "packets slug dot-dot", path: "/staff/campaigns/../../etc/packets.zip", signedIn: true},
		{name: "packets encoded slug", path: "/staff/campaigns/..%2f..%2fetc/packets.zip", signedIn: true},
		{name: "packets encoded dots", path: "/staff/campaigns/%2e%2e/packets.zip", signedIn: true},
		{name: "packets slug with a NUL", path: "/staff/campaigns/free-guan-heng%00/packets.zip", signedIn: true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			var hdr []string
			if r.signedIn {
				hdr = []string{"Cookie", session}
			}
			status, body := rawRequest(t, af.srv.URL, http.MethodGet, r.path, hdr...)
			if status != http.StatusNotFound && status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 404 or 400", r.path, status)
			}
			mustNotContain(t, body, secrets...)
			if strings.HasPrefix(body, "%PDF") || strings.HasPrefix(body, "PK") {
				t.Errorf("%s: served a file", r.path)
			}
		})
	}
	// The same addresses without the tricks serve their files.
	for _, p := range []string{"/static/app.js", "/s/" + token + "/letters.pdf"} {
		if status, _ := rawRequest(t, af.srv.URL, http.MethodGet, p); status != http.StatusOK {
			t.Errorf("%s: %d", p, status)
		}
	}
	if status, _ := rawRequest(t, af.srv.URL, http.MethodGet, "/staff/campaigns/"+slug+"/packets.zip", "Cookie", session); status != http.StatusOK {
		t.Errorf("packets: %d", status)
	}
}

func TestAttackGuessingPDFURLs(t *testing.T) {
	af := newAttackApp(t, "", nil)
	f := af.fixture
	mine := submitToken(t, af, map[string]any{"email": "mine@example.org"})
	theirs := submitToken(t, af, map[string]any{"email": "theirs@example.org"})
	ctx := context.Background()
	sub, err := af.db.FindSubmissionByToken(ctx, theirs)
	if err != nil {
		t.Fatal(err)
	}
	theirLetter := itoa(sub.Letters[0].ID)
	mySub, err := af.db.FindSubmissionByToken(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	myLetter := itoa(mySub.Letters[0].ID)
	unknown := strings.Repeat("a", 26)
	if unknown == mine || unknown == theirs {
		t.Fatal("the unknown token exists")
	}
	// Misses within a group must read the same, so that a guesser learns
	// nothing about what exists: someone else's letter is "no such letter"
	// like a made-up id, and an unknown token is "not valid" like a
	// malformed one.
	const letterMiss, tokenMiss = "letter", "token"
	rows := []struct{ name, group, path string }{
		{"another submission's letter under my token", letterMiss, "/s/" + mine + "/letters/" + theirLetter + "/pdf"},
		{"my letter under their token", letterMiss, "/s/" + theirs + "/letters/" + myLetter + "/pdf"},
		{"a letter id nobody has", letterMiss, "/s/" + mine + "/letters/999999/pdf"},
		{"letter id zero", letterMiss, "/s/" + mine + "/letters/0/pdf"},
		{"negative letter id", letterMiss, "/s/" + mine + "/letters/-1/pdf"},
		{"letter id in hex", letterMiss, "/s/" + mine + "/letters/0x" + myLetter + "/pdf"},
		{"their letter id with a sign", letterMiss, "/s/" + mine + "/letters/+" + theirLetter + "/pdf"},
		{"letter id overflowing int64", letterMiss, "/s/" + mine + "/letters/99999999999999999999/pdf"},
		{"unknown well-formed token", tokenMiss, "/s/" + unknown},
		{"unknown token, all letters", tokenMiss, "/s/" + unknown + "/letters.pdf"},
		{"unknown token, one letter", tokenMiss, "/s/" + unknown + "/letters/" + myLetter + "/pdf"},
		{"short token", tokenMiss, "/s/" + mine[:10]},
		{"token one character short", tokenMiss, "/s/" + mine[:25] + "/letters.pdf"},
		{"token one character long", tokenMiss, "/s/" + mine + "a/letters.pdf"},
		{"token in upper case", tokenMiss, "/s/" + strings.ToUpper(mine)},
		{"token outside the alphabet", tokenMiss, "/s/" + mine[:25] + "1"},
		{"SQL in the token", tokenMiss, "/s/" + url.PathEscape("' OR 1=1 --")},
		{"numeric token", tokenMiss, "/s/1/letters/1/pdf"},
	}
	first := map[string]string{} // group -> the first row's body
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			resp, body := f.get(r.path)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s: %d, want 404", r.path, resp.StatusCode)
			}
			if strings.HasPrefix(body, "%PDF") {
				t.Fatal("served a PDF")
			}
			if want, ok := first[r.group]; !ok {
				first[r.group] = body
			} else if body != want {
				t.Errorf("answers differently from the rest of its group:\n%s\n---\n%s", errorText(body), errorText(want))
			}
		})
	}
	// And the real ones still work.
	if resp, _ := f.get("/s/" + mine + "/letters/" + myLetter + "/pdf"); resp.StatusCode != http.StatusOK {
		t.Fatalf("my letter: %d", resp.StatusCode)
	}
}

// errorText is the message of an error page, for failure output.
func errorText(body string) string {
	if m := regexp.MustCompile(`(?s)<main.*</main>`).FindString(body); m != "" {
		return m
	}
	return body
}

func TestAttackOversizedBodies(t *testing.T) {
	const limit = 8 << 10
	af := newAttackApp(t, "", func(o *web.Options) { o.MaxBodyBytes = limit })
	f := af.fixture
	big := strings.Repeat("A", 2*limit)
	form := func() string {
		v := supporterForm("12202", "NY")
		v.Set("_csrf", f.csrf(slug))
		v.Set("personal_message", big)
		return v.Encode()
	}
	multipart := func() string {
		return "--xx\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n" + f.csrf(slug) +
			"\r\n--xx\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n" + big + "\r\n--xx--\r\n"
	}
	apiBody := func() string { return `{"first_name":"` + big + `"}` }
	rows := []struct {
		name, path, contentType string
		body                    func() string
		// chunked hides the length, so the limit must hold while reading.
		chunked bool
	}{
		{name: "supporter form", path: "/c/" + slug + "/submit", contentType: "application/x-www-form-urlencoded", body: form},
		{name: "supporter form, chunked", path: "/c/" + slug + "/submit", contentType: "application/x-www-form-urlencoded", body: form, chunked: true},
		{name: "multipart upload", path: "/c/" + slug + "/preview", contentType: "multipart/form-data; boundary=xx", body: multipart},
		{name: "multipart upload, chunked", path: "/c/" + slug + "/preview", contentType: "multipart/form-data; boundary=xx", body: multipart, chunked: true},
		{name: "API submission", path: "/api/v1/campaigns/" + slug + "/submissions", contentType: "application/json", body: apiBody},
		{name: "API submission, chunked", path: "/api/v1/campaigns/" + slug + "/submissions", contentType: "application/json", body: apiBody, chunked: true},
		{name: "sign-in", path: "/login", contentType: "application/x-www-form-urlencoded", body: func() string {
			return url.Values{"email": {big}, "password": {big}}.Encode()
		}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before := dbState(t, af)
			body := r.body()
			var rd io.Reader = strings.NewReader(body)
			if r.chunked {
				rd = io.MultiReader(rd) // no length known: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+r.path, rd)
			req.Header.Set("Content-Type", r.contentType)
			resp, err := f.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%d, want 413\n%s", resp.StatusCode, errorText(string(b)))
			}
			mustContain(t, string(b), "too large")
			if after := dbState(t, af); after != before {
				t.Errorf("the database changed:\n%s", after)
			}
		})
	}
	t.Run("headers", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/c/"+slug, nil)
		for i := range 100 {
			req.Header.Set(fmt.Sprintf("X-Padding-%d", i), strings.Repeat("h", 1000))
		}
		if resp, _ := af.browser().do(req); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("100 KB of headers: %d, want 431", resp.StatusCode)
		}
	})
	// Just under the limit is fine.
	v := supporterForm("12202", "NY")
	v.Set("_csrf", f.csrf(slug))
	v.Set("personal_message", "Please help.")
	if resp, body := f.postForm("/c/"+slug+"/submit", v); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a normal form: %d %s", resp.StatusCode, errorText(body))
	}
}

func TestAttackSlowClients(t *testing.T) {
	// Short limits so that the test need not wait; the deadlines below are
	// many times longer, so a slow machine does not fail it.
	af := newAttackApp(t, "", func(o *web.Options) {
		o.Timeouts = web.Timeouts{ReadHeader: 300 * time.Millisecond, Read: 500 * time.Millisecond}
	})
	u, _ := url.Parse(af.srv.URL)
	body := `{"first_name":"Slow","last_name":"Loris","email":"slow@example.org","address1":"1 Main St","city":"Albany","state":"NY","zip":"12202"}`
	rows := []struct {
		name string
		head string // sent at once
		drip string // then one byte every 50 ms
	}{
		{name: "body trickled after the headers",
			head: "POST /api/v1/campaigns/" + slug + "/submissions HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/json\r\nContent-Length: " +
				fmt.Sprint(len(body)) + "\r\n\r\n",
			drip: body},
		{name: "headers trickled",
			head: "GET /c/" + slug + " HTTP/1.1\r\n",
			drip: "Host: " + u.Host + "\r\nX-Slow: " + strings.Repeat("z", 200) + "\r\n\r\n"},
		{name: "form trickled",
			head: "POST /c/" + slug + "/submit HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n",
			drip: strings.Repeat("x", 500)},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before := dbState(t, af)
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			closed := make(chan struct{})
			go func() {
				_, _ = io.Copy(io.Discard, conn) // returns when the server closes the connection
				close(closed)
			}()
			if _, err := io.WriteString(conn, r.head); err != nil {
				t.Fatal(err)
			}
			giveUp := time.After(15 * time.Second) // the drip alone would take longer
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-closed:
					if after := dbState(t, af); after != before {
						t.Errorf("the slow request changed the database:\n%s", after)
					}
					return
				case <-giveUp:
					t.Fatalf("the server still holds the connection after %d bytes", i)
				case <-tick.C:
					if i < len(r.drip) {
						_, _ = conn.Write([]byte{r.drip[i]}) // fails once the server has hung up
					}
				}
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		srv, err := web.NewServer(web.Options{Pages: templates.Pages(), Static: templates.Static()})
		if err != nil {
			t.Fatal(err)
		}
		hs := srv.HTTPServer()
		if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 || hs.MaxHeaderBytes <= 0 ||
			hs.ReadHeaderTimeout > hs.ReadTimeout || hs.Handler == nil {
			t.Fatalf("unsafe defaults: %+v", hs)
		}
	})
}

func TestAttackForwardedFor(t *testing.T) {
	limit := func(trusted ...string) func(*web.Options) {
		return func(o *web.Options) {
			o.SubmitRate = web.RateLimit{PerMinute: 1, Burst: 2}
			o.TrustedProxies = trusted
		}
	}
	rows := []struct {
		name    string
		trusted []string
		xff     func(i int) string // the header on request i
		// refusedFrom is the first request refused (0: none of the five).
		refusedFrom int
	}{
		{name: "no trusted proxy, rotating addresses", xff: func(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) }, refusedFrom: 3},
		{name: "no trusted proxy, rotating chains", xff: func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.%d", i, i) }, refusedFrom: 3},
		{name: "trusted proxy, one client each", trusted: []string{"127.0.0.1"}, xff: func(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) }},
		{name: "trusted proxy, client forging hops on the left", trusted: []string{"127.0.0.1"},
			xff: func(i int) string { return fmt.Sprintf("10.0.0.%d, 198.51.100.%d, 203.0.113.50", i, i) }, refusedFrom: 3},
		{name: "trusted proxy chain, right-most untrusted counts", trusted: []string{"127.0.0.1", "10.0.0.0/8"},
			xff: func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.50, 10.1.2.3", i) }, refusedFrom: 3},
		{name: "trusted proxy, garbage in the header", trusted: []string{"127.0.0.1"},
			xff: func(i int) string { return fmt.Sprintf("not-an-address-%d", i) }, refusedFrom: 3},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			af := newAttackApp(t, "", limit(r.trusted...))
			for i := 1; i <= 5; i++ {
				resp, body := submitJSON(t, af, slug, map[string]any{"email": fmt.Sprintf("xff%d@example.org", i)},
					"X-Forwarded-For", r.xff(i))
				refused := r.refusedFrom != 0 && i >= r.refusedFrom
				if refused && resp.StatusCode != http.StatusTooManyRequests {
					t.Fatalf("request %d: %d, want 429", i, resp.StatusCode)
				}
				if !refused && resp.StatusCode != http.StatusCreated {
					t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
				}
			}
		})
	}
}

func TestAttackSQLMetacharacters(t *testing.T) {
	payloads := []string{
		`' OR 1=1 --`,
		`'; DROP TABLE submissions; --`,
		`"; DROP TABLE users; --`,
		`1); DELETE FROM campaigns; --`,
		`%' OR '%'='`,
		`\'; SELECT pg_sleep(10); --`,
		"a\x00b",
		`’ OR ’1’=’1`,
		"\xff\xfe",
	}
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := ""
			if db == "postgres" {
				dsn = apptest.PostgresDSN(t)
			}
			af := newAttackApp(t, dsn, nil)
			f := af.fixture
			ctx := context.Background()
			version, err := af.db.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			admin := af.signedIn("admin@example.org", app.RoleAdmin, app.RoleOrganizer)
			n := 0
			for _, p := range payloads {
				// Each field of the supporter form, as a browser sends it.
				for _, field := range []string{"prefix", "first_name", "last_name", "email", "address1", "address2", "city", "state", "zip",
					"personal_message", "representative"} {
					n++
					form := supporterForm("12202", "NY")
					form.Set("email", fmt.Sprintf("sql%d@example.org", n))
					form.Set(field, p)
					form.Set("_csrf", f.csrf(slug))
					resp, body := f.postForm("/c/"+slug+"/submit", form)
					switch {
					case resp.StatusCode == http.StatusSeeOther:
						tok := strings.TrimPrefix(resp.Header.Get("Location"), "/s/")
						sub, err := af.db.FindSubmissionByToken(ctx, tok)
						if err != nil {
							t.Fatal(err)
						}
						stored := map[string]string{"prefix": sub.Supporter.Prefix, "first_name": sub.Supporter.FirstName, "last_name": sub.Supporter.LastName,
							"email": sub.Supporter.Email, "address1": sub.Supporter.Address1, "address2": sub.Supporter.Address2,
							"city": sub.Supporter.City, "personal_message": sub.PersonalMessage}
						if got, ok := stored[field]; !ok || got != p {
							t.Errorf("%s=%q stored as %q", field, p, got)
						}
						if field == "first_name" {
							_, page := f.get("/s/" + tok)
							mustContain(t, page, "Thank you, "+template.HTMLEscapeString(p))
						}
					case resp.StatusCode == http.StatusUnprocessableEntity:
						if !strings.Contains(body, `role="alert"`) {
							t.Errorf("form %s=%q: 422 without a message", field, p)
						}
					default:
						t.Errorf("form %s=%q: %d\n%s", field, p, resp.StatusCode, errorText(body))
					}
					// And the same through the API.
					resp, body = submitJSON(t, af, slug, map[string]any{"email": fmt.Sprintf("api%d@example.org", n), field: p})
					if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusUnprocessableEntity {
						t.Errorf("API %s=%q: %d %s", field, p, resp.StatusCode, body)
					}
				}
				q := url.QueryEscape(p)
				for _, path := range []string{
					"/api/v1/lookup?zip=" + q, "/api/v1/lookup?zip=12202&state=" + q, "/api/v1/lookup?zip=12202&lat=" + q + "&lon=1",
					"/api/v1/campaigns/" + url.PathEscape(p) + "/targets?zip=12202", "/api/v1/campaigns/" + slug + "/targets?zip=12202&representative=" + q,
					"/c/" + url.PathEscape(p), "/s/" + url.PathEscape(p), "/confirm/" + url.PathEscape(p),
				} {
					if resp, body := f.get(path); resp.StatusCode < 400 || resp.StatusCode >= 500 {
						t.Errorf("GET %s: %d %s", path, resp.StatusCode, errorText(body))
					}
				}
				for _, path := range []string{"/admin/users?q=" + q, "/admin/audit?actor=" + q, "/admin/audit?action=" + q + "&subject=" + q,
					"/organize/campaigns/" + url.PathEscape(p)} {
					if resp, body := admin.get(path); resp.StatusCode >= 500 {
						t.Errorf("GET %s: %d %s", path, resp.StatusCode, errorText(body))
					}
				}
				// The sign-in email: refused like any wrong email.
				b := af.browser()
				resp, body := b.login(p, testPassword)
				if !refusedLogin(resp.StatusCode) || b.cookie("advocate_session") != "" {
					t.Errorf("login %q: %d %s", p, resp.StatusCode, errorText(body))
				}
				resp, body = b.login("admin@example.org' --", p)
				if !refusedLogin(resp.StatusCode) || b.cookie("advocate_session") != "" {
					t.Errorf("login with password %q: %d %s", p, resp.StatusCode, errorText(body))
				}
				// An organizer's campaign title: stored as typed or refused.
				n++
				cslug := fmt.Sprintf("sql-%d", n)
				resp, body = admin.submit("/organize/campaigns/new", "/organize/campaigns", url.Values{
					"title": {p}, "slug": {cslug}, "ask": {p}, "summary": {p}, "retention_days": {"30"},
					"fact_key": {"person"}, "fact_value": {p}})
				switch resp.StatusCode {
				case http.StatusSeeOther:
					c, err := af.db.FindCampaignBySlug(ctx, cslug)
					if err != nil || c.Title != p {
						t.Errorf("campaign title %q stored as %+v (%v)", p, c, err)
					}
				case http.StatusUnprocessableEntity:
				default:
					t.Errorf("campaign title %q: %d %s", p, resp.StatusCode, errorText(body))
				}
			}
			// The database is intact: same schema, the seed campaign, the
			// accounts, and a normal submission still works.
			if v, err := af.db.SchemaVersion(ctx); err != nil || v != version {
				t.Fatalf("schema version %d (%v), was %d", v, err, version)
			}
			seed, err := af.db.FindCampaignBySlug(ctx, slug)
			if err != nil {
				t.Fatalf("seed campaign: %v", err)
			}
			if u, err := af.db.FindUserByEmail(ctx, "admin@example.org"); err != nil || !u.Has(app.RoleAdmin) {
				t.Fatalf("admin: %+v %v", u, err)
			}
			counts, err := af.db.SubmissionCounts(ctx)
			if err != nil || counts[seed.ID] == 0 {
				t.Fatalf("submission counts %v %v", counts, err)
			}
			submitToken(t, af, map[string]any{"email": "after@example.org"})
		})
	}
}

// refusedLogin: a wrong sign-in is 401, or 429 once the address has
// failed too often, or 422 for text no account can have.
func refusedLogin(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusTooManyRequests || status == http.StatusUnprocessableEntity
}

func TestAttackSpamFloods(t *testing.T) {
	af := newAttackApp(t, "", func(o *web.Options) {
		o.SubmitRate = web.RateLimit{PerMinute: 1, Burst: 3}
		o.SubmitEmailRate = web.RateLimit{PerMinute: 1.0 / 60, Burst: 3}
		o.TrustedProxies = []string{"127.0.0.1"} // each request may come from its own client
	})
	f := af.fixture
	ctx := context.Background()
	// A second open campaign, so that one address can write to two.
	second := url.Values{"title": {"Free Ana"}, "slug": {"free-ana"}, "ask": {"release Ana"}, "summary": {"Ana is held."},
		"fact_key": {"person"}, "fact_value": {"Ana"}, "retention_days": {"30"}}
	org := af.signedIn("org@example.org", app.RoleOrganizer)
	if resp, body := org.submit("/organize/campaigns/new", "/organize/campaigns", second); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second campaign: %d %s", resp.StatusCode, errorText(body))
	}
	writeLetters(t, org, "free-ana")
	if resp, body := org.submit("/organize/campaigns/free-ana", "/organize/campaigns/free-ana/open", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("open: %d %s", resp.StatusCode, errorText(body))
	}
	client := 0
	send := func(campaignSlug, email string, extra ...string) int {
		client++
		resp, _ := submitJSON(t, af, campaignSlug, map[string]any{"email": email},
			append([]string{"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", client)}, extra...)...)
		return resp.StatusCode
	}
	submissions := func() int {
		counts, err := af.db.SubmissionCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range counts {
			total += n
		}
		return total
	}

	rows := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "honeypot filled: refused as a mistake, nothing stored", run: func(t *testing.T) {
			before := submissions()
			form := supporterForm("12202", "NY")
			form.Set("email", "robot@example.org")
			form.Set("website", "http://spam.example")
			form.Set("_csrf", f.csrf(slug))
			resp, body := f.postForm("/c/"+slug+"/submit", form)
			if resp.StatusCode != http.StatusUnprocessableEntity || submissions() != before {
				t.Fatalf("%d, %d stored", resp.StatusCode, submissions()-before)
			}
			mustContain(t, body, "leave this field empty")
		}},
		{name: "one address, many emails: the per-address limit", run: func(t *testing.T) {
			before := submissions()
			var got []int
			for i := range 5 {
				resp, _ := submitJSON(t, af, slug, map[string]any{"email": fmt.Sprintf("flood%d@example.org", i)}, "X-Forwarded-For", "198.51.100.7")
				got = append(got, resp.StatusCode)
			}
			if fmt.Sprint(got) != "[201 201 201 429 429]" || submissions() != before+3 {
				t.Fatalf("statuses %v, %d stored", got, submissions()-before)
			}
		}},
		{name: "one email, many addresses, spellings and campaigns: the per-email limit", run: func(t *testing.T) {
			before := submissions()
			got := []int{
				send(slug, "Jane.Doe@gmail.com"),
				send("free-ana", "jane.doe@gmail.com"),
				send(slug, "janedoe+letters@googlemail.com"),
				send("free-ana", "JANEDOE@GMAIL.COM"),
				send(slug, "j.a.n.e.d.o.e@gmail.com"),
			}
			if fmt.Sprint(got) != "[201 201 201 429 429]" || submissions() != before+3 {
				t.Fatalf("statuses %v, %d stored", got, submissions()-before)
			}
			// Someone else is not held back by it.
			if got := send(slug, "john.doe@gmail.com"); got != http.StatusCreated {
				t.Fatalf("another person: %d", got)
			}
		}},
		{name: "the per-email limit on the form too", run: func(t *testing.T) {
			if got := []int{send(slug, "form@example.org"), send("free-ana", "form@example.org"), send(slug, "Form@Example.org")}; fmt.Sprint(got) != "[201 201 200]" {
				t.Fatalf("statuses %v", got)
			}
			form := supporterForm("12202", "NY")
			form.Set("email", "form+again@example.org")
			form.Set("_csrf", f.csrf(slug))
			resp, body := f.postForm("/c/"+slug+"/submit", form)
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("form: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			mustContain(t, body, "Too many letters from this email address", `value="form&#43;again@example.org"`, `id="email-error"`)
		}},
		{name: "the same email again on one campaign: the first submission, nothing new", run: func(t *testing.T) {
			if got := send(slug, "once@example.org"); got != http.StatusCreated {
				t.Fatalf("first: %d", got)
			}
			before := submissions()
			if got := send(slug, "ONCE@example.org "); got != http.StatusOK || submissions() != before {
				t.Fatalf("repeat: %d, %d stored", got, submissions()-before)
			}
		}},
	}
	for _, r := range rows {
		t.Run(r.name, r.run)
	}
}
