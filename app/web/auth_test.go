package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/stats"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/app/web"
	"github.com/advocate-org/advocate/templates"
)

// authFixture is the app with accounts: the supporter fixture's store and
// services behind a server that also has an auth service on a settable
// clock.
type authFixture struct {
	*fixture
	auth  *auth.Service
	clock *apptest.Clock
	web   *web.Server
}

type authOpts struct {
	auth web.Options // only TrustedProxies and SecureCookies are used
	svc  auth.Options
	dsn  string // a Postgres URL; empty: SQLite in a temp folder
}

const testPassword = "correct horse battery"

func newAuthFixture(t testing.TB, o authOpts) *authFixture {
	t.Helper()
	f := newFixture(t, o.dsn, "")
	clock := apptest.NewClock(fixedNow)
	so := o.svc
	so.Store, so.Clock, so.BcryptCost = f.db.Accounts, clock.Now, bcrypt.MinCost
	so.Audit = auth.NewAudit(f.db.Audit, clock.Now)
	svc, err := auth.New(so)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Options{Submit: f.submit, Roster: f.roster, DB: f.db, Limits: f.limits, Pages: templates.Pages(),
		Static: templates.Static(), Clock: clock.Now, Auth: svc,
		TrustedProxies: o.auth.TrustedProxies, SecureCookies: o.auth.SecureCookies,
		Stats: stats.New(stats.Options{Store: views.Stats(f.db), Audit: so.Audit, Clock: clock.Now})})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	f.srv = hs
	return &authFixture{fixture: f, auth: svc, clock: clock, web: srv}
}

// cliCtx acts as `advocate user ...`.
var cliCtx = app.WithActor(context.Background(), app.Actor{Via: "cli"})

func (af *authFixture) user(email string, roles ...app.Role) *app.User {
	af.t.Helper()
	u, err := af.auth.CreateUser(cliCtx, auth.NewUser{Email: email, Name: "Test", Roles: roles, Password: testPassword})
	if err != nil {
		af.t.Fatal(err)
	}
	return u
}

// browser is one visitor with their own cookies.
type browser struct {
	af     *authFixture
	client *http.Client
	jar    http.CookieJar
}

