// Package privacy looks after supporters' personal data: their export and
// erasure on request, and the purge of data a campaign's retention period
// no longer allows, daily in serve or by hand from the command line.
//
// Supporters of a cause may themselves be at risk, so every export and
// erasure is recorded in the audit log with who did it, yet without the
// address itself: the log keeps a masked form (j***@e***.org) and a short
// hash, enough to match a later request about the same address.
package privacy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
)

// Store is what the service needs from the database (store.Privacy has it).
type Store interface {
	EraseSupporters(ctx context.Context, f app.EraseFilter) (app.Erasure, error)
	ExportSupporter(ctx context.Context, email string) (*app.SupporterExport, error)
}

// Auditor records audit events (*auth.Audit has it).
type Auditor interface {
	Record(ctx context.Context, action, subject, detail string) error
}

// Options wires a Service. Store is required.
type Options struct {
	Store Store
	// Audit records exports and erasures; nil records nothing.
	Audit  Auditor
	Logger *slog.Logger
	Clock  app.Clock
	// PurgeBatch is how many supporters one purge transaction erases
	// (default 500), so that a large purge never holds the database's
	// writer for long.
	PurgeBatch int
}

// Service exports and erases supporters' data.
type Service struct {
	st    Store
	audit Auditor
	log   *slog.Logger
	now   app.Clock
	batch int
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, fmt.Errorf("privacy: a store is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.PurgeBatch <= 0 {
		o.PurgeBatch = 500
	}
	return &Service{st: o.Store, audit: o.Audit, log: o.Logger, now: o.Clock, batch: o.PurgeBatch}, nil
}

// Audit actions.
const (
	ActionView   = "supporter.view"   // staff looked at what is held for an address
	ActionExport = "supporter.export" // an export was handed out
	ActionErase  = "supporter.erase"  // an address's data was erased (or, dry_run, previewed)
	ActionPurge  = "supporter.purge"  // a campaign's data past its retention period was erased
)

// authorize lets through the supporter-data role and the command line or
// the system itself (the daily purge); nobody else sees supporters' data.
func authorize(ctx context.Context) error {
	a, ok := app.ActorFrom(ctx)
	if !ok {
		return app.Errorf(app.EUNAUTHORIZED, "Please sign in.")
	}
	if a.Has(app.RoleSupporterData) || (a.UserID == 0 && (a.Via == "cli" || a.Via == "system")) {
		return nil
	}
	return app.Errorf(app.EFORBIDDEN, "Only people with the supporter-data role can see or erase supporters' data.")
}

// EmailRef is how the audit log names a supporter's address: the masked
// form and a short hash of the normalised address, so that two events about
// one address can be matched without the log holding the address.
func EmailRef(email string) string {
	sum := sha256.Sum256([]byte("advocate supporter email:" + app.NormalizeEmail(email)))
	return app.MaskEmail(app.NormalizeEmail(email)) + " #" + hex.EncodeToString(sum[:6])
}

// subject is the audit subject of events about an address.
func subject(email string) string { return "supporter:" + EmailRef(email) }

// checkEmail trims an address typed by staff. The store compares it the
// way app.NormalizeEmail does, and needs the spelling as typed to find
// addresses whose non-ASCII letters SQLite cannot fold.
func checkEmail(email string) (string, error) {
	e := strings.TrimSpace(email)
	if e == "" {
		return "", app.Errorf(app.EINVALID, "Enter the supporter's email address.")
	}
	if len(e) > app.MaxEmailLen {
		return "", app.Errorf(app.EINVALID, "That is longer than any email address we store.")
	}
	return e, nil
}

// find loads what is held for email and records that action saw it.
// Nothing is returned unless the event was recorded.
func (s *Service) find(ctx context.Context, action, email string) (*app.SupporterExport, error) {
	if err := authorize(ctx); err != nil {
		return nil, err
	}
	e, err := checkEmail(email)
	if err != nil {
		return nil, err
	}
	x, err := s.st.ExportSupporter(ctx, e)
	if err != nil {
		return nil, err
	}
	campaigns := []string{}
	for _, r := range x.Records {
		if r.Submission != nil {
			campaigns = append(campaigns, r.Submission.CampaignSlug)
		}
	}
	detail := auth.Detail(map[string]any{"records": len(x.Records), "letters": x.Letters(), "campaigns": campaigns})
	if err := s.record(ctx, action, subject(e), detail); err != nil {
		return nil, app.WrapError(app.EUNAVAILABLE, err, "The audit log cannot be written, so supporter data is not shown. Please try again.")
	}
	return x, nil
}

// FindSupporter returns what is held for email, for staff to look at
// before exporting or erasing it. Recorded as ActionView.
func (s *Service) FindSupporter(ctx context.Context, email string) (*app.SupporterExport, error) {
	return s.find(ctx, ActionView, email)
}

// ExportSupporter returns every record held for email, to hand to the
// supporter who asked for it. Recorded as ActionExport.
func (s *Service) ExportSupporter(ctx context.Context, email string) (*app.SupporterExport, error) {
	return s.find(ctx, ActionExport, email)
}

