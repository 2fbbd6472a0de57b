package match_test

import (
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// Hand-made roster: a few real names and ids (so expectations read
// naturally) on made-up square districts.

func rep(id, first, last, official, state string, district int, party, addr string) app.Legislator {
	return app.Legislator{BioguideID: id, FirstName: first, LastName: last, OfficialName: official,
		Chamber: app.House, State: state, District: district, Party: party, Address: addr,
		Phone: "202-225-0000", URL: "https://" + id + ".house.gov", TermStart: "2025-01-03"}
}

func sen(id, first, last, official, state, rank, party, addr string) app.Legislator {
	return app.Legislator{BioguideID: id, FirstName: first, LastName: last, OfficialName: official,
		Chamber: app.Senate, State: state, StateRank: rank, Party: party, Address: addr,
		Phone: "202-224-0000", URL: "https://" + id + ".senate.gov", ContactForm: "https://" + id + ".senate.gov/contact",
		TermStart: "2021-01-03"}
}

// square is a one-ring polygon with corners (x0,y0) and (x1,y1); the ring is
// left open (no repeated first point) to exercise closing.
func square(x0, y0, x1, y1 float64) app.Polygon {
	return app.Polygon{app.Ring{{Lon: x0, Lat: y0}, {Lon: x1, Lat: y0}, {Lon: x1, Lat: y1}, {Lon: x0, Lat: y1}}}
}

func shape(state string, d int, polys ...app.Polygon) app.DistrictShape {
	return app.DistrictShape{District: app.DistrictKey{State: state, District: d}, Polygons: polys}
}

func zips(state string, d int, zs ...string) []app.ZipDistrict {
	var out []app.ZipDistrict
	for _, z := range zs {
		out = append(out, app.ZipDistrict{Zip: z, State: state, District: d})
	}
	return out
}

func fixtureRoster() *app.Roster {
	r := &app.Roster{
		Legislators: []app.Legislator{
			rep("T000469", "Paul", "Tonko", "Paul Tonko", "NY", 20, "Democrat", "2269 Rayburn House Office Building Washington DC 20515-3220"),
			rep("S001196", "Elise", "Stefanik", "Elise M. Stefanik", "NY", 21, "Republican", "2211 Rayburn House Office Building Washington DC 20515-3221"),
			rep("K000391", "Raja", "Krishnamoorthi", "Raja Krishnamoorthi", "IL", 8, "Democrat", "2367 Rayburn House Office Building Washington DC 20515-1308"),
			rep("Q000023", "Mike", "Quigley", "Mike Quigley", "IL", 5, "Democrat", "2078 Rayburn House Office Building Washington DC 20515-1305"),
			rep("D000096", "Danny", "Davis", "Danny K. Davis", "IL", 7, "Democrat", "2159 Rayburn House Office Building Washington DC 20515-1307"),
			rep("R000575", "Mike", "Rogers", "Mike Rogers", "AL", 3, "Republican", "2469 Rayburn House Office Building Washington DC 20515-0103"),
			rep("G000596", "Marjorie", "Greene", "Marjorie Taylor Greene", "GA", 14, "Republican", "2201 Rayburn House Office Building Washington DC 20515-1014"),
			rep("N000147", "Eleanor", "Norton", "Eleanor Holmes Norton", "DC", 0, "Democrat", "2136 Rayburn House Office Building Washington DC 20515-5101"),
			rep("H001103", "Pablo José", "Hernández Rivera", "Pablo José Hernández", "PR", 0, "Democrat", "1605 Longworth House Office Building Washington DC 20515-5401"),
			rep("M001219", "James", "Moylan", "James C. Moylan", "GU", 0, "Republican", "1628 Longworth House Office Building Washington DC 20515-5301"),
			rep("P000610", "Stacey", "Plaskett", "Stacey E. Plaskett", "VI", 0, "Democrat", "2059 Rayburn House Office Building Washington DC 20515-5501"),
			rep("R000600", "Aumua Amata", "Radewagen", "Aumua Amata Coleman Radewagen", "AS", 0, "Republican", "1339 Longworth House Office Building Washington DC 20515-5201"),
			rep("K000404", "Kimberlyn", "King-Hinds", "Kimberlyn King-Hinds", "MP", 0, "Republican", "1732 Longworth House Office Building Washington DC 20515-5601"),
			rep("B001323", "Nicholas", "Begich", "Nicholas J. Begich", "AK", 0, "Republican", "153 Cannon House Office Building Washington DC 20515-0201"),
			rep("B001318", "Becca", "Balint", "Becca Balint", "VT", 0, "Democrat", "1408 Longworth House Office Building Washington DC 20515-4501"),
			rep("G000607", "James", "Gallagher", "", "CA", 1, "Republican", ""),
			rep("M001194", "John", "Moolenaar", "John R. Moolenaar", "MI", 2, "Republican", "246 Cannon House Office Building Washington DC 20515-2202"),
			rep("K000389", "Ro", "Khanna", "Ro Khanna", "CA", 17, "Democrat", "306 Cannon House Office Building Washington DC 20515-0517"),
			rep("S000522", "Christopher", "Smith", "Christopher H. Smith", "NJ", 4, "Republican", "2373 Rayburn House Office Building Washington DC 20515-3004"),
			// Senators, listed junior first to check ordering.
			sen("G000555", "Kirsten", "Gillibrand", "Kirsten E. Gillibrand", "NY", "junior", "Democrat", "478 Russell Senate Office Building Washington DC 20510"),
			sen("S000148", "Charles", "Schumer", "Charles E. Schumer", "NY", "senior", "Democrat", "322 Hart Senate Office Building Washington DC 20510"),
			sen("D000563", "Richard", "Durbin", "Richard J. Durbin", "IL", "senior", "Democrat", "711 Hart Senate Office Building Washington DC 20510"),
			sen("D000622", "Tammy", "Duckworth", "Tammy Duckworth", "IL", "junior", "Democrat", "524 Hart Senate Office Building Washington DC 20510"),
			sen("O000174", "Jon", "Ossoff", "Jon Ossoff", "GA", "junior", "Democrat", "317 Hart Senate Office Building Washington DC 20510"),
			sen("W000790", "Raphael", "Warnock", "Raphael G. Warnock", "GA", "senior", "Democrat", "717 Hart Senate Office Building Washington DC 20510"),
			sen("T000278", "Tommy", "Tuberville", "Tommy Tuberville", "AL", "senior", "Republican", "455 Russell Senate Office Building Washington DC 20510"),
			sen("B001319", "Katie", "Britt", "Katie Boyd Britt", "AL", "junior", "Republican", "416 Russell Senate Office Building Washington DC 20510"),
			sen("M001153", "Lisa", "Murkowski", "Lisa Murkowski", "AK", "senior", "Republican", "522 Hart Senate Office Building Washington DC 20510"),
			sen("S001198", "Dan", "Sullivan", "Dan Sullivan", "AK", "junior", "Republican", "702 Hart Senate Office Building Washington DC 20510"),
			sen("S000033", "Bernard", "Sanders", "Bernard Sanders", "VT", "senior", "Independent", "332 Dirksen Senate Office Building Washington DC 20510"),
			sen("W000800", "Peter", "Welch", "Peter Welch", "VT", "junior", "Democrat", "124 Russell Senate Office Building Washington DC 20510"),
		},
		Shapes: []app.DistrictShape{
			shape("NY", 20, square(-74, 42, -73, 43)),
			shape("NY", 21, square(-74, 43, -73, 44)),
			shape("IL", 8, square(-88.5, 41.9, -88.0, 42.2)),
			// IL-5 has a hole in which IL-7 sits.
			shape("IL", 5, app.Polygon{
				square(-88.0, 41.9, -87.5, 42.2)[0],
				square(-87.8, 42.0, -87.7, 42.1)[0],
			}),
			shape("IL", 7, square(-87.8, 42.0, -87.7, 42.1)),
			shape("DC", 0, square(-77.1, 38.8, -76.9, 39.0)),
			shape("PR", 0, square(-67.3, 17.9, -65.6, 18.5)),
			shape("CA", 14, square(-122.2, 37.5, -121.9, 37.7)),
			// AK: a mainland square and an island across the antimeridian.
			shape("AK", 0,
				square(-150, 61, -149, 62),
				app.Polygon{app.Ring{{Lon: 179, Lat: 52}, {Lon: -179.5, Lat: 52}, {Lon: -179.5, Lat: 53}, {Lon: 179, Lat: 53}, {Lon: 179, Lat: 52}}},
			),
		},
		Committees: []app.Committee{
			{Code: "HSZS", Name: "House Select Committee on the Strategic Competition Between the United States and the Chinese Communist Party", Kind: app.KindCommittee, Chamber: app.House},
			{Code: "HSJU", Name: "House Committee on the Judiciary", Kind: app.KindCommittee, Chamber: app.House},
			{Code: "HSJU01", ParentCode: "HSJU", Name: "Immigration Integrity, Security, and Enforcement", Kind: app.KindCommittee, Chamber: app.House},
			{Code: "CECC", Name: "Congressional-Executive Commission on China", Kind: app.KindCommission, Chamber: app.Joint},
			{Code: "HSAG", Name: "House Committee on Agriculture", Kind: app.KindCommittee, Chamber: app.House},
		},
		Memberships: []app.Membership{
			{CommitteeCode: "HSZS", BioguideID: "K000391", Party: "minority", Rank: 2},
			{CommitteeCode: "HSZS", BioguideID: "Q000023", Party: "minority", Rank: 3},
			{CommitteeCode: "HSZS", BioguideID: "K000389", Party: "minority", Rank: 1, Title: "Ranking Member"},
			{CommitteeCode: "HSZS", BioguideID: "S001196", Party: "majority", Rank: 2},
			{CommitteeCode: "HSZS", BioguideID: "M001194", Party: "majority", Rank: 1, Title: "Chairman"},
			{CommitteeCode: "HSZS", BioguideID: "X000000", Party: "majority", Rank: 3}, // not in the roster
			{CommitteeCode: "HSJU01", BioguideID: "T000469", Party: "minority", Rank: 1, Title: "Ranking Member"},
			{CommitteeCode: "CECC", BioguideID: "S001198", Title: "Chair"},
			{CommitteeCode: "CECC", BioguideID: "S000522", Title: "Co-Chair"},
			{CommitteeCode: "CECC", BioguideID: "D000622"},
			{CommitteeCode: "CECC", BioguideID: "K000391"},
		},
		Executives: []app.ExecutiveTarget{{
			Key: "DHS_SECRETARY", Title: "Secretary of Homeland Security", Name: "Markwayne Mullin",
			Salutation: "The Honorable Markwayne Mullin",
			Address:    "Secretary of Homeland Security, U.S. Department of Homeland Security, Washington, DC 20528",
		}},
	}
	for _, z := range [][]app.ZipDistrict{
		zips("NY", 20, "12202"),
		zips("NY", 21, "12901"),
		zips("IL", 5, "60173", "60195"),
		zips("IL", 8, "60173", "60195", "60007"),
		zips("IL", 7, "60606"),
		zips("AL", 3, "30165"),
		zips("GA", 14, "30165", "30161"),
		zips("DC", 0, "20001"),
		zips("PR", 0, "00601"),
		zips("AK", 0, "99501"),
		zips("VT", 0, "05401"),
		zips("CA", 14, "94541"),
		zips("CA", 1, "96001"),
		zips("CA", 17, "94538", "94541"),
	} {
		r.Zips = append(r.Zips, z...)
	}
	return r
}

func fixtureIndex(t testing.TB) *match.Index {
	t.Helper()
	ix, err := match.NewIndex(fixtureRoster())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}
