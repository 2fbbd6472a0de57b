package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/store"
)

// fixture is a campaign with templates, ready for submissions.
type fixture struct {
	campaign *app.Campaign
	tpl      map[app.TargetKind]int64
}

func newFixture(t testing.TB, e *env) *fixture {
	t.Helper()
	ctx := context.Background()
	c := &app.Campaign{Slug: fmt.Sprintf("c%d", time.Now().UnixNano()), Title: "T", Status: app.CampaignOpen}
	if err := e.db.Campaigns.CreateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	f := &fixture{campaign: c, tpl: map[app.TargetKind]int64{}}
	for _, k := range app.TargetKinds() {
		tv := app.TemplateVersion{CampaignID: c.ID, Kind: k, Subject: "About " + string(k), Body: strings.Repeat("Body text. ", 100)}
		if err := e.db.Campaigns.SaveTemplateVersion(ctx, &tv); err != nil {
			t.Fatal(err)
		}
		f.tpl[k] = tv.ID
	}
	return f
}

// submission builds a realistic submission: a representative, two
// senators, a committee member and an executive, each with a download
// delivery, plus an email delivery on the executive letter.
func (f *fixture) submission(n int, email string, now time.Time) *app.Submission {
	lat, lon := 42.04, -88.03
	dist := 8
	s := &app.Submission{
		CampaignID: f.campaign.ID,
		Token:      fmt.Sprintf("tok%08d-%d", n, now.UnixNano()),
		DedupKey:   "dedup:" + email,
		Supporter: app.Supporter{FirstName: "Ann", LastName: fmt.Sprintf("Lee%d", n), Email: email,
			Address1: "1 Main St", City: "Schaumburg", State: "IL", Zip: "60173", Lat: &lat, Lon: &lon, ContactOK: n%2 == 0},
		PersonalMessage: "Please help.",
		District:        &app.DistrictKey{State: "IL", District: 8},
		CreatedAt:       now,
	}
	targets := []app.Target{
		{Key: "leg:K000391", Kind: app.TargetRepresentative, BioguideID: "K000391", Name: "Raja Krishnamoorthi",
			Title: "Representative", State: "IL", District: &dist, AddressLines: []string{"2367 Rayburn", "Washington, DC 20515"},
			Reasons: []string{"your Representative"}, Roles: []app.TargetRole{{CommitteeCode: "HSZS", CommitteeName: "CCP", Title: "Ranking Member"}}},
		{Key: "leg:D000563", Kind: app.TargetSenator, BioguideID: "D000563", Name: "Dick Durbin", State: "IL", Reasons: []string{"your Senator"}},
		{Key: "leg:D000622", Kind: app.TargetSenator, BioguideID: "D000622", Name: "Tammy Duckworth", State: "IL"},
		{Key: "leg:M001157", Kind: app.TargetCommittee, BioguideID: "M001157", Name: "John Moolenaar", State: "MI"},
		{Key: "exec:DHS_SECRETARY", Kind: app.TargetExecutive, Name: "Markwayne Mullin", Email: "sec@dhs.gov"},
	}
	for _, tg := range targets {
		l := app.Letter{Recipient: tg, TemplateVersionID: f.tpl[tg.Kind], Subject: "Subject for " + tg.Name,
			Body: "Dear " + tg.Name + ",\n\n" + strings.Repeat("Please release him on bond. ", 40), CreatedAt: now,
			Deliveries: []app.Delivery{{Channel: app.ChannelDownload, Status: app.StatusPending, CreatedAt: now, UpdatedAt: now}}}
		if tg.Kind == app.TargetExecutive {
			next := now.Add(time.Minute)
			l.Deliveries = append(l.Deliveries, app.Delivery{Channel: app.ChannelEmail, Status: app.StatusQueued, NextAttemptAt: &next})
		}
		s.Letters = append(s.Letters, l)
	}
	return s
}

