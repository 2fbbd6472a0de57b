package app

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Chamber of Congress a legislator or committee belongs to.
type Chamber string

// Chambers as used throughout Advocate (congress-legislators says rep/sen).
const (
	House  Chamber = "house"
	Senate Chamber = "senate"
	Joint  Chamber = "joint"
)

// Legislator is a sitting Member of Congress as of the last roster import.
// District is meaningful only for the House; 0 means at-large, delegate or
// resident commissioner.
type Legislator struct {
	BioguideID   string
	FirstName    string
	MiddleName   string
	LastName     string
	Suffix       string
	Nickname     string
	OfficialName string // e.g. "Raja Krishnamoorthi"; falls back to first+last
	Chamber      Chamber
	State        string // USPS code
	District     int
	Party        string
	Caucus       string
	StateRank    string // senators: "senior" or "junior"
	Class        int    // senators: 1, 2 or 3
	TermStart    string // YYYY-MM-DD
	TermEnd      string // YYYY-MM-DD
	URL          string
	Address      string // DC office, one line as published
	Office       string // DC office building and room
	Phone        string
	ContactForm  string
	Email        string // rarely known; from a hand-kept source
}

// DisplayName is the name to put on a letter.
func (l Legislator) DisplayName() string {
	if l.OfficialName != "" {
		return l.OfficialName
	}
	n := l.FirstName
	if l.Nickname != "" {
		n = l.Nickname
	}
	if l.LastName != "" {
		n += " " + l.LastName
	}
	return n
}

// Voting reports whether the member has a floor vote (delegates and the
// resident commissioner do not).
func (l Legislator) Voting() bool {
	if l.Chamber != House {
		return true
	}
	return !IsTerritory(l.State) && l.State != "DC"
}

// DistrictOffice is a Member's office back home.
type DistrictOffice struct {
	ID         string // congress-legislators office id, e.g. "K000391-schaumburg"
	BioguideID string
	Address    string
	Suite      string
	Building   string
	City       string
	State      string
	Zip        string
	Phone      string
	Fax        string
	Hours      string
	Lat, Lon   float64
	HasPoint   bool // Lat/Lon were published and are plausible
}

// CommitteeKind tells committees imported from Congress data from commissions
// kept by hand (TLHRC, CECC), which have no closed roster upstream.
type CommitteeKind string

// Committee kinds.
const (
	KindCommittee  CommitteeKind = "committee"
	KindCommission CommitteeKind = "commission"
)

// Committee is a committee, subcommittee or commission. Code is the
// congress-legislators thomas id ("HSZS"), parent+sub for subcommittees
// ("HSJU01"), or the seed key for commissions ("TLHRC").
type Committee struct {
	Code       string
	ParentCode string
	Name       string
	Kind       CommitteeKind
	Chamber    Chamber
	URL        string
	Address    string
	Phone      string
	Email      string
}

// Membership is one seat on a committee.
type Membership struct {
	CommitteeCode string
	BioguideID    string
	Party         string // "majority" or "minority" where known
	Rank          int
	Title         string // "Chairman", "Ranking Member", "Co-Chair", ...
}

// Leadership reports whether the seat leads its body: a chair, co-chair,
// vice chair or ranking member. Other titles (a TLHRC "Executive
// Committee" seat, "Ex Officio") are seats, not leadership: a rule an
// organizer chose as "leaders" reaches only the leaders it says.
func (m Membership) Leadership() bool {
	t := strings.ToLower(m.Title)
	return strings.Contains(t, "chair") || strings.Contains(t, "ranking")
}

// ExecutiveTarget is an executive-branch office a campaign may write to.
type ExecutiveTarget struct {
	Key           string // e.g. "DHS_SECRETARY"
	Title         string // "Secretary of Homeland Security"
	Name          string // "Markwayne Mullin"
	Salutation    string // "The Honorable Markwayne Mullin" (address line)
	Greeting      string // "Dear Secretary Mullin:"; derived when empty
	Address       string // postal address, lines separated by ", " or "\n"
	Email         string
	InOfficeSince string
}

// ZipDistrict maps a ZIP (ZCTA) to one congressional district. A ZIP may have
// several rows, even in two states.
type ZipDistrict struct {
	Zip      string
	State    string
	District int
}

// DistrictKey identifies a congressional district. District 0 is at-large,
// a delegate or the resident commissioner.
type DistrictKey struct {
	State    string `json:"state"`
	District int    `json:"district"`
}

func (d DistrictKey) String() string {
	if d.District == 0 {
		return d.State + "-AL"
	}
	return fmt.Sprintf("%s-%d", d.State, d.District)
}

// Point is a longitude/latitude pair in degrees (WGS84 / NAD83).
type Point struct {
	Lon, Lat float64
}

// Valid reports whether p is a plausible coordinate.
func (p Point) Valid() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180 && !(p.Lat == 0 && p.Lon == 0)
}

// Ring is a closed polygon ring; the first point may or may not repeat at the end.
type Ring []Point

// Polygon is an outer ring followed by its holes.
type Polygon []Ring

// DistrictShape is the boundary of one district (one or more polygons).
type DistrictShape struct {
	District DistrictKey
	GEOID    string
	Polygons []Polygon
}

// Roster is everything a roster import replaces at once. The store keeps it
// and the matcher indexes it in memory.
type Roster struct {
	Legislators []Legislator
	Offices     []DistrictOffice
	Committees  []Committee
	Memberships []Membership
	Executives  []ExecutiveTarget
	Zips        []ZipDistrict
	Shapes      []DistrictShape
}

// RosterInfo describes the stored roster.
type RosterInfo struct {
	Version     int64 // increases with every import; 0 when none
	ImportedAt  time.Time
	Source      string // folder, URL set or "seed"
	Legislators int
	Committees  int
	Memberships int
	Offices     int
	Zips        int
	Shapes      int
	Executives  int
}

// Empty reports whether no roster has been imported.
func (i RosterInfo) Empty() bool { return i.Version == 0 || i.Legislators == 0 }

var territories = map[string]bool{"PR": true, "GU": true, "VI": true, "AS": true, "MP": true}

// IsTerritory reports whether state is a U.S. territory (no senators; one
// non-voting House member).
func IsTerritory(state string) bool { return territories[state] }

// HasSenators reports whether state elects senators (not DC, not territories).
func HasSenators(state string) bool { return !IsTerritory(state) && state != "DC" && state != "" }

// States lists the USPS codes Advocate accepts for a supporter address:
// the 50 states, DC and the five inhabited territories, plus the military
// "states" AA, AE and AP.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func States() []string { return slices.Clone(allStates) }

var allStates = []string{
	"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
	"KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
	"NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
	"WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP", "AA", "AE", "AP",
}

var stateSet = func() map[string]bool {
	m := make(map[string]bool, len(allStates))
	for _, s := range allStates {
		m[s] = true
	}
	return m
}()

// ValidState reports whether s is one of States.
func ValidState(s string) bool { return stateSet[s] }
