package store_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/store"
)

// handRoster is a small roster that exercises every column.
func handRoster() *app.Roster {
	return &app.Roster{
		Legislators: []app.Legislator{
			{BioguideID: "K000391", FirstName: "Raja", LastName: "Krishnamoorthi", OfficialName: "Raja Krishnamoorthi",
				Chamber: app.House, State: "IL", District: 8, Party: "Democrat", TermStart: "2025-01-03",
				TermEnd: "2027-01-03", URL: "https://krishnamoorthi.house.gov", Address: "2367 Rayburn HOB",
				Office: "2367 Rayburn House Office Building", Phone: "202-225-3711"},
			{BioguideID: "D000563", FirstName: "Richard", MiddleName: "J.", LastName: "Durbin", Nickname: "Dick",
				Chamber: app.Senate, State: "IL", Party: "Democrat", StateRank: "senior", Class: 2,
				ContactForm: "https://www.durbin.senate.gov/contact/email", Email: "x@example.org", Suffix: "Jr."},
			{BioguideID: "N000147", FirstName: "Eleanor", LastName: "Norton", Chamber: app.House, State: "DC", District: 0,
				Party: "Democrat", Caucus: "Democrat"},
		},
		Offices: []app.DistrictOffice{
			{ID: "K000391-schaumburg", BioguideID: "K000391", Address: "1701 E. Woodfield Rd.", Suite: "Suite 704",
				City: "Schaumburg", State: "IL", Zip: "60173", Phone: "847-413-1959", Lat: 42.0427196, Lon: -88.0346542, HasPoint: true},
			{ID: "D000563-chicago", BioguideID: "D000563", City: "Chicago", State: "IL", Hours: "9-5", Fax: "1"},
		},
		Committees: []app.Committee{
			{Code: "HSZS", Name: "Select Committee on the CCP", Kind: app.KindCommittee, Chamber: app.House, URL: "https://selectcommitteeontheccp.house.gov"},
			{Code: "HSJU01", ParentCode: "HSJU", Name: "Subcommittee", Kind: app.KindCommittee, Chamber: app.House},
			{Code: "TLHRC", Name: "Tom Lantos Human Rights Commission", Kind: app.KindCommission, Chamber: app.House,
				Address: "Washington, DC", Phone: "202", Email: "tlhrc@example.org"},
		},
		Memberships: []app.Membership{
			{CommitteeCode: "HSZS", BioguideID: "K000391", Party: "minority", Rank: 1, Title: "Ranking Member"},
			{CommitteeCode: "TLHRC", BioguideID: "K000391", Rank: 3},
		},
		Executives: []app.ExecutiveTarget{
			{Key: "DHS_SECRETARY", Title: "Secretary of Homeland Security", Name: "Markwayne Mullin",
				Salutation: "The Honorable Markwayne Mullin", Greeting: "Dear Secretary Mullin:",
				Address: "2707 Martin Luther King Jr Ave SE\nWashington, DC 20528", Email: "a@b.gov", InOfficeSince: "2026-01-01"},
		},
		Zips: []app.ZipDistrict{
			{Zip: "60173", State: "IL", District: 8}, {Zip: "20001", State: "DC"}, {Zip: "60173", State: "IL", District: 9},
		},
		Shapes: []app.DistrictShape{
			{District: app.DistrictKey{State: "IL", District: 8}, GEOID: "1708", Polygons: []app.Polygon{
				{ // outer ring and a hole, 5 decimals like the Census file
					{{Lon: -88.05333, Lat: 42.507}, {Lon: -88.05106, Lat: 42.50884}, {Lon: -88.04, Lat: 42.6}, {Lon: -88.05333, Lat: 42.507}},
					{{Lon: -88.05, Lat: 42.55}, {Lon: -88.049, Lat: 42.551}, {Lon: -88.05, Lat: 42.55}},
				},
				{{{Lon: -87.9, Lat: 42.1}, {Lon: -87.8, Lat: 42.1}, {Lon: -87.8, Lat: 42.2}}},
			}},
			{District: app.DistrictKey{State: "DC", District: 0}, GEOID: "1198", Polygons: []app.Polygon{
				// full float64 precision: must survive exactly too
				{{{Lon: -77.119759 + 1e-12, Lat: 38.934343}, {Lon: math.Pi, Lat: -math.E}, {Lon: -77.0, Lat: 38.9}}},
			}},
		},
	}
}

func TestRosterRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		info, err := e.db.Roster.RosterInfo(ctx)
		if err != nil || !info.Empty() {
			t.Fatalf("RosterInfo before import = %+v, %v", info, err)
		}
		r, info, err := e.db.Roster.LoadRoster(ctx)
		if err != nil || info.Version != 0 || len(r.Legislators) != 0 {
			t.Fatalf("empty LoadRoster = %+v, %+v, %v", r, info, err)
		}

		want := handRoster()
		info, err = e.db.Roster.ReplaceRoster(ctx, want, "hand")
		if err != nil {
			t.Fatal(err)
		}
		if info.Version == 0 || info.Legislators != 3 || info.Zips != 3 || info.Shapes != 2 || info.Source != "hand" ||
			info.Offices != 2 || info.Committees != 3 || info.Memberships != 2 || info.Executives != 1 {
			t.Fatalf("info = %+v", info)
		}
		got, ginfo, err := e.db.Roster.LoadRoster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "roster", got, want)
		deepEqual(t, "info", ginfo, info)
		if ri, _ := e.db.Roster.RosterInfo(ctx); ri != info {
			t.Fatalf("RosterInfo = %+v, want %+v", ri, info)
		}

		// A second import replaces everything and gets a newer version.
		e.clock.Add(time.Hour)
		second := handRoster()
		second.Legislators = second.Legislators[1:]
		second.Zips = nil
		info2, err := e.db.Roster.ReplaceRoster(ctx, second, "hand 2")
		if err != nil {
			t.Fatal(err)
		}
		if info2.Version <= info.Version || !info2.ImportedAt.After(info.ImportedAt) {
			t.Fatalf("second import %+v not newer than %+v", info2, info)
		}
		got, _, err = e.db.Roster.LoadRoster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "second roster", got, second)

		// A broken roster (the same member twice) fails and leaves the
		// previous one in place.
		bad := handRoster()
		bad.Legislators = append(bad.Legislators, bad.Legislators[0])
		_, err = e.db.Roster.ReplaceRoster(ctx, bad, "broken")
		wantCode(t, err, app.ECONFLICT)
		got, ginfo, err = e.db.Roster.LoadRoster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "roster after failed import", got, second)
		deepEqual(t, "info after failed import", ginfo, info2)

		_, err = e.db.Roster.ReplaceRoster(ctx, nil, "nil")
		wantCode(t, err, app.EINVALID)
	})
}

