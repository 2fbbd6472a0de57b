package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
)

func TestAdminManagesUsers(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	root := af.user("root@example.org", app.RoleAdmin)
	b := af.browser()
	b.login("root@example.org", testPassword)

	resp, body := b.get("/admin")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("/admin: %d", resp.StatusCode)
	}
	resp, body = b.get("/admin/users")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "root@example.org", "Add a user", `name="roles" value="organizer"`, "runs campaigns")

	// Field errors come back next to their fields, with the input kept.
	resp, body = b.post("/admin/users", url.Values{"email": {"bad"}, "name": {"Cy"}, "password": {"short"}}, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="email-error"`, `id="password-error"`, `id="roles-error"`, "at least 12", `value="Cy"`)
	mustNotContain(t, body, `value="short"`) // passwords are never echoed

	form := url.Values{"email": {"Cy@Example.org"}, "name": {"Cy"}, "roles": {"organizer", "staff"}, "password": {testPassword}}
	resp, _ = b.post("/admin/users", form, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	userURL := resp.Header.Get("Location")
	if !regexp.MustCompile(`^/admin/users/\d+$`).MatchString(userURL) {
		t.Fatalf("redirect %q", userURL)
	}
	_, body = b.get(userURL)
	mustContain(t, body, "Added cy@example.org", "cy@example.org", `value="organizer" checked`, `value="staff" checked`, "Disable account")
	resp, body = b.post("/admin/users", form, true)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate: %d", resp.StatusCode)
	}
	mustContain(t, body, "already exists")

	// The new user can sign in with the first password.
	cy := af.browser()
	if resp, _ := cy.login("cy@example.org", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("new user cannot sign in")
	}

	// Roles: change takes effect on the user's next request.
	resp, _ = b.post(userURL, url.Values{"name": {"Cy D"}, "roles": {"staff"}}, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d", resp.StatusCode)
	}
	_, body = b.get(userURL)
	mustContain(t, body, "Saved cy@example.org", `value="Cy D"`)
	mustNotContain(t, body, `value="organizer" checked`)
	_, body = cy.get("/account")
	mustContain(t, body, `href="/staff"`)
	mustNotContain(t, body, `href="/organize"`)
	resp, body = b.post(userURL, url.Values{"name": {"Cy D"}}, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no roles: %d", resp.StatusCode)
	}
	mustContain(t, body, "Choose at least one role")

	// The only admin can neither drop the role nor disable themself.
	rootURL := fmt.Sprintf("/admin/users/%d", root.ID)
	resp, body = b.post(rootURL, url.Values{"roles": {"organizer"}}, true)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("last admin: %d", resp.StatusCode)
	}
	mustContain(t, body, "only active administrator")
	resp, _ = b.post(rootURL+"/disable", nil, true)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("self-disable: %d", resp.StatusCode)
	}

	// Password reset signs the user out everywhere.
	resp, body = b.post(userURL+"/password", url.Values{"password": {"brand new password"}, "confirm": {"different password"}}, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("mismatch: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="confirm-error"`)
	resp, _ = b.post(userURL+"/password", url.Values{"password": {"brand new password"}, "confirm": {"brand new password"}}, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if resp, _ := cy.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("session survived a password reset")
	}
	if resp, _ := cy.login("cy@example.org", "brand new password"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("new password does not work")
	}

	// Disable and enable.
	resp, _ = b.post(userURL+"/disable", nil, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	_, body = b.get("/admin/users")
	mustContain(t, body, "disabled")
	resp, _ = b.post(userURL+"/enable", nil, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/admin/users/99999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/admin/users/abc"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bad id: %d", resp.StatusCode)
	}
	_, body = b.get("/admin/users?q=CY")
	mustContain(t, body, "cy@example.org")
	mustNotContain(t, body, ">root@example.org<")

	got := strings.Join(af.auditActions(app.AuditFilter{Action: "user"}), " ")
	for _, want := range []string{"user.create", "user.update", "user.password_reset", "user.disable", "user.enable"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %s: %s", want, got)
		}
	}
	evs, _ := af.db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "user.create"})
	if len(evs) == 0 || evs[0].ActorEmail != "root@example.org" || evs[0].Subject != "user:cy@example.org" || evs[0].IP != "127.0.0.1" {
		t.Errorf("event %+v", evs)
	}
}

var tokenRE = regexp.MustCompile(`<code>(adv_[A-Za-z0-9_-]+)</code>`)

