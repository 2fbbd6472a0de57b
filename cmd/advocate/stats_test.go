package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
)

// The demo generator, the exports and the rollup check through the
// command line, on the seed roster.
func TestDemoSeedExportAndRebuild(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir, nil)
	code, out, stderr := runCLI(t, env, "demo", "seed", "--letters", "300", "--days", "10", "--seed", "7")
	if code != 0 {
		t.Fatalf("demo seed: %d %s %s", code, out, stderr)
	}
	m := regexp.MustCompile(`wrote (\d+) supporters and (\d+) letters into campaign "demo"`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(stderr, "seed roster") {
		t.Fatalf("demo seed said %q / %q", out, stderr)
	}
	supporters, _ := strconv.Atoi(m[1])
	letters, _ := strconv.Atoi(m[2])
	if letters < 300 || supporters == 0 {
		t.Fatalf("%d supporters, %d letters", supporters, letters)
	}

	// Totals as JSON agree with what was written.
	code, out, stderr = runCLI(t, env, "export", "--campaign", "demo", "--what", "totals", "--format", "json")
	if code != 0 {
		t.Fatalf("export totals: %d %s", code, stderr)
	}
	var tot struct {
		Supporters int            `json:"supporters"`
		Letters    int            `json:"letters"`
		ByState    map[string]int `json:"by_state"`
		ByDay      []struct {
			Letters int `json:"letters"`
		} `json:"by_day"`
	}
	if err := json.Unmarshal([]byte(out), &tot); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sumDays, sumStates := 0, 0
	for _, d := range tot.ByDay {
		sumDays += d.Letters
	}
	for _, n := range tot.ByState {
		sumStates += n
	}
	if tot.Supporters != supporters || tot.Letters != letters || sumDays != letters || sumStates != supporters || len(tot.ByDay) > 11 {
		t.Errorf("totals %+v, want %d supporters and %d letters", tot, supporters, letters)
	}

	// The letters list, masked, to a file.
	file := filepath.Join(dir, "letters.csv")
	if code, _, stderr := runCLI(t, env, "export", "--campaign", "demo", "--what", "letters", "--out", file); code != 0 {
		t.Fatalf("export letters: %s", stderr)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != letters+1 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if email := rows[1][9]; !strings.HasPrefix(email, "s***@d***.invalid") {
		t.Errorf("email not masked: %q", email)
	}
	// The JSON variant too: masked unless the flag says otherwise, and each
	// run is in the audit log with the operating-system account behind it.
	_, out, _ = runCLI(t, env, "export", "--campaign", "demo", "--what", "letters", "--format", "json")
	if strings.Contains(out, "@demo.invalid") || !strings.Contains(out, "s***@d***.invalid") {
		t.Errorf("JSON export not masked: %.300s", out)
	}
	_, out, _ = runCLI(t, env, "export", "--campaign", "demo", "--what", "letters", "--format", "json", "--with-personal-data")
	if !strings.Contains(out, "@demo.invalid") {
		t.Errorf("JSON export with --with-personal-data masked: %.300s", out)
	}
	_, db := openAuth(t, dir)
	evs, err := db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: "export.letters"})
	if err != nil || len(evs) != 3 || evs[0].ActorEmail != "cli" || !strings.Contains(evs[0].Detail, `"personal_data":true`) ||
		!strings.Contains(evs[0].Detail, `"operator":"`) || !strings.Contains(evs[1].Detail, `"personal_data":false`) {
		t.Errorf("audit %+v %v", evs, err)
	}
	_, out, _ = runCLI(t, env, "export", "--campaign", "demo", "--what", "letters", "--with-personal-data", "--to", "1999-01-01")
	if out != strings.Join(rows[0], ",")+"\n" {
		t.Errorf("nothing before 1999, got %q", out)
	}

	// Bad requests say what is wrong.
	for _, args := range [][]string{
		{"export", "--campaign", "demo", "--what", "passwords"},
		{"export", "--campaign", "demo", "--format", "xml"},
		{"export", "--campaign", "demo", "--from", "yesterday"},
		{"export", "--campaign", "nope"},
		{"export"},
	} {
		if code, _, stderr := runCLI(t, env, args...); code == 0 || stderr == "" {
			t.Errorf("%v: code %d, %q", args, code, stderr)
		}
	}

	// The rollups match a recount.
	if code, out, stderr := runCLI(t, env, "stats", "rebuild", "--check"); code != 0 || !strings.Contains(out, "match the letters exactly") {
		t.Errorf("rebuild --check: %d %s %s", code, out, stderr)
	}
	if code, out, _ := runCLI(t, env, "stats", "show", "--campaign", "demo"); code != 0 ||
		!strings.Contains(out, strconv.Itoa(letters)+" letters") {
		t.Errorf("stats show: %d %s", code, out)
	}
}
