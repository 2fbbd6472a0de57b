package pdf

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
	"github.com/go-fonts/liberation/liberationserifbold"
	"github.com/go-fonts/liberation/liberationserifregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// Messages shown to supporters. They say what to do, not what went wrong
// inside.
const (
	msgArabicScript = "Letters are printed in Latin script; please write this in Latin letters (Uyghur Latin or English is fine)."
	msgOtherScript  = "Letters are printed in Latin script, and %s script cannot be printed; please write this in Latin letters."
	msgUnsupported  = "These characters cannot be printed in a letter: %s. Please remove them or write them in Latin letters."
	msgControl      = "The text contains invisible control characters (%s); please remove them."
	msgBadEncoding  = "The text contains characters that could not be read; please retype it."
	maxNamedRunes   = 10
)

// arabicBlocks are the Unicode blocks of the Arabic script (Arabic, Uyghur,
// Persian, Urdu, ...). Any rune in them is rejected, even punctuation such as
// the Arabic comma, because text using them needs contextual shaping and
// right-to-left layout, which gofpdf cannot do.
var arabicBlocks = []struct{ lo, hi rune }{
	{0x0600, 0x06FF},   // Arabic
	{0x0750, 0x077F},   // Arabic Supplement
	{0x0870, 0x089F},   // Arabic Extended-B
	{0x08A0, 0x08FF},   // Arabic Extended-A
	{0xFB50, 0xFDFF},   // Arabic Presentation Forms-A
	{0xFE70, 0xFEFE},   // Arabic Presentation Forms-B (U+FEFF is the byte order mark)
	{0x10E60, 0x10E7F}, // Rumi Numeral Symbols
	{0x1EE00, 0x1EEFF}, // Arabic Mathematical Alphabetic Symbols
}

// shapedScripts are the other scripts that need right-to-left layout or
// shaping (reordering, conjuncts, mark positioning). They are rejected even
// when a font has glyphs for them, since the printed result would be wrong.
var shapedScripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Hebrew", unicode.Hebrew}, {"Syriac", unicode.Syriac}, {"Thaana", unicode.Thaana},
	{"N’Ko", unicode.Nko}, {"Samaritan", unicode.Samaritan}, {"Mandaic", unicode.Mandaic},
	{"Adlam", unicode.Adlam}, {"Hanifi Rohingya", unicode.Hanifi_Rohingya},
	{"Devanagari", unicode.Devanagari}, {"Bengali", unicode.Bengali}, {"Gurmukhi", unicode.Gurmukhi},
	{"Gujarati", unicode.Gujarati}, {"Oriya", unicode.Oriya}, {"Tamil", unicode.Tamil},
	{"Telugu", unicode.Telugu}, {"Kannada", unicode.Kannada}, {"Malayalam", unicode.Malayalam},
	{"Sinhala", unicode.Sinhala}, {"Thai", unicode.Thai}, {"Lao", unicode.Lao},
	{"Tibetan", unicode.Tibetan}, {"Myanmar", unicode.Myanmar}, {"Khmer", unicode.Khmer},
	{"Mongolian", unicode.Mongolian},
}

// shapedScript names the script of r when it is one gofpdf cannot lay out.
func shapedScript(r rune) (name string, arabic bool) {
	for _, b := range arabicBlocks {
		if r >= b.lo && r <= b.hi {
			return "Arabic", true
		}
	}
	// Below Hebrew, and from General Punctuation up to the end of CJK,
	// nothing needs shaping: the common cases, kept cheap.
	if r < 0x0590 || (r >= 0x2000 && r < 0xA800) {
		return "", false
	}
	if unicode.Is(unicode.Arabic, r) {
		return "Arabic", true
	}
	for _, s := range shapedScripts {
		if unicode.Is(s.table, r) {
			return s.name, false
		}
	}
	return "", false
}

// CheckText reports whether s can be printed in a letter made with the
// default fonts (Liberation Serif), so that a form can refuse text before a
// supporter submits it rather than when the PDF is made. It returns an
// *app.Error with code app.EINVALID and a message for the supporter: Arabic,
// Hebrew and other scripts that need shaping are refused with a request for a
// Latin-script version; other characters the fonts lack (CJK, emoji ...) are
// named. Line breaks and tabs are fine; other control characters are not.
//
// Use (*Maker).CheckText when the Maker was given other fonts.
func CheckText(s string) error {
	g, err := newGlyphLookup()
	if err != nil {
		return err
	}
	return checkText(s, g.has)
}

// CheckText is CheckText for the fonts this Maker prints with.
func (m *Maker) CheckText(s string) error {
	return checkText(s, m.covered.has)
}

// glyphLookup answers coverage questions straight from the default fonts, for
// CheckText callers that have no Maker.
type glyphLookup struct {
	fonts []*sfnt.Font
	buf   sfnt.Buffer
	seen  map[rune]bool
}

