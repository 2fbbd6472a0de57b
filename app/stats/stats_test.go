package stats_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/stats"
)

// fakeStore serves one campaign with fixed counts.
type fakeStore struct {
	lookups int
}

var camp = app.Campaign{ID: 7, Slug: "c", Title: "C", Delivery: app.DeliverySettings{DoubleOptIn: true}}

func (f *fakeStore) OutreachStats(ctx context.Context, fl app.StatsFilter) (*app.Stats, error) {
	if err := fl.Validate(); err != nil {
		return nil, err
	}
	return &app.Stats{Filter: fl, Supporters: 4, Confirmed: 3, Letters: 9,
		ByTarget: []app.TargetTally{{Key: "leg:A", Letters: 5}, {Key: "gone", Letters: 4}}}, nil
}

func (f *fakeStore) CampaignTargets(ctx context.Context, id int64) ([]app.TargetTally, error) {
	return []app.TargetTally{{Key: "leg:A", Letters: 5}, {Key: "gone", Letters: 4}}, nil
}

func (f *fakeStore) LatestRecipients(ctx context.Context, id int64, keys []string) (map[string]app.Target, error) {
	f.lookups++
	return map[string]app.Target{"leg:A": {Key: "leg:A", Name: "Ann =Smith", Party: "Democrat"}}, nil
}

func (f *fakeStore) CampaignTotals(ctx context.Context) (map[int64]*app.CampaignTotals, error) {
	return map[int64]*app.CampaignTotals{7: {CampaignID: 7, Supporters: 4}}, nil
}

func (f *fakeStore) EachLetter(ctx context.Context, q app.LetterQuery, fn func(*app.LetterRow) error) error {
	for i := int64(1); i <= 3; i++ {
		if i <= q.AfterID {
			continue
		}
		r := app.LetterRow{ID: i, Supporter: "Jane Doe", Email: "jane@example.org", Recipient: "Ann"}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) FindCampaignBySlug(ctx context.Context, slug string) (*app.Campaign, error) {
	if slug != "c" {
		return nil, app.Errorf(app.ENOTFOUND, "no such campaign")
	}
	c := camp
	return &c, nil
}

func (f *fakeStore) ListCampaigns(ctx context.Context, fl app.CampaignFilter) ([]app.Campaign, error) {
	return []app.Campaign{camp}, nil
}

type recorder struct{ events []string }

func (r *recorder) Record(ctx context.Context, action, subject, detail string) error {
	r.events = append(r.events, action+" "+subject+" "+detail)
	return nil
}

func as(roles ...app.Role) context.Context {
	return app.WithActor(context.Background(), app.Actor{UserID: 1, Email: "x@example.org", Roles: roles, Via: "session"})
}

func TestPermissions(t *testing.T) {
	svc := stats.New(stats.Options{Store: &fakeStore{}})
	for _, c := range []struct {
		ctx  context.Context
		code app.ErrorCode
	}{
		{context.Background(), app.EUNAUTHORIZED},
		{as(app.RoleOrganizer, app.RoleAdmin), app.EFORBIDDEN},
		{as(app.RoleStaff), ""},
		{as(app.RoleSupporterData), ""},
		{app.WithActor(context.Background(), app.Actor{Via: "cli"}), ""},
	} {
		_, err := svc.Report(c.ctx, "c", app.StatsFilter{})
		if got := app.ErrorCodeOf(err); got != c.code {
			t.Errorf("got %q, want %q (%v)", got, c.code, err)
		}
	}
	if _, err := svc.Report(as(app.RoleStaff), "nope", app.StatsFilter{}); app.ErrorCodeOf(err) != app.ENOTFOUND {
		t.Errorf("unknown campaign: %v", err)
	}
}

func TestReportNamesAndRate(t *testing.T) {
	st := &fakeStore{}
	svc := stats.New(stats.Options{Store: st})
	rep, err := svc.Report(as(app.RoleStaff), "c", app.StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ByTarget[0].Name != "Ann =Smith" || rep.ByTarget[0].Party != "Democrat" || rep.ByTarget[1].Name != "gone" {
		t.Errorf("names %+v", rep.ByTarget)
	}
	if r := rep.ConfirmationRate(); r != 75 {
		t.Errorf("rate %v", r)
	}
	// Names come from the cache the second time.
	if _, err := svc.Report(as(app.RoleStaff), "c", app.StatsFilter{}); err != nil || st.lookups != 1 {
		t.Errorf("lookups %d %v", st.lookups, err)
	}
}

func TestLettersMaskingAndPaging(t *testing.T) {
	svc := stats.New(stats.Options{Store: &fakeStore{}})
	page, err := svc.Letters(as(app.RoleStaff), "c", app.LetterQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !page.Masked || len(page.Rows) != 2 || page.NextAfter != 2 || page.Rows[0].Email != "j***@e***.org" || page.Rows[0].Supporter != "J. D." {
		t.Errorf("staff page %+v", page)
	}
	page, _ = svc.Letters(as(app.RoleStaff, app.RoleSupporterData), "c", app.LetterQuery{AfterID: 2})
	if page.Masked || len(page.Rows) != 1 || page.NextAfter != 0 || page.Rows[0].Email != "jane@example.org" {
		t.Errorf("supporter-data page %+v", page)
	}
}

func TestExports(t *testing.T) {
	rec := &recorder{}
	svc := stats.New(stats.Options{Store: &fakeStore{}, Audit: rec})
	var buf bytes.Buffer
	req := stats.ExportRequest{Slug: "c", What: "targets", Format: "csv"}
	if err := svc.Export(as(app.RoleStaff), req, &buf); err != nil {
		t.Fatal(err)
	}
	if want := "target_key,name,bioguide_id,kind,chamber,party,state,district,letters,sent\nleg:A,Ann =Smith,"; !strings.HasPrefix(buf.String(), want) {
		t.Errorf("targets CSV %q", buf.String())
	}
	if len(rec.events) != 1 || !strings.HasPrefix(rec.events[0], "export.targets campaign:c ") || !strings.Contains(rec.events[0], `"personal_data":false`) {
		t.Errorf("audit %v", rec.events)
	}
	// Personal data needs the role; a refused export writes nothing and records nothing.
	buf.Reset()
	req = stats.ExportRequest{Slug: "c", What: "letters", Format: "json", Personal: true}
	if err := svc.Export(as(app.RoleStaff), req, &buf); app.ErrorCodeOf(err) != app.EFORBIDDEN || buf.Len() != 0 || len(rec.events) != 1 {
		t.Errorf("refused export: %v %q %v", err, buf.String(), rec.events)
	}
	if err := svc.Export(as(app.RoleSupporterData), req, &buf); err != nil || !strings.Contains(buf.String(), "jane@example.org") {
		t.Errorf("personal export: %v %s", err, buf.String())
	}
	for _, bad := range []stats.ExportRequest{{Slug: "c", What: "users", Format: "csv"}, {Slug: "c", What: "days", Format: "xlsx"},
		{Slug: "c", What: "days", Format: "csv", Filter: app.StatsFilter{Channel: "fax"}}} {
		if err := svc.Export(as(app.RoleStaff), bad, &buf); app.ErrorCodeOf(err) != app.EINVALID {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if got := (stats.ExportRequest{Slug: "../../etc/c", What: "days", Format: "csv"}).Filename(); got != "etcc-days.csv" {
		t.Errorf("filename %q", got)
	}
}
