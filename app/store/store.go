// Package store keeps Advocate's data in SQLite (the default, pure Go, one
// file next to the binary) or PostgreSQL (for several app instances behind a
// load balancer). It is the only package that imports gorm, so every SQL
// dialect detail, migration and performance trick lives here and the domain
// packages see only the app store interfaces.
//
// Two habits keep SQLite fast and free of SQLITE_BUSY: all writes go through
// one dedicated connection (SQLite admits one writer at a time anyway, and a
// queue in Go is fairer than a busy loop in the driver), while reads use a
// separate pool of query-only connections that never wait on the writer
// thanks to WAL. Submissions, the hot write path, are group-committed: a
// single goroutine writes whatever requests arrived together in one
// transaction.
//
// Times are stored in UTC with millisecond precision on both dialects so that
// values round-trip identically; on SQLite they are fixed-width text
// ("2006-01-02 15:04:05.000") that sorts in time order. Write times from Go
// (the Clock), never with SQL functions such as CURRENT_TIMESTAMP, so every
// row uses the same format.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3/gormlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Dialect names returned by (*DB).Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Options configures Open. Only DSN is required.
type Options struct {
	// DSN is a file path, a "file:" URI or "sqlite://path" for SQLite, or a
	// "postgres://" / "postgresql://" URL (or "host=... dbname=..."
	// keywords) for PostgreSQL.
	DSN string
	// Logger receives slow-query warnings and background errors; nil
	// discards them.
	Logger *slog.Logger
	// Clock stamps rows (created_at, applied_at, imported_at); nil means
	// time.Now.
	Clock app.Clock
	// ReadConns is the size of the SQLite read pool (default 4).
	ReadConns int
	// MaxConns is the PostgreSQL pool size (default 10).
	MaxConns int
	// MaxBatch caps how many submissions one group commit writes (default
	// 64, at most 512). 1 gives one transaction per submission.
	MaxBatch int
	// CommitWait is how long a group commit may wait for more submissions,
	// counted from when its first one arrived, while they come several at
	// a time (the writer's previous group held more than one). Default
	// 5ms; negative: never wait. See batcher.wait.
	CommitWait time.Duration
	// SlowQuery is the duration above which a query is logged (default
	// 500ms; negative disables).
	SlowQuery time.Duration
	// CheckpointEvery is how often the SQLite write-ahead log is copied
	// back into the database (default 250ms; see checkpointer).
	CheckpointEvery time.Duration
	// Location is the time zone whose calendar days the outreach
	// statistics count in (nil means UTC).
	Location *time.Location
}

// DB is the store. It implements app.RosterStore, app.CampaignStore and
// app.SubmissionStore and is safe for concurrent use.
type DB struct {
	dialect string
	w       *gorm.DB // writes; on SQLite exactly one connection
	r       *gorm.DB // reads; on SQLite a query_only pool, on Postgres == w
	clock   app.Clock
	loc     *time.Location // calendar days of the statistics
	log     *slog.Logger
	subs    *batcher
	stmts   *stmtCache // SQLite writer only; nil on Postgres
	ckpt    *checkpointer
	sqlText sync.Map // insertKey -> SQL of the hot path's multi-row INSERTs

	closeOnce sync.Once
	closeErr  error
}

// Compile-time checks that DB provides what the domain expects.
var (
	_ app.RosterStore     = (*DB)(nil)
	_ app.CampaignStore   = (*DB)(nil)
	_ app.SubmissionStore = (*DB)(nil)
)

// sqliteTimeFormat is the fixed-width UTC text form of times on SQLite. It is
// one of the driver's predefined formats, so the driver converts to UTC on
// write and also reads SQLite's own "YYYY-MM-DD HH:MM:SS" values.
const sqliteTimeFormat = "2006-01-02 15:04:05.000"

