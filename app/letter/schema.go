package letter

import (
	"slices"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
)

// Kind is the type of a merge field. Only two kinds exist so that the
// compiler can reject nonsense such as printing a yes/no field or comparing it
// to text.
type Kind string

// Merge field kinds.
const (
	KindString Kind = "string" // text; empty text is false in a condition
	KindBool   Kind = "bool"   // yes/no; usable only in conditions
)

// Field describes one merge field so the editor can list what an organizer may
// use and the compiler can reject everything else.
type Field struct {
	Path        string `json:"path"`
	Kind        Kind   `json:"kind"`
	Description string `json:"description"`
	Example     string `json:"example"`
}

// FactPrefix starts the path of every campaign fact field.
const FactPrefix = "campaign.facts."

// Slots of the fixed schema. Data keeps their values in an array indexed by
// these, so rendering needs no map lookups for ordinary fields.
const (
	slotSupFirstName = iota
	slotSupLastName
	slotSupFullName
	slotSupEmail
	slotSupAddress1
	slotSupAddress2
	slotSupCity
	slotSupState
	slotSupZip
	slotSupAddress
	slotSupCityStateZip
	slotRecName
	slotRecLastName
	slotRecTitle
	slotRecHonorific
	slotRecFullName
	slotRecGreeting
	slotRecKind
	slotRecChamber
	slotRecParty
	slotRecState
	slotRecDistrict
	slotRecDistrictLabel
	slotRecAddress
	slotRecRoles
	slotRecRole
	slotRecCommittee
	slotRecReason
	slotRecRolePhrase
	slotRecBodies
	slotRecSeveralBodies
	slotRecAlreadyActed
	slotRecAction
	slotRecActionSource
	slotRecIsRepresentative
	slotRecIsSenator
	slotRecIsCommittee
	slotRecIsExecutive
	slotRecIsConstituent
	slotCampTitle
	slotCampSlug
	slotCampAsk
	slotCampSummary
	slotPersonalMessage
	slotDate
	numSlots
)

