package store

import "github.com/advocate-org/advocate/app"

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
