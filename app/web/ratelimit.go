package web

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// RateLimit bounds how fast one client address may send submissions (form
// or API). Limits are kept per instance: behind a load balancer each
// instance enforces its own share.
type RateLimit struct {
	// PerMinute is the sustained rate per client address; 0 turns the
	// limit off.
	PerMinute float64
	// Burst is how many requests a client may send at once before the rate
	// applies.
	Burst int
}

// submitLimiter returns the middleware for submission routes, or a no-op when
// the limit is off. The client address comes from echo's IPExtractor, which
// believes X-Forwarded-For only from configured trusted proxies.
func (s *Server) submitLimiter() echo.MiddlewareFunc {
	rl := s.opts.SubmitRate
	if rl.PerMinute <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	burst := rl.Burst
	if burst <= 0 {
		burst = int(math.Max(1, math.Ceil(rl.PerMinute/6)))
	}
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate:      rate.Limit(rl.PerMinute / 60),
		Burst:     burst,
		ExpiresIn: 10 * time.Minute,
	})
	retry := strconv.Itoa(int(math.Ceil(60 / rl.PerMinute)))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: store,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			return c.RealIP(), nil
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", retry)
			return &httpError{status: http.StatusTooManyRequests, message: "Too many letters from your network in a short time. Please wait a minute and try again."}
		},
		ErrorHandler: func(c echo.Context, err error) error {
			return &httpError{status: http.StatusTooManyRequests, message: "Too many requests."}
		},
	})
}
