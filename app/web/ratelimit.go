package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/advocate-org/advocate/app"
)

// RateLimit bounds how fast one client address (SubmitRate) or one
// supporter email address (SubmitEmailRate) may send submissions, by form
// or API. Limits are kept per instance: behind a load balancer each
// instance enforces its own share.
type RateLimit struct {
	// PerMinute is the sustained rate per client or email address; 0
	// turns the limit off.
	PerMinute float64
	// Burst is how many requests a client may send at once before the rate
	// applies.
	Burst int
}

// buckets returns the token buckets of rl and the Retry-After seconds of a
// refusal, or nil when the limit is off.
func (rl RateLimit) buckets() (*middleware.RateLimiterMemoryStore, string) {
	if rl.PerMinute <= 0 {
		return nil, ""
	}
	burst := rl.Burst
	if burst <= 0 {
		burst = int(math.Max(1, math.Ceil(rl.PerMinute/6)))
	}
	// A bucket is forgotten once it would be full again.
	expires := max(10*time.Minute, time.Duration(float64(burst)/rl.PerMinute*float64(time.Minute)))
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate:      rate.Limit(rl.PerMinute / 60),
		Burst:     burst,
		ExpiresIn: expires,
	})
	return store, strconv.Itoa(int(math.Ceil(60 / rl.PerMinute)))
}

// submitLimiter returns the middleware for submission routes, or a no-op when
// the limit is off. The client address comes from echo's IPExtractor, which
// believes X-Forwarded-For only from configured trusted proxies.
func (s *Server) submitLimiter() echo.MiddlewareFunc {
	store, retry := s.opts.SubmitRate.buckets()
	if store == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: store,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			return clientKey(c), nil
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", retry)
			const msg = "Too many letters from your network in a short time. Please wait a minute and try again."
			if !isAPI(c) {
				// The form comes back with what the supporter typed.
				if camp, in, _ := s.supporterForm(c); camp != nil {
					return s.formPage(c, camp, in, &app.Error{Code: app.ERATELIMIT, Message: msg})
				}
			}
			return &httpError{status: http.StatusTooManyRequests, message: msg}
		},
		ErrorHandler: func(c echo.Context, err error) error {
			return &httpError{status: http.StatusTooManyRequests, message: "Too many requests."}
		},
	})
}

// emailLimiter returns the per-email check that the submission handlers
// make once they have read the address (SubmitEmailRate): one person cannot
// send the same letters again and again by moving between campaigns,
// networks or spellings of their address. It passes everything when the
// limit is off.
func (s *Server) emailLimiter() func(c echo.Context, email string) error {
	store, retry := s.opts.SubmitEmailRate.buckets()
	if store == nil {
		return func(echo.Context, string) error { return nil }
	}
	return func(c echo.Context, email string) error {
		key := limitKey(email)
		if key == "" {
			return nil // no address: the submission fails validation anyway
		}
		if ok, _ := store.Allow(key); ok {
			return nil
		}
		c.Response().Header().Set("Retry-After", retry)
		// A field error, so that the form comes back filled in.
		return &app.Error{Code: app.ERATELIMIT, Message: "Too many letters from this email address in a short time. Please try again later.",
			Fields: map[string]string{"email": "has sent too many letters in a short time"}}
	}
}

// limitKey is the mailbox an email address delivers to, as far as can be
// told: lower case, without a "+tag", and for Gmail without dots in the
// local part (Gmail ignores them), so that variants share one limit.
func limitKey(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return email
	}
	local, domain := email[:at], email[at+1:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		local = strings.ReplaceAll(local, ".", "")
	}
	return local + "@" + domain
}
