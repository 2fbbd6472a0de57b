package congress

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
)

// ReadGeoJSONShapes reads congressional district boundaries from a GeoJSON
// FeatureCollection with Census cartographic-boundary properties: STATEFP and
// CDnnnFP (CD119FP for the 119th Congress; the highest-numbered one wins when
// several are present). CD 00 (at-large) and 98 (delegate, resident
// commissioner) become district 0; ZZ (water, no district) features are
// skipped. Geometries must be Polygon or MultiPolygon in lon/lat degrees.
//
// The file is read into memory and walked once by a small purpose-built
// parser that puts coordinates straight into app types: generic decoding of
// the 14 MB, 600k-point file scans every byte three times and dominated the
// import. Properties and other small members still go through encoding/json.
// The result is sorted by GEOID.
func ReadGeoJSONShapes(r io.Reader, name string) ([]app.DistrictShape, error) {
	return readGeoJSON(r, name, nil)
}

// parseProgressEvery is how many parsed bytes pass between progress calls of
// the shape readers.
const parseProgressEvery = 512 << 10

// readGeoJSON is ReadGeoJSONShapes with a callback that reports how many
// bytes have been parsed (reading the file is quick; parsing is the slow part).
func readGeoJSON(r io.Reader, name string, progress func(done int64)) ([]app.DistrictShape, error) {
	d, err := readAllDoc(r, name)
	if err != nil {
		return nil, err
	}
	p := &coordParser{b: d.rec.buf, progress: progress}
	acc := newShapeSet(d)
	sawFeatures := false
	var shapeErr error
	p.object("the GeoJSON FeatureCollection", func(key string) {
		switch key {
		case "type":
			off := p.pos()
			if typ := p.str(); p.err == "" && typ != "FeatureCollection" {
				p.i = off
				p.fail(fmt.Sprintf("type is %s, want \"FeatureCollection\"", quoteShort(typ)))
			}
		case "features":
			sawFeatures = true
			n := 0
			p.list("features", func() {
				f := p.feature()
				p.tick()
				if p.err != "" {
					p.err = fmt.Sprintf("feature %d: %s", n+1, p.err)
				} else {
					if err := acc.addFeature(&f, n); err != nil && shapeErr == nil {
						shapeErr = err
						p.fail("stop")
					}
				}
				n++
			})
		default:
			p.skip()
		}
	})
	if shapeErr != nil {
		return nil, shapeErr
	}
	p.end()
	if p.err != "" {
		return nil, d.errAt(int64(p.errAt), "%s", p.err)
	}
	if !sawFeatures {
		return nil, d.errAt(0, "the FeatureCollection has no features list")
	}
	return acc.sorted(), nil
}

