package campaign

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// RosterSource is the live roster (roster.Service satisfies it). Rules are
// checked against it when they are edited, never when a supporter submits.
type RosterSource interface {
	Index() *match.Index
	Matcher() *match.Matcher
}

// Cache drops what a process keeps of a campaign, so that an edit shows at
// once (submit.Service satisfies it).
type Cache interface {
	Forget(slug string)
}

// Auditor records organizer actions: who (the actor in ctx), what (action,
// e.g. "campaign.close"), on what (subject, e.g. "campaign:free-guan-heng")
// and details in words. The accounts package provides the real one; a
// failure to record is logged, never shown to the organizer, because the
// change itself has already been made.
type Auditor interface {
	Record(ctx context.Context, action, subject, detail string) error
}

// Counter gives totals per campaign id for the campaign list.
type Counter interface {
	SubmissionCounts(ctx context.Context) (map[int64]int, error)
	LetterCounts(ctx context.Context) (map[int64]int, error)
}

// Audit actions recorded by the service.
const (
	ActionCampaignCreate  = "campaign.create"
	ActionCampaignUpdate  = "campaign.update"
	ActionCampaignOpen    = "campaign.open"
	ActionCampaignClose   = "campaign.close"
	ActionRuleAdd         = "campaign.rule.add"
	ActionRuleRemove      = "campaign.rule.remove"
	ActionRuleMove        = "campaign.rule.move"
	ActionTemplateSave    = "template.save"
	ActionTemplateRestore = "template.restore"
)

// actor returns who is acting and refuses anyone who may not organize:
// organizers, and the system itself (CLI, seed, jobs).
func actor(ctx context.Context) (app.Actor, error) {
	a, ok := app.ActorFrom(ctx)
	if !ok {
		return app.Actor{}, app.Errorf(app.EUNAUTHORIZED, "Please sign in to manage campaigns.")
	}
	if a.Has(app.RoleOrganizer) || a.Via == "cli" || a.Via == "system" {
		return a, nil
	}
	return app.Actor{}, app.Errorf(app.EFORBIDDEN, "Only organizers can manage campaigns.")
}

func (s *Service) record(ctx context.Context, action, subject, detail string) {
	if s.audit == nil {
		return
	}
	if err := s.audit.Record(ctx, action, subject, detail); err != nil {
		s.log.ErrorContext(ctx, "audit record failed", "action", action, "subject", subject, "err", err)
	}
}

func (s *Service) forget(slugs ...string) {
	if s.cache == nil {
		return
	}
	for _, sl := range slugs {
		s.cache.Forget(sl)
	}
}

func subjectOf(c *app.Campaign) string { return "campaign:" + c.Slug }

// Summary is one row of the organizer's campaign list.
type Summary struct {
	app.Campaign
	Submissions int
	Letters     int
	// Running says whether the campaign takes letters right now (open and
	// within its dates).
	Running bool
	// Why is the supporter-facing reason it does not, when it does not.
	Why string
	// StaleFacts counts the facts due for a check (never verified, or
	// verified longer ago than the review interval).
	StaleFacts int
}

// List returns every campaign, newest first, with its totals.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	list, err := s.store.ListCampaigns(ctx, app.CampaignFilter{})
	if err != nil {
		return nil, err
	}
	var subs, letters map[int64]int
	if s.counts != nil {
		if subs, err = s.counts.SubmissionCounts(ctx); err != nil {
			return nil, err
		}
		if letters, err = s.counts.LetterCounts(ctx); err != nil {
			return nil, err
		}
	}
	now := s.now()
	out := make([]Summary, len(list))
	for i, c := range list {
		ok, why := c.AcceptsAt(now)
		out[i] = Summary{Campaign: c, Submissions: subs[c.ID], Letters: letters[c.ID], Running: ok, Why: why,
			StaleFacts: len(c.StaleFacts(now))}
	}
	return out, nil
}

