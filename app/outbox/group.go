package outbox

import (
	"context"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/mail"
)

// One email per inbox. A supporter writing to six members of a commission
// whose letters all go to the commission's one address (TLHRC@mail.house.gov)
// makes six email deliveries with the same To. Sending six near-identical
// emails to one inbox looks like a flood and is read as one; so the outbox
// groups them at send time: the email deliveries of one submission to one
// address go as one email carrying every letter, each as its own PDF.
//
// Grouping at send time rather than at submission keeps the submission
// path as it is (one delivery row per letter, so per-letter status, the
// staff totals and their rollups are unchanged) and costs nothing there.
// The rows of a group are claimed together, composed once, and finish
// together with one outcome (sent, retried at one time, or dead), each row
// still its own delivery with its own status for the supporter and staff.

// claimSiblings leases the due email deliveries that belong with the ones
// just claimed (same submission, same address) but fell outside the batch.
// Only a full batch can have left some behind: a batch that took fewer
// rows than it could took every due row that was not being claimed by
// another worker at the same moment. A failure is logged and the batch
// goes on without them: they are sent in an email of their own.
func (x *Outbox) claimSiblings(ctx context.Context, claimed []app.Delivery, now, leaseUntil time.Time) []app.Delivery {
	if len(claimed) < x.o.BatchSize {
		return nil
	}
	var letters []int64
	for _, d := range claimed {
		if d.Channel == app.ChannelEmail {
			letters = append(letters, d.LetterID)
		}
	}
	if len(letters) == 0 {
		return nil
	}
	more, err := x.o.Store.ClaimDeliverySiblings(ctx, x.o.Owner, letters, now, leaseUntil)
	if err != nil {
		x.log.Warn("outbox: claim the rest of a submission's letters to one inbox", "err", err)
		return nil
	}
	return more
}

// groupJobs merges the email jobs of one submission to one address into
// the first of them (its lead); the others ride along in its also list.
// subs maps letter ids to their submission; a job whose submission did not
// load (its error is set) stays alone.
func groupJobs(jobs []*job, subs map[int64]*app.Submission) []*job {
	type key struct {
		sub int64
		to  string
	}
	leads := map[key]*job{}
	out := jobs[:0:0]
	for _, j := range jobs {
		sub := subs[j.d.LetterID]
		if j.err != nil || sub == nil || j.d.Channel != app.ChannelEmail {
			out = append(out, j)
			continue
		}
		k := key{sub.ID, strings.ToLower(strings.TrimSpace(j.d.To))}
		if lead := leads[k]; lead != nil {
			lead.also = append(lead.also, j.d)
			continue
		}
		leads[k] = j
		out = append(out, j)
	}
	return out
}

// composeJob builds the message of a job: one letter, or a group's.
func (x *Outbox) composeJob(j *job, sub *app.Submission, camp *app.Campaign, now time.Time) (*mail.Message, error) {
	if len(j.also) == 0 {
		return x.o.Composer.Compose(j.d, sub, camp, now)
	}
	return x.o.Composer.ComposeGroup(append([]app.Delivery{j.d}, j.also...), sub, camp, now)
}

// allKept reports whether every delivery of ds is still leased to us.
func allKept(ds []app.Delivery, keep map[int64]bool) bool {
	for _, d := range ds {
		if !keep[d.ID] {
			return false
		}
	}
	return true
}

// shareOutcome gives the members of a group the outcome decided for its
// lead: the one message they went in was sent, failed or was put back, so
// all of them were. Each keeps its own id and attempt count.
func shareOutcome(lead app.Delivery, members []app.Delivery) []app.Delivery {
	out := make([]app.Delivery, len(members))
	for i, m := range members {
		m.Status, m.LastError, m.NextAttemptAt, m.SentAt = lead.Status, lead.LastError, lead.NextAttemptAt, lead.SentAt
		if lead.Status == app.StatusQueued {
			m.Attempts = max(0, m.Attempts-1) // put back: the attempt does not count
		} else {
			m.MessageID = lead.MessageID // the group's message
		}
		out[i] = m
	}
	return out
}
