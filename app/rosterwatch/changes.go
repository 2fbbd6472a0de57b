// Package rosterwatch keeps the public roster current by itself: serve
// refreshes it on a schedule (one instance per interval when several share
// a database), never replaces a good roster with a broken one, and tells
// each campaign's organizers in words what a refresh changed about whom the
// campaign writes to. Letters already made are never touched: they carry
// their own snapshot of the recipient.
package rosterwatch

import (
	"fmt"
	"slices"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// Changes lists, in words, how the targets of rules differ between the
// roster before a refresh (old) and after it (cur): Members who left, seats
// that fell vacant or were filled, committee and commission seats that
// changed hands or titles, executive offices that changed or went. Nil
// when nothing the rules reach changed.
func Changes(old, cur *match.Index, rules []app.TargetRule) []string {
	var out []string
	add := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, r := range rules {
		switch r.Kind {
		case app.RuleOwnRepresentative:
			houseChanges(old, cur, add)
		case app.RuleOwnSenators:
			senateChanges(old, cur, add)
		case app.RuleCommittee:
			committeeChanges(old, cur, r, add)
		case app.RuleExecutive:
			executiveChanges(old, cur, r.ExecutiveKey, add)
		}
	}
	return out
}

type adder func(format string, args ...any)

// houseChanges compares every House seat: a supporter's Representative
// changes when their seat's Member does.
func houseChanges(old, cur *match.Index, add adder) {
	seats := map[app.DistrictKey]*app.Legislator{}
	for _, s := range old.HouseSeats() {
		seats[s.District] = s.Member
	}
	for _, s := range cur.HouseSeats() {
		was, known := seats[s.District]
		delete(seats, s.District)
		switch {
		case !known:
			continue // a district new to the roster (redistricting): nobody lost
		case was == nil && s.Member != nil:
			add("%s has a Representative again: %s.", s.District, s.Member.DisplayName())
		case was != nil && s.Member == nil:
			add("%s (%s) is no longer in office: the seat is vacant.", was.DisplayName(), s.District)
		case was != nil && s.Member != nil && was.BioguideID != s.Member.BioguideID:
			add("%s replaces %s as the Representative for %s.", s.Member.DisplayName(), was.DisplayName(), s.District)
		}
	}
	for d, was := range seats {
		if was != nil {
			add("%s (%s) is no longer in the roster, nor the district.", was.DisplayName(), d)
		}
	}
}

// senateChanges compares each state's senators.
func senateChanges(old, cur *match.Index, add adder) {
	states := old.SenateStates()
	for _, s := range cur.SenateStates() {
		if !slices.Contains(states, s) {
			states = append(states, s)
		}
	}
	slices.Sort(states)
	for _, st := range states {
		before, after := old.Senators(st), cur.Senators(st)
		for _, l := range before {
			if !hasMember(after, l.BioguideID) {
				add("Senator %s (%s) is no longer in office.", l.DisplayName(), st)
			}
		}
		for _, l := range after {
			if !hasMember(before, l.BioguideID) {
				add("%s is now a Senator for %s.", l.DisplayName(), st)
			}
		}
	}
}

func hasMember(ls []app.Legislator, bioguide string) bool {
	return slices.ContainsFunc(ls, func(l app.Legislator) bool { return l.BioguideID == bioguide })
}

// committeeChanges compares the seats of the rule's committee or
// commission (only the titled ones for a leadership rule).
func committeeChanges(old, cur *match.Index, r app.TargetRule, add adder) {
	name := old.CommitteeName(r.CommitteeCode)
	if name == "" {
		name = cur.CommitteeName(r.CommitteeCode)
	}
	if name == "" {
		name = r.CommitteeCode
	}
	_, had := old.Committee(r.CommitteeCode)
	if _, has := cur.Committee(r.CommitteeCode); had && !has {
		add("The %s (%s) is no longer in the roster: this campaign's rule for it reaches no one.", name, r.CommitteeCode)
		return
	}
	seats := func(ix *match.Index) map[string]string { // bioguide -> title
		out := map[string]string{}
		for _, m := range ix.Members(r.CommitteeCode) {
			if !r.LeadershipOnly || m.Leadership() {
				out[m.BioguideID] = m.Title
			}
		}
		return out
	}
	before, after := seats(old), seats(cur)
	role := func(title string) string {
		if title == "" {
			return "member"
		}
		return title
	}
	for _, b := range sortedKeys(before) {
		title := before[b]
		who := memberName(old, b)
		newTitle, stays := after[b]
		switch {
		case !stays && !inRoster(cur, b):
			add("%s (%s, %s) is no longer in the roster.", who, role(title), name)
		case !stays:
			add("%s is no longer %s of the %s.", who, article(role(title)), name)
		case newTitle != title:
			add("%s is now %s of the %s (was %s).", who, article(role(newTitle)), name, role(title))
		}
	}
	for _, b := range sortedKeys(after) {
		if _, was := before[b]; !was {
			add("%s is now %s of the %s.", memberName(cur, b), article(role(after[b])), name)
		}
	}
}

func article(role string) string {
	if role == "member" {
		return "a member"
	}
	return role
}

func inRoster(ix *match.Index, bioguide string) bool {
	_, ok := ix.Legislator(bioguide)
	return ok
}

func memberName(ix *match.Index, bioguide string) string {
	if l, ok := ix.Legislator(bioguide); ok {
		return l.DisplayName()
	}
	return bioguide
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// executiveChanges compares one executive office.
func executiveChanges(old, cur *match.Index, key string, add adder) {
	was, had := old.Executive(key)
	is, has := cur.Executive(key)
	switch {
	case had && !has:
		add("The executive office %s (%s) is no longer in the roster.", was.Title, key)
	case had && was.Name != is.Name:
		add("%s is now %s (was %s).", is.Title, is.Name, was.Name)
	case had && was.Email != is.Email:
		add("%s's email address changed from %s to %s.", is.Title, orNone(was.Email), orNone(is.Email))
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
