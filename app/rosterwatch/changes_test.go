package rosterwatch_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
	"github.com/advocate-org/advocate/app/rosterwatch"
)

func index(t *testing.T, r *app.Roster) *match.Index {
	t.Helper()
	ix, err := match.NewIndex(r)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func senator(id, name, state string, class int) app.Legislator {
	return app.Legislator{BioguideID: id, OfficialName: name, LastName: name, Chamber: app.Senate, State: state, Class: class}
}

// TestChangesBySenatorsCommitteesAndExecutives covers what the refresh
// test does not: a senator replaced, a committee gone, an executive office
// changing hands, and nothing said when nothing a rule reaches changed.
func TestChangesBySenatorsCommitteesAndExecutives(t *testing.T) {
	before := &app.Roster{
		Legislators: []app.Legislator{senator("A000001", "Ann Able", "VT", 1), senator("B000002", "Bob Baker", "VT", 3)},
		Committees:  []app.Committee{{Code: "SSFR", Name: "Senate Committee on Foreign Relations", Chamber: app.Senate}},
		Memberships: []app.Membership{{CommitteeCode: "SSFR", BioguideID: "A000001", Title: "Chairman"}},
		Executives:  []app.ExecutiveTarget{{Key: "DHS_SECRETARY", Title: "Secretary of Homeland Security", Name: "Pat Old", Email: "old@dhs.example"}},
	}
	after := &app.Roster{
		Legislators: []app.Legislator{senator("A000001", "Ann Able", "VT", 1), senator("C000003", "Cat Cole", "VT", 3)},
		Executives:  []app.ExecutiveTarget{{Key: "DHS_SECRETARY", Title: "Secretary of Homeland Security", Name: "Sam New", Email: "old@dhs.example"}},
	}
	old, cur := index(t, before), index(t, after)
	got := rosterwatch.Changes(old, cur, []app.TargetRule{
		{Kind: app.RuleOwnSenators},
		{Kind: app.RuleCommittee, CommitteeCode: "SSFR"},
		{Kind: app.RuleExecutive, ExecutiveKey: "DHS_SECRETARY"},
	})
	want := []string{
		"Senator Bob Baker (VT) is no longer in office.",
		"Cat Cole is now a Senator for VT.",
		"The Senate Committee on Foreign Relations (SSFR) is no longer in the roster: this campaign's rule for it reaches no one.",
		"Secretary of Homeland Security is now Sam New (was Pat Old).",
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := rosterwatch.Changes(old, old, []app.TargetRule{{Kind: app.RuleOwnSenators}, {Kind: app.RuleCommittee, CommitteeCode: "SSFR"}}); got != nil {
		t.Errorf("no change reported %q", got)
	}
	if got := rosterwatch.Changes(old, cur, []app.TargetRule{{Kind: app.RuleOwnRepresentative}}); got != nil {
		t.Errorf("a House rule saw Senate changes: %q", got)
	}
}
