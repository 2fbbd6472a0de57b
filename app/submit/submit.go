// Package submit is the supporter journey as a service: look up who
// represents a supporter, match the campaign's targets, render each letter,
// and record the submission with one letter per target and a delivery per
// channel. The web form, the JSON API and the load tests all go through it,
// so handlers stay thin.
package submit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/match"
)

// MatcherSource gives the matcher for the current roster. The roster
// service swaps matchers when a new roster is imported.
type MatcherSource interface {
	Matcher() *match.Matcher
}

// Options wires a Service.
type Options struct {
	Campaigns   app.CampaignStore
	Submissions app.SubmissionStore
	Roster      MatcherSource
	Letters     *letter.Renderer
	PDF         *pdf.Maker
	Clock       app.Clock
	Logger      *slog.Logger
	// Location is the time zone letters are dated in (default
	// America/New_York, where Congress and the departments sit).
	Location *time.Location
	// CampaignTTL is how long a campaign, its rules and templates are cached
	// per instance. Organizer edits show up within this time on other
	// instances. Default 2s; negative disables the cache.
	CampaignTTL time.Duration
	// Confirmations confirms double opt-in submissions (the store has it);
	// nil turns the confirmation links off.
	Confirmations Confirmations
	// OnQueued is told when emails were queued (a submission, a
	// confirmation), to wake the outbox; nil is fine.
	OnQueued func()
	// Mailboxes limits what one email address can set off (repeat.go).
	Mailboxes MailboxLimits
	// Audit records supporters' own erasures; nil records nothing.
	Audit Auditor
}

// Auditor records audit events (*auth.Audit has it).
type Auditor interface {
	Record(ctx context.Context, action, subject, detail string) error
}

// Service runs the supporter journey. It is safe for concurrent use.
type Service struct {
	campaigns   app.CampaignStore
	submissions app.SubmissionStore
	roster      MatcherSource
	letters     *letter.Renderer
	pdf         *pdf.Maker
	now         app.Clock
	log         *slog.Logger
	ttl         time.Duration
	loc         *time.Location
	confirm     Confirmations
	onQueued    func()
	limits      MailboxLimits
	audit       Auditor

	mu        sync.Mutex
	cache     map[string]*campaignEntry
	loading   map[string]*entryLoad // campaign loads under way, by slug
	forgotten map[string]int        // Forget calls per slug

	// inFlight and lastDone (Unix nanoseconds) tell Busy whether
	// supporters are being answered.
	inFlight atomic.Int64
	lastDone atomic.Int64
}

// busyLinger is how long after the last submission Busy still reports true:
// supporters arriving a few at a time keep the instance busy in between.
const busyLinger = 100 * time.Millisecond

// Busy reports whether supporters are submitting right now (or did within
// the last 100 ms). Background work on the same machine, such as rendering
// and sending the outbox's emails, uses it to give way.
func (s *Service) Busy() bool {
	if s.inFlight.Load() > 0 {
		return true
	}
	last := s.lastDone.Load()
	return last != 0 && time.Since(time.Unix(0, last)) < busyLinger
}

// New returns a Service.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("America/New_York")
		if err != nil {
			loc = time.UTC
		}
		o.Location = loc
	}
	if o.CampaignTTL == 0 {
		o.CampaignTTL = 2 * time.Second
	}
	return &Service{
		campaigns: o.Campaigns, submissions: o.Submissions, roster: o.Roster,
		letters: o.Letters, pdf: o.PDF, now: o.Clock, log: o.Logger, ttl: o.CampaignTTL, loc: o.Location,
		confirm: o.Confirmations, onQueued: o.OnQueued, limits: o.Mailboxes, audit: o.Audit, cache: map[string]*campaignEntry{},
		loading: map[string]*entryLoad{}, forgotten: map[string]int{},
	}
}