// Get loads any campaign, drafts included.
func (s *Service) Get(ctx context.Context, slug string) (*app.Campaign, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	return s.store.FindCampaignBySlug(ctx, slug)
}

// Fact is one organizer-defined merge field, kept in form order, with
// where it comes from and when it was last checked.
type Fact struct {
	Key   string
	Value string
	// VerifiedOn is the day it was last checked, "2006-01-02" (a date
	// input's value), or empty for never.
	VerifiedOn string
	// Source names where it comes from, with its date.
	Source string
}

// DetailsInput is the campaign form as typed: text for dates and numbers so
// that every mistake comes back as a message next to its field.
type DetailsInput struct {
	Slug    string
	Title   string
	Summary string
	Ask     string
	Facts   []Fact
	// StartsAt and EndsAt are "2006-01-02T15:04" (an HTML datetime-local
	// value) in the service's time zone, or empty for none.
	StartsAt      string
	EndsAt        string
	RetentionDays string
	// ReviewDays is how many days a fact's check stays fresh ("" or "0"
	// for the default).
	ReviewDays string
	// Delivery is the delivery settings part of the form.
	Delivery DeliveryInput
}

// DeliveryInput is the delivery settings part of the campaign form as
// typed (see app.DeliverySettings for what each setting does).
type DeliveryInput struct {
	DoubleOptIn bool
	// ConfirmWithinHours is text so that a typo comes back as a message.
	ConfirmWithinHours string
	ReplyToSupporter   bool
	OrgName            string
	OrgStatement       string
	CWCTopic           string
}

// DateTimeLayout is the datetime-local form value layout.
const DateTimeLayout = "2006-01-02T15:04"

// DateLayout is the date form value layout (fact checks, outcomes, case
// updates). Dates are kept as midnight UTC of that day, so they read the
// same in every time zone.
const DateLayout = "2006-01-02"

// parseDay reads a date typed in a form ("" is none).
func parseDay(v string) (*time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	d, err := time.Parse(DateLayout, v)
	if err != nil {
		return nil, false
	}
	return &d, true
}

// DetailsOf fills the form from a stored campaign, facts sorted by name.
func (s *Service) DetailsOf(c *app.Campaign) DetailsInput {
	in := DetailsInput{Slug: c.Slug, Title: c.Title, Summary: c.Summary, Ask: c.Ask,
		RetentionDays: strconv.Itoa(c.RetentionDays), ReviewDays: strconv.Itoa(c.ReviewDays),
		Delivery: DeliveryInput{DoubleOptIn: c.Delivery.DoubleOptIn, ConfirmWithinHours: strconv.Itoa(c.Delivery.ConfirmWithinHours),
			ReplyToSupporter: c.Delivery.ReplyToSupporter, OrgName: c.Delivery.OrgName,
			OrgStatement: c.Delivery.OrgStatement, CWCTopic: c.Delivery.CWCTopic}}
	for _, k := range slices.Sorted(maps.Keys(c.Facts)) {
		f := Fact{Key: k, Value: c.Facts[k]}
		if src, ok := c.FactSources[k]; ok {
			f.Source = src.Source
			if src.VerifiedOn != nil {
				f.VerifiedOn = src.VerifiedOn.UTC().Format(DateLayout)
			}
		}
		in.Facts = append(in.Facts, f)
	}
	if c.StartsAt != nil {
		in.StartsAt = c.StartsAt.In(s.loc).Format(DateTimeLayout)
	}
	if c.EndsAt != nil {
		in.EndsAt = c.EndsAt.In(s.loc).Format(DateTimeLayout)
	}
	return in
}

// Location is the time zone organizers' dates are read in.
func (s *Service) Location() *time.Location { return s.loc }

