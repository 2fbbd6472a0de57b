package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/store"
)

// statLetter is one letter of a stats fixture: its target and its
// deliveries' channel and status.
type statLetter struct {
	key  string
	dels []app.Delivery
}

func del(ch app.Channel, st app.DeliveryStatus) app.Delivery {
	return app.Delivery{Channel: ch, Status: st}
}

// statSubmission stores one submission made at at, by a supporter in state
// (may be ""), matched to district (nil: none).
func statSubmission(t *testing.T, e *env, c *app.Campaign, n int, at time.Time, state string, district *app.DistrictKey,
	confirmed bool, letters ...statLetter) *app.Submission {
	t.Helper()
	s := &app.Submission{CampaignID: c.ID, Token: fmt.Sprintf("stat%022d", n), DedupKey: fmt.Sprint("stat", n),
		CreatedAt: at, District: district,
		Supporter: app.Supporter{FirstName: "S", LastName: fmt.Sprint(n), Email: fmt.Sprintf("s%d@example.org", n),
			Address1: "1 Main St", City: "Town", State: state, Zip: "12202", CreatedAt: at}}
	if confirmed {
		s.ConfirmedAt = &at
	} else {
		s.ConfirmToken = fmt.Sprintf("statconfirm%015d", n)
	}
	for _, l := range letters {
		for i := range l.dels {
			if l.dels[i].Status == app.StatusQueued {
				l.dels[i].NextAttemptAt = &at // due, for the outbox calls of statsFixture
			}
		}
		kind := app.TargetRepresentative
		if l.key[:5] == "exec:" {
			kind = app.TargetExecutive
		}
		s.Letters = append(s.Letters, app.Letter{CampaignID: c.ID, Subject: "S", Body: "B", CreatedAt: at,
			Recipient: app.Target{Key: l.key, Kind: kind, Name: "Name of " + l.key, Party: "Independent"}, Deliveries: l.dels})
	}
	if created, err := e.db.Submissions.CreateSubmission(context.Background(), s); err != nil || !created {
		t.Fatalf("create submission %d: %v %v", n, created, err)
	}
	return s
}

