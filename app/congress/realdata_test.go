package congress_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/congress"
)

// shared is one import of the shared data folder, with the progress it
// reported, reused by the tests that only read it (an import takes seconds
// under the race detector).
var shared struct {
	once     sync.Once
	roster   *app.Roster
	report   *congress.Report
	progress []congress.Progress
	err      error
}

func importShared(t *testing.T) (*app.Roster, *congress.Report, []congress.Progress) {
	t.Helper()
	dir := apptest.SharedData(t)
	shared.once.Do(func() {
		shared.roster, shared.report, shared.err = congress.ImportDir(context.Background(), dir, congress.ImportOptions{
			Progress: func(p congress.Progress) { shared.progress = append(shared.progress, p) },
		})
	})
	if shared.err != nil {
		t.Fatalf("ImportDir(%s): %v", dir, shared.err)
	}
	return shared.roster, shared.report, shared.progress
}

func TestImportDirSharedData(t *testing.T) {
	t.Parallel()
	r, rep, _ := importShared(t)

	want := congress.Counts{
		Legislators: 537, Representatives: 437, Senators: 100,
		Offices: 1312, OfficesWithPoint: 1292,
		Committees: 49, Subcommittees: 181, Commissions: 2,
		Memberships: 3879 + 15, Executives: 1,
		Zips: 42033, ZipCodes: 33774, Shapes: 441,
	}
	if rep.Counts != want {
		t.Errorf("counts:\n got %+v\nwant %+v", rep.Counts, want)
	}
	if len(r.Legislators) != 537 || len(r.Offices) != 1312 || len(r.Zips) != 42033 || len(r.Shapes) != 441 {
		t.Errorf("roster sizes: %d legislators, %d offices, %d zips, %d shapes",
			len(r.Legislators), len(r.Offices), len(r.Zips), len(r.Shapes))
	}
	if len(rep.Missing) != 0 {
		t.Errorf("missing parts: %v", rep.Missing)
	}
	wantFiles := []string{
		"commissions/commissions.yaml",
		"congress-legislators/committee-membership-current.json",
		"congress-legislators/committees-current.json",
		"congress-legislators/legislators-current.json",
		"congress-legislators/legislators-district-offices.json",
		"districts/cd119_500k.geojson",
		"zip-district/zccd.csv",
	}
	if !reflect.DeepEqual(rep.Files, wantFiles) {
		t.Errorf("files read:\n got %v\nwant %v", rep.Files, wantFiles)
	}

	// Raja Krishnamoorthi, IL-8.
	var raja app.Legislator
	for _, l := range r.Legislators {
		if l.BioguideID == "K000391" {
			raja = l
		}
	}
	wantRaja := app.Legislator{
		BioguideID: "K000391", FirstName: "Raja", LastName: "Krishnamoorthi", OfficialName: "Raja Krishnamoorthi",
		Chamber: app.House, State: "IL", District: 8, Party: "Democrat",
		TermStart: "2025-01-03", TermEnd: "2027-01-03", URL: "https://krishnamoorthi.house.gov",
		Address: "2367 Rayburn House Office Building Washington DC 20515-1308",
		Office:  "2367 Rayburn House Office Building", Phone: "202-225-3711",
	}
	if raja != wantRaja {
		t.Errorf("K000391:\n got %+v\nwant %+v", raja, wantRaja)
	}

	// Senators carry rank and class; at-large and delegate seats are district 0.
	byID := map[string]app.Legislator{}
	for _, l := range r.Legislators {
		byID[l.BioguideID] = l
	}
	if d := byID["D000563"]; d.Chamber != app.Senate || d.StateRank != "senior" || d.Class != 2 || d.State != "IL" {
		t.Errorf("Durbin: %+v", d)
	}
	for _, l := range r.Legislators {
		if l.Chamber == app.House && (l.State == "DC" || l.State == "PR" || l.State == "AK") && l.District != 0 {
			t.Errorf("%s %s: district %d, want 0", l.BioguideID, l.State, l.District)
		}
	}

	// The House select committee on the CCP.
	var hszs []app.Membership
	for _, m := range r.Memberships {
		if m.CommitteeCode == "HSZS" {
			hszs = append(hszs, m)
		}
	}
	if len(hszs) != 23 {
		t.Errorf("HSZS has %d members, want 23", len(hszs))
	}
	titles := map[string]string{}
	for _, m := range hszs {
		titles[m.BioguideID] = m.Title
	}
	if titles["M001194"] != "Chairman" || titles["K000389"] != "Ranking Member" {
		t.Errorf("HSZS titles: Moolenaar %q, Khanna %q", titles["M001194"], titles["K000389"])
	}
	if _, ok := titles["K000391"]; !ok {
		t.Error("Krishnamoorthi is not on HSZS")
	}

	committees := map[string]app.Committee{}
	for _, c := range r.Committees {
		committees[c.Code] = c
	}
	if c := committees["HSZS"]; c.Chamber != app.House || c.Kind != app.KindCommittee || c.Phone != "(202) 226-9678" {
		t.Errorf("HSZS: %+v", c)
	}
	if c := committees["HSJU01"]; c.ParentCode != "HSJU" || c.Chamber != app.House {
		t.Errorf("HSJU01: %+v", c)
	}

	// Hand-kept commissions and the executive target.
	tl := committees["TLHRC"]
	if tl.Kind != app.KindCommission || tl.Chamber != app.House || tl.Email != "TLHRC@mail.house.gov" ||
		tl.Phone != "202-225-3599" || !strings.Contains(tl.Address, "O'Neill") {
		t.Errorf("TLHRC: %+v", tl)
	}
	if c := committees["CECC"]; c.Kind != app.KindCommission || c.Chamber != app.Joint || c.Address != "" {
		t.Errorf("CECC: %+v", c)
	}
	seat := map[string]string{}
	for _, m := range r.Memberships {
		if m.CommitteeCode == "TLHRC" || m.CommitteeCode == "CECC" {
			seat[m.CommitteeCode+"/"+m.BioguideID] = m.Title
		}
	}
	for k, want := range map[string]string{
		"TLHRC/M000312": "Co-Chair", "TLHRC/S000522": "Co-Chair", "TLHRC/O000173": "Executive Committee",
		"CECC/S001198": "Chair", "CECC/S000522": "Co-Chair", "CECC/M000312": "",
	} {
		if got, ok := seat[k]; !ok || got != want {
			t.Errorf("%s: title %q (present %v), want %q", k, got, ok, want)
		}
	}
	if len(r.Executives) != 1 || r.Executives[0].Key != "DHS_SECRETARY" || r.Executives[0].Name != "Markwayne Mullin" ||
		r.Executives[0].Title != "Secretary of Homeland Security" || r.Executives[0].InOfficeSince != "2026-03-23" {
		t.Errorf("executives: %+v", r.Executives)
	}

	// Known bad office row: kept as published, no point, warned about.
	var rock app.DistrictOffice
	for _, o := range r.Offices {
		if o.ID == "S001225-rock_island" {
			rock = o
		}
	}
	if rock.HasPoint || rock.Lat != 441.5080197 || rock.BioguideID != "S001225" {
		t.Errorf("S001225-rock_island: %+v", rock)
	}
	if !hasWarning(rep, "S001225-rock_island") {
		t.Errorf("no warning about S001225-rock_island in %q", rep.Warnings)
	}
	for _, o := range r.Offices {
		if o.ID == "K000391-schaumburg" && (!o.HasPoint || o.Lat != 42.042839 || o.Zip != "60173") {
			t.Errorf("K000391-schaumburg: %+v", o)
		}
		if o.ID == "D000230-rocky_mount" && o.Suite != "2002" { // published as a number
			t.Errorf("D000230-rocky_mount suite %q", o.Suite)
		}
	}

	// ZIPs: multi-district and at-large.
	zips := map[string][]app.DistrictKey{}
	for _, z := range r.Zips {
		zips[z.Zip] = append(zips[z.Zip], app.DistrictKey{State: z.State, District: z.District})
	}
	if got := zips["60195"]; !reflect.DeepEqual(got, []app.DistrictKey{{State: "IL", District: 5}, {State: "IL", District: 8}}) {
		t.Errorf("60195: %v", got)
	}
	if got := zips["20001"]; !reflect.DeepEqual(got, []app.DistrictKey{{State: "DC", District: 0}}) {
		t.Errorf("20001: %v", got)
	}

	// Shapes: 435 districts + DC, PR and four island areas, district 0 for at-large.
	shapes := map[app.DistrictKey]app.DistrictShape{}
	for _, s := range r.Shapes {
		shapes[s.District] = s
	}
	for _, k := range []app.DistrictKey{{State: "IL", District: 8}, {State: "AK", District: 0}, {State: "DC", District: 0}, {State: "PR", District: 0}, {State: "AS", District: 0}, {State: "GU", District: 0}, {State: "MP", District: 0}, {State: "VI", District: 0}} {
		if len(shapes[k].Polygons) == 0 {
			t.Errorf("no shape for %s", k)
		}
	}
	if s := shapes[app.DistrictKey{State: "IL", District: 8}]; s.GEOID != "1708" {
		t.Errorf("IL-8 GEOID %q", s.GEOID)
	}
}

