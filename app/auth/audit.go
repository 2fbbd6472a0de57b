package auth

import (
	"context"
	"encoding/json"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Audit records audit events for any service: it takes the actor and the
// client address from the context and the time from its clock, so callers
// only say what happened. A nil *Audit records nothing, which keeps tests and
// tools that do not care about the trail simple.
//
//	audit.Record(ctx, "campaign.update", "campaign:free-guan-heng", "status open -> closed")
type Audit struct {
	log   app.AuditLog
	clock app.Clock
}

// NewAudit returns an Audit writing to log. A nil clock means time.Now.
func NewAudit(log app.AuditLog, clock app.Clock) *Audit {
	if clock == nil {
		clock = time.Now
	}
	return &Audit{log: log, clock: clock}
}

// Record appends one event. Detail is short text or JSON (see Detail).
func (a *Audit) Record(ctx context.Context, action, subject, detail string) error {
	if a == nil || a.log == nil {
		return nil
	}
	e := app.AuditEvent{At: a.clock(), Action: action, Subject: subject, Detail: detail}
	if actor, ok := app.ActorFrom(ctx); ok {
		e.ActorID, e.ActorEmail, e.IP = actor.UserID, actor.Label(), actor.IP
	} else {
		e.ActorEmail = "system"
	}
	return a.log.Record(ctx, e)
}

// List returns events newest first. Only admins may read the trail.
func (a *Audit) List(ctx context.Context, f app.AuditFilter) ([]app.AuditEvent, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if a == nil || a.log == nil {
		return nil, nil
	}
	return a.log.ListAuditEvents(ctx, f)
}

// Detail encodes v as compact JSON for an event's Detail, or "" if it cannot.
func Detail(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
