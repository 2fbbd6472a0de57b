package submit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"runtime"
	"sync"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
)

// PDFOptions configures the supporters' PDF downloads (Service.NewPDFs).
type PDFOptions struct {
	// CacheBytes bounds the memory kept by rendered PDFs [64 MiB];
	// negative: nothing is kept, every download is rendered.
	CacheBytes int64
	// CacheTTL is how long a rendered PDF is kept at most [10m]. It bounds
	// how long a supporter's letters stay in this process's memory after
	// their data was erased on another instance (this instance drops them
	// the first time it sees the erasure).
	CacheTTL time.Duration
	// Renders is how many PDFs are rendered at once [half the CPUs, at
	// least 1], so that a flood of downloads leaves CPU for every other
	// page.
	Renders int
	// QueueWait is how long a download waits for its turn to render
	// before it is refused as busy [3s].
	QueueWait time.Duration
	// Unshared makes every download render its own PDF, even while the
	// same one is being rendered for another: how downloads worked before
	// PDFs were kept, for `advocate bench pdf` to compare against.
	Unshared bool
}

// PDFs serves the PDFs of supporters' letters: each one is rendered once
// and then kept (bounded by bytes and time), keyed by what is printed in
// it, so a supporter reloading their link, or someone flooding it, costs a
// lookup rather than a render. Renders of one PDF asked for at once happen
// once; renders of different PDFs take turns. Safe for concurrent use.
type PDFs struct {
	svc      *Service
	cache    *pdfCache // nil: no cache
	turns    chan struct{}
	wait     time.Duration
	unshared bool

	mu      sync.Mutex
	flights map[pdfKey]*pdfFlight // renders under way
	// renders counts renders actually made, for tests.
	renders int64
}

// PDF is one rendered download.
type PDF struct {
	Data []byte
	// ETag is a strong entity tag (quoted) that changes whenever anything
	// printed in the PDF changes.
	ETag string
}

// pdfKey names one PDF: a submission, one of its letters (0: all of
// them), and a digest of everything printed, so that a changed letter or
// an erased supporter never matches what was kept before.
type pdfKey struct {
	submission int64
	letter     int64
	version    [sha256.Size]byte
}

// pdfFlight is one render that several downloads may wait for.
type pdfFlight struct {
	done chan struct{}
	pdf  *PDF
	err  error
}

// NewPDFs returns the PDF downloads of s's submissions.
func (s *Service) NewPDFs(o PDFOptions) *PDFs {
	if o.CacheBytes == 0 {
		o.CacheBytes = 64 << 20
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 10 * time.Minute
	}
	if o.Renders <= 0 {
		o.Renders = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if o.QueueWait <= 0 {
		o.QueueWait = 3 * time.Second
	}
	p := &PDFs{svc: s, turns: make(chan struct{}, o.Renders), wait: o.QueueWait, unshared: o.Unshared,
		flights: map[pdfKey]*pdfFlight{}}
	if o.CacheBytes > 0 {
		p.cache = newPDFCache(o.CacheBytes, o.CacheTTL, s.now)
	}
	return p
}

// pdfLayout changes when the PDF maker prints the same letters
// differently, so that browsers holding an old copy fetch the new one.
const pdfLayout = "pdf-layout-1"

// selectLetters lays out the letters of sub that a download holds: all of
// them (letterID 0) or the one with letterID.
func (s *Service) selectLetters(sub *app.Submission, letterID int64) ([]pdf.Letter, error) {
	var docs []pdf.Letter
	for _, l := range sub.Letters {
		if letterID == 0 || l.ID == letterID {
			docs = append(docs, pdf.StoredLetter(sub, l, s.loc))
		}
	}
	if len(docs) == 0 {
		return nil, app.Errorf(app.ENOTFOUND, "There is no such letter.")
	}
	return docs, nil
}

// key digests everything printed in docs. A few kilobytes of text: far
// cheaper than a render, so every download checks it against the stored
// letters as they are now.
func (p *PDFs) key(sub *app.Submission, letterID int64, docs []pdf.Letter) pdfKey {
	// Length-prefixed fields, so that no two different letters read the
	// same; one buffer, hashed once.
	size := len(pdfLayout) + 8
	for _, d := range docs {
		size += 64 + len(d.Subject) + len(d.Body)
		for _, l := range d.SenderLines {
			size += 8 + len(l)
		}
		for _, l := range d.RecipientLines {
			size += 8 + len(l)
		}
	}
	buf := make([]byte, 0, size)
	field := func(s string) {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	lines := func(ls []string) {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(ls)))
		for _, l := range ls {
			field(l)
		}
	}
	field(pdfLayout)
	for _, d := range docs {
		lines(d.SenderLines)
		field(d.Date.Format(time.RFC3339Nano + " MST"))
		lines(d.RecipientLines)
		field(d.Subject)
		field(d.Body)
	}
	return pdfKey{submission: sub.ID, letter: letterID, version: sha256.Sum256(buf)}
}

