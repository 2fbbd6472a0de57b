package store

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Roster keeps the imported roster, the hand-kept roster laid over it, the
// address changes waiting for an admin, and the lease of its daily refresh.
type Roster struct{ *engine }

// The hand-kept roster is the part of the roster that no public source
// publishes (commissions such as TLHRC and CECC, executive-branch targets)
// once organizers have edited it. It lives in its own tables, which roster
// imports never touch, and is laid over the imported roster when the
// roster service builds its index.

// ListLegislators returns the sitting Members of the imported roster in
// import order, for pickers (the matcher's index answers questions about
// one Member, not "who is there").
func (ro *Roster) ListLegislators(ctx context.Context) ([]app.Legislator, error) {
	var out []app.Legislator
	err := scanAll(ctx, pool(ro.r.WithContext(ctx)), `SELECT bioguide_id, first_name, middle_name, last_name, suffix,
		nickname, official_name, chamber, state, district, party FROM legislators ORDER BY pos`, func(rows *sql.Rows) error {
		var l app.Legislator
		err := rows.Scan(&l.BioguideID, &l.FirstName, &l.MiddleName, &l.LastName, &l.Suffix, &l.Nickname,
			&l.OfficialName, &l.Chamber, &l.State, &l.District, &l.Party)
		out = append(out, l)
		return err
	})
	if err != nil {
		return nil, mapErr(err, "list legislators", msgs{})
	}
	return out, nil
}

// rosterTables are emptied by every import, children of the roster first.
var rosterTables = []string{
	"memberships", "district_offices", "district_shapes", "zip_districts",
	"executive_targets", "committees", "legislators",
}

// rosterLockKey is the pg_advisory_xact_lock key that serialises roster
// imports between instances.
const rosterLockKey int64 = 0x61647663_726f7374

