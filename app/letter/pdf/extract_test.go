package pdf_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// A small PDF reader for the files this package writes, so tests can check
// what a viewer would show without an external program: it follows the xref
// table, inflates content streams and maps the glyph codes of Type0
// (Identity-H) fonts back to text through each font's ToUnicode CMap, the way
// a text extractor does.

// extracted is what a reader sees in a PDF.
type extracted struct {
	Pages   []string          // text of each page, lines top to bottom
	Runs    [][]textRun       // each page's text runs in reading order, at their positions
	Content []string          // each page's inflated content stream
	Info    map[string]string // document information (Title, Author ...)
	Fonts   int               // embedded (Type0) fonts
}

// Text is all pages joined.
func (e extracted) Text() string { return strings.Join(e.Pages, "\n") }

type pdfObject struct {
	dict   string
	stream []byte
}

type pdfFile struct {
	data    []byte
	offsets map[int]int
	cache   map[int]pdfObject
}

var (
	reRef       = regexp.MustCompile(`(\d+) 0 R`)
	reStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
)

func extractPDF(t testing.TB, data []byte) extracted {
	t.Helper()
	e, err := readPDF(data)
	if err != nil {
		t.Fatalf("read PDF: %v", err)
	}
	return e
}

func readPDF(data []byte) (extracted, error) {
	f := &pdfFile{data: data, offsets: map[int]int{}, cache: map[int]pdfObject{}}
	if !bytes.HasPrefix(data, []byte("%PDF-1.")) {
		return extracted{}, fmt.Errorf("no PDF header")
	}
	if err := f.readXref(); err != nil {
		return extracted{}, err
	}
	trailer := string(data[bytes.LastIndex(data, []byte("trailer")):])
	root, err := f.object(refAfter(trailer, "/Root"))
	if err != nil {
		return extracted{}, fmt.Errorf("root: %w", err)
	}
	pages, err := f.object(refAfter(root.dict, "/Pages"))
	if err != nil {
		return extracted{}, fmt.Errorf("pages: %w", err)
	}
	kids := pages.dict[strings.Index(pages.dict, "/Kids"):]
	kids = kids[:strings.Index(kids, "]")]
	var e extracted
	for _, m := range reRef.FindAllStringSubmatch(kids, -1) {
		n, _ := strconv.Atoi(m[1])
		page, err := f.object(n)
		if err != nil {
			return e, err
		}
		if !strings.Contains(page.dict, "/Type /Page") {
			return e, fmt.Errorf("object %d is not a page", n)
		}
		text, runs, err := f.pageText(page)
		if err != nil {
			return e, fmt.Errorf("page %d: %w", len(e.Pages)+1, err)
		}
		e.Pages = append(e.Pages, text)
		e.Runs = append(e.Runs, runs)
		content, _ := f.object(refAfter(page.dict, "/Contents"))
		e.Content = append(e.Content, string(content.stream))
	}
	if c := strings.Count(pages.dict, " 0 R"); c != len(e.Pages) || !strings.Contains(pages.dict, fmt.Sprintf("/Count %d", c)) {
		return e, fmt.Errorf("page tree count mismatch: %s", pages.dict)
	}
	for n := range f.offsets {
		if o, err := f.object(n); err == nil && strings.Contains(o.dict, "/Subtype /Type0") {
			e.Fonts++
		}
	}
	e.Info = map[string]string{}
	if n := refAfter(trailer, "/Info"); n > 0 {
		info, err := f.object(n)
		if err != nil {
			return e, err
		}
		for _, key := range []string{"Title", "Author", "Creator", "Producer", "CreationDate", "ModDate"} {
			if i := strings.Index(info.dict, "/"+key+" ("); i >= 0 {
				raw, _ := literalString(info.dict[i+len(key)+3:])
				e.Info[key] = textString(raw)
			}
		}
	}
	return e, nil
}