func newGlyphLookup() (*glyphLookup, error) {
	g := &glyphLookup{seen: make(map[rune]bool)}
	for _, ttf := range [][]byte{liberationserifregular.TTF, liberationserifbold.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil { // a broken build; never let everything through
			return nil, fmt.Errorf("pdf: embedded font: %w", err)
		}
		g.fonts = append(g.fonts, f)
	}
	return g, nil
}

func (g *glyphLookup) has(r rune) bool {
	if r < 0 || r >= 0x10000 || !printable(r) {
		return false
	}
	if ok, found := g.seen[r]; found {
		return ok
	}
	ok := true
	for _, f := range g.fonts {
		if i, err := f.GlyphIndex(&g.buf, r); err != nil || i == 0 {
			ok = false
			break
		}
	}
	g.seen[r] = ok
	return ok
}

// checkText is CheckText with a coverage function.
func checkText(s string, covered func(rune) bool) error {
	if !utf8.ValidString(s) {
		return app.Errorf(app.EINVALID, msgBadEncoding)
	}
	return checkNormalized(normalize(s), covered)
}

// checkNormalized checks text that normalize has already seen.
func checkNormalized(s string, covered func(rune) bool) error {
	var (
		script      string
		arabic      bool
		unsupported []rune
		controls    []rune
	)
	for _, r := range s {
		if r < utf8.RuneSelf { // ASCII: the common case, kept cheap
			switch {
			case r == '\n' || r == ' ':
			case r < 0x20 || r == 0x7F:
				controls = appendOnce(controls, r)
			case !covered(r):
				unsupported = appendOnce(unsupported, r)
			}
			continue
		}
		if unicode.IsControl(r) {
			controls = appendOnce(controls, r)
			continue
		}
		if name, isArabic := shapedScript(r); name != "" {
			if script == "" || isArabic {
				script, arabic = name, isArabic
			}
			continue
		}
		if !covered(r) || unicode.In(r, unicode.Co, unicode.Cs, unicode.Cf) {
			unsupported = appendOnce(unsupported, r)
		}
	}
	switch {
	case arabic:
		return app.Errorf(app.EINVALID, msgArabicScript)
	case script != "":
		return app.Errorf(app.EINVALID, msgOtherScript, script)
	case len(unsupported) > 0:
		return app.Errorf(app.EINVALID, msgUnsupported, nameRunes(unsupported))
	case len(controls) > 0:
		return app.Errorf(app.EINVALID, msgControl, nameRunes(controls))
	}
	return nil
}

func appendOnce(rs []rune, r rune) []rune {
	for _, x := range rs {
		if x == r {
			return rs
		}
	}
	return append(rs, r)
}

// nameRunes lists runes for a message: visible ones as themselves, invisible
// ones by code point, at most maxNamedRunes.
func nameRunes(rs []rune) string {
	var b strings.Builder
	for i, r := range rs {
		if i == maxNamedRunes {
			fmt.Fprintf(&b, " and %d more", len(rs)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if unicode.IsGraphic(r) && !unicode.Is(unicode.Mn, r) && !unicode.IsSpace(r) {
			b.WriteString("“" + string(r) + "”")
		} else {
			fmt.Fprintf(&b, "%U", r)
		}
	}
	return b.String()
}

// normalize puts text into the form that is checked and printed: composed
// (NFC, so "e" + combining acute prints as "é"), "\n" line ends, tabs and
// unusual spaces as plain spaces (no-break spaces stay unbreakable), and
// invisible formatting characters (zero-width spaces, joiners, direction
// marks, soft hyphens, variation selectors, byte order marks) removed, since
// without shaping or bidi they have nothing to do.
func normalize(s string) string {
	s = norm.NFC.String(s)
	if isPlainText(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			b.WriteByte('\n')
		case r == '\u2028' || r == '\u0085':
			b.WriteByte('\n')
		case r == '\u2029':
			b.WriteString("\n\n")
		case r == '\t':
			b.WriteByte(' ')
		case r == '\u00A0' || r == '\u2007' || r == '\u202F':
			b.WriteRune('\u00A0')
		case r != ' ' && unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
		case invisible(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// invisible reports formatting characters that normalize drops.
func invisible(r rune) bool {
	switch {
	case r == '\u00AD', r == '\uFEFF':
		return true
	case r >= '\u200B' && r <= '\u200F':
		return true
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2060' && r <= '\u2064':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	case r >= '\uFE00' && r <= '\uFE0F':
		return true
	}
	return false
}

// isPlainText reports whether normalize has nothing to do besides NFC: ASCII
// without CR or tab.
func isPlainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == '\r' || c == '\t' {
			return false
		}
	}
	return true
}
