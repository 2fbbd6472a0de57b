package pdf

import (
	"fmt"
	"math"
	"strconv"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Bold text is drawn as glyph outlines, not with an embedded bold font.
//
// Why: every UTF-8 font gofpdf embeds costs about 1.5 ms per document no
// matter how few characters use it (it re-reads the font to subset it and
// compresses a fixed 128 KB CID-to-glyph map and the subset, each with a new
// 1.2 MB zlib writer). The bold face prints one line, "Re: subject", so
// embedding it would make up some 40% of a letter's time. Instead the bold
// face's outlines are converted to PDF path operators once, in New, and each bold
// glyph is filled at its place: the same shapes, at a fraction of the cost.
// An invisible copy of the line in the regular font, stretched to the same
// width, lies on top so that the line can still be searched, selected,
// copied and read aloud.

// outlines holds a face's glyphs as PDF path operators, in font units with
// the y axis up and the origin at the glyph origin. Read-only after New.
type outlines struct {
	unitsPerEm float64
	paths      map[rune]string // "" or missing for blank glyphs
}

// loadOutlines converts the glyphs of every rune in covered. loadFace has
// validated ttf.
func loadOutlines(ttf []byte, covered *runeSet) (*outlines, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("parse font: %w", err)
	}
	upem := int(f.UnitsPerEm())
	o := &outlines{unitsPerEm: float64(upem), paths: make(map[rune]string)}
	var buf sfnt.Buffer
	var path []byte
	for r := rune(0x20); r < 0x10000; r++ {
		if !covered.has(r) {
			continue
		}
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil {
			return nil, fmt.Errorf("glyph for %U: %w", r, err)
		}
		// At ppem = units per em, coordinates come back in font units.
		segs, err := f.LoadGlyph(&buf, gi, fixed.I(upem), nil)
		if err != nil {
			return nil, fmt.Errorf("outline of %U: %w", r, err)
		}
		if len(segs) == 0 {
			continue
		}
		path = appendPath(path[:0], segs)
		o.paths[r] = string(path)
	}
	return o, nil
}

// appendPath writes segments as PDF path operators, flipping y so that it
// grows upwards. TrueType's quadratic curves become the equivalent cubics.
// Coordinates are rounded to whole font units (1/2048 em for Liberation
// Serif, far below what print or screen can show), which keeps paths short.
func appendPath(b []byte, segs sfnt.Segments) []byte {
	var cur fixed.Point26_6 // current point, for quadratic-to-cubic
	pt := func(p fixed.Point26_6) {
		b = strconv.AppendInt(b, int64(math.Round(float64(p.X)/64)), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(math.Round(-float64(p.Y)/64)), 10)
		b = append(b, ' ')
	}
	for i, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if i > 0 {
				b = append(b, "h "...)
			}
			pt(s.Args[0])
			b = append(b, "m "...)
			cur = s.Args[0]
		case sfnt.SegmentOpLineTo:
			pt(s.Args[0])
			b = append(b, "l "...)
			cur = s.Args[0]
		case sfnt.SegmentOpQuadTo:
			q, p := s.Args[0], s.Args[1]
			c1 := fixed.Point26_6{X: cur.X + (q.X-cur.X)*2/3, Y: cur.Y + (q.Y-cur.Y)*2/3}
			c2 := fixed.Point26_6{X: p.X + (q.X-p.X)*2/3, Y: p.Y + (q.Y-p.Y)*2/3}
			pt(c1)
			pt(c2)
			pt(p)
			b = append(b, "c "...)
			cur = p
		case sfnt.SegmentOpCubeTo:
			pt(s.Args[0])
			pt(s.Args[1])
			pt(s.Args[2])
			b = append(b, "c "...)
			cur = s.Args[2]
		}
	}
	return append(b, "h f"...)
}

// appendGlyphs fills the glyphs of s in face f at size pt, with the baseline
// starting at (x, y) in PDF user space (y up).
func appendGlyphs(b []byte, f *face, x, y, size float64, s string) []byte {
	scale := strconv.AppendFloat(nil, size/f.outlines.unitsPerEm, 'f', 7, 64)
	pen := x
	for _, r := range s {
		if p := f.outlines.paths[r]; p != "" {
			b = append(b, "q "...)
			b = append(b, scale...)
			b = append(b, " 0 0 "...)
			b = append(b, scale...)
			b = append(b, ' ')
			b = appendNum(b, pen)
			b = append(b, ' ')
			b = appendNum(b, y)
			b = append(b, " cm "...)
			b = append(b, p...)
			b = append(b, " Q\n"...)
		}
		pen += float64(f.widths[r]) * size / 1000
	}
	return b
}

// What a sample is stamped with (see Letter.Sample).
const (
	sampleMark       = "SAMPLE"
	sampleNotice     = "SAMPLE: an organizer's preview with sample data, not a letter from a supporter"
	sampleNoticeSize = 8.0
	// sampleGray is the fill of the diagonal mark: light enough to read
	// the letter through, dark enough to survive a photocopy.
	sampleGray = "0.82"
)

// drawSample stamps the current page: "SAMPLE" in large bold outlines
// along the diagonal, behind the text, and a notice above the top margin.
func (m *Maker) drawSample(doc *gofpdf.Fpdf) {
	f := m.bold
	em := float64(f.width(sampleMark)) / 1000 // width at 1 pt
	angle := math.Atan2(pageHeight, pageWidth)
	size := 0.62 * math.Hypot(pageWidth, pageHeight) / em
	capHeight := 0.66 * size // Liberation Serif's is 0.655 em; close enough for centring
	cos, sin := math.Cos(angle), math.Sin(angle)
	b := []byte("q " + sampleGray + " g ")
	for _, v := range []float64{cos, sin, -sin, cos, pageWidth / 2, pageHeight / 2} {
		b = appendNum(b, v)
		b = append(b, ' ')
	}
	b = append(b, "cm\n"...)
	b = appendGlyphs(b, f, -em*size/2, -capHeight/2, size, sampleMark)
	b = append(b, 'Q')
	doc.RawWriteStr(string(b))

	doc.SetFont(m.regular.family, styleRegular, sampleNoticeSize)
	doc.SetTextColor(90, 90, 90)
	w := float64(m.regular.width(sampleNotice)) * sampleNoticeSize / 1000
	doc.Text((pageWidth-w)/2, noticeBaseline, sampleNotice)
	doc.SetTextColor(0, 0, 0)
}

// appendNum writes v with at most two decimals and no trailing zeros.
func appendNum(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, math.Round(v*100)/100, 'f', -1, 64)
}

// drawOutlined fills the glyphs of s in face f at baseline (x, y), size pt,
// then lays the same text, invisible, in the document's regular font over
// it.
func (m *Maker) drawOutlined(doc *gofpdf.Fpdf, f *face, x, y, size float64, s string) {
	doc.RawWriteStr(string(appendGlyphs(nil, f, x, pageHeight-y, size, s)))

	// Invisible text (render mode 3), horizontally scaled to the bold
	// width so a selection covers what is seen.
	stretch := 100.0
	if w := m.regular.width(s); w > 0 {
		stretch = 100 * float64(f.width(s)) / float64(w)
	}
	doc.RawWriteStr("q 3 Tr " + string(appendNum(nil, stretch)) + " Tz")
	doc.Text(x, y, s)
	doc.RawWriteStr("Q")
}
