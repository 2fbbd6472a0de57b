package pdf_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/go-fonts/liberation/liberationserifregular"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/gofont/goregular"
)

var letterDate = time.Date(2026, 11, 22, 15, 4, 5, 0, time.UTC)

// typicalLetter is a one-page letter of about 350 words with the accents and
// typography supporters really type.
func typicalLetter() pdf.Letter {
	return pdf.Letter{
		SenderLines:    []string{"José Núñez", "1234 Maple Avenue, Apt. 5", "Albany, NY 12207", "jose.nunez@example.org"},
		Date:           letterDate,
		RecipientLines: []string{"The Honorable Paul Tonko", "U.S. House of Representatives", "2269 Rayburn House Office Building", "Washington, DC 20515"},
		Subject:        "End forced labor in our supply chains",
		Body: "Dear Representative Tonko,\n\n" +
			"As your constituent in Albany, I am writing to ask you to support full enforcement of the Uyghur Forced Labor Prevention Act. " +
			"Products made with forced labor still reach American shelves, and the companies that sell them call their supply chains “transparent.” " +
			"They are not — and it’s time Congress said so.\n\n" +
			"My neighbours Łukasz Żółć and Zoë Brontë run a small business on Lark Street. They told me how hard it is to know where the cotton in their shirts comes from, " +
			"and how much they would welcome clear rules that apply to everyone. Small businesses that do the right thing should not be undercut by those that don’t. " +
			"Strong enforcement protects them, protects workers, and protects the people of East Turkistan whose families have been torn apart.\n\n" +
			"I ask you to do three things: co-sponsor legislation that closes the de minimis loophole; press the Department of Homeland Security to expand the entity list; " +
			"and hold a public hearing with survivors so that their testimony is on the record. Each of these steps is modest… but together they would make a difference " +
			"that people in our district would notice and appreciate.\n\n" +
			"Thank you for your attention to this matter and for your years of service to the Capital Region. I would be grateful for a reply that tells me where you stand, " +
			"and I will follow your work on this issue closely in the months ahead.\n\n" +
			"Sincerely,\nJosé Núñez",
	}
}

// longLetter flows onto a second page.
func longLetter() pdf.Letter {
	l := typicalLetter()
	var b strings.Builder
	b.WriteString("Dear Representative Tonko,\n\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "Paragraph %d. ", i)
		b.WriteString(strings.Repeat("This is a long personal paragraph about why forced labor matters to my family and to our community here in upstate New York. ", 4))
		b.WriteString("\n\n")
	}
	b.WriteString("Sincerely,\nJosé Núñez")
	l.Body = b.String()
	return l
}

// sharedMaker is built once: New parses fonts, which is slow under -race.
var sharedMaker = sync.OnceValues(func() (*pdf.Maker, error) { return pdf.New(pdf.Options{}) })

