package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
)

func TestAuditLog(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		events := []app.AuditEvent{
			{At: t0, ActorID: 1, ActorEmail: "ana@example.org", Action: "user.create", Subject: "user:bo@example.org", Detail: `{"roles":["staff"]}`, IP: "192.0.2.1"},
			{At: t0.Add(time.Minute), ActorID: 1, ActorEmail: "ana@example.org", Action: "campaign.update", Subject: "campaign:free-guan-heng"},
			{At: t0.Add(2 * time.Minute), ActorEmail: "cli", Action: "token.create", Subject: "token:1"},
			{At: t0.Add(3 * time.Minute), ActorID: 2, ActorEmail: "bo@example.org", Action: "user.update_x", Subject: "user:100%_x"},
			{ActorEmail: "system", Action: "auth.login_failed", Subject: "user:" + strings.Repeat("x", 500), Detail: strings.Repeat("é", 3000)},
		}
		for _, ev := range events {
			if err := e.db.Audit.Record(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, e.db.Audit.Record(ctx, app.AuditEvent{Subject: "x"}), app.EINVALID)

		list := func(f app.AuditFilter) []app.AuditEvent {
			t.Helper()
			got, err := e.db.Audit.ListAuditEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		all := list(app.AuditFilter{})
		if len(all) != 5 || all[0].Action != "auth.login_failed" || all[4].Action != "user.create" {
			t.Fatalf("all: %+v", all)
		}
		if all[4].Detail != `{"roles":["staff"]}` || all[4].IP != "192.0.2.1" || !all[4].At.Equal(t0) || all[4].ActorID != 1 {
			t.Fatalf("round trip: %+v", all[4])
		}
		// Over-long fields are cut, not refused; the missing time is the store's clock.
		if len(all[0].Subject) > 200 || len(all[0].Detail) > 2000 || !strings.HasSuffix(all[0].Detail, "é") || all[0].At.IsZero() {
			t.Fatalf("limits: subject %d detail %d at %v", len(all[0].Subject), len(all[0].Detail), all[0].At)
		}

		cases := []struct {
			name string
			f    app.AuditFilter
			want []string // actions, newest first
		}{
			{"action prefix", app.AuditFilter{Action: "user"}, []string{"user.update_x", "user.create"}},
			{"action prefix with dot", app.AuditFilter{Action: "user."}, []string{"user.update_x", "user.create"}},
			{"action exact", app.AuditFilter{Action: "user.create"}, []string{"user.create"}},
			{"action is not a substring", app.AuditFilter{Action: "use"}, nil},
			{"actor", app.AuditFilter{Actor: "ANA@example.org"}, []string{"campaign.update", "user.create"}},
			{"subject prefix", app.AuditFilter{Subject: "campaign:"}, []string{"campaign.update"}},
			{"subject wildcards are literal", app.AuditFilter{Subject: "user:100%_"}, []string{"user.update_x"}},
			{"subject % alone", app.AuditFilter{Subject: "%"}, nil},
			{"since/until", app.AuditFilter{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)}, []string{"token.create", "campaign.update"}},
			{"page", app.AuditFilter{BeforeID: all[1].ID, Limit: 2}, []string{"token.create", "campaign.update"}},
		}
		for _, c := range cases {
			got := list(c.f)
			var actions []string
			for _, ev := range got {
				actions = append(actions, ev.Action)
			}
			if strings.Join(actions, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: got %v, want %v", c.name, actions, c.want)
			}
		}
	})
}
