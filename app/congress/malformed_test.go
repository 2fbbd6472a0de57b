package congress_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/congress"
)

// readAny adapts every reader to one signature for table tests.
type readAny func(r io.Reader, name string) (int, error)

func n[T any](read func(io.Reader, string) ([]T, error)) readAny {
	return func(r io.Reader, name string) (int, error) {
		v, err := read(r, name)
		return len(v), err
	}
}

var readCommissions readAny = func(r io.Reader, name string) (int, error) {
	c, m, e, err := congress.ReadCommissionsYAML(r, name)
	return len(c) + len(m) + len(e), err
}

// TestMalformedInput feeds hand-made broken files to every reader and checks
// that the error is EINVALID and names the file, line and column.
func TestMalformedInput(t *testing.T) {
	const rep = `{"id": {"bioguide": "A000001"}, "name": {"first": "Ann", "last": "Able"},
  "terms": [{"type": "rep", "state": "IL", "district": 1}]}`
	tests := []struct {
		name  string
		read  readAny
		file  string
		input string
		want  string // the whole error message
	}{
		// legislators JSON
		{"district not an integer", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			"[\n  {\"id\": {\"bioguide\": \"A000001\"},\n   \"terms\": [\n    {\"type\": \"rep\", \"state\": \"IL\", \"district\": \"x\"}]}\n]",
			`legislators-current.json:4:48: terms.district is "x", want an integer`},
		{"district a fraction", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			`[{"id": {"bioguide": "A000001"}, "terms": [{"type": "rep", "state": "IL", "district": 1.5}]}]`,
			`legislators-current.json:1:87: terms.district is 1.5, want an integer`},
		{"JSON syntax", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			"[\n  {\"id\": {\"bioguide\": \"A000001\"},,}\n]",
			`legislators-current.json:2:34: invalid JSON: invalid character ',' looking for beginning of object key string`},
		{"truncated", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			"[\n  {\"id\": {\"bioguide\": \"A0",
			`legislators-current.json:2:26: unexpected end of file (truncated download?)`},
		{"not a list", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			`{"legislators": []}`,
			`legislators-current.json:1:1: want a list of legislators at the top of the file`},
		{"empty", n(congress.ReadLegislatorsJSON), "legislators-current.json", "",
			`legislators-current.json: the file is empty`},
		{"trailing garbage", n(congress.ReadLegislatorsJSON), "legislators-current.json", "[]\n<html>",
			`legislators-current.json:2:1: unexpected data after the end of the document`},
		{"no bioguide", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			"[\n  {\"id\": {\"govtrack\": 1}, \"terms\": [{\"type\": \"sen\", \"state\": \"IL\"}]}\n]",
			`legislators-current.json:2:10: legislator has no id.bioguide`},
		{"duplicate bioguide", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			"[\n" + rep + ",\n" + rep + "\n]",
			`legislators-current.json:4:21: duplicate bioguide id "A000001" (first at line 2)`},
		{"unknown state", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			`[{"id": {"bioguide": "A000001"}, "terms": [{"type": "rep", "state": "Illinois", "district": 1}]}]`,
			`legislators-current.json:1:69: legislator A000001: state is "Illinois", want a USPS code such as "IL"`},
		{"unknown type", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			`[{"id": {"bioguide": "A000001"}, "terms": [{"type": "gov", "state": "IL"}]}]`,
			`legislators-current.json:1:53: legislator A000001: the current term's type is "gov", want "rep" or "sen"`},
		{"rep without district", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			`[{"id": {"bioguide": "A000001"}, "terms": [{"type": "rep", "state": "IL"}]}]`,
			`legislators-current.json:1:44: legislator A000001: the current House term has no district`},
		{"no terms", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			`[{"id": {"bioguide": "A000001"}, "terms": []}]`,
			`legislators-current.json:1:43: legislator A000001 has no terms`},
		{"name a number", n(congress.ReadLegislatorsJSON), "legislators-current.json",
			`[{"id": {"bioguide": "A000001"}, "name": {"first": 7}}]`,
			`legislators-current.json:1:52: name.first is 7, want a string`},

		// legislators YAML
		{"YAML district", n(congress.ReadLegislatorsYAML), "legislators-current.yaml",
			"- id:\n    bioguide: A000001\n  terms:\n  - type: rep\n    state: IL\n    district: x\n",
			`legislators-current.yaml:6:15: terms.district is "x", want an integer`},
		{"YAML syntax", n(congress.ReadLegislatorsYAML), "legislators-current.yaml",
			"- id:\n    bioguide: A000001\n  terms:\n  - type: rep\n   state: IL\n",
			`legislators-current.yaml:4: invalid YAML: did not find expected key`},
		{"YAML duplicate", n(congress.ReadLegislatorsYAML), "legislators-current.yaml",
			"- id: {bioguide: A000001}\n  terms: [{type: sen, state: IL}]\n- id: {bioguide: A000001}\n  terms: [{type: sen, state: IL}]\n",
			`legislators-current.yaml:3:18: duplicate bioguide id "A000001" (first at line 1)`},

		// legislators CSV
		{"CSV district", n(congress.ReadLegislatorsCSV), "legislators-current.csv",
			"last_name,first_name,type,state,district,bioguide_id\nAble,Ann,rep,IL,x,A000001\n",
			`legislators-current.csv:2:17: district is "x", want an integer (0 for at-large)`},
		{"CSV header", n(congress.ReadLegislatorsCSV), "legislators-current.csv",
			"<html><body>Not Found</body></html>\n",
			`legislators-current.csv:1: the header lacks column bioguide_id, type, state, district, first_name, last_name (want bioguide_id,type,state,district,first_name,last_name; got "<html><body>Not Found</body></html>")`},

		// committees and memberships
		{"committee type", n(congress.ReadCommitteesJSON), "committees-current.json",
			`[{"type": "both", "name": "X", "thomas_id": "HSXX"}]`,
			`committees-current.json:1:11: committee HSXX: type is "both", want house, senate or joint`},
		{"committee duplicate", n(congress.ReadCommitteesJSON), "committees-current.json",
			"[{\"type\": \"house\", \"thomas_id\": \"HSXX\", \"subcommittees\": [{\"thomas_id\": \"01\"}]},\n {\"type\": \"house\", \"thomas_id\": \"HSXX01\"}]",
			`committees-current.json:2:33: duplicate committee code "HSXX01" (first at line 1)`},
		{"subcommittee without id", n(congress.ReadCommitteesYAML), "committees-current.yaml",
			"- type: senate\n  thomas_id: SSXX\n  subcommittees:\n  - name: Sub\n",
			`committees-current.yaml:4:5: subcommittee "Sub" of SSXX: thomas_id is "", want digits such as "01"`},
		{"seat without bioguide", n(congress.ReadMembershipsJSON), "committee-membership-current.json",
			"{\n \"HSZS\": [\n  {\"name\": \"Someone\", \"rank\": 1}\n ]\n}",
			`committee-membership-current.json:3:3: committee HSZS: seat 1 ("Someone") has no bioguide id`},
		{"rank not a number", n(congress.ReadMembershipsYAML), "committee-membership-current.yaml",
			"HSZS:\n- name: Someone\n  rank: first\n  bioguide: A000001\n",
			`committee-membership-current.yaml:3:9: rank is "first", want an integer`},

		// offices
		{"office latitude text", n(congress.ReadOfficesJSON), "legislators-district-offices.json",
			`[{"id": {"bioguide": "A000001"}, "offices": [{"id": "A000001-x", "latitude": "north"}]}]`,
			`legislators-district-offices.json:1:78: offices.latitude is "north", want a number`},
		{"office without id", n(congress.ReadOfficesYAML), "legislators-district-offices.yaml",
			"- id:\n    bioguide: A000001\n  offices:\n  - city: Springfield\n",
			`legislators-district-offices.yaml:4:5: an office of A000001 has no id`},
		{"office CSV latitude", n(congress.ReadOfficesCSV), "legislators-district-offices.csv",
			"bioguide,id,address,city,state,zip,latitude,longitude\nA000001,A000001-x,1 Main,Springfield,IL,62701,abc,-89.6\n",
			`legislators-district-offices.csv:2:47: office A000001-x: latitude is "abc", want a number`},

		// ZIPs
		{"ZIP not 5 digits", n(congress.ReadZCCD), "zccd.csv",
			"state_fips,state_abbr,zcta,cd\n17,IL,60195,8\n17,IL,6019,8\n",
			`zccd.csv:3:7: ZIP is "6019", want 5 digits`},
		{"ZIP unknown state", n(congress.ReadZCCD), "zccd.csv",
			"state_fips,state_abbr,zcta,cd\n17,XX,60195,8\n",
			`zccd.csv:2:4: state is "XX", want a USPS code such as "IL"`},
		{"ZIP FIPS mismatch", n(congress.ReadZCCD), "zccd.csv",
			"state_fips,state_abbr,zcta,cd\n18,IL,60195,8\n",
			`zccd.csv:2:1: state_fips is "18" but IL is 17`},
		{"ZIP district", n(congress.ReadZCCD), "zccd.csv",
			"state_fips,state_abbr,zcta,cd\n17,IL,60195,AL\n",
			`zccd.csv:2:13: district is "AL", want an integer from 0 (at-large) to 99`},
		{"ZIP wrong header", n(congress.ReadZCCD), "zccd.csv",
			"zip,state,district\n60195,IL,8\n",
			`zccd.csv:1: the header lacks column state_abbr, zcta, cd (want state_abbr,zcta,cd; got "zip,state,district")`},
		{"ZIP field count", n(congress.ReadZCCD), "zccd.csv",
			"state_fips,state_abbr,zcta,cd\n17,IL,60195\n",
			`zccd.csv:2: invalid CSV: the row has 3 fields, want 4 like the header`},
		{"ZIP bare quote", n(congress.ReadZCCD), "zccd.csv",
			"state_fips,state_abbr,zcta,cd\n17,I\"L,60195,8\n",
			`zccd.csv:2:5: invalid CSV: bare " in non-quoted-field`},
		{"Census unknown FIPS", n(congress.ReadCensusZCTARelationship), "tab20_cd11920_zcta520_natl.txt",
			"OID_CD119_20|GEOID_CD119_20|GEOID_ZCTA5_20|AREALAND_PART\n1|9901|60195|5\n",
			`tab20_cd11920_zcta520_natl.txt:2:3: district GEOID "9901" has unknown state FIPS code 99`},
		{"Census no CD column", n(congress.ReadCensusZCTARelationship), "tab20_cd11920_zcta520_natl.txt",
			"GEOID_CD_20|GEOID_ZCTA5_20\n1708|60195\n",
			`tab20_cd11920_zcta520_natl.txt:1: the header lacks a GEOID_CD1nn_20 column (such as GEOID_CD119_20)`},

		// shapes
		{"GeoJSON point", n(congress.ReadGeoJSONShapes), "cd.geojson",
			"{\"type\": \"FeatureCollection\", \"features\": [\n {\"type\": \"Feature\", \"properties\": {\"STATEFP\": \"17\", \"CD119FP\": \"08\"},\n  \"geometry\": {\"type\": \"Point\", \"coordinates\": [-88, 42]}}]}",
			`cd.geojson:3:15: feature 1 (IL-8): geometry type is "Point", want Polygon or MultiPolygon`},
		{"GeoJSON bad number", n(congress.ReadGeoJSONShapes), "cd.geojson",
			"{\"type\": \"FeatureCollection\", \"features\": [\n {\"type\": \"Feature\", \"properties\": {\"STATEFP\": \"17\", \"CD119FP\": \"08\"},\n  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[-88, 42], [-88, 4x], [-87, 42], [-88, 42]]]}}]}",
			`cd.geojson:3:69: feature 1: "4x" is not a number`},
		{"GeoJSON unknown state", n(congress.ReadGeoJSONShapes), "cd.geojson",
			`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"STATEFP": "99", "CD119FP": "01"}, "geometry": null}]}`,
			`cd.geojson:1:78: feature 1: STATEFP is "99", not a state or territory with a seat in Congress`},
		{"GeoJSON projected", n(congress.ReadGeoJSONShapes), "cd.geojson",
			`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"STATEFP": "17", "CD119FP": "08"}, "geometry": {"type": "Polygon", "coordinates": [[[-9800000, 5100000], [-9700000, 5100000], [-9700000, 5200000], [-9800000, 5100000]]]}}]}`,
			`cd.geojson:1:161: feature 1 (IL-8): point (-9.8e+06, 5.1e+06) is not longitude/latitude in degrees`},
		{"GeoJSON not a collection", n(congress.ReadGeoJSONShapes), "cd.geojson",
			`{"type": "Feature", "properties": {}}`,
			`cd.geojson:1:10: type is "Feature", want "FeatureCollection"`},
		{"TopoJSON arc out of range", n(congress.ReadTopoJSONShapes), "cd.topojson",
			`{"type": "Topology", "arcs": [[[0, 0], [1, 0], [0, 1], [-1, -1]]], "objects": {"cd": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[0, 5]], "properties": {"STATEFP": "17", "CD119FP": "08"}}]}}}`,
			`cd.topojson:1:160: geometry 1 (IL-8): arc index 5 is out of range (1 arcs)`},

		// commissions
		{"commission role", readCommissions, "commissions.yaml",
			"commissions:\n  - key: TLHRC\n    name: Tom Lantos Human Rights Commission\n    chamber: house\n    members:\n      - bioguide: M000312\n        role: boss\n",
			`commissions.yaml:7:15: commission TLHRC: role is "boss", want chair, co-chair, vice-chair, ranking-member, executive-committee or member`},
		{"executive without name", readCommissions, "commissions.yaml",
			"executive_targets:\n  - key: DHS_SECRETARY\n    title: Secretary of Homeland Security\n",
			`commissions.yaml:2:5: executive target DHS_SECRETARY needs a title and a name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.read(strings.NewReader(tt.input), tt.file)
			if err == nil {
				t.Fatal("no error")
			}
			var ae *app.Error
			if !errors.As(err, &ae) || ae.Code != app.EINVALID {
				t.Fatalf("error %v (%T) is not an EINVALID *app.Error", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err.Error(), tt.want)
			}
		})
	}
}
