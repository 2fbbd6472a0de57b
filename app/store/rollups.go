package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Outreach counts: one rule, kept in this file.
//
// The stat_ rollup tables (migration 0006) count submissions, letters and
// deliveries by day, state, district, target, channel and status, so that a
// dashboard reads a few thousand rows instead of every letter. Every write
// of the store that changes a counted thing collects what it changes in a
// rollupDelta and adds it with addRollups, in the same transaction and as
// its last statement:
//
//   - a new submission with its letters and deliveries (the group commit,
//     from statAdds worked out by each caller);
//   - a confirmation (confirmed);
//   - a delivery's channel or status (pickDeliveries, then moved), and a
//     CWC delivery recorded as a new row (added).
//
// Nothing else moves them: the database has no triggers (migration 0017
// dropped 0006's), so a row changed by hand in a SQL shell is counted only
// by `advocate stats rebuild`, which recounts everything from the rows
// (statRecounts) and reports any difference. The store never deletes a
// submission, letter or delivery; a campaign's rows and its rollups go
// together (ON DELETE CASCADE).
//
// Why this is exact with several instances on one PostgreSQL: addRollups adds
// each rollup's rows with one multi-row upsert that adds to the stored
// value under the row's lock (no lost update), tables in a fixed order and
// rows in key order, so every transaction locks the rollup rows it shares
// with another in the same order (no deadlock). As addRollups is a
// transaction's last statement, a transaction holding rollup rows never
// waits for anything but other rollup rows. The rows a change moves are
// read with their old channel and status under a lock first
// (pickDeliveries), so two instances changing one delivery count one move
// each, from what the other left.

// statRollup describes one rollup table.
type statRollup struct {
	table  string
	keys   []string
	values []string
}

// rollups are the rollup tables in the order addRollups writes them; statKey.roll
// indexes it.
var rollups = [...]statRollup{
	{"stat_supporters", []string{"campaign_id", "day", "state", "district_state", "district"}, []string{"submissions", "confirmed", "letters"}},
	{"stat_supporters_total", []string{"campaign_id", "state", "district_state", "district"}, []string{"submissions", "confirmed", "letters"}},
	{"stat_letters", []string{"campaign_id", "day", "target_key", "state"}, []string{"letters", "sent"}},
	{"stat_letters_total", []string{"campaign_id", "target_key", "state"}, []string{"letters", "sent"}},
	{"stat_deliveries", []string{"campaign_id", "day", "state", "channel", "status"}, []string{"n"}},
	{"stat_target_deliveries", []string{"campaign_id", "target_key", "day", "state", "channel", "status"}, []string{"n"}},
}

// Indexes into rollups.
const (
	rollSupporters = iota
	rollSupportersTotal
	rollLetters
	rollLettersTotal
	rollDeliveries
	rollTargetDeliveries
)

// upsertSuffix adds the values of a conflicting row to the stored one.
func (r statRollup) upsertSuffix() string {
	set := make([]string, len(r.values))
	for i, v := range r.values {
		set[i] = v + " = " + r.table + "." + v + " + excluded." + v
	}
	return "ON CONFLICT (" + strings.Join(r.keys, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
}

// statKey identifies one row of one rollup: roll is the index into rollups,
// and the fields that rollup does not key on stay empty.
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
	case rollSupporters:
		return append(a, k.campaign, k.day, k.state, k.dstate, k.district)
	case rollSupportersTotal:
		return append(a, k.campaign, k.state, k.dstate, k.district)
	case rollLetters:
		return append(a, k.campaign, k.day, k.target, k.state)
	case rollLettersTotal:
		return append(a, k.campaign, k.target, k.state)
	case rollDeliveries:
		return append(a, k.campaign, k.day, k.state, k.channel, k.status)
	default: // rollTargetDeliveries
		return append(a, k.campaign, k.target, k.day, k.state, k.channel, k.status)
	}
}

