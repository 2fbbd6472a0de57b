// Package packets prints office packets: for each office a campaign wrote
// to, one PDF with a cover letter (the office, how many letters, written
// when) followed by every letter to it, for an organizer to deliver by hand.
//
// It is built for tens of thousands of letters: letters are read from the
// database a page at a time in office order and each office's PDF is
// written and released before the next one starts, so memory holds one
// volume, never the campaign. Offices with many letters are split into
// volumes of VolumeSize letters so that no single PDF grows without bound.
package packets

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/stats"
)

// Store is what packets read (store.Outbox with store.Campaigns: views.Office).
type Store interface {
	FindCampaignBySlug(ctx context.Context, slug string) (*app.Campaign, error)
	OfficeTallies(ctx context.Context, campaignID int64, kinds []app.TargetKind) ([]app.OfficeTally, error)
	ListOfficeLetters(ctx context.Context, pg app.LetterPage) ([]app.Submission, error)
}

// Recorder writes audit events (auth.Audit has it).
type Recorder interface {
	Record(ctx context.Context, action, subject, detail string) error
}

// Options configures a Writer. Store and PDF are required.
type Options struct {
	Store Store
	PDF   *pdf.Maker
	// Audit records every run before the first file is written; nil
	// records nothing (tests).
	Audit Recorder
	// Operator names the operating-system account behind a command-line
	// run ("alice@host"), for the audit log: the actor there is just "cli".
	Operator string
	// Location dates the cover and the letters (default America/New_York).
	Location *time.Location
	Clock    app.Clock
	// VolumeSize is the most letters in one PDF (default 500); an office
	// with more gets several volumes.
	VolumeSize int
	// PageSize is how many letters one query reads (default 200).
	PageSize int
	// Progress, when set, is called after each file is written.
	Progress func(Progress)
}

// Progress reports how far a run is.
type Progress struct {
	Office          string // display name
	Offices, Done   int    // offices in all, offices finished
	Letters, Total  int    // letters written so far, letters in all
	File            string // the file just written
	Volume, Volumes int
}

// File is one written packet.
type File struct {
	Path      string
	OfficeKey string
	Office    string
	Letters   int
	Volume    int
	Volumes   int
}

// Result lists what a run wrote.
type Result struct {
	Campaign *app.Campaign
	Files    []File
	Offices  int
	Letters  int
	// Skipped are letters that could not be printed (with the reason);
	// they are left out of their packet rather than stopping the run.
	Skipped []string
}

// Writer writes packets.
type Writer struct {
	o Options
}

