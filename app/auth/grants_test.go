package auth_test

import (
	"context"
	"slices"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
)

// TestSupporterDataNeedsTwoAdmins: the supporter-data role opens every
// supporter's name, address and email, which not even an administrator
// sees. One administrator on the web can only ask for it (for anyone,
// themself included); another approves; the command line gives it at once.
func TestSupporterDataNeedsTwoAdmins(t *testing.T) {
	e := newEnv(t)
	a := e.user(t, "a@example.org", app.RoleAdmin)
	b := e.user(t, "b@example.org", app.RoleAdmin)
	s := e.user(t, "s@example.org", app.RoleStaff)
	asA := app.WithActor(context.Background(), a.Actor("session"))
	asB := app.WithActor(context.Background(), b.Actor("session"))
	data := app.RoleSupporterData
	roles := func(u *app.User) []app.Role {
		t.Helper()
		got, err := e.db.Accounts.FindUserByID(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Roles
	}
	pending := func(u *app.User) []app.RoleGrant {
		t.Helper()
		gs, err := e.svc.RoleGrants(e.cli, app.RoleGrantFilter{UserID: u.ID, Status: app.GrantPending})
		if err != nil {
			t.Fatal(err)
		}
		return gs
	}

	// An admin giving the role to themself gets a request, not the role.
	u, err := e.svc.UpdateUser(asA, a.ID, auth.UserUpdate{Name: "A", Roles: []app.Role{app.RoleAdmin, data}})
	if err != nil || u.Has(data) || slices.Contains(roles(a), data) {
		t.Fatalf("self-grant: %v %v", roles(a), err)
	}
	own := pending(a)
	if len(own) != 1 || own[0].Role != data || own[0].RequestedBy != a.ID || own[0].RequestedByLabel != "a@example.org" || own[0].UserEmail != "a@example.org" {
		t.Fatalf("pending %+v", own)
	}
	// Saving again files no second request.
	if _, err := e.svc.UpdateUser(asA, a.ID, auth.UserUpdate{Roles: []app.Role{app.RoleAdmin, data}}); err != nil || len(pending(a)) != 1 {
		t.Fatalf("second save: %v %d", err, len(pending(a)))
	}
	// Nor can they approve it.
	_, err = e.svc.ApproveRoleGrant(asA, own[0].ID)
	wantCode(t, err, app.EFORBIDDEN)
	if slices.Contains(roles(a), data) {
		t.Fatal("approved by the requester")
	}

	// A asks for B: B, who would receive it, cannot approve either.
	if _, err := e.svc.UpdateUser(asA, b.ID, auth.UserUpdate{Roles: []app.Role{app.RoleAdmin, data}}); err != nil {
		t.Fatal(err)
	}
	forB := pending(b)
	_, err = e.svc.ApproveRoleGrant(asB, forB[0].ID)
	wantCode(t, err, app.EFORBIDDEN)

	// A asks for staff member S; B approves: now S has it.
	if _, err := e.svc.UpdateUser(asA, s.ID, auth.UserUpdate{Roles: []app.Role{app.RoleStaff, data}}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(roles(s), data) {
		t.Fatal("given without approval")
	}
	g, err := e.svc.ApproveRoleGrant(asB, pending(s)[0].ID)
	if err != nil || g.Status != app.GrantApproved || g.DecidedBy != b.ID || g.DecidedByLabel != "b@example.org" || g.DecidedAt == nil {
		t.Fatalf("approve: %+v %v", g, err)
	}
	if !slices.Equal(roles(s), []app.Role{app.RoleStaff, data}) {
		t.Fatalf("roles after approval %v", roles(s))
	}
	_, err = e.svc.ApproveRoleGrant(asB, g.ID) // once only
	wantCode(t, err, app.ECONFLICT)
	// B approves A's own request: two admins agree, so A has it.
	if _, err := e.svc.ApproveRoleGrant(asB, own[0].ID); err != nil || !slices.Contains(roles(a), data) {
		t.Fatalf("approve A: %v %v", roles(a), err)
	}

	// Existing holders keep it when an admin saves their account, and
	// taking it away needs nobody else.
	if u, err := e.svc.UpdateUser(asA, s.ID, auth.UserUpdate{Name: "S", Roles: []app.Role{app.RoleStaff, data}}); err != nil || !u.Has(data) {
		t.Fatalf("keep: %+v %v", u, err)
	}
	if u, err := e.svc.UpdateUser(asA, s.ID, auth.UserUpdate{Roles: []app.Role{app.RoleStaff}}); err != nil || u.Has(data) || slices.Contains(roles(s), data) {
		t.Fatalf("remove: %+v %v", u, err)
	}

	// A new account from the web: the other roles now, this one later;
	// with only this role, nothing is created and the form says why.
	n, err := e.svc.CreateUser(asA, auth.NewUser{Email: "n@example.org", Roles: []app.Role{app.RoleStaff, data}, Password: pw})
	if err != nil || !slices.Equal(n.Roles, []app.Role{app.RoleStaff}) || len(pending(n)) != 1 {
		t.Fatalf("create: %+v %v", n, err)
	}
	_, err = e.svc.CreateUser(asA, auth.NewUser{Email: "only@example.org", Roles: []app.Role{data}, Password: pw})
	wantCode(t, err, app.EINVALID)
	if app.ErrorFieldsOf(err)["roles"] == "" {
		t.Fatalf("no roles message: %v", err)
	}
	if _, err := e.db.Accounts.FindUserByEmail(context.Background(), "only@example.org"); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Fatalf("created anyway: %v", err)
	}
	// The requester may withdraw it (any admin may refuse).
	r, err := e.svc.RefuseRoleGrant(asA, pending(n)[0].ID)
	if err != nil || r.Status != app.GrantRefused || slices.Contains(roles(n), data) {
		t.Fatalf("refuse: %+v %v", r, err)
	}
	_, err = e.svc.ApproveRoleGrant(asB, r.ID)
	wantCode(t, err, app.ECONFLICT)
	// A disabled account is not given the role.
	if _, err := e.svc.UpdateUser(asA, n.ID, auth.UserUpdate{Roles: []app.Role{app.RoleStaff, data}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetDisabled(asA, n.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ApproveRoleGrant(asB, pending(n)[0].ID)
	wantCode(t, err, app.ECONFLICT)

	// The command line on the server gives it at once, and closes the
	// request it answers; it may also approve B's request.
	if _, err := e.svc.SetDisabled(e.cli, n.ID, false); err != nil {
		t.Fatal(err)
	}
	if u, err := e.svc.UpdateUser(e.cli, n.ID, auth.UserUpdate{Roles: []app.Role{app.RoleStaff, data}}); err != nil || !u.Has(data) || len(pending(n)) != 0 {
		t.Fatalf("cli: %+v %v %v", u, err, pending(n))
	}
	if _, err := e.svc.ApproveRoleGrant(e.cli, forB[0].ID); err != nil || !slices.Contains(roles(b), data) {
		t.Fatalf("cli approve: %v %v", roles(b), err)
	}
	c, err := e.svc.CreateUser(e.cli, auth.NewUser{Email: "c@example.org", Roles: []app.Role{data}, Password: pw})
	if err != nil || !c.Has(data) {
		t.Fatalf("cli create: %+v %v", c, err)
	}
	// Non-admins can neither list nor decide.
	asS := app.WithActor(context.Background(), s.Actor("session"))
	_, err = e.svc.RoleGrants(asS, app.RoleGrantFilter{})
	wantCode(t, err, app.EFORBIDDEN)
	_, err = e.svc.RefuseRoleGrant(asS, forB[0].ID)
	wantCode(t, err, app.EFORBIDDEN)

	// Every request, approval, refusal and refused attempt is in the log.
	count := map[string]int{}
	for _, act := range e.actions(t) {
		count[act]++
	}
	want := map[string]int{"role_grant.request": 5, "role_grant.approve": 4, "role_grant.refuse": 1, "role_grant.approve_refused": 2}
	for k, v := range want {
		if count[k] != v {
			t.Errorf("%s: %d events, want %d (%v)", k, count[k], v, count)
		}
	}
}

// TestNoBorrowingSupporterDataAccounts: an administrator cannot reach
// supporter data by setting a holder's password or making a token for
// them (the token's secret is shown to the administrator).
func TestNoBorrowingSupporterDataAccounts(t *testing.T) {
	e := newEnv(t)
	a := e.user(t, "a@example.org", app.RoleAdmin)
	holder := e.user(t, "h@example.org", app.RoleStaff, app.RoleSupporterData)
	staff := e.user(t, "s@example.org", app.RoleStaff)
	asA := app.WithActor(context.Background(), a.Actor("session"))
	wantCode(t, e.svc.SetPassword(asA, holder.ID, "a brand new password"), app.EFORBIDDEN)
	_, _, err := e.svc.CreateToken(asA, holder.ID, "borrowed")
	wantCode(t, err, app.EFORBIDDEN)
	// Other accounts as before; the command line for the holder.
	if err := e.svc.SetPassword(asA, staff.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.CreateToken(asA, staff.ID, "script"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetPassword(e.cli, holder.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.CreateToken(e.cli, holder.ID, "export"); err != nil {
		t.Fatal(err)
	}
	// A holder who is an administrator still manages their own account.
	self := e.user(t, "self@example.org", app.RoleAdmin, app.RoleSupporterData)
	asSelf := app.WithActor(context.Background(), self.Actor("session"))
	if _, _, err := e.svc.CreateToken(asSelf, self.ID, "mine"); err != nil {
		t.Fatal(err)
	}
}
