// Package campaign is the organizer side of campaigns: creating, editing,
// opening and closing them; their target rules, checked against the live
// roster and described in plain words with whom they reach; their letter
// templates, validated before every save and kept as immutable versions
// with a line diff between them (restoring an old version saves it again
// as a new one); previews of unsaved text as text and PDF; and loading the
// seed campaign on a fresh install.
//
// Organizer actions take the actor from the context (app.ActorFrom), refuse
// anyone who is not an organizer, record an audit event and tell the
// supporter journey's cache, so an edit shows at once. Letters already made
// are never touched: they keep their text and the version they came from.
package campaign

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
)

// Options wires a Service. Store and Letters are required; the rest are
// needed only by the organizer workspace (editing, previews, reach counts)
// and may be nil for the seed loader and the CLI.
type Options struct {
	Store   app.CampaignStore
	Letters *letter.Renderer
	Logger  *slog.Logger
	// Roster gives the current roster, to check rules against it, count
	// whom they reach and pick preview recipients.
	Roster RosterSource
	// PDF prints preview letters.
	PDF *pdf.Maker
	// Cache is told about every edit, so that supporters see it at once
	// (submit.Service satisfies it).
	Cache Cache
	// Auditor records who changed what; nil records nothing.
	Auditor Auditor
	// Counts gives submission and letter totals per campaign for the list.
	Counts Counter
	// Clock dates preview letters and tells whether a campaign is running.
	Clock app.Clock
	// Location is the time zone of the start and end times organizers type
	// and of preview letter dates (default America/New_York).
	Location *time.Location
}

// Service manages campaigns. It is safe for concurrent use.
type Service struct {
	store   app.CampaignStore
	letters *letter.Renderer
	log     *slog.Logger
	roster  RosterSource
	pdf     *pdf.Maker
	cache   Cache
	audit   Auditor
	counts  Counter
	now     app.Clock
	loc     *time.Location
}

// New returns a Service.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("America/New_York")
		if err != nil {
			loc = time.UTC
		}
		o.Location = loc
	}
	return &Service{store: o.Store, letters: o.Letters, log: o.Logger, roster: o.Roster, pdf: o.PDF,
		cache: o.Cache, audit: o.Auditor, counts: o.Counts, now: o.Clock, loc: o.Location}
}

// Draft is a new campaign with its rules and one template per target kind.
// Campaign.Updates, when set, are posted after the campaign is stored.
type Draft struct {
	Campaign  app.Campaign
	Rules     []app.TargetRule
	Templates map[app.TargetKind]app.TemplateVersion
	Author    string
}

// Create validates and stores a campaign with its rules and templates. Every
// target kind the rules can produce must have a template.
func (s *Service) Create(ctx context.Context, d Draft) (*app.Campaign, error) {
	c := d.Campaign
	if err := c.Validate(); err != nil {
		return nil, err
	}
	for i := range d.Rules {
		if err := d.Rules[i].Validate(); err != nil {
			return nil, err
		}
		d.Rules[i].Position = i
	}
	for _, k := range kindsFor(d.Rules) {
		if _, ok := d.Templates[k]; !ok {
			return nil, app.Errorf(app.EINVALID, "The campaign writes to %s targets but has no letter for them.", k)
		}
	}
	for k, tv := range d.Templates {
		tv.Kind = k
		if err := s.letters.Validate(tv, &c); err != nil {
			return nil, fmt.Errorf("%s letter: %w", k, err)
		}
	}
	if err := s.store.CreateCampaign(ctx, &c); err != nil {
		return nil, err
	}
	for i := range d.Rules {
		d.Rules[i].CampaignID = c.ID
	}
	if err := s.store.ReplaceTargetRules(ctx, c.ID, d.Rules); err != nil {
		return nil, err
	}
	kinds := make([]app.TargetKind, 0, len(d.Templates))
	for k := range d.Templates {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Rank() < kinds[j].Rank() })
	for _, k := range kinds {
		tv := d.Templates[k]
		tv.CampaignID, tv.Kind, tv.Author = c.ID, k, d.Author
		if err := s.store.SaveTemplateVersion(ctx, &tv); err != nil {
			return nil, err
		}
	}
	updates := c.Updates
	c.Updates = nil
	for _, u := range updates {
		u.CampaignID, u.Author = c.ID, d.Author
		if err := u.Validate(); err != nil {
			return nil, fmt.Errorf("case update of %s: %w", u.On.Format(DateLayout), err)
		}
		if err := s.store.AddCaseUpdate(ctx, &u); err != nil {
			return nil, err
		}
		c.Updates = append([]app.CaseUpdate{u}, c.Updates...)
	}
	return &c, nil
}

