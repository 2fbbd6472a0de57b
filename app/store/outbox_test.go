package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

// outboxCampaign stores a campaign with delivery settings and returns it.
func outboxCampaign(t *testing.T, e *env) *app.Campaign {
	t.Helper()
	c := &app.Campaign{Slug: "outbox", Title: "Outbox", Status: app.CampaignOpen,
		Delivery: app.DeliverySettings{DoubleOptIn: true, ConfirmWithinHours: 48, ReplyToSupporter: true,
			OrgName: "Friends", OrgStatement: "We ask for his release.", CWCTopic: "Immigration"}}
	if err := e.db.Campaigns.CreateCampaign(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// outboxSubmission stores a submission with one letter per target key,
// each with an email delivery due at due, and a copy on the first.
func outboxSubmission(t *testing.T, e *env, c *app.Campaign, n int, confirmToken string, due time.Time, keys ...string) *app.Submission {
	t.Helper()
	now := e.clock.Now()
	s := &app.Submission{CampaignID: c.ID, Token: fmt.Sprintf("tok%023d", n), DedupKey: fmt.Sprint(n), CreatedAt: now,
		ConfirmToken: confirmToken,
		Supporter: app.Supporter{FirstName: "A", LastName: fmt.Sprint(n), Email: fmt.Sprintf("a%d@example.org", n),
			Address1: "1 Main St", City: "Albany", State: "NY", Zip: "12202"}}
	status := app.StatusQueued
	if confirmToken != "" {
		status = app.StatusUnconfirmed
	}
	for _, k := range keys {
		kind := app.TargetRepresentative
		if k[:5] == "exec:" {
			kind = app.TargetExecutive
		}
		s.Letters = append(s.Letters, app.Letter{CampaignID: c.ID, Subject: "S", Body: "B", CreatedAt: now,
			Recipient: app.Target{Key: k, Kind: kind, Name: k},
			Deliveries: []app.Delivery{
				{Channel: app.ChannelDownload, Status: app.StatusPending},
				{Channel: app.ChannelEmail, To: "office@house.example", Status: status, NextAttemptAt: &due},
			}})
	}
	s.Letters[0].Deliveries = append(s.Letters[0].Deliveries,
		app.Delivery{Channel: app.ChannelCopy, To: s.Supporter.Email, Status: app.StatusQueued, NextAttemptAt: &now})
	if _, err := e.db.Submissions.CreateSubmission(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCampaignDeliverySettingsRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		c := outboxCampaign(t, e)
		got, err := e.db.Campaigns.FindCampaignBySlug(context.Background(), "outbox")
		if err != nil {
			t.Fatal(err)
		}
		deepEqual(t, "delivery settings", got.Delivery, c.Delivery)
		c.Delivery.DoubleOptIn, c.Delivery.OrgName = false, "Others"
		if err := e.db.Campaigns.UpdateCampaign(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		got, _ = e.db.Campaigns.FindCampaignByID(context.Background(), c.ID)
		deepEqual(t, "updated settings", got.Delivery, c.Delivery)
	})
}

func TestClaimFinishAndLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		s := outboxSubmission(t, e, c, 1, "", now, "leg:A", "leg:B")
		outboxSubmission(t, e, c, 2, "", now.Add(time.Hour), "leg:C") // email not due yet
		got, _ := e.db.Submissions.FindSubmissionByToken(ctx, s.Token)
		if !got.Confirmed() || got.Letters[0].Deliveries[1].To != "office@house.example" {
			t.Fatalf("stored %+v", got)
		}

		claimed, err := e.db.Outbox.ClaimDeliveries(ctx, "w1", 10, now, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) != 4 { // 2 emails + 2 copies
			t.Fatalf("claimed %d", len(claimed))
		}
		for _, d := range claimed {
			if d.Status != app.StatusSending || d.LeaseOwner != "w1" || d.Attempts != 1 || d.LeaseUntil == nil {
				t.Errorf("claimed %+v", d)
			}
		}
		if more, _ := e.db.Outbox.ClaimDeliveries(ctx, "w2", 10, now, now.Add(time.Minute)); len(more) != 0 {
			t.Errorf("claimed twice: %d", len(more))
		}
		ids := []int64{claimed[0].ID, claimed[1].ID}
		held, err := e.db.Outbox.ExtendLeases(ctx, "w2", ids, now.Add(time.Hour))
		if err != nil || len(held) != 0 {
			t.Errorf("another owner extended: %v %v", held, err)
		}
		held, err = e.db.Outbox.ExtendLeases(ctx, "w1", ids, now.Add(time.Hour))
		if err != nil || len(held) != 2 {
			t.Errorf("extend: %v %v", held, err)
		}

		d := claimed[0]
		d.Status, d.MessageID, d.SentAt = app.StatusSent, "<m@x>", &now
		if ok, err := e.db.Outbox.FinishDelivery(ctx, "w2", d, now); ok || err != nil {
			t.Errorf("a stranger finished a lease: %v %v", ok, err)
		}
		if ok, err := e.db.Outbox.FinishDelivery(ctx, "w1", d, now); !ok || err != nil {
			t.Errorf("finish: %v %v", ok, err)
		}
		if ok, _ := e.db.Outbox.FinishDelivery(ctx, "w1", d, now); ok {
			t.Error("finished twice")
		}
		bad := claimed[1]
		bad.Status = app.StatusSending
		wantCode(t, func() error { _, err := e.db.Outbox.FinishDelivery(ctx, "w1", bad, now); return err }(), app.EINVALID)

		// claimed[2] and [3] hold a one-minute lease: released once it passes.
		if n, _ := e.db.Outbox.ReleaseLeases(ctx, "", now.Add(30*time.Second)); n != 0 {
			t.Errorf("released %d live leases", n)
		}
		if n, err := e.db.Outbox.ReleaseLeases(ctx, "", now.Add(2*time.Minute)); n != 2 || err != nil {
			t.Errorf("released %d expired leases (%v)", n, err)
		}
		// claimed[1] (extended) goes when its owner restarts.
		if n, err := e.db.Outbox.ReleaseLeases(ctx, "w1", now.Add(2*time.Minute)); n != 1 || err != nil {
			t.Errorf("released %d of the owner's leases (%v)", n, err)
		}
		again, err := e.db.Outbox.ClaimDeliveries(ctx, "w3", 10, now.Add(2*time.Minute), now.Add(3*time.Minute))
		if err != nil || len(again) != 3 {
			t.Fatalf("reclaimed %d (%v)", len(again), err)
		}
		for _, d := range again {
			if d.Attempts != 2 || d.LastError == "" {
				t.Errorf("reclaimed %+v", d)
			}
		}

		stats, err := e.db.Outbox.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int64{}
		for _, s := range stats {
			counts[string(s.Channel)+":"+string(s.Status)] = s.Count
		}
		if counts["email:sent"]+counts["copy:sent"] != 1 || counts["email:queued"] != 1 || counts["download:pending"] != 3 {
			t.Errorf("stats %v", counts)
		}

		// Dead deliveries can be queued again.
		for _, d := range again {
			d.Status, d.LastError = app.StatusDead, "550"
			if ok, err := e.db.Outbox.FinishDelivery(ctx, "w3", d, now); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		if n, err := e.db.Outbox.RetryDead(ctx, []int64{again[0].ID}, now); n != 1 || err != nil {
			t.Errorf("retry one: %d %v", n, err)
		}
		if n, err := e.db.Outbox.RetryDead(ctx, nil, now); n != 2 || err != nil {
			t.Errorf("retry all: %d %v", n, err)
		}
	})
}

