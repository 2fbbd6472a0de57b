package roster_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/match"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/data"
)

func openStore(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func newService(db *store.DB) *roster.Service {
	seed, _ := fs.Sub(data.Seed(), "roster")
	return roster.New(roster.Options{Store: db.Roster, Seed: seed})
}

func TestEmptyThenSeed(t *testing.T) {
	ctx := context.Background()
	rs := newService(openStore(t, filepath.Join(t.TempDir(), "a.db")))
	if err := rs.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if !rs.Info().Empty() || !strings.Contains(rs.Notice(), "No roster") {
		t.Fatalf("empty roster: %+v %q", rs.Info(), rs.Notice())
	}
	if _, err := rs.Matcher().Lookup(ctx, match.Query{Zip: "12202"}); err == nil {
		t.Log("lookup on an empty roster answered without error")
	}
	info, err := rs.ImportSeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Source != roster.SeedSource || info.Legislators == 0 || !strings.Contains(rs.Notice(), "sample roster") {
		t.Fatalf("seed: %+v %q", info, rs.Notice())
	}
	l, err := rs.Matcher().Lookup(ctx, match.Query{Zip: "12202"})
	if err != nil || len(l.Representatives) != 1 || l.Representatives[0].Member == nil || l.Representatives[0].Member.BioguideID != "T000469" {
		t.Fatalf("seed lookup: %+v %v", l, err)
	}
}

// writeMini writes a tiny roster folder in the published formats, without
// commissions, so the seed's are merged in.
func writeMini(t *testing.T, legislatorsJSON string) string {
	t.Helper()
	dir := t.TempDir()
	must := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must("congress-legislators/legislators-current.json", legislatorsJSON)
	must("zip-district/zccd.csv", "state_fips,state_abbr,zcta,cd\n25,MA,01060,2\n")
	return dir
}

const mini = `[{"id":{"bioguide":"M000312"},"name":{"first":"James","last":"McGovern","official_full":"James P. McGovern"},
 "terms":[{"type":"rep","start":"2025-01-03","end":"2027-01-03","state":"MA","district":2,"party":"Democrat","address":"270 Cannon House Office Building Washington DC 20515-2102"}]}]`

func TestImportKeepsSeedCommissionsAndFailedImportChangesNothing(t *testing.T) {
	ctx := context.Background()
	db := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	rs := newService(db)
	info, _, err := rs.ImportDir(ctx, writeMini(t, mini), congress.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Notice() != "" || info.Legislators != 1 {
		t.Fatalf("after import: %+v %q", info, rs.Notice())
	}
	ix := rs.Index()
	if c, ok := ix.Committee("TLHRC"); !ok || c.Kind != app.KindCommission {
		t.Fatalf("seed commission TLHRC not merged")
	}
	if len(ix.Members("TLHRC")) != 1 { // only McGovern is in this roster
		t.Fatalf("TLHRC members: %+v", ix.Members("TLHRC"))
	}
	if _, ok := ix.Executive("DHS_SECRETARY"); !ok {
		t.Fatal("seed executive target not merged")
	}

	before := rs.Info()
	if _, _, err := rs.ImportDir(ctx, writeMini(t, `[{"id":{"bioguide":"X"}`), congress.ImportOptions{}); err == nil {
		t.Fatal("broken import accepted")
	}
	if rs.Info() != before {
		t.Fatal("a failed import changed the current roster")
	}
	if stored, err := db.Roster.RosterInfo(ctx); err != nil || stored.Version != before.Version {
		t.Fatalf("a failed import changed the stored roster: %+v %v", stored, err)
	}
}

func TestRefreshPicksUpAnotherInstancesImport(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	a := newService(openStore(t, path))
	b := newService(openStore(t, path))
	if _, err := a.ImportSeed(ctx); err != nil {
		t.Fatal(err)
	}
	changed, err := b.Refresh(ctx)
	if err != nil || !changed || b.Info().Version != a.Info().Version {
		t.Fatalf("refresh: %v %v %+v", changed, err, b.Info())
	}
	if changed, _ := b.Refresh(ctx); changed {
		t.Fatal("second refresh reloaded an unchanged roster")
	}
}
