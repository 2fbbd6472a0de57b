package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/advocate-org/advocate/app/apptest"
)

// The browser journeys run the real serve in-process and drive it with a
// headless Chromium, the way supporters, organizers and staff use it: typing
// into forms, pressing buttons, waiting for pages and scripts.

// journeyTime bounds each journey; a page that never shows what the test
// waits for fails the test instead of hanging it.
const journeyTime = 60 * time.Second

// chromiumPath finds the browser: Debian's /usr/bin/chromium, else chromium
// or chromium-browser on PATH. Tests never download a browser.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	apptest.Missing(t, "Chromium is not installed (apt-get install chromium)")
	return ""
}

// browser is one journey's headless Chromium with a fresh profile, showing
// one tab on the server.
type browser struct {
	t    *testing.T
	ctx  context.Context // the tab, within the journey's time limit
	base string
}

// newBrowser starts Chromium for srv. When the test fails, a screenshot of
// the whole page, its HTML and the server's log are saved (see saveEvidence),
// and uncaught script errors fail the test.
func newBrowser(t *testing.T, srv *served) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1024),
	)
	allocCtx, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, closeTab := chromedp.NewContext(allocCtx)
	// The first action starts the browser and ties it to tab, which has no
	// deadline, so that evidence can still be taken after a timeout.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab) }()
	select {
	case err := <-started:
		if err != nil {
			closeTab()
			stopAlloc()
			t.Fatalf("start %s: %v", exe, err)
		}
	case <-time.After(30 * time.Second):
		closeTab()
		stopAlloc()
		t.Fatalf("%s did not start within 30s", exe)
	}

	var mu sync.Mutex
	var thrown []string
	consoleDone := make(chan struct{})
	messages := chromedp.Console(tab)
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				mu.Lock()
				thrown = append(thrown, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m.Text))
				mu.Unlock()
			}
		}
	}()

	ctx, cancel := context.WithTimeout(tab, journeyTime)
	t.Cleanup(func() {
		cancel()
		mu.Lock()
		for _, e := range thrown {
			t.Errorf("uncaught script error: %s", e)
		}
		mu.Unlock()
		if t.Failed() {
			saveEvidence(t, tab, srv)
		}
		closeTab()
		stopAlloc()
		<-consoleDone
	})
	return &browser{t: t, ctx: ctx, base: "http://" + srv.addr}
}

// saveEvidence writes page.png (the whole page), page.html and server.log to
// $ADVOCATE_ARTIFACTS/<test name>, or to a new temporary folder that is kept
// after the test and named in its log.
func saveEvidence(t *testing.T, tab context.Context, srv *served) {
	dir := os.Getenv("ADVOCATE_ARTIFACTS")
	var err error
	if dir != "" {
		dir = filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_"))
		err = os.MkdirAll(dir, 0o755)
	} else {
		dir, err = os.MkdirTemp("", "advocate-browser-")
	}
	if err != nil {
		t.Logf("no folder for the failure evidence: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	files := map[string][]byte{"server.log": []byte(srv.stderr.String())}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		files["page.png"] = png
	} else {
		t.Logf("screenshot: %v", err)
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		files["page.html"] = []byte(html)
	} else {
		t.Logf("page HTML: %v", err)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		t.Logf("the page at failure: %s", loc)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Logf("save %s: %v", name, err)
		}
	}
	t.Logf("failure evidence (screenshot, page HTML, server log) in %s", dir)
}

// do runs steps in order and fails the test at the first that fails.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open loads a page of the server and waits until sel is visible.
func (b *browser) open(path, sel string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string { return b.read(sel, chromedp.Text(chromedp.CSS(sel))) }

// html returns the markup inside the first element matching sel.
func (b *browser) html(sel string) string { return b.read(sel, chromedp.InnerHTML(chromedp.CSS(sel))) }

// value returns the current value of a form field.
func (b *browser) value(sel string) string { return b.read(sel, chromedp.Value(chromedp.CSS(sel))) }

func (b *browser) read(sel string, a chromedp.Action[string]) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// eval runs a JavaScript function in the page with JSON-encoded args and
// decodes its result (awaiting it when it is a promise).
func eval[T any](b *browser, fn string, args ...any) T {
	b.t.Helper()
	if args == nil {
		args = []any{}
	}
	enc, err := json.Marshal(args)
	if err != nil {
		b.t.Fatal(err)
	}
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](fmt.Sprintf("(%s)(...%s)", fn, enc), chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("script %.60s…: %v", fn, err)
	}
	return v
}

