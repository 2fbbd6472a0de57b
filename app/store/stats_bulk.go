package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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

// statKey identifies one row of one rollup: roll is the index into
// batchRollups, and the fields that rollup does not key on stay empty.
type statKey struct {
	roll               int
	campaign           int64
	day, state, target string
	dstate             string
	district           int64
	channel, status    string
}

// args appends the key values in the column order of the rollup's keys.
func (k *statKey) args(a []any) []any {
	switch k.roll {
	case 0: // stat_supporters
		return append(a, k.campaign, k.day, k.state, k.dstate, k.district)
	case 1: // stat_supporters_total
		return append(a, k.campaign, k.state, k.dstate, k.district)
	case 2: // stat_letters
		return append(a, k.campaign, k.day, k.target, k.state)
	case 3: // stat_letters_total
		return append(a, k.campaign, k.target, k.state)
	case 4: // stat_deliveries
		return append(a, k.campaign, k.day, k.state, k.channel, k.status)
	default: // stat_target_deliveries
		return append(a, k.campaign, k.target, k.day, k.state, k.channel, k.status)
	}
}

// compareStatKeys orders the rows of one rollup the same way in every
// instance (see write).
func compareStatKeys(a, b statKey) int {
	return cmp.Or(cmp.Compare(a.campaign, b.campaign), cmp.Compare(a.day, b.day), cmp.Compare(a.target, b.target),
		cmp.Compare(a.state, b.state), cmp.Compare(a.dstate, b.dstate), cmp.Compare(a.district, b.district),
		cmp.Compare(a.channel, b.channel), cmp.Compare(a.status, b.status))
}

// statAdd is what one submission adds to one row of one rollup (values
// beyond the rollup's own stay zero).
type statAdd struct {
	key  statKey
	vals [3]int64
}

// batchRollups are the rollups the group commit adds to, in the order of
// statKey.roll.
var batchRollups = [...]statRollup{rollSupporters, rollSupportersTotal, rollLetters, rollLettersTotal, rollDeliveries, rollTargetDels}

// statAdds works out what a submission (with its letters and deliveries)
// adds to the rollups: the counts the insert triggers would add row by row.
// It runs in the caller's goroutine (prepareSubmission); the writer only
// sums. A submission's own repeats of a row (its letters' deliveries of
// one channel and status, say) are summed here already.
func statAdds(s *app.Submission, tt *timeArgs) []statAdd {
	out := make([]statAdd, 0, 2+4*len(s.Letters))
	add := func(k statKey, vals ...int64) {
		i := slices.IndexFunc(out, func(a statAdd) bool { return a.key == k })
		if i < 0 {
			i = len(out)
			out = append(out, statAdd{key: k})
		}
		for j, v := range vals {
			out[i].vals[j] += v
		}
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
	add(statKey{roll: 0, campaign: s.CampaignID, day: day, state: state, dstate: dstate, district: dnum}, 1, confirmed, n)
	add(statKey{roll: 1, campaign: s.CampaignID, state: state, dstate: dstate, district: dnum}, 1, confirmed, n)
	for i := range s.Letters {
		l := &s.Letters[i]
		lday, target := tt.day(l.CreatedAt), l.Recipient.Key
		var sent int64
		for _, dl := range l.Deliveries {
			if dl.Status == app.StatusSent {
				sent++
			}
			ch, st := string(dl.Channel), string(dl.Status)
			add(statKey{roll: 4, campaign: l.CampaignID, day: lday, state: state, channel: ch, status: st}, 1)
			add(statKey{roll: 5, campaign: l.CampaignID, target: target, day: lday, state: state, channel: ch, status: st}, 1)
		}
		add(statKey{roll: 2, campaign: l.CampaignID, day: lday, target: target, state: state}, 1, sent)
		add(statKey{roll: 3, campaign: l.CampaignID, target: target, state: state}, 1, sent)
	}
	return out
}

// statSums collects one rollup's deltas by key.
type statSums struct {
	r    statRollup
	rows map[statKey]*[3]int64
}

// write upserts the sums in key order (power-of-two chunks, so the
// statements repeat and stay prepared). The order is the same in every
// instance, so two PostgreSQL batches lock their rows in the same order.
func (s *statSums) write(ctx context.Context, d *DB, q querier) error {
	if len(s.rows) == 0 {
		return nil
	}
	keys := make([]statKey, 0, len(s.rows))
	for k := range s.rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareStatKeys)
	cols := append(slices.Clone(s.r.keys), s.r.values...)
	start := 0
	var args []any
	for _, size := range chunkSizes(len(keys), d.maxParams()/len(cols)) {
		args = args[:0]
		for i := range keys[start : start+size] {
			k := &keys[start+i]
			args = k.args(args)
			for _, v := range s.rows[*k][:len(s.r.values)] {
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
	var sums [len(batchRollups)]statSums
	for i, r := range batchRollups {
		sums[i] = statSums{r: r, rows: map[statKey]*[3]int64{}}
	}
	for _, r := range reqs {
		for i := range r.stats {
			a := &r.stats[i]
			row := sums[a.key.roll].rows[a.key]
			if row == nil {
				row = new([3]int64)
				sums[a.key.roll].rows[a.key] = row
			}
			for j, v := range a.vals {
				row[j] += v
			}
		}
	}
	for i := range sums {
		if err := sums[i].write(ctx, d, q); err != nil {
			return err
		}
	}
	return nil
}
