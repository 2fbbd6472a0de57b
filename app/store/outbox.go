package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Outbox keeps the deliveries on their way after the submission stored
// them: claims and leases, outcomes, retries, and the office letters that
// print packets and CWC read.
type Outbox struct {
	*engine
	subs *Submissions // the submission an email is about
}

// The outbox is the deliveries table: email and copy rows move
// queued/failed -> sending (leased by one worker) -> sent, filed, failed
// (retry later) or dead. The queries below are the only ones that change
// those rows after the submission wrote them, and every change a worker
// makes is guarded by its lease, so a worker whose lease expired cannot
// overwrite what another worker did since.

var outboxMsgs = msgs{notFound: "Delivery not found."}

// claimCols are the delivery columns returned by claims, in scan order.
const claimCols = "id, letter_id, channel, status, attempts, next_attempt_at, last_error, lease_owner, lease_until, " +
	"message_id, sent_at, created_at, updated_at, to_address"

// ClaimDeliveries leases up to limit due email and copy deliveries to owner
// until leaseUntil, marks them sending and counts the attempt. Due means
// queued or failed with next_attempt_at <= now, oldest first.
//
// On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so
// concurrent workers on several instances never get the same row; on
// SQLite the single writer connection serialises claims.
func (ob *Outbox) ClaimDeliveries(ctx context.Context, owner string, limit int, now, leaseUntil time.Time) ([]app.Delivery, error) {
	if owner == "" || limit <= 0 {
		return nil, app.Errorf(app.EINVALID, "a claim needs an owner and a positive limit")
	}
	now, leaseUntil = dbTime(now), dbTime(leaseUntil)
	var out []app.Delivery
	err := ob.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = out[:0]
		q := pool(tx)
		picked, ids, err := ob.pickDeliveries(ctx, q, `FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE d.status IN ('queued', 'failed') AND d.next_attempt_at <= ? AND d.channel IN ('email', 'copy')
			ORDER BY d.next_attempt_at, d.id LIMIT ?`, true, now, limit)
		if err != nil || len(ids) == 0 {
			return err
		}
		out, err = ob.leaseDeliveries(ctx, q, picked, ids, owner, now, leaseUntil)
		return err
	})
	if err != nil {
		return nil, mapErr(err, "claim deliveries", outboxMsgs)
	}
	// RETURNING gives no order; keep the claim's.
	sortDeliveries(out)
	return out, nil
}

// leaseDeliveries leases picked deliveries to owner (sending, one attempt
// counted), counts the moves and returns the rows as they are now.
func (ob *Outbox) leaseDeliveries(ctx context.Context, q querier, picked map[int64]countedDelivery, ids []int64,
	owner string, now, leaseUntil time.Time) ([]app.Delivery, error) {
	var out []app.Delivery
	var delta rollupDelta
	err := ob.updateCounted(ctx, q, &delta, picked, ids,
		"status = 'sending', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?",
		[]any{owner, leaseUntil, now}, claimCols, func(rows *sql.Rows) (int64, string, string, error) {
			dl, err := scanDelivery(rows)
			out = append(out, dl)
			return dl.ID, string(dl.Channel), string(dl.Status), err
		})
	if err != nil {
		return nil, err
	}
	return out, ob.addRollups(ctx, q, &delta)
}

func scanDelivery(rows *sql.Rows) (app.Delivery, error) {
	var dl app.Delivery
	var next, lease, sent sql.NullTime
	err := rows.Scan(&dl.ID, &dl.LetterID, &dl.Channel, &dl.Status, &dl.Attempts, &next, &dl.LastError,
		&dl.LeaseOwner, &lease, &dl.MessageID, &sent, &dl.CreatedAt, &dl.UpdatedAt, &dl.To)
	dl.NextAttemptAt, dl.LeaseUntil, dl.SentAt = nullTime(next), nullTime(lease), nullTime(sent)
	dl.CreatedAt, dl.UpdatedAt = dl.CreatedAt.UTC(), dl.UpdatedAt.UTC()
	return dl, err
}