// Open connects to the database named by opts.DSN. It does not migrate;
// call Migrate before use (the server does at start).
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10
	}
	if opts.CommitWait == 0 {
		opts.CommitWait = 5 * time.Millisecond
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 64
	}
	if opts.SlowQuery == 0 {
		opts.SlowQuery = 500 * time.Millisecond
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = 250 * time.Millisecond
	}
	d := &DB{clock: opts.Clock, loc: opts.Location, log: opts.Logger}
	cfg := func() *gorm.Config {
		return &gorm.Config{
			Logger:                 &gormLogger{log: opts.Logger, slow: opts.SlowQuery},
			NowFunc:                d.now,
			SkipDefaultTransaction: true,
		}
	}
	dsn := strings.TrimSpace(opts.DSN)
	if dsn == "" {
		return nil, app.Errorf(app.EINVALID, "no database configured: set a file path or a postgres:// URL")
	}
	if isPostgresDSN(dsn) {
		d.dialect = DialectPostgres
		// gorm's own ping at open would not heed ctx: d.Ping below does,
		// so a caller's deadline bounds a server that accepts the
		// connection and never answers (connect_timeout bounds it too).
		pgCfg := cfg()
		pgCfg.DisableAutomaticPing = true
		w, err := gorm.Open(postgres.New(postgres.Config{DSN: withConnectTimeout(dsn)}), pgCfg)
		if err != nil {
			return nil, app.WrapError(app.EUNAVAILABLE, fmt.Errorf("store: connect to postgres: %w", redactErr(err, dsn)),
				"The database is not reachable.")
		}
		sqlDB, err := w.DB()
		if err != nil {
			return nil, fmt.Errorf("store: postgres pool: %w", err)
		}
		sqlDB.SetMaxOpenConns(opts.MaxConns)
		sqlDB.SetMaxIdleConns(opts.MaxConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		d.w, d.r = w, w
	} else {
		d.dialect = DialectSQLite
		if err := d.openSQLite(ctx, dsn, opts, cfg); err != nil {
			return nil, err
		}
	}
	if err := d.Ping(ctx); err != nil {
		d.closeConns()
		return nil, err
	}
	// SQLite has one writer connection, so one batcher; on PostgreSQL two
	// let one batch's round trips overlap another's (more instances add
	// more).
	writers := 1
	if d.dialect == DialectPostgres {
		writers = 2
	}
	d.subs = newBatcher(d, opts.MaxBatch, writers, max(opts.CommitWait, 0))
	return d, nil
}

func (d *DB) openSQLite(ctx context.Context, dsn string, opts Options, cfg func() *gorm.Config) error {
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
	d.w, d.r = w, r
	d.stmts = newStmtCache(wdb)
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
	d.ckpt = startCheckpointer(ckdb, wdb, opts.CheckpointEvery, d)
	return nil
}

// busyTimeout is how long an SQLite connection waits for a lock.
const busyTimeout = 10 * time.Second

// isPostgresDSN reports whether dsn names a PostgreSQL database: a
// postgres:// or postgresql:// URL, or a keyword/value string such as
// "host=db dbname=advocate".
func isPostgresDSN(dsn string) bool {
	lower := strings.ToLower(dsn)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		return true
	}
	for _, f := range strings.Fields(lower) {
		if strings.HasPrefix(f, "host=") || strings.HasPrefix(f, "dbname=") {
			return true
		}
	}
	return false
}

// pgConnectTimeout (seconds) bounds connecting to PostgreSQL, the TCP
// connection and the start-up exchange, when neither the DSN nor
// PGCONNECT_TIMEOUT sets a limit: a server that stopped answering would
// otherwise hold every request that needs a new connection for minutes.
const pgConnectTimeout = "5"

// withConnectTimeout adds connect_timeout to a PostgreSQL DSN that has none.
func withConnectTimeout(dsn string) string {
	if strings.Contains(dsn, "connect_timeout") || os.Getenv("PGCONNECT_TIMEOUT") != "" {
		return dsn
	}
	lower := strings.ToLower(dsn)
	if !strings.HasPrefix(lower, "postgres://") && !strings.HasPrefix(lower, "postgresql://") {
		return dsn + " connect_timeout=" + pgConnectTimeout
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&connect_timeout=" + pgConnectTimeout
	}
	return dsn + "?connect_timeout=" + pgConnectTimeout
}

