package congress

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/advocate-org/advocate/app"
)

type officesRecord struct {
	ID struct {
		Bioguide string `json:"bioguide"`
	} `json:"id"`
	Offices []officeRecord `json:"offices"`
}

type officeRecord struct {
	ID        string   `json:"id"`
	Address   text     `json:"address"`
	Suite     text     `json:"suite"`
	Building  text     `json:"building"`
	City      text     `json:"city"`
	State     string   `json:"state"`
	Zip       text     `json:"zip"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Phone     text     `json:"phone"`
	Fax       text     `json:"fax"`
	Hours     text     `json:"hours"`
}

// ReadOfficesJSON reads legislators-district-offices.json. Coordinates are
// kept exactly as published; HasPoint is true only when both are present and
// plausible for a U.S. office (see PlausibleOfficePoint), so a typo such as
// latitude 441.5 never places an office on the map. OfficeProblem explains
// why an office has no point.
func ReadOfficesJSON(r io.Reader, name string) ([]app.DistrictOffice, error) {
	return readOffices(newJSONDoc(r, name))
}

// ReadOfficesYAML reads legislators-district-offices.yaml; see ReadOfficesJSON.
func ReadOfficesYAML(r io.Reader, name string) ([]app.DistrictOffice, error) {
	d, err := newYAMLDoc(r, name)
	if err != nil {
		return nil, err
	}
	return readOffices(d)
}

func readOffices(d *jsonDoc) ([]app.DistrictOffice, error) {
	if err := d.open('[', "legislators with offices"); err != nil {
		return nil, err
	}
	out := make([]app.DistrictOffice, 0, 1400)
	seen := make(map[string]int64, 1400)
	for d.more() {
		var rec officesRecord
		start, err := d.next(&rec)
		if err != nil {
			return nil, err
		}
		id := rec.ID.Bioguide
		if strings.TrimSpace(id) == "" {
			return nil, d.errAt(d.locate(start, "id"), "record has no id.bioguide")
		}
		for i, o := range rec.Offices {
			at := func(key string) int64 { return d.locate(start, "offices", i, key) }
			if strings.TrimSpace(o.ID) == "" {
				return nil, d.errAt(d.locate(start, "offices", i), "an office of %s has no id", id)
			}
			if first, dup := seen[o.ID]; dup {
				line, _ := d.position(first)
				return nil, d.errAt(at("id"), "duplicate office id %q (first at line %d)", o.ID, line)
			}
			seen[o.ID] = at("id")
			if o.State != "" && !seatState(o.State) {
				return nil, d.errAt(at("state"), "office %s: state is %s, want a USPS code such as \"IL\"", o.ID, quoteShort(o.State))
			}
			out = append(out, newOffice(id, o))
		}
	}
	if err := d.end(true); err != nil {
		return nil, err
	}
	return out, nil
}

func newOffice(bioguide string, o officeRecord) app.DistrictOffice {
	off := app.DistrictOffice{
		ID:         o.ID,
		BioguideID: bioguide,
		Address:    string(o.Address),
		Suite:      string(o.Suite),
		Building:   string(o.Building),
		City:       string(o.City),
		State:      o.State,
		Zip:        string(o.Zip),
		Phone:      string(o.Phone),
		Fax:        string(o.Fax),
		Hours:      string(o.Hours),
	}
	if o.Latitude != nil {
		off.Lat = *o.Latitude
	}
	if o.Longitude != nil {
		off.Lon = *o.Longitude
	}
	off.HasPoint = o.Latitude != nil && o.Longitude != nil && PlausibleOfficePoint(off.Lat, off.Lon)
	return off
}

// PlausibleOfficePoint reports whether lat/lon can be a congressional office:
// inside a box around the states and territories (from American Samoa at
// 14°S to Alaska's north coast, and from the Aleutians across the
// antimeridian to Maine, plus Guam and the Northern Marianas). It catches
// typos and swapped or zeroed coordinates, not a wrong but plausible geocode.
func PlausibleOfficePoint(lat, lon float64) bool {
	if !(app.Point{Lat: lat, Lon: lon}).Valid() {
		return false
	}
	if lat < -15 || lat > 72 {
		return false
	}
	return lon <= -64 || lon >= 144
}

// OfficeProblem says why an office has no usable point ("" when it has one),
// for import warnings.
func OfficeProblem(o app.DistrictOffice) string {
	switch {
	case o.HasPoint:
		return ""
	case o.Lat == 0 && o.Lon == 0:
		return "no coordinates published"
	default:
		return fmt.Sprintf("implausible coordinates (latitude %g, longitude %g)", o.Lat, o.Lon)
	}
}

// ReadOfficesCSV reads legislators-district-offices.csv (one row per office).
func ReadOfficesCSV(r io.Reader, name string) ([]app.DistrictOffice, error) {
	t, err := newCSVTable(r, name, ',', "bioguide", "id", "address", "city", "state", "zip", "latitude", "longitude")
	if err != nil {
		return nil, err
	}
	out := make([]app.DistrictOffice, 0, 1400)
	seen := make(map[string]int, 1400)
	for {
		if err := t.next(); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		bio, id := t.get("bioguide"), t.get("id")
		if strings.TrimSpace(bio) == "" {
			return nil, t.errCol("bioguide", "office has no bioguide id")
		}
		if strings.TrimSpace(id) == "" {
			return nil, t.errCol("id", "an office of %s has no id", bio)
		}
		if first, dup := seen[id]; dup {
			return nil, t.errCol("id", "duplicate office id %q (first at line %d)", id, first)
		}
		seen[id] = t.line()
		o := officeRecord{
			ID: id, Address: text(t.get("address")), Suite: text(t.get("suite")), Building: text(t.get("building")),
			City: text(t.get("city")), State: t.get("state"), Zip: text(t.get("zip")),
			Phone: text(t.get("phone")), Fax: text(t.get("fax")), Hours: text(t.get("hours")),
		}
		if o.State != "" && !seatState(o.State) {
			return nil, t.errCol("state", "office %s: state is %s, want a USPS code such as \"IL\"", id, quoteShort(o.State))
		}
		for _, c := range []struct {
			col string
			dst **float64
		}{{"latitude", &o.Latitude}, {"longitude", &o.Longitude}} {
			s := t.get(c.col)
			if s == "" {
				continue
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, t.errCol(c.col, "office %s: %s is %s, want a number", id, c.col, quoteShort(s))
			}
			*c.dst = &f
		}
		out = append(out, newOffice(bio, o))
	}
	return out, nil
}