// compareStatKeys orders the rows of one rollup the same way in every
// instance (see addRollups).
func compareStatKeys(a, b statKey) int {
	return cmp.Or(cmp.Compare(a.campaign, b.campaign), cmp.Compare(a.day, b.day), cmp.Compare(a.target, b.target),
		cmp.Compare(a.state, b.state), cmp.Compare(a.dstate, b.dstate), cmp.Compare(a.district, b.district),
		cmp.Compare(a.channel, b.channel), cmp.Compare(a.status, b.status))
}

// statAdd is what one change adds to one row of one rollup (values beyond
// the rollup's own stay zero).
type statAdd struct {
	key  statKey
	vals [3]int64
}

// statAdds works out what a new submission (with its letters and
// deliveries, the unstored pending downloads included) adds to the
// rollups. It runs in the caller's goroutine (prepareSubmission), so that
// the single writer only sums. A submission's own repeats of a row (its
// letters' deliveries of one channel and status, say) are summed here
// already.
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
	add(statKey{roll: rollSupporters, campaign: s.CampaignID, day: day, state: state, dstate: dstate, district: dnum}, 1, confirmed, n)
	add(statKey{roll: rollSupportersTotal, campaign: s.CampaignID, state: state, dstate: dstate, district: dnum}, 1, confirmed, n)
	for i := range s.Letters {
		l := &s.Letters[i]
		lday, target := tt.day(l.CreatedAt), l.Recipient.Key
		var sent int64
		for _, dl := range l.Deliveries {
			if dl.Status == app.StatusSent {
				sent++
			}
			ch, st := string(dl.Channel), string(dl.Status)
			add(statKey{roll: rollDeliveries, campaign: l.CampaignID, day: lday, state: state, channel: ch, status: st}, 1)
			add(statKey{roll: rollTargetDeliveries, campaign: l.CampaignID, target: target, day: lday, state: state, channel: ch, status: st}, 1)
		}
		add(statKey{roll: rollLetters, campaign: l.CampaignID, day: lday, target: target, state: state}, 1, sent)
		add(statKey{roll: rollLettersTotal, campaign: l.CampaignID, target: target, state: state}, 1, sent)
	}
	return out
}

// statState is the state a submission and its letters are counted under:
// the supporter's, or the district's when the supporter gave none.
func statState(s *app.Submission) string {
	if s.Supporter.State == "" && s.District != nil {
		return s.District.State
	}
	return s.Supporter.State
}

// rollupDelta collects what one transaction changes in the rollups, summed
// by row. The zero value is ready to use.
type rollupDelta struct {
	rows [len(rollups)]map[statKey]*[3]int64
}

func (t *rollupDelta) add(k statKey, vals ...int64) {
	m := t.rows[k.roll]
	if m == nil {
		m = map[statKey]*[3]int64{}
		t.rows[k.roll] = m
	}
	row := m[k]
	if row == nil {
		row = new([3]int64)
		m[k] = row
	}
	for i, v := range vals {
		row[i] += v
	}
}

// addAll adds what statAdds worked out.
func (t *rollupDelta) addAll(adds []statAdd) {
	for i := range adds {
		t.add(adds[i].key, adds[i].vals[:]...)
	}
}

// countedDelivery is what the rollups know of one delivery: its letter's
// keys, its channel and its status.
type countedDelivery struct {
	id                 int64
	campaign           int64
	day, target, state string
	channel, status    string
}

// countDelivery adds sign (1 or -1) deliveries like dl.
func (t *rollupDelta) countDelivery(dl countedDelivery, sign int64) {
	t.add(statKey{roll: rollDeliveries, campaign: dl.campaign, day: dl.day, state: dl.state, channel: dl.channel, status: dl.status}, sign)
	t.add(statKey{roll: rollTargetDeliveries, campaign: dl.campaign, target: dl.target, day: dl.day, state: dl.state,
		channel: dl.channel, status: dl.status}, sign)
	if dl.status == string(app.StatusSent) {
		t.add(statKey{roll: rollLetters, campaign: dl.campaign, day: dl.day, target: dl.target, state: dl.state}, 0, sign)
		t.add(statKey{roll: rollLettersTotal, campaign: dl.campaign, target: dl.target, state: dl.state}, 0, sign)
	}
}

