package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// subReq is one CreateSubmission waiting for the group commit. The batcher
// works on a private copy (s) so that a caller who gives up (context
// cancelled) never races with it; the caller copies the result back.
type subReq struct {
	ctx context.Context
	s   *app.Submission
	// unstored is per letter the index of its delivery that is not stored
	// (virtualDownload), or -1, found by the caller.
	unstored []int
	// The INSERT values of the submission's rows (rows.go) and its rollup
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
func (d *DB) CreateSubmission(ctx context.Context, s *app.Submission) (bool, error) {
	if s == nil || s.CampaignID <= 0 || s.Token == "" || s.DedupKey == "" {
		return false, app.Errorf(app.EINVALID, "the submission is incomplete (campaign, token and dedup key are required)")
	}
	if err := ctx.Err(); err != nil {
		return false, mapErr(err, "create submission", submissionMsgs)
	}
	r, err := d.prepareSubmission(ctx, s)
	if err != nil {
		return false, err
	}
	if err := d.subs.enqueue(ctx, r); err != nil {
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
		existing, err := d.findSubmission(ctx, "s.campaign_id = ? AND s.dedup_key = ?", s.CampaignID, s.DedupKey)
		if err != nil {
			return false, err
		}
		*s = *existing
		return false, nil
	}
	*s = *r.s
	return true, nil
}

// prepareSubmission copies s with times normalised and defaults filled,
// and encodes the recipient snapshots, in the caller's goroutine so that the
// single writer does as little as possible.
func (d *DB) prepareSubmission(ctx context.Context, s *app.Submission) (*subReq, error) {
	c := *s
	c.ID = 0
	if c.CreatedAt = dbTime(s.CreatedAt); c.CreatedAt.IsZero() {
		c.CreatedAt = d.now()
	}
	c.Supporter.ID = 0
	if c.Supporter.CreatedAt = dbTime(s.Supporter.CreatedAt); c.Supporter.CreatedAt.IsZero() {
		c.Supporter.CreatedAt = c.CreatedAt
	}
	c.Supporter.ErasedAt = dbTimePtr(s.Supporter.ErasedAt)
	c.ConfirmedAt = dbTimePtr(s.ConfirmedAt)
	if c.ConfirmToken == "" && c.ConfirmedAt == nil {
		// Nothing to confirm: the submission counts from the start.
		at := c.CreatedAt
		c.ConfirmedAt = &at
	}
	if s.District != nil {
		dk := *s.District
		c.District = &dk
	}
	r := &subReq{ctx: ctx, s: &c, done: make(chan struct{}), unstored: make([]int, len(s.Letters))}
	recips := make([]string, len(s.Letters))
	c.Letters = make([]app.Letter, len(s.Letters))
	for i := range s.Letters {
		l := s.Letters[i]
		l.ID, l.SubmissionID, l.CampaignID = 0, 0, c.CampaignID
		if l.CreatedAt = dbTime(l.CreatedAt); l.CreatedAt.IsZero() {
			l.CreatedAt = c.CreatedAt
		}
		b, err := json.Marshal(l.Recipient)
		if err != nil {
			return nil, fmt.Errorf("store: encode recipient: %w", err)
		}
		recips[i] = string(b)
		dels := make([]app.Delivery, len(l.Deliveries))
		for j, dl := range l.Deliveries {
			dl.ID, dl.LetterID = 0, 0
			if dl.Status == "" {
				dl.Status = app.StatusPending
			}
			if dl.CreatedAt = dbTime(dl.CreatedAt); dl.CreatedAt.IsZero() {
				dl.CreatedAt = l.CreatedAt
			}
			if dl.UpdatedAt = dbTime(dl.UpdatedAt); dl.UpdatedAt.IsZero() {
				dl.UpdatedAt = dl.CreatedAt
			}
			dl.NextAttemptAt = dbTimePtr(dl.NextAttemptAt)
			dl.LeaseUntil = dbTimePtr(dl.LeaseUntil)
			dl.SentAt = dbTimePtr(dl.SentAt)
			dels[j] = dl
		}
		l.Deliveries = dels
		if !slices.ContainsFunc(l.Deliveries, func(d app.Delivery) bool { return d.Channel == app.ChannelDownload }) {
			// Every letter has a download delivery (downloads.go).
			l.Deliveries = append([]app.Delivery{pendingDownload(0, l.CreatedAt)}, l.Deliveries...)
		}
		r.unstored[i] = virtualDownload(&l)
		c.Letters[i] = l
	}
	tt := d.newTimeArgs()
	r.rows = newSubRows(&c, recips, r.unstored, tt)
	r.stats = statAdds(&c, tt)
	return r, nil
}

var (
	supporterCols = []string{"id", "first_name", "last_name", "email", "address1", "address2", "city", "state",
		"zip", "lat", "lon", "contact_ok", "erased_at", "created_at", "prefix"}
	submissionCols = []string{"id", "campaign_id", "supporter_id", "token", "dedup_key", "personal_message",
		"district_state", "district_number", "created_at", "confirm_token", "confirmed_at", "day", "state"}
	letterCols = []string{"id", "submission_id", "campaign_id", "template_version_id", "recipient", "target_key",
		"target_kind", "bioguide_id", "state", "district", "subject", "body", "created_at", "day", "from_state"}
	deliveryCols = []string{"id", "letter_id", "channel", "status", "attempts", "next_attempt_at", "last_error",
		"lease_owner", "lease_until", "message_id", "sent_at", "created_at", "updated_at", "to_address"}
)

// writeSubmissions stores a batch in one transaction. Duplicates within the
// batch keep the first; duplicates of stored rows are detected by the
// unique (campaign_id, dedup_key) index with ON CONFLICT DO NOTHING, which
// also settles races between PostgreSQL instances. IDs are allocated up front
// (a MAX(id) under SQLite's exclusive write lock, sequences on PostgreSQL) so
// multi-row INSERTs need not rely on the order of RETURNING rows.
func (d *DB) writeSubmissions(reqs []*subReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := d.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return d.insertSubmissions(ctx, d.cachedTx(tx), reqs)
	})
	if err == nil {
		if perr := d.stmts.prepareWanted(ctx); perr != nil {
			d.log.Warn("preparing statements", "err", perr)
		}
	}
	return err
}

