package store

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// keptConflict is the message when a hand-kept roster save lost a race.
const keptConflict = "Someone else changed the rosters at the same moment; reload the page and try again."

// KeptRoster returns the hand-kept roster (Committees, Memberships and
// Executives set; nil when organizers have not taken over the hand-kept
// rosters) and its version, which grows with every change.
func (ro *Roster) KeptRoster(ctx context.Context) (*app.Roster, int64, error) {
	var r *app.Roster
	var version int64
	opts := ro.dialect.snapshot()
	err := ro.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		active, v, err := keptState(ctx, q)
		if err != nil {
			return err
		}
		version = v
		if !active {
			return nil
		}
		r = &app.Roster{Committees: []app.Committee{}, Memberships: []app.Membership{}, Executives: []app.ExecutiveTarget{}}
		if err := scanAll(ctx, q, `SELECT code, name, chamber, url, address, phone, email FROM kept_commissions ORDER BY pos, code`,
			func(rows *sql.Rows) error {
				c := app.Committee{Kind: app.KindCommission}
				err := rows.Scan(&c.Code, &c.Name, &c.Chamber, &c.URL, &c.Address, &c.Phone, &c.Email)
				r.Committees = append(r.Committees, c)
				return err
			}); err != nil {
			return fmt.Errorf("commissions: %w", err)
		}
		if err := scanAll(ctx, q, `SELECT commission_code, bioguide_id, party, rank, title FROM kept_commission_members
			ORDER BY commission_code, pos`, func(rows *sql.Rows) error {
			var m app.Membership
			err := rows.Scan(&m.CommitteeCode, &m.BioguideID, &m.Party, &m.Rank, &m.Title)
			r.Memberships = append(r.Memberships, m)
			return err
		}); err != nil {
			return fmt.Errorf("commission members: %w", err)
		}
		if err := scanAll(ctx, q, `SELECT target_key, title, name, salutation, greeting, address, email, in_office_since
			FROM kept_executives ORDER BY pos, target_key`, func(rows *sql.Rows) error {
			var e app.ExecutiveTarget
			err := rows.Scan(&e.Key, &e.Title, &e.Name, &e.Salutation, &e.Greeting, &e.Address, &e.Email, &e.InOfficeSince)
			r.Executives = append(r.Executives, e)
			return err
		}); err != nil {
			return fmt.Errorf("executive targets: %w", err)
		}
		return nil
	}, opts)
	if err != nil {
		return nil, 0, mapErr(err, "load hand-kept roster", msgs{})
	}
	return r, version, nil
}

// KeptRosterVersion returns the hand-kept roster's version (0 before any
// edit), so that other instances can tell when to rebuild.
func (ro *Roster) KeptRosterVersion(ctx context.Context) (int64, error) {
	_, v, err := keptState(ctx, pool(ro.r.WithContext(ctx)))
	return v, mapErr(err, "hand-kept roster version", msgs{})
}

func keptState(ctx context.Context, q querier) (active bool, version int64, err error) {
	err = q.QueryRowContext(ctx, "SELECT active, version FROM kept_roster WHERE id = 1").Scan(&active, &version)
	if err == sql.ErrNoRows {
		return false, 0, nil
	}
	return active, version, err
}

// SaveKeptRoster replaces the hand-kept roster with r (its Committees,
// Memberships and Executives) in one transaction and returns the new
// version. expect is the version the change was made from: when another
// edit got there first the save is refused with ECONFLICT, so a
// read-modify-write never drops someone else's change. by names who made
// the change.
func (ro *Roster) SaveKeptRoster(ctx context.Context, r *app.Roster, expect int64, by string) (int64, error) {
	if r == nil {
		return 0, app.Errorf(app.EINVALID, "no roster to save")
	}
	return ro.writeKept(ctx, expect, by, true, func(ctx context.Context, q querier) error { return ro.insertKept(ctx, q, r) })
}

