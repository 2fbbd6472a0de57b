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
	Letters         []Letter
}

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
)

// Delivery is one attempt channel for a letter, with its progress. Email
// deliveries form the outbox.
type Delivery struct {
	ID            int64
	LetterID      int64
	Channel       Channel
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