func defaultMaker(t testing.TB) *pdf.Maker {
	t.Helper()
	m, err := sharedMaker()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func newMaker(t testing.TB, opts pdf.Options) *pdf.Maker {
	t.Helper()
	m, err := pdf.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func render(t testing.TB, m *pdf.Maker, l pdf.Letter) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.WriteLetter(&buf, l); err != nil {
		t.Fatalf("WriteLetter: %v", err)
	}
	return buf.Bytes()
}

// squash joins lines so that checks do not depend on where lines wrap.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestWriteLetterText(t *testing.T) {
	m := defaultMaker(t)
	l := typicalLetter()
	e := extractPDF(t, render(t, m, l))
	if len(e.Pages) != 1 {
		t.Fatalf("got %d pages, want 1", len(e.Pages))
	}
	text := e.Pages[0]
	lines := strings.Split(text, "\n")
	wantLines := append(append(append([]string{}, l.SenderLines...), "November 22, 2026"), l.RecipientLines...)
	wantLines = append(wantLines, "Re: End forced labor in our supply chains", "Dear Representative Tonko,")
	if len(lines) < len(wantLines) {
		t.Fatalf("too few lines:\n%s", text)
	}
	for i, want := range wantLines {
		if lines[i] != want {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], want)
		}
	}
	flat := squash(text)
	for _, para := range strings.Split(l.Body, "\n\n") {
		if !strings.Contains(flat, squash(para)) {
			t.Errorf("paragraph missing or altered: %q", para)
		}
	}
	for _, s := range []string{"José Núñez", "Łukasz Żółć", "Zoë Brontë", "“transparent.”", "it’s", "not —", "modest…"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q", s)
		}
	}
	if strings.Contains(text, "Page ") {
		t.Errorf("one-page letter has a page number:\n%s", text)
	}
	if got := lines[len(lines)-1]; got != "José Núñez" {
		t.Errorf("last line = %q", got)
	}
	for key, want := range map[string]string{
		"Title": l.Subject, "Author": "José Núñez", "Creator": "Advocate",
		"CreationDate": "D:20261122150405", "ModDate": "D:20261122150405",
	} {
		if e.Info[key] != want {
			t.Errorf("Info %s = %q, want %q", key, e.Info[key], want)
		}
	}
}

// The bold "Re:" line is drawn from the bold face's outlines under an invisible
// copy of the text, so only the regular font is embedded.
func TestSubjectDrawnAsOutlines(t *testing.T) {
	l := typicalLetter()
	l.Subject = "Żółć"
	e := extractPDF(t, render(t, defaultMaker(t), l))
	if e.Fonts != 1 {
		t.Errorf("got %d embedded fonts, want 1", e.Fonts)
	}
	content := e.Content[0]
	if got := strings.Count(content, " cm "); got != len([]rune("Re: Żółć"))-1 { // all but the space
		t.Errorf("got %d outlined glyphs, want 7", got)
	}
	if !strings.Contains(content, "q 3 Tr ") || !strings.Contains(e.Pages[0], "\nRe: Żółć\n") {
		t.Errorf("subject line is not searchable text:\n%s", e.Pages[0])
	}
}

func TestWriteLetterLayoutChoices(t *testing.T) {
	l := typicalLetter()
	l.Subject = "Ünïcödé in the “title” — Żółć"
	l.Body = "Dear Senator,\r\n\r\nLine one\nline two\twith a tab and a\u00a0no-break space.\u2028Line three.\n\nThanks,\nZoë"
	for _, opts := range []pdf.Options{{}, {SenderAlign: pdf.AlignRight, FontSize: 12}} {
		e := extractPDF(t, render(t, newMaker(t, opts), l))
		text := e.Pages[0]
		for _, want := range []string{
			"Re: Ünïcödé in the “title” — Żółć", "Dear Senator,", "Line one\nline two with a tab and a\u00a0no-break space.\nLine three.", "Thanks,\nZoë",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%+v: text lacks %q:\n%s", opts, want, text)
			}
		}
		if e.Info["Title"] != l.Subject {
			t.Errorf("Title = %q", e.Info["Title"])
		}
	}

	// Without a subject there is no "Re:" line and the title names the
	// recipient.
	l.Subject = ""
	e := extractPDF(t, render(t, defaultMaker(t), l))
	if strings.Contains(e.Pages[0], "Re:") {
		t.Errorf("Re: line without a subject")
	}
	if want := "Letter to The Honorable Paul Tonko"; e.Info["Title"] != want {
		t.Errorf("Title = %q, want %q", e.Info["Title"], want)
	}
}

func TestNormalizationComposesAccents(t *testing.T) {
	l := typicalLetter()
	l.SenderLines[0] = "Jose\u0301 Nu\u0301n\u0303ez" // decomposed, as some keyboards send it
	l.Body = "Hello\u200b there\ufeff, friend.\u00ad" // invisible characters are dropped
	e := extractPDF(t, render(t, defaultMaker(t), l))
	if !strings.HasPrefix(e.Pages[0], "José Núñez\n") {
		t.Errorf("sender not composed: %q", strings.SplitN(e.Pages[0], "\n", 2)[0])
	}
	if !strings.Contains(e.Pages[0], "Hello there, friend.") {
		t.Errorf("invisible characters not removed:\n%s", e.Pages[0])
	}
}

