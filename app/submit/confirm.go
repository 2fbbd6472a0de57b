// Double opt-in: a held submission's letters count and its office emails
// go out only once the supporter follows the link emailed to them. Kept
// apart from the submission itself because the link is followed later,
// often from another device, and must work on any instance.

package submit

import (
	"context"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Confirmations is the store side of double opt-in.
type Confirmations interface {
	FindSubmissionByConfirmToken(ctx context.Context, token string) (*app.Submission, error)
	ConfirmSubmission(ctx context.Context, submissionID int64, at, deadline time.Time) (int64, error)
}

// FindByConfirmToken loads the submission and campaign a confirmation link
// names, without confirming (the link's page asks first, so that mail
// scanners that open links do not confirm for the supporter).
func (s *Service) FindByConfirmToken(ctx context.Context, token string) (*app.Submission, *app.Campaign, error) {
	if s.confirm == nil || !validToken(token) {
		return nil, nil, app.Errorf(app.ENOTFOUND, "This confirmation link is not valid.")
	}
	sub, err := s.confirm.FindSubmissionByConfirmToken(ctx, token)
	return s.withCampaign(ctx, sub, err)
}

// ConfirmDeadline is when a submission's confirmation link stops working.
func ConfirmDeadline(sub *app.Submission, c *app.Campaign) time.Time {
	return sub.CreatedAt.Add(c.Delivery.ConfirmWithin())
}

// Confirm records a supporter's confirmation link click: the letters of
// the submission start to count and its office emails are queued. A second
// click is harmless; a link past its deadline is ECONFLICT.
func (s *Service) Confirm(ctx context.Context, token string) (*app.Submission, *app.Campaign, error) {
	sub, c, err := s.FindByConfirmToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if sub.Confirmed() {
		return sub, c, nil
	}
	deadline := ConfirmDeadline(sub, c)
	queued, err := s.confirm.ConfirmSubmission(ctx, sub.ID, s.now(), deadline)
	if err != nil {
		return nil, nil, err
	}
	if queued > 0 {
		s.signal.Queued()
	}
	sub, err = s.submissions.FindSubmissionByToken(ctx, sub.Token)
	if err != nil {
		return nil, nil, err
	}
	return sub, c, nil
}
