package store

import (
	"context"
	"sync"
	"time"

	"github.com/advocate-org/advocate/app"
)

// maxBatchLimit caps Options.MaxBatch so that one batch's submissions fit in
// a single INSERT on both dialects.
const maxBatchLimit = 512

// batcher is the group commit for CreateSubmission. Its writer goroutines
// take a request, gather the others already waiting (up to max) and store
// them in one transaction: one commit, and on SQLite one trip through the
// single writer connection, for the whole group. The queue lives only in
// memory for the moment a request waits; a request is answered only after
// its transaction committed, so nothing acknowledged is ever lost.
type batcher struct {
	d    *DB
	max  int
	wait time.Duration // see waitFor
	reqs chan *subReq
	quit chan struct{}
	wg   sync.WaitGroup

	mu     sync.RWMutex // held for reading while enqueueing; Close takes it to stop intake
	closed bool
}

func newBatcher(d *DB, max, writers int, wait time.Duration) *batcher {
	max = min(max, maxBatchLimit)
	b := &batcher{d: d, max: max, wait: wait, reqs: make(chan *subReq, 4*max), quit: make(chan struct{})}
	for range writers {
		b.wg.Add(1)
		go b.run()
	}
	return b
}

// enqueue hands r to a writer, or gives up when ctx ends or the store is
// closed.
func (b *batcher) enqueue(ctx context.Context, r *subReq) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return app.Errorf(app.EUNAVAILABLE, "The server is shutting down. Please try again in a moment.")
	}
	r.queued = time.Now()
	select {
	case b.reqs <- r:
		return nil
	case <-ctx.Done():
		return mapErr(ctx.Err(), "create submission", submissionMsgs)
	}
}

// close stops intake, writes everything already queued and waits for the
// writers to finish.
func (b *batcher) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	close(b.quit)
	b.wg.Wait()
}

func (b *batcher) run() {
	defer b.wg.Done()
	batch := make([]*subReq, 0, b.max)
	prev := 0 // the size of this writer's previous group
	for {
		var first *subReq
		select {
		case first = <-b.reqs:
		case <-b.quit:
			// Intake is closed: flush what is left, then stop.
			for {
				batch = b.gather(batch[:0], nil)
				if len(batch) == 0 {
					return
				}
				b.process(batch)
			}
		}
		batch = b.gather(batch[:0], first)
		if wait := b.waitFor(prev, len(batch), first.queued); wait > 0 {
			batch = b.gatherFor(batch, wait)
		}
		prev = len(batch)
		b.process(batch)
		if err := b.d.ckpt.finish(); err != nil {
			b.d.log.Warn("store: WAL checkpoint by the writer", "err", err)
		}
	}
}

// gather appends first (when not nil) and whatever else is waiting, up to
// max requests, without blocking.
func (b *batcher) gather(batch []*subReq, first *subReq) []*subReq {
	if first != nil {
		batch = append(batch, first)
	}
	for len(batch) < b.max {
		select {
		case r := <-b.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// waitFor says how long a group of n requests, the first queued at first,
// should wait for more before it is written, given the size of the
// writer's previous group.
//
// A commit costs about as much as a few submissions whatever its size: it
// writes the last page of each of some twenty tables and indexes (16 KiB
// each on SQLite) even for one submission. Under steady load the writer
// finds a few requests waiting each time, and those small groups made it
// nearly as busy at 2,000 submissions/s arriving evenly as flat out. So
// while requests come several at a time a group waits, up to b.wait from
// its first request's arrival, for more to join: at 1,000/s that took a
// fifth off the CPU per submission. A lone request after a lone one (one
// supporter, or a client sending one at a time) never waits, nor does a
// full group.
func (b *batcher) waitFor(prev, n int, first time.Time) time.Duration {
	if b.wait <= 0 || prev < 2 || n >= b.max {
		return 0
	}
	return b.wait - time.Since(first)
}

// gatherFor adds requests to batch as they arrive, for at most wait or
// until it is full or the batcher is closing.
func (b *batcher) gatherFor(batch []*subReq, wait time.Duration) []*subReq {
	t := time.NewTimer(wait)
	defer t.Stop()
	for len(batch) < b.max {
		select {
		case r := <-b.reqs:
			batch = append(batch, r)
		case <-t.C:
			return batch
		case <-b.quit:
			return b.gather(batch, nil)
		}
	}
	return batch
}

// process writes a batch and answers every request in it. If the shared
// transaction fails, each request is retried alone so that one bad request
// (a token clash, a deleted campaign) fails only itself.
func (b *batcher) process(batch []*subReq) {
	live := make([]*subReq, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = mapErr(err, "create submission", submissionMsgs)
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := b.d.writeSubmissions(live)
	if err == nil {
		for _, r := range live {
			close(r.done)
		}
		return
	}
	if len(live) > 1 {
		b.d.log.Warn("group commit failed; retrying its submissions one by one", "batch", len(live), "err", err)
		for _, r := range live {
			if err := b.d.writeSubmissions([]*subReq{r}); err != nil {
				r.err = mapErr(err, "create submission", submissionMsgs)
			}
			close(r.done)
		}
		return
	}
	live[0].err = mapErr(err, "create submission", submissionMsgs)
	close(live[0].done)
}
