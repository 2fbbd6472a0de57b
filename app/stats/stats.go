// Package stats is the staff side of Advocate: outreach totals per campaign,
// their breakdowns, the letters list and the exports of both. It reads the
// rollups the store keeps, names targets from the letters' own recipient
// snapshots, and shows supporters' personal data only to those whose role
// allows it. Every export is recorded in the audit log.
package stats

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
)

// Store is what the service reads.
type Store interface {
	app.StatsStore
	CampaignTotals(ctx context.Context) (map[int64]*app.CampaignTotals, error)
	EachLetter(ctx context.Context, q app.LetterQuery, fn func(*app.LetterRow) error) error
	FindCampaignBySlug(ctx context.Context, slug string) (*app.Campaign, error)
	ListCampaigns(ctx context.Context, f app.CampaignFilter) ([]app.Campaign, error)
}

// Recorder writes audit events (auth.Audit has it).
type Recorder interface {
	Record(ctx context.Context, action, subject, detail string) error
}

// Options configure a Service.
type Options struct {
	Store Store
	Audit Recorder  // nil records nothing
	Clock app.Clock // nil means time.Now
	// NameTTL is how long a target's name, party and seat are cached
	// (default 5 minutes): they change only when a later letter carries a
	// newer recipient snapshot.
	NameTTL time.Duration
}

// Service answers staff questions about outreach.
type Service struct {
	o     Options
	mu    sync.Mutex
	names map[nameKey]cachedTarget
}

type nameKey struct {
	campaign int64
	key      string
}

type cachedTarget struct {
	t    app.Target
	seen bool // false: no letter carries this key (yet)
	at   time.Time
}

// New returns a Service.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.NameTTL <= 0 {
		o.NameTTL = 5 * time.Minute
	}
	return &Service{o: o, names: map[nameKey]cachedTarget{}}
}

// canRead: staff, and those who handle supporters' data; the system and
// the command line (the operator has the database anyway).
func canRead(a app.Actor) bool {
	return a.Has(app.RoleStaff) || a.Has(app.RoleSupporterData) || a.Via == "cli" || a.Via == "system"
}

// SeesPersonalData reports whether the actor in ctx sees supporters' names
// and emails unmasked.
func SeesPersonalData(ctx context.Context) bool {
	a, ok := app.ActorFrom(ctx)
	return ok && a.Has(app.RoleSupporterData)
}

func requireReader(ctx context.Context) error {
	a, ok := app.ActorFrom(ctx)
	if !ok || (a.UserID == 0 && a.Via == "") {
		return app.Errorf(app.EUNAUTHORIZED, "Please sign in to see outreach totals.")
	}
	if !canRead(a) {
		return app.Errorf(app.EFORBIDDEN, "Outreach totals are for staff; ask an administrator for the staff role.")
	}
	return nil
}

// Summary is one campaign on the staff overview.
type Summary struct {
	Campaign app.Campaign
	Totals   app.CampaignTotals
}

// Overview lists every campaign (newest first, as ListCampaigns orders
// them) with its headline numbers.
func (s *Service) Overview(ctx context.Context) ([]Summary, error) {
	if err := requireReader(ctx); err != nil {
		return nil, err
	}
	camps, err := s.o.Store.ListCampaigns(ctx, app.CampaignFilter{Limit: 500})
	if err != nil {
		return nil, err
	}
	tot, err := s.o.Store.CampaignTotals(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, len(camps))
	for i, c := range camps {
		out[i].Campaign = c
		if t := tot[c.ID]; t != nil {
			out[i].Totals = *t
		}
		out[i].Totals.CampaignID = c.ID
	}
	return out, nil
}

// Report is one campaign's dashboard.
type Report struct {
	Campaign *app.Campaign
	*app.Stats
	// Targets are the campaign's targets with letters, for the filter's
	// choices (unfiltered by target), most letters first.
	Targets []app.TargetTally
}

// ConfirmationRate is the share of supporters who confirmed, in percent,
// or -1 when the campaign does not ask for confirmation or has no
// supporters yet.
func (r *Report) ConfirmationRate() float64 {
	if !r.Campaign.Delivery.DoubleOptIn || r.Supporters == 0 {
		return -1
	}
	return 100 * float64(r.Confirmed) / float64(r.Supporters)
}

