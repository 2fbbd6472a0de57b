package match

import (
	"fmt"
	"math"
	"slices"

	"github.com/advocate-org/advocate/app"
)

// The district finder answers "which district contains this point?" in a
// few hundred nanoseconds at worst, without ever scanning a whole ring.
//
// Longitudes are normalised first (east longitudes lose 360°), so Alaska's
// Aleutians, Guam and the Northern Marianas sit west of -180° and nothing
// straddles the antimeridian. A uniform grid of square cells covers every
// shape; only the 2^blockShift-square blocks of cells that hold something
// are allocated. Every cell is one of:
//
//   - empty: no district touches it (ocean, Canada, Mexico);
//   - full: it lies wholly inside one district, so that is the answer;
//   - boundary: for each district with ring edges in the cell, the edges
//     (indexes into one shared vertex array) and whether the cell's
//     bottom-right corner lies inside that district.
//
// For a boundary cell, a point's inside/outside status follows from the
// corner's status by walking up the cell's right side to the point's
// latitude and then left to the point, flipping at each edge crossed. Only
// the cell's own edges can be crossed. All crossing tests use the same
// half-open conventions as the even-odd ray-casting rule (a vertex exactly on
// a line counts as below or left of it), so the three walks used to build
// and to query agree: the status is that of the point nudged infinitesimally
// up and right. Holes and multi-polygons fall out of the even-odd rule.
//
// The corner statuses are computed at build time by sweeping each row of a
// district's bounding box from east (outside) to west, flipping at each edge
// that crosses the row's bottom line.
type spatialIndex struct {
	gx, gy     float64 // grid origin: normalised longitude, latitude
	cs, inv    float64 // cell size in degrees and its inverse
	cols, rows int     // grid size in cells
	bcols      int     // grid width in blocks
	blocks     []int32 // block table: offset/blockCells of the block's cells, or -1
	// cells: 0 empty; d+1 full (district d); -(e+1) boundary, entries from e
	// up to and including the first with last set.
	cells   []int32
	entries []cellEntry
	edges   []int32 // edge k joins pts[k] and pts[k+1]
	pts     []vertex
	keys    []app.DistrictKey // district id -> key
	// sweepErrors counts rows whose sweep did not end outside; non-zero
	// means broken rings (not closed, or crossing themselves oddly).
	sweepErrors int
}

type vertex struct{ x, y float64 }

// cellEntry lists the edges of one district in one boundary cell.
type cellEntry struct {
	start, end uint32 // range in edges
	dist       uint16
	inside     bool // the cell's bottom-right corner lies in dist
	last       bool // last entry of the cell
}

const (
	blockShift = 4
	blockSide  = 1 << blockShift
	blockMask  = blockSide - 1
	blockCells = blockSide * blockSide
	// cellSize is 1/32°, about 3.5 km by 2.6 km in the lower 48: small
	// enough that the busiest cells hold a few hundred edges, large enough
	// that the index stays a few megabytes.
	cellSize = 1.0 / 32
	// rasterPad widens every edge's cell range a little so that edges
	// touching a cell's border are listed in both cells.
	rasterPad = 1e-9
	// maxDistrictCells bounds one district's bounding box, in cells.
	maxDistrictCells = 1 << 24
)

// normLon maps longitudes east of Greenwich to the west (-360°..-180°) so
// that no U.S. shape crosses the antimeridian.
func normLon(lon float64) float64 {
	if lon > 0 {
		return lon - 360
	}
	return lon
}

// shapeRing is one ring of a district in pts: vertices [start, end), closed
// (the last vertex repeats the first).
type shapeRing struct {
	start, end int
	dist       int
}