func TestConcurrentClaimsAreDisjoint(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		for i := 0; i < 40; i++ {
			outboxSubmission(t, e, c, i, "", now, "leg:A", "leg:B")
		}
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("w%d", w)
				for {
					got, err := e.db.Outbox.ClaimDeliveries(ctx, owner, 7, now, now.Add(time.Minute))
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						if prev, dup := seen[d.ID]; dup {
							t.Errorf("delivery %d claimed by %s and %s", d.ID, prev, owner)
						}
						seen[d.ID] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 120 {
			t.Errorf("claimed %d of 120", len(seen))
		}
	})
}

func TestConfirmAndExpire(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		deadline := now.Add(48 * time.Hour)
		s := outboxSubmission(t, e, c, 1, "confirm-me-000000000000001", deadline, "leg:A", "leg:B")
		late := outboxSubmission(t, e, c, 2, "confirm-me-000000000000002", deadline, "leg:A")

		found, err := e.db.Submissions.FindSubmissionByConfirmToken(ctx, s.ConfirmToken)
		if err != nil || found.ID != s.ID || found.Confirmed() {
			t.Fatalf("%+v %v", found, err)
		}
		wantCode(t, func() error { _, err := e.db.Submissions.FindSubmissionByConfirmToken(ctx, "nope"); return err }(), app.ENOTFOUND)
		wantCode(t, func() error { _, err := e.db.Submissions.FindSubmissionByConfirmToken(ctx, ""); return err }(), app.ENOTFOUND)
		// Unconfirmed emails are never claimed.
		if got, _ := e.db.Outbox.ClaimDeliveries(ctx, "w", 10, now.Add(time.Hour), now.Add(2*time.Hour)); len(got) != 2 {
			t.Errorf("claimed %d, want only the 2 copies", len(got))
		}
		n, err := e.db.Submissions.ConfirmSubmission(ctx, s.ID, now.Add(time.Hour), deadline)
		if err != nil || n != 2 {
			t.Fatalf("confirm: %d %v", n, err)
		}
		if got, _ := e.db.Submissions.FindSubmissionByToken(ctx, s.Token); !got.Confirmed() {
			t.Error("not confirmed")
		}
		if n, _ := e.db.Outbox.ExpireUnconfirmed(ctx, deadline.Add(time.Second)); n != 1 {
			t.Errorf("expired %d, want 1", n)
		}
		wantCode(t, func() error {
			_, err := e.db.Submissions.ConfirmSubmission(ctx, late.ID, deadline, deadline)
			return err
		}(), app.ECONFLICT)
		wantCode(t, func() error { _, err := e.db.Submissions.ConfirmSubmission(ctx, 999, now, deadline); return err }(), app.ENOTFOUND)
		got, _ := e.db.Submissions.FindSubmissionByToken(ctx, late.Token)
		if got.Letters[0].Deliveries[1].Status != app.StatusExpired || got.Confirmed() {
			t.Errorf("late submission %+v", got.Letters[0].Deliveries)
		}
	})
}

