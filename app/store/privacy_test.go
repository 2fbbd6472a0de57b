package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/store"
)

// exec runs SQL behind the store's back (values are written into the text,
// so it works with either driver's placeholders).
func (e *env) exec(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if _, err := e.rawDB(tb).Exec(fmt.Sprintf(format, args...)); err != nil {
		tb.Fatal(err)
	}
}

// rowCounts are the sizes of the supporter-side tables, which erasure must
// never change.
func (e *env) rowCounts(t *testing.T) map[string]int {
	out := map[string]int{}
	for _, table := range []string{"supporters", "submissions", "letters", "deliveries"} {
		out[table] = e.count(t, table)
	}
	return out
}

func mustCreate(t *testing.T, e *env, s *app.Submission) {
	t.Helper()
	if created, err := e.db.Submissions.CreateSubmission(context.Background(), s); err != nil || !created {
		t.Fatalf("CreateSubmission = %v, %v", created, err)
	}
}

func mustFind(t *testing.T, e *env, token string) *app.Submission {
	t.Helper()
	s, err := e.db.Submissions.FindSubmissionByToken(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// byCampaign indexes an erasure's counts by campaign id.
func byCampaign(er app.Erasure) map[int64]app.CampaignErasure {
	out := map[int64]app.CampaignErasure{}
	for _, c := range er.Campaigns {
		out[c.CampaignID] = c
	}
	return out
}

func TestEraseSupportersByEmail(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a, b := newFixture(t, e), newFixture(t, e)
		now := e.clock.Now()
		// The same person on two campaigns, typed differently, each with a
		// copy of their letters emailed to them.
		jane1 := a.submission(1, "Jane.Doe@Example.org", now)
		jane2 := b.submission(2, "jane.doe@example.org", now)
		for _, s := range []*app.Submission{jane1, jane2} {
			s.Letters[0].Deliveries = append(s.Letters[0].Deliveries,
				app.Delivery{Channel: app.ChannelCopy, To: s.Supporter.Email, Status: app.StatusQueued, NextAttemptAt: &now})
			// Already downloaded (so stored, unlike the pending downloads).
			s.Letters[0].Deliveries[0].Status, s.Letters[0].Deliveries[0].SentAt = app.StatusDownloaded, &now
		}
		other := a.submission(3, "other@example.org", now)
		for _, s := range []*app.Submission{jane1, jane2, other} {
			mustCreate(t, e, s)
		}
		// Deliveries in every state. Final ones (downloaded, sent) and the
		// one being sent stay; the others stop.
		dl := func(s *app.Submission, letter, i int) int64 { return s.Letters[letter].Deliveries[i].ID }
		e.exec(t, "UPDATE deliveries SET status = 'sending', lease_owner = 'w1' WHERE id = %d", dl(jane1, 4, 1))
		e.exec(t, "UPDATE deliveries SET status = 'unconfirmed' WHERE id = %d", dl(jane2, 4, 1))
		e.exec(t, "UPDATE deliveries SET status = 'failed' WHERE id = %d", dl(jane2, 1, 0))
		e.exec(t, "UPDATE deliveries SET status = 'sent' WHERE id = %d", dl(jane2, 0, 1))
		e.exec(t, "UPDATE submissions SET confirm_token = 'confirm-me' WHERE id = %d", jane2.ID)
		before := e.rowCounts(t)
		otherBefore := mustFind(t, e, other.Token)

		_, err := e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{})
		wantCode(t, err, app.EINVALID)
		_, err = e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Email: "   "})
		wantCode(t, err, app.EINVALID)

		filter := app.EraseFilter{Email: "  JANE.DOE@example.ORG ", DryRun: true}
		dry, err := e.db.Privacy.EraseSupporters(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]app.CampaignErasure{
			a.campaign.ID: {CampaignID: a.campaign.ID, Slug: a.campaign.Slug, Title: "T", Supporters: 1, Letters: 5, Stopped: 5},
			b.campaign.ID: {CampaignID: b.campaign.ID, Slug: b.campaign.Slug, Title: "T", Supporters: 1, Letters: 5, Stopped: 5},
		}
		deepEqual(t, "dry run", byCampaign(dry), want)
		if !dry.DryRun || dry.Supporters() != 2 || dry.Letters() != 10 {
			t.Fatalf("dry run totals: %+v", dry)
		}
		if s := mustFind(t, e, jane1.Token); s.Supporter.Email != "Jane.Doe@Example.org" || s.Letters[0].Body == "" {
			t.Fatal("a dry run changed data")
		}

		filter.DryRun = false
		done, err := e.db.Privacy.EraseSupporters(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "erasure", byCampaign(done), want)
		// Nothing is deleted; the pending downloads, not stored until now,
		// are stored as stopped.
		for _, s := range []*app.Submission{jane1, jane2} {
			for _, l := range s.Letters {
				if l.Deliveries[0].ID == 0 {
					before["deliveries"]++
				}
			}
		}
		deepEqual(t, "row counts after erasure", e.rowCounts(t), before)

		erasedAt := now.Truncate(time.Millisecond).UTC()
		for _, orig := range []*app.Submission{jane1, jane2} {
			got := mustFind(t, e, orig.Token)
			deepEqual(t, "erased supporter", got.Supporter,
				app.Supporter{ID: orig.Supporter.ID, CreatedAt: orig.Supporter.CreatedAt, ErasedAt: &erasedAt})
			if got.PersonalMessage != "" || got.ConfirmToken != "" || got.DedupKey != fmt.Sprintf("erased:%d", got.ID) ||
				got.Token != orig.Token || got.District == nil {
				t.Errorf("erased submission %+v", got)
			}
			for i, l := range got.Letters {
				if l.Subject != "" || l.Body != "" {
					t.Errorf("letter %d kept its text", l.ID)
				}
				deepEqual(t, "recipient", l.Recipient, orig.Letters[i].Recipient)
				for j, d := range l.Deliveries {
					was := orig.Letters[i].Deliveries[j].ID
					if (was != 0 && d.ID != was) || (was == 0 && (d.ID == 0 || d.Status != app.StatusDead)) || d.To != "" {
						t.Errorf("delivery %d (was %d) %s kept its address %q", d.ID, was, d.Status, d.To)
					}
				}
			}
		}
		status := func(s *app.Submission, letter, i int) app.Delivery {
			return mustFind(t, e, s.Token).Letters[letter].Deliveries[i]
		}
		for _, c := range []struct {
			s         *app.Submission
			letter, i int
			want      app.DeliveryStatus
		}{
			{jane1, 0, 0, app.StatusDownloaded}, {jane1, 0, 1, app.StatusDead}, {jane1, 1, 0, app.StatusDead},
			{jane1, 4, 1, app.StatusSending}, {jane2, 0, 1, app.StatusSent}, {jane2, 1, 0, app.StatusDead},
			{jane2, 4, 1, app.StatusDead}, {jane2, 4, 0, app.StatusDead},
		} {
			d := status(c.s, c.letter, c.i)
			if d.Status != c.want || (c.want == app.StatusDead) != (d.LastError == app.ErasedReason) {
				t.Errorf("delivery %d: %s %q, want %s", d.ID, d.Status, d.LastError, c.want)
			}
		}
		deepEqual(t, "another supporter", mustFind(t, e, other.Token), otherBefore)

		// The letter being sent may finish; its retry would find the
		// supporter erased (the outbox gives up on it).
		sending := status(jane1, 4, 1)
		sending.Status, sending.NextAttemptAt = app.StatusFailed, &now
		if ok, err := e.db.Outbox.FinishDelivery(ctx, "w1", sending, now); !ok || err != nil {
			t.Fatalf("finish the delivery in flight: %v %v", ok, err)
		}
		if s, err := e.db.Outbox.FindSubmissionByLetter(ctx, sending.LetterID); err != nil || s.Supporter.ErasedAt == nil {
			t.Fatalf("the retry's submission: %+v %v", s, err)
		}

		// Erasing again finds nothing; the person may write again and only
		// the new submission is theirs.
		again, err := e.db.Privacy.EraseSupporters(ctx, filter)
		if err != nil || len(again.Campaigns) != 0 {
			t.Fatalf("second erasure: %+v %v", again, err)
		}
		anew := a.submission(4, "jane.doe@example.org", now)
		anew.DedupKey = jane1.DedupKey
		mustCreate(t, e, anew)
		x, err := e.db.Privacy.ExportSupporter(ctx, "Jane.Doe@example.org")
		if err != nil || len(x.Records) != 1 || x.Records[0].Supporter.ID != anew.Supporter.ID {
			t.Fatalf("export after erasure: %+v %v", x, err)
		}
	})
}

