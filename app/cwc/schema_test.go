package cwc_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// A structural validator for CWC 2.0 messages, written from the schema's
// published structure (element names, order, which are optional, value
// patterns) independently of the encoder, so that a mistake in the
// encoder's struct tags cannot hide itself.

// el is one element of the schema: its children in order, or a check of
// its text.
type el struct {
	name     string
	optional bool
	repeat   bool // one or more (or zero or more when optional)
	children []el
	value    func(string) error
}

func pattern(re string) func(string) error {
	r := regexp.MustCompile("^(?:" + re + ")$")
	return func(s string) error {
		if !r.MatchString(s) {
			return fmt.Errorf("%q does not match %s", s, re)
		}
		return nil
	}
}

func length(min, max int) func(string) error {
	return func(s string) error {
		if n := utf8.RuneCountInString(s); n < min || n > max {
			return fmt.Errorf("%d characters, want %d to %d", n, min, max)
		}
		return nil
	}
}

var (
	anyText = length(1, 100000)
	email   = pattern(`[^@\s]+@[^.\s@]+\.[^\s@]+`)
	yn      = pattern(`[YyNn]`)
	phone   = pattern(`[0-9]{3}-[0-9]{3}-[0-9]{4}`)
)

var cwcSchema = el{name: "CWC", children: []el{
	{name: "CWCVersion", value: pattern(`2\.0`)},
	{name: "Delivery", children: []el{
		{name: "DeliveryId", value: pattern(`[a-zA-Z0-9]{32}`)},
		{name: "DeliveryDate", value: pattern(`20[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])`)},
		{name: "DeliveryAgent", value: anyText},
		{name: "DeliveryAgentAckEmailAddress", value: email},
		{name: "DeliveryAgentContact", children: []el{
			{name: "DeliveryAgentContactName", value: anyText},
			{name: "DeliveryAgentContactEmail", value: email},
			{name: "DeliveryAgentContactPhone", value: phone},
		}},
		{name: "Organization", optional: true, value: anyText},
		{name: "OrganizationContact", optional: true, children: []el{
			{name: "OrganizationContactName", value: anyText},
			{name: "OrganizationContactEmail", value: email},
			{name: "OrganizationContactPhone", value: phone},
		}},
		{name: "OrganizationAbout", optional: true, value: anyText},
		{name: "CampaignId", value: anyText},
	}},
	{name: "Recipient", children: []el{
		{name: "MemberOffice", value: pattern(`H[A-Z]{2}[0-9]{2}|S[A-Z]{2}0[1-3]`)},
		{name: "IsResponseRequested", optional: true, value: yn},
		{name: "NewsletterOptIn", optional: true, value: yn},
	}},
	{name: "Constituent", children: []el{
		{name: "Prefix", value: pattern(`Mr\.|Mrs\.|Miss|Ms\.|Dr\.`)},
		{name: "FirstName", value: anyText},
		{name: "MiddleName", optional: true, value: anyText},
		{name: "LastName", value: anyText},
		{name: "Suffix", optional: true, value: anyText},
		{name: "Title", optional: true, value: anyText},
		{name: "ConstituentOrganization", optional: true, value: anyText},
		{name: "Address1", value: anyText},
		{name: "Address2", optional: true, value: anyText},
		{name: "Address3", optional: true, value: anyText},
		{name: "City", value: anyText},
		{name: "StateAbbreviation", value: pattern(`[A-Z]{2}`)},
		{name: "Zip", value: pattern(`[0-9]{5}(-[0-9]{4})?`)},
		{name: "Phone", optional: true, value: phone},
		{name: "AddressValidation", optional: true, value: yn},
		{name: "Email", value: email},
		{name: "EmailValidation", optional: true, value: yn},
	}},
	{name: "Message", children: []el{
		{name: "Subject", value: length(6, 500)},
		{name: "LibraryOfCongressTopics", children: []el{
			{name: "LibraryOfCongressTopic", repeat: true, value: anyText},
		}},
		{name: "Bills", optional: true, children: []el{
			{name: "Bill", repeat: true, children: []el{
				{name: "BillCongress", value: pattern(`[0-9]{1,3}`)},
				{name: "BillTypeAbbreviation", value: anyText},
				{name: "BillNumber", value: pattern(`[0-9]+`)},
			}},
		}},
		{name: "ProOrCon", optional: true, value: pattern(`[Pp][Rr][Oo]|[Cc][Oo][Nn]`)},
		{name: "OrganizationStatement", optional: true, value: length(6, 10000)},
		{name: "ConstituentMessage", optional: true, value: length(6, 10000)},
		{name: "MoreInfo", optional: true, value: anyText},
	}},
}}

// node is a parsed element.
type node struct {
	name     string
	text     string
	children []*node
	line     int
}

// parseDoc checks well-formedness (encoding/xml refuses a malformed
// document) and builds the element tree. It also requires every element to
// start on its own line, as House offices read the raw XML.
func parseDoc(doc []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	var stack []*node
	var root *node
	for {
		offset := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != "" || len(t.Attr) > 0 {
				return nil, fmt.Errorf("<%s>: no namespaces or attributes expected", t.Name.Local)
			}
			lineStart := bytes.LastIndexByte(doc[:offset], '\n') + 1
			if strings.TrimSpace(string(doc[lineStart:offset])) != "" {
				return nil, fmt.Errorf("<%s> does not start its own line", t.Name.Local)
			}
			n := &node{name: t.Name.Local, line: bytes.Count(doc[:offset], []byte("\n")) + 1}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("two root elements")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("text outside the root element")
			}
		case xml.ProcInst:
			if t.Target == "xml" && !bytes.Contains(t.Inst, []byte(`encoding="UTF-8"`)) {
				return nil, fmt.Errorf("the declaration must say UTF-8")
			}
		case xml.Directive:
			return nil, fmt.Errorf("no DTD expected")
		}
	}
	if root == nil {
		return nil, fmt.Errorf("empty document")
	}
	return root, nil
}

// validate checks doc against cwcSchema and returns every problem.
func validate(doc []byte) []string {
	root, err := parseDoc(doc)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	check(cwcSchema, root, root.name, &problems)
	return problems
}

func check(s el, n *node, path string, problems *[]string) {
	add := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	if n.name != s.name {
		add("found <%s>, want <%s>", n.name, s.name)
		return
	}
	if s.children == nil {
		if len(n.children) > 0 {
			add("holds elements, want text")
		}
		if err := s.value(n.text); err != nil {
			add("%v", err)
		}
		return
	}
	if strings.TrimSpace(n.text) != "" {
		add("holds text %q, want elements", strings.TrimSpace(n.text))
	}
	i := 0
	for _, c := range s.children {
		count := 0
		for i < len(n.children) && n.children[i].name == c.name {
			check(c, n.children[i], path+"/"+c.name, problems)
			i++
			count++
			if !c.repeat {
				break
			}
		}
		if count == 0 && !c.optional {
			got := "the end"
			if i < len(n.children) {
				got = "<" + n.children[i].name + ">"
			}
			add("missing <%s> (found %s)", c.name, got)
		}
	}
	for ; i < len(n.children); i++ {
		add("unexpected or misplaced <%s> on line %d", n.children[i].name, n.children[i].line)
	}
}
