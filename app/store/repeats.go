package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// A second submission with an address that already wrote for a campaign
// never learns anything about the first one (see app/submit). What the
// store does for it is below: find the first one, send its owner their
// link again, or replace it while it was never confirmed.

// FindSubmissionByDedupKey loads the submission a campaign holds for a
// dedup key (submit.DedupKey of an email address), or ENOTFOUND.
func (d *DB) FindSubmissionByDedupKey(ctx context.Context, campaignID int64, key string) (*app.Submission, error) {
	return d.findSubmission(ctx, "s.campaign_id = ? AND s.dedup_key = ?", campaignID, key)
}

// ResendCopy queues the supporter's copy email of a submission again: the
// email with their private link (and, while the submission is
// unconfirmed, the confirmation link), to the address the submission was
// made with. It does nothing, and reports false, when that email is
// waiting to be sent already, when it was last handled less than minGap
// before now (so that nobody can fill someone's inbox through the
// "send my link again" form), or when the supporter was erased. The
// delivery keeps its sent_at, which tells the email that it is a repeat.
func (d *DB) ResendCopy(ctx context.Context, submissionID int64, now time.Time, minGap time.Duration) (bool, error) {
	now = dbTime(now)
	n, err := d.changeDeliveries(ctx, `WHERE l.submission_id = ? AND d.channel = 'copy' AND d.to_address <> ''
		AND d.status IN ('sent', 'dead', 'failed') AND d.updated_at <= ?`, []any{submissionID, now.Add(-minGap)},
		"status = 'queued', next_attempt_at = ?, attempts = 0, last_error = '', lease_owner = '', lease_until = NULL, updated_at = ?",
		now, now)
	if err != nil {
		return false, mapErr(err, "resend copy", outboxMsgs)
	}
	return n > 0, nil
}

// EraseUnconfirmedSubmission erases a submission that was never confirmed
// (its supporter's data, its letters' text, its unsent emails), so that a
// newer submission from the same address can take its place: until the
// owner of an address confirms, nobody has shown that the letters are
// theirs, and a forged first submission must not lock them out. It
// reports false, and changes nothing, when the submission was confirmed
// (perhaps a moment ago), was erased already or does not exist.
func (d *DB) EraseUnconfirmedSubmission(ctx context.Context, submissionID int64, at time.Time) (bool, error) {
	return d.eraseSubmission(ctx, submissionID, true, at)
}

// EraseSubmission erases one submission's supporter as EraseSupporters
// does, at the request of whoever holds its private link; false when it
// was erased already or does not exist.
func (d *DB) EraseSubmission(ctx context.Context, submissionID int64, at time.Time) (bool, error) {
	return d.eraseSubmission(ctx, submissionID, false, at)
}

func (d *DB) eraseSubmission(ctx context.Context, submissionID int64, onlyUnconfirmed bool, at time.Time) (bool, error) {
	at = dbTime(at)
	erased := false
	cond := ""
	if onlyUnconfirmed {
		cond = " AND s.confirmed_at IS NULL"
	}
	err := d.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		var p pickedSupporter
		err := q.QueryRowContext(ctx, d.rebind(`SELECT p.id, s.id, s.campaign_id FROM submissions s
			JOIN supporters p ON p.id = s.supporter_id
			WHERE s.id = ? AND p.erased_at IS NULL`+cond), submissionID).Scan(&p.id, &p.submission, &p.campaign)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		c, err := d.erase(ctx, q, []pickedSupporter{p}, at)
		erased = err == nil && c[p.campaign] != nil && c[p.campaign].Supporters > 0
		return err
	})
	if err != nil {
		return false, mapErr(err, "erase submission", privacyMsgs)
	}
	return erased, nil
}