func sortDeliveries(ds []app.Delivery) {
	less := func(a, b *app.Delivery) bool {
		an, bn := a.NextAttemptAt, b.NextAttemptAt
		switch {
		case an != nil && bn != nil && !an.Equal(*bn):
			return an.Before(*bn)
		case (an == nil) != (bn == nil):
			return an == nil
		}
		return a.ID < b.ID
	}
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && less(&ds[j], &ds[j-1]); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// ExtendLeases moves the lease of owner's deliveries ids to until and
// returns the ids it still holds (a lease that expired and was taken over
// is not extended: the worker must not send that row).
func (ob *Outbox) ExtendLeases(ctx context.Context, owner string, ids []int64, until time.Time) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{dbTime(until), owner}
	for _, id := range ids {
		args = append(args, id)
	}
	var held []int64
	err := ob.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		held = held[:0]
		return scanAll(ctx, pool(tx), ob.rebind(`UPDATE deliveries SET lease_until = ?
			WHERE lease_owner = ? AND status = 'sending' AND id IN (`+inList(len(ids))+`) RETURNING id`),
			func(rows *sql.Rows) error {
				var id int64
				err := rows.Scan(&id)
				held = append(held, id)
				return err
			}, args...)
	})
	if err != nil {
		return nil, mapErr(err, "extend leases", outboxMsgs)
	}
	return held, nil
}

// FinishDelivery records the outcome of an attempt on a delivery owner
// holds: dl.Status (sent, filed, failed, dead, or queued for a deferral),
// Attempts, NextAttemptAt, LastError, MessageID and SentAt. The lease is
// released. It reports false, changing nothing, when owner no longer holds
// the lease.
func (ob *Outbox) FinishDelivery(ctx context.Context, owner string, dl app.Delivery, at time.Time) (bool, error) {
	ok, err := ob.FinishDeliveries(ctx, owner, []app.Delivery{dl}, at)
	if err != nil {
		return false, err
	}
	return ok[0], nil
}

// FinishDeliveries records several outcomes as FinishDelivery does, in one
// transaction: a worker records a batch with one commit instead of one per
// message, which keeps the single SQLite writer free for submissions.
// ok[i] reports whether owner still held dls[i]. Nothing is recorded when
// one of them is invalid or the transaction fails.
func (ob *Outbox) FinishDeliveries(ctx context.Context, owner string, dls []app.Delivery, at time.Time) ([]bool, error) {
	for _, dl := range dls {
		switch dl.Status {
		case app.StatusSent, app.StatusFiled, app.StatusFailed, app.StatusDead, app.StatusQueued:
		default:
			return nil, app.Errorf(app.EINVALID, "a delivery cannot finish as %q", dl.Status)
		}
	}
	ok := make([]bool, len(dls))
	if len(dls) == 0 {
		return ok, nil
	}
	// One statement for the whole group, and one commit.
	const cols = 7
	var upd strings.Builder
	upd.WriteString(`UPDATE deliveries SET status = v.column2, attempts = v.column3, next_attempt_at = v.column4,
		last_error = v.column5, message_id = v.column6, sent_at = v.column7,
		lease_owner = '', lease_until = NULL, updated_at = ?
		FROM (VALUES `)
	args := make([]any, 0, 2+cols*len(dls))
	args = append(args, dbTime(at))
	index := make(map[int64]int, len(dls))
	for i, dl := range dls {
		if i > 0 {
			upd.WriteString(", ")
		}
		if i == 0 {
			t := ob.dialect.typed
			upd.WriteString("(" + strings.Join([]string{t("bigint"), t("text"), t("integer"), t("timestamptz"), t("text"), t("text"),
				t("timestamptz")}, ", ") + ")")
		} else {
			upd.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		}
		args = append(args, dl.ID, string(dl.Status), dl.Attempts, timeArg(dl.NextAttemptAt),
			cutText(dl.LastError, 1000), dl.MessageID, timeArg(dl.SentAt))
		index[dl.ID] = i
	}
	upd.WriteString(`) AS v
		WHERE deliveries.id = v.column1 AND deliveries.lease_owner = ? AND deliveries.status = 'sending'
		RETURNING deliveries.id, deliveries.channel, deliveries.status`)
	args = append(args, owner)
	ids := make([]any, 0, len(dls))
	for id := range index {
		ids = append(ids, id)
	}
	err := ob.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		clear(ok)
		q := pool(tx)
		picked, _, err := ob.pickDeliveries(ctx, q, `FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE d.id IN (`+inList(len(ids))+`) AND d.lease_owner = ? AND d.status = 'sending'`, false, append(slices.Clone(ids), owner)...)
		if err != nil {
			return err
		}
		var delta rollupDelta
		err = scanAll(ctx, q, ob.rebind(upd.String()), func(rows *sql.Rows) error {
			var id int64
			var channel, status string
			if err := rows.Scan(&id, &channel, &status); err != nil {
				return err
			}
			if i, found := index[id]; found {
				ok[i] = true
			}
			if was, found := picked[id]; found {
				delta.moved(was, channel, status)
			}
			return nil
		}, args...)
		if err != nil {
			return err
		}
		return ob.addRollups(ctx, q, &delta)
	})
	if err != nil {
		return nil, mapErr(err, "finish delivery", outboxMsgs)
	}
	return ok, nil
}

