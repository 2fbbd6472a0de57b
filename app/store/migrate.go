package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Migrations are plain SQL files, one folder per dialect, named
// NNNN_name.sql. SQL rather than Go funcs because the DDL differs per
// dialect (identity columns, bytea, timestamptz) and a reviewer or operator
// can read and diff it as it runs; both folders must hold the same versions.
// A change plain SQL cannot express runs as a Go step after its version's
// file (goSteps), and the file says so.
//
//go:embed migrations
var migrationFS embed.FS

// migrateLockKey is the pg_advisory_xact_lock key that serialises migrations
// between app instances starting at once ("advocate" in ASCII).
const migrateLockKey int64 = 0x61647663_61746500

// migration is one numbered schema change.
type migration struct {
	Version int
	Name    string // "0001_init"
	SQL     string
}

// SchemaTooNewError reports a database migrated by a newer Advocate than
// the running one, which must not touch it: its queries may no longer fit.
type SchemaTooNewError struct {
	DBVersion    int // highest version recorded in the database
	KnownVersion int // highest version this build carries
}

// Error says what happened and what the operator should do.
func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema is at version %d but this Advocate build knows only up to %d: "+
		"upgrade Advocate (or point it at a database of its own version)", e.DBVersion, e.KnownVersion)
}

// loadMigrations reads the embedded migrations of a dialect in order.
func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations for %s: %w", dialect, err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".sql")
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: %s migrations must be numbered 1, 2, 3... without gaps; found %s", dialect, m.Name)
		}
	}
	return out, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction, and returns the names of those it applied (none when the
// schema is current). It is safe when several instances start at once: on
// PostgreSQL each step holds an advisory lock and re-checks what is applied;
// on SQLite the write transaction is exclusive. A database newer than this
// build fails with *SchemaTooNewError and is left untouched.
func (d *DB) Migrate(ctx context.Context) ([]string, error) { return d.migrate(ctx, math.MaxInt) }

// migrate applies the missing migrations up to version upTo (tests of a
// migration's handling of existing rows stop before it).
func (d *DB) migrate(ctx context.Context, upTo int) ([]string, error) {
	ms, err := loadMigrations(d.dialect.name())
	if err != nil {
		return nil, err
	}
	known := ms[len(ms)-1].Version
	var current int
	err = d.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := d.lockMigrations(tx); err != nil {
			return err
		}
		if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at ` + d.dialect.timestamp() + ` NOT NULL)`).Error; err != nil {
			return err
		}
		return tx.Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current).Error
	})
	if err != nil {
		return nil, mapErr(err, "prepare migrations", msgs{})
	}
	if current > known {
		return nil, &SchemaTooNewError{DBVersion: current, KnownVersion: known}
	}
	var applied []string
	for _, m := range ms {
		if m.Version <= current || m.Version > upTo {
			continue
		}
		did := false
		err := d.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := d.lockMigrations(tx); err != nil {
				return err
			}
			var n int64
			if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil // another instance got there first
			}
			if err := tx.Exec(m.SQL).Error; err != nil {
				return err
			}
			if step := goSteps[d.dialect.name()][m.Version]; step != nil {
				if err := step(tx); err != nil {
					return err
				}
			}
			did = true
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, d.now()).Error
		})
		if err != nil {
			return applied, fmt.Errorf("store: migration %s: %w", m.Name, err)
		}
		if did {
			applied = append(applied, m.Name)
			d.log.InfoContext(ctx, "applied migration", "migration", m.Name, "dialect", d.dialect.name())
		}
	}
	return applied, nil
}

// SchemaVersion returns the highest applied migration (0 for an empty
// database), for `advocate migrate` and health output.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var exists int64
	if err := d.r.WithContext(ctx).Raw(d.dialect.hasTable(), "schema_migrations").Scan(&exists).Error; err != nil {
		return 0, mapErr(err, "schema version", msgs{})
	}
	if exists == 0 {
		return 0, nil
	}
	var v int
	err := d.r.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v).Error
	return v, mapErr(err, "schema version", msgs{})
}

func (d *DB) lockMigrations(tx *gorm.DB) error {
	if lock := d.dialect.xactLock(migrateLockKey); lock != "" {
		return tx.Exec(lock).Error
	}
	return nil
}

// goSteps are the parts of migrations that plain SQL cannot express, by
// dialect and version. Each runs in its migration's transaction, after the
// migration's SQL file.
var goSteps = map[string]map[int]func(tx *gorm.DB) error{
	DialectSQLite: {11: deferForeignKeysSQLite},
}

// deferredFKs lists the tables whose foreign keys migration 0011 defers on
// SQLite, with how many foreign keys each has.
var deferredFKs = []struct {
	table string
	refs  int
}{{"submissions", 2}, {"letters", 3}, {"deliveries", 1}}

// fkClause matches one column's foreign key as the migrations write it.
var fkClause = regexp.MustCompile(`REFERENCES \w+ \(id\)(?: ON DELETE CASCADE)?`)

// deferForeignKeysSQLite makes the foreign keys of deferredFKs DEFERRABLE
// INITIALLY DEFERRED by rewriting their CREATE TABLE statements in
// sqlite_schema: the procedure of SQLite's ALTER TABLE documentation for
// constraint changes that do not touch the stored rows ("Making Other Kinds
// Of Table Schema Changes"). It refuses a table whose definition is not the
// one the migrations wrote, rather than guess.
func deferForeignKeysSQLite(tx *gorm.DB) (err error) {
	var version int64
	if err := tx.Raw("PRAGMA schema_version").Scan(&version).Error; err != nil {
		return err
	}
	sqls := make([]string, len(deferredFKs))
	for i, t := range deferredFKs {
		var def string
		if err := tx.Raw("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", t.table).Scan(&def).Error; err != nil {
			return err
		}
		if n := len(fkClause.FindAllStringIndex(def, -1)); n != t.refs || strings.Contains(def, "DEFERRABLE") {
			return fmt.Errorf("table %s does not have the %d immediate foreign keys the migrations created "+
				"(found %d; was its schema changed by hand?)", t.table, t.refs, n)
		}
		sqls[i] = fkClause.ReplaceAllString(def, "$0 DEFERRABLE INITIALLY DEFERRED")
	}
	if err := tx.Exec("PRAGMA writable_schema = ON").Error; err != nil {
		return err
	}
	defer func() {
		if offErr := tx.Exec("PRAGMA writable_schema = OFF").Error; offErr != nil && err == nil {
			err = offErr
		}
	}()
	for i, t := range deferredFKs {
		res := tx.Exec("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?", sqls[i], t.table)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("table %s: schema not updated", t.table)
		}
	}
	return tx.Exec(fmt.Sprintf("PRAGMA schema_version = %d", version+1)).Error
}