// statsFixture is counted by hand in TestOutreachStats.
func statsFixture(t *testing.T, e *env) (c, other *app.Campaign, subs []*app.Submission) {
	t.Helper()
	ctx := context.Background()
	c = &app.Campaign{Slug: "stats", Title: "Stats", Status: app.CampaignOpen,
		Delivery: app.DeliverySettings{DoubleOptIn: true, ConfirmWithinHours: 48}}
	other = &app.Campaign{Slug: "other", Title: "Other", Status: app.CampaignOpen}
	for _, x := range []*app.Campaign{c, other} {
		if err := e.db.Campaigns.CreateCampaign(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	mar1 := time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)
	ny20 := &app.DistrictKey{State: "NY", District: 20}
	il7 := &app.DistrictKey{State: "IL", District: 7}
	email, dl, cp := app.ChannelEmail, app.ChannelDownload, app.ChannelCopy
	subs = []*app.Submission{
		statSubmission(t, e, c, 1, mar1, "NY", ny20, true,
			statLetter{"leg:A", []app.Delivery{del(email, app.StatusQueued), del(dl, app.StatusPending)}},
			statLetter{"exec:DHS", []app.Delivery{del(email, app.StatusQueued), del(dl, app.StatusPending), del(cp, app.StatusQueued)}}),
		statSubmission(t, e, c, 2, mar1.Add(time.Hour), "NY", ny20, false,
			statLetter{"leg:A", []app.Delivery{del(email, app.StatusUnconfirmed), del(dl, app.StatusPending)}},
			statLetter{"exec:DHS", []app.Delivery{del(email, app.StatusUnconfirmed), del(dl, app.StatusPending)}}),
		statSubmission(t, e, c, 3, mar1.AddDate(0, 0, 1), "IL", il7, true,
			statLetter{"leg:B", []app.Delivery{del(email, app.StatusQueued), del(dl, app.StatusPending)}},
			statLetter{"exec:DHS", []app.Delivery{del(email, app.StatusQueued), del(dl, app.StatusPending)}}),
		// No state on the form: counted under the district's.
		statSubmission(t, e, c, 4, mar1.AddDate(0, 0, 2), "", &app.DistrictKey{State: "PR", District: 0}, true,
			statLetter{"exec:DHS", []app.Delivery{del(dl, app.StatusPending)}}),
		statSubmission(t, e, other, 5, mar1, "NY", ny20, true,
			statLetter{"leg:A", []app.Delivery{del(email, app.StatusQueued)}}),
	}

	// Moves through the store's own calls...
	if _, err := e.db.Submissions.ConfirmSubmission(ctx, subs[1].ID, mar1.Add(2*time.Hour), mar1.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Submissions.MarkDownloaded(ctx, subs[2].ID, mar1.AddDate(0, 0, 1)); err != nil {
		t.Fatal(err)
	}
	// ...and through the outbox: one claim takes every due email and copy,
	// three end sent or dead, the others wait again.
	now := mar1.AddDate(0, 0, 3)
	claimed, err := e.db.Outbox.ClaimDeliveries(ctx, "fixture", 100, now, now.Add(time.Minute))
	if err != nil || len(claimed) != 8 {
		t.Fatalf("claimed %d: %v", len(claimed), err)
	}
	outcome := map[int64]app.DeliveryStatus{
		subs[0].Letters[0].Deliveries[0].ID: app.StatusSent, // s1 leg:A email
		subs[0].Letters[1].Deliveries[2].ID: app.StatusSent, // s1 exec:DHS copy
		subs[2].Letters[1].Deliveries[0].ID: app.StatusDead, // s3 exec:DHS email
	}
	for i := range claimed {
		dl := &claimed[i]
		if dl.Status = outcome[dl.ID]; dl.Status == "" {
			dl.Status, dl.NextAttemptAt = app.StatusQueued, &now
		}
	}
	if ok, err := e.db.Outbox.FinishDeliveries(ctx, "fixture", claimed, now); err != nil || slices.Contains(ok, false) {
		t.Fatalf("finish: %v %v", ok, err)
	}
	return c, other, subs
}

func TestOutreachStats(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c, other, subs := statsFixture(t, e)
		st := func(f app.StatsFilter) *app.Stats {
			t.Helper()
			f.CampaignID = c.ID
			s, err := e.db.Stats.OutreachStats(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		dc := func(ch app.Channel, st app.DeliveryStatus, n int64) app.DeliveryCount {
			return app.DeliveryCount{Channel: ch, Status: st, Count: n}
		}
		email, dl, cp := app.ChannelEmail, app.ChannelDownload, app.ChannelCopy

		all := st(app.StatsFilter{})
		deepEqual(t, "totals", [3]int64{all.Supporters, all.Confirmed, all.Letters}, [3]int64{4, 4, 7})
		deepEqual(t, "deliveries", all.Deliveries, []app.DeliveryCount{
			dc(email, app.StatusSent, 1), dc(email, app.StatusQueued, 4), dc(email, app.StatusDead, 1),
			dc(dl, app.StatusDownloaded, 2), dc(dl, app.StatusPending, 5),
			dc(cp, app.StatusSent, 1),
		})
		type tl struct {
			key           string
			letters, sent int64
		}
		var targets []tl
		for _, x := range all.ByTarget {
			targets = append(targets, tl{x.Key, x.Letters, x.Sent})
		}
		deepEqual(t, "by target", targets, []tl{{"exec:DHS", 4, 1}, {"leg:A", 2, 1}, {"leg:B", 1, 0}})
		deepEqual(t, "by state", all.ByState, []app.StateTally{
			{State: "IL", Supporters: 1, Letters: 2}, {State: "NY", Supporters: 2, Letters: 4}, {State: "PR", Supporters: 1, Letters: 1}})
		deepEqual(t, "by district", all.ByDistrict, []app.DistrictTally{
			{State: "IL", District: 7, Supporters: 1, Confirmed: 1}, {State: "NY", District: 20, Supporters: 2, Confirmed: 2},
			{State: "PR", District: 0, Supporters: 1, Confirmed: 1}})
		deepEqual(t, "by day", all.ByDay, []app.DayTally{
			{Day: "2026-03-01", Supporters: 2, Letters: 4, Sent: 2},
			{Day: "2026-03-02", Supporters: 1, Letters: 2},
			{Day: "2026-03-03", Supporters: 1, Letters: 1}})

		ny := st(app.StatsFilter{State: "NY"})
		deepEqual(t, "NY totals", [3]int64{ny.Supporters, ny.Letters, ny.DeliveryTotal(app.StatusQueued)}, [3]int64{2, 4, 3})
		late := st(app.StatsFilter{From: "2026-03-02"})
		deepEqual(t, "from Mar 2", [3]int64{late.Supporters, late.Letters, int64(len(late.ByDay))}, [3]int64{2, 3, 2})
		early := st(app.StatsFilter{To: "2026-03-01"})
		deepEqual(t, "to Mar 1", [3]int64{early.Supporters, early.Letters, early.DeliveryTotal(app.StatusSent)}, [3]int64{2, 4, 2})

		// A target narrows letters and deliveries; supporters stay everyone's.
		dhs := st(app.StatsFilter{Target: "exec:DHS"})
		deepEqual(t, "DHS totals", [2]int64{dhs.Supporters, dhs.Letters}, [2]int64{4, 4})
		deepEqual(t, "DHS deliveries", dhs.Deliveries, []app.DeliveryCount{
			dc(email, app.StatusQueued, 2), dc(email, app.StatusDead, 1),
			dc(dl, app.StatusDownloaded, 1), dc(dl, app.StatusPending, 3), dc(cp, app.StatusSent, 1)})
		dhsMail := st(app.StatsFilter{Target: "exec:DHS", Channel: email})
		deepEqual(t, "DHS email", dhsMail.Deliveries, []app.DeliveryCount{dc(email, app.StatusQueued, 2), dc(email, app.StatusDead, 1)})
		deepEqual(t, "DHS email letters", dhsMail.Letters, int64(4))
		none := st(app.StatsFilter{Target: "leg:NOBODY"})
		deepEqual(t, "unknown target", [3]int64{none.Letters, int64(len(none.Deliveries)), int64(len(none.ByTarget))}, [3]int64{0, 0, 0})

		o, err := e.db.Stats.OutreachStats(ctx, app.StatsFilter{CampaignID: other.ID})
		if err != nil || o.Supporters != 1 || o.Letters != 1 {
			t.Fatalf("other campaign: %+v %v", o, err)
		}
		for _, bad := range []app.StatsFilter{{From: "2026-13-01"}, {From: "2026-03-02", To: "2026-03-01"},
			{State: "ZZ"}, {Channel: "pigeon"}} {
			bad.CampaignID = c.ID
			_, err := e.db.Stats.OutreachStats(ctx, bad)
			wantCode(t, err, app.EINVALID)
		}

		// The rollups match a recount; a change behind the store's back
		// shows as drift and a rebuild repairs it.
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("drift after normal writes: %+v %v", drift, err)
		}
		if _, err := e.rawDB(t).Exec("UPDATE stat_letters SET letters = letters + 5 WHERE target_key = 'leg:B'"); err != nil {
			t.Fatal(err)
		}
		drift, err := e.db.Stats.RebuildStats(ctx, false)
		if err != nil || len(drift) != 1 || drift[0].Table != "stat_letters" || drift[0].Have != 6 || drift[0].Want != 1 {
			t.Fatalf("drift: %+v %v", drift, err)
		}
		if again := st(app.StatsFilter{}); again.Letters != 7 {
			t.Errorf("after rebuild: %d letters", again.Letters)
		}
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("drift after rebuild: %+v %v", drift, err)
		}

		// A CWC delivery is inserted outside the group commit and counted.
		now := e.clock.Now()
		if err := e.db.Outbox.RecordCWCDelivery(ctx, subs[2].Letters[0].ID, app.StatusSent, "cwc-1", "", now); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Outbox.RecordCWCDelivery(ctx, subs[2].Letters[0].ID, app.StatusSent, "cwc-1", "", now); err != nil {
			t.Fatal(err) // a repeat changes nothing
		}
		after := st(app.StatsFilter{})
		var cwc int64
		for _, d := range after.Deliveries {
			if d.Channel == app.ChannelCWC && d.Status == app.StatusSent {
				cwc = d.Count
			}
		}
		if cwc != 1 || after.ByTarget[2].Key != "leg:B" || after.ByTarget[2].Sent != 1 {
			t.Errorf("after a CWC delivery: cwc %d, %+v", cwc, after.ByTarget)
		}
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("drift after a CWC delivery: %+v %v", drift, err)
		}

		// Rows changed by hand in a SQL shell are not counted: the check
		// reports them and a rebuild counts them.
		raw := e.rawDB(t)
		del := "DELETE FROM deliveries WHERE letter_id = ? AND channel = 'email'"
		ins := "INSERT INTO deliveries (letter_id, channel, status, attempts, last_error, lease_owner, message_id, created_at, updated_at, to_address) VALUES (?, 'copy', 'sent', 1, '', '', '', ?, ?, '')"
		if e.b.name == "postgres" {
			del = strings.Replace(del, "?", "$1", 1)
			ins = strings.NewReplacer("?, 'copy'", "$1, 'copy'", "?, ?, ''", "$2, $3, ''").Replace(ins)
		}
		if _, err := raw.Exec(del, subs[2].Letters[1].ID); err != nil { // s3 exec:DHS email, dead
			t.Fatal(err)
		}
		if _, err := raw.Exec(ins, subs[1].Letters[0].ID, now, now); err != nil {
			t.Fatal(err)
		}
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) == 0 {
			t.Fatalf("no drift reported after changes by hand: %v", err)
		}
		if _, err := e.db.Stats.RebuildStats(ctx, false); err != nil {
			t.Fatal(err)
		}
		rebuilt := st(app.StatsFilter{})
		if rebuilt.DeliveryTotal(app.StatusSent) != 4 || rebuilt.DeliveryTotal(app.StatusDead) != 0 {
			t.Errorf("after the changes by hand and a rebuild: %+v", rebuilt.Deliveries)
		}
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("drift after rebuild: %+v %v", drift, err)
		}
	})
}

