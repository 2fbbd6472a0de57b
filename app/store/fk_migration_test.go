package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Migration 0011 defers the foreign keys of the submission path on SQLite:
// stored rows stay, violations are refused at commit instead of per
// statement, and deletes still cascade.
func TestDeferredForeignKeysMigration(t *testing.T) {
	ctx := context.Background()
	d := openTestDB(t, filepath.Join(t.TempDir(), "old.db"))
	if _, err := d.migrate(ctx, 10); err != nil {
		t.Fatal(err)
	}
	c := oldCampaign(t, d, "old")
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	q := pool(d.w.WithContext(ctx))
	exec := func(q querier, query string, args ...any) error {
		_, err := q.ExecContext(ctx, query, args...)
		return err
	}
	for _, s := range []string{
		`INSERT INTO supporters (id, first_name, last_name, email, address1, address2, city, state, zip, contact_ok, created_at, prefix)
			VALUES (1, 'A', 'B', 'a@example.org', '', '', '', 'NY', '12202', FALSE, ?, '')`,
		`INSERT INTO submissions (id, campaign_id, supporter_id, token, dedup_key, personal_message, created_at, confirm_token)
			VALUES (1, ` + strconv.FormatInt(c.ID, 10) + `, 1, 't1', 'k1', '', ?, '')`,
		`INSERT INTO letters (id, submission_id, campaign_id, recipient, target_key, target_kind, bioguide_id, state, subject, body, created_at)
			VALUES (1, 1, ` + strconv.FormatInt(c.ID, 10) + `, '{}', 'leg:X', 'senator', 'X', 'NY', 's', 'b', ?)`,
		`INSERT INTO deliveries (id, letter_id, channel, status, attempts, last_error, lease_owner, message_id, created_at, updated_at)
			VALUES (1, 1, 'email', 'queued', 0, '', '', '', ?, ?)`,
	} {
		args := []any{at}
		if strings.Contains(s, "updated_at") {
			args = append(args, at)
		}
		if err := exec(q, s, args...); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	applied, err := d.Migrate(ctx)
	if err != nil || len(applied) == 0 || applied[0] != "0011_deferred_foreign_keys" {
		t.Fatalf("migrate: %v %v", applied, err)
	}

	for _, fk := range deferredFKs {
		var def string
		if err := q.QueryRowContext(ctx, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", fk.table).Scan(&def); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(def, "DEFERRABLE INITIALLY DEFERRED"); n != fk.refs {
			t.Fatalf("%s: %d deferred foreign keys, want %d:\n%s", fk.table, n, fk.refs, def)
		}
	}
	var check string
	if err := q.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	if rows, err := q.QueryContext(ctx, "PRAGMA foreign_key_check"); err != nil {
		t.Fatal(err)
	} else {
		if rows.Next() {
			t.Fatal("foreign_key_check reports a violation")
		}
		rows.Close()
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM deliveries WHERE letter_id = 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the stored rows did not survive: %d %v", n, err)
	}

	// A letter whose submission is missing goes in, and the commit refuses it.
	wdb, _ := d.w.DB()
	tx, err := wdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := exec(tx, `INSERT INTO letters (id, submission_id, campaign_id, recipient, target_key, target_kind, bioguide_id, state, subject, body, created_at)
			VALUES (2, 777, `+strconv.FormatInt(c.ID, 10)+`, '{}', 'leg:X', 'senator', 'X', 'NY', 's', 'b', ?)`, at); err != nil {
		t.Fatalf("the insert itself failed: %v", err)
	}
	if err := tx.Commit(); err == nil || !isForeignKey(err) {
		t.Fatalf("commit with a dangling letter: %v", err)
	}
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM letters").Scan(&n); err != nil || n != 1 {
		t.Fatalf("letters after the refused commit: %d %v", n, err)
	}

	// Deleting a submission still deletes its letters and their deliveries.
	if err := exec(q, "DELETE FROM submissions WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"letters", "deliveries"} {
		if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s after deleting their submission: %d %v", table, n, err)
		}
	}
}

// The migration refuses a table it does not recognise rather than guess:
// here one whose foreign keys are already deferred.
func TestDeferredForeignKeysRefusesAnUnknownSchema(t *testing.T) {
	ctx := context.Background()
	d := openMigratedDB(t, filepath.Join(t.TempDir(), "x.db"))
	err := d.w.WithContext(ctx).Transaction(deferForeignKeysSQLite)
	if err == nil || !strings.Contains(err.Error(), "changed by hand") {
		t.Fatalf("second run: %v", err)
	}
}
