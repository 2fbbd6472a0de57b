package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app/apptest"
)

// TestOutboxQueriesUseTheDueIndex: the due index is partial (only rows with
// a next_attempt_at), so a query can use it only when the database sees that
// its WHERE implies the index's. The outbox's claim and the expiry of
// unconfirmed emails must keep using it; otherwise every claim would scan
// all deliveries.
func TestOutboxQueriesUseTheDueIndex(t *testing.T) {
	queries := map[string]string{
		"claim": `SELECT ` + countedCols + ` FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE d.status IN ('queued', 'failed') AND d.next_attempt_at <= ? AND d.channel IN ('email', 'copy')
			ORDER BY d.next_attempt_at, d.id LIMIT 20`,
		"expire": `SELECT ` + countedCols + ` FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE d.status = 'unconfirmed' AND d.next_attempt_at <= ?`,
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "plan.db")
			if dialect == "postgres" {
				dsn = apptest.PostgresDSN(t)
			}
			d := openMigratedDB(t, dsn)
			for name, q := range queries {
				plan := explain(t, d, q, time.Now().UTC())
				if !strings.Contains(plan, "deliveries_due") {
					t.Errorf("%s does not use deliveries_due:\n%s", name, plan)
				}
			}
		})
	}
}

// explain returns the query plan of q as text. On PostgreSQL sequential
// scans are priced out, as the planner would choose them on a near-empty
// table anyway.
func explain(t *testing.T, d *DB, q string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := d.r.WithContext(ctx).Connection(func(tx *gorm.DB) error {
		p := pool(tx)
		prefix := "EXPLAIN QUERY PLAN "
		if d.dialect.name() == DialectPostgres {
			if _, err := p.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
				return err
			}
			defer p.ExecContext(ctx, "RESET enable_seqscan")
			prefix = "EXPLAIN "
		}
		rows, err := p.QueryContext(ctx, prefix+d.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for _, v := range vals {
				switch v := v.(type) {
				case string:
					b.WriteString(v + " ")
				case []byte:
					b.WriteString(string(v) + " ")
				}
			}
			b.WriteByte('\n')
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Each rollup's key values come out of statKey.args in as many columns as
// the rollup keys on, so a key added to one side only fails here.
func TestStatKeyArgsFitTheRollups(t *testing.T) {
	for roll, r := range rollups {
		k := statKey{roll: roll}
		if n := len(k.args(nil)); n != len(r.keys) {
			t.Errorf("%s: statKey.args gives %d values for the keys %v", r.table, n, r.keys)
		}
	}
}