// An address with letters outside ASCII is found on every database whatever
// the case of its ASCII letters.
func TestEraseSupportersNonASCIIEmail(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newFixture(t, e)
		s := f.submission(1, "Łukasz.Żółć@example.org", e.clock.Now())
		mustCreate(t, e, s)
		er, err := e.db.Privacy.EraseSupporters(context.Background(), app.EraseFilter{Email: "Łukasz.Żółć@Example.org"})
		if err != nil || er.Supporters() != 1 {
			t.Fatalf("erase: %+v %v", er, err)
		}
	})
}

func TestEraseSupportersRetention(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		keep30, forever, keep365 := newFixture(t, e), newFixture(t, e), newFixture(t, e)
		e.exec(t, "UPDATE campaigns SET retention_days = 30 WHERE id = %d", keep30.campaign.ID)
		e.exec(t, "UPDATE campaigns SET retention_days = 365 WHERE id = %d", keep365.campaign.ID)
		now := e.clock.Now()
		day := 24 * time.Hour
		subs := map[string]*app.Submission{
			"old30":      keep30.submission(1, "old30@example.org", now.Add(-40*day)),
			"new30":      keep30.submission(2, "new30@example.org", now.Add(-10*day)),
			"boundary30": keep30.submission(3, "boundary30@example.org", now.Add(-30*day)),
			"named30":    keep30.submission(4, "named30@example.org", now.Add(-31*day)),
			"forever":    forever.submission(5, "forever@example.org", now.Add(-400*day)),
			"old365":     keep365.submission(6, "old365@example.org", now.Add(-400*day)),
			"new365":     keep365.submission(7, "new365@example.org", now.Add(-40*day)),
		}
		for _, s := range subs {
			mustCreate(t, e, s)
		}
		dry, err := e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Retention: true, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		got := byCampaign(dry)
		if len(got) != 2 || got[keep30.campaign.ID].Supporters != 2 || got[keep365.campaign.ID].Supporters != 1 ||
			got[keep30.campaign.ID].RetentionDays != 30 || got[keep365.campaign.ID].Letters != 5 {
			t.Fatalf("dry run: %+v", dry)
		}

		// Both filters: only the named supporter, and only once past the
		// retention period.
		er, err := e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Retention: true, Email: "new30@example.org"})
		if err != nil || len(er.Campaigns) != 0 {
			t.Fatalf("erased a supporter within retention: %+v %v", er, err)
		}
		er, err = e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Retention: true, Email: "NAMED30@example.org"})
		if err != nil || er.Supporters() != 1 {
			t.Fatalf("named and old: %+v %v", er, err)
		}

		// In batches of one: each call erases one, until none is left.
		total := 0
		for range 5 {
			er, err := e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Retention: true, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if er.Supporters() == 0 {
				break
			}
			if er.Supporters() != 1 {
				t.Fatalf("a batch of one erased %d", er.Supporters())
			}
			total++
		}
		if total != 2 {
			t.Fatalf("erased %d in batches, want 2", total)
		}
		for name, s := range subs {
			erased := mustFind(t, e, s.Token).Supporter.ErasedAt != nil
			if want := name == "old30" || name == "named30" || name == "old365"; erased != want {
				t.Errorf("%s erased = %v, want %v", name, erased, want)
			}
		}

		// A later run, with time moved on, erases what has aged since.
		er, err = e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Retention: true, Now: now.Add(30 * day)})
		if err != nil {
			t.Fatal(err)
		}
		if c := byCampaign(er)[keep30.campaign.ID]; c.Supporters != 2 || len(er.Campaigns) != 1 {
			t.Fatalf("later run: %+v", er)
		}
	})
}

