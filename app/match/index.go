package match

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// Index is the roster arranged for the questions a supporter's request asks.
// It is immutable once built, so one Index serves every goroutine; a new
// roster import builds a new Index rather than changing this one.
//
// Slices returned by accessors are copies unless a method says otherwise.
type Index struct {
	// ZIP 12345 has districts zipPool[zipStart[12345]:zipStart[12346]]: an
	// array lookup is several times faster than a map and never allocates.
	zipStart []uint32
	zipPool  []app.DistrictKey
	// prefixStates lists, for each three-digit ZIP prefix, the states whose
	// ZIPs in the table start with it; national says the table covers the
	// whole country (not the offline sample), so a prefix missing from it
	// was never given out.
	prefixStates [1000][]string
	national     bool
	legislators  map[string]*app.Legislator
	legTargets   map[string]*app.Target              // letter fields prepared once per Member
	senators     map[string][]*app.Legislator        // senior first
	reps         map[app.DistrictKey]*app.Legislator // nil value: vacant seat
	offices      map[string][]app.DistrictOffice
	committees   map[string]*committeeEntry
	sortedComms  []app.Committee
	executives   map[string]*app.ExecutiveTarget
	sortedExecs  []app.ExecutiveTarget
	spatial      *spatialIndex
	stats        Stats
}

type committeeEntry struct {
	c       app.Committee
	display string // full name for reasons, e.g. with the parent committee
	// memberReason is the Target reason for an untitled seat.
	memberReason string
	members      []app.Membership
}

// Stats summarises an Index so an import can be sanity-checked at a glance
// (and so operators see what was dropped, and why, without reading logs).
type Stats struct {
	Legislators     int
	Representatives int // House members, delegates and the resident commissioner
	Senators        int
	Districts       int // districts known from members, ZIPs or shapes
	Vacancies       int // known districts without a House member
	Zips            int // distinct ZIPs (ZCTAs)
	SplitZips       int // ZIPs listing more than one district
	Shapes          int
	Vertices        int
	GridCells       int // allocated point-finder cells
	BoundaryCells   int // cells that need edge tests
	MaxCellEdges    int // worst-case edges tested for one point
	Committees      int
	Memberships     int
	Executives      int
	// Warnings lists rows the index skipped or could not reconcile.
	Warnings []string
}

// maxWarnings keeps Stats small even for a badly broken roster.
const maxWarnings = 50

func (s *Stats) warn(format string, args ...any) {
	if len(s.Warnings) < maxWarnings {
		s.Warnings = append(s.Warnings, fmt.Sprintf(format, args...))
	}
}