func TestCreateSubmission(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		now := e.clock.Now()
		s := f.submission(1, "ann@example.org", now)
		created, err := e.db.Submissions.CreateSubmission(ctx, s)
		if err != nil || !created {
			t.Fatalf("CreateSubmission = %v, %v", created, err)
		}
		if s.ID == 0 || s.Supporter.ID == 0 || !s.CreatedAt.Equal(now.Truncate(time.Millisecond)) {
			t.Fatalf("ids/times not filled: %+v", s)
		}
		ids := map[int64]bool{}
		for _, l := range s.Letters {
			if l.ID == 0 || l.SubmissionID != s.ID || l.CampaignID != s.CampaignID || ids[l.ID] {
				t.Fatalf("letter ids: %+v", l)
			}
			ids[l.ID] = true
			for i, d := range l.Deliveries {
				// A new letter's pending download is not stored: no id.
				unstored := i == 0 && d.Channel == app.ChannelDownload && d.Status == app.StatusPending
				if (d.ID == 0) != unstored || d.LetterID != l.ID {
					t.Fatalf("delivery ids: %+v", d)
				}
			}
		}
		// Defaults: the email delivery got timestamps and kept its status.
		email := s.Letters[4].Deliveries[1]
		if email.Status != app.StatusQueued || email.CreatedAt.IsZero() || email.NextAttemptAt == nil {
			t.Fatalf("email delivery = %+v", email)
		}

		got, err := e.db.Submissions.FindSubmissionByToken(ctx, s.Token)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "submission by token", got, s)
		_, err = e.db.Submissions.FindSubmissionByToken(ctx, "unknown")
		wantCode(t, err, app.ENOTFOUND)
		_, err = e.db.Submissions.FindSubmissionByToken(ctx, "")
		wantCode(t, err, app.ENOTFOUND)

		// A repeat (same dedup key, new token and letters) stores nothing
		// and returns the first.
		letters := e.count(t, "letters")
		again := f.submission(2, "ann@example.org", now.Add(time.Hour))
		again.Letters = again.Letters[:1]
		created, err = e.db.Submissions.CreateSubmission(ctx, again)
		if err != nil || created {
			t.Fatalf("repeat: created=%v err=%v", created, err)
		}
		deepEqual(t, "repeat returns the first", again, s)
		if n := e.count(t, "letters"); n != letters {
			t.Fatalf("repeat stored letters: %d -> %d", letters, n)
		}
		if n := e.count(t, "supporters"); n != 1 {
			t.Fatalf("repeat stored a supporter: %d", n)
		}

		// Invalid input and a missing campaign.
		_, err = e.db.Submissions.CreateSubmission(ctx, &app.Submission{CampaignID: f.campaign.ID})
		wantCode(t, err, app.EINVALID)
		orphan := f.submission(3, "x@example.org", now)
		orphan.CampaignID = 99999
		for i := range orphan.Letters {
			orphan.Letters[i].TemplateVersionID = 0
		}
		_, err = e.db.Submissions.CreateSubmission(ctx, orphan)
		wantCode(t, err, app.ENOTFOUND)
		// So is a letter template that does not exist (SQLite checks both
		// when the transaction commits).
		noTemplate := f.submission(6, "y@example.org", now)
		noTemplate.Letters[1].TemplateVersionID = 99999
		_, err = e.db.Submissions.CreateSubmission(ctx, noTemplate)
		wantCode(t, err, app.ENOTFOUND)

		// The same token on another supporter is a conflict.
		clash := f.submission(4, "clash@example.org", now)
		clash.Token = s.Token
		_, err = e.db.Submissions.CreateSubmission(ctx, clash)
		wantCode(t, err, app.ECONFLICT)
		// None of the refused submissions left a row behind.
		for table, want := range map[string]int{"supporters": 1, "submissions": 1, "letters": letters} {
			if n := e.count(t, table); n != want {
				t.Fatalf("%s after refused submissions: %d, want %d", table, n, want)
			}
		}

		// A cancelled request fails without storing.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = e.db.Submissions.CreateSubmission(cctx, f.submission(5, "late@example.org", now))
		wantCode(t, err, app.EUNAVAILABLE)
	})
}

