package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
)

// summaryOf returns the error summary of a page: its heading and, per item,
// the link's target ("" without a link) and the item's text.
func summaryOf(t *testing.T, body string) (string, [][2]string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<div class="error-summary"[^>]*>(.*?)</div>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no error summary in:\n%s", body)
	}
	if !regexp.MustCompile(`<div class="error-summary" id="error-summary" role="alert" tabindex="-1" autofocus`).MatchString(body) {
		t.Errorf("the error summary does not take the focus: %s", m[0][:120])
	}
	heading := regexp.MustCompile(`(?s)<h2[^>]*>(.*?)</h2>`).FindStringSubmatch(m[1])
	var items [][2]string
	for _, li := range regexp.MustCompile(`(?s)<li>(.*?)</li>`).FindAllStringSubmatch(m[1], -1) {
		href := ""
		if a := regexp.MustCompile(`href="#([^"]*)"`).FindStringSubmatch(li[1]); a != nil {
			href = a[1]
		}
		items = append(items, [2]string{href, html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(li[1], ""))})
	}
	return heading[1], items
}

// supporterPost fills the supporter form for zip and state, changes the
// fields named in edits (name, value, name, value...), and posts it to the
// campaign's action (preview or submit).
func (f *fixture) supporterPost(action, zip, state string, edits ...string) (*http.Response, string, url.Values) {
	f.t.Helper()
	form := supporterForm(zip, state)
	form.Set("_csrf", f.csrf(slug))
	for i := 0; i+1 < len(edits); i += 2 {
		form.Set(edits[i], edits[i+1])
	}
	resp, body := f.postForm("/c/"+slug+"/"+action, form)
	return resp, body, form
}

// A refused form is summarised at the top, in the order of the form, with
// the labels people see (never the form's internal names), each a link to
// its field; every refused field is marked and points to its own message.
func TestFormErrorSummary(t *testing.T) {
	f := newFixture(t, "", "")
	resp, body, _ := f.supporterPost("preview", "1220", "NY", "first_name", "", "city", "", "email", "not-an-email", "address2", "Apt 5")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	heading, items := summaryOf(t, body)
	if heading != "Please correct these 4 fields" {
		t.Errorf("summary heading %q", heading)
	}
	want := [][2]string{
		{"first_name", "First name is required"},
		{"email", "Email is not a valid email address"},
		{"city", "City is required"},
		{"zip", "ZIP code must be a 5-digit ZIP code"},
	}
	if len(items) != len(want) {
		t.Fatalf("summary items %q, want %q", items, want)
	}
	for i := range want {
		if items[i] != want[i] {
			t.Errorf("summary item %d: %q, want %q", i, items[i], want[i])
		}
	}
	for _, id := range []string{"first_name", "email", "city", "zip"} {
		input := regexp.MustCompile(`<input id="` + id + `"[^>]*>`).FindString(body)
		if !strings.Contains(input, `aria-invalid="true"`) || !regexp.MustCompile(`aria-describedby="[^"]*\b`+id+`-error"`).MatchString(input) {
			t.Errorf("refused field %s: %s", id, input)
		}
		if !strings.Contains(body, `<p class="field-error" id="`+id+`-error">`) {
			t.Errorf("no message of its own for %s", id)
		}
	}
	// What was typed stays, and fields that were right are not marked.
	mustContain(t, body, `value="Núñez"`, `value="Apt 5"`, `value="12 State St"`)
	if input := regexp.MustCompile(`<input id="last_name"[^>]*>`).FindString(body); strings.Contains(input, "aria-invalid") {
		t.Errorf("a right field is marked: %s", input)
	}
	// The internal names never show.
	mustNotContain(t, body, "first_name:", ">first_name<", ">address1<")
}

// A ZIP code that exists nowhere is refused on the ZIP field, instead of
// going through on the state alone without a Representative.
func TestUnknownZipIsRefused(t *testing.T) {
	f := newFixture(t, "", "")
	resp, body, _ := f.supporterPost("preview", "00000", "NY")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	_, items := summaryOf(t, body)
	if len(items) != 1 || items[0][0] != "zip" || !strings.Contains(items[0][1], "ZIP code: There is no ZIP code 00000.") {
		t.Errorf("summary %q", items)
	}
	mustContain(t, body, `<p class="field-error" id="zip-error">`)
	// The API answers the same on the same field.
	resp, body = f.do(http.MethodPost, "/api/v1/campaigns/"+slug+"/submissions", "application/json",
		`{"first_name":"A","last_name":"B","email":"a@example.org","address1":"1 Main St","city":"Albany","state":"NY","zip":"00000"}`)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"zip":"There is no ZIP code 00000.`) {
		t.Errorf("API: %d %s", resp.StatusCode, body)
	}
}

