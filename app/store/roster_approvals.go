package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Delivery addresses organizers change wait for an admin's approval (see
// app.AddressChange). approved_addresses holds every address approved for
// an office, the current one marked; address_changes the requests and the
// decisions. Both move in the same transactions as the hand-kept roster,
// and every decision bumps the hand-kept roster's version so that each app
// instance rebuilds its roster with the approved addresses.

// addressChangeRow is the address_changes table.
type addressChangeRow struct {
	ID           int64 `gorm:"primaryKey"`
	Subject      string
	Label        string
	OldEmail     string
	NewEmail     string
	Status       string
	ProposedBy   string
	ProposedByID int64
	ProposedAt   time.Time
	DecidedBy    string
	DecidedByID  int64
	DecidedAt    *time.Time
}

func (addressChangeRow) TableName() string { return "address_changes" }

func (r *addressChangeRow) toApp() app.AddressChange {
	return app.AddressChange{ID: r.ID, Subject: r.Subject, Label: r.Label, OldEmail: r.OldEmail, NewEmail: r.NewEmail,
		Status: app.ApprovalStatus(r.Status), ProposedBy: r.ProposedBy, ProposedByID: r.ProposedByID,
		ProposedAt: r.ProposedAt.UTC(), DecidedBy: r.DecidedBy, DecidedByID: r.DecidedByID, DecidedAt: utcPtr(r.DecidedAt)}
}

// ApprovedAddresses returns the current approved address of every subject
// that has one ("executive:KEY" → email), for laying the hand-kept roster
// over the imported one.
func (ro *Roster) ApprovedAddresses(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := scanAll(ctx, pool(ro.r.WithContext(ctx)), `SELECT subject, email FROM approved_addresses WHERE is_current`,
		func(rows *sql.Rows) error {
			var s, e string
			if err := rows.Scan(&s, &e); err != nil {
				return err
			}
			out[s] = e
			return nil
		})
	if err != nil {
		return nil, mapErr(err, "approved addresses", msgs{})
	}
	return out, nil
}

// ApprovedDestinations returns, for each of subjects, every address that
// letters to it may be emailed to: the addresses an admin approved for it
// (current or earlier, since a letter made while an address was current
// may still be waiting to go) and the imported roster's own address, which
// the operator loaded rather than a web user typed. The outbox checks each
// office email against it just before sending.
func (ro *Roster) ApprovedDestinations(ctx context.Context, subjects []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(subjects) == 0 {
		return out, nil
	}
	byKind := map[string][]any{}
	all := make([]any, 0, len(subjects))
	for _, s := range subjects {
		all = append(all, s)
		for _, p := range []string{app.SubjectExecutive, app.SubjectCommission, app.SubjectLegislator} {
			if k, ok := strings.CutPrefix(s, p); ok {
				byKind[p] = append(byKind[p], k)
			}
		}
	}
	q := pool(ro.r.WithContext(ctx))
	add := func(rows *sql.Rows) error {
		var s, e string
		if err := rows.Scan(&s, &e); err != nil {
			return err
		}
		out[s] = append(out[s], e)
		return nil
	}
	queries := []struct {
		prefix, sql string
		args        []any
	}{
		{"", `SELECT subject, email FROM approved_addresses WHERE subject IN (` + inList(len(all)) + `)`, all},
		{app.SubjectExecutive, `SELECT target_key, email FROM executive_targets WHERE email <> '' AND target_key IN (%s)`, byKind[app.SubjectExecutive]},
		{app.SubjectCommission, `SELECT code, email FROM committees WHERE email <> '' AND code IN (%s)`, byKind[app.SubjectCommission]},
		{app.SubjectLegislator, `SELECT bioguide_id, email FROM legislators WHERE email <> '' AND bioguide_id IN (%s)`, byKind[app.SubjectLegislator]},
	}
	for _, qq := range queries {
		if len(qq.args) == 0 {
			continue
		}
		text := qq.sql
		if qq.prefix != "" {
			text = fmt.Sprintf(text, inList(len(qq.args)))
		}
		err := scanAll(ctx, q, ro.rebind(text), func(rows *sql.Rows) error {
			if qq.prefix == "" {
				return add(rows)
			}
			var k, e string
			if err := rows.Scan(&k, &e); err != nil {
				return err
			}
			out[qq.prefix+k] = append(out[qq.prefix+k], e)
			return nil
		}, qq.args...)
		if err != nil {
			return nil, mapErr(err, "approved destinations", msgs{})
		}
	}
	return out, nil
}

