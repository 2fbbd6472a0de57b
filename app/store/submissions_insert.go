package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// subRows holds the INSERT values of one submission's rows, in the column
// order of supporterCols, submissionCols, letterCols and deliveryCols. The
// caller's goroutine builds them (prepareSubmission), times formatted and
// values boxed; the single writer only writes the ids in, which it
// allocates per batch. A row is overwritten in place, which is safe: the
// request that owns it waits until the writer is done with it.
type subRows struct {
	sup, sub []any
	letters  [][]any
	dels     [][][]any // per letter and delivery; nil for one not stored
}

func newSubRows(s *app.Submission, recips []string, unstored []int, tt *timeArgs) subRows {
	p := &s.Supporter
	var dstate, dnum any
	if s.District != nil {
		dstate, dnum = s.District.State, int64(s.District.District)
	}
	rows := subRows{
		sup: []any{p.ID, p.FirstName, p.LastName, p.Email, p.Address1, p.Address2, p.City, p.State, p.Zip,
			nullFloat(p.Lat), nullFloat(p.Lon), p.ContactOK, tt.opt(p.ErasedAt), tt.arg(p.CreatedAt), p.Prefix},
		sub: []any{s.ID, s.CampaignID, p.ID, s.Token, s.DedupKey, s.PersonalMessage,
			dstate, dnum, tt.arg(s.CreatedAt), s.ConfirmToken, tt.opt(s.ConfirmedAt), tt.day(s.CreatedAt), statState(s)},
		letters: make([][]any, len(s.Letters)),
		dels:    make([][][]any, len(s.Letters)),
	}
	for i := range s.Letters {
		l := &s.Letters[i]
		var tv any
		if l.TemplateVersionID != 0 {
			tv = l.TemplateVersionID
		}
		t := &l.Recipient
		rows.letters[i] = []any{l.ID, l.SubmissionID, l.CampaignID, tv, recips[i], t.Key, string(t.Kind),
			t.BioguideID, t.State, nullInt(t.District), l.Subject, l.Body, tt.arg(l.CreatedAt),
			tt.day(l.CreatedAt), statState(s)}
		rows.dels[i] = make([][]any, len(l.Deliveries))
		for j := range l.Deliveries {
			if j == unstored[i] {
				continue
			}
			dl := &l.Deliveries[j]
			rows.dels[i][j] = []any{dl.ID, dl.LetterID, string(dl.Channel), string(dl.Status), dl.Attempts,
				tt.opt(dl.NextAttemptAt), dl.LastError, dl.LeaseOwner, tt.opt(dl.LeaseUntil), dl.MessageID,
				tt.opt(dl.SentAt), tt.arg(dl.CreatedAt), tt.arg(dl.UpdatedAt), dl.To}
		}
	}
	return rows
}

// supporter returns the supporter's values with its id.
func (r *subRows) supporter(s *app.Submission) []any {
	r.sup[0] = s.Supporter.ID
	return r.sup
}

// submission returns the submission's values with its and its supporter's
// ids.
func (r *subRows) submission(s *app.Submission) []any {
	r.sub[0], r.sub[2] = s.ID, s.Supporter.ID
	return r.sub
}

// letter returns letter i's values with its and its submission's ids.
func (r *subRows) letter(s *app.Submission, i int) []any {
	l := &s.Letters[i]
	r.letters[i][0], r.letters[i][1] = l.ID, l.SubmissionID
	return r.letters[i]
}

// delivery returns the values of letter i's delivery j with its and its
// letter's ids.
func (r *subRows) delivery(s *app.Submission, i, j int) []any {
	dl := &s.Letters[i].Deliveries[j]
	row := r.dels[i][j]
	row[0], row[1] = dl.ID, dl.LetterID
	return row
}

// prepareSubmission copies s with times normalised and defaults filled,
// and encodes the recipient snapshots, in the caller's goroutine so that the
// single writer does as little as possible.
func (ss *Submissions) prepareSubmission(ctx context.Context, s *app.Submission) (*subReq, error) {
	c := *s
	c.ID = 0
	if c.CreatedAt = dbTime(s.CreatedAt); c.CreatedAt.IsZero() {
		c.CreatedAt = ss.now()
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
	tt := ss.newTimeArgs()
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
func (ss *Submissions) writeSubmissions(reqs []*subReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := ss.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return ss.insertSubmissions(ctx, ss.cachedTx(tx), reqs)
	})
	if err == nil {
		if perr := ss.stmts.prepareWanted(ctx); perr != nil {
			ss.log.Warn("preparing statements", "err", perr)
		}
	}
	return err
}

type dedupKey struct {
	campaign int64
	key      string
}

func (ss *Submissions) insertSubmissions(ctx context.Context, q querier, reqs []*subReq) error {
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
	ids, err := ss.dialect.allocIDs(ctx, q, []string{"supporters", "submissions", "letters", "deliveries"},
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

	if err := ss.insertChunked(ctx, q, "supporters", supporterCols, len(fresh), func(i int, a []any) []any {
		return append(a, fresh[i].rows.supporter(fresh[i].s)...)
	}); err != nil {
		return fmt.Errorf("insert supporters: %w", err)
	}

	inserted := make(map[int64]bool, len(fresh))
	start := 0
	var args []any
	for _, size := range chunkSizes(len(fresh), ss.maxParams()/len(submissionCols)) {
		args = args[:0]
		for _, r := range fresh[start : start+size] {
			args = append(args, r.rows.submission(r.s)...)
		}
		start += size
		if err := scanAll(ctx, q, ss.hotInsertSQL("submissions", submissionCols, size, onConflictReturning),
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
		if _, err := q.ExecContext(ctx, ss.rebind("DELETE FROM supporters WHERE id IN ("+inList(len(orphans))+")"),
			orphans...); err != nil {
			return fmt.Errorf("drop duplicate supporters: %w", err)
		}
	}
	if err := ss.insertChunked(ctx, q, "letters", letterCols, len(letters), func(k int, a []any) []any {
		ref := letters[k]
		return append(a, ref.r.rows.letter(ref.r.s, ref.i)...)
	}); err != nil {
		return fmt.Errorf("insert letters: %w", err)
	}
	if err := ss.insertChunked(ctx, q, "deliveries", deliveryCols, len(dels), func(k int, a []any) []any {
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
	return ss.addRollups(ctx, q, &delta)
}

// onConflictReturning makes a duplicate (campaign, dedup key) a no-op and
// reports the rows that were inserted.
const onConflictReturning = "ON CONFLICT (campaign_id, dedup_key) DO NOTHING RETURNING id"
