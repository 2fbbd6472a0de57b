// Package pdf prints supporters' letters as formal US Letter PDFs, one letter
// or a whole submission in one file, so that a supporter can download, print
// and mail them and an office can receive them as attachments.
//
// The letters are set as a formal business letter: a serif face (Liberation
// Serif, metric-compatible with Times New Roman, bundled through the
// github.com/go-fonts/liberation module under the SIL Open Font License), the
// sender's address and the date, the inside address, a bold "Re:" line, the
// body with bulleted lists in hanging indents, and a closing kept on the page
// of the last paragraph with room for a handwritten signature. Spacing is
// set so that a campaign letter fits one sheet; a longer one continues on
// pages headed with the recipient, the date and the page number.
//
// It is the only package that imports gofpdf, and it works around that
// archived library's known defects: every document gets its own copy of the
// font bytes (gofpdf writes into the slice it is given, a data race when
// documents share it); output is repeatable (sorted catalog, creation date
// taken from the letter, no random ids), so identical letters give
// byte-identical files. For speed, the font is parsed once per Maker rather
// than once per document (see injector) and the one bold line is drawn from
// glyph outlines rather than by embedding a second font (see outline.go).
// gofpdf cannot shape Arabic, Hebrew or Indic scripts and the font has
// no CJK or emoji, so text is checked first (CheckText) and refused with a
// message a supporter can act on.
package pdf

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
	"github.com/go-fonts/liberation/liberationserifbold"
	"github.com/go-fonts/liberation/liberationserifregular"
	"github.com/jung-kurt/gofpdf"
)

// Align places the sender block.
type Align int

// Sender block placements.
const (
	// AlignLeft is the full block style: everything flush left.
	AlignLeft Align = iota
	// AlignRight puts the sender block and the date against the right
	// margin (the lines stay aligned with each other), as in the modified
	// block style.
	AlignRight
)

// Options configures a Maker. The zero value gives 11 pt Liberation Serif in
// the full block style.
type Options struct {
	// FontSize is the body size in points, 10 to 13; 0 means 11.
	FontSize float64
	// SenderAlign places the sender block and date.
	SenderAlign Align
	// Regular and Bold are TrueType (glyf outline) font files to print
	// with, for deployments that need another face than Liberation Serif;
	// nil means Liberation Serif Regular and Bold. Regular is embedded
	// (subset); Bold is drawn as outlines. Coverage (CheckText) follows
	// the fonts, within the printable characters (see printable); scripts
	// needing shaping are always refused.
	Regular, Bold []byte
	// Logger receives one warning when the fast font path is unavailable;
	// nil means slog.Default().
	Logger *slog.Logger
}

// Maker renders letters. Fonts are parsed and checked once by New; a Maker is
// immutable afterwards and safe for concurrent use.
type Maker struct {
	size        float64
	senderRight bool
	regular     *face
	bold        *face
	covered     runeSet // runes both styles can draw
	in          *injector
	bullet      string // list marker: "•", or "-" for a font without it
}

// New checks the options and parses the fonts. Errors mean a broken
// configuration (bad font file or size) and are not for supporters' eyes.
func New(opts Options) (*Maker, error) {
	return newMaker(opts, true)
}