func TestAdminTokens(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	b := af.signedIn("root@example.org", app.RoleAdmin)
	u := af.user("stats@example.org", app.RoleStaff)
	userURL := fmt.Sprintf("/admin/users/%d", u.ID)

	resp, body := b.post(userURL+"/tokens", url.Values{"token_name": {"nightly export"}}, true)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create token: %d", resp.StatusCode)
	}
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("token not shown: %s", body)
	}
	mustContain(t, body, "shown only this once", "nightly export", `value="staff" checked`)
	if r, _ := apiGet(t, af, "/api/v1/me", "Bearer "+m[1]); r.StatusCode != 200 {
		t.Fatalf("new token does not work: %d", r.StatusCode)
	}
	// It is never shown again.
	_, body = b.get(userURL)
	mustNotContain(t, body, m[1])
	mustContain(t, body, "nightly export", m[1][:8]+"…")

	tokens, _ := af.db.Accounts.ListAPITokens(context.Background(), app.APITokenFilter{UserID: u.ID})
	resp, _ = b.post(fmt.Sprintf("/admin/tokens/%d/revoke", tokens[0].ID), nil, true)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != userURL {
		t.Fatalf("revoke: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = b.get(userURL)
	mustContain(t, body, "is revoked", "revoked 20")
	if r, _ := apiGet(t, af, "/api/v1/me", "Bearer "+m[1]); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token works: %d", r.StatusCode)
	}
	if resp, _ := b.post("/admin/tokens/9999/revoke", nil, true); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown token: %d", resp.StatusCode)
	}
	resp, body = b.post(userURL+"/tokens", url.Values{"token_name": {strings.Repeat("n", 101)}}, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("long name: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="token_name-error"`)
}

func TestAdminAuditLog(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	b := af.signedIn("root@example.org", app.RoleAdmin)
	ctx := context.Background()
	for i := range 60 {
		if err := af.db.Audit.Record(ctx, app.AuditEvent{ActorEmail: "ana@example.org", Action: "campaign.update",
			Subject: fmt.Sprintf("campaign:c%02d", i), Detail: `{"status":"open"}`}); err != nil {
			t.Fatal(err)
		}
	}
	af.db.Audit.Record(ctx, app.AuditEvent{ActorEmail: "bo@example.org", Action: "template.save", Subject: "campaign:free-guan-heng", Detail: "<script>x</script>"})

	resp, body := b.get("/admin/audit")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "template.save", "&lt;script&gt;", "Older →")
	mustNotContain(t, body, "<script>x")
	older := regexp.MustCompile(`href="(/admin/audit\?before=\d+)"`).FindStringSubmatch(body)
	if older == nil {
		t.Fatal("no older link")
	}
	_, body = b.get(strings.ReplaceAll(older[1], "&amp;", "&"))
	mustContain(t, body, "campaign:c00", "auth.login", "user.create", "← Newest")
	mustNotContain(t, body, "template.save", "Older →")

	_, body = b.get("/admin/audit?action=template&actor=bo%40example.org")
	mustContain(t, body, "template.save")
	mustNotContain(t, body, "campaign.update", "Older →")
	_, body = b.get("/admin/audit?subject=campaign%3Ac5")
	if n := strings.Count(body, "<code>campaign.update</code>"); n != 10 {
		t.Errorf("subject filter: %d rows", n)
	}
	resp, body = b.get("/admin/audit?since=yesterday")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="since-error"`)
	_, body = b.get("/admin/audit?since=2000-01-01&until=2000-01-02")
	mustContain(t, body, "No events match these filters")
	if resp, _ := b.get("/admin/audit?before=x"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad page: %d", resp.StatusCode)
	}
}

func TestAccountPasswordChange(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	b := af.signedIn("ana@example.org", app.RoleOrganizer)
	other := af.browser()
	other.login("ana@example.org", testPassword)

	resp, body := b.get("/account")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "ana@example.org", "organizer", "Change your password", `autocomplete="new-password"`)

	resp, body = b.post("/account/password", url.Values{"current": {"wrong one here"}, "password": {"a new long password"}, "confirm": {"a new long password"}}, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="current-error"`, "not your current password")
	resp, body = b.post("/account/password", url.Values{"current": {testPassword}, "password": {"a new long password"}, "confirm": {"another one"}}, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("mismatch: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="confirm-error"`)
	resp, body = b.post("/account/password", url.Values{"current": {testPassword}, "password": {"short"}, "confirm": {"short"}}, true)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("weak: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="password-error"`, "at least 12")

	resp, _ = b.post("/account/password", url.Values{"current": {testPassword}, "password": {"a new long password"}, "confirm": {"a new long password"}}, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	_, body = b.get("/account")
	mustContain(t, body, "Your password is changed")
	if resp, _ := other.get("/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("the other session survived the password change")
	}
}

func TestNavigationByRole(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	cases := []struct {
		roles     []app.Role
		want, not []string
	}{
		{[]app.Role{app.RoleStaff}, []string{`href="/staff"`, `href="/account"`}, []string{`href="/organize"`, `href="/admin/users"`, `href="/staff/supporters"`}},
		{[]app.Role{app.RoleSupporterData}, []string{`href="/staff/supporters"`}, []string{`href="/staff"`, `href="/organize"`}},
		{[]app.Role{app.RoleOrganizer}, []string{`href="/organize"`}, []string{`href="/staff"`, `href="/admin/audit"`}},
		{[]app.Role{app.RoleAdmin}, []string{`href="/admin/users"`, `href="/admin/audit"`}, []string{`href="/organize"`, `href="/staff"`}},
	}
	for i, c := range cases {
		b := af.signedIn(fmt.Sprintf("u%d@example.org", i), c.roles...)
		_, body := b.get("/account")
		mustContain(t, body, c.want...)
		mustNotContain(t, body, c.not...)
	}
	// Supporters see no workspace navigation, only a quiet sign-in link.
	_, body := af.browser().get("/c/" + slug)
	mustContain(t, body, `href="/login"`)
	mustNotContain(t, body, `href="/account"`, "Sign out")
	// A signed-in organizer on an error page still has the navigation.
	b := af.signedIn("org@example.org", app.RoleOrganizer)
	resp, body := b.get("/admin/users")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatal(resp.StatusCode)
	}
	mustContain(t, body, "does not have access", `href="/organize"`, "Sign out")
}