// Campaign loads a campaign for a staff reader.
func (s *Service) Campaign(ctx context.Context, slug string) (*app.Campaign, error) {
	if err := requireReader(ctx); err != nil {
		return nil, err
	}
	return s.o.Store.FindCampaignBySlug(ctx, slug)
}

// Report counts one campaign's outreach under f (its CampaignID is set
// from slug).
func (s *Service) Report(ctx context.Context, slug string, f app.StatsFilter) (*Report, error) {
	c, err := s.Campaign(ctx, slug)
	if err != nil {
		return nil, err
	}
	f.CampaignID = c.ID
	st, err := s.o.Store.OutreachStats(ctx, f)
	if err != nil {
		return nil, err
	}
	r := &Report{Campaign: c, Stats: st, Targets: st.ByTarget}
	if f.Target != "" || f.Channel != "" || f.From != "" || f.To != "" || f.State != "" {
		// The target choices are every target of the campaign.
		if r.Targets, err = s.o.Store.CampaignTargets(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	if err := s.name(ctx, c.ID, st.ByTarget, r.Targets); err != nil {
		return nil, err
	}
	return r, nil
}

// name fills in the target tallies' names and seats from the latest letter
// to each target, through the cache.
func (s *Service) name(ctx context.Context, campaignID int64, lists ...[]app.TargetTally) error {
	now := s.o.Clock()
	var missing []string
	s.mu.Lock()
	for _, list := range lists {
		for _, t := range list {
			c, ok := s.names[nameKey{campaignID, t.Key}]
			if (!ok || now.Sub(c.at) > s.o.NameTTL) && !slices.Contains(missing, t.Key) {
				missing = append(missing, t.Key)
			}
		}
	}
	s.mu.Unlock()
	if len(missing) > 0 {
		found, err := s.o.Store.LatestRecipients(ctx, campaignID, missing)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if len(s.names) > 50_000 {
			clear(s.names) // a crude bound; refilled on demand
		}
		for _, k := range missing {
			t, ok := found[k]
			s.names[nameKey{campaignID, k}] = cachedTarget{t: t, seen: ok, at: now}
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, list := range lists {
		for i := range list {
			t := &list[i]
			c := s.names[nameKey{campaignID, t.Key}]
			if !c.seen {
				t.Name = t.Key
				continue
			}
			t.Kind, t.BioguideID, t.Name, t.Title = c.t.Kind, c.t.BioguideID, c.t.Name, c.t.Title
			t.Chamber, t.Party, t.State, t.District = c.t.Chamber, c.t.Party, c.t.State, c.t.District
		}
	}
	return nil
}

// LetterPage is one page of the staff letters list.
type LetterPage struct {
	Rows []app.LetterRow
	// NextAfter is the AfterID of the next page, 0 on the last.
	NextAfter int64
	// Masked tells whether names and emails were masked for the reader.
	Masked bool
}

// MaxLetterPage caps a page of the letters list.
const MaxLetterPage = 100

// Letters returns one page of a campaign's letters, masked unless the
// reader may see supporters' personal data.
func (s *Service) Letters(ctx context.Context, slug string, q app.LetterQuery) (*LetterPage, error) {
	c, err := s.Campaign(ctx, slug)
	if err != nil {
		return nil, err
	}
	q.Filter.CampaignID = c.ID
	if q.Limit <= 0 || q.Limit > MaxLetterPage {
		q.Limit = MaxLetterPage
	}
	want := q.Limit
	q.Limit++ // one more tells whether there is a next page
	p := &LetterPage{Masked: !SeesPersonalData(ctx)}
	err = s.o.Store.EachLetter(ctx, q, func(r *app.LetterRow) error {
		row := *r
		row.Deliveries = slices.Clone(r.Deliveries)
		if p.Masked {
			Mask(&row)
		}
		p.Rows = append(p.Rows, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(p.Rows) > want {
		p.Rows = p.Rows[:want]
		p.NextAfter = p.Rows[want-1].ID
	}
	return p, nil
}

// Mask hides a supporter's name and email: "Jane Doe" becomes "J. D.",
// "jane@example.org" "j***@e***.org".
func Mask(r *app.LetterRow) {
	r.Email = app.MaskEmail(r.Email)
	var parts []string
	for _, w := range strings.Fields(r.Supporter) {
		c, _ := utf8.DecodeRuneInString(w)
		parts = append(parts, string(c)+".")
	}
	r.Supporter = strings.Join(parts, " ")
}
