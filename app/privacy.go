package app

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Supporters of a campaign may themselves be at risk, so what Advocate
// keeps about them can be exported for them and erased, on request or when
// the campaign's retention period ends. Erasure blanks the personal data and
// the letter text but keeps every row, so letter and delivery totals stay
// exact.

// ErasedReason is the last error of a delivery stopped because its
// supporter's data was erased before it went out.
const ErasedReason = "supporter data erased before sending"

// EraseFilter picks the supporters EraseSupporters erases. Email and
// Retention may be combined (a supporter must match both); at least one is
// required, so that no filter ever means "everyone".
type EraseFilter struct {
	// Email picks every supporter who wrote with this address, compared
	// after NormalizeEmail (case and surrounding space do not matter).
	Email string
	// Retention picks supporters whose submission is older than its
	// campaign's RetentionDays at Now. Campaigns that keep data until it
	// is erased by hand (RetentionDays 0) are never picked.
	Retention bool
	// Now is the time of the erasure (and of the retention cut-off); zero
	// means the store's clock.
	Now time.Time
	// Limit caps how many supporters one call erases (0: all), so that a
	// large purge runs as several short transactions.
	Limit int
	// DryRun counts what would be erased and changes nothing.
	DryRun bool
}

// Erasure is what EraseSupporters erased (or, in a dry run, would erase),
// campaign by campaign.
type Erasure struct {
	DryRun    bool              `json:"dry_run"`
	Campaigns []CampaignErasure `json:"campaigns"`
}

// CampaignErasure counts one campaign's share of an erasure.
type CampaignErasure struct {
	CampaignID    int64  `json:"campaign_id"`
	Slug          string `json:"slug"`
	Title         string `json:"title"`
	RetentionDays int    `json:"retention_days"`
	Supporters    int    `json:"supporters"`
	Letters       int    `json:"letters"`
	// Stopped counts deliveries that had not gone out and never will.
	Stopped int `json:"deliveries_stopped"`
}

// Supporters is how many supporter records the erasure covers.
func (e Erasure) Supporters() int {
	n := 0
	for _, c := range e.Campaigns {
		n += c.Supporters
	}
	return n
}

// Letters is how many letters lost their text in the erasure.
func (e Erasure) Letters() int {
	n := 0
	for _, c := range e.Campaigns {
		n += c.Letters
	}
	return n
}

// Add merges o's counts into e, campaign by campaign.
func (e *Erasure) Add(o Erasure) {
	for _, c := range o.Campaigns {
		found := false
		for i := range e.Campaigns {
			if e.Campaigns[i].CampaignID == c.CampaignID {
				e.Campaigns[i].Supporters += c.Supporters
				e.Campaigns[i].Letters += c.Letters
				e.Campaigns[i].Stopped += c.Stopped
				found = true
				break
			}
		}
		if !found {
			e.Campaigns = append(e.Campaigns, c)
		}
	}
}

// SupporterExport is every record Advocate holds for one email address: what
// a supporter receives when they ask for their data, and what staff see
// before erasing it.
type SupporterExport struct {
	Email      string            `json:"email"`
	ExportedAt time.Time         `json:"exported_at"`
	Records    []SupporterRecord `json:"records"`
}

// Letters counts the letters in the export.
func (x *SupporterExport) Letters() int {
	n := 0
	for _, r := range x.Records {
		if r.Submission != nil {
			n += len(r.Submission.Letters)
		}
	}
	return n
}

// SupporterRecord is one supporter row (one per submission) and what was
// made from it.
type SupporterRecord struct {
	Supporter  SupporterData     `json:"supporter"`
	Submission *SubmissionRecord `json:"submission,omitempty"`
}

// SupporterData is the personal data on a supporter row.
type SupporterData struct {
	ID        int64     `json:"id"`
	Prefix    string    `json:"prefix,omitempty"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Email     string    `json:"email"`
	Address1  string    `json:"address1"`
	Address2  string    `json:"address2,omitempty"`
	City      string    `json:"city"`
	State     string    `json:"state"`
	Zip       string    `json:"zip"`
	Lat       *float64  `json:"lat,omitempty"`
	Lon       *float64  `json:"lon,omitempty"`
	ContactOK bool      `json:"contact_ok"`
	CreatedAt time.Time `json:"created_at"`
}

// SubmissionRecord is a supporter's action on one campaign.
type SubmissionRecord struct {
	CampaignSlug    string         `json:"campaign_slug"`
	CampaignTitle   string         `json:"campaign_title"`
	RetentionDays   int            `json:"retention_days"`
	CreatedAt       time.Time      `json:"created_at"`
	ConfirmedAt     *time.Time     `json:"confirmed_at"`
	PersonalMessage string         `json:"personal_message"`
	District        string         `json:"district,omitempty"`
	Letters         []LetterRecord `json:"letters"`
}

// LetterRecord is one letter as it was made, with how it travelled.
type LetterRecord struct {
	Recipient      string           `json:"recipient"`
	RecipientTitle string           `json:"recipient_title,omitempty"`
	Subject        string           `json:"subject"`
	Body           string           `json:"body"`
	CreatedAt      time.Time        `json:"created_at"`
	Deliveries     []DeliveryRecord `json:"deliveries"`
}

// DeliveryRecord is one channel of a letter and where it is.
type DeliveryRecord struct {
	Channel Channel        `json:"channel"`
	Status  DeliveryStatus `json:"status"`
	SentAt  *time.Time     `json:"sent_at"`
}

// MaskEmail hides most of an address while keeping it recognisable to
// someone who already knows it: "jane.doe@example.org" -> "j***@e***.org".
// Lists that staff without the supporter-data role see, and the audit log,
// use it instead of the address.
func MaskEmail(email string) string {
	email = strings.TrimSpace(email)
	if email == "" {
		return ""
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return firstRune(email) + "***"
	}
	local, domain := email[:at], email[at+1:]
	masked := firstRune(local) + "***@"
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 {
		return masked + firstRune(domain) + "***"
	}
	return masked + firstRune(domain) + "***" + domain[dot:]
}

// firstRune is the first character of s ("" for "").
func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}