// A ZIP code that is real but tells no district (a PO box ZIP, here one the
// sample roster lacks) says on the preview that the Representative is
// missing, why, and what to do, without pointing at a field the form
// does not have.
func TestZipWithoutHouseMatchSaysSo(t *testing.T) {
	f := newFixture(t, "", "")
	resp, body, _ := f.supporterPost("preview", "13261", "NY")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	notice := regexp.MustCompile(`(?s)<div class="notice" role="status">(.*?)</div>`).FindStringSubmatch(body)
	if notice == nil || !strings.Contains(notice[1], "PO box") || !strings.Contains(notice[1], "not to your Representative") ||
		!strings.Contains(notice[1], "enter the ZIP code of your home address") || strings.Contains(notice[1], "street address") {
		t.Errorf("notice: %v", notice)
	}
}

// A paragraph over the limit is refused, with its length, and kept whole in
// the field to shorten; nothing in the form cuts it (no maxlength), and the
// limit is written out for those without JavaScript.
func TestLongParagraphIsRefusedAndKept(t *testing.T) {
	f := newFixture(t, "", "")
	_, page := f.get("/c/" + slug)
	textarea := regexp.MustCompile(`<textarea id="personal_message"[^>]*>`).FindString(page)
	if textarea == "" || strings.Contains(textarea, "maxlength") || !strings.Contains(textarea, `data-limit="2000"`) {
		t.Errorf("paragraph field: %s", textarea)
	}
	mustContain(t, page, "At most 2,000 characters")

	long := strings.Repeat("I mean every word of this. ", 80) + "The end of a sentence."
	resp, body, _ := f.supporterPost("preview", "12202", "NY", "personal_message", long)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	n := len([]rune(strings.TrimSpace(long)))
	mustContain(t, body, `id="personal_message-error"`,
		fmt.Sprintf("is %d,%03d characters long, over the limit of 2,000 characters", n/1000, n%1000))
	if got := regexp.MustCompile(`(?s)<textarea id="personal_message"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body); got == nil || html.UnescapeString(got[1]) != long {
		t.Errorf("the refused paragraph was not kept whole")
	}
}

// Runs of blank lines are one paragraph break: 150 of them between two
// sentences leave a one-page letter, not five.
func TestBlankLinesCollapse(t *testing.T) {
	f := newFixture(t, "", "")
	resp, body, form := f.supporterPost("submit", "12202", "NY",
		"personal_message", "\r\n\r\n  First thought.  "+strings.Repeat("\r\n", 150)+"Second thought.\r\n \r\n\t\r\n")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("submit %d: %s", resp.StatusCode, body)
	}
	link := f.emailedLink(t, slug, form.Get("email"))
	sub, err := f.db.Submissions.FindSubmissionByToken(context.Background(), strings.TrimPrefix(link, "/s/"))
	if err != nil {
		t.Fatal(err)
	}
	if sub.PersonalMessage != "First thought.\n\nSecond thought." {
		t.Fatalf("stored paragraph %q", sub.PersonalMessage)
	}
	resp, pdf := f.get(link + "/letters.pdf")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PDF %d", resp.StatusCode)
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAllIndex([]byte(pdf), -1))
	if pages != len(sub.Letters) {
		t.Errorf("%d letters take %d pages", len(sub.Letters), pages)
	}
}

// "Change my details" on the preview and on the choice of Representative
// goes back to the form with everything typed, the paragraph included.
func TestChangeMyDetailsKeepsEverything(t *testing.T) {
	f := newFixture(t, "", "")
	_, body, form := f.supporterPost("preview", "60173", "IL", "prefix", "Dr.", "address2", "Apt 5",
		"personal_message", "My own words.\n\nSecond paragraph.", "contact_ok", "1")
	mustContain(t, body, `name="edit" value="1" formnovalidate>Change my details</button>`)
	mustNotContain(t, body, "Start over")
	form.Set("edit", "1")
	resp, body := f.postForm("/c/"+slug+"/preview", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	mustContain(t, body, `<option value="Dr." selected>`, `value="José"`, `value="Núñez"`, `value="jose@example.org"`,
		`value="12 State St"`, `value="Apt 5"`, `value="Albany"`, `<option value="IL" selected>Illinois</option>`, `value="60173"`,
		">My own words.\n\nSecond paragraph.</textarea>", `id="contact_ok" name="contact_ok" value="1" checked`)
	mustNotContain(t, body, "error-summary", `aria-invalid`)
}

// On a split ZIP the page explains the split once, and the choice sent
// without a choice is refused next to it.
func TestSplitZipChoice(t *testing.T) {
	f := newFixture(t, "", "")
	_, body, form := f.supporterPost("preview", "60173", "IL")
	if n := strings.Count(body, "split between"); n != 1 {
		t.Errorf("the split is explained %d times", n)
	}
	mustContain(t, body, `name="choosing" value="1"`)
	form.Set("choosing", "1")
	resp, body := f.postForm("/c/"+slug+"/preview", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	heading, items := summaryOf(t, body)
	if heading != "Please choose your Representative." || len(items) != 1 || !strings.HasPrefix(items[0][0], "rep-") ||
		items[0][1] != "Your Representative is not chosen yet" {
		t.Errorf("summary %q %q", heading, items)
	}
	if !strings.Contains(body, `id="`+items[0][0]+`"`) {
		t.Errorf("the summary links to %s, which is not on the page", items[0][0])
	}
	if n := strings.Count(body, "split between"); n != 1 {
		t.Errorf("the split is explained %d times after the refusal", n)
	}
}

// What phones need: the right keyboard and autofill for every field, the
// states by name, a way to the form from the top, and a Send button after
// the letters as well as before them.
func TestSupporterPagesForPhones(t *testing.T) {
	f := newFixture(t, "", "")
	_, body := f.get("/c/" + slug)
	for id, auto := range map[string]string{"first_name": "given-name", "last_name": "family-name", "email": "email",
		"address1": "address-line1", "address2": "address-line2", "city": "address-level2", "zip": "postal-code"} {
		input := regexp.MustCompile(`<input id="` + id + `"[^>]*>`).FindString(body)
		if !strings.Contains(input, `autocomplete="`+auto+`"`) {
			t.Errorf("%s: %s", id, input)
		}
	}
	mustContain(t, body, `inputmode="numeric"`, `<select id="prefix" name="prefix" autocomplete="honorific-prefix"`,
		`<select id="state" name="state" autocomplete="address-level1"`, `<a class="button" href="#write">Write your letters</a>`,
		`<section aria-labelledby="form-title" id="write">`, `<link rel="icon" href="/favicon.ico"`)
	for _, code := range app.States() {
		opt := regexp.MustCompile(`<option value="` + code + `"[^>]*>([^<]+)</option>`).FindStringSubmatch(body)
		if opt == nil || opt[1] == code {
			t.Errorf("state %s: %v", code, opt)
		}
	}
	mustContain(t, body, `<option value="ME">Maine</option>`, `<option value="MA">Massachusetts</option>`)

	_, body, _ = f.supporterPost("preview", "12202", "NY")
	last := strings.LastIndex(body, `<details class="letter"`)
	if strings.Count(body[:last], ">Send my letters</button>") != 1 || !strings.Contains(body[last:], `<button type="submit" form="send-form">Send my letters</button>`) ||
		!strings.Contains(body, `id="send-form"`) {
		t.Errorf("Send buttons: before the letters %d, after them %v", strings.Count(body[:last], ">Send my letters</button>"),
			strings.Contains(body[last:], "Send my letters"))
	}
}

// The icon is embedded and may be kept by browsers for a week.
func TestFavicon(t *testing.T) {
	f := newFixture(t, "", "")
	resp, body := f.get("/favicon.ico")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix([]byte(body), []byte("\x89PNG")) {
		t.Fatalf("favicon: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=604800" {
		t.Errorf("Cache-Control %q", cc)
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/favicon.ico", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	again, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("a browser that has the icon gets %d", again.StatusCode)
	}
}
