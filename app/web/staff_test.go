package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
)

// submitJSON posts one API submission and returns how many letters it made.
func submitLetters(t *testing.T, af *authFixture, body string) int {
	t.Helper()
	resp, out := af.do(http.MethodPost, "/api/v1/campaigns/protect-witnesses/submissions", "application/json", body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submission: %d %s", resp.StatusCode, out)
	}
	var s struct {
		Letters []json.RawMessage `json:"letters"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Letters) == 0 {
		t.Fatalf("submission answer %s: %v", out, err)
	}
	return len(s.Letters)
}

func TestStaffDashboard(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	letters := submitLetters(t, af, goodJSON)
	// A supporter whose name would run as a spreadsheet formula.
	letters += submitLetters(t, af, strings.NewReplacer("Łukasz", "=HYPERLINK(1)", "lukasz@", "formula@").Replace(goodJSON))

	staff := af.signedIn("staff@example.org", app.RoleStaff)
	resp, body := staff.get("/staff")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d", resp.StatusCode)
	}
	mustContain(t, body, `href="/staff/campaigns/protect-witnesses"`, "Protect the people who document abuses in China", `<td class="num">2</td>`)

	resp, body = staff.get("/staff/campaigns/protect-witnesses")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d %s", resp.StatusCode, body)
	}
	mustContain(t, body, `data-stat="supporters">2<`, `data-stat="letters">`+strconv.Itoa(letters)+`<`,
		`<svg class="chart"`, "Letters per day", "Supporters by state", "<title>NY: 2 supporters</title>",
		"Paul Tonko", "/staff/campaigns/protect-witnesses/export/letters.csv", `src="/static/staff.js"`)
	mustNotContain(t, body, "lukasz@example.org", "HYPERLINK")

	// A filter that does not parse shows its error over the unfiltered numbers.
	resp, body = staff.get("/staff/campaigns/protect-witnesses?from=tomorrow&state=ZZ")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad filter: %d", resp.StatusCode)
	}
	mustContain(t, body, "enter a date as YYYY-MM-DD", "two-letter state", `data-stat="supporters">2<`)
	// A state with nobody.
	_, body = staff.get("/staff/campaigns/protect-witnesses?state=IL")
	mustContain(t, body, `data-stat="supporters">0<`)
	if resp, _ := staff.get("/staff/campaigns/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", resp.StatusCode)
	}

	// The letters list and its export mask emails for staff.
	_, body = staff.get("/staff/campaigns/protect-witnesses/letters")
	mustContain(t, body, "l***@e***.org", "masked")
	mustNotContain(t, body, "lukasz@example.org")
	resp, body = staff.get("/staff/campaigns/protect-witnesses/export/letters.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="protect-witnesses-letters.csv"`) {
		t.Fatalf("letters export: %d %v", resp.StatusCode, resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != letters+1 || rows[0][0] != "letter_id" {
		t.Fatalf("letters CSV: %d rows, %v\n%s", len(rows), err, body)
	}
	mustNotContain(t, body, "lukasz@example.org", "=HYPERLINK")
	if resp, _ := staff.get("/staff/campaigns/protect-witnesses/export/letters.csv?personal=1"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("personal export by staff: %d", resp.StatusCode)
	}
	for _, bad := range []string{"letters.xls", "passwords.csv", "letters", "../letters.csv"} {
		if resp, _ := staff.get("/staff/campaigns/protect-witnesses/export/" + bad); resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("export %q: %d", bad, resp.StatusCode)
		}
	}

	// The supporter-data role sees them, with formulas defused.
	data := af.signedIn("data@example.org", app.RoleStaff, app.RoleSupporterData)
	_, body = data.get("/staff/campaigns/protect-witnesses/export/letters.csv?personal=1")
	mustContain(t, body, "lukasz@example.org", "'=HYPERLINK(1)")
	_, body = data.get("/staff/campaigns/protect-witnesses/letters")
	mustContain(t, body, "lukasz@example.org")

	// Every breakdown exports in both formats.
	for _, what := range []string{"totals", "targets", "states", "districts", "days", "deliveries"} {
		for _, format := range []string{"csv", "json"} {
			resp, body := staff.get("/staff/campaigns/protect-witnesses/export/" + what + "." + format)
			if resp.StatusCode != http.StatusOK || len(body) < 10 {
				t.Errorf("%s.%s: %d %q", what, format, resp.StatusCode, body)
			}
		}
	}
	_, body = staff.get("/staff/campaigns/protect-witnesses/export/states.csv")
	if body != "state,supporters,letters\nNY,2,"+strconv.Itoa(letters)+"\n" {
		t.Errorf("states CSV %q", body)
	}

	// Every export that ran is in the audit log (the refused one is not):
	// letters as staff and with personal data, 12 breakdowns, states again.
	got := af.auditActions(app.AuditFilter{Action: "export"})
	if len(got) != 1+1+12+1 {
		t.Errorf("%d export events: %v", len(got), got)
	}
}

func TestStatsAPI(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	letters := submitLetters(t, af, goodJSON)

	// No credentials, a role without access, then a staff token and a
	// staff session.
	if resp, _ := apiGet(t, af, "/api/v1/stats?campaign=protect-witnesses", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
	org := af.user("org@example.org", app.RoleOrganizer)
	orgToken, _, err := af.auth.CreateToken(cliCtx, org.ID, "org")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := apiGet(t, af, "/api/v1/stats?campaign=protect-witnesses", "Bearer "+orgToken); resp.StatusCode != http.StatusForbidden {
		t.Errorf("organizer token: %d", resp.StatusCode)
	}
	staffUser := af.user("staff@example.org", app.RoleStaff)
	token, _, err := af.auth.CreateToken(cliCtx, staffUser.ID, "dashboards")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := apiGet(t, af, "/api/v1/stats?campaign=protect-witnesses", "Bearer "+token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("staff token: %d %s", resp.StatusCode, body)
	}
	var st struct {
		Campaign   string           `json:"campaign"`
		Supporters int64            `json:"supporters"`
		Letters    int64            `json:"letters"`
		Deliveries map[string]int64 `json:"deliveries"`
		ByState    map[string]int64 `json:"by_state"`
		ByTarget   []struct {
			Name       string `json:"name"`
			BioguideID string `json:"bioguide_id"`
			Letters    int64  `json:"letters"`
		} `json:"by_target"`
		ByDay []struct {
			Date    string `json:"date"`
			Letters int64  `json:"letters"`
		} `json:"by_day"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Campaign != "protect-witnesses" || st.Supporters != 1 || st.Letters != int64(letters) || st.ByState["NY"] != 1 ||
		len(st.ByTarget) != letters || len(st.ByDay) != 1 || st.ByDay[0].Date != fixedNow.UTC().Format("2006-01-02") ||
		st.ByDay[0].Letters != int64(letters) || st.Deliveries["pending"] == 0 {
		t.Errorf("stats %s", body)
	}
	var tonko bool
	for _, x := range st.ByTarget {
		tonko = tonko || (x.BioguideID == "T000469" && x.Name == "Paul Tonko" && x.Letters == 1)
	}
	if !tonko {
		t.Errorf("Tonko missing from %s", body)
	}

	// The dashboard's live numbers come from the same endpoint with the
	// browser's session, GET only.
	staff := af.signedIn("staff2@example.org", app.RoleStaff)
	if resp, body := staff.get("/api/v1/stats?campaign=protect-witnesses&state=NY"); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, `"supporters":1`) {
		t.Errorf("session: %d %s", resp.StatusCode, body)
	}
	if resp, _ := staff.get("/api/v1/me"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("other API endpoints still ignore the session: %d", resp.StatusCode)
	}
	if resp, _ := apiGet(t, af, "/api/v1/stats", "Bearer "+token); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("no campaign: %d", resp.StatusCode)
	}
	if resp, _ := apiGet(t, af, "/api/v1/stats?campaign=nope", "Bearer "+token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", resp.StatusCode)
	}
	if resp, body := apiGet(t, af, "/api/v1/stats?campaign=protect-witnesses&from=2026-02-30", "Bearer "+token); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "YYYY-MM-DD") {
		t.Errorf("bad date: %d %s", resp.StatusCode, body)
	}
}