// ReleaseLeases returns to the queue (as failed, due at once) the
// deliveries left sending by a worker that stopped: those whose lease
// expired before now and, when owner is not empty, all of owner's (a
// restarting instance that reuses its name). It returns how many it freed.
func (ob *Outbox) ReleaseLeases(ctx context.Context, owner string, now time.Time) (int64, error) {
	now = dbTime(now)
	cond := "d.lease_until <= ?"
	args := []any{now}
	if owner != "" {
		cond = "(d.lease_until <= ? OR d.lease_owner = ?)"
		args = append(args, owner)
	}
	n, err := ob.changeDeliveries(ctx, "WHERE d.status = 'sending' AND "+cond, args,
		`status = 'failed', lease_owner = '', lease_until = NULL, next_attempt_at = ?, updated_at = ?,
		last_error = 'the worker sending it stopped; trying again'`, now, now)
	return n, mapErr(err, "release leases", outboxMsgs)
}

// ExpireUnconfirmed marks as expired the office emails whose supporter did
// not confirm by their deadline (kept in next_attempt_at).
func (ob *Outbox) ExpireUnconfirmed(ctx context.Context, now time.Time) (int64, error) {
	now = dbTime(now)
	n, err := ob.changeDeliveries(ctx, "WHERE d.status = 'unconfirmed' AND d.next_attempt_at <= ?", []any{now},
		"status = 'expired', updated_at = ?, last_error = 'not confirmed in time'", now)
	return n, mapErr(err, "expire unconfirmed deliveries", outboxMsgs)
}

// FindSubmissionByLetter loads the submission a letter belongs to, with all
// its letters and deliveries, so a worker can compose an email about it.
func (ob *Outbox) FindSubmissionByLetter(ctx context.Context, letterID int64) (*app.Submission, error) {
	return ob.subs.findSubmission(ctx, "s.id = (SELECT submission_id FROM letters WHERE id = ?)", letterID)
}

// OutboxCount is how many deliveries of one channel are in one status.
type OutboxCount struct {
	Channel app.Channel
	Status  app.DeliveryStatus
	Count   int64
}

// OutboxStats counts deliveries by channel and status, for `advocate outbox`.
func (ob *Outbox) OutboxStats(ctx context.Context) ([]OutboxCount, error) {
	var out []OutboxCount
	err := scanAll(ctx, pool(ob.r.WithContext(ctx)), `SELECT channel, status, COUNT(*) FROM `+allDeliveries+` dl
		GROUP BY channel, status ORDER BY channel, status`, func(rows *sql.Rows) error {
		var c OutboxCount
		err := rows.Scan(&c.Channel, &c.Status, &c.Count)
		out = append(out, c)
		return err
	})
	return out, mapErr(err, "outbox stats", outboxMsgs)
}

