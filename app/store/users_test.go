package store_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

func mustUser(t *testing.T, e *env, email string, roles ...app.Role) *app.User {
	t.Helper()
	u := &app.User{Email: email, Name: "Test " + email, Roles: roles, PasswordHash: "$2a$04$hash"}
	if err := e.db.Accounts.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUsers(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := &app.User{Email: "  Ana@Example.ORG ", Name: "Ana", Roles: []app.Role{app.RoleOrganizer, app.RoleAdmin, app.RoleAdmin},
			PasswordHash: "$2a$12$x"}
		if err := e.db.Accounts.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Email != "ana@example.org" || u.CreatedAt.IsZero() || u.PasswordChangedAt.IsZero() {
			t.Fatalf("created %+v", u)
		}
		dup := &app.User{Email: "ANA@example.org", Roles: []app.Role{app.RoleStaff}, PasswordHash: "h"}
		wantCode(t, e.db.Accounts.CreateUser(ctx, dup), app.ECONFLICT)

		got, err := e.db.Accounts.FindUserByEmail(ctx, "ana@EXAMPLE.org")
		if err != nil {
			t.Fatal(err)
		}
		// Roles come back once each in display order.
		if !reflect.DeepEqual(got.Roles, []app.Role{app.RoleAdmin, app.RoleOrganizer}) || got.PasswordHash != "$2a$12$x" {
			t.Fatalf("found %+v", got)
		}
		if !got.CreatedAt.Equal(u.CreatedAt) || got.LastLoginAt != nil {
			t.Fatalf("times %v %v", got.CreatedAt, u.CreatedAt)
		}
		_, err = e.db.Accounts.FindUserByEmail(ctx, "nobody@example.org")
		wantCode(t, err, app.ENOTFOUND)
		_, err = e.db.Accounts.FindUserByID(ctx, 9999)
		wantCode(t, err, app.ENOTFOUND)

		got.Name, got.Roles, got.Disabled = "Ana B", []app.Role{app.RoleStaff}, true
		e.clock.Add(time.Minute)
		if err := e.db.Accounts.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := e.db.Accounts.FindUserByID(ctx, u.ID)
		if again.Name != "Ana B" || !again.Disabled || !reflect.DeepEqual(again.Roles, []app.Role{app.RoleStaff}) ||
			!again.UpdatedAt.After(again.CreatedAt) {
			t.Fatalf("updated %+v", again)
		}
		wantCode(t, e.db.Accounts.UpdateUser(ctx, &app.User{ID: 9999, Email: "x@example.org"}), app.ENOTFOUND)

		at := e.clock.Now().Add(time.Hour)
		if err := e.db.Accounts.SetPasswordHash(ctx, u.ID, "$2a$12$new", at); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Accounts.RecordLogin(ctx, u.ID, at); err != nil {
			t.Fatal(err)
		}
		again, _ = e.db.Accounts.FindUserByID(ctx, u.ID)
		if again.PasswordHash != "$2a$12$new" || !again.PasswordChangedAt.Equal(at.Truncate(time.Millisecond)) ||
			again.LastLoginAt == nil || !again.LastLoginAt.Equal(at.Truncate(time.Millisecond)) {
			t.Fatalf("password/login %+v", again)
		}
		wantCode(t, e.db.Accounts.SetPasswordHash(ctx, 9999, "h", at), app.ENOTFOUND)

		mustUser(t, e, "bo@example.org", app.RoleAdmin)
		mustUser(t, e, "cy_x@example.org", app.RoleStaff, app.RoleOrganizer)
		list := func(f app.UserFilter) []string {
			t.Helper()
			us, err := e.db.Accounts.ListUsers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range us {
				out = append(out, u.Email)
			}
			return out
		}
		if got := list(app.UserFilter{}); !reflect.DeepEqual(got, []string{"ana@example.org", "bo@example.org", "cy_x@example.org"}) {
			t.Errorf("all: %v", got)
		}
		if got := list(app.UserFilter{Role: app.RoleStaff}); !reflect.DeepEqual(got, []string{"ana@example.org", "cy_x@example.org"}) {
			t.Errorf("staff: %v", got)
		}
		if got := list(app.UserFilter{Role: app.RoleStaff, ActiveOnly: true}); !reflect.DeepEqual(got, []string{"cy_x@example.org"}) {
			t.Errorf("active staff: %v", got)
		}
		// "_" is literal in the pattern, not a LIKE wildcard.
		if got := list(app.UserFilter{EmailPattern: "Y_X"}); !reflect.DeepEqual(got, []string{"cy_x@example.org"}) {
			t.Errorf("pattern: %v", got)
		}
		if got := list(app.UserFilter{EmailPattern: "a_a"}); len(got) != 0 {
			t.Errorf("underscore matched a wildcard: %v", got)
		}
		if got := list(app.UserFilter{Limit: 1}); len(got) != 1 {
			t.Errorf("limit: %v", got)
		}
	})
}

func TestSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := mustUser(t, e, "ana@example.org", app.RoleOrganizer)
		other := mustUser(t, e, "bo@example.org", app.RoleStaff)
		now := time.Date(2026, 5, 1, 9, 0, 0, 987654321, time.UTC)
		mk := func(uid int64, hash string, start time.Time) *app.Session {
			s := &app.Session{UserID: uid, TokenHash: hash, CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(12 * time.Hour),
				IP: "192.0.2.1", UserAgent: "test"}
			if err := e.db.Accounts.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		s1 := mk(u.ID, "h1", now)
		s2 := mk(u.ID, "h2", now)
		s3 := mk(other.ID, "h3", now.Add(-13*time.Hour))
		wantCode(t, e.db.Accounts.CreateSession(ctx, &app.Session{UserID: u.ID, TokenHash: "h1", CreatedAt: now, LastSeenAt: now, ExpiresAt: now}), app.ECONFLICT)
		wantCode(t, e.db.Accounts.CreateSession(ctx, &app.Session{UserID: 9999, TokenHash: "h9", CreatedAt: now, LastSeenAt: now, ExpiresAt: now}), app.ENOTFOUND)

		got, err := e.db.Accounts.FindSessionByHash(ctx, "h1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != s1.ID || got.UserID != u.ID || !got.ExpiresAt.Equal(s1.ExpiresAt) || !got.CreatedAt.Equal(now.Truncate(time.Millisecond)) || got.IP != "192.0.2.1" {
			t.Fatalf("found %+v want %+v", got, s1)
		}
		_, err = e.db.Accounts.FindSessionByHash(ctx, "nope")
		wantCode(t, err, app.ENOTFOUND)

		later := now.Add(30 * time.Minute)
		if err := e.db.Accounts.TouchSession(ctx, s2.ID, later); err != nil {
			t.Fatal(err)
		}
		got, _ = e.db.Accounts.FindSessionByHash(ctx, "h2")
		if !got.LastSeenAt.Equal(later.Truncate(time.Millisecond)) {
			t.Fatalf("touched %v", got.LastSeenAt)
		}

		// Sweep: s3 is past its end; s1 idle since now, cut-off after it.
		n, err := e.db.Accounts.DeleteExpiredSessions(ctx, now, now.Add(-time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("expired: %d %v", n, err)
		}
		if _, err := e.db.Accounts.FindSessionByHash(ctx, "h3"); app.ErrorCodeOf(err) != app.ENOTFOUND {
			t.Fatal("expired session kept", s3.ID)
		}
		n, err = e.db.Accounts.DeleteExpiredSessions(ctx, now, now.Add(time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("idle: %d %v", n, err)
		}
		s4 := mk(u.ID, "h4", later)
		s5 := mk(u.ID, "h5", later)
		n, err = e.db.Accounts.DeleteUserSessions(ctx, u.ID, s4.ID)
		if err != nil || n != 2 { // s2 and s5
			t.Fatalf("user sessions: %d %v", n, err)
		}
		if _, err := e.db.Accounts.FindSessionByHash(ctx, "h4"); err != nil {
			t.Fatal("kept session deleted")
		}
		if err := e.db.Accounts.DeleteSession(ctx, s4.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Accounts.DeleteSession(ctx, s5.ID); err != nil { // already gone: fine
			t.Fatal(err)
		}
		if n := e.count(t, "sessions"); n != 0 {
			t.Fatalf("%d sessions left", n)
		}
	})
}

func TestAPITokens(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := mustUser(t, e, "ana@example.org", app.RoleStaff)
		other := mustUser(t, e, "bo@example.org", app.RoleStaff)
		now := e.clock.Now()
		t1 := &app.APIToken{UserID: u.ID, Name: "stats", TokenHash: "th1", Prefix: "adv_abcd", CreatedAt: now}
		t2 := &app.APIToken{UserID: other.ID, Name: "export", TokenHash: "th2", Prefix: "adv_efgh"}
		for _, tk := range []*app.APIToken{t1, t2} {
			if err := e.db.Accounts.CreateAPIToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, e.db.Accounts.CreateAPIToken(ctx, &app.APIToken{UserID: 9999, TokenHash: "x"}), app.ENOTFOUND)
		got, err := e.db.Accounts.FindAPITokenByHash(ctx, "th1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != t1.ID || got.UserEmail != "ana@example.org" || got.Name != "stats" || got.Prefix != "adv_abcd" || got.RevokedAt != nil {
			t.Fatalf("found %+v", got)
		}
		if _, err := e.db.Accounts.FindAPIToken(ctx, t2.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.db.Accounts.FindAPITokenByHash(ctx, "none")
		wantCode(t, err, app.ENOTFOUND)

		use := now.Add(time.Minute)
		if err := e.db.Accounts.TouchAPIToken(ctx, t1.ID, use); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Accounts.RevokeAPIToken(ctx, t2.ID, use); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Accounts.RevokeAPIToken(ctx, t2.ID, use.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.db.Accounts.RevokeAPIToken(ctx, 9999, use), app.ENOTFOUND)
		got, _ = e.db.Accounts.FindAPIToken(ctx, t2.ID)
		if got.RevokedAt == nil || !got.RevokedAt.Equal(use.Truncate(time.Millisecond)) {
			t.Fatalf("revoked at %v (first revocation must stay)", got.RevokedAt)
		}
		active, _ := e.db.Accounts.ListAPITokens(ctx, app.APITokenFilter{})
		all, _ := e.db.Accounts.ListAPITokens(ctx, app.APITokenFilter{IncludeRevoked: true})
		mine, _ := e.db.Accounts.ListAPITokens(ctx, app.APITokenFilter{UserID: u.ID, IncludeRevoked: true})
		if len(active) != 1 || active[0].ID != t1.ID || active[0].LastUsedAt == nil || len(all) != 2 || all[0].ID != t2.ID || len(mine) != 1 {
			t.Fatalf("lists: %+v / %+v / %+v", active, all, mine)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p := app.ThrottlePolicy{MaxFailures: 3, Window: 10 * time.Minute, LockFor: 15 * time.Minute}
		t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		st, err := e.db.Accounts.LoginThrottleState(ctx, "email:a@example.org")
		if err != nil || st.Failures != 0 || st.Locked(t0) {
			t.Fatalf("fresh: %+v %v", st, err)
		}
		fail := func(key string, at time.Time) app.ThrottleState {
			t.Helper()
			st, err := e.db.Accounts.RecordLoginFailure(ctx, key, p, at)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		fail("k", t0)
		if st := fail("k", t0.Add(time.Minute)); st.Failures != 2 || st.Locked(t0) {
			t.Fatalf("2: %+v", st)
		}
		st = fail("k", t0.Add(2*time.Minute))
		if st.Failures != 3 || !st.Locked(t0.Add(2*time.Minute)) || !st.LockedUntil.Equal(t0.Add(17*time.Minute)) {
			t.Fatalf("3: %+v", st)
		}
		if got, _ := e.db.Accounts.LoginThrottleState(ctx, "k"); !got.LockedUntil.Equal(st.LockedUntil) {
			t.Fatalf("read back %+v", got)
		}
		// After the lock, counting starts again.
		if st := fail("k", t0.Add(17*time.Minute)); st.Failures != 1 || st.Locked(t0.Add(17*time.Minute)) {
			t.Fatalf("after lock: %+v", st)
		}
		// Failures older than the window are forgotten.
		fail("w", t0)
		fail("w", t0.Add(time.Minute))
		if st := fail("w", t0.Add(11*time.Minute)); st.Failures != 1 {
			t.Fatalf("window: %+v", st)
		}
		if err := e.db.Accounts.ClearLoginFailures(ctx, "w"); err != nil {
			t.Fatal(err)
		}
		if st, _ := e.db.Accounts.LoginThrottleState(ctx, "w"); st.Failures != 0 {
			t.Fatalf("cleared: %+v", st)
		}
		n, err := e.db.Accounts.DeleteStaleThrottles(ctx, t0.Add(20*time.Minute), t0.Add(20*time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("stale: %d %v", n, err)
		}

		// Failures from many goroutines (several instances) are all counted.
		const workers = 12
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.db.Accounts.RecordLoginFailure(ctx, "race", app.ThrottlePolicy{MaxFailures: 100, Window: time.Hour, LockFor: time.Hour}, t0); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if st, _ := e.db.Accounts.LoginThrottleState(ctx, "race"); st.Failures != workers {
			t.Fatalf("concurrent failures counted %d, want %d", st.Failures, workers)
		}
	})
}