// schema is the fixed part of the merge schema, in slot order (read-only).
var schema = [numSlots]Field{
	slotSupFirstName:    {"supporter.first_name", KindString, "Supporter's first name", "Maria"},
	slotSupLastName:     {"supporter.last_name", KindString, "Supporter's last name", "Lopez"},
	slotSupFullName:     {"supporter.full_name", KindString, "Supporter's first and last name", "Maria Lopez"},
	slotSupEmail:        {"supporter.email", KindString, "Supporter's email address", "maria@example.org"},
	slotSupAddress1:     {"supporter.address1", KindString, "Street address", "12 Elm Street"},
	slotSupAddress2:     {"supporter.address2", KindString, "Apartment, suite (often empty)", "Apt 3"},
	slotSupCity:         {"supporter.city", KindString, "City", "Albany"},
	slotSupState:        {"supporter.state", KindString, "State code", "NY"},
	slotSupZip:          {"supporter.zip", KindString, "5-digit ZIP code", "12203"},
	slotSupAddress:      {"supporter.address", KindString, "Whole address on one line", "12 Elm Street, Apt 3, Albany, NY 12203"},
	slotSupCityStateZip: {"supporter.city_state_zip", KindString, "City, state and ZIP on one line", "Albany, NY 12203"},

	slotRecName:             {"recipient.name", KindString, "Recipient's name", "Paul Tonko"},
	slotRecLastName:         {"recipient.last_name", KindString, "Recipient's last name", "Tonko"},
	slotRecTitle:            {"recipient.title", KindString, "Title: Representative, Senator, Delegate, Secretary of Homeland Security...", "Representative"},
	slotRecHonorific:        {"recipient.honorific", KindString, "Honorific for the address line", "The Honorable"},
	slotRecFullName:         {"recipient.full_name", KindString, "Honorific and name", "The Honorable Paul Tonko"},
	slotRecGreeting:         {"recipient.greeting", KindString, "Salutation line", "Dear Representative Tonko:"},
	slotRecKind:             {"recipient.kind", KindString, "Why the letter goes to them: representative, senator, committee or executive", "representative"},
	slotRecChamber:          {"recipient.chamber", KindString, "house, senate or empty", "house"},
	slotRecParty:            {"recipient.party", KindString, "Party", "Democrat"},
	slotRecState:            {"recipient.state", KindString, "State the recipient represents", "NY"},
	slotRecDistrict:         {"recipient.district", KindString, "District number, \"at-large\", or empty outside the House", "20"},
	slotRecDistrictLabel:    {"recipient.district_label", KindString, "State and district, empty outside the House", "NY-20"},
	slotRecAddress:          {"recipient.address", KindString, "Postal address block (several lines)", "2269 Rayburn House Office Building\nWashington, DC 20515"},
	slotRecRoles:            {"recipient.roles", KindString, "Committee and commission seats in words", "Co-Chair of the Tom Lantos Human Rights Commission"},
	slotRecRole:             {"recipient.role", KindString, "Title of the first seat (\"Member\" when untitled)", "Co-Chair"},
	slotRecCommittee:        {"recipient.committee", KindString, "Name of the first committee or commission", "Tom Lantos Human Rights Commission"},
	slotRecReason:           {"recipient.reason", KindString, "Why this recipient was chosen", "your Representative"},
	slotRecRolePhrase:       {"recipient.role_phrase", KindString, "\"your role as ...\" or \"your roles as ... and ...\" (empty without a seat)", "your role as Co-Chair of the Tom Lantos Human Rights Commission"},
	slotRecBodies:           {"recipient.bodies", KindString, "The committees and commissions they sit on, in words (\"the A and the B\")", "the Tom Lantos Human Rights Commission"},
	slotRecSeveralBodies:    {"recipient.serves_on_several", KindBool, "Sits on more than one of the campaign's committees or commissions (\"the bodies on which you serve\")", "false"},
	slotRecAlreadyActed:     {"recipient.already_acted", KindBool, "Is on the campaign's list of those who already acted: thank them rather than ask", "false"},
	slotRecAction:           {"recipient.action", KindString, "What they already did, from the campaign's list, worded to follow \"you have already\" (empty otherwise)", "written to the Secretary of Homeland Security on his behalf"},
	slotRecActionSource:     {"recipient.action_source", KindString, "Where their action is recorded, from the campaign's list", "Letter of September 2025"},
	slotRecIsRepresentative: {"recipient.is_representative", KindBool, "Sits in the House (Representative, Delegate, Resident Commissioner)", "true"},
	slotRecIsSenator:        {"recipient.is_senator", KindBool, "Sits in the Senate", "false"},
	slotRecIsCommittee:      {"recipient.is_committee", KindBool, "Holds a seat on a committee or commission the campaign targets", "false"},
	slotRecIsExecutive:      {"recipient.is_executive", KindBool, "Is an executive-branch official", "false"},
	slotRecIsConstituent:    {"recipient.is_constituent", KindBool, "Represents the supporter (their own Representative or Senator)", "true"},

	slotCampTitle:       {"campaign.title", KindString, "Campaign title", "Protect the people who document abuses in China"},
	slotCampSlug:        {"campaign.slug", KindString, "Campaign web address name", "protect-witnesses"},
	slotCampAsk:         {"campaign.ask", KindString, "The campaign's one-sentence request", "hold a public hearing on the case"},
	slotCampSummary:     {"campaign.summary", KindString, "Campaign summary", "A short summary of the campaign."},
	slotPersonalMessage: {"personal_message", KindString, "The supporter's own paragraph (often empty)", "I have followed this case closely."},
	slotDate:            {"date", KindString, "Date of the letter", "November 22, 2026"},
}

// slotByPath finds the slot of a fixed field (read-only).
var slotByPath = func() map[string]int {
	m := make(map[string]int, numSlots)
	for i, f := range schema {
		m[f.Path] = i
	}
	return m
}()

// Fields returns every merge field a template for campaign c may use: the
// fixed schema followed by one campaign.facts.<key> field per fact, sorted by
// key. The editor lists them and Compile accepts exactly them.
func Fields(c *app.Campaign) []Field {
	out := make([]Field, 0, numSlots+8)
	out = append(out, schema[:]...)
	if c == nil {
		return out
	}
	keys := make([]string, 0, len(c.Facts))
	for k := range c.Facts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, Field{
			Path:        FactPrefix + k,
			Kind:        KindString,
			Description: "Campaign fact \u201c" + k + "\u201d",
			Example:     clip(c.Facts[k], 120),
		})
	}
	return out
}

// clip shortens s to at most n characters, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "\u2026"
}
