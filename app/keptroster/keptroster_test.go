package keptroster_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/submit"
	"github.com/advocate-org/advocate/data"
	"github.com/advocate-org/advocate/templates"
)

func TestMerge(t *testing.T) {
	base := &app.Roster{
		Legislators: []app.Legislator{{BioguideID: "A000001"}},
		Committees: []app.Committee{
			{Code: "HSZS", Kind: app.KindCommittee, Name: "Select"},
			{Code: "TLHRC", Kind: app.KindCommission, Name: "Old TLHRC"},
			{Code: "CECC", Kind: app.KindCommission, Name: "CECC"},
		},
		Memberships: []app.Membership{
			{CommitteeCode: "HSZS", BioguideID: "A000001"},
			{CommitteeCode: "TLHRC", BioguideID: "A000001", Title: "Co-Chair"},
			{CommitteeCode: "CECC", BioguideID: "A000001"},
		},
		Executives: []app.ExecutiveTarget{{Key: "DHS_SECRETARY", Name: "Old"}},
	}
	if got := keptroster.Merge(base, nil); got != base {
		t.Fatal("nil overlay changed the roster")
	}
	kept := &app.Roster{
		Committees:  []app.Committee{{Code: "TLHRC", Name: "TLHRC"}},
		Memberships: []app.Membership{{CommitteeCode: "TLHRC", BioguideID: "A000001", Title: ""}},
		Executives:  []app.ExecutiveTarget{{Key: "DHS_SECRETARY", Name: "New"}, {Key: "STATE", Name: "S"}},
	}
	got := keptroster.Merge(base, kept)
	want := &app.Roster{
		Legislators: base.Legislators,
		Committees:  []app.Committee{{Code: "HSZS", Kind: app.KindCommittee, Name: "Select"}, {Code: "TLHRC", Kind: app.KindCommission, Name: "TLHRC"}},
		Memberships: []app.Membership{{CommitteeCode: "HSZS", BioguideID: "A000001"}, {CommitteeCode: "TLHRC", BioguideID: "A000001"}},
		Executives:  kept.Executives,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("merged\n%+v\nwant\n%+v", got, want)
	}
	if base.Committees[1].Name != "Old TLHRC" || len(base.Memberships) != 3 || base.Executives[0].Name != "Old" {
		t.Fatal("Merge modified its input")
	}
}

type env struct {
	db     *store.DB
	roster *roster.Service
	kept   *keptroster.Service
	submit *submit.Service
	camps  *campaign.Service
	path   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	db := openDB(t, path)
	rs := newRoster(db)
	if _, err := rs.ImportSeed(ctx); err != nil {
		t.Fatal(err)
	}
	letters := letter.NewRenderer(letter.Options{})
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC)
	sub := submit.New(submit.Options{Campaigns: db.Campaigns, Submissions: db.Submissions, Roster: rs, Letters: letters, PDF: maker,
		Clock: func() time.Time { return now }})
	camps := campaign.New(campaign.Options{Store: db.Campaigns, Letters: letters, Roster: rs})
	cs, _ := fs.Sub(data.Seed(), "campaigns")
	if _, err := camps.LoadSeed(ctx, cs, templates.Letters()); err != nil {
		t.Fatal(err)
	}
	kept := keptroster.New(keptroster.Options{Store: db.Roster, Roster: rs, Campaigns: db.Campaigns})
	return &env{db: db, roster: rs, kept: kept, submit: sub, camps: camps, path: path}
}

