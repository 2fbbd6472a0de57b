package app

import "time"

// CampaignFlag tells a campaign's organizers that a roster refresh changed
// whom the campaign writes to: a Member left, a seat fell vacant, a chair or
// ranking member changed, a commission member is no longer in the roster.
// Letters already made keep their recipients; the flag is for the people
// who decide whether the campaign's targets or letters need a change. It
// stays on the organizer's pages until someone dismisses it.
type CampaignFlag struct {
	ID            int64
	CampaignID    int64
	RosterVersion int64    // the roster the refresh imported
	Changes       []string // in words, one change each
	CreatedAt     time.Time
	DismissedAt   *time.Time
	DismissedBy   string
}