// continuationHeading is how page n (2 and up) of a letter to
// typicalLetter's recipient starts.
func continuationHeading(n int) string {
	return fmt.Sprintf("The Honorable Paul Tonko\nNovember 22, 2026\nPage %d\n", n)
}

func TestLongLetterPages(t *testing.T) {
	m := defaultMaker(t)
	l := longLetter()
	e := extractPDF(t, render(t, m, l))
	if len(e.Pages) != 2 {
		t.Fatalf("got %d pages, want 2", len(e.Pages))
	}
	// The first page is headed by the letter itself and has no page
	// number; the second by the recipient, the date and its number.
	if !strings.HasPrefix(e.Pages[0], "José Núñez\n") || strings.Contains(e.Pages[0], "Page ") {
		t.Errorf("page 1 starts or ends wrongly:\n%s", e.Pages[0])
	}
	if !strings.HasPrefix(e.Pages[1], continuationHeading(2)) {
		t.Errorf("page 2 lacks the continuation heading:\n%s", e.Pages[1])
	}
	// Every paragraph survives the page break intact.
	var body strings.Builder
	body.WriteString(e.Pages[0] + "\n")
	body.WriteString(strings.TrimPrefix(e.Pages[1], continuationHeading(2)))
	flat := squash(body.String())
	for _, para := range strings.Split(l.Body, "\n\n") {
		if !strings.Contains(flat, squash(para)) {
			t.Errorf("paragraph missing after pagination: %.60q", para)
		}
	}
	if !strings.Contains(e.Pages[1], "Sincerely,\nJosé Núñez") {
		t.Errorf("closing not on the last page")
	}
}

func TestWriteCombined(t *testing.T) {
	m := defaultMaker(t)
	short, long := typicalLetter(), longLetter()
	senators := typicalLetter()
	senators.RecipientLines = []string{"The Honorable Kirsten Gillibrand", "United States Senate", "478 Russell Senate Office Building", "Washington, DC 20510"}
	senators.Body = strings.Replace(senators.Body, "Representative Tonko", "Senator Gillibrand", 1)

	var buf bytes.Buffer
	if err := m.WriteCombined(&buf, []pdf.Letter{long, short, senators, long}); err != nil {
		t.Fatal(err)
	}
	e := extractPDF(t, buf.Bytes())
	if len(e.Pages) != 2+1+1+2 {
		t.Fatalf("got %d pages, want 6", len(e.Pages))
	}
	// Each letter starts on a new page and numbers its own pages.
	starts := []string{"José Núñez\n", continuationHeading(2), "José Núñez\n", "José Núñez\n", "José Núñez\n", continuationHeading(2)}
	for i, p := range e.Pages {
		if !strings.HasPrefix(p, starts[i]) {
			t.Errorf("page %d starts with %.60q, want %q", i+1, p, starts[i])
		}
	}
	if !strings.Contains(e.Pages[3], "The Honorable Kirsten Gillibrand") || !strings.Contains(e.Pages[3], "Dear Senator Gillibrand,") {
		t.Errorf("third letter is not on page 4:\n%s", e.Pages[3])
	}
	if e.Info["Title"] != short.Subject {
		t.Errorf("Title = %q", e.Info["Title"])
	}

	// One letter through WriteCombined is exactly WriteLetter.
	buf.Reset()
	if err := m.WriteCombined(&buf, []pdf.Letter{short}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), render(t, m, short)) {
		t.Error("WriteCombined of one letter differs from WriteLetter")
	}

	if err := m.WriteCombined(io.Discard, nil); app.ErrorCodeOf(err) != app.EINVALID {
		t.Errorf("no letters: err = %v", err)
	}
	bad := short
	bad.Body = "中文"
	err := m.WriteCombined(io.Discard, []pdf.Letter{short, bad})
	if app.ErrorCodeOf(err) != app.EINVALID || !strings.Contains(app.ErrorMessageOf(err), "Letter 2 of 2") {
		t.Errorf("bad second letter: err = %v", err)
	}
}

