package app

import (
	"context"
	"slices"
)

// Role is what a signed-in user may do. A user may hold several.
type Role string

// Roles.
const (
	RoleAdmin     Role = "admin"     // manages users, sees the audit log
	RoleOrganizer Role = "organizer" // campaigns, targets, templates, rosters kept by hand
	RoleStaff     Role = "staff"     // read-only outreach totals and exports
	// RoleSupporterData sees supporters' personal data: unmasked emails in
	// lists, exports that carry them, and a supporter's own export and
	// erasure on request. Give it to as few people as the work allows.
	RoleSupporterData Role = "supporter-data"
)

// Roles lists every role in display order.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func Roles() []Role { return slices.Clone(allRoles) }

var allRoles = []Role{RoleAdmin, RoleOrganizer, RoleStaff, RoleSupporterData}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(allRoles, r) }

// Actor is who is acting in a request or command: a signed-in user, an API
// token's owner, or the system itself (CLI, seed, background jobs). Domain
// services take it from the context to check permissions and to record
// audit events.
type Actor struct {
	UserID int64
	Email  string
	Roles  []Role
	// Via says how the actor authenticated: "session", "token", "cli", "system".
	Via string
	// IP is the client address of the request (empty outside HTTP), for
	// audit events.
	IP string
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// Label names the actor in audit logs and template version history.
func (a Actor) Label() string {
	if a.Email != "" {
		return a.Email
	}
	if a.Via != "" {
		return a.Via
	}
	return "system"
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
