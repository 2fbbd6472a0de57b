// Package submit is the supporter journey as a service: look up who
// represents a supporter, match the campaign's targets, render each letter,
// and record the submission with one letter per target and a delivery per
// channel. The web form, the JSON API and the load tests all go through it,
// so handlers stay thin.
package submit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/load"
	"github.com/advocate-org/advocate/app/match"
)

// MatcherSource gives the matcher for the current roster. The roster
// service swaps matchers when a new roster is imported.
type MatcherSource interface {
	Matcher() *match.Matcher
}

// Options wires a Service.
type Options struct {
	Campaigns   app.CampaignStore
	Submissions app.SubmissionStore
	Roster      MatcherSource
	Letters     *letter.Renderer
	PDF         *pdf.Maker
	Clock       app.Clock
	Logger      *slog.Logger
	// Location is the time zone letters are dated in (default
	// America/New_York, where Congress and the departments sit).
	Location *time.Location
	// CampaignTTL is how long a campaign, its rules and templates are cached
	// per instance. Organizer edits show up within this time on other
	// instances. Default 2s; negative disables the cache.
	CampaignTTL time.Duration
	// Confirmations confirms double opt-in submissions (the store has it);
	// nil turns the confirmation links off.
	Confirmations Confirmations
	// Load is marked while each submission is answered (so background
	// work such as the outbox gives way) and told when emails were queued
	// (a submission, a confirmation, a link sent again), to wake whoever
	// sends them. Nil: a signal of the service's own, which nobody reads.
	Load *load.Signal
	// Mailboxes limits what one email address can set off (repeat.go).
	Mailboxes MailboxLimits
	// Audit records supporters' own erasures; nil records nothing.
	Audit Auditor
}

// Auditor records audit events (*auth.Audit has it).
type Auditor interface {
	Record(ctx context.Context, action, subject, detail string) error
}

// Confirmations is the store side of double opt-in.
type Confirmations interface {
	FindSubmissionByConfirmToken(ctx context.Context, token string) (*app.Submission, error)
	ConfirmSubmission(ctx context.Context, submissionID int64, at, deadline time.Time) (int64, error)
}

// Service runs the supporter journey. It is safe for concurrent use.
type Service struct {
	campaigns   app.CampaignStore
	submissions app.SubmissionStore
	roster      MatcherSource
	letters     *letter.Renderer
	pdf         *pdf.Maker
	now         app.Clock
	log         *slog.Logger
	ttl         time.Duration
	loc         *time.Location
	confirm     Confirmations
	signal      *load.Signal
	limits      MailboxLimits
	audit       Auditor

	mu        sync.Mutex
	cache     map[string]*campaignEntry
	loading   map[string]*entryLoad // campaign loads under way, by slug
	forgotten map[string]int        // Forget calls per slug
}

// Busy reports whether supporters are submitting right now (or did within
// load.Linger). Background work reads the same answer from Options.Load.
func (s *Service) Busy() bool { return s.signal.Busy() }

// campaignEntry is a campaign with everything a submission needs from the
// database, so the hot path makes no reads.
type campaignEntry struct {
	campaign  *app.Campaign
	rules     []app.TargetRule
	templates map[app.TargetKind]app.TemplateVersion
	loadedAt  time.Time
}

// New returns a Service.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("America/New_York")
		if err != nil {
			loc = time.UTC
		}
		o.Location = loc
	}
	if o.CampaignTTL == 0 {
		o.CampaignTTL = 2 * time.Second
	}
	if o.Load == nil {
		o.Load = load.New()
	}
	return &Service{
		campaigns: o.Campaigns, submissions: o.Submissions, roster: o.Roster,
		letters: o.Letters, pdf: o.PDF, now: o.Clock, log: o.Logger, ttl: o.CampaignTTL, loc: o.Location,
		confirm: o.Confirmations, signal: o.Load, limits: o.Mailboxes, audit: o.Audit, cache: map[string]*campaignEntry{},
		loading: map[string]*entryLoad{}, forgotten: map[string]int{},
	}
}

// Forget drops a cached campaign so this instance sees an edit at once.
func (s *Service) Forget(slug string) {
	s.mu.Lock()
	delete(s.cache, slug)
	s.forgotten[slug]++ // a load already under way must not store its now old result
	s.mu.Unlock()
}

