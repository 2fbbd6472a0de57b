package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/advocate-org/advocate/app"
)

// ClaimRosterRefresh decides which instance refreshes the public roster:
// it takes the one roster_refresh row for owner until leaseUntil when no
// other instance holds it and the last attempt is at least every old (at
// or before now-every). It reports whether owner won. One conditional
// UPDATE on one row is atomic on both databases, so of several instances
// ticking at once exactly one refreshes per interval, and a failed
// attempt waits a whole interval like a good one.
func (ro *Roster) ClaimRosterRefresh(ctx context.Context, owner string, now time.Time, every time.Duration, leaseUntil time.Time) (bool, error) {
	if owner == "" || every <= 0 {
		return false, app.Errorf(app.EINVALID, "a roster refresh claim needs an owner and an interval")
	}
	now = dbTime(now)
	res, err := pool(ro.w.WithContext(ctx)).ExecContext(ctx, ro.rebind(`UPDATE roster_refresh
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
func (ro *Roster) FinishRosterRefresh(ctx context.Context, owner string, at time.Time, errText string) error {
	at = dbTime(at)
	q := `UPDATE roster_refresh SET lease_owner = '', lease_until = NULL, last_error = ? WHERE id = 1 AND lease_owner = ?`
	args := []any{cutText(errText, 1000), owner}
	if errText == "" {
		q = `UPDATE roster_refresh SET lease_owner = '', lease_until = NULL, last_error = '', last_success_at = ?
			WHERE id = 1 AND lease_owner = ?`
		args = []any{at, owner}
	}
	_, err := pool(ro.w.WithContext(ctx)).ExecContext(ctx, ro.rebind(q), args...)
	return mapErr(err, "finish roster refresh", msgs{})
}

// RosterRefreshState is when the roster was last refreshed, for pages and
// `advocate outbox status`-like reports.
type RosterRefreshState struct {
	LastAttempt, LastSuccess *time.Time
	LastError                string
}

// RosterRefreshStatus reads the roster_refresh row.
func (ro *Roster) RosterRefreshStatus(ctx context.Context) (RosterRefreshState, error) {
	var st RosterRefreshState
	var attempt, success sql.NullTime
	err := pool(ro.r.WithContext(ctx)).QueryRowContext(ctx,
		`SELECT last_attempt_at, last_success_at, last_error FROM roster_refresh WHERE id = 1`).
		Scan(&attempt, &success, &st.LastError)
	st.LastAttempt, st.LastSuccess = nullTime(attempt), nullTime(success)
	return st, mapErr(err, "roster refresh status", msgs{})
}
