package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/advocate-org/advocate/app/apptest"
)

// The supporter's pages, checked the way supporters meet them: on a
// desktop and on phones, with mistakes, with long names and addresses, and
// through a real accessibility engine (axe-core) at WCAG 2.2 AA.

// axeTags are the rule sets every supporter page must pass: WCAG 2.0, 2.1
// and 2.2, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeScript returns axe-core's axe.min.js: $ADVOCATE_AXE, else where
// .ci/run installs it ($XDG_CACHE_HOME or ~/.cache, then
// advocate-axe/node_modules/axe-core/axe.min.js). Tests never download it.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("ADVOCATE_AXE")
	if path == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			if home, err := os.UserHomeDir(); err == nil {
				cache = filepath.Join(home, ".cache")
			}
		}
		path = filepath.Join(cache, "advocate-axe", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		apptest.Missing(t, "axe-core is not installed (npm install --prefix ~/.cache/advocate-axe axe-core, or set ADVOCATE_AXE to axe.min.js): "+err.Error())
	}
	return string(b)
}

// pageCheck checks every page a journey meets at its widths.
type pageCheck struct {
	b      *browser
	axe    string
	widths []int64 // the first is the journey's own
}

// viewport shows the page as a screen width px wide does: phones (under
// 600 px) as mobile, honouring the page's viewport meta tag.
func (b *browser) viewport(width int64) {
	b.t.Helper()
	if width < 600 {
		b.do("phone viewport", chromedp.EmulateViewport(width, 780, chromedp.EmulateMobile))
		return
	}
	b.do("desktop viewport", chromedp.EmulateViewport(width, 900))
}

// markPage marks the page shown, so that newPage finds only what the next
// page shows, not an element of this one that it shares.
func (b *browser) markPage() {
	b.t.Helper()
	eval[bool](b, `() => { document.documentElement.dataset.shown = 'before'; return true; }`)
}

// newPage prefixes a selector to match only after the page marked by
// markPage was replaced.
const newPage = "html:not([data-shown]) "

