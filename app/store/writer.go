package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3/gormlite"
	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// The write machinery: how writes reach the database fast and without
// SQLITE_BUSY.
//
//   - One writer. On SQLite all writes go through one dedicated connection
//     (openSQLite): SQLite admits one writer at a time anyway, and a queue
//     in Go is fairer than a busy loop in the driver. Reads use a separate
//     pool of query-only connections that never wait on the writer thanks
//     to WAL.
//   - Group commit. Submissions, the hot write path, are written by the
//     batcher: one goroutine (two on PostgreSQL) writes whatever requests
//     arrived together in one transaction, so one commit serves the group.
//   - Prepared statements. The submission path's multi-row INSERTs repeat
//     a handful of shapes (chunkSizes, hotInsertSQL) that stmtCache keeps
//     prepared on the writer connection.
//   - Checkpoints. The write-ahead log is copied back into the database
//     off the writer's path (checkpoint.go), the writer finishing the copy
//     between two groups.
//
// PostgreSQL shares the batcher and the statement shapes; the rest is
// SQLite's alone.

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
	e     *engine
	write func([]*subReq) error // one transaction
	max   int
	wait  time.Duration // see waitFor
	reqs  chan *subReq
	quit  chan struct{}
	wg    sync.WaitGroup

	mu     sync.RWMutex // held for reading while enqueueing; Close takes it to stop intake
	closed bool
}

func newBatcher(e *engine, write func([]*subReq) error, max, writers int, wait time.Duration) *batcher {
	max = min(max, maxBatchLimit)
	b := &batcher{e: e, write: write, max: max, wait: wait, reqs: make(chan *subReq, 4*max), quit: make(chan struct{})}
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
		if err := b.e.ckpt.finish(); err != nil {
			b.e.log.Warn("store: WAL checkpoint by the writer", "err", err)
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
	err := b.write(live)
	if err == nil {
		for _, r := range live {
			close(r.done)
		}
		return
	}
	if len(live) > 1 {
		b.e.log.Warn("group commit failed; retrying its submissions one by one", "batch", len(live), "err", err)
		for _, r := range live {
			if err := b.write([]*subReq{r}); err != nil {
				r.err = mapErr(err, "create submission", submissionMsgs)
			}
			close(r.done)
		}
		return
	}
	live[0].err = mapErr(err, "create submission", submissionMsgs)
	close(live[0].done)
}

// hotInsertSQL is insertSQL remembered per table, row count and suffix,
// for the few shapes the hot path repeats. On SQLite it says INSERT OR FAIL:
// with the default (ABORT) a multi-row INSERT that may hit a unique or NOT
// NULL constraint keeps a statement journal, a copy of every page it
// changes, to undo itself alone (migration 0011 removed the foreign keys'
// share of that cost). FAIL keeps the rows inserted before a failure, so
// these statements may only run inside a transaction that is rolled back on
// any error, as the group commit's is.
func (e *engine) hotInsertSQL(table string, cols []string, rows int, suffix string) string {
	key := insertKey{table: table, rows: rows, suffix: suffix}
	if q, ok := e.sqlText.Load(key); ok {
		return q.(string)
	}
	q := e.dialect.hotInsert() + strings.TrimPrefix(e.insertSQL(table, cols, rows, suffix), "INSERT")
	e.sqlText.Store(key, q)
	return q
}

type insertKey struct {
	table  string
	rows   int
	suffix string
}

// insertChunked is bulkInsert for the hot path: power-of-two chunks, so
// the statements repeat and stay prepared.
func (e *engine) insertChunked(ctx context.Context, q querier, table string, cols []string, n int, row func(i int, args []any) []any) error {
	start := 0
	var args []any
	for _, size := range chunkSizes(n, e.maxParams()/len(cols)) {
		args = args[:0]
		for i := start; i < start+size; i++ {
			args = row(i, args)
		}
		if _, err := q.ExecContext(ctx, e.hotInsertSQL(table, cols, size, ""), args...); err != nil {
			return err
		}
		start += size
	}
	return nil
}

// stmtCache keeps the prepared statements of the submission hot path on
// SQLite's single writer connection, where parsing a multi-row INSERT costs
// about as much as running it. Statements cannot be prepared while a
// transaction holds that only connection, so a miss runs unprepared and is
// noted; the batcher prepares the noted ones between transactions.
// (PostgreSQL needs none of this: pgx caches prepared statements per
// connection by SQL text.)
type stmtCache struct {
	db   *sql.DB
	mu   sync.Mutex
	m    map[string]*sql.Stmt
	want map[string]bool
}

// maxCachedStmts bounds the cache; chunked inserts need only a few dozen.
const maxCachedStmts = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, want: map[string]bool{}}
}

// lookup returns the prepared statement for query, or nil (and notes it).
func (c *stmtCache) lookup(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.m[query]
	if st == nil && len(c.m)+len(c.want) < maxCachedStmts {
		c.want[query] = true
	}
	return st
}

