package submit_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/submit"
)

// downloads records MarkDownloaded calls.
type downloads struct {
	app.SubmissionStore
	marks atomic.Int64
}

func (d *downloads) MarkDownloaded(context.Context, int64, time.Time) error {
	d.marks.Add(1)
	return nil
}

func newPDFs(t *testing.T, o submit.PDFOptions) (*submit.PDFs, *downloads) {
	t.Helper()
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := &downloads{}
	svc := submit.New(submit.Options{Submissions: store, PDF: maker,
		Clock: func() time.Time { return time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC) }})
	return svc.NewPDFs(o), store
}

// pdfSubmission is a stored submission as FindByToken loads it: letters
// with their pending download delivery.
func pdfSubmission(id int64, letters int) *app.Submission {
	sub := &app.Submission{ID: id, Supporter: app.Supporter{FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.org", Address1: "12 State St", City: "Albany", State: "NY", Zip: "12202"}}
	for i := range letters {
		lid := id*100 + int64(i) + 1
		sub.Letters = append(sub.Letters, app.Letter{ID: lid, SubmissionID: id,
			CreatedAt: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC),
			Recipient: app.Target{Name: fmt.Sprintf("Paul Tonko %d", i), Honorific: "The Honorable", Chamber: app.House},
			Subject:   "Free Guan Heng", Body: "Dear Representative,\n\nPlease help free Guan Heng.\n\nSincerely,\nAda Lovelace",
			Deliveries: []app.Delivery{{LetterID: lid, Channel: app.ChannelDownload, Status: app.StatusPending}}})
	}
	return sub
}

// downloaded is sub as it loads after its first download.
func downloaded(sub *app.Submission) *app.Submission {
	for i := range sub.Letters {
		sub.Letters[i].Deliveries[0].Status = app.StatusDownloaded
	}
	return sub
}

func TestPDFsRenderOnceThenServeTheKeptCopy(t *testing.T) {
	p, store := newPDFs(t, submit.PDFOptions{})
	ctx := context.Background()
	sub := pdfSubmission(1, 3)
	first, err := p.Get(ctx, sub, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(first.Data, []byte("%PDF")) || !strings.HasPrefix(first.ETag, `"`) {
		t.Fatalf("not a PDF with an ETag: %q %q", first.Data[:min(8, len(first.Data))], first.ETag)
	}
	if store.marks.Load() != 1 {
		t.Fatalf("first download recorded %d times", store.marks.Load())
	}
	for range 5 {
		again, err := p.Get(ctx, downloaded(pdfSubmission(1, 3)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Data, first.Data) || again.ETag != first.ETag {
			t.Fatal("a reload got other bytes")
		}
	}
	if p.Renders() != 1 {
		t.Fatalf("%d renders for one PDF downloaded 6 times", p.Renders())
	}
	// Reloads after the first download cost the database nothing.
	if store.marks.Load() != 1 {
		t.Fatalf("downloads recorded %d times", store.marks.Load())
	}
	// One letter is its own PDF, with its own tag.
	one, err := p.Get(ctx, sub, sub.Letters[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if one.ETag == first.ETag || bytes.Equal(one.Data, first.Data) || p.Renders() != 2 {
		t.Fatalf("single letter: same tag %v, renders %d", one.ETag == first.ETag, p.Renders())
	}
	if etag, err := p.ETag(sub, sub.Letters[1].ID); err != nil || etag != one.ETag {
		t.Fatalf("ETag %q %v, want %q", etag, err, one.ETag)
	}
	if _, err := p.Get(ctx, sub, 999); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Fatalf("unknown letter: %v", err)
	}
}

func TestPDFsChangedTextIsRenderedAgain(t *testing.T) {
	p, _ := newPDFs(t, submit.PDFOptions{})
	ctx := context.Background()
	before, err := p.Get(ctx, pdfSubmission(1, 2), 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*app.Submission){
		"letter body":       func(s *app.Submission) { s.Letters[1].Body += "\nP.S. Thank you." },
		"letter subject":    func(s *app.Submission) { s.Letters[0].Subject = "Guan Heng" },
		"recipient":         func(s *app.Submission) { s.Letters[0].Recipient.Name = "Someone Else" },
		"supporter address": func(s *app.Submission) { s.Supporter.Address1 = "13 State St" },
		"letter date":       func(s *app.Submission) { s.Letters[0].CreatedAt = s.Letters[0].CreatedAt.Add(48 * time.Hour) },
	} {
		sub := pdfSubmission(1, 2)
		change(sub)
		after, err := p.Get(ctx, sub, 0)
		if err != nil {
			t.Fatal(err)
		}
		if after.ETag == before.ETag || bytes.Equal(after.Data, before.Data) {
			t.Errorf("%s changed: the kept PDF was served", name)
		}
	}
}

func TestPDFsNeverServeAnErasedSupportersLetters(t *testing.T) {
	p, _ := newPDFs(t, submit.PDFOptions{})
	ctx := context.Background()
	sub := pdfSubmission(7, 2)
	if _, err := p.Get(ctx, sub, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(ctx, sub, sub.Letters[0].ID); err != nil {
		t.Fatal(err)
	}
	if p.CachedBytes() == 0 {
		t.Fatal("nothing kept")
	}
	// Erasure blanks the supporter and the letters' text; even a
	// submission that still carried the old text must not get a PDF.
	erased := pdfSubmission(7, 2)
	at := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	erased.Supporter.ErasedAt = &at
	for _, letterID := range []int64{0, erased.Letters[0].ID} {
		if doc, err := p.Get(ctx, erased, letterID); err == nil || doc != nil {
			t.Fatalf("letter %d of an erased supporter: served %v", letterID, doc != nil)
		}
		if _, err := p.ETag(erased, letterID); err == nil {
			t.Fatalf("letter %d of an erased supporter: an ETag", letterID)
		}
	}
	// And nothing of theirs stays in memory.
	if n := p.CachedBytes(); n != 0 {
		t.Fatalf("%d bytes of an erased supporter's PDFs still kept", n)
	}
}

func TestPDFsConcurrentDownloadsRenderOnce(t *testing.T) {
	p, _ := newPDFs(t, submit.PDFOptions{})
	ctx := context.Background()
	var wg sync.WaitGroup
	tags := make(chan string, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc, err := p.Get(ctx, pdfSubmission(3, 9), 0)
			if err != nil {
				t.Error(err)
				return
			}
			tags <- doc.ETag
		}()
	}
	wg.Wait()
	close(tags)
	seen := map[string]bool{}
	for tag := range tags {
		seen[tag] = true
	}
	if len(seen) != 1 || p.Renders() != 1 {
		t.Fatalf("16 concurrent downloads of one PDF: %d renders, %d tags", p.Renders(), len(seen))
	}
}

func TestPDFsUnsharedRenderEveryDownload(t *testing.T) {
	p, _ := newPDFs(t, submit.PDFOptions{CacheBytes: -1, Unshared: true, Renders: 64})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Get(context.Background(), pdfSubmission(3, 2), 0); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if p.Renders() != 8 {
		t.Fatalf("8 downloads, %d renders", p.Renders())
	}
}

func TestPDFsCacheStaysWithinItsBytes(t *testing.T) {
	one, _ := newPDFs(t, submit.PDFOptions{CacheBytes: -1})
	doc, err := one.Get(context.Background(), pdfSubmission(1, 1), 0)
	if err != nil {
		t.Fatal(err)
	}
	if one.CachedBytes() != 0 {
		t.Fatal("a disabled cache kept something")
	}
	// Room for about 20 single-letter PDFs.
	limit := int64(len(doc.Data)+256) * 20
	p, _ := newPDFs(t, submit.PDFOptions{CacheBytes: limit})
	for i := range 60 {
		if _, err := p.Get(context.Background(), pdfSubmission(int64(i+1), 1), 0); err != nil {
			t.Fatal(err)
		}
		if n := p.CachedBytes(); n > limit || n == 0 {
			t.Fatalf("after %d PDFs the cache holds %d bytes, limit %d", i+1, n, limit)
		}
	}
	// The most recent ones are kept, the oldest dropped.
	before := p.Renders()
	if _, err := p.Get(context.Background(), pdfSubmission(60, 1), 0); err != nil || p.Renders() != before {
		t.Fatalf("the latest PDF was rendered again (%v)", err)
	}
	if _, err := p.Get(context.Background(), pdfSubmission(1, 1), 0); err != nil || p.Renders() != before+1 {
		t.Fatalf("the oldest PDF was still kept (%v)", err)
	}
}

func TestPDFsRendersTakeTurnsAndGiveUpWhenBusy(t *testing.T) {
	// One render at a time, and a download waits at most 1 ms for its
	// turn: with 16 different PDFs asked for at once, some must be
	// refused as busy rather than all rendered side by side.
	p, _ := newPDFs(t, submit.PDFOptions{Renders: 1, QueueWait: time.Millisecond, CacheBytes: -1})
	var wg sync.WaitGroup
	var ok, busy atomic.Int64
	var msg atomic.Value
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.Get(context.Background(), pdfSubmission(int64(i+1), 20), 0)
			switch app.ErrorCodeOf(err) {
			case "":
				ok.Add(1)
			case app.EUNAVAILABLE:
				busy.Add(1)
				msg.Store(app.ErrorMessageOf(err))
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() == 0 || busy.Load() == 0 {
		t.Fatalf("%d rendered, %d refused as busy", ok.Load(), busy.Load())
	}
	if m := msg.Load().(string); !strings.Contains(m, "try again in a moment") {
		t.Fatalf("busy message %q", m)
	}
}

// BenchmarkPDFsGet is one download of a submission's 9 letters as one PDF:
// from the kept copy, and rendered each time (no cache).
func BenchmarkPDFsGet(b *testing.B) {
	for _, c := range []struct {
		name  string
		bytes int64
	}{{"kept", 0}, {"rendered", -1}} {
		b.Run(c.name, func(b *testing.B) {
			maker, err := pdf.New(pdf.Options{})
			if err != nil {
				b.Fatal(err)
			}
			p := submit.New(submit.Options{Submissions: &downloads{}, PDF: maker}).NewPDFs(submit.PDFOptions{CacheBytes: c.bytes})
			ctx := context.Background()
			if _, err := p.Get(ctx, pdfSubmission(1, 9), 0); err != nil { // the first download renders
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Get(ctx, downloaded(pdfSubmission(1, 9)), 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
