package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/store"
)

// privacyData migrates the CLI's database and stores, behind its back, a
// campaign keeping data 30 days with supporters who wrote long ago and
// one who wrote yesterday, and a campaign keeping data until erased.
func privacyData(t *testing.T, dir string) (*store.DB, map[string]*app.Submission) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(dir, "advocate.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	short := &app.Campaign{Slug: "short", Title: "Short", Status: app.CampaignOpen, RetentionDays: 30}
	forever := &app.Campaign{Slug: "forever", Title: "Forever", Status: app.CampaignOpen}
	for _, c := range []*app.Campaign{short, forever} {
		if err := db.Campaigns.CreateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	day := 24 * time.Hour
	subs := map[string]*app.Submission{}
	for i, w := range []struct {
		name, email string
		c           *app.Campaign
		age         time.Duration
	}{
		{"old1", "Old.One@example.org", short, 40 * day},
		{"old2", "old2@example.org", short, 31 * day},
		{"recent", "recent@example.org", short, day},
		{"ann-short", "ann@example.org", short, day},
		{"ann-forever", "Ann@Example.org", forever, 400 * day},
	} {
		s := &app.Submission{CampaignID: w.c.ID, Token: fmt.Sprintf("clitoken%018d", i), DedupKey: w.name,
			CreatedAt: time.Now().Add(-w.age), PersonalMessage: "In my own words.",
			Supporter: app.Supporter{FirstName: "Ann", LastName: w.name, Email: w.email, Address1: "1 Main St",
				City: "Albany", State: "NY", Zip: "12202"},
			Letters: []app.Letter{{Subject: "Please help", Body: "Dear Representative Tonko, from " + w.name,
				Recipient:  app.Target{Key: "leg:T000469", Kind: app.TargetRepresentative, Name: "Paul Tonko"},
				Deliveries: []app.Delivery{{Channel: app.ChannelDownload, Status: app.StatusPending}}}}}
		if _, err := db.Submissions.CreateSubmission(ctx, s); err != nil {
			t.Fatal(err)
		}
		subs[w.name] = s
	}
	return db, subs
}

func erasedAt(t *testing.T, db *store.DB, s *app.Submission) *time.Time {
	t.Helper()
	got, err := db.Submissions.FindSubmissionByToken(context.Background(), s.Token)
	if err != nil {
		t.Fatal(err)
	}
	return got.Supporter.ErasedAt
}

func TestPurgeCommand(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir, nil)
	db, subs := privacyData(t, dir)

	code, out, errs := runCLI(t, env, "purge", "--dry-run")
	if code != 0 || !strings.Contains(out, "short") || !strings.Contains(out, "kept 30 days") ||
		!strings.Contains(out, "would erase 2 supporters, 2 letters") || strings.Contains(out, "forever") {
		t.Fatalf("purge --dry-run: %d\n%s%s", code, out, errs)
	}
	if erasedAt(t, db, subs["old1"]) != nil {
		t.Fatal("a dry run erased")
	}
	code, out, errs = runCLI(t, env, "purge")
	if code != 0 || !strings.Contains(out, "erased 2 supporters, 2 letters") || !strings.Contains(out, "erased 2 supporters in total") {
		t.Fatalf("purge: %d\n%s%s", code, out, errs)
	}
	for name, s := range subs {
		if erased, want := erasedAt(t, db, s) != nil, name == "old1" || name == "old2"; erased != want {
			t.Errorf("%s erased = %v, want %v", name, erased, want)
		}
	}
	code, out, _ = runCLI(t, env, "purge")
	if code != 0 || !strings.Contains(out, "nothing to erase") {
		t.Fatalf("second purge: %d %s", code, out)
	}
	events, _ := db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "supporter.purge"})
	if len(events) != 1 || events[0].Subject != "campaign:short" || events[0].ActorEmail != "cli" {
		t.Fatalf("audit: %+v", events)
	}
	if code, _, stderr := runCLI(t, env, "purge", "--bogus"); code != 2 || !strings.Contains(stderr, "Usage:") {
		t.Errorf("bad flag: %d %s", code, stderr)
	}
}

