package congress_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/congress"
)

// checkErr asserts the contract every reader keeps on bad input: an
// EINVALID *app.Error whose message starts with the file name.
func checkErr(t *testing.T, err error, name string) {
	t.Helper()
	var ae *app.Error
	if !errors.As(err, &ae) || ae.Code != app.EINVALID {
		t.Fatalf("error %v (%T) is not an EINVALID *app.Error", err, err)
	}
	if !strings.HasPrefix(ae.Message, name+":") {
		t.Fatalf("message %q does not start with %q", ae.Message, name+":")
	}
}

func FuzzReadZCCD(f *testing.F) {
	f.Add([]byte(tinyZCCD))
	f.Add([]byte("state_fips,state_abbr,zcta,cd\n17,IL,6019,8\n"))
	f.Add([]byte("zcta,state_abbr,cd\n\"60195\",IL,08\n"))
	f.Add([]byte("state_abbr,zcta,cd\nIL,60195,-1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		zips, err := congress.ReadZCCD(bytes.NewReader(data), "zccd.csv")
		if err != nil {
			checkErr(t, err, "zccd.csv")
			return
		}
		for _, z := range zips {
			if len(z.Zip) != 5 || strings.Trim(z.Zip, "0123456789") != "" || !app.ValidState(z.State) || z.District < 0 || z.District > 99 {
				t.Fatalf("invalid row accepted: %+v", z)
			}
		}
	})
}

func FuzzReadLegislatorsJSON(f *testing.F) {
	f.Add([]byte(tinyLegislators))
	f.Add([]byte(`[{"id": {"bioguide": "A"}, "terms": [{"type": "rep", "state": "IL", "district": "x"}]}]`))
	f.Add([]byte(`[{"id": {"bioguide": "A"}, "terms": [{"type": "sen", "state": "IL", "class": 4}]}] x`))
	f.Add([]byte("[\n {\"id\": {\"bioguide\": \"A\\u0041\"}, \"name\": {\"first\": 3}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ls, err := congress.ReadLegislatorsJSON(bytes.NewReader(data), "legislators-current.json")
		if err != nil {
			checkErr(t, err, "legislators-current.json")
			return
		}
		seen := map[string]bool{}
		for _, l := range ls {
			if strings.TrimSpace(l.BioguideID) == "" || seen[l.BioguideID] || !app.ValidState(l.State) {
				t.Fatalf("invalid legislator accepted: %+v", l)
			}
			seen[l.BioguideID] = true
			switch l.Chamber {
			case app.House:
				if l.District < 0 {
					t.Fatalf("negative district: %+v", l)
				}
			case app.Senate:
				if l.Class < 0 || l.Class > 3 {
					t.Fatalf("bad class: %+v", l)
				}
			default:
				t.Fatalf("bad chamber: %+v", l)
			}
		}
	})
}

func FuzzReadGeoJSONShapes(f *testing.F) {
	f.Add([]byte(tinyGeoJSON))
	f.Add([]byte(`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"STATEFP": "17", "CD119FP": "08"}, "geometry": {"type": "Polygon", "coordinates": [[[-88, 42], [-87, 42], [-87, 43e0], [-88, 42]]]}}]}`))
	f.Add([]byte(`{"features": [{"properties": {"STATEFP": "72", "CD118FP": "98", "CD119FP": "98"}, "geometry": {"coordinates": [[[[1.5, -2.25], [1, 2], [3, 4]]]], "type": "MultiPolygon"}}], "bbox": [1, 2]}`))
	f.Add([]byte(`{"type": "FeatureCollection", "features": [{"properties": {"STATEFP": "17", "CD119FP": "08"}, "geometry": {"type": "Polygon", "coordinates": [[[-88, 42], [-87, 4x]]]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		shapes, err := congress.ReadGeoJSONShapes(bytes.NewReader(data), "cd.geojson")
		if err != nil {
			checkErr(t, err, "cd.geojson")
			return
		}
		seen := map[app.DistrictKey]bool{}
		for _, s := range shapes {
			if !app.ValidState(s.District.State) || s.District.District < 0 || seen[s.District] || len(s.Polygons) == 0 {
				t.Fatalf("invalid shape accepted: %+v", s)
			}
			seen[s.District] = true
			for _, poly := range s.Polygons {
				if len(poly) == 0 {
					t.Fatalf("%s: empty polygon", s.District)
				}
				for _, ring := range poly {
					if len(ring) < 3 {
						t.Fatalf("%s: ring of %d points", s.District, len(ring))
					}
					for _, p := range ring {
						if math.IsNaN(p.Lon) || math.Abs(p.Lon) > 180 || math.IsNaN(p.Lat) || math.Abs(p.Lat) > 90 {
							t.Fatalf("%s: point %v", s.District, p)
						}
					}
				}
			}
		}
	})
}

// FuzzReadLegislatorsYAML guards the YAML → JSON conversion (aliases, tags,
// odd scalars) that every YAML reader shares.
func FuzzReadLegislatorsYAML(f *testing.F) {
	f.Add([]byte("- id: {bioguide: A000001}\n  terms: [{type: rep, state: IL, district: 8}]\n"))
	f.Add([]byte("- &a {id: {bioguide: A}, terms: [{type: sen, state: IL, class: 0x2}]}\n- *a\n"))
	f.Add([]byte("- id: {bioguide: A}\n  terms:\n  - {type: rep, state: IL, district: 1e2, start: 2025-01-03}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ls, err := congress.ReadLegislatorsYAML(bytes.NewReader(data), "legislators-current.yaml")
		if err != nil {
			checkErr(t, err, "legislators-current.yaml")
			return
		}
		for _, l := range ls {
			if strings.TrimSpace(l.BioguideID) == "" || !app.ValidState(l.State) {
				t.Fatalf("invalid legislator accepted: %+v", l)
			}
		}
	})
}
