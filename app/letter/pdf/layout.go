package pdf

import (
	"strings"
	"unicode/utf8"
)

// Page geometry in points: US Letter with 1-inch margins.
const (
	pageWidth      = 612.0
	pageHeight     = 792.0
	margin         = 72.0
	textWidth      = pageWidth - 2*margin
	footerSize     = 9.0
	footerBaseline = pageHeight - 40
	leadingFactor  = 1.25 // line height / font size
	// Lines kept together at a page break, at each side (orphans and
	// widows).
	minSplitLines = 2
)

// placed is a line of text at its final position (x left, y baseline).
type placed struct {
	x, y float64
	text string
	bold bool
}

type page struct{ lines []placed }

// line is a laid-out line before pagination; x is absolute.
type line struct {
	x    float64
	text string
	bold bool
}

// block is a run of lines that pagination treats as a unit: the sender
// block, the date, a paragraph...
type block struct {
	lines []line
	// gap is the space before the block, in lines; it is dropped at the top
	// of a page.
	gap float64
	// together forbids splitting the block across pages (headers, short
	// paragraphs).
	together bool
	// withNext keeps the block on the same page as the start of the next
	// one ("Re:" line, salutation, "Sincerely,").
	withNext bool
}

// layout breaks a prepared letter into pages.
func (m *Maker) layout(l Letter) []page {
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
	date := line{x: margin, text: l.Date.Format("January 2, 2006")}
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
		block{lines: []line{date}, gap: 1, together: true})

	var recipient []line
	for _, s := range l.RecipientLines {
		for _, t := range m.wrap(reg, s, textWidth, textWidth) {
			recipient = append(recipient, line{x: margin, text: t})
		}
	}
	blocks = append(blocks, block{lines: recipient, gap: 1, together: true})

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
		blocks = append(blocks, block{lines: subj, gap: 1, together: true, withNext: true})
	}

	for _, para := range paragraphs(l.Body) {
		var lines []line
		for _, hard := range para {
			for _, t := range m.wrap(reg, hard, textWidth, textWidth) {
				lines = append(lines, line{x: margin, text: t})
			}
		}
		b := block{lines: lines, gap: 1, together: len(lines) <= 2*minSplitLines-1}
		// A short paragraph ending in a comma or colon introduces what
		// follows: "Dear Representative Tonko," or "Sincerely,".
		last := strings.TrimSpace(lines[len(lines)-1].text)
		b.withNext = len(lines) <= 2 && (strings.HasSuffix(last, ",") || strings.HasSuffix(last, ":"))
		blocks = append(blocks, b)
	}
	return m.paginate(blocks)
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

// paginate places blocks on pages, keeping headers and short paragraphs
// whole, never leaving fewer than minSplitLines of a paragraph at the foot or
// head of a page, and keeping introductory blocks with what follows.
func (m *Maker) paginate(blocks []block) []page {
	leading := m.size * leadingFactor
	top := margin + 0.8*m.size                  // first baseline: cap height at the margin
	bottom := pageHeight - margin - 0.25*m.size // last baseline: descenders at the margin
	capacity := int((bottom-top)/leading) + 1

	pages := []page{{}}
	next, atTop := top, true // baseline of the next line
	// room returns how many lines fit on the current page after gap lines.
	room := func(gap float64) int {
		if atTop {
			gap = 0
		}
		y := next + gap*leading
		if y > bottom {
			return 0
		}
		return int((bottom-y)/leading) + 1
	}
	newPage := func() {
		pages = append(pages, page{})
		next, atTop = top, true
	}
	place := func(gap float64, lines []line) {
		if !atTop {
			next += gap * leading
		}
		p := &pages[len(pages)-1]
		for _, ln := range lines {
			p.lines = append(p.lines, placed{x: ln.x, y: next, text: ln.text, bold: ln.bold})
			next += leading
		}
		atTop = false
	}

	for i := 0; i < len(blocks); i++ {
		b := blocks[i]
		lines := b.lines
		if len(lines) == 0 {
			continue
		}
		whole := b.together && len(lines) <= capacity
		// Lines that must fit now: the whole block, or the first lines of a
		// splittable one; plus the start of the next block when kept with it.
		need := len(lines)
		if !whole {
			need = min(len(lines), minSplitLines)
		}
		if b.withNext && i+1 < len(blocks) && (whole || need == len(lines)) {
			nb := blocks[i+1]
			if nl := min(len(nb.lines), minSplitLines); nl > 0 && need+int(nb.gap)+nl <= capacity {
				need += int(nb.gap) + nl
			}
		}
		if !atTop && room(b.gap) < need {
			newPage()
		}
		gap := b.gap
		for len(lines) > 0 {
			n := room(gap)
			if n >= len(lines) {
				place(gap, lines)
				break
			}
			// Split: leave at least minSplitLines on each side.
			k := min(n, len(lines)-minSplitLines)
			if k < minSplitLines && !(atTop && n > 0) {
				newPage()
				continue
			}
			if k < 1 {
				k = n // a page cannot hold even the minimum: fill it
			}
			place(gap, lines[:k])
			lines = lines[k:]
			newPage()
			gap = 0
		}
	}
	return pages
}
