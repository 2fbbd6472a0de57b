package letter

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// DateLayout is how the date field is written in letters.
const DateLayout = "January 2, 2006"

// value is one merge value; which half is meaningful depends on the field kind.
type value struct {
	s string
	b bool
}

// Data holds the merge values for one letter. Build it with NewData for a real
// letter or ExampleData for a preview; tests and tools may adjust it with Set
// and SetBool. A missing value renders as empty text (or false).
type Data struct {
	slots    []value           // fixed schema, indexed by slot
	facts    map[string]string // campaign facts by key; may be the campaign's own map
	ownFacts bool              // facts is a private copy and may be written
	extra    map[string]value  // fields outside the fixed schema and facts
	// acted is the campaign's list of recipients who already acted (read,
	// never written), for recipient.already_acted.
	acted []app.ActedRecipient
}

func (d *Data) ensure() {
	if d.slots == nil {
		d.slots = make([]value, numSlots)
	}
}

// Set stores a text value for path. A campaign fact path updates only this
// Data, never the campaign it came from.
func (d *Data) Set(path, s string) { d.set(path, value{s: s}) }

// SetBool stores a yes/no value for path.
func (d *Data) SetBool(path string, b bool) { d.set(path, value{b: b}) }

func (d *Data) set(path string, v value) {
	if i, ok := slotByPath[path]; ok {
		d.ensure()
		d.slots[i] = v
		return
	}
	if key, ok := strings.CutPrefix(path, FactPrefix); ok {
		if !d.ownFacts {
			d.facts = maps.Clone(d.facts)
			if d.facts == nil {
				d.facts = map[string]string{}
			}
			d.ownFacts = true
		}
		d.facts[key] = v.s
		return
	}
	if d.extra == nil {
		d.extra = map[string]value{}
	}
	d.extra[path] = v
}

// get returns the value a compiled reference points at.
func (d *Data) get(r *ref) value {
	switch r.src {
	case srcSlot:
		if d.slots == nil {
			return value{}
		}
		return d.slots[r.slot]
	case srcFact:
		return value{s: d.facts[r.key]}
	default:
		return d.extra[r.key]
	}
}

// NewData gathers the merge values for one letter from the domain types. The
// campaign may be nil (no campaign fields). Text values are trimmed, so a
// personal message of only white space counts as empty. The campaign's facts
// map is read, not copied; do not change it while the Data is in use.
func NewData(c *app.Campaign, t app.Target, s app.Supporter, personalMessage string, date time.Time) Data {
	return NewLetterBase(c, s, personalMessage, date).ForTarget(t)
}

// NewLetterBase gathers the merge values that one supporter's letters share
// (supporter, campaign, personal message, date); ForTarget completes them
// for each recipient. NewData is the two in one.
func NewLetterBase(c *app.Campaign, s app.Supporter, personalMessage string, date time.Time) Data {
	d := Data{slots: make([]value, numSlots)}
	set := func(slot int, v string) { d.slots[slot].s = strings.TrimSpace(v) }

	set(slotSupFirstName, s.FirstName)
	set(slotSupLastName, s.LastName)
	set(slotSupFullName, s.FullName())
	set(slotSupEmail, s.Email)
	set(slotSupAddress1, s.Address1)
	set(slotSupAddress2, s.Address2)
	set(slotSupCity, s.City)
	set(slotSupState, s.State)
	set(slotSupZip, s.Zip)
	csz := cityStateZip(strings.TrimSpace(s.City), strings.TrimSpace(s.State), strings.TrimSpace(s.Zip))
	set(slotSupCityStateZip, csz)
	set(slotSupAddress, joinNonEmpty(", ", s.Address1, s.Address2, csz))

	if c != nil {
		set(slotCampTitle, c.Title)
		set(slotCampSlug, c.Slug)
		set(slotCampAsk, c.Ask)
		set(slotCampSummary, c.Summary)
		d.facts = c.Facts
		d.acted = c.Acted
	}
	set(slotPersonalMessage, personalMessage)
	if !date.IsZero() {
		set(slotDate, date.Format(DateLayout))
	}
	return d
}

// ForTarget returns a copy of the base d (from NewLetterBase) with the
// recipient t's values. d itself is not changed, so one base serves all of
// a supporter's letters.
func (d Data) ForTarget(t app.Target) Data {
	d.slots = slices.Clone(d.slots)
	if d.slots == nil {
		d.slots = make([]value, numSlots)
	}
	if d.ownFacts {
		d.facts = maps.Clone(d.facts)
	}
	d.extra = maps.Clone(d.extra)
	set := func(slot int, v string) { d.slots[slot].s = strings.TrimSpace(v) }
	setB := func(slot int, b bool) { d.slots[slot].b = b }

	set(slotRecName, t.Name)
	set(slotRecLastName, t.LastName)
	set(slotRecTitle, t.Title)
	set(slotRecHonorific, t.Honorific)
	set(slotRecFullName, joinNonEmpty(" ", t.Honorific, t.Name))
	set(slotRecGreeting, greeting(t))
	set(slotRecKind, string(t.Kind))
	set(slotRecChamber, string(t.Chamber))
	set(slotRecParty, t.Party)
	set(slotRecState, t.State)
	house := t.Chamber == app.House || t.Chamber == "" && t.Kind == app.TargetRepresentative
	if house && t.District != nil {
		n := *t.District
		if n == 0 {
			set(slotRecDistrict, "at-large")
			set(slotRecDistrictLabel, app.DistrictKey{State: t.State, District: 0}.String())
		} else {
			set(slotRecDistrict, strconv.Itoa(n))
			set(slotRecDistrictLabel, app.DistrictKey{State: t.State, District: n}.String())
		}
	}
	set(slotRecAddress, joinNonEmpty("\n", t.AddressLines...))
	set(slotRecRoles, rolesText(t.Roles))
	set(slotRecRolePhrase, rolePhrase(t.Roles))
	bodies := bodyNames(t.Roles)
	set(slotRecBodies, andList(bodies))
	setB(slotRecSeveralBodies, len(bodies) > 1)
	for _, a := range d.acted {
		if a.Matches(t) {
			setB(slotRecAlreadyActed, true)
			set(slotRecAction, a.Action)
			set(slotRecActionSource, a.Source)
			break
		}
	}
	if len(t.Roles) > 0 {
		r := t.Roles[0]
		title := strings.TrimSpace(r.Title)
		if title == "" {
			title = "Member"
		}
		set(slotRecRole, title)
		set(slotRecCommittee, r.CommitteeName)
	}
	set(slotRecReason, joinNonEmpty("; ", t.Reasons...))
	setB(slotRecIsRepresentative, house)
	setB(slotRecIsSenator, t.Chamber == app.Senate || t.Chamber == "" && t.Kind == app.TargetSenator)
	setB(slotRecIsCommittee, t.Kind == app.TargetCommittee || len(t.Roles) > 0)
	setB(slotRecIsExecutive, t.Kind == app.TargetExecutive)
	setB(slotRecIsConstituent, isConstituent(t))
	return d
}

