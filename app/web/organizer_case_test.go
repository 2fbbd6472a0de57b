package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
)

// A fresh install shows supporters the won campaign's outcome and updates
// instead of a form, and an open campaign whose letters for a real ZIP ask
// for nothing the won case already got.
func TestFreshInstallIsTrueToday(t *testing.T) {
	f := newFixture(t, "", "")
	// The home page leads to the open campaign.
	if resp, _ := f.get("/"); resp.Header.Get("Location") != "/c/protect-witnesses" {
		t.Fatalf("home: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	resp, body := f.get("/c/free-guan-heng")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("closed page: %d", resp.StatusCode)
	}
	body = text(body)
	mustContain(t, body, "This campaign asked: Release Guan Heng", "Outcome", "Won: on January 28, 2026 an immigration judge granted Guan Heng asylum",
		"This campaign is closed (as of February 4, 2026)", "Case updates", `<time datetime="2026-02-03">February 3, 2026</time>`)
	if strings.Contains(body, `name="_csrf"`) || strings.Contains(body, "Write your letters") {
		t.Error("the won campaign still shows its form")
	}
	if i, j := strings.Index(body, "February 3, 2026</time>"), strings.Index(body, "January 28, 2026</time>"); i < 0 || j < i {
		t.Error("updates are not newest first")
	}

	form := supporterForm("12202", "NY")
	form.Set("_csrf", f.csrf(slug))
	resp, body = f.postForm("/c/"+slug+"/submit", form)
	m := tokenPathRE.FindStringSubmatch(f.formLink(t, resp, form))
	if m == nil {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	sub, err := f.db.Submissions.FindSubmissionByToken(context.Background(), m[1])
	if err != nil {
		t.Fatal(err)
	}
	asks := regexp.MustCompile(`(?i)[^.\n]*\b(release|bond|parole)\b[^.\n]*`)
	for _, l := range sub.Letters {
		for _, s := range asks.FindAllString(l.Subject+"\n"+l.Body, -1) {
			t.Errorf("%s letter asks: %q", l.Recipient.Name, s)
		}
		if !strings.Contains(l.Body, "January 28, 2026") || strings.Contains(l.Body, "[") {
			t.Errorf("%s letter:\n%s", l.Recipient.Name, l.Body)
		}
	}
	if len(sub.Letters) < 5 {
		t.Fatalf("%d letters", len(sub.Letters))
	}
}

// The organizer's fact table shows sources and check dates, and a fact
// checked too long ago is flagged.
func TestFactChecksOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	page := "/organize/campaigns/" + slug
	_, body := b.get(page)
	mustContain(t, text(body), "Facts verified on December 5, 2026 (checked every 30 days)", "Associated Press, 2026-02-04")

	_, form := b.get(page + "/edit")
	mustContain(t, form, `name="fact_source"`, `name="fact_verified_on" value="2026-12-05"`, `name="review_days" min="0" max="365" value="30"`)
	c, _ := of.db.Campaigns.FindCampaignBySlug(context.Background(), slug)
	in := of.camps.DetailsOf(c)
	v := url.Values{"title": {in.Title}, "slug": {in.Slug}, "ask": {in.Ask}, "summary": {in.Summary}, "retention_days": {"0"},
		"review_days": {"10"}, "reply_to_supporter": {"1"}, "org_name": {in.Delivery.OrgName}, "org_statement": {in.Delivery.OrgStatement}}
	for i, f := range in.Facts {
		on := f.VerifiedOn
		if i == 0 {
			on = "2026-10-01"
		}
		v["fact_key"] = append(v["fact_key"], f.Key)
		v["fact_value"] = append(v["fact_value"], f.Value)
		v["fact_source"] = append(v["fact_source"], f.Source)
		v["fact_verified_on"] = append(v["fact_verified_on"], on)
	}
	resp, body := b.submit(page+"/edit", page+"/edit", v)
	got := b.follow(resp, body)
	mustContain(t, got, "Check these facts again:", "campaign.facts.asylum_court", "last verified more than 10 days ago", "due for a check",
		"October 1, 2026")
	if strings.Contains(got, "Facts verified on") {
		t.Error("an overdue campaign says its facts are verified")
	}
	_, list := b.get("/organize")
	mustContain(t, list, `href="/organize/campaigns/protect-witnesses#facts">1 fact to check</a>`)
}

// Case updates are posted, shown newest first on the public page, and
// removed; a bad one comes back next to its fields.
func TestCaseUpdatesOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	page := "/organize/campaigns/" + slug
	resp, body := b.submit(page, page+"/updates", url.Values{"on": {"soon"}, "body": {""}, "source_url": {"ftp://x"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad update: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="on-error"`, `id="body-error"`, `id="source_url-error"`, `value="ftp://x"`)

	resp, body = b.submit(page, page+"/updates", url.Values{"on": {"2026-11-10"}, "body": {"The Commission announced a hearing."}})
	mustContain(t, b.follow(resp, body), "Posted the update of November 10, 2026")
	resp, body = b.submit(page, page+"/updates", url.Values{"on": {"2026-11-20"}, "body": {"The hearing <b>was</b> held."},
		"source_url": {"https://example.org/hearing"}})
	b.follow(resp, body)
	_, pub := of.get("/c/" + slug)
	mustContain(t, pub, "Case updates", "The hearing &lt;b&gt;was&lt;/b&gt; held.", `href="https://example.org/hearing"`, "Write your letters")
	if i, j := strings.Index(pub, "November 20, 2026"), strings.Index(pub, "November 10, 2026"); i < 0 || j < i {
		t.Error("updates are not newest first")
	}
	c, _ := of.db.Campaigns.FindCampaignBySlug(context.Background(), slug)
	id := c.Updates[0].ID
	resp, body = b.submit(page, page+"/updates/"+strconv.FormatInt(id, 10)+"/remove", url.Values{})
	mustContain(t, b.follow(resp, body), "Removed the update.")
	if _, pub = of.get("/c/" + slug); strings.Contains(pub, "November 20, 2026") {
		t.Error("removed update still public")
	}
	got := strings.Join(of.auditActions(app.AuditFilter{Action: "campaign.update."}), " ")
	if !strings.Contains(got, "campaign.update.post") || !strings.Contains(got, "campaign.update.delete") {
		t.Errorf("audit: %s", got)
	}
}

// Closing with the outcome replaces the form on the public page.
func TestCloseWithOutcomeOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	page := "/organize/campaigns/" + slug
	resp, body := b.submit(page, page+"/outcome", url.Values{"outcome": {""}, "outcome_on": {"2026-11-20"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="outcome-error"`) {
		t.Fatalf("empty outcome: %d", resp.StatusCode)
	}
	resp, body = b.submit(page, page+"/outcome", url.Values{"outcome": {"Won: the Commission held the hearing."}, "outcome_on": {"2026-11-20"}})
	got := b.follow(resp, body)
	mustContain(t, got, "is closed with its outcome", "badge status-closed", "Won: the Commission held the hearing.", "recorded November 20, 2026")
	if strings.Contains(got, "Close with this outcome") {
		t.Error("the outcome form is still offered")
	}
	_, pub := of.get("/c/" + slug)
	mustContain(t, pub, "Won: the Commission held the hearing.", "This campaign is closed (as of November 20, 2026)")
	if strings.Contains(pub, "Write your letters") || strings.Contains(pub, `class="error"`) {
		t.Error("the closed page shows the form or an error")
	}
}

// Copying makes a draft with the facts, rules and letters, and nothing of
// the supporters.
func TestCopyCampaignOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	page := "/organize/campaigns/" + slug + "/copy"
	_, form := b.get(page)
	mustContain(t, text(form), `value="Protect the people who document abuses in China (copy)"`)
	resp, body := b.submit(page, page, url.Values{"title": {"Next"}, "slug": {"free-guan-heng"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="slug-error"`) {
		t.Fatalf("taken slug: %d", resp.StatusCode)
	}
	resp, body = b.submit(page, page, url.Values{"title": {"The next witness"}, "slug": {"next-witness"}})
	got := b.follow(resp, body)
	mustContain(t, got, "Created the draft “The next witness” from “protect-witnesses”", "badge status-draft",
		"campaign.facts.witness", "copied from protect-witnesses, representative letter version 1")
	if r, _ := of.get("/c/next-witness"); r.StatusCode != http.StatusNotFound {
		t.Errorf("the copy is public: %d", r.StatusCode)
	}
}

// The acted list is edited by organizers and refuses what it cannot use.
func TestActedOverHTTP(t *testing.T) {
	of := newOrgFixture(t)
	b := of.organizer()
	page := "/organize/campaigns/" + slug + "/acted"
	resp, body := b.submit(page, page, url.Values{"acted_key": {"Paul Tonko"}, "acted_action": {"spoke"}, "acted_source": {"x"}, "acted_on": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(body), "is not a bioguide id") || !strings.Contains(body, `value="Paul Tonko"`) {
		t.Fatalf("bad key: %d", resp.StatusCode)
	}
	resp, body = b.submit(page, page, url.Values{"acted_key": {"body:cecc", ""}, "acted_action": {"held a hearing on the case", ""},
		"acted_source": {"cecc.gov, 2026-11-01", ""}, "acted_on": {"2026-11-01", ""}})
	got := b.follow(resp, body)
	mustContain(t, got, "Saved who already acted", "body:CECC", "held a hearing on the case", "cecc.gov, 2026-11-01, November 1, 2026")
	_, form := b.get(page)
	mustContain(t, form, `value="body:CECC"`, `value="2026-11-01"`)
}
