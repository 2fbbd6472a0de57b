package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// dialect is everything the store writes differently for SQLite and for
// PostgreSQL; the rest of the SQL is shared. sqliteDialect and
// postgresDialect are its only implementations, chosen once by Open.
type dialect interface {
	// name is DialectSQLite or DialectPostgres.
	name() string
	// rebind turns the ? placeholders of q into the dialect's. q must not
	// hold ? inside string literals.
	rebind(q string) string
	// maxParams bounds the bind parameters of one statement.
	maxParams() int
	// typed is a placeholder for a value of sqlType where the database
	// cannot infer it (the first row of a VALUES list on PostgreSQL).
	typed(sqlType string) string
	// timeText says whether times go to the driver as text (see
	// timeArgs).
	timeText() bool
	// hotInsert is the verb of the submission path's multi-row INSERTs
	// (see hotInsertSQL).
	hotInsert() string
	// forUpdate is the clause that keeps the rows a SELECT read (of table
	// alias of, all tables when empty) from changing until the transaction
	// ends, skipping those another transaction holds with skipLocked. Empty
	// on SQLite, whose single writer runs one write transaction at a time.
	forUpdate(of string, skipLocked bool) string
	// rowLock is forUpdate for gorm queries.
	rowLock() []clause.Expression
	// xactLock is a statement that serialises the transactions running it
	// with key, or "" where write transactions are serialised anyway.
	xactLock(key int64) string
	// snapshot is the options of a read-only transaction whose reads all see
	// one snapshot.
	snapshot() *sql.TxOptions
	// jsonText reads a JSON object's field from a text column, as text.
	jsonText(col, field string) string
	// byKey is col in a GROUP BY that should not make the planner read
	// the rows in col's index order (see Stats.lettersByTarget).
	byKey(col string) string
	// timestamp is the column type of a time.
	timestamp() string
	// hasTable counts the tables named by its one argument.
	hasTable() string
	// allocIDs reserves counts[i] new ids for tables[i] inside a write
	// transaction.
	allocIDs(ctx context.Context, q querier, tables []string, counts []int) ([][]int64, error)
	// latestRecipients calls fn with the newest recipient snapshot of each
	// of keys that a campaign's letters have.
	latestRecipients(ctx context.Context, r *gorm.DB, campaignID int64, keys []string, fn func(key string, raw []byte) error) error
}

// sqliteDialect is SQLite through its single writer connection.
type sqliteDialect struct{}

func (sqliteDialect) name() string           { return DialectSQLite }
func (sqliteDialect) rebind(q string) string { return q }

// maxParams: SQLite allows 32766.
func (sqliteDialect) maxParams() int                { return 32000 }
func (sqliteDialect) typed(string) string           { return "?" }
func (sqliteDialect) timeText() bool                { return true }
func (sqliteDialect) hotInsert() string             { return "INSERT OR FAIL" }
func (sqliteDialect) forUpdate(string, bool) string { return "" }
func (sqliteDialect) rowLock() []clause.Expression  { return nil }
func (sqliteDialect) xactLock(int64) string         { return "" }

// snapshot: an SQLite read transaction sees one snapshot already.
func (sqliteDialect) snapshot() *sql.TxOptions { return &sql.TxOptions{ReadOnly: true} }
func (sqliteDialect) jsonText(col, field string) string {
	return "json_extract(" + col + ", '$." + field + "')"
}

// byKey: a "+" keeps SQLite off col's index.
func (sqliteDialect) byKey(col string) string { return "+" + col }
func (sqliteDialect) timestamp() string       { return "DATETIME" }
func (sqliteDialect) hasTable() string {
	return "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
}

// allocIDs: the caller holds the write lock, so MAX(id)+1... are free. One
// statement reads every MAX(id), each a single b-tree seek.
func (sqliteDialect) allocIDs(ctx context.Context, q querier, tables []string, counts []int) ([][]int64, error) {
	parts := make([]string, len(tables))
	for i, t := range tables {
		parts[i] = "(SELECT COALESCE(MAX(id), 0) FROM " + t + ")"
	}
	last := make([]int64, len(tables))
	dest := make([]any, len(tables))
	for i := range last {
		dest[i] = &last[i]
	}
	if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(parts, ", ")).Scan(dest...); err != nil {
		return nil, err
	}
	out := make([][]int64, len(tables))
	for i := range tables {
		out[i] = make([]int64, counts[i])
		for j := range out[i] {
			out[i][j] = last[i] + 1 + int64(j)
		}
	}
	return out, nil
}

