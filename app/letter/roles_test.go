package letter_test

import (
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

// The role helpers agree in number with the seats a recipient holds, and a
// title naming a group inside the body reads "a member of the ...".
func TestRoleHelpersGrammar(t *testing.T) {
	tlhrc := "Tom Lantos Human Rights Commission"
	cecc := "Congressional-Executive Commission on China"
	hszs := "House Select Committee on the CCP"
	cases := []struct {
		name    string
		roles   []app.TargetRole
		roles_  string
		phrase  string
		bodies  string
		several string
	}{
		{"no seat", nil, "", "", "", "false"},
		{"one", []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: tlhrc, Title: "Co-Chair"}},
			"Co-Chair of the " + tlhrc, "your role as Co-Chair of the " + tlhrc, "the " + tlhrc, "false"},
		{"two", []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: tlhrc, Title: "Co-Chair"}, {CommitteeCode: "CECC", CommitteeName: cecc}},
			"Co-Chair of the " + tlhrc + " and a member of the " + cecc,
			"your roles as Co-Chair of the " + tlhrc + " and a member of the " + cecc, "the " + tlhrc + " and the " + cecc, "true"},
		{"three", []app.TargetRole{{CommitteeCode: "HSZS", CommitteeName: hszs, Title: "Ranking Member"},
			{CommitteeCode: "TLHRC", CommitteeName: tlhrc, Title: "Co-Chair"}, {CommitteeCode: "CECC", CommitteeName: cecc, Title: "Chair"}},
			"Ranking Member of the " + hszs + ", Co-Chair of the " + tlhrc + " and Chair of the " + cecc,
			"your roles as Ranking Member of the " + hszs + ", Co-Chair of the " + tlhrc + " and Chair of the " + cecc,
			"the " + hszs + ", the " + tlhrc + " and the " + cecc, "true"},
		{"executive committee", []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: tlhrc, Title: "Executive Committee"}},
			"a member of the Executive Committee of the " + tlhrc, "your role as a member of the Executive Committee of the " + tlhrc,
			"the " + tlhrc, "false"},
		{"executive committee member", []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: tlhrc, Title: "Executive Committee member"}},
			"a member of the Executive Committee of the " + tlhrc, "your role as a member of the Executive Committee of the " + tlhrc,
			"the " + tlhrc, "false"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tg := app.Target{Key: "leg:X000001", BioguideID: "X000001", Kind: app.TargetCommittee, Name: "A B", Roles: tc.roles}
			got := dumpFields(t, letter.Fields(nil), letter.NewData(nil, tg, app.Supporter{}, "", time.Time{}))
			want := map[string]string{"recipient.roles": tc.roles_, "recipient.role_phrase": tc.phrase,
				"recipient.bodies": tc.bodies, "recipient.serves_on_several": tc.several}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// A recipient on the campaign's acted list gets the thank-you branch, by
// bioguide id, by target key or by a seat on a listed body; others get
// the ask.
func TestAlreadyActedBranch(t *testing.T) {
	c := &app.Campaign{Slug: "c", Title: "C", Facts: map[string]string{}, Acted: []app.ActedRecipient{
		{Key: "K000391", Action: "written to the Secretary of Homeland Security on his behalf", Source: "his letter"},
		{Key: "exec:DHS_SECRETARY", Action: "withdrawn the removal request", Source: "news"},
		{Key: "body:TLHRC", Action: "spoken up for him through the Commission", Source: "Commission statement"},
	}}
	src := "{{ if recipient.already_acted }}Thank you: you have already {{ recipient.action }}.{{ else }}Please add your voice.{{ end }}"
	tpl, err := letter.Compile("body", src, letter.Fields(c))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		target app.Target
		want   string
	}{
		{app.Target{Key: "leg:K000391", BioguideID: "K000391", Kind: app.TargetRepresentative},
			"Thank you: you have already written to the Secretary of Homeland Security on his behalf."},
		{app.Target{Key: "exec:DHS_SECRETARY", Kind: app.TargetExecutive}, "Thank you: you have already withdrawn the removal request."},
		{app.Target{Key: "leg:S000522", BioguideID: "S000522", Kind: app.TargetCommittee,
			Roles: []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: "Tom Lantos Human Rights Commission", Title: "Co-Chair"}}},
			"Thank you: you have already spoken up for him through the Commission."},
		{app.Target{Key: "leg:S001198", BioguideID: "S001198", Kind: app.TargetCommittee,
			Roles: []app.TargetRole{{CommitteeCode: "CECC", CommitteeName: "Congressional-Executive Commission on China", Title: "Chair"}}},
			"Please add your voice."},
		{app.Target{Key: "leg:T000469", BioguideID: "T000469", Kind: app.TargetRepresentative}, "Please add your voice."},
	} {
		got, err := tpl.Render(letter.NewData(c, tc.target, app.Supporter{}, "", time.Time{}))
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.target.Key, got, err, tc.want)
		}
	}
}
