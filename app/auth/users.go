package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-org/advocate/app"
)

// CheckPassword says why a new password is not acceptable, as a message
// for the person choosing it; nil when it is.
func (s *Service) CheckPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < s.o.MinPasswordLen:
		return app.Errorf(app.EINVALID, "Use at least %d characters: a short sentence is easy to remember and hard to guess.", s.o.MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return app.Errorf(app.EINVALID, "Use at most %d bytes (bcrypt ignores the rest).", MaxPasswordLen)
	case strings.TrimSpace(pw) == "":
		return app.Errorf(app.EINVALID, "The password cannot be only spaces.")
	}
	return nil
}

func (s *Service) hash(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.o.BcryptCost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// NewUser is what an admin (or `advocate user add`) gives to create an
// account.
type NewUser struct {
	Email    string
	Name     string
	Roles    []app.Role
	Password string
}

// CreateUser creates an account. Field problems come back as one EINVALID
// error with per-field messages ("email", "name", "roles", "password").
// A role that NeedsApproval, asked for by an administrator on the web, is
// not given: the account is created with its other roles and the request
// waits for a second administrator (see ApproveRoleGrant).
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*app.User, error) {
	actor, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	u := &app.User{Email: app.NormalizeEmail(in.Email), Name: strings.TrimSpace(in.Name), Roles: dedupeRoles(in.Roles)}
	fe := app.FieldErrors{}
	if err := u.Validate(); err != nil {
		for k, v := range app.ErrorFieldsOf(err) {
			fe.Add(k, v)
		}
	}
	var held []app.Role
	if fe["roles"] == "" {
		if u.Roles, held = holdBack(actor, u.Roles, nil); len(u.Roles) == 0 {
			fe.Add("roles", app.ErrorFieldsOf(heldRolesErr(held))["roles"])
		}
	}
	if err := s.CheckPassword(in.Password); err != nil {
		fe.Add("password", app.ErrorMessageOf(err))
	}
	if err := fe.Err("Please correct the highlighted fields."); err != nil {
		return nil, err
	}
	h, err := s.hash(in.Password)
	if err != nil {
		return nil, err
	}
	u.PasswordHash, u.PasswordChangedAt = h, s.now()
	if err := s.st.CreateUser(ctx, u); err != nil {
		if app.ErrorCodeOf(err) == app.ECONFLICT {
			return nil, &app.Error{Code: app.ECONFLICT, Message: app.ErrorMessageOf(err),
				Fields: map[string]string{"email": "A user with this email address already exists."}, Err: err}
		}
		return nil, err
	}
	s.record(ctx, "user.create", userSubject(u), Detail(map[string]any{"roles": u.Roles, "name": u.Name}))
	if err := s.requestGrants(ctx, actor, u, held); err != nil {
		return u, err
	}
	return u, nil
}

