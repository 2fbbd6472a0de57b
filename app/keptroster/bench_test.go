package keptroster_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/keptroster"
)

// BenchmarkSeatEditRealRoster is what an organizer waits for when saving a
// commission seat on the full public roster: save the kept lists, reload
// the stored roster and rebuild the in-memory index.
func BenchmarkSeatEditRealRoster(b *testing.B) {
	dir := apptest.SharedData(b)
	ctx := context.Background()
	db := openDB(b, filepath.Join(b.TempDir(), "a.db"))
	rs := newRoster(db)
	if _, _, err := rs.ImportDir(ctx, dir, congress.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	kept := keptroster.New(keptroster.Options{Store: db.Roster, Roster: rs, Campaigns: db.Campaigns})
	octx := organizer()
	titles := []string{"Member", "Co-Chair"}
	i := 0
	for b.Loop() {
		if err := kept.SaveSeat(octx, "TLHRC", keptroster.SeatInput{Member: "M000312", Title: titles[i%2]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if _, ok := rs.Index().Committee("TLHRC"); !ok {
		b.Fatal("TLHRC lost")
	}
}