// kindsFor lists the target kinds a set of rules can produce.
func kindsFor(rules []app.TargetRule) []app.TargetKind {
	seen := map[app.TargetKind]bool{}
	var out []app.TargetKind
	add := func(k app.TargetKind) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, r := range rules {
		switch r.Kind {
		case app.RuleOwnRepresentative:
			add(app.TargetRepresentative)
		case app.RuleOwnSenators:
			add(app.TargetSenator)
		case app.RuleCommittee:
			add(app.TargetCommittee)
		case app.RuleExecutive:
			add(app.TargetExecutive)
		}
	}
	return out
}

// seedFile is the YAML layout of data/seed/campaigns/*.yaml.
type seedFile struct {
	Slug    string            `yaml:"slug"`
	Title   string            `yaml:"title"`
	Status  string            `yaml:"status"`
	Ask     string            `yaml:"ask"`
	Summary string            `yaml:"summary"`
	Facts   map[string]string `yaml:"facts"`
	// FactSources gives each fact its source and the day it was checked;
	// the seed test requires one for every fact.
	FactSources map[string]struct {
		VerifiedOn string `yaml:"verified_on"`
		Source     string `yaml:"source"`
	} `yaml:"fact_sources"`
	ReviewDays int    `yaml:"review_days"`
	Outcome    string `yaml:"outcome"`
	OutcomeOn  string `yaml:"outcome_on"`
	Acted      []struct {
		Key    string `yaml:"key"`
		Action string `yaml:"action"`
		Source string `yaml:"source"`
		On     string `yaml:"on"`
	} `yaml:"acted"`
	Updates []struct {
		On        string `yaml:"on"`
		Body      string `yaml:"body"`
		SourceURL string `yaml:"source_url"`
	} `yaml:"updates"`
	Targets []struct {
		Rule             string `yaml:"rule"`
		Committee        string `yaml:"committee"`
		Executive        string `yaml:"executive"`
		LeadershipOnly   bool   `yaml:"leadership_only"`
		OnlyConstituents bool   `yaml:"only_constituents"`
	} `yaml:"targets"`
	Letters map[string]string `yaml:"letters"` // kind -> file in the letters folder
	// Delivery is optional; without it the campaign has the zero settings
	// (no double opt-in, replies to the campaign, default CWC topic).
	Delivery *struct {
		DoubleOptIn        bool   `yaml:"double_opt_in"`
		ConfirmWithinHours int    `yaml:"confirm_within_hours"`
		ReplyToSupporter   bool   `yaml:"reply_to_supporter"`
		OrgName            string `yaml:"org_name"`
		OrgStatement       string `yaml:"org_statement"`
		CWCTopic           string `yaml:"cwc_topic"`
	} `yaml:"delivery"`
}

