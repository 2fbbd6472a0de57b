package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

func TestRoleGrants(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := mustUser(t, e, "admin@example.org", app.RoleAdmin)
		u := mustUser(t, e, "ana@example.org", app.RoleStaff)
		g := &app.RoleGrant{UserID: u.ID, Role: app.RoleSupporterData, RequestedBy: admin.ID, RequestedByLabel: admin.Email,
			RequestedAt: e.clock.Now()}
		if err := e.db.Accounts.CreateRoleGrant(ctx, g); err != nil || g.ID == 0 || g.Status != app.GrantPending {
			t.Fatalf("create %+v %v", g, err)
		}
		// One open request per user and role.
		wantCode(t, e.db.Accounts.CreateRoleGrant(ctx, &app.RoleGrant{UserID: u.ID, Role: app.RoleSupporterData, RequestedByLabel: "cli"}), app.ECONFLICT)
		wantCode(t, e.db.Accounts.CreateRoleGrant(ctx, &app.RoleGrant{UserID: 9999, Role: app.RoleSupporterData, RequestedByLabel: "cli"}), app.ENOTFOUND)
		got, err := e.db.Accounts.FindRoleGrant(ctx, g.ID)
		if err != nil || got.UserEmail != "ana@example.org" || got.RequestedByLabel != "admin@example.org" || got.DecidedAt != nil ||
			!got.RequestedAt.Equal(e.clock.Now().Truncate(time.Millisecond)) {
			t.Fatalf("find %+v %v", got, err)
		}
		_, err = e.db.Accounts.FindRoleGrant(ctx, 9999)
		wantCode(t, err, app.ENOTFOUND)

		at := e.clock.Now().Add(time.Hour)
		d, err := e.db.Accounts.DecideRoleGrant(ctx, g.ID, app.GrantApproved, 42, "bo@example.org", at)
		if err != nil || d.Status != app.GrantApproved || d.DecidedBy != 42 || d.DecidedAt == nil || !d.DecidedAt.Equal(at.Truncate(time.Millisecond)) {
			t.Fatalf("decide %+v %v", d, err)
		}
		// Approval adds the role in the same transaction; twice is a conflict.
		if again, _ := e.db.Accounts.FindUserByID(ctx, u.ID); !reflect.DeepEqual(again.Roles, []app.Role{app.RoleStaff, app.RoleSupporterData}) {
			t.Fatalf("roles %v", again.Roles)
		}
		_, err = e.db.Accounts.DecideRoleGrant(ctx, g.ID, app.GrantRefused, 42, "bo@example.org", at)
		wantCode(t, err, app.ECONFLICT)
		_, err = e.db.Accounts.DecideRoleGrant(ctx, 9999, app.GrantRefused, 42, "bo@example.org", at)
		wantCode(t, err, app.ENOTFOUND)

		// The role is pending again once the last request is closed; a
		// refusal leaves the roles alone.
		g2 := &app.RoleGrant{UserID: admin.ID, Role: app.RoleSupporterData, RequestedBy: admin.ID, RequestedByLabel: admin.Email}
		if err := e.db.Accounts.CreateRoleGrant(ctx, g2); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Accounts.DecideRoleGrant(ctx, g2.ID, app.GrantRefused, 0, "cli", at); err != nil {
			t.Fatal(err)
		}
		if again, _ := e.db.Accounts.FindUserByID(ctx, admin.ID); !reflect.DeepEqual(again.Roles, []app.Role{app.RoleAdmin}) {
			t.Fatalf("refused but roles %v", again.Roles)
		}
		list := func(f app.RoleGrantFilter) []int64 {
			t.Helper()
			gs, err := e.db.Accounts.ListRoleGrants(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, g := range gs {
				ids = append(ids, g.ID)
			}
			return ids
		}
		g3 := &app.RoleGrant{UserID: admin.ID, Role: app.RoleSupporterData, RequestedBy: 0, RequestedByLabel: "cli"}
		if err := e.db.Accounts.CreateRoleGrant(ctx, g3); err != nil {
			t.Fatal(err)
		}
		if got := list(app.RoleGrantFilter{}); !reflect.DeepEqual(got, []int64{g3.ID, g2.ID, g.ID}) {
			t.Errorf("all %v", got)
		}
		if got := list(app.RoleGrantFilter{Status: app.GrantPending}); !reflect.DeepEqual(got, []int64{g3.ID}) {
			t.Errorf("pending %v", got)
		}
		if got := list(app.RoleGrantFilter{UserID: u.ID}); !reflect.DeepEqual(got, []int64{g.ID}) {
			t.Errorf("user %v", got)
		}
		if got := list(app.RoleGrantFilter{Limit: 1}); len(got) != 1 {
			t.Errorf("limit %v", got)
		}
	})
}