// RetryDead puts dead email and copy deliveries back in the queue (all of
// them, or only ids), with their attempts reset, for `advocate outbox
// retry` after the operator fixed the cause.
func (ob *Outbox) RetryDead(ctx context.Context, ids []int64, now time.Time) (int64, error) {
	now = dbTime(now)
	where := "WHERE d.status = 'dead' AND d.channel IN ('email', 'copy')"
	var args []any
	if len(ids) > 0 {
		where += " AND d.id IN (" + inList(len(ids)) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	n, err := ob.changeDeliveries(ctx, where, args,
		"status = 'queued', attempts = 0, next_attempt_at = ?, updated_at = ?, last_error = ''", now, now)
	return n, mapErr(err, "retry dead deliveries", outboxMsgs)
}

// letterScope is the WHERE clause shared by office tallies and pages:
// letters of a campaign from confirmed, not erased supporters, optionally
// of some target kinds only.
func letterScope(kinds []app.TargetKind) (string, []any) {
	where := `l.campaign_id = ? AND s.confirmed_at IS NOT NULL AND p.erased_at IS NULL`
	var args []any
	if len(kinds) > 0 {
		where += " AND l.target_kind IN (" + inList(len(kinds)) + ")"
		for _, k := range kinds {
			args = append(args, string(k))
		}
	}
	return where, args
}

// OfficeTallies counts a campaign's letters per office (target key), in
// target key order. kinds limits the target kinds (none: all).
func (ob *Outbox) OfficeTallies(ctx context.Context, campaignID int64, kinds []app.TargetKind) ([]app.OfficeTally, error) {
	where, extra := letterScope(kinds)
	args := append([]any{campaignID}, extra...)
	var out []app.OfficeTally
	err := ob.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = out[:0]
		return scanAll(ctx, pool(tx), ob.rebind(`SELECT l.target_key, COUNT(*), MIN(l.created_at), MAX(l.created_at)
			FROM letters l JOIN submissions s ON s.id = l.submission_id JOIN supporters p ON p.id = s.supporter_id
			WHERE `+where+` GROUP BY l.target_key ORDER BY l.target_key`), func(rows *sql.Rows) error {
			var t app.OfficeTally
			var first, last timeValue
			if err := rows.Scan(&t.TargetKey, &t.Letters, &first, &last); err != nil {
				return err
			}
			t.First, t.Last = first.t.UTC(), last.t.UTC()
			out = append(out, t)
			return nil
		}, args...)
	}, &sql.TxOptions{ReadOnly: true})
	return out, mapErr(err, "office tallies", outboxMsgs)
}

// ListOfficeLetters returns the next page of letters in (target key, id)
// order, each as a submission holding the supporter and that one letter
// (with its deliveries), so an export can stream tens of thousands of
// letters without holding them all. Only confirmed, not erased supporters'
// letters are listed.
func (ob *Outbox) ListOfficeLetters(ctx context.Context, pg app.LetterPage) ([]app.Submission, error) {
	if pg.Limit <= 0 {
		pg.Limit = 200
	}
	pg.Limit = min(pg.Limit, 1000)
	where, extra := letterScope(pg.Kinds)
	args := append([]any{pg.CampaignID}, extra...)
	where += " AND (l.target_key > ? OR (l.target_key = ? AND l.id > ?))"
	args = append(args, pg.AfterKey, pg.AfterKey, pg.AfterID, pg.Limit)
	var out []app.Submission
	err := ob.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = out[:0]
		q := pool(tx)
		err := scanAll(ctx, q, ob.rebind(`SELECT l.id, l.campaign_id, l.template_version_id, l.recipient, l.subject, l.body,
				l.created_at, s.id, s.token, s.personal_message, s.confirm_token, s.confirmed_at, s.created_at,
				p.id, p.first_name, p.last_name, p.email, p.address1, p.address2, p.city, p.state, p.zip, p.contact_ok, p.prefix
			FROM letters l JOIN submissions s ON s.id = l.submission_id JOIN supporters p ON p.id = s.supporter_id
			WHERE `+where+` ORDER BY l.target_key, l.id LIMIT ?`), func(rows *sql.Rows) error {
			var s app.Submission
			var l app.Letter
			var tv sql.NullInt64
			var recip []byte
			var confirmed sql.NullTime
			p := &s.Supporter
			if err := rows.Scan(&l.ID, &l.CampaignID, &tv, &recip, &l.Subject, &l.Body, &l.CreatedAt,
				&s.ID, &s.Token, &s.PersonalMessage, &s.ConfirmToken, &confirmed, &s.CreatedAt,
				&p.ID, &p.FirstName, &p.LastName, &p.Email, &p.Address1, &p.Address2, &p.City, &p.State, &p.Zip,
				&p.ContactOK, &p.Prefix); err != nil {
				return err
			}
			if err := json.Unmarshal(recip, &l.Recipient); err != nil {
				return fmt.Errorf("letter %d recipient: %w", l.ID, err)
			}
			l.TemplateVersionID = tv.Int64
			l.CreatedAt, s.CreatedAt = l.CreatedAt.UTC(), s.CreatedAt.UTC()
			l.SubmissionID, s.CampaignID = s.ID, l.CampaignID
			s.ConfirmedAt = nullTime(confirmed)
			s.Letters = []app.Letter{l}
			out = append(out, s)
			return nil
		}, args...)
		if err != nil || len(out) == 0 {
			return err
		}
		index := make(map[int64]int, len(out))
		ids := make([]any, len(out))
		for i := range out {
			index[out[i].Letters[0].ID] = i
			ids[i] = out[i].Letters[0].ID
		}
		return scanAll(ctx, q, ob.rebind(`SELECT `+claimCols+` FROM deliveries WHERE letter_id IN (`+inList(len(ids))+`)
			ORDER BY id`), func(rows *sql.Rows) error {
			dl, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			l := &out[index[dl.LetterID]].Letters[0]
			l.Deliveries = append(l.Deliveries, dl)
			return nil
		}, ids...)
	}, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err, "list office letters", outboxMsgs)
	}
	for i := range out {
		withDownload(&out[i].Letters[0])
	}
	return out, nil
}

