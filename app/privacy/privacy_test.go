package privacy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/outbox"
	"github.com/advocate-org/advocate/app/privacy"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/templates"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

var (
	cliCtx    = app.WithActor(context.Background(), app.Actor{Via: "cli"})
	systemCtx = app.WithActor(context.Background(), app.Actor{Via: "system"})
)

func as(roles ...app.Role) context.Context {
	return app.WithActor(context.Background(), app.Actor{UserID: 7, Email: "someone@example.org", Roles: roles, Via: "session"})
}

// openDB is a migrated SQLite store in a temp folder on a fixed clock.
func openDB(t *testing.T) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "advocate.db"), Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func addCampaign(t *testing.T, db *store.DB, slug string, retentionDays int) *app.Campaign {
	t.Helper()
	c := &app.Campaign{Slug: slug, Title: "Campaign " + slug, Status: app.CampaignOpen, RetentionDays: retentionDays}
	if err := db.Campaigns.CreateCampaign(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

var seq int

// newSubmission is a supporter's submission with two letters, made at
// created.
func newSubmission(c *app.Campaign, email string, created time.Time) *app.Submission {
	seq++
	s := &app.Submission{CampaignID: c.ID, Token: fmt.Sprintf("token%021d", seq), DedupKey: fmt.Sprint("k", seq),
		CreatedAt: created, PersonalMessage: "He is my neighbour.",
		Supporter: app.Supporter{FirstName: "Ann", LastName: "Lee", Email: email, Address1: "1 Main St", City: "Albany",
			State: "NY", Zip: "12202"}}
	for _, name := range []string{"Paul Tonko", "Kirsten Gillibrand"} {
		s.Letters = append(s.Letters, app.Letter{Subject: "Please help", Body: "Dear " + name + ", I am Ann Lee of Albany.",
			Recipient:  app.Target{Key: "leg:" + name, Kind: app.TargetRepresentative, Name: name},
			Deliveries: []app.Delivery{{Channel: app.ChannelDownload, Status: app.StatusPending}}})
	}
	return s
}

// addSubmission stores newSubmission's submission.
func addSubmission(t *testing.T, db *store.DB, c *app.Campaign, email string, created time.Time) *app.Submission {
	t.Helper()
	s := newSubmission(c, email, created)
	if _, err := db.Submissions.CreateSubmission(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func newService(t *testing.T, db *store.DB, audit privacy.Auditor) *privacy.Service {
	t.Helper()
	svc, err := privacy.New(privacy.Options{Store: db.Privacy, Audit: audit, Clock: func() time.Time { return now }, PurgeBatch: 2})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestOnlySupporterDataRoleAndSystem(t *testing.T) {
	db := openDB(t)
	svc := newService(t, db, nil)
	addSubmission(t, db, addCampaign(t, db, "c", 0), "ann@example.org", now)
	calls := map[string]func(ctx context.Context) error{
		"find":   func(ctx context.Context) error { _, err := svc.FindSupporter(ctx, "ann@example.org"); return err },
		"export": func(ctx context.Context) error { _, err := svc.ExportSupporter(ctx, "ann@example.org"); return err },
		"erase": func(ctx context.Context) error {
			_, err := svc.EraseSupporter(ctx, "ann@example.org", true)
			return err
		},
		"purge":   func(ctx context.Context) error { _, err := svc.Purge(ctx, now); return err },
		"preview": func(ctx context.Context) error { _, err := svc.PreviewPurge(ctx, now); return err },
	}
	for name, call := range calls {
		for _, c := range []struct {
			who  string
			ctx  context.Context
			want app.ErrorCode
		}{
			{"anonymous", context.Background(), app.EUNAUTHORIZED},
			{"admin", as(app.RoleAdmin, app.RoleOrganizer, app.RoleStaff), app.EFORBIDDEN},
			{"staff", as(app.RoleStaff), app.EFORBIDDEN},
			{"a signed-in user claiming to be the CLI", app.WithActor(context.Background(), app.Actor{UserID: 3, Via: "cli"}), app.EFORBIDDEN},
			{"supporter-data", as(app.RoleSupporterData), ""},
			{"cli", cliCtx, ""},
			{"system", systemCtx, ""},
		} {
			if got := app.ErrorCodeOf(call(c.ctx)); got != c.want {
				t.Errorf("%s as %s: %q, want %q", name, c.who, got, c.want)
			}
		}
	}
	if _, err := svc.FindSupporter(cliCtx, "  "); app.ErrorCodeOf(err) != app.EINVALID {
		t.Errorf("empty email: %v", err)
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{
		"jane.doe@example.org":    "j***@e***.org",
		" Jane@Mail.Example.CO ":  "J***@M***.CO",
		"łukasz@żółć.pl":          "ł***@ż***.pl",
		"ann@localhost":           "a***@l***",
		"no-at-sign":              "n***",
		"":                        "",
		"@example.org":            "***@e***.org",
		"x@.org":                  "x***@.***",
		"jane.doe@example.org.uk": "j***@e***.uk",
	} {
		if got := app.MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExportAndEraseAreAuditedWithoutTheAddress(t *testing.T) {
	db := openDB(t)
	audit := auth.NewAudit(db.Audit, func() time.Time { return now })
	svc := newService(t, db, audit)
	c := addCampaign(t, db, "free-him", 0)
	addSubmission(t, db, c, "Ann.Lee@Example.org", now.Add(-time.Hour))
	addSubmission(t, db, addCampaign(t, db, "other", 0), "ann.lee@example.org", now)
	bob := addSubmission(t, db, c, "bob@example.org", now)
	ctx := as(app.RoleSupporterData)

	x, err := svc.FindSupporter(ctx, "ann.lee@example.org")
	if err != nil || len(x.Records) != 2 || x.Letters() != 4 || x.Records[0].Submission.PersonalMessage != "He is my neighbour." {
		t.Fatalf("find: %+v %v", x, err)
	}
	if x, err = svc.ExportSupporter(ctx, "ANN.LEE@example.org"); err != nil || len(x.Records) != 2 {
		t.Fatalf("export: %+v %v", x, err)
	}
	dry, err := svc.EraseSupporter(ctx, "ann.lee@example.org", true)
	if err != nil || !dry.DryRun || dry.Supporters() != 2 || dry.Letters() != 4 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	er, err := svc.EraseSupporter(ctx, "ann.lee@example.org", false)
	if err != nil || er.Supporters() != 2 {
		t.Fatalf("erase: %+v %v", er, err)
	}
	if x, err = svc.ExportSupporter(ctx, "ann.lee@example.org"); err != nil || len(x.Records) != 0 {
		t.Fatalf("export after erasure: %+v %v", x, err)
	}
	if got, _ := db.Submissions.FindSubmissionByToken(context.Background(), bob.Token); got.Supporter.ErasedAt != nil {
		t.Fatal("another supporter was erased")
	}
	if _, err := svc.FindSupporter(ctx, "bob@example.org"); err != nil {
		t.Fatal(err)
	}

	events, err := db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "supporter"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	ann, bobRef := "supporter:"+privacy.EmailRef("ann.lee@example.org"), "supporter:"+privacy.EmailRef("bob@example.org")
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		actions = append(actions, e.Action)
		for _, s := range []string{e.Subject, e.Detail} {
			if strings.Contains(strings.ToLower(s), "ann.lee") || strings.Contains(s, "bob@") {
				t.Errorf("the audit log holds an address: %+v", e)
			}
		}
		if e.ActorEmail != "someone@example.org" {
			t.Errorf("event without its actor: %+v", e)
		}
		want := ann
		if i == 0 {
			want = bobRef
		}
		if e.Subject != want {
			t.Errorf("event %s: subject %q, want %q", e.Action, e.Subject, want)
		}
	}
	if got := strings.Join(actions, " "); got != "supporter.view supporter.export supporter.erase supporter.erase supporter.export supporter.view" {
		t.Fatalf("audit actions: %s", got)
	}
	if bobRef == ann || !strings.HasPrefix(ann, "supporter:a***@e***.org #") {
		t.Fatalf("subjects: %q and %q", ann, bobRef)
	}
	if !strings.Contains(events[2].Detail, `"dry_run":false`) || !strings.Contains(events[2].Detail, `"supporters":2`) ||
		!strings.Contains(events[3].Detail, `"dry_run":true`) {
		t.Fatalf("erase details: %s / %s", events[2].Detail, events[3].Detail)
	}
}

// brokenAudit fails every record.
type brokenAudit struct{}

func (brokenAudit) Record(context.Context, string, string, string) error {
	return errors.New("disk full")
}

// Without a working audit log supporters' data is not shown, but an
// erasure asked for still happens.
func TestNoDataWithoutAuditTrail(t *testing.T) {
	db := openDB(t)
	svc := newService(t, db, brokenAudit{})
	s := addSubmission(t, db, addCampaign(t, db, "c", 0), "ann@example.org", now)
	ctx := as(app.RoleSupporterData)
	if x, err := svc.ExportSupporter(ctx, "ann@example.org"); x != nil || app.ErrorCodeOf(err) != app.EUNAVAILABLE {
		t.Fatalf("export without audit: %v %v", x, err)
	}
	if _, err := svc.EraseSupporter(ctx, "ann@example.org", true); app.ErrorCodeOf(err) != app.EUNAVAILABLE {
		t.Fatalf("preview without audit: %v", err)
	}
	if er, err := svc.EraseSupporter(ctx, "ann@example.org", false); err != nil || er.Supporters() != 1 {
		t.Fatalf("erase without audit: %+v %v", er, err)
	}
	if got, _ := db.Submissions.FindSubmissionByToken(context.Background(), s.Token); got.Supporter.ErasedAt == nil {
		t.Fatal("not erased")
	}
}

func TestPurge(t *testing.T) {
	db := openDB(t)
	svc := newService(t, db, auth.NewAudit(db.Audit, func() time.Time { return now }))
	short, long, forever := addCampaign(t, db, "short", 30), addCampaign(t, db, "long", 365), addCampaign(t, db, "forever", 0)
	day := 24 * time.Hour
	var old []*app.Submission
	for i := range 5 { // more than one batch of 2
		old = append(old, addSubmission(t, db, short, fmt.Sprintf("s%d@example.org", i), now.Add(-31*day)))
	}
	recent := addSubmission(t, db, short, "recent@example.org", now.Add(-29*day))
	old = append(old, addSubmission(t, db, long, "l@example.org", now.Add(-366*day)))
	kept := []*app.Submission{recent, addSubmission(t, db, long, "l2@example.org", now.Add(-300*day)),
		addSubmission(t, db, forever, "f@example.org", now.Add(-1000*day))}

	preview, err := svc.PreviewPurge(systemCtx, now)
	if err != nil || preview.Supporters() != 6 {
		t.Fatalf("preview: %+v %v", preview, err)
	}
	er, err := svc.Purge(systemCtx, now)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, c := range er.Campaigns {
		counts[c.Slug] = c.Supporters
		if c.Letters != 2*c.Supporters || c.Stopped != 2*c.Supporters {
			t.Errorf("%s: %+v", c.Slug, c)
		}
	}
	if len(counts) != 2 || counts["short"] != 5 || counts["long"] != 1 {
		t.Fatalf("purge counts %v", counts)
	}
	for _, s := range old {
		if got, _ := db.Submissions.FindSubmissionByToken(context.Background(), s.Token); got.Supporter.ErasedAt == nil {
			t.Errorf("%s not erased", s.Supporter.Email)
		}
	}
	for _, s := range kept {
		if got, _ := db.Submissions.FindSubmissionByToken(context.Background(), s.Token); got.Supporter.ErasedAt != nil {
			t.Errorf("%s erased", s.Supporter.Email)
		}
	}
	events, _ := db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: privacy.ActionPurge})
	subjects := map[string]bool{}
	for _, e := range events {
		subjects[e.Subject] = true
		if e.ActorEmail != "system" {
			t.Errorf("purge recorded as %q", e.ActorEmail)
		}
	}
	if len(events) != 2 || !subjects["campaign:short"] || !subjects["campaign:long"] {
		t.Fatalf("purge events %+v", events)
	}
	if again, err := svc.Purge(systemCtx, now); err != nil || again.Supporters() != 0 {
		t.Fatalf("second purge: %+v %v", again, err)
	}
}

// fakeStore counts purges and fails on demand.
type fakeStore struct {
	mu     sync.Mutex
	purges int
	fail   bool
	actors []string
}

func (f *fakeStore) EraseSupporters(ctx context.Context, flt app.EraseFilter) (app.Erasure, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, _ := app.ActorFrom(ctx)
	f.actors = append(f.actors, a.Via)
	if f.fail {
		return app.Erasure{}, app.Errorf(app.EUNAVAILABLE, "The database is busy.")
	}
	if !flt.Retention || flt.DryRun {
		return app.Erasure{}, fmt.Errorf("unexpected filter %+v", flt)
	}
	f.purges++
	return app.Erasure{Campaigns: []app.CampaignErasure{{Slug: "free-him", Supporters: 1, Letters: 4, RetentionDays: 30}}}, nil
}

func (f *fakeStore) ExportSupporter(context.Context, string) (*app.SupporterExport, error) {
	return nil, errors.New("not used")
}

func (f *fakeStore) state() (int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.purges, append([]string(nil), f.actors...)
}

// The daily job on a fake clock: a purge after the start delay, then one
// per interval, a sooner retry after a failure, and a clean stop.
func TestRunDaily(t *testing.T) {
	st := &fakeStore{}
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil))
	svc, err := privacy.New(privacy.Options{Store: st, Logger: logger, Clock: func() time.Time { return now }, PurgeBatch: 100})
	if err != nil {
		t.Fatal(err)
	}
	waits := make(chan time.Duration)
	fire := make(chan time.Time)
	after := func(d time.Duration) <-chan time.Time { waits <- d; return fire }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.RunDaily(ctx, privacy.JobOptions{Delay: 2 * time.Minute, Interval: 24 * time.Hour, RetryAfter: time.Hour, After: after})
	}()

	step := func(want time.Duration, purges int) {
		t.Helper()
		if got := <-waits; got != want {
			t.Fatalf("waits %s, want %s", got, want)
		}
		if n, _ := st.state(); n != purges {
			t.Fatalf("%d purges before the wait, want %d", n, purges)
		}
	}
	step(2*time.Minute, 0) // nothing happens before the first wait ends
	fire <- now
	step(24*time.Hour, 1)
	fire <- now
	step(24*time.Hour, 2)
	st.mu.Lock()
	st.fail = true
	st.mu.Unlock()
	fire <- now
	step(time.Hour, 2) // a failure is retried sooner
	st.mu.Lock()
	st.fail = false
	st.mu.Unlock()
	fire <- now
	step(24*time.Hour, 3)
	cancel()
	<-done

	_, actors := st.state()
	for _, a := range actors {
		if a != "system" {
			t.Fatalf("purged as %q", a)
		}
	}
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	for _, want := range []string{"campaign=free-him", "supporters=1", "letters=4", "purge failed", "retry_in=1h0m0s"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// An office email in flight when its supporter is erased may finish; if it
// failed, its retry must not go out with the erased (empty) letter.
func TestOutboxDropsRetryOfErasedLetter(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	svc := newService(t, db, nil)
	s := newSubmission(addCampaign(t, db, "c", 0), "ann@example.org", now)
	due := now
	s.Letters[0].Deliveries = append(s.Letters[0].Deliveries,
		app.Delivery{Channel: app.ChannelEmail, To: "office@house.example", Status: app.StatusQueued, NextAttemptAt: &due})
	if _, err := db.Submissions.CreateSubmission(ctx, s); err != nil {
		t.Fatal(err)
	}
	inFlight, err := db.Outbox.ClaimDeliveries(ctx, "w1", 10, now, now.Add(time.Minute))
	if err != nil || len(inFlight) != 1 {
		t.Fatalf("claim: %+v %v", inFlight, err)
	}
	if er, err := svc.EraseSupporter(cliCtx, "ann@example.org", false); err != nil || er.Supporters() != 1 {
		t.Fatalf("erase: %+v %v", er, err)
	}
	d := inFlight[0]
	retry := now.Add(time.Minute)
	d.Status, d.NextAttemptAt, d.LastError = app.StatusFailed, &retry, "421 try later"
	if ok, err := db.Outbox.FinishDelivery(ctx, "w1", d, now); !ok || err != nil {
		t.Fatalf("the send in flight could not finish: %v %v", ok, err)
	}

	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	comp, err := outbox.NewComposer(outbox.ComposerOptions{From: mail.Address{Name: "Advocate", Email: "letters@advocate.example"},
		BaseURL: "https://letters.example.org", Templates: templates.Emails(), PDF: maker, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ob, err := outbox.New(outbox.Options{Store: views.Outbox(db), Sender: mail.NewFileSender(dir), Composer: comp,
		Clock: func() time.Time { return now.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ob.Flush(ctx); err != nil || n != 1 {
		t.Fatalf("flush handled %d (%v)", n, err)
	}
	got, err := db.Submissions.FindSubmissionByToken(ctx, s.Token)
	if err != nil {
		t.Fatal(err)
	}
	dl := got.Letters[0].Deliveries[1]
	if dl.Status != app.StatusDead || !strings.Contains(dl.LastError, "erased") {
		t.Fatalf("the retry: %s %q", dl.Status, dl.LastError)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("an email was written for an erased supporter: %v", files)
	}
}

// An address with letters outside ASCII is found as the supporter typed
// it, whatever the case of its ASCII letters, on SQLite too (whose lower()
// folds only ASCII).
func TestNonASCIIAddress(t *testing.T) {
	db := openDB(t)
	svc := newService(t, db, nil)
	addSubmission(t, db, addCampaign(t, db, "c", 0), "Łukasz.Żółć@example.org", now)
	x, err := svc.FindSupporter(cliCtx, " Łukasz.Żółć@EXAMPLE.org ")
	if err != nil || len(x.Records) != 1 || x.Email != "łukasz.żółć@example.org" {
		t.Fatalf("find: %+v %v", x, err)
	}
	if er, err := svc.EraseSupporter(cliCtx, "Łukasz.Żółć@Example.ORG", false); err != nil || er.Supporters() != 1 {
		t.Fatalf("erase: %+v %v", er, err)
	}
}