// Two instances purging at once while a worker claims emails: every
// supporter is erased and counted exactly once, each delivery either went
// to the worker (and stays with it) or was stopped, and nothing is left to
// send.
func TestEraseConcurrentInstances(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		e.exec(t, "UPDATE campaigns SET retention_days = 1 WHERE id = %d", f.campaign.ID)
		now := e.clock.Now()
		const n = 40
		for i := range n {
			s := f.submission(i, fmt.Sprintf("p%d@example.org", i), now.Add(-48*time.Hour))
			due := now.Add(-time.Minute)
			s.Letters[4].Deliveries[1].NextAttemptAt = &due
			mustCreate(t, e, s)
		}
		second := openStore(t, e.b, e.dsn, e.clock, store.Options{})
		var wg sync.WaitGroup
		results := make([]app.Erasure, 2)
		errs := make([]error, 3)
		var claimed []app.Delivery
		for i, db := range []*store.DB{e.db, second} {
			wg.Go(func() {
				for {
					er, err := db.Privacy.EraseSupporters(ctx, app.EraseFilter{Retention: true, Limit: 7})
					if err != nil {
						errs[i] = err
						return
					}
					if er.Supporters() == 0 {
						return
					}
					results[i].Add(er)
				}
			})
		}
		wg.Go(func() {
			for range 5 {
				got, err := second.Outbox.ClaimDeliveries(ctx, "worker", 3, now, now.Add(time.Hour))
				if err != nil {
					errs[2] = err
					return
				}
				claimed = append(claimed, got...)
			}
		})
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := results[0].Supporters() + results[1].Supporters(); got != n {
			t.Fatalf("erased %d supporters in total, want %d", got, n)
		}
		total := 0
		for _, r := range results {
			for _, c := range r.Campaigns {
				total += c.Stopped
			}
		}
		// 5 downloads and 1 email per submission.
		if total+len(claimed) != 6*n {
			t.Fatalf("stopped %d and claimed %d of %d deliveries", total, len(claimed), 6*n)
		}
		var left, sending int
		raw := e.rawDB(t)
		if err := raw.QueryRow("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'queued', 'failed', 'unconfirmed')").Scan(&left); err != nil {
			t.Fatal(err)
		}
		if err := raw.QueryRow("SELECT COUNT(*) FROM deliveries WHERE status = 'sending' AND lease_owner = 'worker'").Scan(&sending); err != nil {
			t.Fatal(err)
		}
		if left != 0 || sending != len(claimed) {
			t.Fatalf("%d deliveries left to send, %d sending of %d claimed", left, sending, len(claimed))
		}
	})
}

