package campaign_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/data"
	"github.com/advocate-org/advocate/templates"
)

func newService(t *testing.T) (*campaign.Service, *store.DB) {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DSN: filepath.Join(t.TempDir(), "a.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return campaign.New(campaign.Options{Store: db.Campaigns, Letters: letter.NewRenderer(letter.Options{})}), db
}

func TestLoadSeedOnce(t *testing.T) {
	ctx := context.Background()
	s, db := newService(t)
	camps, _ := fs.Sub(data.Seed(), "campaigns")
	created, err := s.LoadSeed(ctx, camps, templates.Letters())
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 2 || created[0] != "free-guan-heng" || created[1] != "protect-witnesses" {
		t.Fatalf("created %v", created)
	}
	// The first campaign's case was won: it is closed with its outcome and
	// its updates, its letters kept as the example.
	won, err := db.Campaigns.FindCampaignBySlug(ctx, "free-guan-heng")
	if err != nil {
		t.Fatal(err)
	}
	if won.Status != app.CampaignClosed || !strings.HasPrefix(won.Outcome, "Won: ") || won.OutcomeOn == nil ||
		won.OutcomeOn.Format("2006-01-02") != "2026-02-04" || len(won.Updates) != 2 || won.Updates[0].On.Format("2006-01-02") != "2026-02-03" {
		t.Fatalf("closed seed campaign: %+v", won)
	}
	if len(won.Acted) != 2 || !won.Acted[0].Matches(app.Target{Key: "leg:K000391", BioguideID: "K000391"}) {
		t.Fatalf("acted: %+v", won.Acted)
	}
	c, err := db.Campaigns.FindCampaignBySlug(ctx, "protect-witnesses")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != app.CampaignOpen || c.Facts["witness"] != "Guan Heng" || c.Outcome != "" {
		t.Fatalf("seed campaign: %+v", c)
	}
	if d := c.Delivery; d.DoubleOptIn || !d.ReplyToSupporter || d.OrgName != "Protect the Witnesses" ||
		d.CWCTopic != "Immigration" || d.OrgStatement == "" || strings.HasSuffix(d.OrgStatement, "\n") {
		t.Fatalf("seed delivery settings: %+v", d)
	}
	rules, _ := db.Campaigns.ListTargetRules(ctx, c.ID)
	if len(rules) != 6 || rules[0].Kind != app.RuleOwnRepresentative || rules[5].ExecutiveKey != "DHS_SECRETARY" {
		t.Fatalf("rules: %+v", rules)
	}
	tpls, _ := db.Campaigns.CurrentTemplates(ctx, c.ID)
	for _, k := range app.TargetKinds() {
		if tpls[k].Version != 1 || tpls[k].Author != "seed" || !strings.Contains(tpls[k].Body, "{{ recipient.greeting }}") {
			t.Errorf("%s template: %+v", k, tpls[k])
		}
	}
	again, err := s.LoadSeed(ctx, camps, templates.Letters())
	if err != nil || len(again) != 0 {
		t.Fatalf("second LoadSeed: %v %v", again, err)
	}
}

func TestCreateRejectsBadCampaigns(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	good := app.TemplateVersion{Subject: "Hello", Body: "{{ recipient.greeting }}\n\nText."}
	tests := []struct {
		name string
		d    campaign.Draft
		want string
	}{
		{"bad slug", campaign.Draft{Campaign: app.Campaign{Slug: "Bad Slug", Title: "x", Status: app.CampaignOpen}}, "slug"},
		{"missing template", campaign.Draft{
			Campaign: app.Campaign{Slug: "a", Title: "x", Status: app.CampaignOpen},
			Rules:    []app.TargetRule{{Kind: app.RuleOwnSenators}},
		}, "no letter"},
		{"unknown field", campaign.Draft{
			Campaign:  app.Campaign{Slug: "b", Title: "x", Status: app.CampaignOpen},
			Rules:     []app.TargetRule{{Kind: app.RuleOwnSenators}},
			Templates: map[app.TargetKind]app.TemplateVersion{app.TargetSenator: {Subject: "x", Body: "{{ supporter.nmae }}"}},
		}, "supporter.nmae"},
		{"committee rule without code", campaign.Draft{
			Campaign:  app.Campaign{Slug: "c", Title: "x", Status: app.CampaignOpen},
			Rules:     []app.TargetRule{{Kind: app.RuleCommittee}},
			Templates: map[app.TargetKind]app.TemplateVersion{app.TargetCommittee: good},
		}, "committee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(ctx, tt.d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if app.ErrorCodeOf(err) != app.EINVALID {
				t.Errorf("code %s", app.ErrorCodeOf(err))
			}
		})
	}
	c, err := s.Create(ctx, campaign.Draft{
		Campaign:  app.Campaign{Slug: "ok", Title: "OK", Status: app.CampaignOpen},
		Rules:     []app.TargetRule{{Kind: app.RuleOwnSenators}},
		Templates: map[app.TargetKind]app.TemplateVersion{app.TargetSenator: good},
	})
	if err != nil || c.ID == 0 {
		t.Fatalf("good campaign: %v", err)
	}
	if _, err := s.Create(ctx, campaign.Draft{
		Campaign:  app.Campaign{Slug: "ok", Title: "OK", Status: app.CampaignOpen},
		Rules:     []app.TargetRule{{Kind: app.RuleOwnSenators}},
		Templates: map[app.TargetKind]app.TemplateVersion{app.TargetSenator: good},
	}); app.ErrorCodeOf(err) != app.ECONFLICT {
		t.Fatalf("duplicate slug: %v", err)
	}
}