func (k pdfKey) etag() string {
	return `"` + base64.RawURLEncoding.EncodeToString(k.version[:18]) + `"`
}

// erased refuses an erased supporter's letters and forgets any PDF of
// theirs still kept.
func (p *PDFs) erased(sub *app.Submission) error {
	if sub.Supporter.ErasedAt == nil {
		return nil
	}
	if p.cache != nil {
		p.cache.dropSubmission(sub.ID)
	}
	return app.Errorf(app.ENOTFOUND, "These letters were erased with the supporter's data.")
}

// ETag returns the entity tag of the PDF Get would return, without
// rendering it, so that a browser's conditional request is answered at
// once.
func (p *PDFs) ETag(sub *app.Submission, letterID int64) (string, error) {
	if err := p.erased(sub); err != nil {
		return "", err
	}
	docs, err := p.svc.selectLetters(sub, letterID)
	if err != nil {
		return "", err
	}
	return p.key(sub, letterID, docs).etag(), nil
}

// Get returns the PDF of sub's letters (letterID 0) or of one of them, from
// the cache or rendered now, and records the download. sub must be loaded
// fresh for the request: what it holds now decides what is printed and
// which kept PDF may answer. EUNAVAILABLE when the renders are busy for
// longer than QueueWait.
func (p *PDFs) Get(ctx context.Context, sub *app.Submission, letterID int64) (*PDF, error) {
	if err := p.erased(sub); err != nil {
		return nil, err
	}
	docs, err := p.svc.selectLetters(sub, letterID)
	if err != nil {
		return nil, err
	}
	key := p.key(sub, letterID, docs)
	doc := p.cached(key)
	if doc == nil {
		if doc, err = p.render(ctx, key, docs); err != nil {
			return nil, err
		}
	}
	p.svc.markDownloaded(ctx, sub)
	return doc, nil
}

func (p *PDFs) cached(key pdfKey) *PDF {
	if p.cache == nil {
		return nil
	}
	if data, ok := p.cache.get(key); ok {
		return &PDF{Data: data, ETag: key.etag()}
	}
	return nil
}

// render makes the PDF once for everyone asking for it now. The render
// runs on its own, so that one download giving up does not fail the
// others waiting for it; each waits only as long as its own context.
func (p *PDFs) render(ctx context.Context, key pdfKey, docs []pdf.Letter) (*PDF, error) {
	if p.unshared {
		f := &pdfFlight{done: make(chan struct{})}
		p.fly(key, docs, f)
		return f.pdf, f.err
	}
	p.mu.Lock()
	f := p.flights[key]
	if f == nil {
		// Checked again under the lock: a render may have just finished.
		if doc := p.cached(key); doc != nil {
			p.mu.Unlock()
			return doc, nil
		}
		f = &pdfFlight{done: make(chan struct{})}
		p.flights[key] = f
		go p.fly(key, docs, f)
	}
	p.mu.Unlock()
	select {
	case <-f.done:
		return f.pdf, f.err
	case <-ctx.Done():
		return nil, app.WrapError(app.EUNAVAILABLE, ctx.Err(), "The server is busy. Please try again in a moment.")
	}
}

func (p *PDFs) fly(key pdfKey, docs []pdf.Letter, f *pdfFlight) {
	defer func() {
		p.mu.Lock()
		if p.flights[key] == f {
			delete(p.flights, key)
		}
		p.mu.Unlock()
		close(f.done)
	}()
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case p.turns <- struct{}{}:
	case <-t.C:
		f.err = app.Errorf(app.EUNAVAILABLE, "Many letters are being printed right now. Please try again in a moment.")
		return
	}
	defer func() { <-p.turns }()
	var buf bytes.Buffer
	var err error
	if len(docs) == 1 {
		err = p.svc.pdf.WriteLetter(&buf, docs[0])
	} else {
		err = p.svc.pdf.WriteCombined(&buf, docs)
	}
	p.mu.Lock()
	p.renders++
	p.mu.Unlock()
	if err != nil {
		f.err = err
		return
	}
	data := buf.Bytes()
	if p.cache != nil {
		p.cache.put(key, data)
	}
	f.pdf = &PDF{Data: data, ETag: key.etag()}
}

// markDownloaded records that sub's letters reached the supporter, unless
// the loaded submission shows that was recorded before: a reload or a
// flood of the same link then costs the database nothing more.
func (s *Service) markDownloaded(ctx context.Context, sub *app.Submission) {
	pending := false
	for _, l := range sub.Letters {
		for _, d := range l.Deliveries {
			if d.Channel == app.ChannelDownload && d.Status == app.StatusPending {
				pending = true
			}
		}
	}
	if !pending {
		return
	}
	if err := s.submissions.MarkDownloaded(ctx, sub.ID, s.now()); err != nil {
		s.log.Warn("record download", "submission", sub.ID, "err", err)
	}
}