func newMaker(opts Options, fast bool) (*Maker, error) {
	m := &Maker{size: opts.FontSize, senderRight: opts.SenderAlign == AlignRight}
	if m.size == 0 {
		m.size = 11
	}
	if m.size < 10 || m.size > 13 {
		return nil, fmt.Errorf("pdf: font size %v pt is outside 10-13", opts.FontSize)
	}
	if opts.SenderAlign != AlignLeft && opts.SenderAlign != AlignRight {
		return nil, fmt.Errorf("pdf: unknown sender alignment %d", opts.SenderAlign)
	}
	regular, bold := opts.Regular, opts.Bold
	if regular == nil {
		regular = liberationserifregular.TTF
	}
	if bold == nil {
		bold = liberationserifbold.TTF
	}
	if fast {
		in, err := newInjector()
		if err != nil {
			log := opts.Logger
			if log == nil {
				log = slog.Default()
			}
			log.Warn("pdf: parsing fonts for every document (slower)", "err", err)
		}
		m.in = in
	}
	var err error
	if m.regular, err = loadFace(regular, styleRegular); err != nil {
		return nil, fmt.Errorf("pdf: regular font: %w", err)
	}
	// Embed a font of only the printable characters (see printable).
	if trimmed, err := trimFont(m.regular); err == nil {
		m.regular = trimmed
	} else {
		log := opts.Logger
		if log == nil {
			log = slog.Default()
		}
		log.Warn("pdf: embedding the whole font (slower)", "err", err)
	}
	if err = m.regular.embed(m.in); err != nil {
		return nil, fmt.Errorf("pdf: regular font: %w", err)
	}
	// The bold face is drawn, never embedded (see outline.go).
	if m.bold, err = loadFace(bold, styleBold); err != nil {
		return nil, fmt.Errorf("pdf: bold font: %w", err)
	}
	if m.bold.outlines, err = loadOutlines(bold, &m.bold.covered); err != nil {
		return nil, fmt.Errorf("pdf: bold font: %w", err)
	}
	m.bold.ttf = nil // never embedded: the outlines are all that is kept
	m.covered = m.regular.covered
	m.covered.intersect(&m.bold.covered)
	for _, r := range sampleNotice + sampleMark + "Page 0123456789" {
		if !m.covered.has(r) {
			return nil, fmt.Errorf("pdf: font lacks %q, needed for page headings", r)
		}
	}
	m.bullet = "-"
	if m.covered.has('•') {
		m.bullet = "•"
	}
	return m, nil
}

// maxBodyBytes bounds a letter body (about 8,000 words, some 20 pages), so
// that a runaway input cannot tie up a worker.
const maxBodyBytes = 50_000

// Letter is what goes on paper. Text is plain UTF-8; see Body.
type Letter struct {
	// SenderLines is the supporter's block: name, street, city/state/ZIP,
	// email. The first line is the PDF's author.
	SenderLines []string
	// Date is printed as "November 22, 2026" in its own location and is
	// the PDF's creation date, which keeps output repeatable.
	Date time.Time
	// RecipientLines is the inside address, e.g. "The Honorable Paul
	// Tonko", "U.S. House of Representatives", street, city.
	RecipientLines []string
	// Subject is printed in bold as "Re: Subject" and is the PDF's title.
	// Optional.
	Subject string
	// Body is the letter from the salutation to the signature. Paragraphs
	// are separated by blank lines; a single newline is a line break. A
	// line starting with "- " or "• " is a list item, printed with a
	// bullet and a hanging indent. A last paragraph that opens with a
	// complimentary close ("Sincerely,", or "Respectfully," followed by a
	// name-and-address paragraph) is the closing: it is kept on the page
	// of the letter's last lines, with room above the name for a
	// handwritten signature.
	Body string
	// Sample stamps every page as a sample (a diagonal "SAMPLE" behind
	// the text and a notice at the top), for previews made with sample
	// data, so that one cannot pass for a supporter's letter.
	Sample bool
}

// WriteLetter writes l as a PDF to w. Invalid or unprintable text gives an
// *app.Error with code app.EINVALID whose Fields name the part of the letter
// ("sender", "date", "recipient", "subject", "body").
func (m *Maker) WriteLetter(w io.Writer, l Letter) error {
	return m.WriteCombined(w, []Letter{l})
}

// WriteCombined writes every letter of a submission into one PDF, each
// starting on a new page with its own page numbers, so that a supporter
// prints them all at once.
func (m *Maker) WriteCombined(w io.Writer, letters []Letter) error {
	if len(letters) == 0 {
		return app.Errorf(app.EINVALID, "There are no letters to print.")
	}
	prepared := make([]Letter, len(letters))
	for i, l := range letters {
		p, err := m.prepare(l)
		if err != nil {
			if len(letters) > 1 {
				var e *app.Error
				if errors.As(err, &e) {
					e.Message = fmt.Sprintf("Letter %d of %d cannot be printed.", i+1, len(letters))
				}
			}
			return err
		}
		prepared[i] = p
	}
	doc := m.newDocument(prepared)
	var err error
	// gofpdf panics rather than failing on some inputs; never let that take
	// the server down. It builds the whole file before writing to w.
	if perr := safely(func() {
		m.draw(doc, prepared)
		err = doc.Output(w)
	}); perr != nil {
		return fmt.Errorf("pdf: render: %w", perr)
	}
	if err != nil {
		return fmt.Errorf("pdf: render: %w", err)
	}
	return nil
}

