package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/advocate-org/advocate/app"
)

// Accounts keeps the people who sign in: users, sessions, API tokens, the
// sign-in throttle and role grants.
type Accounts struct{ *engine }

// Compile-time checks for the accounts side.
var (
	_ app.UserStore     = (*Accounts)(nil)
	_ app.SessionStore  = (*Accounts)(nil)
	_ app.APITokenStore = (*Accounts)(nil)
	_ app.LoginThrottle = (*Accounts)(nil)
)

// userRow is the users table. Roles are a comma-separated list: there are
// three roles and few users, so a join table would buy nothing.
type userRow struct {
	ID                int64 `gorm:"primaryKey"`
	Email             string
	Name              string
	Roles             string
	PasswordHash      string
	Disabled          bool
	PasswordChangedAt time.Time
	LastLoginAt       *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (userRow) TableName() string { return "users" }

func rolesText(rs []app.Role) string {
	parts := make([]string, 0, len(rs))
	for _, r := range app.Roles() { // display order, no duplicates
		for _, have := range rs {
			if have == r {
				parts = append(parts, string(r))
				break
			}
		}
	}
	return strings.Join(parts, ",")
}

func (r *userRow) toApp() *app.User {
	u := &app.User{ID: r.ID, Email: r.Email, Name: r.Name, PasswordHash: r.PasswordHash, Disabled: r.Disabled,
		PasswordChangedAt: r.PasswordChangedAt.UTC(), LastLoginAt: utcPtr(r.LastLoginAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, p := range strings.Split(r.Roles, ",") {
		if p != "" {
			u.Roles = append(u.Roles, app.Role(p))
		}
	}
	return u
}

var userMsgs = msgs{
	notFound: "User not found.",
	conflict: "A user with this email address already exists.",
}

// CreateUser stores u (email normalised) and sets its ID and timestamps.
// A taken email is ECONFLICT.
func (ac *Accounts) CreateUser(ctx context.Context, u *app.User) error {
	now := ac.now()
	changed := dbTime(u.PasswordChangedAt)
	if changed.IsZero() {
		changed = now
	}
	row := userRow{Email: app.NormalizeEmail(u.Email), Name: u.Name, Roles: rolesText(u.Roles), PasswordHash: u.PasswordHash,
		Disabled: u.Disabled, PasswordChangedAt: changed, CreatedAt: now, UpdatedAt: now}
	if err := ac.w.WithContext(ctx).Create(&row).Error; err != nil {
		return mapErr(err, "create user", userMsgs)
	}
	u.ID, u.Email, u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt = row.ID, row.Email, changed, now, now
	return nil
}

// UpdateUser saves Email, Name, Roles and Disabled and sets UpdatedAt.
func (ac *Accounts) UpdateUser(ctx context.Context, u *app.User) error {
	now := ac.now()
	email := app.NormalizeEmail(u.Email)
	res := ac.w.WithContext(ctx).Model(&userRow{}).Where("id = ?", u.ID).Updates(map[string]any{
		"email": email, "name": u.Name, "roles": rolesText(u.Roles), "disabled": u.Disabled, "updated_at": now,
	})
	if res.Error != nil {
		return mapErr(res.Error, "update user", userMsgs)
	}
	if res.RowsAffected == 0 {
		return app.Errorf(app.ENOTFOUND, "%s", userMsgs.notFound)
	}
	u.Email, u.UpdatedAt = email, now
	return nil
}

// SetPasswordHash replaces a user's password hash.
func (ac *Accounts) SetPasswordHash(ctx context.Context, userID int64, hash string, at time.Time) error {
	res := ac.w.WithContext(ctx).Model(&userRow{}).Where("id = ?", userID).Updates(map[string]any{
		"password_hash": hash, "password_changed_at": dbTime(at), "updated_at": ac.now(),
	})
	if res.Error != nil {
		return mapErr(res.Error, "set password", userMsgs)
	}
	if res.RowsAffected == 0 {
		return app.Errorf(app.ENOTFOUND, "%s", userMsgs.notFound)
	}
	return nil
}

// RecordLogin notes a successful sign-in.
func (ac *Accounts) RecordLogin(ctx context.Context, userID int64, at time.Time) error {
	err := ac.w.WithContext(ctx).Model(&userRow{}).Where("id = ?", userID).
		Update("last_login_at", dbTime(at)).Error
	return mapErr(err, "record login", userMsgs)
}

// FindUserByID loads a user (ENOTFOUND).
func (ac *Accounts) FindUserByID(ctx context.Context, id int64) (*app.User, error) {
	var row userRow
	if err := ac.r.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, mapErr(err, "find user", userMsgs)
	}
	return row.toApp(), nil
}

// FindUserByEmail loads a user by email, however it is capitalised
// (ENOTFOUND).
func (ac *Accounts) FindUserByEmail(ctx context.Context, email string) (*app.User, error) {
	var row userRow
	if err := ac.r.WithContext(ctx).Where("email = ?", app.NormalizeEmail(email)).Take(&row).Error; err != nil {
		return nil, mapErr(err, "find user", userMsgs)
	}
	return row.toApp(), nil
}

// ListUsers returns users ordered by email.
func (ac *Accounts) ListUsers(ctx context.Context, f app.UserFilter) ([]app.User, error) {
	q := ac.r.WithContext(ctx).Order("email")
	if f.Role != "" {
		// Roles are a comma list of known names, none a prefix of another.
		q = q.Where("(',' || roles || ',') LIKE ?", "%,"+string(f.Role)+",%")
	}
	if f.ActiveOnly {
		q = q.Where("disabled = ?", false)
	}
	if f.EmailPattern != "" {
		q = q.Where("email LIKE ? ESCAPE '\\'", "%"+likeEscape(app.NormalizeEmail(f.EmailPattern))+"%")
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []userRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list users", userMsgs)
	}
	out := make([]app.User, len(rows))
	for i := range rows {
		out[i] = *rows[i].toApp()
	}
	return out, nil
}

// likeEscape makes s match literally inside a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// sessionRow is the sessions table.
type sessionRow struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	TokenHash  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
}

func (sessionRow) TableName() string { return "sessions" }

var sessionMsgs = msgs{notFound: "Session not found.", missing: userMsgs.notFound,
	conflict: "Could not start a session; please sign in again."}

// CreateSession stores s and sets its ID. Times are the caller's (the auth
// clock), normalised to what the database keeps.
func (ac *Accounts) CreateSession(ctx context.Context, s *app.Session) error {
	row := sessionRow{UserID: s.UserID, TokenHash: s.TokenHash, CreatedAt: dbTime(s.CreatedAt),
		LastSeenAt: dbTime(s.LastSeenAt), ExpiresAt: dbTime(s.ExpiresAt), IP: truncate(s.IP, 64), UserAgent: truncate(s.UserAgent, 300)}
	if err := ac.w.WithContext(ctx).Create(&row).Error; err != nil {
		return mapErr(err, "create session", sessionMsgs)
	}
	s.ID, s.CreatedAt, s.LastSeenAt, s.ExpiresAt = row.ID, row.CreatedAt, row.LastSeenAt, row.ExpiresAt
	return nil
}

// FindSessionByHash loads the session whose token hashes to tokenHash
// (ENOTFOUND). Expiry is the caller's decision.
func (ac *Accounts) FindSessionByHash(ctx context.Context, tokenHash string) (*app.Session, error) {
	var row sessionRow
	if err := ac.r.WithContext(ctx).Where("token_hash = ?", tokenHash).Take(&row).Error; err != nil {
		return nil, mapErr(err, "find session", sessionMsgs)
	}
	return &app.Session{ID: row.ID, UserID: row.UserID, TokenHash: row.TokenHash, CreatedAt: row.CreatedAt.UTC(),
		LastSeenAt: row.LastSeenAt.UTC(), ExpiresAt: row.ExpiresAt.UTC(), IP: row.IP, UserAgent: row.UserAgent}, nil
}

// TouchSession records activity, which pushes back the idle timeout.
func (ac *Accounts) TouchSession(ctx context.Context, id int64, at time.Time) error {
	err := ac.w.WithContext(ctx).Model(&sessionRow{}).Where("id = ?", id).Update("last_seen_at", dbTime(at)).Error
	return mapErr(err, "touch session", sessionMsgs)
}

// DeleteSession ends one session; an unknown one is not an error (it may
// have expired and been swept).
func (ac *Accounts) DeleteSession(ctx context.Context, id int64) error {
	err := ac.w.WithContext(ctx).Where("id = ?", id).Delete(&sessionRow{}).Error
	return mapErr(err, "delete session", sessionMsgs)
}

// DeleteUserSessions ends every session of a user except keepID.
func (ac *Accounts) DeleteUserSessions(ctx context.Context, userID, keepID int64) (int64, error) {
	res := ac.w.WithContext(ctx).Where("user_id = ? AND id <> ?", userID, keepID).Delete(&sessionRow{})
	return res.RowsAffected, mapErr(res.Error, "delete user sessions", sessionMsgs)
}

// DeleteExpiredSessions removes sessions past their end or idle too long.
func (ac *Accounts) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int64, error) {
	res := ac.w.WithContext(ctx).Where("expires_at <= ? OR last_seen_at <= ?", dbTime(now), dbTime(idleBefore)).
		Delete(&sessionRow{})
	return res.RowsAffected, mapErr(res.Error, "delete expired sessions", sessionMsgs)
}

