// Package keptroster lets organizers keep the rosters that no public source
// publishes: the members of commissions such as the Tom Lantos Human Rights
// Commission (TLHRC) and the Congressional-Executive Commission on China
// (CECC), and the executive-branch offices campaigns write to. People
// change office, so these lists must be editable in the app.
//
// A roster import replaces the imported roster wholesale, so hand edits
// cannot live there. They live in tables of their own (see the store) and
// are laid over whatever was imported each time the roster service builds
// its index (Overlay). The first edit copies the current commissions and
// executive targets into the kept tables; from then on the kept lists
// replace the imported ones until an organizer discards the hand edits.
// Letters keep their own recipient snapshots, so an edit never changes a
// letter already made.
package keptroster

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// Store keeps the hand-kept roster (the store package implements it).
type Store interface {
	// KeptRoster returns the kept commissions, members and executive
	// targets, nil when organizers have not taken over the lists, and the
	// version.
	KeptRoster(ctx context.Context) (*app.Roster, int64, error)
	KeptRosterVersion(ctx context.Context) (int64, error)
	// SaveKeptRosterAddresses replaces the kept lists if the version is
	// still expect (ECONFLICT otherwise), records what the edit does to
	// delivery addresses in the same transaction, and returns the new
	// version and the address changes now waiting for an admin.
	SaveKeptRosterAddresses(ctx context.Context, r *app.Roster, expect int64, by string, u app.AddressUpdate) (int64, []app.AddressChange, error)
	ResetKeptRoster(ctx context.Context, expect int64, by string) (int64, error)
	// ApprovedAddresses is the current approved address of each subject
	// ("executive:KEY", "commission:CODE").
	ApprovedAddresses(ctx context.Context) (map[string]string, error)
	ListAddressChanges(ctx context.Context, f app.AddressChangeFilter) ([]app.AddressChange, error)
	// DecideAddressChange approves or refuses a pending change; the
	// decider must not be the person who asked for it (EFORBIDDEN).
	DecideAddressChange(ctx context.Context, id int64, approve bool, by string, byID int64) (*app.AddressChange, error)
	// ListLegislators returns the sitting Members, for the member picker.
	ListLegislators(ctx context.Context) ([]app.Legislator, error)
}

// Overlay lays the kept lists over imported rosters; it satisfies
// roster.Overlay. It needs only the store, so it can be built before the
// roster service that uses it.
type Overlay struct {
	store Store
}

// NewOverlay returns an Overlay reading st.
func NewOverlay(st Store) *Overlay { return &Overlay{store: st} }

// Apply returns base with the kept lists laid over it. Each kept office and
// commission is emailed at its approved address only, never at one an
// organizer typed that no admin has approved yet: the matcher, and so every
// submission, sees nothing else.
func (o *Overlay) Apply(ctx context.Context, base *app.Roster) (*app.Roster, int64, error) {
	kept, v, err := o.store.KeptRoster(ctx)
	if err != nil {
		return nil, 0, err
	}
	if kept != nil {
		// Read after the version: a decision in between bumps the version,
		// so the next refresh rebuilds with it.
		approved, err := o.store.ApprovedAddresses(ctx)
		if err != nil {
			return nil, 0, err
		}
		useApproved(kept, approved)
	}
	return Merge(base, kept), v, nil
}

// Version is the kept lists' version.
func (o *Overlay) Version(ctx context.Context) (int64, error) { return o.store.KeptRosterVersion(ctx) }

