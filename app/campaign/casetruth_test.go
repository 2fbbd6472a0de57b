package campaign_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
)

// Facts carry a source and the day they were checked; the report warns
// about facts never checked or checked longer ago than the interval.
func TestFactChecksAndReview(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	c, err := s.camps.Get(ctx, seedSlug)
	if err != nil {
		t.Fatal(err)
	}
	in := s.camps.DetailsOf(c)
	if len(in.Facts) != 5 || in.Facts[0].Source == "" || in.Facts[0].VerifiedOn != "2026-12-05" || in.ReviewDays != "30" {
		t.Fatalf("form from the seed: %+v", in)
	}
	for _, tc := range []struct {
		edit func(f *campaign.Fact)
		want string
	}{
		{func(f *campaign.Fact) { f.VerifiedOn = "Dec 5" }, "not a date"},
		{func(f *campaign.Fact) { f.VerifiedOn, f.Source = "2026-11-01", "" }, "name the source"},
		{func(f *campaign.Fact) { f.VerifiedOn = "2027-01-01" }, "in the future"},
	} {
		bad := in
		bad.Facts = append([]campaign.Fact(nil), in.Facts...)
		tc.edit(&bad.Facts[1])
		_, err = s.camps.UpdateCampaign(ctx, seedSlug, bad)
		if msg := app.ErrorFieldsOf(err)["facts"]; !strings.Contains(msg, tc.want) || !strings.Contains(msg, bad.Facts[1].Key) {
			t.Errorf("want %q: %v", tc.want, err)
		}
	}
	bad := in
	bad.ReviewDays = "400"
	if _, err = s.camps.UpdateCampaign(ctx, seedSlug, bad); app.ErrorFieldsOf(err)["review_days"] == "" {
		t.Errorf("review interval 400: %v", err)
	}

	// Check one fact long ago, add one never checked: both are due.
	in.Facts[0].VerifiedOn = "2026-09-01"
	in.Facts = append(in.Facts, campaign.Fact{Key: "extra", Value: "x"})
	in.ReviewDays = "14"
	c, err = s.camps.UpdateCampaign(ctx, seedSlug, in)
	if err != nil {
		t.Fatal(err)
	}
	r := s.camps.Facts(c)
	if strings.Join(r.Stale, ",") != "asylum_court,extra" || r.VerifiedOn != nil || r.ReviewDays != 14 {
		t.Fatalf("report = %+v", r)
	}
	for _, f := range r.Facts {
		if f.Key == "extra" && (f.VerifiedOn != nil || f.Source != "" || !f.Stale) {
			t.Errorf("unchecked fact: %+v", f)
		}
	}
	s.audit.has(t, "campaign.update campaign:"+seedSlug+" changed facts, fact sources, review interval")

	// Checked again today: verified on the oldest check.
	in.Facts[0].VerifiedOn = "2026-11-20"
	in.Facts = in.Facts[:len(in.Facts)-1]
	if c, err = s.camps.UpdateCampaign(ctx, seedSlug, in); err != nil {
		t.Fatal(err)
	}
	if r := s.camps.Facts(c); len(r.Stale) != 0 || r.VerifiedOn == nil || r.VerifiedOn.Format("2006-01-02") != "2026-11-20" {
		t.Fatalf("report after checking = %+v", r)
	}
}

