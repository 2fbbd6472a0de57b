// Package auth decides who someone is and what they may do: organizer,
// staff and admin accounts with bcrypt passwords, browser sessions and API
// tokens kept as hashes in the database (so several app instances share
// them), sign-in throttling persisted the same way, and the audit trail of
// who changed what.
//
// It knows nothing of HTTP: the web layer hands it tokens and client
// addresses and turns its answers into cookies, redirects and statuses; the
// CLI calls the same service with a "cli" actor.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-org/advocate/app"
)

// Store is everything the service keeps. store.Accounts provides it.
type Store interface {
	app.UserStore
	app.SessionStore
	app.APITokenStore
	app.LoginThrottle
	app.RoleGrantStore
}

// Options wires a Service. Store is required; zero durations and counts
// take the defaults in brackets.
type Options struct {
	Store Store
	// Audit records sign-ins, user and token changes; nil records nothing.
	Audit  *Audit
	Clock  app.Clock
	Logger *slog.Logger
	// BcryptCost is the password hashing cost [12]; tests pass
	// bcrypt.MinCost to stay fast.
	BcryptCost int
	// SessionTTL is a session's absolute lifetime [12h].
	SessionTTL time.Duration
	// IdleTimeout ends a session nobody used for this long [2h].
	IdleTimeout time.Duration
	// MaxFailures failed sign-ins for one account within FailureWindow lock
	// it for LockFor [5, 15m, 15m].
	MaxFailures   int
	FailureWindow time.Duration
	LockFor       time.Duration
	// MaxIPFailures is the same limit per client address [20]: higher,
	// because an office or a phone network shares one address.
	MaxIPFailures int
	// MinPasswordLen is the shortest acceptable password [12].
	MinPasswordLen int
}

// Defaults.
const (
	DefaultBcryptCost     = 12
	DefaultSessionTTL     = 12 * time.Hour
	DefaultIdleTimeout    = 2 * time.Hour
	DefaultMaxFailures    = 5
	DefaultMaxIPFailures  = 20
	DefaultFailureWindow  = 15 * time.Minute
	DefaultLockFor        = 15 * time.Minute
	DefaultMinPasswordLen = 12
	// MaxPasswordLen is bcrypt's limit: it ignores bytes beyond 72, so
	// longer passwords are refused rather than silently cut.
	MaxPasswordLen = 72
)

// touchEvery is how stale last-seen times may get before a request writes
// them again: an idle timeout of hours needs no per-request write.
const touchEvery = time.Minute

// Service is the accounts and access service. It is safe for concurrent use.
type Service struct {
	st    Store
	audit *Audit
	now   app.Clock
	log   *slog.Logger
	o     Options
	// dummyHash is compared against when the email is unknown, so that such
	// a sign-in costs as much as one with a known email. Made on first use
	// or by WarmUp.
	dummyHash func() ([]byte, error)
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, fmt.Errorf("auth: a store is required")
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	defInt(&o.BcryptCost, DefaultBcryptCost)
	def(&o.SessionTTL, DefaultSessionTTL)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	defInt(&o.MaxFailures, DefaultMaxFailures)
	defInt(&o.MaxIPFailures, DefaultMaxIPFailures)
	def(&o.FailureWindow, DefaultFailureWindow)
	def(&o.LockFor, DefaultLockFor)
	defInt(&o.MinPasswordLen, DefaultMinPasswordLen)
	if o.BcryptCost < bcrypt.MinCost || o.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: bcrypt cost %d out of range %d-%d", o.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	dummy := sync.OnceValues(func() ([]byte, error) {
		h, err := bcrypt.GenerateFromPassword([]byte(randomToken(16)), o.BcryptCost)
		if err != nil {
			return nil, fmt.Errorf("auth: prepare dummy hash: %w", err)
		}
		return h, nil
	})
	return &Service{st: o.Store, audit: o.Audit, now: o.Clock, log: o.Logger, o: o, dummyHash: dummy}, nil
}

// WarmUp prepares the dummy hash that unknown-email sign-ins are checked
// against, so that the first such sign-in is not slower than the rest (which
// would tell that the email is unknown). Servers call it at start; CLI
// commands skip the bcrypt work.
func (s *Service) WarmUp() { _, _ = s.dummyHash() }

// Options returns the effective settings (defaults filled in), for the web
// layer's cookie lifetime and for display.
func (s *Service) Options() Options { return s.o }

// Audit returns the audit helper the service records with (may be nil).
func (s *Service) Audit() *Audit { return s.audit }

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how session and API tokens are stored: hex SHA-256. A fast
// hash is right here because the tokens carry 256 random bits.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// record writes an audit event from ctx's actor, logging (not returning) a
// failure: the change it describes has already happened.
func (s *Service) record(ctx context.Context, action, subject, detail string) {
	if err := s.audit.Record(ctx, action, subject, detail); err != nil {
		s.log.ErrorContext(ctx, "audit event lost", "action", action, "subject", subject, "err", err)
	}
}

// recordAs writes an event for an actor that is not (yet) in ctx: the user
// who just signed in, or an anonymous visitor.
func (s *Service) recordAs(ctx context.Context, actor app.Actor, action, subject, detail string) {
	s.record(app.WithActor(ctx, actor), action, subject, detail)
}

// requireAdmin lets admins, the CLI and the system manage accounts.
func requireAdmin(ctx context.Context) (app.Actor, error) {
	a, ok := app.ActorFrom(ctx)
	if !ok {
		return a, app.Errorf(app.EUNAUTHORIZED, "Please sign in.")
	}
	if a.Has(app.RoleAdmin) || (a.UserID == 0 && (a.Via == "cli" || a.Via == "system")) {
		return a, nil
	}
	return a, app.Errorf(app.EFORBIDDEN, "Only administrators can manage users.")
}

// Sweep deletes expired sessions and stale throttle rows. Call it now and
// then (serve does every few minutes); expired rows never authenticate
// anyway.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now()
	if _, err := s.st.DeleteExpiredSessions(ctx, now, now.Add(-s.o.IdleTimeout)); err != nil {
		return err
	}
	_, err := s.st.DeleteStaleThrottles(ctx, now, now.Add(-s.o.FailureWindow))
	return err
}