// ExampleData fills every field with its example value, for previews in the
// editor before any supporter exists.
func ExampleData(fields []Field) Data {
	var d Data
	d.ensure()
	for _, f := range fields {
		if f.Kind == KindBool {
			d.SetBool(f.Path, f.Example == "true")
		} else {
			d.Set(f.Path, f.Example)
		}
	}
	return d
}

// greeting uses the roster's salutation and derives one when it is missing,
// so a letter never starts without one.
func greeting(t app.Target) string {
	if g := strings.TrimSpace(t.Greeting); g != "" {
		return g
	}
	title, _, _ := strings.Cut(strings.TrimSpace(t.Title), " ")
	switch {
	case title != "" && strings.TrimSpace(t.LastName) != "":
		return "Dear " + title + " " + strings.TrimSpace(t.LastName) + ":"
	case strings.TrimSpace(t.Name) != "":
		return "Dear " + strings.TrimSpace(t.Name) + ":"
	}
	return "Dear Sir or Madam:"
}

// rolesText describes seats in words that read well after "as":
// "Ranking Member of the House Select Committee on the CCP and a member of
// the Tom Lantos Human Rights Commission". A title naming a group inside
// the body ("Executive Committee", "Executive Committee member") reads
// "a member of the Executive Committee of the ...", never "Executive
// Committee of the ...".
func rolesText(roles []app.TargetRole) string {
	parts := make([]string, 0, len(roles))
	for _, r := range roles {
		name := bodyName(r)
		if name == "" {
			continue
		}
		parts = append(parts, seatWords(strings.TrimSpace(r.Title), name))
	}
	return andList(parts)
}

// groupNouns end titles that name a group of members rather than one
// office ("Executive Committee", "Steering Committee").
var groupNouns = []string{"committee", "subcommittee", "board", "council", "caucus", "panel", "group"}

// seatWords puts one seat in words: "Co-Chair of the X", "a member of the
// Executive Committee of the X", "a member of the X".
func seatWords(title, body string) string {
	low := strings.ToLower(title)
	if low == "" || low == "member" {
		return "a member of " + body
	}
	group := title
	if g, ok := strings.CutSuffix(low, " member"); ok && low != "ranking member" {
		group = title[:len(g)]
		low = g
	}
	for _, n := range groupNouns {
		if low == n || strings.HasSuffix(low, " "+n) {
			return "a member of the " + group + " of " + body
		}
	}
	return title + " of " + body
}

// bodyName is a seat's committee or commission with its article.
func bodyName(r app.TargetRole) string {
	name := strings.TrimSpace(r.CommitteeName)
	if name == "" {
		name = strings.TrimSpace(r.CommitteeCode)
	}
	if name == "" {
		return ""
	}
	if !strings.HasPrefix(strings.ToLower(name), "the ") {
		name = "the " + name
	}
	return name
}

// bodyNames lists the different bodies of the seats, in order.
func bodyNames(roles []app.TargetRole) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if n := bodyName(r); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// rolePhrase is "your role as ..." for one seat and "your roles as ...
// and ..." for several, so that "in {{ recipient.role_phrase }}" agrees.
func rolePhrase(roles []app.TargetRole) string {
	text := rolesText(roles)
	if text == "" {
		return ""
	}
	n := 0
	for _, r := range roles {
		if bodyName(r) != "" {
			n++
		}
	}
	if n > 1 {
		return "your roles as " + text
	}
	return "your role as " + text
}

// andList joins "a", "a and b", "a, b and c".
func andList(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " and " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// isConstituent reports whether t represents the supporter: they were matched
// as the supporter's own Representative or Senator (possibly besides a
// committee seat, in which case the kind may be either).
func isConstituent(t app.Target) bool {
	if t.Kind == app.TargetRepresentative || t.Kind == app.TargetSenator {
		return true
	}
	for _, r := range t.Reasons {
		r = strings.ToLower(strings.TrimSpace(r))
		if !strings.HasPrefix(r, "your ") {
			continue
		}
		for _, w := range [...]string{"representative", "senator", "delegate", "resident commissioner", "member of congress"} {
			if strings.Contains(r, w) {
				return true
			}
		}
	}
	return false
}

func cityStateZip(city, state, zip string) string {
	right := joinNonEmpty(" ", state, zip)
	return joinNonEmpty(", ", city, right)
}

// joinNonEmpty joins the trimmed, non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}
