package match

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// Geocoder turns a one-line street address into a point. It lets a
// supporter whose ZIP spans several districts (or is not a residential ZIP)
// get exactly one Representative without choosing by hand.
type Geocoder interface {
	Geocode(ctx context.Context, address string) (app.Point, error)
}

// Options configures a Matcher.
type Options struct {
	// Geocoder is used for queries with a street address and no point; nil
	// turns geocoding off (the default: it sends addresses to a third party).
	Geocoder Geocoder
}

// Matcher finds a supporter's districts, members and letter recipients. It
// holds no mutable state, so one Matcher serves all requests; the server
// replaces it (with a new Index) after a roster import.
type Matcher struct {
	ix  *Index
	geo Geocoder
}

// New returns a Matcher over ix (which must not be nil).
func New(ix *Index, opts Options) *Matcher {
	return &Matcher{ix: ix, geo: opts.Geocoder}
}

// Index returns the index the Matcher answers from.
func (m *Matcher) Index() *Index { return m.ix }

// Query is what a supporter told us about where they live. Zip is needed
// unless Point (or a geocoded Address) falls inside a district.
type Query struct {
	Zip   string // "12345" or "12345-6789"
	State string // USPS code; optional, but needed when the ZIP is unknown
	// Point is a location the supporter shared (e.g. from the browser); it
	// beats the ZIP when it falls inside a district.
	Point *app.Point
	// Address is the street address, geocoded when a Geocoder is set and no
	// Point was given. The ZIP is appended when the address lacks it.
	Address string
}

// Lookup methods recorded in app.Lookup.Method.
const (
	MethodPoint    = "point"
	MethodGeocoder = "geocoder"
	MethodZip      = "zip"
	MethodState    = "state"
)

// Lookup finds who represents the place in q. Errors are app.EINVALID with
// per-field messages ("zip", "state") that can be shown next to the form;
// a failing geocoder never fails the lookup, it only adds a note.
func (m *Matcher) Lookup(ctx context.Context, q Query) (*app.Lookup, error) {
	zip := ""
	if strings.TrimSpace(q.Zip) != "" {
		z, ok := normalizeZip(q.Zip)
		if !ok {
			return nil, fieldError("zip", "Enter a 5-digit ZIP code, like 12345.")
		}
		zip = z
	}
	state := strings.ToUpper(strings.TrimSpace(q.State))
	if state != "" && !app.ValidState(state) {
		return nil, fieldError("state", "Choose a state from the list.")
	}
	l := &app.Lookup{Zip: zip}
	zipDistricts := m.ix.DistrictsForZip(zip)

	switch {
	case q.Point != nil:
		if d, ok := m.pointDistrict(*q.Point); ok {
			l.Method, l.Districts = MethodPoint, []app.DistrictKey{d}
			if (len(zipDistricts) > 0 && !slices.Contains(zipDistricts, d)) || (state != "" && state != d.State) {
				l.Notes = append(l.Notes, fmt.Sprintf(
					"The location you shared is in %s, which does not match the ZIP code or state you entered; we used your location.", districtLabel(d)))
			}
			return m.complete(l, state), nil
		}
		if zip == "" {
			return nil, fieldError("zip", "We couldn't place your location in a congressional district. Enter your ZIP code.")
		}
		l.Notes = append(l.Notes, "We couldn't place the location you shared inside a congressional district, so we used your ZIP code.")
	case m.geo != nil && strings.TrimSpace(q.Address) != "":
		if d, ok := m.geocode(ctx, q.Address, zip, state, zipDistricts); ok {
			l.Method, l.Districts = MethodGeocoder, []app.DistrictKey{d}
			return m.complete(l, state), nil
		}
		if zip != "" {
			l.Notes = append(l.Notes, "We couldn't pinpoint your street address, so we used your ZIP code.")
		}
	}
	if zip == "" {
		return nil, fieldError("zip", "Enter your 5-digit ZIP code.")
	}

	switch {
	case len(zipDistricts) > 0:
		ds := zipDistricts
		if state != "" {
			ds = nil
			for _, d := range zipDistricts {
				if d.State == state {
					ds = append(ds, d)
				}
			}
			if len(ds) == 0 {
				return nil, fieldError("zip", fmt.Sprintf("ZIP code %s is not in %s. Check the ZIP code and the state.", zip, state))
			}
		}
		l.Method, l.Districts = MethodZip, slices.Clone(ds)
	default:
		if t, ok := territoryForZip(zip); ok {
			if state != "" && state != t {
				return nil, fieldError("zip", fmt.Sprintf("ZIP code %s is not in %s. Check the ZIP code and the state.", zip, state))
			}
			l.Method, l.Districts = MethodZip, []app.DistrictKey{{State: t}}
			break
		}
		if err := m.checkUnlistedZip(zip, state); err != nil {
			return nil, err
		}
		switch {
		case state == "":
			return nil, fieldError("zip", "We don't know this ZIP code; add your state.")
		case state == "AA" || state == "AE" || state == "AP":
			return nil, fieldError("state", "Military mail codes (AA, AE, AP) have no member of Congress; use the address where you are registered to vote.")
		case singleSeat(state):
			l.Method, l.Districts = MethodState, []app.DistrictKey{{State: state}}
		default:
			l.Method = MethodState
			l.Notes = append(l.Notes, fmt.Sprintf(
				"ZIP code %s is not one where people live in our data (it may be a PO box or business ZIP code), so it does not tell us your congressional district: your letters go to your Senators, but not to your Representative. To write to your Representative too, go back and enter the ZIP code of your home address.", zip))
		}
	}
	return m.complete(l, state), nil
}

