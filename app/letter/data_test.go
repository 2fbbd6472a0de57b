package letter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

// dumpFields renders every field of d as "path=value" (text fields) or
// "path=true/false" (yes/no fields) and returns them by path.
func dumpFields(t *testing.T, fields []letter.Field, d letter.Data) map[string]string {
	t.Helper()
	var src strings.Builder
	for _, f := range fields {
		if f.Kind == letter.KindBool {
			src.WriteString(f.Path + "={{ if " + f.Path + " }}true{{ else }}false{{ end }}\x1e")
		} else {
			src.WriteString(f.Path + "={{ " + f.Path + " }}\x1e")
		}
	}
	tpl, err := letter.Compile("dump", src.String(), fields)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tpl.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSuffix(out, "\x1e"), "\x1e") {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestNewData(t *testing.T) {
	c := testCampaign()
	fields := letter.Fields(c)
	sup := testSupporter()
	sup.Address2 = " Apt 3 "
	got := dumpFields(t, fields, letter.NewData(c, repTarget(), sup, "  My story.  ", letterDate))
	want := map[string]string{
		"supporter.first_name":        "Maria",
		"supporter.full_name":         "Maria Lopez",
		"supporter.address2":          "Apt 3",
		"supporter.address":           "12 Elm Street, Apt 3, Albany, NY 12203",
		"supporter.city_state_zip":    "Albany, NY 12203",
		"supporter.email":             "maria@example.org",
		"recipient.name":              "Paul Tonko",
		"recipient.full_name":         "The Honorable Paul Tonko",
		"recipient.greeting":          "Dear Representative Tonko:",
		"recipient.kind":              "representative",
		"recipient.chamber":           "house",
		"recipient.district":          "20",
		"recipient.district_label":    "NY-20",
		"recipient.address":           "2269 Rayburn House Office Building\nWashington, DC 20515",
		"recipient.roles":             "",
		"recipient.role":              "",
		"recipient.reason":            "your Representative",
		"recipient.is_representative": "true",
		"recipient.is_senator":        "false",
		"recipient.is_committee":      "false",
		"recipient.is_executive":      "false",
		"recipient.is_constituent":    "true",
		"campaign.title":              "Free Guan Heng",
		"campaign.slug":               "free-guan-heng",
		"campaign.facts.person":       "Guan Heng",
		"campaign.facts.home_area":    "near Albany, New York",
		"personal_message":            "My story.",
		"date":                        "November 22, 2026",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(fields) {
		t.Errorf("dumped %d fields of %d", len(got), len(fields))
	}
}

func TestNewDataRecipients(t *testing.T) {
	tests := []struct {
		name   string
		target app.Target
		want   map[string]string
	}{
		{"senator", senTarget(), map[string]string{
			"recipient.district": "", "recipient.district_label": "", "recipient.is_senator": "true",
			"recipient.is_representative": "false", "recipient.is_constituent": "true",
		}},
		{"at-large", func() app.Target {
			t := repTarget()
			t.State, t.District = "AK", intp(0)
			return t
		}(), map[string]string{"recipient.district": "at-large", "recipient.district_label": "AK-AL"}},
		{"committee", committeeTarget(), map[string]string{
			"recipient.roles": "Ranking Member of the House Select Committee on the CCP", "recipient.role": "Ranking Member",
			"recipient.committee": "House Select Committee on the CCP", "recipient.is_committee": "true",
			"recipient.is_representative": "true", "recipient.is_constituent": "false",
			"recipient.reason": "Ranking Member, House Select Committee on the CCP", "recipient.district_label": "IL-8",
		}},
		{"committee member who is also the supporter's", func() app.Target {
			t := committeeTarget()
			t.Reasons = append(t.Reasons, "Your Representative")
			return t
		}(), map[string]string{"recipient.is_constituent": "true", "recipient.reason": "Ranking Member, House Select Committee on the CCP; Your Representative"}},
		{"several seats", func() app.Target {
			t := committeeTarget()
			t.Roles = append(t.Roles,
				app.TargetRole{CommitteeCode: "TLHRC", CommitteeName: "Tom Lantos Human Rights Commission"},
				app.TargetRole{CommitteeCode: "CECC", CommitteeName: "the Congressional-Executive Commission on China", Title: "Commissioner"})
			return t
		}(), map[string]string{"recipient.roles": "Ranking Member of the House Select Committee on the CCP, a member of the Tom Lantos Human Rights Commission and Commissioner of the Congressional-Executive Commission on China"}},
		{"untitled seat", func() app.Target {
			t := committeeTarget()
			t.Roles = []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: "Tom Lantos Human Rights Commission"}, {CommitteeCode: "X", CommitteeName: "Committee on Foreign Affairs"}}
			return t
		}(), map[string]string{"recipient.role": "Member", "recipient.roles": "a member of the Tom Lantos Human Rights Commission and a member of the Committee on Foreign Affairs"}},
		{"executive", dhsTarget(), map[string]string{
			"recipient.is_executive": "true", "recipient.is_constituent": "false", "recipient.is_representative": "false",
			"recipient.chamber": "", "recipient.full_name": "The Honorable Markwayne Mullin",
			"recipient.address": "U.S. Department of Homeland Security\n2707 Martin Luther King Jr Ave SE\nWashington, DC 20528",
		}},
		{"derived greeting", func() app.Target {
			t := dhsTarget()
			t.Greeting = ""
			return t
		}(), map[string]string{"recipient.greeting": "Dear Secretary Mullin:"}},
		{"greeting from name", app.Target{Name: "Office of Someone"}, map[string]string{"recipient.greeting": "Dear Office of Someone:", "recipient.full_name": "Office of Someone"}},
		{"no greeting at all", app.Target{}, map[string]string{"recipient.greeting": "Dear Sir or Madam:"}},
	}
	fields := letter.Fields(testCampaign())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dumpFields(t, fields, letter.NewData(testCampaign(), tt.target, testSupporter(), "", letterDate))
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestNewDataEmpty(t *testing.T) {
	got := dumpFields(t, letter.Fields(nil), letter.NewData(nil, app.Target{}, app.Supporter{City: "Albany"}, "", time.Time{}))
	if got["date"] != "" || got["campaign.title"] != "" || got["supporter.city_state_zip"] != "Albany" || got["supporter.address"] != "Albany" {
		t.Errorf("got %v", got)
	}
	// A zero Data renders every field empty.
	got = dumpFields(t, letter.Fields(testCampaign()), letter.Data{})
	for k, v := range got {
		if v != "" && v != "false" {
			t.Errorf("%s = %q in zero Data", k, v)
		}
	}
}

func TestFields(t *testing.T) {
	fields := letter.Fields(testCampaign())
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Path] {
			t.Errorf("duplicate %s", f.Path)
		}
		seen[f.Path] = true
		if f.Description == "" || (f.Kind != letter.KindString && f.Kind != letter.KindBool) {
			t.Errorf("%+v", f)
		}
	}
	n := len(letter.Fields(nil))
	var facts []string
	for _, f := range fields[n:] {
		facts = append(facts, f.Path)
	}
	if strings.Join(facts, ",") != "campaign.facts.asylum_court,campaign.facts.asylum_granted_on,campaign.facts.documented,"+
		"campaign.facts.facility,campaign.facts.home_area,campaign.facts.person,campaign.facts.person_age,"+
		"campaign.facts.released_on,campaign.facts.witness" {
		t.Errorf("facts = %v", facts)
	}
	if ex := fields[n+5].Example; ex != "Guan Heng" {
		t.Errorf("fact example = %q", ex)
	}
	for _, p := range []string{"supporter.first_name", "supporter.city_state_zip", "recipient.greeting", "recipient.is_constituent", "recipient.district_label", "campaign.ask", "campaign.summary", "personal_message", "date"} {
		if !seen[p] {
			t.Errorf("missing %s", p)
		}
	}
}

