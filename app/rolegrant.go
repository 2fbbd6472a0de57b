package app

import (
	"context"
	"time"
)

// NeedsApproval reports whether giving role r from the web takes two
// administrators: one asks, another approves. The supporter-data role
// opens every supporter's name, street address and email, which the
// README promises not even administrators see, so an administrator alone
// (who could otherwise give it to themself) cannot hand it out. The
// command line on the server may: whoever runs it has the database anyway.
func (r Role) NeedsApproval() bool { return r == RoleSupporterData }

// GrantStatus is where a role grant stands.
type GrantStatus string

// Grant statuses.
const (
	GrantPending  GrantStatus = "pending"
	GrantApproved GrantStatus = "approved"
	GrantRefused  GrantStatus = "refused"
)

// RoleGrant is a request to give a user a role that needs a second
// administrator's approval. Decided grants stay as the record of who asked
// and who agreed.
type RoleGrant struct {
	ID        int64
	UserID    int64
	UserEmail string // the grantee, read from the users table
	Role      Role
	Status    GrantStatus
	// RequestedBy is the asking administrator's user id (0: the command
	// line), RequestedByLabel their email or "cli".
	RequestedBy      int64
	RequestedByLabel string
	RequestedAt      time.Time
	DecidedBy        int64 // 0 while pending, or decided at the command line
	DecidedByLabel   string
	DecidedAt        *time.Time
}

// RoleGrantFilter narrows ListRoleGrants. Zero values mean "any".
type RoleGrantFilter struct {
	UserID int64
	Status GrantStatus
	Limit  int
}

// RoleGrantStore keeps role grants.
type RoleGrantStore interface {
	// CreateRoleGrant stores g as pending and sets its ID; ECONFLICT when
	// the user already has a pending grant of the role.
	CreateRoleGrant(ctx context.Context, g *RoleGrant) error
	FindRoleGrant(ctx context.Context, id int64) (*RoleGrant, error) // ENOTFOUND
	// ListRoleGrants returns grants newest first.
	ListRoleGrants(ctx context.Context, f RoleGrantFilter) ([]RoleGrant, error)
	// DecideRoleGrant closes a pending grant as approved or refused, by
	// the actor given; approving adds the role to the user in the same
	// transaction. ECONFLICT when the grant is no longer pending.
	DecideRoleGrant(ctx context.Context, id int64, status GrantStatus, by int64, byLabel string, at time.Time) (*RoleGrant, error)
}