type dedupKey struct {
	campaign int64
	key      string
}

func (d *DB) insertSubmissions(ctx context.Context, q querier, reqs []*subReq) error {
	fresh := make([]*subReq, 0, len(reqs))
	seen := make(map[dedupKey]bool, len(reqs))
	nLetters, nDels := 0, 0
	for _, r := range reqs {
		k := dedupKey{r.s.CampaignID, r.s.DedupKey}
		r.dup = seen[k]
		if !r.dup {
			seen[k] = true
			fresh = append(fresh, r)
			nLetters += len(r.s.Letters)
			for i := range r.s.Letters {
				nDels += len(r.s.Letters[i].Deliveries)
				if r.unstored[i] >= 0 {
					nDels--
				}
			}
		}
	}
	// A fixed order of unique-index inserts keeps two PostgreSQL batches
	// with overlapping keys from deadlocking.
	slices.SortFunc(fresh, func(a, b *subReq) int {
		return cmp.Or(cmp.Compare(a.s.CampaignID, b.s.CampaignID), cmp.Compare(a.s.DedupKey, b.s.DedupKey))
	})
	// All ids in one step (one round trip on PostgreSQL). Those of
	// duplicates found below go unused: a gap in a sequence, or on SQLite
	// nothing, since MAX(id) is read again by the next batch.
	ids, err := d.allocIDs(ctx, q, []string{"supporters", "submissions", "letters", "deliveries"},
		[]int{len(fresh), len(fresh), nLetters, nDels})
	if err != nil {
		return fmt.Errorf("allocate ids: %w", err)
	}
	li, di := 0, 0
	for i, r := range fresh {
		s := r.s
		s.Supporter.ID, s.ID = ids[0][i], ids[1][i]
		for j := range s.Letters {
			l := &s.Letters[j]
			l.ID, l.SubmissionID = ids[2][li], s.ID
			li++
			for k := range l.Deliveries {
				dl := &l.Deliveries[k]
				dl.LetterID = l.ID
				if k == r.unstored[j] {
					continue // not stored (downloads.go): no id
				}
				dl.ID = ids[3][di]
				di++
			}
		}
	}

	if err := d.insertChunked(ctx, q, "supporters", supporterCols, len(fresh), func(i int, a []any) []any {
		return append(a, fresh[i].rows.supporter(fresh[i].s)...)
	}); err != nil {
		return fmt.Errorf("insert supporters: %w", err)
	}

	inserted := make(map[int64]bool, len(fresh))
	start := 0
	var args []any
	for _, size := range chunkSizes(len(fresh), d.maxParams()/len(submissionCols)) {
		args = args[:0]
		for _, r := range fresh[start : start+size] {
			args = append(args, r.rows.submission(r.s)...)
		}
		start += size
		if err := scanAll(ctx, q, d.hotInsertSQL("submissions", submissionCols, size, onConflictReturning),
			func(rows *sql.Rows) error {
				var id int64
				err := rows.Scan(&id)
				inserted[id] = true
				return err
			}, args...); err != nil {
			return fmt.Errorf("insert submissions: %w", err)
		}
	}

	type letterRef struct {
		r *subReq
		i int
	}
	type deliveryRef struct {
		r    *subReq
		i, j int
	}
	letters := make([]letterRef, 0, nLetters)
	dels := make([]deliveryRef, 0, nDels)
	var orphans []any
	for _, r := range fresh {
		if !inserted[r.s.ID] {
			r.dup = true
			orphans = append(orphans, r.s.Supporter.ID)
			continue
		}
		for i := range r.s.Letters {
			letters = append(letters, letterRef{r, i})
			for j := range r.s.Letters[i].Deliveries {
				if r.s.Letters[i].Deliveries[j].ID != 0 {
					dels = append(dels, deliveryRef{r, i, j})
				}
			}
		}
	}
	if len(orphans) > 0 {
		if _, err := q.ExecContext(ctx, d.rebind("DELETE FROM supporters WHERE id IN ("+inList(len(orphans))+")"),
			orphans...); err != nil {
			return fmt.Errorf("drop duplicate supporters: %w", err)
		}
	}
	if err := d.insertChunked(ctx, q, "letters", letterCols, len(letters), func(k int, a []any) []any {
		ref := letters[k]
		return append(a, ref.r.rows.letter(ref.r.s, ref.i)...)
	}); err != nil {
		return fmt.Errorf("insert letters: %w", err)
	}
	if err := d.insertChunked(ctx, q, "deliveries", deliveryCols, len(dels), func(k int, a []any) []any {
		ref := dels[k]
		return append(a, ref.r.rows.delivery(ref.r.s, ref.i, ref.j)...)
	}); err != nil {
		return fmt.Errorf("insert deliveries: %w", err)
	}
	// The batch's counts, summed (rollups.go).
	var delta rollupDelta
	for _, r := range fresh {
		if !r.dup {
			delta.addAll(r.stats)
		}
	}
	return delta.apply(ctx, d, q)
}

