package store_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/store"
)

// Under steady load the single writer commits while every background
// checkpoint runs, so that checkpoint alone never copies the whole log and
// SQLite never starts the log again: the log would keep every page ever
// written for as long as the load lasts. The writer's finishing step keeps
// it to what a few checkpoint intervals write, and SQLite starts it again
// from its beginning many times.
func TestWALStaysShortUnderSteadyLoad(t *testing.T) {
	e := newEnv(t, backends[0], store.Options{CheckpointEvery: 20 * time.Millisecond})
	f := newFixture(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const want = 8000 // submissions, about 70 MB of database
	var (
		seq    atomic.Int64
		token  atomic.Value
		maxWAL atomic.Int64
		wg     sync.WaitGroup
	)
	errs := make(chan error, 64)
	// The deadline only stops a hung run: a machine busy with other work
	// may take minutes, which says nothing about the log's length.
	deadline := time.Now().Add(4 * time.Minute)
	for range 32 {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := int(seq.Add(1))
				if n > want {
					return
				}
				s := f.submission(n, fmt.Sprintf("w%d@example.org", n), e.clock.Now())
				if _, err := e.db.Submissions.CreateSubmission(ctx, s); err != nil {
					errs <- err
					return
				}
				token.Store(s.Token)
			}
		})
	}
	// Readers hold snapshots too, as the server's do.
	readers := &sync.WaitGroup{}
	stop := make(chan struct{})
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if tok, ok := token.Load().(string); ok {
				if _, err := e.db.Submissions.FindSubmissionByToken(ctx, tok); err != nil {
					errs <- err
					return
				}
			}
		}
	})
	// The log's header counts how often it was started again (the
	// checkpoint sequence number, bytes 12-15).
	seqs := map[uint32]bool{}
	readers.Go(func() {
		hdr := make([]byte, 16)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if fi, err := os.Stat(e.dsn + "-wal"); err == nil && fi.Size() > maxWAL.Load() {
				maxWAL.Store(fi.Size())
			}
			if f, err := os.Open(e.dsn + "-wal"); err == nil {
				if n, _ := f.ReadAt(hdr, 0); n == len(hdr) {
					seqs[binary.BigEndian.Uint32(hdr[12:])] = true
				}
				f.Close()
			}
			if time.Now().After(deadline) {
				cancel()
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	if ctx.Err() != nil {
		t.Fatalf("only %d of %d submissions written in four minutes", seq.Load(), want)
	}
	for err := range errs {
		t.Fatal(err)
	}
	fi, err := os.Stat(e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	// The database holds what was copied so far; a log that was never
	// started again holds at least as much (every page, and a page again
	// for each commit that changed it).
	t.Logf("database %d KiB, largest log %d KiB, log started %d times", fi.Size()>>10, maxWAL.Load()>>10, len(seqs))
	if len(seqs) < 5 {
		t.Errorf("the log was started again only %d times under load", len(seqs))
	}
	if maxWAL.Load() > fi.Size() {
		t.Errorf("the log grew to %d KiB beside a %d KiB database", maxWAL.Load()>>10, fi.Size()>>10)
	}
}