// apiTokenRow is the api_tokens table.
type apiTokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Name       string
	TokenHash  string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	UserEmail  string `gorm:"->;-:migration"` // read-only, from a join
}

func (apiTokenRow) TableName() string { return "api_tokens" }

func (r *apiTokenRow) toApp() *app.APIToken {
	return &app.APIToken{ID: r.ID, UserID: r.UserID, UserEmail: r.UserEmail, Name: r.Name, TokenHash: r.TokenHash,
		Prefix: r.Prefix, CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utcPtr(r.LastUsedAt), RevokedAt: utcPtr(r.RevokedAt)}
}

var tokenMsgs = msgs{notFound: "API token not found.", missing: userMsgs.notFound,
	conflict: "Could not create the token; please try again."}

// CreateAPIToken stores t and sets its ID.
func (ac *Accounts) CreateAPIToken(ctx context.Context, t *app.APIToken) error {
	row := apiTokenRow{UserID: t.UserID, Name: t.Name, TokenHash: t.TokenHash, Prefix: t.Prefix, CreatedAt: dbTime(t.CreatedAt)}
	if row.CreatedAt.IsZero() {
		row.CreatedAt = ac.now()
	}
	if err := ac.w.WithContext(ctx).Omit("UserEmail").Create(&row).Error; err != nil {
		return mapErr(err, "create API token", tokenMsgs)
	}
	t.ID, t.CreatedAt = row.ID, row.CreatedAt
	return nil
}

