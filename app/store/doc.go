// Package store keeps Advocate's data in SQLite (the default, pure Go, one
// file next to the binary) or PostgreSQL (for several app instances behind a
// load balancer). It is the only package that imports gorm, so every SQL
// dialect detail, migration and performance trick lives here and the domain
// packages see only the interfaces they declare.
//
// The store is cut by aggregate: one exported type per kind of record, each
// over the same private engine (engine.go: the connections, the dialect,
// the clock). The dialect differences sit behind one interface
// (dialect.go), the SQLite write machinery in writer.go and checkpoint.go,
// and the outreach counts follow one rule (rollups.go). Files are named
// after the aggregate they serve.
//
// Times are stored in UTC with millisecond precision on both dialects so that
// values round-trip identically; on SQLite they are fixed-width text
// ("2006-01-02 15:04:05.000") that sorts in time order. Write times from Go
// (the Clock), never with SQL functions such as CURRENT_TIMESTAMP, so every
// row uses the same format.
//
// # Exported surface
//
// A test compares these lists with the methods; keep them true.
//
// DB, what Open returns; its fields are the aggregates below:
//   - Migrate: applies the migrations the database lacks
//   - SchemaVersion: the highest applied migration
//   - Dialect: "sqlite" or "postgres"
//   - Ping: checks that the database answers
//   - Close: writes the queued submissions, then closes the connections
//
// Submissions, what supporters send (app.SubmissionStore):
//   - CreateSubmission: stores a submission with its letters and deliveries (group commit)
//   - FindSubmissionByToken: loads one by its private link
//   - FindSubmissionByDedupKey: loads a campaign's one for an email address
//   - FindSubmissionByConfirmToken: loads one by its confirmation link
//   - ConfirmSubmission: records the confirmation and queues the office emails
//   - MarkDownloaded: moves the pending downloads to downloaded
//   - ResendCopy: queues the supporter's copy email again
//   - EraseUnconfirmedSubmission: erases one never confirmed, for a newer one
//   - EraseSubmission: erases one at the request of its link's holder
//
// Outbox, the deliveries on their way:
//   - ClaimDeliveries: leases due emails and copies to a worker
//   - ClaimDeliverySiblings: leases the rest of a submission's emails to one inbox
//   - ExtendLeases: extends a worker's leases
//   - FinishDelivery: records one attempt's outcome
//   - FinishDeliveries: records several outcomes in one transaction
//   - ReleaseLeases: returns the rows of a stopped worker to the queue
//   - ExpireUnconfirmed: expires the office emails nobody confirmed in time
//   - RetryDead: queues dead emails again
//   - FindSubmissionByLetter: loads the submission an email is about
//   - OutboxStats: counts deliveries by channel and status
//   - DeliveryCounts: OutboxStats in domain types
//   - OfficeTallies: counts a campaign's letters per office
//   - ListOfficeLetters: pages through a campaign's letters by office
//   - RecordCWCDelivery: records a letter's CWC outcome
//
// Accounts, the people who sign in:
//   - CreateUser: stores a user
//   - UpdateUser: saves a user's email, name, roles and status
//   - SetPasswordHash: replaces a user's password hash
//   - RecordLogin: stamps a sign-in
//   - FindUserByID: loads a user by id
//   - FindUserByEmail: loads a user by email
//   - ListUsers: lists users by email
//   - CreateSession: stores a signed-in browser
//   - FindSessionByHash: loads a session by its token's hash
//   - TouchSession: stamps a session's use
//   - DeleteSession: ends a session
//   - DeleteUserSessions: ends a user's sessions but one
//   - DeleteExpiredSessions: removes expired and idle sessions
//   - CreateAPIToken: stores an API token
//   - FindAPITokenByHash: loads a token by its hash
//   - FindAPIToken: loads a token by id
//   - ListAPITokens: lists tokens, newest first
//   - RevokeAPIToken: revokes a token
//   - TouchAPIToken: stamps a token's use
//   - RecordLoginFailure: counts a failed sign-in
//   - LoginThrottleState: a sign-in key's state
//   - ClearLoginFailures: forgets a key's failures
//   - DeleteStaleThrottles: removes keys neither locked nor failed lately
//   - CreateRoleGrant: asks for a role
//   - FindRoleGrant: loads a role request
//   - ListRoleGrants: lists role requests
//   - DecideRoleGrant: approves or refuses a role request
//
// Audit, the audit log:
//   - Record: stores an event
//   - ListAuditEvents: lists events, newest first
//
// Roster, the imported and the hand-kept roster:
//   - ReplaceRoster: swaps in a whole imported roster
//   - LoadRoster: reads the imported roster
//   - RosterInfo: describes the newest import
//   - ListLegislators: the sitting Members, for pickers
//   - KeptRoster: the hand-kept commissions and executive targets
//   - KeptRosterVersion: the hand-kept roster's version
//   - SaveKeptRoster: replaces the hand-kept roster
//   - SaveKeptRosterAddresses: SaveKeptRoster with its address changes
//   - ResetKeptRoster: drops the hand edits
//   - ApprovedAddresses: the current approved address of each subject
//   - ApprovedDestinations: every address letters to a subject may go to
//   - ListAddressChanges: lists address changes
//   - DecideAddressChange: approves or refuses an address change
//   - ClaimRosterRefresh: leases the daily refresh to one instance
//   - FinishRosterRefresh: records a refresh's end
//   - RosterRefreshStatus: the refresh lease's state
//
// Campaigns, campaigns and what belongs to them:
//   - CreateCampaign: stores a campaign
//   - UpdateCampaign: saves a campaign
//   - FindCampaignBySlug: loads a campaign by slug
//   - FindCampaignByID: loads a campaign by id
//   - ListCampaigns: lists campaigns
//   - ReplaceTargetRules: replaces a campaign's target rules
//   - ListTargetRules: a campaign's target rules
//   - SaveTemplateVersion: stores a new template version
//   - CurrentTemplates: the newest version of each kind
//   - ListTemplateVersions: every version of one kind
//   - FindTemplateVersion: loads a template version
//   - AddCaseUpdate: stores a case update
//   - DeleteCaseUpdate: removes a case update
//   - AddCampaignFlags: leaves notices for organizers
//   - OpenCampaignFlags: lists the notices nobody dismissed
//   - DismissCampaignFlag: dismisses a notice
//
// Stats, outreach numbers:
//   - OutreachStats: one campaign's dashboard
//   - CampaignTargets: a campaign's targets with letters
//   - LatestRecipients: the newest recipient snapshot of targets
//   - CampaignTotals: every campaign's headline numbers
//   - EachLetter: streams the letters list
//   - RebuildStats: recounts the rollups and reports the drift
//   - SubmissionCounts: confirmed submissions per campaign
//   - LetterCounts: confirmed letters per campaign
//
// Privacy, supporters' data on request:
//   - EraseSupporters: erases by email or retention period
//   - ExportSupporter: everything held for an email
//
// Limits, the counts behind the rate limits:
//   - AddLimitCounts: adds counts and returns the totals
//   - PruneLimitCounts: deletes ended windows
package store