// TestRealRoster imports the published data and checks that the store
// gives back exactly what it was given.
func TestRealRoster(t *testing.T) {
	dir := apptest.SharedData(t)
	ctx := context.Background()
	roster, _, err := congress.ImportDir(ctx, dir, congress.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eachStore(t, func(t *testing.T, e *env) {
		began := time.Now()
		info, err := e.db.Roster.ReplaceRoster(ctx, roster, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("ReplaceRoster of %d zips, %d shapes: %v", info.Zips, info.Shapes, time.Since(began))
		began = time.Now()
		got, _, err := e.db.Roster.LoadRoster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("LoadRoster: %v", time.Since(began))
		if !equalRoster(t, got, roster) {
			t.FailNow()
		}
	})
}

// equalRoster compares part by part so that a failure names the part.
func equalRoster(t *testing.T, got, want *app.Roster) bool {
	t.Helper()
	ok := true
	check := func(name string, g, w any, n int) {
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s differ (%d items)", name, n)
			ok = false
		}
	}
	check("legislators", got.Legislators, want.Legislators, len(want.Legislators))
	check("offices", got.Offices, want.Offices, len(want.Offices))
	check("committees", got.Committees, want.Committees, len(want.Committees))
	check("memberships", got.Memberships, want.Memberships, len(want.Memberships))
	check("executives", got.Executives, want.Executives, len(want.Executives))
	check("zips", got.Zips, want.Zips, len(want.Zips))
	if len(got.Shapes) != len(want.Shapes) {
		t.Errorf("shapes: %d, want %d", len(got.Shapes), len(want.Shapes))
		return false
	}
	for i := range want.Shapes {
		if !reflect.DeepEqual(got.Shapes[i], want.Shapes[i]) {
			t.Errorf("shape %d (%s) differs", i, want.Shapes[i].District)
			return false
		}
	}
	return ok
}

// syntheticRoster builds a roster the size of the real one: 441 districts,
// about 40k ZIP rows and 600k shape vertices with 5-decimal coordinates.
func syntheticRoster(zips, shapes, vertices int) *app.Roster {
	r := &app.Roster{}
	for i := 0; i < 540; i++ {
		r.Legislators = append(r.Legislators, app.Legislator{BioguideID: fmt.Sprintf("X%06d", i), FirstName: "First",
			LastName: fmt.Sprintf("Last%d", i), Chamber: app.House, State: "CA", District: i % 53, Party: "Democrat",
			Address: "1 Capitol", Phone: "202-225-0000", URL: "https://example.house.gov"})
	}
	for i := 0; i < 1300; i++ {
		r.Offices = append(r.Offices, app.DistrictOffice{ID: fmt.Sprintf("X%06d-%d", i%540, i), BioguideID: fmt.Sprintf("X%06d", i%540),
			City: "Town", State: "CA", Zip: "90001", Lat: 34.05, Lon: -118.25, HasPoint: true})
	}
	for i := 0; i < 230; i++ {
		r.Committees = append(r.Committees, app.Committee{Code: fmt.Sprintf("C%03d", i), Name: "Committee", Kind: app.KindCommittee, Chamber: app.House})
	}
	for i := 0; i < 3900; i++ {
		r.Memberships = append(r.Memberships, app.Membership{CommitteeCode: fmt.Sprintf("C%03d", i%230),
			BioguideID: fmt.Sprintf("X%06d", i/230*31+i%230), Rank: i % 30})
	}
	for i := 0; i < zips; i++ {
		r.Zips = append(r.Zips, app.ZipDistrict{Zip: fmt.Sprintf("%05d", i*2), State: app.States()[i%50], District: i % 53})
	}
	per := vertices / shapes
	for s := 0; s < shapes; s++ {
		ring := make(app.Ring, per)
		for i := range ring {
			a := 2 * math.Pi * float64(i) / float64(per)
			ring[i] = app.Point{
				Lon: math.Round((-100+float64(s%40)+math.Cos(a))*1e5) / 1e5,
				Lat: math.Round((30+float64(s/40)+math.Sin(a))*1e5) / 1e5,
			}
		}
		r.Shapes = append(r.Shapes, app.DistrictShape{District: app.DistrictKey{State: app.States()[s%56], District: s},
			GEOID: fmt.Sprintf("%04d", s), Polygons: []app.Polygon{{ring}}})
	}
	return r
}

func TestSyntheticRosterRoundTrip(t *testing.T) {
	want := syntheticRoster(2000, 20, 5000)
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.db.Roster.ReplaceRoster(ctx, want, "synthetic"); err != nil {
			t.Fatal(err)
		}
		got, _, err := e.db.Roster.LoadRoster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !equalRoster(t, got, want) {
			t.FailNow()
		}
	})
}

// Two instances importing at the same moment both succeed, one after the
// other, and the result is one whole roster.
func TestConcurrentReplaceRoster(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		other := openStore(t, e.b, e.dsn, e.clock, store.Options{})
		r := syntheticRoster(500, 10, 1000)
		var wg sync.WaitGroup
		var errA, errB error
		wg.Go(func() { _, errA = e.db.Roster.ReplaceRoster(ctx, r, "a") })
		wg.Go(func() { _, errB = other.Roster.ReplaceRoster(ctx, r, "b") })
		wg.Wait()
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		got, info, err := e.db.Roster.LoadRoster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !equalRoster(t, got, r) || info.Version < 2 {
			t.Fatalf("after concurrent imports: version %d", info.Version)
		}
	})
}
