package pdf

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Page geometry in points: US Letter with three-quarter-inch side margins,
// which with the spacing below lets a whole campaign letter (sender, date,
// inside address, subject, six or seven paragraphs, a short list, a personal
// paragraph and a signed closing) fit one sheet, as a letter to an office
// should.
const (
	pageWidth  = 612.0
	pageHeight = 792.0
	margin     = 54.0 // left and right
	textWidth  = pageWidth - 2*margin
	// Bulleted items: the bullet at bulletIndent, the text (and its wrapped
	// lines, a hanging indent) at itemIndent, both from the left margin.
	bulletIndent = 14.0
	itemIndent   = 30.0
	// Lines kept together at a page break, at each side (orphans and
	// widows).
	minSplitLines = 2
	// A continuation page starts with the recipient, the date and the page
	// number, then headerGap lines of space.
	headerGap = 1.5
	// noticeBaseline is where a sample's notice sits, above the text.
	noticeBaseline = 24.0
	// maxCloseRunes bounds a complimentary close ("Respectfully,", "With
	// gratitude and respect,"): a longer line ending in a comma is a
	// sentence, not a close.
	maxCloseRunes = 40
)

// spacing is the vertical rhythm of a letter. Gaps are in lines.
type spacing struct {
	top, bottom float64 // margins, in points
	// leading is line height / font size: a little tighter than a word
	// processor's "single", as typeset letters are.
	leading float64
	part    float64 // between sender, date, inside address, subject, salutation
	para    float64 // between paragraphs: a clear break, less than a blank line
	item    float64 // between the items of a list
	// signature is the room between the complimentary close and the typed
	// name, for a handwritten signature.
	signature float64
}

// spacings are tried in turn: a letter that runs a little past one page
// with the first is set a little tighter rather than left with a
// near-empty second sheet. A letter that needs two pages anyway gets the
// first.
func spacings() [2]spacing {
	return [2]spacing{
		{top: 50, bottom: 48, leading: 1.15, part: 1, para: 0.6, item: 0.25, signature: 3},
		{top: 38, bottom: 38, leading: 1.12, part: 0.8, para: 0.45, item: 0.15, signature: 2.6},
	}
}

// placed is a line of text at its final position (x left, y baseline).
type placed struct {
	x, y float64
	text string
	bold bool
	// mark is printed at markX on the same baseline: a list bullet.
	mark  string
	markX float64
}

type page struct{ lines []placed }

// line is a laid-out line before pagination; x is absolute.
type line struct {
	x    float64
	text string
	bold bool
	// skip is extra space before the line, in lines, inside its block (the
	// signature room); dropped at the top of a page.
	skip float64
	// mark is printed at markX on the same baseline: a list bullet.
	mark  string
	markX float64
}

// block is a run of lines that pagination treats as a unit: the sender
// block, the date, a paragraph, a list item, the closing...
type block struct {
	lines []line
	// gap is the space before the block, in lines; it is dropped at the top
	// of a page.
	gap float64
	// together forbids splitting the block across pages (headers, short
	// paragraphs, the closing).
	together bool
	// withNext keeps the block on the same page as the start of the next
	// one ("Re:" line, salutation, "I ask you to:").
	withNext bool
	// withPrev keeps the whole block on the same page as the end of the
	// previous one: the closing is never alone on a page; the last lines of
	// the last paragraph go over with it.
	withPrev bool
}

// layout breaks a prepared letter into pages, on one page if a spacing
// allows it.
func (m *Maker) layout(l Letter) []page {
	var first []page
	for i, sp := range spacings() {
		pages := m.layoutWith(l, sp)
		if len(pages) == 1 {
			return pages
		}
		if i == 0 {
			first = pages
		}
	}
	return first
}

