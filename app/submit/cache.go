// The campaign cache lets the hot path of a submission make no database
// reads: a campaign, its target rules and its current templates are loaded
// once per instance and refreshed in the background, so a burst of
// supporters never queues behind a reload.

package submit

import (
	"context"
	"time"

	"github.com/advocate-org/advocate/app"
)

// campaignEntry is a campaign with everything a submission needs from the
// database, so the hot path makes no reads.
type campaignEntry struct {
	campaign  *app.Campaign
	rules     []app.TargetRule
	templates map[app.TargetKind]app.TemplateVersion
	loadedAt  time.Time
}

// Forget drops a cached campaign so this instance sees an edit at once.
func (s *Service) Forget(slug string) {
	s.mu.Lock()
	delete(s.cache, slug)
	s.forgotten[slug]++ // a load already under way must not store its now old result
	s.mu.Unlock()
}

// staleGrace is how long past its TTL a cached campaign may still answer
// while one request reloads it in the background; older than that, callers
// wait for the reload.
const staleGrace = 10 * time.Second

// entry returns the campaign with what a submission needs. The cache is
// refreshed without stalling the stream of supporters: one load per
// campaign at a time, the others wait for it (a cold cache) or keep using
// the entry they have while it reloads (an expired one).
func (s *Service) entry(ctx context.Context, slug string) (*campaignEntry, error) {
	if s.ttl <= 0 {
		return s.loadEntry(ctx, slug)
	}
	now := s.now()
	s.mu.Lock()
	e := s.cache[slug]
	age := time.Duration(-1)
	if e != nil {
		age = now.Sub(e.loadedAt)
	}
	if e != nil && age >= 0 && age < s.ttl {
		s.mu.Unlock()
		return e, nil
	}
	call := s.loading[slug]
	if call == nil {
		call = &entryLoad{done: make(chan struct{})}
		s.loading[slug] = call
		gen := s.forgotten[slug]
		// The load runs on its own so that one supporter giving up does
		// not fail the others waiting for it.
		go s.load(context.WithoutCancel(ctx), slug, call, gen)
	}
	s.mu.Unlock()
	if e != nil && age >= 0 && age < s.ttl+staleGrace {
		return e, nil
	}
	select {
	case <-call.done:
		return call.e, call.err
	case <-ctx.Done():
		return nil, app.WrapError(app.EUNAVAILABLE, ctx.Err(), "The server is busy. Please try again in a moment.")
	}
}

// entryLoad is one campaign load under way; done closes when e or err is
// set.
type entryLoad struct {
	done chan struct{}
	e    *campaignEntry
	err  error
}

func (s *Service) load(ctx context.Context, slug string, call *entryLoad, gen int) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	call.e, call.err = s.loadEntry(ctx, slug)
	if call.err != nil && app.ErrorCodeOf(call.err) != app.ENOTFOUND {
		// Callers with an entry in hand carry on with it; say why it is
		// not being refreshed.
		s.log.Warn("campaign reload failed", "campaign", slug, "err", call.err)
	}
	s.mu.Lock()
	if call.err == nil && s.forgotten[slug] == gen {
		s.cache[slug] = call.e
	}
	delete(s.loading, slug)
	s.mu.Unlock()
	close(call.done)
}

func (s *Service) loadEntry(ctx context.Context, slug string) (*campaignEntry, error) {
	now := s.now()
	c, err := s.campaigns.FindCampaignBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if c.Status == app.CampaignDraft {
		return nil, app.Errorf(app.ENOTFOUND, "There is no campaign %q.", slug)
	}
	rules, err := s.campaigns.ListTargetRules(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	tpls, err := s.campaigns.CurrentTemplates(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return &campaignEntry{campaign: c, rules: rules, templates: tpls, loadedAt: now}, nil
}

// Campaign returns a public (open or closed) campaign.
func (s *Service) Campaign(ctx context.Context, slug string) (*app.Campaign, error) {
	e, err := s.entry(ctx, slug)
	if err != nil {
		return nil, err
	}
	return e.campaign, nil
}

// OpenCampaigns lists the campaigns that currently take letters.
func (s *Service) OpenCampaigns(ctx context.Context) ([]app.Campaign, error) {
	list, err := s.campaigns.ListCampaigns(ctx, app.CampaignFilter{Status: app.CampaignOpen, Limit: 100})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := list[:0]
	for _, c := range list {
		if ok, _ := c.AcceptsAt(now); ok {
			out = append(out, c)
		}
	}
	return out, nil
}
