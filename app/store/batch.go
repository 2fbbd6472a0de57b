package store

import (
	"context"
	"sync"

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
	reqs chan *subReq
	quit chan struct{}
	wg   sync.WaitGroup

	mu     sync.RWMutex // held for reading while enqueueing; Close takes it to stop intake
	closed bool
}

func newBatcher(d *DB, max, writers int) *batcher {
	max = min(max, maxBatchLimit)
	b := &batcher{d: d, max: max, reqs: make(chan *subReq, 4*max), quit: make(chan struct{})}
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