// ReplaceRoster swaps in r as the whole roster in one transaction: on any
// error (a duplicate bioguide id, a dropped connection) nothing changes and
// the previous roster stays. It records an import row whose version orders
// imports.
func (ro *Roster) ReplaceRoster(ctx context.Context, r *app.Roster, source string) (app.RosterInfo, error) {
	if r == nil {
		return app.RosterInfo{}, app.Errorf(app.EINVALID, "no roster to import")
	}
	info := app.RosterInfo{
		ImportedAt:  ro.now(),
		Source:      source,
		Legislators: len(r.Legislators),
		Committees:  len(r.Committees),
		Memberships: len(r.Memberships),
		Offices:     len(r.Offices),
		Zips:        len(r.Zips),
		Shapes:      len(r.Shapes),
		Executives:  len(r.Executives),
	}
	// Encode shapes before taking the writer: it is CPU work that other
	// writes need not wait for.
	blobs := make([][]byte, len(r.Shapes))
	for i, s := range r.Shapes {
		blobs[i] = encodeShape(s.Polygons)
	}
	err := ro.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		// Two instances importing at once would each delete only the rows
		// they saw and then clash on the other's inserts: queue them.
		if lock := ro.dialect.xactLock(rosterLockKey); lock != "" {
			if _, err := q.ExecContext(ctx, lock); err != nil {
				return fmt.Errorf("lock roster: %w", err)
			}
		}
		for _, t := range rosterTables {
			if _, err := q.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("empty %s: %w", t, err)
			}
		}
		if err := ro.bulkInsert(ctx, q, "legislators", []string{"bioguide_id", "pos", "first_name", "middle_name",
			"last_name", "suffix", "nickname", "official_name", "chamber", "state", "district", "party", "caucus",
			"state_rank", "class", "term_start", "term_end", "url", "address", "office", "phone", "contact_form", "email"},
			len(r.Legislators), func(i int, a []any) []any {
				l := &r.Legislators[i]
				return append(a, l.BioguideID, i, l.FirstName, l.MiddleName, l.LastName, l.Suffix, l.Nickname,
					l.OfficialName, string(l.Chamber), l.State, l.District, l.Party, l.Caucus, l.StateRank, l.Class,
					l.TermStart, l.TermEnd, l.URL, l.Address, l.Office, l.Phone, l.ContactForm, l.Email)
			}); err != nil {
			return fmt.Errorf("legislators: %w", err)
		}
		if err := ro.bulkInsert(ctx, q, "district_offices", []string{"id", "pos", "bioguide_id", "address", "suite",
			"building", "city", "state", "zip", "phone", "fax", "hours", "lat", "lon", "has_point"},
			len(r.Offices), func(i int, a []any) []any {
				o := &r.Offices[i]
				return append(a, o.ID, i, o.BioguideID, o.Address, o.Suite, o.Building, o.City, o.State, o.Zip,
					o.Phone, o.Fax, o.Hours, o.Lat, o.Lon, o.HasPoint)
			}); err != nil {
			return fmt.Errorf("district offices: %w", err)
		}
		if err := ro.bulkInsert(ctx, q, "committees", []string{"code", "pos", "parent_code", "name", "kind", "chamber",
			"url", "address", "phone", "email"},
			len(r.Committees), func(i int, a []any) []any {
				c := &r.Committees[i]
				return append(a, c.Code, i, c.ParentCode, c.Name, string(c.Kind), string(c.Chamber), c.URL, c.Address,
					c.Phone, c.Email)
			}); err != nil {
			return fmt.Errorf("committees: %w", err)
		}
		if err := ro.bulkInsert(ctx, q, "memberships", []string{"committee_code", "bioguide_id", "pos", "party", "rank", "title"},
			len(r.Memberships), func(i int, a []any) []any {
				m := &r.Memberships[i]
				return append(a, m.CommitteeCode, m.BioguideID, i, m.Party, m.Rank, m.Title)
			}); err != nil {
			return fmt.Errorf("memberships: %w", err)
		}
		if err := ro.bulkInsert(ctx, q, "executive_targets", []string{"target_key", "pos", "title", "name", "salutation",
			"greeting", "address", "email", "in_office_since"},
			len(r.Executives), func(i int, a []any) []any {
				e := &r.Executives[i]
				return append(a, e.Key, i, e.Title, e.Name, e.Salutation, e.Greeting, e.Address, e.Email, e.InOfficeSince)
			}); err != nil {
			return fmt.Errorf("executive targets: %w", err)
		}
		if err := ro.bulkInsert(ctx, q, "zip_districts", []string{"pos", "zip", "state", "district"},
			len(r.Zips), func(i int, a []any) []any {
				z := &r.Zips[i]
				return append(a, i, z.Zip, z.State, z.District)
			}); err != nil {
			return fmt.Errorf("zip districts: %w", err)
		}
		// Shapes are a few MB of blobs: keep statements small so that one
		// does not build a huge argument buffer.
		for start := 0; start < len(r.Shapes); start += 64 {
			end := min(start+64, len(r.Shapes))
			args := make([]any, 0, 5*(end-start))
			for i := start; i < end; i++ {
				s := &r.Shapes[i]
				args = append(args, s.District.State, s.District.District, i, s.GEOID, blobs[i])
			}
			if _, err := q.ExecContext(ctx, ro.insertSQL("district_shapes",
				[]string{"state", "district", "pos", "geoid", "polygons"}, end-start, ""), args...); err != nil {
				return fmt.Errorf("district shapes: %w", err)
			}
		}
		return q.QueryRowContext(ctx, ro.rebind(`INSERT INTO roster_imports
			(imported_at, source, legislators, committees, memberships, offices, zips, shapes, executives)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING version`),
			info.ImportedAt, info.Source, info.Legislators, info.Committees, info.Memberships, info.Offices,
			info.Zips, info.Shapes, info.Executives).Scan(&info.Version)
	})
	if err != nil {
		return app.RosterInfo{}, mapErr(err, "replace roster", msgs{
			conflict: "The roster has duplicate entries (the same member, committee, seat, office, ZIP row or district twice); nothing was imported.",
		})
	}
	return info, nil
}

// RosterInfo describes the newest import (zero Version when none).
func (ro *Roster) RosterInfo(ctx context.Context) (app.RosterInfo, error) {
	info, err := ro.rosterInfo(ctx, pool(ro.r.WithContext(ctx)))
	return info, mapErr(err, "roster info", msgs{})
}

func (ro *Roster) rosterInfo(ctx context.Context, q querier) (app.RosterInfo, error) {
	var info app.RosterInfo
	err := q.QueryRowContext(ctx, `SELECT version, imported_at, source, legislators, committees, memberships,
		offices, zips, shapes, executives FROM roster_imports ORDER BY version DESC LIMIT 1`).Scan(
		&info.Version, &info.ImportedAt, &info.Source, &info.Legislators, &info.Committees, &info.Memberships,
		&info.Offices, &info.Zips, &info.Shapes, &info.Executives)
	if err == sql.ErrNoRows {
		return app.RosterInfo{}, nil
	}
	info.ImportedAt = info.ImportedAt.UTC()
	return info, err
}

