package match_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// fakeGeocoder answers from a table; anything else is "not found".
type fakeGeocoder struct {
	mu    sync.Mutex
	calls []string
	at    map[string]app.Point
	err   error
}

func (f *fakeGeocoder) Geocode(_ context.Context, address string) (app.Point, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, address)
	if f.err != nil {
		return app.Point{}, f.err
	}
	p, ok := f.at[address]
	if !ok {
		return app.Point{}, match.ErrAddressNotFound
	}
	return p, nil
}

func pt(lat, lon float64) *app.Point { return &app.Point{Lat: lat, Lon: lon} }

func TestLookup(t *testing.T) {
	ix := fixtureIndex(t)
	geo := &fakeGeocoder{at: map[string]app.Point{
		"1701 E Woodfield Rd, Schaumburg IL 60173":            {Lat: 42.05, Lon: -88.2},  // IL-8
		"1 Main St, Schaumburg IL 60173":                      {Lat: 42.05, Lon: -87.6},  // IL-5
		"1 Wrong St 60173":                                    {Lat: 42.5, Lon: -73.5},   // NY-20: not the ZIP's
		"1 Water St 60173":                                    {Lat: 41.0, Lon: -87.6},   // nowhere
		"400 S Clinton St 13261":                              {Lat: 43.05, Lon: -73.5},  // NY-21
		"1 Main St, Schaumburg IL 60173 (the geocoder fails)": {Lat: 42.05, Lon: -88.2},  // unused
		"100 Capitol Ave":                                     {Lat: 42.65, Lon: -73.75}, // NY-20, no ZIP given
	}}
	withGeo := match.New(ix, match.Options{Geocoder: geo})
	failing := match.New(ix, match.Options{Geocoder: &fakeGeocoder{err: app.Errorf(app.EUNAVAILABLE, "down")}})
	plain := match.New(ix, match.Options{})

	tests := []struct {
		name      string
		m         *match.Matcher
		q         match.Query
		districts string // "IL-5 IL-8"
		method    string
		senators  string // "Schumer Gillibrand"
		members   string // House members (bioguide) or "-" per district for a vacancy
		note      string // substring of some note; "" = no notes
		errField  string // expected EINVALID field
	}{
		{name: "single district ZIP", q: match.Query{Zip: "12202"},
			districts: "NY-20", method: "zip", senators: "Schumer Gillibrand", members: "T000469"},
		{name: "ZIP+4", q: match.Query{Zip: " 12202-1234 "},
			districts: "NY-20", method: "zip", senators: "Schumer Gillibrand", members: "T000469"},
		{name: "nine digits", q: match.Query{Zip: "122021234"},
			districts: "NY-20", method: "zip", senators: "Schumer Gillibrand", members: "T000469"},
		{name: "split ZIP", q: match.Query{Zip: "60173"},
			districts: "IL-5 IL-8", method: "zip", senators: "Durbin Duckworth", members: "Q000023 K000391", note: "split between 2"},
		{name: "split ZIP with a point", q: match.Query{Zip: "60173", Point: pt(42.042839, -88.0382131)},
			districts: "IL-8", method: "point", senators: "Durbin Duckworth", members: "K000391"},
		{name: "point outside the ZIP's districts is trusted", q: match.Query{Zip: "60173", Point: pt(42.5, -73.5)},
			districts: "NY-20", method: "point", senators: "Schumer Gillibrand", members: "T000469", note: "does not match"},
		{name: "point without ZIP", q: match.Query{Point: pt(42.5, -73.5)},
			districts: "NY-20", method: "point", senators: "Schumer Gillibrand", members: "T000469"},
		{name: "point on water falls back to ZIP", q: match.Query{Zip: "60173", Point: pt(41.0, -87.6)},
			districts: "IL-5 IL-8", method: "zip", senators: "Durbin Duckworth", members: "Q000023 K000391", note: "couldn't place"},
		{name: "point (0,0) is no point", q: match.Query{Zip: "12202", Point: pt(0, 0)},
			districts: "NY-20", method: "zip", senators: "Schumer Gillibrand", members: "T000469", note: "couldn't place"},
		{name: "point on water without ZIP", q: match.Query{Point: pt(41.0, -87.6)}, errField: "zip"},
		{name: "geocoded address", m: withGeo, q: match.Query{Zip: "60173", Address: "1701 E Woodfield Rd, Schaumburg IL 60173"},
			districts: "IL-8", method: "geocoder", senators: "Durbin Duckworth", members: "K000391"},
		{name: "geocoded address, ZIP appended", m: withGeo, q: match.Query{Zip: "60173", Address: "1 Main St, Schaumburg IL"},
			districts: "IL-5", method: "geocoder", senators: "Durbin Duckworth", members: "Q000023"},
		{name: "geocoder ignored without a geocoder", q: match.Query{Zip: "60173", Address: "1701 E Woodfield Rd, Schaumburg IL 60173"},
			districts: "IL-5 IL-8", method: "zip", senators: "Durbin Duckworth", members: "Q000023 K000391", note: "split"},
		{name: "geocoder error falls back", m: failing, q: match.Query{Zip: "60173", Address: "1 Main St"},
			districts: "IL-5 IL-8", method: "zip", senators: "Durbin Duckworth", members: "Q000023 K000391", note: "couldn't pinpoint"},
		{name: "geocoder no match falls back", m: withGeo, q: match.Query{Zip: "60173", Address: "nowhere"},
			districts: "IL-5 IL-8", method: "zip", senators: "Durbin Duckworth", members: "Q000023 K000391", note: "couldn't pinpoint"},
		{name: "geocoded elsewhere than the ZIP falls back", m: withGeo, q: match.Query{Zip: "60173", Address: "1 Wrong St"},
			districts: "IL-5 IL-8", method: "zip", senators: "Durbin Duckworth", members: "Q000023 K000391", note: "couldn't pinpoint"},
		{name: "geocoded onto water falls back", m: withGeo, q: match.Query{Zip: "60173", Address: "1 Water St"},
			districts: "IL-5 IL-8", method: "zip", senators: "Durbin Duckworth", members: "Q000023 K000391", note: "couldn't pinpoint"},
		{name: "geocoder finds a PO-box ZIP's district", m: withGeo, q: match.Query{Zip: "13261", State: "NY", Address: "400 S Clinton St"},
			districts: "NY-21", method: "geocoder", senators: "Schumer Gillibrand", members: "S001196"},
		{name: "geocoder without ZIP", m: withGeo, q: match.Query{Address: "100 Capitol Ave"},
			districts: "NY-20", method: "geocoder", senators: "Schumer Gillibrand", members: "T000469"},
		{name: "cross-state ZIP without state", q: match.Query{Zip: "30165"},
			districts: "AL-3 GA-14", method: "zip", senators: "", members: "R000575 G000596", note: "crosses state lines"},
		{name: "cross-state ZIP with state", q: match.Query{Zip: "30165", State: "ga"},
			districts: "GA-14", method: "zip", senators: "Warnock Ossoff", members: "G000596"},
		{name: "ZIP in another state", q: match.Query{Zip: "30165", State: "NY"}, errField: "zip"},
		{name: "at-large state", q: match.Query{Zip: "99501"},
			districts: "AK-AL", method: "zip", senators: "Murkowski Sullivan", members: "B001323"},
		{name: "DC", q: match.Query{Zip: "20001"},
			districts: "DC-AL", method: "zip", senators: "", members: "N000147", note: "Washington, DC is represented in Congress by a Delegate"},
		{name: "PR", q: match.Query{Zip: "00601"},
			districts: "PR-AL", method: "zip", senators: "", members: "H001103", note: "Puerto Rico is represented in Congress by a Resident Commissioner"},
		{name: "PR ZIP not in the table", q: match.Query{Zip: "00901"},
			districts: "PR-AL", method: "zip", members: "H001103", note: "Resident Commissioner"},
		{name: "Guam", q: match.Query{Zip: "96910"},
			districts: "GU-AL", method: "zip", members: "M001219", note: "Guam is represented"},
		{name: "Virgin Islands", q: match.Query{Zip: "00802"},
			districts: "VI-AL", method: "zip", members: "P000610", note: "The U.S. Virgin Islands"},
		{name: "American Samoa", q: match.Query{Zip: "96799"},
			districts: "AS-AL", method: "zip", members: "R000600", note: "American Samoa"},
		{name: "Northern Marianas", q: match.Query{Zip: "96950"},
			districts: "MP-AL", method: "zip", members: "K000404", note: "Northern Mariana Islands"},
		{name: "island ZIP with matching state", q: match.Query{Zip: "96952", State: "MP"},
			districts: "MP-AL", method: "zip", members: "K000404", note: "Northern Mariana"},
		{name: "island ZIP with another state", q: match.Query{Zip: "96910", State: "HI"}, errField: "zip"},
		{name: "vacant seat", q: match.Query{Zip: "94541", State: "CA"},
			districts: "CA-14 CA-17", method: "zip", members: "- K000389", note: "The seat for CA-14 is currently vacant."},
		{name: "non-ZCTA ZIP with state", q: match.Query{Zip: "13261", State: "NY"},
			districts: "", method: "state", senators: "Schumer Gillibrand", members: "", note: "not to your Representative"},
		// 00000 to 00500 were never given out: refused even by a partial table.
		{name: "ZIP that exists nowhere", q: match.Query{Zip: "00000", State: "NY"}, errField: "zip"},
		{name: "ZIP below the first in use", q: match.Query{Zip: "00499", State: "NY"}, errField: "zip"},
		{name: "non-ZCTA ZIP in an at-large state", q: match.Query{Zip: "05999", State: "VT"},
			districts: "VT-AL", method: "state", senators: "Sanders Welch", members: "B001318"},
		{name: "non-ZCTA ZIP in DC", q: match.Query{Zip: "20599", State: "DC"},
			districts: "DC-AL", method: "state", members: "N000147", note: "Delegate"},
		{name: "non-ZCTA ZIP without state", q: match.Query{Zip: "13261"}, errField: "zip"},
		{name: "military state", q: match.Query{Zip: "09001", State: "AE"}, errField: "state"},
		{name: "malformed ZIP", q: match.Query{Zip: "1220"}, errField: "zip"},
		{name: "letters in ZIP", q: match.Query{Zip: "12a02"}, errField: "zip"},
		{name: "no ZIP", q: match.Query{}, errField: "zip"},
		{name: "bad state", q: match.Query{Zip: "12202", State: "XX"}, errField: "state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			if m == nil {
				m = plain
			}
			l, err := m.Lookup(context.Background(), tt.q)
			if tt.errField != "" {
				if app.ErrorCodeOf(err) != app.EINVALID || app.ErrorFieldsOf(err)[tt.errField] == "" {
					t.Fatalf("err = %v, want EINVALID on %q", err, tt.errField)
				}
				return
			}
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
				ss = append(ss, s.LastName)
			}
			if got := strings.Join(ds, " "); got != tt.districts {
				t.Errorf("districts = %q, want %q", got, tt.districts)
			}
			if l.Method != tt.method {
				t.Errorf("method = %q, want %q", l.Method, tt.method)
			}
			if got := strings.Join(ms, " "); got != tt.members {
				t.Errorf("members = %q, want %q", got, tt.members)
			}
			if got := strings.Join(ss, " "); got != tt.senators {
				t.Errorf("senators = %q, want %q", got, tt.senators)
			}
			if tt.note == "" && len(l.Notes) > 0 {
				t.Errorf("notes = %q, want none", l.Notes)
			}
			if tt.note != "" && !slices.ContainsFunc(l.Notes, func(n string) bool { return strings.Contains(n, tt.note) }) {
				t.Errorf("notes = %q, want one containing %q", l.Notes, tt.note)
			}
		})
	}
}

