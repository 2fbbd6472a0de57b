package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Outreach statistics read the stat_ rollup tables that migration 0006's
// triggers keep in step with submissions, letters and deliveries. A
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

// readSnapshot runs fn in a read-only transaction that sees one snapshot:
// SQLite's read transactions do; PostgreSQL needs REPEATABLE READ.
func (d *DB) readSnapshot(ctx context.Context, fn func(q querier) error) error {
	var opts []*sql.TxOptions
	if d.dialect == DialectPostgres {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return d.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(pool(tx)) }, opts...)
}

// OutreachStats implements app.StatsStore.
func (d *DB) OutreachStats(ctx context.Context, f app.StatsFilter) (*app.Stats, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	st := &app.Stats{Filter: f}
	err := d.readSnapshot(ctx, func(q querier) error {
		st.Supporters, st.Confirmed = 0, 0
		st.Letters = 0
		st.Deliveries, st.ByTarget, st.ByState, st.ByDistrict, st.ByDay = nil, nil, nil, nil, nil
		return d.outreachStats(ctx, q, f, st)
	})
	if err != nil {
		return nil, mapErr(err, "outreach stats", statsMsgs)
	}
	return st, nil
}

func (d *DB) outreachStats(ctx context.Context, q querier, f app.StatsFilter, st *app.Stats) error {
	states := map[string]*app.StateTally{}
	state := func(code string) *app.StateTally {
		return entry(states, code, func() *app.StateTally { return &app.StateTally{State: code} })
	}
	days := map[string]*app.DayTally{}
	day := func(s string) *app.DayTally {
		return entry(days, s, func() *app.DayTally { return &app.DayTally{Day: s} })
	}
	sum := func(what, query string, args []any, each func(key []string, n []int64)) error {
		err := scanAll(ctx, q, d.rebind(query), func(rows *sql.Rows) error {
			cols, _ := rows.Columns()
			keys := make([]string, 0, len(cols))
			nums := make([]int64, 0, len(cols))
			dest := make([]any, len(cols))
			ks := make([]sql.NullString, len(cols))
			ns := make([]int64, len(cols))
			for i, c := range cols {
				if strings.HasPrefix(c, "n_") {
					dest[i] = &ns[i]
				} else {
					dest[i] = &ks[i]
				}
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			for i, c := range cols {
				if strings.HasPrefix(c, "n_") {
					nums = append(nums, ns[i])
				} else {
					keys = append(keys, ks[i].String)
				}
			}
			each(keys, nums)
			return nil
		}, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	byTarget, dated := f.Target != "", f.From != "" || f.To != ""

	// Supporters (never narrowed by target or channel) by state and
	// district, from the day-less totals unless a date range is asked for;
	// then by day. Without a target filter the same rows count letters too.
	supporters := func(k []string, n []int64) {
		t := app.DistrictTally{State: k[1], Supporters: n[0], Confirmed: n[1]}
		fmt.Sscan(k[2], &t.District)
		if t.State == "" {
			t.State = k[0]
		}
		st.Supporters += n[0]
		st.Confirmed += n[1]
		state(k[0]).Supporters += n[0]
		if !byTarget {
			st.Letters += n[2]
			state(k[0]).Letters += n[2]
		}
		st.ByDistrict = append(st.ByDistrict, t)
	}
	where, args := statScope(f, false, false)
	var err error
	if dated {
		err = sum("supporters by district", `SELECT state, district_state, CAST(district AS TEXT) AS district,
			SUM(submissions) AS n_s, SUM(confirmed) AS n_c, SUM(letters) AS n_l
			FROM stat_supporters WHERE `+where+` GROUP BY state, district_state, district`, args, supporters)
	} else {
		err = sum("supporters by district", `SELECT state, district_state, CAST(district AS TEXT) AS district,
			submissions AS n_s, confirmed AS n_c, letters AS n_l FROM stat_supporters_total WHERE `+where, args, supporters)
	}
	if err != nil {
		return err
	}
	err = sum("supporters by day", `SELECT day, SUM(submissions) AS n_s, SUM(letters) AS n_l FROM stat_supporters
		WHERE `+where+` GROUP BY day`, args, func(k []string, n []int64) {
		day(k[0]).Supporters += n[0]
		if !byTarget {
			day(k[0]).Letters += n[1]
		}
	})
	if err != nil {
		return err
	}

	// Letters by target; for one target (read through its index) also by
	// state and day.
	where, args = statScope(f, true, false)
	targets := map[string]*app.TargetTally{}
	query := `SELECT target_key, SUM(letters) AS n_l, SUM(sent) AS n_s FROM stat_letters_total WHERE ` + where + `
		GROUP BY target_key`
	switch {
	case byTarget:
		query = `SELECT target_key, state, day, SUM(letters) AS n_l, SUM(sent) AS n_s FROM stat_letters WHERE ` + where + `
			GROUP BY target_key, state, day`
	case dated:
		// A date range is a range of the primary key. SQLite would rather
		// walk the whole target index to save the GROUP BY's sort (ten
		// times slower at a million letters); "+" keeps it off that index.
		group := "target_key"
		if d.dialect != DialectPostgres {
			group = "+target_key"
		}
		query = `SELECT target_key, SUM(letters) AS n_l, SUM(sent) AS n_s FROM stat_letters WHERE ` + where + `
			GROUP BY ` + group
	}
	err = sum("letters by target", query, args, func(k []string, n []int64) {
		t := entry(targets, k[0], func() *app.TargetTally { return &app.TargetTally{Key: k[0]} })
		t.Letters += n[0]
		if f.Channel == "" {
			t.Sent += n[1]
		}
		if byTarget {
			st.Letters += n[0]
			state(k[1]).Letters += n[0]
			day(k[2]).Letters += n[0]
		}
	})
	if err != nil {
		return err
	}

	// Deliveries by channel and status, and sent by day; per target from
	// the per-target rollup when a target or channel is asked for.
	counts := map[[2]string]int64{}
	where, args = statScope(f, false, true)
	table, group := "stat_deliveries", "channel, status, day"
	if byTarget || f.Channel != "" {
		where, args = statScope(f, true, true)
		table, group = "stat_target_deliveries", "channel, status, day, target_key"
	}
	err = sum("deliveries", `SELECT `+group+`, SUM(n) AS n_n FROM `+table+` WHERE `+where+` GROUP BY `+group, args,
		func(k []string, n []int64) {
			counts[[2]string{k[0], k[1]}] += n[0]
			if app.DeliveryStatus(k[1]) != app.StatusSent {
				return
			}
			day(k[2]).Sent += n[0]
			if f.Channel != "" && len(k) > 3 {
				if t := targets[k[3]]; t != nil {
					t.Sent += n[0]
				}
			}
		})
	if err != nil {
		return err
	}

	st.Deliveries = orderedDeliveryCounts(counts)
	for _, t := range targets {
		if t.Letters != 0 || t.Sent != 0 {
			st.ByTarget = append(st.ByTarget, *t)
		}
	}
	slices.SortFunc(st.ByTarget, func(a, b app.TargetTally) int {
		return cmp.Or(cmp.Compare(b.Letters, a.Letters), cmp.Compare(a.Key, b.Key))
	})
	for _, t := range states {
		if t.Supporters != 0 || t.Letters != 0 {
			st.ByState = append(st.ByState, *t)
		}
	}
	slices.SortFunc(st.ByState, func(a, b app.StateTally) int { return cmp.Compare(a.State, b.State) })
	st.ByDistrict = slices.DeleteFunc(st.ByDistrict, func(t app.DistrictTally) bool { return t.Supporters == 0 && t.Confirmed == 0 })
	slices.SortFunc(st.ByDistrict, func(a, b app.DistrictTally) int {
		return cmp.Or(cmp.Compare(a.State, b.State), cmp.Compare(a.District, b.District))
	})
	// Several supporter states can share a district (a ZIP that crosses a
	// state line): fold them.
	st.ByDistrict = foldDistricts(st.ByDistrict)
	for _, t := range days {
		if t.Supporters != 0 || t.Letters != 0 || t.Sent != 0 {
			st.ByDay = append(st.ByDay, *t)
		}
	}
	slices.SortFunc(st.ByDay, func(a, b app.DayTally) int { return cmp.Compare(a.Day, b.Day) })
	return nil
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
func (d *DB) CampaignTargets(ctx context.Context, campaignID int64) ([]app.TargetTally, error) {
	var out []app.TargetTally
	err := scanAll(ctx, pool(d.r.WithContext(ctx)), d.rebind(`SELECT target_key, SUM(letters), SUM(sent)
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
// letters (campaign_id, target_key, id); on SQLite through one prepared
// statement, on PostgreSQL in one query.
func (d *DB) LatestRecipients(ctx context.Context, campaignID int64, keys []string) (map[string]app.Target, error) {
	out := make(map[string]app.Target, len(keys))
	if d.dialect == DialectPostgres {
		// One round trip for every key: a lateral seek per key.
		err := scanAll(ctx, pool(d.r.WithContext(ctx)), `SELECT k.key, r.recipient FROM unnest($2::text[]) AS k(key)
			CROSS JOIN LATERAL (SELECT recipient FROM letters WHERE campaign_id = $1 AND target_key = k.key
				ORDER BY id DESC LIMIT 1) r`, func(rows *sql.Rows) error {
			var k string
			var raw []byte
			if err := rows.Scan(&k, &raw); err != nil {
				return err
			}
			var t app.Target
			if err := json.Unmarshal(raw, &t); err != nil {
				return fmt.Errorf("recipient snapshot of %s: %w", k, err)
			}
			out[k] = t
			return nil
		}, campaignID, keys)
		if err != nil {
			return nil, mapErr(err, "recipients", statsMsgs)
		}
		return out, nil
	}
	err := d.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, ok := pool(tx).(interface {
			PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
		})
		if !ok {
			return fmt.Errorf("read transaction cannot prepare statements")
		}
		stmt, err := p.PrepareContext(ctx, d.rebind(`SELECT recipient FROM letters WHERE campaign_id = ? AND target_key = ?
			ORDER BY id DESC LIMIT 1`))
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
			var t app.Target
			if err := json.Unmarshal(raw, &t); err != nil {
				return fmt.Errorf("recipient snapshot of %s: %w", k, err)
			}
			out[k] = t
		}
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "recipients", statsMsgs)
	}
	return out, nil
}

// StatsDrift is one rollup row that differs from a count of the rows it
// summarises.
type StatsDrift struct {
	Table string
	Key   string
	Have  int64 // in the rollup
	Want  int64 // counted from the rows
}

// RebuildStats recomputes every stat_ table from submissions, letters and
// deliveries in one write transaction and reports where the rollups
// differed (nothing, unless rows were changed behind the triggers' backs,
// e.g. by hand in a SQL shell). With dryRun it only compares.
func (d *DB) RebuildStats(ctx context.Context, dryRun bool) ([]StatsDrift, error) {
	var drift []StatsDrift
	err := d.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		drift = drift[:0]
		q := pool(tx)
		for _, c := range statRollups {
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
		for _, c := range statRollups {
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

// statRollups: for each rollup, the query that recounts it from the rows
// (the same as migration 0006's) and one that lists the keys where the
// rollup and the recount differ. Keys are joined with "|" for display.
var statRollups = func() []struct{ table, recount, compare string } {
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
	supporters := `SELECT s.campaign_id AS campaign_id, s.day AS day, s.state AS state,
		COALESCE(s.district_state, '') AS district_state, COALESCE(s.district_number, -1) AS district,
		COUNT(*) AS submissions, COUNT(s.confirmed_at) AS confirmed, ` + perSubmission + ` AS letters
		FROM submissions s GROUP BY s.campaign_id, s.day, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1)`
	supportersTotal := `SELECT s.campaign_id AS campaign_id, s.state AS state,
		COALESCE(s.district_state, '') AS district_state, COALESCE(s.district_number, -1) AS district,
		COUNT(*) AS submissions, COUNT(s.confirmed_at) AS confirmed, ` + perSubmission + ` AS letters
		FROM submissions s GROUP BY s.campaign_id, s.state, COALESCE(s.district_state, ''), COALESCE(s.district_number, -1)`
	letters := `SELECT l.campaign_id AS campaign_id, l.day AS day, l.target_key AS target_key, l.from_state AS state,
		COUNT(*) AS letters, ` + perLetter + ` AS sent
		FROM letters l GROUP BY l.campaign_id, l.day, l.target_key, l.from_state`
	lettersTotal := `SELECT l.campaign_id AS campaign_id, l.target_key AS target_key, l.from_state AS state,
		COUNT(*) AS letters, ` + perLetter + ` AS sent
		FROM letters l GROUP BY l.campaign_id, l.target_key, l.from_state`
	deliveries := `SELECT l.campaign_id AS campaign_id, l.day AS day, l.from_state AS state,
		dl.channel AS channel, dl.status AS status, COUNT(*) AS n
		FROM ` + allDeliveries + ` dl JOIN letters l ON l.id = dl.letter_id
		GROUP BY l.campaign_id, l.day, l.from_state, dl.channel, dl.status`
	targetDeliveries := `SELECT l.campaign_id AS campaign_id, l.target_key AS target_key, l.day AS day, l.from_state AS state,
		dl.channel AS channel, dl.status AS status, COUNT(*) AS n
		FROM ` + allDeliveries + ` dl JOIN letters l ON l.id = dl.letter_id
		GROUP BY l.campaign_id, l.target_key, l.day, l.from_state, dl.channel, dl.status`
	var out []r
	for _, t := range []struct {
		roll    statRollup
		recount string
	}{
		{rollSupporters, supporters}, {rollSupportersTotal, supportersTotal},
		{rollLetters, letters}, {rollLettersTotal, lettersTotal},
		{rollDeliveries, deliveries}, {rollTargetDels, targetDeliveries},
	} {
		keys := strings.Join(t.roll.keys, ", ")
		for i, v := range t.roll.values {
			recount := t.recount
			if i > 0 {
				recount = "" // refilled with the first value
			}
			out = append(out, r{t.roll.table, recount, diff(t.roll.table, t.recount, keys, v)})
		}
	}
	return out
}()

// CampaignTotals returns the headline numbers of every campaign with any
// activity, keyed by campaign id: two grouped scans of the small rollups.
func (d *DB) CampaignTotals(ctx context.Context) (map[int64]*app.CampaignTotals, error) {
	out := map[int64]*app.CampaignTotals{}
	get := func(id int64) *app.CampaignTotals {
		return entry(out, id, func() *app.CampaignTotals { return &app.CampaignTotals{CampaignID: id} })
	}
	err := d.readSnapshot(ctx, func(q querier) error {
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
func (d *DB) EachLetter(ctx context.Context, lq app.LetterQuery, fn func(*app.LetterRow) error) error {
	if err := lq.Filter.Validate(); err != nil {
		return err
	}
	f := lq.Filter
	name := "json_extract(l.recipient, '$.name')"
	if d.dialect == DialectPostgres {
		name = "(l.recipient::json ->> 'name')"
	}
	where, base := scope(f, letterScopeCols, true, true)
	query := d.rebind(`SELECT l.id, l.created_at, l.day, l.target_key, ` + name + `, l.target_kind, l.from_state,
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
		err := d.readSnapshot(ctx, func(q querier) error {
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
			return scanAll(ctx, q, d.rebind(`SELECT letter_id, channel, status FROM deliveries
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