// Merge returns base with every commission (and its seats) and every
// executive target replaced by kept's. A nil kept returns base. base is not
// modified; slices that do not change are shared.
func Merge(base, kept *app.Roster) *app.Roster {
	if base == nil {
		base = &app.Roster{}
	}
	if kept == nil {
		return base
	}
	out := *base
	keptCodes := map[string]bool{}
	for _, c := range kept.Committees {
		keptCodes[c.Code] = true
	}
	dropped := map[string]bool{}
	out.Committees = make([]app.Committee, 0, len(base.Committees)+len(kept.Committees))
	for _, c := range base.Committees {
		if c.Kind == app.KindCommission || keptCodes[c.Code] {
			dropped[c.Code] = true
			continue
		}
		out.Committees = append(out.Committees, c)
	}
	for _, c := range kept.Committees {
		c.Kind = app.KindCommission
		out.Committees = append(out.Committees, c)
	}
	out.Memberships = make([]app.Membership, 0, len(base.Memberships)+len(kept.Memberships))
	for _, m := range base.Memberships {
		if !dropped[m.CommitteeCode] {
			out.Memberships = append(out.Memberships, m)
		}
	}
	out.Memberships = append(out.Memberships, kept.Memberships...)
	out.Executives = slices.Clone(kept.Executives)
	return &out
}

// RosterSource is the live roster (roster.Service satisfies it).
type RosterSource interface {
	Index() *match.Index
	// Rebuild reloads the roster with the current kept lists.
	Rebuild(ctx context.Context) error
}

// RuleSource finds the campaigns that write to a commission or executive
// target, so that one in use is not removed (app.CampaignStore satisfies
// it).
type RuleSource interface {
	ListCampaigns(ctx context.Context, f app.CampaignFilter) ([]app.Campaign, error)
	ListTargetRules(ctx context.Context, campaignID int64) ([]app.TargetRule, error)
}

// Auditor records who changed what (auth.Audit satisfies it).
type Auditor interface {
	Record(ctx context.Context, action, subject, detail string) error
}

// Audit actions.
const (
	ActionCommissionSave   = "roster.commission.save"
	ActionCommissionRemove = "roster.commission.remove"
	ActionMemberSave       = "roster.member.save"
	ActionMemberRemove     = "roster.member.remove"
	ActionExecutiveSave    = "roster.executive.save"
	ActionExecutiveRemove  = "roster.executive.remove"
	ActionReset            = "roster.reset"
)

// Options wires a Service.
type Options struct {
	Store     Store
	Roster    RosterSource
	Campaigns RuleSource
	Auditor   Auditor
	// Notifier tells the admins about a change of address waiting for
	// their approval (nil: nobody is told; the admin home page still
	// lists it).
	Notifier Notifier
	Logger   *slog.Logger
}

// Service edits the kept lists. It is safe for concurrent use.
type Service struct {
	store     Store
	roster    RosterSource
	campaigns RuleSource
	audit     Auditor
	notifier  Notifier
	log       *slog.Logger
	// notifying tracks notifications still being sent (see Wait).
	notifying sync.WaitGroup
}

// New returns a Service.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: o.Store, roster: o.Roster, campaigns: o.Campaigns, audit: o.Auditor, notifier: o.Notifier, log: o.Logger}
}

func actor(ctx context.Context) (app.Actor, error) {
	a, ok := app.ActorFrom(ctx)
	if !ok {
		return app.Actor{}, app.Errorf(app.EUNAUTHORIZED, "Please sign in to edit the rosters.")
	}
	if a.Has(app.RoleOrganizer) || a.Via == "cli" || a.Via == "system" {
		return a, nil
	}
	return app.Actor{}, app.Errorf(app.EFORBIDDEN, "Only organizers can edit the rosters.")
}

// State says whether organizers keep the lists by hand.
type State struct {
	// Kept is set once an organizer has edited the lists; imports then no
	// longer change commissions or executive targets.
	Kept    bool
	Version int64
}

// State reports whether the lists are kept by hand.
func (s *Service) State(ctx context.Context) (State, error) {
	if _, err := actor(ctx); err != nil {
		return State{}, err
	}
	kept, v, err := s.store.KeptRoster(ctx)
	if err != nil {
		return State{}, err
	}
	return State{Kept: kept != nil, Version: v}, nil
}

// Seat is a commission seat with the Member's details from the roster.
type Seat struct {
	app.Membership
	Legislator app.Legislator
	// InRoster is false when the Member is not in the current roster (left
	// Congress): the seat is kept but reaches no one.
	InRoster bool
}