// readAllDoc reads r into memory for the hand-written walkers.
func readAllDoc(r io.Reader, name string) (*jsonDoc, error) {
	data, err := readAllSized(r)
	if err != nil {
		return nil, readFailed(name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalidAt(name, 0, 0, "the file is empty")
	}
	return &jsonDoc{name: name, rec: &recorder{buf: data}}, nil
}

// readAllSized is io.ReadAll that allocates once when the size is known
// (growing a buffer to 14 MB by doubling showed up in profiles).
func readAllSized(r io.Reader) ([]byte, error) {
	var n int64
	switch v := r.(type) {
	case interface{ Size() int64 }: // bytes.Reader, strings.Reader, progressReader
		n = v.Size()
	case *os.File:
		if st, err := v.Stat(); err == nil {
			n = st.Size()
		}
	}
	if n < 0 || n > 1<<30 {
		n = 0
	}
	buf := bytes.NewBuffer(make([]byte, 0, n+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// geoFeature is one parsed GeoJSON feature with the offsets needed for
// error messages.
type geoFeature struct {
	start     int
	props     map[string]json.RawMessage
	propsAt   int
	geomType  string
	geomAt    int  // offset of the geometry value (or the feature when absent)
	hasGeom   bool // geometry present and not null
	polys     []app.Polygon
	depth     int // nesting of the coordinates: 3 Polygon, 4 MultiPolygon
	coordsAt  int
	sawCoords bool
	sawProps  bool
}

// feature parses {"type": "Feature", "properties": {...}, "geometry": {...}}.
func (p *coordParser) feature() geoFeature {
	f := geoFeature{start: p.pos()}
	f.geomAt, f.propsAt = f.start, f.start
	p.object("a feature", func(key string) {
		switch key {
		case "properties":
			f.sawProps = true
			f.propsAt = p.pos()
			s, e := p.skip()
			if p.err == "" && string(p.b[s:e]) != "null" {
				if err := json.Unmarshal(p.b[s:e], &f.props); err != nil {
					p.i = s
					p.fail("properties is not an object")
				}
			}
		case "geometry":
			f.geomAt = p.pos()
			if p.null() {
				return
			}
			f.hasGeom = true
			p.object("a geometry", func(key string) {
				switch key {
				case "type":
					f.geomType = p.str()
				case "coordinates":
					f.sawCoords = true
					f.coordsAt = p.pos()
					f.depth = p.depth()
					switch f.depth {
					case 3:
						if poly := p.polygon(); p.err == "" {
							f.polys = []app.Polygon{poly}
						}
					case 4:
						f.polys = p.multiPolygon()
					default:
						p.skip()
					}
				default:
					p.skip()
				}
			})
		default:
			p.skip()
		}
	})
	return f
}

// shapeSet collects district shapes and rejects duplicates.
type shapeSet struct {
	d      *jsonDoc
	shapes []app.DistrictShape
	seen   map[app.DistrictKey]func() int64
}

func newShapeSet(d *jsonDoc) *shapeSet {
	return &shapeSet{d: d, shapes: make([]app.DistrictShape, 0, 450), seen: make(map[app.DistrictKey]func() int64, 450)}
}

func (s *shapeSet) addFeature(f *geoFeature, i int) error {
	d := s.d
	key, geoid, skip, problem := districtFromProps(f.props)
	if problem != "" {
		return d.errAt(int64(f.propsAt), "feature %d: %s", i+1, problem)
	}
	if skip {
		return nil
	}
	label := fmt.Sprintf("feature %d (%s)", i+1, key)
	if !f.hasGeom {
		return d.errAt(int64(f.geomAt), "%s has no geometry", label)
	}
	want := 0
	switch f.geomType {
	case "Polygon":
		want = 3
	case "MultiPolygon":
		want = 4
	default:
		return d.errAt(int64(f.geomAt), "%s: geometry type is %s, want Polygon or MultiPolygon", label, quoteShort(f.geomType))
	}
	if !f.sawCoords || f.depth != want {
		return d.errAt(int64(f.coordsAt), "%s: coordinates are not nested like a %s", label, f.geomType)
	}
	if msg := checkLonLat(f.polys); msg != "" {
		return d.errAt(int64(f.coordsAt), "%s: %s", label, msg)
	}
	at := func() int64 { return int64(f.propsAt) }
	return s.add(app.DistrictShape{District: key, GEOID: geoid, Polygons: f.polys}, at)
}

// add records a shape; at locates it in the file, and is only called for an
// error message because locating can mean rescanning megabytes.
func (s *shapeSet) add(shape app.DistrictShape, at func() int64) error {
	if first, dup := s.seen[shape.District]; dup {
		line, col := s.d.position(first())
		return s.d.errAt(at(), "district %s appears twice (first at %d:%d)", shape.District, line, col)
	}
	if len(shape.Polygons) == 0 {
		return s.d.errAt(at(), "district %s has no polygons", shape.District)
	}
	s.seen[shape.District] = at
	s.shapes = append(s.shapes, shape)
	return nil
}

func (s *shapeSet) sorted() []app.DistrictShape {
	sort.Slice(s.shapes, func(i, j int) bool { return s.shapes[i].GEOID < s.shapes[j].GEOID })
	return s.shapes
}

var cdProperty = regexp.MustCompile(`^CD([0-9]{3})FP$`)

// districtFromProps reads STATEFP and CDnnnFP. skip is set for ZZ (water)
// features; problem is a message when the properties are unusable.
func districtFromProps(props map[string]json.RawMessage) (key app.DistrictKey, geoid string, skip bool, problem string) {
	str := func(k string) (string, string) {
		raw, ok := props[k]
		if !ok {
			return "", fmt.Sprintf("has no %s property", k)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Sprintf("%s is %s, want a string", k, quoteShort(string(raw)))
		}
		return s, ""
	}
	statefp, msg := str("STATEFP")
	if msg != "" {
		return key, "", false, msg
	}
	cdKey, best := "", -1
	for k := range props {
		if m := cdProperty.FindStringSubmatch(k); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > best {
				cdKey, best = k, n
			}
		}
	}
	if cdKey == "" {
		return key, "", false, "has no CDnnnFP property (such as CD119FP)"
	}
	cd, msg := str(cdKey)
	if msg != "" {
		return key, "", false, msg
	}
	state, ok := fipsToUSPS[statefp]
	if !ok {
		return key, "", false, fmt.Sprintf("STATEFP is %s, not a state or territory with a seat in Congress", quoteShort(statefp))
	}
	if cd == "ZZ" {
		return key, "", true, ""
	}
	n, ok := censusDistrict(cd)
	if !ok {
		return key, "", false, fmt.Sprintf("%s is %s, want a 2-digit district such as \"08\"", cdKey, quoteShort(cd))
	}
	geoid = statefp + cd
	if raw, ok := props["GEOID"]; ok {
		var g string
		if json.Unmarshal(raw, &g) == nil && g != "" {
			geoid = g
		}
	}
	return app.DistrictKey{State: state, District: n}, geoid, false, ""
}

// checkLonLat rejects coordinates that are not lon/lat degrees (a projected
// file would otherwise load and match nothing).
func checkLonLat(polys []app.Polygon) string {
	for _, poly := range polys {
		for _, ring := range poly {
			for _, pt := range ring {
				if !(pt.Lon >= -180 && pt.Lon <= 180 && pt.Lat >= -90 && pt.Lat <= 90) {
					return fmt.Sprintf("point (%g, %g) is not longitude/latitude in degrees", pt.Lon, pt.Lat)
				}
			}
		}
	}
	return ""
}

// coordParser walks JSON held in memory: it reads GeoJSON coordinates and
// TopoJSON arcs straight into app types, and skips or hands small members to
// encoding/json. It stops at the first error, recording a message and the
// byte offset where it happened; every loop checks err.
type coordParser struct {
	b        []byte
	i        int
	err      string
	errAt    int
	progress func(done int64) // optional
	reported int
}

// tick reports progress when enough bytes were parsed since the last call.
func (p *coordParser) tick() {
	if p.progress != nil && p.i-p.reported >= parseProgressEvery {
		p.reported = p.i
		p.progress(int64(p.i))
	}
}

func (p *coordParser) fail(msg string) {
	if p.err == "" {
		p.err, p.errAt = msg, p.i
	}
}

func (p *coordParser) ws() {
	for p.i < len(p.b) && isJSONSpace(p.b[p.i]) {
		p.i++
	}
}

// pos is the offset of the next value.
func (p *coordParser) pos() int {
	p.ws()
	return p.i
}

// end checks that only whitespace follows the document.
func (p *coordParser) end() {
	if p.err == "" && p.pos() < len(p.b) {
		p.fail("unexpected data after the end of the document")
	}
}

// null consumes a JSON null if one is next.
func (p *coordParser) null() bool {
	p.ws()
	if bytes.HasPrefix(p.b[p.i:], []byte("null")) {
		p.i += 4
		return true
	}
	return false
}

// str reads a JSON string.
func (p *coordParser) str() string {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		p.fail("want a string")
		return ""
	}
	s := p.i
	e := skipString(p.b, s)
	if e > len(p.b) || e-s < 2 || p.b[e-1] != '"' {
		p.fail("unterminated string")
		return ""
	}
	raw := p.b[s+1 : e-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) && !hasControl(raw) {
		p.i = e
		return string(raw)
	}
	var out string
	if err := json.Unmarshal(p.b[s:e], &out); err != nil {
		p.fail("invalid string")
		return ""
	}
	p.i = e
	return out
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// skip consumes one value, checking that it is valid JSON, and returns its
// bounds.
func (p *coordParser) skip() (int, int) {
	s := p.pos()
	if s >= len(p.b) {
		p.fail("unexpected end of the file")
		return s, s
	}
	e := skipValue(p.b, s)
	if e > len(p.b) || !json.Valid(p.b[s:e]) {
		p.fail("invalid JSON value")
		return s, s
	}
	p.i = e
	return s, e
}

// object parses {"key": value, ...}, calling member with the reader
// positioned at each value; member must consume it.
func (p *coordParser) object(what string, member func(key string)) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		p.fail("want " + what + " (a JSON object)")
		return
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return
	}
	for p.err == "" {
		key := p.str()
		if p.err != "" {
			return
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			p.fail("want : after an object key")
			return
		}
		p.i++
		member(key)
		if p.err != "" {
			return
		}
		p.ws()
		if p.i >= len(p.b) {
			p.fail("unexpected end of the file in " + what)
			return
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return
		default:
			p.fail("want , or } in " + what)
			return
		}
	}
}

// depth counts the opening brackets ahead (without consuming them).
func (p *coordParser) depth() int {
	n := 0
	for j := p.pos(); j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '[':
			n++
		case isJSONSpace(c):
		default:
			return n
		}
	}
	return n
}