func TestOutreachStatsDaysInLocalTime(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b, store.Options{Location: chicago})
			c := &app.Campaign{Slug: "tz", Title: "TZ", Status: app.CampaignOpen}
			if err := e.db.Campaigns.CreateCampaign(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			// 03:00 UTC on March 2nd is still March 1st in Chicago.
			statSubmission(t, e, c, 1, time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), "IL", nil, true,
				statLetter{"leg:A", []app.Delivery{del(app.ChannelDownload, app.StatusPending)}})
			s, err := e.db.Stats.OutreachStats(context.Background(), app.StatsFilter{CampaignID: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			deepEqual(t, "days", s.ByDay, []app.DayTally{{Day: "2026-03-01", Supporters: 1, Letters: 1}})
			deepEqual(t, "no district", s.ByDistrict, []app.DistrictTally{{State: "IL", District: -1, Supporters: 1, Confirmed: 1}})
		})
	}
}

func TestLatestRecipients(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		c, _, _ := statsFixture(t, e)
		got, err := e.db.Stats.LatestRecipients(context.Background(), c.ID, []string{"leg:A", "exec:DHS", "leg:NOBODY"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["leg:A"].Name != "Name of leg:A" || got["exec:DHS"].Kind != app.TargetExecutive {
			t.Errorf("%+v", got)
		}
		list, err := e.db.Stats.CampaignTargets(context.Background(), c.ID)
		if err != nil || len(list) != 3 || list[0].Key != "exec:DHS" || list[0].Letters != 4 || list[1].Sent != 1 {
			t.Errorf("campaign targets %+v %v", list, err)
		}
	})
}