// onConflictReturning makes a duplicate (campaign, dedup key) a no-op and
// reports the rows that were inserted.
const onConflictReturning = "ON CONFLICT (campaign_id, dedup_key) DO NOTHING RETURNING id"

// allocIDs reserves counts[i] new ids for tables[i]. On SQLite the caller
// holds the write lock, so MAX(id)+1... is free; on PostgreSQL the ids come
// from the tables' identity sequences in one round trip.
func (d *DB) allocIDs(ctx context.Context, q querier, tables []string, counts []int) ([][]int64, error) {
	out := make([][]int64, len(tables))
	if d.dialect != DialectPostgres {
		// One statement reads every MAX(id): each is a single b-tree seek.
		parts := make([]string, len(tables))
		for i, t := range tables {
			parts[i] = "(SELECT COALESCE(MAX(id), 0) FROM " + t + ")"
		}
		last := make([]int64, len(tables))
		dest := make([]any, len(tables))
		for i := range last {
			dest[i] = &last[i]
		}
		if err := q.QueryRowContext(ctx, "SELECT "+strings.Join(parts, ", ")).Scan(dest...); err != nil {
			return nil, err
		}
		for i := range tables {
			out[i] = make([]int64, counts[i])
			for j := range out[i] {
				out[i][j] = last[i] + 1 + int64(j)
			}
		}
		return out, nil
	}
	query := ""
	var args []any
	for i, t := range tables {
		out[i] = make([]int64, 0, counts[i])
		if counts[i] == 0 {
			continue
		}
		if query != "" {
			query += " UNION ALL "
		}
		query += fmt.Sprintf("SELECT %d, nextval('%s_id_seq') FROM generate_series(1, ?::int)", i, t)
		args = append(args, counts[i])
	}
	if query == "" {
		return out, nil
	}
	err := scanAll(ctx, q, d.rebind(query), func(rows *sql.Rows) error {
		var i int
		var id int64
		if err := rows.Scan(&i, &id); err != nil {
			return err
		}
		out[i] = append(out[i], id)
		return nil
	}, args...)
	if err != nil {
		return nil, err
	}
	for i := range tables {
		if len(out[i]) != counts[i] {
			return nil, fmt.Errorf("store: allocated %d ids for %s, want %d", len(out[i]), tables[i], counts[i])
		}
	}
	return out, nil
}

