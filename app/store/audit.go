package store

import (
	"context"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Audit keeps the audit log.
type Audit struct{ *engine }

var _ app.AuditLog = (*Audit)(nil)

// auditRow is the audit_events table.
type auditRow struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	ActorID    int64
	ActorEmail string
	Action     string
	Subject    string
	Detail     string
	IP         string
}

func (auditRow) TableName() string { return "audit_events" }

// Limits that keep one event small whatever a caller passes.
const (
	auditMaxField  = 200
	auditMaxDetail = 2000
	auditMaxList   = 500
)

// Record appends e to the audit log. A zero At means now.
func (au *Audit) Record(ctx context.Context, e app.AuditEvent) error {
	if strings.TrimSpace(e.Action) == "" {
		return app.Errorf(app.EINVALID, "an audit event needs an action")
	}
	row := auditRow{At: dbTime(e.At), ActorID: e.ActorID, ActorEmail: truncate(e.ActorEmail, auditMaxField),
		Action: truncate(e.Action, auditMaxField), Subject: truncate(e.Subject, auditMaxField),
		Detail: truncate(e.Detail, auditMaxDetail), IP: truncate(e.IP, 64)}
	if row.At.IsZero() {
		row.At = au.now()
	}
	if err := au.w.WithContext(ctx).Create(&row).Error; err != nil {
		return mapErr(err, "record audit event", msgs{})
	}
	return nil
}

// ListAuditEvents returns events newest first (by ID, which follows
// insertion), at most 500 at a time.
func (au *Audit) ListAuditEvents(ctx context.Context, f app.AuditFilter) ([]app.AuditEvent, error) {
	q := au.r.WithContext(ctx).Order("id DESC")
	if a := strings.TrimSpace(f.Action); a != "" {
		q = q.Where("(action = ? OR action LIKE ? ESCAPE '\\')", a, likeEscape(strings.TrimSuffix(a, "."))+".%")
	}
	if a := strings.TrimSpace(f.Actor); a != "" {
		q = q.Where("actor_email = ?", strings.ToLower(a))
	}
	if s := strings.TrimSpace(f.Subject); s != "" {
		q = q.Where("subject LIKE ? ESCAPE '\\'", likeEscape(s)+"%")
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", dbTime(f.Since))
	}
	if !f.Until.IsZero() {
		q = q.Where("at < ?", dbTime(f.Until))
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > auditMaxList {
		limit = auditMaxList
	}
	var rows []auditRow
	if err := q.Limit(limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list audit events", msgs{})
	}
	out := make([]app.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = app.AuditEvent{ID: r.ID, At: r.At.UTC(), ActorID: r.ActorID, ActorEmail: r.ActorEmail, Action: r.Action,
			Subject: r.Subject, Detail: r.Detail, IP: r.IP}
	}
	return out, nil
}
