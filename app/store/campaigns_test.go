package store_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

func newCampaign(slug string) *app.Campaign {
	start := time.Date(2026, 2, 1, 9, 30, 0, 0, time.FixedZone("EST", -5*3600))
	return &app.Campaign{Slug: slug, Title: "Free Him", Summary: "Para 1\n\nPara 2", Ask: "release him on bond",
		Facts: map[string]string{"name": "Jane Doe", "a_number": "A123"}, Status: app.CampaignOpen,
		StartsAt: &start, RetentionDays: 365}
}

// mustCampaign stores a campaign for tests that need one.
func mustCampaign(t testing.TB, e *env, slug string) *app.Campaign {
	t.Helper()
	c := newCampaign(slug)
	if err := e.db.Campaigns.CreateCampaign(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCampaigns(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := newCampaign("free-him")
		if err := e.db.Campaigns.CreateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.CreatedAt.IsZero() || !c.CreatedAt.Equal(c.UpdatedAt) {
			t.Fatalf("create did not set ID/timestamps: %+v", c)
		}
		if c.StartsAt.Location() != time.UTC || c.CreatedAt.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("times not normalised: %v %v", c.StartsAt, c.CreatedAt)
		}
		got, err := e.db.Campaigns.FindCampaignBySlug(ctx, "free-him")
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "campaign by slug", got, c)
		got, err = e.db.Campaigns.FindCampaignByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "campaign by id", got, c)

		_, err = e.db.Campaigns.FindCampaignBySlug(ctx, "nope")
		wantCode(t, err, app.ENOTFOUND)
		_, err = e.db.Campaigns.FindCampaignByID(ctx, 9999)
		wantCode(t, err, app.ENOTFOUND)

		dup := newCampaign("free-him")
		wantCode(t, e.db.Campaigns.CreateCampaign(ctx, dup), app.ECONFLICT)

		e.clock.Add(time.Minute)
		other := newCampaign("other")
		other.Status = app.CampaignDraft
		other.Facts = nil
		other.StartsAt = nil
		if err := e.db.Campaigns.CreateCampaign(ctx, other); err != nil {
			t.Fatal(err)
		}
		got, _ = e.db.Campaigns.FindCampaignByID(ctx, other.ID)
		deepEqual(t, "campaign without facts", got, other)

		// Update: fields change, UpdatedAt moves, CreatedAt stays.
		e.clock.Add(time.Minute)
		c.Title, c.Status, c.Facts = "Free Him Now", app.CampaignClosed, map[string]string{"x": "y"}
		end := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		c.EndsAt = &end
		if err := e.db.Campaigns.UpdateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		if !c.UpdatedAt.After(c.CreatedAt) {
			t.Fatalf("UpdatedAt not moved: %+v", c)
		}
		got, _ = e.db.Campaigns.FindCampaignByID(ctx, c.ID)
		deepEqual(t, "updated campaign", got, c)

		other.Slug = "free-him"
		wantCode(t, e.db.Campaigns.UpdateCampaign(ctx, other), app.ECONFLICT)
		missing := newCampaign("missing")
		missing.ID = 424242
		wantCode(t, e.db.Campaigns.UpdateCampaign(ctx, missing), app.ENOTFOUND)

		list, err := e.db.Campaigns.ListCampaigns(ctx, app.CampaignFilter{})
		if err != nil || len(list) != 2 || list[0].ID != other.ID || list[1].ID != c.ID {
			t.Fatalf("ListCampaigns = %+v, %v (want newest first)", list, err)
		}
		list, _ = e.db.Campaigns.ListCampaigns(ctx, app.CampaignFilter{Status: app.CampaignClosed})
		if len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("closed campaigns = %+v", list)
		}
		list, _ = e.db.Campaigns.ListCampaigns(ctx, app.CampaignFilter{Limit: 1})
		if len(list) != 1 {
			t.Fatalf("limit 1 gave %d", len(list))
		}
	})
}

