package web

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// secureHeaders sets the headers every response carries: no framing, no
// MIME sniffing, a CSP that allows no inline script.
func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// requestLog logs each request at debug level and failures at warn. Every
// response carries its time in the handlers as a Server-Timing header, so
// that a load test (or the browser's network panel) can tell the server's
// share of a response time from the network's and the client's.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		res := c.Response()
		res.Before(func() {
			res.Header().Set("Server-Timing", "app;dur="+strconv.FormatFloat(float64(time.Since(start).Microseconds())/1000, 'f', 1, 64))
		})
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelWarn
		}
		// Most requests are not logged at all: skip building the record.
		if s.log.Enabled(c.Request().Context(), level) {
			s.log.Log(c.Request().Context(), level, "request", "method", c.Request().Method, "path", c.Request().URL.Path,
				"status", status, "ms", time.Since(start).Milliseconds())
		}
		return nil
	}
}

// bodyLimit caps request bodies at n bytes: 413 beyond. A form is read at
// once, so that one sent without a length (chunked) that runs over is a 413
// too, rather than reaching the handlers as an empty form that fails its
// CSRF check.
func bodyLimit(n int64) echo.MiddlewareFunc {
	limit := middleware.BodyLimit(strconv.FormatInt(n, 10) + "B")
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return limit(func(c echo.Context) error {
			r := c.Request()
			if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
				return next(c)
			}
			var err error
			switch mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); mt {
			case echo.MIMEApplicationForm:
				err = r.ParseForm()
			case echo.MIMEMultipartForm:
				err = r.ParseMultipartForm(n)
			}
			if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
				return echo.ErrStatusRequestEntityTooLarge
			}
			return next(c) // a malformed form is the handlers' to refuse
		})
	}
}

// exportTimeout is the deadline of the streamed staff exports, which
// legitimately take minutes for a large campaign (the same as their write
// deadline in staffExport).
const exportTimeout = 30 * time.Minute

// longRoutes are the routes that get exportTimeout rather than DBTimeout.
var longRoutes = map[string]bool{
	"/staff/campaigns/:slug/export/:file": true,
	"/staff/campaigns/:slug/packets.zip":  true,
}

// dbDeadline puts a deadline on each request's context, so that a database
// that accepts connections but stops answering costs a request DBTimeout
// and a 503, not a connection held until the client gives up. Every store
// call runs under the request's context. (The submissions' group commit
// runs under its own; a submission waiting for it gives up at the
// deadline, and a retry finds it if it was stored after all.)
func (s *Server) dbDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		d := s.opts.DBTimeout
		if longRoutes[c.Path()] {
			d = exportTimeout
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), d)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		// The error is answered here, while ctx still tells a passed
		// deadline (handleError says so) from a client that went away:
		// once cancel runs, ctx reads as cancelled either way.
		if err := next(c); err != nil {
			c.Error(err)
		}
		return nil
	}
}
