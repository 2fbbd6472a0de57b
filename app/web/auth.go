package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
)

// authPage is what the sign-in, account and admin pages show beyond the
// common pageData fields (Error and Fields carry form errors).
type authPage struct {
	// Sign-in.
	Next   string
	Email  string
	Logout bool // the sign-out confirmation

	// Account and admin user forms.
	Name     string
	Roles    map[app.Role]bool // checked boxes
	AllRoles []app.Role
	Users    []app.User
	Query    string
	User     *app.User // the account shown
	Self     bool      // the account shown is the viewer's own
	Tokens   []app.APIToken
	NewToken string // an API token's secret, shown once
	Session  *app.Session
	// Grants are role grants waiting for a second administrator (all of
	// them on the list, the account's own on its page); ViewerID tells
	// which of them the viewer may approve.
	Grants   []app.RoleGrant
	ViewerID int64

	// Audit log.
	Events []app.AuditEvent
	Filter app.AuditFilter
	Older  string // link to the next page, "" on the last
	Newer  bool   // a first-page link makes sense
}

// roleDescriptions explain each role next to its checkbox.
var roleDescriptions = map[app.Role]string{
	app.RoleAdmin:         "manages users and reads the audit log",
	app.RoleOrganizer:     "runs campaigns, targets and letter templates",
	app.RoleStaff:         "reads outreach totals and exports",
	app.RoleSupporterData: "sees supporters' names, emails and addresses (letters, office packets); exports or erases a supporter's data on request. Given only when a second administrator approves",
}

func (s *Server) authService() (*auth.Service, error) {
	if s.auth == nil {
		return nil, app.Errorf(app.EUNAVAILABLE, "Sign-in is not set up on this server.")
	}
	return s.auth, nil
}

// loginPage shows the sign-in form (or moves a signed-in user on).
func (s *Server) loginPage(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if a, ok := currentActor(c); ok {
		if next == "" {
			next = s.landing(a)
		}
		return c.Redirect(http.StatusSeeOther, next)
	}
	return s.render(c, http.StatusOK, "login.html", pageData{Title: "Sign in", Auth: &authPage{Next: next}})
}

// login checks the form and starts a new session. The session token is
// always fresh (a cookie planted before sign-in is worthless), and the
// CSRF cookie is dropped so the signed-in pages get a new one.
func (s *Server) login(c echo.Context) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	email, next := c.FormValue("email"), safeNext(c.FormValue("next"))
	l, err := svc.Login(c.Request().Context(), email, c.FormValue("password"), clientOf(c))
	if err != nil {
		status := http.StatusUnauthorized
		switch app.ErrorCodeOf(err) {
		case app.EUNAUTHORIZED:
		case app.ERATELIMIT:
			status = http.StatusTooManyRequests
			c.Response().Header().Set("Retry-After", strconv.Itoa(60*lockMinutes(err)))
		case app.EFORBIDDEN:
			status = http.StatusForbidden
		default:
			return err
		}
		return s.render(c, status, "login.html", pageData{Title: "Sign in", Error: app.ErrorMessageOf(err),
			Auth: &authPage{Next: next, Email: email}})
	}
	if old, err := c.Cookie(sessionCookie); err == nil && old.Value != "" {
		_ = svc.Logout(c.Request().Context(), old.Value) // a session left over from before
	}
	c.SetCookie(s.cookie(c, sessionCookie, l.Token, int(svc.Options().SessionTTL.Seconds())))
	s.clearCookie(c, csrfCookie)
	if next == "" {
		next = s.landing(l.User.Actor("session"))
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func lockMinutes(err error) int {
	var le *auth.LockedError
	if errors.As(err, &le) {
		return le.Minutes()
	}
	return 15
}

// logoutPage asks for confirmation: signing out changes state, so it is a
// POST with a CSRF token, and this page gives a form to anyone who followed
// a plain link.
func (s *Server) logoutPage(c echo.Context) error {
	if _, ok := currentActor(c); !ok {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return s.render(c, http.StatusOK, "login.html", pageData{Title: "Sign out", Auth: &authPage{Logout: true}})
}

// logout ends the session in the database, not just in the browser.
func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" && s.auth != nil {
		if err := s.auth.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	s.clearCookie(c, csrfCookie)
	s.setFlash(c, "You are signed out.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// accountPage shows the signed-in user's account and the password form.
func (s *Server) accountPage(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, pageData{})
}

func (s *Server) renderAccount(c echo.Context, status int, d pageData) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	a, _ := currentActor(c)
	u, err := svc.User(c.Request().Context(), a.UserID)
	if err != nil {
		return err
	}
	sess, _ := currentSession(c)
	d.Title = "Your account"
	d.Auth = &authPage{User: u, Self: true, Session: sess}
	return s.render(c, status, "account.html", d)
}

// changePassword changes the user's own password and signs out their other
// sessions.
func (s *Server) changePassword(c echo.Context) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	sess, ok := currentSession(c)
	if !ok {
		return &httpError{status: http.StatusForbidden, message: "Change your password from a signed-in browser."}
	}
	pw := c.FormValue("password")
	if pw != c.FormValue("confirm") {
		return s.renderAccount(c, http.StatusUnprocessableEntity, pageData{Error: "Please correct the highlighted fields.",
			Fields: map[string]string{"confirm": "The two new passwords differ."}})
	}
	err = svc.ChangePassword(c.Request().Context(), c.FormValue("current"), pw, sess.ID)
	if err != nil {
		if f := app.ErrorFieldsOf(err); f != nil || app.ErrorCodeOf(err) == app.ERATELIMIT {
			status, _ := classify(err)
			return s.renderAccount(c, status, pageData{Error: app.ErrorMessageOf(err), Fields: f})
		}
		return err
	}
	s.setFlash(c, "Your password is changed. Any other browser signed in as you was signed out.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

// meJSON is the answer of GET /api/v1/me.
type meJSON struct {
	UserID int64      `json:"user_id"`
	Email  string     `json:"email"`
	Roles  []app.Role `json:"roles"`
	Via    string     `json:"via"`
}

// apiMe tells a script whom its token acts for, so it can check its
// setup before doing anything.
func (s *Server) apiMe(c echo.Context) error {
	a, _ := currentActor(c)
	return c.JSON(http.StatusOK, meJSON{UserID: a.UserID, Email: a.Email, Roles: a.Roles, Via: a.Via})
}
