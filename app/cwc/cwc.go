// Package cwc exports letters to House and Senate offices in the
// Communicating with Congress (CWC) 2.0 XML format, the channel offices take
// constituent mail through, and optionally posts them to the House's or the
// Senate's CWC endpoint.
//
// The two chambers take the same message; they differ in where it goes and
// how the office is named. The House (cwc.house.gov) takes POST /v2/message
// and names a seat "H" + state + district (HNY20, at-large HAK00); the
// Senate's CWC (SOAPBox, soapbox.senate.gov/api) takes POST /messages/ (in
// its test environment /testing-messages/), with its own API key and
// registration of the delivery agent, and names a seat "S" + state + the
// senator's class as two digits (SCA03 is California's class 3 seat).
//
// Messages are built with encoding/xml from structs whose field order is the
// schema's element order, and checked before they are written: CWC rejects
// a message with a missing or malformed element, and an office reads the
// raw XML, so each element goes on its own line. Only letters to a
// supporter's own Representative and Senators are exported (CWC accepts
// constituent mail only), from confirmed supporters. The message carries
// the whole letter the supporter previewed and signed.
package cwc

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
)

// Version is the CWC schema version written in every message.
const Version = "2.0"

// Message is one CWC message. Field order is element order.
type Message struct {
	XMLName     xml.Name    `xml:"CWC"`
	Version     string      `xml:"CWCVersion"`
	Delivery    Delivery    `xml:"Delivery"`
	Recipient   Recipient   `xml:"Recipient"`
	Constituent Constituent `xml:"Constituent"`
	Message     Body        `xml:"Message"`
}

// Delivery identifies the message and who delivers it.
type Delivery struct {
	ID                  string               `xml:"DeliveryId"`   // 32 letters and digits
	Date                string               `xml:"DeliveryDate"` // YYYYMMDD
	Agent               string               `xml:"DeliveryAgent"`
	AgentAckEmail       string               `xml:"DeliveryAgentAckEmailAddress"`
	AgentContact        AgentContact         `xml:"DeliveryAgentContact"`
	Organization        string               `xml:"Organization,omitempty"`
	OrganizationContact *OrganizationContact `xml:"OrganizationContact,omitempty"`
	OrganizationAbout   string               `xml:"OrganizationAbout,omitempty"`
	CampaignID          string               `xml:"CampaignId"`
}

// AgentContact is the delivery agent's contact person.
type AgentContact struct {
	Name  string `xml:"DeliveryAgentContactName"`
	Email string `xml:"DeliveryAgentContactEmail"`
	Phone string `xml:"DeliveryAgentContactPhone"`
}

// OrganizationContact is the campaign organization's contact person.
type OrganizationContact struct {
	Name  string `xml:"OrganizationContactName"`
	Email string `xml:"OrganizationContactEmail"`
	Phone string `xml:"OrganizationContactPhone"`
}

// Recipient is the office.
type Recipient struct {
	MemberOffice        string `xml:"MemberOffice"` // "HIL08", at-large "HAK00", senator "SCA03"
	IsResponseRequested string `xml:"IsResponseRequested,omitempty"`
	NewsletterOptIn     string `xml:"NewsletterOptIn,omitempty"`
}

// Constituent is the writer.
type Constituent struct {
	Prefix            string `xml:"Prefix"`
	FirstName         string `xml:"FirstName"`
	MiddleName        string `xml:"MiddleName,omitempty"`
	LastName          string `xml:"LastName"`
	Suffix            string `xml:"Suffix,omitempty"`
	Title             string `xml:"Title,omitempty"`
	Organization      string `xml:"ConstituentOrganization,omitempty"`
	Address1          string `xml:"Address1"`
	Address2          string `xml:"Address2,omitempty"`
	Address3          string `xml:"Address3,omitempty"`
	City              string `xml:"City"`
	StateAbbreviation string `xml:"StateAbbreviation"`
	Zip               string `xml:"Zip"`
	Phone             string `xml:"Phone,omitempty"`
	AddressValidation string `xml:"AddressValidation,omitempty"`
	Email             string `xml:"Email"`
	EmailValidation   string `xml:"EmailValidation,omitempty"`
}

