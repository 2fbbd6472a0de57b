package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
)

// RateLimit bounds how many requests of one kind (submissions and "send
// my link again" requests, PDF downloads) one client network or one link
// may send: at most Burst in a ten-second window and the larger of
// PerMinute and Burst in a clock minute. An IPv4 address counts alone,
// an IPv6 address with its /64 (clientKey). The counts are kept in the
// database through Options.Limits, so a restart or a second instance does
// not reset them.
type RateLimit struct {
	// PerMinute is the most per client network in a minute; 0 turns the
	// limit off.
	PerMinute int
	// Burst is the most in ten seconds (default PerMinute/2, at least 1).
	// A burst larger than PerMinute is also the minute's limit.
	Burst int
}

// submitLimiter returns the middleware for submission routes, or a no-op
// when the limit is off or no counter is wired.
func (s *Server) submitLimiter() echo.MiddlewareFunc {
	return s.rateLimiter("submit:", s.opts.SubmitRate, clientKey, s.denySubmission)
}

// rateLimiter counts each request under prefix+key(c) in Options.Limits
// and hands those past rl to deny, with Retry-After set; a no-op when rl
// is off or no counter is wired.
func (s *Server) rateLimiter(prefix string, rl RateLimit, key func(echo.Context) string, deny func(echo.Context) error) echo.MiddlewareFunc {
	counter := s.limits
	if rl.PerMinute <= 0 || counter == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	burst := rl.Burst
	if burst <= 0 {
		burst = max(1, rl.PerMinute/2)
	}
	perMinute := max(rl.PerMinute, burst)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			k := prefix + key(c)
			window := time.Duration(0)
			if counter.Hit(k, 10*time.Second) > int64(burst) {
				window = 10 * time.Second
			}
			if counter.Hit(k, time.Minute) > int64(perMinute) {
				window = time.Minute
			}
			if window == 0 {
				return next(c)
			}
			c.Response().Header().Set("Retry-After", strconv.Itoa(counter.RetryAfter(window)))
			return deny(c)
		}
	}
}

func (s *Server) denySubmission(c echo.Context) error {
	const msg = "Too many letters from your network in a short time. Please wait a minute and try again."
	if !isAPI(c) {
		// The form comes back with what the supporter typed.
		if camp, in, _ := s.supporterForm(c); camp != nil {
			return s.formPage(c, camp, in, &app.Error{Code: app.ERATELIMIT, Message: msg})
		}
	}
	return &httpError{status: http.StatusTooManyRequests, message: msg}
}
