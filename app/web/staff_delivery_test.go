package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/packets"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/app/web"
	"github.com/advocate-org/advocate/templates"
)

func TestStaffDeliveryPageAndPackets(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Options{Submit: af.submit, Roster: af.roster, DB: af.db, Pages: templates.Pages(),
		Static: templates.Static(), Clock: af.clock.Now, Auth: af.auth,
		Delivery: views.Office(af.db), Packets: packets.New(packets.Options{Store: views.Office(af.db), PDF: maker, Clock: af.clock.Now, Audit: auth.NewAudit(af.db.Audit, af.clock.Now)})})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	af.srv = hs

	if resp, body := af.do(http.MethodPost, "/api/v1/campaigns/protect-witnesses/submissions", "application/json", goodJSON); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
	staff := af.signedIn("staff@example.org", app.RoleStaff)
	resp, body := staff.get("/staff/delivery")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("staff page: %d", resp.StatusCode)
	}
	mustContain(t, body, "Deliveries by channel and status", "download", "Rep. Paul Tonko (NY-20)", "Secretary of Homeland Security Markwayne Mullin",
		"downloading them needs the supporter-data role")
	mustNotContain(t, body, "/staff/campaigns/protect-witnesses/packets.zip")
	// A packet is every letter in full (name, street address, email, own
	// paragraph): plain staff may not have one.
	if resp, zipBody := staff.get("/staff/campaigns/protect-witnesses/packets.zip"); resp.StatusCode != http.StatusForbidden ||
		strings.HasPrefix(zipBody, "PK") || strings.Contains(zipBody, "Albany") {
		t.Fatalf("packets as plain staff: %d", resp.StatusCode)
	}

	data := af.signedIn("data@example.org", app.RoleStaff, app.RoleSupporterData)
	_, body = data.get("/staff/delivery")
	mustContain(t, body, "/staff/campaigns/protect-witnesses/packets.zip")
	resp, zipBody := data.get("/staff/campaigns/protect-witnesses/packets.zip")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("packets: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(zipBody)), int64(len(zipBody)))
	if err != nil {
		t.Fatal(err)
	}
	pdfs := 0
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if strings.HasSuffix(f.Name, ".pdf") {
			pdfs++
		}
	}
	if pdfs < 4 || names[0] != "index.csv" {
		t.Fatalf("archive holds %v", names)
	}
	if resp, _ := data.get("/staff/campaigns/nope/packets.zip"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown campaign: %d", resp.StatusCode)
	}
	// The download is in the audit log with who asked.
	evs, err := af.db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "packets.write"})
	if err != nil || len(evs) != 1 || evs[0].ActorEmail != "data@example.org" || evs[0].Subject != "campaign:protect-witnesses" {
		t.Fatalf("audit %+v %v", evs, err)
	}

	org := af.signedIn("org@example.org", app.RoleOrganizer)
	if resp, _ := org.get("/staff/delivery"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("organizer on the staff page: %d", resp.StatusCode)
	}
}
