package app

// Target is one recipient matched for a supporter. It is computed, not
// stored; a Letter keeps a snapshot of it.
type Target struct {
	// Key is unique per person or office: "leg:K000391", "exec:DHS_SECRETARY".
	Key        string     `json:"key"`
	Kind       TargetKind `json:"kind"`
	BioguideID string     `json:"bioguide_id,omitempty"`
	Name       string     `json:"name"`      // "Raja Krishnamoorthi"
	LastName   string     `json:"last_name"` // for "Dear Representative Krishnamoorthi:"
	Title      string     `json:"title"`     // "Representative", "Senator", "Delegate", "Secretary of Homeland Security"
	Honorific  string     `json:"honorific"` // "The Honorable"
	Greeting   string     `json:"greeting"`  // "Dear Representative Krishnamoorthi:"
	Chamber    Chamber    `json:"chamber,omitempty"`
	Party      string     `json:"party,omitempty"`
	State      string     `json:"state,omitempty"`
	District   *int       `json:"district,omitempty"`
	// SenateClass is a senator's class (1, 2 or 3), which names the seat
	// in Senate CWC office codes (SNY01); 0 for everyone else.
	SenateClass int `json:"senate_class,omitempty"`
	// AddressLines is the postal block under the name, e.g.
	// ["2367 Rayburn House Office Building", "Washington, DC 20515-1308"].
	AddressLines []string     `json:"address_lines"`
	Email        string       `json:"email,omitempty"`
	Phone        string       `json:"phone,omitempty"`
	URL          string       `json:"url,omitempty"`
	ContactForm  string       `json:"contact_form,omitempty"`
	Roles        []TargetRole `json:"roles,omitempty"`
	// Reasons say why this target was chosen, e.g. "your Representative",
	// "Ranking Member, House Select Committee on the CCP".
	Reasons []string `json:"reasons"`
}

// TargetRole is a committee or commission seat that made someone a target.
type TargetRole struct {
	CommitteeCode string `json:"committee_code"`
	CommitteeName string `json:"committee_name"`
	Title         string `json:"title,omitempty"` // "Chairman", "Co-Chair", "" for a member
}

// Representative is a House member for a district, or a note that the seat is
// vacant.
type Representative struct {
	District DistrictKey
	Member   *Legislator // nil when the seat is vacant
}

// Lookup is the answer to "who represents this place?".
type Lookup struct {
	Zip string
	// Districts are the candidate districts. More than one means the ZIP is
	// split and the supporter must choose (or give a point).
	Districts []DistrictKey
	// Representatives, one per district; Member nil for a vacant seat.
	Representatives []Representative
	Senators        []Legislator
	// Method says how districts were found: "zip", "point", "geocoder", "state".
	Method string
	// Notes are plain-language remarks for the supporter ("ZIP 13261 is not a
	// residential ZIP; we used your state").
	Notes []string
}

// Ambiguous reports whether the supporter must choose a Representative.
func (l *Lookup) Ambiguous() bool { return len(l.Districts) > 1 }
