// The submission itself: from a supporter's form to the matched targets,
// the rendered letters and the stored submission with its deliveries.
// Everything a supporter is told about it is decided here (and in
// repeat.go for an address that wrote before).

package submit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/match"
)

// Lookup answers "who represents this place?" for the current roster.
func (s *Service) Lookup(ctx context.Context, q match.Query) (*app.Lookup, error) {
	return s.roster.Matcher().Lookup(ctx, q)
}

// Match is a campaign's targets for a place.
type Match struct {
	Campaign   *app.Campaign
	Lookup     *app.Lookup
	Resolution *match.Resolution
}

// Targets matches a campaign's targets for a ZIP (and optionally state,
// point and chosen Representative) without storing anything.
func (s *Service) Targets(ctx context.Context, slug string, q match.Query, chosenRep string) (*Match, error) {
	e, err := s.entry(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.match(ctx, e, q, chosenRep)
}

func (s *Service) match(ctx context.Context, e *campaignEntry, q match.Query, chosenRep string) (*Match, error) {
	m := s.roster.Matcher()
	l, err := m.Lookup(ctx, q)
	if err != nil {
		return nil, err
	}
	res, err := m.Targets(ctx, l, e.rules, chosenRep)
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		s.log.Warn("campaign target rule skipped", "campaign", e.campaign.Slug, "warning", w)
	}
	return &Match{Campaign: e.campaign, Lookup: l, Resolution: res}, nil
}

// Draft is a letter rendered for a target but not stored.
type Draft struct {
	Target  app.Target
	Subject string
	Body    string
}

// Preview is what a supporter sees before confirming.
type Preview struct {
	Match
	Input  app.SubmissionInput
	Drafts []Draft
}

// NeedsChoice reports whether the supporter must pick a Representative.
func (p *Preview) NeedsChoice() bool { return p.Resolution.NeedsChoice }

// ChoiceError is the cause inside the EINVALID error returned when a split
// ZIP needs the supporter to choose a Representative.
type ChoiceError struct {
	Candidates []app.Representative
}

func (e *ChoiceError) Error() string {
	return fmt.Sprintf("%d candidate Representatives", len(e.Candidates))
}

// Preview validates the input and renders every letter without storing.
func (s *Service) Preview(ctx context.Context, slug string, in app.SubmissionInput) (*Preview, error) {
	e, m, _, err := s.prepare(ctx, slug, &in)
	if err != nil {
		return nil, err
	}
	p := &Preview{Match: *m, Input: in}
	sup := supporterOf(&in, time.Time{})
	base := letter.NewLetterBase(e.campaign, sup, in.PersonalMessage, s.now().In(s.loc))
	for _, t := range m.Resolution.Targets {
		subject, body, err := s.render(e, t, base)
		if err != nil {
			return nil, err
		}
		p.Drafts = append(p.Drafts, Draft{Target: t, Subject: subject, Body: body})
	}
	return p, nil
}

// prepare is what a preview and a submission share: the campaign, which
// must take letters now (the time it returns, read once the campaign is
// loaded), the input, normalized and checked, and its targets.
func (s *Service) prepare(ctx context.Context, slug string, in *app.SubmissionInput) (*campaignEntry, *Match, time.Time, error) {
	e, err := s.entry(ctx, slug)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	now := s.now()
	if ok, why := e.campaign.AcceptsAt(now); !ok {
		return nil, nil, now, app.Errorf(app.ECONFLICT, "%s", why)
	}
	if err := s.validateInput(in); err != nil {
		return nil, nil, now, err
	}
	m, err := s.match(ctx, e, queryOf(in), in.Representative)
	if err != nil {
		return nil, nil, now, err
	}
	return e, m, now, nil
}