func newSpatialIndex(shapes []app.DistrictShape) (*spatialIndex, error) {
	if len(shapes) > math.MaxUint16 {
		return nil, fmt.Errorf("too many district shapes: %d", len(shapes))
	}
	s := &spatialIndex{cs: cellSize, inv: 1 / cellSize}
	nv := 0
	for _, sh := range shapes {
		for _, pg := range sh.Polygons {
			for _, r := range pg {
				nv += len(r) + 1
			}
		}
	}
	s.pts = make([]vertex, 0, nv)
	s.keys = make([]app.DistrictKey, 0, len(shapes))
	var rings []shapeRing
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, sh := range shapes {
		d := len(s.keys)
		s.keys = append(s.keys, sh.District)
		dx0, dy0, dx1, dy1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, pg := range sh.Polygons {
			for _, r := range pg {
				start := len(s.pts)
				for _, p := range r {
					if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) || math.IsInf(p.Lon, 0) || math.IsInf(p.Lat, 0) ||
						p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 {
						return nil, fmt.Errorf("district %s: coordinate out of range: %v,%v", sh.District, p.Lon, p.Lat)
					}
					v := vertex{normLon(p.Lon), p.Lat}
					if n := len(s.pts); n > start && s.pts[n-1] == v {
						continue // repeated vertex: a zero-length edge
					}
					s.pts = append(s.pts, v)
				}
				if n := len(s.pts); n-start >= 2 && s.pts[n-1] != s.pts[start] {
					s.pts = append(s.pts, s.pts[start])
				}
				if len(s.pts)-start < 4 { // fewer than 3 distinct vertices: no area
					s.pts = s.pts[:start]
					continue
				}
				for _, v := range s.pts[start:] {
					dx0, dx1 = math.Min(dx0, v.x), math.Max(dx1, v.x)
					dy0, dy1 = math.Min(dy0, v.y), math.Max(dy1, v.y)
				}
				rings = append(rings, shapeRing{start: start, end: len(s.pts), dist: d})
			}
		}
		// The grid marks every cell inside a district, so a shape covering
		// half the globe (broken data) would cost gigabytes. Alaska, the
		// largest, is about 1.2M cells.
		if (dx1-dx0)*(dy1-dy0)*s.inv*s.inv > maxDistrictCells {
			return nil, fmt.Errorf("district %s: shape spans %.0f° by %.0f°, too large for a congressional district", sh.District, dx1-dx0, dy1-dy0)
		}
		minX, maxX = math.Min(minX, dx0), math.Max(maxX, dx1)
		minY, maxY = math.Min(minY, dy0), math.Max(maxY, dy1)
	}
	if len(rings) == 0 {
		s.blocks = []int32{}
		return s, nil
	}
	// One spare cell on each side keeps every padded edge range in the grid.
	s.gx = (math.Floor(minX*s.inv) - 1) * s.cs
	s.gy = (math.Floor(minY*s.inv) - 1) * s.cs
	s.cols = int(math.Ceil((maxX-s.gx)*s.inv)) + 2
	s.rows = int(math.Ceil((maxY-s.gy)*s.inv)) + 2
	s.cols = (s.cols + blockMask) &^ blockMask
	s.rows = (s.rows + blockMask) &^ blockMask
	s.bcols = s.cols >> blockShift
	s.blocks = make([]int32, s.bcols*(s.rows>>blockShift))
	for i := range s.blocks {
		s.blocks[i] = -1
	}

	b := &spatialBuilder{s: s}
	// Typical shapes need about two cells per vertex; a good guess saves
	// regrowing the largest slices.
	b.grow(len(s.pts) * 2)
	b.edgeDist = make([]uint16, len(s.pts))
	b.pairs = make([]cellEdge, 0, len(s.pts)*5/4)
	for _, r := range rings {
		for k := r.start; k < r.end; k++ {
			b.edgeDist[k] = uint16(r.dist)
		}
		for k := r.start; k < r.end-1; k++ {
			b.rasterize(k)
		}
	}
	// Counting sort of the (cell, edge) pairs by cell; stable, so each
	// cell's edges stay grouped by district.
	b.offsets = make([]uint32, len(b.counts)+1)
	for i, c := range b.counts {
		b.offsets[i+1] = b.offsets[i] + c
	}
	s.edges = make([]int32, len(b.pairs))
	fill := b.counts // reused as the next free slot per cell
	copy(fill, b.offsets[:len(fill)])
	for _, p := range b.pairs {
		s.edges[fill[p.cell]] = p.edge
		fill[p.cell]++
	}
	b.pairs, b.counts = nil, nil
	b.buildEntries()
	b.sweep()
	for id, f := range b.full {
		if f > 0 {
			s.cells[id] = f
		}
	}
	return s, nil
}

// spatialBuilder holds the scratch state of newSpatialIndex.
type spatialBuilder struct {
	s        *spatialIndex
	pairs    []cellEdge
	counts   []uint32 // edges per allocated cell
	offsets  []uint32 // prefix sums of counts
	full     []int32  // per cell: d+1 when the sweep found it wholly inside d
	edgeDist []uint16 // district of the ring each vertex starts an edge of
	bbox     []cellBox
}

// cellEdge says that an edge may touch a cell.
type cellEdge struct {
	cell uint32
	edge int32
}

type cellBox struct{ c0, r0, c1, r1 int }