func TestSupporterExportAndErase(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir, nil)
	db, subs := privacyData(t, dir)

	code, out, errs := runCLI(t, env, "supporter", "export", "--email", "ANN@example.org")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	var x app.SupporterExport
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if x.Email != "ann@example.org" || len(x.Records) != 2 || x.Records[0].Submission.CampaignSlug != "forever" ||
		x.Records[1].Submission.Letters[0].Body != "Dear Representative Tonko, from ann-short" {
		t.Fatalf("export: %+v", x)
	}
	file := filepath.Join(dir, "ann.json")
	code, out, errs = runCLI(t, env, "supporter", "export", "--email", "ann@example.org", "--out", file)
	if code != 0 || !strings.Contains(out, "wrote 2 records (2 letters)") {
		t.Fatalf("export --out: %d %s %s", code, out, errs)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v %v", st, err)
	}
	code, _, errs = runCLI(t, env, "supporter", "export", "--email", "ann@example.org", "--out", file)
	if code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("export over a file: %d %s", code, errs)
	}

	// Without --yes the command shows what it would erase and asks.
	code, out, errs = runUsers(t, env, "no\n", "supporter", "erase", "--email", "ann@example.org")
	if code != 1 || !strings.Contains(out, "would erase 1 supporter, 1 letter") || !strings.Contains(out, "forever") ||
		!strings.Contains(out, `Type "yes"`) || !strings.Contains(errs, "nothing was erased") {
		t.Fatalf("erase, answered no: %d\n%s%s", code, out, errs)
	}
	code, _, errs = runUsers(t, env, "", "supporter", "erase", "--email", "ann@example.org")
	if code != 1 || erasedAt(t, db, subs["ann-short"]) != nil {
		t.Fatalf("erase without an answer: %d %s", code, errs)
	}
	code, out, errs = runUsers(t, env, "yes\n", "supporter", "erase", "--email", "Ann@example.org")
	if code != 0 || !strings.Contains(out, "erased 2 supporters in total") {
		t.Fatalf("erase, answered yes: %d\n%s%s", code, out, errs)
	}
	if erasedAt(t, db, subs["ann-short"]) == nil || erasedAt(t, db, subs["ann-forever"]) == nil || erasedAt(t, db, subs["recent"]) != nil {
		t.Fatal("erased the wrong supporters")
	}
	code, out, _ = runCLI(t, env, "supporter", "erase", "--email", "recent@example.org", "--yes")
	if code != 0 || !strings.Contains(out, "erased 1 supporter in total") || erasedAt(t, db, subs["recent"]) == nil {
		t.Fatalf("erase --yes: %d %s", code, out)
	}
	code, out, _ = runCLI(t, env, "supporter", "erase", "--email", "ann@example.org")
	if code != 0 || !strings.Contains(out, "nothing to erase") {
		t.Fatalf("erase again: %d %s", code, out)
	}
	code, out, _ = runCLI(t, env, "supporter", "export", "--email", "ann@example.org")
	if code != 0 || !strings.Contains(out, `"records": []`) {
		t.Fatalf("export after erasure: %d %s", code, out)
	}

	// Each command is in the audit log as the CLI, without the address.
	events, _ := db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "supporter"})
	if len(events) < 7 {
		t.Fatalf("%d audit events", len(events))
	}
	for _, e := range events {
		if e.ActorEmail != "cli" || strings.Contains(strings.ToLower(e.Subject+e.Detail), "ann@") {
			t.Errorf("audit event %+v", e)
		}
	}

	for _, args := range [][]string{{"supporter"}, {"supporter", "nope"}, {"supporter", "export"}, {"supporter", "erase", "--email", " "}} {
		if code, _, stderr := runCLI(t, env, args...); code != 2 || !strings.Contains(stderr, "Usage:") {
			t.Errorf("%v: %d %s", args, code, stderr)
		}
	}
	if code, out, _ := runCLI(t, env, "supporter", "help"); code != 0 || !strings.Contains(out, "supporter erase --email E") {
		t.Errorf("supporter help: %d %s", code, out)
	}
}
