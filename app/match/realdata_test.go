package match_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/match"
)

// The real roster is imported and indexed once per test binary: the
// import takes about a second.
var realData struct {
	once   sync.Once
	roster *app.Roster
	ix     *match.Index
	err    error
}

func realIndex(tb testing.TB) (*app.Roster, *match.Index) {
	tb.Helper()
	dir := apptest.SharedData(tb)
	realData.once.Do(func() {
		r, _, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{})
		if err != nil {
			realData.err = err
			return
		}
		realData.roster = r
		realData.ix, realData.err = match.NewIndex(r)
	})
	if realData.err != nil {
		tb.Fatalf("real data: %v", realData.err)
	}
	return realData.roster, realData.ix
}

// TestRealUnlistedZips: with the whole country's ZIP table, a ZIP that no
// ZIP area could hold is refused on the ZIP field (rather than accepted
// on the state with the Representative silently left out), and a real
// PO box ZIP says that the Representative is missing and why.
func TestRealUnlistedZips(t *testing.T) {
	_, ix := realIndex(t)
	m := match.New(ix, match.Options{})
	refused := []struct {
		q    match.Query
		want string
	}{
		{match.Query{Zip: "00000", State: "NY"}, "There is no ZIP code 00000"},
		{match.Query{Zip: "21300", State: "MD"}, "There is no ZIP code 21300"}, // 213 was never given out
		{match.Query{Zip: "21300"}, "There is no ZIP code 21300"},
		{match.Query{Zip: "13261", State: "CA"}, "ZIP code 13261 is not in CA"},
	}
	for _, tt := range refused {
		_, err := m.Lookup(context.Background(), tt.q)
		if got := app.ErrorFieldsOf(err)["zip"]; !strings.Contains(got, tt.want) {
			t.Errorf("%+v: zip error %q (%v), want %q", tt.q, got, err, tt.want)
		}
	}
	l, err := m.Lookup(context.Background(), match.Query{Zip: "13261", State: "NY"})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Notes) != 1 || !strings.Contains(l.Notes[0], "PO box") || !strings.Contains(l.Notes[0], "not to your Representative") ||
		strings.Contains(l.Notes[0], "street address") {
		t.Errorf("PO box ZIP notes %q", l.Notes)
	}
}

func TestRealIndexStats(t *testing.T) {
	_, ix := realIndex(t)
	st := ix.Stats()
	t.Logf("stats: %+v", st)
	if st.Shapes != 441 || st.Vertices < 600_000 {
		t.Errorf("shapes %d, vertices %d", st.Shapes, st.Vertices)
	}
	if st.Zips != 33774 || st.SplitZips != 7299 {
		t.Errorf("zips %d, split %d; README says 33774 and 7299", st.Zips, st.SplitZips)
	}
	if st.Senators != 100 || st.Representatives != 437 {
		t.Errorf("senators %d, representatives %d", st.Senators, st.Representatives)
	}
	if st.Vacancies != 4 {
		t.Errorf("vacancies %d, want 4 (CA-14, FL-20, GA-13, TX-23)", st.Vacancies)
	}
	for _, d := range []app.DistrictKey{{State: "CA", District: 14}, {State: "FL", District: 20}, {State: "GA", District: 13}, {State: "TX", District: 23}} {
		if r, ok := ix.Representative(d); !ok || r.Member != nil {
			t.Errorf("%s: %+v, %v; want known and vacant", d, r, ok)
		}
	}
}

