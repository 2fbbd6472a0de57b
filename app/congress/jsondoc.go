package congress

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// recorder keeps every byte the JSON decoder has read, so that an error found
// after decoding (a missing id, a duplicate) can still be turned into a
// line:col and pinned to the offending key. The roster files are small enough
// (the largest is ~14 MB) to keep in memory while they are read.
type recorder struct {
	r      io.Reader
	buf    []byte
	err    error // first read error other than io.EOF: not the data's fault
	bomOff bool  // a leading UTF-8 byte-order mark was dropped
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if len(r.buf) == 0 && !r.bomOff && n > 0 {
		r.bomOff = true
		if bytes.HasPrefix(p[:n], []byte("\xEF\xBB\xBF")) {
			copy(p, p[3:n])
			n -= 3
		}
	}
	r.buf = append(r.buf, p[:n]...)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// yamlMark maps an offset in JSON converted from YAML back to the YAML
// source position of the node that produced it.
type yamlMark struct {
	off       int64
	line, col int
}

// jsonDoc is one JSON text being decoded record by record. YAML input is
// converted to JSON first (with marks back to YAML positions), so both
// formats share one decoding and validation path and one error style.
type jsonDoc struct {
	name  string
	rec   *recorder
	dec   *json.Decoder
	marks []yamlMark // nil for JSON input
}

func newJSONDoc(r io.Reader, name string) *jsonDoc {
	rec := &recorder{r: r}
	return &jsonDoc{name: name, rec: rec, dec: json.NewDecoder(rec)}
}

// Limits on converting YAML: alias expansion can make a small file describe
// a huge tree ("billion laughs"). The real files have no aliases and about
// 200k nodes.
const (
	maxYAMLNodes   = 10_000_000
	maxAliasedNode = 1_000_000 // nodes visited through aliases
)

func newYAMLDoc(r io.Reader, name string) (*jsonDoc, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, readFailed(name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && len(root.Content) == 0) {
		return nil, invalidAt(name, 0, 0, "the file is empty")
	}
	c := yamlConv{name: name, budget: maxYAMLNodes, aliased: maxAliasedNode}
	if err := c.node(&root, 0); err != nil {
		return nil, err
	}
	d := newJSONDoc(bytes.NewReader(c.buf.Bytes()), name)
	d.marks = c.marks
	return d, nil
}

// yamlError turns yaml.v3's "yaml: line 3: did not find expected key" into
// "name:3: did not find expected key".
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				return invalidAt(name, n, 0, "invalid YAML: %s", text)
			}
		}
	}
	return invalidAt(name, 0, 0, "invalid YAML: %s", msg)
}

type yamlConv struct {
	name    string
	buf     bytes.Buffer
	marks   []yamlMark
	budget  int // nodes left
	aliased int // nodes left to visit through aliases
	inAlias int // alias expansions we are inside of
}

func (c *yamlConv) mark(n *yaml.Node) {
	c.marks = append(c.marks, yamlMark{off: int64(c.buf.Len()), line: n.Line, col: n.Column})
}

func (c *yamlConv) node(n *yaml.Node, depth int) error {
	c.budget--
	if c.inAlias > 0 {
		c.aliased--
	}
	if c.budget < 0 || c.aliased < 0 || depth > 1000 {
		return invalidAt(c.name, n.Line, n.Column, "the YAML is too large or too deeply nested (aliases?)")
	}
	c.mark(n)
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.buf.WriteString("null")
			return nil
		}
		return c.node(n.Content[0], depth+1)
	case yaml.SequenceNode:
		c.buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				c.buf.WriteByte(',')
			}
			if err := c.node(item, depth+1); err != nil {
				return err
			}
		}
		c.buf.WriteByte(']')
	case yaml.MappingNode:
		c.buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return invalidAt(c.name, k.Line, k.Column, "a mapping key must be a plain value")
			}
			if k.ShortTag() == "!!merge" {
				return invalidAt(c.name, k.Line, k.Column, "merge keys (<<) are not supported")
			}
			if i > 0 {
				c.buf.WriteByte(',')
			}
			c.mark(k)
			writeJSONString(&c.buf, k.Value)
			c.buf.WriteByte(':')
			if err := c.node(v, depth+1); err != nil {
				return err
			}
		}
		c.buf.WriteByte('}')
	case yaml.AliasNode:
		if n.Alias == nil {
			return invalidAt(c.name, n.Line, n.Column, "unknown alias")
		}
		c.inAlias++
		defer func() { c.inAlias-- }()
		return c.node(n.Alias, depth+1)
	case yaml.ScalarNode:
		c.scalar(n)
	default:
		return invalidAt(c.name, n.Line, n.Column, "unsupported YAML node")
	}
	return nil
}