func TestCampaignTotalsAndLetters(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c, other, subs := statsFixture(t, e)
		tot, err := e.db.Stats.CampaignTotals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := tot[c.ID]; got == nil || got.Supporters != 4 || got.Confirmed != 4 || got.Letters != 7 || len(got.Deliveries) != 6 {
			t.Errorf("campaign totals %+v", got)
		}
		if got := tot[other.ID]; got == nil || got.Supporters != 1 || got.Letters != 1 {
			t.Errorf("other totals %+v", got)
		}

		q := "UPDATE supporters SET first_name = '', last_name = '', email = '', erased_at = created_at WHERE id = ?"
		if e.b.name == "postgres" {
			q = "UPDATE supporters SET first_name = '', last_name = '', email = '', erased_at = created_at WHERE id = $1"
		}
		if _, err := e.rawDB(t).Exec(q, subs[3].Supporter.ID); err != nil {
			t.Fatal(err)
		}
		list := func(lq app.LetterQuery) []app.LetterRow {
			t.Helper()
			lq.Filter.CampaignID = c.ID
			var out []app.LetterRow
			if err := e.db.Stats.EachLetter(ctx, lq, func(r *app.LetterRow) error { out = append(out, *r); return nil }); err != nil {
				t.Fatal(err)
			}
			return out
		}
		all := list(app.LetterQuery{})
		if len(all) != 7 {
			t.Fatalf("%d letters", len(all))
		}
		first := all[0]
		if first.TargetKey != "leg:A" || first.Recipient != "Name of leg:A" || first.District != "NY-20" || first.Email != "s1@example.org" ||
			first.Supporter != "S 1" || first.Day != "2026-03-01" || !first.Confirmed || first.Erased ||
			!reflect.DeepEqual(first.Deliveries, []app.DeliveryCount{
				{Channel: app.ChannelDownload, Status: app.StatusPending, Count: 1}, // not stored, listed first
				{Channel: app.ChannelEmail, Status: app.StatusSent, Count: 1}}) {
			t.Errorf("first row %+v", first)
		}
		last := all[6]
		if !last.Erased || last.Email != "" || last.District != "PR-AL" || last.State != "PR" {
			t.Errorf("erased row %+v", last)
		}
		// Erasing personal data leaves every count as it was.
		if s, err := e.db.Stats.OutreachStats(ctx, app.StatsFilter{CampaignID: c.ID}); err != nil || s.Supporters != 4 || s.Letters != 7 {
			t.Errorf("stats after erasure: %+v %v", s, err)
		}
		if got := list(app.LetterQuery{Filter: app.StatsFilter{Target: "exec:DHS"}}); len(got) != 4 {
			t.Errorf("DHS letters %d", len(got))
		}
		if got := list(app.LetterQuery{Filter: app.StatsFilter{Channel: app.ChannelCopy}}); len(got) != 1 || got[0].ID != subs[0].Letters[1].ID {
			t.Errorf("copy letters %+v", got)
		}
		if got := list(app.LetterQuery{Filter: app.StatsFilter{State: "IL", From: "2026-03-02", To: "2026-03-02"}}); len(got) != 2 {
			t.Errorf("IL letters %d", len(got))
		}
		page := list(app.LetterQuery{Limit: 3})
		rest := list(app.LetterQuery{AfterID: page[2].ID})
		if len(page) != 3 || len(rest) != 4 || rest[0].ID <= page[2].ID {
			t.Errorf("pages %d + %d", len(page), len(rest))
		}
	})
}

