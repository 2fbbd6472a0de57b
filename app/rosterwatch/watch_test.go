package rosterwatch_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/rosterwatch"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/data"
)

// publicHost serves the roster files by name, as the public sources do;
// files can be swapped between refreshes, or fail.
type publicHost struct {
	mu    sync.Mutex
	files map[string][]byte
	fail  bool
}

func (h *publicHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.files[strings.TrimPrefix(r.URL.Path, "/")]
	switch {
	case h.fail:
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	case !ok:
		http.NotFound(w, r)
	default:
		_, _ = w.Write(b)
	}
}

func (h *publicHost) set(name string, b []byte) {
	h.mu.Lock()
	h.files[name] = b
	h.mu.Unlock()
}

var sourceFiles = map[string]string{
	congress.SourceLegislators: "congress-legislators/legislators-current.json",
	congress.SourceCommittees:  "congress-legislators/committees-current.json",
	congress.SourceMemberships: "congress-legislators/committee-membership-current.json",
	congress.SourceOffices:     "congress-legislators/legislators-district-offices.json",
	congress.SourceZips:        "zip-district/zccd.csv",
}

// auditLog keeps audit entries.
type auditLog struct {
	mu      sync.Mutex
	entries []string
}

func (a *auditLog) Record(_ context.Context, action, subject, detail string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, action+" "+subject+" "+detail)
	return nil
}

type fixture struct {
	db    *store.DB
	rs    *roster.Service
	host  *publicHost
	clock *apptest.Clock
	audit *auditLog
	dir   string
	url   string
}

func newFixture(t *testing.T, dsn string) *fixture {
	t.Helper()
	shared := apptest.SharedData(t)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	host := &publicHost{files: map[string][]byte{}}
	for _, p := range sourceFiles {
		b, err := os.ReadFile(filepath.Join(shared, p))
		if err != nil {
			t.Fatal(err)
		}
		host.files[filepath.Base(p)] = b
	}
	srv := httptest.NewServer(host)
	t.Cleanup(srv.Close)
	seed, _ := fs.Sub(data.Seed(), "roster")
	rs := roster.New(roster.Options{Store: db.Roster, Seed: seed, Overlay: keptroster.NewOverlay(db.Roster)})
	if err := rs.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, rs: rs, host: host, clock: apptest.NewClock(time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)),
		audit: &auditLog{}, dir: filepath.Join(t.TempDir(), "public"), url: srv.URL}
}

