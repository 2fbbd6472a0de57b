package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
)

// Migration 0014: the addresses organizers kept before approvals existed
// were in use, so they count as approved; upgrading stops no mail.
func TestApprovalsMigrationKeepsAddressesInUse(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			dsn := filepath.Join(t.TempDir(), "old.db")
			if dialect == "postgres" {
				dsn = apptest.PostgresDSN(t)
			}
			d := openTestDB(t, dsn)
			if _, err := d.migrate(ctx, 13); err != nil {
				t.Fatal(err)
			}
			r := &app.Roster{
				Committees: []app.Committee{{Code: "TLHRC", Name: "TLHRC", Chamber: app.House, Email: "tlhrc@mail.house.gov"},
					{Code: "CECC", Name: "CECC", Chamber: app.Joint}},
				Executives: []app.ExecutiveTarget{{Key: "DHS_SECRETARY", Title: "Secretary", Name: "N", Address: "DC", Email: "sec@dhs.example"}},
			}
			// What SaveKeptRoster wrote before 0014.
			if _, err := d.Roster.writeKept(ctx, 0, "org@example.org", true, func(ctx context.Context, q querier) error {
				return d.Roster.insertKept(ctx, q, r)
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := d.Roster.ApprovedAddresses(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"commission:TLHRC": "tlhrc@mail.house.gov", "executive:DHS_SECRETARY": "sec@dhs.example"}
			if len(got) != len(want) || got["commission:TLHRC"] != want["commission:TLHRC"] || got["executive:DHS_SECRETARY"] != want["executive:DHS_SECRETARY"] {
				t.Fatalf("approved after migrating: %v, want %v", got, want)
			}
		})
	}
}
