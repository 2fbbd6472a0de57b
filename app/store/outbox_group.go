package store

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// ClaimDeliverySiblings completes a claim so that one inbox gets one email
// per submission: for the email deliveries owner holds (sending, leased to
// owner) among letterIDs' letters, it leases the other due email
// deliveries of the same submission to the same address, on the same
// terms as ClaimDeliveries (sending, lease until leaseUntil, one attempt
// counted). A batch that ended in the middle of a submission's letters to
// a commission inbox thus takes the rest with it.
//
// On PostgreSQL rows another worker is claiming at this moment are skipped
// (FOR UPDATE SKIP LOCKED): that worker sends them, in a second email, and
// no letter is ever sent twice. On SQLite the single writer serialises it
// with every other claim.
func (d *DB) ClaimDeliverySiblings(ctx context.Context, owner string, letterIDs []int64, now, leaseUntil time.Time) ([]app.Delivery, error) {
	if owner == "" {
		return nil, app.Errorf(app.EINVALID, "a claim needs an owner")
	}
	if len(letterIDs) == 0 {
		return nil, nil
	}
	now, leaseUntil = dbTime(now), dbTime(leaseUntil)
	// held: the email deliveries this owner claimed; sib: the due ones of
	// the same submissions to the same addresses.
	pick := `SELECT sib.id FROM deliveries held
		JOIN letters hl ON hl.id = held.letter_id
		JOIN letters sl ON sl.submission_id = hl.submission_id
		JOIN deliveries sib ON sib.letter_id = sl.id
		WHERE held.letter_id IN (` + inList(len(letterIDs)) + `)
			AND held.channel = 'email' AND held.status = 'sending' AND held.lease_owner = ?
			AND sib.channel = 'email' AND sib.status IN ('queued', 'failed') AND sib.next_attempt_at <= ?
			AND sib.to_address = held.to_address`
	set := `UPDATE deliveries SET status = 'sending', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?`
	pickArgs := make([]any, 0, len(letterIDs)+2)
	for _, id := range letterIDs {
		pickArgs = append(pickArgs, id)
	}
	pickArgs = append(pickArgs, owner, now)
	var q string
	var args []any
	if d.dialect == DialectPostgres {
		q = `WITH due AS MATERIALIZED (` + pick + ` FOR UPDATE OF sib SKIP LOCKED)
			` + set + ` WHERE id IN (SELECT id FROM due) RETURNING ` + claimCols
		args = append(append(args, pickArgs...), owner, leaseUntil, now)
	} else {
		q = set + ` WHERE id IN (` + pick + `) RETURNING ` + claimCols
		args = append(append(args, owner, leaseUntil, now), pickArgs...)
	}
	var out []app.Delivery
	err := d.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = out[:0]
		return scanAll(ctx, pool(tx), d.rebind(q), func(rows *sql.Rows) error {
			dl, err := scanDelivery(rows)
			if err == nil {
				out = append(out, dl)
			}
			return err
		}, args...)
	})
	if err != nil {
		return nil, mapErr(err, "claim deliveries", outboxMsgs)
	}
	sortDeliveries(out)
	return out, nil
}