func TestExportSupporter(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a, b := newFixture(t, e), newFixture(t, e)
		e.exec(t, "UPDATE campaigns SET retention_days = 90 WHERE id = %d", b.campaign.ID)
		now := e.clock.Now()
		first := a.submission(1, "Ann@Example.org", now.Add(-time.Hour))
		second := b.submission(2, "ann@example.org", now)
		second.ConfirmToken = "confirm-2"
		mustCreate(t, e, first)
		mustCreate(t, e, second)
		mustCreate(t, e, a.submission(3, "someone.else@example.org", now))
		// The first submission's office email (the only one due) is sent.
		sentAt := now.Truncate(time.Millisecond).UTC()
		claimed, err := e.db.Outbox.ClaimDeliveries(ctx, "w", 10, now, now.Add(time.Minute))
		if err != nil || len(claimed) != 1 || claimed[0].ID != first.Letters[4].Deliveries[1].ID {
			t.Fatalf("claim: %+v %v", claimed, err)
		}
		claimed[0].Status, claimed[0].SentAt = app.StatusSent, &sentAt
		if ok, err := e.db.Outbox.FinishDelivery(ctx, "w", claimed[0], now); !ok || err != nil {
			t.Fatal(ok, err)
		}

		x, err := e.db.Privacy.ExportSupporter(ctx, " ANN@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if x.Email != "ann@example.org" || len(x.Records) != 2 || x.Letters() != 10 {
			t.Fatalf("export: %+v", x)
		}
		r := x.Records[0]
		p := first.Supporter
		deepEqual(t, "supporter data", r.Supporter, app.SupporterData{ID: p.ID, FirstName: "Ann", LastName: "Lee1",
			Email: "Ann@Example.org", Address1: "1 Main St", City: "Schaumburg", State: "IL", Zip: "60173",
			Lat: p.Lat, Lon: p.Lon, ContactOK: false, CreatedAt: p.CreatedAt})
		s := r.Submission
		if s == nil || s.CampaignSlug != a.campaign.Slug || s.CampaignTitle != "T" || !s.CreatedAt.Equal(first.CreatedAt) ||
			s.ConfirmedAt == nil || s.PersonalMessage != "Please help." || s.District != "IL-8" || len(s.Letters) != 5 {
			t.Fatalf("submission record: %+v", s)
		}
		l := s.Letters[4]
		if l.Recipient != "Markwayne Mullin" || l.Subject != first.Letters[4].Subject || l.Body != first.Letters[4].Body ||
			len(l.Deliveries) != 2 || l.Deliveries[1].Channel != app.ChannelEmail || l.Deliveries[1].Status != app.StatusSent ||
			l.Deliveries[1].SentAt == nil || !l.Deliveries[1].SentAt.Equal(sentAt) {
			t.Fatalf("letter record: %+v", l)
		}
		if l.Deliveries[0].Channel != app.ChannelDownload || l.Deliveries[0].SentAt != nil {
			t.Fatalf("download record: %+v", l.Deliveries[0])
		}
		s2 := x.Records[1].Submission
		if s2.CampaignSlug != b.campaign.Slug || s2.RetentionDays != 90 || s2.ConfirmedAt != nil {
			t.Fatalf("second record: %+v", s2)
		}

		none, err := e.db.Privacy.ExportSupporter(ctx, "nobody@example.org")
		if err != nil || len(none.Records) != 0 {
			t.Fatalf("unknown email: %+v %v", none, err)
		}
		_, err = e.db.Privacy.ExportSupporter(ctx, " ")
		wantCode(t, err, app.EINVALID)
	})
}