func (f *pdfFile) readXref() error {
	m := reStartXref.FindSubmatch(f.data)
	if m == nil {
		return fmt.Errorf("no startxref")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if off >= len(f.data) || !bytes.HasPrefix(f.data[off:], []byte("xref\n")) {
		return fmt.Errorf("startxref does not point at an xref table")
	}
	rest := string(f.data[off+len("xref\n"):])
	var first, count int
	if _, err := fmt.Sscanf(rest, "%d %d", &first, &count); err != nil {
		return fmt.Errorf("xref header: %w", err)
	}
	rest = rest[strings.Index(rest, "\n")+1:]
	for i := 0; i < count; i++ {
		entry := rest[i*20 : i*20+20]
		if entry[17] != 'n' {
			continue
		}
		o, _ := strconv.Atoi(entry[:10])
		f.offsets[first+i] = o
	}
	return nil
}

func (f *pdfFile) object(n int) (pdfObject, error) {
	if o, ok := f.cache[n]; ok {
		return o, nil
	}
	off, ok := f.offsets[n]
	if !ok {
		return pdfObject{}, fmt.Errorf("object %d not in xref", n)
	}
	head := fmt.Sprintf("%d 0 obj\n", n)
	if !bytes.HasPrefix(f.data[off:], []byte(head)) {
		return pdfObject{}, fmt.Errorf("xref offset of object %d is wrong", n)
	}
	body := f.data[off+len(head):]
	end := bytes.Index(body, []byte("endobj"))
	if s := bytes.Index(body, []byte("stream\n")); s >= 0 && s < end {
		o := pdfObject{dict: string(body[:s])}
		length, err := strconv.Atoi(valueAfter(o.dict, "/Length"))
		if err != nil {
			return o, fmt.Errorf("object %d: stream length: %w", n, err)
		}
		o.stream = body[s+len("stream\n") : s+len("stream\n")+length]
		if !bytes.HasPrefix(body[s+len("stream\n")+length:], []byte("\nendstream")) {
			return o, fmt.Errorf("object %d: stream length does not match", n)
		}
		if strings.Contains(o.dict, "/FlateDecode") {
			r, err := zlib.NewReader(bytes.NewReader(o.stream))
			if err != nil {
				return o, fmt.Errorf("object %d: %w", n, err)
			}
			if o.stream, err = io.ReadAll(r); err != nil {
				return o, fmt.Errorf("object %d: %w", n, err)
			}
		}
		f.cache[n] = o
		return o, nil
	}
	o := pdfObject{dict: string(body[:end])}
	f.cache[n] = o
	return o, nil
}

// fontDecoder maps a font's codes to text.
type fontDecoder struct {
	twoByte bool
	ranges  []cmapRange
}

type cmapRange struct{ lo, hi, dst uint16 }

func (d fontDecoder) decode(raw []byte) (string, error) {
	if !d.twoByte {
		return string(raw), nil // not used by this package
	}
	if len(raw)%2 != 0 {
		return "", fmt.Errorf("odd length %d for a two-byte font", len(raw))
	}
	var units []uint16
	for i := 0; i < len(raw); i += 2 {
		code := binary.BigEndian.Uint16(raw[i:])
		found := false
		for _, r := range d.ranges {
			if code >= r.lo && code <= r.hi {
				units = append(units, r.dst+(code-r.lo))
				found = true
				break
			}
		}
		if !found {
			return "", fmt.Errorf("code %04X not in ToUnicode", code)
		}
	}
	return string(utf16.Decode(units)), nil
}

var reHexTriple = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
var reHexPair = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)

func (f *pdfFile) font(n int) (fontDecoder, error) {
	font, err := f.object(n)
	if err != nil {
		return fontDecoder{}, err
	}
	if !strings.Contains(font.dict, "/Subtype /Type0") || !strings.Contains(font.dict, "/Encoding /Identity-H") {
		return fontDecoder{}, fmt.Errorf("font %d is not a Type0 Identity-H font: %s", n, font.dict)
	}
	cmap, err := f.object(refAfter(font.dict, "/ToUnicode"))
	if err != nil {
		return fontDecoder{}, fmt.Errorf("font %d ToUnicode: %w", n, err)
	}
	d := fontDecoder{twoByte: true}
	s := string(cmap.stream)
	hex := func(h string) uint16 { v, _ := strconv.ParseUint(h, 16, 16); return uint16(v) }
	for _, sec := range sections(s, "beginbfrange", "endbfrange") {
		for _, m := range reHexTriple.FindAllStringSubmatch(sec, -1) {
			d.ranges = append(d.ranges, cmapRange{hex(m[1]), hex(m[2]), hex(m[3])})
		}
	}
	for _, sec := range sections(s, "beginbfchar", "endbfchar") {
		for _, m := range reHexPair.FindAllStringSubmatch(sec, -1) {
			d.ranges = append(d.ranges, cmapRange{hex(m[1]), hex(m[1]), hex(m[2])})
		}
	}
	if len(d.ranges) == 0 {
		return d, fmt.Errorf("font %d: empty ToUnicode CMap", n)
	}
	return d, nil
}

func sections(s, begin, end string) []string {
	var out []string
	for {
		i := strings.Index(s, begin)
		if i < 0 {
			return out
		}
		s = s[i+len(begin):]
		j := strings.Index(s, end)
		if j < 0 {
			return out
		}
		out = append(out, s[:j])
		s = s[j:]
	}
}

// textRun is text shown by one operator, at its start in PDF user space (y
// up, from the foot of the page).
type textRun struct {
	x, y float64
	text string
}

