package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/mail/mailtest"
)

// TestDeliveryEndToEnd runs serve with a real SMTP server on loopback,
// submits letters through the API, waits for the emails, then prints office
// packets and a CWC export from the same database.
func TestDeliveryEndToEnd(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	dir := t.TempDir()
	env := testEnv(dir, map[string]string{
		"ADVOCATE_SMTP_URL":          smtp.URL(),
		"ADVOCATE_MAIL_FROM":         "Free Guan Heng <letters@advocate.example>",
		"ADVOCATE_BASE_URL":          "https://letters.example.org",
		"ADVOCATE_CWC_AGENT":         "Friends of Guan Heng",
		"ADVOCATE_CWC_ACK_EMAIL":     "cwc@friends.example.org",
		"ADVOCATE_CWC_CONTACT_NAME":  "Ada Organizer",
		"ADVOCATE_CWC_CONTACT_EMAIL": "ada@friends.example.org",
		"ADVOCATE_CWC_CONTACT_PHONE": "202-555-0100",
	})
	srv := startServe(t, env, nil)
	addr, stderr := srv.addr, srv.stderr
	for _, email := range []string{"jose@example.org", "ana@example.org"} {
		body := `{"first_name":"José","last_name":"Núñez","email":"` + email + `","address1":"12 State St",
			"city":"Albany","state":"NY","zip":"12202"}`
		resp, err := http.Post("http://"+addr+"/api/v1/campaigns/protect-witnesses/submissions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("submit: %d %s", resp.StatusCode, b)
		}
	}
	// Each submission emails the two TLHRC co-chairs' letters to the
	// commission's one inbox in one email, and a copy to the supporter.
	deadline := time.Now().Add(20 * time.Second)
	for smtp.Count() < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let a fifth message show up
	if smtp.Count() != 4 {
		t.Fatalf("the mail server received %d messages, want 4\n%s", smtp.Count(), stderr.String())
	}
	for _, r := range smtp.Received() {
		if m := mailtest.Parse(t, r.Data); r.To[0] == "TLHRC@mail.house.gov" && len(m.Attachments) != 2 {
			t.Errorf("the commission's email carries %d PDFs, want one per co-chair (2)", len(m.Attachments))
		}
	}
	srv.stopOK()

	code, out, errs := runCLI(t, env, "outbox", "status")
	if code != 0 || !strings.Contains(out, "email     sent") || !strings.Contains(out, "copy      sent") {
		t.Errorf("outbox status: %d %s %s", code, out, errs)
	}
	// Packets and CWC files are every letter in full: the command asks for
	// an explicit flag and writes nothing without it.
	code, out, errs = runCLI(t, env, "packets", "--campaign", "protect-witnesses", "--out", filepath.Join(dir, "packets"))
	if code != 2 || !strings.Contains(errs, "--with-personal-data") {
		t.Errorf("packets without --with-personal-data: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI(t, env, "cwc", "export", "--campaign", "protect-witnesses", "--out", filepath.Join(dir, "cwc"), "--prefix", "Mr.")
	if code != 2 || !strings.Contains(errs, "--with-personal-data") {
		t.Errorf("cwc export without --with-personal-data: %d %s %s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "packets")); !os.IsNotExist(err) {
		t.Errorf("packets written without the flag: %v", err)
	}
	code, out, errs = runCLI(t, env, "packets", "--campaign", "protect-witnesses", "--out", filepath.Join(dir, "packets"), "--with-personal-data")
	if code != 0 || !strings.Contains(out, "(18 letters)") {
		t.Errorf("packets: %d %s %s", code, out, errs)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "packets", "*.pdf")); len(files) != 9 {
		t.Errorf("packet files %v", files)
	}
	code, out, errs = runCLI(t, env, "cwc", "export", "--campaign", "protect-witnesses", "--out", filepath.Join(dir, "cwc"), "--with-personal-data")
	if code != 0 || !strings.Contains(out, "0 written") || !strings.Contains(out, "skipped: letter") {
		t.Errorf("cwc export without a prefix: %d %s %s", code, out, errs)
	}
	code, out, errs = runCLI(t, env, "cwc", "export", "--campaign", "protect-witnesses", "--out", filepath.Join(dir, "cwc"),
		"--prefix", "Mr.", "--with-personal-data")
	if code != 0 || !strings.Contains(out, "6 letters to Representatives and Senators: 6 written") {
		t.Errorf("cwc export: %d %s %s", code, out, errs)
	}
	for _, seat := range []string{"SNY01", "SNY03"} { // Gillibrand (class 1), Schumer (class 3)
		if files, _ := filepath.Glob(filepath.Join(dir, "cwc", seat+"-*.xml")); len(files) != 2 {
			t.Errorf("cwc files for %s: %v", seat, files)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "cwc", "HNY20-*.xml"))
	if len(files) != 2 {
		t.Fatalf("cwc files %v", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil || !strings.Contains(string(b), "<MemberOffice>HNY20</MemberOffice>") {
		t.Errorf("cwc file: %v %s", err, b)
	}
	if code, _, _ := runCLI(t, env, "cwc", "export", "--campaign", "protect-witnesses", "--out", dir, "--send", "--with-personal-data"); code != 2 {
		t.Errorf("--send without a CWC URL: exit %d", code)
	}
	if code, _, _ := runCLI(t, env, "packets", "--campaign", "nope", "--out", dir, "--with-personal-data"); code != 1 {
		t.Errorf("unknown campaign: exit %d", code)
	}
	// Each run is in the audit log, as the command line, naming the
	// operating-system account that ran it.
	_, db := openAuth(t, dir)
	evs, err := db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Actor: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string]int{}
	for _, e := range evs {
		if e.Action == "packets.write" || e.Action == "cwc.export" {
			runs[e.Action]++
			if e.Subject != "campaign:protect-witnesses" || !strings.Contains(e.Detail, `"operator":"`) || !strings.Contains(e.Detail, `"personal_data":true`) {
				t.Errorf("audit event %+v", e)
			}
		}
	}
	if runs["packets.write"] != 1 || runs["cwc.export"] != 2 {
		t.Errorf("audit events %v", runs)
	}
}

func TestOutboxFlushFilesWithoutSMTP(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir, nil)
	code, out, errs := runCLI(t, env, "outbox", "flush")
	if code != 0 || !strings.Contains(out, "handled 0 due deliveries (mail goes to files in "+filepath.Join(dir, "outbox")+")") {
		t.Errorf("flush: %d %q %s", code, out, errs)
	}
	if code, out, _ := runCLI(t, env, "outbox", "retry", "--id", "3,4"); code != 0 || !strings.Contains(out, "queued 0") {
		t.Errorf("retry: %d %s", code, out)
	}
	if code, _, _ := runCLI(t, env, "outbox", "retry", "--id", "x"); code != 2 {
		t.Errorf("bad id: exit %d", code)
	}
	if code, _, _ := runCLI(t, env, "outbox"); code != 2 {
		t.Errorf("no subcommand: exit %d", code)
	}
}
