package app

import (
	"context"
	"time"
)

// RosterStore keeps the imported roster. An import replaces it wholesale in
// one transaction; letters already made keep their own recipient snapshots.
type RosterStore interface {
	ReplaceRoster(ctx context.Context, r *Roster, source string) (RosterInfo, error)
	LoadRoster(ctx context.Context) (*Roster, RosterInfo, error)
	RosterInfo(ctx context.Context) (RosterInfo, error)
}

// CampaignFilter narrows ListCampaigns. Zero values mean "any".
type CampaignFilter struct {
	Status CampaignStatus
	Limit  int
}

// CampaignStore keeps campaigns, their target rules and template versions.
type CampaignStore interface {
	CreateCampaign(ctx context.Context, c *Campaign) error // sets ID and timestamps; ECONFLICT on a taken slug
	UpdateCampaign(ctx context.Context, c *Campaign) error
	FindCampaignBySlug(ctx context.Context, slug string) (*Campaign, error) // ENOTFOUND
	FindCampaignByID(ctx context.Context, id int64) (*Campaign, error)
	ListCampaigns(ctx context.Context, f CampaignFilter) ([]Campaign, error)

	ReplaceTargetRules(ctx context.Context, campaignID int64, rules []TargetRule) error
	ListTargetRules(ctx context.Context, campaignID int64) ([]TargetRule, error)

	// SaveTemplateVersion stores tv as the next version for its campaign and
	// kind (sets ID, Version and CreatedAt). Versions are never changed.
	SaveTemplateVersion(ctx context.Context, tv *TemplateVersion) error
	// CurrentTemplates returns the newest version per kind.
	CurrentTemplates(ctx context.Context, campaignID int64) (map[TargetKind]TemplateVersion, error)
	ListTemplateVersions(ctx context.Context, campaignID int64, kind TargetKind) ([]TemplateVersion, error)
	FindTemplateVersion(ctx context.Context, id int64) (*TemplateVersion, error)

	// AddCaseUpdate stores u (sets ID and CreatedAt); DeleteCaseUpdate
	// removes one of a campaign's updates (ENOTFOUND). A campaign loaded
	// by slug or id carries its updates, newest first.
	AddCaseUpdate(ctx context.Context, u *CaseUpdate) error
	DeleteCaseUpdate(ctx context.Context, campaignID, id int64) error
}

// SubmissionStore keeps what supporters send.
type SubmissionStore interface {
	// CreateSubmission stores the supporter, the submission, its letters and
	// their deliveries atomically and fills in their IDs. When a submission
	// with the same CampaignID and DedupKey exists it stores nothing, loads
	// the existing one into s and returns created=false.
	CreateSubmission(ctx context.Context, s *Submission) (created bool, err error)
	// FindSubmissionByToken loads a submission with its letters and deliveries.
	FindSubmissionByToken(ctx context.Context, token string) (*Submission, error)
	// MarkDownloaded moves the submission's pending download deliveries to
	// downloaded.
	MarkDownloaded(ctx context.Context, submissionID int64, at time.Time) error
	// FindSubmissionByDedupKey loads the submission a campaign holds for a
	// dedup key, or ENOTFOUND.
	FindSubmissionByDedupKey(ctx context.Context, campaignID int64, key string) (*Submission, error)
	// ResendCopy queues the supporter's copy email (their private link)
	// again unless it is waiting already or was handled less than minGap
	// ago; it reports whether it queued.
	ResendCopy(ctx context.Context, submissionID int64, now time.Time, minGap time.Duration) (bool, error)
	// EraseUnconfirmedSubmission erases a submission that was never
	// confirmed, so that a newer one from the same address can take its
	// place; false when it was confirmed or erased meanwhile.
	EraseUnconfirmedSubmission(ctx context.Context, submissionID int64, at time.Time) (bool, error)
	// EraseSubmission erases one submission's supporter; false when it
	// was erased already.
	EraseSubmission(ctx context.Context, submissionID int64, at time.Time) (bool, error)
}

// Clock is the time source; tests pass a fixed one.
type Clock func() time.Time

// LimitCount is a count of events under one key (a client network, a
// mailbox) in the fixed window from WindowStart to WindowEnd (Unix
// seconds).
type LimitCount struct {
	Key         string
	WindowStart int64
	WindowEnd   int64
	N           int64
}

// LimitCounts keeps the counts behind rate limits where every instance
// sees them and a restart does not reset them.
type LimitCounts interface {
	// AddLimitCounts adds each count and returns the totals afterwards.
	AddLimitCounts(ctx context.Context, adds []LimitCount) ([]int64, error)
	// PruneLimitCounts deletes windows that ended before a Unix second.
	PruneLimitCounts(ctx context.Context, before int64) (int64, error)
}
