package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/advocate-org/advocate/app"
)

// routes lists every route in one place.
func (s *Server) routes() {
	e := s.e
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))
	e.Use(s.requestLog)
	e.Use(secureHeaders)
	e.Use(bodyLimit(s.opts.MaxBodyBytes))
	// Every request's database work ends in time (middleware.go).
	e.Use(s.dbDeadline)
	// Who is asking: session cookie on pages, Bearer token on /api (middleware_auth.go).
	e.Use(s.authenticate)

	e.GET("/healthz", s.health)
	e.StaticFS("/static", s.opts.Static)
	e.GET("/favicon.ico", s.icon.serve)

	// Every HTML form (supporters, sign-in, organizers, admins) carries a
	// CSRF token; the API has no cookies and needs none.
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf",
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.opts.SecureCookies,
		CookieSameSite: http.SameSiteLaxMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return errBadRequest("Your form expired or was sent from another site. Please go back, reload the page and try again.")
		},
	})

	// Supporters (HTML, works without JavaScript).
	pages := e.Group("", csrf)
	pages.GET("/", s.home)
	pages.GET("/c/:slug", s.campaignPage)
	pages.POST("/c/:slug/preview", s.preview)
	pages.POST("/c/:slug/submit", s.submitForm, s.submitLimit)
	pages.POST("/c/:slug/link", s.linkAgain, s.submitLimit) // "send me my link again"
	pages.GET("/s/:token", s.thanks)
	pages.POST("/s/:token/erase", s.eraseOwn) // the supporter erases their own data
	pages.GET("/s/:token/letters.pdf", s.pdfAll, s.downloadLimit)
	pages.GET("/s/:token/letters/:id/pdf", s.pdfOne, s.downloadLimit)
	pages.GET("/confirm/:token", s.confirmPage) // double opt-in (public_confirm.go)
	pages.POST("/confirm/:token", s.confirm)

	// Accounts (auth.go): signing in is public, the rest needs a session.
	pages.GET("/login", s.loginPage)
	pages.POST("/login", s.login)
	pages.GET("/logout", s.logoutPage)
	pages.POST("/logout", s.logout)
	account := e.Group("/account", csrf, s.requireRole())
	account.GET("", s.accountPage)
	account.POST("/password", s.changePassword)

	// Administration (admin.go).
	admin := e.Group("/admin", csrf, s.requireRole(app.RoleAdmin))
	admin.GET("", s.adminHome)
	admin.GET("/users", s.adminUsers)
	admin.POST("/users", s.adminCreateUser)
	admin.GET("/users/:id", s.adminUser)
	admin.POST("/users/:id", s.adminUpdateUser)
	admin.POST("/users/:id/disable", s.adminDisableUser)
	admin.POST("/users/:id/enable", s.adminEnableUser)
	admin.POST("/users/:id/password", s.adminSetPassword)
	admin.POST("/users/:id/tokens", s.adminCreateToken)
	admin.POST("/tokens/:id/revoke", s.adminRevokeToken)
	// Roles that need a second administrator (the supporter-data role).
	admin.POST("/grants/:id/approve", s.adminApproveGrant)
	admin.POST("/grants/:id/refuse", s.adminRefuseGrant)
	admin.GET("/audit", s.adminAudit)
	// Changes of delivery address waiting for an admin (admin_approvals.go).
	admin.POST("/approvals/:id/approve", s.adminApproveAddress)
	admin.POST("/approvals/:id/refuse", s.adminRefuseAddress)

	// Organizers (organizer.go).
	s.organizerRoutes(e.Group("/organize", csrf, s.requireRole(app.RoleOrganizer)))

	// Staff (staff_delivery.go).
	staff := e.Group("/staff", csrf, s.requireRole(app.RoleStaff))
	staff.GET("", s.staffOverview)
	staff.GET("/delivery", s.staffDelivery)
	staff.GET("/campaigns/:slug", s.staffCampaign)
	staff.GET("/campaigns/:slug/letters", s.staffLetters)
	staff.GET("/campaigns/:slug/export/:file", s.staffExport)
	// Office packets print every letter in full (writers' names, street
	// addresses, emails, own paragraphs), and a masked packet could not be
	// delivered: the supporter-data role, not every staff member.
	e.GET("/staff/campaigns/:slug/packets.zip", s.staffPackets, csrf, s.requireRole(app.RoleSupporterData))

	// Supporters' personal data (staff_privacy.go): only the supporter-data
	// role, not every staff member.
	supporters := e.Group("/staff/supporters", csrf, s.requireRole(app.RoleSupporterData))
	supporters.GET("", s.staffSupporters)
	supporters.GET("/export", s.staffSupporterExport)
	supporters.POST("/erase", s.staffSupporterErase)

	// JSON API for scripts and checks (no cookies, no CSRF).
	api := e.Group("/api/v1")
	api.GET("/lookup", s.apiLookup)
	api.GET("/campaigns", s.apiCampaigns)
	api.GET("/campaigns/:slug/targets", s.apiTargets)
	api.POST("/campaigns/:slug/submissions", s.apiSubmit, s.submitLimit)
	api.GET("/me", s.apiMe, s.requireRole()) // who a Bearer token acts for
	api.GET("/stats", s.apiStats, s.requireRole(app.RoleStaff))
	api.Any("/*", func(c echo.Context) error { return errNotFound("no such API endpoint") })
}