// staleGrace is how long past its TTL a cached campaign may still answer
// while one request reloads it in the background; older than that, callers
// wait for the reload.
const staleGrace = 10 * time.Second

// entry returns the campaign with what a submission needs. The cache is
// refreshed without stalling the stream of supporters: one load per
// campaign at a time, the others wait for it (a cold cache) or keep using
// the entry they have while it reloads (an expired one).
func (s *Service) entry(ctx context.Context, slug string) (*campaignEntry, error) {
	if s.ttl <= 0 {
		return s.loadEntry(ctx, slug)
	}
	now := s.now()
	s.mu.Lock()
	e := s.cache[slug]
	age := time.Duration(-1)
	if e != nil {
		age = now.Sub(e.loadedAt)
	}
	if e != nil && age >= 0 && age < s.ttl {
		s.mu.Unlock()
		return e, nil
	}
	call := s.loading[slug]
	if call == nil {
		call = &entryLoad{done: make(chan struct{})}
		s.loading[slug] = call
		gen := s.forgotten[slug]
		// The load runs on its own so that one supporter giving up does
		// not fail the others waiting for it.
		go s.load(context.WithoutCancel(ctx), slug, call, gen)
	}
	s.mu.Unlock()
	if e != nil && age >= 0 && age < s.ttl+staleGrace {
		return e, nil
	}
	select {
	case <-call.done:
		return call.e, call.err
	case <-ctx.Done():
		return nil, app.WrapError(app.EUNAVAILABLE, ctx.Err(), "The server is busy. Please try again in a moment.")
	}
}

// entryLoad is one campaign load under way; done closes when e or err is
// set.
type entryLoad struct {
	done chan struct{}
	e    *campaignEntry
	err  error
}

func (s *Service) load(ctx context.Context, slug string, call *entryLoad, gen int) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	call.e, call.err = s.loadEntry(ctx, slug)
	if call.err != nil && app.ErrorCodeOf(call.err) != app.ENOTFOUND {
		// Callers with an entry in hand carry on with it; say why it is
		// not being refreshed.
		s.log.Warn("campaign reload failed", "campaign", slug, "err", call.err)
	}
	s.mu.Lock()
	if call.err == nil && s.forgotten[slug] == gen {
		s.cache[slug] = call.e
	}
	delete(s.loading, slug)
	s.mu.Unlock()
	close(call.done)
}

