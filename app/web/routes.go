package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes lists every route in one place.
func (s *Server) routes() {
	e := s.e
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))
	e.Use(s.requestLog)
	e.Use(secureHeaders)
	e.Use(middleware.BodyLimit(byteSize(s.opts.MaxBodyBytes)))

	e.GET("/healthz", s.health)
	e.StaticFS("/static", s.opts.Static)

	// Supporters (HTML, works without JavaScript).
	pages := e.Group("", middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf",
		CookieName:     "advocate_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.opts.SecureCookies,
		CookieSameSite: http.SameSiteLaxMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return errBadRequest("Your form expired or was sent from another site. Please go back, reload the page and try again.")
		},
	}))
	pages.GET("/", s.home)
	pages.GET("/c/:slug", s.campaignPage)
	pages.POST("/c/:slug/preview", s.preview)
	pages.POST("/c/:slug/submit", s.submitForm)
	pages.GET("/s/:token", s.thanks)
	pages.GET("/s/:token/letters.pdf", s.pdfAll)
	pages.GET("/s/:token/letters/:id/pdf", s.pdfOne)

	// JSON API for scripts and checks (no cookies, no CSRF).
	api := e.Group("/api/v1")
	api.GET("/lookup", s.apiLookup)
	api.GET("/campaigns", s.apiCampaigns)
	api.GET("/campaigns/:slug/targets", s.apiTargets)
	api.POST("/campaigns/:slug/submissions", s.apiSubmit)
	api.Any("/*", func(c echo.Context) error { return errNotFound("no such API endpoint") })
}
