package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/advocate-org/advocate/app"
)

// keptDHS is a hand-kept roster with one office and one commission.
func keptDHS(dhsEmail, tlhrcEmail string) *app.Roster {
	return &app.Roster{
		Committees: []app.Committee{{Code: "TLHRC", Name: "Tom Lantos Human Rights Commission", Kind: app.KindCommission,
			Chamber: app.House, Email: tlhrcEmail}},
		Memberships: []app.Membership{},
		Executives: []app.ExecutiveTarget{{Key: "DHS_SECRETARY", Title: "Secretary of Homeland Security", Name: "A. Person",
			Address: "Washington, DC 20528", Email: dhsEmail}},
	}
}

func TestAddressApprovals(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const dhs, tl = "executive:DHS_SECRETARY", "commission:TLHRC"
		// The first hand edit trusts the imported addresses and asks for a
		// new one in the same transaction.
		v, proposed, err := e.db.Roster.SaveKeptRosterAddresses(ctx, keptDHS("new@dhs.example", "tlhrc@mail.house.gov"), 0, "org@example.org",
			app.AddressUpdate{
				Trust:   map[string]string{dhs: "old@dhs.example", tl: "tlhrc@mail.house.gov"},
				Propose: []app.AddressChange{{Subject: dhs, Label: "Secretary of Homeland Security", OldEmail: "old@dhs.example", NewEmail: "new@dhs.example", ProposedBy: "org@example.org", ProposedByID: 7}},
			})
		if err != nil || v != 1 || len(proposed) != 1 || proposed[0].ID == 0 || proposed[0].Status != app.ApprovalPending {
			t.Fatalf("save: v%d %+v %v", v, proposed, err)
		}
		approved, err := e.db.Roster.ApprovedAddresses(ctx)
		if err != nil || approved[dhs] != "old@dhs.example" || approved[tl] != "tlhrc@mail.house.gov" {
			t.Fatalf("approved before a decision: %v %v", approved, err)
		}
		kept, _, err := e.db.Roster.KeptRoster(ctx)
		if err != nil || kept.Executives[0].Email != "new@dhs.example" {
			t.Fatalf("the kept roster keeps what the organizer typed: %+v %v", kept, err)
		}

		// The organizer cannot decide on their own change, by id or by
		// name, and nobody without an account can.
		id := proposed[0].ID
		_, err = e.db.Roster.DecideAddressChange(ctx, id, true, "someone@example.org", 7)
		wantCode(t, err, app.EFORBIDDEN)
		_, err = e.db.Roster.DecideAddressChange(ctx, id, true, "ORG@example.org", 9)
		wantCode(t, err, app.EFORBIDDEN)
		_, err = e.db.Roster.DecideAddressChange(ctx, id, true, "cli", 0)
		wantCode(t, err, app.EFORBIDDEN)
		_, err = e.db.Roster.DecideAddressChange(ctx, 999999, true, "admin@example.org", 2)
		wantCode(t, err, app.ENOTFOUND)

		// Another admin approves: the new address is current, the old one
		// stays a destination for letters made before.
		c, err := e.db.Roster.DecideAddressChange(ctx, id, true, "admin@example.org", 2)
		if err != nil || c.Status != app.ApprovalApproved || c.DecidedBy != "admin@example.org" || c.DecidedAt == nil {
			t.Fatalf("approve: %+v %v", c, err)
		}
		if _, err := e.db.Roster.DecideAddressChange(ctx, id, false, "admin@example.org", 2); app.ErrorCodeOf(err) != app.ECONFLICT {
			t.Fatalf("deciding twice: %v", err)
		}
		if v2, _ := e.db.Roster.KeptRosterVersion(ctx); v2 != 2 {
			t.Fatalf("a decision must bump the roster version for other instances: %d", v2)
		}
		approved, _ = e.db.Roster.ApprovedAddresses(ctx)
		if approved[dhs] != "new@dhs.example" {
			t.Fatalf("after approval: %v", approved)
		}
		dests, err := e.db.Roster.ApprovedDestinations(ctx, []string{dhs, tl, "commission:NONE"})
		if err != nil || !slices.Contains(dests[dhs], "new@dhs.example") || !slices.Contains(dests[dhs], "old@dhs.example") ||
			len(dests["commission:NONE"]) != 0 {
			t.Fatalf("destinations: %v %v", dests, err)
		}

		// A refused change puts the approved address back into the kept
		// roster; a pending change is replaced by a newer one.
		_, proposed, err = e.db.Roster.SaveKeptRosterAddresses(ctx, keptDHS("new@dhs.example", "evil@attacker.example"), 2, "org@example.org",
			app.AddressUpdate{Propose: []app.AddressChange{{Subject: tl, Label: "TLHRC", OldEmail: "tlhrc@mail.house.gov", NewEmail: "evil@attacker.example", ProposedBy: "org@example.org", ProposedByID: 7}}})
		if err != nil {
			t.Fatal(err)
		}
		first := proposed[0].ID
		_, proposed, err = e.db.Roster.SaveKeptRosterAddresses(ctx, keptDHS("new@dhs.example", "evil2@attacker.example"), 3, "org@example.org",
			app.AddressUpdate{Propose: []app.AddressChange{{Subject: tl, Label: "TLHRC", OldEmail: "tlhrc@mail.house.gov", NewEmail: "evil2@attacker.example", ProposedBy: "org@example.org", ProposedByID: 7}}})
		if err != nil {
			t.Fatal(err)
		}
		pending, err := e.db.Roster.ListAddressChanges(ctx, app.AddressChangeFilter{Status: app.ApprovalPending})
		if err != nil || len(pending) != 1 || pending[0].NewEmail != "evil2@attacker.example" {
			t.Fatalf("pending: %+v %v", pending, err)
		}
		if _, err := e.db.Roster.DecideAddressChange(ctx, first, true, "admin@example.org", 2); app.ErrorCodeOf(err) != app.ECONFLICT {
			t.Fatalf("approving a withdrawn change: %v", err)
		}
		if c, err := e.db.Roster.DecideAddressChange(ctx, proposed[0].ID, false, "admin@example.org", 2); err != nil || c.Status != app.ApprovalRefused {
			t.Fatalf("refuse: %+v %v", c, err)
		}
		kept, _, _ = e.db.Roster.KeptRoster(ctx)
		approved, _ = e.db.Roster.ApprovedAddresses(ctx)
		if kept.Committees[0].Email != "tlhrc@mail.house.gov" || approved[tl] != "tlhrc@mail.house.gov" {
			t.Fatalf("after refusal: kept %q approved %q", kept.Committees[0].Email, approved[tl])
		}
		dests, _ = e.db.Roster.ApprovedDestinations(ctx, []string{tl})
		if slices.Contains(dests[tl], "evil@attacker.example") || slices.Contains(dests[tl], "evil2@attacker.example") {
			t.Fatalf("a refused address is a destination: %v", dests)
		}

		// Clearing an address stops it at once; discarding the hand edits
		// withdraws what is pending and leaves no kept address current.
		v, _ = e.db.Roster.KeptRosterVersion(ctx)
		if _, _, err := e.db.Roster.SaveKeptRosterAddresses(ctx, keptDHS("", "tlhrc@mail.house.gov"), v, "org@example.org",
			app.AddressUpdate{Drop: []string{dhs}}); err != nil {
			t.Fatal(err)
		}
		if approved, _ = e.db.Roster.ApprovedAddresses(ctx); approved[dhs] != "" {
			t.Fatalf("cleared address still current: %v", approved)
		}
		v, _ = e.db.Roster.KeptRosterVersion(ctx)
		if _, proposed, err = e.db.Roster.SaveKeptRosterAddresses(ctx, keptDHS("x@dhs.example", "tlhrc@mail.house.gov"), v, "org@example.org",
			app.AddressUpdate{Propose: []app.AddressChange{{Subject: dhs, Label: "DHS", NewEmail: "x@dhs.example", ProposedBy: "org@example.org", ProposedByID: 7}}}); err != nil {
			t.Fatal(err)
		}
		v, _ = e.db.Roster.KeptRosterVersion(ctx)
		if _, err := e.db.Roster.ResetKeptRoster(ctx, v, "org@example.org"); err != nil {
			t.Fatal(err)
		}
		if approved, _ = e.db.Roster.ApprovedAddresses(ctx); len(approved) != 0 {
			t.Fatalf("after reset: %v", approved)
		}
		all, _ := e.db.Roster.ListAddressChanges(ctx, app.AddressChangeFilter{Subject: dhs})
		if len(all) != 2 || all[0].Status != app.ApprovalWithdrawn || all[1].Status != app.ApprovalApproved {
			t.Fatalf("history of %s: %+v", dhs, all)
		}
	})
}

// The imported roster's own addresses are destinations: the operator
// loaded them.
func TestApprovedDestinationsIncludeImportedAddresses(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		r := &app.Roster{
			Committees: []app.Committee{{Code: "CECC", Name: "Congressional-Executive Commission on China", Kind: app.KindCommission,
				Chamber: app.Joint, Email: "cecc@example.gov"}},
			Executives: []app.ExecutiveTarget{{Key: "STATE", Title: "Secretary of State", Name: "S", Address: "DC", Email: "sec@state.example"}},
		}
		if _, err := e.db.Roster.ReplaceRoster(ctx, r, "test"); err != nil {
			t.Fatal(err)
		}
		dests, err := e.db.Roster.ApprovedDestinations(ctx, []string{"commission:CECC", "executive:STATE", "executive:OTHER", "legislator:X000001"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(dests["commission:CECC"], []string{"cecc@example.gov"}) || !slices.Equal(dests["executive:STATE"], []string{"sec@state.example"}) ||
			len(dests["executive:OTHER"]) != 0 || len(dests["legislator:X000001"]) != 0 {
			t.Fatalf("destinations: %v", dests)
		}
	})
}
