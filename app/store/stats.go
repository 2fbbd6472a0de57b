package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Stats reads outreach numbers: the rollups (kept by rollups.go), the
// letters list, and the counts of the organizer's campaign list.
type Stats struct{ *engine }

// SubmissionCounts returns how many submissions each campaign has, by
// campaign id, for the organizer's campaign list. Submissions still
// waiting for double opt-in confirmation do not count: they may never be
// confirmed and no letter of theirs goes out until they are.
func (sts *Stats) SubmissionCounts(ctx context.Context) (map[int64]int, error) {
	return sts.countBy(ctx, `SELECT campaign_id, COUNT(*) FROM submissions
		WHERE confirmed_at IS NOT NULL GROUP BY campaign_id`, "submission counts")
}

// LetterCounts returns how many letters each campaign has made, by
// campaign id, leaving out the letters of unconfirmed submissions for the
// same reason as SubmissionCounts.
func (sts *Stats) LetterCounts(ctx context.Context) (map[int64]int, error) {
	return sts.countBy(ctx, `SELECT l.campaign_id, COUNT(*) FROM letters l
		JOIN submissions s ON s.id = l.submission_id
		WHERE s.confirmed_at IS NOT NULL GROUP BY l.campaign_id`, "letter counts")
}

func (sts *Stats) countBy(ctx context.Context, query, op string) (map[int64]int, error) {
	out := map[int64]int{}
	err := scanAll(ctx, pool(sts.r.WithContext(ctx)), query, func(rows *sql.Rows) error {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		out[id] = n
		return nil
	})
	if err != nil {
		return nil, mapErr(err, op, msgs{})
	}
	return out, nil
}

// Outreach statistics read the stat_ rollup tables that every write keeps
// in step with submissions, letters and deliveries (rollups.go). A
// dashboard load is six grouped range scans over rows of one campaign,
// whatever the number of letters.

var statsMsgs = msgs{notFound: "No such campaign."}

// scopeCols names the columns a filter applies to; channel is a condition
// with one placeholder, needless for a channel every row has (everyRow).
type scopeCols struct {
	campaign, day, state, target, channel string
	everyRow                              app.Channel
}

var (
	rollupCols      = scopeCols{"campaign_id", "day", "state", "target_key", "channel = ?", ""}
	letterScopeCols = scopeCols{"l.campaign_id", "l.day", "l.from_state", "l.target_key",
		"EXISTS (SELECT 1 FROM deliveries x WHERE x.letter_id = l.id AND x.channel = ?)",
		app.ChannelDownload} // stored or not (downloads.go)
)

// scope builds the WHERE clause of filter f over columns c; target and
// channel say whether those filters apply.
func scope(f app.StatsFilter, c scopeCols, target, channel bool) (string, []any) {
	w := []string{c.campaign + " = ?"}
	args := []any{f.CampaignID}
	add := func(cond string, arg any) { w, args = append(w, cond), append(args, arg) }
	if f.From != "" {
		add(c.day+" >= ?", f.From)
	}
	if f.To != "" {
		add(c.day+" <= ?", f.To)
	}
	if f.State != "" {
		add(c.state+" = ?", f.State)
	}
	if target && f.Target != "" {
		add(c.target+" = ?", f.Target)
	}
	if channel && f.Channel != "" && f.Channel != c.everyRow {
		add(c.channel, string(f.Channel))
	}
	return strings.Join(w, " AND "), args
}

// statScope builds the WHERE clause shared by the stat_ tables.
func statScope(f app.StatsFilter, target, channel bool) (string, []any) {
	return scope(f, rollupCols, target, channel)
}