// apply parses in onto c, collecting every problem as a field error.
func (s *Service) apply(c *app.Campaign, in DetailsInput) error {
	fe := app.FieldErrors{}
	c.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	c.Title = strings.TrimSpace(in.Title)
	c.Summary = strings.TrimSpace(strings.ReplaceAll(in.Summary, "\r\n", "\n"))
	c.Ask = strings.TrimSpace(in.Ask)
	c.Facts = map[string]string{}
	// A check date already stored is kept as it is, even if this server's
	// clock is behind the organizer who typed it.
	stored := c.FactSources
	c.FactSources = nil
	for _, f := range in.Facts {
		k, v := strings.TrimSpace(f.Key), strings.TrimSpace(strings.ReplaceAll(f.Value, "\r\n", "\n"))
		src := strings.TrimSpace(f.Source)
		switch {
		case k == "" && v == "" && src == "" && strings.TrimSpace(f.VerifiedOn) == "":
			continue
		case k == "":
			fe.Add("facts", "give every fact a name (the value \""+clip(v, 30)+"\" has none)")
		case hasKey(c.Facts, k):
			fe.Add("facts", "the fact "+k+" is listed twice")
		default:
			c.Facts[k] = v
			on, ok := parseDay(f.VerifiedOn)
			switch {
			case !ok:
				fe.Add("facts", "the fact "+k+" has a check date that is not a date such as 2026-12-05")
			case on != nil && s.future(*on) && !sameTime(on, stored[k].VerifiedOn):
				fe.Add("facts", "the fact "+k+" is checked in the future ("+f.VerifiedOn+")")
			case on != nil && src == "":
				fe.Add("facts", "name the source of "+k+": a checked fact needs one")
			case on != nil || src != "":
				if c.FactSources == nil {
					c.FactSources = map[string]app.FactSource{}
				}
				c.FactSources[k] = app.FactSource{VerifiedOn: on, Source: src}
			}
		}
	}
	c.ReviewDays = 0
	if r := strings.TrimSpace(in.ReviewDays); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil {
			fe.Add("review_days", "enter a whole number of days (0 means every 30 days)")
		} else {
			c.ReviewDays = n
		}
	}
	parse := func(field, v string) *time.Time {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		t, err := time.ParseInLocation(DateTimeLayout, v, s.loc)
		if err != nil {
			if d, derr := time.ParseInLocation("2006-01-02", v, s.loc); derr == nil {
				return &d
			}
			fe.Add(field, "enter a date and time such as 2026-12-31T17:00")
			return nil
		}
		return &t
	}
	c.StartsAt = parse("starts_at", in.StartsAt)
	c.EndsAt = parse("ends_at", in.EndsAt)
	c.RetentionDays = 0
	if r := strings.TrimSpace(in.RetentionDays); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil {
			fe.Add("retention_days", "enter a whole number of days (0 keeps data until erased by hand)")
		} else {
			c.RetentionDays = n
		}
	}
	d := in.Delivery
	c.Delivery = app.DeliverySettings{DoubleOptIn: d.DoubleOptIn, ReplyToSupporter: d.ReplyToSupporter,
		OrgName: strings.TrimSpace(d.OrgName), CWCTopic: strings.TrimSpace(d.CWCTopic),
		OrgStatement: strings.TrimSpace(strings.ReplaceAll(d.OrgStatement, "\r\n", "\n"))}
	if h := strings.TrimSpace(d.ConfirmWithinHours); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil {
			fe.Add("confirm_within_hours", "enter a whole number of hours (0 means the default, 72 hours)")
		} else {
			c.Delivery.ConfirmWithinHours = n
		}
	}
	if err := c.Validate(); err != nil {
		for k, v := range app.ErrorFieldsOf(err) {
			fe.Add(k, v)
		}
	}
	return fe.Err("Please correct the highlighted fields.")
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// CreateCampaign stores a new draft campaign that writes to each
// supporter's Representative and Senators, with a starter letter for every
// kind of recipient, ready to be edited and opened.
func (s *Service) CreateCampaign(ctx context.Context, in DetailsInput) (*app.Campaign, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	c := app.Campaign{Status: app.CampaignDraft}
	if err := s.apply(&c, in); err != nil {
		return nil, err
	}
	d := Draft{
		Campaign:  c,
		Rules:     []app.TargetRule{{Kind: app.RuleOwnRepresentative}, {Kind: app.RuleOwnSenators}},
		Templates: map[app.TargetKind]app.TemplateVersion{},
		Author:    a.Label(),
	}
	for _, k := range app.TargetKinds() {
		tv := StarterTemplate(k)
		tv.Note = "starter letter"
		d.Templates[k] = tv
	}
	created, err := s.Create(ctx, d)
	if err != nil {
		if app.ErrorCodeOf(err) == app.ECONFLICT {
			return nil, &app.Error{Code: app.EINVALID, Message: "Please correct the highlighted fields.",
				Fields: map[string]string{"slug": app.ErrorMessageOf(err)}, Err: err}
		}
		return nil, err
	}
	s.record(ctx, ActionCampaignCreate, subjectOf(created), "created draft \u201c"+created.Title+"\u201d")
	return created, nil
}

