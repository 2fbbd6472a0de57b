package match_test

import (
	"context"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// Run with real data:
//
//	go test -run '^$' -bench . -benchmem ./app/match

func BenchmarkZipLookup(b *testing.B) {
	roster, ix := realIndex(b)
	zs := make([]string, 0, len(roster.Zips))
	for i := 0; i < len(roster.Zips); i += 7 {
		zs = append(zs, roster.Zips[i].Zip)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		n += len(ix.DistrictsForZip(zs[i%len(zs)]))
	}
	if n == 0 {
		b.Fatal("no districts found")
	}
}

// BenchmarkDistrictAt reports the mean over all geocoded House district
// offices ("all") and the slowest single office point ("worst"), found by
// timing every point first.
func BenchmarkDistrictAt(b *testing.B) {
	pts, _, ids := realOfficePoints(b)
	_, ix := realIndex(b)
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			ix.DistrictAt(pts[i%len(pts)])
		}
	})
	worst, worstNs := 0, 0.0
	for i, p := range pts {
		best := time.Duration(1 << 62)
		for rep := 0; rep < 3; rep++ {
			start := time.Now()
			for j := 0; j < 200; j++ {
				ix.DistrictAt(p)
			}
			best = min(best, time.Since(start))
		}
		if ns := float64(best.Nanoseconds()) / 200; ns > worstNs {
			worst, worstNs = i, ns
		}
	}
	b.Logf("slowest office point: %s %+v (%.0f ns in the scan)", ids[worst], pts[worst], worstNs)
	b.Run("worst", func(b *testing.B) {
		p := pts[worst]
		for b.Loop() {
			ix.DistrictAt(p)
		}
	})
}

func BenchmarkNewIndex(b *testing.B) {
	roster, _ := realIndex(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := match.NewIndex(roster); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	_, ix := realIndex(b)
	m := match.New(ix, match.Options{})
	ctx := context.Background()
	b.Run("zip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Lookup(ctx, match.Query{Zip: "60173"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("point", func(b *testing.B) {
		b.ReportAllocs()
		q := match.Query{Zip: "60173", Point: &app.Point{Lat: 42.042839, Lon: -88.0382131}}
		for b.Loop() {
			if _, err := m.Lookup(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkTargets(b *testing.B) {
	_, ix := realIndex(b)
	m := match.New(ix, match.Options{})
	ctx := context.Background()
	l, err := m.Lookup(ctx, match.Query{Zip: "60173"})
	if err != nil {
		b.Fatal(err)
	}
	rules := []app.TargetRule{
		{Kind: app.RuleOwnRepresentative, Position: 1},
		{Kind: app.RuleOwnSenators, Position: 2},
		{Kind: app.RuleCommittee, CommitteeCode: "HSZS", Position: 3},
		{Kind: app.RuleCommittee, CommitteeCode: "CECC", OnlyConstituents: true, Position: 4},
		{Kind: app.RuleCommittee, CommitteeCode: "TLHRC", LeadershipOnly: true, Position: 5},
		{Kind: app.RuleExecutive, ExecutiveKey: "DHS_SECRETARY", Position: 6},
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := m.Targets(ctx, l, rules, "K000391")
		if err != nil || len(res.Targets) == 0 {
			b.Fatal(err)
		}
	}
}
