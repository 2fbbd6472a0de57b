package pdf_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
)

// The format of a letter on paper: one sheet for a campaign letter, a
// closing that is never alone, continuation headings, bullets, the SAMPLE
// stamp and the serif face.

// closingOf returns the lines of a page from the complimentary close on,
// and the number of lines before it (after any continuation heading).
func closingOf(page, heading, close string) (before int, found bool) {
	text := strings.TrimPrefix(page, heading)
	i := strings.Index(text, "\n"+close+"\n")
	if i < 0 {
		return 0, false
	}
	return len(strings.Split(text[:i], "\n")), true
}

func TestSeedLettersFitOnePage(t *testing.T) {
	m := defaultMaker(t)
	for _, msg := range []string{"", personalParagraph} {
		for _, l := range seedLetters(t, msg) {
			e := extractPDF(t, render(t, m, l))
			name := fmt.Sprintf("%s (personal paragraph %v)", l.RecipientLines[0], msg != "")
			if len(e.Pages) != 1 {
				t.Errorf("%s: %d pages, want 1", name, len(e.Pages))
				continue
			}
			text := e.Pages[0]
			// The whole letter is there, ending with the signature block.
			if !strings.HasSuffix(text, "José Núñez\n1234 Maple Avenue\nApartment 5B\nAlbany, NY 12207") {
				t.Errorf("%s: does not end with the signature block:\n%s", name, text)
			}
			if msg != "" && !strings.Contains(squash(text), squash(msg)) {
				t.Errorf("%s: personal paragraph missing", name)
			}
			if strings.Contains(text, "Page ") {
				t.Errorf("%s: a one-page letter has a page number", name)
			}
		}
	}
}

// A supporter's download of 13 letters is 13 sheets, not 26.
func TestCombinedDownloadOnePagePerLetter(t *testing.T) {
	m := defaultMaker(t)
	var letters []pdf.Letter
	for len(letters) < 13 {
		for _, l := range append(seedLetters(t, ""), seedLetters(t, personalParagraph)...) {
			if len(letters) < 13 {
				letters = append(letters, l)
			}
		}
	}
	var buf bytes.Buffer
	if err := m.WriteCombined(&buf, letters); err != nil {
		t.Fatal(err)
	}
	e := extractPDF(t, buf.Bytes())
	if len(e.Pages) != 13 {
		t.Fatalf("13 letters printed on %d pages, want 13", len(e.Pages))
	}
	for i, p := range e.Pages {
		if !strings.HasPrefix(p, "José Núñez\n") || !strings.Contains(p, letters[i].RecipientLines[0]) {
			t.Errorf("page %d is not letter %d:\n%.200s", i+1, i+1, p)
		}
	}
}

// longParagraphLetter has one paragraph of about n characters before its
// closing, as when a supporter pastes a long personal story.
func longParagraphLetter(n int) pdf.Letter {
	l := typicalLetter()
	words := strings.Fields("My family has lived in Albany for three generations and we have always believed that this country keeps its promise to people who tell the truth about persecution, at whatever cost to themselves.")
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[i%len(words)])
	}
	l.Body = "Dear Representative Tonko:\n\nI am writing about Guan Heng.\n\n" + b.String() +
		"\n\nRespectfully,\n\nJosé Núñez\n1234 Maple Avenue\nAlbany, NY 12207"
	return l
}

