package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// engine is what every aggregate of the store shares: the connections, the
// dialect, the clock and the SQLite write machinery (writer.go). Each
// aggregate embeds it; none of its methods is exported, so the aggregates'
// exported surface stays their own.
type engine struct {
	dialect dialect
	w       *gorm.DB // writes; on SQLite exactly one connection
	r       *gorm.DB // reads; on SQLite a query_only pool, on Postgres == w
	clock   app.Clock
	loc     *time.Location // calendar days of the statistics
	log     *slog.Logger
	stmts   *stmtCache // SQLite writer only; nil on Postgres
	ckpt    *checkpointer
	sqlText sync.Map // insertKey -> SQL of the hot path's multi-row INSERTs
}

// timeValue scans a time that SQLite may hand back as text (aggregates
// lose the column's declared type).
type timeValue struct{ t time.Time }

func (v *timeValue) Scan(src any) error {
	switch x := src.(type) {
	case time.Time:
		v.t = x
	case string:
		return v.parse(x)
	case []byte:
		return v.parse(string(x))
	case nil:
		v.t = time.Time{}
	default:
		return fmt.Errorf("store: cannot read %T as a time", src)
	}
	return nil
}

func (v *timeValue) parse(s string) error {
	for _, layout := range []string{sqliteTimeFormat, "2006-01-02 15:04:05", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			v.t = t
			return nil
		}
	}
	return fmt.Errorf("store: cannot read %q as a time", s)
}

// cutText cuts s to at most n bytes without splitting a character.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// chunks calls fn with successive slices of at most eraseChunk ids as
// query arguments.
func chunks(ids []int64, fn func(args []any) error) error {
	for start := 0; start < len(ids); start += eraseChunk {
		part := ids[start:min(start+eraseChunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if err := fn(args); err != nil {
			return err
		}
	}
	return nil
}

// scanAll runs a query and calls each for every row.
func scanAll(ctx context.Context, q querier, query string, each func(*sql.Rows) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// inList returns "?, ?, ?" for n placeholders (rebind turns them into $n).
func inList(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// querier is the part of database/sql that bulk writes and hot reads use
// directly. Inside a gorm transaction it is the *sql.Tx gorm opened
// (tx.Statement.ConnPool), so these statements join that transaction; they
// skip gorm's statement building, which costs more than the query itself
// for multi-row INSERTs with thousands of values.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pool returns the connection (or transaction) behind a gorm handle.
func pool(tx *gorm.DB) querier { return tx.Statement.ConnPool }

// maxParams bounds the bind parameters of one statement.
func (e *engine) maxParams() int { return e.dialect.maxParams() }

// rebind turns ? placeholders into the dialect's.
func (e *engine) rebind(q string) string { return e.dialect.rebind(q) }

// insertSQL builds "INSERT INTO table (cols) VALUES (...), (...)" for rows
// rows with the dialect's placeholders, followed by suffix (ON CONFLICT,
// RETURNING).
func (e *engine) insertSQL(table string, cols []string, rows int, suffix string) string {
	var b strings.Builder
	b.Grow(32 + len(table) + 16*len(cols) + rows*(len(cols)*2+4) + len(suffix))
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	row := "(" + strings.Repeat("?,", len(cols)-1) + "?)"
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	if suffix != "" {
		b.WriteByte(' ')
		b.WriteString(suffix)
	}
	return e.rebind(b.String())
}

// bulkInsert writes n rows with as few multi-row INSERTs as the parameter
// limit allows. row appends the values of row i to args.
func (e *engine) bulkInsert(ctx context.Context, q querier, table string, cols []string, n int, row func(i int, args []any) []any) error {
	if n == 0 {
		return nil
	}
	per := e.maxParams() / len(cols)
	args := make([]any, 0, min(n, per)*len(cols))
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		if _, err := q.ExecContext(ctx, e.insertSQL(table, cols, end-start, ""), args...); err != nil {
			return err
		}
	}
	return nil
}

// nullInt is an optional integer argument (NULL when nil).
func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

// nullFloat is an optional float argument (NULL when nil).
func nullFloat(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// readSnapshot runs fn in a read-only transaction that sees one snapshot.
func (e *engine) readSnapshot(ctx context.Context, fn func(q querier) error) error {
	return e.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(pool(tx)) }, e.dialect.snapshot())
}

// sqliteTimeFormat is the fixed-width UTC text form of times on SQLite. It is
// one of the driver's predefined formats, so the driver converts to UTC on
// write and also reads SQLite's own "YYYY-MM-DD HH:MM:SS" values.
const sqliteTimeFormat = "2006-01-02 15:04:05.000"

func (e *engine) closeConns() error {
	var errs []error
	seen := map[*gorm.DB]bool{}
	for _, g := range []*gorm.DB{e.r, e.w} {
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
func (e *engine) now() time.Time { return dbTime(e.clock()) }

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

func (e *engine) newTimeArgs() *timeArgs {
	return &timeArgs{text: e.dialect.timeText(), loc: e.loc}
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

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}
