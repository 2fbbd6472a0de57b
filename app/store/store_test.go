package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // raw access to test databases
	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/store"
)

// backend is one database the suite runs against.
type backend struct {
	name string
	dsn  func(tb testing.TB) string
	raw  func(tb testing.TB, dsn string) *sql.DB // a plain connection for checks behind the store's back
}

var backends = []backend{
	{
		name: "sqlite",
		dsn:  func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "advocate.db") },
		raw: func(tb testing.TB, dsn string) *sql.DB {
			db, err := sql.Open("sqlite3", "file:"+dsn+"?_pragma=busy_timeout(10000)")
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		},
	},
	{
		name: "postgres",
		dsn:  apptest.PostgresDSN,
		raw: func(tb testing.TB, dsn string) *sql.DB {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		},
	},
}

// env is one opened, migrated store of the suite.
type env struct {
	db    *store.DB
	dsn   string
	clock *apptest.Clock
	b     backend
}

// rawDB returns a plain database/sql handle on the same database.
func (e *env) rawDB(tb testing.TB) *sql.DB { return e.b.raw(tb, e.dsn) }

// count returns the rows of table.
func (e *env) count(tb testing.TB, table string) int {
	tb.Helper()
	var n int
	if err := e.rawDB(tb).QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func openStore(tb testing.TB, b backend, dsn string, clock *apptest.Clock, opts store.Options) *store.DB {
	tb.Helper()
	opts.DSN = dsn
	if clock != nil {
		opts.Clock = clock.Now
	}
	db, err := store.Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("open %s: %v", b.name, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return db
}

// newEnv opens and migrates a fresh store of backend b.
func newEnv(tb testing.TB, b backend, opts store.Options) *env {
	tb.Helper()
	dsn := b.dsn(tb)
	clock := apptest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC))
	db := openStore(tb, b, dsn, clock, opts)
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return &env{db: db, dsn: dsn, clock: clock, b: b}
}

// eachStore runs fn against every backend as a subtest.
func eachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			fn(t, newEnv(t, b, store.Options{}))
		})
	}
}

func wantCode(t *testing.T, err error, code app.ErrorCode) {
	t.Helper()
	if got := app.ErrorCodeOf(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
	if msg := app.ErrorMessageOf(err); code != app.EINTERNAL && (strings.Contains(strings.ToUpper(msg), "SELECT") ||
		strings.Contains(strings.ToUpper(msg), "INSERT") || strings.Contains(msg, "constraint")) {
		t.Fatalf("user message leaks SQL: %q", msg)
	}
}

func TestMigrate(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.dsn(t)
			db := openStore(t, b, dsn, nil, store.Options{})
			if v, err := db.SchemaVersion(ctx); err != nil || v != 0 {
				t.Fatalf("fresh SchemaVersion = %d, %v", v, err)
			}
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) == 0 || applied[0] != "0001_init" {
				t.Fatalf("applied = %v", applied)
			}
			again, err := db.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Fatalf("second Migrate = %v, %v; want nothing", again, err)
			}
			v, err := db.SchemaVersion(ctx)
			if err != nil || v != len(applied) {
				t.Fatalf("SchemaVersion = %d, %v", v, err)
			}

			// A database touched by a newer Advocate is refused, untouched.
			raw := b.raw(t, dsn)
			if _, err := raw.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future', '2030-01-01 00:00:00.000')"); err != nil {
				t.Fatal(err)
			}
			_, err = db.Migrate(ctx)
			var tooNew *store.SchemaTooNewError
			if !errors.As(err, &tooNew) || tooNew.DBVersion != 999 || tooNew.KnownVersion != v {
				t.Fatalf("Migrate on a newer schema: %v", err)
			}
			if !strings.Contains(err.Error(), "upgrade Advocate") {
				t.Errorf("message does not say what to do: %v", err)
			}
		})
	}
}

// Several instances starting at once on one PostgreSQL must apply each
// migration exactly once and all succeed.
func TestMigrateConcurrentInstances(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			const n = 4
			dbs := make([]*store.DB, n)
			for i := range dbs {
				dbs[i] = openStore(t, b, dsn, nil, store.Options{})
			}
			var wg sync.WaitGroup
			results := make([][]string, n)
			errs := make([]error, n)
			for i := range dbs {
				wg.Go(func() { results[i], errs[i] = dbs[i].Migrate(context.Background()) })
			}
			wg.Wait()
			total := 0
			for i := range dbs {
				if errs[i] != nil {
					t.Fatalf("instance %d: %v", i, errs[i])
				}
				total += len(results[i])
			}
			v, _ := dbs[0].SchemaVersion(context.Background())
			if total != v {
				t.Fatalf("migrations applied %d times in total, schema version %d", total, v)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{
		filepath.Join(dir, "nested", "deeper", "a.db"),
		"sqlite://" + filepath.Join(dir, "b dir", "b.db"),
		"file:" + filepath.Join(dir, "c.db") + "?_pragma=cache_size(-4000)",
	} {
		db, err := store.Open(ctx, store.Options{DSN: dsn})
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if db.Dialect() != store.DialectSQLite {
			t.Errorf("Dialect = %q", db.Dialect())
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate(%q): %v", dsn, err)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nested", "deeper", "a.db")); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b dir", "b.db")); err != nil {
		t.Fatalf("sqlite:// file not created: %v", err)
	}
	for _, dsn := range []string{"", "  ", ":memory:", "file::memory:", "file:x.db?mode=memory"} {
		_, err := store.Open(ctx, store.Options{DSN: dsn})
		wantCode(t, err, app.EINVALID)
	}
}

// deepEqual fails the test with a short description of the first
// difference.
func deepEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s differs:\n got  %+v\n want %+v", what, got, want)
	}
}
