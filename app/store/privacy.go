package store

import (
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

// Privacy exports and erases supporters' data.
type Privacy struct{ *engine }

// Supporter privacy: a supporter's export, and erasure on request or when a
// campaign's retention period ends. Erasure blanks personal data and letter
// text in place and stops deliveries that have not gone out; it deletes no
// row, so every letter and delivery total stays exact.

var privacyMsgs = msgs{notFound: "No supporter data found."}

// eraseChunk bounds the ids in one IN list of an erasure.
const eraseChunk = 5000

// unsentStatuses are the delivery statuses that erasure stops: nothing has
// left yet and nothing will. A delivery being sent (sending) is left to
// finish; the outbox refuses to compose a retry for an erased supporter.
var unsentStatuses = []app.DeliveryStatus{app.StatusPending, app.StatusQueued, app.StatusFailed, app.StatusUnconfirmed}

// pickedSupporter is one supporter row an erasure covers.
type pickedSupporter struct {
	id         int64
	submission int64 // 0: the row has no submission
	campaign   int64 // 0: idem
}

// EraseSupporters erases the supporters f picks, in one transaction: their
// names, email, address and location are blanked and erased_at set; their
// submissions lose the personal message, the confirmation token and the
// dedup key (replaced by a value unique to the row, so the person may write
// again); their letters lose subject and body (recipient and target stay);
// their deliveries lose the destination address, and those not yet sent end
// as dead with app.ErasedReason. Supporters already erased are skipped, so
// the call is idempotent and safe to run from several instances at once:
// each row is counted by the one call that erased it.
func (pv *Privacy) EraseSupporters(ctx context.Context, f app.EraseFilter) (app.Erasure, error) {
	out := app.Erasure{DryRun: f.DryRun}
	email := app.NormalizeEmail(f.Email)
	if email == "" && !f.Retention {
		return out, app.Errorf(app.EINVALID, "Say whose data to erase: an email address or the retention periods.")
	}
	now := dbTime(f.Now)
	if now.IsZero() {
		now = pv.now()
	}
	work := func(tx *gorm.DB) error {
		q := pool(tx)
		picked, err := pv.pickSupporters(ctx, q, f, email, now)
		if err != nil || len(picked) == 0 {
			return err
		}
		var counts counter
		if f.DryRun {
			counts, err = pv.countErasure(ctx, q, picked)
		} else {
			counts, err = pv.erase(ctx, q, picked, now)
		}
		if err != nil {
			return err
		}
		out.Campaigns, err = pv.describeErasure(ctx, q, counts)
		return err
	}
	var err error
	if f.DryRun {
		err = pv.r.WithContext(ctx).Transaction(work, &sql.TxOptions{ReadOnly: true})
	} else {
		err = pv.w.WithContext(ctx).Transaction(work)
	}
	if err != nil {
		return app.Erasure{DryRun: f.DryRun}, mapErr(err, "erase supporters", privacyMsgs)
	}
	return out, nil
}

// emailMatch is the condition that finds a supporter's rows by email,
// through the lower(email) index. The stored address keeps the case the
// supporter typed, and SQL lower() folds only ASCII letters on SQLite (and
// on PostgreSQL with the C locale) but all letters elsewhere, so it is
// compared with both foldings of the address asked for; matchesEmail then
// keeps the rows that are equal the way app.NormalizeEmail compares. An
// address whose non-ASCII letters were typed in another case is found only
// where the database folds them.
const emailMatch = "lower(p.email) IN (?, ?)"

func emailArgs(raw, normalized string) []any {
	ascii := strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, strings.TrimSpace(raw))
	return []any{normalized, ascii}
}

func matchesEmail(stored, normalized string) bool { return app.NormalizeEmail(stored) == normalized }

