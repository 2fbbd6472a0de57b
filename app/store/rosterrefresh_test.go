package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

// TestRosterRefreshClaim: of several instances asking at once, one wins;
// nobody wins again before the interval has passed since the last attempt
// (a failed one included), nor while the lease is held.
func TestRosterRefreshClaim(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		const every = 24 * time.Hour
		var wins sync.Map
		var wg sync.WaitGroup
		for _, owner := range []string{"a", "b", "c", "d"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				won, err := e.db.Roster.ClaimRosterRefresh(ctx, owner, now, every, now.Add(time.Hour))
				if err != nil {
					t.Error(err)
				}
				if won {
					wins.Store(owner, true)
				}
			}()
		}
		wg.Wait()
		var winner string
		n := 0
		wins.Range(func(k, _ any) bool { winner = k.(string); n++; return true })
		if n != 1 {
			t.Fatalf("%d instances won the claim, want 1", n)
		}
		if won, _ := e.db.Roster.ClaimRosterRefresh(ctx, "e", now.Add(30*time.Minute), time.Minute, now.Add(3*time.Hour)); won {
			t.Error("claimed while another instance holds the lease")
		}
		if err := e.db.Roster.FinishRosterRefresh(ctx, winner, now.Add(time.Minute), "download: 503"); err != nil {
			t.Fatal(err)
		}
		st, err := e.db.Roster.RosterRefreshStatus(ctx)
		if err != nil || st.LastError != "download: 503" || st.LastSuccess != nil || st.LastAttempt == nil || st.LastAttempt.Sub(now).Abs() > time.Millisecond {
			t.Fatalf("status %+v %v", st, err)
		}
		if won, _ := e.db.Roster.ClaimRosterRefresh(ctx, "e", now.Add(23*time.Hour), every, now.Add(24*time.Hour)); won {
			t.Error("claimed before the interval after a failed attempt")
		}
		if won, _ := e.db.Roster.ClaimRosterRefresh(ctx, "e", now.Add(24*time.Hour), every, now.Add(25*time.Hour)); !won {
			t.Error("not claimed once the interval passed")
		}
		if err := e.db.Roster.FinishRosterRefresh(ctx, "e", now.Add(24*time.Hour+time.Minute), ""); err != nil {
			t.Fatal(err)
		}
		if st, _ := e.db.Roster.RosterRefreshStatus(ctx); st.LastError != "" || st.LastSuccess == nil {
			t.Errorf("after success %+v", st)
		}
	})
}

func TestCampaignFlags(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		flags := []app.CampaignFlag{{CampaignID: c.ID, RosterVersion: 3, Changes: []string{"A left.", "B joined."}, CreatedAt: now}}
		if err := e.db.Campaigns.AddCampaignFlags(ctx, flags); err != nil || flags[0].ID == 0 {
			t.Fatalf("add: %v %+v", err, flags)
		}
		got, err := e.db.Campaigns.OpenCampaignFlags(ctx, c.ID)
		if err != nil || len(got) != 1 || len(got[0].Changes) != 2 || got[0].Changes[1] != "B joined." || got[0].RosterVersion != 3 {
			t.Fatalf("open: %+v %v", got, err)
		}
		if all, _ := e.db.Campaigns.OpenCampaignFlags(ctx, 0); len(all) != 1 {
			t.Errorf("all campaigns: %+v", all)
		}
		wantCode(t, e.db.Campaigns.DismissCampaignFlag(ctx, c.ID+1, flags[0].ID, "ada@example.org", now), app.ENOTFOUND)
		if err := e.db.Campaigns.DismissCampaignFlag(ctx, c.ID, flags[0].ID, "ada@example.org", now); err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.db.Campaigns.DismissCampaignFlag(ctx, c.ID, flags[0].ID, "ada@example.org", now), app.ENOTFOUND)
		if got, _ := e.db.Campaigns.OpenCampaignFlags(ctx, c.ID); len(got) != 0 {
			t.Errorf("dismissed flag still open: %+v", got)
		}
	})
}