func TestTargetRules(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := mustCampaign(t, e, "rules")
		rules := []app.TargetRule{
			{Kind: app.RuleExecutive, ExecutiveKey: "DHS_SECRETARY", Position: 3},
			{Kind: app.RuleOwnRepresentative, Position: 0},
			{Kind: app.RuleCommittee, CommitteeCode: "HSZS", LeadershipOnly: true, OnlyConstituents: true, Position: 2},
			{Kind: app.RuleOwnSenators, Position: 1},
		}
		if err := e.db.Campaigns.ReplaceTargetRules(ctx, c.ID, rules); err != nil {
			t.Fatal(err)
		}
		got, err := e.db.Campaigns.ListTargetRules(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]app.TargetRule(nil), rules...)
		sort.SliceStable(want, func(i, j int) bool { return want[i].Position < want[j].Position })
		if len(got) != len(want) {
			t.Fatalf("got %d rules", len(got))
		}
		for i := range got {
			if got[i].ID == 0 || got[i].CampaignID != c.ID {
				t.Fatalf("rule %d: %+v", i, got[i])
			}
			got[i].ID, got[i].CampaignID = 0, 0
		}
		deepEqual(t, "rules", got, want)

		// Replace with fewer rules; then with none.
		if err := e.db.Campaigns.ReplaceTargetRules(ctx, c.ID, rules[:1]); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.db.Campaigns.ListTargetRules(ctx, c.ID); len(got) != 1 || got[0].Kind != app.RuleExecutive {
			t.Fatalf("after replace: %+v", got)
		}
		if err := e.db.Campaigns.ReplaceTargetRules(ctx, c.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.db.Campaigns.ListTargetRules(ctx, c.ID); len(got) != 0 {
			t.Fatalf("after clearing: %+v", got)
		}
		wantCode(t, e.db.Campaigns.ReplaceTargetRules(ctx, 98765, rules), app.ENOTFOUND)
	})
}

func TestTemplateVersions(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := mustCampaign(t, e, "templates")
		save := func(kind app.TargetKind, subject string) app.TemplateVersion {
			t.Helper()
			tv := app.TemplateVersion{CampaignID: c.ID, Kind: kind, Subject: subject, Body: "Dear {{ target.greeting }}",
				Author: "seed", Note: "n"}
			if err := e.db.Campaigns.SaveTemplateVersion(ctx, &tv); err != nil {
				t.Fatal(err)
			}
			e.clock.Add(time.Second)
			return tv
		}
		r1 := save(app.TargetRepresentative, "r1")
		r2 := save(app.TargetRepresentative, "r2")
		s1 := save(app.TargetSenator, "s1")
		if r1.Version != 1 || r2.Version != 2 || s1.Version != 1 || r1.ID == 0 || r1.CreatedAt.IsZero() {
			t.Fatalf("versions: %+v %+v %+v", r1, r2, s1)
		}
		cur, err := e.db.Campaigns.CurrentTemplates(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "current", cur, map[app.TargetKind]app.TemplateVersion{app.TargetRepresentative: r2, app.TargetSenator: s1})
		list, err := e.db.Campaigns.ListTemplateVersions(ctx, c.ID, app.TargetRepresentative)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "history", list, []app.TemplateVersion{r2, r1})
		got, err := e.db.Campaigns.FindTemplateVersion(ctx, r1.ID)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "find", *got, r1)
		_, err = e.db.Campaigns.FindTemplateVersion(ctx, 99999)
		wantCode(t, err, app.ENOTFOUND)
		wantCode(t, e.db.Campaigns.SaveTemplateVersion(ctx, &app.TemplateVersion{CampaignID: 99999, Kind: app.TargetSenator}), app.ENOTFOUND)
		wantCode(t, e.db.Campaigns.SaveTemplateVersion(ctx, &app.TemplateVersion{CampaignID: c.ID, Kind: "bogus"}), app.EINVALID)

		// Concurrent saves get distinct, consecutive numbers.
		const n = 12
		var wg sync.WaitGroup
		versions := make([]int, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				tv := app.TemplateVersion{CampaignID: c.ID, Kind: app.TargetCommittee, Subject: "c", Body: "b"}
				errs[i] = e.db.Campaigns.SaveTemplateVersion(ctx, &tv)
				versions[i] = tv.Version
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		sort.Ints(versions)
		for i, v := range versions {
			if v != i+1 {
				t.Fatalf("concurrent versions = %v", versions)
			}
		}
	})
}