func TestRepeatable(t *testing.T) {
	m1 := defaultMaker(t)
	m2 := newMaker(t, pdf.Options{})
	l := typicalLetter()
	a, b := render(t, m1, l), render(t, m2, l)
	if !bytes.Equal(a, b) {
		t.Fatal("identical letters gave different PDFs")
	}
	for i := 0; i < 5; i++ {
		if !bytes.Equal(a, render(t, m1, l)) {
			t.Fatal("rendering again gave a different PDF")
		}
	}
	changed := l
	changed.Body = strings.Replace(l.Body, "Albany", "Troy", 1)
	if bytes.Equal(a, render(t, m1, changed)) {
		t.Error("different body gave the same PDF")
	}
	changed = l
	changed.Date = l.Date.AddDate(0, 0, 1)
	if bytes.Equal(a, render(t, m1, changed)) {
		t.Error("different date gave the same PDF")
	}
}

// The fast path (fonts parsed once) must write exactly what gofpdf's public
// API writes.
func TestFastPathMatchesPublicAPI(t *testing.T) {
	fast := defaultMaker(t)
	if !fast.FastPath() {
		t.Fatal("fast font path unavailable with this gofpdf")
	}
	slow, err := pdf.NewSlow(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	noSubject := typicalLetter()
	noSubject.Subject = ""
	for i, ls := range [][]pdf.Letter{{noSubject}, {longLetter(), typicalLetter()}} {
		var a, b bytes.Buffer
		if err := fast.WriteCombined(&a, ls); err != nil {
			t.Fatal(err)
		}
		if err := slow.WriteCombined(&b, ls); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("case %d: fast path output differs from AddUTF8FontFromBytes output", i)
		}
	}
}