// insertKept writes r's commissions, seats and executive targets into the
// emptied kept tables.
func (ro *Roster) insertKept(ctx context.Context, q querier, r *app.Roster) error {
	if err := ro.bulkInsert(ctx, q, "kept_commissions", []string{"code", "pos", "name", "chamber", "url", "address", "phone", "email"},
		len(r.Committees), func(i int, a []any) []any {
			c := &r.Committees[i]
			return append(a, c.Code, i, c.Name, string(c.Chamber), c.URL, c.Address, c.Phone, c.Email)
		}); err != nil {
		return fmt.Errorf("commissions: %w", err)
	}
	if err := ro.bulkInsert(ctx, q, "kept_commission_members", []string{"commission_code", "bioguide_id", "pos", "party", "rank", "title"},
		len(r.Memberships), func(i int, a []any) []any {
			m := &r.Memberships[i]
			return append(a, m.CommitteeCode, m.BioguideID, i, m.Party, m.Rank, m.Title)
		}); err != nil {
		return fmt.Errorf("commission members: %w", err)
	}
	if err := ro.bulkInsert(ctx, q, "kept_executives", []string{"target_key", "pos", "title", "name", "salutation", "greeting",
		"address", "email", "in_office_since"},
		len(r.Executives), func(i int, a []any) []any {
			e := &r.Executives[i]
			return append(a, e.Key, i, e.Title, e.Name, e.Salutation, e.Greeting, e.Address, e.Email, e.InOfficeSince)
		}); err != nil {
		return fmt.Errorf("executive targets: %w", err)
	}
	return nil
}

// ResetKeptRoster drops the hand edits: the imported commissions and
// executive targets apply again. Address changes still waiting for an admin
// are withdrawn and no hand-kept address stays current (the imported ones
// apply; a later first edit copies them again). It returns the new version.
func (ro *Roster) ResetKeptRoster(ctx context.Context, expect int64, by string) (int64, error) {
	return ro.writeKept(ctx, expect, by, false, func(ctx context.Context, q querier) error {
		if _, err := q.ExecContext(ctx, ro.rebind(`UPDATE address_changes SET status = ?, decided_by = ?, decided_at = ? WHERE status = ?`),
			string(app.ApprovalWithdrawn), by, ro.now(), string(app.ApprovalPending)); err != nil {
			return fmt.Errorf("withdraw address changes: %w", err)
		}
		if _, err := q.ExecContext(ctx, ro.rebind(`UPDATE approved_addresses SET is_current = ? WHERE is_current`), false); err != nil {
			return fmt.Errorf("approved addresses: %w", err)
		}
		return nil
	})
}

// writeKept empties the kept tables, lets fill write the new rows and
// bumps the version, all in one transaction guarded by expect.
func (ro *Roster) writeKept(ctx context.Context, expect int64, by string, active bool, fill func(context.Context, querier) error) (int64, error) {
	var version int64
	err := ro.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		lock := "SELECT active, version FROM kept_roster WHERE id = 1" + ro.dialect.forUpdate("", false)
		var was bool
		var cur int64
		err := q.QueryRowContext(ctx, lock).Scan(&was, &cur)
		switch {
		case err == sql.ErrNoRows:
			cur = 0
			// Concurrent first saves on PostgreSQL both miss the row; the
			// primary key lets only one insert it (the other gets ECONFLICT).
			if _, err := q.ExecContext(ctx, ro.rebind(`INSERT INTO kept_roster (id, version, active, updated_at, updated_by)
				VALUES (1, 0, ?, ?, ?)`), false, ro.now(), by); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if cur != expect {
			return app.Errorf(app.ECONFLICT, "%s", keptConflict)
		}
		for _, t := range []string{"kept_commission_members", "kept_commissions", "kept_executives"} {
			if _, err := q.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("empty %s: %w", t, err)
			}
		}
		if err := fill(ctx, q); err != nil {
			return err
		}
		version = cur + 1
		_, err = q.ExecContext(ctx, ro.rebind("UPDATE kept_roster SET version = ?, active = ?, updated_at = ?, updated_by = ? WHERE id = 1"),
			version, active, ro.now(), by)
		return err
	})
	if err != nil {
		return 0, mapErr(err, "save hand-kept roster", msgs{
			conflict: "The rosters were not saved: a commission, member or executive target is listed twice, or someone else saved at the same moment. Reload the page and try again.",
		})
	}
	return version, nil
}
