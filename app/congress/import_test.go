package congress_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/congress"
)

// Small hand-made files in the shared data layout.
const (
	tinyLegislators = `[
 {"id": {"bioguide": "K000391"}, "name": {"first": "Raja", "last": "Krishnamoorthi", "official_full": "Raja Krishnamoorthi"},
  "terms": [{"type": "rep", "state": "IL", "district": 8, "party": "Democrat", "start": "2025-01-03", "end": "2027-01-03",
             "address": "2367 Rayburn House Office Building Washington DC 20515-1308", "phone": "202-225-3711"}]},
 {"id": {"bioguide": "D000563"}, "name": {"first": "Richard", "last": "Durbin"},
  "terms": [{"type": "sen", "state": "IL", "class": 2, "state_rank": "senior", "party": "Democrat"}]},
 {"id": {"bioguide": "N000147"}, "name": {"first": "Eleanor", "last": "Norton"},
  "terms": [{"type": "rep", "state": "DC", "district": 0, "party": "Democrat"}]}
]`
	tinyCommittees = `[{"type": "house", "name": "Select Committee on the CCP", "thomas_id": "HSZS",
  "subcommittees": [{"name": "Sub", "thomas_id": "01"}]}]`
	tinyMemberships = `{"HSZS": [{"name": "Raja Krishnamoorthi", "party": "minority", "rank": 2, "bioguide": "K000391"},
  {"name": "Nobody", "party": "majority", "rank": 1, "title": "Chairman", "bioguide": "X000001"}],
 "HSXX": [{"name": "Raja Krishnamoorthi", "bioguide": "K000391"}]}`
	tinyOffices = `[{"id": {"bioguide": "K000391"}, "offices": [
  {"id": "K000391-schaumburg", "city": "Schaumburg", "state": "IL", "zip": "60173", "latitude": 42.042839, "longitude": -88.0382131},
  {"id": "K000391-typo", "city": "Schaumburg", "state": "IL", "latitude": 442.04, "longitude": -88.03},
  {"id": "K000391-nowhere", "city": "Schaumburg", "state": "IL"}]}]`
	tinyZCCD        = "state_fips,state_abbr,zcta,cd\n11,DC,20001,0\n17,IL,60195,5\n17,IL,60195,8\n"
	tinyCommissions = `commissions:
  - key: TLHRC
    name: Tom Lantos Human Rights Commission
    chamber: house
    email: TLHRC@mail.house.gov
    members:
      - bioguide: K000391
        role: co-chair
executive_targets:
  - key: DHS_SECRETARY
    title: Secretary of Homeland Security
    name: Markwayne Mullin
`
	tinyGeoJSON = `{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"STATEFP": "17", "CD119FP": "08", "GEOID": "1708"},
  "geometry": {"type": "Polygon", "coordinates": [[[-88.2, 42.0], [-87.9, 42.0], [-87.9, 42.2], [-88.2, 42.0]]]}},
 {"type": "Feature", "properties": {"STATEFP": "11", "CD119FP": "98"},
  "geometry": {"type": "MultiPolygon", "coordinates": [[[[-77.1, 38.8], [-76.9, 38.8], [-77.0, 39.0], [-77.1, 38.8]]]]}},
 {"type": "Feature", "properties": {"STATEFP": "17", "CD119FP": "ZZ"}, "geometry": null}
]}`
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func tinyDir(t *testing.T) map[string]string {
	return map[string]string{
		"congress-legislators/legislators-current.json":          tinyLegislators,
		"congress-legislators/committees-current.json":           tinyCommittees,
		"congress-legislators/committee-membership-current.json": tinyMemberships,
		"congress-legislators/legislators-district-offices.json": tinyOffices,
		"zip-district/zccd.csv":                                  tinyZCCD,
		"districts/cd119_500k.geojson":                           tinyGeoJSON,
		"commissions/commissions.yaml":                           tinyCommissions,
	}
}

func TestImportDirHandMade(t *testing.T) {
	dir := writeFiles(t, tinyDir(t))
	r, rep, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := congress.Counts{Legislators: 3, Representatives: 2, Senators: 1, Offices: 3, OfficesWithPoint: 1,
		Committees: 1, Subcommittees: 1, Commissions: 1, Memberships: 4, Executives: 1, Zips: 3, ZipCodes: 2, Shapes: 2}
	if rep.Counts != want {
		t.Errorf("counts\n got %+v\nwant %+v", rep.Counts, want)
	}
	for _, w := range []string{
		"office K000391-typo: implausible coordinates (latitude 442.04, longitude -88.03)",
		"office K000391-nowhere: no coordinates published",
		"memberships: 1 seat(s) on HSXX, which is not a known committee",
		"memberships: HSZS seat of X000001, who is not a current legislator",
		"shapes: no boundary for", // none expected: IL-8 and DC-AL exist
	} {
		if got := hasWarning(rep, w); got != (w != "shapes: no boundary for") {
			t.Errorf("warning %q present: %v; warnings: %q", w, got, rep.Warnings)
		}
	}
	if r.Shapes[0].District != (app.DistrictKey{State: "DC", District: 0}) || r.Shapes[1].GEOID != "1708" {
		t.Errorf("shapes: %+v", r.Shapes)
	}
	if r.Committees[1].Code != "HSZS01" || r.Committees[1].ParentCode != "HSZS" || r.Committees[2].Kind != app.KindCommission {
		t.Errorf("committees: %+v", r.Committees)
	}
}

func TestImportDirOnlyLegislators(t *testing.T) {
	dir := writeFiles(t, map[string]string{"congress-legislators/legislators-current.json": tinyLegislators})
	r, rep, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Legislators) != 3 || r.Offices != nil || r.Zips != nil || r.Shapes != nil {
		t.Errorf("roster: %+v", r)
	}
	var parts []string
	for _, m := range rep.Missing {
		parts = append(parts, strings.Fields(m)[0])
	}
	if want := []string{"commissions", "committees", "memberships", "offices", "shapes", "zips"}; !reflect.DeepEqual(parts, want) {
		t.Errorf("missing %q, want %v", rep.Missing, want)
	}
}

