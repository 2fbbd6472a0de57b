package app

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Supporter is a member of the public who wrote through a campaign. Their
// personal data may be erased (retention, request) while letter counts stay.
type Supporter struct {
	ID int64
	// Prefix is the courtesy title the supporter chose (one of Prefixes),
	// or "" when they gave none.
	Prefix    string
	FirstName string
	LastName  string
	Email     string
	Address1  string
	Address2  string
	City      string
	State     string
	Zip       string
	Lat, Lon  *float64
	ContactOK bool // may be contacted again by the campaign
	ErasedAt  *time.Time
	CreatedAt time.Time
}

// FullName joins first and last name.
func (s Supporter) FullName() string {
	return strings.TrimSpace(s.FirstName + " " + s.LastName)
}

// SubmissionInput is what a supporter sends, from the web form or the API.
type SubmissionInput struct {
	Prefix          string   `json:"prefix" form:"prefix"` // optional courtesy title, one of Prefixes
	FirstName       string   `json:"first_name" form:"first_name"`
	LastName        string   `json:"last_name" form:"last_name"`
	Email           string   `json:"email" form:"email"`
	Address1        string   `json:"address1" form:"address1"`
	Address2        string   `json:"address2" form:"address2"`
	City            string   `json:"city" form:"city"`
	State           string   `json:"state" form:"state"`
	Zip             string   `json:"zip" form:"zip"`
	Lat             *float64 `json:"lat" form:"lat"`
	Lon             *float64 `json:"lon" form:"lon"`
	Representative  string   `json:"representative" form:"representative"` // bioguide id chosen when the ZIP is split
	PersonalMessage string   `json:"personal_message" form:"personal_message"`
	ContactOK       bool     `json:"contact_ok" form:"contact_ok"`
}

// Limits on supporter input, in characters.
const (
	MaxNameLen            = 100
	MaxEmailLen           = 254
	MaxAddressLen         = 200
	MaxCityLen            = 100
	MaxPersonalMessageLen = 2000
)

// Prefixes are the courtesy titles a supporter may choose. Congress'
// Communicating with Congress (CWC) system needs one for every writer.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func Prefixes() []string { return slices.Clone(allPrefixes) }

var allPrefixes = []string{"Mr.", "Mrs.", "Miss", "Ms.", "Dr.", "Mx."}

// ValidPrefix reports whether p is one of Prefixes.
func ValidPrefix(p string) bool {
	for _, x := range allPrefixes {
		if p == x {
			return true
		}
	}
	return false
}

var zipRE = regexp.MustCompile(`^(\d{5})(?:-?\d{4})?$`)

// NormalizeZip returns the 5-digit ZIP in s ("60173-1234" -> "60173") or "".
func NormalizeZip(s string) string {
	m := zipRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	return m[1]
}

// cleanLine trims, folds runs of white space to one space and reports whether
// the text held control characters (other than white space).
func cleanLine(s string) (string, bool) {
	bad := false
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError {
			bad = true
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) && r != '\u200d' {
			bad = true
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " "), bad
}

// cleanText keeps paragraph breaks: lines are trimmed, CRLF becomes LF, at
// most one blank line between paragraphs.
func cleanText(s string) (string, bool) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	bad := false
	var out []string
	blank := 0
	for _, line := range strings.Split(s, "\n") {
		l, b := cleanLine(line)
		bad = bad || b
		if l == "" {
			blank++
			continue
		}
		if len(out) > 0 && blank > 0 {
			out = append(out, "")
		}
		blank = 0
		out = append(out, l)
	}
	return strings.Join(out, "\n"), bad
}

// Normalize cleans the input in place and returns per-field errors. It never
// guesses: a field it cannot accept is reported, not silently changed beyond
// white space.
func (in *SubmissionInput) Normalize() error {
	fe := FieldErrors{}
	line := func(field string, p *string, max int, required bool) {
		v, bad := cleanLine(*p)
		*p = v
		switch {
		case bad:
			fe.Add(field, "contains characters that are not allowed")
		case required && v == "":
			fe.Add(field, "is required")
		case utf8.RuneCountInString(v) > max:
			fe.Add(field, "is too long (at most "+strconv.Itoa(max)+" characters)")
		}
	}
	line("prefix", &in.Prefix, 8, false)
	if _, ok := fe["prefix"]; !ok && in.Prefix != "" {
		// Accept "mr", "MS" and the like: only the case and the dot differ.
		for _, x := range allPrefixes {
			if strings.EqualFold(strings.TrimSuffix(in.Prefix, "."), strings.TrimSuffix(x, ".")) {
				in.Prefix = x
			}
		}
		if !ValidPrefix(in.Prefix) {
			fe.Add("prefix", "must be one of "+strings.Join(allPrefixes, ", "))
		}
	}
	line("first_name", &in.FirstName, MaxNameLen, true)
	line("last_name", &in.LastName, MaxNameLen, true)
	line("email", &in.Email, MaxEmailLen, true)
	line("address1", &in.Address1, MaxAddressLen, true)
	line("address2", &in.Address2, MaxAddressLen, false)
	line("city", &in.City, MaxCityLen, true)
	line("state", &in.State, 2, true)
	line("representative", &in.Representative, 16, false)
	in.State = strings.ToUpper(in.State)
	if _, ok := fe["email"]; !ok {
		switch CheckEmail(in.Email) {
		case nil:
		case ErrEmailIPLiteral:
			fe.Add("email", "must be at a domain name such as example.org, not at an IP address")
		default:
			fe.Add("email", "is not a valid email address")
		}
	}
	if _, ok := fe["state"]; !ok && !ValidState(in.State) {
		fe.Add("state", "is not a U.S. state or territory code")
	}
	zip, bad := cleanLine(in.Zip)
	if z := NormalizeZip(zip); z == "" || bad {
		if zip == "" {
			fe.Add("zip", "is required")
		} else {
			fe.Add("zip", "must be a 5-digit ZIP code")
		}
	} else {
		in.Zip = z
	}
	if (in.Lat == nil) != (in.Lon == nil) {
		fe.Add("lat", "latitude and longitude go together")
	} else if in.Lat != nil && !(Point{Lon: *in.Lon, Lat: *in.Lat}).Valid() {
		fe.Add("lat", "is not a valid location")
	}
	msg, bad := cleanText(in.PersonalMessage)
	in.PersonalMessage = msg
	if bad {
		fe.Add("personal_message", "contains characters that are not allowed")
	} else if n := utf8.RuneCountInString(msg); n > MaxPersonalMessageLen {
		// Refused, never cut: a paragraph cut mid-sentence would go out
		// under the supporter's name. The count says how much to shorten.
		fe.Add("personal_message", "is "+groupThousands(n)+" characters long, over the limit of "+
			groupThousands(MaxPersonalMessageLen)+" characters: please shorten it")
	}
	return fe.Err("Please correct the highlighted fields.")
}

// Point returns the supporter's location when one was given.
func (in *SubmissionInput) Point() *Point {
	if in.Lat == nil || in.Lon == nil {
		return nil
	}
	return &Point{Lon: *in.Lon, Lat: *in.Lat}
}

// groupThousands writes 12345 as "12,345", the way the form states the limit.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
