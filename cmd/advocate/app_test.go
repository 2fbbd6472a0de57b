package main

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/advocate-org/advocate/app/config"
)

func testApp(t *testing.T) *App {
	t.Helper()
	cfg, err := config.Load(testEnv(t.TempDir(), nil))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(cfg, slog.New(slog.DiscardHandler), testEnv(t.TempDir(), nil), io.Discard)
	t.Cleanup(a.Close)
	return a
}

// Services come from the App, each built once on first use and only once
// the database is open.
func TestAppBuildsEachServiceOnceAfterOpen(t *testing.T) {
	a := testApp(t)
	if _, err := a.Submit(); err == nil {
		t.Fatal("a service was built before the database was opened")
	}
	ctx := context.Background()
	if err := a.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Open(ctx); err != nil {
		t.Fatalf("a second Open: %v", err)
	}
	if len(a.Migrated()) == 0 {
		t.Fatal("a new database was not migrated")
	}
	s1, err := a.Submit()
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := a.Submit()
	c1, err := a.Campaigns()
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := a.Campaigns()
	st1, _ := a.Stats()
	st2, _ := a.Stats()
	fresh, _ := a.NewStats()
	if s1 != s2 || c1 != c2 || st1 != st2 || fresh == st1 {
		t.Fatal("a kept service was built twice, or a fresh one was the kept one")
	}
	// The supporter journey and the organizer workspace need neither the
	// outbox nor the mail server: a command using them pays for neither.
	if a.outbox.done || a.sender.done {
		t.Fatal("building the journey built the outbox or the mail sender")
	}
	ob, err := a.Outbox()
	if err != nil || ob == nil {
		t.Fatalf("outbox: %v", err)
	}
}

// Close undoes in reverse order, once, and the database closes last.
func TestAppClosesInReverseOrderOnce(t *testing.T) {
	a := testApp(t)
	ctx := context.Background()
	if err := a.Open(ctx); err != nil {
		t.Fatal(err)
	}
	var order []string
	a.onClose(func() {
		if _, err := a.DB().Outbox.OutboxStats(ctx); err != nil {
			t.Errorf("the database closed before what opened after it: %v", err)
		}
		order = append(order, "first")
	})
	a.onClose(func() { order = append(order, "second") })
	stopped := false
	a.start(ctx, func(ctx context.Context) {
		<-ctx.Done()
		stopped = true
	})
	a.Close()
	a.Close()
	if !slices.Equal(order, []string{"second", "first"}) || !stopped {
		t.Fatalf("closed %v, worker stopped %v", order, stopped)
	}
	if _, err := a.DB().Outbox.OutboxStats(ctx); err == nil {
		t.Fatal("the database is still open after Close")
	}
}