// Case updates are dated, validated, listed newest first on the public
// campaign at once, removable, and audited.
func TestCaseUpdates(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	_, err := s.camps.PostUpdate(ctx, seedSlug, campaign.UpdateInput{On: "yesterday", Body: " ", SourceURL: "javascript:alert(1)"})
	if f := app.ErrorFieldsOf(err); f["on"] == "" || f["body"] == "" || f["source_url"] == "" {
		t.Fatalf("bad update: %v", err)
	}
	if _, err := s.camps.PostUpdate(context.Background(), seedSlug, campaign.UpdateInput{On: "2026-11-01", Body: "x"}); app.ErrorCodeOf(err) != app.EUNAUTHORIZED {
		t.Fatalf("anonymous update: %v", err)
	}
	if _, err := s.camps.PostUpdate(ctx, seedSlug, campaign.UpdateInput{On: "2026-11-01", Body: "A hearing was announced."}); err != nil {
		t.Fatal(err)
	}
	// Warm the supporters' cache, then post: the page shows it at once.
	if _, err := s.submit.Campaign(context.Background(), seedSlug); err != nil {
		t.Fatal(err)
	}
	u, err := s.camps.PostUpdate(ctx, seedSlug, campaign.UpdateInput{On: "2026-11-20", Body: "The hearing was held.", SourceURL: "https://example.org/h"})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s.submit.Campaign(context.Background(), seedSlug)
	if err != nil || len(pub.Updates) != 2 || pub.Updates[0].Body != "The hearing was held." || pub.Updates[0].Author != "org@example.org" {
		t.Fatalf("public updates: %+v %v", pub.Updates, err)
	}
	if err := s.camps.DeleteUpdate(ctx, seedSlug, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.camps.DeleteUpdate(ctx, seedSlug, u.ID); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	if pub, _ = s.submit.Campaign(context.Background(), seedSlug); len(pub.Updates) != 1 {
		t.Fatalf("after delete: %+v", pub.Updates)
	}
	s.audit.has(t, "org@example.org campaign.update.post campaign:"+seedSlug+" posted the update of 2026-11-20: The hearing was held.",
		"campaign.update.delete campaign:"+seedSlug+" removed the update of 2026-11-20")
}

// Closing with the outcome stops letters and records how it ended.
func TestCloseWithOutcome(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	if _, err := s.camps.CloseWithOutcome(ctx, seedSlug, "  ", "2026-11-01"); app.ErrorFieldsOf(err)["outcome"] == "" {
		t.Fatalf("empty outcome: %v", err)
	}
	if _, err := s.camps.CloseWithOutcome(ctx, seedSlug, "Won", "2030-01-01"); app.ErrorFieldsOf(err)["outcome_on"] == "" {
		t.Fatalf("future outcome: %v", err)
	}
	if c, _ := s.camps.Get(ctx, seedSlug); c.Status != app.CampaignOpen {
		t.Fatal("a refused close closed the campaign")
	}
	c, err := s.camps.CloseWithOutcome(ctx, seedSlug, "Won: the hearing was held.", "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != app.CampaignClosed || c.Outcome != "Won: the hearing was held." || c.OutcomeOn == nil || c.OutcomeOn.Format("2006-01-02") != "2026-11-22" {
		t.Fatalf("closed: %+v", c)
	}
	pub, err := s.submit.Campaign(context.Background(), seedSlug)
	if err != nil || pub.Outcome != c.Outcome {
		t.Fatalf("public: %+v %v", pub, err)
	}
	if ok, _ := pub.AcceptsAt(testNow); ok {
		t.Fatal("a closed campaign takes letters")
	}
	s.audit.has(t, "campaign.close campaign:"+seedSlug+" open \u2192 closed with the outcome of 2026-11-22: Won: the hearing was held.")
}

// A copy is a new draft with the facts, sources, rules and current
// letters; its history starts fresh and names where it came from.
func TestCopyCampaign(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	in := app.SubmissionInput{FirstName: "Ana", LastName: "Diaz", Email: "ana@example.org", Address1: "1 State St",
		City: "Albany", State: "NY", Zip: "12202"}
	if _, err := s.submit.Submit(context.Background(), seedSlug, in); err != nil {
		t.Fatal(err)
	}
	if _, err := s.camps.Copy(ctx, seedSlug, campaign.CopyInput{Slug: "free-guan-heng", Title: "X"}); app.ErrorFieldsOf(err)["slug"] == "" {
		t.Fatalf("taken slug: %v", err)
	}
	if _, err := s.camps.Copy(ctx, seedSlug, campaign.CopyInput{Slug: "Bad Slug", Title: ""}); app.ErrorFieldsOf(err)["title"] == "" || app.ErrorFieldsOf(err)["slug"] == "" {
		t.Fatalf("bad copy: %v", err)
	}
	src, _ := s.camps.Get(ctx, seedSlug)
	cp, err := s.camps.Copy(ctx, seedSlug, campaign.CopyInput{Slug: "next-witness", Title: "The next witness"})
	if err != nil {
		t.Fatal(err)
	}
	if cp.Status != app.CampaignDraft || cp.Ask != src.Ask || len(cp.Facts) != len(src.Facts) || len(cp.FactSources) != len(src.FactSources) ||
		cp.Outcome != "" || cp.ReviewDays != src.ReviewDays {
		t.Fatalf("copy: %+v", cp)
	}
	srcRules, _, _ := s.camps.Rules(ctx, seedSlug)
	rules, _, _ := s.camps.Rules(ctx, "next-witness")
	if len(rules) != len(srcRules) || rules[2].CommitteeCode != "HSZS" || !rules[2].LeadershipOnly {
		t.Fatalf("rules: %+v", rules)
	}
	tpls, _ := s.camps.Templates(ctx, cp)
	srcTpls, _ := s.camps.Templates(ctx, src)
	for _, k := range app.TargetKinds() {
		if tpls[k].Version != 1 || tpls[k].Body != srcTpls[k].Body || tpls[k].Note != "copied from protect-witnesses, "+string(k)+" letter version 1" {
			t.Errorf("%s: %+v", k, tpls[k])
		}
	}
	counts, _ := s.db.Stats.SubmissionCounts(context.Background())
	if counts[cp.ID] != 0 || counts[src.ID] != 1 {
		t.Fatalf("submissions: %v", counts)
	}
	s.audit.has(t, "campaign.copy campaign:next-witness copied from protect-witnesses as a draft")
}

// The acted list is checked, and a listed recipient's letter thanks them.
func TestSetActedThanksThem(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	_, err := s.camps.SetActed(ctx, seedSlug, []campaign.ActedInput{{Key: "Tonko", Action: "x", Source: "y"}})
	if !strings.Contains(app.ErrorFieldsOf(err)["acted"], "is not a bioguide id") {
		t.Fatalf("bad key: %v", err)
	}
	_, err = s.camps.SetActed(ctx, seedSlug, []campaign.ActedInput{{Key: "T000469", Action: "asked for a hearing"}})
	if !strings.Contains(app.ErrorFieldsOf(err)["acted"], "name the source") {
		t.Fatalf("no source: %v", err)
	}
	c, err := s.camps.SetActed(ctx, seedSlug, []campaign.ActedInput{{}, {Key: "t000469", Action: "asked for such a hearing",
		Source: "his statement, 2026-11-01", On: "2026-11-01"}})
	if err != nil || len(c.Acted) != 1 || c.Acted[0].Key != "T000469" {
		t.Fatalf("save: %+v %v", c, err)
	}
	in := app.SubmissionInput{FirstName: "Ana", LastName: "Diaz", Email: "ana@example.org", Address1: "1 State St",
		City: "Albany", State: "NY", Zip: "12202"}
	res, err := s.submit.Submit(context.Background(), seedSlug, in)
	if err != nil {
		t.Fatal(err)
	}
	sub := res.Submission
	thanked := 0
	for _, l := range sub.Letters {
		has := strings.Contains(l.Body, "Thank you: you have already asked for such a hearing.")
		if has != (l.Recipient.BioguideID == "T000469") {
			t.Errorf("%s: thanked %v", l.Recipient.Name, has)
		}
		if has {
			thanked++
		}
	}
	if thanked != 1 {
		t.Fatalf("thanked %d letters", thanked)
	}
	s.audit.has(t, "campaign.acted.save campaign:"+seedSlug+" already acted: T000469")
}

// The open seed campaign works on a fresh install: its letters for a real
// ZIP ask for nothing the won case already got, and every fact of every
// seed campaign has its source and check date.
func TestSeedIsTrueToday(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	asks := regexp.MustCompile(`(?i)[^.]*\b(release|bond|parole)\b[^.]*\.`)
	for _, slug := range []string{"free-guan-heng", seedSlug} {
		c, err := s.camps.Get(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		for k := range c.Facts {
			if src := c.FactSources[k]; src.VerifiedOn == nil || !regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).MatchString(src.Source) {
				t.Errorf("%s: fact %s has no dated source: %+v", slug, k, src)
			}
		}
		for _, a := range c.Acted {
			if a.Source == "" {
				t.Errorf("%s: %s acted without a source", slug, a.Key)
			}
		}
		if probs, _ := s.camps.Problems(ctx, c); len(probs) > 0 {
			t.Errorf("%s problems: %v", slug, probs)
		}
	}
	in := app.SubmissionInput{FirstName: "Ana", LastName: "Diaz", Email: "ana@example.org", Address1: "1 State St",
		City: "Albany", State: "NY", Zip: "12202"}
	if _, err := s.submit.Submit(context.Background(), "free-guan-heng", in); app.ErrorCodeOf(err) != app.ECONFLICT {
		t.Fatalf("the won campaign takes letters: %v", err)
	}
	res, err := s.submit.Submit(context.Background(), seedSlug, in)
	if err != nil {
		t.Fatal(err)
	}
	sub := res.Submission
	if len(sub.Letters) < 5 {
		t.Fatalf("%d letters", len(sub.Letters))
	}
	for _, l := range sub.Letters {
		if m := asks.FindString(l.Subject + "\n" + l.Body); m != "" && !strings.Contains(m, "was released from immigration detention on February 3, 2026") {
			t.Errorf("%s letter: %q", l.Recipient.Name, m)
		}
		if strings.Contains(l.Body, "[") {
			t.Errorf("%s letter has a placeholder", l.Recipient.Name)
		}
	}
}

// On an open campaign, a starter placeholder cannot reach offices by the
// back door: saving one into a letter in use, restoring a starter version
// or adding a rule whose letter is still a starter is refused.
func TestOpenCampaignRefusesStarterLetters(t *testing.T) {
	ctx := organizer()
	s := newStack(t)
	starter := campaign.StarterTemplate(app.TargetSenator)
	_, _, err := s.camps.SaveTemplate(ctx, seedSlug, app.TargetSenator, campaign.TemplateDraft{Subject: starter.Subject, Body: starter.Body})
	if !strings.Contains(app.ErrorFieldsOf(err)["body"], "replace the starter letter's placeholder \u201c[Explain") {
		t.Fatalf("starter saved into an open campaign: %v", err)
	}

	if _, err := s.camps.CreateCampaign(ctx, campaign.DetailsInput{Slug: "free-ana", Title: "Free Ana", Ask: "help Ana"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []app.TargetKind{app.TargetRepresentative, app.TargetSenator} {
		if _, _, err := s.camps.SaveTemplate(ctx, "free-ana", k, campaign.TemplateDraft{Subject: "Help", Body: "{{ recipient.greeting }}\n\nPlease help Ana."}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.camps.Open(ctx, "free-ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.camps.RestoreTemplate(ctx, "free-ana", app.TargetSenator, 1); app.ErrorCodeOf(err) != app.ECONFLICT ||
		!strings.Contains(app.ErrorMessageOf(err), "placeholder") {
		t.Fatalf("restoring the starter: %v", err)
	}
	_, err = s.camps.AddRule(ctx, "free-ana", campaign.RuleInput{Kind: app.RuleCommittee, CommitteeCode: "TLHRC", LeadershipOnly: true})
	if !strings.Contains(app.ErrorFieldsOf(err)["kind"], "committee letter still has the starter letter's placeholder") {
		t.Fatalf("rule with a starter letter: %v", err)
	}
	if _, _, err := s.camps.SaveTemplate(ctx, "free-ana", app.TargetCommittee, campaign.TemplateDraft{Subject: "Help",
		Body: "{{ recipient.greeting }}\n\nPlease help Ana."}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.camps.AddRule(ctx, "free-ana", campaign.RuleInput{Kind: app.RuleCommittee, CommitteeCode: "TLHRC", LeadershipOnly: true}); err != nil {
		t.Fatalf("rule after writing the letter: %v", err)
	}
}