func TestLookupAppendsZipForGeocoder(t *testing.T) {
	geo := &fakeGeocoder{}
	m := match.New(fixtureIndex(t), match.Options{Geocoder: geo})
	if _, err := m.Lookup(context.Background(), match.Query{Zip: "60173", Address: " 1 Main St, Schaumburg IL "}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Lookup(context.Background(), match.Query{Zip: "60173", Address: "1 Main St, Schaumburg IL 60173"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"1 Main St, Schaumburg IL 60173", "1 Main St, Schaumburg IL 60173"}
	if !slices.Equal(geo.calls, want) {
		t.Errorf("geocoder calls = %q, want %q", geo.calls, want)
	}
}

func TestLookupDoesNotShareIndexSlices(t *testing.T) {
	ix := fixtureIndex(t)
	m := match.New(ix, match.Options{})
	l, err := m.Lookup(context.Background(), match.Query{Zip: "60173"})
	if err != nil {
		t.Fatal(err)
	}
	l.Districts[0].District = 99
	l.Representatives[0].Member.LastName = "Changed"
	if ds := ix.DistrictsForZip("60173"); ds[0].District != 5 {
		t.Error("Lookup returned the index's ZIP slice")
	}
	if leg, _ := ix.Legislator("Q000023"); leg.LastName != "Quigley" {
		t.Error("Lookup returned the index's legislator")
	}
}

func TestLookupConcurrent(t *testing.T) {
	m := match.New(fixtureIndex(t), match.Options{Geocoder: &fakeGeocoder{}})
	rules := []app.TargetRule{{Kind: app.RuleOwnRepresentative}, {Kind: app.RuleOwnSenators}, {Kind: app.RuleCommittee, CommitteeCode: "HSZS"}}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				l, err := m.Lookup(context.Background(), match.Query{Zip: "60173", Address: "x", Point: pt(42.05, -88.2)})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := m.Targets(context.Background(), l, rules, ""); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
