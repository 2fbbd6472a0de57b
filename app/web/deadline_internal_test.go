package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
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
