package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/advocate-org/advocate/app/web"
)

// stuckPinger is a database that accepts the ping and never answers it.
type stuckPinger struct{}

func (stuckPinger) Ping(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestHealthAnswers503WhenTheDatabaseDoesNotAnswer(t *testing.T) {
	f := newFixture(t, "", "", func(o *web.Options) { o.DB = stuckPinger{} })
	f.client.Timeout = 5 * time.Second
	start := time.Now()
	resp, body := f.get("/healthz")
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("/healthz took %s", took)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "database unavailable") {
		t.Fatalf("/healthz: %d %s", resp.StatusCode, body)
	}
}

// TestSubmissionsGiveUpOnALockedSQLiteFile: another process holds the
// SQLite file's write lock (a backup tool, a shell left in a transaction).
// A submission answers 503 at the request deadline, not after the driver's
// 10 s busy wait; pages that only read keep answering; once the lock goes,
// the supporter's retry goes through.
func TestSubmissionsGiveUpOnALockedSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "advocate.db")
	f := newFixture(t, path, "", func(o *web.Options) { o.DBTimeout = time.Second })
	f.client.Timeout = 20 * time.Second
	other, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	submitPath := "/api/v1/campaigns/" + slug + "/submissions"
	start := time.Now()
	resp, body := f.do(http.MethodPost, submitPath, "application/json", goodJSON)
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || took > 3*time.Second {
		t.Fatalf("submission while the file is locked: %d after %s: %s", resp.StatusCode, took, body)
	}
	if !strings.Contains(body, "temporarily unavailable") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("503 without a clear message or Retry-After: %s", body)
	}
	for _, page := range []string{"/c/" + slug, "/api/v1/campaigns"} {
		if resp, _ := f.get(page); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s while the file is locked: %d", page, resp.StatusCode)
		}
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	// The first attempt may have been stored once the lock went: the retry
	// then finds it instead of making a second one, and is answered alike.
	resp, body = f.do(http.MethodPost, submitPath, "application/json", goodJSON)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("retry after the lock went: %d %s", resp.StatusCode, body)
	}
	f.emailedLink(t, slug, "lukasz@example.org") // stored once, whichever stored it
}
