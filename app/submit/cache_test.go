package submit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/submit"
)

// slowCampaigns counts campaign loads and holds each one until release
// is closed (or at once when it is nil).
type slowCampaigns struct {
	app.CampaignStore
	loads   atomic.Int64
	release chan struct{}
	name    atomic.Value // the campaign's current name
}

func (c *slowCampaigns) FindCampaignBySlug(ctx context.Context, slug string) (*app.Campaign, error) {
	c.loads.Add(1)
	if c.release != nil {
		<-c.release
	}
	if slug != "open" {
		return nil, app.Errorf(app.ENOTFOUND, "There is no campaign %q.", slug)
	}
	return &app.Campaign{ID: 1, Slug: slug, Title: c.name.Load().(string), Status: app.CampaignOpen}, nil
}

func (c *slowCampaigns) ListTargetRules(context.Context, int64) ([]app.TargetRule, error) {
	return nil, nil
}

func (c *slowCampaigns) CurrentTemplates(context.Context, int64) (map[app.TargetKind]app.TemplateVersion, error) {
	return map[app.TargetKind]app.TemplateVersion{}, nil
}

func TestCampaignCacheLoadsOnceForConcurrentSupporters(t *testing.T) {
	store := &slowCampaigns{release: make(chan struct{})}
	store.name.Store("v1")
	clk := apptest.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	svc := submit.New(submit.Options{Campaigns: store, Clock: clk.Now, CampaignTTL: 2 * time.Second})
	ctx := context.Background()

	// A cold cache: 32 supporters at once cause one load and all get it.
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := svc.Campaign(ctx, "open")
			if err == nil && c.Title != "v1" {
				t.Errorf("got %q", c.Title)
			}
			errs <- err
		}()
	}
	for store.loads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others pile up behind the load
	close(store.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := store.loads.Load(); n != 1 {
		t.Fatalf("%d loads for one cold campaign", n)
	}

	// Expired but within the grace: the old entry answers at once while one
	// reload runs; the next call sees the new one.
	store.name.Store("v2")
	clk.Add(3 * time.Second)
	if c, err := svc.Campaign(ctx, "open"); err != nil || c.Title != "v1" {
		t.Fatalf("stale answer: %v %v", c, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := svc.Campaign(ctx, "open")
		if err != nil {
			t.Fatal(err)
		}
		if c.Title == "v2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired campaign was never reloaded")
		}
		time.Sleep(time.Millisecond)
	}
	if n := store.loads.Load(); n != 2 {
		t.Fatalf("%d loads after one expiry, want 2", n)
	}

	// Long expired: the caller waits for fresh data instead of old.
	store.name.Store("v3")
	clk.Add(time.Minute)
	if c, err := svc.Campaign(ctx, "open"); err != nil || c.Title != "v3" {
		t.Fatalf("after a minute: %v %v", c, err)
	}

	// Errors are not cached, and reach every waiter.
	if _, err := svc.Campaign(ctx, "missing"); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Fatalf("missing campaign: %v", err)
	}
}

func TestForgetWinsOverALoadUnderWay(t *testing.T) {
	store := &slowCampaigns{release: make(chan struct{})}
	store.name.Store("old")
	svc := submit.New(submit.Options{Campaigns: store, CampaignTTL: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := svc.Campaign(ctx, "open")
		done <- err
	}()
	for store.loads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// An organizer saves an edit while the load is under way; the caller
	// gives up meanwhile, which must not fail or wedge the load.
	store.name.Store("new")
	svc.Forget("open")
	cancel()
	if err := <-done; app.ErrorCodeOf(err) != app.EUNAVAILABLE {
		t.Fatalf("a caller that gave up: %v", err)
	}
	close(store.release)
	c, err := svc.Campaign(context.Background(), "open")
	if err != nil || c.Title != "new" {
		t.Fatalf("after Forget: %v %v", c, err)
	}
}

func TestBusyWhileSubmittingAndShortlyAfter(t *testing.T) {
	store := &slowCampaigns{}
	store.name.Store("v1")
	svc := submit.New(submit.Options{Campaigns: store})
	if svc.Busy() {
		t.Fatal("busy before any submission")
	}
	// Even a submission that fails (no such campaign) made the instance busy.
	if _, err := svc.Submit(context.Background(), "missing", app.SubmissionInput{}); err == nil {
		t.Fatal("a missing campaign was accepted")
	}
	if !svc.Busy() {
		t.Fatal("not busy right after a submission")
	}
	deadline := time.Now().Add(2 * time.Second)
	for svc.Busy() {
		if time.Now().After(deadline) {
			t.Fatal("still busy long after the last submission")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