// added counts a delivery stored after its letter (a CWC delivery).
func (t *rollupDelta) added(dl countedDelivery) { t.countDelivery(dl, 1) }

// moved counts a delivery that went from was to channel and status.
func (t *rollupDelta) moved(was countedDelivery, channel, status string) {
	if was.channel == channel && was.status == status {
		return
	}
	t.countDelivery(was, -1)
	now := was
	now.channel, now.status = channel, status
	t.countDelivery(now, 1)
}

// confirmed counts a submission's confirmation.
func (t *rollupDelta) confirmed(k submissionKeys) {
	t.add(statKey{roll: rollSupporters, campaign: k.campaign, day: k.day, state: k.state, dstate: k.dstate, district: k.district}, 0, 1)
	t.add(statKey{roll: rollSupportersTotal, campaign: k.campaign, state: k.state, dstate: k.dstate, district: k.district}, 0, 1)
}

// submissionKeys are the columns a submission is counted under.
type submissionKeys struct {
	campaign   int64
	day, state string
	dstate     string
	district   int64
}

// submissionKeyCols returns submissionKeys from submissions, in scan order.
const submissionKeyCols = "campaign_id, day, state, COALESCE(district_state, ''), COALESCE(district_number, -1)"

func (k *submissionKeys) dest() []any {
	return []any{&k.campaign, &k.day, &k.state, &k.dstate, &k.district}
}

// addRollups adds t to the rollups: per rollup, in the order of rollups,
// one multi-row upsert per power-of-two chunk of its rows in key order (the
// statements repeat and stay prepared). Rows whose changes cancel out are
// left alone. It must be the transaction's last statement (see the top of
// this file).
func (e *engine) addRollups(ctx context.Context, q querier, t *rollupDelta) error {
	for roll, m := range t.rows {
		keys := slices.SortedFunc(maps.Keys(m), compareStatKeys)
		keys = slices.DeleteFunc(keys, func(k statKey) bool { return *m[k] == [3]int64{} })
		if len(keys) == 0 {
			continue
		}
		r := rollups[roll]
		cols := append(slices.Clone(r.keys), r.values...)
		start := 0
		var args []any
		for _, size := range chunkSizes(len(keys), e.maxParams()/len(cols)) {
			args = args[:0]
			for i := range keys[start : start+size] {
				k := &keys[start+i]
				args = k.args(args)
				for _, v := range m[*k][:len(r.values)] {
					args = append(args, v)
				}
			}
			if _, err := q.ExecContext(ctx, e.hotInsertSQL(r.table, cols, size, r.upsertSuffix()), args...); err != nil {
				return fmt.Errorf("statistics: %s: %w", r.table, err)
			}
			start += size
		}
	}
	return nil
}

// countedCols are the columns pickDeliveries reads, over deliveries d
// joined to their letters l.
const countedCols = "d.id, d.channel, d.status, l.campaign_id, l.day, l.target_key, l.from_state"

// pickDeliveries reads the deliveries a change is about to move, with what
// the rollups know of them. from is the rest of the query after the column
// list: it names deliveries d and their letters l ("FROM deliveries d
// JOIN letters l ON l.id = d.letter_id WHERE ..."), and may end with ORDER
// BY and LIMIT. On PostgreSQL the rows are locked (FOR UPDATE OF d), so the
// status read is the one the change replaces; with skipLocked rows another
// transaction holds are passed over instead of waited for (an outbox
// claim). SQLite's single writer needs no lock. The ids come back in the
// order read.
func (e *engine) pickDeliveries(ctx context.Context, q querier, from string, skipLocked bool, args ...any) (map[int64]countedDelivery, []int64, error) {
	query := "SELECT " + countedCols + " " + from + e.dialect.forUpdate("d", skipLocked)
	picked := map[int64]countedDelivery{}
	var ids []int64
	err := scanAll(ctx, q, e.rebind(query), func(rows *sql.Rows) error {
		var c countedDelivery
		if err := rows.Scan(&c.id, &c.channel, &c.status, &c.campaign, &c.day, &c.target, &c.state); err != nil {
			return err
		}
		if _, dup := picked[c.id]; !dup {
			picked[c.id] = c
			ids = append(ids, c.id)
		}
		return nil
	}, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("pick deliveries: %w", err)
	}
	return picked, ids, nil
}