// pickSupporters lists the supporter rows f picks that are not erased yet.
func (pv *Privacy) pickSupporters(ctx context.Context, q querier, f app.EraseFilter, email string, now time.Time) ([]pickedSupporter, error) {
	if !f.Retention {
		return pv.pickWhere(ctx, q, f, email, nil, f.Limit)
	}
	// Each campaign has its own cut-off; those keeping data until it is
	// erased by hand have none.
	var cuts []retentionCut
	err := scanAll(ctx, q, "SELECT id, retention_days FROM campaigns WHERE retention_days > 0 ORDER BY id",
		func(rows *sql.Rows) error {
			var c retentionCut
			var days int
			err := rows.Scan(&c.campaign, &days)
			c.before = now.AddDate(0, 0, -days)
			cuts = append(cuts, c)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("campaign retention: %w", err)
	}
	var out []pickedSupporter
	for _, c := range cuts {
		limit := 0
		if f.Limit > 0 {
			if limit = f.Limit - len(out); limit <= 0 {
				break
			}
		}
		got, err := pv.pickWhere(ctx, q, f, email, &c, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// retentionCut is a campaign's retention cut-off: its submissions made
// before it are past their retention period.
type retentionCut struct {
	campaign int64
	before   time.Time
}

// pickWhere lists the supporters not erased yet that match email (when
// set) and, with cut, whose submission is past its campaign's cut-off.
// Those are read newest first, through the (campaign_id, created_at)
// index: the rows erased by earlier purges are the oldest, so a batch
// reaches the rows still to erase without walking past them.
func (pv *Privacy) pickWhere(ctx context.Context, q querier, f app.EraseFilter, email string, cut *retentionCut, limit int) ([]pickedSupporter, error) {
	query := `SELECT p.id, p.email, COALESCE(s.id, 0), COALESCE(s.campaign_id, 0)
		FROM supporters p LEFT JOIN submissions s ON s.supporter_id = p.id WHERE p.erased_at IS NULL`
	var args []any
	order := " ORDER BY p.id"
	if cut != nil {
		query = `SELECT p.id, p.email, s.id, s.campaign_id
			FROM submissions s JOIN supporters p ON p.id = s.supporter_id
			WHERE p.erased_at IS NULL AND s.campaign_id = ? AND s.created_at < ?`
		args = append(args, cut.campaign, cut.before)
		order = " ORDER BY s.created_at DESC, s.id DESC"
	}
	if email != "" {
		query += " AND " + emailMatch
		args = append(args, emailArgs(f.Email, email)...)
	}
	query += order
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	var out []pickedSupporter
	err := scanAll(ctx, q, pv.rebind(query), func(rows *sql.Rows) error {
		var p pickedSupporter
		var stored string
		if err := rows.Scan(&p.id, &stored, &p.submission, &p.campaign); err != nil {
			return err
		}
		if email == "" || matchesEmail(stored, email) {
			out = append(out, p)
		}
		return nil
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("pick supporters: %w", err)
	}
	return out, nil
}

// counter adds up an erasure per campaign.
type counter map[int64]*app.CampaignErasure

func (c counter) of(campaign int64) *app.CampaignErasure {
	e := c[campaign]
	if e == nil {
		e = &app.CampaignErasure{CampaignID: campaign}
		c[campaign] = e
	}
	return e
}

// lettersOf maps the letters of submissions subs to their campaigns, and
// lists their ids in order. Deliveries are then found by letter id: a
// direct use of their index, whatever the planner thinks of a subquery.
func (pv *Privacy) lettersOf(ctx context.Context, q querier, subs []int64) (map[int64]int64, []int64, error) {
	letters := map[int64]int64{}
	var ids []int64
	err := chunks(subs, func(args []any) error {
		return scanAll(ctx, q, pv.rebind("SELECT id, campaign_id FROM letters WHERE submission_id IN ("+inList(len(args))+")"),
			func(rows *sql.Rows) error {
				var id, campaign int64
				err := rows.Scan(&id, &campaign)
				letters[id] = campaign
				ids = append(ids, id)
				return err
			}, args...)
	})
	slices.Sort(ids)
	return letters, ids, err
}

func submissionsOf(picked []pickedSupporter, keep func(pickedSupporter) bool) []int64 {
	var subs []int64
	for _, p := range picked {
		if p.submission != 0 && keep(p) {
			subs = append(subs, p.submission)
		}
	}
	return subs
}

// unsentIn is the condition and arguments that pick the deliveries
// erasure stops.
func unsentIn() (string, []any) {
	args := make([]any, len(unsentStatuses))
	for i, s := range unsentStatuses {
		args[i] = string(s)
	}
	return "status IN (" + inList(len(args)) + ")", args
}

// countErasure counts what erasing picked would change, changing nothing.
func (pv *Privacy) countErasure(ctx context.Context, q querier, picked []pickedSupporter) (counter, error) {
	c := counter{}
	for _, p := range picked {
		c.of(p.campaign).Supporters++
	}
	subs := submissionsOf(picked, func(pickedSupporter) bool { return true })
	letters, letterIDs, err := pv.lettersOf(ctx, q, subs)
	if err != nil {
		return nil, fmt.Errorf("count letters: %w", err)
	}
	for _, campaign := range letters {
		c.of(campaign).Letters++
	}
	cond, condArgs := unsentIn()
	err = chunks(letterIDs, func(args []any) error {
		return scanAll(ctx, q, pv.rebind(`SELECT letter_id FROM deliveries WHERE `+cond+` AND letter_id IN (`+inList(len(args))+`)
			UNION ALL SELECT l.id FROM letters l WHERE l.id IN (`+inList(len(args))+`) AND `+noDownloadRow),
			func(rows *sql.Rows) error {
				var letter int64
				err := rows.Scan(&letter)
				c.of(letters[letter]).Stopped++
				return err
			}, append(append(slices.Clone(condArgs), args...), args...)...)
	})
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	return c, nil
}

// erase blanks picked's data. Every delivery row of the letters is locked
// (by clearing its address) before any status changes, so that on
// PostgreSQL an outbox claim either took a row before the erasure (and sends
// it) or skips it until the erasure committed (and finds it dead).
func (pv *Privacy) erase(ctx context.Context, q querier, picked []pickedSupporter, now time.Time) (counter, error) {
	ids := make([]int64, len(picked))
	for i, p := range picked {
		ids[i] = p.id
	}
	// Only the rows this call erases count: a concurrent erasure of the
	// same supporter (another instance's purge) finds them erased.
	erased := map[int64]bool{}
	err := chunks(ids, func(args []any) error {
		return scanAll(ctx, q, pv.rebind(`UPDATE supporters SET prefix = '', first_name = '', last_name = '', email = '',
			address1 = '', address2 = '', city = '', state = '', zip = '', lat = NULL, lon = NULL, contact_ok = FALSE,
			erased_at = ? WHERE erased_at IS NULL AND id IN (`+inList(len(args))+`) RETURNING id`),
			func(rows *sql.Rows) error {
				var id int64
				err := rows.Scan(&id)
				erased[id] = true
				return err
			}, append([]any{now}, args...)...)
	})
	if err != nil {
		return nil, fmt.Errorf("erase supporters: %w", err)
	}
	c := counter{}
	for _, p := range picked {
		if erased[p.id] {
			c.of(p.campaign).Supporters++
		}
	}
	subs := submissionsOf(picked, func(p pickedSupporter) bool { return erased[p.id] })
	if len(subs) == 0 {
		return c, nil
	}
	letters, letterIDs, err := pv.lettersOf(ctx, q, subs)
	if err != nil {
		return nil, fmt.Errorf("find letters: %w", err)
	}
	for _, campaign := range letters {
		c.of(campaign).Letters++
	}
	steps := []struct {
		what, sql string
		ids       []int64
	}{
		{"submissions", `UPDATE submissions SET personal_message = '', confirm_token = '', dedup_key = 'erased:' || id
			WHERE id IN (%s)`, subs},
		{"letters", `UPDATE letters SET subject = '', body = '' WHERE id IN (%s)`, letterIDs},
		{"delivery addresses", `UPDATE deliveries SET to_address = '' WHERE letter_id IN (%s)`, letterIDs},
	}
	for _, st := range steps {
		err := chunks(st.ids, func(args []any) error {
			_, err := q.ExecContext(ctx, pv.rebind(fmt.Sprintf(st.sql, inList(len(args)))), args...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("erase %s: %w", st.what, err)
		}
	}
	// Unstored pending downloads are stopped as rows (downloads.go).
	err = chunks(letterIDs, func(args []any) error {
		return pv.storePendingDownloads(ctx, q, "l.id IN ("+inList(len(args))+")", args...)
	})
	if err != nil {
		return nil, fmt.Errorf("stop deliveries: %w", err)
	}
	cond, condArgs := unsentIn()
	var delta rollupDelta
	err = chunks(letterIDs, func(args []any) error {
		picked, ids, err := pv.pickDeliveries(ctx, q, `FROM deliveries d JOIN letters l ON l.id = d.letter_id
			WHERE d.`+cond+` AND d.letter_id IN (`+inList(len(args))+`)`, false, append(slices.Clone(condArgs), args...)...)
		if err != nil {
			return err
		}
		for _, id := range ids {
			c.of(picked[id].campaign).Stopped++
		}
		return pv.updateCounted(ctx, q, &delta, picked, ids, "status = ?, last_error = ?, next_attempt_at = NULL, updated_at = ?",
			[]any{string(app.StatusDead), app.ErasedReason, now}, "", nil)
	})
	if err != nil {
		return nil, fmt.Errorf("stop deliveries: %w", err)
	}
	return c, pv.addRollups(ctx, q, &delta)
}

// describeErasure names the campaigns of c, in slug order. Supporter rows
// without a submission are counted under campaign 0.
func (pv *Privacy) describeErasure(ctx context.Context, q querier, c counter) ([]app.CampaignErasure, error) {
	var ids []int64
	for id := range c {
		if id != 0 {
			ids = append(ids, id)
		}
	}
	err := chunks(ids, func(args []any) error {
		return scanAll(ctx, q, pv.rebind("SELECT id, slug, title, retention_days FROM campaigns WHERE id IN ("+inList(len(args))+")"),
			func(rows *sql.Rows) error {
				var id int64
				var slug, title string
				var days int
				if err := rows.Scan(&id, &slug, &title, &days); err != nil {
					return err
				}
				e := c[id]
				e.Slug, e.Title, e.RetentionDays = slug, title, days
				return nil
			}, args...)
	})
	if err != nil {
		return nil, fmt.Errorf("describe campaigns: %w", err)
	}
	out := make([]app.CampaignErasure, 0, len(c))
	for _, e := range c {
		if e.Supporters > 0 || e.Letters > 0 || e.Stopped > 0 {
			out = append(out, *e)
		}
	}
	slices.SortFunc(out, func(a, b app.CampaignErasure) int {
		return strings.Compare(a.Slug, b.Slug)
	})
	return out, nil
}

// ExportSupporter returns every record held for email: the supporter rows
// that carry it (one per submission), their submissions with the campaign,
// and the letters with their deliveries, oldest first. Erased rows no
// longer carry the address and are not found. An email nobody used gives
// an export without records.
func (pv *Privacy) ExportSupporter(ctx context.Context, email string) (*app.SupporterExport, error) {
	norm := app.NormalizeEmail(email)
	if norm == "" {
		return nil, app.Errorf(app.EINVALID, "Enter the supporter's email address.")
	}
	x := &app.SupporterExport{Email: norm, ExportedAt: pv.now(), Records: []app.SupporterRecord{}}
	err := pv.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		x.Records = x.Records[:0]
		q := pool(tx)
		bySub := map[int64]*app.SubmissionRecord{}
		var subs []any
		err := scanAll(ctx, q, pv.rebind(`SELECT p.id, p.prefix, p.first_name, p.last_name, p.email, p.address1, p.address2,
				p.city, p.state, p.zip, p.lat, p.lon, p.contact_ok, p.created_at,
				s.id, s.created_at, s.confirmed_at, s.personal_message, s.district_state, s.district_number,
				c.slug, c.title, c.retention_days
			FROM supporters p LEFT JOIN submissions s ON s.supporter_id = p.id LEFT JOIN campaigns c ON c.id = s.campaign_id
			WHERE p.erased_at IS NULL AND `+emailMatch+` ORDER BY p.created_at, p.id`), func(rows *sql.Rows) error {
			var p app.SupporterData
			var lat, lon sql.NullFloat64
			var subID, dnum, days sql.NullInt64
			var created, confirmed sql.NullTime
			var msg, dstate, slug, title sql.NullString
			if err := rows.Scan(&p.ID, &p.Prefix, &p.FirstName, &p.LastName, &p.Email, &p.Address1, &p.Address2,
				&p.City, &p.State, &p.Zip, &lat, &lon, &p.ContactOK, &p.CreatedAt,
				&subID, &created, &confirmed, &msg, &dstate, &dnum, &slug, &title, &days); err != nil {
				return err
			}
			if !matchesEmail(p.Email, norm) {
				return nil
			}
			p.CreatedAt = p.CreatedAt.UTC()
			if lat.Valid && lon.Valid {
				p.Lat, p.Lon = &lat.Float64, &lon.Float64
			}
			r := app.SupporterRecord{Supporter: p}
			if subID.Valid {
				s := &app.SubmissionRecord{CampaignSlug: slug.String, CampaignTitle: title.String,
					RetentionDays: int(days.Int64), CreatedAt: created.Time.UTC(), ConfirmedAt: nullTime(confirmed),
					PersonalMessage: msg.String, Letters: []app.LetterRecord{}}
				if dstate.Valid {
					s.District = app.DistrictKey{State: dstate.String, District: int(dnum.Int64)}.String()
				}
				r.Submission = s
				bySub[subID.Int64] = s
				subs = append(subs, subID.Int64)
			}
			x.Records = append(x.Records, r)
			return nil
		}, emailArgs(email, norm)...)
		if err != nil || len(subs) == 0 {
			return err
		}
		// Where each letter sits: its submission and index there.
		type at struct {
			s *app.SubmissionRecord
			i int
		}
		letterAt := map[int64]at{}
		var letterIDs []any
		err = scanAll(ctx, q, pv.rebind(`SELECT id, submission_id, recipient, subject, body, created_at FROM letters
			WHERE submission_id IN (`+inList(len(subs))+`) ORDER BY id`), func(rows *sql.Rows) error {
			var id, sub int64
			var recip []byte
			var l app.LetterRecord
			if err := rows.Scan(&id, &sub, &recip, &l.Subject, &l.Body, &l.CreatedAt); err != nil {
				return err
			}
			var t app.Target
			if err := json.Unmarshal(recip, &t); err != nil {
				return fmt.Errorf("letter %d recipient: %w", id, err)
			}
			l.Recipient = strings.TrimSpace(t.Honorific + " " + t.Name)
			l.RecipientTitle, l.CreatedAt, l.Deliveries = t.Title, l.CreatedAt.UTC(), []app.DeliveryRecord{}
			s := bySub[sub]
			s.Letters = append(s.Letters, l)
			letterAt[id] = at{s, len(s.Letters) - 1}
			letterIDs = append(letterIDs, id)
			return nil
		}, subs...)
		if err != nil || len(letterIDs) == 0 {
			return err
		}
		return scanAll(ctx, q, pv.rebind(`SELECT letter_id, channel, status, sent_at FROM deliveries
			WHERE letter_id IN (`+inList(len(letterIDs))+`) ORDER BY id`),
			func(rows *sql.Rows) error {
				var letter int64
				var dr app.DeliveryRecord
				var sent sql.NullTime
				if err := rows.Scan(&letter, &dr.Channel, &dr.Status, &sent); err != nil {
					return err
				}
				dr.SentAt = nullTime(sent)
				pos := letterAt[letter]
				l := &pos.s.Letters[pos.i]
				l.Deliveries = append(l.Deliveries, dr)
				return nil
			}, letterIDs...)
	}, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, mapErr(err, "export supporter", privacyMsgs)
	}
	for _, r := range x.Records {
		if r.Submission == nil {
			continue
		}
		s := r.Submission
		for i := range s.Letters {
			s.Letters[i].Deliveries = downloadFirst(s.Letters[i].Deliveries,
				func(r *app.DeliveryRecord) app.Channel { return r.Channel },
				func() app.DeliveryRecord {
					return app.DeliveryRecord{Channel: app.ChannelDownload, Status: app.StatusPending}
				})
		}
	}
	return x, nil
}