// seedOld stores n submissions (five letters each) made two days before
// the clock, with 64 concurrent requests so that they group-commit.
func seedOld(b *testing.B, e *env, f *fixture, first, n int) {
	b.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	next := make(chan int)
	for range 64 {
		wg.Go(func() {
			for i := range next {
				if _, err := e.db.Submissions.CreateSubmission(ctx, f.submission(i, fmt.Sprintf("b%d@example.org", i), e.clock.Now().Add(-48*time.Hour))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := first; i < first+n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkPurge measures the retention purge in batches of 500 (the
// service's default), 2,000 supporters per iteration. Each iteration's
// supporters join those erased before, which a purge must not walk past
// again and again.
func BenchmarkPurge(b *testing.B) {
	eachBackend(b, func(b *testing.B, e *env) {
		ctx := context.Background()
		f := newFixture(b, e)
		e.exec(b, "UPDATE campaigns SET retention_days = 1 WHERE id = %d", f.campaign.ID)
		const per = 2000
		n := 0
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			seedOld(b, e, f, i*per, per)
			b.StartTimer()
			for {
				er, err := e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Retention: true, Limit: 500})
				if err != nil {
					b.Fatal(err)
				}
				if er.Supporters() == 0 {
					break
				}
				n += er.Supporters()
			}
		}
		if n != b.N*per {
			b.Fatalf("erased %d of %d", n, b.N*per)
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "supporters/s")
	})
}

// BenchmarkExportSupporter measures finding one supporter's records by
// email among 20,000.
func BenchmarkExportSupporter(b *testing.B) {
	eachBackend(b, func(b *testing.B, e *env) {
		ctx := context.Background()
		f := newFixture(b, e)
		seedOld(b, e, f, 0, 20000)
		i := 0
		for b.Loop() {
			i = (i + 7919) % 20000
			x, err := e.db.Privacy.ExportSupporter(ctx, fmt.Sprintf("B%d@Example.org", i))
			if err != nil || len(x.Records) != 1 {
				b.Fatalf("%+v %v", x, err)
			}
		}
	})
}
