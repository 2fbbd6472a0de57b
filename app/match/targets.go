package match

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// Resolution is the recipient list for one supporter and campaign.
type Resolution struct {
	// Targets has one entry per person or office, ordered by kind
	// (representative, senator, committee, executive), then rule order.
	Targets []app.Target
	// NeedsChoice is set when the supporter's ZIP spans several districts
	// and a rule depends on which one is theirs: the supporter must pick one
	// of Candidates (or give an address) and the caller asks again with
	// chosenRep. Until then no House member is targeted as "your
	// Representative".
	NeedsChoice bool
	Candidates  []app.Representative
	// Warnings name rules that were skipped (an unknown committee code or
	// executive key): worth showing to organizers, not to supporters.
	Warnings []string
}

// Targets applies a campaign's rules (in Position order) to a lookup.
// chosenRep is the bioguide id of the Representative the supporter picked
// when the lookup was ambiguous; it must be one of the lookup's
// non-vacant Representatives (app.EINVALID, field "representative",
// otherwise). Rules that point at something the roster lacks are skipped
// with a warning rather than failing the supporter.
func (m *Matcher) Targets(ctx context.Context, l *app.Lookup, rules []app.TargetRule, chosenRep string) (*Resolution, error) {
	if l == nil {
		return nil, errors.New("match: Targets needs a lookup")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("match: %w", err)
	}
	res := &Resolution{}
	var candidates []app.Representative
	for _, r := range l.Representatives {
		if r.Member != nil {
			candidates = append(candidates, r)
		}
	}
	// own is the supporter's Representative when known; ambiguous means the
	// lookup has several districts and the supporter has not chosen.
	var own *app.Representative
	ambiguous := false
	switch {
	case chosenRep != "":
		i := slices.IndexFunc(candidates, func(r app.Representative) bool { return r.Member.BioguideID == chosenRep })
		if i < 0 {
			return nil, fieldError("representative", "Choose one of the Representatives listed for your address.")
		}
		own = &candidates[i]
	case len(l.Representatives) == 1:
		own = &l.Representatives[0]
	case len(l.Representatives) > 1:
		ambiguous = true
	}
	constituent := map[string]bool{}
	if own != nil && own.Member != nil {
		constituent[own.Member.BioguideID] = true
	}
	for _, s := range l.Senators {
		constituent[s.BioguideID] = true
	}
	isCandidate := func(bioguide string) bool {
		return slices.ContainsFunc(candidates, func(r app.Representative) bool { return r.Member.BioguideID == bioguide })
	}

	ordered := slices.Clone(rules)
	slices.SortStableFunc(ordered, func(a, b app.TargetRule) int { return cmp.Compare(a.Position, b.Position) })
	tb := targetBuilder{byKey: map[string]int{}}
	for _, rule := range ordered {
		switch rule.Kind {
		case app.RuleOwnRepresentative:
			switch {
			case ambiguous:
				res.NeedsChoice = true
			case own != nil && own.Member != nil:
				t := m.legislatorTarget(own.Member, app.TargetRepresentative)
				t.Reasons = []string{"your " + t.Title}
				tb.add(t)
			}
		case app.RuleOwnSenators:
			for i := range l.Senators {
				t := m.legislatorTarget(&l.Senators[i], app.TargetSenator)
				t.Reasons = []string{"your Senator"}
				tb.add(t)
			}
		case app.RuleCommittee:
			e, ok := m.ix.committees[strings.TrimSpace(rule.CommitteeCode)]
			if !ok {
				res.Warnings = append(res.Warnings, fmt.Sprintf("unknown committee or commission %q: rule skipped", rule.CommitteeCode))
				continue
			}
			for _, seat := range e.members {
				if rule.LeadershipOnly && !seat.Leadership() {
					continue
				}
				if rule.OnlyConstituents && !constituent[seat.BioguideID] {
					if ambiguous && isCandidate(seat.BioguideID) {
						res.NeedsChoice = true // it depends on which district is theirs
					}
					continue
				}
				leg, ok := m.ix.legislators[seat.BioguideID]
				if !ok {
					continue
				}
				t := m.legislatorTarget(leg, app.TargetCommittee)
				t.Roles = []app.TargetRole{{CommitteeCode: e.c.Code, CommitteeName: e.display, Title: seat.Title}}
				t.Reasons = []string{e.memberReason}
				if seat.Title != "" {
					t.Reasons[0] = seat.Title + ", " + e.display
				}
				tb.add(t)
			}
		case app.RuleExecutive:
			x, ok := m.ix.executives[strings.TrimSpace(rule.ExecutiveKey)]
			if !ok {
				res.Warnings = append(res.Warnings, fmt.Sprintf("unknown executive target %q: rule skipped", rule.ExecutiveKey))
				continue
			}
			tb.add(executiveTarget(x))
		default:
			res.Warnings = append(res.Warnings, fmt.Sprintf("unknown target rule %q: rule skipped", rule.Kind))
		}
	}
	if res.NeedsChoice {
		res.Candidates = candidates
	}
	res.Targets = tb.targets
	slices.SortStableFunc(res.Targets, func(a, b app.Target) int { return cmp.Compare(a.Kind.Rank(), b.Kind.Rank()) })
	return res, nil
}