func (s *Service) loadEntry(ctx context.Context, slug string) (*campaignEntry, error) {
	now := s.now()
	c, err := s.campaigns.FindCampaignBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if c.Status == app.CampaignDraft {
		return nil, app.Errorf(app.ENOTFOUND, "There is no campaign %q.", slug)
	}
	rules, err := s.campaigns.ListTargetRules(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	tpls, err := s.campaigns.CurrentTemplates(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return &campaignEntry{campaign: c, rules: rules, templates: tpls, loadedAt: now}, nil
}

// Campaign returns a public (open or closed) campaign.
func (s *Service) Campaign(ctx context.Context, slug string) (*app.Campaign, error) {
	e, err := s.entry(ctx, slug)
	if err != nil {
		return nil, err
	}
	return e.campaign, nil
}

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
	e, err := s.entry(ctx, slug)
	if err != nil {
		return nil, err
	}
	if ok, why := e.campaign.AcceptsAt(s.now()); !ok {
		return nil, app.Errorf(app.ECONFLICT, "%s", why)
	}
	if err := s.validateInput(&in); err != nil {
		return nil, err
	}
	m, err := s.match(ctx, e, queryOf(&in), in.Representative)
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
	e, err := s.entry(ctx, slug)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if ok, why := e.campaign.AcceptsAt(now); !ok {
		return nil, app.Errorf(app.ECONFLICT, "%s", why)
	}
	if err := s.validateInput(&in); err != nil {
		return nil, err
	}
	m, err := s.match(ctx, e, queryOf(&in), in.Representative)
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

// FindByConfirmToken loads the submission and campaign a confirmation link
// names, without confirming (the link's page asks first, so that mail
// scanners that open links do not confirm for the supporter).
func (s *Service) FindByConfirmToken(ctx context.Context, token string) (*app.Submission, *app.Campaign, error) {
	if s.confirm == nil || !validToken(token) {
		return nil, nil, app.Errorf(app.ENOTFOUND, "This confirmation link is not valid.")
	}
	sub, err := s.confirm.FindSubmissionByConfirmToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.campaigns.FindCampaignByID(ctx, sub.CampaignID)
	if err != nil {
		return nil, nil, err
	}
	return sub, c, nil
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
	if err != nil {
		return nil, nil, err
	}
	c, err := s.campaigns.FindCampaignByID(ctx, sub.CampaignID)
	if err != nil {
		return nil, nil, err
	}
	return sub, c, nil
}

// PDFLetter lays out a stored letter for the PDF maker, dated in loc.
func PDFLetter(sub *app.Submission, l app.Letter, loc *time.Location) pdf.Letter {
	return pdf.Letter{
		SenderLines:    SenderLines(sub.Supporter),
		Date:           l.CreatedAt.In(loc),
		RecipientLines: RecipientLines(l.Recipient),
		Subject:        l.Subject,
		Body:           l.Body,
	}
}

// SenderLines is the supporter's return address block.
func SenderLines(s app.Supporter) []string {
	lines := []string{s.FullName()}
	for _, l := range []string{s.Address1, s.Address2} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	place := s.City
	if stateZip := strings.TrimSpace(s.State + " " + s.Zip); stateZip != "" {
		if place != "" {
			place += ", "
		}
		place += stateZip
	}
	if place != "" {
		lines = append(lines, place)
	}
	if s.Email != "" {
		lines = append(lines, s.Email)
	}
	return lines
}

// RecipientLines is the inside address: name, office, postal address.
func RecipientLines(t app.Target) []string {
	name := t.Name
	if t.Honorific != "" {
		name = t.Honorific + " " + t.Name
	}
	lines := []string{name}
	switch {
	case t.Chamber == app.House:
		lines = append(lines, "U.S. House of Representatives")
	case t.Chamber == app.Senate:
		lines = append(lines, "United States Senate")
	case t.Kind == app.TargetExecutive && t.Title != "":
		lines = append(lines, t.Title)
	}
	for _, l := range t.AddressLines {
		if l != lines[len(lines)-1] {
			lines = append(lines, l)
		}
	}
	return lines
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

// tokenEncoding is base32 in lowercase letters and the digits 2-7, the
// digits first so that encoded tokens sort as their bytes do. (Tokens of
// earlier versions used the same characters with the digits last; they
// decode all the same.)
var tokenEncoding = base32.NewEncoding("234567abcdefghijklmnopqrstuvwxyz").WithPadding(base32.NoPadding)

// NewToken returns a new submission or confirmation token (see newToken)
// made at the current time.
func NewToken() (string, error) { return newToken(time.Now()) }

// newToken returns a capability token made at now: 32 lowercase base32
// characters holding a 32-bit clock (milliseconds, wrapping every 49.7
// days) followed by 128 random bits. The random bits make it unguessable.
// The clock makes tokens made one after another sort together, so the
// unique index on tokens takes new ones near its end: a group commit then
// dirties one or two of its pages, where purely random tokens dirtied one
// page per submission (16 KiB each on SQLite) once the index held more
// pages than a group has submissions. The wrap keeps the date out of the
// token.
func newToken(now time.Time) (string, error) {
	var b [tokenClockBytes + tokenRandomBytes]byte
	binary.BigEndian.PutUint32(b[:tokenClockBytes], uint32(now.UnixMilli()))
	if _, err := rand.Read(b[tokenClockBytes:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return tokenEncoding.EncodeToString(b[:]), nil
}

const (
	tokenClockBytes  = 4
	tokenRandomBytes = 16
	// tokenLen is the length of tokens made now; oldTokenLen that of the
	// tokens of earlier versions, 128 random bits and no clock, which stay
	// valid.
	tokenLen    = 32
	oldTokenLen = 26
)

func validToken(t string) bool {
	if len(t) != tokenLen && len(t) != oldTokenLen {
		return false
	}
	_, err := tokenEncoding.DecodeString(t)
	return err == nil
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

// OpenCampaigns lists the campaigns that currently take letters.
func (s *Service) OpenCampaigns(ctx context.Context) ([]app.Campaign, error) {
	list, err := s.campaigns.ListCampaigns(ctx, app.CampaignFilter{Status: app.CampaignOpen, Limit: 100})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := list[:0]
	for _, c := range list {
		if ok, _ := c.AcceptsAt(now); ok {
			out = append(out, c)
		}
	}
	return out, nil
}
