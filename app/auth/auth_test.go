package auth_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/store"
)

type env struct {
	svc   *auth.Service
	db    *store.DB
	clock *apptest.Clock
	cli   context.Context // acting as the CLI
}

const pw = "correct horse battery"

func newEnv(t testing.TB) *env {
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
	c := apptest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	svc, err := auth.New(auth.Options{Store: db.Accounts, Audit: auth.NewAudit(db.Audit, c.Now), Clock: c.Now, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	return &env{svc: svc, db: db, clock: c, cli: app.WithActor(ctx, app.Actor{Via: "cli"})}
}

func (e *env) user(t *testing.T, email string, roles ...app.Role) *app.User {
	t.Helper()
	u, err := e.svc.CreateUser(e.cli, auth.NewUser{Email: email, Name: "N", Roles: roles, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) actions(t *testing.T) []string {
	t.Helper()
	evs, err := e.db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, evs[i].Action)
	}
	return out
}

func wantCode(t *testing.T, err error, code app.ErrorCode) {
	t.Helper()
	if got := app.ErrorCodeOf(err); got != code {
		t.Fatalf("code %q, want %q (%v)", got, code, err)
	}
}

var cl = auth.Client{IP: "192.0.2.7", UserAgent: "test"}

func TestCreateUserValidation(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.CreateUser(e.cli, auth.NewUser{Email: "not-an-email", Roles: []app.Role{"boss"}, Password: "short"})
	wantCode(t, err, app.EINVALID)
	f := app.ErrorFieldsOf(err)
	if f["email"] == "" || f["roles"] == "" || !strings.Contains(f["password"], "at least 12") {
		t.Fatalf("fields %v", f)
	}
	u := e.user(t, "Ana@Example.org", app.RoleOrganizer, app.RoleAdmin)
	if u.Email != "ana@example.org" || u.Roles[0] != app.RoleAdmin || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Fatalf("user %+v", u)
	}
	_, err = e.svc.CreateUser(e.cli, auth.NewUser{Email: "ANA@example.org", Roles: []app.Role{app.RoleStaff}, Password: pw})
	wantCode(t, err, app.ECONFLICT)
	if app.ErrorFieldsOf(err)["email"] == "" {
		t.Error("conflict has no email field message")
	}
	// Only admins and the CLI manage users.
	for _, ctx := range []context.Context{
		context.Background(),
		app.WithActor(context.Background(), app.Actor{UserID: 5, Roles: []app.Role{app.RoleOrganizer}, Via: "session"}),
		app.WithActor(context.Background(), app.Actor{UserID: 5, Via: "cli"}), // a user id means it is not the CLI
	} {
		_, err := e.svc.CreateUser(ctx, auth.NewUser{Email: "x@example.org", Roles: []app.Role{app.RoleStaff}, Password: pw})
		if c := app.ErrorCodeOf(err); c != app.EFORBIDDEN && c != app.EUNAUTHORIZED {
			t.Errorf("non-admin created a user: %v", err)
		}
	}
	if got := e.actions(t); len(got) != 1 || got[0] != "user.create" {
		t.Errorf("audit %v", got)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.user(t, "ana@example.org", app.RoleOrganizer)

	l, err := e.svc.Login(ctx, " ANA@example.org ", pw, cl)
	if err != nil {
		t.Fatal(err)
	}
	if l.User.ID != u.ID || len(l.Token) < 40 || l.Session.TokenHash != auth.HashToken(l.Token) || strings.Contains(l.Session.TokenHash, l.Token) {
		t.Fatalf("login %+v", l)
	}
	a, sess, err := e.svc.Authenticate(ctx, l.Token)
	if err != nil || a.UserID != u.ID || a.Via != "session" || !a.Has(app.RoleOrganizer) || sess.ID != l.Session.ID {
		t.Fatalf("authenticate: %+v %v", a, err)
	}
	// Each login is a new session with a new token.
	l2, _ := e.svc.Login(ctx, "ana@example.org", pw, cl)
	if l2.Token == l.Token || l2.Session.ID == l.Session.ID {
		t.Fatal("login reused a session")
	}

	_, errWrong := e.svc.Login(ctx, "ana@example.org", "wrong password!!", cl)
	_, errUnknown := e.svc.Login(ctx, "nobody@example.org", "wrong password!!", cl)
	wantCode(t, errWrong, app.EUNAUTHORIZED)
	wantCode(t, errUnknown, app.EUNAUTHORIZED)
	if app.ErrorMessageOf(errWrong) != "Email or password is wrong." || app.ErrorMessageOf(errWrong) != app.ErrorMessageOf(errUnknown) {
		t.Fatalf("messages differ: %q / %q", app.ErrorMessageOf(errWrong), app.ErrorMessageOf(errUnknown))
	}

	// Disabled: no sign-in, and the open sessions end.
	admin := app.WithActor(ctx, app.Actor{UserID: 99, Roles: []app.Role{app.RoleAdmin}, Via: "session"})
	e.user(t, "root@example.org", app.RoleAdmin)
	if _, err := e.svc.SetDisabled(admin, u.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Login(ctx, "ana@example.org", pw, cl)
	wantCode(t, err, app.EFORBIDDEN)
	_, err = e.svc.Login(ctx, "ana@example.org", "wrong password!!", cl)
	wantCode(t, err, app.EUNAUTHORIZED) // a wrong password says nothing about the account
	if _, _, err := e.svc.Authenticate(ctx, l2.Token); app.ErrorCodeOf(err) != app.EUNAUTHORIZED {
		t.Fatalf("disabled user's session still works: %v", err)
	}

	got := strings.Join(e.actions(t), " ")
	for _, want := range []string{"auth.login", "auth.login_failed", "user.disable"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %s: %s", want, got)
		}
	}
	evs, _ := e.db.Audit.ListAuditEvents(ctx, app.AuditFilter{Action: "auth.login_failed"})
	if len(evs) == 0 || evs[0].IP != cl.IP || evs[0].ActorEmail != "anonymous" {
		t.Errorf("failed login event %+v", evs)
	}
	evs, _ = e.db.Audit.ListAuditEvents(ctx, app.AuditFilter{Action: "auth.login"})
	if len(evs) == 0 || evs[len(evs)-1].ActorEmail != "ana@example.org" || evs[len(evs)-1].ActorID != u.ID {
		t.Errorf("login event %+v", evs)
	}
}

// The unknown-email path must do the same bcrypt work as a known one: it
// takes at least one bcrypt comparison at the configured cost.
func TestUnknownEmailCostsABcrypt(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "a.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const cost = 8
	svc, err := auth.New(auth.Options{Store: db.Accounts, BcryptCost: cost})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = svc.Login(ctx, "warm@example.org", "whatever password", auth.Client{IP: "192.0.2.99"}) // the dummy hash is ready
	h, _ := bcrypt.GenerateFromPassword([]byte("x"), cost)
	start := time.Now()
	_ = bcrypt.CompareHashAndPassword(h, []byte("y"))
	one := time.Since(start)
	start = time.Now()
	_, err = svc.Login(ctx, "nobody@example.org", "whatever password", cl)
	took := time.Since(start)
	wantCode(t, err, app.EUNAUTHORIZED)
	if took < one/2 {
		t.Fatalf("unknown email took %v, one bcrypt takes %v: the dummy comparison is missing", took, one)
	}
}

func TestLockout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "ana@example.org", app.RoleOrganizer)
	var err error
	for i := 1; i <= 4; i++ {
		_, err = e.svc.Login(ctx, "ana@example.org", "wrong password!!", cl)
		wantCode(t, err, app.EUNAUTHORIZED)
	}
	_, err = e.svc.Login(ctx, "ana@example.org", "wrong password!!", cl)
	wantCode(t, err, app.ERATELIMIT)
	if msg := app.ErrorMessageOf(err); msg != "Too many attempts. Try again in 15 minutes." {
		t.Fatalf("lock message %q", msg)
	}
	var le *auth.LockedError
	if !errors.As(err, &le) || le.Minutes() != 15 {
		t.Fatalf("locked error %v", err)
	}
	// Even the right password is refused while locked, from any address.
	_, err = e.svc.Login(ctx, "ana@example.org", pw, auth.Client{IP: "198.51.100.1"})
	wantCode(t, err, app.ERATELIMIT)
	e.clock.Add(14*time.Minute + 1*time.Second)
	_, err = e.svc.Login(ctx, "ANA@example.org", pw, cl)
	if app.ErrorMessageOf(err) != "Too many attempts. Try again in a minute." {
		t.Fatalf("near the end: %v", err)
	}
	e.clock.Add(time.Minute)
	if _, err := e.svc.Login(ctx, "ana@example.org", pw, cl); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// A good sign-in clears the account's count.
	for range 4 {
		_, err = e.svc.Login(ctx, "ana@example.org", "wrong password!!", cl)
		wantCode(t, err, app.EUNAUTHORIZED)
	}
	if got := strings.Join(e.actions(t), " "); !strings.Contains(got, "auth.lock") || !strings.Contains(got, "auth.login_blocked") {
		t.Errorf("audit %s", got)
	}
}