func (c *yamlConv) scalar(n *yaml.Node) {
	switch n.ShortTag() {
	case "!!null":
		c.buf.WriteString("null")
		return
	case "!!bool":
		if b, err := strconv.ParseBool(n.Value); err == nil {
			c.buf.WriteString(strconv.FormatBool(b))
			return
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			c.buf.WriteString(strconv.FormatInt(i, 10))
			return
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !isInfOrNaN(f) {
			c.buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			return
		}
	}
	writeJSONString(&c.buf, n.Value)
}

func isInfOrNaN(f float64) bool {
	return f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}

// position turns a byte offset of the (possibly converted) JSON into a
// 1-based line and column of the original file.
func (d *jsonDoc) position(off int64) (line, col int) {
	if d.marks != nil {
		i := sort.Search(len(d.marks), func(i int) bool { return d.marks[i].off > off }) - 1
		if i < 0 {
			return 1, 1
		}
		return d.marks[i].line, d.marks[i].col
	}
	b := d.rec.buf
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	if off < 0 {
		off = 0
	}
	head := b[:off]
	line = 1 + bytes.Count(head, []byte{'\n'})
	if nl := bytes.LastIndexByte(head, '\n'); nl >= 0 {
		head = head[nl+1:]
	}
	return line, 1 + utf8.RuneCount(head)
}

// errAt returns an EINVALID error positioned at byte offset off.
func (d *jsonDoc) errAt(off int64, format string, args ...any) error {
	line, col := d.position(off)
	return invalidAt(d.name, line, col, format, args...)
}

// fail turns a decoder error into a positioned, user-readable error. start is
// the offset of the value being decoded (type-error offsets are relative to it).
func (d *jsonDoc) fail(err error, start int64) error {
	if d.rec.err != nil {
		return readFailed(d.name, d.rec.err)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return d.syntaxError(syn, start)
	case errors.As(err, &typ):
		return d.typeError(typ, start)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		if len(d.rec.buf) == 0 {
			return invalidAt(d.name, 0, 0, "the file is empty")
		}
		return d.errAt(int64(len(d.rec.buf)), "unexpected end of file (truncated download?)")
	}
	return invalidAt(d.name, 0, 0, "invalid JSON: %s", err.Error())
}

// syntaxError positions a syntax error. Offsets of errors from
// Decoder.Decode do not count bytes consumed by Token, so the value is
// rescanned on its own to find where it breaks.
func (d *jsonDoc) syntaxError(syn *json.SyntaxError, start int64) error {
	if start >= 0 && start <= int64(len(d.rec.buf)) {
		var raw json.RawMessage
		err := json.NewDecoder(bytes.NewReader(d.rec.buf[start:])).Decode(&raw)
		var again *json.SyntaxError
		if errors.As(err, &again) {
			return d.errAt(start+again.Offset-1, "invalid JSON: %s", again.Error())
		}
	}
	return d.errAt(start, "invalid JSON: %s", syn.Error())
}

func (d *jsonDoc) typeError(e *json.UnmarshalTypeError, start int64) error {
	b := d.rec.buf
	end := start + e.Offset
	if end > int64(len(b)) || end < 0 {
		end = int64(len(b))
	}
	vs := valueBefore(b, int(end))
	if e.Offset < 0 { // raised by a field's own UnmarshalJSON: position unknown
		vs, end = int(start), start
	}
	got := "a " + e.Value
	switch {
	case e.Value == "string" || strings.HasPrefix(e.Value, "number") || e.Value == "bool":
		lit := strings.TrimSpace(string(b[vs:end]))
		var s string
		if e.Value == "string" && json.Unmarshal([]byte(lit), &s) == nil {
			got = quoteShort(s)
		} else if lit != "" {
			got = lit
			if len(got) > 40 {
				got = got[:40] + "…"
			}
		}
	case e.Value == "object":
		got = "an object"
	case e.Value == "array":
		got = "a list"
	}
	field := e.Field
	if field == "" {
		field = "value"
	}
	return d.errAt(int64(vs), "%s is %s, want %s", field, got, describeType(e.Type))
}

func describeType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another type"
}

// valueBefore finds where the JSON value ending at end starts.
func valueBefore(b []byte, end int) int {
	i := end
	for i > 0 && isJSONSpace(b[i-1]) {
		i--
	}
	if i == 0 {
		return end
	}
	switch c := b[i-1]; {
	case c == '"':
		if j := openingQuote(b, i-1); j >= 0 {
			return j
		}
	case c == '{' || c == '[':
		return i - 1
	case c == '}' || c == ']':
		depth := 0
		for j := i - 1; j >= 0; j-- {
			switch b[j] {
			case '"':
				if k := openingQuote(b, j); k >= 0 {
					j = k
				}
			case '}', ']':
				depth++
			case '{', '[':
				depth--
				if depth == 0 {
					return j
				}
			}
		}
	default:
		j := i
		for j > 0 && isScalarByte(b[j-1]) {
			j--
		}
		return j
	}
	return end
}