// FindSubmissionByToken loads a submission with its supporter, letters and
// deliveries (ENOTFOUND for an unknown token).
func (d *DB) FindSubmissionByToken(ctx context.Context, token string) (*app.Submission, error) {
	if token == "" {
		return nil, app.Errorf(app.ENOTFOUND, "%s", submissionMsgs.notFound)
	}
	return d.findSubmission(ctx, "s.token = ?", token)
}

// findSubmission loads one submission matching where, from one snapshot.
func (d *DB) findSubmission(ctx context.Context, where string, args ...any) (*app.Submission, error) {
	s := &app.Submission{}
	err := d.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		p := &s.Supporter
		var dstate sql.NullString
		var dnum sql.NullInt64
		var lat, lon sql.NullFloat64
		var erased, confirmed sql.NullTime
		err := q.QueryRowContext(ctx, d.rebind(`SELECT s.id, s.campaign_id, s.token, s.dedup_key, s.personal_message,
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
		if err := scanAll(ctx, q, d.rebind(`SELECT id, campaign_id, template_version_id, recipient, subject, body,
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
		return scanAll(ctx, q, d.rebind(`SELECT d.id, d.letter_id, d.channel, d.status, d.attempts, d.next_attempt_at,
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

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// MarkDownloaded moves the submission's pending download deliveries to
// downloaded, stamping updated_at and sent_at (for a download, the moment it
// reached the supporter). ENOTFOUND for an unknown submission.
func (d *DB) MarkDownloaded(ctx context.Context, submissionID int64, at time.Time) error {
	if at.IsZero() {
		at = d.now()
	}
	at = dbTime(at)
	// Most views of the letters come after the first download: nothing is
	// pending, and a look on a reader spares the writer a transaction.
	var pending bool
	if err := pool(d.r.WithContext(ctx)).QueryRowContext(ctx, d.rebind(`SELECT EXISTS (SELECT 1 FROM letters l
		WHERE l.submission_id = ? AND NOT EXISTS (SELECT 1 FROM deliveries x
			WHERE x.letter_id = l.id AND x.channel = 'download' AND x.status <> 'pending'))`), submissionID).Scan(&pending); err != nil {
		return mapErr(err, "mark downloaded", submissionMsgs)
	}
	// Nothing changed: fine for a known submission, ENOTFOUND otherwise.
	unchanged := func() error {
		var one int
		err := pool(d.r.WithContext(ctx)).QueryRowContext(ctx, d.rebind("SELECT 1 FROM submissions WHERE id = ?"), submissionID).Scan(&one)
		return mapErr(err, "mark downloaded", submissionMsgs)
	}
	if !pending {
		return unchanged()
	}
	var n int
	err := d.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		if err := d.storePendingDownloads(ctx, q, "l.submission_id = ?", submissionID); err != nil {
			return err
		}
		picked, ids, err := d.pickDeliveries(ctx, q, `FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE l.submission_id = ? AND d.channel = 'download' AND d.status = 'pending'`, false, submissionID)
		if err != nil {
			return err
		}
		var delta rollupDelta
		if err := d.updateCounted(ctx, q, &delta, picked, ids, "status = ?, updated_at = ?, sent_at = ?",
			[]any{string(app.StatusDownloaded), at, at}, "", nil); err != nil {
			return err
		}
		n = len(ids)
		return delta.apply(ctx, d, q)
	})
	if err != nil {
		return mapErr(err, "mark downloaded", submissionMsgs)
	}
	if n > 0 {
		return nil
	}
	return unchanged()
}
