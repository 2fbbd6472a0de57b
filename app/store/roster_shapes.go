package store

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/advocate-org/advocate/app"
)

// District polygons are stored as one compact blob per district instead of
// JSON: the real map has ~633k vertices and LoadRoster must decode them all
// in a few milliseconds at start-up.
//
// Layout: a format byte, then uvarint counts (polygons; per polygon rings;
// per ring points), then the points.
//   - shapeQuantized: coordinates as integers of 1e-7 degree (~1 cm), each
//     stored as the zigzag varint difference from the previous point, so a
//     vertex takes 2-6 bytes. Used only when every coordinate survives the
//     trip exactly (published boundaries have 5-7 decimals).
//   - shapeFloat64: raw little-endian float64 pairs, the lossless fallback.
const (
	shapeQuantized byte = 1
	shapeFloat64   byte = 2
)

// shapeScale is the quantization of shapeQuantized (units per degree).
const shapeScale = 1e7

var errShapeCorrupt = errors.New("store: corrupt district shape blob")

// encodeShape encodes polygons, exactly: decodeShape returns the same values.
func encodeShape(polys []app.Polygon) []byte {
	if b, ok := encodeShapeQuantized(polys); ok {
		return b
	}
	n := 0
	for _, p := range polys {
		for _, r := range p {
			n += len(r)
		}
	}
	b := make([]byte, 0, 1+binary.MaxVarintLen64*(1+len(polys)*2)+16*n)
	b = append(b, shapeFloat64)
	b = appendCounts(b, polys)
	for _, p := range polys {
		for _, r := range p {
			for _, pt := range r {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(pt.Lon))
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(pt.Lat))
			}
		}
	}
	return b
}

func appendCounts(b []byte, polys []app.Polygon) []byte {
	b = binary.AppendUvarint(b, uint64(len(polys)))
	for _, p := range polys {
		b = binary.AppendUvarint(b, uint64(len(p)))
		for _, r := range p {
			b = binary.AppendUvarint(b, uint64(len(r)))
		}
	}
	return b
}

// quantize returns x in shapeScale units when that is exact.
func quantize(x float64) (int64, bool) {
	q := math.Round(x * shapeScale)
	if !(math.Abs(q) < 1<<53) { // also rejects NaN and infinities
		return 0, false
	}
	i := int64(q)
	// Decode computes exactly this; compare bits so -0 and NaN fall back.
	if math.Float64bits(float64(i)/shapeScale) != math.Float64bits(x) {
		return 0, false
	}
	return i, true
}

func encodeShapeQuantized(polys []app.Polygon) ([]byte, bool) {
	n := 0
	for _, p := range polys {
		for _, r := range p {
			n += len(r)
		}
	}
	b := make([]byte, 0, 16+4*len(polys)+6*n)
	b = append(b, shapeQuantized)
	b = appendCounts(b, polys)
	var px, py int64
	for _, p := range polys {
		for _, r := range p {
			for _, pt := range r {
				x, ok1 := quantize(pt.Lon)
				y, ok2 := quantize(pt.Lat)
				if !ok1 || !ok2 {
					return nil, false
				}
				b = binary.AppendVarint(b, x-px)
				b = binary.AppendVarint(b, y-py)
				px, py = x, y
			}
		}
	}
	return b, true
}

// decodeShape reverses encodeShape. All points of a shape share one backing
// array (one allocation); each ring is capped so an append by a reader
// cannot overwrite its neighbour.
func decodeShape(b []byte) ([]app.Polygon, error) {
	if len(b) == 0 {
		return nil, errShapeCorrupt
	}
	format, b := b[0], b[1:]
	if format != shapeQuantized && format != shapeFloat64 {
		return nil, errShapeCorrupt
	}
	uv := func() (int, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > uint64(len(b))*8+1<<20 {
			return 0, false
		}
		b = b[n:]
		return int(v), true
	}
	np, ok := uv()
	if !ok || np > len(b)+1 {
		return nil, errShapeCorrupt
	}
	if np == 0 {
		return nil, nil
	}
	polys := make([]app.Polygon, np)
	var sizes []int
	total := 0
	for i := range polys {
		nr, ok := uv()
		if !ok || nr > len(b)+1 {
			return nil, errShapeCorrupt
		}
		if nr > 0 {
			polys[i] = make(app.Polygon, nr)
		}
		for j := 0; j < nr; j++ {
			n, ok := uv()
			if !ok || n > len(b) {
				return nil, errShapeCorrupt
			}
			sizes = append(sizes, n)
			total += n
		}
	}
	pts := make([]app.Point, total)
	k := 0
	off := 0
	for i := range polys {
		for j := range polys[i] {
			n := sizes[k]
			k++
			if n > 0 {
				polys[i][j] = app.Ring(pts[off : off+n : off+n])
			}
			off += n
		}
	}
	switch format {
	case shapeFloat64:
		if len(b) != 16*total {
			return nil, errShapeCorrupt
		}
		for i := range pts {
			pts[i].Lon = math.Float64frombits(binary.LittleEndian.Uint64(b[16*i:]))
			pts[i].Lat = math.Float64frombits(binary.LittleEndian.Uint64(b[16*i+8:]))
		}
	case shapeQuantized:
		var x, y int64
		for i := range pts {
			dx, n := binary.Varint(b)
			if n <= 0 {
				return nil, errShapeCorrupt
			}
			dy, m := binary.Varint(b[n:])
			if m <= 0 {
				return nil, errShapeCorrupt
			}
			b = b[n+m:]
			x += dx
			y += dy
			pts[i] = app.Point{Lon: float64(x) / shapeScale, Lat: float64(y) / shapeScale}
		}
		if len(b) != 0 {
			return nil, errShapeCorrupt
		}
	}
	return polys, nil
}