func TestLongParagraphContinuesWithHeadingAndClosing(t *testing.T) {
	m := defaultMaker(t)
	e := extractPDF(t, render(t, m, longParagraphLetter(5000)))
	if len(e.Pages) != 2 {
		t.Fatalf("5,000-character paragraph: %d pages, want 2", len(e.Pages))
	}
	if !strings.HasPrefix(e.Pages[1], continuationHeading(2)) {
		t.Errorf("page 2 lacks the continuation heading:\n%s", e.Pages[1])
	}
	if strings.Contains(e.Pages[0], "Page ") {
		t.Errorf("page 1 has a page number")
	}

	// Whatever the length, the close is never alone on its page: at least
	// two lines of the paragraph before it come along, and the name
	// follows it. Lengths step by less than a line so that the page break
	// falls at every position.
	for n := 3000; n <= 7000; n += 60 {
		e := extractPDF(t, render(t, m, longParagraphLetter(n)))
		last := len(e.Pages) - 1
		heading := ""
		if last > 0 {
			heading = continuationHeading(last + 1)
		}
		before, ok := closingOf(e.Pages[last], heading, "Respectfully,")
		if !ok {
			t.Fatalf("%d chars: the close is not on the last page:\n%s", n, e.Pages[last])
		}
		if last > 0 && before < 2 {
			t.Errorf("%d chars: the close has %d line(s) of the letter with it on page %d", n, before, last+1)
		}
		if !strings.HasSuffix(e.Pages[last], "Respectfully,\nJosé Núñez\n1234 Maple Avenue\nAlbany, NY 12207") {
			t.Errorf("%d chars: the closing is broken:\n%s", n, e.Pages[last])
		}
		for i, p := range e.Pages[1:] {
			if !strings.HasPrefix(p, continuationHeading(i+2)) {
				t.Errorf("%d chars: page %d lacks its heading", n, i+2)
			}
		}
	}
}

// runAt returns the first run on page whose text starts with prefix.
func runAt(t *testing.T, runs []textRun, prefix string) textRun {
	t.Helper()
	for _, r := range runs {
		if strings.HasPrefix(r.text, prefix) {
			return r
		}
	}
	t.Fatalf("no text run starts with %q", prefix)
	return textRun{}
}

// runBelow returns the run on the next line down, leftmost.
func runBelow(t *testing.T, runs []textRun, r textRun) textRun {
	t.Helper()
	for i, x := range runs {
		if x == r {
			for _, y := range runs[i+1:] {
				if y.y < r.y-1 {
					return y
				}
			}
		}
	}
	t.Fatalf("nothing below %q", r.text)
	return textRun{}
}

func TestBulletsHangingIndent(t *testing.T) {
	l := typicalLetter()
	long := strings.Repeat("urge the Secretary of Homeland Security to release him on bond or parole ", 3)
	l.Body = "Dear Representative Tonko:\n\nI ask you to:\n\n- " + long + "\n• keep his case on the record;\n* and speak for him.\n-not a bullet\n\nSincerely,\nZoë"
	e := extractPDF(t, render(t, defaultMaker(t), l))
	runs := e.Runs[0]
	intro := runAt(t, runs, "I ask you to:")
	first := runAt(t, runs, "urge the Secretary")
	wrapped := runBelow(t, runs, first)
	second := runAt(t, runs, "keep his case")
	third := runAt(t, runs, "and speak for him.")
	var bullets []textRun
	for _, r := range runs {
		if r.text == "•" {
			bullets = append(bullets, r)
		}
	}
	if len(bullets) != 3 {
		t.Fatalf("got %d bullets, want 3:\n%s", len(bullets), e.Pages[0])
	}
	for i, item := range []textRun{first, second, third} {
		if math.Abs(bullets[i].y-item.y) > 0.01 {
			t.Errorf("bullet %d not on its item's baseline", i+1)
		}
		if bullets[i].x <= intro.x || item.x <= bullets[i].x+5 {
			t.Errorf("item %d: bullet at %.1f, text at %.1f, paragraph at %.1f", i+1, bullets[i].x, item.x, intro.x)
		}
	}
	// The wrapped line hangs under the text, not under the bullet.
	if math.Abs(wrapped.x-first.x) > 0.01 || wrapped.text == "•" {
		t.Errorf("wrapped line at x=%.2f (%q), want %.2f under the item's text", wrapped.x, wrapped.text, first.x)
	}
	if !strings.Contains(squash(e.Pages[0]), squash("• "+long)) {
		t.Errorf("item text altered:\n%s", e.Pages[0])
	}
	// A dash without a space is not a bullet; it stays at the margin.
	if r := runAt(t, runs, "-not a bullet"); math.Abs(r.x-intro.x) > 0.01 {
		t.Errorf("plain line at x=%.2f, want the margin %.2f", r.x, intro.x)
	}
}

