package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StatsFilter narrows the outreach totals of one campaign. Every field but
// CampaignID is optional.
//
// What each filter applies to:
//   - From, To and State narrow everything (supporters, letters, deliveries).
//   - Target narrows letters and deliveries; supporter counts (totals, map,
//     districts) stay those of every supporter, since a supporter writes to
//     several targets at once.
//   - Channel narrows deliveries only: every letter exists whatever the
//     channels it goes by.
type StatsFilter struct {
	CampaignID int64
	// From and To are calendar days (YYYY-MM-DD, inclusive) in the server's
	// time zone; "" leaves that end open.
	From, To string
	State    string  // two-letter code of the supporter's state
	Target   string  // target key, e.g. "leg:K000391"
	Channel  Channel // e.g. ChannelEmail
}

// Validate checks the filter's shape (not whether the target exists).
func (f StatsFilter) Validate() error {
	fe := FieldErrors{}
	for _, d := range []struct{ field, v string }{{"from", f.From}, {"to", f.To}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			fe.Add(d.field, "enter a date as YYYY-MM-DD")
		}
	}
	if f.From != "" && f.To != "" && f.From > f.To && len(fe) == 0 {
		fe.Add("to", "the end date is before the start date")
	}
	if f.State != "" && !ValidState(f.State) {
		fe.Add("state", "enter a two-letter state or territory code such as IL")
	}
	if f.Channel != "" && !slices.Contains(allChannels, f.Channel) {
		fe.Add("channel", "choose one of "+strings.Join(ChannelNames(), ", "))
	}
	if len(f.Target) > 100 {
		fe.Add("target", "target keys are at most 100 characters")
	}
	return fe.Err("Please check the filter.")
}

// ChannelNames lists every channel's name, in Channels order.
func ChannelNames() []string {
	out := make([]string, len(allChannels))
	for i, c := range allChannels {
		out[i] = string(c)
	}
	return out
}

// Stats are one campaign's outreach totals under a filter. Every number is
// exact: it is counted from rollups that move in the same transaction as the
// rows they count.
type Stats struct {
	Filter StatsFilter
	// Supporters made a submission; Confirmed is how many of them confirmed
	// it (equal to Supporters where double opt-in is off).
	Supporters int64
	Confirmed  int64
	Letters    int64
	// Deliveries counts deliveries by channel and status, in Channels and
	// DeliveryStatuses order, without zero rows.
	Deliveries []DeliveryCount
	ByTarget   []TargetTally   // most letters first
	ByState    []StateTally    // by state code
	ByDistrict []DistrictTally // by state, then district
	ByDay      []DayTally      // oldest first, one row per day with any activity
}

// DeliveryTotal sums the deliveries in status st over every channel.
func (s *Stats) DeliveryTotal(st DeliveryStatus) int64 {
	var n int64
	for _, d := range s.Deliveries {
		if d.Status == st {
			n += d.Count
		}
	}
	return n
}

// TargetTally counts the letters to one target.
type TargetTally struct {
	Key        string
	Kind       TargetKind
	BioguideID string
	Name       string
	Title      string
	Chamber    Chamber
	Party      string
	State      string
	District   *int
	Letters    int64
	Sent       int64 // deliveries sent (any channel, or the filtered one)
}

// StateTally counts by the supporter's state.
type StateTally struct {
	State      string
	Supporters int64
	Letters    int64
}

// DistrictTally counts supporters by the congressional district they were
// matched to. District -1 means none was found (a ZIP without a district,
// for instance); 0 is an at-large seat.
type DistrictTally struct {
	State      string
	District   int
	Supporters int64
	Confirmed  int64
}

// Label is "IL-7", "AK-AL" or "IL (no district)".
func (d DistrictTally) Label() string { return DistrictLabel(d.State, d.District) }

// DistrictLabel names a district the way offices do: "IL-7", "AK-AL".
func DistrictLabel(state string, district int) string {
	switch {
	case state == "":
		return "(unknown)"
	case district < 0:
		return state + " (no district)"
	case district == 0:
		return state + "-AL"
	}
	return state + "-" + strconv.Itoa(district)
}

// DayTally counts one calendar day's activity.
type DayTally struct {
	Day        string // YYYY-MM-DD
	Supporters int64
	Letters    int64
	Sent       int64 // of that day's letters, deliveries sent so far
}

// Channels lists every delivery channel in display order.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func Channels() []Channel { return slices.Clone(allChannels) }

var allChannels = []Channel{ChannelEmail, ChannelCWC, ChannelDownload, ChannelCopy}

// DeliveryStatuses lists every delivery status in display order.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func DeliveryStatuses() []DeliveryStatus { return slices.Clone(allDeliveryStatuses) }

var allDeliveryStatuses = []DeliveryStatus{StatusSent, StatusFiled, StatusDownloaded, StatusQueued,
	StatusSending, StatusFailed, StatusPending, StatusUnconfirmed, StatusExpired, StatusDead}

// StatsStore reads outreach totals.
type StatsStore interface {
	// OutreachStats counts one campaign's outreach under f, all in one
	// consistent snapshot. Target names are not filled in.
	OutreachStats(ctx context.Context, f StatsFilter) (*Stats, error)
	// CampaignTargets lists every target of a campaign with letters, with
	// its letters and sent deliveries (no names), for filter choices.
	CampaignTargets(ctx context.Context, campaignID int64) ([]TargetTally, error)
	// LatestRecipients returns the most recent recipient snapshot of each
	// target key of a campaign that has letters.
	LatestRecipients(ctx context.Context, campaignID int64, keys []string) (map[string]Target, error)
}

// CampaignTotals are one campaign's headline numbers for the staff
// overview.
type CampaignTotals struct {
	CampaignID int64
	Supporters int64
	Confirmed  int64
	Letters    int64
	Deliveries []DeliveryCount
}

// LetterRow is one line of the staff letters list and its CSV export: the
// letter, where it is going, and who wrote it (personal data only where the
// reader may see it; erased supporters have none).
type LetterRow struct {
	ID         int64
	CreatedAt  time.Time
	Day        string
	TargetKey  string
	Recipient  string // the recipient's name as written on the letter
	TargetKind TargetKind
	State      string // the supporter's state
	District   string // "IL-7", "" when none was found
	Supporter  string // full name
	Email      string
	Erased     bool
	Confirmed  bool
	Deliveries []DeliveryCount // Count is always 1: one row per channel
}

// LetterQuery selects letters for the list and its export: the filter's
// campaign, days, state, target and channel (a letter matches a channel
// when it has a delivery by it), in id order after AfterID.
type LetterQuery struct {
	Filter  StatsFilter
	AfterID int64
	Limit   int // 0: every matching letter (streamed)
}
