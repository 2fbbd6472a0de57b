package packets

import (
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

// The cover's words about the ask come from the campaign: its ask while it
// runs, and its outcome once it closed with one, so a packet printed after
// the case was won does not ask an office to do what already happened.
func TestCoverAskFollowsTheCampaign(t *testing.T) {
	feb4 := time.Date(2026, 2, 4, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		c    app.Campaign
		want string
	}{
		{"open", app.Campaign{Ask: "Hold a public hearing on the case."}, "The writers ask you to hold a public hearing on the case.\n\n"},
		{"no ask", app.Campaign{}, ""},
		{"won", app.Campaign{Ask: "Release Guan Heng from ICE detention.", Outcome: "Won: asylum granted on January 28, 2026.", OutcomeOn: &feb4},
			"The writers asked you to release Guan Heng from ICE detention. The campaign has since closed (February 4, 2026): " +
				"Won: asylum granted on January 28, 2026.\n\n"},
		{"outcome only", app.Campaign{Outcome: "Lost"}, "The campaign has since closed: Lost.\n\n"},
	} {
		if got := coverAsk(&tc.c); got != tc.want {
			t.Errorf("%s: %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
