package congress

import (
	"io"
	"regexp"
	"sort"
	"strconv"

	"github.com/advocate-org/advocate/app"
)

// ReadZCCD reads zccd.csv from OpenSourceActivismTech/us-zipcodes-congress
// (header state_fips,state_abbr,zcta,cd; one row per ZCTA and district; cd 0
// for at-large, delegate and resident-commissioner seats). Rows are returned
// in file order; a ZCTA may have several rows, even in two states.
func ReadZCCD(r io.Reader, name string) ([]app.ZipDistrict, error) {
	t, err := newCSVTable(r, name, ',', "state_abbr", "zcta", "cd")
	if err != nil {
		return nil, err
	}
	checkFIPS := t.has("state_fips")
	out := make([]app.ZipDistrict, 0, 43000)
	for {
		if err := t.next(); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		zip, state, cd := t.get("zcta"), t.get("state_abbr"), t.get("cd")
		if !fiveDigits(zip) {
			return nil, t.errCol("zcta", "ZIP is %s, want 5 digits", quoteShort(zip))
		}
		if !seatState(state) {
			return nil, t.errCol("state_abbr", "state is %s, want a USPS code such as \"IL\"", quoteShort(state))
		}
		if checkFIPS {
			if f := t.get("state_fips"); uspsToFIPS[state] != f {
				return nil, t.errCol("state_fips", "state_fips is %s but %s is %s", quoteShort(f), state, uspsToFIPS[state])
			}
		}
		n, err := strconv.Atoi(cd)
		if err != nil || n < 0 || n > 99 || len(cd) > 2 {
			return nil, t.errCol("cd", "district is %s, want an integer from 0 (at-large) to 99", quoteShort(cd))
		}
		out = append(out, app.ZipDistrict{Zip: zip, State: state, District: n})
	}
	return out, nil
}

func fiveDigits(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var censusCDColumn = regexp.MustCompile(`^GEOID_CD1[0-9][0-9]_20$`)

// ReadCensusZCTARelationship reads the Census Bureau's ZCTA↔congressional
// district relationship file (tab20_cd11920_zcta520_natl.txt: pipe-delimited,
// header row, columns found by name: GEOID_CD1nn_20 and GEOID_ZCTA5_20).
//
// Census GEOIDs are 2-digit state FIPS + 2-digit district; 00 (at-large) and
// 98 (delegate, resident commissioner) become district 0 like in
// congress-legislators. Rows without a ZCTA (district area outside every
// ZCTA) or with the ZZ pseudo-district (water) are skipped, and so are rows
// whose AREALAND_PART is 0 when the ZCTA has land in another district: a
// ZCTA that touches a district only on water has no residents there, and
// listing that district would make the ZIP look ambiguous. The result is sorted by ZIP, state and district, one row per pair.
func ReadCensusZCTARelationship(r io.Reader, name string) ([]app.ZipDistrict, error) {
	cr, err := newCSVTable(r, name, '|', "GEOID_ZCTA5_20")
	if err != nil {
		return nil, err
	}
	cdCol := ""
	for c := range cr.cols {
		if censusCDColumn.MatchString(c) && c > cdCol {
			cdCol = c
		}
	}
	if cdCol == "" {
		return nil, invalidAt(name, 1, 0, "the header lacks a GEOID_CD1nn_20 column (such as GEOID_CD119_20)")
	}
	land := cr.has("AREALAND_PART")
	type key struct {
		zip, state string
		d          int
	}
	seen := make(map[key]bool, 50000)
	out := make([]app.ZipDistrict, 0, 50000)
	var water []app.ZipDistrict // rows that share no land with the district
	hasLand := make(map[string]bool, 40000)
	for {
		if err := cr.next(); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		zip := cr.get("GEOID_ZCTA5_20")
		if zip == "" {
			continue
		}
		if !fiveDigits(zip) {
			return nil, cr.errCol("GEOID_ZCTA5_20", "ZCTA is %s, want 5 digits", quoteShort(zip))
		}
		geoid := cr.get(cdCol)
		if len(geoid) == 4 && geoid[2:] == "ZZ" {
			continue
		}
		if len(geoid) != 4 {
			return nil, cr.errCol(cdCol, "district GEOID is %s, want 4 digits (state FIPS + district)", quoteShort(geoid))
		}
		state, ok := fipsToUSPS[geoid[:2]]
		if !ok {
			return nil, cr.errCol(cdCol, "district GEOID %s has unknown state FIPS code %s", quoteShort(geoid), geoid[:2])
		}
		d, ok := censusDistrict(geoid[2:])
		if !ok {
			return nil, cr.errCol(cdCol, "district GEOID is %s, want a 2-digit district after the state", quoteShort(geoid))
		}
		k := key{zip, state, d}
		if seen[k] {
			continue
		}
		seen[k] = true
		zd := app.ZipDistrict{Zip: zip, State: state, District: d}
		if land && cr.get("AREALAND_PART") == "0" {
			water = append(water, zd)
			continue
		}
		out = append(out, zd)
		hasLand[zip] = true
	}
	for _, zd := range water {
		if !hasLand[zd.Zip] {
			out = append(out, zd)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Zip != b.Zip {
			return a.Zip < b.Zip
		}
		if a.State != b.State {
			return a.State < b.State
		}
		return a.District < b.District
	})
	return out, nil
}

// censusDistrict maps a 2-digit Census district code to congress-legislators'
// numbering: 00 (at-large) and 98 (non-voting seat) are district 0.
func censusDistrict(cd string) (int, bool) {
	if len(cd) != 2 || cd[0] < '0' || cd[0] > '9' || cd[1] < '0' || cd[1] > '9' {
		return 0, false
	}
	switch cd {
	case "00", "98":
		return 0, true
	}
	n := int(cd[0]-'0')*10 + int(cd[1]-'0')
	return n, true
}
