package store_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

func TestCounts(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := newFixture(t, e)
		other := newFixture(t, e)
		for i, email := range []string{"a@example.org", "b@example.org"} {
			if _, err := e.db.Submissions.CreateSubmission(ctx, f.submission(i, email, e.clock.Now())); err != nil {
				t.Fatal(err)
			}
		}
		subs, err := e.db.Stats.SubmissionCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		letters, err := e.db.Stats.LetterCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if subs[f.campaign.ID] != 2 || letters[f.campaign.ID] != 10 || subs[other.campaign.ID] != 0 || letters[other.campaign.ID] != 0 {
			t.Fatalf("submissions %v letters %v", subs, letters)
		}
	})
}

func TestCountsSkipUnconfirmed(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := outboxCampaign(t, e)
		now := e.clock.Now()
		deadline := now.Add(48 * time.Hour)
		outboxSubmission(t, e, c, 1, "", deadline, "leg:A")
		s := outboxSubmission(t, e, c, 2, "confirm-count-00000000000002", deadline, "leg:A", "leg:B")
		counts := func() (int, int) {
			t.Helper()
			subs, err := e.db.Stats.SubmissionCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			letters, err := e.db.Stats.LetterCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return subs[c.ID], letters[c.ID]
		}
		if subs, letters := counts(); subs != 1 || letters != 1 {
			t.Fatalf("before confirmation: %d submissions, %d letters; want 1, 1", subs, letters)
		}
		if _, err := e.db.Submissions.ConfirmSubmission(ctx, s.ID, now.Add(time.Hour), deadline); err != nil {
			t.Fatal(err)
		}
		if subs, letters := counts(); subs != 2 || letters != 3 {
			t.Fatalf("after confirmation: %d submissions, %d letters; want 2, 3", subs, letters)
		}
	})
}

func keptFixture() *app.Roster {
	return &app.Roster{
		Committees: []app.Committee{
			{Code: "TLHRC", Name: "Tom Lantos Human Rights Commission", Kind: app.KindCommission, Chamber: app.House,
				URL: "https://humanrightscommission.house.gov/", Address: "4150 O'Neill", Phone: "202-225-3599", Email: "t@mail.house.gov"},
			{Code: "CECC", Name: "Congressional-Executive Commission on China", Kind: app.KindCommission, Chamber: app.Joint},
		},
		Memberships: []app.Membership{
			{CommitteeCode: "CECC", BioguideID: "S001198", Rank: 1, Title: "Chair"},
			{CommitteeCode: "CECC", BioguideID: "M000312", Rank: 2},
			{CommitteeCode: "TLHRC", BioguideID: "S000522", Rank: 2, Title: "Co-Chair"},
			{CommitteeCode: "TLHRC", BioguideID: "M000312", Rank: 1, Title: "Co-Chair", Party: "minority"},
		},
		Executives: []app.ExecutiveTarget{
			{Key: "DHS_SECRETARY", Title: "Secretary of Homeland Security", Name: "Markwayne Mullin",
				Salutation: "The Honorable Markwayne Mullin", Greeting: "Dear Secretary Mullin:", Address: "Washington, DC 20528",
				Email: "sec@dhs.example", InOfficeSince: "2026-03-23"},
		},
	}
}

func TestKeptRoster(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		r, v, err := e.db.Roster.KeptRoster(ctx)
		if err != nil || r != nil || v != 0 {
			t.Fatalf("fresh: %+v %d %v", r, v, err)
		}
		kept := keptFixture()
		v1, err := e.db.Roster.SaveKeptRoster(ctx, kept, 0, "org@example.org")
		if err != nil || v1 != 1 {
			t.Fatalf("save: %d %v", v1, err)
		}
		got, v, err := e.db.Roster.KeptRoster(ctx)
		if err != nil || v != 1 {
			t.Fatalf("load: %d %v", v, err)
		}
		// Seats come back grouped by commission, each in the order saved.
		if want := keptFixture(); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip\n%+v\nwant\n%+v", got, want)
		}
		if n, err := e.db.Roster.KeptRosterVersion(ctx); err != nil || n != 1 {
			t.Fatalf("version %d %v", n, err)
		}

		// A save from a stale version is refused and changes nothing.
		stale := keptFixture()
		stale.Executives = nil
		_, err = e.db.Roster.SaveKeptRoster(ctx, stale, 0, "late@example.org")
		wantCode(t, err, app.ECONFLICT)
		if got, _, _ := e.db.Roster.KeptRoster(ctx); len(got.Executives) != 1 {
			t.Fatal("a refused save changed the kept roster")
		}
		// Duplicates are refused and change nothing.
		dup := keptFixture()
		dup.Memberships = append(dup.Memberships, dup.Memberships[0])
		_, err = e.db.Roster.SaveKeptRoster(ctx, dup, 1, "org@example.org")
		wantCode(t, err, app.ECONFLICT)
		if _, v, _ := e.db.Roster.KeptRoster(ctx); v != 1 {
			t.Fatalf("version after a refused save: %d", v)
		}

		// Empty lists are kept (organizers removed everyone), not "no overlay".
		v2, err := e.db.Roster.SaveKeptRoster(ctx, &app.Roster{}, 1, "org@example.org")
		if err != nil || v2 != 2 {
			t.Fatal(v2, err)
		}
		if got, _, _ := e.db.Roster.KeptRoster(ctx); got == nil || len(got.Committees)+len(got.Executives) != 0 {
			t.Fatalf("emptied: %+v", got)
		}

		// Reset: back to no overlay, and the version still grows.
		v3, err := e.db.Roster.ResetKeptRoster(ctx, 2, "org@example.org")
		if err != nil || v3 != 3 {
			t.Fatal(v3, err)
		}
		if got, v, _ := e.db.Roster.KeptRoster(ctx); got != nil || v != 3 {
			t.Fatalf("after reset: %+v %d", got, v)
		}
		if e.count(t, "kept_commissions")+e.count(t, "kept_commission_members")+e.count(t, "kept_executives") != 0 {
			t.Fatal("reset left rows")
		}
		// An import never touches the kept tables.
		if _, err := e.db.Roster.SaveKeptRoster(ctx, keptFixture(), 3, "org@example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Roster.ReplaceRoster(ctx, &app.Roster{Legislators: []app.Legislator{{BioguideID: "A000001", Chamber: app.House, State: "NY"}}}, "test"); err != nil {
			t.Fatal(err)
		}
		if got, v, _ := e.db.Roster.KeptRoster(ctx); got == nil || v != 4 || len(got.Memberships) != 4 {
			t.Fatalf("after an import: %+v %d", got, v)
		}
		legs, err := e.db.Roster.ListLegislators(ctx)
		if err != nil || len(legs) != 1 || legs[0].BioguideID != "A000001" {
			t.Fatalf("legislators %+v %v", legs, err)
		}
	})
}

func TestKeptRosterConcurrentFirstSaves(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				_, err := e.db.Roster.SaveKeptRoster(ctx, keptFixture(), 0, "org@example.org")
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			if err == nil {
				ok++
			} else if app.ErrorCodeOf(err) != app.ECONFLICT {
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d saves from version 0 succeeded, want exactly 1", ok)
		}
	})
}
