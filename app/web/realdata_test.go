package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app/apptest"
)

// TestRealRoster runs the lookups the README promises on the real public
// data, through HTTP.
func TestRealRoster(t *testing.T) {
	dir := apptest.SharedData(t)
	f := newFixture(t, "", dir)
	_, body := f.get("/api/v1/lookup?zip=12202")
	mustContain(t, body, `"state":"NY","district":20`, `"T000469"`, "Schumer", "Gillibrand")
	_, body = f.get("/api/v1/lookup?zip=60173")
	mustContain(t, body, `"district":5`, `"district":8`, `"ambiguous":true`)
	_, body = f.get("/api/v1/lookup?zip=60173&lat=42.042839&lon=-88.0382131")
	mustContain(t, body, `"district":8`, `"K000391"`, `"method":"point"`)
	mustNotContain(t, body, `"district":5`)
	_, body = f.get("/api/v1/lookup?zip=20001")
	mustContain(t, body, `"state":"DC","district":0`, `"senators":[]`)

	resp, body := f.do(http.MethodPost, "/api/v1/campaigns/protect-witnesses/submissions", "application/json",
		strings.NewReplacer(`"zip":"12202"`, `"zip":"60173"`, `"state":"NY"`, `"state":"IL"`, `"personal_message"`, `"lat":42.042839,"lon":-88.0382131,"personal_message"`).Replace(goodJSON))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// IL-8's member sits on HSZS, so he is matched once, as Representative,
	// with both reasons.
	if strings.Count(body, `"target_key":"leg:K000391"`) != 1 {
		t.Errorf("Krishnamoorthi should get exactly one letter: %s", body)
	}
	mustContain(t, body, "your Representative", "Moolenaar", "Khanna", "Durbin", "Duckworth", "Mullin")
}

func TestJourneyOnPostgres(t *testing.T) {
	dsn := apptest.PostgresDSN(t)
	f := newFixture(t, dsn, "")
	resp, body := f.do(http.MethodPost, "/api/v1/campaigns/protect-witnesses/submissions", "application/json", goodJSON)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	link := f.emailedLink(t, slug, "lukasz@example.org")
	resp, again := f.do(http.MethodPost, "/api/v1/campaigns/protect-witnesses/submissions", "application/json", goodJSON)
	if resp.StatusCode != http.StatusAccepted || again != body || f.emailedLink(t, slug, "lukasz@example.org") != link {
		t.Fatalf("repeat on Postgres: %d %s", resp.StatusCode, again)
	}
}