// pageText interprets the text operators of a page's content stream.
func (f *pdfFile) pageText(page pdfObject) (string, []textRun, error) {
	res, err := f.object(refAfter(page.dict, "/Resources"))
	if err != nil {
		return "", nil, err
	}
	fonts := map[string]int{}
	if i := strings.Index(res.dict, "/Font <<"); i >= 0 {
		sub := res.dict[i+len("/Font <<"):]
		sub = sub[:strings.Index(sub, ">>")]
		for _, m := range regexp.MustCompile(`/(\S+) (\d+) 0 R`).FindAllStringSubmatch(sub, -1) {
			fonts[m[1]], _ = strconv.Atoi(m[2])
		}
	}
	content, err := f.object(refAfter(page.dict, "/Contents"))
	if err != nil {
		return "", nil, err
	}
	var (
		runs    []textRun
		operand []string
		cur     fontDecoder
		haveFnt bool
		x, y    float64
	)
	s := string(content.stream)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\n' || c == '\r' || c == '\t':
			i++
		case c == '(':
			raw, n := literalString(s[i+1:])
			operand = append(operand, "("+string(raw))
			i += 1 + n
		case c == '[' || c == ']':
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \n\r\t([]", rune(s[j])) {
				j++
			}
			tok := s[i:j]
			i = j
			switch tok {
			case "BT":
				x, y = 0, 0
			case "Td":
				if len(operand) >= 2 {
					dx, _ := strconv.ParseFloat(operand[len(operand)-2], 64)
					dy, _ := strconv.ParseFloat(operand[len(operand)-1], 64)
					x, y = x+dx, y+dy
				}
			case "Tf":
				name := strings.TrimPrefix(operand[len(operand)-2], "/")
				n, ok := fonts[name]
				if !ok {
					return "", nil, fmt.Errorf("font %s not in resources", name)
				}
				if cur, err = f.font(n); err != nil {
					return "", nil, err
				}
				haveFnt = true
			case "Tj", "TJ":
				if !haveFnt {
					return "", nil, fmt.Errorf("text shown before a font was set")
				}
				var b strings.Builder
				for _, op := range operand {
					if strings.HasPrefix(op, "(") {
						txt, err := cur.decode([]byte(op[1:]))
						if err != nil {
							return "", nil, err
						}
						b.WriteString(txt)
					}
				}
				runs = append(runs, textRun{x, y, b.String()})
			}
			if isOperator(tok) {
				operand = operand[:0]
			} else {
				operand = append(operand, tok)
			}
		}
	}
	// Reading order: top to bottom (PDF y grows upwards), then left to right.
	sort.SliceStable(runs, func(i, j int) bool {
		if d := runs[i].y - runs[j].y; d > 0.5 || d < -0.5 {
			return d > 0
		}
		return runs[i].x < runs[j].x
	})
	var lines []string
	for i, r := range runs {
		if i > 0 && abs(runs[i-1].y-r.y) <= 0.5 {
			lines[len(lines)-1] += " " + r.text
			continue
		}
		lines = append(lines, r.text)
	}
	return strings.Join(lines, "\n"), runs, nil
}

func isOperator(tok string) bool {
	if tok == "" || tok[0] == '/' || tok[0] == '<' {
		return false
	}
	_, err := strconv.ParseFloat(tok, 64)
	return err != nil
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// literalString decodes a PDF literal string that starts just after its
// opening parenthesis, returning the bytes and how much input it used
// (including the closing parenthesis).
func literalString(s string) ([]byte, int) {
	var out []byte
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			i++
			if i >= len(s) {
				return out, i
			}
			switch e := s[i]; e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v, n := 0, 0
					for n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' {
						v = v*8 + int(s[i+n]-'0')
						n++
					}
					out = append(out, byte(v))
					i += n - 1
				} else {
					out = append(out, e)
				}
			}
		case '(':
			depth++
			out = append(out, c)
		case ')':
			if depth == 0 {
				return out, i + 1
			}
			depth--
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out, len(s)
}

// textString decodes a document information string: UTF-16BE with a byte
// order mark, or (for ASCII) PDFDocEncoding.
func textString(raw []byte) string {
	if len(raw) >= 2 && raw[0] == 0xFE && raw[1] == 0xFF {
		var units []uint16
		for i := 2; i+1 < len(raw); i += 2 {
			units = append(units, binary.BigEndian.Uint16(raw[i:]))
		}
		return string(utf16.Decode(units))
	}
	return string(raw)
}

func refAfter(dict, key string) int {
	v := valueAfter(dict, key)
	n, err := strconv.Atoi(strings.TrimSuffix(v, " 0 R"))
	if err != nil || !strings.HasSuffix(v, " 0 R") {
		return -1
	}
	return n
}

// valueAfter returns the value after key in a dictionary: a number or an
// indirect reference "N 0 R".
func valueAfter(dict, key string) string {
	i := strings.Index(dict, key+" ")
	if i < 0 {
		return ""
	}
	m := regexp.MustCompile(`^\s*(\d+(?: 0 R)?)`).FindStringSubmatch(dict[i+len(key):])
	if m == nil {
		return ""
	}
	return m[1]
}