const tokenSelect = "api_tokens.*, users.email AS user_email"

// FindAPITokenByHash loads a token, revoked or not (ENOTFOUND).
func (ac *Accounts) FindAPITokenByHash(ctx context.Context, tokenHash string) (*app.APIToken, error) {
	return ac.findToken(ctx, "api_tokens.token_hash = ?", tokenHash)
}

// FindAPIToken loads a token by ID (ENOTFOUND).
func (ac *Accounts) FindAPIToken(ctx context.Context, id int64) (*app.APIToken, error) {
	return ac.findToken(ctx, "api_tokens.id = ?", id)
}

func (ac *Accounts) findToken(ctx context.Context, where string, arg any) (*app.APIToken, error) {
	var row apiTokenRow
	err := ac.r.WithContext(ctx).Table("api_tokens").Select(tokenSelect).
		Joins("JOIN users ON users.id = api_tokens.user_id").Where(where, arg).Take(&row).Error
	if err != nil {
		return nil, mapErr(err, "find API token", tokenMsgs)
	}
	return row.toApp(), nil
}

// ListAPITokens returns tokens newest first.
func (ac *Accounts) ListAPITokens(ctx context.Context, f app.APITokenFilter) ([]app.APIToken, error) {
	q := ac.r.WithContext(ctx).Table("api_tokens").Select(tokenSelect).
		Joins("JOIN users ON users.id = api_tokens.user_id").Order("api_tokens.id DESC")
	if f.UserID != 0 {
		q = q.Where("api_tokens.user_id = ?", f.UserID)
	}
	if !f.IncludeRevoked {
		q = q.Where("api_tokens.revoked_at IS NULL")
	}
	var rows []apiTokenRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list API tokens", tokenMsgs)
	}
	out := make([]app.APIToken, len(rows))
	for i := range rows {
		out[i] = *rows[i].toApp()
	}
	return out, nil
}

