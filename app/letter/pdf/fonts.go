package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// fallbackFamily is the family name a font is registered under in every
// document when it has no usable PostScript name. gofpdf names the embedded
// font after it ("utf8" + the name in lower case), which is what a reader's
// font list and preflight tools show.
const fallbackFamily = "letter"

// Styles, in gofpdf's notation.
const (
	styleRegular = ""
	styleBold    = "B"
)

// face is one font style, parsed once by New and then only read, so that
// any number of documents can be rendered from it concurrently.
type face struct {
	style string
	// family is the name the face is registered under: its PostScript
	// name, so that the PDF says which font it embeds.
	family string
	// ttf is the pristine font file. It is never handed to gofpdf: every
	// document gets its own copy (see injector).
	ttf []byte
	// widths holds each rune's advance in 1/1000 em, exactly as gofpdf
	// measures it, so that our line breaking agrees with the widths written
	// into the PDF.
	widths []uint16
	// covered marks the runes the font has a glyph for.
	covered runeSet
	// proto is the font as gofpdf parsed it once; used when the fast path is
	// available (see injector).
	proto prototype
	// outlines are the glyph shapes, for faces drawn as paths (bold).
	outlines *outlines
}

// runeSet is a bit set over the Basic Multilingual Plane. gofpdf's UTF-8
// path cannot encode runes beyond it, so they are never covered.
type runeSet [0x10000 / 64]uint64

func (s *runeSet) add(r rune)      { s[r>>6] |= 1 << (uint(r) & 63) }
func (s *runeSet) has(r rune) bool { return r >= 0 && r < 0x10000 && s[r>>6]&(1<<(uint(r)&63)) != 0 }
func (s *runeSet) intersect(o *runeSet) {
	for i := range s {
		s[i] &= o[i]
	}
}

// loadFace validates ttf and measures it: coverage and advance widths come
// from sfnt glyph lookups.
func loadFace(ttf []byte, style string) (*face, error) {
	if len(ttf) < 4 {
		return nil, errors.New("font file is empty")
	}
	// gofpdf only reads TrueType outlines; it prints (rather than returns)
	// an error for anything else, so check the signature first.
	if sig := string(ttf[:4]); sig != "\x00\x01\x00\x00" && sig != "true" {
		return nil, errors.New("font is not a TrueType (glyf) font")
	}
	sf, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("parse font: %w", err)
	}
	upem := int(sf.UnitsPerEm())
	if upem <= 0 {
		return nil, fmt.Errorf("font has %d units per em", upem)
	}
	f := &face{style: style, family: fallbackFamily, ttf: bytes.Clone(ttf), widths: make([]uint16, 0x10000)}
	var buf sfnt.Buffer
	if name, err := sf.Name(&buf, sfnt.NameIDPostScript); err == nil {
		if name = postScriptName(name); name != "" {
			f.family = name
		}
	}
	for r := rune(0x20); r < 0x10000; r++ {
		if !printable(r) {
			continue
		}
		g, err := sf.GlyphIndex(&buf, r)
		if err != nil || g == 0 {
			continue
		}
		adv, err := sf.GlyphAdvance(&buf, g, fixed.I(upem), font.HintingNone)
		if err != nil {
			return nil, fmt.Errorf("advance of %U: %w", r, err)
		}
		f.covered.add(r)
		// The rounding gofpdf uses for the widths it writes.
		f.widths[r] = uint16(math.Round(float64(adv) / 64 * 1000 / float64(upem)))
	}
	return f, nil
}

// printable reports the runes a letter may contain, whatever else the font
// has: Latin script (ASCII, Latin-1, Latin Extended-A and -B, the modifier
// letters such as the ʻokina, the IPA letters of African alphabets and
// Azerbaijani's ə, Latin Extended Additional for Vietnamese and
// transliterations), Greek and basic Cyrillic for names, punctuation,
// currency, letterlike symbols, number forms, arrows, mathematical
// operators, geometric shapes and the fi/fl ligatures: what the Go fonts
// printed before, and the Latin the Go fonts lacked. The embedded font is cut
// down to them (see trimFont): gofpdf's work per document grows with the
// number of characters in the font (its cmap, width and CID tables), and
// Liberation Serif's other 1,100 (IPA, historic Cyrillic, polytonic Greek,
// Hebrew...) would cost about a fifth of a letter's time without ever being
// printed. Combining marks are not printable: text is composed (NFC) first,
// so accented letters arrive precomposed.
func printable(r rune) bool {
	return r < 0x0250 || // Basic Latin to Latin Extended-B
		strings.ContainsRune("ɓɔɖɗəɛɣɨɲʉʒ", r) || // IPA letters that African and Azerbaijani alphabets use
		r >= 0x02B0 && r < 0x0300 || // spacing modifier letters
		r >= 0x0370 && r < 0x0460 || // Greek, Cyrillic
		r == 0x0490 || r == 0x0491 || // Ukrainian Ґ ґ
		r >= 0x1E00 && r < 0x1F00 || // Latin Extended Additional
		r >= 0x2000 && r < 0x2300 ||
		r >= 0x25A0 && r < 0x2600 || // geometric shapes
		r >= 0xFB00 && r < 0xFB07
}

// embed has gofpdf parse the face once, so that documents can embed it
// (see injector; in may be nil for the slow path), and takes gofpdf's own
// widths, which are the ones written into the PDF.
func (f *face) embed(in *injector) error {
	proto := gofpdf.New("P", "pt", "Letter", "")
	if err := safely(func() { proto.AddUTF8FontFromBytes(f.family, f.style, bytes.Clone(f.ttf)) }); err != nil {
		return fmt.Errorf("gofpdf cannot read the font: %w", err)
	}
	proto.SetFont(f.family, f.style, 1000)
	if err := proto.Error(); err != nil {
		return fmt.Errorf("gofpdf cannot read the font: %w", err)
	}
	// At 1000 pt and 1 pt per unit, a string's width is its advance in
	// 1/1000 em.
	for r := rune(0x20); r < 0x10000; r++ {
		if f.covered.has(r) {
			f.widths[r] = uint16(proto.GetStringWidth(string(r)) + 0.5)
		}
	}
	if in != nil {
		var err error
		if f.proto, err = in.capture(proto, strings.ToLower(f.family)+f.style); err != nil {
			return err
		}
	}
	return nil
}

// attach makes f available in doc under the shared family name.
func (f *face) attach(doc *gofpdf.Fpdf, in *injector) {
	ttf := bytes.Clone(f.ttf) // never share font bytes between documents
	if in != nil {
		in.attach(doc, f.proto, ttf)
		return
	}
	doc.AddUTF8FontFromBytes(f.family, f.style, ttf)
}

// postScriptName keeps the characters a PDF name can carry unescaped, at
// most 63 (PostScript's limit).
func postScriptName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') && b.Len() < 63 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// width returns the advance of s in 1/1000 em.
func (f *face) width(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0 && r < 0x10000 {
			w += int(f.widths[r])
		}
	}
	return w
}

// safely runs fn and turns a panic into an error: gofpdf's font parser
// indexes slices without bounds checks and panics on a malformed font.
func safely(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	fn()
	return nil
}