// checkUnlistedZip refuses a ZIP the table does not list when no ZIP
// could have it: below 00501 (never given out), or, with the whole
// country's table, a first three digits no listed ZIP has (such as 00000
// or 21300) or only ZIPs of other states have. Without the check such a
// ZIP went through on the state alone, with the Representative silently
// left out.
func (m *Matcher) checkUnlistedZip(zip, state string) error {
	nowhere := fieldError("zip", fmt.Sprintf("There is no ZIP code %s. Please check the ZIP code of your home address.", zip))
	if zipNumber(zip) < firstZip {
		return nowhere
	}
	states, national := m.ix.zipPrefixStates(zip)
	switch {
	case !national:
		return nil
	case len(states) == 0:
		return nowhere
	case state != "" && !slices.Contains(states, state):
		return fieldError("zip", fmt.Sprintf("ZIP code %s is not in %s. Check the ZIP code and the state.", zip, state))
	}
	return nil
}

// firstZip is the lowest ZIP code in use (00501, Holtsville NY).
const firstZip = 501

func (m *Matcher) pointDistrict(p app.Point) (app.DistrictKey, bool) {
	if !p.Valid() {
		return app.DistrictKey{}, false
	}
	return m.ix.DistrictAt(p)
}

// geocode places address and checks the answer against what the supporter
// typed: a geocoder that matched a different street elsewhere must not
// override their ZIP.
func (m *Matcher) geocode(ctx context.Context, address, zip, state string, zipDistricts []app.DistrictKey) (app.DistrictKey, bool) {
	address = strings.TrimSpace(address)
	if zip != "" && !strings.Contains(address, zip) {
		address += " " + zip
	}
	p, err := m.geo.Geocode(ctx, address)
	if err != nil {
		return app.DistrictKey{}, false
	}
	d, ok := m.pointDistrict(p)
	if !ok || (len(zipDistricts) > 0 && !slices.Contains(zipDistricts, d)) || (state != "" && d.State != state) {
		return app.DistrictKey{}, false
	}
	return d, true
}

// complete fills in Representatives, Senators and the notes about them.
func (m *Matcher) complete(l *app.Lookup, state string) *app.Lookup {
	var states []string
	for _, d := range l.Districts {
		rep, _ := m.ix.Representative(d)
		rep.District = d
		l.Representatives = append(l.Representatives, rep)
		if rep.Member == nil {
			l.Notes = append(l.Notes, fmt.Sprintf("The seat for %s is currently vacant.", districtLabel(d)))
		}
		if !slices.Contains(states, d.State) {
			states = append(states, d.State)
		}
	}
	if len(l.Districts) > 1 {
		l.Notes = append(l.Notes, SplitZipNote(l.Zip, len(l.Districts)))
	}
	s := state
	switch len(states) {
	case 0:
	case 1:
		s = states[0]
	default:
		s = ""
		l.Notes = append(l.Notes, fmt.Sprintf(
			"ZIP code %s crosses state lines (%s). Add your state to find your Senators.", l.Zip, strings.Join(states, ", ")))
	}
	switch {
	case s == "":
	case app.HasSenators(s):
		l.Senators = m.ix.Senators(s)
		if len(l.Senators) < 2 {
			l.Notes = append(l.Notes, fmt.Sprintf("One of %s's Senate seats is currently vacant.", s))
		}
	case s == "DC" || app.IsTerritory(s):
		l.Notes = append(l.Notes, fmt.Sprintf(
			"%s is represented in Congress by a %s in the House and has no Senators.", capitalize(placeNames[s]), houseTitle(s)))
	}
	return l
}

// SplitZipNote is the note of a lookup whose ZIP is split between
// districts. A page that asks the supporter to choose explains the split
// in its own words and leaves this note out.
func SplitZipNote(zip string, districts int) string {
	return fmt.Sprintf("ZIP code %s is split between %d congressional districts. Choose your Representative, or enter your street address to find them.", zip, districts)
}

// districtLabel is how notes name a district: "CA-14", "DE at-large",
// "DC" for a delegate's or resident commissioner's seat.
func districtLabel(d app.DistrictKey) string {
	switch {
	case d.District != 0:
		return d.String()
	case d.State == "DC" || app.IsTerritory(d.State):
		return d.State
	}
	return d.State + " at-large"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func fieldError(field, msg string) error {
	return &app.Error{Code: app.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}