func (f *fixture) watcher(t *testing.T, owner string) *rosterwatch.Watcher {
	t.Helper()
	var sources []congress.Source
	for name, p := range sourceFiles {
		sources = append(sources, congress.Source{Name: name, URL: f.url + "/" + filepath.Base(p), Path: p})
	}
	slices.SortFunc(sources, func(a, b congress.Source) int { return strings.Compare(a.Name, b.Name) })
	fetcher := congress.NewFetcher(congress.FetchOptions{Sources: sources})
	w, err := rosterwatch.New(rosterwatch.Options{
		Store: views.Refresh(f.db), Dir: f.dir, Every: 24 * time.Hour, Owner: owner, Auditor: f.audit, Clock: f.clock.Now,
		Fetch: func(ctx context.Context, dir string) error { _, err := fetcher.Fetch(ctx, dir); return err },
		Replace: func(ctx context.Context, dir string) (roster.Replacement, error) {
			return f.rs.ReplaceFrom(ctx, dir, congress.ImportOptions{})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// edit rewrites one served JSON file.
func (f *fixture) edit(t *testing.T, name string, fn func(v any) any) {
	t.Helper()
	f.host.mu.Lock()
	var v any
	err := json.Unmarshal(f.host.files[name], &v)
	f.host.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(fn(v))
	if err != nil {
		t.Fatal(err)
	}
	f.host.set(name, b)
}

func campaignWith(t *testing.T, db *store.DB, slug string, status app.CampaignStatus, rules ...app.TargetRule) *app.Campaign {
	t.Helper()
	ctx := context.Background()
	c := &app.Campaign{Slug: slug, Title: slug, Status: status}
	if err := db.Campaigns.CreateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.Campaigns.ReplaceTargetRules(ctx, c.ID, rules); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRefreshFlagsCampaignsWhoseTargetsChanged runs the scheduled refresh
// against a local copy of the public files: the first import flags
// nobody; a second, a day later, where Paul Tonko and Christopher Smith
// are gone and the Select Committee on the CCP has a new chairman, flags
// the campaign that writes to them with each change in words (and an
// audit entry), leaves the other campaign alone, keeps letters already
// made as they were, and does not run twice within the interval or on a
// second instance.
func TestRefreshFlagsCampaignsWhoseTargetsChanged(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "advocate.db")
			if backend == "postgres" {
				dsn = apptest.PostgresDSN(t)
			}
			f := newFixture(t, dsn)
			ctx := context.Background()
			ccp := campaignWith(t, f.db, "free-guan-heng", app.CampaignOpen,
				app.TargetRule{Kind: app.RuleOwnRepresentative}, app.TargetRule{Kind: app.RuleOwnSenators},
				app.TargetRule{Kind: app.RuleCommittee, CommitteeCode: "HSZS", LeadershipOnly: true},
				app.TargetRule{Kind: app.RuleCommittee, CommitteeCode: "TLHRC"})
			dhs := campaignWith(t, f.db, "dhs-only", app.CampaignOpen, app.TargetRule{Kind: app.RuleExecutive, ExecutiveKey: "DHS_SECRETARY"})
			closed := campaignWith(t, f.db, "old", app.CampaignClosed, app.TargetRule{Kind: app.RuleOwnRepresentative})

			w1, w2 := f.watcher(t, "instance-1"), f.watcher(t, "instance-2")
			res, err := w1.RunOnce(ctx)
			if err != nil || res == nil || res.Failed != nil || len(res.Flags) != 0 {
				t.Fatalf("first refresh: %+v %v", res, err)
			}
			first := f.rs.Info()
			if first.Legislators != 537 {
				t.Fatalf("imported %d legislators", first.Legislators)
			}
			if res, _ := w2.RunOnce(ctx); res != nil {
				t.Fatalf("a second instance refreshed within the interval: %+v", res)
			}
			// A letter made now keeps its recipient whatever the roster does.
			tonko, _ := f.rs.Index().Legislator("T000469")
			letterToken := storeLetter(t, f.db, ccp, tonko)

			// The next day's files: two Members gone, a new chairman.
			f.edit(t, "legislators-current.json", func(v any) any {
				return slices.DeleteFunc(v.([]any), func(l any) bool {
					id := l.(map[string]any)["id"].(map[string]any)["bioguide"]
					return id == "T000469" || id == "S000522"
				})
			})
			f.edit(t, "committee-membership-current.json", func(v any) any {
				for _, m := range v.(map[string]any)["HSZS"].([]any) {
					m := m.(map[string]any)
					switch m["bioguide"] {
					case "M001194": // Moolenaar
						delete(m, "title")
					case "W000804": // Wittman
						m["title"] = "Chairman"
					}
				}
				return v
			})
			f.clock.Add(24*time.Hour + time.Minute)
			res, err = w2.RunOnce(ctx)
			if err != nil || res == nil || res.Failed != nil {
				t.Fatalf("second refresh: %+v %v", res, err)
			}
			if f.rs.Info().Version == first.Version || f.rs.Info().Legislators != 535 {
				t.Fatalf("roster after the refresh: %+v", f.rs.Info())
			}
			flags, err := f.db.Campaigns.OpenCampaignFlags(ctx, 0)
			if err != nil || len(flags) != 1 || flags[0].CampaignID != ccp.ID || flags[0].RosterVersion != f.rs.Info().Version {
				t.Fatalf("flags %+v %v (dhs-only %d, closed %d)", flags, err, dhs.ID, closed.ID)
			}
			changes := flags[0].Changes
			for _, want := range []string{
				"Paul Tonko (NY-20) is no longer in office: the seat is vacant.",
				"Christopher H. Smith (NJ-4) is no longer in office: the seat is vacant.",
				"John R. Moolenaar is no longer Chairman of the House Select Committee on the Strategic Competition Between the United States and the Chinese Communist Party.",
				"Robert J. Wittman is now Chairman of the House Select Committee on the Strategic Competition Between the United States and the Chinese Communist Party.",
				"Christopher H. Smith (Co-Chair, Tom Lantos Human Rights Commission) is no longer in the roster.",
			} {
				if !slices.Contains(changes, want) {
					t.Errorf("missing change %q in\n%s", want, strings.Join(changes, "\n"))
				}
			}
			if len(changes) != 5 {
				t.Errorf("%d changes, want 5:\n%s", len(changes), strings.Join(changes, "\n"))
			}
			if len(f.audit.entries) != 1 || !strings.HasPrefix(f.audit.entries[0], "campaign.roster_changed campaign:free-guan-heng roster ") ||
				!strings.Contains(f.audit.entries[0], "Paul Tonko (NY-20)") {
				t.Errorf("audit %q", f.audit.entries)
			}
			got, err := f.db.Submissions.FindSubmissionByToken(ctx, letterToken)
			if err != nil || got.Letters[0].Recipient.Name != "Paul Tonko" || got.Letters[0].Body != "Dear Representative Tonko:" {
				t.Errorf("the letter made before the refresh changed: %+v %v", got, err)
			}
			if st, _ := f.db.Roster.RosterRefreshStatus(ctx); st.LastError != "" || st.LastSuccess == nil {
				t.Errorf("status %+v", st)
			}
		})
	}
}

// storeLetter stores a submission with one letter to l and returns its token.
func storeLetter(t *testing.T, db *store.DB, c *app.Campaign, l app.Legislator) string {
	t.Helper()
	now := time.Now().UTC()
	d := l.District
	s := &app.Submission{CampaignID: c.ID, Token: "tok00000000000000000000001", DedupKey: "k1", CreatedAt: now,
		Supporter: app.Supporter{FirstName: "Ana", LastName: "Diaz", Email: "ana@example.org", Address1: "1 State St",
			City: "Albany", State: "NY", Zip: "12202", CreatedAt: now},
		Letters: []app.Letter{{CampaignID: c.ID, CreatedAt: now, Subject: "Please help free Guan Heng",
			Body: "Dear Representative Tonko:", Recipient: app.Target{Key: "leg:" + l.BioguideID, Kind: app.TargetRepresentative,
				Name: l.DisplayName(), LastName: l.LastName, Chamber: app.House, State: l.State, District: &d},
			Deliveries: []app.Delivery{{Channel: app.ChannelDownload, Status: app.StatusPending, CreatedAt: now, UpdatedAt: now}}}}}
	if _, err := db.Submissions.CreateSubmission(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s.Token
}

// TestRefreshFailuresKeepTheRoster: an unreachable source, then a
// download that parses but has lost most of Congress, each leave the
// roster in use, log the reason, and wait a whole interval.
func TestRefreshFailuresKeepTheRoster(t *testing.T) {
	f := newFixture(t, filepath.Join(t.TempDir(), "advocate.db"))
	ctx := context.Background()
	w := f.watcher(t, "instance-1")
	if res, err := w.RunOnce(ctx); err != nil || res == nil || res.Failed != nil {
		t.Fatalf("first refresh: %+v %v", res, err)
	}
	good := f.rs.Info()

	f.host.mu.Lock()
	f.host.fail = true
	f.host.mu.Unlock()
	f.clock.Add(25 * time.Hour)
	res, err := w.RunOnce(ctx)
	if err != nil || res == nil || res.Failed == nil || !strings.Contains(res.Failed.Error(), "download") {
		t.Fatalf("offline refresh: %+v %v", res, err)
	}
	if f.rs.Info().Version != good.Version {
		t.Error("a failed download changed the roster")
	}
	if st, _ := f.db.Roster.RosterRefreshStatus(ctx); !strings.Contains(st.LastError, "download") {
		t.Errorf("status %+v", st)
	}
	f.clock.Add(time.Hour)
	if res, _ := w.RunOnce(ctx); res != nil {
		t.Error("retried before the interval")
	}

	f.host.mu.Lock()
	f.host.fail = false
	f.host.mu.Unlock()
	f.edit(t, "legislators-current.json", func(v any) any { return v.([]any)[:40] })
	f.clock.Add(24 * time.Hour)
	res, err = w.RunOnce(ctx)
	if err != nil || res == nil || res.Failed == nil || !strings.Contains(res.Failed.Error(), "40 Members of Congress against 537") {
		t.Fatalf("shrunken roster: %+v %v", res, err)
	}
	if info := f.rs.Info(); info.Version != good.Version || info.Legislators != 537 {
		t.Errorf("a broken download replaced the roster: %+v", info)
	}
	if flags, _ := f.db.Campaigns.OpenCampaignFlags(ctx, 0); len(flags) != 0 {
		t.Errorf("flags after failures: %+v", flags)
	}
}
