package auth

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-org/advocate/app"
)

// Client describes where a request comes from, for throttling and the
// audit trail.
type Client struct {
	IP        string
	UserAgent string
}

// Login is a successful sign-in: the new session and the secret token for
// the cookie (shown to nobody else; only its hash is stored).
type Login struct {
	User    *app.User
	Session *app.Session
	Token   string
}

// msgWrongCredentials is the one message for an unknown email, a wrong
// password and a disabled account, so the page gives nothing away.
const msgWrongCredentials = "Email or password is wrong."

// Throttle keys.
func emailKey(email string) string { return "email:" + app.NormalizeEmail(email) }
func ipKey(ip string) string       { return "ip:" + app.ClientNetwork(ip) }

// LockedError is returned while too many failures lock an account or a
// client address.
type LockedError struct {
	Until time.Time
	Now   time.Time
}

// Minutes is how long to wait, rounded up.
func (e *LockedError) Minutes() int {
	return max(1, int(math.Ceil(e.Until.Sub(e.Now).Minutes())))
}

func (e *LockedError) Error() string {
	if m := e.Minutes(); m > 1 {
		return fmt.Sprintf("Too many attempts. Try again in %d minutes.", m)
	}
	return "Too many attempts. Try again in a minute."
}

func lockedErr(until, now time.Time) error {
	le := &LockedError{Until: until, Now: now}
	return &app.Error{Code: app.ERATELIMIT, Message: le.Error(), Err: le}
}

// Login checks an email and password and starts a new session. Failures
// are counted per account and per client address in the database; past
// the limits both are locked for a while (ERATELIMIT with the wait). The
// unknown-email path runs bcrypt against a dummy hash, so it takes as long
// as a wrong password for a real account and answers the same words.
func (s *Service) Login(ctx context.Context, email, password string, cl Client) (*Login, error) {
	now := s.now()
	email = app.NormalizeEmail(email)
	if email == "" || password == "" {
		return nil, &app.Error{Code: app.EUNAUTHORIZED, Message: "Enter your email and password."}
	}
	if len(email) > 254 {
		email = email[:254]
	}
	anon := app.Actor{Via: "anonymous", IP: cl.IP}
	subject := "user:" + email
	for _, key := range []string{emailKey(email), ipKey(cl.IP)} {
		st, err := s.st.LoginThrottleState(ctx, key)
		if err != nil {
			return nil, err
		}
		if st.Locked(now) {
			s.recordAs(ctx, anon, "auth.login_blocked", subject, "locked: "+strings.SplitN(key, ":", 2)[0])
			return nil, lockedErr(st.LockedUntil, now)
		}
	}

	u, err := s.st.FindUserByEmail(ctx, email)
	var hash []byte
	switch app.ErrorCodeOf(err) {
	case "":
		hash = []byte(u.PasswordHash)
	case app.ENOTFOUND:
		if hash, err = s.dummyHash(); err != nil {
			return nil, err
		}
		u = nil
	default:
		return nil, err
	}
	ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	if u == nil || !ok {
		reason := "wrong password"
		if u == nil {
			reason = "unknown email"
		}
		return nil, s.loginFailed(ctx, anon, email, cl.IP, subject, reason, now)
	}
	if u.Disabled {
		s.recordAs(ctx, anon, "auth.login_failed", subject, "account disabled")
		return nil, &app.Error{Code: app.EFORBIDDEN, Message: "This account is disabled. Ask an administrator to enable it."}
	}
	if err := s.st.ClearLoginFailures(ctx, emailKey(email)); err != nil {
		return nil, err
	}
	if err := s.st.RecordLogin(ctx, u.ID, now); err != nil {
		return nil, err
	}
	sess, tok, err := s.startSession(ctx, u, cl, now)
	if err != nil {
		return nil, err
	}
	t := now
	u.LastLoginAt = &t
	actor := u.Actor("session")
	actor.IP = cl.IP
	s.recordAs(ctx, actor, "auth.login", subject, "")
	return &Login{User: u, Session: sess, Token: tok}, nil
}