// LoadRoster reads the whole roster from one consistent snapshot, in import
// order, for the matcher's in-memory indexes.
func (ro *Roster) LoadRoster(ctx context.Context) (*app.Roster, app.RosterInfo, error) {
	r := &app.Roster{}
	var info app.RosterInfo
	opts := ro.dialect.snapshot()
	err := ro.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		var err error
		if info, err = ro.rosterInfo(ctx, q); err != nil {
			return fmt.Errorf("import info: %w", err)
		}
		if err := scanAll(ctx, q, `SELECT bioguide_id, first_name, middle_name, last_name, suffix, nickname,
			official_name, chamber, state, district, party, caucus, state_rank, class, term_start, term_end, url,
			address, office, phone, contact_form, email FROM legislators ORDER BY pos`, func(rows *sql.Rows) error {
			var l app.Legislator
			err := rows.Scan(&l.BioguideID, &l.FirstName, &l.MiddleName, &l.LastName, &l.Suffix, &l.Nickname,
				&l.OfficialName, &l.Chamber, &l.State, &l.District, &l.Party, &l.Caucus, &l.StateRank, &l.Class,
				&l.TermStart, &l.TermEnd, &l.URL, &l.Address, &l.Office, &l.Phone, &l.ContactForm, &l.Email)
			r.Legislators = append(r.Legislators, l)
			return err
		}); err != nil {
			return fmt.Errorf("legislators: %w", err)
		}
		if err := scanAll(ctx, q, `SELECT id, bioguide_id, address, suite, building, city, state, zip, phone, fax,
			hours, lat, lon, has_point FROM district_offices ORDER BY pos`, func(rows *sql.Rows) error {
			var o app.DistrictOffice
			err := rows.Scan(&o.ID, &o.BioguideID, &o.Address, &o.Suite, &o.Building, &o.City, &o.State, &o.Zip,
				&o.Phone, &o.Fax, &o.Hours, &o.Lat, &o.Lon, &o.HasPoint)
			r.Offices = append(r.Offices, o)
			return err
		}); err != nil {
			return fmt.Errorf("district offices: %w", err)
		}
		if err := scanAll(ctx, q, `SELECT code, parent_code, name, kind, chamber, url, address, phone, email
			FROM committees ORDER BY pos`, func(rows *sql.Rows) error {
			var c app.Committee
			err := rows.Scan(&c.Code, &c.ParentCode, &c.Name, &c.Kind, &c.Chamber, &c.URL, &c.Address, &c.Phone, &c.Email)
			r.Committees = append(r.Committees, c)
			return err
		}); err != nil {
			return fmt.Errorf("committees: %w", err)
		}
		if err := scanAll(ctx, q, `SELECT committee_code, bioguide_id, party, rank, title FROM memberships ORDER BY pos`,
			func(rows *sql.Rows) error {
				var m app.Membership
				err := rows.Scan(&m.CommitteeCode, &m.BioguideID, &m.Party, &m.Rank, &m.Title)
				r.Memberships = append(r.Memberships, m)
				return err
			}); err != nil {
			return fmt.Errorf("memberships: %w", err)
		}
		if err := scanAll(ctx, q, `SELECT target_key, title, name, salutation, greeting, address, email, in_office_since
			FROM executive_targets ORDER BY pos`, func(rows *sql.Rows) error {
			var e app.ExecutiveTarget
			err := rows.Scan(&e.Key, &e.Title, &e.Name, &e.Salutation, &e.Greeting, &e.Address, &e.Email, &e.InOfficeSince)
			r.Executives = append(r.Executives, e)
			return err
		}); err != nil {
			return fmt.Errorf("executive targets: %w", err)
		}
		if info.Zips > 0 {
			r.Zips = make([]app.ZipDistrict, 0, info.Zips)
		}
		if err := scanAll(ctx, q, `SELECT zip, state, district FROM zip_districts ORDER BY pos`, func(rows *sql.Rows) error {
			var z app.ZipDistrict
			err := rows.Scan(&z.Zip, &z.State, &z.District)
			r.Zips = append(r.Zips, z)
			return err
		}); err != nil {
			return fmt.Errorf("zip districts: %w", err)
		}
		if err := scanAll(ctx, q, `SELECT state, district, geoid, polygons FROM district_shapes ORDER BY pos`,
			func(rows *sql.Rows) error {
				var s app.DistrictShape
				var blob sql.RawBytes
				if err := rows.Scan(&s.District.State, &s.District.District, &s.GEOID, &blob); err != nil {
					return err
				}
				polys, err := decodeShape(blob)
				if err != nil {
					return fmt.Errorf("%s: %w", s.District, err)
				}
				s.Polygons = polys
				r.Shapes = append(r.Shapes, s)
				return nil
			}); err != nil {
			return fmt.Errorf("district shapes: %w", err)
		}
		return nil
	}, opts)
	if err != nil {
		return nil, app.RosterInfo{}, mapErr(err, "load roster", msgs{})
	}
	return r, info, nil
}
