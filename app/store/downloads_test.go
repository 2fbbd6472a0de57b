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

// TestPendingDownloadsAreNotStored: a new letter's pending download is no
// row, yet every reader shows it, the rollups count it, and the writers
// that change it (a download, an erasure) store it first so that nothing is
// lost and the rollups stay exact.
func TestPendingDownloadsAreNotStored(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		now := e.clock.Now()
		s := f.submission(1, "ann@example.org", now)
		// A download that is not fresh is stored as given.
		s.Letters[1].Deliveries[0].Status, s.Letters[1].Deliveries[0].SentAt = app.StatusDownloaded, &now
		// A letter given without a download gets the pending one.
		s.Letters[2].Deliveries = nil
		mustCreate(t, e, s)
		if got := e.count(t, "deliveries"); got != 2 { // the downloaded one and the executive's email
			t.Fatalf("%d delivery rows, want 2", got)
		}
		drift := func(when string) {
			t.Helper()
			if d, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(d) != 0 {
				t.Fatalf("drift %s: %+v %v", when, d, err)
			}
		}
		drift("after the submission")

		got := mustFind(t, e, s.Token)
		for i, l := range got.Letters {
			first := l.Deliveries[0]
			if first.Channel != app.ChannelDownload || first.LetterID != l.ID {
				t.Fatalf("letter %d: deliveries %+v", i, l.Deliveries)
			}
			wantStatus, stored := app.StatusPending, false
			if i == 1 {
				wantStatus, stored = app.StatusDownloaded, true
			}
			if first.Status != wantStatus || (first.ID != 0) != stored ||
				(!stored && (!first.CreatedAt.Equal(l.CreatedAt) || !first.UpdatedAt.Equal(l.CreatedAt))) {
				t.Errorf("letter %d download %+v", i, first)
			}
		}
		deepEqual(t, "the created submission as found", got, s)

		counts := func() map[app.DeliveryStatus]int64 {
			t.Helper()
			st, err := e.db.Stats.OutreachStats(ctx, app.StatsFilter{CampaignID: f.campaign.ID, Channel: app.ChannelDownload})
			if err != nil {
				t.Fatal(err)
			}
			out := map[app.DeliveryStatus]int64{}
			for _, d := range st.Deliveries {
				out[d.Status] += d.Count
			}
			if st.Letters != 5 {
				t.Errorf("%d letters with a download, want 5", st.Letters)
			}
			return out
		}
		deepEqual(t, "download rollups", counts(), map[app.DeliveryStatus]int64{app.StatusPending: 4, app.StatusDownloaded: 1})
		ob, err := e.db.Outbox.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pending int64
		for _, c := range ob {
			if c.Channel == app.ChannelDownload && c.Status == app.StatusPending {
				pending = c.Count
			}
		}
		if pending != 4 {
			t.Errorf("outbox stats: %d pending downloads, want 4 (%+v)", pending, ob)
		}
		var rows []app.LetterRow
		if err := e.db.Stats.EachLetter(ctx, app.LetterQuery{Filter: app.StatsFilter{CampaignID: f.campaign.ID, Channel: app.ChannelDownload}},
			func(r *app.LetterRow) error { rows = append(rows, *r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 || rows[0].Deliveries[0] != (app.DeliveryCount{Channel: app.ChannelDownload, Status: app.StatusPending, Count: 1}) {
			t.Fatalf("letters with a download: %+v", rows)
		}
		office, err := e.db.Outbox.ListOfficeLetters(ctx, app.LetterPage{CampaignID: f.campaign.ID})
		if err != nil || len(office) != 5 {
			t.Fatalf("office letters: %d %v", len(office), err)
		}
		for _, o := range office {
			if o.Letters[0].Deliveries[0].Channel != app.ChannelDownload {
				t.Errorf("office letter %d: %+v", o.Letters[0].ID, o.Letters[0].Deliveries)
			}
		}
		x, err := e.db.Privacy.ExportSupporter(ctx, "ann@example.org")
		if err != nil || len(x.Records) != 1 {
			t.Fatalf("export: %+v %v", x, err)
		}
		for i, l := range x.Records[0].Submission.Letters {
			if d := l.Deliveries[0]; d.Channel != app.ChannelDownload || (i != 1 && d.Status != app.StatusPending) {
				t.Errorf("export letter %d: %+v", i, l.Deliveries)
			}
		}

		// The supporter downloads: the pending downloads are stored as
		// downloaded, the one already downloaded keeps its time.
		later := now.Add(time.Hour)
		if err := e.db.Submissions.MarkDownloaded(ctx, s.ID, later); err != nil {
			t.Fatal(err)
		}
		if got := e.count(t, "deliveries"); got != 6 {
			t.Fatalf("%d delivery rows after the download, want 6", got)
		}
		deepEqual(t, "download rollups after the download", counts(), map[app.DeliveryStatus]int64{app.StatusDownloaded: 5})
		drift("after the download")
		after := mustFind(t, e, s.Token)
		for i, l := range after.Letters {
			d := l.Deliveries[0]
			wantSent := later.Truncate(time.Millisecond)
			if i == 1 {
				wantSent = now.Truncate(time.Millisecond)
			}
			if d.Channel != app.ChannelDownload || d.ID == 0 || d.Status != app.StatusDownloaded || d.SentAt == nil || !d.SentAt.Equal(wantSent) {
				t.Errorf("letter %d download after the download: %+v", i, d)
			}
		}
		if err := e.db.Submissions.MarkDownloaded(ctx, s.ID, later.Add(time.Hour)); err != nil {
			t.Fatal(err) // a second download changes nothing
		}
		if got := e.count(t, "deliveries"); got != 6 {
			t.Fatalf("%d delivery rows after a second download, want 6", got)
		}
		wantCode(t, e.db.Submissions.MarkDownloaded(ctx, s.ID+1000, later), app.ENOTFOUND)

		// An erasure stops the pending downloads as rows.
		s2 := f.submission(2, "bo@example.org", now)
		mustCreate(t, e, s2)
		res, err := e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Email: "bo@example.org"})
		if err != nil || res.Letters() != 5 {
			t.Fatalf("erasure: %+v %v", res, err)
		}
		for _, l := range mustFind(t, e, s2.Token).Letters {
			if d := l.Deliveries[0]; d.Channel != app.ChannelDownload || d.ID == 0 || d.Status != app.StatusDead {
				t.Errorf("erased letter %d download %+v", l.ID, d)
			}
		}
		drift("after the erasure")
	})
}

