package congress

import (
	"io"
	"strings"

	"github.com/advocate-org/advocate/app"
)

type committeeRecord struct {
	Type          string               `json:"type"`
	Name          string               `json:"name"`
	ThomasID      string               `json:"thomas_id"`
	URL           string               `json:"url"`
	Address       string               `json:"address"`
	Phone         string               `json:"phone"`
	Subcommittees []subcommitteeRecord `json:"subcommittees"`
}

type subcommitteeRecord struct {
	Name     string `json:"name"`
	ThomasID string `json:"thomas_id"`
	URL      string `json:"url"`
	Address  string `json:"address"`
	Phone    string `json:"phone"`
}

// ReadCommitteesJSON reads committees-current.json. Subcommittees become
// committees of their own whose Code is the parent's thomas_id followed by
// the subcommittee's ("HSJU" + "01" = "HSJU01"), the key the membership file
// uses, with ParentCode set and the parent's chamber.
func ReadCommitteesJSON(r io.Reader, name string) ([]app.Committee, error) {
	return readCommittees(newJSONDoc(r, name))
}

// ReadCommitteesYAML reads committees-current.yaml; see ReadCommitteesJSON.
func ReadCommitteesYAML(r io.Reader, name string) ([]app.Committee, error) {
	d, err := newYAMLDoc(r, name)
	if err != nil {
		return nil, err
	}
	return readCommittees(d)
}

var chambers = map[string]app.Chamber{"house": app.House, "senate": app.Senate, "joint": app.Joint}

func readCommittees(d *jsonDoc) ([]app.Committee, error) {
	if err := d.open('[', "committees"); err != nil {
		return nil, err
	}
	out := make([]app.Committee, 0, 240)
	seen := make(map[string]int64, 240)
	add := func(c app.Committee, off int64) error {
		if first, dup := seen[c.Code]; dup {
			line, _ := d.position(first)
			return d.errAt(off, "duplicate committee code %q (first at line %d)", c.Code, line)
		}
		seen[c.Code] = off
		out = append(out, c)
		return nil
	}
	for d.more() {
		var rec committeeRecord
		start, err := d.next(&rec)
		if err != nil {
			return nil, err
		}
		if !validCode(rec.ThomasID) {
			return nil, d.errAt(d.locate(start, "thomas_id"), "committee %s: thomas_id is %s, want letters and digits such as \"HSZS\"",
				quoteShort(rec.Name), quoteShort(rec.ThomasID))
		}
		ch, ok := chambers[rec.Type]
		if !ok {
			return nil, d.errAt(d.locate(start, "type"), "committee %s: type is %s, want house, senate or joint",
				rec.ThomasID, quoteShort(rec.Type))
		}
		err = add(app.Committee{
			Code:    rec.ThomasID,
			Name:    rec.Name,
			Kind:    app.KindCommittee,
			Chamber: ch,
			URL:     rec.URL,
			Address: rec.Address,
			Phone:   rec.Phone,
		}, d.locate(start, "thomas_id"))
		if err != nil {
			return nil, err
		}
		for i, s := range rec.Subcommittees {
			if !validCode(s.ThomasID) {
				return nil, d.errAt(d.locate(start, "subcommittees", i, "thomas_id"),
					"subcommittee %s of %s: thomas_id is %s, want digits such as \"01\"", quoteShort(s.Name), rec.ThomasID, quoteShort(s.ThomasID))
			}
			err := add(app.Committee{
				Code:       rec.ThomasID + s.ThomasID,
				ParentCode: rec.ThomasID,
				Name:       s.Name,
				Kind:       app.KindCommittee,
				Chamber:    ch,
				URL:        s.URL,
				Address:    s.Address,
				Phone:      s.Phone,
			}, d.locate(start, "subcommittees", i, "thomas_id"))
			if err != nil {
				return nil, err
			}
		}
	}
	if err := d.end(true); err != nil {
		return nil, err
	}
	return out, nil
}

// validCode accepts the ASCII letters and digits committee codes are made of,
// so that a code can be used in URLs and template rules without escaping.
func validCode(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

type seatRecord struct {
	Name     string `json:"name"`
	Party    string `json:"party"`
	Rank     int    `json:"rank"`
	Title    string `json:"title"`
	Bioguide string `json:"bioguide"`
}

// ReadMembershipsJSON reads committee-membership-current.json: a map from
// committee code (subcommittees as parent+sub) to its seats. Titles are kept
// as published ("Chairman", "Ranking Member", "Ex Officio", ...). Seats keep
// the file's order.
func ReadMembershipsJSON(r io.Reader, name string) ([]app.Membership, error) {
	return readMemberships(newJSONDoc(r, name))
}

// ReadMembershipsYAML reads committee-membership-current.yaml; see
// ReadMembershipsJSON.
func ReadMembershipsYAML(r io.Reader, name string) ([]app.Membership, error) {
	d, err := newYAMLDoc(r, name)
	if err != nil {
		return nil, err
	}
	return readMemberships(d)
}

func readMemberships(d *jsonDoc) ([]app.Membership, error) {
	if err := d.open('{', "committee codes"); err != nil {
		return nil, err
	}
	out := make([]app.Membership, 0, 4000)
	seen := make(map[string]int64, 240)
	for d.more() {
		code, koff, err := d.key()
		if err != nil {
			return nil, err
		}
		if !validCode(code) {
			return nil, d.errAt(koff, "committee code %s is not letters and digits", quoteShort(code))
		}
		if first, dup := seen[code]; dup {
			line, _ := d.position(first)
			return nil, d.errAt(koff, "committee %s is listed twice (first at line %d)", code, line)
		}
		seen[code] = koff
		var seats []seatRecord
		start, err := d.next(&seats)
		if err != nil {
			return nil, err
		}
		for i, s := range seats {
			if strings.TrimSpace(s.Bioguide) == "" {
				return nil, d.errAt(d.locate(start, i), "committee %s: seat %d (%s) has no bioguide id", code, i+1, quoteShort(s.Name))
			}
			out = append(out, app.Membership{
				CommitteeCode: code,
				BioguideID:    s.Bioguide,
				Party:         s.Party,
				Rank:          s.Rank,
				Title:         s.Title,
			})
		}
	}
	if err := d.end(true); err != nil {
		return nil, err
	}
	return out, nil
}
