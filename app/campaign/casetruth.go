package campaign

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// A campaign about a person's case changes as the case does. These are
// the organizer's tools for keeping it true: fact checks with a review
// interval, dated case updates, closing with the outcome, a list of
// recipients who already acted, and copying a campaign to start the next.

// Audit actions of the case tools.
const (
	ActionUpdatePost   = "campaign.update.post"
	ActionUpdateDelete = "campaign.update.delete"
	ActionCampaignCopy = "campaign.copy"
	ActionActedSave    = "campaign.acted.save"
)

// FactStatus is one fact as the organizer's overview shows it.
type FactStatus struct {
	Key        string
	Value      string
	Source     string
	VerifiedOn *time.Time
	// Stale says the fact was never checked, or checked longer ago than
	// the review interval.
	Stale bool
}

// FactReport is what the overview says about a campaign's facts.
type FactReport struct {
	Facts []FactStatus
	// VerifiedOn is the oldest check of all facts (nil when one was never
	// checked): "facts verified on ...".
	VerifiedOn *time.Time
	// Stale lists the facts due for a check, by key.
	Stale []string
	// ReviewDays is the interval in force.
	ReviewDays int
}

// Facts reports a campaign's facts with their checks against today.
func (s *Service) Facts(c *app.Campaign) FactReport {
	now := s.now()
	r := FactReport{Stale: c.StaleFacts(now), ReviewDays: c.ReviewEvery()}
	if on, ok := c.FactsVerifiedOn(); ok {
		r.VerifiedOn = &on
	}
	for _, k := range slices.Sorted(maps.Keys(c.Facts)) {
		src := c.FactSources[k]
		r.Facts = append(r.Facts, FactStatus{Key: k, Value: c.Facts[k], Source: src.Source, VerifiedOn: src.VerifiedOn,
			Stale: slices.Contains(r.Stale, k)})
	}
	return r
}

// UpdateInput is a case update as typed.
type UpdateInput struct {
	On        string // "2006-01-02"
	Body      string
	SourceURL string
}

// PostUpdate adds a dated case update to the campaign's public page.
func (s *Service) PostUpdate(ctx context.Context, slug string, in UpdateInput) (*app.CaseUpdate, error) {
	a, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, err
	}
	u := &app.CaseUpdate{CampaignID: c.ID, Body: strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n")),
		SourceURL: strings.TrimSpace(in.SourceURL), Author: a.Label()}
	on, ok := parseDay(in.On)
	fe := app.FieldErrors{}
	switch {
	case !ok:
		fe.Add("on", "enter a date such as 2026-12-05")
	case on != nil && s.future(*on):
		fe.Add("on", "the update cannot be dated in the future")
	case on != nil:
		u.On = *on
	}
	if err := u.Validate(); err != nil {
		for k, v := range app.ErrorFieldsOf(err) {
			if _, dup := fe[k]; !dup {
				fe.Add(k, v)
			}
		}
	}
	if err := fe.Err("The update was not posted."); err != nil {
		return nil, err
	}
	if err := s.store.AddCaseUpdate(ctx, u); err != nil {
		return nil, err
	}
	s.forget(c.Slug)
	s.record(ctx, ActionUpdatePost, subjectOf(c), "posted the update of "+u.On.Format(DateLayout)+": "+clip(u.Body, 80))
	return u, nil
}

// DeleteUpdate removes a case update (a mistake, say).
func (s *Service) DeleteUpdate(ctx context.Context, slug string, id int64) error {
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return err
	}
	var gone *app.CaseUpdate
	for i := range c.Updates {
		if c.Updates[i].ID == id {
			gone = &c.Updates[i]
		}
	}
	if gone == nil {
		return app.Errorf(app.ENOTFOUND, "That update is no longer there.")
	}
	if err := s.store.DeleteCaseUpdate(ctx, c.ID, id); err != nil {
		return err
	}
	s.forget(c.Slug)
	s.record(ctx, ActionUpdateDelete, subjectOf(c), "removed the update of "+gone.On.Format(DateLayout)+": "+clip(gone.Body, 80))
	return nil
}

// CloseWithOutcome closes the campaign and records how it ended; the
// public page shows the outcome instead of the form.
func (s *Service) CloseWithOutcome(ctx context.Context, slug, outcome, on string) (*app.Campaign, error) {
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, err
	}
	fe := app.FieldErrors{}
	outcome = strings.TrimSpace(strings.ReplaceAll(outcome, "\r\n", "\n"))
	if outcome == "" {
		fe.Add("outcome", "say how the campaign ended, such as \u201cwon: asylum granted on January 28, 2026\u201d")
	}
	day, ok := parseDay(on)
	switch {
	case !ok:
		fe.Add("outcome_on", "enter a date such as 2026-12-05")
	case day == nil:
		d := s.now().UTC().Truncate(24 * time.Hour)
		day = &d
	case s.future(*day):
		fe.Add("outcome_on", "the outcome cannot be dated in the future")
	}
	next := *c
	next.Status, next.Outcome, next.OutcomeOn = app.CampaignClosed, outcome, day
	if err := next.Validate(); err != nil {
		for k, v := range app.ErrorFieldsOf(err) {
			fe.Add(k, v)
		}
	}
	if err := fe.Err("The campaign was not closed."); err != nil {
		return nil, err
	}
	from := c.Status
	if err := s.store.UpdateCampaign(ctx, &next); err != nil {
		return nil, err
	}
	s.forget(c.Slug)
	s.record(ctx, ActionCampaignClose, subjectOf(c), fmt.Sprintf("%s \u2192 closed with the outcome of %s: %s",
		from, day.Format(DateLayout), clip(outcome, 120)))
	return &next, nil
}