// sqlitePath turns a SQLite DSN (path, file: URI, sqlite://path) into a
// file path and the extra URI parameters the user gave.
func sqlitePath(dsn string) (string, url.Values, error) {
	rest, query := dsn, ""
	switch {
	case strings.HasPrefix(strings.ToLower(dsn), "sqlite://"):
		rest = dsn[len("sqlite://"):]
		rest, query, _ = strings.Cut(rest, "?")
	case strings.HasPrefix(dsn, "file:"):
		u, err := url.Parse(dsn)
		if err != nil {
			return "", nil, app.WrapError(app.EINVALID, err, "the database URI is not valid")
		}
		rest = u.Opaque
		if rest == "" {
			rest = u.Path
		}
		if r, err := url.PathUnescape(rest); err == nil {
			rest = r
		}
		query = u.RawQuery
	}
	extra, err := url.ParseQuery(query)
	if err != nil {
		return "", nil, app.WrapError(app.EINVALID, err, "the database URI parameters are not valid")
	}
	if rest == "" || rest == ":memory:" || extra.Get("mode") == "memory" || extra.Has("vfs") {
		return "", nil, app.Errorf(app.EINVALID, "the database must be a file (in-memory databases are not supported: use a temporary file)")
	}
	return rest, extra, nil
}

// redactErr removes a password from connection errors before they are
// wrapped (pgx usually redacts, but be sure).
func redactErr(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" && strings.Contains(err.Error(), p) {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

// Dialect reports "sqlite" or "postgres", for the CLI and health output.
func (d *DB) Dialect() string { return d.dialect }

// Ping checks that the database answers, for health checks.
func (d *DB) Ping(ctx context.Context) error {
	for _, g := range []*gorm.DB{d.w, d.r} {
		sqlDB, err := g.DB()
		if err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return app.WrapError(app.EUNAVAILABLE, err, "The database is not reachable.")
		}
	}
	return nil
}

// Close writes the submissions still queued, then closes the connections.
// Later calls return the first result.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		d.subs.close()
		d.stmts.close()
		d.ckpt.stop()
		if d.dialect == DialectSQLite {
			// Let SQLite refresh planner statistics it found worth having.
			_ = d.w.Exec("PRAGMA optimize").Error
		}
		d.closeErr = d.closeConns()
	})
	return d.closeErr
}

func (d *DB) closeConns() error {
	var errs []error
	seen := map[*gorm.DB]bool{}
	for _, g := range []*gorm.DB{d.r, d.w} {
		if g == nil || seen[g] {
			continue
		}
		seen[g] = true
		if sqlDB, err := g.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// now returns the clock's time as stored: UTC, millisecond precision.
func (d *DB) now() time.Time { return dbTime(d.clock()) }

// dbTime normalises t to what the database keeps, so that callers hold the
// same value that a later read returns.
func dbTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

// dbTimePtr is dbTime for optional times.
func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := dbTime(*t)
	return &v
}

// timeArgs turns times into query arguments for one submission's rows
// (newSubRows, in the caller's goroutine). On SQLite it hands the driver the
// text the driver would have written (UTC in sqliteTimeFormat), formatting
// each distinct time once: a submission's rows all carry the same
// timestamp, and formatting it again for each of its two dozen rows was
// measurable. On PostgreSQL times pass through unchanged.
type timeArgs struct {
	text bool
	last time.Time
	s    string
	has  bool

	loc     *time.Location // the statistics' time zone
	dayOf   time.Time
	dayText string
	hasDay  bool
}

func (d *DB) newTimeArgs() *timeArgs {
	return &timeArgs{text: d.dialect == DialectSQLite, loc: d.loc}
}

// day is the calendar day of t in the statistics' time zone, as stored in
// the day columns, formatted once per distinct time.
func (a *timeArgs) day(t time.Time) string {
	if !a.hasDay || !t.Equal(a.dayOf) {
		a.dayOf, a.dayText, a.hasDay = t, t.In(a.loc).Format(time.DateOnly), true
	}
	return a.dayText
}

// arg is t as stored (see dbTime).
func (a *timeArgs) arg(t time.Time) any {
	t = dbTime(t)
	if !a.text {
		return t
	}
	if !a.has || !t.Equal(a.last) {
		a.last, a.s, a.has = t, t.Format(sqliteTimeFormat), true
	}
	return a.s
}

// opt is arg for an optional time (NULL when nil).
func (a *timeArgs) opt(t *time.Time) any {
	if t == nil {
		return nil
	}
	return a.arg(*t)
}

// timeArg turns an optional time into a query argument (NULL when nil).
func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}
