package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app/apptest"
)

func testEnv(dir string, extra map[string]string) func(string) string {
	m := map[string]string{"ADVOCATE_DATA_DIR": dir, "ADVOCATE_AUTO_FETCH": "false", "ADVOCATE_ADDR": "127.0.0.1:0"}
	for k, v := range extra {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func runCLI(t *testing.T, env func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb apptest.Buffer
	code := run(context.Background(), args, env, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	env := testEnv(t.TempDir(), nil)
	for _, args := range [][]string{{}, {"nope"}, {"data"}, {"data", "import"}, {"lookup"}, {"serve", "--bogus"}} {
		code, _, stderr := runCLI(t, env, args...)
		if code != 2 || !strings.Contains(stderr, "Usage:") {
			t.Errorf("%v: code %d, stderr %q", args, code, stderr)
		}
	}
	code, out, _ := runCLI(t, env, "help")
	if code != 0 || !strings.Contains(out, "advocate serve") {
		t.Errorf("help: %d %q", code, out)
	}
	bad := testEnv(t.TempDir(), map[string]string{"ADVOCATE_DB": "mysql://x"})
	if code, _, stderr := runCLI(t, bad, "migrate"); code != 2 || !strings.Contains(stderr, "configuration") {
		t.Errorf("bad config: %d %q", code, stderr)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	env := testEnv(t.TempDir(), nil)
	code, out, stderr := runCLI(t, env, "migrate")
	if code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("first migrate: %d %q %q", code, out, stderr)
	}
	code, out, _ = runCLI(t, env, "migrate")
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
}

// TestImportAndLookup is the README's promise on the real data.
func TestImportAndLookup(t *testing.T) {
	shared := apptest.SharedData(t)
	env := testEnv(t.TempDir(), nil)
	code, out, stderr := runCLI(t, env, "data", "import", "--dir", shared)
	if code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	if count(out, "legislators") != 537 {
		t.Errorf("import summary: %s", out)
	}
	code, out, _ = runCLI(t, env, "lookup", "--zip", "12202", "--json")
	if code != 0 {
		t.Fatal(code)
	}
	var l struct {
		Districts []struct {
			State    string
			District int
		}
		Representatives []struct {
			BioguideID string `json:"bioguide_id"`
		}
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err, out)
	}
	if len(l.Districts) != 1 || l.Districts[0].District != 20 || l.Representatives[0].BioguideID != "T000469" {
		t.Fatalf("12202: %s", out)
	}
	_, out, _ = runCLI(t, env, "lookup", "--zip", "60173")
	if !strings.Contains(out, "IL-5") || !strings.Contains(out, "IL-8") {
		t.Fatalf("60173: %s", out)
	}
	_, out, _ = runCLI(t, env, "lookup", "--zip", "60173", "--lat", "42.042839", "--lon", "-88.0382131")
	if !strings.Contains(out, "IL-8") || strings.Contains(out, "IL-5") {
		t.Fatalf("60173 with point: %s", out)
	}

	// A broken folder is refused and the stored roster stays.
	broken := t.TempDir()
	writeFile(t, filepath.Join(broken, "congress-legislators", "legislators-current.json"), `[{"id":{"bioguide":"X"},`)
	code, _, stderr = runCLI(t, env, "data", "import", "--dir", broken)
	if code == 0 || !strings.Contains(stderr, "legislators-current.json:1") || !strings.Contains(stderr, "unchanged") {
		t.Fatalf("broken import: %d %q", code, stderr)
	}
	_, out, _ = runCLI(t, env, "lookup", "--zip", "12202")
	if !strings.Contains(out, "Tonko") {
		t.Fatalf("roster lost after a failed import: %s", out)
	}
}

// TestServeOfflineStartsOnSeed runs the real serve command on port 0 with
// fetching pointed at a dead address: it must start on the seed roster and
// serve the seed campaign.
func TestServeOfflineStartsOnSeed(t *testing.T) {
	env := testEnv(t.TempDir(), map[string]string{
		"ADVOCATE_AUTO_FETCH":         "true",
		"ADVOCATE_FETCH_TIMEOUT":      "5s",
		"ADVOCATE_SOURCE_LEGISLATORS": "http://127.0.0.1:1/legislators-current.json",
		"ADVOCATE_SOURCE_COMMITTEES":  "http://127.0.0.1:1/c.json",
		"ADVOCATE_SOURCE_MEMBERSHIPS": "http://127.0.0.1:1/m.json",
		"ADVOCATE_SOURCE_OFFICES":     "http://127.0.0.1:1/o.json",
		"ADVOCATE_SOURCE_ZIPS":        "http://127.0.0.1:1/z.csv",
		"ADVOCATE_SOURCE_SHAPES":      "http://127.0.0.1:1/s.topojson",
	})
	srv := startServe(t, env, nil)
	addr, stderr := srv.addr, srv.stderr
	resp, err := http.Get("http://" + addr + "/api/v1/lookup?zip=12202")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "T000469") {
		t.Fatalf("lookup on seed: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get("http://" + addr + "/c/protect-witnesses")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "sample roster") {
		t.Errorf("the seed notice is not shown")
	}
	if !strings.Contains(stderr.String(), "sample roster") {
		t.Errorf("the seed notice is not logged: %s", stderr.String())
	}
	srv.stopOK()
}