// CommissionView is a commission with its seats in roster order.
type CommissionView struct {
	app.Committee
	Seats []Seat
}

// current returns the lists as they apply now: the kept ones, or the ones
// the index holds (imported or seed) before any hand edit.
func (s *Service) current(ctx context.Context) (*app.Roster, int64, error) {
	r, v, _, err := s.currentState(ctx)
	return r, v, err
}

// currentState is current, and whether the lists were just adopted from
// the index (no hand edit yet).
func (s *Service) currentState(ctx context.Context) (*app.Roster, int64, bool, error) {
	kept, v, err := s.store.KeptRoster(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	if kept == nil {
		return adopt(s.roster.Index()), v, true, nil
	}
	return kept, v, false, nil
}

// adopt copies the commissions and executive targets of the current index,
// the starting point of the first hand edit.
func adopt(ix *match.Index) *app.Roster {
	r := &app.Roster{}
	for _, c := range ix.Committees() {
		if c.Kind != app.KindCommission {
			continue
		}
		r.Committees = append(r.Committees, c)
		r.Memberships = append(r.Memberships, ix.Members(c.Code)...)
	}
	r.Executives = ix.Executives()
	return r
}

// Commissions lists the commissions with their seats.
func (s *Service) Commissions(ctx context.Context) ([]CommissionView, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	r, _, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	ix := s.roster.Index()
	out := make([]CommissionView, 0, len(r.Committees))
	for _, c := range r.Committees {
		cv := CommissionView{Committee: c}
		for _, m := range r.Memberships {
			if m.CommitteeCode != c.Code {
				continue
			}
			l, ok := ix.Legislator(m.BioguideID)
			if !ok {
				l = app.Legislator{BioguideID: m.BioguideID, OfficialName: m.BioguideID}
			}
			cv.Seats = append(cv.Seats, Seat{Membership: m, Legislator: l, InRoster: ok})
		}
		out = append(out, cv)
	}
	return out, nil
}

// Commission returns one commission with its seats.
func (s *Service) Commission(ctx context.Context, code string) (*CommissionView, error) {
	list, err := s.Commissions(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Code == code {
			return &list[i], nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "There is no commission %q.", code)
}

// Executives lists the executive targets.
func (s *Service) Executives(ctx context.Context) ([]app.ExecutiveTarget, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	r, _, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return r.Executives, nil
}

// Executive returns one executive target.
func (s *Service) Executive(ctx context.Context, key string) (*app.ExecutiveTarget, error) {
	list, err := s.Executives(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Key == key {
			return &list[i], nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "There is no executive target %q.", key)
}

// Legislators lists the sitting Members sorted by last name, for the seat
// picker.
func (s *Service) Legislators(ctx context.Context) ([]app.Legislator, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	list, err := s.store.ListLegislators(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b app.Legislator) int {
		return strings.Compare(strings.ToLower(a.LastName+" "+a.FirstName), strings.ToLower(b.LastName+" "+b.FirstName))
	})
	return list, nil
}

// MemberLabel is how the picker shows a Member; ParseMember reads it back.
func MemberLabel(l app.Legislator) string {
	where := l.State
	if l.Chamber == app.House {
		where = app.DistrictKey{State: l.State, District: l.District}.String()
	}
	party := ""
	if l.Party != "" {
		party = l.Party[:1] + "-"
	}
	return fmt.Sprintf("%s (%s%s) [%s]", l.DisplayName(), party, where, l.BioguideID)
}

var bioguideRE = regexp.MustCompile(`^[A-Z][0-9]{6}$`)
var bracketRE = regexp.MustCompile(`\[([A-Za-z][0-9]{6})\]\s*$`)

// edit applies fn to the current lists and saves them, retrying once when
// another edit got in between, then rebuilds the live roster, records the
// action with every field's old and new value, and tells the admins about
// a change of address waiting for them. A changed delivery address is
// saved as the organizer typed it but not used until an admin approves it
// (see addressUpdate).
func (s *Service) edit(ctx context.Context, action, subject string, fn func(r *app.Roster, ix *match.Index) (string, error)) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	var detail string
	var diff []string
	var proposed []app.AddressChange
	for attempt := 0; ; attempt++ {
		r, v, adopted, err := s.currentState(ctx)
		if err != nil {
			return err
		}
		before := cloneRoster(r)
		ix := s.roster.Index()
		if detail, err = fn(r, ix); err != nil {
			return err
		}
		approved := addressesOf(before)
		if !adopted {
			if approved, err = s.store.ApprovedAddresses(ctx); err != nil {
				return err
			}
		}
		u, notes := addressUpdate(before, r, approved, adopted, a)
		diff = diffRoster(before, r, ix, notes)
		if _, proposed, err = s.store.SaveKeptRosterAddresses(ctx, r, v, a.Label(), u); err == nil {
			break
		}
		if app.ErrorCodeOf(err) != app.ECONFLICT || attempt > 0 {
			return err
		}
	}
	if s.audit != nil {
		if len(diff) > 0 {
			detail += "\n" + strings.Join(diff, "\n")
		}
		if err := s.audit.Record(ctx, action, subject, detail); err != nil {
			s.log.ErrorContext(ctx, "audit record failed", "action", action, "err", err)
		}
	}
	s.notifyPending(ctx, proposed)
	if err := s.roster.Rebuild(ctx); err != nil {
		// Saved, but this instance still shows the old roster until the
		// next refresh; say so rather than pretend.
		return app.WrapError(app.EUNAVAILABLE, err, "The change was saved but the live roster could not be rebuilt; it will apply after the next refresh.")
	}
	return nil
}

// usedBy names the campaigns whose rules match pick, for "in use" errors.
func (s *Service) usedBy(ctx context.Context, pick func(app.TargetRule) bool) ([]string, error) {
	if s.campaigns == nil {
		return nil, nil
	}
	list, err := s.campaigns.ListCampaigns(ctx, app.CampaignFilter{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range list {
		rules, err := s.campaigns.ListTargetRules(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(rules, pick) {
			out = append(out, "\u201c"+c.Title+"\u201d")
		}
	}
	return out, nil
}

var codeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,39}$`)

// CommissionInput is the commission form.
type CommissionInput struct {
	Code    string
	Name    string
	Chamber app.Chamber
	URL     string
	Address string
	Phone   string
	Email   string
}

func line(s string) string { return strings.Join(strings.Fields(s), " ") }

// SaveCommission adds a commission (code not yet used) or updates the
// details of one (code unchanged).
func (s *Service) SaveCommission(ctx context.Context, in CommissionInput, isNew bool) error {
	c := app.Committee{Code: strings.ToUpper(strings.TrimSpace(in.Code)), Name: line(in.Name), Kind: app.KindCommission,
		Chamber: in.Chamber, URL: strings.TrimSpace(in.URL), Address: line(in.Address), Phone: line(in.Phone),
		Email: strings.TrimSpace(in.Email)}
	fe := app.FieldErrors{}
	if !codeRE.MatchString(c.Code) {
		fe.Add("code", "use 2-40 capital letters, digits and _, starting with a letter, such as TLHRC")
	}
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 200 {
		fe.Add("name", "a name of 1-200 characters is required")
	}
	switch c.Chamber {
	case app.House, app.Senate, app.Joint:
	default:
		fe.Add("chamber", "choose House, Senate or joint")
	}
	if c.URL != "" && !strings.HasPrefix(c.URL, "https://") && !strings.HasPrefix(c.URL, "http://") {
		fe.Add("url", "use a web address starting with https://")
	}
	if c.Email != "" {
		if msg := emailProblem(c.Email); msg != "" {
			fe.Add("email", msg)
		}
	}
	for f, v := range map[string]string{"url": c.URL, "address": c.Address, "phone": c.Phone} {
		if utf8.RuneCountInString(v) > 300 {
			fe.Add(f, "keep it under 300 characters")
		}
	}
	if err := fe.Err("Please correct the highlighted fields."); err != nil {
		return err
	}
	verb := "updated"
	if isNew {
		verb = "added"
	}
	return s.edit(ctx, ActionCommissionSave, "commission:"+c.Code, func(r *app.Roster, ix *match.Index) (string, error) {
		i := slices.IndexFunc(r.Committees, func(x app.Committee) bool { return x.Code == c.Code })
		switch {
		case isNew && i >= 0:
			return "", fieldErr("code", "there is already a commission "+c.Code)
		case isNew:
			if _, ok := ix.Committee(c.Code); ok {
				return "", fieldErr("code", c.Code+" is already the code of an imported committee")
			}
			r.Committees = append(r.Committees, c)
		case i < 0:
			return "", app.Errorf(app.ENOTFOUND, "There is no commission %q.", c.Code)
		default:
			r.Committees[i] = c
		}
		return verb + " \u201c" + c.Name + "\u201d", nil
	})
}

func fieldErr(field, msg string) error {
	return &app.Error{Code: app.EINVALID, Message: "Please correct the highlighted fields.", Fields: map[string]string{field: msg}}
}

// RemoveCommission deletes a commission and its seats; refused while a
// campaign writes to it.
func (s *Service) RemoveCommission(ctx context.Context, code string) error {
	if _, err := actor(ctx); err != nil {
		return err
	}
	users, err := s.usedBy(ctx, func(r app.TargetRule) bool { return r.Kind == app.RuleCommittee && r.CommitteeCode == code })
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return app.Errorf(app.ECONFLICT, "%s cannot be removed: %s writes to it. Remove it from the campaign's targets first.",
			code, strings.Join(users, ", "))
	}
	return s.edit(ctx, ActionCommissionRemove, "commission:"+code, func(r *app.Roster, _ *match.Index) (string, error) {
		i := slices.IndexFunc(r.Committees, func(x app.Committee) bool { return x.Code == code })
		if i < 0 {
			return "", app.Errorf(app.ENOTFOUND, "There is no commission %q.", code)
		}
		name := r.Committees[i].Name
		r.Committees = slices.Delete(r.Committees, i, i+1)
		r.Memberships = slices.DeleteFunc(r.Memberships, func(m app.Membership) bool { return m.CommitteeCode == code })
		return "removed \u201c" + name + "\u201d", nil
	})
}

// MaxTitleLen bounds a seat's title.
const MaxTitleLen = 100

// SeatInput is a seat as chosen in the form: Member is a bioguide id, or
// the picker's label ending in "[B000123]".
type SeatInput struct {
	Member string
	Title  string
}

// SaveSeat adds a Member to a commission or changes their title. The Member
// must be in the current roster.
func (s *Service) SaveSeat(ctx context.Context, code string, in SeatInput) error {
	id := strings.TrimSpace(in.Member)
	if m := bracketRE.FindStringSubmatch(id); m != nil {
		id = m[1]
	}
	id = strings.ToUpper(id)
	title := line(in.Title)
	if strings.EqualFold(title, "member") {
		title = ""
	}
	fe := app.FieldErrors{}
	if utf8.RuneCountInString(title) > MaxTitleLen {
		fe.Add("title", fmt.Sprintf("keep the title to %d characters", MaxTitleLen))
	}
	var who app.Legislator
	if !bioguideRE.MatchString(id) {
		fe.Add("member", "choose a Member of Congress from the list")
	} else if l, ok := s.roster.Index().Legislator(id); !ok {
		fe.Add("member", "there is no sitting Member with the id "+id+" in the current roster")
	} else {
		who = l
	}
	if err := fe.Err("Please correct the highlighted fields."); err != nil {
		return err
	}
	return s.edit(ctx, ActionMemberSave, "commission:"+code, func(r *app.Roster, _ *match.Index) (string, error) {
		if !slices.ContainsFunc(r.Committees, func(x app.Committee) bool { return x.Code == code }) {
			return "", app.Errorf(app.ENOTFOUND, "There is no commission %q.", code)
		}
		i := slices.IndexFunc(r.Memberships, func(m app.Membership) bool { return m.CommitteeCode == code && m.BioguideID == id })
		role := title
		if role == "" {
			role = "member"
		}
		if i >= 0 {
			old := r.Memberships[i].Title
			r.Memberships[i].Title = title
			if old == "" {
				old = "member"
			}
			return fmt.Sprintf("%s: %s \u2192 %s", who.DisplayName(), old, role), nil
		}
		rank := 0
		for _, m := range r.Memberships {
			if m.CommitteeCode == code && m.Rank > rank {
				rank = m.Rank
			}
		}
		r.Memberships = append(r.Memberships, app.Membership{CommitteeCode: code, BioguideID: id, Rank: rank + 1, Title: title})
		return fmt.Sprintf("added %s as %s", who.DisplayName(), role), nil
	})
}

// RemoveSeat takes a Member off a commission.
func (s *Service) RemoveSeat(ctx context.Context, code, bioguide string) error {
	return s.edit(ctx, ActionMemberRemove, "commission:"+code, func(r *app.Roster, ix *match.Index) (string, error) {
		i := slices.IndexFunc(r.Memberships, func(m app.Membership) bool { return m.CommitteeCode == code && m.BioguideID == bioguide })
		if i < 0 {
			return "", app.Errorf(app.ENOTFOUND, "That Member is not on %s.", code)
		}
		r.Memberships = slices.Delete(r.Memberships, i, i+1)
		name := bioguide
		if l, ok := ix.Legislator(bioguide); ok {
			name = l.DisplayName()
		}
		return "removed " + name, nil
	})
}

// ExecutiveInput is the executive target form.
type ExecutiveInput struct {
	Key           string
	Title         string
	Name          string
	Salutation    string
	Greeting      string
	Address       string
	Email         string
	InOfficeSince string
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// SaveExecutive adds an executive target (isNew; the key must be unused) or
// updates one; the key never changes, since campaign rules name it.
func (s *Service) SaveExecutive(ctx context.Context, in ExecutiveInput, isNew bool) error {
	x := app.ExecutiveTarget{Key: strings.ToUpper(strings.TrimSpace(in.Key)), Title: line(in.Title), Name: line(in.Name),
		Salutation: line(in.Salutation), Greeting: line(in.Greeting), Email: strings.TrimSpace(in.Email),
		InOfficeSince: strings.TrimSpace(in.InOfficeSince)}
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(in.Address, "\r\n", "\n"), "\n") {
		if l = line(l); l != "" {
			lines = append(lines, l)
		}
	}
	x.Address = strings.Join(lines, "\n")
	fe := app.FieldErrors{}
	if !codeRE.MatchString(x.Key) {
		fe.Add("key", "use 2-40 capital letters, digits and _, starting with a letter, such as DHS_SECRETARY")
	}
	if x.Title == "" || utf8.RuneCountInString(x.Title) > 200 {
		fe.Add("title", "an office title of 1-200 characters is required, such as Secretary of Homeland Security")
	}
	if x.Name == "" || utf8.RuneCountInString(x.Name) > 200 {
		fe.Add("name", "the name of the person in office is required")
	}
	if utf8.RuneCountInString(x.Salutation) > 200 {
		fe.Add("salutation", "keep it under 200 characters")
	}
	if utf8.RuneCountInString(x.Greeting) > 200 {
		fe.Add("greeting", "keep it under 200 characters")
	}
	if x.Address == "" || utf8.RuneCountInString(x.Address) > 500 {
		fe.Add("address", "a postal address (up to 500 characters) is required: letters are printed")
	}
	if x.Email != "" {
		if msg := emailProblem(x.Email); msg != "" {
			fe.Add("email", msg+", or leave it empty")
		}
	}
	if x.InOfficeSince != "" && !dateRE.MatchString(x.InOfficeSince) {
		fe.Add("in_office_since", "use a date such as 2026-03-23")
	}
	if err := fe.Err("Please correct the highlighted fields."); err != nil {
		return err
	}
	return s.edit(ctx, ActionExecutiveSave, "executive:"+x.Key, func(r *app.Roster, _ *match.Index) (string, error) {
		i := slices.IndexFunc(r.Executives, func(e app.ExecutiveTarget) bool { return e.Key == x.Key })
		switch {
		case isNew && i >= 0:
			return "", fieldErr("key", "there is already an executive target "+x.Key)
		case isNew:
			r.Executives = append(r.Executives, x)
			return "added " + x.Title + ", " + x.Name, nil
		case i < 0:
			return "", app.Errorf(app.ENOTFOUND, "There is no executive target %q.", x.Key)
		}
		old := r.Executives[i]
		r.Executives[i] = x
		if old.Name != x.Name {
			return fmt.Sprintf("%s: %s \u2192 %s", x.Title, old.Name, x.Name), nil
		}
		return "updated " + x.Title, nil
	})
}

// RemoveExecutive deletes an executive target; refused while a campaign
// writes to it.
func (s *Service) RemoveExecutive(ctx context.Context, key string) error {
	if _, err := actor(ctx); err != nil {
		return err
	}
	users, err := s.usedBy(ctx, func(r app.TargetRule) bool { return r.Kind == app.RuleExecutive && r.ExecutiveKey == key })
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return app.Errorf(app.ECONFLICT, "%s cannot be removed: %s writes to it. Remove it from the campaign's targets first.",
			key, strings.Join(users, ", "))
	}
	return s.edit(ctx, ActionExecutiveRemove, "executive:"+key, func(r *app.Roster, _ *match.Index) (string, error) {
		i := slices.IndexFunc(r.Executives, func(e app.ExecutiveTarget) bool { return e.Key == key })
		if i < 0 {
			return "", app.Errorf(app.ENOTFOUND, "There is no executive target %q.", key)
		}
		gone := r.Executives[i]
		r.Executives = slices.Delete(r.Executives, i, i+1)
		return "removed " + gone.Title + ", " + gone.Name, nil
	})
}

// Reset discards every hand edit: the commissions and executive targets of
// the imported roster (or the built-in seed) apply again.
func (s *Service) Reset(ctx context.Context) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	kept, v, err := s.store.KeptRoster(ctx)
	if err != nil {
		return err
	}
	pending, err := s.store.ListAddressChanges(ctx, app.AddressChangeFilter{Status: app.ApprovalPending, Limit: 500})
	if err != nil {
		return err
	}
	if _, err := s.store.ResetKeptRoster(ctx, v, a.Label()); err != nil {
		return err
	}
	rebuildErr := s.roster.Rebuild(ctx)
	if s.audit != nil {
		// What changes back, field by field: the hand-kept values before,
		// the imported ones after.
		detail := []string{"discarded hand edits of commissions and executive targets"}
		for _, c := range pending {
			detail = append(detail, fmt.Sprintf("withdrew the change of address of %s: %s \u2192 %s", c.Label, quote(c.OldEmail), quote(c.NewEmail)))
		}
		if kept != nil && rebuildErr == nil {
			ix := s.roster.Index()
			detail = append(detail, diffRoster(kept, adopt(ix), ix, nil)...)
		}
		if err := s.audit.Record(ctx, ActionReset, "roster:kept", strings.Join(detail, "\n")); err != nil {
			s.log.ErrorContext(ctx, "audit record failed", "action", ActionReset, "err", err)
		}
	}
	if rebuildErr != nil {
		return app.WrapError(app.EUNAVAILABLE, rebuildErr, "The hand edits were discarded but the live roster could not be rebuilt; it will apply after the next refresh.")
	}
	return nil
}
