package limit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/limit"
)

// fakeStore keeps counts in a map, as the database does.
type fakeStore struct {
	mu     sync.Mutex
	counts map[[2]any]int64
	fail   error
	syncs  int
}

func (f *fakeStore) AddLimitCounts(_ context.Context, adds []app.LimitCount) ([]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	f.syncs++
	out := make([]int64, len(adds))
	for i, a := range adds {
		k := [2]any{a.Key, a.WindowStart}
		f.counts[k] += a.N
		out[i] = f.counts[k]
	}
	return out, nil
}

func (f *fakeStore) PruneLimitCounts(context.Context, int64) (int64, error) { return 0, nil }

func TestCounter(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 5, 12, 0, 30, 0, time.UTC)
	clock := func() time.Time { return now }
	st := &fakeStore{counts: map[[2]any]int64{}}
	a := limit.New(limit.Options{Store: st, Clock: clock})
	b := limit.New(limit.Options{Store: st, Clock: clock})

	if n := a.Hit("k", time.Minute); n != 1 {
		t.Fatalf("first hit %d", n)
	}
	a.Hit("k", time.Minute)
	if n := a.Peek("k", time.Minute); n != 2 {
		t.Fatalf("peek %d", n)
	}
	// Windows of other lengths count apart.
	if n := a.Hit("k", time.Hour); n != 1 {
		t.Fatalf("hour window %d", n)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// A key seen once is not written: it cannot have reached a limit.
	b.Hit("k", time.Minute)
	before := st.syncs
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st.syncs != before {
		t.Fatal("a key seen once was written")
	}
	// Seen again, it is, and b learns a's counts.
	b.Hit("k", time.Minute)
	if err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := b.Peek("k", time.Minute); n != 4 {
		t.Fatalf("b sees %d, want 4", n)
	}
	// A failed sync loses nothing: the counts wait for the next one.
	st.fail = errors.New("database gone")
	a.Hit("k", time.Minute)
	if err := a.Sync(ctx); err == nil {
		t.Fatal("a failed sync reported no error")
	}
	st.fail = nil
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := a.Peek("k", time.Minute); n != 5 {
		t.Fatalf("after a failed sync %d, want 5", n)
	}
	// Nothing to sync costs no statement.
	before = st.syncs
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st.syncs != before {
		t.Fatal("an idle sync wrote to the database")
	}
	if got := a.RetryAfter(time.Minute); got != 30 {
		t.Fatalf("retry after %d s, want 30", got)
	}
	// The next window starts at zero.
	now = now.Add(time.Minute)
	if n := a.Hit("k", time.Minute); n != 1 {
		t.Fatalf("next window %d", n)
	}
}

// Keys seen once are kept up to MaxKeys; past it some are forgotten, and
// known keys never are.
func TestCounterForgetsKeysSeenOnce(t *testing.T) {
	ctx := context.Background()
	st := &fakeStore{counts: map[[2]any]int64{}}
	c := limit.New(limit.Options{Store: st, MaxKeys: 10})
	c.Hit("repeat", time.Hour)
	c.Hit("repeat", time.Hour)
	for i := range 100 {
		c.Hit(fmt.Sprint("once", i), time.Hour)
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	kept := 0
	for i := range 100 {
		kept += int(c.Peek(fmt.Sprint("once", i), time.Hour))
	}
	if kept != 10 {
		t.Fatalf("%d keys seen once kept, want 10", kept)
	}
	if n := c.Peek("repeat", time.Hour); n != 2 {
		t.Fatalf("a known key: %d", n)
	}
	if len(st.counts) != 1 {
		t.Fatalf("%d keys written, want only the one seen twice", len(st.counts))
	}
}