// targetBuilder merges everyone matched more than once into one target, so
// nobody gets two letters from the same supporter.
type targetBuilder struct {
	targets []app.Target
	byKey   map[string]int
}

func (b *targetBuilder) add(t app.Target) {
	i, seen := b.byKey[t.Key]
	if !seen {
		b.byKey[t.Key] = len(b.targets)
		b.targets = append(b.targets, t)
		return
	}
	have := &b.targets[i]
	if t.Kind.Rank() < have.Kind.Rank() {
		have.Kind = t.Kind
	}
	for _, r := range t.Reasons {
		if !slices.Contains(have.Reasons, r) {
			have.Reasons = append(have.Reasons, r)
		}
	}
	for _, r := range t.Roles {
		if !slices.Contains(have.Roles, r) {
			have.Roles = append(have.Roles, r)
		}
	}
}

// memberReason says why an untitled seat made someone a target: "member of
// the Congressional-Executive Commission on China". Titled seats say
// "Ranking Member, House Select Committee on ...".
func memberReason(committee string) string {
	if strings.HasPrefix(committee, "The ") || strings.HasPrefix(committee, "the ") {
		return "member of the " + committee[4:]
	}
	return "member of the " + committee
}

// legislatorTarget returns a fresh Target for l from the one the index
// prepared, or builds it when l is not in the index (a lookup made before
// the roster changed).
func (m *Matcher) legislatorTarget(l *app.Legislator, kind app.TargetKind) app.Target {
	base, ok := m.ix.legTargets[l.BioguideID]
	if !ok {
		return legislatorTarget(l, kind)
	}
	t := *base
	t.Kind = kind
	t.AddressLines = slices.Clone(base.AddressLines)
	if base.District != nil {
		d := *base.District
		t.District = &d
	}
	return t
}

// legislatorTarget fills every Target field for a Member; Reasons and Roles
// are left to the rule.
func legislatorTarget(l *app.Legislator, kind app.TargetKind) app.Target {
	title := "Senator"
	var district *int
	class := l.Class
	if l.Chamber == app.House {
		title = houseTitle(l.State)
		d := l.District
		district = &d
		class = 0
	}
	last := greetingLastName(l)
	return app.Target{
		Key:          "leg:" + l.BioguideID,
		Kind:         kind,
		BioguideID:   l.BioguideID,
		Name:         l.DisplayName(),
		LastName:     last,
		Title:        title,
		Honorific:    "The Honorable",
		Greeting:     "Dear " + title + " " + last + ":",
		Chamber:      l.Chamber,
		Party:        l.Party,
		State:        l.State,
		District:     district,
		SenateClass:  class,
		AddressLines: capitolAddressLines(l.Address, l.Chamber),
		Email:        l.Email,
		Phone:        l.Phone,
		URL:          l.URL,
		ContactForm:  l.ContactForm,
	}
}

// greetingLastName is the surname a letter greets: the published last name,
// except when the Member uses only part of a compound one ("Hernández
// Rivera" → "Hernández", as in "Pablo José Hernández").
func greetingLastName(l *app.Legislator) string {
	last := strings.TrimSpace(l.LastName)
	full := l.DisplayName()
	if last == "" {
		return lastWord(full)
	}
	if strings.Contains(full, last) {
		return last
	}
	words := strings.Fields(last)
	for n := len(words) - 1; n >= 1; n-- {
		if c := strings.Join(words[:n], " "); strings.Contains(full, c) {
			return c
		}
	}
	return last
}