func TestDataSetDoesNotTouchCampaign(t *testing.T) {
	c := testCampaign()
	d := letter.NewData(c, repTarget(), testSupporter(), "", letterDate)
	d.Set("campaign.facts.person", "Someone Else")
	d.Set("custom.field", "x")
	if c.Facts["person"] != "Guan Heng" {
		t.Fatal("Set changed the campaign's facts")
	}
	fields := append(letter.Fields(c), letter.Field{Path: "custom.field", Kind: letter.KindString}, letter.Field{Path: "custom.flag", Kind: letter.KindBool})
	tpl, err := letter.Compile("body", "{{ campaign.facts.person }} {{ custom.field }}{{ if custom.flag }}!{{ end }}", fields)
	if err != nil {
		t.Fatal(err)
	}
	d.SetBool("custom.flag", true)
	if got, _ := tpl.Render(d); got != "Someone Else x!" {
		t.Errorf("got %q", got)
	}
}

func TestExampleData(t *testing.T) {
	fields := letter.Fields(testCampaign())
	got := dumpFields(t, fields, letter.ExampleData(fields))
	if got["supporter.first_name"] != "Maria" || got["campaign.facts.person"] != "Guan Heng" || got["recipient.is_constituent"] != "true" || got["recipient.is_senator"] != "false" {
		t.Errorf("got %v", got)
	}
}

// One supporter's base serves each of their letters: every ForTarget copy
// has exactly the fields NewData gives for that target, whatever the
// targets before it set (a Representative's district must not leak into
// the Senator's letter that follows).
func TestLetterBaseForTarget(t *testing.T) {
	fields := letter.Fields(testCampaign())
	c, sup := testCampaign(), testSupporter()
	base := letter.NewLetterBase(c, sup, "Please help.", letterDate)
	for i, tg := range []app.Target{repTarget(), senTarget(), committeeTarget(), dhsTarget(), senTarget()} {
		got := dumpFields(t, fields, base.ForTarget(tg))
		want := dumpFields(t, fields, letter.NewData(c, tg, sup, "Please help.", letterDate))
		for k, v := range want {
			if got[k] != v {
				t.Errorf("target %d (%s): %s = %q, want %q", i, tg.Key, k, got[k], v)
			}
		}
	}
}