// NewIndex builds the in-memory indexes over r. It fails only on data that
// would make answers wrong rather than incomplete (district shapes with
// impossible coordinates); rows it cannot use are skipped and listed in
// Stats().Warnings. r is not retained or modified.
func NewIndex(r *app.Roster) (*Index, error) {
	if r == nil {
		return nil, errors.New("match: nil roster")
	}
	ix := &Index{
		legislators: make(map[string]*app.Legislator, len(r.Legislators)),
		senators:    make(map[string][]*app.Legislator, 60),
		reps:        make(map[app.DistrictKey]*app.Legislator, 450),
		offices:     make(map[string][]app.DistrictOffice, len(r.Legislators)),
		committees:  make(map[string]*committeeEntry, len(r.Committees)),
		executives:  make(map[string]*app.ExecutiveTarget, len(r.Executives)),
	}
	st := &ix.stats

	for i := range r.Legislators {
		l := r.Legislators[i] // copy: the index owns its data
		if l.BioguideID == "" {
			st.warn("legislator %q without a bioguide id skipped", l.DisplayName())
			continue
		}
		if _, dup := ix.legislators[l.BioguideID]; dup {
			st.warn("legislator %s listed twice; kept the first", l.BioguideID)
			continue
		}
		ix.legislators[l.BioguideID] = &l
		switch l.Chamber {
		case app.Senate:
			ix.senators[l.State] = append(ix.senators[l.State], &l)
			st.Senators++
		case app.House:
			d := app.DistrictKey{State: l.State, District: l.District}
			if prev := ix.reps[d]; prev != nil {
				st.warn("two members for %s (%s, %s); kept the later term", d, prev.BioguideID, l.BioguideID)
				if l.TermStart <= prev.TermStart {
					continue
				}
			}
			ix.reps[d] = &l
		default:
			st.warn("legislator %s has unknown chamber %q", l.BioguideID, l.Chamber)
		}
	}
	st.Legislators = len(ix.legislators)
	ix.legTargets = make(map[string]*app.Target, len(ix.legislators))
	for id, l := range ix.legislators {
		t := legislatorTarget(l, "")
		ix.legTargets[id] = &t
	}
	for state, ss := range ix.senators {
		slices.SortStableFunc(ss, compareSeniority)
		if len(ss) > 2 {
			st.warn("%s has %d senators", state, len(ss))
		}
	}
	for _, l := range ix.reps {
		if l != nil {
			st.Representatives++
		}
	}

	for _, o := range r.Offices {
		if _, ok := ix.legislators[o.BioguideID]; ok {
			ix.offices[o.BioguideID] = append(ix.offices[o.BioguideID], o)
		}
	}

	badZips := 0
	byZip := make([][]app.DistrictKey, 100000)
	for _, z := range r.Zips {
		if !validZip5(z.Zip) || z.State == "" || z.District < 0 {
			badZips++
			continue
		}
		n := zipNumber(z.Zip)
		d := app.DistrictKey{State: z.State, District: z.District}
		if !slices.Contains(byZip[n], d) {
			byZip[n] = append(byZip[n], d)
		}
		if _, ok := ix.reps[d]; !ok {
			ix.reps[d] = nil // a district with nobody in it: vacant
		}
	}
	if badZips > 0 {
		st.warn("%d ZIP rows without a 5-digit ZIP, state or district skipped", badZips)
	}
	ix.zipStart = make([]uint32, len(byZip)+1)
	zipStates := map[string]bool{}
	for n, ds := range byZip {
		slices.SortFunc(ds, compareDistricts)
		for _, d := range ds {
			zipStates[d.State] = true
			if p := &ix.prefixStates[n/100]; !slices.Contains(*p, d.State) {
				*p = append(*p, d.State)
			}
		}
		ix.zipPool = append(ix.zipPool, ds...)
		ix.zipStart[n+1] = uint32(len(ix.zipPool))
		if len(ds) > 0 {
			st.Zips++
		}
		if len(ds) > 1 {
			st.SplitZips++
		}
	}

	ix.national = len(zipStates) >= nationalStates

	for _, sh := range r.Shapes {
		if _, ok := ix.reps[sh.District]; !ok {
			ix.reps[sh.District] = nil
		}
	}
	sp, err := newSpatialIndex(r.Shapes)
	if err != nil {
		return nil, fmt.Errorf("match: district shapes: %w", err)
	}
	ix.spatial = sp
	if sp.sweepErrors > 0 {
		st.warn("%d grid rows of the district shapes did not close; some rings are broken", sp.sweepErrors)
	}
	ss := sp.stats()
	st.Shapes, st.Vertices = len(r.Shapes), ss.Vertices
	st.GridCells, st.BoundaryCells, st.MaxCellEdges = ss.Cells, ss.BoundaryCells, ss.MaxCellEdges
	st.Districts = len(ix.reps)
	st.Vacancies = st.Districts - st.Representatives

	ix.indexCommittees(r)

	for i := range r.Executives {
		e := r.Executives[i]
		if e.Key == "" {
			st.warn("executive target %q without a key skipped", e.Title)
			continue
		}
		if _, dup := ix.executives[e.Key]; dup {
			st.warn("executive target %s listed twice; kept the first", e.Key)
			continue
		}
		ix.executives[e.Key] = &e
		ix.sortedExecs = append(ix.sortedExecs, e)
	}
	slices.SortFunc(ix.sortedExecs, func(a, b app.ExecutiveTarget) int {
		return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.Key, b.Key))
	})
	st.Executives = len(ix.executives)
	return ix, nil
}

