package campaign

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/match"
)

// DefaultSampleZip is where the preview's sample supporter lives unless
// the organizer picks another ZIP (Albany, NY).
const DefaultSampleZip = "12202"

// DefaultSampleMessage is the sample supporter's own paragraph.
const DefaultSampleMessage = "I have followed this case closely, and it matters to me and to my family."

// PreviewRequest is the editor's unsaved text and the sample to render it
// for.
type PreviewRequest struct {
	Kind    app.TargetKind
	Subject string
	Body    string
	// Zip is the sample supporter's ZIP (DefaultSampleZip when empty).
	Zip string
	// TargetKey picks the recipient among the sample's targets (the first
	// when empty or unknown).
	TargetKey string
	// Message is the sample personal paragraph; "-" means none.
	Message string
}

// Sample is who a preview is written for and to.
type Sample struct {
	Zip       string
	Supporter app.Supporter
	Message   string
	// Targets are the recipients the campaign's rules reach for the sample
	// ZIP that get this kind of letter (see Notes when it had to widen).
	Targets []app.Target
	Target  app.Target // the chosen one; zero when Targets is empty
	Notes   []string
}

// Preview is a letter rendered from unsaved text.
type Preview struct {
	Sample
	Subject string
	Body    string
	Date    time.Time
}

