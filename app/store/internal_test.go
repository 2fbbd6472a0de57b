package store

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

func TestShapeCodec(t *testing.T) {
	tests := []struct {
		name   string
		polys  []app.Polygon
		format byte
	}{
		{"none", nil, shapeQuantized},
		{"census decimals", []app.Polygon{{{pt(-88.05333, 30.507), pt(-88.05106, 30.50884), pt(-88.05333, 30.507)}}}, shapeQuantized},
		{"seven decimals", []app.Polygon{{{pt(-179.1234567, -89.9999999), pt(179.9999999, 89.1)}}}, shapeQuantized},
		{"holes and multipolygon", []app.Polygon{
			{{pt(1, 2), pt(3, 4), pt(5, 6)}, {pt(1.5, 2.5), pt(2, 3)}},
			{{pt(-1, -2), pt(-3, -4)}},
		}, shapeQuantized},
		{"full precision falls back", []app.Polygon{{{pt(math.Pi, math.E), pt(1, 2)}}}, shapeFloat64},
		{"negative zero falls back", []app.Polygon{{{pt(math.Copysign(0, -1), 1)}}}, shapeFloat64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeShape(tt.polys)
			if b[0] != tt.format {
				t.Errorf("format %d, want %d", b[0], tt.format)
			}
			got, err := decodeShape(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.polys) {
				t.Fatalf("round trip:\n got  %v\n want %v", got, tt.polys)
			}
			for i := range got {
				for j := range got[i] {
					for k := range got[i][j] {
						if math.Float64bits(got[i][j][k].Lon) != math.Float64bits(tt.polys[i][j][k].Lon) {
							t.Fatalf("not bit-exact at %d/%d/%d", i, j, k)
						}
					}
				}
			}
			// Appending to a decoded ring must not clobber the next one.
			if len(got) > 0 && len(got[0]) > 1 {
				before := got[0][1][0]
				_ = append(got[0][0], app.Point{Lon: 99, Lat: 99})
				if got[0][1][0] != before {
					t.Fatal("rings share capacity")
				}
			}
			// Truncated or garbled blobs are errors, never panics.
			for cut := 0; cut < len(b); cut++ {
				if _, err := decodeShape(b[:cut]); err == nil && cut < len(b) && len(tt.polys) > 0 {
					t.Fatalf("truncated at %d/%d decoded without error", cut, len(b))
				}
			}
		})
	}
	if _, err := decodeShape([]byte{9, 1}); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func pt(lon, lat float64) app.Point { return app.Point{Lon: lon, Lat: lat} }

func TestShapeSize(t *testing.T) {
	ring := make(app.Ring, 10000)
	for i := range ring {
		ring[i] = app.Point{Lon: math.Round((-88+float64(i)*1e-4)*1e5) / 1e5, Lat: math.Round((30+float64(i%50)*1e-4)*1e5) / 1e5}
	}
	b := encodeShape([]app.Polygon{{ring}})
	if per := float64(len(b)) / float64(len(ring)); per > 8 {
		t.Fatalf("%.1f bytes per vertex; want a compact encoding", per)
	}
}

func TestSQLitePath(t *testing.T) {
	tests := []struct {
		dsn, path string
		extra     string
		bad       bool
	}{
		{dsn: "data/advocate.db", path: "data/advocate.db"},
		{dsn: "/var/lib/advocate/a.db", path: "/var/lib/advocate/a.db"},
		{dsn: "sqlite:///var/lib/a.db", path: "/var/lib/a.db"},
		{dsn: "sqlite://rel/a.db?_pragma=cache_size(-2000)", path: "rel/a.db", extra: "cache_size(-2000)"},
		{dsn: "file:rel/a.db?_pragma=x(1)", path: "rel/a.db", extra: "x(1)"},
		{dsn: "file:///abs/a%20b.db", path: "/abs/a b.db"},
		{dsn: ":memory:", bad: true},
		{dsn: "file::memory:?cache=shared", bad: true},
		{dsn: "sqlite://", bad: true},
	}
	for _, tt := range tests {
		path, extra, err := sqlitePath(tt.dsn)
		if tt.bad {
			if app.ErrorCodeOf(err) != app.EINVALID {
				t.Errorf("%q: err = %v, want EINVALID", tt.dsn, err)
			}
			continue
		}
		if err != nil || path != tt.path || extra.Get("_pragma") != tt.extra {
			t.Errorf("%q = %q, %v, %v; want %q, %q", tt.dsn, path, extra, err, tt.path, tt.extra)
		}
	}
}

