package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
)

// TestDBDeadlineSparesTheStreamedExports: every request gets DBTimeout,
// except the staff exports, which stream for minutes.
func TestDBDeadlineSparesTheStreamedExports(t *testing.T) {
	s := &Server{opts: Options{DBTimeout: 2 * time.Second}}
	e := echo.New()
	e.Use(s.dbDeadline)
	left := map[string]time.Duration{}
	h := func(c echo.Context) error {
		dl, ok := c.Request().Context().Deadline()
		if !ok {
			t.Errorf("%s: no deadline", c.Path())
		}
		left[c.Request().URL.Path] = time.Until(dl)
		return c.NoContent(http.StatusNoContent)
	}
	e.GET("/api/v1/campaigns", h)
	e.GET("/staff/campaigns/:slug/export/:file", h)
	e.GET("/staff/campaigns/:slug/packets.zip", h)
	for path, want := range map[string]time.Duration{
		"/api/v1/campaigns": 2 * time.Second,
		"/staff/campaigns/free-guan-heng/export/letters.csv": exportTimeout,
		"/staff/campaigns/free-guan-heng/packets.zip":        exportTimeout,
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := left[path]; got > want || got < want-time.Second {
			t.Errorf("%s: deadline in %s, want %s", path, got, want)
		}
	}
}

// TestDBDeadlineAnswers503: an error from the database is its own status
// (not a client that went away), and work cut off by the deadline says the
// service is temporarily unavailable.
func TestDBDeadlineAnswers503(t *testing.T) {
	s := &Server{opts: Options{DBTimeout: 200 * time.Millisecond}, log: slog.New(slog.DiscardHandler)}
	e := echo.New()
	e.HTTPErrorHandler = s.handleError
	e.Use(s.dbDeadline)
	e.GET("/api/v1/down", func(c echo.Context) error {
		return app.Errorf(app.EUNAVAILABLE, "The database is not reachable. Please try again in a few minutes.")
	})
	e.GET("/api/v1/stuck", func(c echo.Context) error {
		<-c.Request().Context().Done()
		return fmt.Errorf("store: find: %w", c.Request().Context().Err())
	})
	for path, want := range map[string]string{
		"/api/v1/down":  "not reachable",
		"/api/v1/stuck": "temporarily unavailable",
	} {
		rec := httptest.NewRecorder()
		start := time.Now()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), want) || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s took %s", path, took)
		}
	}
}
