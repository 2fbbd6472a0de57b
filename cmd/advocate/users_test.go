package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/store"
)

// runUsers runs one command with fast password hashing and stdin.
func runUsers(t *testing.T, env func(string) string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb apptest.Buffer
	c := &cli{getenv: env, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, bcryptCost: bcrypt.MinCost}
	code := c.main(context.Background(), args)
	return code, out.String(), errb.String()
}

func withEnv(env func(string) string, k, v string) func(string) string {
	return func(name string) string {
		if name == k {
			return v
		}
		return env(name)
	}
}

// openAuth opens the CLI's database behind its back.
func openAuth(t *testing.T, dir string) (*auth.Service, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DSN: filepath.Join(dir, "advocate.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc, err := auth.New(auth.Options{Store: db.Accounts, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	return svc, db
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir, nil)
	withPW := withEnv(env, "ADVOCATE_PASSWORD", "a long enough password")

	code, out, _ := runUsers(t, env, "", "user", "list")
	if code != 0 || !strings.Contains(out, "no users yet") {
		t.Fatalf("empty list: %d %q", code, out)
	}
	// Refusals: weak password, no password at all, bad role, missing flags.
	code, _, stderr := runUsers(t, withEnv(env, "ADVOCATE_PASSWORD", "short"), "", "user", "add", "--email", "ana@example.org", "--role", "admin")
	if code != 1 || !strings.Contains(stderr, "password refused: Use at least 12 characters") {
		t.Fatalf("weak password: %d %q", code, stderr)
	}
	code, _, stderr = runUsers(t, env, "", "user", "add", "--email", "ana@example.org", "--role", "admin")
	if code != 1 || !strings.Contains(stderr, "ADVOCATE_PASSWORD") {
		t.Fatalf("no password: %d %q", code, stderr)
	}
	code, _, stderr = runUsers(t, withPW, "", "user", "add", "--email", "ana@example.org", "--role", "boss")
	if code != 2 || !strings.Contains(stderr, `unknown role "boss"`) {
		t.Fatalf("bad role: %d %q", code, stderr)
	}
	for _, args := range [][]string{{"user"}, {"user", "nope"}, {"user", "add", "--role", "admin"}, {"token"}, {"token", "revoke"}, {"user", "disable"}} {
		if code, _, stderr := runUsers(t, withPW, "", args...); code != 2 {
			t.Errorf("%v: %d %q", args, code, stderr)
		}
	}
	if code, out, _ := runUsers(t, env, "", "user", "help"); code != 0 || !strings.Contains(out, "token create") {
		t.Errorf("user help: %d %q", code, out)
	}

	code, out, stderr = runUsers(t, withPW, "", "user", "add", "--email", "Ana@Example.org", "--role", "admin", "--role", "organizer", "--name", "Ana")
	if code != 0 || out != "created user 1 ana@example.org (admin, organizer)\n" {
		t.Fatalf("add: %d %q %q", code, out, stderr)
	}
	code, _, stderr = runUsers(t, withPW, "", "user", "add", "--email", "ana@example.org", "--role", "staff")
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("duplicate: %d %q", code, stderr)
	}
	// --password-stdin, and comma-separated roles.
	code, out, stderr = runUsers(t, env, "stdin password 123\n", "user", "add", "--email", "bo@example.org", "--role", "staff,organizer", "--password-stdin")
	if code != 0 || !strings.Contains(out, "bo@example.org (organizer, staff)") {
		t.Fatalf("stdin: %d %q %q", code, out, stderr)
	}
	svc, db := openAuth(t, dir)
	if _, err := svc.Login(context.Background(), "bo@example.org", "stdin password 123", auth.Client{}); err != nil {
		t.Fatalf("the stdin password does not work: %v", err)
	}
	if _, err := svc.Login(context.Background(), "ana@example.org", "a long enough password", auth.Client{}); err != nil {
		t.Fatalf("the env password does not work: %v", err)
	}

	code, out, _ = runUsers(t, env, "", "user", "list")
	if code != 0 || !regexp.MustCompile(`(?m)^1\s+ana@example.org\s+Ana\s+admin, organizer\s+active\s+20`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^2\s+bo@example.org\s+-\s+organizer, staff\s+active\s+20`).MatchString(out) {
		t.Fatalf("list:\n%s", out)
	}

	// Tokens: printed once on stdout, usable, listable, revocable.
	code, out, stderr = runUsers(t, env, "", "token", "create", "--email", "bo@example.org", "--name", "nightly export")
	secret := strings.TrimSpace(out)
	if code != 0 || !regexp.MustCompile(`^adv_[A-Za-z0-9_-]{43}$`).MatchString(secret) || !strings.Contains(stderr, "shown only now") {
		t.Fatalf("token create: %d %q %q", code, out, stderr)
	}
	a, err := svc.AuthenticateToken(context.Background(), secret)
	if err != nil || a.Email != "bo@example.org" {
		t.Fatalf("token does not authenticate: %+v %v", a, err)
	}
	code, out, _ = runUsers(t, env, "", "token", "list")
	if code != 0 || !strings.Contains(out, "nightly export") || !strings.Contains(out, secret[:8]+"…") || strings.Contains(out, secret) {
		t.Fatalf("token list: %d\n%s", code, out)
	}
	if code, _, stderr := runUsers(t, env, "", "token", "create", "--email", "nobody@example.org"); code != 1 || !strings.Contains(stderr, "no user with email") {
		t.Fatalf("token for nobody: %d %q", code, stderr)
	}
	code, out, _ = runUsers(t, env, "", "token", "revoke", "--id", "1")
	if code != 0 || !strings.Contains(out, `revoked token 1 "nightly export" of bo@example.org`) {
		t.Fatalf("revoke: %d %q", code, out)
	}
	if _, err := svc.AuthenticateToken(context.Background(), secret); app.ErrorCodeOf(err) != app.EUNAUTHORIZED {
		t.Fatalf("revoked token works: %v", err)
	}
	if code, _, _ := runUsers(t, env, "", "token", "revoke", "--id", "99"); code != 1 {
		t.Fatal("revoking an unknown token succeeded")
	}
	if _, out, _ := runUsers(t, env, "", "token", "list"); !strings.Contains(out, "no tokens") {
		t.Fatalf("revoked token listed without --all: %q", out)
	}
	if _, out, _ := runUsers(t, env, "", "token", "list", "--all", "--email", "bo@example.org"); !strings.Contains(out, "revoked 20") {
		t.Fatalf("--all: %q", out)
	}

	// Password and status changes.
	code, _, stderr = runUsers(t, withEnv(env, "ADVOCATE_PASSWORD", "tiny"), "", "user", "set-password", "--email", "bo@example.org")
	if code != 1 || !strings.Contains(stderr, "password refused") {
		t.Fatalf("weak set-password: %d %q", code, stderr)
	}
	code, out, _ = runUsers(t, withEnv(env, "ADVOCATE_PASSWORD", "a brand new password"), "", "user", "set-password", "--email", "bo@example.org")
	if code != 0 || !strings.Contains(out, "password set for bo@example.org") {
		t.Fatalf("set-password: %d %q", code, out)
	}
	if _, err := svc.Login(context.Background(), "bo@example.org", "a brand new password", auth.Client{}); err != nil {
		t.Fatalf("new password: %v", err)
	}
	code, out, _ = runUsers(t, env, "", "user", "disable", "--email", "bo@example.org")
	if code != 0 || !strings.Contains(out, "disabled bo@example.org") {
		t.Fatalf("disable: %d %q", code, out)
	}
	if _, err := svc.Login(context.Background(), "bo@example.org", "a brand new password", auth.Client{}); app.ErrorCodeOf(err) != app.EFORBIDDEN {
		t.Fatalf("disabled user signed in: %v", err)
	}
	if code, out, _ := runUsers(t, env, "", "user", "enable", "--email", "bo@example.org"); code != 0 || !strings.Contains(out, "enabled") {
		t.Fatalf("enable: %d %q", code, out)
	}
	if code, _, stderr := runUsers(t, env, "", "user", "disable", "--email", "nobody@example.org"); code != 1 || !strings.Contains(stderr, "no user with email nobody@example.org") {
		t.Fatalf("disable nobody: %d %q", code, stderr)
	}

	// Everything the CLI did is in the audit log as "cli".
	evs, err := db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Actor: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	got := strings.Join(actions, " ")
	for _, want := range []string{"user.create", "token.create", "token.revoke", "user.password_reset", "user.disable", "user.enable"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %s: %s", want, got)
		}
	}
}

// TestServeSignsInTheFirstAdmin is the fresh-install story: add the first
// admin with the CLI, start the server, sign in.
func TestServeSignsInTheFirstAdmin(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir, nil)
	if code, _, stderr := runUsers(t, withEnv(env, "ADVOCATE_PASSWORD", "first admin password"), "", "user", "add", "--email", "root@example.org", "--role", "admin"); code != 0 {
		t.Fatal(stderr)
	}
	srv := startServe(t, env, func(c *cli) { c.bcryptCost = bcrypt.MinCost })
	addr, stderr := srv.addr, srv.stderr
	base := "http://" + addr
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("login page: %d %s", resp.StatusCode, body)
	}
	resp, err = client.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "email": {"root@example.org"}, "password": {"first admin password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = client.Get(base + "/admin/users")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "root@example.org") {
		t.Fatalf("users page: %d", resp.StatusCode)
	}
	srv.stopOK()
	if strings.Contains(stderr.String(), "no administrator yet") {
		t.Error("warned about a missing admin although one exists")
	}
}

func TestServeWarnsWithoutAdmin(t *testing.T) {
	env := testEnv(t.TempDir(), nil)
	srv := startServe(t, env, func(c *cli) { c.bcryptCost = bcrypt.MinCost })
	srv.stop()
	stderr := srv.stderr
	if !strings.Contains(stderr.String(), "advocate user add --email you@example.org --role admin") {
		t.Errorf("no hint about the first admin: %s", stderr.String())
	}
}

// TestUserRoleCommands: on the server the supporter-data role is given at
// once (and recorded with the operating-system account), and role grants
// asked for on the web can be listed, approved and refused.
func TestUserRoleCommands(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir, map[string]string{"ADVOCATE_PASSWORD": "a long enough password", "USER": "opal"})
	for _, u := range [][]string{{"root@example.org", "admin"}, {"second@example.org", "admin"}, {"ann@example.org", "staff"}, {"bo@example.org", "staff"}} {
		if code, _, stderr := runUsers(t, env, "", "user", "add", "--email", u[0], "--role", u[1]); code != 0 {
			t.Fatal(stderr)
		}
	}
	code, out, stderr := runUsers(t, env, "", "user", "role", "--email", "ann@example.org", "--add", "supporter-data")
	if code != 0 || out != "ann@example.org now has staff, supporter-data\n" {
		t.Fatalf("role --add: %d %q %q", code, out, stderr)
	}
	code, out, _ = runUsers(t, env, "", "user", "role", "--email", "ann@example.org", "--remove", "supporter-data", "--add", "organizer")
	if code != 0 || out != "ann@example.org now has organizer, staff\n" {
		t.Fatalf("role --remove: %d %q", code, out)
	}
	for _, args := range [][]string{{"user", "role", "--email", "ann@example.org"}, {"user", "role", "--email", "ann@example.org", "--add", "boss"},
		{"user", "role", "--email", "ann@example.org", "--add", "staff", "--remove", "staff"}, {"user", "approve"}, {"user", "refuse", "--id", "x"}} {
		if code, _, stderr := runUsers(t, env, "", args...); code != 2 {
			t.Errorf("%v: %d %q", args, code, stderr)
		}
	}
	if code, _, stderr := runUsers(t, env, "", "user", "role", "--email", "nobody@example.org", "--add", "staff"); code != 1 || !strings.Contains(stderr, "no user") {
		t.Errorf("nobody: %d %q", code, stderr)
	}

	// Two requests from the web, by root.
	svc, db := openAuth(t, dir)
	root, err := db.Accounts.FindUserByEmail(context.Background(), "root@example.org")
	if err != nil {
		t.Fatal(err)
	}
	asRoot := app.WithActor(context.Background(), root.Actor("session"))
	for _, email := range []string{"bo@example.org", "root@example.org"} {
		u, _ := db.Accounts.FindUserByEmail(context.Background(), email)
		if _, err := svc.UpdateUser(asRoot, u.ID, auth.UserUpdate{Roles: append(u.Roles, app.RoleSupporterData)}); err != nil {
			t.Fatal(err)
		}
	}
	code, out, _ = runUsers(t, env, "", "user", "grants")
	if code != 0 || !regexp.MustCompile(`(?m)^1\s+bo@example.org\s+supporter-data\s+root@example.org\s+20.*pending`).MatchString(out) ||
		!strings.Contains(out, "root@example.org  supporter-data") {
		t.Fatalf("grants:\n%s", out)
	}
	code, out, _ = runUsers(t, env, "", "user", "approve", "--id", "1")
	if code != 0 || !strings.Contains(out, "bo@example.org now has the supporter-data role (asked by root@example.org)") {
		t.Fatalf("approve: %d %q", code, out)
	}
	code, out, _ = runUsers(t, env, "", "user", "refuse", "--id", "2")
	if code != 0 || !strings.Contains(out, "refused: root@example.org does not get the supporter-data role") {
		t.Fatalf("refuse: %d %q", code, out)
	}
	if code, _, stderr := runUsers(t, env, "", "user", "approve", "--id", "2"); code != 1 || !strings.Contains(stderr, "already refused") {
		t.Fatalf("approve refused: %d %q", code, stderr)
	}
	if code, _, stderr := runUsers(t, env, "", "user", "approve", "--id", "99"); code != 1 || !strings.Contains(stderr, "no role grant with ID 99") {
		t.Fatalf("approve unknown: %d %q", code, stderr)
	}
	if _, out, _ := runUsers(t, env, "", "user", "grants"); !strings.Contains(out, "no role grants waiting") {
		t.Fatalf("grants after: %q", out)
	}
	if _, out, _ := runUsers(t, env, "", "user", "grants", "--all"); !strings.Contains(out, "approved") || !strings.Contains(out, "refused") {
		t.Fatalf("grants --all: %q", out)
	}
	bo, _ := db.Accounts.FindUserByEmail(context.Background(), "bo@example.org")
	rootAfter, _ := db.Accounts.FindUserByEmail(context.Background(), "root@example.org")
	if !bo.Has(app.RoleSupporterData) || rootAfter.Has(app.RoleSupporterData) {
		t.Fatalf("roles: bo %v root %v", bo.Roles, rootAfter.Roles)
	}
	evs, err := db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "user.role_cli"})
	if err != nil || len(evs) != 2 || evs[0].ActorEmail != "cli" || !strings.Contains(evs[0].Detail, `"operator":"`) {
		t.Fatalf("audit %+v %v", evs, err)
	}
}
