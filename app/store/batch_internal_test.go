package store

import (
	"testing"
	"time"
)

func TestCommitWaitOnlyWhileRequestsComeTogether(t *testing.T) {
	b := &batcher{max: 64, wait: 5 * time.Millisecond}
	now := time.Now()
	for _, c := range []struct {
		name    string
		prev, n int
		first   time.Time
		waits   bool
	}{
		{"after a group of several", 3, 1, now, true},
		{"after a lone request", 1, 1, now, false},
		{"first group", 0, 2, now, false},
		{"full group", 5, 64, now, false},
		{"first request already waited long enough", 3, 2, now.Add(-6 * time.Millisecond), false},
	} {
		if got := b.waitFor(c.prev, c.n, c.first); (got > 0) != c.waits || got > b.wait {
			t.Errorf("%s: wait %v", c.name, got)
		}
	}
	off := &batcher{max: 64}
	if got := off.waitFor(3, 1, now); got != 0 {
		t.Errorf("CommitWait off: wait %v", got)
	}
}

// gatherFor takes what arrives in time, returns as soon as the group is
// full, and lets a closing store go at once.
func TestGatherFor(t *testing.T) {
	later := func(b *batcher, after time.Duration) {
		go func() {
			time.Sleep(after)
			b.reqs <- &subReq{}
		}()
	}
	newB := func(max int) *batcher {
		return &batcher{max: max, reqs: make(chan *subReq, 8), quit: make(chan struct{})}
	}

	b := newB(3)
	later(b, 20*time.Millisecond)
	if got := b.gatherFor([]*subReq{{}}, 300*time.Millisecond); len(got) != 2 {
		t.Errorf("a request 20 ms into a 300 ms wait: group of %d", len(got))
	}

	b = newB(3)
	later(b, 300*time.Millisecond)
	if got := b.gatherFor([]*subReq{{}}, 50*time.Millisecond); len(got) != 1 {
		t.Errorf("a request after the wait joined: group of %d", len(got))
	}

	b = newB(2)
	later(b, 20*time.Millisecond)
	start := time.Now()
	if got := b.gatherFor([]*subReq{{}}, time.Minute); len(got) != 2 || time.Since(start) > 30*time.Second {
		t.Errorf("a full group waited on: %d after %v", len(got), time.Since(start))
	}

	b = newB(3)
	b.reqs <- &subReq{}
	go func() {
		time.Sleep(20 * time.Millisecond)
		close(b.quit)
	}()
	start = time.Now()
	if got := b.gatherFor(nil, time.Minute); len(got) != 1 || time.Since(start) > 30*time.Second {
		t.Errorf("closing: %d after %v", len(got), time.Since(start))
	}
}
