package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Submissions keeps what supporters send: the supporter, the submission,
// its letters and their deliveries as first stored, written by the group
// commit (writer.go); and what a supporter does with it afterwards
// (confirm, download, ask for the link again, erase).
type Submissions struct {
	*engine
	privacy *Privacy // erasure
	batch   *batcher
}

func newSubmissions(e *engine, privacy *Privacy, maxBatch, writers int, wait time.Duration) *Submissions {
	s := &Submissions{engine: e, privacy: privacy}
	s.batch = newBatcher(e, s.writeSubmissions, maxBatch, writers, wait)
	return s
}

// FindSubmissionByConfirmToken loads the submission a confirmation link
// names (ENOTFOUND for an unknown or empty token).
func (ss *Submissions) FindSubmissionByConfirmToken(ctx context.Context, token string) (*app.Submission, error) {
	if token == "" {
		return nil, app.Errorf(app.ENOTFOUND, "This confirmation link is not valid.")
	}
	s, err := ss.findSubmission(ctx, "s.confirm_token = ?", token)
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return nil, app.WrapError(app.ENOTFOUND, err, "This confirmation link is not valid.")
	}
	return s, err
}

// ConfirmSubmission records the supporter's confirmation at time at and
// queues the submission's unconfirmed office emails, unless deadline has
// passed (ECONFLICT) or they expired. Confirming twice is harmless. It
// returns how many deliveries it queued.
func (ss *Submissions) ConfirmSubmission(ctx context.Context, submissionID int64, at, deadline time.Time) (int64, error) {
	at = dbTime(at)
	if !at.Before(dbTime(deadline)) {
		return 0, app.Errorf(app.ECONFLICT, "This confirmation link has expired.")
	}
	var queued int64
	err := ss.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		var keys submissionKeys
		err := q.QueryRowContext(ctx, ss.rebind(`UPDATE submissions SET confirmed_at = ?
			WHERE id = ? AND confirmed_at IS NULL RETURNING `+submissionKeyCols), at, submissionID).Scan(keys.dest()...)
		if errors.Is(err, sql.ErrNoRows) {
			// Confirmed already, or no such submission (ENOTFOUND).
			var one int
			return q.QueryRowContext(ctx, ss.rebind("SELECT 1 FROM submissions WHERE id = ?"), submissionID).Scan(&one)
		}
		if err != nil {
			return err
		}
		var delta rollupDelta
		delta.confirmed(keys)
		picked, ids, err := ss.pickDeliveries(ctx, q, `FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE l.submission_id = ? AND d.status = 'unconfirmed'`, false, submissionID)
		if err != nil {
			return err
		}
		if err := ss.updateCounted(ctx, q, &delta, picked, ids, "status = 'queued', next_attempt_at = ?, updated_at = ?",
			[]any{at, at}, "", nil); err != nil {
			return err
		}
		queued = int64(len(ids))
		return ss.addRollups(ctx, q, &delta)
	})
	if err != nil {
		return 0, mapErr(err, "confirm submission", submissionMsgs)
	}
	return queued, nil
}

// A second submission with an address that already wrote for a campaign
// never learns anything about the first one (see app/submit). What the
// store does for it is below: find the first one, send its owner their
// link again, or replace it while it was never confirmed.

// FindSubmissionByDedupKey loads the submission a campaign holds for a
// dedup key (submit.DedupKey of an email address), or ENOTFOUND.
func (ss *Submissions) FindSubmissionByDedupKey(ctx context.Context, campaignID int64, key string) (*app.Submission, error) {
	return ss.findSubmission(ctx, "s.campaign_id = ? AND s.dedup_key = ?", campaignID, key)
}

