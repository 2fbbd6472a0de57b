package app_test

import (
	"testing"

	"github.com/advocate-org/advocate/app"
)

// The lookup lists decide what input is valid; a caller that sorts or
// edits what it got must not change them for everyone else.
func TestLookupListsAreCopies(t *testing.T) {
	if s := app.States(); len(s) == 0 || func() bool { s[0] = "ZZ"; return app.ValidState("ZZ") }() {
		t.Error("changing States() changed the valid states")
	}
	if p := app.Prefixes(); len(p) == 0 || func() bool { p[0] = "Sir"; return app.ValidPrefix("Sir") }() {
		t.Error("changing Prefixes() changed the valid prefixes")
	}
	if r := app.Roles(); len(r) == 0 || func() bool { r[0] = "owner"; return app.Role("owner").Valid() }() {
		t.Error("changing Roles() changed the valid roles")
	}
	if k := app.TargetKinds(); len(k) == 0 || func() bool { k[0] = "mayor"; return app.TargetKind("mayor").Valid() }() {
		t.Error("changing TargetKinds() changed the valid kinds")
	}
	c := app.Channels()
	c[0] = "fax"
	if app.Channels()[0] == "fax" {
		t.Error("changing Channels() changed the channels")
	}
	d := app.DeliveryStatuses()
	d[0] = "lost"
	if app.DeliveryStatuses()[0] == "lost" {
		t.Error("changing DeliveryStatuses() changed the statuses")
	}
}