// LoadSeed creates the seed campaigns when the database has no campaign at
// all. campaigns holds *.yaml files; letters holds <kind>.txt letter files.
// It returns the slugs it created.
func (s *Service) LoadSeed(ctx context.Context, campaigns, letters fs.FS) ([]string, error) {
	existing, err := s.store.ListCampaigns(ctx, app.CampaignFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, nil
	}
	files, err := fs.Glob(campaigns, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var created []string
	for _, name := range files {
		d, err := readSeed(campaigns, letters, name)
		if err != nil {
			return created, err
		}
		c, err := s.Create(ctx, *d)
		if err != nil {
			return created, fmt.Errorf("seed campaign %s: %w", name, err)
		}
		created = append(created, c.Slug)
	}
	return created, nil
}

// CreateFromSeed stores a copy of one seed campaign file (e.g.
// "free-guan-heng.yaml") after edit changes it (a new slug and title, say).
func (s *Service) CreateFromSeed(ctx context.Context, campaigns, letters fs.FS, name string, edit func(*Draft)) (*app.Campaign, error) {
	d, err := readSeed(campaigns, letters, name)
	if err != nil {
		return nil, err
	}
	edit(d)
	return s.Create(ctx, *d)
}

func readSeed(campaigns, letters fs.FS, name string) (*Draft, error) {
	raw, err := fs.ReadFile(campaigns, name)
	if err != nil {
		return nil, err
	}
	var f seedFile
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d := &Draft{
		Campaign: app.Campaign{
			Slug: f.Slug, Title: f.Title, Status: app.CampaignStatus(f.Status),
			Ask: strings.TrimSpace(f.Ask), Summary: strings.TrimSpace(f.Summary), Facts: f.Facts,
			ReviewDays: f.ReviewDays, Outcome: strings.TrimSpace(f.Outcome),
		},
		Templates: map[app.TargetKind]app.TemplateVersion{},
		Author:    "seed",
	}
	day := func(what, v string) (*time.Time, error) {
		t, ok := parseDay(v)
		if !ok {
			return nil, fmt.Errorf("%s: %s: %q is not a date such as 2026-02-04", name, what, v)
		}
		return t, nil
	}
	var err2 error
	if d.Campaign.OutcomeOn, err2 = day("outcome_on", f.OutcomeOn); err2 != nil {
		return nil, err2
	}
	for k, src := range f.FactSources {
		on, err := day("fact_sources."+k, src.VerifiedOn)
		if err != nil {
			return nil, err
		}
		if d.Campaign.FactSources == nil {
			d.Campaign.FactSources = map[string]app.FactSource{}
		}
		d.Campaign.FactSources[k] = app.FactSource{VerifiedOn: on, Source: strings.TrimSpace(src.Source)}
	}
	for _, a := range f.Acted {
		on, err := day("acted "+a.Key, a.On)
		if err != nil {
			return nil, err
		}
		d.Campaign.Acted = append(d.Campaign.Acted, app.ActedRecipient{Key: a.Key, Action: strings.TrimSpace(a.Action),
			Source: strings.TrimSpace(a.Source), On: on})
	}
	for _, u := range f.Updates {
		on, err := day("updates", u.On)
		if err != nil {
			return nil, err
		}
		if on == nil {
			return nil, fmt.Errorf("%s: an update has no date", name)
		}
		d.Campaign.Updates = append(d.Campaign.Updates, app.CaseUpdate{On: *on, Body: strings.TrimSpace(u.Body),
			SourceURL: strings.TrimSpace(u.SourceURL)})
	}
	if dl := f.Delivery; dl != nil {
		d.Campaign.Delivery = app.DeliverySettings{DoubleOptIn: dl.DoubleOptIn, ConfirmWithinHours: dl.ConfirmWithinHours,
			ReplyToSupporter: dl.ReplyToSupporter, OrgName: strings.TrimSpace(dl.OrgName),
			OrgStatement: strings.TrimSpace(dl.OrgStatement), CWCTopic: strings.TrimSpace(dl.CWCTopic)}
	}
	for _, t := range f.Targets {
		d.Rules = append(d.Rules, app.TargetRule{
			Kind: app.RuleKind(t.Rule), CommitteeCode: t.Committee, ExecutiveKey: t.Executive,
			LeadershipOnly: t.LeadershipOnly, OnlyConstituents: t.OnlyConstituents,
		})
	}
	for _, k := range kindsFor(d.Rules) {
		file := f.Letters[string(k)]
		if file == "" {
			file = string(k) + ".txt"
		}
		src, err := fs.ReadFile(letters, path.Clean(file))
		if err != nil {
			return nil, fmt.Errorf("%s: letter for %s: %w", name, k, err)
		}
		subject, body, err := letter.ParseLetterFile(string(src))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		d.Templates[k] = app.TemplateVersion{Kind: k, Subject: subject, Body: body, Note: "seed"}
	}
	return d, nil
}
