package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
)

// detailsValues is the campaign form as the edit page fills it for c.
func (of *orgFixture) detailsValues(c *app.Campaign) url.Values {
	d := of.camps.DetailsOf(c)
	v := url.Values{"title": {d.Title}, "slug": {d.Slug}, "ask": {d.Ask}, "summary": {d.Summary},
		"starts_at": {d.StartsAt}, "ends_at": {d.EndsAt}, "retention_days": {d.RetentionDays}}
	for _, f := range d.Facts {
		v.Add("fact_key", f.Key)
		v.Add("fact_value", f.Value)
	}
	return v
}

func TestCampaignDeliverySettingsOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	ctx := context.Background()
	const slug = "protect-witnesses"
	const page = "/organize/campaigns/" + slug + "/edit"
	camp, err := of.db.Campaigns.FindCampaignBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	// The seed's settings show on the form.
	_, form := b.get(page)
	mustContain(t, form, `name="double_opt_in"`, `id="reply_to_supporter" name="reply_to_supporter" value="1" checked`,
		`value="Protect the Witnesses"`, `value="Immigration"`, `id="org_statement"`)
	mustNotContain(t, form, `id="double_opt_in" name="double_opt_in" value="1" checked`)

	// Bad values come back next to their fields and change nothing.
	bad := of.detailsValues(camp)
	bad.Set("double_opt_in", "1")
	bad.Set("confirm_within_hours", "two days")
	bad.Set("org_name", strings.Repeat("x", 201))
	bad.Set("cwc_topic", "Immigration")
	resp, body := b.submit(page, page, bad)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad save: %d\n%s", resp.StatusCode, body)
	}
	mustContain(t, body, `id="confirm_within_hours-error"`, `id="org_name-error"`, `value="two days"`)
	resp, body = b.submit(page, page, func() url.Values {
		v := of.detailsValues(camp)
		v.Set("confirm_within_hours", "721")
		return v
	}())
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="confirm_within_hours-error"`) {
		t.Fatalf("out of range hours: %d", resp.StatusCode)
	}
	if got, _ := of.db.Campaigns.FindCampaignBySlug(ctx, slug); got.Delivery != camp.Delivery {
		t.Fatalf("refused save changed the settings: %+v", got.Delivery)
	}

	// A good save stores every setting.
	good := of.detailsValues(camp)
	good.Set("double_opt_in", "1")
	good.Set("confirm_within_hours", "48")
	good.Set("org_name", "  Friends of Ana ")
	good.Set("org_statement", "We ask for his release.\r\nThank you.")
	good.Set("cwc_topic", "Civil Rights and Liberties, Minority Issues")
	resp, body = b.submit(page, page, good)
	b.follow(resp, body)
	got, err := of.db.Campaigns.FindCampaignBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	want := app.DeliverySettings{DoubleOptIn: true, ConfirmWithinHours: 48, ReplyToSupporter: false,
		OrgName: "Friends of Ana", OrgStatement: "We ask for his release.\nThank you.", CWCTopic: "Civil Rights and Liberties, Minority Issues"}
	if got.Delivery != want {
		t.Fatalf("stored %+v\nwant %+v", got.Delivery, want)
	}
	_, form = b.get(page)
	mustContain(t, form, `id="double_opt_in" name="double_opt_in" value="1" checked`, `value="48"`, `value="Friends of Ana"`)
	mustNotContain(t, form, `id="reply_to_supporter" name="reply_to_supporter" value="1" checked`)
}
