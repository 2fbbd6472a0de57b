// Package roster keeps the current roster in memory: it loads the stored
// roster at start, imports new ones (from a folder, the public sources or the
// embedded seed), and hands out the matcher built on it. Other instances
// sharing the database pick up an import through Refresh.
//
// # Where the roster lives
//
// "Roster" is spread over several packages, each holding one part, so that
// parsing, storing, indexing, hand-keeping and refreshing can each change
// alone:
//
//   - app (roster.go): the types (Legislator, Committee, Membership,
//     ExecutiveTarget, ZipDistrict, DistrictShape, Roster, RosterInfo) and
//     app.RosterStore, what this package needs from the database.
//   - app/congress: the readers of the published formats and the Fetcher
//     that downloads them. It turns a folder into an *app.Roster and knows
//     nothing of the database.
//   - app/match: Index, the roster indexed for lookups, and Matcher, from a
//     supporter's address to a campaign's targets.
//   - app/roster (here): the one current Index and Matcher of a process,
//     swapped whole on an import; imports, the embedded seed, and noticing
//     what other instances imported. submit, keptroster and web read it.
//   - app/keptroster: what no public source publishes (commission seats,
//     executive offices, their email addresses and the admins' approval of
//     new ones), edited by organizers and laid over every imported roster
//     (Overlay, which satisfies this package's Overlay). An edit calls
//     Service.Rebuild.
//   - app/rosterwatch: the scheduled download of the public data and the
//     flags that tell organizers what a refresh changed about whom their
//     campaigns write to.
//   - app/store: the tables, all behind store.Roster. ReplaceRoster,
//     LoadRoster and RosterInfo keep the imported roster (roster.go,
//     roster_shapes.go); KeptRoster and the address approvals the
//     hand-kept part (roster_kept.go, roster_approvals.go);
//     ClaimRosterRefresh the refresh (roster_refresh.go), and the campaign
//     flags it raises live with the campaigns (campaigns_flags.go).
//   - app/config (roster.go): ADVOCATE_ROSTER_REFRESH.
//   - app/web: organizer_rosters.go edits the kept lists, admin_approvals.go
//     decides their address changes, organizer_flags.go shows the flags;
//     every page shows Service.Notice when the roster is missing or the
//     sample.
//   - cmd/advocate: wires them (app.go) and runs `data import`,
//     `data fetch` and the first start's download.
//
// Dependencies point inward: congress and match import only app; this
// package imports them; rosterwatch imports this package; keptroster and
// submit reach it through interfaces of their own (RosterSource,
// MatcherSource).
//
// # An import
//
// `advocate data import --dir DIR`, `advocate data fetch` (congress.Fetcher
// first downloads into data/public) and the first start of serve call
// Service.ImportDir, which:
//
//  1. reads and checks the folder with congress.ImportDir (a malformed file
//     stops the import with its file:line:col, and nothing changes);
//  2. adds the seed's commissions and executive targets when the folder has
//     none, since no public source publishes them;
//  3. replaces the stored roster in one transaction (store ReplaceRoster),
//     which gives it a new version;
//  4. lays the kept lists over it (keptroster.Overlay.Apply), builds the
//     Index and Matcher, and swaps them in at once: the next submission
//     matches against the new roster, none sees half of it.
//
// Other instances sharing the database run Watch (every minute under
// serve): Refresh compares the stored version and the overlay's version
// with theirs and loads the roster again when either moved.
//
// # A refresh
//
// Under serve, rosterwatch.Watcher.Run looks every ten minutes whether a
// refresh is due (ADVOCATE_ROSTER_REFRESH, 24h by default):
//
//  1. one instance wins the lease for the interval (store
//     ClaimRosterRefresh);
//  2. it downloads the public data (congress.Fetcher, which replaces a local
//     file only once the new one parses);
//  3. Service.ReplaceFrom imports it as above, but first refuses a roster
//     much smaller than the one in use, and returns the Index before and
//     after;
//  4. rosterwatch.Changes compares the targets of every draft or open
//     campaign before and after; where they differ, a flag is stored and
//     audited, and organizers see it on the campaign (rosterwatch.Flags);
//  5. the outcome is recorded (store FinishRosterRefresh); a failure leaves
//     the roster in use and waits for the next interval. The other
//     instances pick the new roster up through Watch.
//
// Letters already made never change: each keeps its own snapshot of the
// recipient.
package roster
