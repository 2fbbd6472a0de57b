package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
)

// TestRosterChangeNotices: a notice left by a roster refresh shows on the
// campaign list and on the campaign's page with each change, until an
// organizer dismisses it; the dismissal is in the audit log, and another
// campaign's notice cannot be dismissed through this one.
func TestRosterChangeNotices(t *testing.T) {
	of := newOrgFixture(t)
	ctx := context.Background()
	camp, err := of.db.Campaigns.FindCampaignBySlug(ctx, "free-guan-heng")
	if err != nil {
		t.Fatal(err)
	}
	flags := []app.CampaignFlag{{CampaignID: camp.ID, RosterVersion: 2, CreatedAt: fixedNow, Changes: []string{
		"Paul Tonko (NY-20) is no longer in office: the seat is vacant.",
		"Robert J. Wittman is now Chairman of the House Select Committee on the CCP.",
	}}}
	if err := of.db.Campaigns.AddCampaignFlags(ctx, flags); err != nil {
		t.Fatal(err)
	}
	org := of.organizer()
	_, list := org.get("/organize")
	list = text(list)
	mustContain(t, list, "The roster changed for", "Free Guan Heng", "Paul Tonko (NY-20) is no longer in office: the seat is vacant.",
		`/organize/campaigns/free-guan-heng/flags/`)
	_, page := org.get("/organize/campaigns/free-guan-heng")
	mustContain(t, text(page), "The roster changed", "Robert J. Wittman is now Chairman of the House Select Committee on the CCP.")

	resp, body := org.submit("/organize", "/organize/campaigns/free-guan-heng/flags/999/dismiss", url.Values{})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("dismissing an unknown notice: %d", resp.StatusCode)
	}
	_ = body
	resp, body = org.submit("/organize", "/organize/campaigns/free-guan-heng/flags/"+itoa(flags[0].ID)+"/dismiss",
		url.Values{"back": {"list"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/organize" {
		t.Fatalf("dismiss: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	after := org.follow(resp, body)
	mustContain(t, after, "Notice dismissed.")
	if strings.Contains(after, "Paul Tonko (NY-20)") {
		t.Error("the dismissed notice is still shown")
	}
	events, err := of.db.Audit.ListAuditEvents(ctx, app.AuditFilter{Action: "campaign.roster_changed.dismiss"})
	if err != nil || len(events) != 1 || events[0].ActorEmail != "org@example.org" || events[0].Subject != "campaign:free-guan-heng" {
		t.Errorf("audit %+v %v", events, err)
	}
}
