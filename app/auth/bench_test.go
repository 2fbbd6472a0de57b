package auth_test

import (
	"context"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
)

// BenchmarkAuthenticate is the per-request cost of a signed-in page: the
// session and user lookups on SQLite (the last-seen write happens at most
// once a minute per session).
func BenchmarkAuthenticate(b *testing.B) {
	e := newEnvB(b)
	ctx := context.Background()
	l, err := e.svc.Login(ctx, "ana@example.org", pw, cl)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := e.svc.Authenticate(ctx, l.Token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateToken is the per-request cost of an API call with a
// Bearer token.
func BenchmarkAuthenticateToken(b *testing.B) {
	e := newEnvB(b)
	u, _ := e.db.Accounts.FindUserByEmail(context.Background(), "ana@example.org")
	secret, _, err := e.svc.CreateToken(e.cli, u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.svc.AuthenticateToken(ctx, secret); err != nil {
			b.Fatal(err)
		}
	}
}

func newEnvB(b *testing.B) *env {
	b.Helper()
	e := newEnv(b)
	if _, err := e.svc.CreateUser(e.cli, auth.NewUser{Email: "ana@example.org", Roles: []app.Role{app.RoleOrganizer}, Password: pw}); err != nil {
		b.Fatal(err)
	}
	return e
}
