package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// The submissions' group commit adds its batch's rollup counts itself, with
// one multi-row upsert per rollup in a fixed key order. On SQLite there are
// no insert triggers at all: row triggers would add a third to the cost of
// a batch (64 submissions of 9 letters touch a few hundred rollup rows
// here, against a few thousand trigger programs). On PostgreSQL the insert
// triggers stand aside for the group commit's transaction (the
// advocate.stats_bulk setting): its inserts span several statements, whose
// triggers would lock rollup rows in orders that interleave with another
// instance's batch and deadlock.

// statRollup describes one rollup table for the bulk upserts.
type statRollup struct {
	table  string
	keys   []string
	values []string
}

var (
	rollSupporters      = statRollup{"stat_supporters", []string{"campaign_id", "day", "state", "district_state", "district"}, []string{"submissions", "confirmed", "letters"}}
	rollSupportersTotal = statRollup{"stat_supporters_total", []string{"campaign_id", "state", "district_state", "district"}, []string{"submissions", "confirmed", "letters"}}
	rollLetters         = statRollup{"stat_letters", []string{"campaign_id", "day", "target_key", "state"}, []string{"letters", "sent"}}
	rollLettersTotal    = statRollup{"stat_letters_total", []string{"campaign_id", "target_key", "state"}, []string{"letters", "sent"}}
	rollDeliveries      = statRollup{"stat_deliveries", []string{"campaign_id", "day", "state", "channel", "status"}, []string{"n"}}
	rollTargetDels      = statRollup{"stat_target_deliveries", []string{"campaign_id", "target_key", "day", "state", "channel", "status"}, []string{"n"}}
)

// upsertSuffix adds the values of a conflicting row to the stored one.
func (r statRollup) upsertSuffix() string {
	set := make([]string, len(r.values))
	for i, v := range r.values {
		set[i] = v + " = " + r.table + "." + v + " + excluded." + v
	}
	return "ON CONFLICT (" + strings.Join(r.keys, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
}

// statSums collects one rollup's deltas by key.
type statSums struct {
	r    statRollup
	rows map[string]*statRow
}

type statRow struct {
	keys []any
	vals []int64
}

func newStatSums(r statRollup) *statSums { return &statSums{r: r, rows: map[string]*statRow{}} }

// add sums a into its row.
func (s *statSums) add(a *statAdd) {
	row := s.rows[a.key]
	if row == nil {
		row = &statRow{keys: a.keys, vals: make([]int64, len(a.vals))}
		s.rows[a.key] = row
	}
	for i, v := range a.vals {
		row.vals[i] += v
	}
}

// statAdd is what one submission adds to one row of one rollup.
type statAdd struct {
	roll int    // index into batchRollups
	key  string // the key values joined, to find the row
	keys []any
	vals []int64
}

// batchRollups are the rollups the group commit adds to, in the order of
// statAdd.roll.
var batchRollups = [...]statRollup{rollSupporters, rollSupportersTotal, rollLetters, rollLettersTotal, rollDeliveries, rollTargetDels}

// statAdds works out what a submission (with its letters and deliveries)
// adds to the rollups: the counts the insert triggers would add row by row.
// It runs in the caller's goroutine (prepareSubmission); the writer only
// sums. A submission's own repeats of a row (its letters' deliveries of
// one channel and status, say) are summed here already.
func statAdds(s *app.Submission, tt *timeArgs) []statAdd {
	var out []statAdd
	at := map[string]int{}
	add := func(roll int, keys []any, vals ...int64) {
		buf := make([]byte, 0, 64)
		buf = strconv.AppendInt(buf, int64(roll), 10)
		for _, k := range keys {
			buf = append(buf, 0)
			switch v := k.(type) {
			case string:
				buf = append(buf, v...)
			case int64:
				buf = strconv.AppendInt(buf, v, 10)
			default:
				buf = fmt.Append(buf, v)
			}
		}
		key := string(buf)
		if i, ok := at[key]; ok {
			for j, v := range vals {
				out[i].vals[j] += v
			}
			return
		}
		at[key] = len(out)
		out = append(out, statAdd{roll: roll, key: key, keys: keys, vals: vals})
	}
	state := statState(s)
	dstate, dnum := "", int64(-1)
	if s.District != nil {
		dstate, dnum = s.District.State, int64(s.District.District)
	}
	confirmed := int64(0)
	if s.ConfirmedAt != nil {
		confirmed = 1
	}
	day := tt.day(s.CreatedAt)
	n := int64(len(s.Letters))
	add(0, []any{s.CampaignID, day, state, dstate, dnum}, 1, confirmed, n)
	add(1, []any{s.CampaignID, state, dstate, dnum}, 1, confirmed, n)
	for i := range s.Letters {
		l := &s.Letters[i]
		lday, key := tt.day(l.CreatedAt), l.Recipient.Key
		var sent int64
		for _, dl := range l.Deliveries {
			if dl.Status == app.StatusSent {
				sent++
			}
			add(4, []any{l.CampaignID, lday, state, string(dl.Channel), string(dl.Status)}, 1)
			add(5, []any{l.CampaignID, key, lday, state, string(dl.Channel), string(dl.Status)}, 1)
		}
		add(2, []any{l.CampaignID, lday, key, state}, 1, sent)
		add(3, []any{l.CampaignID, key, state}, 1, sent)
	}
	return out
}

// write upserts the sums in key order (power-of-two chunks, so the
// statements repeat and stay prepared).
func (s *statSums) write(ctx context.Context, d *DB, q querier) error {
	if len(s.rows) == 0 {
		return nil
	}
	keys := make([]string, 0, len(s.rows))
	for k := range s.rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(a, b) })
	cols := append(slices.Clone(s.r.keys), s.r.values...)
	start := 0
	var args []any
	for _, size := range chunkSizes(len(keys), d.maxParams()/len(cols)) {
		args = args[:0]
		for _, k := range keys[start : start+size] {
			row := s.rows[k]
			args = append(args, row.keys...)
			for _, v := range row.vals {
				args = append(args, v)
			}
		}
		if _, err := q.ExecContext(ctx, d.hotInsertSQL(s.r.table, cols, size, s.r.upsertSuffix()), args...); err != nil {
			return fmt.Errorf("%s: %w", s.r.table, err)
		}
		start += size
	}
	return nil
}

