package match_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

func lookup(t testing.TB, m *match.Matcher, q match.Query) *app.Lookup {
	t.Helper()
	l, err := m.Lookup(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// summary renders targets as "kind:key" for compact comparisons.
func summary(ts []app.Target) string {
	var out []string
	for _, t := range ts {
		out = append(out, string(t.Kind)+":"+strings.TrimPrefix(strings.TrimPrefix(t.Key, "leg:"), "exec:"))
	}
	return strings.Join(out, " ")
}

var (
	ruleRep     = app.TargetRule{Kind: app.RuleOwnRepresentative}
	ruleSenate  = app.TargetRule{Kind: app.RuleOwnSenators}
	ruleHSZS    = app.TargetRule{Kind: app.RuleCommittee, CommitteeCode: "HSZS"}
	ruleHSZSTop = app.TargetRule{Kind: app.RuleCommittee, CommitteeCode: "HSZS", LeadershipOnly: true}
	ruleHSZSMe  = app.TargetRule{Kind: app.RuleCommittee, CommitteeCode: "HSZS", OnlyConstituents: true}
	ruleCECCMe  = app.TargetRule{Kind: app.RuleCommittee, CommitteeCode: "CECC", OnlyConstituents: true}
	ruleDHS     = app.TargetRule{Kind: app.RuleExecutive, ExecutiveKey: "DHS_SECRETARY"}
)

func TestTargets(t *testing.T) {
	m := match.New(fixtureIndex(t), match.Options{})
	all := []app.TargetRule{ruleRep, ruleSenate, ruleDHS}
	tests := []struct {
		name        string
		q           match.Query
		rules       []app.TargetRule
		chosen      string
		want        string
		needsChoice bool
		candidates  string
		warnings    int
		errField    string
	}{
		{name: "single district", q: match.Query{Zip: "12202"}, rules: all,
			want: "representative:T000469 senator:S000148 senator:G000555 executive:DHS_SECRETARY"},
		{name: "split ZIP needs a choice", q: match.Query{Zip: "60173"}, rules: all,
			want: "senator:D000563 senator:D000622 executive:DHS_SECRETARY", needsChoice: true, candidates: "Q000023 K000391"},
		{name: "split ZIP, chosen", q: match.Query{Zip: "60173"}, rules: all, chosen: "K000391",
			want: "representative:K000391 senator:D000563 senator:D000622 executive:DHS_SECRETARY"},
		{name: "split ZIP, chosen wrong", q: match.Query{Zip: "60173"}, rules: all, chosen: "T000469", errField: "representative"},
		{name: "single district, chosen wrong", q: match.Query{Zip: "12202"}, rules: all, chosen: "K000391", errField: "representative"},
		{name: "split ZIP without a House rule needs no choice", q: match.Query{Zip: "60173"}, rules: []app.TargetRule{ruleSenate},
			want: "senator:D000563 senator:D000622"},
		{name: "vacant seat", q: match.Query{Zip: "94541", State: "CA", Point: pt(37.6, -122.0)}, rules: all,
			want: "executive:DHS_SECRETARY"},
		{name: "split ZIP with a vacancy still asks", q: match.Query{Zip: "94541"}, rules: []app.TargetRule{ruleRep},
			want: "", needsChoice: true, candidates: "K000389"},
		{name: "choosing the only candidate of a half-vacant ZIP", q: match.Query{Zip: "94541"}, rules: []app.TargetRule{ruleRep}, chosen: "K000389",
			want: "representative:K000389"},
		{name: "DC", q: match.Query{Zip: "20001"}, rules: all,
			want: "representative:N000147 executive:DHS_SECRETARY"},
		{name: "state only", q: match.Query{Zip: "13261", State: "NY"}, rules: all,
			want: "senator:S000148 senator:G000555 executive:DHS_SECRETARY"},
		{name: "whole committee", q: match.Query{Zip: "12202"}, rules: []app.TargetRule{ruleHSZS},
			want: "committee:M001194 committee:K000389 committee:S001196 committee:K000391 committee:Q000023"},
		{name: "leadership only", q: match.Query{Zip: "12202"}, rules: []app.TargetRule{ruleHSZSTop},
			want: "committee:M001194 committee:K000389"},
		{name: "constituents only: nobody", q: match.Query{Zip: "12202"}, rules: []app.TargetRule{ruleHSZSMe},
			want: ""},
		{name: "constituents only: own rep", q: match.Query{Zip: "12901"}, rules: []app.TargetRule{ruleHSZSMe},
			want: "committee:S001196"},
		{name: "constituents only: senator", q: match.Query{Zip: "60007"}, rules: []app.TargetRule{ruleCECCMe},
			want: "committee:D000622 committee:K000391"},
		{name: "constituents only on a split ZIP asks", q: match.Query{Zip: "60173"}, rules: []app.TargetRule{ruleHSZSMe},
			want: "", needsChoice: true, candidates: "Q000023 K000391"},
		{name: "constituents only on a split ZIP, chosen", q: match.Query{Zip: "60173"}, rules: []app.TargetRule{ruleHSZSMe}, chosen: "Q000023",
			want: "committee:Q000023"},
		{name: "constituents only on a split ZIP, only senators matter", q: match.Query{Zip: "60173"}, rules: []app.TargetRule{ruleCECCMe},
			want: "committee:D000622", needsChoice: true, candidates: "Q000023 K000391"},
		{name: "dedup: rep on the committee", q: match.Query{Zip: "60007"}, rules: []app.TargetRule{ruleHSZS, ruleRep, ruleSenate, ruleCECCMe},
			want: "representative:K000391 senator:D000563 senator:D000622 committee:M001194 committee:K000389 committee:S001196 committee:Q000023"},
		{name: "unknown committee is skipped", q: match.Query{Zip: "12202"},
			rules: []app.TargetRule{{Kind: app.RuleCommittee, CommitteeCode: "TLHRC"}, ruleRep},
			want:  "representative:T000469", warnings: 1},
		{name: "unknown executive and rule kind are skipped", q: match.Query{Zip: "12202"},
			rules: []app.TargetRule{{Kind: app.RuleExecutive, ExecutiveKey: "NOPE"}, {Kind: "bogus"}},
			want:  "", warnings: 2},
		{name: "rules follow Position", q: match.Query{Zip: "12202"},
			rules: []app.TargetRule{
				{Kind: app.RuleCommittee, CommitteeCode: "CECC", LeadershipOnly: true, Position: 2},
				{Kind: app.RuleCommittee, CommitteeCode: "HSZS", LeadershipOnly: true, Position: 1},
			},
			want: "committee:M001194 committee:K000389 committee:S001198 committee:S000522"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lookup(t, m, tt.q)
			res, err := m.Targets(context.Background(), l, tt.rules, tt.chosen)
			if tt.errField != "" {
				if app.ErrorCodeOf(err) != app.EINVALID || app.ErrorFieldsOf(err)[tt.errField] == "" {
					t.Fatalf("err = %v, want EINVALID on %q", err, tt.errField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(res.Targets); got != tt.want {
				t.Errorf("targets = %q\n want %q", got, tt.want)
			}
			if res.NeedsChoice != tt.needsChoice {
				t.Errorf("NeedsChoice = %v", res.NeedsChoice)
			}
			var cs []string
			for _, c := range res.Candidates {
				cs = append(cs, c.Member.BioguideID)
			}
			if got := strings.Join(cs, " "); got != tt.candidates {
				t.Errorf("candidates = %q, want %q", got, tt.candidates)
			}
			if len(res.Warnings) != tt.warnings {
				t.Errorf("warnings = %q, want %d", res.Warnings, tt.warnings)
			}
		})
	}
}

func TestTargetsMerge(t *testing.T) {
	m := match.New(fixtureIndex(t), match.Options{})
	l := lookup(t, m, match.Query{Zip: "60007"}) // IL-8 only
	res, err := m.Targets(context.Background(), l, []app.TargetRule{ruleCECCMe, ruleHSZS, ruleRep, ruleSenate}, "")
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]app.Target{}
	for _, tg := range res.Targets {
		if _, dup := byKey[tg.Key]; dup {
			t.Fatalf("%s listed twice", tg.Key)
		}
		byKey[tg.Key] = tg
	}
	raja := byKey["leg:K000391"]
	if raja.Kind != app.TargetRepresentative {
		t.Errorf("Kind = %s, want representative", raja.Kind)
	}
	wantReasons := []string{
		"member of the Congressional-Executive Commission on China",
		"member of the House Select Committee on the Strategic Competition Between the United States and the Chinese Communist Party",
		"your Representative",
	}
	if !reflect.DeepEqual(raja.Reasons, wantReasons) {
		t.Errorf("Reasons = %q", raja.Reasons)
	}
	if len(raja.Roles) != 2 || raja.Roles[0].CommitteeCode != "CECC" || raja.Roles[1].CommitteeCode != "HSZS" {
		t.Errorf("Roles = %+v", raja.Roles)
	}
	tammy := byKey["leg:D000622"]
	if tammy.Kind != app.TargetSenator || len(tammy.Reasons) != 2 || tammy.Reasons[1] != "your Senator" {
		t.Errorf("Duckworth = %+v", tammy)
	}
	khanna := byKey["leg:K000389"]
	if khanna.Reasons[0] != "Ranking Member, House Select Committee on the Strategic Competition Between the United States and the Chinese Communist Party" {
		t.Errorf("Khanna reasons = %q", khanna.Reasons)
	}
	if khanna.Roles[0].Title != "Ranking Member" {
		t.Errorf("Khanna roles = %+v", khanna.Roles)
	}
	// The merge must not alias the index: a second call gives the same.
	res2, _ := m.Targets(context.Background(), l, []app.TargetRule{ruleCECCMe, ruleHSZS, ruleRep, ruleSenate}, "")
	if !reflect.DeepEqual(res, res2) {
		t.Error("second call differs")
	}
}

func TestTargetFields(t *testing.T) {
	m := match.New(fixtureIndex(t), match.Options{})
	eight, twenty, zero := 8, 20, 0
	one := 1
	tests := []struct {
		q      match.Query
		rules  []app.TargetRule
		chosen string
		key    string
		want   app.Target
	}{
		{q: match.Query{Zip: "60173"}, rules: []app.TargetRule{ruleRep}, chosen: "K000391", key: "leg:K000391", want: app.Target{
			Key: "leg:K000391", Kind: app.TargetRepresentative, BioguideID: "K000391",
			Name: "Raja Krishnamoorthi", LastName: "Krishnamoorthi", Title: "Representative",
			Honorific: "The Honorable", Greeting: "Dear Representative Krishnamoorthi:",
			Chamber: app.House, Party: "Democrat", State: "IL", District: &eight,
			AddressLines: []string{"2367 Rayburn House Office Building", "Washington, DC 20515-1308"},
			Phone:        "202-225-0000", URL: "https://K000391.house.gov",
			Reasons: []string{"your Representative"},
		}},
		{q: match.Query{Zip: "12202"}, rules: []app.TargetRule{ruleRep}, key: "leg:T000469", want: app.Target{
			Key: "leg:T000469", Kind: app.TargetRepresentative, BioguideID: "T000469",
			Name: "Paul Tonko", LastName: "Tonko", Title: "Representative",
			Honorific: "The Honorable", Greeting: "Dear Representative Tonko:",
			Chamber: app.House, Party: "Democrat", State: "NY", District: &twenty,
			AddressLines: []string{"2269 Rayburn House Office Building", "Washington, DC 20515-3220"},
			Phone:        "202-225-0000", URL: "https://T000469.house.gov",
			Reasons: []string{"your Representative"},
		}},
		{q: match.Query{Zip: "12202"}, rules: []app.TargetRule{ruleSenate}, key: "leg:S000148", want: app.Target{
			Key: "leg:S000148", Kind: app.TargetSenator, BioguideID: "S000148",
			Name: "Charles E. Schumer", LastName: "Schumer", Title: "Senator",
			Honorific: "The Honorable", Greeting: "Dear Senator Schumer:",
			Chamber: app.Senate, Party: "Democrat", State: "NY",
			AddressLines: []string{"322 Hart Senate Office Building", "Washington, DC 20510"},
			Phone:        "202-224-0000", URL: "https://S000148.senate.gov", ContactForm: "https://S000148.senate.gov/contact",
			Reasons: []string{"your Senator"},
		}},
		{q: match.Query{Zip: "20001"}, rules: []app.TargetRule{ruleRep}, key: "leg:N000147", want: app.Target{
			Key: "leg:N000147", Kind: app.TargetRepresentative, BioguideID: "N000147",
			Name: "Eleanor Holmes Norton", LastName: "Norton", Title: "Delegate",
			Honorific: "The Honorable", Greeting: "Dear Delegate Norton:",
			Chamber: app.House, Party: "Democrat", State: "DC", District: &zero,
			AddressLines: []string{"2136 Rayburn House Office Building", "Washington, DC 20515-5101"},
			Phone:        "202-225-0000", URL: "https://N000147.house.gov",
			Reasons: []string{"your Delegate"},
		}},
		{q: match.Query{Zip: "00601"}, rules: []app.TargetRule{ruleRep}, key: "leg:H001103", want: app.Target{
			Key: "leg:H001103", Kind: app.TargetRepresentative, BioguideID: "H001103",
			Name: "Pablo José Hernández", LastName: "Hernández", Title: "Resident Commissioner",
			Honorific: "The Honorable", Greeting: "Dear Resident Commissioner Hernández:",
			Chamber: app.House, Party: "Democrat", State: "PR", District: &zero,
			AddressLines: []string{"1605 Longworth House Office Building", "Washington, DC 20515-5401"},
			Phone:        "202-225-0000", URL: "https://H001103.house.gov",
			Reasons: []string{"your Resident Commissioner"},
		}},
		{q: match.Query{Zip: "96001"}, rules: []app.TargetRule{ruleRep}, key: "leg:G000607", want: app.Target{
			Key: "leg:G000607", Kind: app.TargetRepresentative, BioguideID: "G000607",
			Name: "James Gallagher", LastName: "Gallagher", Title: "Representative",
			Honorific: "The Honorable", Greeting: "Dear Representative Gallagher:",
			Chamber: app.House, Party: "Republican", State: "CA", District: &one,
			AddressLines: []string{"U.S. House of Representatives", "Washington, DC 20515"},
			Phone:        "202-225-0000", URL: "https://G000607.house.gov",
			Reasons: []string{"your Representative"},
		}},
		{q: match.Query{Zip: "12202"}, rules: []app.TargetRule{ruleDHS}, key: "exec:DHS_SECRETARY", want: app.Target{
			Key: "exec:DHS_SECRETARY", Kind: app.TargetExecutive,
			Name: "Markwayne Mullin", LastName: "Mullin", Title: "Secretary of Homeland Security",
			Honorific: "The Honorable", Greeting: "Dear Secretary Mullin:",
			AddressLines: []string{"U.S. Department of Homeland Security", "Washington, DC 20528"},
			Reasons:      []string{"Secretary of Homeland Security"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			res, err := m.Targets(context.Background(), lookup(t, m, tt.q), tt.rules, tt.chosen)
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range res.Targets {
				if got.Key == tt.key {
					if !reflect.DeepEqual(got, tt.want) {
						t.Errorf("got  %+v\nwant %+v", got, tt.want)
					}
					return
				}
			}
			t.Fatalf("%s not among %s", tt.key, summary(res.Targets))
		})
	}
}

func TestTargetsNilLookup(t *testing.T) {
	m := match.New(fixtureIndex(t), match.Options{})
	if _, err := m.Targets(context.Background(), nil, nil, ""); err == nil {
		t.Fatal("want an error")
	}
}
