package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/limit"
	"github.com/advocate-org/advocate/app/store"
)

func copyOf(t *testing.T, e *env, token string) app.Delivery {
	t.Helper()
	s, err := e.db.Submissions.FindSubmissionByToken(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.Letters {
		for _, d := range l.Deliveries {
			if d.Channel == app.ChannelCopy {
				return d
			}
		}
	}
	t.Fatal("no copy delivery")
	return app.Delivery{}
}

// The link email goes out again only once it was sent, and not twice
// within the gap.
func TestResendCopy(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		s := outboxSubmission(t, e, c, 1, "", now, "leg:A")
		if ok, err := e.db.Submissions.ResendCopy(ctx, s.ID, now, 10*time.Minute); err != nil || ok {
			t.Fatalf("a copy still queued was queued again: %v %v", ok, err)
		}
		claimed, err := e.db.Outbox.ClaimDeliveries(ctx, "w", 10, now, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range claimed {
			d.Status, d.MessageID, d.SentAt = app.StatusSent, "m", &now
			if _, err := e.db.Outbox.FinishDelivery(ctx, "w", d, now); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _ := e.db.Submissions.ResendCopy(ctx, s.ID, now.Add(5*time.Minute), 10*time.Minute); ok {
			t.Fatal("resent within the gap")
		}
		later := now.Add(11 * time.Minute)
		if ok, err := e.db.Submissions.ResendCopy(ctx, s.ID, later, 10*time.Minute); err != nil || !ok {
			t.Fatalf("not resent after the gap: %v %v", ok, err)
		}
		d := copyOf(t, e, s.Token)
		if d.Status != app.StatusQueued || d.SentAt == nil || d.Attempts != 0 {
			t.Fatalf("resent copy %+v", d)
		}
		if ok, _ := e.db.Submissions.ResendCopy(ctx, s.ID, later.Add(time.Hour), 10*time.Minute); ok {
			t.Fatal("queued twice while waiting")
		}
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("rollups drifted: %v %v", drift, err)
		}
	})
}

// A submission never confirmed can be replaced (erased), a confirmed one
// cannot.
func TestEraseUnconfirmedSubmission(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		held := outboxSubmission(t, e, c, 1, "confirm-1", now.Add(time.Hour), "leg:A", "leg:B")
		kept := outboxSubmission(t, e, c, 2, "", now, "leg:A")
		if ok, err := e.db.Submissions.EraseUnconfirmedSubmission(ctx, kept.ID, now); err != nil || ok {
			t.Fatalf("a confirmed submission was erased: %v %v", ok, err)
		}
		ok, err := e.db.Submissions.EraseUnconfirmedSubmission(ctx, held.ID, now)
		if err != nil || !ok {
			t.Fatalf("not erased: %v %v", ok, err)
		}
		got, err := e.db.Submissions.FindSubmissionByToken(ctx, held.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Supporter.ErasedAt == nil || got.Supporter.Email != "" || got.DedupKey == held.DedupKey {
			t.Fatalf("after replacing: %+v", got)
		}
		for _, l := range got.Letters {
			for _, d := range l.Deliveries {
				if d.Channel != app.ChannelDownload && d.Status != app.StatusDead {
					t.Errorf("%s delivery still %s", d.Channel, d.Status)
				}
			}
		}
		// The address may write again; the dedup key is free.
		if _, err := e.db.Submissions.FindSubmissionByDedupKey(ctx, c.ID, held.DedupKey); app.ErrorCodeOf(err) != app.ENOTFOUND {
			t.Fatalf("dedup key still taken: %v", err)
		}
		if ok, _ := e.db.Submissions.EraseUnconfirmedSubmission(ctx, held.ID, now); ok {
			t.Fatal("erased twice")
		}
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("rollups drifted: %v %v", drift, err)
		}
	})
}

// Two instances and a restart share one count.
func TestLimitCountsAcrossInstances(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		a := limit.New(limit.Options{Store: e.db.Limits, Clock: e.clock.Now})
		b := limit.New(limit.Options{Store: openStore(t, e.b, e.dsn, e.clock, store.Options{}).Limits, Clock: e.clock.Now})
		for range 3 {
			a.Hit("mailbox:x@example.org", time.Hour)
		}
		if n := b.Hit("mailbox:x@example.org", time.Hour); n != 1 {
			t.Fatalf("b before any sync: %d", n)
		}
		if n := b.Hit("mailbox:x@example.org", time.Hour); n != 2 {
			t.Fatalf("b before any sync: %d", n)
		}
		if err := a.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if n := b.Hit("mailbox:x@example.org", time.Hour); n != 6 {
			t.Fatalf("b after sync: %d, want 6", n)
		}
		// Concurrent hits are all counted.
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.Hit(fmt.Sprintf("ip:%d", i%5), time.Minute)
			}()
		}
		wg.Wait()
		if err := a.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		// A new instance (a restart) counts on from the database once the
		// key comes back.
		c := limit.New(limit.Options{Store: e.db.Limits, Clock: e.clock.Now})
		c.Hit("ip:3", time.Minute)
		c.Hit("ip:3", time.Minute)
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if n := c.Peek("ip:3", time.Minute); n != 12 {
			t.Fatalf("after a restart: %d, want 12", n)
		}
		// A new window starts from zero; old windows are pruned.
		e.clock.Add(2 * time.Hour)
		if n := c.Hit("ip:3", time.Minute); n != 1 {
			t.Fatalf("next window: %d", n)
		}
		if _, err := e.db.Limits.PruneLimitCounts(ctx, now.Add(90*time.Minute).Unix()); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, "limit_counts"); n != 0 {
			t.Fatalf("%d rows left after pruning", n)
		}
	})
}
