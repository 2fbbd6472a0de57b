package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"
)

// checkpointer keeps the SQLite write-ahead log short. With SQLite's
// automatic checkpoints the committing connection copies the log back into
// the database inside a commit, and every thousand pages one unlucky batch
// of submissions waits for it. Here the copying is done in two steps:
//
//   - A PASSIVE checkpoint from its own connection every interval copies
//     what the log holds, waiting for nobody.
//   - The writer then finishes it between two batches (finish): it copies
//     the frames committed while the first step ran and, as it adds none
//     meanwhile, the log ends fully copied. SQLite's next write then starts
//     the log again from its beginning.
//
// Without the second step the log is never fully copied under steady load
// (the writer always commits while the checkpoint runs), so it grows by
// every commit for as long as the load lasts: about 1.8 GB in 10 s at
// 2,000 submissions/s. Besides the disk it takes, appending to a growing
// file costs the kernel about ten times what rewriting the same file region
// does (fresh page-cache pages and block allocation for every frame), and
// that cost fell on the single writer.
type checkpointer struct {
	db     *sql.DB // the checkpointer's own connection
	writer *sql.DB // the single writer connection
	cancel context.CancelFunc
	done   chan struct{}
	// due is set after a background checkpoint found frames in the log and
	// cleared by the writer when it takes the finishing step.
	due atomic.Bool
}

func startCheckpointer(db, writer *sql.DB, every time.Duration, log *slog.Logger) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, writer: writer, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				c.copyLog(ctx, log)
			}
		}
	}()
	return c
}

// copyLog runs PASSIVE checkpoints until one of them found only a few new
// frames, then asks the writer to finish. One checkpoint copies what was
// committed since the last tick, and the writer commits meanwhile; a second
// copies only those commits, and so on. The writer's finishing step then
// has little left to copy and to fsync. Under a load that never lets the
// copying catch up it asks the writer anyway after a few rounds: a longer
// pause for one batch is better than a log that grows without end.
func (c *checkpointer) copyLog(ctx context.Context, log *slog.Logger) {
	prev := int64(-1)
	for range maxCopyRounds {
		frames, err := walCheckpoint(ctx, c.db, "PASSIVE")
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("store: WAL checkpoint", "err", err)
			}
			return
		}
		if frames <= 0 {
			// The log is empty, or the writer's finishing step is
			// checkpointing right now (-1).
			return
		}
		// New frames since the last round; fewer than before means the
		// writer started the log again in between.
		fresh := frames - prev
		if prev < 0 || frames < prev {
			fresh = frames
		}
		if prev >= 0 && fresh <= smallCopy {
			break
		}
		prev = frames
	}
	c.flush(ctx)
	c.due.Store(true)
}

// flush fsyncs the database file and the log before the writer is asked to
// finish. The finishing step syncs both, and without this it would flush
// what the rounds above copied into the database (SQLite syncs the
// database only after a checkpoint that reached the end of the log, which
// under load none of them does) and everything committed since the last
// round began, all while no submission can be written. Syncing here first
// leaves the writer only what the last few milliseconds added.
//
// It syncs through the checkpoint connection's own file handles rather
// than opening the files again: where SQLite's locks are per process
// (the BSDs), closing another descriptor of the database would drop them.
// An extra sync is always safe; a failing one is left to the writer's own
// syncs to report. It returns how many of the two files it synced.
func (c *checkpointer) flush(ctx context.Context) (synced int) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return 0
	}
	defer conn.Close()
	_ = conn.Raw(func(dc any) error {
		raw, ok := dc.(interface{ Raw() *sqlite3.Conn })
		if !ok {
			return nil
		}
		for _, op := range []sqlite3.FcntlOpcode{sqlite3.FCNTL_FILE_POINTER, sqlite3.FCNTL_JOURNAL_POINTER} {
			f, err := raw.Raw().FileControl("main", op)
			if err != nil {
				continue
			}
			if f, ok := f.(vfs.File); ok && f.Sync(vfs.SYNC_NORMAL|vfs.SYNC_DATAONLY) == nil {
				synced++
			}
		}
		return nil
	})
	return synced
}

// smallCopy is how many frames (pages) the writer's finishing step may be
// left to copy, 2 MiB at 16 KiB pages; its two fsyncs write about that
// much. maxCopyRounds bounds the background rounds per tick.
const (
	smallCopy     = 128
	maxCopyRounds = 5
)

// walCheckpoint runs a checkpoint of the given mode (PASSIVE, RESTART) on q
// and returns how many frames the log held, or -1 when it could not run
// because another connection was checkpointing.
func walCheckpoint(ctx context.Context, q querier, mode string) (frames int64, err error) {
	var busy, copied int64
	err = q.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &copied)
	return frames, err
}

// finish runs the second step on the writer connection when a background
// checkpoint ran since the last call. The writer calls it between batches.
//
// It is a RESTART checkpoint: after copying the frames committed during the
// background step it waits until no reader still reads from the log, so
// that the writer's next transaction starts the log again. Readers that
// begin after the copy read from the database file and do not count; the
// wait is for those already running, which the server keeps short. It waits
// at most finishWait (a longer reader, an export say, makes it give up and
// leave the log as it is until the next round). The step costs the copy,
// two fsyncs and that wait: 5-15 ms every 250 ms at 2,000 submissions/s on
// the test machine, mostly the fsyncs.
func (c *checkpointer) finish() error {
	if c == nil || !c.due.Swap(false) {
		return nil
	}
	ctx := context.Background()
	conn, err := c.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", finishWait.Milliseconds())); err != nil {
		return err
	}
	_, ckErr := walCheckpoint(ctx, conn, "RESTART")
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds())); err != nil {
		// A writer that would give up after a few milliseconds must not
		// go back to the pool.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return fmt.Errorf("restore the busy timeout: %w", err)
	}
	return ckErr
}

// finishWait bounds how long the writer's finishing step waits for readers.
const finishWait = 5 * time.Millisecond

// stop ends the loop and runs a last checkpoint so the WAL is small when the
// process exits.
func (c *checkpointer) stop() {
	if c == nil {
		return
	}
	c.cancel()
	<-c.done
	_, _ = c.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	_ = c.db.Close()
}
