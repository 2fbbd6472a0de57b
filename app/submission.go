package app

import "time"

// Submission is one supporter's action on one campaign. There is at most one
// per supporter email and campaign; a repeat returns the first.
type Submission struct {
	ID         int64
	CampaignID int64
	Supporter  Supporter
	// Token is the unguessable capability in the submission's public URLs
	// (thank-you page, PDF download). Never a sequential id.
	Token string
	// DedupKey identifies supporter+campaign (hash of normalised email and
	// campaign id) so a repeat does not create duplicate letters.
	DedupKey        string
	PersonalMessage string
	District        *DistrictKey // the district used, when known
	CreatedAt       time.Time
	// ConfirmToken is the capability in the confirmation link emailed to the
	// supporter when the campaign asks for double opt-in; "" otherwise.
	ConfirmToken string
	// ConfirmedAt is when the supporter confirmed by email. Without double
	// opt-in it equals CreatedAt; nil means the letters do not count yet.
	ConfirmedAt *time.Time
	Letters     []Letter
}

// Confirmed reports whether the submission counts: confirmed by email, or
// made on a campaign without double opt-in.
func (s *Submission) Confirmed() bool { return s.ConfirmedAt != nil }

// Letter is one rendered letter from a submission to one target. It keeps a
// snapshot of the recipient and the exact text so that later roster imports
// or template edits never change what a supporter sent.
type Letter struct {
	ID                int64
	SubmissionID      int64
	CampaignID        int64
	Recipient         Target // snapshot
	TemplateVersionID int64
	Subject           string
	Body              string
	CreatedAt         time.Time
	Deliveries        []Delivery
}

// Channel is how a letter reaches its recipient.
type Channel string

// Channels.
const (
	ChannelDownload Channel = "download" // the supporter downloads/prints the PDF
	ChannelEmail    Channel = "email"    // emailed to the office
	ChannelCopy     Channel = "copy"     // emailed copy to the supporter
	ChannelCWC      Channel = "cwc"      // posted to the House's or the Senate's CWC system
)

// DeliveryStatus is where a delivery is.
type DeliveryStatus string

// Delivery statuses.
const (
	StatusPending    DeliveryStatus = "pending"    // waiting for the supporter (download) or confirmation
	StatusQueued     DeliveryStatus = "queued"     // in the outbox
	StatusSending    DeliveryStatus = "sending"    // claimed by a worker
	StatusSent       DeliveryStatus = "sent"       // accepted by the mail server
	StatusFailed     DeliveryStatus = "failed"     // last attempt failed; will retry
	StatusDead       DeliveryStatus = "dead"       // gave up
	StatusDownloaded DeliveryStatus = "downloaded" // the supporter downloaded the PDF
	// StatusUnconfirmed holds an office email until the supporter confirms
	// their address (double opt-in); NextAttemptAt is then the deadline.
	StatusUnconfirmed DeliveryStatus = "unconfirmed"
	StatusExpired     DeliveryStatus = "expired" // never confirmed in time; not sent
	// StatusFiled is an email written to the outbox folder because no mail
	// server is configured: not sent.
	StatusFiled DeliveryStatus = "filed"
)

// Delivery is one attempt channel for a letter, with its progress. Email
// deliveries form the outbox.
type Delivery struct {
	ID       int64
	LetterID int64
	Channel  Channel
	// To is the destination address of an email or copy delivery, taken
	// when the letter was made (the office's, the commission's or the
	// supporter's); "" for downloads.
	To            string
	Status        DeliveryStatus
	Attempts      int
	NextAttemptAt *time.Time
	LastError     string
	LeaseOwner    string
	LeaseUntil    *time.Time
	MessageID     string
	SentAt        *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// OfficeTally summarises one office's letters in a campaign, for the cover
// sheet of its packet.
type OfficeTally struct {
	TargetKey   string
	Letters     int
	First, Last time.Time // when the first and the last letter were made
}

// LetterPage asks for one page of a campaign's letters in office order
// (target key, then id), so that exports stream any number of letters.
type LetterPage struct {
	CampaignID int64
	Kinds      []TargetKind // none: every kind
	// AfterKey and AfterID are the last letter of the previous page (zero
	// values start at the beginning).
	AfterKey string
	AfterID  int64
	Limit    int // default 200, at most 1000
}

// DeliveryCount is how many deliveries of a channel are in a status, for the
// staff delivery page and `advocate outbox status`.
type DeliveryCount struct {
	Channel Channel
	Status  DeliveryStatus
	Count   int64
}