// latestRecipients: one index seek per key on letters (campaign_id,
// target_key, id), through one prepared statement.
func (sqliteDialect) latestRecipients(ctx context.Context, r *gorm.DB, campaignID int64, keys []string, fn func(string, []byte) error) error {
	return r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, ok := pool(tx).(interface {
			PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
		})
		if !ok {
			return fmt.Errorf("read transaction cannot prepare statements")
		}
		stmt, err := p.PrepareContext(ctx, `SELECT recipient FROM letters WHERE campaign_id = ? AND target_key = ?
			ORDER BY id DESC LIMIT 1`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		var raw []byte
		for _, k := range keys {
			switch err := stmt.QueryRowContext(ctx, campaignID, k).Scan(&raw); {
			case errors.Is(err, sql.ErrNoRows):
				continue
			case err != nil:
				return err
			}
			if err := fn(k, raw); err != nil {
				return err
			}
		}
		return nil
	})
}

// postgresDialect is PostgreSQL, shared by any number of app instances.
type postgresDialect struct{}

func (postgresDialect) name() string { return DialectPostgres }

func (postgresDialect) rebind(q string) string {
	if !strings.Contains(q, "?") {
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

// maxParams: PostgreSQL allows 65535.
func (postgresDialect) maxParams() int          { return 65000 }
func (postgresDialect) typed(t string) string   { return "?::" + t }
func (postgresDialect) timeText() bool          { return false }
func (postgresDialect) hotInsert() string       { return "INSERT" }
func (postgresDialect) byKey(col string) string { return col }
func (postgresDialect) timestamp() string       { return "TIMESTAMPTZ" }

func (postgresDialect) forUpdate(of string, skipLocked bool) string {
	s := " FOR UPDATE"
	if of != "" {
		s += " OF " + of
	}
	if skipLocked {
		s += " SKIP LOCKED"
	}
	return s
}

func (postgresDialect) rowLock() []clause.Expression {
	return []clause.Expression{clause.Locking{Strength: "UPDATE"}}
}

func (postgresDialect) xactLock(key int64) string {
	return "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(key, 10) + ")"
}

func (postgresDialect) snapshot() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (postgresDialect) jsonText(col, field string) string {
	return "(" + col + "::json ->> '" + field + "')"
}

func (postgresDialect) hasTable() string {
	return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
}

// allocIDs: from the tables' identity sequences, in one round trip.
func (d postgresDialect) allocIDs(ctx context.Context, q querier, tables []string, counts []int) ([][]int64, error) {
	out := make([][]int64, len(tables))
	query := ""
	var args []any
	for i, t := range tables {
		out[i] = make([]int64, 0, counts[i])
		if counts[i] == 0 {
			continue
		}
		if query != "" {
			query += " UNION ALL "
		}
		query += fmt.Sprintf("SELECT %d, nextval('%s_id_seq') FROM generate_series(1, ?::int)", i, t)
		args = append(args, counts[i])
	}
	if query == "" {
		return out, nil
	}
	err := scanAll(ctx, q, d.rebind(query), func(rows *sql.Rows) error {
		var i int
		var id int64
		if err := rows.Scan(&i, &id); err != nil {
			return err
		}
		out[i] = append(out[i], id)
		return nil
	}, args...)
	if err != nil {
		return nil, err
	}
	for i := range tables {
		if len(out[i]) != counts[i] {
			return nil, fmt.Errorf("store: allocated %d ids for %s, want %d", len(out[i]), tables[i], counts[i])
		}
	}
	return out, nil
}

// latestRecipients: one round trip for every key, a lateral seek per key.
func (postgresDialect) latestRecipients(ctx context.Context, r *gorm.DB, campaignID int64, keys []string, fn func(string, []byte) error) error {
	return scanAll(ctx, pool(r.WithContext(ctx)), `SELECT k.key, r.recipient FROM unnest($2::text[]) AS k(key)
		CROSS JOIN LATERAL (SELECT recipient FROM letters WHERE campaign_id = $1 AND target_key = k.key
			ORDER BY id DESC LIMIT 1) r`, func(rows *sql.Rows) error {
		var k string
		var raw []byte
		if err := rows.Scan(&k, &raw); err != nil {
			return err
		}
		return fn(k, raw)
	}, campaignID, keys)
}