// prepareWanted prepares the statements noted by lookup. It must run
// outside any write transaction.
func (c *stmtCache) prepareWanted(ctx context.Context) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	var todo []string
	for q := range c.want {
		todo = append(todo, q)
	}
	clear(c.want)
	c.mu.Unlock()
	for _, q := range todo {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if c.m[q] == nil {
			c.m[q] = st
			st = nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
	return nil
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}

// cachedTx runs statements in a write transaction, through the statement
// cache when the dialect has one.
type cachedTx struct {
	q     querier
	tx    *sql.Tx // nil when q is not a plain *sql.Tx
	cache *stmtCache
}

func (e *engine) cachedTx(tx *gorm.DB) cachedTx {
	q := pool(tx)
	c := cachedTx{q: q, cache: e.stmts}
	c.tx, _ = q.(*sql.Tx)
	return c
}

func (c cachedTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if c.tx == nil {
		return nil
	}
	if st := c.cache.lookup(query); st != nil {
		return c.tx.StmtContext(ctx, st)
	}
	return nil
}

func (c cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.q.ExecContext(ctx, query, args...)
}

func (c cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, query, args...)
}

func (c cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, query, args...)
}

// chunkSizes splits n rows into power-of-two chunks of at most max rows
// (64 → [64], 13 → [8 4 1]) so that batches of any size reuse a handful of
// statement shapes, which both statement caches can keep.
func chunkSizes(n, max int) []int {
	var out []int
	for size := 1 << 6; n > 0; size >>= 1 {
		for size <= max && n >= size {
			out = append(out, size)
			n -= size
		}
		if size == 1 {
			break
		}
	}
	return out
}

func (e *engine) openSQLite(ctx context.Context, dsn string, opts Options, cfg func() *gorm.Config) error {
	path, extra, err := sqlitePath(dsn)
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("store: create database folder: %w", err)
		}
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	// Order matters: busy_timeout first (driver docs). Our values come first
	// so that _txlock/_timefmt cannot be overridden, while a user's _pragma
	// entries run after ours and win.
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	common.Add("_pragma", "foreign_keys(1)")
	writeQ := url.Values{}
	for k, v := range common {
		writeQ[k] = append([]string(nil), v...)
	}
	// 16 KiB pages: a submission's letters fill a few pages instead of many,
	// and each page is one write system call at commit. It applies to new
	// database files only.
	writeQ.Add("_pragma", "page_size(16384)")
	writeQ.Add("_pragma", "journal_mode(wal)")
	writeQ.Add("_pragma", "synchronous(normal)")
	// Statement journals stay in memory: multi-row INSERTs would otherwise
	// spill them to a temporary file (an open and several writes each).
	writeQ.Add("_pragma", "temp_store(memory)")
	// Checkpoints run from their own connection (see checkpointer).
	writeQ.Add("_pragma", "wal_autocheckpoint(0)")
	// The log is reused from its beginning after each checkpoint (see
	// checkpointer); one that grew while a long reader held it back is cut
	// back to 128 MiB when it starts again, rather than keeping its size.
	writeQ.Add("_pragma", "journal_size_limit(134217728)")
	// A 64 MiB page cache for the writer (the default is 2 MiB, 128 pages of
	// 16 KiB): a group commit of a few dozen submissions touches more pages
	// than that across the tables, indexes and rollups, and a cache that
	// small spills them to the log before the commit and reads them back.
	writeQ.Add("_pragma", "cache_size(-65536)")
	writeQ.Set("_txlock", "immediate")
	writeQ.Set("_timefmt", sqliteTimeFormat)
	readQ := common
	readQ.Add("_pragma", "query_only(1)")
	readQ.Set("_timefmt", sqliteTimeFormat)
	for k, vs := range extra {
		for _, v := range vs {
			writeQ.Add(k, v)
			readQ.Add(k, v)
		}
	}
	w, err := gorm.Open(gormlite.Open(base+"?"+writeQ.Encode()), cfg())
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	// The writer must create the file and switch it to WAL before a
	// query_only reader may open it.
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	r, err := gorm.Open(gormlite.Open(base+"?"+readQ.Encode()), cfg())
	if err != nil {
		wdb.Close()
		return fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		wdb.Close()
		return fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	rdb.SetMaxOpenConns(opts.ReadConns)
	rdb.SetMaxIdleConns(opts.ReadConns)
	rdb.SetConnMaxIdleTime(0)
	e.w, e.r = w, r
	e.stmts = newStmtCache(wdb)
	cq := url.Values{}
	for k, v := range common {
		if k == "_pragma" {
			for _, p := range v {
				if p != "query_only(1)" {
					cq.Add(k, p)
				}
			}
		}
	}
	ckdb, err := sql.Open("sqlite3", base+"?"+cq.Encode())
	if err != nil {
		return fmt.Errorf("store: open %s for checkpoints: %w", path, err)
	}
	ckdb.SetMaxOpenConns(1)
	e.ckpt = startCheckpointer(ckdb, wdb, opts.CheckpointEvery, e.log)
	return nil
}

// busyTimeout is how long an SQLite connection waits for a lock.
const busyTimeout = 10 * time.Second

// closeWriter stops the SQLite write machinery (PostgreSQL has none) and
// lets SQLite refresh the planner statistics it found worth having.
func (e *engine) closeWriter() {
	if e.ckpt == nil {
		return
	}
	e.stmts.close()
	e.ckpt.stop()
	_ = e.w.Exec("PRAGMA optimize").Error
}