func hasWarning(rep *congress.Report, substr string) bool {
	for _, w := range rep.Warnings {
		if strings.Contains(w, substr) {
			return true
		}
	}
	return false
}

func openShared(t testing.TB, rel string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(apptest.SharedData(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestYAMLAndJSONAgree(t *testing.T) {
	t.Parallel()
	cl := "congress-legislators/"
	t.Run("legislators", func(t *testing.T) {
		t.Parallel()
		j, err := congress.ReadLegislatorsJSON(openShared(t, cl+"legislators-current.json"), "legislators-current.json")
		if err != nil {
			t.Fatal(err)
		}
		y, err := congress.ReadLegislatorsYAML(openShared(t, cl+"legislators-current.yaml"), "legislators-current.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(j, y) {
			t.Error("legislators differ between JSON and YAML")
		}
		c, err := congress.ReadLegislatorsCSV(openShared(t, cl+"legislators-current.csv"), "legislators-current.csv")
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != len(j) {
			t.Fatalf("CSV has %d legislators, JSON %d", len(c), len(j))
		}
		for i := range j {
			// The CSV lacks state_rank, caucus, office and the term dates.
			want := j[i]
			want.StateRank, want.Caucus, want.Office, want.TermStart, want.TermEnd = "", "", "", "", ""
			if c[i] != want {
				t.Errorf("CSV row %d:\n got %+v\nwant %+v", i, c[i], want)
				break
			}
		}
	})
	t.Run("committees", func(t *testing.T) {
		t.Parallel()
		j, err := congress.ReadCommitteesJSON(openShared(t, cl+"committees-current.json"), "committees-current.json")
		if err != nil {
			t.Fatal(err)
		}
		y, err := congress.ReadCommitteesYAML(openShared(t, cl+"committees-current.yaml"), "committees-current.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if len(j) != 230 || !reflect.DeepEqual(j, y) {
			t.Errorf("committees: %d from JSON, equal to YAML: %v", len(j), reflect.DeepEqual(j, y))
		}
	})
	t.Run("memberships", func(t *testing.T) {
		t.Parallel()
		j, err := congress.ReadMembershipsJSON(openShared(t, cl+"committee-membership-current.json"), "committee-membership-current.json")
		if err != nil {
			t.Fatal(err)
		}
		y, err := congress.ReadMembershipsYAML(openShared(t, cl+"committee-membership-current.yaml"), "committee-membership-current.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if len(j) != 3879 || !reflect.DeepEqual(j, y) {
			t.Errorf("memberships: %d from JSON, equal to YAML: %v", len(j), reflect.DeepEqual(j, y))
		}
	})
	t.Run("offices", func(t *testing.T) {
		t.Parallel()
		j, err := congress.ReadOfficesJSON(openShared(t, cl+"legislators-district-offices.json"), "legislators-district-offices.json")
		if err != nil {
			t.Fatal(err)
		}
		y, err := congress.ReadOfficesYAML(openShared(t, cl+"legislators-district-offices.yaml"), "legislators-district-offices.yaml")
		if err != nil {
			t.Fatal(err)
		}
		c, err := congress.ReadOfficesCSV(openShared(t, cl+"legislators-district-offices.csv"), "legislators-district-offices.csv")
		if err != nil {
			t.Fatal(err)
		}
		if len(j) != 1312 || !reflect.DeepEqual(j, y) {
			t.Errorf("offices: %d from JSON, equal to YAML: %v", len(j), reflect.DeepEqual(j, y))
		}
		if !reflect.DeepEqual(j, c) {
			for i := range j {
				if i < len(c) && j[i] != c[i] {
					t.Errorf("CSV office %d:\n got %+v\nwant %+v", i, c[i], j[i])
					break
				}
			}
		}
	})
}

// TestTopoJSONMatchesGeoJSON decodes the upstream TopoJSON and compares it
// with the GeoJSON that was derived from it (rounded to 5 decimals).
func TestTopoJSONMatchesGeoJSON(t *testing.T) {
	t.Parallel()
	r, _, _ := importShared(t)
	g := r.Shapes // from cd119_500k.geojson
	topo, err := congress.ReadTopoJSONShapes(openShared(t, "districts/us-congressional-districts-119.topojson"), "us-congressional-districts-119.topojson")
	if err != nil {
		t.Fatal(err)
	}
	if len(g) != 441 || len(topo) != 441 {
		t.Fatalf("GeoJSON %d shapes, TopoJSON %d, want 441 each", len(g), len(topo))
	}
	points := 0
	for i := range g {
		a, b := g[i], topo[i]
		if a.District != b.District || a.GEOID != b.GEOID || len(a.Polygons) != len(b.Polygons) {
			t.Fatalf("shape %d: GeoJSON %s/%s with %d polygons, TopoJSON %s/%s with %d",
				i, a.District, a.GEOID, len(a.Polygons), b.District, b.GEOID, len(b.Polygons))
		}
		for p := range a.Polygons {
			if len(a.Polygons[p]) != len(b.Polygons[p]) {
				t.Fatalf("%s polygon %d: %d rings vs %d", a.District, p, len(a.Polygons[p]), len(b.Polygons[p]))
			}
			for r := range a.Polygons[p] {
				ra, rb := a.Polygons[p][r], b.Polygons[p][r]
				if len(ra) != len(rb) {
					t.Fatalf("%s polygon %d ring %d: %d points vs %d", a.District, p, r, len(ra), len(rb))
				}
				for k := range ra {
					points++
					if math.Abs(ra[k].Lon-rb[k].Lon) > 6e-6 || math.Abs(ra[k].Lat-rb[k].Lat) > 6e-6 {
						t.Fatalf("%s polygon %d ring %d point %d: %v vs %v", a.District, p, r, k, ra[k], rb[k])
					}
				}
			}
		}
	}
	if points < 600_000 {
		t.Errorf("compared only %d points", points)
	}
}

// TestGeoJSONParserExact checks the hand-written coordinate parser against
// encoding/json on the real file: coordinates must be bit-identical. The
// first 60 features are compared (decoding all 14 MB with reflection is slow
// under -race).
func TestGeoJSONParserExact(t *testing.T) {
	t.Parallel()
	r, _, _ := importShared(t)
	byGEOID := map[string]app.DistrictShape{}
	for _, s := range r.Shapes {
		byGEOID[s.GEOID] = s
	}
	dec := json.NewDecoder(openShared(t, "districts/cd119_500k.geojson"))
	for _, want := range []any{json.Delim('{'), "type", "FeatureCollection", "features", json.Delim('[')} {
		if tok, err := dec.Token(); err != nil || tok != want {
			t.Fatalf("token %v (%v), want %v", tok, err, want)
		}
	}
	for i := 0; i < 60 && dec.More(); i++ {
		var f struct {
			Properties struct{ GEOID string }
			Geometry   struct {
				Type        string
				Coordinates json.RawMessage
			}
		}
		if err := dec.Decode(&f); err != nil {
			t.Fatal(err)
		}
		var multi [][][][2]float64
		if f.Geometry.Type == "Polygon" {
			var poly [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &poly); err != nil {
				t.Fatal(err)
			}
			multi = [][][][2]float64{poly}
		} else if err := json.Unmarshal(f.Geometry.Coordinates, &multi); err != nil {
			t.Fatal(err)
		}
		s := byGEOID[f.Properties.GEOID]
		if len(s.Polygons) != len(multi) {
			t.Fatalf("%s: %d polygons, want %d", f.Properties.GEOID, len(s.Polygons), len(multi))
		}
		for p, poly := range multi {
			for r, ring := range poly {
				for k, pt := range ring {
					if got := s.Polygons[p][r][k]; got.Lon != pt[0] || got.Lat != pt[1] {
						t.Fatalf("%s %d/%d/%d: %v, want %v", f.Properties.GEOID, p, r, k, got, pt)
					}
				}
			}
		}
	}
}

func TestImportDirProgress(t *testing.T) {
	t.Parallel()
	_, _, events := importShared(t)
	last := map[string]congress.Progress{}
	for _, p := range events {
		if prev, ok := last[p.Step]; ok && p.Done < prev.Done {
			t.Errorf("%s went back from %d to %d", p.Step, prev.Done, p.Done)
		}
		last[p.Step] = p
	}
	for _, step := range []string{"legislators", "offices", "committees", "memberships", "commissions", "zips", "shapes"} {
		p, ok := last[step]
		if !ok || p.Total == 0 || p.Done != p.Total {
			t.Errorf("%s: last progress %+v (seen %v)", step, p, ok)
		}
	}
	if last["shapes"].File != "districts/cd119_500k.geojson" || len(events) < 30 {
		t.Errorf("shapes progress %+v after %d events", last["shapes"], len(events))
	}
}
