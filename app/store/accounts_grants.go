package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

var _ app.RoleGrantStore = (*Accounts)(nil)

// roleGrantRow is the role_grants table (migration 0012).
type roleGrantRow struct {
	ID               int64 `gorm:"primaryKey"`
	UserID           int64
	Role             string
	Status           string
	RequestedBy      int64
	RequestedByLabel string
	RequestedAt      time.Time
	DecidedBy        int64
	DecidedByLabel   string
	DecidedAt        *time.Time
	UserEmail        string `gorm:"->;-:migration"` // read-only, from a join
}

func (roleGrantRow) TableName() string { return "role_grants" }

func (r *roleGrantRow) toApp() *app.RoleGrant {
	return &app.RoleGrant{ID: r.ID, UserID: r.UserID, UserEmail: r.UserEmail, Role: app.Role(r.Role), Status: app.GrantStatus(r.Status),
		RequestedBy: r.RequestedBy, RequestedByLabel: r.RequestedByLabel, RequestedAt: r.RequestedAt.UTC(),
		DecidedBy: r.DecidedBy, DecidedByLabel: r.DecidedByLabel, DecidedAt: utcPtr(r.DecidedAt)}
}

var grantMsgs = msgs{
	notFound: "Role grant not found.",
	conflict: "This role is already waiting for approval for this user.",
	missing:  userMsgs.notFound,
}

const grantSelect = "role_grants.*, users.email AS user_email"

// CreateRoleGrant stores g as pending; a second pending grant of the same
// role for the same user is ECONFLICT (a partial unique index).
func (ac *Accounts) CreateRoleGrant(ctx context.Context, g *app.RoleGrant) error {
	at := dbTime(g.RequestedAt)
	if at.IsZero() {
		at = ac.now()
	}
	row := roleGrantRow{UserID: g.UserID, Role: string(g.Role), Status: string(app.GrantPending), RequestedBy: g.RequestedBy,
		RequestedByLabel: g.RequestedByLabel, RequestedAt: at}
	if err := ac.w.WithContext(ctx).Omit("UserEmail").Create(&row).Error; err != nil {
		return mapErr(err, "create role grant", grantMsgs)
	}
	g.ID, g.Status, g.RequestedAt = row.ID, app.GrantPending, at
	return nil
}

// FindRoleGrant loads one grant (ENOTFOUND).
func (ac *Accounts) FindRoleGrant(ctx context.Context, id int64) (*app.RoleGrant, error) {
	return ac.findGrant(ctx, ac.r.WithContext(ctx), id)
}

func (ac *Accounts) findGrant(ctx context.Context, q *gorm.DB, id int64) (*app.RoleGrant, error) {
	var row roleGrantRow
	err := q.Table("role_grants").Select(grantSelect).Joins("JOIN users ON users.id = role_grants.user_id").
		Where("role_grants.id = ?", id).Take(&row).Error
	if err != nil {
		return nil, mapErr(err, "find role grant", grantMsgs)
	}
	return row.toApp(), nil
}

// ListRoleGrants returns grants newest first.
func (ac *Accounts) ListRoleGrants(ctx context.Context, f app.RoleGrantFilter) ([]app.RoleGrant, error) {
	q := ac.r.WithContext(ctx).Table("role_grants").Select(grantSelect).
		Joins("JOIN users ON users.id = role_grants.user_id").Order("role_grants.id DESC")
	if f.UserID != 0 {
		q = q.Where("role_grants.user_id = ?", f.UserID)
	}
	if f.Status != "" {
		q = q.Where("role_grants.status = ?", string(f.Status))
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []roleGrantRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list role grants", grantMsgs)
	}
	out := make([]app.RoleGrant, len(rows))
	for i := range rows {
		out[i] = *rows[i].toApp()
	}
	return out, nil
}

// DecideRoleGrant closes a pending grant. The status changes only while it
// is pending, so two administrators deciding at once (on two instances)
// cannot both act; approving adds the role to the user in the same
// transaction, the user's row locked on PostgreSQL against an edit made
// at the same moment.
func (ac *Accounts) DecideRoleGrant(ctx context.Context, id int64, status app.GrantStatus, by int64, byLabel string, at time.Time) (*app.RoleGrant, error) {
	if status != app.GrantApproved && status != app.GrantRefused {
		return nil, app.Errorf(app.EINVALID, "A grant is approved or refused.")
	}
	at = dbTime(at)
	var out *app.RoleGrant
	err := ac.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&roleGrantRow{}).Where("id = ? AND status = ?", id, string(app.GrantPending)).Updates(map[string]any{
			"status": string(status), "decided_by": by, "decided_by_label": byLabel, "decided_at": at})
		if res.Error != nil {
			return res.Error
		}
		g, err := ac.findGrant(ctx, tx, id)
		if err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			return app.Errorf(app.ECONFLICT, "This request was already %s.", g.Status)
		}
		out = g
		if status != app.GrantApproved {
			return nil
		}
		var u userRow
		q := tx.Where("id = ?", g.UserID).Clauses(ac.dialect.rowLock()...)
		if err := q.Take(&u).Error; err != nil {
			return err
		}
		roles := u.toApp().Roles
		return tx.Model(&userRow{}).Where("id = ?", g.UserID).Updates(map[string]any{
			"roles": rolesText(append(roles, g.Role)), "updated_at": ac.now()}).Error
	})
	if err != nil {
		return nil, mapErr(err, "decide role grant", grantMsgs)
	}
	return out, nil
}
