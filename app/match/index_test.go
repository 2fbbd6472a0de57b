package match_test

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

func TestNewIndexNil(t *testing.T) {
	if _, err := match.NewIndex(nil); err == nil {
		t.Fatal("want an error for a nil roster")
	}
}

func TestNewIndexEmptyRoster(t *testing.T) {
	ix, err := match.NewIndex(&app.Roster{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.DistrictAt(app.Point{Lon: -73.5, Lat: 42.5}); ok {
		t.Error("empty index found a district")
	}
	if ds := ix.DistrictsForZip("12202"); ds != nil {
		t.Errorf("DistrictsForZip = %v", ds)
	}
}

func TestNewIndexRejectsBadCoordinates(t *testing.T) {
	r := &app.Roster{Shapes: []app.DistrictShape{shape("NY", 1, app.Polygon{app.Ring{{Lon: -73, Lat: 441.5}, {Lon: -72, Lat: 41}, {Lon: -72, Lat: 42}}})}}
	if _, err := match.NewIndex(r); err == nil || !strings.Contains(err.Error(), "NY-1") {
		t.Fatalf("err = %v, want an error naming NY-1", err)
	}
	r.Shapes[0].Polygons[0][0][0].Lat = math.NaN()
	if _, err := match.NewIndex(r); err == nil {
		t.Fatal("want an error for NaN")
	}
}

func TestDistrictAt(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name     string
		p        app.Point
		want     string // "" = none
		wantNone bool
	}{
		{"NY-20", app.Point{Lon: -73.7573, Lat: 42.6526}, "NY-20", false},
		{"NY-21", app.Point{Lon: -73.5, Lat: 43.5}, "NY-21", false},
		{"IL-8", app.Point{Lon: -88.0382131, Lat: 42.042839}, "IL-8", false},
		{"IL-5 around the hole", app.Point{Lon: -87.6, Lat: 42.05}, "IL-5", false},
		{"IL-7 in IL-5's hole", app.Point{Lon: -87.75, Lat: 42.05}, "IL-7", false},
		{"AK mainland", app.Point{Lon: -149.5, Lat: 61.5}, "AK-AL", false},
		{"AK island east of 180", app.Point{Lon: 179.5, Lat: 52.5}, "AK-AL", false},
		{"AK island west of 180", app.Point{Lon: -179.8, Lat: 52.5}, "AK-AL", false},
		{"AK island at 180", app.Point{Lon: 180, Lat: 52.5}, "AK-AL", false},
		{"beyond the AK island", app.Point{Lon: -179.4, Lat: 52.5}, "", true},
		{"west of the AK island", app.Point{Lon: 178.9, Lat: 52.5}, "", true},
		{"between AK boxes (the bbox would say yes)", app.Point{Lon: -160, Lat: 57}, "", true},
		{"Europe", app.Point{Lon: 10, Lat: 50}, "", true},
		{"water south of NY", app.Point{Lon: -73.5, Lat: 41.5}, "", true},
		{"southern hemisphere", app.Point{Lon: -73.5, Lat: -42.5}, "", true},
		{"NaN", app.Point{Lon: math.NaN(), Lat: 42.5}, "", true},
		{"Inf", app.Point{Lon: math.Inf(-1), Lat: 42.5}, "", true},
		{"out of range", app.Point{Lon: -73.5, Lat: 442.5}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := ix.DistrictAt(tt.p)
			if tt.wantNone {
				if ok {
					t.Fatalf("DistrictAt = %v, want none", d)
				}
				return
			}
			if !ok || d.String() != tt.want {
				t.Fatalf("DistrictAt = %v, %v; want %s", d, ok, tt.want)
			}
		})
	}
}

func TestDistrictsForZip(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		zip  string
		want []app.DistrictKey
	}{
		{"12202", []app.DistrictKey{{State: "NY", District: 20}}},
		{"12202-1234", []app.DistrictKey{{State: "NY", District: 20}}},
		{"60173", []app.DistrictKey{{State: "IL", District: 5}, {State: "IL", District: 8}}},
		{"30165", []app.DistrictKey{{State: "AL", District: 3}, {State: "GA", District: 14}}},
		{"13261", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := ix.DistrictsForZip(tt.zip); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DistrictsForZip(%q) = %v, want %v", tt.zip, got, tt.want)
		}
	}
}

