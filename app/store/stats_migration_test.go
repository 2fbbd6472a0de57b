package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
)

// Rows stored before the statistics existed are counted by the migration
// that adds them.
func TestStatsMigrationCountsExistingRows(t *testing.T) {
	atVersion(t, 5, func(t *testing.T, d *DB) {
		ctx := context.Background()
		c := oldCampaign(t, d, "old")
		mar1 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		mar2 := mar1.AddDate(0, 0, 1)
		q := pool(d.w.WithContext(ctx))
		exec := func(sql string, args ...any) {
			t.Helper()
			if _, err := q.ExecContext(ctx, d.rebind(sql), args...); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		for _, p := range []struct {
			id    int64
			state string
		}{{1, "NY"}, {2, ""}} {
			exec(`INSERT INTO supporters (id, first_name, last_name, email, address1, address2, city, state, zip,
					contact_ok, created_at, prefix) VALUES (?, 'A', 'B', 'a@example.org', '', '', '', ?, '12202', FALSE, ?, '')`,
				p.id, p.state, mar1)
		}
		exec(`INSERT INTO submissions (id, campaign_id, supporter_id, token, dedup_key, personal_message, district_state,
				district_number, created_at, confirm_token, confirmed_at) VALUES (1, ?, 1, 't1', 'k1', '', 'NY', 20, ?, '', ?)`, c.ID, mar1, mar1)
		exec(`INSERT INTO submissions (id, campaign_id, supporter_id, token, dedup_key, personal_message, district_state,
				district_number, created_at, confirm_token, confirmed_at) VALUES (2, ?, 2, 't2', 'k2', '', 'PR', 0, ?, 'ct', NULL)`, c.ID, mar2)
		for _, l := range []struct {
			id, sub int64
			key     string
			at      time.Time
		}{{1, 1, "leg:A", mar1}, {2, 1, "exec:B", mar1}, {3, 2, "exec:B", mar2}} {
			exec(`INSERT INTO letters (id, submission_id, campaign_id, recipient, target_key, target_kind, bioguide_id,
					state, subject, body, created_at) VALUES (?, ?, ?, '{}', ?, 'executive', '', '', 'S', 'B', ?)`,
				l.id, l.sub, c.ID, l.key, l.at)
		}
		for _, dl := range []struct {
			id, letter      int64
			channel, status string
		}{{1, 1, "email", "sent"}, {2, 1, "download", "pending"}, {3, 2, "email", "queued"}, {4, 3, "download", "pending"}} {
			exec(`INSERT INTO deliveries (id, letter_id, channel, status, attempts, last_error, lease_owner, message_id,
					created_at, updated_at, to_address) VALUES (?, ?, ?, ?, 0, '', '', '', ?, ?, '')`,
				dl.id, dl.letter, dl.channel, dl.status, mar1, mar1)
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}

		st, err := d.Stats.OutreachStats(ctx, app.StatsFilter{CampaignID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := []any{st.Supporters, st.Confirmed, st.Letters, st.ByState, st.ByDay, st.Deliveries}
		want := []any{int64(2), int64(1), int64(3),
			[]app.StateTally{{State: "NY", Supporters: 1, Letters: 2}, {State: "PR", Supporters: 1, Letters: 1}},
			[]app.DayTally{{Day: "2026-03-01", Supporters: 1, Letters: 2, Sent: 1}, {Day: "2026-03-02", Supporters: 1, Letters: 1}},
			[]app.DeliveryCount{{Channel: app.ChannelEmail, Status: app.StatusSent, Count: 1},
				{Channel: app.ChannelEmail, Status: app.StatusQueued, Count: 1},
				// Letter 2 has no download row: it has a pending one
				// (migration 0009).
				{Channel: app.ChannelDownload, Status: app.StatusPending, Count: 3}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after migration:\n got  %+v\n want %+v", got, want)
		}
		if drift, err := d.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Errorf("drift %+v %v", drift, err)
		}
	})
}

// A campaign stored before migration 0015 keeps every fact; with no source
// recorded, each fact reads as never verified.
func TestCaseTruthMigrationKeepsFacts(t *testing.T) {
	atVersion(t, 14, func(t *testing.T, d *DB) {
		ctx := context.Background()
		at := time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)
		if _, err := pool(d.w.WithContext(ctx)).ExecContext(ctx, d.rebind(`INSERT INTO campaigns (id, slug, title, summary, ask,
				facts, status, retention_days, created_at, updated_at) VALUES (1, 'old', 'Old', 'S', 'A', ?, 'open', 0, ?, ?)`),
			`{"person":"Guan Heng","home_area":"near Albany"}`, at, at); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		c, err := d.Campaigns.FindCampaignBySlug(ctx, "old")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.Facts, map[string]string{"person": "Guan Heng", "home_area": "near Albany"}) ||
			c.FactSources != nil || c.Acted != nil || c.Outcome != "" || c.ReviewEvery() != app.DefaultReviewDays {
			t.Fatalf("migrated campaign = %+v", c)
		}
		if stale := c.StaleFacts(at); !reflect.DeepEqual(stale, []string{"home_area", "person"}) {
			t.Fatalf("StaleFacts = %v, want both facts (never verified)", stale)
		}
		if _, ok := c.FactsVerifiedOn(); ok {
			t.Fatal("FactsVerifiedOn says verified")
		}
	})
}

// oldCampaign stores a campaign with the columns every schema version has,
// for tests that stop migrating before the latest version (CreateCampaign
// writes every column of the current schema).
func oldCampaign(t *testing.T, d *DB, slug string) *app.Campaign {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	q := pool(d.w.WithContext(ctx))
	if _, err := q.ExecContext(ctx, d.rebind(`INSERT INTO campaigns (slug, title, summary, ask, facts, status, retention_days,
		created_at, updated_at) VALUES (?, 'Old', '', '', '{}', 'open', 0, ?, ?)`), slug, at, at); err != nil {
		t.Fatal(err)
	}
	c := &app.Campaign{Slug: slug, Title: "Old", Status: app.CampaignOpen}
	if err := q.QueryRowContext(ctx, d.rebind(`SELECT id FROM campaigns WHERE slug = ?`), slug).Scan(&c.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

// An install at version 16 counted status changes and confirmations with
// triggers. Migration 0017 drops them: the counts stored before stay
// right, and from then on the store's own writes move them, once.
func TestRollupsMigrationKeepsTotals(t *testing.T) {
	atVersion(t, 16, func(t *testing.T, d *DB) {
		ctx := context.Background()
		c := oldCampaign(t, d, "old")
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		q := pool(d.w.WithContext(ctx))
		exec := func(sql string, args ...any) {
			t.Helper()
			if _, err := q.ExecContext(ctx, d.rebind(sql), args...); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		// Three submissions of two letters, each letter with an email
		// queued and its download stored pending; the third unconfirmed.
		for n := int64(1); n <= 3; n++ {
			exec(`INSERT INTO supporters (id, first_name, last_name, email, address1, address2, city, state, zip,
					contact_ok, created_at, prefix) VALUES (?, 'A', 'B', 'a@example.org', '', '', '', 'NY', '12202', FALSE, ?, '')`, n, at)
			var confirmed any = at
			confirm := ""
			if n == 3 {
				confirmed, confirm = nil, "ct3"
			}
			exec(`INSERT INTO submissions (id, campaign_id, supporter_id, token, dedup_key, personal_message, district_state,
					district_number, created_at, confirm_token, confirmed_at, day, state)
					VALUES (?, ?, ?, ?, ?, '', 'NY', 20, ?, ?, ?, '2026-03-01', 'NY')`,
				n, c.ID, n, fmt.Sprint("t", n), fmt.Sprint("k", n), at, confirm, confirmed)
			for i := int64(0); i < 2; i++ {
				letter := 2*n - 1 + i
				exec(`INSERT INTO letters (id, submission_id, campaign_id, recipient, target_key, target_kind, bioguide_id,
						state, subject, body, created_at, day, from_state) VALUES (?, ?, ?, '{}', ?, 'executive', '', '', 'S', 'B', ?,
						'2026-03-01', 'NY')`, letter, n, c.ID, fmt.Sprint("exec:T", i), at)
				status := "queued"
				if n == 3 {
					status = "unconfirmed"
				}
				exec(`INSERT INTO deliveries (id, letter_id, channel, status, attempts, next_attempt_at, last_error, lease_owner,
						message_id, created_at, updated_at, to_address) VALUES (?, ?, 'email', ?, 0, ?, '', '', '', ?, ?, 'o@example.org')`,
					2*letter-1, letter, status, at, at, at)
				exec(`INSERT INTO deliveries (id, letter_id, channel, status, attempts, last_error, lease_owner, message_id,
						created_at, updated_at, to_address) VALUES (?, ?, 'download', 'pending', 0, '', '', '', ?, ?, '')`,
					2*letter, letter, at, at)
			}
		}
		// Count the inserts as the version-16 store did (its group
		// commit counted them; rows inserted here are not, on SQLite),
		// then move some rows the way version 16 counted with triggers.
		if _, err := d.Stats.RebuildStats(ctx, false); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE deliveries SET status = 'sent' WHERE id = 1`)
		exec(`UPDATE deliveries SET status = 'downloaded' WHERE id IN (2, 4)`)
		exec(`UPDATE deliveries SET status = 'dead' WHERE id = 5`)
		if drift, err := d.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("version 16 did not count its changes: %+v %v", drift, err)
		}
		v16 := stats(t, d, c.ID)

		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := stats(t, d, c.ID); !reflect.DeepEqual(got, v16) {
			t.Fatalf("totals changed by the migration:\n got  %+v\n want %+v", got, v16)
		}
		if drift, err := d.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("drift after migrating: %+v %v", drift, err)
		}

		// The store's writes now count each change once.
		now := at.Add(time.Hour)
		if _, err := d.Submissions.ConfirmSubmission(ctx, 3, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		claimed, err := d.Outbox.ClaimDeliveries(ctx, "w", 10, now, now.Add(time.Minute))
		if err != nil || len(claimed) != 4 { // 3, 7 (confirmed), 9, 11
			t.Fatalf("claimed %d: %v", len(claimed), err)
		}
		for i := range claimed {
			claimed[i].Status = app.StatusSent
		}
		if _, err := d.Outbox.FinishDeliveries(ctx, "w", claimed, now); err != nil {
			t.Fatal(err)
		}
		if err := d.Submissions.MarkDownloaded(ctx, 3, now); err != nil {
			t.Fatal(err)
		}
		got := stats(t, d, c.ID)
		want := []any{int64(3), int64(3), int64(6), []app.DeliveryCount{
			{Channel: app.ChannelEmail, Status: app.StatusSent, Count: 5},
			{Channel: app.ChannelEmail, Status: app.StatusDead, Count: 1},
			{Channel: app.ChannelDownload, Status: app.StatusDownloaded, Count: 4},
			{Channel: app.ChannelDownload, Status: app.StatusPending, Count: 2}}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("after the store's writes:\n got  %+v\n want %+v", got, want)
		}
		if drift, err := d.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("drift after the store's writes: %+v %v", drift, err)
		}

		// No trigger is left to count a change made by hand.
		exec(`UPDATE deliveries SET status = 'queued' WHERE id = 5`)
		if drift, err := d.Stats.RebuildStats(ctx, true); err != nil || len(drift) == 0 {
			t.Fatalf("a change by hand was counted: %+v %v", drift, err)
		}
	})
}

// stats returns a campaign's headline numbers and delivery counts.
func stats(t *testing.T, d *DB, campaignID int64) []any {
	t.Helper()
	st, err := d.Stats.OutreachStats(context.Background(), app.StatsFilter{CampaignID: campaignID})
	if err != nil {
		t.Fatal(err)
	}
	return []any{st.Supporters, st.Confirmed, st.Letters, st.Deliveries}
}

// atVersion runs fn on a store of each dialect migrated up to version,
// as an install of that version left it.
func atVersion(t *testing.T, version int, fn func(t *testing.T, d *DB)) {
	dsns := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "old.db") },
		"postgres": func(t *testing.T) string { return apptest.PostgresDSN(t) },
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			d := openTestDB(t, dsn(t))
			if _, err := d.migrate(context.Background(), version); err != nil {
				t.Fatal(err)
			}
			fn(t, d)
		})
	}
}