// Two instances write overlapping batches (several INSERT statements each)
// while each also moves delivery statuses through the outbox: no deadlock,
// no error, no lost count, and the rollups equal a recount.
func TestStatsConcurrentInstances(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b, store.Options{})
			other := openStore(t, b, e.dsn, e.clock, store.Options{})
			ctx := context.Background()
			c := &app.Campaign{Slug: "busy", Title: "Busy", Status: app.CampaignOpen}
			if err := e.db.Campaigns.CreateCampaign(ctx, c); err != nil {
				t.Fatal(err)
			}
			states := []string{"CA", "IL", "NY", "TX"}
			keys := []string{"exec:DHS", "leg:A", "leg:B", "leg:C", "leg:D", "leg:E"}
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for w := 0; w < 16; w++ {
				db := e.db
				if w%2 == 1 {
					db = other
				}
				wg.Add(1)
				go func(w int, db *store.DB) {
					defer wg.Done()
					for i := 0; i < 12; i++ {
						n := w*100 + i
						at := e.clock.Now().AddDate(0, 0, -(n % 3))
						st := states[n%len(states)]
						s := &app.Submission{CampaignID: c.ID, Token: fmt.Sprintf("busy%022d", n), DedupKey: fmt.Sprint("busy", n),
							CreatedAt: at, ConfirmedAt: &at, District: &app.DistrictKey{State: st, District: n % 5},
							Supporter: app.Supporter{FirstName: "B", LastName: fmt.Sprint(n), Email: fmt.Sprintf("b%d@example.org", n),
								State: st, Zip: "12202", CreatedAt: at}}
						for k := 0; k < 5; k++ {
							key := keys[(n+k)%len(keys)]
							s.Letters = append(s.Letters, app.Letter{CampaignID: c.ID, Subject: "S", Body: "B", CreatedAt: at,
								Recipient: app.Target{Key: key, Kind: app.TargetRepresentative, Name: key},
								Deliveries: []app.Delivery{del(app.ChannelDownload, app.StatusPending),
									{Channel: app.ChannelEmail, Status: app.StatusQueued, NextAttemptAt: &at, To: "o@example.org"}}})
						}
						if _, err := db.Submissions.CreateSubmission(ctx, s); err != nil {
							errs <- err
							return
						}
					}
				}(w, db)
			}
			// Meanwhile an outbox worker on each instance claims emails and
			// records them sent, or failed and due again, so that both move
			// the same rollup rows at the same time.
			for w, db := range []*store.DB{e.db, other} {
				owner := fmt.Sprint("w", w)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 20; i++ {
						now := e.clock.Now().Add(time.Hour)
						got, err := db.Outbox.ClaimDeliveries(ctx, owner, 20, now, now.Add(time.Minute))
						if err != nil {
							errs <- err
							return
						}
						for j := range got {
							got[j].Status = app.StatusSent
							if (i+j)%3 == 0 {
								got[j].Status, got[j].NextAttemptAt = app.StatusFailed, &now
							}
						}
						if _, err := db.Outbox.FinishDeliveries(ctx, owner, got, now); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			s, err := e.db.Stats.OutreachStats(ctx, app.StatsFilter{CampaignID: c.ID})
			if err != nil || s.Supporters != 16*12 || s.Letters != 16*12*5 {
				t.Fatalf("%+v %v", s, err)
			}
			if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
				t.Fatalf("drift %+v %v", drift, err)
			}
		})
	}
}

