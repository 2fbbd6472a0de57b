package auth

import (
	"context"
	"slices"

	"github.com/advocate-org/advocate/app"
)

// directGrant reports whether the actor may give any role at once: the
// command line on the server (and the system), not an administrator on
// the web, for whom roles that NeedsApproval wait for a second one.
func directGrant(a app.Actor) bool {
	return a.UserID == 0 && (a.Via == "cli" || a.Via == "system")
}

// holdBack splits roles into those the actor may give now and those that
// wait for a second administrator's approval.
func holdBack(a app.Actor, roles, before []app.Role) (now, held []app.Role) {
	for _, r := range roles {
		if r.NeedsApproval() && !directGrant(a) && !slices.Contains(before, r) {
			held = append(held, r)
			continue
		}
		now = append(now, r)
	}
	return now, held
}

// heldRolesErr explains why an account cannot be left with only roles
// that wait for approval.
func heldRolesErr(held []app.Role) error {
	return &app.Error{Code: app.EINVALID, Message: "Please correct the highlighted fields.",
		Fields: map[string]string{"roles": "The " + string(held[0]) + " role needs a second administrator's approval before it counts: " +
			"choose another role as well for now, or give it with `advocate user role` on the server."}}
}

// requestGrants files a pending grant for each held role (an open request
// of the same role is left as it is) and records each request.
func (s *Service) requestGrants(ctx context.Context, a app.Actor, u *app.User, held []app.Role) error {
	for _, r := range held {
		g := &app.RoleGrant{UserID: u.ID, Role: r, RequestedBy: a.UserID, RequestedByLabel: a.Label(), RequestedAt: s.now()}
		if err := s.st.CreateRoleGrant(ctx, g); err != nil {
			if app.ErrorCodeOf(err) == app.ECONFLICT {
				continue // already waiting: one request is enough
			}
			return err
		}
		s.record(ctx, "role_grant.request", userSubject(u), Detail(map[string]any{"role": r, "grant": g.ID}))
	}
	return nil
}

// RoleGrants lists grants, newest first (admins only).
func (s *Service) RoleGrants(ctx context.Context, f app.RoleGrantFilter) ([]app.RoleGrant, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.st.ListRoleGrants(ctx, f)
}

// ApproveRoleGrant gives the role of a pending grant. On the web it takes
// another administrator than the one who asked and the one who would
// receive it: the point is that two people agree. The command line may
// approve any grant.
func (s *Service) ApproveRoleGrant(ctx context.Context, id int64) (*app.RoleGrant, error) {
	a, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	g, err := s.st.FindRoleGrant(ctx, id)
	if err != nil {
		return nil, err
	}
	if g.Status != app.GrantPending {
		return nil, app.Errorf(app.ECONFLICT, "This request was already %s.", g.Status)
	}
	if !directGrant(a) {
		switch a.UserID {
		case g.RequestedBy:
			s.record(ctx, "role_grant.approve_refused", "user:"+g.UserEmail, Detail(map[string]any{"role": g.Role, "grant": g.ID, "reason": "own request"}))
			return nil, app.Errorf(app.EFORBIDDEN, "You asked for this role: another administrator has to approve it.")
		case g.UserID:
			s.record(ctx, "role_grant.approve_refused", "user:"+g.UserEmail, Detail(map[string]any{"role": g.Role, "grant": g.ID, "reason": "own account"}))
			return nil, app.Errorf(app.EFORBIDDEN, "This role would be yours: another administrator has to approve it.")
		}
	}
	u, err := s.st.FindUserByID(ctx, g.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, app.Errorf(app.ECONFLICT, "%s is disabled: enable the account before giving it a role, or refuse the request.", u.Email)
	}
	g, err = s.st.DecideRoleGrant(ctx, id, app.GrantApproved, a.UserID, a.Label(), s.now())
	if err != nil {
		return nil, err
	}
	s.record(ctx, "role_grant.approve", "user:"+g.UserEmail, Detail(map[string]any{"role": g.Role, "grant": g.ID,
		"requested_by": g.RequestedByLabel}))
	return g, nil
}

// RefuseRoleGrant closes a pending grant without giving the role. Any
// administrator may refuse, the one who asked included (to withdraw it).
func (s *Service) RefuseRoleGrant(ctx context.Context, id int64) (*app.RoleGrant, error) {
	a, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	g, err := s.st.DecideRoleGrant(ctx, id, app.GrantRefused, a.UserID, a.Label(), s.now())
	if err != nil {
		return nil, err
	}
	s.record(ctx, "role_grant.refuse", "user:"+g.UserEmail, Detail(map[string]any{"role": g.Role, "grant": g.ID,
		"requested_by": g.RequestedByLabel}))
	return g, nil
}

// closeGrantsGiven marks pending grants of roles the command line has just
// given directly as approved by it, so that nothing stays waiting for a
// role the user already has.
func (s *Service) closeGrantsGiven(ctx context.Context, a app.Actor, u *app.User, given []app.Role) error {
	if !directGrant(a) || len(given) == 0 {
		return nil
	}
	open, err := s.st.ListRoleGrants(ctx, app.RoleGrantFilter{UserID: u.ID, Status: app.GrantPending})
	if err != nil {
		return err
	}
	for _, g := range open {
		if !slices.Contains(given, g.Role) {
			continue
		}
		// The role is already on the user: deciding only closes the row
		// (adding a role the user holds changes nothing).
		if _, err := s.st.DecideRoleGrant(ctx, g.ID, app.GrantApproved, a.UserID, a.Label(), s.now()); err != nil && app.ErrorCodeOf(err) != app.ECONFLICT {
			return err
		}
		s.record(ctx, "role_grant.approve", userSubject(u), Detail(map[string]any{"role": g.Role, "grant": g.ID,
			"requested_by": g.RequestedByLabel, "given_directly": true}))
	}
	return nil
}

// guardBorrow refuses what would let an administrator on the web act as
// another account that holds a role needing approval: setting its password
// (and then signing in as it) or creating an API token for it (whose
// secret the administrator sees). Without it the two-administrator rule
// could be walked around by borrowing a holder's account. Holders change
// their own password under Account; the command line may do both.
func guardBorrow(a app.Actor, u *app.User) error {
	if directGrant(a) || a.UserID == u.ID {
		return nil
	}
	for _, r := range u.Roles {
		if r.NeedsApproval() {
			return app.Errorf(app.EFORBIDDEN, "%s holds the %s role, so nobody else sets their password or creates their API tokens on the web: "+
				"they change their own password under Account, and `advocate user set-password` or `advocate token create` on the server do the rest.", u.Email, r)
		}
	}
	return nil
}
