package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-fonts/liberation/liberationserifbold"
	"github.com/go-fonts/liberation/liberationserifregular"
	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

func testMaker(t *testing.T) *Maker {
	t.Helper()
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWrapStaysInsideTheMargins(t *testing.T) {
	m := testMaker(t)
	url := "https://www.example.org/campaigns/uyghur-forced-labor/letters/2026/november/" + strings.Repeat("segment/", 12) + "?utm_source=advocate&utm_medium=email"
	cases := []string{
		"See " + url + " for details.",
		url,
		strings.Repeat("W", 200), // no break characters at all
		"Short words only, nothing special here at all, " + strings.Repeat("and more words ", 30),
		"Łukasz Żółć — “quoted” text… with ’apostrophes’ " + strings.Repeat("Zoë Brontë ", 40),
	}
	for _, s := range cases {
		for _, width := range []float64{textWidth, textWidth / 3} {
			lines := m.wrap(m.regular, s, width, width)
			for _, ln := range lines {
				if w := m.measure(m.regular, ln); w > width+1e-9 {
					t.Errorf("line %q is %.2f pt wide, limit %.2f", ln, w, width)
				}
				if ln == "" {
					t.Errorf("empty line in %q", s)
				}
			}
			// Nothing is lost: the text comes back once line ends are
			// removed (cut words rejoin, spaces collapse).
			got := strings.ReplaceAll(strings.Join(lines, "\n"), "\n", "")
			if want := strings.ReplaceAll(strings.Join(strings.Fields(s), ""), " ", ""); strings.ReplaceAll(got, " ", "") != want {
				t.Errorf("wrap lost text:\n got %q\nwant %q", got, want)
			}
		}
	}
	// A URL is cut after a slash when it can be, and starts on the line of
	// the word before it.
	lines := m.wrap(m.regular, "See "+url, textWidth, textWidth)
	if !strings.HasPrefix(lines[0], "See https://") {
		t.Errorf("URL did not start on the first line: %q", lines[0])
	}
	for _, ln := range lines[:len(lines)-1] {
		if !strings.ContainsAny(ln[len(ln)-1:], "/-?&=_.#,;:") {
			t.Errorf("URL cut mid-segment: %q", ln)
		}
	}
}

// pageOf maps each laid-out line's text to its page number.
func pageOf(pages []page) map[string]int {
	at := map[string]int{}
	for i, p := range pages {
		for _, ln := range p.lines {
			at[ln.text] = i
		}
	}
	return at
}

func TestPaginateKeepsParagraphsReadable(t *testing.T) {
	m := testMaker(t)
	for _, sp := range spacings() {
		leading := m.size * sp.leading
		top, bottom := sp.top+0.7*m.size, pageHeight-sp.bottom-0.22*m.size
		header := func(n int) []line {
			return []line{{x: margin, text: fmt.Sprintf("hdr-%d-a", n)}, {x: margin, text: fmt.Sprintf("hdr-%d-b", n)}}
		}
		// Paragraph lengths chosen so that breaks fall at every position.
		for start := 1; start <= 24; start++ {
			var blocks []block
			blocks = append(blocks, block{lines: fakeLines("head", start), together: true})
			sizes := []int{1, 2, 3, 4, 5, 7, 12, 60, 2, 4, 9, 3, 1, 5, 4}
			for i, n := range sizes {
				b := block{lines: fakeLines(fmt.Sprintf("p%d", i), n), gap: sp.para, together: n <= 3}
				b.withNext = i == 8 // like "I ask you to:" before a list
				if i == len(sizes)-1 {
					// The closing: a close, room to sign, the name.
					b.together, b.withPrev = true, true
					b.lines[1].skip = sp.signature
				}
				blocks = append(blocks, b)
			}
			pages := m.paginate(blocks, header, sp)
			at := pageOf(pages)
			for i, b := range blocks {
				perPage := map[int]int{}
				for _, ln := range b.lines {
					p, ok := at[ln.text]
					if !ok {
						t.Fatalf("start %d: line %s lost", start, ln.text)
					}
					perPage[p]++
				}
				if b.together && len(perPage) > 1 {
					t.Errorf("start %d: block %d (%d lines) split across pages %v", start, i, len(b.lines), perPage)
				}
				if len(perPage) > 1 {
					for p, n := range perPage {
						if n < minSplitLines {
							t.Errorf("start %d: block %d leaves %d line(s) on page %d", start, i, n, p+1)
						}
					}
				}
				if b.withNext && at[b.lines[len(b.lines)-1].text] != at[blocks[i+1].lines[0].text] {
					t.Errorf("start %d: block %d separated from the next", start, i)
				}
				if b.withPrev {
					prev := blocks[i-1].lines
					pg := at[b.lines[0].text]
					if n := countOn(prev, at, pg); n < min(len(prev), minSplitLines) {
						t.Errorf("start %d: closing on page %d with %d line(s) of the paragraph before it", start, pg+1, n)
					}
				}
			}
			for pi, p := range pages {
				if len(p.lines) == 0 {
					t.Errorf("start %d: page %d is empty", start, pi+1)
				}
				if pi > 0 {
					if len(p.lines) < 3 || p.lines[0].text != fmt.Sprintf("hdr-%d-a", pi+1) || p.lines[1].text != fmt.Sprintf("hdr-%d-b", pi+1) {
						t.Errorf("start %d: page %d lacks its heading", start, pi+1)
					} else if d := p.lines[2].y - p.lines[1].y; d < (1+headerGap)*leading-1e-9 {
						t.Errorf("start %d: page %d text %.1f pt under its heading", start, pi+1, d)
					}
				}
				for j, ln := range p.lines {
					if ln.y < top-1e-9 || ln.y > bottom+1e-9 {
						t.Errorf("start %d: line %s at y=%.2f outside [%.2f, %.2f]", start, ln.text, ln.y, top, bottom)
					}
					if j > 0 && ln.y-p.lines[j-1].y < leading-1e-9 {
						t.Errorf("start %d: lines overlap on page %d", start, pi+1)
					}
				}
			}
		}
	}
}

// countOn counts the lines that landed on page pg.
func countOn(lines []line, at map[string]int, pg int) int {
	n := 0
	for _, ln := range lines {
		if at[ln.text] == pg {
			n++
		}
	}
	return n
}

func fakeLines(prefix string, n int) []line {
	out := make([]line, n)
	for i := range out {
		out[i] = line{x: margin, text: fmt.Sprintf("%s-%d", prefix, i)}
	}
	return out
}

func TestLayoutRightAlignedSender(t *testing.T) {
	m, err := New(Options{SenderAlign: AlignRight})
	if err != nil {
		t.Fatal(err)
	}
	l := Letter{
		SenderLines:    []string{"Zoë Brontë", "1 Lark Street", "Albany, NY 12210"},
		Date:           time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
		RecipientLines: []string{"The Honorable Paul Tonko"},
		Body:           "Dear Representative Tonko,\n\nThank you.",
	}
	pages := m.layout(l)
	right := margin + textWidth
	var x float64
	widest := 0.0
	for _, ln := range pages[0].lines[:4] { // three sender lines and the date
		if x == 0 {
			x = ln.x
		}
		if ln.x != x {
			t.Errorf("sender line %q at x=%.2f, want aligned at %.2f", ln.text, ln.x, x)
		}
		widest = max(widest, ln.x+m.measure(m.regular, ln.text))
	}
	if widest < right-0.01 || widest > right+0.01 {
		t.Errorf("sender block ends at %.2f, want the right margin %.2f", widest, right)
	}
	if got := pages[0].lines[3].text; got != "November 22, 2026" {
		t.Errorf("date line = %q", got)
	}
}

func TestWidthsMatchGofpdf(t *testing.T) {
	// Line breaking uses our tables; the PDF's glyph widths come from
	// gofpdf, and bold outlines are placed with widths measured by sfnt. A
	// mismatch would let text run into the margin or glyphs collide.
	for _, c := range []struct {
		name string
		ttf  []byte
	}{{"regular", liberationserifregular.TTF}, {"bold", liberationserifbold.TTF}, {"go regular", goregular.TTF}, {"go bold", gobold.TTF}} {
		f, err := loadFace(c.ttf, styleRegular)
		if err != nil {
			t.Fatal(err)
		}
		doc := gofpdf.New("P", "pt", "Letter", "")
		doc.AddUTF8FontFromBytes("check", "", bytes.Clone(c.ttf))
		doc.SetFont("check", "", 1000)
		n := 0
		for r := rune(0x20); r < 0x10000; r++ {
			if !f.covered.has(r) {
				continue
			}
			n++
			if got, want := float64(f.widths[r]), doc.GetStringWidth(string(r)); got != want {
				t.Errorf("%s: width of %U = %v, gofpdf says %v", c.name, r, got, want)
			}
		}
		if n < 600 {
			t.Errorf("%s: only %d runes covered", c.name, n)
		}
		s := "“Łukasz Żółć” — Zoë…"
		if got, want := float64(f.width(s)), doc.GetStringWidth(s); got != want {
			t.Errorf("%s: width(%q) = %v, gofpdf says %v", c.name, s, got, want)
		}
	}
}

func TestAppendPath(t *testing.T) {
	pt := func(x, y int) fixed.Point26_6 { return fixed.P(x, y) }
	segs := sfnt.Segments{
		{Op: sfnt.SegmentOpMoveTo, Args: [3]fixed.Point26_6{pt(0, 0)}},
		{Op: sfnt.SegmentOpLineTo, Args: [3]fixed.Point26_6{pt(300, 0)}},
		{Op: sfnt.SegmentOpQuadTo, Args: [3]fixed.Point26_6{pt(300, -300), pt(0, -300)}},
		{Op: sfnt.SegmentOpMoveTo, Args: [3]fixed.Point26_6{pt(10, -10)}},
		{Op: sfnt.SegmentOpLineTo, Args: [3]fixed.Point26_6{pt(20, -10)}},
	}
	// y flips (sfnt grows down, PDF up); the quadratic with control
	// (300,300) from (300,0) to (0,300) becomes a cubic with controls at
	// two thirds towards it.
	want := "0 0 m 300 0 l 300 200 200 300 0 300 c h 10 10 m 20 10 l h f"
	if got := string(appendPath(nil, segs)); got != want {
		t.Errorf("appendPath =\n%q\nwant\n%q", got, want)
	}
}

func TestOutlinesCoverBoldText(t *testing.T) {
	m := testMaker(t)
	for _, r := range "Re: Łukasz Żółć “Zoë” — Brontë…" {
		if r == ' ' {
			continue
		}
		if m.bold.outlines.paths[r] == "" {
			t.Errorf("no outline for %q", r)
		}
	}
	if p := m.bold.outlines.paths[' ']; p != "" {
		t.Errorf("space has an outline %q", p)
	}
}

// The embedded font is Liberation Serif cut down to the printable
// characters, with the same coverage and widths as the whole font.
func TestEmbeddedFontTrimmed(t *testing.T) {
	m := testMaker(t)
	full, err := loadFace(liberationserifregular.TTF, styleRegular)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.regular.ttf) >= len(full.ttf)*3/4 {
		t.Errorf("embedded font is %d bytes, the whole font %d: not trimmed", len(m.regular.ttf), len(full.ttf))
	}
	if m.regular.covered != full.covered || m.regular.family != "LiberationSerif" {
		t.Errorf("trimmed font covers other characters or lost its name (%q)", m.regular.family)
	}
	for r := rune(0x20); r < 0x10000; r++ {
		if full.covered.has(r) && m.regular.widths[r] != full.widths[r] {
			t.Errorf("width of %U: %d, whole font %d", r, m.regular.widths[r], full.widths[r])
		}
	}
	for _, r := range "José Núñez Łukasz Żółć Ərəb Nguyễn “—…•€™ Ωμέγα Дмитрий" {
		if !m.covered.has(r) {
			t.Errorf("%q not printable", r)
		}
	}
	for _, r := range "שלוםἄ─ₙ" {
		if m.covered.has(r) {
			t.Errorf("%q printable", r)
		}
	}
}