// updateCounted runs "UPDATE deliveries SET set WHERE id IN (ids)" over
// deliveries pickDeliveries picked, in chunks, and counts the moves in
// delta. returning lists the columns each changed row returns, which each
// scans; each reports the row's id, channel and status after the change.
// An empty returning means "id, channel, status".
func (e *engine) updateCounted(ctx context.Context, q querier, delta *rollupDelta, picked map[int64]countedDelivery, ids []int64,
	set string, setArgs []any, returning string, each func(*sql.Rows) (int64, string, string, error)) error {
	if returning == "" {
		returning = "id, channel, status"
		each = func(rows *sql.Rows) (id int64, channel, status string, err error) {
			err = rows.Scan(&id, &channel, &status)
			return id, channel, status, err
		}
	}
	return chunks(ids, func(idArgs []any) error {
		args := append(slices.Clone(setArgs), idArgs...)
		return scanAll(ctx, q, e.rebind("UPDATE deliveries SET "+set+" WHERE id IN ("+inList(len(idArgs))+") RETURNING "+returning),
			func(rows *sql.Rows) error {
				id, channel, status, err := each(rows)
				if err != nil {
					return err
				}
				if was, ok := picked[id]; ok {
					delta.moved(was, channel, status)
				}
				return nil
			}, args...)
	})
}

