package congress

import (
	"io"
	"strings"

	"github.com/advocate-org/advocate/app"
)

type commissionsFile struct {
	Commissions []struct {
		Key     string `json:"key"`
		Name    string `json:"name"`
		Chamber string `json:"chamber"`
		Website string `json:"website"`
		Address string `json:"address"`
		Phone   string `json:"phone"`
		Email   string `json:"email"`
		Members []struct {
			Bioguide string `json:"bioguide"`
			Name     string `json:"name"`
			Role     string `json:"role"`
		} `json:"members"`
	} `json:"commissions"`
	ExecutiveTargets []struct {
		Key           string `json:"key"`
		Title         string `json:"title"`
		Name          string `json:"name"`
		Salutation    string `json:"salutation"`
		Greeting      string `json:"greeting"`
		Address       string `json:"address"`
		Email         string `json:"email"`
		InOfficeSince string `json:"in_office_since"`
	} `json:"executive_targets"`
}

// commissionRoles maps the hand-kept file's role values to membership titles.
var commissionRoles = map[string]string{
	"chair":               "Chair",
	"co-chair":            "Co-Chair",
	"vice-chair":          "Vice Chair",
	"ranking-member":      "Ranking Member",
	"executive-committee": "Executive Committee",
	"member":              "",
}

// ReadCommissionsYAML reads the hand-kept commissions.yaml (see
// data/commissions/README.md in the shared data): commissions that
// congress-legislators does not carry (TLHRC, CECC) and executive-branch
// targets (DHS_SECRETARY). Commissions become committees of
// app.KindCommission whose Code is the file's key; member roles become
// titles (chair → "Chair", co-chair → "Co-Chair", executive-committee →
// "Executive Committee", member → ""), and Rank is the member's position in
// the list, which the file orders by seniority of role. The file's
// confidence and source notes are not imported.
func ReadCommissionsYAML(r io.Reader, name string) ([]app.Committee, []app.Membership, []app.ExecutiveTarget, error) {
	d, err := newYAMLDoc(r, name)
	if err != nil {
		return nil, nil, nil, err
	}
	var f commissionsFile
	if err := d.decodeWhole(&f); err != nil {
		return nil, nil, nil, err
	}
	var (
		committees []app.Committee
		members    []app.Membership
		execs      []app.ExecutiveTarget
		seen       = map[string]bool{}
	)
	for i, c := range f.Commissions {
		at := func(path ...any) int64 { return d.locate(0, append([]any{"commissions", i}, path...)...) }
		if !validCode(c.Key) {
			return nil, nil, nil, d.errAt(at("key"), "commission key is %s, want letters and digits such as \"TLHRC\"", quoteShort(c.Key))
		}
		if seen[c.Key] {
			return nil, nil, nil, d.errAt(at("key"), "commission %s is listed twice", c.Key)
		}
		seen[c.Key] = true
		if strings.TrimSpace(c.Name) == "" {
			return nil, nil, nil, d.errAt(at(), "commission %s has no name", c.Key)
		}
		ch, ok := chambers[c.Chamber]
		if !ok {
			return nil, nil, nil, d.errAt(at("chamber"), "commission %s: chamber is %s, want house, senate or joint", c.Key, quoteShort(c.Chamber))
		}
		committees = append(committees, app.Committee{
			Code: c.Key, Name: c.Name, Kind: app.KindCommission, Chamber: ch,
			URL: c.Website, Address: c.Address, Phone: c.Phone, Email: c.Email,
		})
		for j, m := range c.Members {
			if strings.TrimSpace(m.Bioguide) == "" {
				return nil, nil, nil, d.errAt(at("members", j), "commission %s: member %s has no bioguide id", c.Key, quoteShort(m.Name))
			}
			title, ok := commissionRoles[m.Role]
			if !ok {
				return nil, nil, nil, d.errAt(at("members", j, "role"),
					"commission %s: role is %s, want chair, co-chair, vice-chair, ranking-member, executive-committee or member",
					c.Key, quoteShort(m.Role))
			}
			members = append(members, app.Membership{CommitteeCode: c.Key, BioguideID: m.Bioguide, Rank: j + 1, Title: title})
		}
	}
	seenExec := map[string]bool{}
	for i, e := range f.ExecutiveTargets {
		at := func(path ...any) int64 { return d.locate(0, append([]any{"executive_targets", i}, path...)...) }
		if !validCode(e.Key) {
			return nil, nil, nil, d.errAt(at("key"), "executive target key is %s, want letters and digits such as \"DHS_SECRETARY\"", quoteShort(e.Key))
		}
		if seenExec[e.Key] {
			return nil, nil, nil, d.errAt(at("key"), "executive target %s is listed twice", e.Key)
		}
		seenExec[e.Key] = true
		if strings.TrimSpace(e.Name) == "" || strings.TrimSpace(e.Title) == "" {
			return nil, nil, nil, d.errAt(at(), "executive target %s needs a title and a name", e.Key)
		}
		execs = append(execs, app.ExecutiveTarget{
			Key: e.Key, Title: e.Title, Name: e.Name, Salutation: e.Salutation, Greeting: e.Greeting,
			Address: e.Address, Email: e.Email, InOfficeSince: e.InOfficeSince,
		})
	}
	return committees, members, execs, nil
}