func TestMarkDownloaded(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		s := f.submission(1, "ann@example.org", e.clock.Now())
		if _, err := e.db.Submissions.CreateSubmission(ctx, s); err != nil {
			t.Fatal(err)
		}
		other := f.submission(2, "bob@example.org", e.clock.Now())
		if _, err := e.db.Submissions.CreateSubmission(ctx, other); err != nil {
			t.Fatal(err)
		}
		at := e.clock.Now().Add(time.Hour)
		if err := e.db.Submissions.MarkDownloaded(ctx, s.ID, at); err != nil {
			t.Fatal(err)
		}
		got, _ := e.db.Submissions.FindSubmissionByToken(ctx, s.Token)
		for _, l := range got.Letters {
			for _, d := range l.Deliveries {
				switch d.Channel {
				case app.ChannelDownload:
					if d.Status != app.StatusDownloaded || !d.UpdatedAt.Equal(at.Truncate(time.Millisecond)) || d.SentAt == nil {
						t.Fatalf("download delivery = %+v", d)
					}
				default:
					if d.Status != app.StatusQueued {
						t.Fatalf("%s delivery changed: %+v", d.Channel, d)
					}
				}
			}
		}
		// The other submission is untouched; repeating is harmless.
		og, _ := e.db.Submissions.FindSubmissionByToken(ctx, other.Token)
		deepEqual(t, "other submission", og, other)
		if err := e.db.Submissions.MarkDownloaded(ctx, s.ID, at); err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.db.Submissions.MarkDownloaded(ctx, 987654, at), app.ENOTFOUND)
	})
}

// Identical requests racing (a double click, a retried POST) store exactly
// one submission and all get it back.
func TestConcurrentIdenticalSubmissions(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		const n = 20
		subs := make([]*app.Submission, n)
		var created atomic.Int32
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			subs[i] = f.submission(i, "same@example.org", e.clock.Now())
			wg.Go(func() {
				ok, err := e.db.Submissions.CreateSubmission(ctx, subs[i])
				errs[i] = err
				if ok {
					created.Add(1)
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if created.Load() != 1 {
			t.Fatalf("created %d times", created.Load())
		}
		for i := 1; i < n; i++ {
			deepEqual(t, "racing submissions", subs[i], subs[0])
		}
		if got := e.count(t, "submissions"); got != 1 {
			t.Fatalf("%d submissions stored", got)
		}
		if got := e.count(t, "supporters"); got != 1 {
			t.Fatalf("%d supporters stored", got)
		}
		if got := e.count(t, "letters"); got != len(subs[0].Letters) {
			t.Fatalf("%d letters stored", got)
		}
	})
}

// Two store instances on one database (the PostgreSQL scale-out path, or
// the CLI next to the server on SQLite) still store a racing pair once.
func TestConcurrentIdenticalSubmissionsTwoInstances(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		second := openStore(t, e.b, e.dsn, e.clock, store.Options{})
		for round := range 10 {
			email := fmt.Sprintf("r%d@example.org", round)
			a, b := f.submission(2*round, email, e.clock.Now()), f.submission(2*round+1, email, e.clock.Now())
			var wg sync.WaitGroup
			var ca, cb bool
			var ea, eb error
			wg.Go(func() { ca, ea = e.db.Submissions.CreateSubmission(ctx, a) })
			wg.Go(func() { cb, eb = second.Submissions.CreateSubmission(ctx, b) })
			wg.Wait()
			if ea != nil || eb != nil {
				t.Fatal(ea, eb)
			}
			if ca == cb || a.ID != b.ID {
				t.Fatalf("round %d: created %v/%v ids %d/%d", round, ca, cb, a.ID, b.ID)
			}
		}
		if got := e.count(t, "submissions"); got != 10 {
			t.Fatalf("%d submissions", got)
		}
	})
}

// Many different supporters at once: all stored with the right letters and
// deliveries, whatever batches they landed in.
func TestConcurrentSubmissions(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		const n = 200
		subs := make([]*app.Submission, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			subs[i] = f.submission(i, fmt.Sprintf("p%d@example.org", i), e.clock.Now())
			if i%3 == 0 {
				subs[i].Letters = subs[i].Letters[:i%5+1]
				subs[i].District = nil
				subs[i].Supporter.Lat, subs[i].Supporter.Lon = nil, nil
			}
			wg.Go(func() {
				var created bool
				created, errs[i] = e.db.Submissions.CreateSubmission(ctx, subs[i])
				if errs[i] == nil && !created {
					errs[i] = fmt.Errorf("submission %d not created", i)
				}
			})
		}
		wg.Wait()
		letters, deliveries := 0, 0
		for i, s := range subs {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			got, err := e.db.Submissions.FindSubmissionByToken(ctx, s.Token)
			if err != nil {
				t.Fatal(err)
			}
			deepEqual(t, fmt.Sprintf("submission %d", i), got, s)
			letters += len(s.Letters)
			for _, l := range s.Letters {
				for _, d := range l.Deliveries {
					if d.ID != 0 { // pending downloads are not stored
						deliveries++
					}
				}
			}
		}
		for table, want := range map[string]int{"supporters": n, "submissions": n, "letters": letters, "deliveries": deliveries} {
			if got := e.count(t, table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
	})
}