// openingQuote returns the index of the quote opening the string whose
// closing quote is at close, or -1.
func openingQuote(b []byte, close int) int {
	for j := close - 1; j >= 0; j-- {
		if b[j] == '"' && !escaped(b, j) {
			return j
		}
	}
	return -1
}

func escaped(b []byte, i int) bool {
	n := 0
	for i > 0 && b[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isScalarByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '+' || c == '.'
}

// valueStart is the offset of the next value, past separators. Call it after
// more() reported true (the decoder has then buffered that value's first byte).
func (d *jsonDoc) valueStart() int64 {
	off := d.dec.InputOffset()
	b := d.rec.buf
	for off < int64(len(b)) {
		c := b[off]
		if !isJSONSpace(c) && c != ',' && c != ':' {
			break
		}
		off++
	}
	return off
}

// open reads the opening delimiter of the top-level value.
func (d *jsonDoc) open(want json.Delim, what string) error {
	tok, err := d.dec.Token()
	if err != nil {
		return d.fail(err, 0)
	}
	if tok != want {
		kind := "a list"
		if want == '{' {
			kind = "an object"
		}
		return d.errAt(0, "want %s of %s at the top of the file", kind, what)
	}
	return nil
}

// more reports whether the current list or object has another element.
func (d *jsonDoc) more() bool { return d.dec.More() }

// next decodes the next element into v and returns its start offset.
func (d *jsonDoc) next(v any) (int64, error) {
	start := d.valueStart()
	if err := d.dec.Decode(v); err != nil {
		return start, d.fail(err, start)
	}
	return start, nil
}

// key reads the next object key.
func (d *jsonDoc) key() (string, int64, error) {
	start := d.valueStart()
	tok, err := d.dec.Token()
	if err != nil {
		return "", start, d.fail(err, start)
	}
	s, ok := tok.(string)
	if !ok {
		return "", start, d.errAt(start, "want an object key")
	}
	return s, start, nil
}

// end reads the closing delimiter of the current container; at depth 0 it
// also makes sure nothing but whitespace follows.
func (d *jsonDoc) end(top bool) error {
	off := d.valueStart()
	if _, err := d.dec.Token(); err != nil {
		return d.fail(err, off)
	}
	if !top {
		return nil
	}
	return d.trailing()
}

// trailing makes sure nothing but whitespace follows the top-level value.
func (d *jsonDoc) trailing() error {
	end := d.dec.InputOffset()
	if _, err := d.dec.Token(); err != io.EOF {
		if d.rec.err != nil {
			return readFailed(d.name, d.rec.err)
		}
		// Token has buffered the extra data by now; point at its start.
		return d.errAt(int64(skipSpace(d.rec.buf, int(end))), "unexpected data after the end of the document")
	}
	return nil
}

// locate returns the offset of the value at path inside the value starting
// at start (strings are object keys, ints list indexes, -1 the last element).
// When the path does not exist it returns the deepest offset it reached, so
// a "missing key" error points at the object that lacks it.
func (d *jsonDoc) locate(start int64, path ...any) int64 {
	b := d.rec.buf
	i := int(start)
	for _, p := range path {
		i = skipSpace(b, i)
		if i >= len(b) {
			return start
		}
		found := -1
		switch p := p.(type) {
		case string:
			if b[i] != '{' {
				return int64(i)
			}
			for j := i + 1; j < len(b); {
				j = skipSpace(b, j)
				if j >= len(b) || b[j] == '}' {
					break
				}
				if b[j] == ',' {
					j++
					continue
				}
				kend := skipValue(b, j)
				var key string
				_ = json.Unmarshal(b[j:kend], &key)
				j = skipSpace(b, kend)
				if j < len(b) && b[j] == ':' {
					j = skipSpace(b, j+1)
				}
				if key == p {
					found = j
					break
				}
				j = skipValue(b, j)
			}
		case int:
			if b[i] != '[' {
				return int64(i)
			}
			var starts []int
			for j := i + 1; j < len(b); {
				j = skipSpace(b, j)
				if j >= len(b) || b[j] == ']' {
					break
				}
				if b[j] == ',' {
					j++
					continue
				}
				starts = append(starts, j)
				j = skipValue(b, j)
			}
			switch {
			case p < 0 && len(starts) > 0:
				found = starts[len(starts)-1]
			case p >= 0 && p < len(starts):
				found = starts[p]
			}
		}
		if found < 0 {
			return int64(i)
		}
		i = found
	}
	return int64(i)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

// skipValue returns the offset just past the (valid) JSON value at i.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && isScalarByte(b[j]) {
		j++
	}
	if j == i {
		j++
	}
	return j
}

func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// decodeWhole decodes the whole document (one top-level value) into v.
func (d *jsonDoc) decodeWhole(v any) error {
	d.more() // buffers the first byte so valueStart is exact
	if _, err := d.next(v); err != nil {
		return err
	}
	return d.trailing()
}
