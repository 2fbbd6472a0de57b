package match_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// evenOdd is the reference point-in-polygon test: a horizontal ray over
// every edge of every ring, longitudes normalised like the index does.
func evenOdd(sh app.DistrictShape, p app.Point) bool {
	norm := func(x float64) float64 {
		if x > 0 {
			return x - 360
		}
		return x
	}
	x, y := norm(p.Lon), p.Lat
	in := false
	for _, pg := range sh.Polygons {
		for _, r := range pg {
			for i := range r {
				a, b := r[i], r[(i+1)%len(r)]
				if (a.Lat > y) != (b.Lat > y) {
					ax, bx := norm(a.Lon), norm(b.Lon)
					if xc := ax + (y-a.Lat)*(bx-ax)/(b.Lat-a.Lat); xc > x {
						in = !in
					}
				}
			}
		}
	}
	return in
}

// star returns a star-shaped (hence simple) ring around c with n vertices
// and radii in [r0, r1], wiggly like a coastline.
func star(rng *rand.Rand, c app.Point, n int, r0, r1 float64) app.Ring {
	ring := make(app.Ring, n)
	for i := range ring {
		a := 2 * math.Pi * float64(i) / float64(n)
		r := r0 + (r1-r0)*rng.Float64()
		ring[i] = app.Point{Lon: c.Lon + r*math.Cos(a), Lat: c.Lat + r*math.Sin(a)}
	}
	return ring
}

// TestDistrictAtMatchesEvenOdd compares the grid index with the reference
// on random wiggly districts with holes and islands, including one across
// the antimeridian, at random points and at points next to vertices.
func TestDistrictAtMatchesEvenOdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 24; trial++ {
		size := []float64{0.01, 0.05, 0.3, 2}[trial%4]
		c := app.Point{Lon: -100 + 20*rng.Float64(), Lat: 30 + 10*rng.Float64()}
		if trial%5 == 0 {
			c = app.Point{Lon: 180 - size*rng.Float64(), Lat: 52} // straddles 180°
		}
		outer := star(rng, c, 50+rng.IntN(2000), size*0.6, size)
		hole := star(rng, c, 20+rng.IntN(300), size*0.1, size*0.4)
		island := star(rng, app.Point{Lon: c.Lon - 3*size, Lat: c.Lat + size}, 10+rng.IntN(100), size*0.2, size*0.5)
		// Every third trial snaps vertices to a 1/64° lattice, so many lie
		// exactly on grid-cell lines and edges run along them.
		snap := trial%3 == 1
		for _, r := range []app.Ring{outer, hole, island} {
			for i := range r {
				if snap {
					r[i] = app.Point{Lon: math.Round(r[i].Lon*64) / 64, Lat: math.Round(r[i].Lat*64) / 64}
				}
				if r[i].Lon > 180 {
					r[i].Lon -= 360
				}
			}
		}
		sh := shape("ZZ", 1, app.Polygon{outer, hole}, app.Polygon{island})
		ix, err := match.NewIndex(&app.Roster{Shapes: []app.DistrictShape{sh}})
		if err != nil {
			t.Fatal(err)
		}
		if w := ix.Stats().Warnings; len(w) > 0 {
			t.Fatalf("warnings: %q", w)
		}
		check := func(p app.Point) {
			if p.Lon > 180 {
				p.Lon -= 360
			}
			_, got := ix.DistrictAt(p)
			if want := evenOdd(sh, p); got != want && !onBoundary(sh, p) {
				t.Fatalf("trial %d: DistrictAt(%v) = %v, even-odd says %v", trial, p, got, want)
			}
		}
		for i := 0; i < 1500; i++ {
			p := app.Point{Lon: c.Lon - 4*size + 5.5*size*rng.Float64(), Lat: c.Lat - 1.2*size + 3*size*rng.Float64()}
			check(p)
			if snap {
				check(app.Point{Lon: math.Round(p.Lon*64) / 64, Lat: math.Round(p.Lat*64) / 64})
			}
		}
		for _, r := range []app.Ring{outer, hole, island} {
			for _, v := range r {
				d := size * 1e-4
				check(app.Point{Lon: v.Lon + d*(rng.Float64()-0.5), Lat: v.Lat + d*(rng.Float64()-0.5)})
				check(v) // on the boundary: any answer, but the same as even-odd
			}
		}
	}
}

// onBoundary reports whether p lies exactly on an edge, where inside and
// outside are both right answers.
func onBoundary(sh app.DistrictShape, p app.Point) bool {
	for _, pg := range sh.Polygons {
		for _, r := range pg {
			for i := range r {
				a, b := r[i], r[(i+1)%len(r)]
				cross := (b.Lon-a.Lon)*(p.Lat-a.Lat) - (b.Lat-a.Lat)*(p.Lon-a.Lon)
				if cross == 0 && p.Lon >= min(a.Lon, b.Lon) && p.Lon <= max(a.Lon, b.Lon) &&
					p.Lat >= min(a.Lat, b.Lat) && p.Lat <= max(a.Lat, b.Lat) {
					return true
				}
			}
		}
	}
	return false
}