func (s *spatialIndex) cellX(c int) float64 { return s.gx + float64(c)*s.cs }
func (s *spatialIndex) cellY(r int) float64 { return s.gy + float64(r)*s.cs }

// grow reserves room for n more cells.
func (b *spatialBuilder) grow(n int) {
	b.s.cells = slices.Grow(b.s.cells, n)
	b.full = slices.Grow(b.full, n)
	b.counts = slices.Grow(b.counts, n)
}

// cellID returns the index in cells of cell (c, r), allocating its block
// when alloc is set; -1 when the block is absent.
func (b *spatialBuilder) cellID(c, r int, alloc bool) int {
	s := b.s
	bi := (r>>blockShift)*s.bcols + c>>blockShift
	off := s.blocks[bi]
	if off < 0 {
		if !alloc {
			return -1
		}
		off = int32(len(s.cells) / blockCells)
		s.blocks[bi] = off
		s.cells = append(s.cells, make([]int32, blockCells)...)
		b.full = append(b.full, make([]int32, blockCells)...)
		if b.pairs != nil {
			b.counts = append(b.counts, make([]uint32, blockCells)...)
		}
	}
	return int(off)<<(2*blockShift) + (r&blockMask)<<blockShift + c&blockMask
}

// emit records that edge k may touch cell (c, r).
func (b *spatialBuilder) emit(k, c, r int) {
	id := b.cellID(c, r, true)
	b.counts[id]++
	b.pairs = append(b.pairs, cellEdge{uint32(id), int32(k)})
	d := int(b.edgeDist[k])
	for len(b.bbox) <= d {
		b.bbox = append(b.bbox, cellBox{c0: math.MaxInt, r0: math.MaxInt, c1: -1, r1: -1})
	}
	bx := &b.bbox[d]
	bx.c0, bx.c1 = min(bx.c0, c), max(bx.c1, c)
	bx.r0, bx.r1 = min(bx.r0, r), max(bx.r1, r)
}

// rasterize emits every cell the edge from pts[k] to pts[k+1] may touch
// (a superset: the padded edge clipped column by column).
func (b *spatialBuilder) rasterize(k int) {
	s := b.s
	a, e := s.pts[k], s.pts[k+1]
	fx0, fx1 := (a.x-s.gx)*s.inv, (e.x-s.gx)*s.inv
	fy0, fy1 := (a.y-s.gy)*s.inv, (e.y-s.gy)*s.inv
	c0 := int(math.Floor(min(fx0, fx1) - rasterPad))
	c1 := int(math.Floor(max(fx0, fx1) + rasterPad))
	if c0 == c1 {
		r0 := int(math.Floor(min(fy0, fy1) - rasterPad))
		r1 := int(math.Floor(max(fy0, fy1) + rasterPad))
		for r := r0; r <= r1; r++ {
			b.emit(k, c0, r)
		}
		return
	}
	// In grid units, y as a function of x along the edge.
	lo, hi := min(fx0, fx1), max(fx0, fx1)
	for c := c0; c <= c1; c++ {
		ya, yb := fy0, fy1
		if hi > lo {
			slope := (fy1 - fy0) / (fx1 - fx0)
			xa := max(float64(c)-rasterPad, lo)
			xb := min(float64(c+1)+rasterPad, hi)
			ya = fy0 + (xa-fx0)*slope
			yb = fy0 + (xb-fx0)*slope
		}
		r0 := int(math.Floor(min(ya, yb) - rasterPad))
		r1 := int(math.Floor(max(ya, yb) + rasterPad))
		for r := r0; r <= r1; r++ {
			b.emit(k, c, r)
		}
	}
}

// buildEntries groups each cell's edges by district (they were placed ring
// by ring, so each district's edges are already contiguous).
func (b *spatialBuilder) buildEntries() {
	s := b.s
	for id := range s.cells {
		lo, hi := b.offsets[id], b.offsets[id+1]
		if lo == hi {
			continue
		}
		s.cells[id] = -int32(len(s.entries)) - 1
		for i := lo; i < hi; {
			d := b.edgeDist[s.edges[i]]
			j := i + 1
			for j < hi && b.edgeDist[s.edges[j]] == d {
				j++
			}
			s.entries = append(s.entries, cellEntry{start: i, end: j, dist: d})
			i = j
		}
		s.entries[len(s.entries)-1].last = true
	}
}