// EraseSupporter erases every record held for email (see
// store.EraseSupporters), or with dryRun only counts them. Recorded as
// ActionErase either way.
func (s *Service) EraseSupporter(ctx context.Context, email string, dryRun bool) (app.Erasure, error) {
	if err := authorize(ctx); err != nil {
		return app.Erasure{}, err
	}
	e, err := checkEmail(email)
	if err != nil {
		return app.Erasure{}, err
	}
	er, err := s.st.EraseSupporters(ctx, app.EraseFilter{Email: e, Now: s.now(), DryRun: dryRun})
	if err != nil {
		return er, err
	}
	perCampaign := map[string]int{}
	for _, c := range er.Campaigns {
		perCampaign[c.Slug] = c.Supporters
	}
	detail := auth.Detail(map[string]any{"dry_run": dryRun, "supporters": er.Supporters(), "letters": er.Letters(),
		"campaigns": perCampaign})
	if err := s.record(ctx, ActionErase, subject(e), detail); err != nil {
		if dryRun {
			return er, app.WrapError(app.EUNAVAILABLE, err, "The audit log cannot be written. Please try again.")
		}
		// The data is gone; losing the trail of it must not hide that.
		s.log.ErrorContext(ctx, "audit event lost", "action", ActionErase, "subject", subject(e), "err", err)
	}
	return er, nil
}

// Purge erases the supporters whose campaign's retention period has passed
// at now, in batches, and returns the counts per campaign. It is
// idempotent and safe to run from several instances at once: each
// supporter is erased, and counted, by one of them.
func (s *Service) Purge(ctx context.Context, now time.Time) (app.Erasure, error) {
	if err := authorize(ctx); err != nil {
		return app.Erasure{}, err
	}
	var total app.Erasure
	for {
		er, err := s.st.EraseSupporters(ctx, app.EraseFilter{Retention: true, Now: now, Limit: s.batch})
		if err != nil {
			s.recordPurge(ctx, total)
			return total, err
		}
		total.Add(er)
		if er.Supporters() < s.batch {
			break
		}
	}
	s.recordPurge(ctx, total)
	return total, nil
}

// PreviewPurge counts what Purge would erase at now, changing nothing.
func (s *Service) PreviewPurge(ctx context.Context, now time.Time) (app.Erasure, error) {
	if err := authorize(ctx); err != nil {
		return app.Erasure{}, err
	}
	return s.st.EraseSupporters(ctx, app.EraseFilter{Retention: true, Now: now, DryRun: true})
}

// recordPurge writes one event per campaign a purge erased supporters of.
func (s *Service) recordPurge(ctx context.Context, er app.Erasure) {
	for _, c := range er.Campaigns {
		detail := auth.Detail(map[string]any{"supporters": c.Supporters, "letters": c.Letters,
			"deliveries_stopped": c.Stopped, "retention_days": c.RetentionDays})
		if err := s.record(ctx, ActionPurge, "campaign:"+c.Slug, detail); err != nil {
			s.log.ErrorContext(ctx, "audit event lost", "action", ActionPurge, "campaign", c.Slug, "err", err)
		}
	}
}

func (s *Service) record(ctx context.Context, action, subject, detail string) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Record(ctx, action, subject, detail)
}

// JobOptions configures RunDaily. Zero values take the defaults in
// brackets.
type JobOptions struct {
	// Delay is the wait before the first purge [1m], so that a starting
	// server is serving first.
	Delay time.Duration
	// Interval is the wait between purges [24h].
	Interval time.Duration
	// RetryAfter is the wait after a failed purge [1h, at most Interval].
	RetryAfter time.Duration
	// After waits for a duration [time.After]; tests pass a fake clock's.
	After func(time.Duration) <-chan time.Time
}

// RunDaily purges supporter data past its campaigns' retention periods
// shortly after it starts and then every Interval, logging what it erased,
// until ctx ends. Every instance of a scaled-out deployment may run it: a
// purge is idempotent and instances never erase, or count, a supporter
// twice.
func (s *Service) RunDaily(ctx context.Context, o JobOptions) {
	if o.Delay <= 0 {
		o.Delay = time.Minute
	}
	if o.Interval <= 0 {
		o.Interval = 24 * time.Hour
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Hour
	}
	o.RetryAfter = min(o.RetryAfter, o.Interval)
	if o.After == nil {
		o.After = time.After
	}
	ctx = app.WithActor(ctx, app.Actor{Via: "system"})
	wait := o.Delay
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.After(wait):
		}
		wait = o.Interval
		if err := s.purgeAndLog(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("privacy: purge failed; trying again later", "err", err, "retry_in", o.RetryAfter)
			wait = o.RetryAfter
		}
	}
}

// purgeAndLog runs one purge and logs its counts.
func (s *Service) purgeAndLog(ctx context.Context) error {
	er, err := s.Purge(ctx, s.now())
	for _, c := range er.Campaigns {
		s.log.Info("privacy: erased supporter data past the campaign's retention period", "campaign", c.Slug,
			"retention_days", c.RetentionDays, "supporters", c.Supporters, "letters", c.Letters,
			"deliveries_stopped", c.Stopped)
	}
	if err == nil {
		s.log.Info("privacy: retention purge done", "supporters", er.Supporters())
	}
	return err
}