// Body is the message itself.
type Body struct {
	Subject               string `xml:"Subject"`
	Topics                Topics `xml:"LibraryOfCongressTopics"`
	ProOrCon              string `xml:"ProOrCon,omitempty"`
	OrganizationStatement string `xml:"OrganizationStatement,omitempty"`
	ConstituentMessage    string `xml:"ConstituentMessage,omitempty"`
	MoreInfo              string `xml:"MoreInfo,omitempty"`
}

// Topics are Library of Congress topics (at least one).
type Topics struct {
	Topic []string `xml:"LibraryOfCongressTopic"`
}

// Agent is the delivery agent registered with CWC (from configuration).
type Agent struct {
	Name         string // the exact registered name
	AckEmail     string // where CWC sends acknowledgements
	ContactName  string
	ContactEmail string
	ContactPhone string // 202-555-0100
}

// Prefixes CWC accepts: the schema's list, which lacks app.Prefixes' Mx.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func Prefixes() []string { return slices.Clone(cwcPrefixes) }

var cwcPrefixes = []string{"Mr.", "Mrs.", "Miss", "Ms.", "Dr."}

// Input is everything one message is built from.
type Input struct {
	Agent      Agent
	Campaign   *app.Campaign
	Submission *app.Submission // supporter, personal message, confirmation
	Letter     app.Letter      // to the supporter's Representative
	// Prefix is the writer's courtesy title (one of Prefixes): the
	// supporter's own when they chose one CWC takes, see PrefixFor.
	Prefix string
	Date   time.Time // delivery date (in Eastern time)
}

// ValidationError lists what keeps a letter from being a valid message.
type ValidationError struct {
	LetterID int64
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("letter %d cannot go to CWC: %s", e.LetterID, strings.Join(e.Problems, "; "))
}

var (
	deliveryIDRE = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	zipRE        = regexp.MustCompile(`^[0-9]{5}(-[0-9]{4})?$`)
	phoneRE      = regexp.MustCompile(`^[0-9]{3}-[0-9]{3}-[0-9]{4}$`)
	stateRE      = regexp.MustCompile(`^[A-Z]{2}$`)
)

// DeliveryID is the stable CWC id of a letter: re-exporting it gives the
// same id, so CWC and offices can recognise a repeat.
func DeliveryID(campaignID, letterID int64) string {
	h := sha256.Sum256([]byte("advocate-cwc:" + strconv.FormatInt(campaignID, 10) + ":" + strconv.FormatInt(letterID, 10)))
	return hex.EncodeToString(h[:])[:32]
}

// MemberOffice is the CWC office code of a seat. House: "H", the state and
// the two-digit district, 00 for at-large seats and delegates. Senate: "S",
// the state and the senator's class as two digits (SNY01). The code names
// the seat, not the person, so it outlives a change of Member.
func MemberOffice(t app.Target) (string, error) {
	if !stateRE.MatchString(t.State) {
		return "", fmt.Errorf("not a seat in Congress (state %q)", t.State)
	}
	switch t.Chamber {
	case app.House:
		if t.District == nil || *t.District < 0 || *t.District > 99 {
			return "", fmt.Errorf("not a House seat")
		}
		return fmt.Sprintf("H%s%02d", t.State, *t.District), nil
	case app.Senate:
		if t.SenateClass < 1 || t.SenateClass > 3 {
			return "", fmt.Errorf("a Senate seat whose class (1, 2 or 3) is not known")
		}
		return fmt.Sprintf("S%s%02d", t.State, t.SenateClass), nil
	}
	return "", fmt.Errorf("not a seat in Congress")
}

