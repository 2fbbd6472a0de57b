// Package views combines the store's aggregates for the consumers that read
// several of them through one interface they declare (stats.Store,
// outbox.Store, packets.Store, cwc.Store, rosterwatch.Store,
// web.DeliveryReports). The composition root and the consumers' tests build
// them the same way, here; store_test checks that each satisfies its
// consumers' interfaces.
package views

import "github.com/advocate-org/advocate/app/store"

// StatsReads is what the outreach statistics read.
type StatsReads struct {
	*store.Stats
	*store.Campaigns
}

// Stats returns db's StatsReads.
func Stats(db *store.DB) StatsReads { return StatsReads{db.Stats, db.Campaigns} }

// OfficeReads is what print packets, the CWC export and the staff delivery
// page read: the office letters and their campaigns.
type OfficeReads struct {
	*store.Outbox
	*store.Campaigns
}

// Office returns db's OfficeReads.
func Office(db *store.DB) OfficeReads { return OfficeReads{db.Outbox, db.Campaigns} }

// OutboxStore is what the outbox reads and writes: the deliveries, their
// campaigns and the approved destination addresses.
type OutboxStore struct {
	*store.Outbox
	*store.Campaigns
	*store.Roster
}

// Outbox returns db's OutboxStore.
func Outbox(db *store.DB) OutboxStore { return OutboxStore{db.Outbox, db.Campaigns, db.Roster} }

// RefreshStore is what the roster refresh reads and writes: its lease, and
// the campaigns it leaves notices on.
type RefreshStore struct {
	*store.Roster
	*store.Campaigns
}

// Refresh returns db's RefreshStore.
func Refresh(db *store.DB) RefreshStore { return RefreshStore{db.Roster, db.Campaigns} }