// axeViolation is one failed axe rule, with the first elements failing it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// check fails the test when the page scrolls sideways or axe finds a
// WCAG violation at any of the widths; it leaves the journey's width on.
func (pc *pageCheck) check(page string) {
	b := pc.b
	b.t.Helper()
	for _, w := range pc.widths {
		b.viewport(w)
		sizes := eval[[]int](b, `() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
		if sizes[0] > sizes[1] {
			wide := eval[[]string](b, `(cw) => Array.from(document.querySelectorAll('body *'))
				.filter(el => el.getBoundingClientRect().right > cw + 0.5)
				.slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '') + ' ' + Math.round(el.getBoundingClientRect().right) + 'px')`, sizes[1])
			b.t.Errorf("%s at %d px scrolls sideways: %d px of content in %d px (widest: %s)", page, w, sizes[0], sizes[1], strings.Join(wide, ", "))
		}
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](pc.axe+";true")); err != nil {
			b.t.Fatalf("load axe-core into %s: %v", page, err)
		}
		found := eval[[]axeViolation](b, `async (tags) => {
			const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
			if (r.passes.length + r.violations.length < 10) throw new Error('axe checked only ' + (r.passes.length + r.violations.length) + ' rules');
			return r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
				nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))}));
		}`, axeTags)
		if os.Getenv("ADVOCATE_AXE_DEBUG") != "" {
			b.t.Logf("%s at %d px: %d axe violations", page, w, len(found))
		}
		for _, v := range found {
			b.t.Errorf("%s at %d px: axe %s (%s): %s\n\t%s", page, w, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		}
	}
	b.viewport(pc.widths[0])
}

// Long names and a 60-character email address: the words a phone cannot
// wrap between.
const (
	longFirst = "Bartholomaeus-Maximilianus"
	longLast  = "Wolfeschlegelsteinhausenbergerdorff"
)

func longEmail(tag string) string {
	local := "bartholomaeus.maximilianus." + tag + ".wolfeschlegelsteinhausen"
	domain := "@example.org"
	return local[:60-len(domain)] + domain
}

// TestBrowserSupporterPages: the whole supporter journey with its
// mistakes, at desktop width (1280 px) and on phones (390 and 360 px).
// Every supporter page is axe-clean at WCAG 2.2 AA and never scrolls
// sideways; errors are summarised at the top of the form in the form's
// order, with the fields' labels, and take the focus.
func TestBrowserSupporterPages(t *testing.T) {
	chromiumPath(t)
	axe := axeScript(t)
	for _, run := range []struct {
		name   string
		widths []int64
	}{
		{"desktop", []int64{1280}},
		{"phone", []int64{390, 360}},
	} {
		t.Run(run.name, func(t *testing.T) {
			dataDir := t.TempDir()
			// A mailbox's second submission waits for its confirmation:
			// that is how the journey reaches the confirmation page.
			srv := startServe(t, testEnv(dataDir, map[string]string{"ADVOCATE_SUBMIT_EMAIL_BURST": "1"}), nil)
			b := newBrowser(t, srv)
			pc := &pageCheck{b: b, axe: axe, widths: run.widths}
			b.viewport(run.widths[0])
			supporterJourney(t, b, pc, dataDir, run.name)
		})
	}
}

func supporterJourney(t *testing.T, b *browser, pc *pageCheck, dataDir, tag string) {
	email := longEmail(tag)
	if len(email) != 60 {
		t.Fatalf("the long email address has %d characters", len(email))
	}

	// The campaign page: a link near the top jumps to the form.
	b.open("/c/protect-witnesses", "form.supporter")
	pc.check("the campaign page")
	if top := eval[float64](b, `() => document.querySelector('a[href="#write"]').getBoundingClientRect().top`); top <= 0 || top > 780 {
		t.Errorf("the link to the form is %v px down, not on the first screen", top)
	}
	b.do("jump to the form", chromedp.Click(chromedp.CSS(`a[href="#write"]`)))
	if top := eval[float64](b, `() => document.getElementById('form-title').getBoundingClientRect().top`); top < -1 || top > 200 {
		t.Errorf("after the jump the form's heading is %v px down", top)
	}
	fields := eval[map[string]string](b, `() => Object.fromEntries(Array.from(document.querySelectorAll('form.supporter input:not([type=hidden]):not([type=checkbox]):not(#website), form.supporter select'), el => [el.id, el.getAttribute('autocomplete') + (el.getAttribute('inputmode') ? ' ' + el.getAttribute('inputmode') : '')]))`)
	wantAuto := map[string]string{"prefix": "honorific-prefix", "first_name": "given-name", "last_name": "family-name", "email": "email",
		"address1": "address-line1", "address2": "address-line2", "city": "address-level2", "state": "address-level1", "zip": "postal-code numeric"}
	for id, want := range wantAuto {
		if fields[id] != want {
			t.Errorf("#%s: autocomplete and inputmode %q, want %q", id, fields[id], want)
		}
	}
	if len(fields) != len(wantAuto) {
		t.Errorf("supporter fields %v, want those of %v", fields, wantAuto)
	}
	if ny := eval[string](b, `() => document.querySelector('#state option[value="NY"]').textContent`); ny != "New York" {
		t.Errorf("the state list shows %q for NY", ny)
	}
	if count := b.text("#personal_message-count"); count != "0 of 2,000 characters" {
		t.Errorf("the paragraph's count reads %q", count)
	}

	// First try: a name and the city left out, a mistyped email, and a
	// pasted paragraph over the limit.
	long := strings.Repeat("Every word of this paragraph is mine and I mean it. ", 40) + "The end."
	b.retype("#last_name", longLast)
	b.retype("#email", "not-an-email")
	b.retype("#address1", "12 State St")
	b.do("choose the state", chromedp.SetValue(chromedp.ID("state"), "NY"))
	b.retype("#zip", "12202")
	b.retype("#personal_message", long)
	b.waitText("#personal_message-count", "over the limit of 2,000")
	b.do("ask for the preview", chromedp.Click(chromedp.CSS("form.supporter button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("error-summary")))
	pc.check("the form with errors")
	summary := eval[[][2]string](b, `() => Array.from(document.querySelectorAll('#error-summary li a'), a => [a.getAttribute('href'), a.textContent])`)
	wantOrder := []string{"#first_name", "#email", "#city", "#personal_message"}
	if len(summary) != len(wantOrder) {
		t.Fatalf("error summary %q, want links to %v", summary, wantOrder)
	}
	for i, want := range wantOrder {
		label := b.text(`label[for="` + want[1:] + `"]`)
		label = strings.TrimSpace(strings.TrimSuffix(label, "(optional)"))
		if summary[i][0] != want || !strings.HasPrefix(summary[i][1], label) {
			t.Errorf("summary item %d: %q, want a link to %s starting with its label %q", i, summary[i], want, label)
		}
	}
	if focused := eval[string](b, `() => document.activeElement.id`); focused != "error-summary" {
		t.Errorf("the focus is on %q, not on the error summary", focused)
	}
	if top := eval[float64](b, `() => document.getElementById('error-summary').getBoundingClientRect().top`); top < 0 || top > 780 {
		t.Errorf("the error summary is %v px down, out of sight", top)
	}
	for _, id := range []string{"first_name", "email", "city", "personal_message"} {
		got := eval[[]string](b, `(id) => { const el = document.getElementById(id);
			const ids = (el.getAttribute('aria-describedby') || '').split(' ');
			const own = ids.map(i => document.getElementById(i)).find(e => e && e.classList.contains('field-error'));
			return [el.getAttribute('aria-invalid') || '', own ? own.textContent : ''] }`, id)
		if got[0] != "true" || got[1] == "" {
			t.Errorf("#%s: aria-invalid %q, described by error %q", id, got[0], got[1])
		}
	}
	if msg := b.text("#personal_message-error"); !strings.Contains(msg, "over the limit of 2,000 characters") {
		t.Errorf("the paragraph's error: %q", msg)
	}
	if got := b.value("#personal_message"); got != long {
		t.Errorf("the refused paragraph was not kept whole: %d characters of %d", len(got), len(long))
	}
	if got := b.value("#last_name"); got != longLast {
		t.Errorf("the last name became %q", got)
	}
	b.do("follow the summary's first link", chromedp.Click(chromedp.CSS(`#error-summary a[href="#first_name"]`)))
	if focused := eval[string](b, `() => document.activeElement.id`); focused != "first_name" {
		t.Errorf("the summary's link put the focus on %q", focused)
	}

	// Second try: everything right but a ZIP code that exists nowhere; the
	// paragraph shortened, with a run of blank lines that count as one.
	const paragraph = "My grandmother found safety here.\n\n\n\n\n\n\n\nPlease help him too."
	b.retype("#first_name", longFirst)
	b.retype("#email", email)
	b.retype("#city", "Albany")
	b.retype("#zip", "00000")
	b.retype("#personal_message", paragraph)
	b.waitText("#personal_message-count", "55 of 2,000 characters")
	// (The page with the first errors has a summary too: wait for the new one.)
	b.markPage()
	b.do("ask for the preview", chromedp.Click(chromedp.CSS("form.supporter button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(newPage+"#error-summary")))
	if s := b.text("#error-summary"); !strings.Contains(s, "ZIP code: There is no ZIP code 00000") || strings.Contains(s, "First name") {
		t.Errorf("error summary for ZIP 00000: %q", s)
	}
	if href := eval[string](b, `() => document.querySelector('#error-summary a').getAttribute('href')`); href != "#zip" {
		t.Errorf("the ZIP error links to %q", href)
	}
	if got := b.value("#personal_message"); got != paragraph {
		t.Errorf("the paragraph became %q", got)
	}

	// A split ZIP: the choice of Representative says so once, and going
	// back keeps everything typed.
	b.retype("#city", "Schaumburg")
	b.do("choose Illinois", chromedp.SetValue(chromedp.ID("state"), "IL"))
	b.retype("#zip", "60173")
	b.do("ask for the preview", chromedp.Click(chromedp.CSS("form.supporter button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("choose-title")))
	pc.check("the choice of Representative")
	if n := strings.Count(b.text("main"), "split between"); n != 1 {
		t.Errorf("the split ZIP is explained %d times:\n%s", n, b.text("main"))
	}
	b.do("change my details", chromedp.Click(chromedp.CSS(`button[name=edit]`)), chromedp.WaitVisible(chromedp.CSS("form.supporter")))
	for sel, want := range map[string]string{"#first_name": longFirst, "#last_name": longLast, "#email": email, "#address1": "12 State St",
		"#city": "Schaumburg", "#state": "IL", "#zip": "60173", "#personal_message": "My grandmother found safety here.\n\nPlease help him too."} {
		if got := b.value(sel); got != want {
			t.Errorf("after changing my details %s is %q, want %q", sel, got, want)
		}
	}
	b.do("ask for the preview again", chromedp.Click(chromedp.CSS("form.supporter button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("choose-title")))
	b.do("choose a Representative", chromedp.Click(chromedp.CSS(`input[name=representative]`)),
		chromedp.Click(chromedp.CSS("#choose-title ~ form button[type=submit]:not([name=edit])")),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/submit"]`)))
	pc.check("the preview")
	sends := eval[[]bool](b, `() => { const last = Array.from(document.querySelectorAll('details.letter')).pop();
		return Array.from(document.querySelectorAll('button[type=submit]')).filter(x => x.textContent === 'Send my letters')
			.map(x => !!(last.compareDocumentPosition(x) & Node.DOCUMENT_POSITION_FOLLOWING)); }`)
	if len(sends) != 2 || sends[0] || !sends[1] {
		t.Errorf("Send buttons before and after the letters: %v, want [false true]", sends)
	}
	b.do("send from the bottom", chromedp.Click(chromedp.CSS(`button[form=send-form]`)), chromedp.WaitVisible(chromedp.CSS("ul.targets")))
	pc.check("check your email")

	// The private letters page, from the emailed link.
	link := emailedLinkIn(t, filepath.Join(dataDir, "outbox"), email)
	b.open(link, "table.letters")
	pc.check("your letters")

	// Send me my link again: a mistyped address, then the answer.
	b.open("/c/protect-witnesses", "#link-email")
	b.retype("#link-email", "nobody@")
	b.do("ask for the link", chromedp.Click(chromedp.CSS(`form[action$="/link"] button`)), chromedp.WaitVisible(chromedp.ID("error-summary")))
	pc.check("the link form with an error")
	if href := eval[string](b, `() => document.querySelector('#error-summary a').getAttribute('href')`); href != "#link-email" {
		t.Errorf("the link form's error links to %q", href)
	}
	b.retype("#link-email", email)
	b.do("ask for the link", chromedp.Click(chromedp.CSS(`form[action$="/link"] button`)), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	pc.check("the link is on its way")

	// A held submission's confirmation page, then its letters.
	held := "held." + tag + "@example.org"
	submitByAPI(t, b.base, "Grace", held, "12202")
	submitByAPI(t, b.base, "Grace", strings.Replace(held, "@", "+again@", 1), "12202")
	confirm := emailedPathIn(t, filepath.Join(dataDir, "outbox"), strings.Replace(held, "@", "+again@", 1), `/confirm/[a-z2-7]{32}`)
	b.open(confirm, `form[action^="/confirm/"]`)
	pc.check("the confirmation page")
	b.do("confirm", chromedp.Click(chromedp.CSS(`form[action^="/confirm/"] button`)), chromedp.WaitVisible(chromedp.CSS("table.letters")))

	// Erasing: refused without the tick, then done.
	b.do("erase without the tick", chromedp.Click(chromedp.CSS(`form[action$="/erase"] button`)), chromedp.WaitVisible(chromedp.ID("confirm-error")))
	pc.check("the erase form with an error")
	b.markPage()
	b.do("erase", chromedp.Click(chromedp.ID("confirm")), chromedp.Click(chromedp.CSS(`form[action$="/erase"] button`)),
		chromedp.WaitVisible(chromedp.CSS(newPage+"h1")))
	if h := b.text("h1"); h != "Your data was erased" {
		t.Fatalf("after erasing: %q", h)
	}
	pc.check("the erased letters")

	// The error pages.
	b.open("/s/"+strings.Repeat("a", 32), "p.error")
	pc.check("a link that is not valid")
	b.open("/c/no-such-campaign", "p.error")
	pc.check("an unknown campaign")
}

// emailedPathIn waits for an email to an address in a folder of filed .eml
// messages and returns the first path in it matching pathRE.
func emailedPathIn(t *testing.T, dir, to, pathRE string) string {
	t.Helper()
	re := regexp.MustCompile(`https?://[^/\s]+(` + pathRE + `)`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil || !strings.Contains(string(b), "To: ") || !strings.Contains(strings.ToLower(string(b)), to) {
				continue
			}
			if m := re.FindStringSubmatch(strings.ReplaceAll(string(b), "=\r\n", "")); m != nil {
				return m[1]
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no email to %s with a link like %s in %s", to, pathRE, dir)
	return ""
}