// retype replaces the text of a field the way pasting over it does: the
// field's text is selected and the new text inserted in one go, so the
// page's input handlers run as for typing, without a key event per letter.
func (b *browser) retype(sel, text string) {
	b.t.Helper()
	eval[bool](b, `(sel) => { const el = document.querySelector(sel); el.focus(); el.select(); return true; }`, sel)
	if _, err := chromedp.Call(b.ctx, input.InsertText, input.InsertTextParams{Text: text}); err != nil {
		b.t.Fatalf("type into %s: %v", sel, err)
	}
}

// waitText waits until the text of the first element matching sel contains
// want (scripts update parts of a page without loading a new one).
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.PollFunction[bool](
		`(sel, want) => { const el = document.querySelector(sel); return !!el && el.textContent.includes(want); }`,
		chromedp.WithPollingArgs(sel, want), chromedp.WithPollingTimeout(journeyTime)))
	if err != nil {
		b.t.Fatalf("waiting for %q in %s: %v", want, sel, err)
	}
}

// fetched is a response read by the page's own fetch, with its cookies.
type fetched struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Data   string `json:"data"` // base64
}

// fetch downloads path the way a link in the page would, with the browser's
// cookies, and fails the test unless the answer is 200 with the content type.
func (b *browser) fetch(path, contentType string) []byte {
	b.t.Helper()
	r := eval[fetched](b, `async (path) => {
		const r = await fetch(path, {credentials: 'same-origin'});
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = '';
		for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
		return {status: r.status, type: r.headers.get('Content-Type') || '', data: btoa(s)};
	}`, path)
	data, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Type, contentType) {
		b.t.Fatalf("GET %s: %d %s\n%.500s", path, r.Status, r.Type, data)
	}
	return data
}

// signIn fills the sign-in form the browser is on and waits for sel on the
// page it leads to.
func (b *browser) signIn(email, password, sel string) {
	b.t.Helper()
	b.do("wait for the sign-in form", chromedp.WaitVisible(chromedp.ID("password")))
	b.retype("#email", email)
	b.retype("#password", password)
	b.do("sign in as "+email,
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(sel)))
}

// serveWithUser creates a user with roles through the CLI and starts serve
// on a fresh database.
func serveWithUser(t *testing.T, email, password string, roles ...string) *served {
	t.Helper()
	env := testEnv(t.TempDir(), nil)
	args := []string{"user", "add", "--email", email}
	for _, r := range roles {
		args = append(args, "--role", r)
	}
	if code, out, stderr := runUsers(t, withEnv(env, "ADVOCATE_PASSWORD", password), "", args...); code != 0 {
		t.Fatalf("user add: %d %s %s", code, out, stderr)
	}
	return startServe(t, env, func(c *cli) { c.bcryptCost = bcrypt.MinCost })
}

// pdfText is the text a reader sees in a PDF, white space folded to single
// spaces so that line breaks do not matter.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.40q", pdf)
	}
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, stderr.String())
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// needPdftotext checks for poppler's pdftotext before a journey starts.
func needPdftotext(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		apptest.Missing(t, "pdftotext is not installed (apt-get install poppler-utils)")
	}
}