func TestRealLookups(t *testing.T) {
	_, ix := realIndex(t)
	m := match.New(ix, match.Options{})
	tests := []struct {
		q         match.Query
		districts string
		members   string
		senators  string
	}{
		{match.Query{Zip: "12202"}, "NY-20", "T000469", "S000148 G000555"},
		{match.Query{Zip: "60173"}, "IL-5 IL-8", "Q000023 K000391", "D000563 D000622"},
		{match.Query{Zip: "60173", Point: &app.Point{Lat: 42.042839, Lon: -88.0382131}}, "IL-8", "K000391", "D000563 D000622"},
		{match.Query{Zip: "12202", Point: &app.Point{Lat: 42.6526, Lon: -73.7573}}, "NY-20", "T000469", "S000148 G000555"},
		{match.Query{Zip: "20001"}, "DC-AL", "N000147", ""},
		{match.Query{Zip: "00601"}, "PR-AL", "H001103", ""},
		{match.Query{Zip: "99501"}, "AK-AL", "B001323", "M001153 S001198"},
		{match.Query{Zip: "36104"}, "AL-2", "", "T000278 B001319"},
		{match.Query{Zip: "90210"}, "CA-30 CA-32 CA-36", "", "P000145 S001150"},
		{match.Query{Zip: "30165", State: "GA"}, "GA-14", "", "O000174 W000790"},
		{match.Query{Zip: "94541"}, "CA-14", "-", "P000145 S001150"},
		{match.Query{Zip: "96910"}, "GU-AL", "M001219", ""},
		{match.Query{Zip: "00802"}, "VI-AL", "P000610", ""},
		{match.Query{Zip: "96799"}, "AS-AL", "R000600", ""},
		{match.Query{Zip: "96950"}, "MP-AL", "K000404", ""},
		{match.Query{Zip: "13261", State: "NY"}, "", "", "S000148 G000555"},
	}
	for _, tt := range tests {
		t.Run(tt.q.Zip+"/"+tt.districts, func(t *testing.T) {
			l, err := m.Lookup(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var ds, ms, ss []string
			for _, d := range l.Districts {
				ds = append(ds, d.String())
			}
			for _, r := range l.Representatives {
				if r.Member == nil {
					ms = append(ms, "-")
				} else {
					ms = append(ms, r.Member.BioguideID)
				}
			}
			for _, s := range l.Senators {
				ss = append(ss, s.BioguideID)
			}
			if got := strings.Join(ds, " "); got != tt.districts {
				t.Errorf("districts = %s, want %s (notes %q)", got, tt.districts, l.Notes)
			}
			if got := strings.Join(ss, " "); got != tt.senators {
				t.Errorf("senators = %s, want %s", got, tt.senators)
			}
			// Members are checked where the data README names them.
			if got := strings.Join(ms, " "); tt.members != "" && got != tt.members {
				t.Errorf("members = %s, want %s", got, tt.members)
			}
		})
	}
}

func TestRealTargets(t *testing.T) {
	_, ix := realIndex(t)
	m := match.New(ix, match.Options{})
	ctx := context.Background()

	// HSZS leadership: Moolenaar (Chairman), Khanna (Ranking Member).
	l, err := m.Lookup(ctx, match.Query{Zip: "12202"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Targets(ctx, l, []app.TargetRule{{Kind: app.RuleCommittee, CommitteeCode: "HSZS", LeadershipOnly: true}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Targets) != 2 || res.Targets[0].BioguideID != "M001194" || res.Targets[1].BioguideID != "K000389" {
		t.Fatalf("HSZS leadership = %s", summary(res.Targets))
	}
	if got, want := res.Targets[0].Reasons[0], "Chairman, House Select Committee on the Strategic Competition Between the United States and the Chinese Communist Party"; got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
	if got := res.Targets[1].Reasons[0]; !strings.HasPrefix(got, "Ranking Member, ") {
		t.Errorf("reason = %q", got)
	}

	// A Schaumburg supporter writing to their members, HSZS, CECC, TLHRC
	// and the DHS Secretary.
	l, err = m.Lookup(ctx, match.Query{Zip: "60173"})
	if err != nil {
		t.Fatal(err)
	}
	rules := []app.TargetRule{
		{Kind: app.RuleOwnRepresentative, Position: 1},
		{Kind: app.RuleOwnSenators, Position: 2},
		{Kind: app.RuleCommittee, CommitteeCode: "HSZS", OnlyConstituents: true, Position: 3},
		{Kind: app.RuleCommittee, CommitteeCode: "CECC", OnlyConstituents: true, Position: 4},
		{Kind: app.RuleCommittee, CommitteeCode: "TLHRC", LeadershipOnly: true, Position: 5},
		{Kind: app.RuleExecutive, ExecutiveKey: "DHS_SECRETARY", Position: 6},
	}
	res, err = m.Targets(ctx, l, rules, "")
	if err != nil {
		t.Fatal(err)
	}
	if !res.NeedsChoice || len(res.Candidates) != 2 {
		t.Fatalf("want a choice between IL-5 and IL-8: %+v", res)
	}
	res, err = m.Targets(ctx, l, rules, "K000391")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %q", res.Warnings)
	}
	// The TLHRC rule asks for leaders: the two co-chairs, not the four
	// executive-committee members (they hold a seat, not the lead).
	want := "representative:K000391 senator:D000563 senator:D000622 " +
		"committee:M000312 committee:S000522 executive:DHS_SECRETARY"
	if got := summary(res.Targets); got != want {
		t.Errorf("targets = %s\n want %s", got, want)
	}
	byKey := map[string]app.Target{}
	for _, tg := range res.Targets {
		byKey[tg.Key] = tg
	}
	raja := byKey["leg:K000391"]
	if raja.Greeting != "Dear Representative Krishnamoorthi:" || raja.Phone != "202-225-3711" ||
		!slices.Equal(raja.AddressLines, []string{"2367 Rayburn House Office Building", "Washington, DC 20515-1308"}) ||
		raja.URL != "https://krishnamoorthi.house.gov" || *raja.District != 8 {
		t.Errorf("Krishnamoorthi = %+v", raja)
	}
	if !slices.Contains(raja.Reasons, "your Representative") || len(raja.Roles) != 1 || raja.Roles[0].CommitteeCode != "HSZS" {
		t.Errorf("Krishnamoorthi reasons %q roles %+v", raja.Reasons, raja.Roles)
	}
	tammy := byKey["leg:D000622"]
	if tammy.Greeting != "Dear Senator Duckworth:" || !slices.Contains(tammy.Reasons, "member of the Congressional-Executive Commission on China") {
		t.Errorf("Duckworth = %+v", tammy)
	}
	dhs := byKey["exec:DHS_SECRETARY"]
	if dhs.Greeting != "Dear Secretary Mullin:" || dhs.Name != "Markwayne Mullin" ||
		!slices.Equal(dhs.AddressLines, []string{"U.S. Department of Homeland Security", "Washington, DC 20528"}) {
		t.Errorf("DHS = %+v", dhs)
	}
	for _, k := range []string{"leg:M000312", "leg:S000522"} {
		if tg := byKey[k]; tg.Kind != app.TargetCommittee || !strings.Contains(strings.Join(tg.Reasons, ";"), "Tom Lantos Human Rights Commission") {
			t.Errorf("%s = %+v", k, tg)
		}
	}

	// Special greetings and the missing address.
	for _, c := range []struct{ zip, key, greeting, line0 string }{
		{"00601", "leg:H001103", "Dear Resident Commissioner Hernández:", ""},
		{"20001", "leg:N000147", "Dear Delegate Norton:", ""},
		{"96001", "leg:G000607", "Dear Representative Gallagher:", "U.S. House of Representatives"},
	} {
		l, err := m.Lookup(ctx, match.Query{Zip: c.zip})
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.Targets(ctx, l, []app.TargetRule{{Kind: app.RuleOwnRepresentative}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Targets) != 1 || res.Targets[0].Key != c.key || res.Targets[0].Greeting != c.greeting ||
			(c.line0 != "" && res.Targets[0].AddressLines[0] != c.line0) {
			t.Errorf("%s: %+v", c.zip, res.Targets)
		}
	}
}

// realOfficePoints returns the geocoded district offices of House members.
func realOfficePoints(tb testing.TB) (pts []app.Point, own []app.DistrictKey, ids []string) {
	roster, ix := realIndex(tb)
	for _, o := range roster.Offices {
		l, ok := ix.Legislator(o.BioguideID)
		if !ok || l.Chamber != app.House || !o.HasPoint {
			continue
		}
		pts = append(pts, app.Point{Lon: o.Lon, Lat: o.Lat})
		own = append(own, app.DistrictKey{State: l.State, District: l.District})
		ids = append(ids, o.ID)
	}
	return pts, own, ids
}

func TestRealOfficesInOwnDistrict(t *testing.T) {
	pts, own, ids := realOfficePoints(t)
	_, ix := realIndex(t)
	in := 0
	var none []string
	for i, p := range pts {
		d, ok := ix.DistrictAt(p)
		if !ok {
			none = append(none, ids[i])
		}
		if ok && d == own[i] {
			in++
		}
	}
	t.Logf("%d of %d geocoded House district offices fall in their member's district; in none: %v", in, len(pts), none)
	if in < 830 {
		t.Errorf("only %d offices in their own district, want at least 830 (README: 834 of 855)", in)
	}
	// The README's examples of offices outside their district.
	d, ok := ix.DistrictAt(app.Point{Lat: 42.042839, Lon: -88.0382131})
	if !ok || d.String() != "IL-8" {
		t.Errorf("Schaumburg office in %v", d)
	}
}

// TestRealDistrictAtMatchesEvenOdd checks the grid against plain ray
// casting at random points across the country, Alaska and the islands.
func TestRealDistrictAtMatchesEvenOdd(t *testing.T) {
	roster, ix := realIndex(t)
	type ringBox struct {
		shape                  int
		minX, minY, maxX, maxY float64
	}
	var boxes []ringBox
	for i, sh := range roster.Shapes {
		for _, pg := range sh.Polygons {
			for _, r := range pg {
				b := ringBox{shape: i, minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1)}
				for _, p := range r {
					x := p.Lon
					if x > 0 {
						x -= 360
					}
					b.minX, b.maxX = math.Min(b.minX, x), math.Max(b.maxX, x)
					b.minY, b.maxY = math.Min(b.minY, p.Lat), math.Max(b.maxY, p.Lat)
				}
				boxes = append(boxes, b)
			}
		}
	}
	brute := func(p app.Point) []app.DistrictKey {
		x := p.Lon
		if x > 0 {
			x -= 360
		}
		var cand []int
		for _, b := range boxes {
			if x >= b.minX && x <= b.maxX && p.Lat >= b.minY && p.Lat <= b.maxY && !slices.Contains(cand, b.shape) {
				cand = append(cand, b.shape)
			}
		}
		var out []app.DistrictKey
		for _, i := range cand {
			if evenOdd(roster.Shapes[i], p) {
				out = append(out, roster.Shapes[i].District)
			}
		}
		return out
	}
	rng := rand.New(rand.NewPCG(3, 4))
	areas := []struct{ x0, y0, x1, y1 float64 }{
		{-125, 24, -66, 50},         // lower 48
		{-74.3, 40.5, -73.7, 40.95}, // New York City
		{-180, 51, -129, 72},        // Alaska (east of 180)
		{172, 51, 180, 54},          // the Aleutians west of 180
		{-161, 18.5, -154, 22.5},    // Hawaii
		{-67.5, 17.5, -64.5, 18.6},  // PR and VI
		{144.5, 13.2, 146, 15.5},    // Guam and the Marianas
	}
	n := 0
	for _, a := range areas {
		for i := 0; i < 200; i++ {
			p := app.Point{Lon: a.x0 + (a.x1-a.x0)*rng.Float64(), Lat: a.y0 + (a.y1-a.y0)*rng.Float64()}
			want := brute(p)
			got, ok := ix.DistrictAt(p)
			switch {
			case len(want) == 0 && ok:
				t.Errorf("DistrictAt(%v) = %v, ray casting finds none", p, got)
			case len(want) > 0 && !slices.Contains(want, got):
				t.Errorf("DistrictAt(%v) = %v, %v; ray casting finds %v", p, got, ok, want)
			case len(want) > 0:
				n++
			}
		}
	}
	t.Logf("%d of %d random points inside a district, all agreeing", n, 200*len(areas))
}
