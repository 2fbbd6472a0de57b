package congress

import (
	"io"
	"strconv"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// legislatorRecord is one person in legislators-current.{json,yaml}. Only the
// fields Advocate uses are decoded; upstream adds fields freely.
type legislatorRecord struct {
	ID struct {
		Bioguide string `json:"bioguide"`
	} `json:"id"`
	Name struct {
		First        string `json:"first"`
		Middle       string `json:"middle"`
		Last         string `json:"last"`
		Suffix       string `json:"suffix"`
		Nickname     string `json:"nickname"`
		OfficialFull string `json:"official_full"`
	} `json:"name"`
	Terms []termRecord `json:"terms"`
}

type termRecord struct {
	Type        string `json:"type"`
	State       string `json:"state"`
	District    *int   `json:"district"`
	Class       *int   `json:"class"`
	StateRank   string `json:"state_rank"`
	Party       string `json:"party"`
	Caucus      string `json:"caucus"`
	Start       string `json:"start"`
	End         string `json:"end"`
	URL         string `json:"url"`
	Address     string `json:"address"`
	Office      string `json:"office"`
	Phone       string `json:"phone"`
	ContactForm string `json:"contact_form"`
}

// ReadLegislatorsJSON reads legislators-current.json as published on the
// congress-legislators site. name is used in error messages only.
func ReadLegislatorsJSON(r io.Reader, name string) ([]app.Legislator, error) {
	return readLegislators(newJSONDoc(r, name))
}

// ReadLegislatorsYAML reads legislators-current.yaml from the
// congress-legislators repository (same data as the JSON, slower to parse).
func ReadLegislatorsYAML(r io.Reader, name string) ([]app.Legislator, error) {
	d, err := newYAMLDoc(r, name)
	if err != nil {
		return nil, err
	}
	return readLegislators(d)
}

func readLegislators(d *jsonDoc) ([]app.Legislator, error) {
	if err := d.open('[', "legislators"); err != nil {
		return nil, err
	}
	out := make([]app.Legislator, 0, 540)
	seen := make(map[string]int64, 540)
	for d.more() {
		var rec legislatorRecord
		start, err := d.next(&rec)
		if err != nil {
			return nil, err
		}
		l, err := d.legislator(&rec, start)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[l.BioguideID]; dup {
			line, _ := d.position(first)
			return nil, d.errAt(d.locate(start, "id", "bioguide"), "duplicate bioguide id %q (first at line %d)", l.BioguideID, line)
		}
		seen[l.BioguideID] = start
		out = append(out, l)
	}
	if err := d.end(true); err != nil {
		return nil, err
	}
	return out, nil
}

// legislator checks one record and maps its current term (the last one).
func (d *jsonDoc) legislator(rec *legislatorRecord, start int64) (app.Legislator, error) {
	id := rec.ID.Bioguide
	if strings.TrimSpace(id) == "" {
		return app.Legislator{}, d.errAt(d.locate(start, "id"), "legislator has no id.bioguide")
	}
	if len(rec.Terms) == 0 {
		return app.Legislator{}, d.errAt(d.locate(start, "terms"), "legislator %s has no terms", id)
	}
	t := rec.Terms[len(rec.Terms)-1]
	at := func(key string) int64 { return d.locate(start, "terms", -1, key) }
	l := app.Legislator{
		BioguideID:   id,
		FirstName:    rec.Name.First,
		MiddleName:   rec.Name.Middle,
		LastName:     rec.Name.Last,
		Suffix:       rec.Name.Suffix,
		Nickname:     rec.Name.Nickname,
		OfficialName: rec.Name.OfficialFull,
		State:        t.State,
		Party:        t.Party,
		Caucus:       t.Caucus,
		StateRank:    t.StateRank,
		TermStart:    t.Start,
		TermEnd:      t.End,
		URL:          t.URL,
		Address:      t.Address,
		Office:       t.Office,
		Phone:        t.Phone,
		ContactForm:  t.ContactForm,
	}
	if !seatState(t.State) {
		return l, d.errAt(at("state"), "legislator %s: state is %s, want a USPS code such as \"IL\"", id, quoteShort(t.State))
	}
	switch t.Type {
	case "rep":
		l.Chamber = app.House
		if t.District == nil {
			return l, d.errAt(d.locate(start, "terms", -1), "legislator %s: the current House term has no district", id)
		}
		if *t.District < 0 {
			return l, d.errAt(at("district"), "legislator %s: district is %d, want 0 (at-large) or more", id, *t.District)
		}
		l.District = *t.District
	case "sen":
		l.Chamber = app.Senate
		if t.Class != nil {
			if *t.Class < 1 || *t.Class > 3 {
				return l, d.errAt(at("class"), "legislator %s: class is %d, want 1, 2 or 3", id, *t.Class)
			}
			l.Class = *t.Class
		}
	default:
		return l, d.errAt(at("type"), "legislator %s: the current term's type is %s, want \"rep\" or \"sen\"", id, quoteShort(t.Type))
	}
	return l, nil
}

// ReadLegislatorsCSV reads legislators-current.csv. The CSV flattens the
// current term but lacks state_rank, caucus, office and the term dates, so
// the JSON or YAML file is preferred when present.
func ReadLegislatorsCSV(r io.Reader, name string) ([]app.Legislator, error) {
	t, err := newCSVTable(r, name, ',', "bioguide_id", "type", "state", "district", "first_name", "last_name")
	if err != nil {
		return nil, err
	}
	out := make([]app.Legislator, 0, 540)
	seen := make(map[string]int, 540)
	for {
		if err := t.next(); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		id := t.get("bioguide_id")
		if strings.TrimSpace(id) == "" {
			return nil, t.errCol("bioguide_id", "legislator has no bioguide_id")
		}
		if first, dup := seen[id]; dup {
			return nil, t.errCol("bioguide_id", "duplicate bioguide id %q (first at line %d)", id, first)
		}
		seen[id] = t.line()
		l := app.Legislator{
			BioguideID:   id,
			FirstName:    t.get("first_name"),
			MiddleName:   t.get("middle_name"),
			LastName:     t.get("last_name"),
			Suffix:       t.get("suffix"),
			Nickname:     t.get("nickname"),
			OfficialName: t.get("full_name"),
			State:        t.get("state"),
			Party:        t.get("party"),
			URL:          t.get("url"),
			Address:      t.get("address"),
			Phone:        t.get("phone"),
			ContactForm:  t.get("contact_form"),
		}
		if !seatState(l.State) {
			return nil, t.errCol("state", "legislator %s: state is %s, want a USPS code such as \"IL\"", id, quoteShort(l.State))
		}
		switch typ := t.get("type"); typ {
		case "rep":
			l.Chamber = app.House
			d := t.get("district")
			n, err := strconv.Atoi(d)
			if err != nil || n < 0 {
				return nil, t.errCol("district", "district is %s, want an integer (0 for at-large)", quoteShort(d))
			}
			l.District = n
		case "sen":
			l.Chamber = app.Senate
			if c := t.get("senate_class"); c != "" {
				n, err := strconv.Atoi(c)
				if err != nil || n < 1 || n > 3 {
					return nil, t.errCol("senate_class", "senate_class is %s, want 1, 2 or 3", quoteShort(c))
				}
				l.Class = n
			}
		default:
			return nil, t.errCol("type", "type is %s, want \"rep\" or \"sen\"", quoteShort(typ))
		}
		out = append(out, l)
	}
	return out, nil
}