// list parses "[item, item, ...]", calling item for each element.
func (p *coordParser) list(what string, item func()) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		p.fail("want a list of " + what)
		return
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return
	}
	for p.err == "" {
		item()
		if p.err != "" {
			return
		}
		p.ws()
		if p.i >= len(p.b) {
			p.fail("unexpected end of the file in a list of " + what)
			return
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return
		default:
			p.fail("want , or ] in a list of " + what)
			return
		}
	}
}

func (p *coordParser) multiPolygon() []app.Polygon {
	var out []app.Polygon
	start := p.pos()
	p.list("polygons", func() {
		poly := p.polygon()
		out = append(out, poly)
	})
	if p.err == "" && len(out) == 0 {
		p.i = start
		p.fail("the MultiPolygon has no polygons")
	}
	return out
}

func (p *coordParser) polygon() app.Polygon {
	var out app.Polygon
	start := p.pos()
	p.list("rings", func() {
		out = append(out, p.ring(3))
	})
	if p.err == "" && len(out) == 0 {
		p.i = start
		p.fail("a polygon has no rings")
	}
	return out
}

// ring reads a list of positions; min is the fewest points accepted.
func (p *coordParser) ring(min int) app.Ring {
	out := make(app.Ring, 0, 32)
	start := p.pos()
	p.list("positions", func() {
		out = append(out, p.point())
	})
	if p.err == "" && len(out) < min {
		p.i = start
		p.fail(fmt.Sprintf("a ring has %d positions, want at least %d", len(out), min))
	}
	return out
}

