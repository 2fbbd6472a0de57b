package congress

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/advocate-org/advocate/app"
)

type topoTransform struct {
	Scale     [2]float64 `json:"scale"`
	Translate [2]float64 `json:"translate"`
}

type topoGeometry struct {
	Type       string                     `json:"type"`
	Arcs       json.RawMessage            `json:"arcs"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometries []topoGeometry             `json:"geometries"`
}

// ReadTopoJSONShapes reads congressional district boundaries from a TopoJSON
// topology (such as us-congressional-districts-119.topojson). Arcs are
// delta-decoded and transformed when the topology is quantized, rings are
// stitched from arcs (a negative index ~i means arc i reversed, and each arc
// after the first drops its first point, which repeats the previous arc's
// last). Every object whose geometries carry STATEFP and CDnnnFP properties
// is read, with the same rules as ReadGeoJSONShapes; other objects (states,
// counties) are ignored. The result is sorted by GEOID.
func ReadTopoJSONShapes(r io.Reader, name string) ([]app.DistrictShape, error) {
	return readTopoJSON(r, name, nil)
}

// readTopoJSON is ReadTopoJSONShapes with a parse-progress callback.
func readTopoJSON(r io.Reader, name string, progress func(done int64)) ([]app.DistrictShape, error) {
	d, err := readAllDoc(r, name)
	if err != nil {
		return nil, err
	}
	var (
		p         = &coordParser{b: d.rec.buf, progress: progress}
		typ       string
		typAt     int
		transform *topoTransform
		arcs      []app.Ring
		objects   map[string]json.RawMessage
	)
	p.object("a TopoJSON topology", func(key string) {
		switch key {
		case "type":
			typAt = p.pos()
			typ = p.str()
		case "transform":
			at := p.pos()
			s, e := p.skip()
			if p.err == "" && json.Unmarshal(p.b[s:e], &transform) != nil {
				p.i = at
				p.fail("transform is not {\"scale\": [x, y], \"translate\": [x, y]}")
			}
		case "arcs":
			p.list("arcs", func() {
				arcs = append(arcs, p.ring(2))
				p.tick()
			})
		case "objects":
			at := p.pos()
			s, e := p.skip()
			if p.err == "" && json.Unmarshal(p.b[s:e], &objects) != nil {
				p.i = at
				p.fail("objects is not an object of named geometries")
			}
		default:
			p.skip()
		}
	})
	p.end()
	if p.err != "" {
		return nil, d.errAt(int64(p.errAt), "%s", p.err)
	}
	if typ != "Topology" {
		return nil, d.errAt(int64(typAt), "type is %s, want \"Topology\"", quoteShort(typ))
	}
	if t := transform; t != nil {
		for _, arc := range arcs {
			var x, y float64
			for i, pt := range arc {
				x += pt.Lon
				y += pt.Lat
				arc[i] = app.Point{Lon: x*t.Scale[0] + t.Translate[0], Lat: y*t.Scale[1] + t.Translate[1]}
			}
		}
	}
	names := make([]string, 0, len(objects))
	for k := range objects {
		names = append(names, k)
	}
	sort.Strings(names)
	acc := newShapeSet(d)
	found := false
	for _, obj := range names {
		var g topoGeometry
		if err := json.Unmarshal(objects[obj], &g); err != nil {
			return nil, d.errAt(d.locate(0, "objects", obj), "object %s is not a TopoJSON geometry", quoteShort(obj))
		}
		geoms := []topoGeometry{g}
		path := []any{"objects", obj}
		if g.Type == "GeometryCollection" {
			geoms = g.Geometries
			path = append(path, "geometries")
		}
		if !hasDistrictProps(geoms) {
			continue
		}
		found = true
		for i := range geoms {
			gpath := path
			if g.Type == "GeometryCollection" {
				gpath = append(append([]any{}, path...), i)
			}
			if err := acc.addTopo(&geoms[i], arcs, gpath, i); err != nil {
				return nil, err
			}
		}
	}
	if !found {
		return nil, d.errAt(d.locate(0, "objects"), "no object has congressional district properties (STATEFP and CDnnnFP such as CD119FP)")
	}
	return acc.sorted(), nil
}

func hasDistrictProps(geoms []topoGeometry) bool {
	for _, g := range geoms {
		for k := range g.Properties {
			if cdProperty.MatchString(k) {
				return true
			}
		}
	}
	return false
}

func (s *shapeSet) addTopo(g *topoGeometry, arcs []app.Ring, path []any, i int) error {
	d := s.d
	at := func(more ...any) int64 { return d.locate(0, append(append([]any{}, path...), more...)...) }
	key, geoid, skip, problem := districtFromProps(g.Properties)
	if problem != "" {
		return d.errAt(at("properties"), "geometry %d: %s", i+1, problem)
	}
	if skip {
		return nil
	}
	label := fmt.Sprintf("geometry %d (%s)", i+1, key)
	var polys []app.Polygon
	switch g.Type {
	case "Polygon":
		var rings [][]int
		if err := json.Unmarshal(g.Arcs, &rings); err != nil {
			return d.errAt(at("arcs"), "%s: arcs is not a list of lists of arc indexes", label)
		}
		poly, err := stitchPolygon(rings, arcs)
		if err != "" {
			return d.errAt(at("arcs"), "%s: %s", label, err)
		}
		polys = []app.Polygon{poly}
	case "MultiPolygon":
		var multi [][][]int
		if err := json.Unmarshal(g.Arcs, &multi); err != nil {
			return d.errAt(at("arcs"), "%s: arcs is not a list of polygons of arc indexes", label)
		}
		for _, rings := range multi {
			poly, err := stitchPolygon(rings, arcs)
			if err != "" {
				return d.errAt(at("arcs"), "%s: %s", label, err)
			}
			polys = append(polys, poly)
		}
	default:
		return d.errAt(at("type"), "%s: geometry type is %s, want Polygon or MultiPolygon", label, quoteShort(g.Type))
	}
	if msg := checkLonLat(polys); msg != "" {
		return d.errAt(at("arcs"), "%s: %s", label, msg)
	}
	return s.add(app.DistrictShape{District: key, GEOID: geoid, Polygons: polys}, func() int64 { return at("properties") })
}

// stitchPolygon builds each ring of a polygon from its arcs.
func stitchPolygon(rings [][]int, arcs []app.Ring) (app.Polygon, string) {
	if len(rings) == 0 {
		return nil, "a polygon has no rings"
	}
	poly := make(app.Polygon, 0, len(rings))
	for _, idx := range rings {
		n := 0
		for _, a := range idx {
			if a < 0 {
				a = ^a
			}
			if a >= len(arcs) {
				return nil, fmt.Sprintf("arc index %d is out of range (%d arcs)", a, len(arcs))
			}
			n += len(arcs[a])
		}
		ring := make(app.Ring, 0, n)
		for k, a := range idx {
			if a >= 0 {
				pts := arcs[a]
				if k > 0 {
					pts = pts[1:]
				}
				ring = append(ring, pts...)
				continue
			}
			pts := arcs[^a]
			last := len(pts) - 1
			if k > 0 {
				last-- // the reversed arc starts where the previous one ended
			}
			for j := last; j >= 0; j-- {
				ring = append(ring, pts[j])
			}
		}
		if len(ring) < 3 {
			return nil, fmt.Sprintf("a ring has %d positions, want at least 3", len(ring))
		}
		poly = append(poly, ring)
	}
	return poly, ""
}
