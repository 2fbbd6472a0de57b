package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

var flagMsgs = msgs{notFound: "This notice does not exist or was already dismissed."}

// ClaimRosterRefresh decides which instance refreshes the public roster:
// it takes the one roster_refresh row for owner until leaseUntil when no
// other instance holds it and the last attempt is at least every old (at
// or before now-every). It reports whether owner won. One conditional
// UPDATE on one row is atomic on both databases, so of several instances
// ticking at once exactly one refreshes per interval, and a failed
// attempt waits a whole interval like a good one.
func (d *DB) ClaimRosterRefresh(ctx context.Context, owner string, now time.Time, every time.Duration, leaseUntil time.Time) (bool, error) {
	if owner == "" || every <= 0 {
		return false, app.Errorf(app.EINVALID, "a roster refresh claim needs an owner and an interval")
	}
	now = dbTime(now)
	res, err := pool(d.w.WithContext(ctx)).ExecContext(ctx, d.rebind(`UPDATE roster_refresh
		SET lease_owner = ?, lease_until = ?, last_attempt_at = ?
		WHERE id = 1 AND (lease_until IS NULL OR lease_until <= ?)
			AND (last_attempt_at IS NULL OR last_attempt_at <= ?)`),
		owner, dbTime(leaseUntil), now, now, dbTime(now.Add(-every)))
	if err != nil {
		return false, mapErr(err, "claim roster refresh", msgs{})
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishRosterRefresh records the outcome of owner's refresh (errText ""
// for success) and frees the lease.
func (d *DB) FinishRosterRefresh(ctx context.Context, owner string, at time.Time, errText string) error {
	at = dbTime(at)
	q := `UPDATE roster_refresh SET lease_owner = '', lease_until = NULL, last_error = ? WHERE id = 1 AND lease_owner = ?`
	args := []any{cutText(errText, 1000), owner}
	if errText == "" {
		q = `UPDATE roster_refresh SET lease_owner = '', lease_until = NULL, last_error = '', last_success_at = ?
			WHERE id = 1 AND lease_owner = ?`
		args = []any{at, owner}
	}
	_, err := pool(d.w.WithContext(ctx)).ExecContext(ctx, d.rebind(q), args...)
	return mapErr(err, "finish roster refresh", msgs{})
}

// RosterRefreshState is when the roster was last refreshed, for pages and
// `advocate outbox status`-like reports.
type RosterRefreshState struct {
	LastAttempt, LastSuccess *time.Time
	LastError                string
}

// RosterRefreshStatus reads the roster_refresh row.
func (d *DB) RosterRefreshStatus(ctx context.Context) (RosterRefreshState, error) {
	var st RosterRefreshState
	var attempt, success sql.NullTime
	err := pool(d.r.WithContext(ctx)).QueryRowContext(ctx,
		`SELECT last_attempt_at, last_success_at, last_error FROM roster_refresh WHERE id = 1`).
		Scan(&attempt, &success, &st.LastError)
	st.LastAttempt, st.LastSuccess = nullTime(attempt), nullTime(success)
	return st, mapErr(err, "roster refresh status", msgs{})
}

// AddCampaignFlags stores flags (their ids are set).
func (d *DB) AddCampaignFlags(ctx context.Context, flags []app.CampaignFlag) error {
	err := d.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		for i := range flags {
			f := &flags[i]
			if err := q.QueryRowContext(ctx, d.rebind(`INSERT INTO campaign_flags
				(campaign_id, roster_version, changes, created_at, dismissed_at, dismissed_by)
				VALUES (?, ?, ?, ?, NULL, '') RETURNING id`),
				f.CampaignID, f.RosterVersion, strings.Join(f.Changes, "\n"), dbTime(f.CreatedAt)).Scan(&f.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return mapErr(err, "add campaign flags", flagMsgs)
}

// OpenCampaignFlags lists the flags nobody dismissed, newest first: of
// one campaign, or of all (campaignID 0).
func (d *DB) OpenCampaignFlags(ctx context.Context, campaignID int64) ([]app.CampaignFlag, error) {
	q := `SELECT id, campaign_id, roster_version, changes, created_at FROM campaign_flags WHERE dismissed_at IS NULL`
	var args []any
	if campaignID != 0 {
		q += ` AND campaign_id = ?`
		args = append(args, campaignID)
	}
	var out []app.CampaignFlag
	err := scanAll(ctx, pool(d.r.WithContext(ctx)), d.rebind(q+` ORDER BY id DESC`), func(rows *sql.Rows) error {
		var f app.CampaignFlag
		var changes string
		if err := rows.Scan(&f.ID, &f.CampaignID, &f.RosterVersion, &changes, &f.CreatedAt); err != nil {
			return err
		}
		f.CreatedAt = f.CreatedAt.UTC()
		f.Changes = strings.Split(changes, "\n")
		out = append(out, f)
		return nil
	}, args...)
	return out, mapErr(err, "list campaign flags", flagMsgs)
}

// DismissCampaignFlag marks a campaign's open flag dismissed by whom
// (ENOTFOUND when it is not that campaign's or was dismissed already).
func (d *DB) DismissCampaignFlag(ctx context.Context, campaignID, id int64, by string, at time.Time) error {
	res, err := pool(d.w.WithContext(ctx)).ExecContext(ctx, d.rebind(`UPDATE campaign_flags SET dismissed_at = ?, dismissed_by = ?
		WHERE id = ? AND campaign_id = ? AND dismissed_at IS NULL`), dbTime(at), by, id, campaignID)
	if err != nil {
		return mapErr(err, "dismiss campaign flag", flagMsgs)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, "%s", flagMsgs.notFound)
	}
	return nil
}