func TestImportDirErrors(t *testing.T) {
	broken := tinyDir(t)
	broken["congress-legislators/legislators-district-offices.json"] = "[\n {\"id\": {\"bioguide\": \"K000391\"}, \"offices\": [{\"id\": \"x\", \"latitude\": \"n\"}]}\n]"
	badShapes := tinyDir(t)
	badShapes["districts/cd119_500k.geojson"] = `{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"STATEFP": "17", "CD119FP": "08"}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]}`
	dupCode := tinyDir(t)
	dupCode["commissions/commissions.yaml"] = "commissions:\n  - {key: HSZS, name: X, chamber: house}\n"
	tests := []struct {
		name  string
		files map[string]string
		code  app.ErrorCode
		want  string
	}{
		{"no legislators", map[string]string{"zip-district/zccd.csv": tinyZCCD}, app.EINVALID,
			"has no legislators file"},
		{"empty legislators", map[string]string{"congress-legislators/legislators-current.json": "[]"}, app.EINVALID,
			"congress-legislators/legislators-current.json: the file lists no legislators"},
		{"bad offices", broken, app.EINVALID,
			`congress-legislators/legislators-district-offices.json:2:70: offices.latitude is "n", want a number`},
		{"bad shapes", badShapes, app.EINVALID,
			`districts/cd119_500k.geojson:1:126: feature 1 (IL-8): geometry type is "LineString", want Polygon or MultiPolygon`},
		{"commission code clash", dupCode, app.EINVALID,
			"commissions/commissions.yaml: commission HSZS has the code of a committee in committees-current"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			r, _, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{})
			if err == nil || r != nil {
				t.Fatalf("roster %v, error %v", r != nil, err)
			}
			if app.ErrorCodeOf(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q (%s), want %s containing %q", err, app.ErrorCodeOf(err), tt.code, tt.want)
			}
		})
	}
	t.Run("no folder", func(t *testing.T) {
		_, _, err := congress.ImportDir(context.Background(), filepath.Join(t.TempDir(), "nope"), congress.ImportOptions{})
		if app.ErrorCodeOf(err) != app.ENOTFOUND {
			t.Errorf("error %v", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err := congress.ImportDir(ctx, writeFiles(t, tinyDir(t)), congress.ImportOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
}

func TestImportDirZipSource(t *testing.T) {
	files := tinyDir(t)
	files["zip-district/census/tab20_cd11920_zcta520_natl.txt"] = "OID_CD119_20|GEOID_CD119_20|GEOID_ZCTA5_20|AREALAND_PART\n1|1708|60195|100\n"
	dir := writeFiles(t, files)
	for _, tt := range []struct {
		src  congress.ZipSource
		want int
		file string
	}{
		{congress.ZipAuto, 1, "zip-district/census/tab20_cd11920_zcta520_natl.txt"},
		{congress.ZipCensus, 1, "zip-district/census/tab20_cd11920_zcta520_natl.txt"},
		{congress.ZipZCCD, 3, "zip-district/zccd.csv"},
	} {
		r, rep, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{ZipSource: tt.src})
		if err != nil {
			t.Fatal(err)
		}
		read := strings.Join(rep.Files, " ")
		if len(r.Zips) != tt.want || !strings.Contains(read, tt.file) {
			t.Errorf("%q: %d zips from %s", tt.src, len(r.Zips), read)
		}
	}
}

func TestReadCensusZCTARelationship(t *testing.T) {
	// Header as published (with a UTF-8 byte-order mark); rows cover an
	// empty ZCTA, the ZZ water pseudo-district, at-large (00), delegate (98),
	// a water-only touch of a second district and a ZCTA that only touches
	// water.
	in := "\uFEFFOID_CD119_20|GEOID_CD119_20|NAMELSAD_CD119_20|AREALAND_CD119_20|AREAWATER_CD119_20|MTFCC_CD119_20|FUNCSTAT_CD119_20|" +
		"OID_ZCTA5_20|GEOID_ZCTA5_20|NAMELSAD_ZCTA5_20|AREALAND_ZCTA5_20|AREAWATER_ZCTA5_20|MTFCC_ZCTA5_20|CLASSFP_ZCTA5_20|FUNCSTAT_ZCTA5_20|AREALAND_PART|AREAWATER_PART\n" +
		"1|1708|Congressional District 8|1|1|G5200|N|||||||||0|0\n" +
		"1|1708|Congressional District 8|1|1|G5200|N|2|60195|ZCTA5 60195|1|1|G6350|B5|S|500|0\n" +
		"1|1705|Congressional District 5|1|1|G5200|N|2|60195|ZCTA5 60195|1|1|G6350|B5|S|300|0\n" +
		"1|1709|Congressional District 9|1|1|G5200|N|2|60195|ZCTA5 60195|1|1|G6350|B5|S|0|20\n" +
		"1|17ZZ|Congressional Districts not defined|1|1|G5200|N|2|60196|ZCTA5 60196|1|1|G6350|B5|S|0|20\n" +
		"1|0200|Congressional District (at Large)|1|1|G5200|N|3|99501|ZCTA5 99501|1|1|G6350|B5|S|9|0\n" +
		"1|1198|Delegate District (at Large)|1|1|G5200|N|4|20001|ZCTA5 20001|1|1|G6350|B5|S|9|0\n" +
		"1|1709|Congressional District 9|1|1|G5200|N|5|60099|ZCTA5 60099|1|1|G6350|B5|S|0|9\n"
	got, err := congress.ReadCensusZCTARelationship(strings.NewReader(in), "tab20_cd11920_zcta520_natl.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []app.ZipDistrict{
		{Zip: "20001", State: "DC", District: 0},
		{Zip: "60099", State: "IL", District: 9},
		{Zip: "60195", State: "IL", District: 5},
		{Zip: "60195", State: "IL", District: 8},
		{Zip: "99501", State: "AK", District: 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestPlausibleOfficePoint(t *testing.T) {
	for _, tt := range []struct {
		lat, lon float64
		want     bool
	}{
		{42.042839, -88.0382131, true}, // Schaumburg
		{441.5080197, -90.5783808, false},
		{0, 0, false},
		{-88.03, 42.04, false},      // swapped
		{13.4757, 144.7489, true},   // Hagåtña, Guam
		{-14.2756, -170.702, true},  // Pago Pago
		{51.88, 176.65, true},       // Adak, Aleutians
		{48.8566, 2.3522, false},    // Paris
		{18.4655, -66.1057, true},   // San Juan
		{64.8378, -147.7164, true},  // Fairbanks
		{-33.8688, 151.2093, false}, // Sydney
		{40.7128, 74.0060, false},   // New York with a lost minus sign
		{90.0001, -100, false},      // out of range
		{38.8977, -77.0365, true},   // Washington
		{15.1778, 145.7509, true},   // Saipan
		{18.3419, -64.9307, true},   // Charlotte Amalie
		{71.2906, -156.7886, true},  // Utqiagvik
		{-15.1, -170.7, false},      // south of American Samoa
		{24.5551, -81.7800, true},   // Key West
		{47.6062, -122.3321, true},  // Seattle
		{21.3069, -157.8583, true},  // Honolulu
		{44.8012, -68.7778, true},   // Bangor
		{45.0, -63.5, false},        // Nova Scotia
		{41.508, -90.5783808, true}, // Rock Island as meant
		{42.7407, -84.5630, true},   // Lansing (a wrong but plausible geocode)
		{-0.0001, -0.0001, false},   // near null island
		{35.0, -179.9, true},        // far west, still inside the box
	} {
		if got := congress.PlausibleOfficePoint(tt.lat, tt.lon); got != tt.want {
			t.Errorf("PlausibleOfficePoint(%v, %v) = %v", tt.lat, tt.lon, got)
		}
	}
}

func TestStateForFIPS(t *testing.T) {
	for fips, want := range map[string]string{"01": "AL", "11": "DC", "17": "IL", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI"} {
		if got, ok := congress.StateForFIPS(fips); !ok || got != want {
			t.Errorf("StateForFIPS(%s) = %s, %v", fips, got, ok)
		}
		if got, ok := congress.FIPSForState(want); !ok || got != fips {
			t.Errorf("FIPSForState(%s) = %s, %v", want, got, ok)
		}
	}
	if _, ok := congress.StateForFIPS("03"); ok {
		t.Error("03 is not a state")
	}
}

func TestImportDirYAMLAndTopoJSON(t *testing.T) {
	// A quantized TopoJSON with two arcs shared by two districts (the second
	// uses the first arc reversed) and legislators in YAML.
	const topo = `{"type": "Topology",
 "transform": {"scale": [0.5, 0.25], "translate": [-90, 40]},
 "arcs": [[[0, 0], [0, 4]], [[0, 4], [2, 0], [0, -4], [-2, 0]], [[0, 0], [-2, 0], [0, 4], [2, 0]]],
 "objects": {"districts": {"type": "GeometryCollection", "geometries": [
   {"type": "Polygon", "arcs": [[0, 1]], "properties": {"STATEFP": "17", "CD119FP": "08", "GEOID": "1708"}},
   {"type": "MultiPolygon", "arcs": [[[2, -1]]], "properties": {"STATEFP": "17", "CD119FP": "05", "GEOID": "1705"}}]},
  "states": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[0]], "properties": {"NAME": "Illinois"}}]}}}`
	const yamlLegislators = `- id:
    bioguide: K000391
  name:
    first: Raja
    last: Krishnamoorthi
  terms:
  - type: rep
    state: IL
    district: 8
`
	dir := writeFiles(t, map[string]string{
		"congress-legislators/legislators-current.yaml":     yamlLegislators,
		"districts/us-congressional-districts-119.topojson": topo,
	})
	r, rep, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Legislators) != 1 || r.Legislators[0].District != 8 || len(rep.Missing) != 5 {
		t.Errorf("legislators %+v, missing %q", r.Legislators, rep.Missing)
	}
	pt := func(x, y float64) app.Point { return app.Point{Lon: -90 + x*0.5, Lat: 40 + y*0.25} }
	want := []app.DistrictShape{
		{District: app.DistrictKey{State: "IL", District: 5}, GEOID: "1705", Polygons: []app.Polygon{{{
			pt(0, 0), pt(-2, 0), pt(-2, 4), pt(0, 4), pt(0, 0)}}}},
		{District: app.DistrictKey{State: "IL", District: 8}, GEOID: "1708", Polygons: []app.Polygon{{{
			pt(0, 0), pt(0, 4), pt(2, 4), pt(2, 0), pt(0, 0)}}}},
	}
	if !reflect.DeepEqual(r.Shapes, want) {
		t.Errorf("shapes\n got %v\nwant %v", r.Shapes, want)
	}
}

func TestReadersAcceptByteOrderMark(t *testing.T) {
	ls, err := congress.ReadLegislatorsJSON(strings.NewReader("\uFEFF"+tinyLegislators), "legislators-current.json")
	if err != nil || len(ls) != 3 {
		t.Errorf("JSON: %d legislators, %v", len(ls), err)
	}
	zs, err := congress.ReadZCCD(strings.NewReader("\uFEFF"+tinyZCCD), "zccd.csv")
	if err != nil || len(zs) != 3 {
		t.Errorf("CSV: %d rows, %v", len(zs), err)
	}
	ss, err := congress.ReadGeoJSONShapes(strings.NewReader("\uFEFF"+tinyGeoJSON), "cd.geojson")
	if err != nil || len(ss) != 2 {
		t.Errorf("GeoJSON: %d shapes, %v", len(ss), err)
	}
}

func TestTrailingDataInLargeFile(t *testing.T) {
	// The garbage lies beyond the decoder's first buffer fill.
	in := "[" + strings.Repeat(" ", 100_000) + "]\n\n  garbage"
	_, err := congress.ReadLegislatorsJSON(strings.NewReader(in), "legislators-current.json")
	if err == nil || err.Error() != "legislators-current.json:3:3: unexpected data after the end of the document" {
		t.Errorf("error %v", err)
	}
}

func TestImportFS(t *testing.T) {
	fsys := fstest.MapFS{}
	for rel, content := range tinyDir(t) {
		fsys[rel] = &fstest.MapFile{Data: []byte(content)}
	}
	r, rep, err := congress.ImportFS(context.Background(), fsys, congress.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Legislators) != 3 || len(r.Shapes) != 2 || len(rep.Files) != 7 || rep.Dir != "" {
		t.Errorf("%d legislators, %d shapes, files %v", len(r.Legislators), len(r.Shapes), rep.Files)
	}
}