// Run with -race: gofpdf writes into the font bytes it is given, so shared
// bytes would be reported here.
func TestConcurrentRenders(t *testing.T) {
	pristine := bytes.Clone(liberationserifregular.TTF)
	defer func() {
		if !bytes.Equal(pristine, liberationserifregular.TTF) {
			t.Error("the shared Liberation Serif bytes were modified")
		}
	}()
	for _, fast := range []bool{true, false} {
		t.Run(fmt.Sprintf("fast=%v", fast), func(t *testing.T) {
			m := defaultMaker(t)
			if !fast {
				var err error
				if m, err = pdf.NewSlow(pdf.Options{}); err != nil {
					t.Fatal(err)
				}
			}
			letters := []pdf.Letter{typicalLetter(), longLetter()}
			want := [][]byte{render(t, m, letters[0]), render(t, m, letters[1])}
			workers, each := 32, 1
			if !fast {
				workers = 4 // ten times slower; enough to show no race
			}
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						k := (w + i) % 2
						var buf bytes.Buffer
						if err := m.WriteLetter(&buf, letters[k]); err != nil {
							errs <- err
							return
						}
						if !bytes.Equal(buf.Bytes(), want[k]) {
							errs <- errors.New("concurrent render differs")
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

func TestWriteLetterInvalid(t *testing.T) {
	m := defaultMaker(t)
	cases := []struct {
		name  string
		edit  func(*pdf.Letter)
		field string
		msg   string
	}{
		{"uyghur body", func(l *pdf.Letter) { l.Body = "ھۆرمەتلىك ۋەكىل" }, "body", "Latin letters (Uyghur Latin or English is fine)"},
		{"chinese subject", func(l *pdf.Letter) { l.Subject = "停止强迫劳动" }, "subject", "“停”"},
		{"no date", func(l *pdf.Letter) { l.Date = time.Time{} }, "date", "no date"},
		{"no recipient", func(l *pdf.Letter) { l.RecipientLines = []string{" ", ""} }, "recipient", "required"},
		{"no sender", func(l *pdf.Letter) { l.SenderLines = nil }, "sender", "required"},
		{"empty body", func(l *pdf.Letter) { l.Body = "\n \n" }, "body", "required"},
		{"emoji sender", func(l *pdf.Letter) { l.SenderLines[0] = "José 😀" }, "sender", "😀"},
		{"bad utf-8", func(l *pdf.Letter) { l.Body = "caf\xe9" }, "body", "could not be read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := typicalLetter()
			l.SenderLines = append([]string(nil), l.SenderLines...)
			c.edit(&l)
			var buf bytes.Buffer
			err := m.WriteLetter(&buf, l)
			if app.ErrorCodeOf(err) != app.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if msg := app.ErrorFieldsOf(err)[c.field]; !strings.Contains(msg, c.msg) {
				t.Errorf("field %s = %q, want it to mention %q (all: %v)", c.field, msg, c.msg, app.ErrorFieldsOf(err))
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes for an invalid letter", buf.Len())
			}
		})
	}
}

func TestWriteLetterTooLong(t *testing.T) {
	l := typicalLetter()
	l.Body = strings.Repeat("All work and no play. ", 3000)
	err := defaultMaker(t).WriteLetter(io.Discard, l)
	if app.ErrorCodeOf(err) != app.ETOOLARGE {
		t.Errorf("err = %v, want ETOOLARGE", err)
	}
}

func TestNewOptions(t *testing.T) {
	for _, opts := range []pdf.Options{
		{FontSize: 9}, {FontSize: 20}, {SenderAlign: 7},
		{Regular: []byte("not a font at all")},
		{Bold: goregular.TTF[:1000]},
	} {
		if _, err := pdf.New(opts); err == nil {
			t.Errorf("New(%+v) accepted bad options", opts.FontSize)
		}
	}
	// Other TrueType fonts work, with coverage taken from them.
	m := newMaker(t, pdf.Options{Regular: gomedium.TTF, Bold: gobold.TTF})
	e := extractPDF(t, render(t, m, typicalLetter()))
	if !strings.Contains(e.Pages[0], "Łukasz Żółć") {
		t.Errorf("custom font letter lacks text")
	}
	if err := m.CheckText("中"); app.ErrorCodeOf(err) != app.EINVALID {
		t.Errorf("Maker.CheckText(中) = %v", err)
	}
}

func BenchmarkWriteLetter(b *testing.B) {
	m := defaultMaker(b)
	l := typicalLetter()
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := m.WriteLetter(io.Discard, l); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkWriteSeedLetter is a default campaign letter with a personal
// paragraph, which takes the second, tighter spacing to fit its page.
func BenchmarkWriteSeedLetter(b *testing.B) {
	m := defaultMaker(b)
	l := seedLetters(b, personalParagraph)[2]
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if err := m.WriteLetter(io.Discard, l); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkWriteLetterParallel(b *testing.B) {
	m := defaultMaker(b)
	l := typicalLetter()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := m.WriteLetter(io.Discard, l); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkWriteLetterPublicAPI is the same letter with gofpdf parsing the
// fonts for every document, for comparison.
func BenchmarkWriteLetterPublicAPI(b *testing.B) {
	m, err := pdf.NewSlow(pdf.Options{})
	if err != nil {
		b.Fatal(err)
	}
	l := typicalLetter()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.WriteLetter(io.Discard, l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckText(b *testing.B) {
	body := typicalLetter().Body
	b.Run("func", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := pdf.CheckText(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	m := defaultMaker(b)
	b.Run("maker", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := m.CheckText(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