// Build makes and checks the message for one letter.
func Build(in Input) (*Message, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	c, s, l := in.Campaign, in.Submission, in.Letter
	p := s.Supporter
	office, err := MemberOffice(l.Recipient)
	if err != nil {
		bad("recipient %s is %v", l.Recipient.Name, err)
	}
	date := in.Date
	if date.IsZero() {
		date = time.Now()
	}
	if loc, err := time.LoadLocation("America/New_York"); err == nil {
		date = date.In(loc)
	}
	m := &Message{
		Version: Version,
		Delivery: Delivery{
			ID:            DeliveryID(c.ID, l.ID),
			Date:          date.Format("20060102"),
			Agent:         clean(in.Agent.Name),
			AgentAckEmail: in.Agent.AckEmail,
			AgentContact: AgentContact{
				Name: clean(in.Agent.ContactName), Email: in.Agent.ContactEmail, Phone: in.Agent.ContactPhone,
			},
			Organization: clean(c.Delivery.OrgName),
			CampaignID:   c.Slug,
		},
		Recipient: Recipient{MemberOffice: office, IsResponseRequested: "Y", NewsletterOptIn: "N"},
		Constituent: Constituent{
			Prefix: in.Prefix, FirstName: clean(p.FirstName), LastName: clean(p.LastName),
			Address1: clean(p.Address1), Address2: clean(p.Address2), City: clean(p.City),
			StateAbbreviation: p.State, Zip: p.Zip, Email: p.Email,
		},
		Message: Body{
			Subject:               clean(l.Subject),
			Topics:                Topics{Topic: []string{c.Delivery.Topic()}},
			OrganizationStatement: text(c.Delivery.OrgStatement),
			// The letter the supporter previewed and signed, their own
			// paragraph included where the template places it: an office
			// reads what its constituent sent, not a fragment of it.
			ConstituentMessage: text(l.Body),
		},
	}
	if s.ConfirmToken != "" && s.Confirmed() {
		m.Constituent.EmailValidation = "Y" // double opt-in proved the address
	}
	d := m.Delivery
	switch {
	case !deliveryIDRE.MatchString(d.ID):
		bad("delivery id %q", d.ID)
	case d.Agent == "":
		bad("the delivery agent name is not configured (ADVOCATE_CWC_AGENT)")
	}
	if !email(d.AgentAckEmail) {
		bad("the delivery agent acknowledgement address is not configured or not valid (ADVOCATE_CWC_ACK_EMAIL)")
	}
	if d.AgentContact.Name == "" || !email(d.AgentContact.Email) || !phoneRE.MatchString(d.AgentContact.Phone) {
		bad("the delivery agent contact (name, email, phone as 202-555-0100) is not configured (ADVOCATE_CWC_CONTACT_*)")
	}
	if d.CampaignID == "" {
		bad("campaign id")
	}
	k := m.Constituent
	if !validPrefix(k.Prefix) {
		bad("prefix %q is not one of %s (the supporter chose none CWC takes; see --prefix)", k.Prefix, strings.Join(cwcPrefixes, ", "))
	}
	for field, v := range map[string]string{"first name": k.FirstName, "last name": k.LastName,
		"address": k.Address1, "city": k.City} {
		if v == "" {
			bad("constituent %s is missing", field)
		}
	}
	if !stateRE.MatchString(k.StateAbbreviation) || !app.ValidState(k.StateAbbreviation) {
		bad("state %q", k.StateAbbreviation)
	}
	if !zipRE.MatchString(k.Zip) {
		bad("ZIP code %q", k.Zip)
	}
	if !email(k.Email) {
		bad("email %q", k.Email)
	}
	if n := utf8.RuneCountInString(m.Message.Subject); n < 6 || n > 500 {
		bad("the subject must have 6 to 500 characters (has %d)", n)
	}
	for name, v := range map[string]string{"organization statement": m.Message.OrganizationStatement,
		"constituent message": m.Message.ConstituentMessage} {
		if n := utf8.RuneCountInString(v); v != "" && (n < 6 || n > 10000) {
			bad("the %s must have 6 to 10,000 characters (has %d)", name, n)
		}
	}
	if m.Message.ConstituentMessage == "" {
		bad("the letter has no text")
	}
	if len(problems) > 0 {
		return nil, &ValidationError{LetterID: l.ID, Problems: problems}
	}
	return m, nil
}

func validPrefix(p string) bool {
	for _, x := range cwcPrefixes {
		if p == x {
			return true
		}
	}
	return false
}

// email is the one address rule, app.ValidEmail.
func email(s string) bool { return app.ValidEmail(s) }

// clean keeps one line of text without control characters.
func clean(s string) string {
	return strings.Join(strings.Fields(strings.Map(keepPrintable, s)), " ")
}

// text keeps paragraphs (LF line ends) without other control characters.
func text(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		return keepPrintable(r)
	}, s))
}

// keepPrintable drops characters XML 1.0 cannot carry and turns other
// control characters into spaces.
func keepPrintable(r rune) rune {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return ' '
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfffe || r == 0xffff || r == utf8.RuneError:
		return -1
	}
	return r
}

// Marshal writes m as an XML document, one element per line.
func Marshal(m *Message) ([]byte, error) {
	b, err := xml.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cwc: %w", err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
