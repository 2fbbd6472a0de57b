package submit

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/limit"
)

// Result is what a supporter (or an API client) is told about their
// submission. Whether their address wrote for the campaign before must
// not show: the answer is "check your email" either way, and the private
// link goes only to that address. So a Result holds what the caller sent
// (the email as typed, the targets of their own address) and, for the
// caller's own code, the submission this call stored, which handlers
// must never show either, since a new submission's page would then
// differ from a repeat's.
type Result struct {
	Campaign *app.Campaign
	Email    string
	// Targets are whom the letters written now go to, from this
	// request's address.
	Targets []app.Target
	// Submission is what this call stored: nil when the address had a
	// confirmed submission for the campaign already, which stays as it
	// was (its owner is sent the link again). Tests and the load tests
	// use it; no answer to a client may.
	Submission *app.Submission
	// Held is true when the stored submission waits for its address to
	// confirm (the campaign's double opt-in, or a mailbox that sent many
	// submissions in a short time).
	Held bool
}

// MailboxLimits decides how many submissions one mailbox may send before
// its letters wait for the mailbox's confirmation, and before it is sent
// no more email. Submissions are never refused for their address alone:
// anyone can type anyone's address, and a few forged submissions must not
// lock the address's owner out of writing.
type MailboxLimits struct {
	// Counter counts across instances and restarts; nil turns the
	// mailbox limits off.
	Counter *limit.Counter
	// PerHour submissions from one mailbox in a clock hour, and Burst in
	// ten minutes, go as usual; more wait for the mailbox to confirm.
	// Zero turns that check off.
	PerHour int
	Burst   int
	// MuteAfter submissions in a clock hour (default 3 x PerHour), the
	// mailbox is sent no more emails that hour.
	MuteAfter int
	// ResendGap is the least time between two emails of the private link
	// to one mailbox for one campaign (default 10 minutes).
	ResendGap time.Duration
	// LinkPerHour is how many "send my link again" requests one mailbox
	// may make in a clock hour (default 5); more are answered the same
	// way and do nothing.
	LinkPerHour int
}

const mutedReason = "not sent: too many emails to this address in an hour; the supporter can ask for the link again"

type mailboxPolicy struct {
	hold bool // the letters wait for the mailbox to confirm
	mute bool // no email to the mailbox
}

// mailboxPolicy counts a submission from email and says how to treat it.
func (s *Service) mailboxPolicy(email string) mailboxPolicy {
	l := s.limits
	if l.Counter == nil {
		return mailboxPolicy{}
	}
	key := "mailbox:" + MailboxKey(email)
	hour := l.Counter.Hit(key, time.Hour)
	ten := l.Counter.Hit(key, 10*time.Minute)
	var p mailboxPolicy
	p.hold = (l.PerHour > 0 && hour > int64(l.PerHour)) || (l.Burst > 0 && ten > int64(l.Burst))
	mute := l.MuteAfter
	if mute == 0 {
		mute = 3 * l.PerHour
	}
	p.mute = mute > 0 && hour > int64(mute)
	return p
}

func (l MailboxLimits) resendGap() time.Duration {
	if l.ResendGap <= 0 {
		return 10 * time.Minute
	}
	return l.ResendGap
}

// repeat deals with a submission whose address already wrote for the
// campaign; first is that earlier submission, loaded by the store. A
// confirmed one stays, and its owner is sent their link again (at most
// once per ResendGap). One never confirmed is erased so that the new one
// can take its place, and replaced reports true: the caller stores the
// new one. Nothing of first reaches the caller.
func (s *Service) repeat(ctx context.Context, first *app.Submission, now time.Time, attempt int) (replaced bool, err error) {
	if !first.Confirmed() && attempt == 0 {
		ok, err := s.submissions.EraseUnconfirmedSubmission(ctx, first.ID, now)
		if err != nil || ok {
			return ok, err
		}
		// Confirmed a moment ago: it stays, as below.
	}
	return false, s.resend(ctx, first.ID, now)
}

func (s *Service) resend(ctx context.Context, submissionID int64, now time.Time) error {
	queued, err := s.submissions.ResendCopy(ctx, submissionID, now, s.limits.resendGap())
	if err != nil {
		return err
	}
	if queued {
		s.signal.Queued()
	}
	return nil
}

// SendLinkAgain emails the private link of the submission an address made
// for a campaign to that address, as the "send me my link again" form
// asks. It answers the same whether or not the address wrote, so it tells
// nobody who supported the campaign; the email itself goes only to the
// address, at most once per ResendGap and LinkPerHour times an hour.
func (s *Service) SendLinkAgain(ctx context.Context, slug, email string) (*app.Campaign, error) {
	e, err := s.entry(ctx, slug)
	if err != nil {
		return nil, err
	}
	email = strings.TrimSpace(email)
	if !validEmail(email) {
		return nil, &app.Error{Code: app.EINVALID, Message: "Please enter the email address you wrote with.",
			Fields: map[string]string{"email": "enter a valid email address"}}
	}
	if l := s.limits; l.Counter != nil {
		max := l.LinkPerHour
		if max <= 0 {
			max = 5
		}
		if l.Counter.Hit("link:"+MailboxKey(email), time.Hour) > int64(max) {
			return e.campaign, nil
		}
	}
	sub, err := s.submissions.FindSubmissionByDedupKey(ctx, e.campaign.ID, DedupKey(e.campaign.ID, email))
	switch {
	case app.ErrorCodeOf(err) == app.ENOTFOUND:
		return e.campaign, nil
	case err != nil:
		return nil, err
	}
	return e.campaign, s.resend(ctx, sub.ID, s.now())
}

// EraseOwn erases the data of the submission a private link names, at the
// request of whoever holds the link (the address's owner, who got it by
// email): their name, address, paragraph and letters' text go, unsent
// letters stop, and the address may write again. This is also the remedy
// when someone else wrote first with the owner's address on a campaign
// without confirmation. Erasing twice is harmless.
func (s *Service) EraseOwn(ctx context.Context, token string) error {
	sub, c, err := s.FindByToken(ctx, token)
	if err != nil {
		return err
	}
	erased, err := s.submissions.EraseSubmission(ctx, sub.ID, s.now())
	if err != nil || !erased {
		return err
	}
	s.log.Info("a supporter erased their own letters", "campaign", c.Slug, "submission", sub.ID)
	if s.audit != nil {
		if err := s.audit.Record(ctx, "supporter.erase_own", "submission:"+strconv.FormatInt(sub.ID, 10),
			"erased with the private link, campaign "+c.Slug); err != nil {
			s.log.Warn("audit of a supporter's own erasure", "err", err)
		}
	}
	return nil
}

// MailboxKey is the mailbox an email address delivers to, as far as can be
// told: lower case, without a "+tag", and for Gmail without dots in the
// local part (Gmail ignores them), so that variants count as one.
func MailboxKey(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return email
	}
	local, domain := email[:at], email[at+1:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		local = strings.ReplaceAll(local, ".", "")
	}
	return local + "@" + domain
}