// UpdateCampaign saves the organizer's edits of a campaign's details. The
// address (slug) can change only while the campaign is a draft, since
// supporters may hold links to it. Removing a fact that a current letter
// uses is refused, naming the letter and the place.
func (s *Service) UpdateCampaign(ctx context.Context, slug string, in DetailsInput) (*app.Campaign, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	old, err := s.store.FindCampaignBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	c := *old
	if err := s.apply(&c, in); err != nil {
		return nil, err
	}
	fe := app.FieldErrors{}
	if c.Slug != old.Slug && old.Status != app.CampaignDraft {
		fe.Add("slug", "the address cannot change once the campaign has been opened: supporters have links to it")
	}
	tpls, err := s.store.CurrentTemplates(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range app.TargetKinds() {
		tv, ok := tpls[k]
		if !ok {
			continue
		}
		if err := s.letters.Validate(tv, &c); err != nil {
			msg := ""
			for _, f := range []string{"subject", "body"} {
				if m := app.ErrorFieldsOf(err)[f]; m != "" {
					msg = f + " " + m
					break
				}
			}
			fe.Add("facts", fmt.Sprintf("the %s letter no longer works with these facts (%s); change the letter first", k, msg))
		}
	}
	if err := fe.Err("Please correct the highlighted fields."); err != nil {
		return nil, err
	}
	if err := s.store.UpdateCampaign(ctx, &c); err != nil {
		if app.ErrorCodeOf(err) == app.ECONFLICT {
			return nil, &app.Error{Code: app.EINVALID, Message: "Please correct the highlighted fields.",
				Fields: map[string]string{"slug": app.ErrorMessageOf(err)}, Err: err}
		}
		return nil, err
	}
	s.forget(old.Slug, c.Slug)
	s.record(ctx, ActionCampaignUpdate, subjectOf(&c), changedFields(old, &c))
	return &c, nil
}

// changedFields lists what an update changed, for the audit log.
func changedFields(a, b *app.Campaign) string {
	var ch []string
	if a.Slug != b.Slug {
		ch = append(ch, "address "+a.Slug+" \u2192 "+b.Slug)
	}
	if a.Title != b.Title {
		ch = append(ch, "title")
	}
	if a.Summary != b.Summary {
		ch = append(ch, "summary")
	}
	if a.Ask != b.Ask {
		ch = append(ch, "ask")
	}
	if !maps.Equal(a.Facts, b.Facts) {
		ch = append(ch, "facts")
	}
	if !maps.EqualFunc(a.FactSources, b.FactSources, func(x, y app.FactSource) bool {
		return x.Source == y.Source && sameTime(x.VerifiedOn, y.VerifiedOn)
	}) {
		ch = append(ch, "fact sources")
	}
	if a.ReviewDays != b.ReviewDays {
		ch = append(ch, "review interval")
	}
	if !sameTime(a.StartsAt, b.StartsAt) || !sameTime(a.EndsAt, b.EndsAt) {
		ch = append(ch, "dates")
	}
	if a.Delivery != b.Delivery {
		ch = append(ch, "delivery settings")
	}
	if a.RetentionDays != b.RetentionDays {
		ch = append(ch, "retention "+strconv.Itoa(a.RetentionDays)+" \u2192 "+strconv.Itoa(b.RetentionDays)+" days")
	}
	if len(ch) == 0 {
		return "saved without changes"
	}
	return "changed " + strings.Join(ch, ", ")
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// Problems lists what keeps a campaign from working for supporters: no
// rules, a rule the roster cannot satisfy, a missing or broken letter. An
// empty list means it is ready to open.
func (s *Service) Problems(ctx context.Context, c *app.Campaign) ([]string, error) {
	rules, err := s.store.ListTargetRules(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	tpls, err := s.store.CurrentTemplates(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	if len(rules) == 0 {
		out = append(out, "Add at least one target: the campaign writes to no one.")
	}
	if s.roster != nil {
		ix := s.roster.Index()
		for _, r := range rules {
			if p := ruleProblem(ix, r); p != "" {
				out = append(out, p)
			}
		}
	}
	for _, k := range kindsFor(rules) {
		tv, ok := tpls[k]
		if !ok {
			out = append(out, fmt.Sprintf("Write the %s letter: the campaign has none.", k))
			continue
		}
		if err := s.letters.Validate(tv, c); err != nil {
			out = append(out, fmt.Sprintf("Fix the %s letter: %s", k, app.ErrorMessageOf(err)))
		}
		if p := Placeholder(tv); p != "" {
			out = append(out, fmt.Sprintf("Write the %s letter: it still has the starter letter's placeholder %s. Replace it with your own words.", k, p))
		}
	}
	return out, nil
}

// Open lets the campaign take letters (within its dates). It refuses while
// Problems lists anything.
func (s *Service) Open(ctx context.Context, slug string) (*app.Campaign, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	c, err := s.store.FindCampaignBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if c.Status == app.CampaignOpen {
		return c, nil
	}
	probs, err := s.Problems(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(probs) > 0 {
		return nil, app.Errorf(app.ECONFLICT, "The campaign cannot open yet: %s", strings.Join(probs, " "))
	}
	return s.setStatus(ctx, c, app.CampaignOpen, ActionCampaignOpen)
}

// Close stops the campaign taking letters; its page stays up with a closing
// note and letters already made are kept.
func (s *Service) Close(ctx context.Context, slug string) (*app.Campaign, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	c, err := s.store.FindCampaignBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if c.Status == app.CampaignClosed {
		return c, nil
	}
	return s.setStatus(ctx, c, app.CampaignClosed, ActionCampaignClose)
}

func (s *Service) setStatus(ctx context.Context, c *app.Campaign, st app.CampaignStatus, action string) (*app.Campaign, error) {
	from := c.Status
	c.Status = st
	if err := s.store.UpdateCampaign(ctx, c); err != nil {
		return nil, err
	}
	s.forget(c.Slug)
	s.record(ctx, action, subjectOf(c), string(from)+" \u2192 "+string(st))
	return c, nil
}

// campaignFor loads a campaign for an edit, checking the actor first.
func (s *Service) campaignFor(ctx context.Context, slug string) (app.Actor, *app.Campaign, error) {
	a, err := actor(ctx)
	if err != nil {
		return app.Actor{}, nil, err
	}
	c, err := s.store.FindCampaignBySlug(ctx, slug)
	if err != nil {
		return app.Actor{}, nil, err
	}
	return a, c, nil
}

// needRoster fails features that need the live roster when the service
// was built without one (a wiring mistake, not the organizer's).
func (s *Service) needRoster() error {
	if s.roster == nil {
		return errors.New("campaign: no roster configured")
	}
	return nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "\u2026"
}
