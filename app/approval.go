package app

import (
	"strings"
	"time"
)

// A change of the address that letters to an office are emailed to could
// send supporters' letters (names, home addresses, own words) to any inbox
// the person making it chooses. So an organizer's change of a delivery
// address only takes effect once an admin other than that organizer
// approves it; until then letters keep going to the address approved
// before (or, for an office with none, are only downloaded and printed).

// ApprovalStatus is where an AddressChange stands.
type ApprovalStatus string

// Approval statuses.
const (
	ApprovalPending ApprovalStatus = "pending" // waiting for an admin
	// ApprovalApproved: the new address now receives letters.
	ApprovalApproved ApprovalStatus = "approved"
	// ApprovalRefused: the old address stays; the roster shows it again.
	ApprovalRefused ApprovalStatus = "refused"
	// ApprovalWithdrawn: overtaken before a decision (the organizer changed
	// the address again, removed the office or discarded the hand edits).
	ApprovalWithdrawn ApprovalStatus = "withdrawn"
)

// Delivery-address subjects name what an address belongs to, in the same
// form as the audit log's subjects.
const (
	SubjectExecutive  = "executive:"  // + ExecutiveTarget.Key
	SubjectCommission = "commission:" // + Committee.Code
	SubjectLegislator = "legislator:" // + BioguideID (imported only)
)

// AddressChange is an organizer's request to send an office's letters to
// a new email address, and the admin's decision on it.
type AddressChange struct {
	ID int64
	// Subject is "executive:DHS_SECRETARY" or "commission:TLHRC".
	Subject string
	// Label names the office or commission for people ("Secretary of
	// Homeland Security").
	Label string
	// OldEmail is the approved address when the change was asked for (""
	// when letters to the office were not emailed); NewEmail the one asked
	// for.
	OldEmail, NewEmail string
	Status             ApprovalStatus
	ProposedBy         string // who asked (Actor.Label)
	ProposedByID       int64  // their user id (0: command line)
	ProposedAt         time.Time
	DecidedBy          string
	DecidedByID        int64
	DecidedAt          *time.Time
}

// AddressChangeFilter narrows ListAddressChanges. Zero values mean "any".
type AddressChangeFilter struct {
	Status  ApprovalStatus
	Subject string
	Limit   int // default 100
}

// AddressUpdate is what one save of the hand-kept roster does to delivery
// addresses, written in the same transaction as the roster itself.
type AddressUpdate struct {
	// Trust records addresses as approved without asking: those copied
	// from the imported roster (which the operator loaded, not a web user)
	// when organizers first take the lists over. Subject → email.
	Trust map[string]string
	// Propose asks an admin to approve new addresses; each replaces a
	// pending change of the same subject (withdrawn).
	Propose []AddressChange
	// Withdraw ends the pending change of these subjects without a
	// decision (the organizer went back to the approved address).
	Withdraw []string
	// Drop stops sending to these subjects at all: the organizer cleared
	// the address or removed the office. Their pending changes are
	// withdrawn. Clearing needs no approval, since no mail goes anywhere
	// new.
	Drop []string
}

// Empty reports whether u changes nothing.
func (u AddressUpdate) Empty() bool {
	return len(u.Trust) == 0 && len(u.Propose) == 0 && len(u.Withdraw) == 0 && len(u.Drop) == 0
}

// SubjectsOf lists the delivery-address subjects a letter's recipient can
// be emailed under: its executive office, the commissions and committees
// that made it a target, and a Member's own (imported) address.
func SubjectsOf(t Target) []string {
	var out []string
	if k, ok := strings.CutPrefix(t.Key, "exec:"); ok {
		out = append(out, SubjectExecutive+k)
	}
	for _, r := range t.Roles {
		if r.CommitteeCode != "" {
			out = append(out, SubjectCommission+r.CommitteeCode)
		}
	}
	if t.BioguideID != "" {
		out = append(out, SubjectLegislator+t.BioguideID)
	}
	return out
}
