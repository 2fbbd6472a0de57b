package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// Limits keeps the counts behind the submission and download limits,
// shared by every instance.
type Limits struct{ *engine }

// AddLimitCounts adds each count to its key's window and returns the
// windows' totals afterwards, in the order given: what every instance has
// counted so far. One statement does it all, so an instance that syncs its
// counts every fraction of a second costs the single writer one short
// transaction per sync, not one per request.
func (lm *Limits) AddLimitCounts(ctx context.Context, adds []app.LimitCount) ([]int64, error) {
	if len(adds) == 0 {
		return nil, nil
	}
	totals := make([]int64, len(adds))
	index := make(map[app.LimitCount]int, len(adds))
	for start := 0; start < len(adds); start += 200 {
		part := adds[start:min(start+200, len(adds))]
		var b strings.Builder
		b.WriteString("INSERT INTO limit_counts (key, window_start, window_end, n) VALUES ")
		args := make([]any, 0, 4*len(part))
		for i, a := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?)")
			args = append(args, a.Key, a.WindowStart, a.WindowEnd, a.N)
			index[app.LimitCount{Key: a.Key, WindowStart: a.WindowStart}] = start + i
		}
		b.WriteString(" ON CONFLICT (key, window_start) DO UPDATE SET n = limit_counts.n + excluded.n RETURNING key, window_start, n")
		err := scanAll(ctx, pool(lm.w.WithContext(ctx)), lm.rebind(b.String()), func(rows *sql.Rows) error {
			var k app.LimitCount
			if err := rows.Scan(&k.Key, &k.WindowStart, &k.N); err != nil {
				return err
			}
			if i, ok := index[app.LimitCount{Key: k.Key, WindowStart: k.WindowStart}]; ok {
				totals[i] = k.N
			}
			return nil
		}, args...)
		if err != nil {
			return nil, mapErr(err, "add limit counts", msgs{})
		}
	}
	return totals, nil
}

// PruneLimitCounts deletes the windows that ended before the given Unix
// second.
func (lm *Limits) PruneLimitCounts(ctx context.Context, before int64) (int64, error) {
	res, err := pool(lm.w.WithContext(ctx)).ExecContext(ctx, lm.rebind("DELETE FROM limit_counts WHERE window_end < ?"), before)
	if err != nil {
		return 0, mapErr(err, "prune limit counts", msgs{})
	}
	return res.RowsAffected()
}