// changeDeliveries sets set on the deliveries that where (a condition on
// deliveries d and their letters l) picks, in one write transaction that
// moves their counts, and returns how many it changed.
func (e *engine) changeDeliveries(ctx context.Context, where string, whereArgs []any, set string, setArgs ...any) (int64, error) {
	var n int64
	err := e.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		picked, ids, err := e.pickDeliveries(ctx, q, "FROM deliveries d JOIN letters l ON l.id = d.letter_id "+where, false, whereArgs...)
		if err != nil || len(ids) == 0 {
			return err
		}
		var delta rollupDelta
		if err := e.updateCounted(ctx, q, &delta, picked, ids, set, setArgs, "", nil); err != nil {
			return err
		}
		n = int64(len(ids))
		return e.addRollups(ctx, q, &delta)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// countAdded counts a delivery inserted after its letter (a CWC delivery).
func (e *engine) countAdded(ctx context.Context, q querier, delta *rollupDelta, letterID int64, channel, status string) error {
	c := countedDelivery{channel: channel, status: status}
	err := q.QueryRowContext(ctx, e.rebind("SELECT campaign_id, day, target_key, from_state FROM letters WHERE id = ?"), letterID).
		Scan(&c.campaign, &c.day, &c.target, &c.state)
	if err != nil {
		return fmt.Errorf("statistics: letter %d: %w", letterID, err)
	}
	delta.added(c)
	return nil
}

// Recounts: what each rollup holds, counted from the rows.

// StatsDrift is one rollup row that differs from a count of the rows it
// summarises.
type StatsDrift struct {
	Table string
	Key   string
	Have  int64 // in the rollup
	Want  int64 // counted from the rows
}

// statRecounts: for each rollup value, the query that recounts its table
// from the rows (the same as migration 0006's; empty for a second value of
// a table, refilled with the first) and one that lists the keys where the
// rollup and the recount differ. Keys are joined with "|" for display.
var statRecounts = func() []struct{ table, recount, compare string } {
	type r = struct{ table, recount, compare string }
	diff := func(table, recount, keys, value string) string {
		cols := strings.Split(keys, ", ")
		on := make([]string, len(cols))
		label := make([]string, len(cols))
		for i, c := range cols {
			on[i] = "a." + c + " = b." + c
			label[i] = "CAST(x." + c + " AS TEXT)"
		}
		// A full outer join, written as two left joins.
		lbl := strings.Join(label, " || '|' || ")
		return `SELECT ` + strings.ReplaceAll(lbl, "x.", "a.") + `, a.` + value + `, COALESCE(b.` + value + `, 0)
			FROM ` + table + ` a LEFT JOIN (` + recount + `) b ON ` + strings.Join(on, " AND ") + `
			WHERE a.` + value + ` <> COALESCE(b.` + value + `, 0)
			UNION ALL
			SELECT ` + strings.ReplaceAll(lbl, "x.", "b.") + `, 0, b.` + value + `
			FROM (` + recount + `) b LEFT JOIN ` + table + ` a ON ` + strings.Join(on, " AND ") + `
			WHERE a.campaign_id IS NULL AND b.` + value + ` <> 0`
	}
	// perSubmission counts one submission's letters.
	const perSubmission = `COALESCE(SUM((SELECT COUNT(*) FROM letters l WHERE l.submission_id = s.id)), 0)`
	const perLetter = `COALESCE(SUM((SELECT COUNT(*) FROM deliveries d WHERE d.letter_id = l.id AND d.status = 'sent')), 0)`
	recounts := [len(rollups)]string{
		rollSupporters: `SELECT s.campaign_id AS campaign_id, s.day AS day, s.state AS state,
		COALESCE(s.district_state, '') AS district_state, COALESCE(s.district_number, -1) AS district,
		COUNT(*) AS submissions, COUNT(s.confirmed_at) AS confirmed, ` + perSubmission + ` AS letters
		FROM submissions s GROUP BY s.campaign_id, s.day, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1)`,
		rollSupportersTotal: `SELECT s.campaign_id AS campaign_id, s.state AS state,
		COALESCE(s.district_state, '') AS district_state, COALESCE(s.district_number, -1) AS district,
		COUNT(*) AS submissions, COUNT(s.confirmed_at) AS confirmed, ` + perSubmission + ` AS letters
		FROM submissions s GROUP BY s.campaign_id, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1)`,
		rollLetters: `SELECT l.campaign_id AS campaign_id, l.day AS day, l.target_key AS target_key, l.from_state AS state,
		COUNT(*) AS letters, ` + perLetter + ` AS sent
		FROM letters l GROUP BY l.campaign_id, l.day, l.target_key, l.from_state`,
		rollLettersTotal: `SELECT l.campaign_id AS campaign_id, l.target_key AS target_key, l.from_state AS state,
		COUNT(*) AS letters, ` + perLetter + ` AS sent
		FROM letters l GROUP BY l.campaign_id, l.target_key, l.from_state`,
		rollDeliveries: `SELECT l.campaign_id AS campaign_id, l.day AS day, l.from_state AS state,
		dl.channel AS channel, dl.status AS status, COUNT(*) AS n
		FROM ` + allDeliveries + ` dl JOIN letters l ON l.id = dl.letter_id
		GROUP BY l.campaign_id, l.day, l.from_state, dl.channel, dl.status`,
		rollTargetDeliveries: `SELECT l.campaign_id AS campaign_id, l.target_key AS target_key, l.day AS day, l.from_state AS state,
		dl.channel AS channel, dl.status AS status, COUNT(*) AS n
		FROM ` + allDeliveries + ` dl JOIN letters l ON l.id = dl.letter_id
		GROUP BY l.campaign_id, l.target_key, l.day, l.from_state, dl.channel, dl.status`,
	}
	var out []r
	for roll, t := range rollups {
		keys := strings.Join(t.keys, ", ")
		for i, v := range t.values {
			recount := recounts[roll]
			if i > 0 {
				recount = "" // refilled with the first value
			}
			out = append(out, r{t.table, recount, diff(t.table, recounts[roll], keys, v)})
		}
	}
	return out
}()