// TestBrowserSupporterSplitZip: a supporter whose ZIP code is split between
// two districts chooses their Representative, adds a paragraph, confirms,
// and downloads the letter, which carries both.
func TestBrowserSupporterSplitZip(t *testing.T) {
	chromiumPath(t)
	needPdftotext(t)
	dataDir := t.TempDir()
	srv := startServe(t, testEnv(dataDir, nil), nil)
	b := newBrowser(t, srv)
	const paragraph = "My grandmother found safety here after crossing the sea. Please help him too."

	// 60173 is split between IL-5 and IL-8 in the seed roster.
	b.open("/c/protect-witnesses", "form.supporter")
	b.do("fill in the form",
		chromedp.SendKeys(chromedp.ID("first_name"), "Ada"),
		chromedp.SendKeys(chromedp.ID("last_name"), "Lovelace"),
		chromedp.SendKeys(chromedp.ID("email"), "ada@example.org"),
		chromedp.SendKeys(chromedp.ID("address1"), "1 Golf Rd"),
		chromedp.SendKeys(chromedp.ID("city"), "Schaumburg"),
		chromedp.SetValue(chromedp.ID("state"), "IL"),
		chromedp.SendKeys(chromedp.ID("zip"), "60173"))
	b.retype("#personal_message", paragraph)
	b.do("ask for the preview",
		chromedp.Click(chromedp.CSS("form.supporter button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("choose-title")))

	// The preview asks which Representative; choose the second.
	type candidate struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	}
	cands := eval[[]candidate](b, `() => Array.from(document.querySelectorAll('input[name=representative]'),
		r => ({id: r.id, label: document.querySelector('label[for="' + r.id + '"]').textContent}))`)
	if len(cands) != 2 {
		t.Fatalf("a split ZIP offers %d Representatives, want 2: %+v", len(cands), cands)
	}
	chosen, other := cands[1], cands[0]
	name := func(c candidate) string { n, _, _ := strings.Cut(c.Label, " ("); return strings.TrimSpace(n) }
	if !strings.Contains(chosen.Label, "IL-") || name(chosen) == "" {
		t.Fatalf("candidate label %q", chosen.Label)
	}
	b.do("choose "+chosen.Label,
		chromedp.Click(chromedp.ID(chosen.ID)),
		chromedp.Click(chromedp.CSS("#choose-title ~ form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/submit"]`)))

	// The letters to read before sending: the chosen Representative, not
	// the other, and the paragraph in the letter.
	recipients := b.text("body")
	if !strings.Contains(recipients, name(chosen)) || strings.Contains(recipients, name(other)) {
		t.Fatalf("the preview does not write to %s only:\n%s", name(chosen), recipients)
	}
	if !strings.Contains(b.text("details.letter[open] .body"), paragraph) {
		t.Errorf("the first letter of the preview lacks the paragraph: %s", b.text("details.letter[open] .body"))
	}
	if got := b.value(`form[action$="/submit"] #personal_message`); got != paragraph {
		t.Errorf("the paragraph to send is %q", got)
	}
	b.do("send the letters",
		chromedp.Click(chromedp.CSS(`form[action$="/submit"] button[type=submit]:not(.secondary)`)),
		chromedp.WaitVisible(chromedp.CSS("ul.targets")))
	// The answer says to check the inbox and holds no link to the letters.
	if h := b.text("h1"); h != "Check your email" {
		t.Errorf("after sending: heading %q", h)
	}
	if txt := b.text("main"); !strings.Contains(txt, "ada@example.org") || !strings.Contains(txt, name(chosen)) ||
		strings.Contains(b.html("main"), "/s/") {
		t.Errorf("the answer to sending:\n%s", txt)
	}
	// The supporter opens the link in the copy email (filed as .eml
	// without a mail server).
	link := emailedLinkIn(t, filepath.Join(dataDir, "outbox"), "ada@example.org")
	b.open(link, "table.letters")

	if h := b.text("h1"); h != "Thank you, Ada" {
		t.Errorf("thank-you heading %q", h)
	}
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/s/") {
		t.Fatalf("the thank-you page is at %q (%v)", loc, err)
	}
	if table := b.text("table.letters"); !strings.Contains(table, name(chosen)) || strings.Contains(table, name(other)) {
		t.Fatalf("letters listed:\n%s", table)
	}

	// The Representative's own letter, through its Download link.
	href := eval[string](b, `(name) => {
		for (const tr of document.querySelectorAll('table.letters tbody tr'))
			if (tr.cells[0].textContent.includes(name)) return tr.querySelector('a[href$="/pdf"]').getAttribute('href');
		return '';
	}`, name(chosen))
	if href == "" {
		t.Fatalf("no Download link for %s", name(chosen))
	}
	text := pdfText(t, b.fetch(href, "application/pdf"))
	for _, want := range []string{paragraph, name(chosen), "Ada Lovelace", "Schaumburg, IL 60173"} {
		if !strings.Contains(text, want) {
			t.Errorf("the Representative's PDF lacks %q:\n%s", want, text)
		}
	}
	// All letters in one PDF: the paragraph is in each.
	allHref := eval[string](b, `() => {
		const a = document.querySelector('a[href$="/letters.pdf"]');
		return a && a.textContent.includes('Download all letters') ? a.getAttribute('href') : '';
	}`)
	if allHref == "" {
		t.Fatal("no link to download all letters")
	}
	text = pdfText(t, b.fetch(allHref, "application/pdf"))
	if n, letters := strings.Count(text, paragraph), strings.Count(b.text("table.letters tbody"), "Download"); n != letters || n < 2 {
		t.Errorf("the paragraph is %d times in the PDF of all %d letters", n, letters)
	}
}

// TestBrowserOrganizerEditsLetter: an organizer signs in, saves a letter
// with a syntax error and is shown where, fixes it with the live preview,
// saves, and restores the first version from the history.
func TestBrowserOrganizerEditsLetter(t *testing.T) {
	chromiumPath(t)
	const email, password = "olive@example.org", "organizer password 1"
	srv := serveWithUser(t, email, password, "organizer")
	b := newBrowser(t, srv)
	const editor = "/organize/campaigns/protect-witnesses/letters/representative"

	// The editor asks for a sign-in first and comes back.
	b.open(editor, "#password")
	b.signIn(email, password, "#body")
	if v := b.text(".version-line"); !strings.Contains(v, "Editing version 1") {
		t.Fatalf("version line %q", v)
	}
	original := b.value("#body")
	if !strings.Contains(original, "I respectfully ask you to") {
		t.Fatalf("the seed letter is not in the editor:\n%s", original)
	}

	// Line 3 leaves a tag open where its "{{" starts, at column 13.
	broken := "{{ recipient.greeting }}\n\nPlease help {{ campaign.facts.witness }.\n"
	const place = "Line 3, column 13"
	b.retype("#body", broken)
	// The live preview reports it first, with its place...
	b.waitText("#body-error", place)
	if live := b.text("#body-error"); !strings.Contains(live, "unclosed") {
		t.Errorf("live error %q", live)
	}
	// ...and saving refuses it with the same place, keeping the text.
	b.do("save the broken letter",
		chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)),
		chromedp.WaitVisible(chromedp.ID("editor-error")))
	if got := b.text("#body-error"); !strings.Contains(got, place) || !strings.Contains(got, "unclosed") {
		t.Errorf("saving shows %q, want %q", got, place)
	}
	if got := b.value("#body"); strings.TrimSpace(got) != strings.TrimSpace(broken) {
		t.Errorf("the refused text was not kept: %q", got)
	}
	if v := b.text(".version-line"); !strings.Contains(v, "Editing version 1") {
		t.Errorf("a broken letter was saved: %q", v)
	}

	// Fixed, the live preview shows the letter for the sample supporter.
	fixed := "{{ recipient.greeting }}\n\nPlease help {{ campaign.facts.witness }}, from {{ supporter.city }}.\n\n{{ supporter.full_name }}\n"
	b.retype("#body", fixed)
	b.do("describe the change", chromedp.SendKeys(chromedp.ID("note"), "shorter letter"))
	b.waitText("#preview-body", "Please help Guan Heng, from Albany.")
	b.waitText("#live-status", "Preview updated (not saved).")
	if hidden := eval[bool](b, `() => document.getElementById('body-error').hidden`); !hidden {
		t.Errorf("the error is still shown: %s", b.text("#body-error"))
	}
	b.do("save the fixed letter",
		chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if f := b.text(".flash"); !strings.Contains(f, "Saved version 2") {
		t.Fatalf("flash after saving: %q", f)
	}
	if got := b.value("#body"); strings.TrimSpace(got) != strings.TrimSpace(fixed) {
		t.Errorf("the editor shows %q after saving", got)
	}

	// History: restore version 1, which becomes version 3.
	b.do("open the history",
		chromedp.Click(chromedp.CSS(`.version-line a[href$="/history"]`)),
		chromedp.WaitVisible(chromedp.ID("v1")))
	if h := b.text("#v2 .version-head"); !strings.Contains(h, "current") || !strings.Contains(h, "shorter letter") {
		t.Errorf("version 2 in the history: %q", h)
	}
	b.do("restore version 1",
		chromedp.Click(chromedp.CSS("#v1 form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if f := b.text(".flash"); !strings.Contains(f, "Restored version 1 as version 3") {
		t.Fatalf("flash after restoring: %q", f)
	}
	if h := b.text("#v3 .version-head"); !strings.Contains(h, "current") {
		t.Errorf("version 3 is not current: %q", h)
	}
	b.open(editor, "#body")
	if v := b.text(".version-line"); !strings.Contains(v, "Editing version 3") {
		t.Errorf("version line %q", v)
	}
	if got := b.value("#body"); got != original {
		t.Errorf("the restored letter differs from version 1:\n%s", got)
	}
}

// TestBrowserStaffTotals: staff see a campaign's totals, watch them change
// in place when another supporter writes, and download the letters as CSV.
func TestBrowserStaffTotals(t *testing.T) {
	chromiumPath(t)
	const email, password = "sam@example.org", "staff password 123"
	srv := serveWithUser(t, email, password, "staff")
	b := newBrowser(t, srv)
	first := submitByAPI(t, b.base, "Grace", "grace@example.org", "12202")

	// The overview lists the campaign with its letters; it links to the
	// campaign's dashboard.
	b.open("/staff", "#password")
	b.signIn(email, password, "table.data")
	row := eval[[]string](b, `() => {
		for (const tr of document.querySelectorAll('table.data tbody tr'))
			if (tr.cells[0].textContent.trim() === 'Protect the people who document abuses in China') return Array.from(tr.cells, c => c.textContent.trim());
		return [];
	}`)
	if len(row) < 4 || row[3] != strconv.Itoa(first) {
		t.Fatalf("the overview's row for the open seed campaign: %q, want %d letters", row, first)
	}
	b.do("open the campaign's dashboard",
		chromedp.Click(chromedp.CSS(`a[href="/staff/campaigns/protect-witnesses"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-stat=letters]`)))
	if got := b.text(`[data-stat=letters]`); got != strconv.Itoa(first) {
		t.Fatalf("letters total %q, want %d", got, first)
	}
	if got := b.text(`[data-stat=supporters]`); got != "1" {
		t.Errorf("supporters total %q, want 1", got)
	}

	// Another supporter writes; the page refreshes its numbers when it
	// becomes visible again (and every few seconds), without a reload.
	second := submitByAPI(t, b.base, "Alan", "alan@example.org", "12207")
	total := strconv.Itoa(first + second)
	eval[bool](b, `() => { document.dispatchEvent(new Event('visibilitychange')); return true; }`)
	b.waitText(`[data-stat=letters]`, total)
	b.waitText(`[data-stat=supporters]`, "2")
	b.waitText(".live-status", "Updated")
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-stat=letters]`)))
	if got := b.text(`[data-stat=letters]`); got != total {
		t.Errorf("after a reload the letters total is %q, want %s", got, total)
	}

	// The letters as CSV, one row per letter, supporters' emails masked.
	href := eval[string](b, `() => {
		const a = document.querySelector('a[href*="/export/letters.csv"]:not([href*="personal=1"])');
		return a ? a.getAttribute('href') : '';
	}`)
	if href == "" {
		t.Fatal("no CSV export of the letters")
	}
	data := b.fetch(href, "text/csv")
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("letters.csv: %v\n%s", err, data)
	}
	if len(rows) != 1+first+second || len(rows[0]) < 2 || rows[0][0] != "letter_id" {
		t.Fatalf("letters.csv has %d rows, want a header and %d letters:\n%s", len(rows), first+second, data)
	}
	for _, addr := range []string{"grace@example.org", "alan@example.org"} {
		if bytes.Contains(data, []byte(addr)) {
			t.Errorf("letters.csv shows %s to staff without the supporter-data role", addr)
		}
	}
}

// emailedLinkIn waits for the copy email to an address in a folder of
// filed .eml messages and returns the private link in it (its path).
func emailedLinkIn(t *testing.T, dir, to string) string {
	t.Helper()
	return emailedPathIn(t, dir, to, `/s/[a-z2-7]{32}`)
}

// submitByAPI sends one supporter through the JSON API and returns how many
// letters it made.
func submitByAPI(t *testing.T, base, first, email, zipCode string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"first_name": first, "last_name": "Hopper", "email": email,
		"address1": "12 State St", "city": "Albany", "state": "NY", "zip": zipCode})
	resp, err := http.Post(base+"/api/v1/campaigns/protect-witnesses/submissions", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Letters []json.RawMessage `json:"letters"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(b, &out) != nil || len(out.Letters) == 0 {
		t.Fatalf("submit: %d %s", resp.StatusCode, b)
	}
	return len(out.Letters)
}
