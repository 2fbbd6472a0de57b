package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

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

// DB is the store: Open, Migrate and Close it, and reach what it keeps
// through its aggregates, one per kind of record (see the package doc).
// It is safe for concurrent use.
type DB struct {
	*engine
	Submissions *Submissions
	Outbox      *Outbox
	Accounts    *Accounts
	Audit       *Audit
	Roster      *Roster
	Campaigns   *Campaigns
	Stats       *Stats
	Privacy     *Privacy
	Limits      *Limits

	closeOnce sync.Once
	closeErr  error
}

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
	e := &engine{clock: opts.Clock, loc: opts.Location, log: opts.Logger}
	cfg := func() *gorm.Config {
		return &gorm.Config{
			Logger:                 &gormLogger{log: opts.Logger, slow: opts.SlowQuery},
			NowFunc:                e.now,
			SkipDefaultTransaction: true,
		}
	}
	dsn := strings.TrimSpace(opts.DSN)
	if dsn == "" {
		return nil, app.Errorf(app.EINVALID, "no database configured: set a file path or a postgres:// URL")
	}
	// SQLite has one writer connection, so one group-commit writer; on
	// PostgreSQL two let one batch's round trips overlap another's (more
	// instances add more).
	writers := 1
	if isPostgresDSN(dsn) {
		e.dialect, writers = postgresDialect{}, 2
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
		e.w, e.r = w, w
	} else {
		e.dialect = sqliteDialect{}
		if err := e.openSQLite(ctx, dsn, opts, cfg); err != nil {
			return nil, err
		}
	}
	d := &DB{engine: e}
	if err := d.Ping(ctx); err != nil {
		e.closeConns()
		return nil, err
	}
	d.Privacy = &Privacy{engine: e}
	d.Submissions = newSubmissions(e, d.Privacy, opts.MaxBatch, writers, max(opts.CommitWait, 0))
	d.Outbox = &Outbox{engine: e, subs: d.Submissions}
	d.Accounts = &Accounts{engine: e}
	d.Audit = &Audit{engine: e}
	d.Roster = &Roster{engine: e}
	d.Campaigns = &Campaigns{engine: e}
	d.Stats = &Stats{engine: e}
	d.Limits = &Limits{engine: e}
	return d, nil
}

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
func (d *DB) Dialect() string { return d.dialect.name() }

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
		d.Submissions.batch.close()
		d.closeWriter()
		d.closeErr = d.closeConns()
	})
	return d.closeErr
}
