package app

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// CampaignStatus is where a campaign is in its life.
type CampaignStatus string

// Campaign statuses. Only open campaigns accept submissions.
const (
	CampaignDraft  CampaignStatus = "draft"
	CampaignOpen   CampaignStatus = "open"
	CampaignClosed CampaignStatus = "closed"
)

// Campaign is one advocacy push: who to write to, what to ask, and the facts
// its letters draw on.
type Campaign struct {
	ID      int64
	Slug    string
	Title   string
	Summary string // short text for the campaign page (plain text, paragraphs)
	Ask     string // the one-sentence request, e.g. "hold a public hearing on the case"
	// Facts are organizer-defined merge fields ({{ campaign.facts.name }}).
	Facts map[string]string
	// FactSources says, per fact key, where the fact comes from and when
	// an organizer last checked it. A fact without an entry is "not
	// verified": a campaign about a person's case changes as the case
	// does, and a letter must not repeat what stopped being true.
	FactSources map[string]FactSource
	// ReviewDays is how old a fact's check may grow before the organizer is
	// warned to verify it again (0 means DefaultReviewDays).
	ReviewDays int
	// Outcome is how the campaign ended ("won: asylum granted on ..."),
	// shown on its public page instead of the form once it is closed;
	// OutcomeOn is the day it was recorded.
	Outcome   string
	OutcomeOn *time.Time
	// Acted lists recipients who already did what the campaign asks (or
	// started it), so letters thank them instead of asking them to join
	// themselves (recipient.already_acted in the letter language).
	Acted []ActedRecipient
	// Updates are the case updates shown on the public page, newest
	// first. Stores fill them when loading one campaign (not in lists).
	Updates       []CaseUpdate
	Status        CampaignStatus
	StartsAt      *time.Time
	EndsAt        *time.Time
	RetentionDays int // 0 keeps supporter data until erased by hand
	// Delivery says how letters leave Advocate besides the supporter's
	// own download (emails, confirmation, CWC).
	Delivery  DeliverySettings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DeliverySettings are a campaign's choices for emailing letters and
// exporting them to Congress' CWC system.
type DeliverySettings struct {
	// DoubleOptIn holds letters until the supporter clicks the link in the
	// copy emailed to them: only then do they count and go to offices.
	DoubleOptIn bool
	// ConfirmWithinHours is how long an unconfirmed submission waits
	// before its office emails expire (0 means DefaultConfirmWithinHours).
	ConfirmWithinHours int
	// ReplyToSupporter makes office replies go straight to the supporter
	// (Reply-To header) instead of the campaign's own address.
	ReplyToSupporter bool
	// OrgName is the organization behind the campaign, shown as the email
	// sender ("Jane Doe via OrgName") and in CWC exports.
	OrgName string
	// OrgStatement is the organization's statement sent along with each
	// constituent's own paragraph in CWC exports.
	OrgStatement string
	// CWCTopic is the Library of Congress topic of CWC exports ("" means
	// DefaultCWCTopic).
	CWCTopic string
}

// FactSource is where a campaign fact comes from and when it was last
// checked against that source.
type FactSource struct {
	// VerifiedOn is the day an organizer last checked the fact (a date;
	// nil when never checked).
	VerifiedOn *time.Time `json:"verified_on,omitempty"`
	// Source names where the fact comes from, with its date, e.g.
	// "Associated Press, 2026-02-04" or a link.
	Source string `json:"source,omitempty"`
}

// DefaultReviewDays is how often facts should be checked when a campaign
// does not say.
const DefaultReviewDays = 30

// ReviewEvery is the campaign's review interval, defaulted.
func (c *Campaign) ReviewEvery() int {
	if c.ReviewDays <= 0 {
		return DefaultReviewDays
	}
	return c.ReviewDays
}

// StaleFacts lists, sorted, the facts never verified or verified more than
// the review interval before now.
func (c *Campaign) StaleFacts(now time.Time) []string {
	var out []string
	limit := now.AddDate(0, 0, -c.ReviewEvery())
	for k := range c.Facts {
		src, ok := c.FactSources[k]
		if !ok || src.VerifiedOn == nil || src.VerifiedOn.Before(limit) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// FactsVerifiedOn is the oldest verification date among the campaign's
// facts (the date the whole set is known to be true), and false when a
// fact was never verified or there are no facts.
func (c *Campaign) FactsVerifiedOn() (time.Time, bool) {
	var oldest time.Time
	if len(c.Facts) == 0 {
		return oldest, false
	}
	for k := range c.Facts {
		src, ok := c.FactSources[k]
		if !ok || src.VerifiedOn == nil {
			return time.Time{}, false
		}
		if oldest.IsZero() || src.VerifiedOn.Before(oldest) {
			oldest = *src.VerifiedOn
		}
	}
	return oldest, true
}

// ActedRecipient is someone a campaign's letters thank rather than ask:
// a Member who already wrote on the case, an office that already did what
// the campaign asks, or every seat-holder of a body that spoke up.
type ActedRecipient struct {
	// Key is whom it applies to: a bioguide id ("K000391"), a target key
	// ("leg:K000391", "exec:DHS_SECRETARY") or "body:CODE" for everyone
	// holding a seat on a committee or commission ("body:TLHRC").
	Key string `json:"key"`
	// Action says what they did, in words a letter can print after
	// "you" or on its own ("wrote to the Secretary of Homeland Security
	// on his behalf"): recipient.action.
	Action string `json:"action"`
	// Source names where this is recorded, with its date.
	Source string `json:"source"`
	// On is the day they acted, when known.
	On *time.Time `json:"on,omitempty"`
}

// Matches reports whether the entry applies to target t.
func (a ActedRecipient) Matches(t Target) bool {
	k := strings.TrimSpace(a.Key)
	switch {
	case k == "":
		return false
	case strings.HasPrefix(k, "body:"):
		code := strings.TrimPrefix(k, "body:")
		for _, r := range t.Roles {
			if strings.EqualFold(r.CommitteeCode, code) {
				return true
			}
		}
		return false
	case strings.Contains(k, ":"):
		return k == t.Key
	}
	return t.BioguideID != "" && strings.EqualFold(k, t.BioguideID)
}

var actedKeyRE = regexp.MustCompile(`^(?:[A-Z][0-9]{6}|(?:leg|exec|body):[A-Za-z0-9_]{1,40})$`)

// CaseUpdate is a dated note on how the case behind a campaign has moved,
// shown on the public page, newest first.
type CaseUpdate struct {
	ID         int64
	CampaignID int64
	// On is the day the update is about (a date, in the campaign's zone).
	On time.Time
	// Body is plain text (paragraphs separated by blank lines).
	Body string
	// SourceURL optionally links where the news comes from.
	SourceURL string
	Author    string
	CreatedAt time.Time
}

// Validate checks an update as typed.
func (u *CaseUpdate) Validate() error {
	fe := FieldErrors{}
	if u.On.IsZero() {
		fe.Add("on", "give the date of the update")
	}
	if b := strings.TrimSpace(u.Body); b == "" || utf8.RuneCountInString(b) > 5000 {
		fe.Add("body", "write the update in 1-5,000 characters")
	}
	if s := strings.TrimSpace(u.SourceURL); s != "" && (!strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") ||
		strings.ContainsAny(s, " \t\n\"<>") || len(s) > 1000) {
		fe.Add("source_url", "use a web address starting with https:// (or leave it empty)")
	}
	return fe.Err("The update has errors.")
}

// Delivery defaults.
const (
	DefaultConfirmWithinHours = 72
	DefaultCWCTopic           = "Immigration"
)

// ConfirmWithin is how long a submission may stay unconfirmed.
func (d DeliverySettings) ConfirmWithin() time.Duration {
	h := d.ConfirmWithinHours
	if h <= 0 {
		h = DefaultConfirmWithinHours
	}
	return time.Duration(h) * time.Hour
}

// Topic is the CWC Library of Congress topic, defaulted.
func (d DeliverySettings) Topic() string {
	if strings.TrimSpace(d.CWCTopic) == "" {
		return DefaultCWCTopic
	}
	return strings.TrimSpace(d.CWCTopic)
}

// validate adds the delivery settings' problems to fe.
func (d DeliverySettings) validate(fe FieldErrors) {
	if d.ConfirmWithinHours < 0 || d.ConfirmWithinHours > 24*30 {
		fe.Add("confirm_within_hours", "use 0 (default, 72 hours) to 720 hours")
	}
	if v, bad := cleanLine(d.OrgName); bad || v != d.OrgName || utf8.RuneCountInString(v) > 200 {
		fe.Add("org_name", "use one line of at most 200 characters")
	}
	if utf8.RuneCountInString(d.OrgStatement) > 10000 {
		fe.Add("org_statement", "keep the statement under 10,000 characters")
	}
	if v, bad := cleanLine(d.CWCTopic); bad || v != d.CWCTopic || utf8.RuneCountInString(v) > 100 {
		fe.Add("cwc_topic", "use one line of at most 100 characters")
	}
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
var factKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Validate checks the fields an organizer sets.
func (c *Campaign) Validate() error {
	fe := FieldErrors{}
	if !slugRE.MatchString(c.Slug) || len(c.Slug) > 64 {
		fe.Add("slug", "use 1-64 lowercase letters, digits and single dashes")
	}
	if t := strings.TrimSpace(c.Title); t == "" || utf8.RuneCountInString(t) > 200 {
		fe.Add("title", "a title of 1-200 characters is required")
	}
	if utf8.RuneCountInString(c.Summary) > 20000 {
		fe.Add("summary", "keep the summary under 20,000 characters")
	}
	if utf8.RuneCountInString(c.Ask) > 1000 {
		fe.Add("ask", "keep the ask under 1,000 characters")
	}
	switch c.Status {
	case CampaignDraft, CampaignOpen, CampaignClosed:
	default:
		fe.Add("status", "must be draft, open or closed")
	}
	for k, v := range c.Facts {
		if !factKeyRE.MatchString(k) {
			fe.Add("facts", "fact names use lowercase letters, digits and _ and start with a letter: "+k)
		}
		if utf8.RuneCountInString(v) > 5000 {
			fe.Add("facts", "fact "+k+" is longer than 5,000 characters")
		}
	}
	if len(c.Facts) > 100 {
		fe.Add("facts", "at most 100 facts")
	}
	for k, src := range c.FactSources {
		if _, ok := c.Facts[k]; !ok {
			fe.Add("facts", "a source is given for "+k+", which is not a fact")
		}
		if utf8.RuneCountInString(src.Source) > 1000 {
			fe.Add("facts", "the source of "+k+" is longer than 1,000 characters")
		}
	}
	if c.ReviewDays < 0 || c.ReviewDays > 365 {
		fe.Add("review_days", "review facts every 1-365 days (0 means every 30 days)")
	}
	if utf8.RuneCountInString(c.Outcome) > 2000 {
		fe.Add("outcome", "keep the outcome under 2,000 characters")
	}
	if len(c.Acted) > 200 {
		fe.Add("acted", "at most 200 recipients who already acted")
	}
	seenActed := map[string]bool{}
	for _, a := range c.Acted {
		switch {
		case !actedKeyRE.MatchString(a.Key):
			fe.Add("acted", "\u201c"+a.Key+"\u201d is not a bioguide id (K000391), a target key (leg:K000391, exec:DHS_SECRETARY) or body:CODE")
		case seenActed[a.Key]:
			fe.Add("acted", a.Key+" is listed twice")
		case strings.TrimSpace(a.Action) == "" || utf8.RuneCountInString(a.Action) > 500:
			fe.Add("acted", "say in 1-500 characters what "+a.Key+" did")
		case strings.TrimSpace(a.Source) == "" || utf8.RuneCountInString(a.Source) > 1000:
			fe.Add("acted", "name the source (with its date) for "+a.Key)
		}
		seenActed[a.Key] = true
	}
	if c.StartsAt != nil && c.EndsAt != nil && c.EndsAt.Before(*c.StartsAt) {
		fe.Add("ends_at", "the end date is before the start date")
	}
	if c.RetentionDays < 0 || c.RetentionDays > 3650 {
		fe.Add("retention_days", "retention is 0 (keep) to 3650 days")
	}
	c.Delivery.validate(fe)
	return fe.Err("The campaign has errors.")
}

// AcceptsAt reports whether the campaign takes submissions at time t, and
// if not, a reason a supporter can read.
func (c *Campaign) AcceptsAt(t time.Time) (bool, string) {
	switch {
	case c.Status == CampaignClosed:
		return false, "This campaign is closed and no longer accepts letters. Thank you for your support."
	case c.Status != CampaignOpen:
		return false, "This campaign is not open yet."
	case c.StartsAt != nil && t.Before(*c.StartsAt):
		return false, "This campaign opens on " + c.StartsAt.Format("January 2, 2006") + "."
	case c.EndsAt != nil && !t.Before(*c.EndsAt):
		return false, "This campaign ended on " + c.EndsAt.Format("January 2, 2006") + "."
	}
	return true, ""
}

// TargetKind is the kind of recipient; each kind has its own letter template.
type TargetKind string

// Target kinds, in the order letters are listed.
const (
	TargetRepresentative TargetKind = "representative"
	TargetSenator        TargetKind = "senator"
	TargetCommittee      TargetKind = "committee" // committee or commission member
	TargetExecutive      TargetKind = "executive"
)

// TargetKinds lists every kind in display order.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func TargetKinds() []TargetKind { return slices.Clone(allTargetKinds) }

var allTargetKinds = []TargetKind{TargetRepresentative, TargetSenator, TargetCommittee, TargetExecutive}

// Rank orders kinds; when one person is matched twice, the lower rank wins.
func (k TargetKind) Rank() int {
	for i, x := range allTargetKinds {
		if x == k {
			return i
		}
	}
	return len(allTargetKinds)
}

// Valid reports whether k is a known kind.
func (k TargetKind) Valid() bool { return k.Rank() < len(allTargetKinds) }

// RuleKind is how a campaign chooses recipients.
type RuleKind string

// Rule kinds.
const (
	RuleOwnRepresentative RuleKind = "own_representative"
	RuleOwnSenators       RuleKind = "own_senators"
	RuleCommittee         RuleKind = "committee"
	RuleExecutive         RuleKind = "executive"
)

// TargetRule is one line of a campaign's "who to write to".
type TargetRule struct {
	ID         int64
	CampaignID int64
	Kind       RuleKind
	// CommitteeCode names the committee or commission for RuleCommittee.
	CommitteeCode string
	// LeadershipOnly keeps only members with a title (chair, ranking member...).
	LeadershipOnly bool
	// OnlyConstituents keeps only members who represent the supporter.
	OnlyConstituents bool
	// ExecutiveKey names the executive target for RuleExecutive.
	ExecutiveKey string
	Position     int
}

// Validate checks a rule on its own (not that its committee exists).
func (r *TargetRule) Validate() error {
	switch r.Kind {
	case RuleOwnRepresentative, RuleOwnSenators:
	case RuleCommittee:
		if strings.TrimSpace(r.CommitteeCode) == "" {
			return Errorf(EINVALID, "choose a committee or commission")
		}
	case RuleExecutive:
		if strings.TrimSpace(r.ExecutiveKey) == "" {
			return Errorf(EINVALID, "choose an executive target")
		}
	default:
		return Errorf(EINVALID, "unknown target rule %q", r.Kind)
	}
	return nil
}

// TemplateVersion is one saved, immutable version of the letter template for
// a target kind of a campaign. The current template is the newest version.
type TemplateVersion struct {
	ID         int64
	CampaignID int64
	Kind       TargetKind
	Version    int // 1, 2, 3... per (campaign, kind)
	Subject    string
	Body       string
	Author     string // user email or "seed"
	Note       string // e.g. "restored version 2"
	CreatedAt  time.Time
}