func TestLockoutPerAddress(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "ana@example.org", app.RoleOrganizer)
	bad := auth.Client{IP: "203.0.113.9"}
	// Spraying many accounts from one address locks the address, not the
	// accounts.
	var err error
	for i := range auth.DefaultMaxIPFailures {
		_, err = e.svc.Login(ctx, "user"+string(rune('a'+i))+"@example.org", "wrong password!!", bad)
	}
	wantCode(t, err, app.ERATELIMIT)
	_, err = e.svc.Login(ctx, "ana@example.org", pw, bad)
	wantCode(t, err, app.ERATELIMIT)
	if _, err := e.svc.Login(ctx, "ana@example.org", pw, cl); err != nil {
		t.Fatalf("another address is locked out too: %v", err)
	}
	e.clock.Add(auth.DefaultLockFor)
	if _, err := e.svc.Login(ctx, "ana@example.org", pw, bad); err != nil {
		t.Fatalf("address still locked after the lock time: %v", err)
	}
}

// An IPv6 client gets a whole /64: spraying from many of its addresses
// locks the /64, not one address at a time.
func TestLockoutPerIPv6Network(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "ana@example.org", app.RoleOrganizer)
	var err error
	for i := range auth.DefaultMaxIPFailures {
		from := auth.Client{IP: fmt.Sprintf("2001:db8:5:6:%x::%x", i*1031, i+1)}
		_, err = e.svc.Login(ctx, fmt.Sprintf("spray%d@example.org", i), "wrong password!!", from)
	}
	wantCode(t, err, app.ERATELIMIT)
	_, err = e.svc.Login(ctx, "ana@example.org", pw, auth.Client{IP: "2001:db8:5:6:ffff::1"})
	wantCode(t, err, app.ERATELIMIT)
	if _, err := e.svc.Login(ctx, "ana@example.org", pw, auth.Client{IP: "2001:db8:5:7::1"}); err != nil {
		t.Fatalf("the next /64 is locked out too: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user(t, "ana@example.org", app.RoleStaff)
	login := func() string {
		l, err := e.svc.Login(ctx, "ana@example.org", pw, cl)
		if err != nil {
			t.Fatal(err)
		}
		return l.Token
	}
	ok := func(tok string) bool {
		_, _, err := e.svc.Authenticate(ctx, tok)
		if err != nil && app.ErrorCodeOf(err) != app.EUNAUTHORIZED {
			t.Fatal(err)
		}
		return err == nil
	}

	// Idle timeout: activity keeps it alive, two idle hours end it.
	tok := login()
	for range 5 {
		e.clock.Add(time.Hour + 50*time.Minute)
		if !ok(tok) {
			t.Fatal("active session ended")
		}
	}
	e.clock.Add(2 * time.Hour)
	if ok(tok) {
		t.Fatal("idle session still works")
	}
	if ok(tok) {
		t.Fatal("expired session came back")
	}

	// Absolute lifetime: 12 hours however active.
	tok = login()
	for range 7 {
		e.clock.Add(time.Hour + 45*time.Minute) // 12h15m in all
		if e.clock.Now().Sub(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) < 0 {
			t.Fatal("clock")
		}
		ok(tok)
	}
	if ok(tok) {
		t.Fatal("session outlived its 12 hours")
	}

	// Logout ends it in the database.
	tok = login()
	if err := e.svc.Logout(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if ok(tok) {
		t.Fatal("session works after logout")
	}
	if err := e.svc.Logout(ctx, tok); err != nil {
		t.Fatal("second logout:", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 500)} {
		if ok(bad) {
			t.Fatalf("token %q accepted", bad)
		}
	}
	if err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.user(t, "ana@example.org", app.RoleStaff)
	l1, _ := e.svc.Login(ctx, "ana@example.org", pw, cl)
	l2, _ := e.svc.Login(ctx, "ana@example.org", pw, cl)
	a, _, _ := e.svc.Authenticate(ctx, l1.Token)
	me := app.WithActor(ctx, a)

	err := e.svc.ChangePassword(me, "not my password", "a new long password", l1.Session.ID)
	wantCode(t, err, app.EINVALID)
	if app.ErrorFieldsOf(err)["current"] == "" {
		t.Fatal("no current-password field error")
	}
	err = e.svc.ChangePassword(me, pw, "short", l1.Session.ID)
	if app.ErrorFieldsOf(err)["password"] == "" {
		t.Fatalf("weak password: %v", err)
	}
	if err := e.svc.ChangePassword(me, pw, "a new long password", l1.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Authenticate(ctx, l1.Token); err != nil {
		t.Fatal("the session that changed the password ended")
	}
	if _, _, err := e.svc.Authenticate(ctx, l2.Token); err == nil {
		t.Fatal("other session survived a password change")
	}
	if _, err := e.svc.Login(ctx, "ana@example.org", pw, cl); err == nil {
		t.Fatal("old password still works")
	}
	if _, err := e.svc.Login(ctx, "ana@example.org", "a new long password", cl); err != nil {
		t.Fatal(err)
	}
	// An admin reset ends every session.
	if err := e.svc.SetPassword(e.cli, u.ID, "reset by the admin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Authenticate(ctx, l1.Token); err == nil {
		t.Fatal("session survived an admin reset")
	}
	wantCode(t, e.svc.SetPassword(e.cli, u.ID, "short"), app.EINVALID)
}

func TestAdminGuards(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root@example.org", app.RoleAdmin)
	ctx := app.WithActor(context.Background(), root.Actor("session"))
	_, err := e.svc.SetDisabled(ctx, root.ID, true)
	wantCode(t, err, app.ECONFLICT)
	_, err = e.svc.UpdateUser(ctx, root.ID, auth.UserUpdate{Roles: []app.Role{app.RoleOrganizer}})
	wantCode(t, err, app.ECONFLICT) // the last admin
	other := e.user(t, "two@example.org", app.RoleAdmin, app.RoleStaff)
	u, err := e.svc.UpdateUser(ctx, root.ID, auth.UserUpdate{Name: "Root", Roles: []app.Role{app.RoleOrganizer, app.RoleStaff}})
	if err != nil || u.Has(app.RoleAdmin) || u.Name != "Root" {
		t.Fatalf("update %+v %v", u, err)
	}
	_, err = e.svc.UpdateUser(ctx, other.ID, auth.UserUpdate{Roles: nil})
	wantCode(t, err, app.EINVALID)
	// root is no longer an admin, so it can no longer manage users.
	_, err = e.svc.Users(app.WithActor(context.Background(), u.Actor("session")), app.UserFilter{})
	wantCode(t, err, app.EFORBIDDEN)
	_, err = e.svc.User(app.WithActor(context.Background(), u.Actor("session")), u.ID) // but may see itself
	if err != nil {
		t.Fatal(err)
	}
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.user(t, "stats@example.org", app.RoleStaff)
	secret, tok, err := e.svc.CreateToken(e.cli, u.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "adv_") || len(secret) < 40 || tok.TokenHash != auth.HashToken(secret) || tok.Name != "API token" || !strings.HasPrefix(secret, tok.Prefix) {
		t.Fatalf("token %q %+v", secret, tok)
	}
	a, err := e.svc.AuthenticateToken(ctx, secret)
	if err != nil || a.UserID != u.ID || a.Via != "token" || !a.Has(app.RoleStaff) {
		t.Fatalf("auth %+v %v", a, err)
	}
	for _, bad := range []string{"", "adv_", "adv_nope", secret + "x", strings.TrimPrefix(secret, "adv_")} {
		_, err := e.svc.AuthenticateToken(ctx, bad)
		wantCode(t, err, app.EUNAUTHORIZED)
	}
	list, _ := e.svc.Tokens(e.cli, app.APITokenFilter{})
	if len(list) != 1 || list[0].LastUsedAt == nil {
		t.Fatalf("list %+v", list)
	}
	if _, err := e.svc.RevokeToken(e.cli, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.AuthenticateToken(ctx, secret)
	wantCode(t, err, app.EUNAUTHORIZED)
	_, err = e.svc.RevokeToken(e.cli, 999)
	wantCode(t, err, app.ENOTFOUND)

	// A disabled user's tokens stop working.
	secret2, _, _ := e.svc.CreateToken(e.cli, u.ID, "second")
	if _, err := e.svc.SetDisabled(e.cli, u.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.AuthenticateToken(ctx, secret2)
	wantCode(t, err, app.EUNAUTHORIZED)
	_, _, err = e.svc.CreateToken(e.cli, u.ID, "third")
	wantCode(t, err, app.ECONFLICT)
	if got := strings.Join(e.actions(t), " "); !strings.Contains(got, "token.create") || !strings.Contains(got, "token.revoke") {
		t.Errorf("audit %s", got)
	}
}

func TestAuditHelper(t *testing.T) {
	var nilAudit *auth.Audit
	if err := nilAudit.Record(context.Background(), "x.y", "", ""); err != nil {
		t.Fatal("nil Audit must record nothing quietly")
	}
	e := newEnv(t)
	a := e.svc.Audit()
	ctx := app.WithActor(context.Background(), app.Actor{UserID: 3, Email: "ana@example.org", Via: "session", IP: "192.0.2.3"})
	if err := a.Record(ctx, "campaign.update", "campaign:free-guan-heng", auth.Detail(map[string]string{"status": "closed"})); err != nil {
		t.Fatal(err)
	}
	if err := a.Record(context.Background(), "roster.import", "roster:3", ""); err != nil {
		t.Fatal(err)
	}
	_, err := a.List(ctx, app.AuditFilter{})
	wantCode(t, err, app.EFORBIDDEN)
	evs, err := a.List(e.cli, app.AuditFilter{})
	if err != nil || len(evs) != 2 {
		t.Fatalf("%+v %v", evs, err)
	}
	got := evs[1]
	if got.ActorID != 3 || got.ActorEmail != "ana@example.org" || got.IP != "192.0.2.3" || got.Detail != `{"status":"closed"}` || !got.At.Equal(e.clock.Now()) {
		t.Fatalf("event %+v", got)
	}
	if evs[0].ActorEmail != "system" {
		t.Fatalf("no actor: %+v", evs[0])
	}
}

func TestCheckPassword(t *testing.T) {
	e := newEnv(t)
	for pw, ok := range map[string]bool{
		"":                      false,
		"elevenchars":           false,
		"twelve chars":          true,
		"            ":          false,
		"äöüäöüäöüäöü":          true, // 12 characters, 24 bytes
		strings.Repeat("x", 72): true,
		strings.Repeat("x", 73): false,
	} {
		if err := e.svc.CheckPassword(pw); (err == nil) != ok {
			t.Errorf("%q: %v", pw, err)
		}
	}
}
