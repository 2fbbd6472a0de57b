package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

// BenchmarkWriteGroup times the single writer alone on SQLite: group
// commits of 12 submissions, each a supporter, nine letters (a
// Representative, two Senators, five committee members, an executive) and
// three email deliveries, with addresses in no order, as the server's
// writer gets them at about 2,000/s. No HTTP, no goroutines: ns/op is the
// writer's time per submission, including its share of the commit. The
// background checkpointer runs as it does in the server.
func BenchmarkWriteGroup(b *testing.B) {
	ctx := context.Background()
	d, err := Open(ctx, Options{DSN: filepath.Join(b.TempDir(), "w.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	c := &app.Campaign{Slug: "write-group", Title: "T", Status: app.CampaignOpen}
	if err := d.Campaigns.CreateCampaign(ctx, c); err != nil {
		b.Fatal(err)
	}
	tpl := map[app.TargetKind]int64{}
	for _, k := range app.TargetKinds() {
		tv := app.TemplateVersion{CampaignID: c.ID, Kind: k, Subject: "S", Body: "B"}
		if err := d.Campaigns.SaveTemplateVersion(ctx, &tv); err != nil {
			b.Fatal(err)
		}
		tpl[k] = tv.ID
	}
	kinds := []app.TargetKind{app.TargetRepresentative, app.TargetSenator, app.TargetSenator, app.TargetCommittee,
		app.TargetCommittee, app.TargetCommittee, app.TargetCommittee, app.TargetCommittee, app.TargetExecutive}
	dist := 20
	body := "Dear X,\n\n" + strings.Repeat("Please release him on bond. ", 68) // about 1,950 bytes
	n := 0
	next := func() *subReq {
		n++
		now := time.Now()
		s := &app.Submission{CampaignID: c.ID, Token: fmt.Sprintf("%032d", n), DedupKey: fmt.Sprintf("%064x", uint64(n)*0x9e3779b97f4a7c15),
			Supporter: app.Supporter{FirstName: "Ann", LastName: "Lee", Email: fmt.Sprintf("%08x.s%d@example.org", uint32(n)*2654435761, n),
				Address1: "1 Main St", City: "Albany", State: "NY", Zip: "12202"},
			District: &app.DistrictKey{State: "NY", District: dist}, CreatedAt: now}
		for i, k := range kinds {
			l := app.Letter{TemplateVersionID: tpl[k], Subject: "Please help free Guan Heng while his asylum case is heard", Body: body, CreatedAt: now,
				Recipient: app.Target{Key: fmt.Sprintf("leg:X%06d", i), Kind: k, BioguideID: fmt.Sprintf("X%06d", i), Name: "Some Name",
					State: "NY", District: &dist, AddressLines: []string{"2269 Rayburn House Office Building", "Washington, DC 20515-3220"},
					Reasons: []string{"your Representative"}}}
			if i < 2 || k == app.TargetExecutive {
				l.Deliveries = []app.Delivery{{Channel: app.ChannelEmail, Status: app.StatusQueued, To: "office@example.org"}}
			}
			s.Letters = append(s.Letters, l)
		}
		r, err := d.Submissions.prepareSubmission(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	const group = 12
	reqs := make([]*subReq, 0, group)
	b.ResetTimer()
	for done := 0; done < b.N; done += len(reqs) {
		b.StopTimer()
		reqs = reqs[:0]
		for range min(group, b.N-done) {
			reqs = append(reqs, next())
		}
		b.StartTimer()
		if err := d.Submissions.writeSubmissions(reqs); err != nil {
			b.Fatal(err)
		}
	}
}