// Two instances storing the same letters' downloads at once (a supporter
// downloading twice on the PostgreSQL scale-out path, or a download during
// an erasure) store each download once and keep the rollups exact.
func TestConcurrentDownloadsTwoInstances(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		second := openStore(t, e.b, e.dsn, e.clock, store.Options{})
		var subs []*app.Submission
		for i := range 8 {
			s := f.submission(i, fmt.Sprintf("d%d@example.org", i), e.clock.Now())
			mustCreate(t, e, s)
			subs = append(subs, s)
		}
		for i, s := range subs {
			var wg sync.WaitGroup
			var ea, eb error
			wg.Go(func() { ea = e.db.Submissions.MarkDownloaded(ctx, s.ID, e.clock.Now()) })
			if i%2 == 0 {
				wg.Go(func() { eb = second.Submissions.MarkDownloaded(ctx, s.ID, e.clock.Now()) })
			} else {
				wg.Go(func() {
					_, eb = second.Privacy.EraseSupporters(ctx, app.EraseFilter{Email: s.Supporter.Email})
				})
			}
			wg.Wait()
			if ea != nil || eb != nil {
				t.Fatal(ea, eb)
			}
		}
		// One download row per letter, plus each submission's email.
		if got, want := e.count(t, "deliveries"), len(subs)*(5+1); got != want {
			t.Fatalf("%d delivery rows, want %d", got, want)
		}
		if d, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(d) != 0 {
			t.Fatalf("drift: %+v %v", d, err)
		}
	})
}