// New fills in defaults.
func New(o Options) *Writer {
	if o.Location == nil {
		loc, err := time.LoadLocation("America/New_York")
		if err != nil {
			loc = time.UTC
		}
		o.Location = loc
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.VolumeSize <= 0 {
		o.VolumeSize = 500
	}
	if o.PageSize <= 0 {
		o.PageSize = 200
	}
	return &Writer{o: o}
}

// Allowed reports whether the actor in ctx may print packets. A packet is
// every letter to an office in full (each writer's name, street address,
// email and own paragraph), so it is supporters' personal data: the
// supporter-data role, or the command line on the server (which asks for
// an explicit flag before it calls Write).
func Allowed(ctx context.Context) error {
	a, ok := app.ActorFrom(ctx)
	switch {
	case ok && (a.Has(app.RoleSupporterData) || a.Via == "cli"):
		return nil
	case !ok || (a.UserID == 0 && a.Via == ""):
		return app.Errorf(app.EUNAUTHORIZED, "Please sign in to print office packets.")
	}
	return app.Errorf(app.EFORBIDDEN, "Office packets carry supporters' names, addresses and emails: they need the supporter-data role.")
}

// Write prints one PDF (or several volumes) per office for the campaign
// slug into dir, plus index.csv listing the files. Only letters of
// confirmed, not erased supporters are included. The run is recorded in
// the audit log first: no record, no packets.
func (w *Writer) Write(ctx context.Context, slug, dir string) (*Result, error) {
	if err := Allowed(ctx); err != nil {
		return nil, err
	}
	c, err := w.o.Store.FindCampaignBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	tallies, err := w.o.Store.OfficeTallies(ctx, c.ID, nil)
	if err != nil {
		return nil, err
	}
	if w.o.Audit != nil {
		letters := 0
		for _, t := range tallies {
			letters += t.Letters
		}
		detail := map[string]any{"offices": len(tallies), "letters": letters, "personal_data": true}
		if w.o.Operator != "" {
			detail["operator"] = w.o.Operator
		}
		b, _ := json.Marshal(detail)
		if err := w.o.Audit.Record(ctx, "packets.write", "campaign:"+c.Slug, string(b)); err != nil {
			return nil, fmt.Errorf("packets: audit: %w", err)
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("packets: %w", err)
	}
	res := &Result{Campaign: c, Offices: len(tallies)}
	total := 0
	byKey := make(map[string]app.OfficeTally, len(tallies))
	for _, t := range tallies {
		byKey[t.TargetKey] = t
		total += t.Letters
	}
	run := &run{w: w, c: c, dir: dir, res: res, tallies: byKey, total: total, offices: len(tallies)}
	pg := app.LetterPage{CampaignID: c.ID, Limit: w.o.PageSize}
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		page, err := w.o.Store.ListOfficeLetters(ctx, pg)
		if err != nil {
			return res, err
		}
		for i := range page {
			if err := run.add(&page[i]); err != nil {
				return res, err
			}
		}
		if len(page) < pg.Limit {
			break
		}
		last := page[len(page)-1].Letters[0]
		pg.AfterKey, pg.AfterID = last.Recipient.Key, last.ID
	}
	if err := run.flush(true); err != nil {
		return res, err
	}
	if err := writeIndex(filepath.Join(dir, "index.csv"), res.Files); err != nil {
		return res, err
	}
	return res, nil
}

// run holds the office being gathered.
type run struct {
	w       *Writer
	c       *app.Campaign
	dir     string
	res     *Result
	tallies map[string]app.OfficeTally
	total   int
	offices int
	done    int

	key    string
	first  app.Target // recipient snapshot of the office's first letter
	volume int
	seen   int // letters of this office handled so far
	buf    []pdf.Letter
}

func (r *run) add(s *app.Submission) error {
	l := s.Letters[0]
	// Letters are keyed by recipient key; the snapshot's key is the same
	// column the store orders by.
	if l.Recipient.Key != r.key {
		if err := r.flush(true); err != nil {
			return err
		}
		r.key, r.first, r.volume, r.seen = l.Recipient.Key, l.Recipient, 0, 0
	}
	r.buf = append(r.buf, pdf.StoredLetter(s, l, r.w.o.Location))
	r.seen++
	if len(r.buf) >= r.w.o.VolumeSize {
		return r.flush(false)
	}
	return nil
}

// flush writes the gathered letters as the next volume; last ends the
// office.
func (r *run) flush(last bool) error {
	if len(r.buf) > 0 {
		if err := r.writeVolume(); err != nil {
			return err
		}
	}
	if last && r.key != "" {
		r.done++
		r.key = ""
	}
	return nil
}

func (r *run) writeVolume() error {
	t := r.tallies[r.key]
	r.volume++
	// Letters written since the tally was taken may add a volume.
	volumes := max(1, (t.Letters+r.w.o.VolumeSize-1)/r.w.o.VolumeSize, r.volume)
	from, to := r.seen-len(r.buf)+1, r.seen
	cover := r.cover(t, volumes, from, to)
	name := fileName(r.c.Slug, r.first, r.volume, volumes)
	path := filepath.Join(r.dir, name)
	letters, skipped, err := r.writePDF(path, cover, r.buf)
	if err != nil {
		return err
	}
	r.res.Skipped = append(r.res.Skipped, skipped...)
	office := officeName(r.first)
	r.res.Files = append(r.res.Files, File{Path: path, OfficeKey: r.key, Office: office, Letters: letters,
		Volume: r.volume, Volumes: volumes})
	r.res.Letters += letters
	r.buf = r.buf[:0]
	if p := r.w.o.Progress; p != nil {
		done := r.done
		if r.volume == volumes {
			done++
		}
		p(Progress{Office: office, Offices: r.offices, Done: done, Letters: r.res.Letters, Total: r.total,
			File: path, Volume: r.volume, Volumes: volumes})
	}
	return nil
}

// writePDF writes cover and letters atomically. A letter that cannot be
// printed is left out (and reported) rather than failing the packet.
func (r *run) writePDF(path string, cover pdf.Letter, letters []pdf.Letter) (int, []string, error) {
	docs := append([]pdf.Letter{cover}, letters...)
	var skipped []string
	tmp, err := os.CreateTemp(filepath.Dir(path), ".packet-*.pdf")
	if err != nil {
		return 0, nil, fmt.Errorf("packets: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = r.w.o.PDF.WriteCombined(tmp, docs)
	if code := app.ErrorCodeOf(err); code == app.EINVALID || code == app.ETOOLARGE {
		// Find the culprits one by one (rare: letters are checked when
		// written), then print the rest.
		kept := docs[:1]
		for i, l := range letters {
			if perr := r.w.o.PDF.WriteLetter(io.Discard, l); perr != nil {
				skipped = append(skipped, fmt.Sprintf("%s: letter %d of volume %d: %s", officeName(r.first), i+1,
					r.volume, app.ErrorMessageOf(perr)))
				continue
			}
			kept = append(kept, l)
		}
		docs = kept
		if _, err = tmp.Seek(0, io.SeekStart); err == nil {
			if err = tmp.Truncate(0); err == nil {
				err = r.w.o.PDF.WriteCombined(tmp, docs)
			}
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("packets: write %s: %w", filepath.Base(path), err)
	}
	return len(docs) - 1, skipped, nil
}

// cover is the transmittal letter on top of a packet.
func (r *run) cover(t app.OfficeTally, volumes, from, to int) pdf.Letter {
	c := r.c
	org := strings.TrimSpace(c.Delivery.OrgName)
	if org == "" {
		org = c.Title
	}
	what := "letters"
	if r.first.Kind == app.TargetRepresentative || r.first.Kind == app.TargetSenator {
		what = "letters from constituents"
	}
	loc := r.w.o.Location
	day := func(tm time.Time) string { return tm.In(loc).Format("January 2, 2006") }
	span := "on " + day(t.First)
	if day(t.First) != day(t.Last) {
		span = "between " + day(t.First) + " and " + day(t.Last)
	}
	var b strings.Builder
	greeting := r.first.Greeting
	if greeting == "" {
		greeting = "Dear " + officeName(r.first) + ":"
	}
	fmt.Fprintf(&b, "%s\n\n", greeting)
	fmt.Fprintf(&b, "Enclosed %s %s %s written through the campaign \u201c%s\u201d %s.",
		plural(t.Letters, "is", "are"), count(t.Letters), singular(t.Letters, what), c.Title, span)
	if volumes > 1 {
		fmt.Fprintf(&b, " This is volume %d of %d, with letters %s to %s.", r.volume, volumes, count(from), count(to))
	}
	b.WriteString("\n\n")
	b.WriteString(coverAsk(c))
	b.WriteString("Each letter carries its writer's name and postal address so that your office can reply.\n\n")
	fmt.Fprintf(&b, "Respectfully,\n\n%s", org)
	return pdf.Letter{
		SenderLines:    []string{org},
		Date:           r.w.o.Clock().In(loc),
		RecipientLines: pdf.RecipientLines(r.first),
		Subject:        fmt.Sprintf("%s %s: %s", count(t.Letters), singular(t.Letters, what), c.Title),
		Body:           b.String(),
	}
}

// coverAsk is what the cover says the letters ask, in the campaign's own
// words: its ask, and once it closed with an outcome, that outcome too, so
// a packet printed after the case moved never asks an office for what
// already happened.
func coverAsk(c *app.Campaign) string {
	ask := strings.TrimSuffix(lowerFirst(strings.TrimSpace(c.Ask)), ".")
	outcome := strings.TrimSpace(c.Outcome)
	var b strings.Builder
	switch {
	case outcome != "" && ask != "":
		fmt.Fprintf(&b, "The writers asked you to %s. ", ask)
	case ask != "":
		fmt.Fprintf(&b, "The writers ask you to %s.\n\n", ask)
	}
	if outcome != "" {
		b.WriteString("The campaign has since closed")
		if c.OutcomeOn != nil {
			b.WriteString(" (" + c.OutcomeOn.UTC().Format("January 2, 2006") + ")")
		}
		b.WriteString(": " + strings.TrimSuffix(outcome, ".") + ".\n\n")
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// singular turns "letters ..." into "letter ..." for one letter.
func singular(n int, what string) string {
	if n == 1 {
		return strings.Replace(what, "letters", "letter", 1)
	}
	return what
}

// count formats 12345 as "12,345".
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if len(r) > 1 && r[1] >= 'A' && r[1] <= 'Z' {
		return s // an acronym: "ICE ..."
	}
	return strings.ToLower(string(r[0])) + string(r[1:])
}

// officeName is the display name of a recipient: "Rep. Paul Tonko (NY-20)".
func officeName(t app.Target) string {
	name := t.Name
	switch {
	case t.Chamber == app.House && t.District != nil:
		d := app.DistrictKey{State: t.State, District: *t.District}
		return "Rep. " + name + " (" + d.String() + ")"
	case t.Chamber == app.Senate:
		return "Sen. " + name + " (" + t.State + ")"
	case t.Title != "" && t.Kind == app.TargetExecutive:
		return name + ", " + t.Title
	}
	return name
}

// fileName is "<slug>-<state+district or key>-<last name>[-vol-2-of-3].pdf",
// in safe ASCII.
func fileName(slug string, t app.Target, volume, volumes int) string {
	parts := []string{slug}
	switch {
	case t.Chamber == app.House && t.District != nil:
		parts = append(parts, fmt.Sprintf("%s%02d", t.State, *t.District))
	case t.Chamber == app.Senate:
		parts = append(parts, t.State+"-senate")
	}
	parts = append(parts, t.LastName, strings.ReplaceAll(t.Key, ":", "-"))
	if volumes > 1 {
		parts = append(parts, fmt.Sprintf("vol-%d-of-%d", volume, volumes))
	}
	return safeName(strings.Join(parts, "-")) + ".pdf"
}

func safeName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		if ok {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

func writeIndex(path string, files []File) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("packets: %w", err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"file", "office", "office_key", "letters", "volume", "volumes"})
	for _, x := range files {
		// Office names come from the roster, which organizers edit by hand:
		// defuse formulas as every other export does.
		_ = w.Write(stats.SafeCells([]string{filepath.Base(x.Path), x.Office, x.OfficeKey, strconv.Itoa(x.Letters),
			strconv.Itoa(x.Volume), strconv.Itoa(x.Volumes)}))
	}
	w.Flush()
	err = w.Error()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("packets: index: %w", err)
	}
	return nil
}