// lastWord returns the surname of a full name, skipping suffixes.
func lastWord(name string) string {
	words := strings.Fields(strings.ReplaceAll(name, ",", " "))
	for i := len(words) - 1; i >= 0; i-- {
		switch strings.ToLower(strings.TrimSuffix(words[i], ".")) {
		case "jr", "sr", "ii", "iii", "iv", "v", "phd", "md", "esq":
			continue
		}
		return words[i]
	}
	return strings.TrimSpace(name)
}

// capitolAddressLines splits a Member's DC address into postal lines, e.g.
// "2367 Rayburn House Office Building Washington DC 20515-1308" into
// ["2367 Rayburn House Office Building", "Washington, DC 20515-1308"]. With
// no published address, the chamber's general address still reaches them.
func capitolAddressLines(addr string, ch app.Chamber) []string {
	addr = strings.Join(strings.Fields(addr), " ")
	body, zip := "U.S. House of Representatives", "20515"
	if ch == app.Senate {
		body, zip = "United States Senate", "20510"
	}
	if addr == "" {
		return []string{body, "Washington, DC " + zip}
	}
	if i := strings.LastIndex(addr, " Washington"); i > 0 {
		street := strings.TrimRight(addr[:i], " ,")
		rest := strings.TrimLeft(addr[i+len(" Washington"):], " ,")
		for _, dc := range []string{"DC", "D.C."} {
			if z, ok := strings.CutPrefix(rest, dc); ok {
				if z = strings.TrimLeft(z, " ,"); isZip(z) && street != "" {
					return []string{street, "Washington, DC " + z}
				}
			}
		}
	}
	if strings.Contains(addr, "Washington") {
		return []string{addr}
	}
	return []string{addr, "Washington, DC " + zip}
}

// isZip reports whether s is "12345" or "12345-6789".
func isZip(s string) bool {
	return validZip5(s) || (len(s) == 10 && s[5] == '-' && validZip5(s[:5]) && allDigits(s[6:]))
}

// isStateZip reports whether s is a "DC 20528" line that belongs after a city.
func isStateZip(s string) bool {
	st, z, ok := strings.Cut(s, " ")
	st = strings.TrimSuffix(st, ".")
	return ok && len(st) == 2 && st[0] >= 'A' && st[0] <= 'Z' && st[1] >= 'A' && st[1] <= 'Z' && isZip(strings.TrimSpace(z))
}

// postalLines splits a one-line or multi-line postal address, rejoining
// "Washington" with "DC 20528" and dropping a first line that only repeats
// the addressee's title or name (the letter prints those already).
func postalLines(addr string, skip ...string) []string {
	var parts []string
	if strings.Contains(addr, "\n") {
		parts = strings.Split(addr, "\n")
	} else {
		parts = strings.Split(addr, ", ")
	}
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(p), ","))
		if p == "" {
			continue
		}
		if isStateZip(p) && len(out) > 0 && !strings.Contains(out[len(out)-1], ",") {
			out[len(out)-1] += ", " + p
			continue
		}
		out = append(out, p)
	}
	for len(out) > 0 && slices.ContainsFunc(skip, func(s string) bool { return s != "" && strings.EqualFold(s, out[0]) }) {
		out = out[1:]
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// executiveTarget fills every Target field for an executive-branch office.
func executiveTarget(x *app.ExecutiveTarget) app.Target {
	last := lastWord(x.Name)
	greeting := x.Greeting
	if greeting == "" {
		greeting = "Dear " + titleWord(x.Title) + " " + last + ":"
	}
	honorific := "The Honorable"
	if s := strings.TrimSpace(x.Salutation); s != "" && x.Name != "" && strings.HasSuffix(s, x.Name) {
		if h := strings.TrimSpace(strings.TrimSuffix(s, x.Name)); h != "" {
			honorific = h
		}
	}
	return app.Target{
		Key:          "exec:" + x.Key,
		Kind:         app.TargetExecutive,
		Name:         x.Name,
		LastName:     last,
		Title:        x.Title,
		Honorific:    honorific,
		Greeting:     greeting,
		AddressLines: postalLines(x.Address, x.Title, x.Name, x.Salutation),
		Email:        x.Email,
		Reasons:      []string{x.Title},
	}
}

// titleWord shortens an office title for a greeting: "Secretary of Homeland
// Security" → "Secretary", "Attorney General" stays whole.
func titleWord(title string) string {
	t := strings.TrimSpace(title)
	for _, sep := range []string{",", " of ", " for ", " to "} {
		if i := strings.Index(t, sep); i > 0 {
			t = t[:i]
		}
	}
	if t == "" {
		return "Secretary"
	}
	return t
}