// SampleFor works out the sample supporter and the recipients a preview
// can be written to. A ZIP the roster does not know is an EINVALID error
// on field "zip".
func (s *Service) SampleFor(ctx context.Context, c *app.Campaign, req PreviewRequest) (*Sample, error) {
	if err := s.needRoster(); err != nil {
		return nil, err
	}
	zip := strings.TrimSpace(req.Zip)
	if zip == "" {
		zip = DefaultSampleZip
	}
	msg := req.Message
	switch strings.TrimSpace(msg) {
	case "":
		msg = DefaultSampleMessage
	case "-":
		msg = ""
	}
	sm := &Sample{Zip: zip, Message: msg}
	m := s.roster.Matcher()
	l, err := m.Lookup(ctx, match.Query{Zip: zip})
	if err != nil {
		return nil, err
	}
	state := ""
	if len(l.Districts) > 0 {
		state = l.Districts[0].State
	}
	city := "Springfield"
	if zip == DefaultSampleZip {
		city = "Albany"
	}
	sm.Supporter = app.Supporter{FirstName: "Maria", LastName: "Lopez", Email: "maria@example.org",
		Address1: "12 Elm Street", City: city, State: state, Zip: zip}
	rules, err := s.store.ListTargetRules(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	chosenRep := ""
	if l.Ambiguous() {
		for _, r := range l.Representatives {
			if r.Member != nil {
				chosenRep = r.Member.BioguideID
				sm.Notes = append(sm.Notes, fmt.Sprintf("ZIP %s is split between districts; the sample supporter lives in %s.", zip, r.District))
				break
			}
		}
	}
	res, err := m.Targets(ctx, l, rules, chosenRep)
	if err != nil {
		return nil, err
	}
	sm.Targets = ofKind(res.Targets, req.Kind)
	if len(sm.Targets) == 0 && req.Kind == app.TargetCommittee {
		// "Only if they represent the supporter" often leaves no one for one
		// ZIP; show the members anyway so the letter can be previewed.
		wide := slices.Clone(rules)
		for i := range wide {
			wide[i].OnlyConstituents = false
		}
		if res, err := m.Targets(ctx, l, wide, chosenRep); err == nil {
			sm.Targets = ofKind(res.Targets, req.Kind)
			if len(sm.Targets) > 0 {
				sm.Notes = append(sm.Notes, fmt.Sprintf("No committee or commission member represents ZIP %s; showing the members a supporter elsewhere could write to.", zip))
			}
		}
	}
	if len(sm.Targets) == 0 {
		sm.Targets = res.Targets
		if len(sm.Targets) > 0 {
			sm.Notes = append(sm.Notes, fmt.Sprintf("The campaign writes to no %s from ZIP %s; showing this letter addressed to the recipients it does reach.", kindWords(req.Kind), zip))
		}
	}
	if len(sm.Targets) == 0 {
		sm.Notes = append(sm.Notes, fmt.Sprintf("The campaign reaches no one from ZIP %s; the preview uses an example recipient.", zip))
		sm.Target = exampleTarget(req.Kind)
		return sm, nil
	}
	sm.Target = sm.Targets[0]
	for _, t := range sm.Targets {
		if t.Key == req.TargetKey {
			sm.Target = t
		}
	}
	return sm, nil
}

func ofKind(ts []app.Target, k app.TargetKind) []app.Target {
	var out []app.Target
	for _, t := range ts {
		if t.Kind == k {
			out = append(out, t)
		}
	}
	return out
}

func kindWords(k app.TargetKind) string {
	switch k {
	case app.TargetRepresentative:
		return "Representative"
	case app.TargetSenator:
		return "Senator"
	case app.TargetCommittee:
		return "committee or commission member"
	case app.TargetExecutive:
		return "executive official"
	}
	return string(k)
}

// exampleTarget stands in when the rules reach no one for the sample.
func exampleTarget(k app.TargetKind) app.Target {
	d := 20
	t := app.Target{Key: "example", Kind: k, Name: "Paul Tonko", LastName: "Tonko", Title: "Representative",
		Honorific: "The Honorable", Chamber: app.House, State: "NY", District: &d,
		AddressLines: []string{"2269 Rayburn House Office Building", "Washington, DC 20515"},
		Reasons:      []string{"example recipient"}}
	if k == app.TargetExecutive {
		t = app.Target{Key: "example", Kind: k, Name: "Jane Doe", LastName: "Doe", Title: "Secretary",
			Honorific: "The Honorable", AddressLines: []string{"Washington, DC 20528"}, Reasons: []string{"example recipient"}}
	}
	return t
}

// Preview renders unsaved text for a sample supporter and a real
// recipient. Template errors come back as from ValidateTemplate and
// nothing is stored.
func (s *Service) Preview(ctx context.Context, slug string, req PreviewRequest) (*Preview, error) {
	if err := kindOf(req.Kind); err != nil {
		return nil, err
	}
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.PreviewFor(ctx, c, req)
}

// PreviewFor is Preview for a campaign already loaded (and authorized).
func (s *Service) PreviewFor(ctx context.Context, c *app.Campaign, req PreviewRequest) (*Preview, error) {
	d := TemplateDraft{Subject: req.Subject, Body: req.Body}
	d.normalize()
	if err := s.ValidateTemplate(c, req.Kind, d); err != nil {
		return nil, err
	}
	sm, err := s.SampleFor(ctx, c, req)
	if err != nil {
		return nil, err
	}
	date := s.now().In(s.loc)
	tv := app.TemplateVersion{Kind: req.Kind, Subject: d.Subject, Body: d.Body} // ID 0: never cached
	subject, body, err := s.letters.Render(tv, c, sm.Target, sm.Supporter, sm.Message, date)
	if err != nil {
		return nil, err
	}
	return &Preview{Sample: *sm, Subject: subject, Body: body, Date: date}, nil
}

// PreviewPDF renders unsaved text as the PDF a supporter would download,
// stamped SAMPLE on every page: it is written for a sample supporter, and
// must not pass for a real letter if it is printed or forwarded.
func (s *Service) PreviewPDF(ctx context.Context, slug string, req PreviewRequest) ([]byte, error) {
	if s.pdf == nil {
		return nil, fmt.Errorf("campaign: no PDF maker configured")
	}
	p, err := s.Preview(ctx, slug, req)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = s.pdf.WriteLetter(&buf, pdf.Letter{
		SenderLines:    pdf.SenderLines(p.Supporter),
		Date:           p.Date,
		RecipientLines: pdf.RecipientLines(p.Target),
		Subject:        p.Subject,
		Body:           p.Body,
		Sample:         true,
	})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