// point reads [x, y] (extra values such as altitude are ignored).
func (p *coordParser) point() app.Point {
	var v [2]float64
	n := 0
	start := p.pos()
	p.list("numbers", func() {
		f := p.number()
		if n < 2 {
			v[n] = f
		}
		n++
	})
	if p.err == "" && n < 2 {
		p.i = start
		p.fail(fmt.Sprintf("a position has %d numbers, want 2", n))
	}
	return app.Point{Lon: v[0], Lat: v[1]}
}

func (p *coordParser) number() float64 {
	s := p.pos()
	for p.i < len(p.b) && isScalarByte(p.b[p.i]) { // letters too, to quote "4x" whole
		p.i++
	}
	f, ok := parseNumber(p.b[s:p.i])
	if !ok {
		text := string(p.b[s:p.i])
		p.i = s
		if text == "" {
			p.fail("want a number")
		} else {
			p.fail(fmt.Sprintf("%s is not a number", quoteShort(text)))
		}
		return 0
	}
	return f
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses a JSON number. Plain decimals with at most 15 digits
// (every coordinate in the district files) take an exact fast path: both
// the digits and the power of ten are exact in float64, so one division
// rounds correctly. Anything else goes to strconv.
func parseNumber(b []byte) (float64, bool) {
	if !validNumber(b) {
		return 0, false
	}
	i, neg := 0, false
	if b[0] == '-' {
		neg, i = true, 1
	}
	var mant uint64
	digits, frac, dot := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
			continue
		case c == '.':
			dot = true
			continue
		}
		digits = 99 // exponent: slow path
		break
	}
	if digits <= 15 && frac < len(pow10) {
		f := float64(mant) / pow10[frac]
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}

// validNumber checks the JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			return false
		}
	}
	return i == len(b)
}
