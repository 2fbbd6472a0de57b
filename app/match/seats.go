package match

import (
	"cmp"
	"slices"

	"github.com/advocate-org/advocate/app"
)

// HouseSeats returns every House seat the roster knows with its Member
// (nil when vacant), in state and district order, so that two rosters can
// be compared seat by seat.
func (ix *Index) HouseSeats() []app.Representative {
	out := make([]app.Representative, 0, len(ix.reps))
	for d := range ix.reps {
		rep, _ := ix.Representative(d)
		out = append(out, rep)
	}
	slices.SortFunc(out, func(a, b app.Representative) int {
		return cmp.Or(cmp.Compare(a.District.State, b.District.State), cmp.Compare(a.District.District, b.District.District))
	})
	return out
}

// SenateStates returns the states that have senators in the roster, sorted.
func (ix *Index) SenateStates() []string {
	out := make([]string, 0, len(ix.senators))
	for s := range ix.senators {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
