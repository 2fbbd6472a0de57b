package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm"
)

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

// maxParams bounds the bind parameters of one statement: SQLite allows
// 32766, PostgreSQL 65535.
func (d *DB) maxParams() int {
	if d.dialect == DialectPostgres {
		return 65000
	}
	return 32000
}

// rebind turns ? placeholders into $1, $2... for PostgreSQL. The SQL given
// to it must not hold ? inside string literals.
func (d *DB) rebind(q string) string {
	if d.dialect != DialectPostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// insertSQL builds "INSERT INTO table (cols) VALUES (...), (...)" for rows
// rows with the dialect's placeholders, followed by suffix (ON CONFLICT,
// RETURNING).
func (d *DB) insertSQL(table string, cols []string, rows int, suffix string) string {
	var b strings.Builder
	b.Grow(32 + len(table) + 16*len(cols) + rows*(len(cols)*6+4) + len(suffix))
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	pg := d.dialect == DialectPostgres
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			if pg {
				n++
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	if suffix != "" {
		b.WriteByte(' ')
		b.WriteString(suffix)
	}
	return b.String()
}

// hotInsertSQL is insertSQL remembered per table, row count and suffix,
// for the few shapes the hot path repeats. On SQLite it says INSERT OR FAIL:
// with the default (ABORT) a multi-row INSERT that may hit a unique or NOT
// NULL constraint keeps a statement journal, a copy of every page it
// changes, to undo itself alone (migration 0011 removed the foreign keys'
// share of that cost). FAIL keeps the rows inserted before a failure, so
// these statements may only run inside a transaction that is rolled back on
// any error, as the group commit's is.
func (d *DB) hotInsertSQL(table string, cols []string, rows int, suffix string) string {
	key := insertKey{table: table, rows: rows, suffix: suffix}
	if q, ok := d.sqlText.Load(key); ok {
		return q.(string)
	}
	q := d.insertSQL(table, cols, rows, suffix)
	if d.dialect != DialectPostgres {
		q = "INSERT OR FAIL" + strings.TrimPrefix(q, "INSERT")
	}
	d.sqlText.Store(key, q)
	return q
}

type insertKey struct {
	table  string
	rows   int
	suffix string
}

// bulkInsert writes n rows with as few multi-row INSERTs as the parameter
// limit allows. row appends the values of row i to args.
func (d *DB) bulkInsert(ctx context.Context, q querier, table string, cols []string, n int, row func(i int, args []any) []any) error {
	if n == 0 {
		return nil
	}
	per := d.maxParams() / len(cols)
	args := make([]any, 0, min(n, per)*len(cols))
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		if _, err := q.ExecContext(ctx, d.insertSQL(table, cols, end-start, ""), args...); err != nil {
			return err
		}
	}
	return nil
}

// insertChunked is bulkInsert for the hot path: power-of-two chunks, so
// the statements repeat and stay prepared.
func (d *DB) insertChunked(ctx context.Context, q querier, table string, cols []string, n int, row func(i int, args []any) []any) error {
	start := 0
	var args []any
	for _, size := range chunkSizes(n, d.maxParams()/len(cols)) {
		args = args[:0]
		for i := start; i < start+size; i++ {
			args = row(i, args)
		}
		if _, err := q.ExecContext(ctx, d.hotInsertSQL(table, cols, size, ""), args...); err != nil {
			return err
		}
		start += size
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

func (d *DB) cachedTx(tx *gorm.DB) cachedTx {
	q := pool(tx)
	c := cachedTx{q: q, cache: d.stmts}
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