// dedupeRoles keeps known roles once each, in display order.
func dedupeRoles(rs []app.Role) []app.Role {
	var out []app.Role
	for _, r := range app.Roles() {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	for _, r := range rs { // unknown ones stay so Validate can name them
		if !r.Valid() && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func userSubject(u *app.User) string { return "user:" + u.Email }

// User loads one account (admins only, or the user themself).
func (s *Service) User(ctx context.Context, id int64) (*app.User, error) {
	if a, ok := app.ActorFrom(ctx); !ok || a.UserID != id {
		if _, err := requireAdmin(ctx); err != nil {
			return nil, err
		}
	}
	return s.st.FindUserByID(ctx, id)
}

// UserByEmail loads one account (admins and the CLI).
func (s *Service) UserByEmail(ctx context.Context, email string) (*app.User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.st.FindUserByEmail(ctx, email)
}

// Users lists accounts (admins only).
func (s *Service) Users(ctx context.Context, f app.UserFilter) ([]app.User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.st.ListUsers(ctx, f)
}

// UserUpdate is an admin's edit of an account.
type UserUpdate struct {
	Name  string
	Roles []app.Role
}

// UpdateUser changes a user's name and roles. It refuses to take the admin
// role from the last active admin, which would leave nobody able to manage
// users from the web. A role that NeedsApproval, added by an administrator
// on the web, is not given but requested (a pending grant, recorded in the
// audit log) for a second administrator to approve; a user who holds it
// already keeps it, and taking it away needs nobody's approval.
func (s *Service) UpdateUser(ctx context.Context, id int64, in UserUpdate) (*app.User, error) {
	actor, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.st.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	before := slices.Clone(u.Roles)
	u.Name, u.Roles = strings.TrimSpace(in.Name), dedupeRoles(in.Roles)
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var held []app.Role
	if u.Roles, held = holdBack(actor, u.Roles, before); len(u.Roles) == 0 {
		return nil, heldRolesErr(held)
	}
	if slices.Contains(before, app.RoleAdmin) && !u.Has(app.RoleAdmin) && !u.Disabled {
		if err := s.keepAnAdmin(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	s.record(ctx, "user.update", userSubject(u), Detail(map[string]any{"roles": u.Roles, "roles_before": before, "name": u.Name}))
	if err := s.requestGrants(ctx, actor, u, held); err != nil {
		return u, err
	}
	var given []app.Role
	for _, r := range u.Roles {
		if !slices.Contains(before, r) {
			given = append(given, r)
		}
	}
	if err := s.closeGrantsGiven(ctx, actor, u, given); err != nil {
		return u, err
	}
	return u, nil
}

// keepAnAdmin fails when userID is the only active admin.
func (s *Service) keepAnAdmin(ctx context.Context, userID int64) error {
	admins, err := s.st.ListUsers(ctx, app.UserFilter{Role: app.RoleAdmin, ActiveOnly: true})
	if err != nil {
		return err
	}
	for _, a := range admins {
		if a.ID != userID {
			return nil
		}
	}
	return app.Errorf(app.ECONFLICT, "This is the only active administrator. Make someone else an administrator first.")
}

// SetDisabled disables or re-enables an account. Disabling ends the user's
// sessions at once; their API tokens stop working while disabled. Admins
// cannot disable themselves, nor the last active admin.
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) (*app.User, error) {
	actor, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.st.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Disabled == disabled {
		return u, nil
	}
	if disabled {
		if actor.UserID == u.ID {
			return nil, app.Errorf(app.ECONFLICT, "You cannot disable your own account.")
		}
		if u.Has(app.RoleAdmin) {
			if err := s.keepAnAdmin(ctx, u.ID); err != nil {
				return nil, err
			}
		}
	}
	u.Disabled = disabled
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
		if _, err := s.st.DeleteUserSessions(ctx, u.ID, 0); err != nil {
			return nil, err
		}
	}
	s.record(ctx, action, userSubject(u), "")
	return u, nil
}

// SetPassword is an admin's (or the CLI's) reset of someone's password. It
// ends all of that user's sessions.
func (s *Service) SetPassword(ctx context.Context, id int64, pw string) error {
	actor, err := requireAdmin(ctx)
	if err != nil {
		return err
	}
	u, err := s.st.FindUserByID(ctx, id)
	if err != nil {
		return err
	}
	if err := guardBorrow(actor, u); err != nil {
		return err
	}
	if err := s.setPassword(ctx, u, pw, 0); err != nil {
		return err
	}
	s.record(ctx, "user.password_reset", userSubject(u), "")
	return nil
}

// ChangePassword is a signed-in user's change of their own password. It
// checks the current one and ends every other session of the user (keepID
// is the session making the change). Field errors: "current", "password".
func (s *Service) ChangePassword(ctx context.Context, current, next string, keepID int64) error {
	actor, ok := app.ActorFrom(ctx)
	if !ok || actor.UserID == 0 {
		return app.Errorf(app.EUNAUTHORIZED, "Please sign in.")
	}
	u, err := s.st.FindUserByID(ctx, actor.UserID)
	if err != nil {
		return err
	}
	// Guessing the current password from a borrowed session counts against
	// the account like failed sign-ins.
	now := s.now()
	st, err := s.st.LoginThrottleState(ctx, emailKey(u.Email))
	if err != nil {
		return err
	}
	if st.Locked(now) {
		return lockedErr(st.LockedUntil, now)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		p := app.ThrottlePolicy{MaxFailures: s.o.MaxFailures, Window: s.o.FailureWindow, LockFor: s.o.LockFor}
		if _, err := s.st.RecordLoginFailure(ctx, emailKey(u.Email), p, now); err != nil {
			return err
		}
		s.record(ctx, "user.password_change_failed", userSubject(u), "wrong current password")
		return &app.Error{Code: app.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"current": "This is not your current password."}}
	}
	if err := s.CheckPassword(next); err != nil {
		return &app.Error{Code: app.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"password": app.ErrorMessageOf(err)}}
	}
	if err := s.setPassword(ctx, u, next, keepID); err != nil {
		return err
	}
	s.record(ctx, "user.password_change", userSubject(u), "")
	return nil
}

func (s *Service) setPassword(ctx context.Context, u *app.User, pw string, keepID int64) error {
	if err := s.CheckPassword(pw); err != nil {
		return &app.Error{Code: app.EINVALID, Message: app.ErrorMessageOf(err),
			Fields: map[string]string{"password": app.ErrorMessageOf(err)}}
	}
	h, err := s.hash(pw)
	if err != nil {
		return err
	}
	if err := s.st.SetPasswordHash(ctx, u.ID, h, s.now()); err != nil {
		return err
	}
	_, err = s.st.DeleteUserSessions(ctx, u.ID, keepID)
	return err
}