// One bad request in a group commit fails alone.
func TestBatchIsolatesFailures(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		first := f.submission(0, "first@example.org", e.clock.Now())
		if _, err := e.db.Submissions.CreateSubmission(ctx, first); err != nil {
			t.Fatal(err)
		}
		const n = 40
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			s := f.submission(i+1, fmt.Sprintf("b%d@example.org", i), e.clock.Now())
			if i%10 == 5 {
				s.Token = first.Token // clashes
			}
			wg.Go(func() { _, errs[i] = e.db.Submissions.CreateSubmission(ctx, s) })
		}
		wg.Wait()
		for i, err := range errs {
			if i%10 == 5 {
				wantCode(t, err, app.ECONFLICT)
			} else if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		if got := e.count(t, "submissions"); got != 1+n-n/10 {
			t.Fatalf("%d submissions", got)
		}
	})
}

// Close answers every request it accepted; what it acknowledged is stored.
func TestCloseFlushes(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b, store.Options{})
			f := newFixture(t, e)
			db := openStore(t, b, e.dsn, e.clock, store.Options{MaxBatch: 8})
			const n = 100
			var wg sync.WaitGroup
			var stored []string
			var mu sync.Mutex
			for i := range n {
				s := f.submission(i, fmt.Sprintf("c%d@example.org", i), e.clock.Now())
				wg.Go(func() {
					ok, err := db.Submissions.CreateSubmission(context.Background(), s)
					switch {
					case err == nil && ok:
						mu.Lock()
						stored = append(stored, s.Token)
						mu.Unlock()
					case app.ErrorCodeOf(err) != app.EUNAVAILABLE:
						t.Errorf("request %d: %v %v", i, ok, err)
					}
				})
			}
			time.Sleep(5 * time.Millisecond)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			for _, tok := range stored {
				if _, err := e.db.Submissions.FindSubmissionByToken(context.Background(), tok); err != nil {
					t.Fatalf("acknowledged submission lost: %v", err)
				}
			}
			t.Logf("%d of %d stored before close", len(stored), n)
		})
	}
}

func TestSupporterPrefixRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		with := f.submission(1, "dr@example.org", e.clock.Now())
		with.Supporter.Prefix = "Dr."
		without := f.submission(2, "none@example.org", e.clock.Now())
		for _, s := range []*app.Submission{with, without} {
			if _, err := e.db.Submissions.CreateSubmission(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		for s, want := range map[*app.Submission]string{with: "Dr.", without: ""} {
			got, err := e.db.Submissions.FindSubmissionByToken(ctx, s.Token)
			if err != nil || got.Supporter.Prefix != want {
				t.Fatalf("%s: prefix %q, want %q (%v)", s.Supporter.Email, got.Supporter.Prefix, want, err)
			}
		}
		page, err := e.db.Outbox.ListOfficeLetters(ctx, app.LetterPage{CampaignID: f.campaign.ID,
			Kinds: []app.TargetKind{app.TargetRepresentative}, Limit: 10})
		if err != nil || len(page) != 2 {
			t.Fatalf("office letters: %d %v", len(page), err)
		}
		prefixes := map[string]string{}
		for _, s := range page {
			prefixes[s.Supporter.Email] = s.Supporter.Prefix
		}
		if prefixes["dr@example.org"] != "Dr." || prefixes["none@example.org"] != "" {
			t.Fatalf("office letters prefixes %v", prefixes)
		}
	})
}

// One supporter after another (or a client sending one at a time) never
// waits for company: the group commit waits only while requests come
// several at a time (see batcher.waitFor).
func TestSequentialSubmissionsDoNotWait(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b, store.Options{CommitWait: 5 * time.Second})
			f := newFixture(t, e)
			start := time.Now()
			for i := range 3 {
				if _, err := e.db.Submissions.CreateSubmission(context.Background(), f.submission(i, fmt.Sprintf("seq%d@example.org", i), e.clock.Now())); err != nil {
					t.Fatal(err)
				}
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Fatalf("three submissions one after another took %v: they waited for others", d)
			}
		})
	}
}
