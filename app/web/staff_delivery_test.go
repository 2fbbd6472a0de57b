package web_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/packets"
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
		Delivery: af.db, Packets: packets.New(packets.Options{Store: af.db, PDF: maker, Clock: af.clock.Now})})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	af.srv = hs

	if resp, body := af.do(http.MethodPost, "/api/v1/campaigns/protect-witnesses/submissions", "application/json", goodJSON); resp.StatusCode != http.StatusCreated {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
	staff := af.signedIn("staff@example.org", app.RoleStaff)
	resp, body := staff.get("/staff/delivery")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("staff page: %d", resp.StatusCode)
	}
	mustContain(t, body, "Deliveries by channel and status", "download", "Rep. Paul Tonko (NY-20)", "Secretary of Homeland Security Markwayne Mullin",
		"/staff/campaigns/protect-witnesses/packets.zip")

	resp, zipBody := staff.get("/staff/campaigns/protect-witnesses/packets.zip")
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
	if resp, _ := staff.get("/staff/campaigns/nope/packets.zip"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown campaign: %d", resp.StatusCode)
	}

	org := af.signedIn("org@example.org", app.RoleOrganizer)
	if resp, _ := org.get("/staff/delivery"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("organizer on the staff page: %d", resp.StatusCode)
	}
}