// layoutWith breaks a prepared letter into pages with the given spacing.
func (m *Maker) layoutWith(l Letter, sp spacing) []page {
	var blocks []block
	reg, bold := m.regular, m.bold

	// Sender block and date: flush left, or against the right margin with
	// the lines aligned with each other.
	var sender []line
	widest := 0.0
	for _, s := range l.SenderLines {
		for _, t := range m.wrap(reg, s, textWidth, textWidth) {
			sender = append(sender, line{x: margin, text: t})
			widest = max(widest, m.measure(reg, t))
		}
	}
	date := line{x: margin, text: formatDate(l)}
	widest = max(widest, m.measure(reg, date.text))
	if m.senderRight {
		x := margin + textWidth - widest
		for i := range sender {
			sender[i].x = x
		}
		date.x = x
	}
	blocks = append(blocks,
		block{lines: sender, together: true},
		block{lines: []line{date}, gap: sp.part, together: true})

	var recipient []line
	for _, s := range l.RecipientLines {
		for _, t := range m.wrap(reg, s, textWidth, textWidth) {
			recipient = append(recipient, line{x: margin, text: t})
		}
	}
	blocks = append(blocks, block{lines: recipient, gap: sp.part, together: true})

	if l.Subject != "" {
		// "Re:" with the subject hanging after it on continuation lines.
		const prefix = "Re: "
		indent := m.measure(bold, prefix)
		var subj []line
		for i, t := range m.wrap(bold, l.Subject, textWidth-indent, textWidth-indent) {
			if i == 0 {
				t = prefix + t
			}
			x := margin
			if i > 0 {
				x += indent
			}
			subj = append(subj, line{x: x, text: t, bold: true})
		}
		blocks = append(blocks, block{lines: subj, gap: sp.part, together: true, withNext: true})
	}

	paras := paragraphs(l.Body)
	body, closing := splitClosing(paras)
	for i, para := range body {
		for j, b := range m.paragraphBlocks(para, sp.item) {
			if j == 0 {
				b.gap = sp.para
				if i == 0 {
					b.gap = sp.part // the salutation
				}
			}
			blocks = append(blocks, b)
		}
	}
	if len(closing) > 0 {
		var lines []line
		for i, hard := range closing {
			for j, t := range m.wrap(reg, hard, textWidth, textWidth) {
				ln := line{x: margin, text: t}
				if i == 1 && j == 0 {
					ln.skip = sp.signature
				}
				lines = append(lines, ln)
			}
		}
		blocks = append(blocks, block{lines: lines, gap: sp.para, together: true, withPrev: true})
	}
	return m.paginate(blocks, m.continuation(l), sp)
}

// formatDate is the date line, as in "November 22, 2026".
func formatDate(l Letter) string { return l.Date.Format("January 2, 2006") }

// paragraphBlocks lays out one paragraph: runs of plain lines as one block,
// each bulleted line ("- ", "• " or "* ") as a block of its own with a
// hanging indent. The gap of every block but the first is itemGap; the first
// gets 0 and the caller sets it.
func (m *Maker) paragraphBlocks(para []string, itemGap float64) []block {
	reg := m.regular
	var out []block
	var text []line
	flush := func() {
		if len(text) == 0 {
			return
		}
		b := block{lines: text, together: len(text) <= 2*minSplitLines-1}
		// A short paragraph ending in a colon or comma introduces what
		// follows: "Dear Representative Tonko:", "I urge you to:".
		last := strings.TrimSpace(text[len(text)-1].text)
		b.withNext = len(text) <= 2 && (strings.HasSuffix(last, ",") || strings.HasSuffix(last, ":"))
		out = append(out, b)
		text = nil
	}
	for _, hard := range para {
		item, ok := bulletItem(hard)
		if !ok {
			for _, t := range m.wrap(reg, hard, textWidth, textWidth) {
				text = append(text, line{x: margin, text: t})
			}
			continue
		}
		flush()
		if len(out) > 0 && out[len(out)-1].lines[0].x == margin {
			// The lead-in of the list stays with its first item.
			out[len(out)-1].withNext = true
		}
		w := textWidth - itemIndent
		var lines []line
		for i, t := range m.wrap(reg, item, w, w) {
			ln := line{x: margin + itemIndent, text: t}
			if i == 0 {
				ln.mark, ln.markX = m.bullet, margin+bulletIndent
			}
			lines = append(lines, ln)
		}
		out = append(out, block{lines: lines, together: len(lines) <= 2*minSplitLines})
	}
	flush()
	for i := range out {
		if i > 0 {
			out[i].gap = itemGap
		}
	}
	return out
}