func TestOfficeLettersAndCWCDeliveries(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		for i := 0; i < 5; i++ {
			e.clock.Add(time.Hour)
			outboxSubmission(t, e, c, i, "", now, "leg:B", "leg:A", "exec:X")
		}
		outboxSubmission(t, e, c, 9, "unconfirmed-00000000000009", now, "leg:A") // left out

		tallies, err := e.db.Outbox.OfficeTallies(ctx, c.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(tallies) != 3 || tallies[0].TargetKey != "exec:X" || tallies[1].Letters != 5 ||
			!tallies[1].Last.Equal(tallies[1].First.Add(4*time.Hour)) {
			t.Fatalf("tallies %+v", tallies)
		}
		var keys []string
		var ids []int64
		pg := app.LetterPage{CampaignID: c.ID, Kinds: []app.TargetKind{app.TargetRepresentative}, Limit: 3}
		for {
			page, err := e.db.Outbox.ListOfficeLetters(ctx, pg)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				l := s.Letters[0]
				if s.Supporter.Email == "" || len(l.Deliveries) < 2 || l.Recipient.Name == "" {
					t.Errorf("page row %+v", s)
				}
				keys = append(keys, l.Recipient.Key)
				ids = append(ids, l.ID)
			}
			if len(page) < pg.Limit {
				break
			}
			last := page[len(page)-1].Letters[0]
			pg.AfterKey, pg.AfterID = last.Recipient.Key, last.ID
		}
		if len(keys) != 10 || !sort.StringsAreSorted(keys) || keys[0] != "leg:A" || keys[9] != "leg:B" {
			t.Errorf("keys %v", keys)
		}

		// One CWC delivery per letter, updated on a retry.
		if err := e.db.Outbox.RecordCWCDelivery(ctx, ids[0], app.StatusFailed, "abc", "busy", now); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Outbox.RecordCWCDelivery(ctx, ids[0], app.StatusSent, "abc", "", now); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Outbox.RecordCWCDelivery(ctx, ids[0], app.StatusFailed, "abc", "again", now); err != nil {
			t.Fatal(err)
		}
		var cwc []app.Delivery
		first, _ := e.db.Outbox.ListOfficeLetters(ctx, app.LetterPage{CampaignID: c.ID, Kinds: []app.TargetKind{app.TargetRepresentative}, Limit: 1})
		for _, d := range first[0].Letters[0].Deliveries {
			if d.Channel == app.ChannelCWC {
				cwc = append(cwc, d)
			}
		}
		if len(cwc) != 1 || cwc[0].Status != app.StatusSent || cwc[0].Attempts != 2 || cwc[0].MessageID != "abc" {
			t.Errorf("cwc deliveries %+v", cwc)
		}
	})
}