func (ix *Index) indexCommittees(r *app.Roster) {
	st := &ix.stats
	for _, c := range r.Committees {
		if c.Code == "" {
			st.warn("committee %q without a code skipped", c.Name)
			continue
		}
		if _, dup := ix.committees[c.Code]; dup {
			st.warn("committee %s listed twice; kept the first", c.Code)
			continue
		}
		ix.committees[c.Code] = &committeeEntry{c: c}
	}
	for _, e := range ix.committees {
		e.display = e.c.Name
		if p, ok := ix.committees[e.c.ParentCode]; ok && e.c.ParentCode != e.c.Code && !strings.Contains(e.c.Name, p.c.Name) {
			name := e.c.Name
			if !strings.Contains(strings.ToLower(name), "subcommittee") {
				name = "Subcommittee on " + name
			}
			e.display = name + " of the " + strings.TrimPrefix(p.c.Name, "The ")
		}
		if e.display == "" {
			e.display = e.c.Code
		}
		e.memberReason = memberReason(e.display)
	}
	unknownCommittee, unknownMember := 0, 0
	seen := make(map[[2]string]bool, len(r.Memberships))
	for _, m := range r.Memberships {
		e, ok := ix.committees[m.CommitteeCode]
		if !ok {
			unknownCommittee++
			continue
		}
		if _, ok := ix.legislators[m.BioguideID]; !ok {
			unknownMember++
			continue
		}
		k := [2]string{m.CommitteeCode, m.BioguideID}
		if seen[k] {
			continue
		}
		seen[k] = true
		e.members = append(e.members, m)
		st.Memberships++
	}
	if unknownCommittee > 0 {
		st.warn("%d committee seats on unknown committees skipped", unknownCommittee)
	}
	if unknownMember > 0 {
		st.warn("%d committee seats held by people not in the roster skipped", unknownMember)
	}
	for _, e := range ix.committees {
		slices.SortStableFunc(e.members, compareSeats)
		ix.sortedComms = append(ix.sortedComms, e.c)
	}
	st.Committees = len(ix.committees)
	// Pickers list each committee followed by its subcommittees.
	parent := func(c app.Committee) (app.Committee, bool) {
		if p, ok := ix.committees[c.ParentCode]; ok && c.ParentCode != c.Code {
			return p.c, true
		}
		return c, false
	}
	slices.SortFunc(ix.sortedComms, func(a, b app.Committee) int {
		pa, aSub := parent(a)
		pb, bSub := parent(b)
		return cmp.Or(
			cmp.Compare(pa.Name, pb.Name),
			cmp.Compare(pa.Code, pb.Code),
			compareBool(aSub, bSub),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.Code, b.Code))
	})
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// compareSeniority puts the senior senator first; without a published rank,
// the one who took office earlier.
func compareSeniority(a, b *app.Legislator) int {
	rank := func(l *app.Legislator) int {
		switch strings.ToLower(l.StateRank) {
		case "senior":
			return 0
		case "junior":
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.TermStart, b.TermStart), cmp.Compare(a.BioguideID, b.BioguideID))
}

func compareDistricts(a, b app.DistrictKey) int {
	return cmp.Or(cmp.Compare(a.State, b.State), cmp.Compare(a.District, b.District))
}

// titleRank orders titled seats: chairs, co-chairs, ranking members, vice
// chairs, then any other title.
func titleRank(title string) int {
	t := strings.ToLower(title)
	switch {
	case t == "":
		return 9
	case strings.Contains(t, "vice"):
		return 3
	case strings.Contains(t, "ranking"):
		return 2
	case strings.Contains(t, "co-chair"), strings.Contains(t, "cochair"), strings.Contains(t, "co chair"):
		return 1
	case strings.Contains(t, "chair"):
		return 0
	}
	return 4
}

// compareSeats orders a committee's seats: titled first, then majority
// before minority, then by rank within the party (unranked last).
func compareSeats(a, b app.Membership) int {
	party := func(p string) int {
		switch strings.ToLower(p) {
		case "majority":
			return 0
		case "minority":
			return 1
		}
		return 2
	}
	rank := func(r int) int {
		if r <= 0 {
			return int(^uint(0) >> 1)
		}
		return r
	}
	return cmp.Or(
		cmp.Compare(titleRank(a.Title), titleRank(b.Title)),
		cmp.Compare(party(a.Party), party(b.Party)),
		cmp.Compare(rank(a.Rank), rank(b.Rank)),
		cmp.Compare(a.BioguideID, b.BioguideID))
}

// DistrictAt returns the district whose boundary contains p. Points on
// water, outside the United States or invalid find none.
func (ix *Index) DistrictAt(p app.Point) (app.DistrictKey, bool) {
	d := ix.spatial.locate(p)
	if d < 0 {
		return app.DistrictKey{}, false
	}
	return ix.spatial.keys[d], true
}

