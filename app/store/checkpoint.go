package store

import (
	"context"
	"database/sql"
	"time"
)

// checkpointer copies the SQLite write-ahead log back into the database file
// from its own connection, so the writer never does it. With SQLite's
// automatic checkpoints the committing connection does that work inside a
// commit, and every thousand pages one unlucky batch of submissions waits
// for it; a PASSIVE checkpoint from another connection waits for nobody.
type checkpointer struct {
	db     *sql.DB
	every  time.Duration
	cancel context.CancelFunc
	done   chan struct{}
}

func startCheckpointer(db *sql.DB, every time.Duration, d *DB) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, every: every, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil && ctx.Err() == nil {
					d.log.Warn("store: WAL checkpoint", "err", err)
				}
			}
		}
	}()
	return c
}

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
