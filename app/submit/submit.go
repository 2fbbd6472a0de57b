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
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/load"
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
	// Load is marked while each submission is answered (so background
	// work such as the outbox gives way) and told when emails were queued
	// (a submission, a confirmation, a link sent again), to wake whoever
	// sends them. Nil: a signal of the service's own, which nobody reads.
	Load *load.Signal
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
	signal      *load.Signal
	limits      MailboxLimits
	audit       Auditor

	mu        sync.Mutex
	cache     map[string]*campaignEntry
	loading   map[string]*entryLoad // campaign loads under way, by slug
	forgotten map[string]int        // Forget calls per slug
}

// Busy reports whether supporters are submitting right now (or did within
// load.Linger). Background work reads the same answer from Options.Load.
func (s *Service) Busy() bool { return s.signal.Busy() }

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
	if o.Load == nil {
		o.Load = load.New()
	}
	return &Service{
		campaigns: o.Campaigns, submissions: o.Submissions, roster: o.Roster,
		letters: o.Letters, pdf: o.PDF, now: o.Clock, log: o.Logger, ttl: o.CampaignTTL, loc: o.Location,
		confirm: o.Confirmations, signal: o.Load, limits: o.Mailboxes, audit: o.Audit, cache: map[string]*campaignEntry{},
		loading: map[string]*entryLoad{}, forgotten: map[string]int{},
	}
}