// sweep sets each entry's corner status and marks the cells wholly inside a
// district, row by row from east to west across each district's box.
func (b *spatialBuilder) sweep() {
	s := b.s
	for d, bx := range b.bbox {
		if bx.c1 < 0 {
			continue
		}
		for r := bx.r0; r <= bx.r1; r++ {
			y0 := s.cellY(r)
			in := false // east of the box: outside
			for c := bx.c1; c >= bx.c0; c-- {
				id := b.cellID(c, r, in)
				e := -1
				if id >= 0 {
					e = s.findEntry(id, d)
				}
				if e < 0 {
					if in && b.full[id] == 0 {
						b.full[id] = int32(d) + 1
					}
					continue
				}
				ent := &s.entries[e]
				ent.inside = in
				// Walk west along the bottom line from this corner to the
				// previous cell's.
				k, kw := vertex{s.cellX(c + 1), y0}, vertex{s.cellX(c), y0}
				for _, i := range s.edges[ent.start:ent.end] {
					p, q := s.pts[i], s.pts[i+1]
					if (p.y > y0) != (q.y > y0) && side(p, q, k) != side(p, q, kw) {
						in = !in
					}
				}
			}
			if in {
				s.sweepErrors++ // west of the box must be outside
			}
		}
	}
}

// findEntry returns the index of district d's entry in boundary cell id, or -1.
func (s *spatialIndex) findEntry(id, d int) int {
	ref := s.cells[id]
	if ref >= 0 {
		return -1
	}
	for e := int(-ref - 1); ; e++ {
		ent := &s.entries[e]
		if int(ent.dist) == d {
			return e
		}
		if ent.last {
			return -1
		}
	}
}

// locate returns the id of the district containing p, or -1.
func (s *spatialIndex) locate(p app.Point) int {
	x, y := normLon(p.Lon), p.Lat
	fx, fy := (x-s.gx)*s.inv, (y-s.gy)*s.inv
	if !(fx >= 0 && fy >= 0 && fx < float64(s.cols) && fy < float64(s.rows)) {
		return -1 // also NaN
	}
	c, r := int(fx), int(fy)
	off := s.blocks[(r>>blockShift)*s.bcols+c>>blockShift]
	if off < 0 {
		return -1
	}
	ref := s.cells[int(off)<<(2*blockShift)+(r&blockMask)<<blockShift+c&blockMask]
	if ref >= 0 {
		return int(ref) - 1 // -1 when empty
	}
	xr := s.cellX(c + 1)
	k := vertex{xr, s.cellY(r)} // the corner whose status is stored
	q := vertex{xr, y}          // on the right side, level with the point
	pt := vertex{x, y}
	for e := int(-ref - 1); ; e++ {
		ent := &s.entries[e]
		in := ent.inside
		for _, i := range s.edges[ent.start:ent.end] {
			a, b := s.pts[i], s.pts[i+1]
			// Walk up the right side from the corner to q...
			if (a.x > xr) != (b.x > xr) && side(a, b, k) != side(a, b, q) {
				in = !in
			}
			// ...then left to the point.
			if (a.y > y) != (b.y > y) && side(a, b, pt) != side(a, b, q) {
				in = !in
			}
		}
		if in {
			return int(ent.dist)
		}
		if ent.last {
			return -1
		}
	}
}

// side reports whether k lies left of the directed line a→b. A point on
// the line is treated as nudged by (δx, δy) with 0 < δy ≪ δx, the same
// nudge as the half-open straddle tests ("a vertex on the line counts as
// below or left of it"), so the answer is never a tie. Every walk decides
// crossings with this one predicate, so a corner shared by two walks is on
// the same side of an edge in both, even when rounding puts it a hair off.
func side(a, b, k vertex) bool {
	o := (b.x-a.x)*(k.y-a.y) - (b.y-a.y)*(k.x-a.x)
	if o != 0 {
		return o > 0
	}
	if b.y != a.y {
		return b.y < a.y
	}
	return b.x > a.x
}

// spatialStats describes the index for Stats and benchmarks.
type spatialStats struct {
	Vertices, Cells, FullCells, BoundaryCells, Entries, EdgeRefs, MaxCellEdges int
}

func (s *spatialIndex) stats() spatialStats {
	st := spatialStats{Vertices: len(s.pts), Cells: len(s.cells), Entries: len(s.entries), EdgeRefs: len(s.edges)}
	for _, ref := range s.cells {
		switch {
		case ref > 0:
			st.FullCells++
		case ref < 0:
			st.BoundaryCells++
			n := 0
			for e := int(-ref - 1); ; e++ {
				n += int(s.entries[e].end - s.entries[e].start)
				if s.entries[e].last {
					break
				}
			}
			st.MaxCellEdges = max(st.MaxCellEdges, n)
		}
	}
	return st
}