// loginFailed counts a failure for the account and the address and
// answers with the generic message, or the lock message when this failure
// reached a limit.
func (s *Service) loginFailed(ctx context.Context, anon app.Actor, email, ip, subject, reason string, now time.Time) error {
	pe := app.ThrottlePolicy{MaxFailures: s.o.MaxFailures, Window: s.o.FailureWindow, LockFor: s.o.LockFor}
	pi := app.ThrottlePolicy{MaxFailures: s.o.MaxIPFailures, Window: s.o.FailureWindow, LockFor: s.o.LockFor}
	se, err := s.st.RecordLoginFailure(ctx, emailKey(email), pe, now)
	if err != nil {
		return err
	}
	si, err := s.st.RecordLoginFailure(ctx, ipKey(ip), pi, now)
	if err != nil {
		return err
	}
	s.recordAs(ctx, anon, "auth.login_failed", subject, reason)
	if se.Locked(now) || si.Locked(now) {
		until := se.LockedUntil
		if si.LockedUntil.After(until) {
			until = si.LockedUntil
		}
		if se.Failures == s.o.MaxFailures || si.Failures == s.o.MaxIPFailures {
			s.recordAs(ctx, anon, "auth.lock", subject, Detail(map[string]any{"until": until, "account_failures": se.Failures, "ip_failures": si.Failures}))
		}
		return lockedErr(until, now)
	}
	return &app.Error{Code: app.EUNAUTHORIZED, Message: msgWrongCredentials}
}

// startSession stores a new session with a fresh random token.
func (s *Service) startSession(ctx context.Context, u *app.User, cl Client, now time.Time) (*app.Session, string, error) {
	tok := randomToken(32)
	sess := &app.Session{UserID: u.ID, TokenHash: HashToken(tok), CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.o.SessionTTL), IP: cl.IP, UserAgent: cl.UserAgent}
	if err := s.st.CreateSession(ctx, sess); err != nil {
		return nil, "", err
	}
	return sess, tok, nil
}

// StartSession signs a user in without a password: for tests and tools
// that already know who they are acting for. It checks that the account is
// enabled.
func (s *Service) StartSession(ctx context.Context, userID int64, cl Client) (*Login, error) {
	u, err := s.st.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, app.Errorf(app.EFORBIDDEN, "This account is disabled.")
	}
	sess, tok, err := s.startSession(ctx, u, cl, s.now())
	if err != nil {
		return nil, err
	}
	return &Login{User: u, Session: sess, Token: tok}, nil
}

// errNoSession is what every kind of invalid session turns into.
var errNoSession = app.Errorf(app.EUNAUTHORIZED, "Your session has ended. Please sign in again.")

// Authenticate returns who holds a session token. Unknown, expired (past
// SessionTTL, or idle longer than IdleTimeout) and disabled-user sessions
// are EUNAUTHORIZED; an expired one is deleted on the way.
func (s *Service) Authenticate(ctx context.Context, token string) (app.Actor, *app.Session, error) {
	if token == "" || len(token) > 100 {
		return app.Actor{}, nil, errNoSession
	}
	sess, err := s.st.FindSessionByHash(ctx, HashToken(token))
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return app.Actor{}, nil, errNoSession
	}
	if err != nil {
		return app.Actor{}, nil, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.o.IdleTimeout {
		if err := s.st.DeleteSession(ctx, sess.ID); err != nil {
			s.log.WarnContext(ctx, "delete expired session", "err", err)
		}
		return app.Actor{}, nil, errNoSession
	}
	u, err := s.st.FindUserByID(ctx, sess.UserID)
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return app.Actor{}, nil, errNoSession
	}
	if err != nil {
		return app.Actor{}, nil, err
	}
	if u.Disabled {
		return app.Actor{}, nil, errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.st.TouchSession(ctx, sess.ID, now); err != nil {
			return app.Actor{}, nil, err
		}
		sess.LastSeenAt = now
	}
	return u.Actor("session"), sess, nil
}

// Logout ends the session the token belongs to. An unknown token is not an
// error: the session is gone either way.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	sess, err := s.st.FindSessionByHash(ctx, HashToken(token))
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.st.DeleteSession(ctx, sess.ID); err != nil {
		return err
	}
	subject := ""
	if a, ok := app.ActorFrom(ctx); ok && a.Email != "" {
		subject = "user:" + a.Email
	}
	s.record(ctx, "auth.logout", subject, "")
	return nil
}