func TestInsertSQL(t *testing.T) {
	pg := &engine{dialect: postgresDialect{}}
	lite := &engine{dialect: sqliteDialect{}}
	if got := pg.insertSQL("t", []string{"a", "b"}, 2, "RETURNING id"); got != "INSERT INTO t (a, b) VALUES ($1,$2), ($3,$4) RETURNING id" {
		t.Errorf("postgres: %s", got)
	}
	if got := lite.insertSQL("t", []string{"a", "b"}, 2, ""); got != "INSERT INTO t (a, b) VALUES (?,?), (?,?)" {
		t.Errorf("sqlite: %s", got)
	}
	if got := pg.rebind("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Errorf("rebind: %s", got)
	}
}

func TestIsPostgresDSN(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://u@h/db":              true,
		"POSTGRESQL://u@h/db":            true,
		"host=localhost dbname=advocate": true,
		"dbname=advocate":                true,
		"data/advocate.db":               false,
		"file:x.db?_pragma=a(1)":         false,
		"sqlite://x.db":                  false,
		"/srv/host=1/a.db":               false,
	} {
		if got := isPostgresDSN(dsn); got != want {
			t.Errorf("isPostgresDSN(%q) = %v", dsn, got)
		}
	}
}

// openTestDB opens a store at dsn for an internal test and closes it when
// the test ends.
func openTestDB(t *testing.T, dsn string) *DB {
	t.Helper()
	d, err := Open(context.Background(), Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// openMigratedDB is openTestDB with every migration applied.
func openMigratedDB(t *testing.T, dsn string) *DB {
	t.Helper()
	d := openTestDB(t, dsn)
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestTimeArgsWriteWhatTheDriverWrites: the insert path hands SQLite times
// as preformatted text; what lands in the file must be exactly what the
// driver writes for a time.Time, and a batch must not reuse the text of an
// earlier, different time.
func TestTimeArgsWriteWhatTheDriverWrites(t *testing.T) {
	ctx := context.Background()
	d := openTestDB(t, filepath.Join(t.TempDir(), "t.db"))
	w, err := d.w.DB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, "CREATE TABLE times (n INTEGER, driver DATETIME, ours DATETIME)"); err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	a := time.Date(2026, 12, 2, 19, 28, 1, 123456789, time.UTC)
	times := []time.Time{a, a, a.In(ny), a.Add(time.Millisecond), a.Add(time.Microsecond), time.Date(2027, 1, 1, 0, 0, 0, 0, ny), {}}
	ta := d.newTimeArgs()
	for i, tm := range times {
		if _, err := w.ExecContext(ctx, "INSERT INTO times VALUES (?, ?, ?)", i, dbTime(tm), ta.arg(tm)); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := w.QueryContext(ctx, "SELECT n, CAST(driver AS TEXT), CAST(ours AS TEXT), typeof(driver), typeof(ours) FROM times ORDER BY n")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var i int
		var driver, ours, td, to string
		if err := rows.Scan(&i, &driver, &ours, &td, &to); err != nil {
			t.Fatal(err)
		}
		if driver != ours || td != to {
			t.Errorf("%v: driver wrote %q (%s), ours %q (%s)", times[i], driver, td, ours, to)
		}
		n++
	}
	if n != len(times) {
		t.Fatalf("%d rows", n)
	}
	if got := (&engine{dialect: postgresDialect{}}).newTimeArgs().arg(a.In(ny)); got != dbTime(a) {
		t.Errorf("postgres: %v, want the time itself in UTC", got)
	}
	if got := ta.opt(nil); got != nil {
		t.Errorf("nil time: %v", got)
	}
	// Days too: the same time gives the cached day, another time its own.
	for _, tm := range append(times, a.Add(-20*time.Hour), a.Add(-20*time.Hour), a) {
		if got, want := ta.day(tm), tm.In(d.loc).Format(time.DateOnly); got != want {
			t.Errorf("day of %v: %s, want %s", tm, got, want)
		}
	}
}

// TestCheckpointFlushSyncsBothFiles: the background checkpointer syncs the
// database file and the log through its own connection's handles before
// asking the writer to finish, and the store goes on working after it.
func TestCheckpointFlushSyncsBothFiles(t *testing.T) {
	ctx := context.Background()
	d := openMigratedDB(t, filepath.Join(t.TempDir(), "t.db"))
	if _, err := walCheckpoint(ctx, d.ckpt.db, "PASSIVE"); err != nil {
		t.Fatal(err)
	}
	if n := d.ckpt.flush(ctx); n != 2 {
		t.Fatalf("flush synced %d files, want the database and its log", n)
	}
	if err := d.ckpt.finish(); err != nil {
		t.Fatal(err)
	}
	if err := d.Campaigns.CreateCampaign(ctx, &app.Campaign{Slug: "after-flush", Title: "After", Status: app.CampaignOpen}); err != nil {
		t.Fatal(err)
	}
	var check string
	if err := d.ckpt.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
}