// Erasing supporters (by request or retention) keeps every supporter and
// letter count; their unsent deliveries become dead, and the rollups follow.
func TestErasureKeepsTotals(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c, _, _ := statsFixture(t, e)
		before, err := e.db.Stats.OutreachStats(ctx, app.StatsFilter{CampaignID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		// s1 has a queued email and two pending downloads; s3 a queued
		// email (its download was downloaded): all four stop.
		for _, email := range []string{"s1@example.org", "S3@Example.org"} {
			if _, err := e.db.Privacy.EraseSupporters(ctx, app.EraseFilter{Email: email}); err != nil {
				t.Fatal(err)
			}
		}
		after, err := e.db.Stats.OutreachStats(ctx, app.StatsFilter{CampaignID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "counts", [5]any{after.Supporters, after.Confirmed, after.Letters, after.ByState, after.ByDistrict},
			[5]any{before.Supporters, before.Confirmed, before.Letters, before.ByState, before.ByDistrict})
		if d := after.DeliveryTotal(app.StatusDead) - before.DeliveryTotal(app.StatusDead); d != 4 ||
			after.DeliveryTotal(app.StatusQueued) != before.DeliveryTotal(app.StatusQueued)-2 ||
			after.DeliveryTotal(app.StatusPending) != before.DeliveryTotal(app.StatusPending)-2 {
			t.Errorf("deliveries before %+v after %+v", before.Deliveries, after.Deliveries)
		}
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Fatalf("drift after erasure: %+v %v", drift, err)
		}
	})
}
