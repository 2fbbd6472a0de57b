package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Fact sources, the review interval, the outcome, the acted list and case
// updates round-trip on both databases; updates come newest first and go
// with their campaign.
func TestCampaignCaseTruth(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := newCampaign("case-truth")
		feb4 := time.Date(2026, 2, 4, 0, 0, 0, 0, time.UTC)
		c.FactSources = map[string]app.FactSource{"name": {VerifiedOn: &feb4, Source: "Associated Press, 2026-02-04"}}
		c.ReviewDays = 14
		c.Acted = []app.ActedRecipient{{Key: "leg:K000391", Action: "wrote to the Secretary", Source: "his letter"},
			{Key: "body:TLHRC", Action: "spoke up", Source: "statement", On: &feb4}}
		if err := e.db.Campaigns.CreateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := e.db.Campaigns.FindCampaignBySlug(ctx, c.Slug)
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "campaign with sources", got, c)

		jan28 := time.Date(2026, 1, 28, 0, 0, 0, 0, time.UTC)
		c.Status, c.Outcome, c.OutcomeOn = app.CampaignClosed, "won: asylum granted", &jan28
		c.Acted = c.Acted[:1]
		if err := e.db.Campaigns.UpdateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		for i, on := range []time.Time{jan28, feb4, jan28.AddDate(0, 0, -10)} {
			u := &app.CaseUpdate{CampaignID: c.ID, On: on, Body: "update " + string(rune('A'+i)), SourceURL: "https://example.org", Author: "ana@example.org"}
			if err := e.db.Campaigns.AddCaseUpdate(ctx, u); err != nil {
				t.Fatal(err)
			}
			if u.ID == 0 || u.CreatedAt.IsZero() {
				t.Fatalf("update not stored: %+v", u)
			}
		}
		wantCode(t, e.db.Campaigns.AddCaseUpdate(ctx, &app.CaseUpdate{CampaignID: 999999, On: jan28, Body: "x"}), app.ENOTFOUND)
		got, err = e.db.Campaigns.FindCampaignByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Outcome != c.Outcome || got.OutcomeOn == nil || !got.OutcomeOn.Equal(jan28) || len(got.Acted) != 1 || got.ReviewDays != 14 {
			t.Fatalf("closed campaign = %+v", got)
		}
		var bodies []string
		for _, u := range got.Updates {
			bodies = append(bodies, u.Body)
		}
		deepEqual(t, "updates newest first", bodies, []string{"update B", "update A", "update C"})

		wantCode(t, e.db.Campaigns.DeleteCaseUpdate(ctx, c.ID+1, got.Updates[0].ID), app.ENOTFOUND)
		if err := e.db.Campaigns.DeleteCaseUpdate(ctx, c.ID, got.Updates[0].ID); err != nil {
			t.Fatal(err)
		}
		if got, _ = e.db.Campaigns.FindCampaignBySlug(ctx, c.Slug); len(got.Updates) != 2 {
			t.Fatalf("after delete: %d updates", len(got.Updates))
		}
		// Lists stay light: no updates.
		list, _ := e.db.Campaigns.ListCampaigns(ctx, app.CampaignFilter{})
		if len(list) != 1 || list[0].Updates != nil || list[0].Outcome != c.Outcome {
			t.Fatalf("list = %+v", list)
		}
		if n := e.count(t, "case_updates"); n != 2 {
			t.Fatalf("case_updates rows = %d", n)
		}
	})
}