// RevokeAPIToken stops a token from working. Revoking a revoked token keeps
// the first revocation time.
func (ac *Accounts) RevokeAPIToken(ctx context.Context, id int64, at time.Time) error {
	err := ac.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&apiTokenRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return app.Errorf(app.ENOTFOUND, "%s", tokenMsgs.notFound)
		}
		return tx.Model(&apiTokenRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", dbTime(at)).Error
	})
	return mapErr(err, "revoke API token", tokenMsgs)
}

// TouchAPIToken records that a token was used.
func (ac *Accounts) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	err := ac.w.WithContext(ctx).Model(&apiTokenRow{}).Where("id = ?", id).Update("last_used_at", dbTime(at)).Error
	return mapErr(err, "touch API token", tokenMsgs)
}

// throttleRow is the login_throttle table.
type throttleRow struct {
	ThrottleKey string `gorm:"primaryKey"`
	Failures    int
	WindowStart time.Time
	LockedUntil *time.Time
	UpdatedAt   time.Time
}

func (throttleRow) TableName() string { return "login_throttle" }

func (r *throttleRow) state() app.ThrottleState {
	s := app.ThrottleState{Key: r.ThrottleKey, Failures: r.Failures}
	if r.LockedUntil != nil {
		s.LockedUntil = r.LockedUntil.UTC()
	}
	return s
}

// RecordLoginFailure counts a failure under p. The row is read and written
// in one transaction (locked on PostgreSQL), so failures arriving at once at
// several instances are all counted.
func (ac *Accounts) RecordLoginFailure(ctx context.Context, key string, p app.ThrottlePolicy, at time.Time) (app.ThrottleState, error) {
	at = dbTime(at)
	var out app.ThrottleState
	err := ac.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		fresh := throttleRow{ThrottleKey: key, WindowStart: at, UpdatedAt: at}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh).Error; err != nil {
			return err
		}
		var row throttleRow
		q := tx.Where("throttle_key = ?", key).Clauses(ac.dialect.rowLock()...)
		if err := q.Take(&row).Error; err != nil {
			return err
		}
		lockOver := row.LockedUntil != nil && !at.Before(*row.LockedUntil)
		if lockOver || at.Sub(row.WindowStart) >= p.Window {
			row.Failures, row.WindowStart, row.LockedUntil = 0, at, nil
		}
		row.Failures++
		if p.MaxFailures > 0 && row.Failures >= p.MaxFailures && row.LockedUntil == nil {
			until := at.Add(p.LockFor)
			row.LockedUntil = &until
		}
		row.UpdatedAt = at
		if err := tx.Model(&throttleRow{}).Where("throttle_key = ?", key).Updates(map[string]any{
			"failures": row.Failures, "window_start": row.WindowStart, "locked_until": timeArg(row.LockedUntil),
			"updated_at": row.UpdatedAt,
		}).Error; err != nil {
			return err
		}
		out = row.state()
		return nil
	})
	return out, mapErr(err, "record login failure", msgs{})
}

// LoginThrottleState returns a key's state (zero when it has none).
func (ac *Accounts) LoginThrottleState(ctx context.Context, key string) (app.ThrottleState, error) {
	var rows []throttleRow
	if err := ac.r.WithContext(ctx).Where("throttle_key = ?", key).Limit(1).Find(&rows).Error; err != nil {
		return app.ThrottleState{}, mapErr(err, "login throttle", msgs{})
	}
	if len(rows) == 0 {
		return app.ThrottleState{Key: key}, nil
	}
	return rows[0].state(), nil
}

// ClearLoginFailures forgets a key.
func (ac *Accounts) ClearLoginFailures(ctx context.Context, key string) error {
	err := ac.w.WithContext(ctx).Where("throttle_key = ?", key).Delete(&throttleRow{}).Error
	return mapErr(err, "clear login failures", msgs{})
}

// DeleteStaleThrottles removes keys last failed before before and not
// locked at now.
func (ac *Accounts) DeleteStaleThrottles(ctx context.Context, now, before time.Time) (int64, error) {
	res := ac.w.WithContext(ctx).Where("updated_at < ? AND (locked_until IS NULL OR locked_until <= ?)", dbTime(before), dbTime(now)).
		Delete(&throttleRow{})
	return res.RowsAffected, mapErr(res.Error, "delete stale throttles", msgs{})
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