// DistrictsForZip returns the districts a ZIP (ZCTA) overlaps, in state and
// district order; nil when the ZIP is not in the table. "12345-6789" is
// read as "12345". The slice is shared: callers must not modify its
// elements (appending is safe). Sharing keeps the lookup allocation-free.
func (ix *Index) DistrictsForZip(zip string) []app.DistrictKey {
	if len(zip) == 10 && zip[5] == '-' {
		zip = zip[:5]
	}
	if !validZip5(zip) || ix.zipStart == nil {
		return nil
	}
	n := zipNumber(zip)
	a, b := ix.zipStart[n], ix.zipStart[n+1]
	if a == b {
		return nil
	}
	return ix.zipPool[a:b:b]
}

// nationalStates is how many states a ZIP table must cover to be taken as
// the whole country's: the Census table covers the 50 states, DC and
// Puerto Rico; the offline sample three.
const nationalStates = 50

// zipPrefixStates returns the states whose ZIPs share zip's first three
// digits, and whether the table covers the whole country (when it does
// not, an unknown prefix proves nothing). zip must be five digits.
func (ix *Index) zipPrefixStates(zip string) ([]string, bool) {
	return ix.prefixStates[zipNumber(zip)/100], ix.national
}

// Zips lists every ZIP in the ZIP-to-district table, in order.
func (ix *Index) Zips() []string {
	var out []string
	for n := 0; n+1 < len(ix.zipStart); n++ {
		if ix.zipStart[n] != ix.zipStart[n+1] {
			out = append(out, fmt.Sprintf("%05d", n))
		}
	}
	return out
}

// Legislator returns the sitting Member with that bioguide id.
func (ix *Index) Legislator(bioguide string) (app.Legislator, bool) {
	l, ok := ix.legislators[bioguide]
	if !ok {
		return app.Legislator{}, false
	}
	return *l, true
}

// Senators returns the state's senators, senior first; none for DC and the
// territories.
func (ix *Index) Senators(state string) []app.Legislator {
	ss := ix.senators[state]
	out := make([]app.Legislator, len(ss))
	for i, l := range ss {
		out[i] = *l
	}
	return out
}

// Representative returns the House member for a district (Member nil when
// the seat is vacant); ok is false for a district the roster does not know.
func (ix *Index) Representative(d app.DistrictKey) (rep app.Representative, ok bool) {
	l, ok := ix.reps[d]
	if !ok {
		return app.Representative{}, false
	}
	rep.District = d
	if l != nil {
		c := *l
		rep.Member = &c
	}
	return rep, true
}

// Offices returns a Member's district (home) offices as published.
func (ix *Index) Offices(bioguide string) []app.DistrictOffice {
	return slices.Clone(ix.offices[bioguide])
}

// Committee returns a committee, subcommittee or commission by code.
func (ix *Index) Committee(code string) (app.Committee, bool) {
	e, ok := ix.committees[code]
	if !ok {
		return app.Committee{}, false
	}
	return e.c, true
}

// CommitteeName returns the name to use in a sentence, which for a
// subcommittee includes its parent ("Subcommittee on X of the House
// Committee on Y"); "" for an unknown code.
func (ix *Index) CommitteeName(code string) string {
	if e, ok := ix.committees[code]; ok {
		return e.display
	}
	return ""
}

// Committees lists every committee for pickers: by name, each committee
// followed by its subcommittees.
func (ix *Index) Committees() []app.Committee {
	return slices.Clone(ix.sortedComms)
}

// Members returns a committee's seats held by sitting Members: titled seats
// first, then majority before minority, then by rank.
func (ix *Index) Members(code string) []app.Membership {
	e, ok := ix.committees[code]
	if !ok {
		return nil
	}
	return slices.Clone(e.members)
}

// Executive returns an executive-branch target by key.
func (ix *Index) Executive(key string) (app.ExecutiveTarget, bool) {
	e, ok := ix.executives[key]
	if !ok {
		return app.ExecutiveTarget{}, false
	}
	return *e, true
}

// Executives lists the executive targets by title.
func (ix *Index) Executives() []app.ExecutiveTarget {
	return slices.Clone(ix.sortedExecs)
}

// Stats describes what was indexed and what was skipped.
func (ix *Index) Stats() Stats {
	s := ix.stats
	s.Warnings = slices.Clone(s.Warnings)
	return s
}