// Submit validates, matches, renders and stores a submission, and returns
// what the supporter may be told, which is the same whether or not their
// address wrote for this campaign before (see Result): nothing in it
// belongs to an earlier submission. A repeat of an address whose first
// submission was confirmed stores nothing and sends that address its
// private link again; a repeat of one never confirmed replaces it (see
// repeat.go).
func (s *Service) Submit(ctx context.Context, slug string, in app.SubmissionInput) (*Result, error) {
	s.signal.Start()
	defer s.signal.Done()
	e, m, now, err := s.prepare(ctx, slug, &in)
	if err != nil {
		return nil, err
	}
	if m.Resolution.NeedsChoice {
		return nil, &app.Error{
			Code:    app.EINVALID,
			Message: "Your ZIP code is split between congressional districts.",
			Fields:  map[string]string{"representative": "choose your Representative"},
			Err:     &ChoiceError{Candidates: m.Resolution.Candidates},
		}
	}
	if len(m.Resolution.Targets) == 0 {
		return nil, app.Errorf(app.EINVALID, "We found no one for this campaign to write to from your address. Please check your ZIP code and state.")
	}
	p := s.mailboxPolicy(in.Email)
	res := &Result{Campaign: e.campaign, Email: in.Email, Targets: m.Resolution.Targets}
	for attempt := 0; ; attempt++ {
		sub, err := s.build(e, m, &in, p, now)
		if err != nil {
			return nil, err
		}
		created, err := s.submissions.CreateSubmission(ctx, sub)
		if err != nil {
			return nil, err
		}
		if created {
			res.Submission, res.Held = sub, sub.ConfirmToken != ""
			s.signal.Queued()
			return res, nil
		}
		// sub is now the earlier submission: never hand it out.
		replaced, err := s.repeat(ctx, sub, now, attempt)
		if err != nil || !replaced {
			return res, err
		}
	}
}

// build makes a new submission with its letters and deliveries.
func (s *Service) build(e *campaignEntry, m *Match, in *app.SubmissionInput, p mailboxPolicy, now time.Time) (*app.Submission, error) {
	token, err := newToken(now)
	if err != nil {
		return nil, err
	}
	sup := supporterOf(in, now)
	sub := &app.Submission{
		CampaignID:      e.campaign.ID,
		Supporter:       sup,
		Token:           token,
		DedupKey:        DedupKey(e.campaign.ID, in.Email),
		PersonalMessage: in.PersonalMessage,
		District:        chosenDistrict(m),
		CreatedAt:       now,
	}
	dopt := (e.campaign.Delivery.DoubleOptIn || p.hold) && s.confirm != nil
	if dopt {
		if sub.ConfirmToken, err = newToken(now); err != nil {
			return nil, err
		}
	}
	base := letter.NewLetterBase(e.campaign, sup, in.PersonalMessage, now.In(s.loc))
	for _, t := range m.Resolution.Targets {
		subject, body, err := s.render(e, t, base)
		if err != nil {
			return nil, err
		}
		sub.Letters = append(sub.Letters, app.Letter{
			CampaignID:        e.campaign.ID,
			Recipient:         t,
			TemplateVersionID: e.templates[t.Kind].ID,
			Subject:           subject,
			Body:              body,
			CreatedAt:         now,
			Deliveries:        s.deliveries(e.campaign, t, dopt, now),
		})
	}
	// One copy of all the letters goes to the supporter (with the
	// confirmation link under double opt-in); it rides on the first letter.
	cp := app.Delivery{Channel: app.ChannelCopy, To: sup.Email, Status: app.StatusQueued, NextAttemptAt: &now,
		CreatedAt: now, UpdatedAt: now}
	if p.mute {
		// This mailbox had more emails from us this hour than anyone
		// writing for themselves needs: send it no more. The owner can ask
		// for the link again later.
		cp.Status, cp.NextAttemptAt, cp.LastError = app.StatusDead, nil, mutedReason
	}
	sub.Letters[0].Deliveries = append(sub.Letters[0].Deliveries, cp)
	return sub, nil
}

// deliveries are a new letter's channels: the supporter's download, and an
// email to the office when its address is known. The email is queued at
// once, or under double opt-in held unconfirmed until the deadline.
func (s *Service) deliveries(c *app.Campaign, t app.Target, doubleOptIn bool, now time.Time) []app.Delivery {
	out := []app.Delivery{{Channel: app.ChannelDownload, Status: app.StatusPending, CreatedAt: now, UpdatedAt: now}}
	to := s.officeEmail(t)
	if to == "" {
		return out
	}
	d := app.Delivery{Channel: app.ChannelEmail, To: to, Status: app.StatusQueued, CreatedAt: now, UpdatedAt: now}
	due := now
	if doubleOptIn {
		d.Status, due = app.StatusUnconfirmed, now.Add(c.Delivery.ConfirmWithin())
	}
	d.NextAttemptAt = &due
	return append(out, d)
}

// officeEmail is where a target's letter can be emailed: the target's own
// published address, else for a committee or commission seat the body's
// address (the Tom Lantos Human Rights Commission publishes one), else "".
// The roster it reads holds only approved addresses (an organizer's new
// address waits for an admin: keptroster.Overlay), so this needs no
// database read on the hot path; the outbox checks the address again
// against the database before sending.
func (s *Service) officeEmail(t app.Target) string {
	if validEmail(t.Email) {
		return t.Email
	}
	if t.Kind != app.TargetCommittee || s.roster == nil {
		return ""
	}
	ix := s.roster.Matcher().Index()
	for _, r := range t.Roles {
		if c, ok := ix.Committee(r.CommitteeCode); ok && validEmail(c.Email) {
			return c.Email
		}
	}
	return ""
}