// SaveKeptRosterAddresses is SaveKeptRoster with the delivery-address
// changes of the same edit (u), all in one transaction, so a roster never
// shows an address that has neither approval nor a pending request. It
// returns the new version and the changes now waiting for an admin (with
// their ids).
func (ro *Roster) SaveKeptRosterAddresses(ctx context.Context, r *app.Roster, expect int64, by string, u app.AddressUpdate) (int64, []app.AddressChange, error) {
	if r == nil {
		return 0, nil, app.Errorf(app.EINVALID, "no roster to save")
	}
	var proposed []app.AddressChange
	v, err := ro.writeKept(ctx, expect, by, true, func(ctx context.Context, q querier) error {
		proposed = nil
		if err := ro.insertKept(ctx, q, r); err != nil {
			return err
		}
		var err error
		proposed, err = ro.applyAddressUpdate(ctx, q, by, u)
		return err
	})
	return v, proposed, err
}

// applyAddressUpdate writes u inside a hand-kept roster transaction.
func (ro *Roster) applyAddressUpdate(ctx context.Context, q querier, by string, u app.AddressUpdate) ([]app.AddressChange, error) {
	now := ro.now()
	for s, e := range u.Trust {
		if err := ro.makeCurrent(ctx, q, s, e, now, by+" (copied from the imported roster)"); err != nil {
			return nil, fmt.Errorf("trust %s: %w", s, err)
		}
	}
	withdraw := func(subject string) error {
		_, err := q.ExecContext(ctx, ro.rebind(`UPDATE address_changes SET status = ?, decided_by = ?, decided_at = ?
			WHERE subject = ? AND status = ?`), string(app.ApprovalWithdrawn), by, now, subject, string(app.ApprovalPending))
		return err
	}
	for _, s := range u.Withdraw {
		if err := withdraw(s); err != nil {
			return nil, fmt.Errorf("withdraw %s: %w", s, err)
		}
	}
	for _, s := range u.Drop {
		if err := withdraw(s); err != nil {
			return nil, fmt.Errorf("withdraw %s: %w", s, err)
		}
		if _, err := q.ExecContext(ctx, ro.rebind(`UPDATE approved_addresses SET is_current = ? WHERE subject = ?`), false, s); err != nil {
			return nil, fmt.Errorf("drop %s: %w", s, err)
		}
	}
	var out []app.AddressChange
	for _, c := range u.Propose {
		if err := withdraw(c.Subject); err != nil {
			return nil, fmt.Errorf("withdraw %s: %w", c.Subject, err)
		}
		c.Status, c.ProposedAt = app.ApprovalPending, now
		err := q.QueryRowContext(ctx, ro.rebind(`INSERT INTO address_changes (subject, label, old_email, new_email, status,
			proposed_by, proposed_by_id, proposed_at, decided_by, decided_by_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0) RETURNING id`),
			c.Subject, c.Label, c.OldEmail, c.NewEmail, string(c.Status), c.ProposedBy, c.ProposedByID, now).Scan(&c.ID)
		if err != nil {
			return nil, fmt.Errorf("propose %s: %w", c.Subject, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// makeCurrent records email as subject's current approved address.
func (ro *Roster) makeCurrent(ctx context.Context, q querier, subject, email string, at time.Time, by string) error {
	if _, err := q.ExecContext(ctx, ro.rebind(`UPDATE approved_addresses SET is_current = ? WHERE subject = ?`), false, subject); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, ro.rebind(`INSERT INTO approved_addresses (subject, email, is_current, approved_at, approved_by)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject, email) DO UPDATE SET is_current = excluded.is_current,
		approved_at = excluded.approved_at, approved_by = excluded.approved_by`), subject, email, true, at, by)
	return err
}

// ListAddressChanges returns address changes newest first.
func (ro *Roster) ListAddressChanges(ctx context.Context, f app.AddressChangeFilter) ([]app.AddressChange, error) {
	q := ro.r.WithContext(ctx).Order("id DESC")
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Subject != "" {
		q = q.Where("subject = ?", f.Subject)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []addressChangeRow
	if err := q.Limit(limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list address changes", msgs{})
	}
	out := make([]app.AddressChange, len(rows))
	for i := range rows {
		out[i] = rows[i].toApp()
	}
	return out, nil
}

// DecideAddressChange approves or refuses a pending change. The decider
// (byID, by) must not be the person who asked for it: EFORBIDDEN, checked
// inside the transaction so that no race gets around it. A change no
// longer pending is ECONFLICT. Approving makes the new address current;
// refusing puts the approved address back into the hand-kept roster, so
// that organizers see where letters go. Either way the hand-kept roster's
// version grows, so every instance rebuilds its roster.
func (ro *Roster) DecideAddressChange(ctx context.Context, id int64, approve bool, by string, byID int64) (*app.AddressChange, error) {
	var out app.AddressChange
	err := ro.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		lock := `SELECT id, subject, label, old_email, new_email, status, proposed_by, proposed_by_id, proposed_at
			FROM address_changes WHERE id = ?` + ro.dialect.forUpdate("", false)
		var c addressChangeRow
		err := q.QueryRowContext(ctx, ro.rebind(lock), id).Scan(&c.ID, &c.Subject, &c.Label, &c.OldEmail, &c.NewEmail, &c.Status,
			&c.ProposedBy, &c.ProposedByID, &c.ProposedAt)
		if err == sql.ErrNoRows {
			return app.Errorf(app.ENOTFOUND, "There is no such address change.")
		}
		if err != nil {
			return err
		}
		if c.Status != string(app.ApprovalPending) {
			return app.Errorf(app.ECONFLICT, "This change was already %s.", c.Status)
		}
		if byID == 0 {
			return app.Errorf(app.EFORBIDDEN, "Only an admin signed in to the web app can decide on a change of address.")
		}
		if (c.ProposedByID != 0 && c.ProposedByID == byID) || strings.EqualFold(c.ProposedBy, by) {
			return app.Errorf(app.EFORBIDDEN, "You asked for this change, so another admin must decide on it.")
		}
		now := ro.now()
		status := app.ApprovalRefused
		if approve {
			status = app.ApprovalApproved
			if err := ro.makeCurrent(ctx, q, c.Subject, c.NewEmail, now, by); err != nil {
				return err
			}
		} else if err := ro.restoreKeptEmail(ctx, q, c.Subject, c.NewEmail, c.OldEmail); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, ro.rebind(`UPDATE address_changes SET status = ?, decided_by = ?, decided_by_id = ?, decided_at = ?
			WHERE id = ?`), string(status), by, byID, now, id); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, ro.rebind(`UPDATE kept_roster SET version = version + 1, updated_at = ?, updated_by = ? WHERE id = 1`),
			now, by); err != nil {
			return err
		}
		c.Status, c.DecidedBy, c.DecidedByID, c.DecidedAt = string(status), by, byID, &now
		out = c.toApp()
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "decide address change", msgs{})
	}
	return &out, nil
}

// restoreKeptEmail puts the approved address back in the hand-kept roster
// after a refusal, unless the organizer has typed yet another one since.
func (ro *Roster) restoreKeptEmail(ctx context.Context, q querier, subject, refused, approved string) error {
	var query, key string
	if k, ok := strings.CutPrefix(subject, app.SubjectExecutive); ok {
		query, key = `UPDATE kept_executives SET email = ? WHERE target_key = ? AND email = ?`, k
	} else if k, ok := strings.CutPrefix(subject, app.SubjectCommission); ok {
		query, key = `UPDATE kept_commissions SET email = ? WHERE code = ? AND email = ?`, k
	} else {
		return nil
	}
	_, err := q.ExecContext(ctx, ro.rebind(query), approved, key, refused)
	return err
}
