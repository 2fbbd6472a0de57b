package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/limit"
)

// RateLimit bounds how many submissions (and "send my link again"
// requests) one client network may send: at most Burst in any ten-second
// window and PerMinute in any clock minute. An IPv4 address counts alone,
// an IPv6 address with its /64 (clientKey). The counts are kept in the
// database through Options.Limits, so a restart or a second instance does
// not reset them.
type RateLimit struct {
	// PerMinute is the most per client network in a minute; 0 turns the
	// limit off.
	PerMinute int
	// Burst is the most in ten seconds (default PerMinute/2, at least 1).
	Burst int
}

// submitLimiter returns the middleware for submission routes, or a no-op
// when the limit is off or no counter is wired.
func (s *Server) submitLimiter() echo.MiddlewareFunc {
	rl, counter := s.opts.SubmitRate, s.opts.Limits
	if rl.PerMinute <= 0 || counter == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	burst := rl.Burst
	if burst <= 0 {
		burst = max(1, rl.PerMinute/2)
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key := "submit:" + clientKey(c)
			window := time.Duration(0)
			if counter.Hit(key, 10*time.Second) > int64(burst) {
				window = 10 * time.Second
			}
			if counter.Hit(key, time.Minute) > int64(rl.PerMinute) {
				window = time.Minute
			}
			if window == 0 {
				return next(c)
			}
			return s.denySubmission(c, counter, window)
		}
	}
}

func (s *Server) denySubmission(c echo.Context, counter *limit.Counter, window time.Duration) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(counter.RetryAfter(window)))
	const msg = "Too many letters from your network in a short time. Please wait a minute and try again."
	if !isAPI(c) {
		// The form comes back with what the supporter typed.
		if camp, in, _ := s.supporterForm(c); camp != nil {
			return s.formPage(c, camp, in, &app.Error{Code: app.ERATELIMIT, Message: msg})
		}
	}
	return &httpError{status: http.StatusTooManyRequests, message: msg}
}
