package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app/apptest"
)

// TestDataFetchFromLocalServer downloads the public files from a local
// server laid out like the public sources, then imports them.
func TestDataFetchFromLocalServer(t *testing.T) {
	shared := apptest.SharedData(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(shared)))
	defer srv.Close()
	env := testEnv(t.TempDir(), map[string]string{
		"ADVOCATE_SOURCE_LEGISLATORS": srv.URL + "/congress-legislators/legislators-current.json",
		"ADVOCATE_SOURCE_COMMITTEES":  srv.URL + "/congress-legislators/committees-current.json",
		"ADVOCATE_SOURCE_MEMBERSHIPS": srv.URL + "/congress-legislators/committee-membership-current.json",
		"ADVOCATE_SOURCE_OFFICES":     srv.URL + "/congress-legislators/legislators-district-offices.json",
		"ADVOCATE_SOURCE_ZIPS":        srv.URL + "/zip-district/zccd.csv",
		"ADVOCATE_SOURCE_SHAPES":      srv.URL + "/districts/us-congressional-districts-119.topojson",
	})
	dir := filepath.Join(t.TempDir(), "public")
	code, out, stderr := runCLI(t, env, "data", "fetch", "--dir", dir)
	if code != 0 {
		t.Fatalf("fetch: %d %s %s", code, out, stderr)
	}
	if count(out, "legislators") != 537 || count(out, "shapes") != 441 || count(out, "ZIP rows") != 42033 {
		t.Errorf("fetch+import summary: %s", out)
	}
	if !strings.Contains(stderr, "downloading") {
		t.Errorf("no progress shown: %q", stderr)
	}
	// Commissions have no public source: the seed's are kept.
	_, out, _ = runCLI(t, env, "lookup", "--zip", "60173", "--lat", "42.042839", "--lon", "-88.0382131")
	if !strings.Contains(out, "Krishnamoorthi") {
		t.Fatalf("lookup after fetch: %s", out)
	}
}