// CopyInput names the new campaign a copy starts.
type CopyInput struct {
	Slug  string
	Title string
}

// Copy starts a new draft from a campaign: its summary, ask, facts with
// their sources, review interval, acted list, delivery settings, rules and
// current letters. Supporters, letters, updates, dates and the outcome
// stay behind; each letter's history starts fresh with a note naming the
// version it came from.
func (s *Service) Copy(ctx context.Context, slug string, in CopyInput) (*app.Campaign, error) {
	a, src, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, err
	}
	rules, err := s.store.ListTargetRules(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	tpls, err := s.store.CurrentTemplates(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	c := app.Campaign{Slug: strings.ToLower(strings.TrimSpace(in.Slug)), Title: strings.TrimSpace(in.Title),
		Summary: src.Summary, Ask: src.Ask, Facts: maps.Clone(src.Facts), FactSources: maps.Clone(src.FactSources),
		ReviewDays: src.ReviewDays, Acted: slices.Clone(src.Acted), Status: app.CampaignDraft,
		RetentionDays: src.RetentionDays, Delivery: src.Delivery}
	d := Draft{Campaign: c, Templates: map[app.TargetKind]app.TemplateVersion{}, Author: a.Label()}
	for _, r := range rules {
		d.Rules = append(d.Rules, app.TargetRule{Kind: r.Kind, CommitteeCode: r.CommitteeCode,
			LeadershipOnly: r.LeadershipOnly, OnlyConstituents: r.OnlyConstituents, ExecutiveKey: r.ExecutiveKey})
	}
	for k, tv := range tpls {
		d.Templates[k] = app.TemplateVersion{Kind: k, Subject: tv.Subject, Body: tv.Body,
			Note: fmt.Sprintf("copied from %s, %s letter version %d", src.Slug, k, tv.Version)}
	}
	created, err := s.Create(ctx, d)
	if err != nil {
		code := app.ErrorCodeOf(err)
		if fields := app.ErrorFieldsOf(err); code == app.ECONFLICT || fields["slug"] != "" || fields["title"] != "" {
			fe := app.FieldErrors{}
			if code == app.ECONFLICT {
				fe.Add("slug", app.ErrorMessageOf(err))
			}
			for _, k := range []string{"slug", "title"} {
				if m := fields[k]; m != "" {
					fe.Add(k, m)
				}
			}
			return nil, fe.Err("The copy was not made.")
		}
		return nil, err
	}
	s.record(ctx, ActionCampaignCopy, subjectOf(created), "copied from "+src.Slug+" as a draft")
	return created, nil
}

// ActedInput is one row of the "already acted" form.
type ActedInput struct {
	Key    string
	Action string
	Source string
	On     string // "2006-01-02" or empty
}

// ActedOf fills the form from a campaign.
func ActedOf(c *app.Campaign) []ActedInput {
	out := make([]ActedInput, 0, len(c.Acted))
	for _, a := range c.Acted {
		in := ActedInput{Key: a.Key, Action: a.Action, Source: a.Source}
		if a.On != nil {
			in.On = a.On.UTC().Format(DateLayout)
		}
		out = append(out, in)
	}
	return out
}

// SetActed replaces the campaign's list of recipients who already acted.
// Letters using recipient.already_acted thank them from now on; letters
// already made keep their text.
func (s *Service) SetActed(ctx context.Context, slug string, rows []ActedInput) (*app.Campaign, error) {
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, err
	}
	fe := app.FieldErrors{}
	var list []app.ActedRecipient
	for _, r := range rows {
		key := strings.TrimSpace(r.Key)
		if key == "" && strings.TrimSpace(r.Action) == "" && strings.TrimSpace(r.Source) == "" && strings.TrimSpace(r.On) == "" {
			continue
		}
		if b, ok := strings.CutPrefix(key, "body:"); ok {
			key = "body:" + strings.ToUpper(b)
		} else if !strings.Contains(key, ":") {
			key = strings.ToUpper(key)
		}
		on, ok := parseDay(r.On)
		if !ok {
			fe.Add("acted", "the date for "+key+" is not a date such as 2026-12-05")
		}
		list = append(list, app.ActedRecipient{Key: key, Action: strings.TrimSpace(r.Action),
			Source: strings.TrimSpace(r.Source), On: on})
	}
	next := *c
	next.Acted = list
	if err := next.Validate(); err != nil {
		for k, v := range app.ErrorFieldsOf(err) {
			fe.Add(k, v)
		}
	}
	if err := fe.Err("The list was not saved."); err != nil {
		return nil, err
	}
	if err := s.store.UpdateCampaign(ctx, &next); err != nil {
		return nil, err
	}
	s.forget(c.Slug)
	keys := make([]string, len(list))
	for i, a := range list {
		keys[i] = a.Key
	}
	detail := "nobody"
	if len(keys) > 0 {
		detail = strings.Join(keys, ", ")
	}
	s.record(ctx, ActionActedSave, subjectOf(c), "already acted: "+detail)
	return &next, nil
}

// future reports whether a typed date (midnight UTC) is after today
// anywhere on Earth: an organizer east of UTC may already be on tomorrow.
func (s *Service) future(day time.Time) bool {
	return day.After(s.now().Add(14 * time.Hour))
}
