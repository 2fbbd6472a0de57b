package rosterwatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/roster"
)

// Store is what the watcher needs from the database (store.Roster with store.Campaigns: views.Refresh).
type Store interface {
	ClaimRosterRefresh(ctx context.Context, owner string, now time.Time, every time.Duration, leaseUntil time.Time) (bool, error)
	FinishRosterRefresh(ctx context.Context, owner string, at time.Time, errText string) error
	ListCampaigns(ctx context.Context, f app.CampaignFilter) ([]app.Campaign, error)
	ListTargetRules(ctx context.Context, campaignID int64) ([]app.TargetRule, error)
	AddCampaignFlags(ctx context.Context, flags []app.CampaignFlag) error
}

// Auditor records what the refresh found (auth.Audit has it).
type Auditor interface {
	Record(ctx context.Context, action, subject, detail string) error
}

// ActionRosterChanged is the audit action of a flag raised on a campaign.
const ActionRosterChanged = "campaign.roster_changed"

// Options wires a Watcher. Store, Fetch and Replace are required.
type Options struct {
	Store Store
	// Fetch downloads the public data into dir without touching what is
	// there unless every file arrived and checked (congress.Fetcher).
	Fetch func(ctx context.Context, dir string) error
	// Replace imports dir as the new roster (roster.Service.ReplaceFrom).
	Replace func(ctx context.Context, dir string) (roster.Replacement, error)
	// Dir is where downloads go (data/public).
	Dir string
	// Every is the refresh interval (ADVOCATE_ROSTER_REFRESH, default 24h).
	Every time.Duration
	// Check is how often an instance looks whether a refresh is due
	// (default: Every, at most 10 minutes).
	Check time.Duration
	// Timeout bounds one download and import (default 10 minutes).
	Timeout time.Duration
	Owner   string // names this instance in the lease (default host-pid-random)
	Auditor Auditor
	Logger  *slog.Logger
	Clock   app.Clock
}

// Watcher refreshes the roster on schedule and flags campaigns.
type Watcher struct {
	o   Options
	log *slog.Logger
}

// New checks the options.
func New(o Options) (*Watcher, error) {
	if o.Store == nil || o.Fetch == nil || o.Replace == nil || o.Dir == "" {
		return nil, fmt.Errorf("rosterwatch: store, fetch, replace and a folder are required")
	}
	if o.Every <= 0 {
		return nil, fmt.Errorf("rosterwatch: the refresh interval must be positive")
	}
	if o.Check <= 0 {
		o.Check = min(o.Every, 10*time.Minute)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [3]byte
		_, _ = rand.Read(b[:])
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return &Watcher{o: o, log: o.Logger}, nil
}

// Run looks every Check whether a refresh is due, and refreshes when this
// instance wins the claim, until ctx ends. The first look is one Check
// after start: serve has just loaded (or fetched) the roster.
func (w *Watcher) Run(ctx context.Context) {
	t := time.NewTicker(w.o.Check)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn("roster refresh", "err", err)
			}
		}
	}
}

// Result is what one refresh did.
type Result struct {
	Version int64              // the roster imported
	Flags   []app.CampaignFlag // campaigns told of changes
	// Failed says why the download or import failed (the roster in use
	// stays; the notice is logged).
	Failed error
}

// RunOnce refreshes the roster when it is due and no other instance is at
// it: downloads the public data, imports it (a download or import that
// fails leaves the roster in use, logs a notice and waits for the next
// interval; serving goes on) and flags the campaigns whose targets
// changed. It returns nil when no refresh was due (or another instance is
// refreshing), and an error only when the claim itself failed.
func (w *Watcher) RunOnce(ctx context.Context) (*Result, error) {
	now := w.o.Clock()
	won, err := w.o.Store.ClaimRosterRefresh(ctx, w.o.Owner, now, w.o.Every, now.Add(w.o.Timeout+time.Minute))
	if err != nil || !won {
		return nil, err
	}
	res, err := w.refresh(ctx)
	msg := ""
	if err != nil {
		msg = err.Error()
		w.log.Warn("roster refresh: could not refresh the public roster; the roster in use stays, and the next try is in "+
			w.o.Every.String(), "err", err)
	}
	if ferr := w.o.Store.FinishRosterRefresh(context.WithoutCancel(ctx), w.o.Owner, w.o.Clock(), msg); ferr != nil {
		w.log.Warn("roster refresh: record the outcome", "err", ferr)
	}
	if err != nil {
		return &Result{Failed: err}, nil
	}
	return res, nil
}

func (w *Watcher) refresh(ctx context.Context) (*Result, error) {
	fctx, cancel := context.WithTimeout(ctx, w.o.Timeout)
	defer cancel()
	if err := w.o.Fetch(fctx, w.o.Dir); err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	rep, err := w.o.Replace(fctx, w.o.Dir)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	w.log.Info("roster refreshed", "version", rep.Info.Version, "legislators", rep.Info.Legislators)
	flags, err := w.flag(context.WithoutCancel(ctx), rep)
	if err != nil {
		return nil, fmt.Errorf("roster %d imported, but the campaigns could not be checked: %w", rep.Info.Version, err)
	}
	return &Result{Version: rep.Info.Version, Flags: flags}, nil
}

// flag compares each draft or open campaign's targets before and after
// the refresh and records a flag (and an audit entry) where they changed.
// Closed campaigns take no more letters, so nobody needs telling; nor does
// a first import over an empty or sample roster change anyone's targets.
func (w *Watcher) flag(ctx context.Context, rep roster.Replacement) ([]app.CampaignFlag, error) {
	if rep.BeforeInfo.Empty() || rep.BeforeInfo.Source == roster.SeedSource {
		return nil, nil
	}
	camps, err := w.o.Store.ListCampaigns(ctx, app.CampaignFilter{})
	if err != nil {
		return nil, err
	}
	now := w.o.Clock()
	var flags []app.CampaignFlag
	var slugs []string
	for _, c := range camps {
		if c.Status == app.CampaignClosed {
			continue
		}
		rules, err := w.o.Store.ListTargetRules(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if changes := Changes(rep.Before, rep.After, rules); len(changes) > 0 {
			flags = append(flags, app.CampaignFlag{CampaignID: c.ID, RosterVersion: rep.Info.Version, Changes: changes, CreatedAt: now})
			slugs = append(slugs, c.Slug)
		}
	}
	if len(flags) == 0 {
		return nil, nil
	}
	if err := w.o.Store.AddCampaignFlags(ctx, flags); err != nil {
		return nil, err
	}
	for i, f := range flags {
		w.log.Info("roster refresh: a campaign's targets changed", "campaign", slugs[i], "changes", len(f.Changes))
		if w.o.Auditor != nil {
			detail := fmt.Sprintf("roster %d: %s", f.RosterVersion, strings.Join(f.Changes, " "))
			if err := w.o.Auditor.Record(ctx, ActionRosterChanged, "campaign:"+slugs[i], detail); err != nil {
				w.log.Warn("roster refresh: audit", "err", err)
			}
		}
	}
	return flags, nil
}