func TestSignatureRoom(t *testing.T) {
	l := seedLetters(t, "")[0]
	e := extractPDF(t, render(t, defaultMaker(t), l))
	runs := e.Runs[0]
	close := runAt(t, runs, "Respectfully,")
	name := runBelow(t, runs, close)
	address := runBelow(t, runs, name)
	if name.text != "José Núñez" {
		t.Fatalf("line after the close = %q", name.text)
	}
	line := name.y - address.y
	if room := close.y - name.y - line; room < 2.5*line {
		t.Errorf("%.1f pt between the close and the name, want room for a signature (%.1f pt lines)", room, line)
	}
}

func TestSampleStamp(t *testing.T) {
	m := defaultMaker(t)
	const notice = "SAMPLE: an organizer's preview with sample data, not a letter from a supporter"
	stamped := func(e extracted, i int) bool {
		return strings.HasPrefix(e.Pages[i], notice+"\n") && strings.Contains(e.Content[i], " 0.82 g ")
	}
	sample := longLetter()
	sample.Sample = true
	e := extractPDF(t, render(t, m, sample))
	if len(e.Pages) < 2 {
		t.Fatalf("want a long sample, got %d page(s)", len(e.Pages))
	}
	for i := range e.Pages {
		if !stamped(e, i) {
			t.Errorf("sample page %d not stamped:\n%.200s", i+1, e.Pages[i])
		}
	}
	if !strings.HasPrefix(e.Info["Title"], "SAMPLE: ") {
		t.Errorf("sample title = %q", e.Info["Title"])
	}
	// The diagonal mark is drawn before (behind) the text.
	if c := e.Content[0]; strings.Index(c, " 0.82 g ") > strings.Index(c, "BT") {
		t.Errorf("the mark is drawn over the text")
	}

	// Real letters carry no stamp, also next to a sample in one file.
	var buf bytes.Buffer
	if err := m.WriteCombined(&buf, []pdf.Letter{typicalLetter(), sample}); err != nil {
		t.Fatal(err)
	}
	e = extractPDF(t, buf.Bytes())
	if stamped(e, 0) || strings.Contains(e.Pages[0], "SAMPLE") || !stamped(e, 1) {
		t.Errorf("stamps in a mixed file: %v %v", stamped(e, 0), stamped(e, 1))
	}
	e = extractPDF(t, render(t, m, typicalLetter()))
	if strings.Contains(e.Text(), "SAMPLE") || strings.Contains(e.Content[0], " 0.82 g ") || strings.Contains(e.Info["Title"], "SAMPLE") {
		t.Errorf("a real letter is stamped")
	}
}

func TestSerifFaceEmbedded(t *testing.T) {
	b := render(t, defaultMaker(t), typicalLetter())
	if !bytes.Contains(b, []byte("/BaseFont /utf8liberationserif\n")) {
		t.Errorf("Liberation Serif is not the embedded font")
	}
	// Text the serif face can print and the Go fonts could not, and the
	// reverse: coverage follows the face.
	for _, c := range []struct {
		text string
		ok   bool
	}{{"Ərəb Ơn Ɓello", true}, {"Łukasz Żółć, José Núñez", true}, {"xₙ", false}, {"中文", false}, {"مرحبا", false}} {
		for name, err := range map[string]error{"CheckText": pdf.CheckText(c.text), "Maker.CheckText": defaultMaker(t).CheckText(c.text)} {
			if (err == nil) != c.ok {
				t.Errorf("%s(%q) = %v, want ok=%v", name, c.text, err, c.ok)
			}
			if err != nil && app.ErrorCodeOf(err) != app.EINVALID {
				t.Errorf("%s(%q): %v is not EINVALID", name, c.text, err)
			}
		}
	}
}

// Identical input gives identical bytes, for every kind of page.
func TestRepeatableFormats(t *testing.T) {
	m1, m2 := defaultMaker(t), newMaker(t, pdf.Options{})
	sample := longParagraphLetter(5000)
	sample.Sample = true
	cases := append(seedLetters(t, personalParagraph), sample)
	for i, l := range cases {
		a, b := render(t, m1, l), render(t, m2, l)
		if !bytes.Equal(a, b) || !bytes.Equal(a, render(t, m1, l)) {
			t.Errorf("case %d: output differs between renders", i)
		}
	}
}