// bulletItem returns the text of a bulleted line, without its marker.
func bulletItem(s string) (string, bool) {
	s = strings.TrimLeft(s, " ")
	for _, marker := range []string{"- ", "• ", "* ", "– "} {
		if rest, ok := strings.CutPrefix(s, marker); ok && strings.TrimSpace(rest) != "" {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}

// splitClosing separates the complimentary close and the signature block
// from the body: a last paragraph "Sincerely,\nJosé Núñez\n...", or a
// one-line paragraph "Respectfully," followed by a short signature
// paragraph. closing[0] is the close, the rest the signature lines. When
// there is no recognizable close, closing is nil and nothing changes.
func splitClosing(paras [][]string) (body [][]string, closing []string) {
	n := len(paras)
	if n < 2 { // a letter that is nothing but a close has no body to keep it with
		return paras, nil
	}
	last := paras[n-1]
	if isClose(last[0]) && (len(last) > 1 || !isClose(paras[n-2][len(paras[n-2])-1])) {
		return paras[:n-1], last
	}
	prev := paras[n-2]
	if n >= 3 && len(prev) == 1 && isClose(prev[0]) && isSignature(last) {
		return paras[:n-2], append([]string{prev[0]}, last...)
	}
	return paras, nil
}

// isClose reports a complimentary close: a short line ending in a comma.
func isClose(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasSuffix(s, ",") && utf8.RuneCountInString(s) <= maxCloseRunes && !strings.ContainsAny(s, ".:;?!")
}

// isSignature reports a name-and-address block: a few short lines.
func isSignature(lines []string) bool {
	if len(lines) > 6 {
		return false
	}
	for _, s := range lines {
		if utf8.RuneCountInString(s) > 80 {
			return false
		}
	}
	return true
}

// continuation returns the heading of page n (2 and up) of a letter: the
// recipient, the date and the page number, flush left, as formal letters
// head their second sheets.
func (m *Maker) continuation(l Letter) func(n int) []line {
	name := m.wrap(m.regular, l.RecipientLines[0], textWidth, textWidth)
	date := formatDate(l)
	return func(n int) []line {
		var out []line
		for _, t := range name {
			out = append(out, line{x: margin, text: t})
		}
		return append(out, line{x: margin, text: date}, line{x: margin, text: fmt.Sprintf("Page %d", n)})
	}
}

// paragraphs splits a body into paragraphs (blank-line separated) of hard
// lines (single newlines).
func paragraphs(body string) [][]string {
	var out [][]string
	var cur []string
	for _, ln := range strings.Split(body, "\n") {
		if strings.TrimSpace(ln) == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, ln)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// measure returns the width of s in points at the body size.
func (m *Maker) measure(f *face, s string) float64 {
	return float64(f.width(s)) * m.size / 1000
}

// wrap breaks s into lines no wider than first (the first line) and rest
// (the others), at spaces. A word wider than a whole line (a long URL) is cut,
// preferably after a '/' or similar, so that nothing runs into the margin.
func (m *Maker) wrap(f *face, s string, first, rest float64) []string {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' })
	if len(words) == 0 {
		return nil
	}
	space := m.measure(f, " ")
	var out []string
	var cur strings.Builder
	curW, limit := 0.0, first
	flush := func() {
		out = append(out, cur.String())
		cur.Reset()
		curW, limit = 0, rest
	}
	for _, w := range words {
		ww := m.measure(f, w)
		if cur.Len() > 0 {
			if curW+space+ww <= limit {
				cur.WriteByte(' ')
				cur.WriteString(w)
				curW += space + ww
				continue
			}
			// A word that fits no line anyway starts here rather than
			// leaving this line short, if a useful part of it fits.
			if free := limit - curW - space; ww > rest && free >= limit/3 {
				head, tail := m.cut(f, w, free)
				cur.WriteByte(' ')
				cur.WriteString(head)
				w = tail
				ww = m.measure(f, w)
			}
			flush()
		}
		for ww > limit {
			head, tail := m.cut(f, w, limit)
			cur.WriteString(head)
			flush()
			w = tail
			ww = m.measure(f, w)
		}
		cur.WriteString(w)
		curW = ww
	}
	if cur.Len() > 0 {
		flush()
	}
	return out
}

// cut splits a word that is wider than limit into a head that fits and the
// tail. It prefers to cut after a character where a URL or path naturally
// breaks, if that keeps at least a third of the line in use.
func (m *Maker) cut(f *face, w string, limit float64) (head, tail string) {
	fit, best, width := 0, 0, 0.0
	for i, r := range w {
		rw := float64(f.width(string(r))) * m.size / 1000
		if width+rw > limit && i > 0 {
			break
		}
		width += rw
		fit = i + utf8.RuneLen(r)
		if strings.ContainsRune("/-?&=_.#,;:", r) && width >= limit/3 {
			best = fit
		}
	}
	if best > 0 && best < len(w) {
		fit = best
	}
	return w[:fit], w[fit:]
}

// pager places lines on pages, top to bottom.
type pager struct {
	leading     float64
	top, bottom float64 // first and last baseline of a page
	header      func(n int) []line
	pages       []page
	next        float64 // baseline of the next line, before any gap
	atTop       bool    // nothing but the header on this page yet
}

// ends returns the baseline of the last of lines when they are placed from
// the current position after gap lines of space.
func (p *pager) ends(gap float64, lines []line) float64 {
	y := p.next
	for i, ln := range lines {
		switch {
		case i > 0:
			y += (1 + ln.skip) * p.leading
		case !p.atTop:
			y += (gap + ln.skip) * p.leading
		}
	}
	return y
}

// fits reports whether the segments fit on the current page, one after the
// other.
func (p *pager) fits(segs ...segment) bool {
	saved, savedTop := p.next, p.atTop
	defer func() { p.next, p.atTop = saved, savedTop }()
	for _, s := range segs {
		if len(s.lines) == 0 {
			continue
		}
		if p.ends(s.gap, s.lines) > p.bottom+1e-6 {
			return false
		}
		p.next, p.atTop = p.ends(s.gap, s.lines)+p.leading, false
	}
	return true
}

// count returns how many of lines fit on the current page after gap.
func (p *pager) count(gap float64, lines []line) int {
	n := 0
	for n < len(lines) && p.ends(gap, lines[:n+1]) <= p.bottom+1e-6 {
		n++
	}
	return n
}

type segment struct {
	gap   float64
	lines []line
}

func (p *pager) newPage() {
	p.pages = append(p.pages, page{})
	p.next, p.atTop = p.top, true
	if n := len(p.pages); n > 1 && p.header != nil {
		p.place(0, p.header(n))
		p.next += headerGap * p.leading
		p.atTop = true
	}
}

func (p *pager) place(gap float64, lines []line) {
	pg := &p.pages[len(p.pages)-1]
	for i, ln := range lines {
		y := p.ends(gap, lines[:i+1])
		pg.lines = append(pg.lines, placed{x: ln.x, y: y, text: ln.text, bold: ln.bold, mark: ln.mark, markX: ln.markX})
	}
	p.next, p.atTop = p.ends(gap, lines)+p.leading, false
}

// paginate places blocks on pages, keeping headers and short paragraphs
// whole, never leaving fewer than minSplitLines of a paragraph at the foot or
// head of a page, keeping introductory blocks with what follows and the
// closing with the end of the letter. header gives the heading of
// continuation pages (nil for none).
func (m *Maker) paginate(blocks []block, header func(n int) []line, sp spacing) []page {
	p := &pager{
		leading: m.size * sp.leading,
		top:     sp.top + 0.7*m.size,                  // cap height at the margin
		bottom:  pageHeight - sp.bottom - 0.22*m.size, // descenders at the margin
		header:  header,
	}
	p.newPage()
	// A full page, for blocks that cannot be kept together anyway.
	capacity := func(lines []line) bool {
		saved := *p
		p.pages = []page{{}}
		p.newPage() // a continuation page: the smallest
		ok := p.fits(segment{0, lines})
		*p = saved
		return ok
	}

	for i := 0; i < len(blocks); i++ {
		b := blocks[i]
		lines := b.lines
		if len(lines) == 0 {
			continue
		}
		var next *block
		if i+1 < len(blocks) && len(blocks[i+1].lines) > 0 {
			next = &blocks[i+1]
		}
		// trail is what must end up on the same page as this block's last
		// line.
		var trail []segment
		if next != nil && next.withPrev && capacity(next.lines) {
			trail = []segment{{next.gap, next.lines}}
		}
		whole := b.together && capacity(lines)
		// What must fit now: the whole block, or the first lines of a
		// splittable one; plus the start of the next block when kept with
		// it.
		need := []segment{{b.gap, lines}}
		if !whole {
			need[0].lines = lines[:min(len(lines), minSplitLines)]
		}
		if whole || len(need[0].lines) == len(lines) {
			if next != nil && b.withNext {
				nl := next.lines[:min(len(next.lines), minSplitLines)]
				if next.together {
					nl = next.lines
				}
				if capacity(append(append([]line{}, lines...), nl...)) {
					need = append(need, segment{next.gap, nl})
				}
			}
			if trail != nil && capacity(append(append([]line{}, lines...), next.lines...)) {
				need = append(need, trail...)
			}
		}
		if !p.atTop && !p.fits(need...) {
			p.newPage()
		}
		gap := b.gap
		for len(lines) > 0 {
			n := p.count(gap, lines)
			if n >= len(lines) && (trail == nil || p.fits(append([]segment{{gap, lines}}, trail...)...)) {
				p.place(gap, lines)
				break
			}
			k := min(n, len(lines)-minSplitLines)
			if n >= len(lines) {
				// All of it fits but the closing does not: the last
				// lines go over with it.
				if whole || k < minSplitLines {
					if p.atTop {
						p.place(gap, lines) // cannot be helped
						break
					}
					p.newPage()
					continue
				}
			} else if k < minSplitLines && !(p.atTop && n > 0) {
				// Split: leave at least minSplitLines on each side.
				p.newPage()
				continue
			}
			if k < 1 {
				k = n // a page cannot hold even the minimum: fill it
			}
			p.place(gap, lines[:k])
			lines = lines[k:]
			p.newPage()
			gap = 0
		}
	}
	return p.pages
}