func (af *authFixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{af: af, jar: jar, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.af.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.af.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.af.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.af.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form; with a CSRF token when csrf is true (taken from the
// sign-in page, which every visitor may load).
func (b *browser) post(path string, form url.Values, csrf bool) (*http.Response, string) {
	b.af.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if csrf {
		form.Set("_csrf", b.csrfToken())
	}
	req, _ := http.NewRequest(http.MethodPost, b.af.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) csrfToken() string {
	b.af.t.Helper()
	_, body := b.get("/login?next=/account") // signed in: a redirect, but the cookie is set either way
	if m := csrfRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	for _, c := range b.jar.Cookies(b.url()) {
		if c.Name == "advocate_csrf" {
			return c.Value
		}
	}
	b.af.t.Fatal("no CSRF token")
	return ""
}

func (b *browser) url() *url.URL { u, _ := url.Parse(b.af.srv.URL); return u }

func (b *browser) cookie(name string) string {
	for _, c := range b.jar.Cookies(b.url()) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) login(email, password string) (*http.Response, string) {
	b.af.t.Helper()
	return b.post("/login", url.Values{"email": {email}, "password": {password}}, true)
}

// signedIn returns a browser signed in as a new user with roles.
func (af *authFixture) signedIn(email string, roles ...app.Role) *browser {
	af.t.Helper()
	af.user(email, roles...)
	b := af.browser()
	if resp, body := b.login(email, testPassword); resp.StatusCode != http.StatusSeeOther {
		af.t.Fatalf("login %s: %d %s", email, resp.StatusCode, body)
	}
	return b
}

func (af *authFixture) auditActions(filter app.AuditFilter) []string {
	af.t.Helper()
	evs, err := af.db.Audit.ListAuditEvents(context.Background(), filter)
	if err != nil {
		af.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

var errorRE = regexp.MustCompile(`<p class="error" role="alert">([^<]*)</p>`)

func TestLoginFlow(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	af.user("ana@example.org", app.RoleOrganizer, app.RoleAdmin)
	b := af.browser()

	// A protected page sends an anonymous visitor to sign in, and back.
	resp, _ := b.get("/admin/users?q=x")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fadmin%2Fusers%3Fq%3Dx" {
		t.Fatalf("anonymous: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.get("/login?next=%2Fadmin%2Fusers%3Fq%3Dx")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, `type="password"`, `name="_csrf"`, `name="next" value="/admin/users?q=x"`, `autocomplete="current-password"`)

	// Wrong password and unknown email: same status, same words.
	resp, wrong := b.login("ana@example.org", "not the password")
	resp2, unknown := b.login("nobody@example.org", "not the password")
	if resp.StatusCode != http.StatusUnauthorized || resp2.StatusCode != http.StatusUnauthorized {
		t.Fatalf("failures: %d %d", resp.StatusCode, resp2.StatusCode)
	}
	m1, m2 := errorRE.FindStringSubmatch(wrong), errorRE.FindStringSubmatch(unknown)
	if m1 == nil || m2 == nil || m1[1] != "Email or password is wrong." || m1[1] != m2[1] {
		t.Fatalf("messages: %v / %v", m1, m2)
	}
	mustContain(t, unknown, `value="nobody@example.org"`) // the email stays in the form
	mustNotContain(t, unknown, "not the password")
	if b.cookie("advocate_session") != "" {
		t.Fatal("a failed sign-in set a session cookie")
	}

	form := url.Values{"email": {"ANA@example.org"}, "password": {testPassword}, "next": {"/admin/users?q=x"}}
	resp, _ = b.post("/login", form, true)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users?q=x" {
		t.Fatalf("login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "advocate_session" {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure || len(sc.Value) < 40 {
		t.Fatalf("session cookie %+v", sc)
	}
	resp, body = b.get("/account")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "ana@example.org", `href="/organize">Campaigns`, `href="/admin/users">Users`, `href="/admin/audit">Audit`,
		`action="/logout"`, "Sign out")
	mustNotContain(t, body, "Organizer sign-in", `href="/staff"`)
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	// Signed in, /login moves on.
	if resp, _ := b.get("/login"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/organize" {
		t.Errorf("login when signed in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// next may not leave the site.
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		b2 := af.browser()
		resp, _ := b2.post("/login", url.Values{"email": {"ana@example.org"}, "password": {testPassword}, "next": {next}}, true)
		if loc := resp.Header.Get("Location"); loc != "/organize" {
			t.Errorf("next %q: redirected to %q", next, loc)
		}
	}
	got := strings.Join(af.auditActions(app.AuditFilter{Action: "auth"}), " ")
	if !strings.Contains(got, "auth.login_failed") || !strings.Contains(got, "auth.login") {
		t.Errorf("audit: %s", got)
	}
}

func TestLoginDisabledUser(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	u := af.user("bo@example.org", app.RoleStaff)
	b := af.signedIn("root@example.org", app.RoleAdmin)
	other := af.browser()
	if resp, _ := other.login("bo@example.org", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("bo cannot sign in")
	}
	resp, _ := b.post("/admin/users/"+itoa(u.ID)+"/disable", nil, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatal(resp.StatusCode)
	}
	// bo's open session ended, and bo cannot sign in again.
	if resp, _ := other.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disabled user's session still works: %d", resp.StatusCode)
	}
	resp, body := af.browser().login("bo@example.org", testPassword)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("disabled login: %d", resp.StatusCode)
	}
	mustContain(t, body, "This account is disabled")
}

func TestLoginLockout(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	af.user("ana@example.org", app.RoleOrganizer)
	b := af.browser()
	for range 4 {
		if resp, _ := b.login("ana@example.org", "wrong password 1"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatal(resp.StatusCode)
		}
	}
	resp, body := b.login("ana@example.org", "wrong password 1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "900" {
		t.Fatalf("5th failure: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	mustContain(t, body, "Too many attempts. Try again in 15 minutes.")
	// The right password does not help while locked.
	if resp, _ := b.login("ana@example.org", testPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("locked account signed in: %d", resp.StatusCode)
	}
	af.clock.Add(10 * time.Minute)
	_, body = b.login("ana@example.org", testPassword)
	mustContain(t, body, "Try again in 5 minutes.")
	af.clock.Add(5 * time.Minute)
	if resp, body := b.login("ana@example.org", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lock: %d %s", resp.StatusCode, body)
	}
}

func TestCSRFOnAccountForms(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	af.user("ana@example.org", app.RoleAdmin)
	b := af.browser()
	// Sign-in without the token is refused before the password is looked at.
	resp, body := b.post("/login", url.Values{"email": {"ana@example.org"}, "password": {testPassword}}, false)
	if resp.StatusCode != http.StatusBadRequest || b.cookie("advocate_session") != "" {
		t.Fatalf("login without CSRF: %d", resp.StatusCode)
	}
	mustContain(t, body, "form expired")
	// A wrong token is refused too.
	b.csrfToken()
	resp, _ = b.post("/login", url.Values{"email": {"ana@example.org"}, "password": {testPassword}, "_csrf": {"forged"}}, false)
	if resp.StatusCode == http.StatusSeeOther {
		t.Fatal("login with a forged CSRF token")
	}
	// A cross-site browser request is refused whatever it carries.
	req, _ := http.NewRequest(http.MethodPost, af.srv.URL+"/login", strings.NewReader("email=ana%40example.org&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := b.do(req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site login: %d", resp.StatusCode)
	}

	if resp, _ := b.login("ana@example.org", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("login")
	}
	form := url.Values{"email": {"new@example.org"}, "roles": {"staff"}, "password": {testPassword}}
	resp, _ = b.post("/admin/users", form, false)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("admin form without CSRF: %d", resp.StatusCode)
	}
	if _, err := af.db.Accounts.FindUserByEmail(context.Background(), "new@example.org"); err == nil {
		t.Fatal("user created without a CSRF token")
	}
	resp, _ = b.post("/logout", nil, false)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("logout without CSRF: %d", resp.StatusCode)
	}
	resp, _ = b.post("/account/password", url.Values{"current": {testPassword}, "password": {"x new password 1"}, "confirm": {"x new password 1"}}, false)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("password change without CSRF: %d", resp.StatusCode)
	}
	// With the token, the same form works.
	resp, _ = b.post("/admin/users", form, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin form with CSRF: %d", resp.StatusCode)
	}
}

func TestSessionTimeouts(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	b := af.signedIn("ana@example.org", app.RoleStaff)
	// Idle: activity within two hours keeps the session.
	for range 3 {
		af.clock.Add(time.Hour + 30*time.Minute)
		if resp, _ := b.get("/account"); resp.StatusCode != 200 {
			t.Fatalf("active session ended: %d", resp.StatusCode)
		}
	}
	af.clock.Add(2 * time.Hour)
	resp, _ := b.get("/account")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("idle session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if b.cookie("advocate_session") != "" {
		t.Error("the dead session cookie was not cleared")
	}
	// Absolute: twelve hours, however active.
	if resp, _ := b.login("ana@example.org", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("login")
	}
	for i := range 7 {
		af.clock.Add(time.Hour + 45*time.Minute)
		resp, _ := b.get("/account")
		if want := 200; i == 6 {
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("session outlived 12 hours: %d", resp.StatusCode)
			}
		} else if resp.StatusCode != want {
			t.Fatalf("hour %d: %d", i, resp.StatusCode)
		}
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	b := af.signedIn("ana@example.org", app.RoleOrganizer)
	stolen := b.cookie("advocate_session")
	// The sign-out page (for plain links) asks for a POST.
	resp, body := b.get("/logout")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, `action="/logout"`, "ana@example.org")
	resp, _ = b.post("/logout", nil, true)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = b.get("/login")
	mustContain(t, body, "You are signed out.")
	_, body = b.get("/login")
	mustNotContain(t, body, "You are signed out.") // a flash shows once
	// The old cookie is dead in the database, not only in this browser.
	replay := af.browser()
	replay.jar.SetCookies(replay.url(), []*http.Cookie{{Name: "advocate_session", Value: stolen}})
	if resp, _ := replay.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("replayed cookie after logout: %d", resp.StatusCode)
	}
	if got := af.auditActions(app.AuditFilter{Action: "auth.logout"}); len(got) != 1 {
		t.Errorf("logout events %v", got)
	}
}

func TestSessionFixation(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	af.user("ana@example.org", app.RoleOrganizer)
	b := af.browser()
	b.jar.SetCookies(b.url(), []*http.Cookie{{Name: "advocate_session", Value: "planted-by-an-attacker-0123456789"}})
	if resp, _ := b.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("a planted cookie authenticated")
	}
	b.jar.SetCookies(b.url(), []*http.Cookie{{Name: "advocate_session", Value: "planted-by-an-attacker-0123456789"}})
	csrfBefore := b.cookie("advocate_csrf")
	b.login("ana@example.org", testPassword)
	after := b.cookie("advocate_session")
	if after == "" || after == "planted-by-an-attacker-0123456789" {
		t.Fatalf("session cookie after login: %q", after)
	}
	if b.cookie("advocate_csrf") == csrfBefore && csrfBefore != "" {
		t.Error("the CSRF cookie survived sign-in")
	}
	// Signing in again replaces the session and ends the old one.
	b.login("ana@example.org", testPassword)
	if again := b.cookie("advocate_session"); again == after {
		t.Fatal("second sign-in kept the session token")
	}
	old := af.browser()
	old.jar.SetCookies(old.url(), []*http.Cookie{{Name: "advocate_session", Value: after}})
	if resp, _ := old.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("the session replaced by a new sign-in still works")
	}
}