// setBulk switches PostgreSQL's insert triggers off (true) or back on for
// the rest of the transaction; SQLite has none.
func (d *DB) setBulk(ctx context.Context, q querier, on bool) error {
	if d.dialect != DialectPostgres {
		return nil
	}
	v := "off"
	if on {
		v = "on"
	}
	_, err := q.ExecContext(ctx, "SELECT set_config('advocate.stats_bulk', $1, true)", v)
	return err
}

// addDeliveryStats counts one delivery inserted outside the group commit,
// on SQLite (PostgreSQL's insert trigger does it there).
func (d *DB) addDeliveryStats(ctx context.Context, q querier, id int64) error {
	if d.dialect == DialectPostgres {
		return nil
	}
	for _, stmt := range []string{
		`INSERT INTO stat_deliveries SELECT l.campaign_id, l.day, l.from_state, d.channel, d.status, 1
			FROM deliveries d JOIN letters l ON l.id = d.letter_id WHERE d.id = ?
			ON CONFLICT DO UPDATE SET n = n + 1`,
		`INSERT INTO stat_target_deliveries SELECT l.campaign_id, l.target_key, l.day, l.from_state, d.channel, d.status, 1
			FROM deliveries d JOIN letters l ON l.id = d.letter_id WHERE d.id = ?
			ON CONFLICT DO UPDATE SET n = n + 1`,
		`UPDATE stat_letters SET sent = sent + 1 WHERE (campaign_id, day, target_key, state) =
			(SELECT l.campaign_id, l.day, l.target_key, l.from_state FROM deliveries d JOIN letters l ON l.id = d.letter_id
			 WHERE d.id = ? AND d.status = 'sent')`,
		`UPDATE stat_letters_total SET sent = sent + 1 WHERE (campaign_id, target_key, state) =
			(SELECT l.campaign_id, l.target_key, l.from_state FROM deliveries d JOIN letters l ON l.id = d.letter_id
			 WHERE d.id = ? AND d.status = 'sent')`,
	} {
		if _, err := q.ExecContext(ctx, stmt, id); err != nil {
			return fmt.Errorf("delivery statistics: %w", err)
		}
	}
	return nil
}

// addBatchStats adds the rollup counts of the freshly inserted submissions
// (worked out by statAdds), one multi-row upsert per rollup.
func (d *DB) addBatchStats(ctx context.Context, q querier, reqs []*subReq) error {
	var sums [len(batchRollups)]*statSums
	for i, r := range batchRollups {
		sums[i] = newStatSums(r)
	}
	for _, r := range reqs {
		for i := range r.stats {
			sums[r.stats[i].roll].add(&r.stats[i])
		}
	}
	for _, s := range sums {
		if err := s.write(ctx, d, q); err != nil {
			return err
		}
	}
	return nil
}
