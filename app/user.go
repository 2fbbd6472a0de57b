package app

import (
	"context"
	"slices"
	"strings"
	"time"
)

// User is a person who signs in to run Advocate: an organizer, a staff
// member or an administrator. Supporters never have accounts.
type User struct {
	ID    int64
	Email string // normalised with NormalizeEmail; unique
	Name  string
	Roles []Role
	// PasswordHash is the bcrypt hash; it never leaves the auth package and
	// the store.
	PasswordHash string
	// Disabled users cannot sign in and their sessions and tokens stop
	// working at once; they stay for the audit trail.
	Disabled          bool
	PasswordChangedAt time.Time
	LastLoginAt       *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Has reports whether u holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// Actor returns u acting through via ("session", "token", ...).
func (u *User) Actor(via string) Actor {
	return Actor{UserID: u.ID, Email: u.Email, Roles: slices.Clone(u.Roles), Via: via}
}

// Validate checks the fields a person types (not the password, which the
// auth package checks before hashing).
func (u *User) Validate() error {
	fe := FieldErrors{}
	if u.Email == "" {
		fe.Add("email", "Enter an email address.")
	} else if err := CheckEmail(u.Email); err == ErrEmailIPLiteral {
		fe.Add("email", "Use an address at a domain name, like name@example.org, not at an IP address.")
	} else if err != nil {
		fe.Add("email", "Enter a valid email address, like name@example.org.")
	}
	if len(u.Name) > 200 {
		fe.Add("name", "Keep the name under 200 characters.")
	}
	if len(u.Roles) == 0 {
		fe.Add("roles", "Choose at least one role.")
	}
	for _, r := range u.Roles {
		if !r.Valid() {
			fe.Add("roles", "Unknown role "+string(r)+".")
		}
	}
	return fe.Err("Please correct the highlighted fields.")
}

// NormalizeEmail trims and lower-cases an email address so that sign-in
// and uniqueness do not depend on how someone typed it.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ParseRoles turns role names (each may hold a comma-separated list) into
// distinct roles in display order.
func ParseRoles(names ...string) ([]Role, error) {
	seen := map[Role]bool{}
	for _, n := range names {
		for _, p := range strings.Split(n, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			r := Role(p)
			if !r.Valid() {
				return nil, Errorf(EINVALID, "unknown role %q: use admin, organizer, staff or supporter-data", p)
			}
			seen[r] = true
		}
	}
	var out []Role
	for _, r := range allRoles {
		if seen[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// UserFilter narrows ListUsers. Zero values mean "any".
type UserFilter struct {
	Role         Role
	ActiveOnly   bool // leave out disabled users
	Limit        int
	EmailPattern string // substring of the email, case-insensitive
}

// Session is a signed-in browser. Only a hash of its cookie token is
// stored, so a leaked database cannot be replayed as cookies.
type Session struct {
	ID         int64
	UserID     int64
	TokenHash  string // hex SHA-256 of the cookie token
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end, whatever the activity
	IP         string
	UserAgent  string
}

// APIToken lets a script act as a user through "Authorization: Bearer".
// The token itself is shown once; only its hash is kept.
type APIToken struct {
	ID         int64
	UserID     int64
	UserEmail  string // filled in by listings
	Name       string
	TokenHash  string // hex SHA-256
	Prefix     string // the first characters, to recognise a token in a list
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Active reports whether t still authenticates.
func (t *APIToken) Active() bool { return t.RevokedAt == nil }

// APITokenFilter narrows ListAPITokens.
type APITokenFilter struct {
	UserID         int64 // 0: every user
	IncludeRevoked bool
}

// ThrottlePolicy says how many failed sign-ins a key (an account or a
// client address) may have within Window before it is locked for LockFor.
type ThrottlePolicy struct {
	MaxFailures int
	Window      time.Duration
	LockFor     time.Duration
}

// ThrottleState is a key's standing after a failure or a check.
type ThrottleState struct {
	Key         string
	Failures    int
	LockedUntil time.Time // zero when not locked
}

// Locked reports whether the key is locked at time now.
func (s ThrottleState) Locked(now time.Time) bool { return now.Before(s.LockedUntil) }

// AuditEvent records who did what, to what, when and from where. Events are
// never changed or deleted by the application.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    int64  // 0 for the system, the CLI or an anonymous visitor
	ActorEmail string // or the actor's label ("cli", "system")
	Action     string // "user.create", "campaign.update", "template.save", "auth.login" ...
	Subject    string // "user:ana@example.org", "campaign:free-guan-heng"
	Detail     string // short text or JSON
	IP         string
}

// AuditFilter narrows ListAuditEvents. Zero values mean "any".
type AuditFilter struct {
	// Action matches exactly or as a prefix before a dot: "user" matches
	// "user.create".
	Action string
	// Actor is the actor's email or label, exactly.
	Actor string
	// Subject matches exactly or as a prefix: "campaign:" matches every
	// campaign.
	Subject  string
	Since    time.Time
	Until    time.Time
	BeforeID int64 // paging: only events older than this one
	Limit    int
}

// UserStore keeps the people who sign in.
type UserStore interface {
	CreateUser(ctx context.Context, u *User) error // sets ID and timestamps; ECONFLICT on a taken email
	// UpdateUser saves Email, Name, Roles and Disabled.
	UpdateUser(ctx context.Context, u *User) error
	SetPasswordHash(ctx context.Context, userID int64, hash string, at time.Time) error
	RecordLogin(ctx context.Context, userID int64, at time.Time) error
	FindUserByID(ctx context.Context, id int64) (*User, error)        // ENOTFOUND
	FindUserByEmail(ctx context.Context, email string) (*User, error) // ENOTFOUND
	ListUsers(ctx context.Context, f UserFilter) ([]User, error)      // by email
}

// SessionStore keeps signed-in browsers, shared by every app instance.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	FindSessionByHash(ctx context.Context, tokenHash string) (*Session, error) // ENOTFOUND
	TouchSession(ctx context.Context, id int64, at time.Time) error
	DeleteSession(ctx context.Context, id int64) error
	// DeleteUserSessions ends every session of a user except keepID (0:
	// none kept) and reports how many ended.
	DeleteUserSessions(ctx context.Context, userID, keepID int64) (int64, error)
	// DeleteExpiredSessions removes sessions past their absolute end or idle
	// since before idleBefore.
	DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int64, error)
}

// APITokenStore keeps API tokens.
type APITokenStore interface {
	CreateAPIToken(ctx context.Context, t *APIToken) error
	FindAPITokenByHash(ctx context.Context, tokenHash string) (*APIToken, error) // ENOTFOUND
	FindAPIToken(ctx context.Context, id int64) (*APIToken, error)               // ENOTFOUND
	ListAPITokens(ctx context.Context, f APITokenFilter) ([]APIToken, error)     // newest first
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error            // ENOTFOUND
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
}

// LoginThrottle counts failed sign-ins per key in the database, so that
// every app instance sees the same counts and locks.
type LoginThrottle interface {
	// RecordLoginFailure counts one failure for key at time at under p and
	// returns the key's state afterwards (locked once MaxFailures is
	// reached within Window).
	RecordLoginFailure(ctx context.Context, key string, p ThrottlePolicy, at time.Time) (ThrottleState, error)
	// LoginThrottleState returns the key's current state (zero when unknown).
	LoginThrottleState(ctx context.Context, key string) (ThrottleState, error)
	// ClearLoginFailures forgets a key's failures (after a good sign-in).
	ClearLoginFailures(ctx context.Context, key string) error
	// DeleteStaleThrottles removes keys neither locked nor failed since before.
	DeleteStaleThrottles(ctx context.Context, now, before time.Time) (int64, error)
}

// AuditLog keeps audit events. Record never changes an event afterwards.
type AuditLog interface {
	Record(ctx context.Context, e AuditEvent) error
	// ListAuditEvents returns events newest first.
	ListAuditEvents(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
}