func openDB(t testing.TB, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func newRoster(db *store.DB) *roster.Service {
	seed, _ := fs.Sub(data.Seed(), "roster")
	return roster.New(roster.Options{Store: db.Roster, Seed: seed, Overlay: keptroster.NewOverlay(db.Roster)})
}

func organizer() context.Context {
	return app.WithActor(context.Background(), app.Actor{Email: "org@example.org", Roles: []app.Role{app.RoleOrganizer}, Via: "session"})
}

func submitFrom(t *testing.T, e *env, email string) *app.Submission {
	t.Helper()
	res, err := e.submit.Submit(context.Background(), "protect-witnesses", app.SubmissionInput{
		FirstName: "Ana", LastName: "Diaz", Email: email, Address1: "1 State St", City: "Albany", State: "NY", Zip: "12202"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Submission == nil {
		t.Fatalf("%s wrote before: nothing stored", email)
	}
	return res.Submission
}

func recipient(sub *app.Submission, key string) (app.Target, bool) {
	for _, l := range sub.Letters {
		if l.Recipient.Key == key {
			return l.Recipient, true
		}
	}
	return app.Target{}, false
}

// TestEditsSurviveImportAndLettersKeepTheirSnapshot is the reason this
// package exists.
func TestEditsSurviveImportAndLettersKeepTheirSnapshot(t *testing.T) {
	ctx := organizer()
	e := newEnv(t)
	first := submitFrom(t, e, "first@example.org")
	mcg, ok := recipient(first, "leg:M000312")
	if !ok || !strings.Contains(strings.Join(mcg.Reasons, ";"), "Co-Chair, Tom Lantos") {
		t.Fatalf("McGovern before the edit: %+v", mcg)
	}
	dhs, ok := recipient(first, "exec:DHS_SECRETARY")
	if !ok || dhs.Name != "Markwayne Mullin" {
		t.Fatalf("DHS before the edit: %+v", dhs)
	}

	// McGovern becomes an ordinary member; a new Secretary takes office.
	if err := e.kept.SaveSeat(ctx, "TLHRC", keptroster.SeatInput{Member: "James P. McGovern (D-MA-2) [M000312]", Title: "Member"}); err != nil {
		t.Fatal(err)
	}
	if err := e.kept.SaveExecutive(ctx, keptroster.ExecutiveInput{Key: "DHS_SECRETARY", Title: "Secretary of Homeland Security",
		Name: "Jane Q. Public", Address: "U.S. Department of Homeland Security\nWashington, DC 20528"}, false); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		ix := e.roster.Index()
		for _, m := range ix.Members("TLHRC") {
			if m.BioguideID == "M000312" && m.Title != "" {
				t.Errorf("%s: McGovern is still %q", when, m.Title)
			}
		}
		if x, _ := ix.Executive("DHS_SECRETARY"); x.Name != "Jane Q. Public" {
			t.Errorf("%s: DHS secretary is %q", when, x.Name)
		}
	}
	check("at once")

	// A roster import replaces the imported roster wholesale: the edits stay.
	if _, err := e.roster.ImportSeed(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("after import")
	// And another instance sees them after loading.
	other := newRoster(openDB(t, e.path))
	if err := other.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if x, _ := other.Index().Executive("DHS_SECRETARY"); x.Name != "Jane Q. Public" {
		t.Errorf("other instance: %q", x.Name)
	}

	// Letters already made keep their snapshot.
	stored, err := e.db.Submissions.FindSubmissionByToken(context.Background(), first.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := recipient(stored, "leg:M000312"); !reflect.DeepEqual(got, mcg) {
		t.Errorf("stored McGovern letter changed:\n%+v\n%+v", got, mcg)
	}
	if got, _ := recipient(stored, "exec:DHS_SECRETARY"); !reflect.DeepEqual(got, dhs) {
		t.Errorf("stored DHS letter changed: %+v", got)
	}

	// New letters follow the edits.
	second := submitFrom(t, e, "second@example.org")
	if _, ok := recipient(second, "leg:M000312"); ok {
		t.Error("McGovern still targeted as a leader")
	}
	if got, _ := recipient(second, "exec:DHS_SECRETARY"); got.Name != "Jane Q. Public" || got.Greeting != "Dear Secretary Public:" {
		t.Errorf("new DHS letter to %+v", got)
	}

	// Discarding the hand edits brings back the imported lists.
	if err := e.kept.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if x, _ := e.roster.Index().Executive("DHS_SECRETARY"); x.Name != "Markwayne Mullin" {
		t.Errorf("after reset: %q", x.Name)
	}
	if changed, err := other.Refresh(context.Background()); err != nil || !changed {
		t.Errorf("other instance did not notice the reset: %v %v", changed, err)
	}
}

func TestSeatsAndCommissions(t *testing.T) {
	ctx := organizer()
	e := newEnv(t)
	if st, _ := e.kept.State(ctx); st.Kept {
		t.Fatal("kept before any edit")
	}
	list, err := e.kept.Commissions(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("commissions: %+v %v", list, err)
	}
	for _, tt := range []struct {
		in    keptroster.SeatInput
		field string
	}{
		{keptroster.SeatInput{Member: "nobody"}, "member"},
		{keptroster.SeatInput{Member: "Z999999"}, "member"},
		{keptroster.SeatInput{Member: "T000469", Title: strings.Repeat("x", 101)}, "title"},
	} {
		if err := e.kept.SaveSeat(ctx, "CECC", tt.in); app.ErrorFieldsOf(err)[tt.field] == "" {
			t.Errorf("%+v: %v", tt.in, err)
		}
	}
	if st, _ := e.kept.State(ctx); st.Kept {
		t.Fatal("a refused edit took over the lists")
	}
	// Add Paul Tonko to the CECC, then remove Tammy Duckworth.
	if err := e.kept.SaveSeat(ctx, "CECC", keptroster.SeatInput{Member: "t000469", Title: "Vice Chair"}); err != nil {
		t.Fatal(err)
	}
	if err := e.kept.RemoveSeat(ctx, "CECC", "D000622"); err != nil {
		t.Fatal(err)
	}
	cv, err := e.kept.Commission(ctx, "CECC")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range cv.Seats {
		ids = append(ids, s.BioguideID+"/"+s.Title)
	}
	if !slices.Contains(ids, "T000469/Vice Chair") || slices.ContainsFunc(ids, func(s string) bool { return strings.HasPrefix(s, "D000622") }) {
		t.Errorf("CECC seats: %v", ids)
	}
	// Albany's Representative now gets a CECC letter as a leader.
	sub := submitFrom(t, e, "a@example.org")
	tonko, _ := recipient(sub, "leg:T000469")
	if !strings.Contains(strings.Join(tonko.Reasons, ";"), "Vice Chair, Congressional-Executive Commission on China") {
		t.Errorf("Tonko reasons: %v", tonko.Reasons)
	}

	// A new commission, then its removal; one in use cannot be removed.
	if err := e.kept.SaveCommission(ctx, keptroster.CommissionInput{Code: "hscaucus", Name: "Human Rights Caucus", Chamber: app.House}, true); err != nil {
		t.Fatal(err)
	}
	if err := e.kept.SaveCommission(ctx, keptroster.CommissionInput{Code: "HSCAUCUS", Name: "Again", Chamber: app.House}, true); app.ErrorFieldsOf(err)["code"] == "" {
		t.Errorf("duplicate commission: %v", err)
	}
	if err := e.kept.SaveCommission(ctx, keptroster.CommissionInput{Code: "HSZS", Name: "Clash", Chamber: app.House}, true); app.ErrorFieldsOf(err)["code"] == "" {
		t.Errorf("commission with an imported committee's code: %v", err)
	}
	if _, ok := e.roster.Index().Committee("HSCAUCUS"); !ok {
		t.Error("new commission not in the index")
	}
	if err := e.kept.RemoveCommission(ctx, "HSCAUCUS"); err != nil {
		t.Fatal(err)
	}
	if err := e.kept.RemoveCommission(ctx, "TLHRC"); app.ErrorCodeOf(err) != app.ECONFLICT || !strings.Contains(app.ErrorMessageOf(err), "Free Guan Heng") {
		t.Errorf("removing a commission in use: %v", err)
	}
	if err := e.kept.RemoveExecutive(ctx, "DHS_SECRETARY"); app.ErrorCodeOf(err) != app.ECONFLICT {
		t.Errorf("removing an executive target in use: %v", err)
	}

	// Executive targets: validation, add, remove.
	err = e.kept.SaveExecutive(ctx, keptroster.ExecutiveInput{Key: "bad key", Email: "not-an-email", InOfficeSince: "March"}, true)
	for _, f := range []string{"key", "title", "name", "address", "email", "in_office_since"} {
		if app.ErrorFieldsOf(err)[f] == "" {
			t.Errorf("no error for %s: %v", f, err)
		}
	}
	if err := e.kept.SaveExecutive(ctx, keptroster.ExecutiveInput{Key: "STATE_SECRETARY", Title: "Secretary of State",
		Name: "A. Person", Address: "2201 C Street NW\r\n\r\nWashington, DC 20520", Email: "sec@state.example"}, true); err != nil {
		t.Fatal(err)
	}
	x, err := e.kept.Executive(ctx, "STATE_SECRETARY")
	if err != nil || x.Address != "2201 C Street NW\nWashington, DC 20520" {
		t.Fatalf("executive: %+v %v", x, err)
	}
	if err := e.kept.RemoveExecutive(ctx, "STATE_SECRETARY"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.roster.Index().Executive("STATE_SECRETARY"); ok {
		t.Error("removed executive still in the index")
	}

	staff := app.WithActor(context.Background(), app.Actor{Email: "s@example.org", Roles: []app.Role{app.RoleStaff}})
	if err := e.kept.SaveSeat(staff, "CECC", keptroster.SeatInput{Member: "T000469"}); app.ErrorCodeOf(err) != app.EFORBIDDEN {
		t.Errorf("staff edit: %v", err)
	}
}

func TestConcurrentEditsAreNotLost(t *testing.T) {
	ctx := organizer()
	e := newEnv(t)
	done := make(chan error, 2)
	go func() { done <- e.kept.SaveSeat(ctx, "CECC", keptroster.SeatInput{Member: "T000469"}) }()
	go func() { done <- e.kept.SaveSeat(ctx, "TLHRC", keptroster.SeatInput{Member: "T000469"}) }()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	list, _ := e.kept.Commissions(ctx)
	n := 0
	for _, c := range list {
		for _, s := range c.Seats {
			if s.BioguideID == "T000469" {
				n++
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d of 2 edits kept", n)
	}
}