func TestIndexAccessors(t *testing.T) {
	ix := fixtureIndex(t)

	ss := ix.Senators("NY")
	if len(ss) != 2 || ss[0].LastName != "Schumer" || ss[1].LastName != "Gillibrand" {
		t.Errorf("Senators(NY) = %v, want Schumer then Gillibrand", names(ss))
	}
	if ss := ix.Senators("DC"); len(ss) != 0 {
		t.Errorf("Senators(DC) = %v", names(ss))
	}

	r, ok := ix.Representative(app.DistrictKey{State: "NY", District: 20})
	if !ok || r.Member == nil || r.Member.BioguideID != "T000469" {
		t.Errorf("Representative(NY-20) = %+v, %v", r, ok)
	}
	r, ok = ix.Representative(app.DistrictKey{State: "CA", District: 14})
	if !ok || r.Member != nil {
		t.Errorf("Representative(CA-14) = %+v, %v; want known and vacant", r, ok)
	}
	if _, ok := ix.Representative(app.DistrictKey{State: "CA", District: 99}); ok {
		t.Error("Representative(CA-99) known")
	}
	// Returned values are copies.
	r, _ = ix.Representative(app.DistrictKey{State: "NY", District: 20})
	r.Member.LastName = "Changed"
	if l, _ := ix.Legislator("T000469"); l.LastName != "Tonko" {
		t.Error("Representative returned shared data")
	}

	if l, ok := ix.Legislator("K000391"); !ok || l.District != 8 {
		t.Errorf("Legislator(K000391) = %+v, %v", l, ok)
	}
	if _, ok := ix.Legislator("nobody"); ok {
		t.Error("Legislator(nobody) found")
	}

	c, ok := ix.Committee("HSJU01")
	if !ok || c.ParentCode != "HSJU" {
		t.Errorf("Committee(HSJU01) = %+v, %v", c, ok)
	}
	if got, want := ix.CommitteeName("HSJU01"), "Subcommittee on Immigration Integrity, Security, and Enforcement of the House Committee on the Judiciary"; got != want {
		t.Errorf("CommitteeName(HSJU01) = %q, want %q", got, want)
	}
	var codes []string
	for _, c := range ix.Committees() {
		codes = append(codes, c.Code)
	}
	if want := []string{"CECC", "HSAG", "HSJU", "HSJU01", "HSZS"}; !slices.Equal(codes, want) {
		t.Errorf("Committees() = %v, want %v", codes, want)
	}

	var seats []string
	for _, m := range ix.Members("HSZS") {
		seats = append(seats, m.BioguideID)
	}
	// Titled first (chair, then ranking member), then majority, minority by rank;
	// the seat of someone not in the roster is dropped.
	if want := []string{"M001194", "K000389", "S001196", "K000391", "Q000023"}; !slices.Equal(seats, want) {
		t.Errorf("Members(HSZS) = %v, want %v", seats, want)
	}
	if ms := ix.Members("NOPE"); ms != nil {
		t.Errorf("Members(NOPE) = %v", ms)
	}

	e, ok := ix.Executive("DHS_SECRETARY")
	if !ok || e.Name != "Markwayne Mullin" {
		t.Errorf("Executive = %+v, %v", e, ok)
	}
	if len(ix.Executives()) != 1 {
		t.Errorf("Executives() = %v", ix.Executives())
	}

	st := ix.Stats()
	if st.Legislators != 31 || st.Senators != 12 || st.Representatives != 19 || st.Shapes != 9 || st.Executives != 1 {
		t.Errorf("Stats = %+v", st)
	}
	if st.Vacancies != 1 { // CA-14
		t.Errorf("Vacancies = %d, want 1", st.Vacancies)
	}
	if st.SplitZips != 4 {
		t.Errorf("SplitZips = %d, want 4", st.SplitZips)
	}
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "not in the roster") {
		t.Errorf("Warnings = %q", st.Warnings)
	}
}

func TestNewIndexKeepsGoingOnOddRows(t *testing.T) {
	r := fixtureRoster()
	r.Legislators = append(r.Legislators,
		rep("T000469", "Paul", "Tonko", "Paul Tonko", "NY", 20, "Democrat", ""), // duplicate id
		app.Legislator{LastName: "Nobody"},                                      // no id
	)
	r.Zips = append(r.Zips, app.ZipDistrict{Zip: "1220", State: "NY", District: 20}, app.ZipDistrict{Zip: "12202", State: "NY", District: 20})
	r.Memberships = append(r.Memberships, app.Membership{CommitteeCode: "ZZZZ", BioguideID: "T000469"})
	ix, err := match.NewIndex(r)
	if err != nil {
		t.Fatal(err)
	}
	st := ix.Stats()
	if len(st.Warnings) != 5 {
		t.Errorf("Warnings = %q, want 5", st.Warnings)
	}
	if ds := ix.DistrictsForZip("12202"); len(ds) != 1 {
		t.Errorf("duplicate ZIP row not merged: %v", ds)
	}
}

func names(ls []app.Legislator) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.LastName)
	}
	return out
}

func TestNewIndexRejectsWorldSizedShapes(t *testing.T) {
	r := &app.Roster{Shapes: []app.DistrictShape{shape("NY", 1, square(-179, -80, -1, 80))}}
	if _, err := match.NewIndex(r); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("err = %v, want a too-large error", err)
	}
}