// prepare normalizes and checks a letter.
func (m *Maker) prepare(l Letter) (Letter, error) {
	fe := app.FieldErrors{}
	// text returns s normalized, or "" after recording why it cannot be
	// printed.
	text := func(field, s string) string {
		var err error = app.Errorf(app.EINVALID, msgBadEncoding)
		if utf8.ValidString(s) {
			s = normalize(s)
			if err = checkNormalized(s, m.covered.has); err == nil {
				return strings.TrimSpace(s)
			}
		}
		fe.Add(field, app.ErrorMessageOf(err))
		return ""
	}
	lines := func(field string, in []string) []string {
		var out []string
		for _, s := range in {
			for _, ln := range strings.Split(text(field, s), "\n") {
				if ln = strings.TrimSpace(ln); ln != "" {
					out = append(out, ln)
				}
			}
		}
		if len(out) == 0 {
			fe.Add(field, "This is required.")
		}
		return out
	}
	if len(l.Body) > maxBodyBytes {
		return Letter{}, &app.Error{Code: app.ETOOLARGE, Message: "This letter is too long to print.",
			Fields: map[string]string{"body": fmt.Sprintf("Please keep the letter under %d characters.", maxBodyBytes)}}
	}
	p := Letter{
		SenderLines:    lines("sender", l.SenderLines),
		Date:           l.Date,
		RecipientLines: lines("recipient", l.RecipientLines),
		Subject:        oneLine(text("subject", l.Subject)),
		Body:           text("body", l.Body),
		Sample:         l.Sample,
	}
	if l.Date.IsZero() {
		fe.Add("date", "The letter has no date.")
	}
	if p.Body == "" {
		fe.Add("body", "This is required.")
	}
	return p, fe.Err("This letter cannot be printed.")
}

// newDocument starts a PDF for letters with repeatable metadata.
func (m *Maker) newDocument(letters []Letter) *gofpdf.Fpdf {
	doc := gofpdf.New("P", "pt", "Letter", "")
	doc.SetCatalogSort(true)
	doc.SetAutoPageBreak(false, 0)
	doc.SetMargins(margin, margin, margin)
	created := letters[0].Date
	for _, l := range letters[1:] {
		if l.Date.After(created) {
			created = l.Date
		}
	}
	doc.SetCreationDate(created)
	doc.SetModificationDate(created)
	setInfo(doc.SetTitle, documentTitle(letters))
	setInfo(doc.SetAuthor, letters[0].SenderLines[0])
	doc.SetCreator("Advocate", false)
	return doc
}

// draw lays out prepared letters and adds their pages to doc.
func (m *Maker) draw(doc *gofpdf.Fpdf, letters []Letter) {
	m.regular.attach(doc, m.in)
	for _, l := range letters {
		pages := m.layout(l)
		for n, pg := range pages {
			doc.AddPage()
			if l.Sample {
				m.drawSample(doc) // first, so that it lies behind the text
			}
			doc.SetFont(m.regular.family, styleRegular, m.size)
			if n == 0 && len(letters) > 1 {
				// An outline entry per letter to find them in a long file.
				doc.Bookmark(l.RecipientLines[0], 0, 0)
			}
			for _, ln := range pg.lines {
				if ln.mark != "" {
					doc.Text(ln.markX, ln.y, ln.mark)
				}
				if ln.bold {
					m.drawOutlined(doc, m.bold, ln.x, ln.y, m.size, ln.text)
					continue
				}
				doc.Text(ln.x, ln.y, ln.text)
			}
		}
	}
}

// documentTitle is the subject when the letters share one, else a neutral
// title naming the sender; marked when a letter is a sample.
func documentTitle(letters []Letter) string {
	subject := letters[0].Subject
	for _, l := range letters[1:] {
		if l.Subject != subject {
			subject = ""
			break
		}
	}
	title := ""
	switch {
	case subject != "":
		title = subject
	case len(letters) == 1:
		title = "Letter to " + letters[0].RecipientLines[0]
	default:
		title = "Letters from " + letters[0].SenderLines[0]
	}
	for _, l := range letters {
		if l.Sample {
			// A viewer's title bar says so too.
			return sampleMark + ": " + title
		}
	}
	return title
}

// oneLine joins lines and collapses runs of spaces (but not no-break
// spaces).
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\n' }), " ")
}

// setInfo sets a metadata string, as UTF-16 only when it needs to be.
func setInfo(set func(string, bool), s string) {
	set(s, !isPlainText(s))
}
