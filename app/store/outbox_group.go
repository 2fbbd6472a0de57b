package store

import (
	"context"
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
func (ob *Outbox) ClaimDeliverySiblings(ctx context.Context, owner string, letterIDs []int64, now, leaseUntil time.Time) ([]app.Delivery, error) {
	if owner == "" {
		return nil, app.Errorf(app.EINVALID, "a claim needs an owner")
	}
	if len(letterIDs) == 0 {
		return nil, nil
	}
	now, leaseUntil = dbTime(now), dbTime(leaseUntil)
	// held: the email deliveries this owner claimed; d: the due ones of
	// the same submissions to the same addresses.
	from := `FROM deliveries held
		JOIN letters hl ON hl.id = held.letter_id
		JOIN letters l ON l.submission_id = hl.submission_id
		JOIN deliveries d ON d.letter_id = l.id
		WHERE held.letter_id IN (` + inList(len(letterIDs)) + `)
			AND held.channel = 'email' AND held.status = 'sending' AND held.lease_owner = ?
			AND d.channel = 'email' AND d.status IN ('queued', 'failed') AND d.next_attempt_at <= ?
			AND d.to_address = held.to_address`
	args := make([]any, 0, len(letterIDs)+2)
	for _, id := range letterIDs {
		args = append(args, id)
	}
	args = append(args, owner, now)
	var out []app.Delivery
	err := ob.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = out[:0]
		q := pool(tx)
		picked, ids, err := ob.pickDeliveries(ctx, q, from, true, args...)
		if err != nil || len(ids) == 0 {
			return err
		}
		out, err = ob.leaseDeliveries(ctx, q, picked, ids, owner, now, leaseUntil)
		return err
	})
	if err != nil {
		return nil, mapErr(err, "claim deliveries", outboxMsgs)
	}
	sortDeliveries(out)
	return out, nil
}
