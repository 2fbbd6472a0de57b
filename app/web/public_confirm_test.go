package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

// submitAs sends the supporter form and returns the thank-you page path
// that the copy email carries.
func (f *fixture) submitAs(t *testing.T, email string) string {
	t.Helper()
	form := supporterForm("12202", "NY")
	form.Set("email", email)
	form.Set("_csrf", f.csrf(slug))
	resp, body := f.postForm("/c/"+slug+"/submit", form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your email") {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	return f.emailedLink(t, slug, email)
}

func TestThanksPageShowsEmailDeliveries(t *testing.T) {
	f := newFixture(t, "", "")
	loc := f.submitAs(t, "jose@example.org")
	_, body := f.get(loc)
	// The seed roster knows the Tom Lantos commission's address; the
	// letters to its co-chairs go there, and a copy to the supporter.
	mustContain(t, body, "Email to TLHRC@mail.house.gov: queued", "A copy of your letters to jose@example.org",
		"PDF: ready to download")
	mustNotContain(t, body, "One more step")

	sub, err := f.db.Submissions.FindSubmissionByToken(context.Background(), strings.TrimPrefix(loc, "/s/"))
	if err != nil {
		t.Fatal(err)
	}
	var emails, copies int
	for i, l := range sub.Letters {
		for _, d := range l.Deliveries {
			switch d.Channel {
			case app.ChannelEmail:
				emails++
				if d.To != "TLHRC@mail.house.gov" || d.Status != app.StatusQueued || d.NextAttemptAt == nil {
					t.Errorf("email delivery %+v", d)
				}
			case app.ChannelCopy:
				copies++
				if i != 0 || d.To != "jose@example.org" || d.Status != app.StatusQueued {
					t.Errorf("copy delivery %+v", d)
				}
			}
		}
	}
	if emails != 2 || copies != 1 || !sub.Confirmed() {
		t.Errorf("%d emails, %d copies, confirmed %v", emails, copies, sub.Confirmed())
	}
}

func TestDoubleOptInConfirmation(t *testing.T) {
	f := newFixture(t, "", "")
	ctx := context.Background()
	c, err := f.db.Campaigns.FindCampaignBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	c.Delivery.DoubleOptIn, c.Delivery.ConfirmWithinHours = true, 24
	if err := f.db.Campaigns.UpdateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	f.submit.Forget(slug)

	loc := f.submitAs(t, "jose@example.org")
	_, body := f.get(loc)
	mustContain(t, body, "One more step", "waiting for your confirmation")
	sub, err := f.db.Submissions.FindSubmissionByToken(ctx, strings.TrimPrefix(loc, "/s/"))
	if err != nil {
		t.Fatal(err)
	}
	if sub.Confirmed() || len(sub.ConfirmToken) != 32 || sub.ConfirmToken == sub.Token {
		t.Fatalf("submission %+v", sub)
	}
	for _, d := range sub.Letters[0].Deliveries {
		if d.Channel == app.ChannelCopy && d.Status != app.StatusQueued {
			t.Errorf("the copy (with the link) must go out at once: %+v", d)
		}
	}

	// Opening the link only asks; a scanner fetching it confirms nothing.
	resp, page := f.get("/confirm/" + sub.ConfirmToken)
	if resp.StatusCode != 200 {
		t.Fatalf("confirm page %d", resp.StatusCode)
	}
	mustContain(t, page, "Yes, I wrote these letters")
	if again, _ := f.db.Submissions.FindSubmissionByToken(ctx, sub.Token); again.Confirmed() {
		t.Fatal("GET confirmed the letters")
	}
	token := csrfRE.FindStringSubmatch(page)[1]
	resp, _ = f.postForm("/confirm/"+sub.ConfirmToken, url.Values{"_csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != loc {
		t.Fatalf("confirm: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = f.get(loc)
	mustNotContain(t, body, "One more step", "waiting for your confirmation")
	mustContain(t, body, "Email to TLHRC@mail.house.gov: queued")
	// A second click lands on the letters' page.
	resp, _ = f.get("/confirm/" + sub.ConfirmToken)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("confirmed link: %d", resp.StatusCode)
	}

	// Unknown and malformed links.
	for _, bad := range []string{"aaaaaaaaaaaaaaaaaaaaaaaaaa", "x", sub.Token} {
		if resp, _ := f.get("/confirm/" + bad); resp.StatusCode != http.StatusNotFound {
			t.Errorf("/confirm/%s: %d", bad, resp.StatusCode)
		}
	}
}

func TestExpiredConfirmationLink(t *testing.T) {
	f := newFixture(t, "", "")
	ctx := context.Background()
	c, err := f.db.Campaigns.FindCampaignBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	c.Delivery.DoubleOptIn = true
	if err := f.db.Campaigns.UpdateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	f.submit.Forget(slug)
	loc := f.submitAs(t, "late@example.org")
	sub, err := f.db.Submissions.FindSubmissionByToken(ctx, strings.TrimPrefix(loc, "/s/"))
	if err != nil {
		t.Fatal(err)
	}
	// Three days later the maintenance job expires the office emails.
	if _, err := f.db.Outbox.ExpireUnconfirmed(ctx, fixedNow.Add(73*time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, body := f.get(loc)
	mustContain(t, body, "not sent (not confirmed in time)")
	// and a confirmation past the deadline is refused.
	if _, err := f.db.Submissions.ConfirmSubmission(ctx, sub.ID, fixedNow.Add(73*time.Hour), fixedNow.Add(72*time.Hour)); app.ErrorCodeOf(err) != app.ECONFLICT {
		t.Errorf("late confirmation: %v", err)
	}
}