func TestSecureCookies(t *testing.T) {
	af := newAuthFixture(t, authOpts{auth: web.Options{SecureCookies: true}})
	af.user("ana@example.org", app.RoleOrganizer)
	b := af.browser()
	form := url.Values{"email": {"ana@example.org"}, "password": {testPassword}, "_csrf": {b.csrfToken()}}
	req, _ := http.NewRequest(http.MethodPost, af.srv.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := b.do(req)
	ok := false
	for _, c := range resp.Cookies() {
		if c.Name == "advocate_session" {
			ok = c.Secure && c.HttpOnly
		}
	}
	if !ok {
		t.Fatalf("session cookie not Secure: %v", resp.Header["Set-Cookie"])
	}
}

func apiGet(t *testing.T, af *authFixture, path, token string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, af.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestBearerTokens(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	u := af.user("stats@example.org", app.RoleStaff)
	secret, tok, err := af.auth.CreateToken(cliCtx, u.ID, "stats script")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := apiGet(t, af, "/api/v1/me", "")
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("no token: %d %s", resp.StatusCode, body)
	}
	mustContain(t, body, `"code":"unauthorized"`)
	resp, body = apiGet(t, af, "/api/v1/me", "Bearer "+secret)
	if resp.StatusCode != 200 {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	var me struct {
		Email string
		Roles []string
		Via   string
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil || me.Email != "stats@example.org" || me.Via != "token" || len(me.Roles) != 1 || me.Roles[0] != "staff" {
		t.Fatalf("me: %s", body)
	}
	// Public endpoints work with or without a token, but not with a bad one.
	if resp, _ := apiGet(t, af, "/api/v1/campaigns", "Bearer "+secret); resp.StatusCode != 200 {
		t.Errorf("public endpoint with token: %d", resp.StatusCode)
	}
	for _, bad := range []string{"Bearer adv_wrong", "Basic " + secret, "Bearer", secret} {
		if resp, _ := apiGet(t, af, "/api/v1/campaigns", bad); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%q: %d", bad, resp.StatusCode)
		}
	}
	// A browser session does not open the API (it has no CSRF protection).
	b := af.signedIn("ana@example.org", app.RoleStaff)
	if resp, _ := apiGet(t, af, "/api/v1/me", "", &http.Cookie{Name: "advocate_session", Value: b.cookie("advocate_session")}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("session cookie on the API: %d", resp.StatusCode)
	}
	// Nor does a token open the pages.
	req, _ := http.NewRequest(http.MethodGet, af.srv.URL+"/account", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if resp, _ := af.browser().do(req); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("token on a page: %d", resp.StatusCode)
	}
	if _, err := af.auth.RevokeToken(cliCtx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := apiGet(t, af, "/api/v1/me", "Bearer "+secret); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", resp.StatusCode)
	}
}

// The client address used for throttling comes from the connection unless
// the request came through a configured proxy.
func TestForwardedForIsNotTrustedByDefault(t *testing.T) {
	lockIP := auth.Options{MaxIPFailures: 3, MaxFailures: 100}
	try := func(af *authFixture, xff string) int {
		b := af.browser()
		form := url.Values{"email": {"x" + xff + "@example.org"}, "password": {"wrong password 1"}, "_csrf": {b.csrfToken()}}
		req, _ := http.NewRequest(http.MethodPost, af.srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		resp, _ := b.do(req)
		return resp.StatusCode
	}
	t.Run("no trusted proxy", func(t *testing.T) {
		af := newAuthFixture(t, authOpts{svc: lockIP})
		for i, xff := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
			if got := try(af, xff); got != http.StatusUnauthorized && !(i == 2 && got == http.StatusTooManyRequests) {
				t.Fatalf("%s: %d", xff, got)
			}
		}
		// A fresh forged address does not escape the lock on the real one.
		if got := try(af, "198.51.100.77"); got != http.StatusTooManyRequests {
			t.Fatalf("spoofed X-Forwarded-For escaped the lock: %d", got)
		}
		evs, _ := af.db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "auth.login_failed", Limit: 1})
		if len(evs) == 0 || evs[0].IP != "127.0.0.1" {
			t.Fatalf("recorded address %+v", evs)
		}
	})
	t.Run("trusted proxy", func(t *testing.T) {
		af := newAuthFixture(t, authOpts{svc: lockIP, auth: web.Options{TrustedProxies: []string{"127.0.0.1"}}})
		for _, xff := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3", "198.51.100.77"} {
			if got := try(af, xff); got != http.StatusUnauthorized {
				t.Fatalf("%s: %d (each client has its own count behind a trusted proxy)", xff, got)
			}
		}
		// A client cannot add its own hop: the right-most untrusted address counts.
		try(af, "10.9.9.9, 203.0.113.50")
		evs, _ := af.db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "auth.login_failed", Limit: 1})
		if len(evs) == 0 || evs[0].IP != "203.0.113.50" {
			t.Fatalf("recorded address %+v", evs)
		}
	})
	if _, err := web.NewServer(web.Options{Pages: templates.Pages(), Static: templates.Static(), TrustedProxies: []string{"not-a-cidr"}}); err == nil {
		t.Error("a bad trusted proxy was accepted")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