// RecordCWCDelivery stores the outcome of sending a letter to CWC (one row
// per letter, updated on a retry): status sent or failed, the CWC delivery
// id as message id, and the error text if any.
func (ob *Outbox) RecordCWCDelivery(ctx context.Context, letterID int64, status app.DeliveryStatus, deliveryID, lastErr string, at time.Time) error {
	at = dbTime(at)
	var sent any
	if status == app.StatusSent {
		sent = at
	}
	err := ob.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		var delta rollupDelta
		picked, ids, err := ob.pickDeliveries(ctx, q, `FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE d.letter_id = ? AND d.channel = 'cwc' AND d.status <> 'sent'`, false, letterID)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			if err := ob.updateCounted(ctx, q, &delta, picked, ids,
				"status = ?, attempts = attempts + 1, last_error = ?, message_id = ?, sent_at = ?, updated_at = ?",
				[]any{string(status), cutText(lastErr, 1000), deliveryID, sent, at}, "", nil); err != nil {
				return err
			}
			return ob.addRollups(ctx, q, &delta)
		}
		var id int64
		err = q.QueryRowContext(ctx, ob.rebind(`INSERT INTO deliveries (letter_id, channel, status, attempts, next_attempt_at,
			last_error, lease_owner, lease_until, message_id, sent_at, created_at, updated_at, to_address)
			VALUES (?, 'cwc', ?, 1, NULL, ?, '', NULL, ?, ?, ?, ?, '')
			ON CONFLICT (letter_id) WHERE channel = 'cwc' DO NOTHING RETURNING id`),
			letterID, string(status), cutText(lastErr, 1000), deliveryID, sent, at, at).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // recorded already (a retry after a lost answer)
		}
		if err != nil {
			return err
		}
		if err := ob.countAdded(ctx, q, &delta, letterID, "cwc", string(status)); err != nil {
			return err
		}
		return ob.addRollups(ctx, q, &delta)
	})
	return mapErr(err, "record CWC delivery", outboxMsgs)
}

// DeliveryCounts is OutboxStats in domain types, for the web layer.
func (ob *Outbox) DeliveryCounts(ctx context.Context) ([]app.DeliveryCount, error) {
	stats, err := ob.OutboxStats(ctx)
	out := make([]app.DeliveryCount, 0, len(stats))
	for _, s := range stats {
		out = append(out, app.DeliveryCount{Channel: s.Channel, Status: s.Status, Count: s.Count})
	}
	return out, err
}