// ResendCopy queues the supporter's copy email of a submission again: the
// email with their private link (and, while the submission is
// unconfirmed, the confirmation link), to the address the submission was
// made with. It does nothing, and reports false, when that email is
// waiting to be sent already, when it was last handled less than minGap
// before now (so that nobody can fill someone's inbox through the
// "send my link again" form), or when the supporter was erased. The
// delivery keeps its sent_at, which tells the email that it is a repeat.
func (ss *Submissions) ResendCopy(ctx context.Context, submissionID int64, now time.Time, minGap time.Duration) (bool, error) {
	now = dbTime(now)
	n, err := ss.changeDeliveries(ctx, `WHERE l.submission_id = ? AND d.channel = 'copy' AND d.to_address <> ''
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
func (ss *Submissions) EraseUnconfirmedSubmission(ctx context.Context, submissionID int64, at time.Time) (bool, error) {
	return ss.eraseSubmission(ctx, submissionID, true, at)
}

// EraseSubmission erases one submission's supporter as EraseSupporters
// does, at the request of whoever holds its private link; false when it
// was erased already or does not exist.
func (ss *Submissions) EraseSubmission(ctx context.Context, submissionID int64, at time.Time) (bool, error) {
	return ss.eraseSubmission(ctx, submissionID, false, at)
}

func (ss *Submissions) eraseSubmission(ctx context.Context, submissionID int64, onlyUnconfirmed bool, at time.Time) (bool, error) {
	at = dbTime(at)
	erased := false
	cond := ""
	if onlyUnconfirmed {
		cond = " AND s.confirmed_at IS NULL"
	}
	err := ss.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		var p pickedSupporter
		err := q.QueryRowContext(ctx, ss.rebind(`SELECT p.id, s.id, s.campaign_id FROM submissions s
			JOIN supporters p ON p.id = s.supporter_id
			WHERE s.id = ? AND p.erased_at IS NULL`+cond), submissionID).Scan(&p.id, &p.submission, &p.campaign)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		c, err := ss.privacy.erase(ctx, q, []pickedSupporter{p}, at)
		erased = err == nil && c[p.campaign] != nil && c[p.campaign].Supporters > 0
		return err
	})
	if err != nil {
		return false, mapErr(err, "erase submission", privacyMsgs)
	}
	return erased, nil
}

// subReq is one CreateSubmission waiting for the group commit. The batcher
// works on a private copy (s) so that a caller who gives up (context
// cancelled) never races with it; the caller copies the result back.
type subReq struct {
	ctx context.Context
	s   *app.Submission
	// unstored is per letter the index of its delivery that is not stored
	// (virtualDownload), or -1, found by the caller.
	unstored []int
	// The INSERT values of the submission's rows (subRows) and its rollup
	// counts (rollups.go), worked out by the caller so that the single
	// writer only fills in the ids and sums.
	rows   subRows
	stats  []statAdd
	queued time.Time // when it was handed to the batcher
	dup    bool      // an earlier submission with the same dedup key exists
	err    error
	done   chan struct{}
}

var submissionMsgs = msgs{
	notFound: "Submission not found.",
	conflict: "This submission clashes with one already saved; please try again.",
	missing:  "The campaign or letter template of this submission no longer exists.",
}

// CreateSubmission stores the supporter, the submission, its letters and
// their deliveries atomically and fills in their IDs. A submission without
// a ConfirmToken is confirmed at CreatedAt. A repeat of the
// campaign's dedup key (even one racing with the first) stores nothing,
// loads the first submission into s and returns created=false.
//
// Requests are group-committed: concurrent calls share one transaction,
// which is what makes SQLite sustain thousands of submissions a second. A
// failure in one request does not fail the others.
func (ss *Submissions) CreateSubmission(ctx context.Context, s *app.Submission) (bool, error) {
	if s == nil || s.CampaignID <= 0 || s.Token == "" || s.DedupKey == "" {
		return false, app.Errorf(app.EINVALID, "the submission is incomplete (campaign, token and dedup key are required)")
	}
	if err := ctx.Err(); err != nil {
		return false, mapErr(err, "create submission", submissionMsgs)
	}
	r, err := ss.prepareSubmission(ctx, s)
	if err != nil {
		return false, err
	}
	if err := ss.batch.enqueue(ctx, r); err != nil {
		return false, err
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		// The write may still happen; the caller's retry will find it
		// through the dedup key.
		return false, mapErr(ctx.Err(), "create submission", submissionMsgs)
	}
	if r.err != nil {
		return false, r.err
	}
	if r.dup {
		existing, err := ss.findSubmission(ctx, "s.campaign_id = ? AND s.dedup_key = ?", s.CampaignID, s.DedupKey)
		if err != nil {
			return false, err
		}
		*s = *existing
		return false, nil
	}
	*s = *r.s
	return true, nil
}

// FindSubmissionByToken loads a submission with its supporter, letters and
// deliveries (ENOTFOUND for an unknown token).
func (ss *Submissions) FindSubmissionByToken(ctx context.Context, token string) (*app.Submission, error) {
	if token == "" {
		return nil, app.Errorf(app.ENOTFOUND, "%s", submissionMsgs.notFound)
	}
	return ss.findSubmission(ctx, "s.token = ?", token)
}

// findSubmission loads one submission matching where, from one snapshot.
func (ss *Submissions) findSubmission(ctx context.Context, where string, args ...any) (*app.Submission, error) {
	s := &app.Submission{}
	err := ss.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		p := &s.Supporter
		var dstate sql.NullString
		var dnum sql.NullInt64
		var lat, lon sql.NullFloat64
		var erased, confirmed sql.NullTime
		err := q.QueryRowContext(ctx, ss.rebind(`SELECT s.id, s.campaign_id, s.token, s.dedup_key, s.personal_message,
			s.district_state, s.district_number, s.created_at, s.confirm_token, s.confirmed_at,
			p.id, p.first_name, p.last_name, p.email, p.address1, p.address2, p.city, p.state, p.zip,
			p.lat, p.lon, p.contact_ok, p.erased_at, p.created_at, p.prefix
			FROM submissions s JOIN supporters p ON p.id = s.supporter_id WHERE `+where), args...).Scan(
			&s.ID, &s.CampaignID, &s.Token, &s.DedupKey, &s.PersonalMessage, &dstate, &dnum, &s.CreatedAt,
			&s.ConfirmToken, &confirmed,
			&p.ID, &p.FirstName, &p.LastName, &p.Email, &p.Address1, &p.Address2, &p.City, &p.State, &p.Zip,
			&lat, &lon, &p.ContactOK, &erased, &p.CreatedAt, &p.Prefix)
		if err != nil {
			return err
		}
		s.CreatedAt, p.CreatedAt = s.CreatedAt.UTC(), p.CreatedAt.UTC()
		if dstate.Valid {
			s.District = &app.DistrictKey{State: dstate.String, District: int(dnum.Int64)}
		}
		if lat.Valid {
			p.Lat = &lat.Float64
		}
		if lon.Valid {
			p.Lon = &lon.Float64
		}
		p.ErasedAt = nullTime(erased)
		s.ConfirmedAt = nullTime(confirmed)

		index := map[int64]int{}
		if err := scanAll(ctx, q, ss.rebind(`SELECT id, campaign_id, template_version_id, recipient, subject, body,
			created_at FROM letters WHERE submission_id = ? ORDER BY id`), func(rows *sql.Rows) error {
			l := app.Letter{SubmissionID: s.ID}
			var tv sql.NullInt64
			var recip []byte
			if err := rows.Scan(&l.ID, &l.CampaignID, &tv, &recip, &l.Subject, &l.Body, &l.CreatedAt); err != nil {
				return err
			}
			l.TemplateVersionID = tv.Int64
			l.CreatedAt = l.CreatedAt.UTC()
			if err := json.Unmarshal(recip, &l.Recipient); err != nil {
				return fmt.Errorf("letter %d recipient: %w", l.ID, err)
			}
			index[l.ID] = len(s.Letters)
			s.Letters = append(s.Letters, l)
			return nil
		}, s.ID); err != nil {
			return fmt.Errorf("letters: %w", err)
		}
		if len(s.Letters) == 0 {
			return nil
		}
		// By the letters' ids: one index seek each, whatever the planner
		// thinks of a join on tables that just grew (PostgreSQL's
		// statistics lag behind bulk loads).
		ids := make([]any, len(s.Letters))
		for i, l := range s.Letters {
			ids[i] = l.ID
		}
		return scanAll(ctx, q, ss.rebind(`SELECT d.id, d.letter_id, d.channel, d.status, d.attempts, d.next_attempt_at,
			d.last_error, d.lease_owner, d.lease_until, d.message_id, d.sent_at, d.created_at, d.updated_at,
			d.to_address FROM deliveries d WHERE d.letter_id IN (`+inList(len(ids))+`) ORDER BY d.id`),
			func(rows *sql.Rows) error {
				var dl app.Delivery
				var next, lease, sent sql.NullTime
				if err := rows.Scan(&dl.ID, &dl.LetterID, &dl.Channel, &dl.Status, &dl.Attempts, &next, &dl.LastError,
					&dl.LeaseOwner, &lease, &dl.MessageID, &sent, &dl.CreatedAt, &dl.UpdatedAt, &dl.To); err != nil {
					return err
				}
				dl.NextAttemptAt, dl.LeaseUntil, dl.SentAt = nullTime(next), nullTime(lease), nullTime(sent)
				dl.CreatedAt, dl.UpdatedAt = dl.CreatedAt.UTC(), dl.UpdatedAt.UTC()
				l := &s.Letters[index[dl.LetterID]]
				l.Deliveries = append(l.Deliveries, dl)
				return nil
			}, ids...)
	}, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err, "find submission", submissionMsgs)
	}
	for i := range s.Letters {
		withDownload(&s.Letters[i])
	}
	return s, nil
}

// MarkDownloaded moves the submission's pending download deliveries to
// downloaded, stamping updated_at and sent_at (for a download, the moment it
// reached the supporter). ENOTFOUND for an unknown submission.
func (ss *Submissions) MarkDownloaded(ctx context.Context, submissionID int64, at time.Time) error {
	if at.IsZero() {
		at = ss.now()
	}
	at = dbTime(at)
	// Most views of the letters come after the first download: nothing is
	// pending, and a look on a reader spares the writer a transaction.
	var pending bool
	if err := pool(ss.r.WithContext(ctx)).QueryRowContext(ctx, ss.rebind(`SELECT EXISTS (SELECT 1 FROM letters l
		WHERE l.submission_id = ? AND NOT EXISTS (SELECT 1 FROM deliveries x
			WHERE x.letter_id = l.id AND x.channel = 'download' AND x.status <> 'pending'))`), submissionID).Scan(&pending); err != nil {
		return mapErr(err, "mark downloaded", submissionMsgs)
	}
	// Nothing changed: fine for a known submission, ENOTFOUND otherwise.
	unchanged := func() error {
		var one int
		err := pool(ss.r.WithContext(ctx)).QueryRowContext(ctx, ss.rebind("SELECT 1 FROM submissions WHERE id = ?"), submissionID).Scan(&one)
		return mapErr(err, "mark downloaded", submissionMsgs)
	}
	if !pending {
		return unchanged()
	}
	var n int
	err := ss.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		if err := ss.storePendingDownloads(ctx, q, "l.submission_id = ?", submissionID); err != nil {
			return err
		}
		picked, ids, err := ss.pickDeliveries(ctx, q, `FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE l.submission_id = ? AND d.channel = 'download' AND d.status = 'pending'`, false, submissionID)
		if err != nil {
			return err
		}
		var delta rollupDelta
		if err := ss.updateCounted(ctx, q, &delta, picked, ids, "status = ?, updated_at = ?, sent_at = ?",
			[]any{string(app.StatusDownloaded), at, at}, "", nil); err != nil {
			return err
		}
		n = len(ids)
		return ss.addRollups(ctx, q, &delta)
	})
	if err != nil {
		return mapErr(err, "mark downloaded", submissionMsgs)
	}
	if n > 0 {
		return nil
	}
	return unchanged()
}