// TestFinishDeliveriesRecordsAGroup: a worker records a batch of outcomes
// with one call; rows another owner holds are reported and left alone, and
// one invalid outcome stores none of them.
func TestFinishDeliveriesRecordsAGroup(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		outboxSubmission(t, e, c, 1, "", now, "leg:A", "leg:B", "leg:C") // 3 emails and a copy
		mine, err := e.db.Outbox.ClaimDeliveries(ctx, "w1", 3, now, now.Add(time.Minute))
		if err != nil || len(mine) != 3 {
			t.Fatalf("claim: %d %v", len(mine), err)
		}
		theirs, err := e.db.Outbox.ClaimDeliveries(ctx, "w2", 3, now, now.Add(time.Minute))
		if err != nil || len(theirs) != 1 {
			t.Fatalf("claim: %d %v", len(theirs), err)
		}
		later := now.Add(time.Hour)
		out := []app.Delivery{mine[0], mine[1], theirs[0], mine[2]}
		out[0].Status, out[0].MessageID, out[0].SentAt = app.StatusSent, "<a@x>", &now
		out[1].Status, out[1].LastError, out[1].NextAttemptAt = app.StatusFailed, "421 try later", &later
		out[2].Status = app.StatusSent // not w1's
		out[3].Status, out[3].LastError = app.StatusDead, "550 no such user"

		bad := append([]app.Delivery(nil), out...)
		bad[1].Status = app.StatusSending
		if _, err := e.db.Outbox.FinishDeliveries(ctx, "w1", bad, now); app.ErrorCodeOf(err) != app.EINVALID {
			t.Fatalf("an invalid outcome: %v", err)
		}
		if n, _ := e.db.Outbox.ReleaseLeases(ctx, "", now.Add(2*time.Minute)); n != 4 {
			// Nothing was recorded: all four are still leased.
			t.Fatalf("after the refused group %d leases expired, want 4", n)
		}

		// Claim again (the release above freed them) and record for real.
		mine, _ = e.db.Outbox.ClaimDeliveries(ctx, "w1", 3, now.Add(2*time.Minute), now.Add(3*time.Minute))
		theirs, _ = e.db.Outbox.ClaimDeliveries(ctx, "w2", 3, now.Add(2*time.Minute), now.Add(3*time.Minute))
		if len(mine) != 3 || len(theirs) != 1 {
			t.Fatalf("reclaimed %d and %d", len(mine), len(theirs))
		}
		for i, id := range []int64{mine[0].ID, mine[1].ID, theirs[0].ID, mine[2].ID} {
			out[i].ID = id
		}
		ok, err := e.db.Outbox.FinishDeliveries(ctx, "w1", out, now.Add(2*time.Minute))
		if err != nil || !reflect.DeepEqual(ok, []bool{true, true, false, true}) {
			t.Fatalf("recorded %v %v", ok, err)
		}
		byID := map[int64]app.Delivery{}
		got, _ := e.db.Outbox.FindSubmissionByLetter(ctx, mine[0].LetterID)
		for _, l := range got.Letters {
			for _, d := range l.Deliveries {
				byID[d.ID] = d
			}
		}
		if d := byID[out[0].ID]; d.Status != app.StatusSent || d.MessageID != "<a@x>" || d.SentAt == nil || d.LeaseOwner != "" {
			t.Errorf("sent: %+v", d)
		}
		if d := byID[out[1].ID]; d.Status != app.StatusFailed || d.LastError != "421 try later" || d.NextAttemptAt == nil || d.NextAttemptAt.Sub(later).Abs() >= time.Millisecond {
			t.Errorf("failed: %+v", d)
		}
		if d := byID[out[2].ID]; d.Status != app.StatusSending || d.LeaseOwner != "w2" {
			t.Errorf("another owner's row changed: %+v", d)
		}
		if d := byID[out[3].ID]; d.Status != app.StatusDead || d.LastError != "550 no such user" {
			t.Errorf("dead: %+v", d)
		}
		if ok, err := e.db.Outbox.FinishDeliveries(ctx, "w1", nil, now); err != nil || len(ok) != 0 {
			t.Errorf("an empty group: %v %v", ok, err)
		}
		// The rollups moved with the statuses.
		if drift, err := e.db.Stats.RebuildStats(ctx, true); err != nil || len(drift) != 0 {
			t.Errorf("statistics drifted: %v %v", drift, err)
		}
	})
}