// OutreachStats implements app.StatsStore: one query per breakdown, all
// from one snapshot, put together in Go (tallyStats).
func (sts *Stats) OutreachStats(ctx context.Context, f app.StatsFilter) (*app.Stats, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var r statRows
	err := sts.readSnapshot(ctx, func(q querier) (err error) {
		if r.districts, err = sts.supportersByDistrict(ctx, q, f); err != nil {
			return fmt.Errorf("supporters by district: %w", err)
		}
		if r.days, err = sts.supportersByDay(ctx, q, f); err != nil {
			return fmt.Errorf("supporters by day: %w", err)
		}
		if r.targets, err = sts.lettersByTarget(ctx, q, f); err != nil {
			return fmt.Errorf("letters by target: %w", err)
		}
		if r.deliveries, err = sts.deliveriesByStatus(ctx, q, f); err != nil {
			return fmt.Errorf("deliveries: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "outreach stats", statsMsgs)
	}
	return tallyStats(f, &r), nil
}

// statRows are the rows of each breakdown query of one dashboard.
type statRows struct {
	districts  []districtRow
	days       []dayRow
	targets    []targetRow
	deliveries []deliveryRow
}

// districtRow counts the supporters of one state (as given on the form)
// matched to one district; district -1: none found.
type districtRow struct {
	state, dstate                  string
	district                       int
	supporters, confirmed, letters int64
}

// supportersByDistrict is never narrowed by target or channel: it reads the
// day-less totals unless a date range is asked for.
func (sts *Stats) supportersByDistrict(ctx context.Context, q querier, f app.StatsFilter) ([]districtRow, error) {
	where, args := statScope(f, false, false)
	query := `SELECT state, district_state, district, submissions, confirmed, letters
		FROM stat_supporters_total WHERE ` + where
	if f.From != "" || f.To != "" {
		query = `SELECT state, district_state, district, SUM(submissions), SUM(confirmed), SUM(letters)
			FROM stat_supporters WHERE ` + where + ` GROUP BY state, district_state, district`
	}
	return scanRows(ctx, q, sts.rebind(query), args, func(rows *sql.Rows, r *districtRow) error {
		return rows.Scan(&r.state, &r.dstate, &r.district, &r.supporters, &r.confirmed, &r.letters)
	})
}

// dayRow counts one calendar day's supporters and their letters.
type dayRow struct {
	day                 string
	supporters, letters int64
}

func (sts *Stats) supportersByDay(ctx context.Context, q querier, f app.StatsFilter) ([]dayRow, error) {
	where, args := statScope(f, false, false)
	return scanRows(ctx, q, sts.rebind(`SELECT day, SUM(submissions), SUM(letters) FROM stat_supporters
		WHERE `+where+` GROUP BY day`), args, func(rows *sql.Rows, r *dayRow) error {
		return rows.Scan(&r.day, &r.supporters, &r.letters)
	})
}

// targetRow counts one target's letters and those sent; state and day are
// set only when the filter names a target.
type targetRow struct {
	target, state, day string
	letters, sent      int64
}

// lettersByTarget reads the day-less totals, the dated rollup for a date
// range, and for one target (through its index) its rows by state and day.
func (sts *Stats) lettersByTarget(ctx context.Context, q querier, f app.StatsFilter) ([]targetRow, error) {
	where, args := statScope(f, true, false)
	if f.Target != "" {
		return scanRows(ctx, q, sts.rebind(`SELECT target_key, state, day, SUM(letters), SUM(sent) FROM stat_letters
			WHERE `+where+` GROUP BY target_key, state, day`), args, func(rows *sql.Rows, r *targetRow) error {
			return rows.Scan(&r.target, &r.state, &r.day, &r.letters, &r.sent)
		})
	}
	query := `SELECT target_key, SUM(letters), SUM(sent) FROM stat_letters_total WHERE ` + where + ` GROUP BY target_key`
	if f.From != "" || f.To != "" {
		// A date range is a range of the primary key. SQLite would rather
		// walk the whole target index to save the GROUP BY's sort (ten
		// times slower at a million letters); "+" keeps it off that index.
		query = `SELECT target_key, SUM(letters), SUM(sent) FROM stat_letters WHERE ` + where + ` GROUP BY ` + sts.dialect.byKey("target_key")
	}
	return scanRows(ctx, q, sts.rebind(query), args, func(rows *sql.Rows, r *targetRow) error {
		return rows.Scan(&r.target, &r.letters, &r.sent)
	})
}

// deliveryRow counts the deliveries of one channel and status by their
// letter's day; target is set when read per target.
type deliveryRow struct {
	channel, status, day, target string
	n                            int64
}

// deliveriesByStatus reads the per-target rollup when a target or channel
// is asked for (a channel's sent letters are counted per target).
func (sts *Stats) deliveriesByStatus(ctx context.Context, q querier, f app.StatsFilter) ([]deliveryRow, error) {
	if f.Target == "" && f.Channel == "" {
		where, args := statScope(f, false, true)
		return scanRows(ctx, q, sts.rebind(`SELECT channel, status, day, SUM(n) FROM stat_deliveries WHERE `+where+`
			GROUP BY channel, status, day`), args, func(rows *sql.Rows, r *deliveryRow) error {
			return rows.Scan(&r.channel, &r.status, &r.day, &r.n)
		})
	}
	where, args := statScope(f, true, true)
	return scanRows(ctx, q, sts.rebind(`SELECT channel, status, day, target_key, SUM(n) FROM stat_target_deliveries
		WHERE `+where+` GROUP BY channel, status, day, target_key`), args, func(rows *sql.Rows, r *deliveryRow) error {
		return rows.Scan(&r.channel, &r.status, &r.day, &r.target, &r.n)
	})
}

// scanRows reads every row of query with scan.
func scanRows[T any](ctx context.Context, q querier, query string, args []any, scan func(*sql.Rows, *T) error) ([]T, error) {
	var out []T
	err := scanAll(ctx, q, query, func(rows *sql.Rows) error {
		var r T
		err := scan(rows, &r)
		out = append(out, r)
		return err
	}, args...)
	return out, err
}

// tallyStats puts the breakdowns of one dashboard together. Supporters are
// never narrowed by target or channel; letters come from the supporters'
// rows unless a target is asked for, then from that target's.
func tallyStats(f app.StatsFilter, r *statRows) *app.Stats {
	st := &app.Stats{Filter: f}
	byTarget := f.Target != ""
	states := map[string]*app.StateTally{}
	state := func(code string) *app.StateTally {
		return entry(states, code, func() *app.StateTally { return &app.StateTally{State: code} })
	}
	days := map[string]*app.DayTally{}
	day := func(s string) *app.DayTally {
		return entry(days, s, func() *app.DayTally { return &app.DayTally{Day: s} })
	}
	for _, x := range r.districts {
		st.Supporters += x.supporters
		st.Confirmed += x.confirmed
		state(x.state).Supporters += x.supporters
		if !byTarget {
			st.Letters += x.letters
			state(x.state).Letters += x.letters
		}
	}
	st.ByDistrict = tallyDistricts(r.districts)
	for _, x := range r.days {
		day(x.day).Supporters += x.supporters
		if !byTarget {
			day(x.day).Letters += x.letters
		}
	}
	targets := map[string]*app.TargetTally{}
	for _, x := range r.targets {
		t := entry(targets, x.target, func() *app.TargetTally { return &app.TargetTally{Key: x.target} })
		t.Letters += x.letters
		if f.Channel == "" {
			t.Sent += x.sent
		}
		if byTarget {
			st.Letters += x.letters
			state(x.state).Letters += x.letters
			day(x.day).Letters += x.letters
		}
	}
	counts := map[[2]string]int64{}
	for _, x := range r.deliveries {
		counts[[2]string{x.channel, x.status}] += x.n
		if app.DeliveryStatus(x.status) != app.StatusSent {
			continue
		}
		day(x.day).Sent += x.n
		if f.Channel != "" {
			if t := targets[x.target]; t != nil {
				t.Sent += x.n
			}
		}
	}
	st.Deliveries = orderedDeliveryCounts(counts)
	st.ByTarget = nonZero(targets, func(t *app.TargetTally) bool { return t.Letters != 0 || t.Sent != 0 },
		func(a, b app.TargetTally) int {
			return cmp.Or(cmp.Compare(b.Letters, a.Letters), cmp.Compare(a.Key, b.Key))
		})
	st.ByState = nonZero(states, func(t *app.StateTally) bool { return t.Supporters != 0 || t.Letters != 0 },
		func(a, b app.StateTally) int { return cmp.Compare(a.State, b.State) })
	st.ByDay = nonZero(days, func(t *app.DayTally) bool { return t.Supporters != 0 || t.Letters != 0 || t.Sent != 0 },
		func(a, b app.DayTally) int { return cmp.Compare(a.Day, b.Day) })
	return st
}

// tallyDistricts lists the districts with supporters in (state, district)
// order. A supporter without a state on the form counts under the
// district's state, and several supporter states can share a district (a
// ZIP that crosses a state line): they are folded together.
func tallyDistricts(rows []districtRow) []app.DistrictTally {
	var out []app.DistrictTally
	for _, x := range rows {
		if x.supporters == 0 && x.confirmed == 0 {
			continue
		}
		t := app.DistrictTally{State: x.dstate, District: x.district, Supporters: x.supporters, Confirmed: x.confirmed}
		if t.State == "" {
			t.State = x.state
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b app.DistrictTally) int {
		return cmp.Or(cmp.Compare(a.State, b.State), cmp.Compare(a.District, b.District))
	})
	return foldDistricts(out)
}

// nonZero lists the values of m that keep says are worth showing, sorted.
func nonZero[T any](m map[string]*T, keep func(*T) bool, order func(a, b T) int) []T {
	var out []T
	for _, v := range m {
		if keep(v) {
			out = append(out, *v)
		}
	}
	slices.SortFunc(out, order)
	return out
}

// entry returns m[k], first storing mk() there when it is missing.
func entry[K comparable, V any](m map[K]*V, k K, mk func() *V) *V {
	v := m[k]
	if v == nil {
		v = mk()
		m[k] = v
	}
	return v
}

func foldDistricts(in []app.DistrictTally) []app.DistrictTally {
	out := in[:0]
	for _, t := range in {
		if n := len(out); n > 0 && out[n-1].State == t.State && out[n-1].District == t.District {
			out[n-1].Supporters += t.Supporters
			out[n-1].Confirmed += t.Confirmed
			continue
		}
		out = append(out, t)
	}
	return out
}

// orderedDeliveryCounts lists non-zero counts in app.Channels and
// app.DeliveryStatuses order; unknown channels or statuses (from a newer
// version) come last rather than being dropped.
func orderedDeliveryCounts(counts map[[2]string]int64) []app.DeliveryCount {
	rank := func(list []string, v string) int {
		if i := slices.Index(list, v); i >= 0 {
			return i
		}
		return len(list)
	}
	var chs, sts []string
	for _, c := range app.Channels() {
		chs = append(chs, string(c))
	}
	for _, s := range app.DeliveryStatuses() {
		sts = append(sts, string(s))
	}
	var out []app.DeliveryCount
	for k, n := range counts {
		if n != 0 {
			out = append(out, app.DeliveryCount{Channel: app.Channel(k[0]), Status: app.DeliveryStatus(k[1]), Count: n})
		}
	}
	slices.SortFunc(out, func(a, b app.DeliveryCount) int {
		return cmp.Or(cmp.Compare(rank(chs, string(a.Channel)), rank(chs, string(b.Channel))),
			cmp.Compare(rank(sts, string(a.Status)), rank(sts, string(b.Status))),
			cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Status, b.Status))
	})
	return out
}

// CampaignTargets implements app.StatsStore from the day-less rollup.
func (sts *Stats) CampaignTargets(ctx context.Context, campaignID int64) ([]app.TargetTally, error) {
	var out []app.TargetTally
	err := scanAll(ctx, pool(sts.r.WithContext(ctx)), sts.rebind(`SELECT target_key, SUM(letters), SUM(sent)
		FROM stat_letters_total WHERE campaign_id = ? GROUP BY target_key`), func(rows *sql.Rows) error {
		var t app.TargetTally
		err := rows.Scan(&t.Key, &t.Letters, &t.Sent)
		if t.Letters != 0 {
			out = append(out, t)
		}
		return err
	}, campaignID)
	if err != nil {
		return nil, mapErr(err, "campaign targets", statsMsgs)
	}
	slices.SortFunc(out, func(a, b app.TargetTally) int {
		return cmp.Or(cmp.Compare(b.Letters, a.Letters), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

// LatestRecipients implements app.StatsStore: one index seek per key on
// letters (campaign_id, target_key, id).
func (sts *Stats) LatestRecipients(ctx context.Context, campaignID int64, keys []string) (map[string]app.Target, error) {
	out := make(map[string]app.Target, len(keys))
	err := sts.dialect.latestRecipients(ctx, sts.r, campaignID, keys, func(key string, raw []byte) error {
		var t app.Target
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("recipient snapshot of %s: %w", key, err)
		}
		out[key] = t
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "recipients", statsMsgs)
	}
	return out, nil
}

// RebuildStats recomputes every stat_ table from submissions, letters and
// deliveries in one write transaction and reports where the rollups
// differed (nothing, unless rows were changed behind the store's back, e.g.
// by hand in a SQL shell: see rollups.go). With dryRun it only compares.
func (sts *Stats) RebuildStats(ctx context.Context, dryRun bool) ([]StatsDrift, error) {
	var drift []StatsDrift
	err := sts.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		drift = drift[:0]
		q := pool(tx)
		for _, c := range statRecounts {
			if err := scanAll(ctx, q, c.compare, func(rows *sql.Rows) error {
				var s StatsDrift
				err := rows.Scan(&s.Key, &s.Have, &s.Want)
				s.Table = c.table
				drift = append(drift, s)
				return err
			}); err != nil {
				return fmt.Errorf("compare %s: %w", c.table, err)
			}
		}
		if dryRun {
			return nil
		}
		for _, c := range statRecounts {
			if c.recount == "" {
				continue // a second column of a table refilled already
			}
			if _, err := q.ExecContext(ctx, "DELETE FROM "+c.table); err != nil {
				return fmt.Errorf("clear %s: %w", c.table, err)
			}
			if _, err := q.ExecContext(ctx, "INSERT INTO "+c.table+" "+c.recount); err != nil {
				return fmt.Errorf("refill %s: %w", c.table, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "rebuild stats", statsMsgs)
	}
	return drift, nil
}

// CampaignTotals returns the headline numbers of every campaign with any
// activity, keyed by campaign id: two grouped scans of the small rollups.
func (sts *Stats) CampaignTotals(ctx context.Context) (map[int64]*app.CampaignTotals, error) {
	out := map[int64]*app.CampaignTotals{}
	get := func(id int64) *app.CampaignTotals {
		return entry(out, id, func() *app.CampaignTotals { return &app.CampaignTotals{CampaignID: id} })
	}
	err := sts.readSnapshot(ctx, func(q querier) error {
		clear(out)
		if err := scanAll(ctx, q, `SELECT campaign_id, SUM(submissions), SUM(confirmed), SUM(letters)
			FROM stat_supporters_total GROUP BY campaign_id`, func(rows *sql.Rows) error {
			t := get(0)
			err := rows.Scan(&t.CampaignID, &t.Supporters, &t.Confirmed, &t.Letters)
			delete(out, 0)
			out[t.CampaignID] = t
			return err
		}); err != nil {
			return err
		}
		counts := map[int64]map[[2]string]int64{}
		if err := scanAll(ctx, q, `SELECT campaign_id, channel, status, SUM(n) FROM stat_deliveries
			GROUP BY campaign_id, channel, status`, func(rows *sql.Rows) error {
			var id, n int64
			var ch, st string
			if err := rows.Scan(&id, &ch, &st, &n); err != nil {
				return err
			}
			if counts[id] == nil {
				counts[id] = map[[2]string]int64{}
			}
			counts[id][[2]string{ch, st}] += n
			return nil
		}); err != nil {
			return err
		}
		for id, c := range counts {
			get(id).Deliveries = orderedDeliveryCounts(c)
		}
		return nil
	})
	return out, mapErr(err, "campaign totals", statsMsgs)
}

// letterChunk is how many letters EachLetter reads per query: each chunk is
// its own short read, so a long export never holds one snapshot open (which
// on SQLite would keep the WAL from being checkpointed).
const letterChunk = 2000

// EachLetter calls fn for the letters q selects, in id order, reading them
// in chunks. Rows passed to fn are reused: copy what you keep.
func (sts *Stats) EachLetter(ctx context.Context, lq app.LetterQuery, fn func(*app.LetterRow) error) error {
	if err := lq.Filter.Validate(); err != nil {
		return err
	}
	f := lq.Filter
	name := sts.dialect.jsonText("l.recipient", "name")
	where, base := scope(f, letterScopeCols, true, true)
	query := sts.rebind(`SELECT l.id, l.created_at, l.day, l.target_key, ` + name + `, l.target_kind, l.from_state,
			s.district_state, s.district_number, p.first_name, p.last_name, p.email, p.erased_at IS NOT NULL,
			s.confirmed_at IS NOT NULL
		FROM letters l JOIN submissions s ON s.id = l.submission_id JOIN supporters p ON p.id = s.supporter_id
		WHERE ` + where + ` AND l.id > ? ORDER BY l.id LIMIT ?`)
	after, left := lq.AfterID, lq.Limit
	rows := make([]app.LetterRow, 0, letterChunk)
	for {
		size := letterChunk
		if lq.Limit > 0 {
			if left <= 0 {
				return nil
			}
			size = min(size, left)
		}
		args := append(slices.Clone(base), after, size)
		rows = rows[:0]
		err := sts.readSnapshot(ctx, func(q querier) error {
			rows = rows[:0]
			index := map[int64]int{}
			if err := scanAll(ctx, q, query, func(r *sql.Rows) error {
				var row app.LetterRow
				var recip sql.NullString
				var dstate sql.NullString
				var dnum sql.NullInt64
				var first, last string
				if err := r.Scan(&row.ID, &row.CreatedAt, &row.Day, &row.TargetKey, &recip, &row.TargetKind, &row.State,
					&dstate, &dnum, &first, &last, &row.Email, &row.Erased, &row.Confirmed); err != nil {
					return err
				}
				row.CreatedAt = row.CreatedAt.UTC()
				row.Recipient = recip.String
				if dstate.Valid && dnum.Valid {
					row.District = app.DistrictLabel(dstate.String, int(dnum.Int64))
				}
				row.Supporter = strings.TrimSpace(first + " " + last)
				index[row.ID] = len(rows)
				rows = append(rows, row)
				return nil
			}, args...); err != nil {
				return err
			}
			if len(rows) == 0 {
				return nil
			}
			return scanAll(ctx, q, sts.rebind(`SELECT letter_id, channel, status FROM deliveries
				WHERE letter_id >= ? AND letter_id <= ? ORDER BY letter_id, id`), func(r *sql.Rows) error {
				var id int64
				var dc app.DeliveryCount
				if err := r.Scan(&id, &dc.Channel, &dc.Status); err != nil {
					return err
				}
				if i, ok := index[id]; ok {
					dc.Count = 1
					rows[i].Deliveries = append(rows[i].Deliveries, dc)
				}
				return nil
			}, rows[0].ID, rows[len(rows)-1].ID)
		})
		if err != nil {
			return mapErr(err, "list letters", statsMsgs)
		}
		for i := range rows {
			rows[i].Deliveries = downloadFirst(rows[i].Deliveries, func(c *app.DeliveryCount) app.Channel { return c.Channel },
				func() app.DeliveryCount {
					return app.DeliveryCount{Channel: app.ChannelDownload, Status: app.StatusPending, Count: 1}
				})
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < size {
			return nil
		}
		after = rows[len(rows)-1].ID
		left -= len(rows)
	}
}