// validEmail is app.ValidEmail: one plain address at a domain name, never
// at an IP address.
func validEmail(s string) bool { return app.ValidEmail(s) }

func (s *Service) render(e *campaignEntry, t app.Target, base letter.Data) (string, string, error) {
	tv, ok := e.templates[t.Kind]
	if !ok {
		return "", "", app.Errorf(app.EUNAVAILABLE, "This campaign is not ready yet: it has no letter for %s targets.", t.Kind)
	}
	subject, body, err := s.letters.RenderData(tv, e.campaign, base.ForTarget(t))
	if err != nil {
		// Templates are validated when saved, so a failure here is a bug or a
		// limit hit by supporter input; the message is safe either way.
		return "", "", fmt.Errorf("render %s letter for %s: %w", t.Kind, t.Key, err)
	}
	return subject, body, nil
}

// FindByToken loads a submission and its campaign by capability token.
func (s *Service) FindByToken(ctx context.Context, token string) (*app.Submission, *app.Campaign, error) {
	if !validToken(token) {
		return nil, nil, app.Errorf(app.ENOTFOUND, "This link is not valid.")
	}
	sub, err := s.submissions.FindSubmissionByToken(ctx, token)
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		// The same words as for a malformed link: a guess learns nothing.
		return nil, nil, app.WrapError(app.ENOTFOUND, err, "This link is not valid.")
	}
	return s.withCampaign(ctx, sub, err)
}

// withCampaign adds its campaign to a submission just loaded (or passes
// the error of loading it on).
func (s *Service) withCampaign(ctx context.Context, sub *app.Submission, err error) (*app.Submission, *app.Campaign, error) {
	if err != nil {
		return nil, nil, err
	}
	c, err := s.campaigns.FindCampaignByID(ctx, sub.CampaignID)
	if err != nil {
		return nil, nil, err
	}
	return sub, c, nil
}

func (s *Service) validateInput(in *app.SubmissionInput) error {
	err := in.Normalize()
	fe := app.FieldErrors{}
	if f := app.ErrorFieldsOf(err); f != nil {
		for k, v := range f {
			fe[k] = v
		}
	} else if err != nil {
		return err
	}
	// Everything that is printed on the letter must be printable.
	for field, v := range map[string]string{
		"first_name": in.FirstName, "last_name": in.LastName, "address1": in.Address1,
		"address2": in.Address2, "city": in.City, "personal_message": in.PersonalMessage,
	} {
		if _, bad := fe[field]; bad || v == "" {
			continue
		}
		if err := s.pdf.CheckText(v); err != nil {
			fe.Add(field, app.ErrorMessageOf(err))
		}
	}
	return fe.Err("Please correct the highlighted fields.")
}

func queryOf(in *app.SubmissionInput) match.Query {
	q := match.Query{Zip: in.Zip, State: in.State, Point: in.Point()}
	if in.Address1 != "" {
		q.Address = in.Address1 + ", " + in.City + ", " + in.State + " " + in.Zip
	}
	return q
}

func supporterOf(in *app.SubmissionInput, now time.Time) app.Supporter {
	return app.Supporter{
		Prefix: in.Prefix, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
		Address1: in.Address1, Address2: in.Address2, City: in.City, State: in.State, Zip: in.Zip,
		Lat: in.Lat, Lon: in.Lon, ContactOK: in.ContactOK, CreatedAt: now,
	}
}

func chosenDistrict(m *Match) *app.DistrictKey {
	for _, t := range m.Resolution.Targets {
		if t.Kind == app.TargetRepresentative && t.District != nil {
			return &app.DistrictKey{State: t.State, District: *t.District}
		}
	}
	if len(m.Lookup.Districts) == 1 {
		d := m.Lookup.Districts[0]
		return &d
	}
	return nil
}

// DedupKey identifies one supporter (by email) on one campaign.
func DedupKey(campaignID int64, email string) string {
	h := sha256.Sum256([]byte(strconv.FormatInt(campaignID, 10) + ":" + strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(h[:])
}

// IsChoiceError returns the candidates when err asks the supporter to choose
// a Representative.
func IsChoiceError(err error) ([]app.Representative, bool) {
	var ce *ChoiceError
	if errors.As(err, &ce) {
		return ce.Candidates, true
	}
	return nil, false
}
