package web

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
)

// Cookie names. The CSRF cookie is set by echo's middleware in routes.go.
const (
	sessionCookie = "advocate_session"
	flashCookie   = "advocate_flash"
	csrfCookie    = "advocate_csrf"
)

// Context keys set by authenticate.
const (
	ctxActor   = "advocate.actor"
	ctxSession = "advocate.session"
)

// ipExtractor returns how the client address is found. Without trusted
// proxies it is the connection's peer: X-Forwarded-For is ignored, so
// nobody can pose as another address to dodge sign-in throttling. With
// them, X-Forwarded-For is read from the right, skipping only the listed
// proxies (not echo's default of every private address).
func ipExtractor(trusted []string) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, t := range trusted {
		n, err := parseCIDR(t)
		if err != nil {
			return nil, err
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// parseCIDR accepts "10.0.0.0/8" or a single address.
func parseCIDR(s string) (*net.IPNet, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR range such as 10.0.0.0/8", s)
		}
		bits := 128
		if ip.To4() != nil {
			ip, bits = ip.To4(), 32
		}
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
	}
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR range such as 10.0.0.0/8", s)
	}
	return n, nil
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// authenticate finds out who is asking, for every request: an API request
// by its "Authorization: Bearer" token (never by cookie, so the CSRF-free
// API cannot be driven from another site with a browser's session; the one
// exception is sessionReadable), a page by its session cookie. A known actor goes into the echo context and,
// through app.WithActor, into the request context for domain services.
// Anonymous requests pass through; requireRole turns them away where
// needed.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.auth == nil || strings.HasPrefix(c.Request().URL.Path, "/static/") {
			return next(c)
		}
		ctx := c.Request().Context()
		if h := c.Request().Header.Get(echo.HeaderAuthorization); isAPI(c) && (h != "" || !sessionReadable(c)) {
			if h == "" {
				return next(c)
			}
			scheme, tok, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				return unauthorizedAPI(c, "Use an \"Authorization: Bearer <token>\" header.")
			}
			a, err := s.auth.AuthenticateToken(ctx, strings.TrimSpace(tok))
			if app.ErrorCodeOf(err) == app.EUNAUTHORIZED {
				return unauthorizedAPI(c, app.ErrorMessageOf(err))
			}
			if err != nil {
				return err
			}
			s.setActor(c, a)
			return next(c)
		}
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		a, sess, err := s.auth.Authenticate(ctx, ck.Value)
		if app.ErrorCodeOf(err) == app.EUNAUTHORIZED {
			s.clearCookie(c, sessionCookie)
			return next(c)
		}
		if err != nil {
			return err
		}
		c.Set(ctxSession, sess)
		s.setActor(c, a)
		return next(c)
	}
}

// sessionReadable marks the API reads that a signed-in browser may make
// with its session cookie (the dashboard's live numbers): GET only, so no
// state can change, and JSON that other sites' scripts cannot read.
func sessionReadable(c echo.Context) bool {
	r := c.Request()
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == "/api/v1/stats"
}

func (s *Server) setActor(c echo.Context, a app.Actor) {
	a.IP = c.RealIP()
	c.Set(ctxActor, a)
	c.SetRequest(c.Request().WithContext(app.WithActor(c.Request().Context(), a)))
}

func unauthorizedAPI(c echo.Context, msg string) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="advocate"`)
	return &httpError{status: http.StatusUnauthorized, message: msg}
}

// currentActor returns the signed-in user (or API token owner) of the
// request, if any.
func currentActor(c echo.Context) (app.Actor, bool) {
	a, ok := c.Get(ctxActor).(app.Actor)
	return a, ok
}

// currentSession returns the browser session of the request, if any.
func currentSession(c echo.Context) (*app.Session, bool) {
	s, ok := c.Get(ctxSession).(*app.Session)
	return s, ok
}

// requireRole lets through actors holding at least one of roles (any
// signed-in actor when none are given). Anonymous visitors are sent to
// /login (and back afterwards) on pages and get 401 on the API; signed-in
// actors without the role get 403.
func (s *Server) requireRole(roles ...app.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a, ok := currentActor(c)
			if !ok {
				if isAPI(c) {
					return unauthorizedAPI(c, "Sign in with an API token: \"Authorization: Bearer <token>\".")
				}
				target := "/login"
				if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
					target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
				} else {
					s.setFlash(c, "Please sign in again.")
				}
				return c.Redirect(http.StatusSeeOther, target)
			}
			if len(roles) > 0 && !slices.ContainsFunc(roles, a.Has) {
				msg := "Your account does not have access to this page."
				if isAPI(c) {
					msg = "This token's account does not have access to this endpoint."
				}
				return &httpError{status: http.StatusForbidden, message: msg}
			}
			return next(c)
		}
	}
}

// safeNext keeps a post-login redirect on this site: a path, not "//host"
// or "/\host" (which browsers read as another host), nor a scheme.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") || strings.HasPrefix(next, "/login") || strings.HasPrefix(next, "/logout") {
		return ""
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return next
}

// landing is where a user goes after signing in without a next page: the
// first workspace of their roles that this server has.
func (s *Server) landing(a app.Actor) string {
	for _, w := range []struct {
		role app.Role
		path string
	}{{app.RoleOrganizer, "/organize"}, {app.RoleStaff, "/staff"}, {app.RoleSupporterData, "/staff/supporters"},
		{app.RoleAdmin, "/admin/users"}} {
		if a.Has(w.role) && s.hasPage(w.path) {
			return w.path
		}
	}
	return "/account"
}

// hasPage reports whether a GET route is registered at path.
func (s *Server) hasPage(path string) bool {
	for _, r := range s.e.Routes() {
		if r.Method == http.MethodGet && r.Path == path {
			return true
		}
	}
	return false
}

// cookie builds a cookie with the site's settings: HttpOnly, SameSite=Lax,
// Secure when configured or when this request came over TLS.
func (s *Server) cookie(c echo.Context, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.opts.SecureCookies || c.Request().TLS != nil}
}

func (s *Server) clearCookie(c echo.Context, name string) { c.SetCookie(s.cookie(c, name, "", -1)) }

// setFlash leaves a one-line message for the next page (after a redirect).
func (s *Server) setFlash(c echo.Context, msg string) {
	if len(msg) > 300 {
		msg = msg[:300]
	}
	c.SetCookie(s.cookie(c, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(msg)), 60))
}

// takeFlash reads and clears the flash message.
func (s *Server) takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	s.clearCookie(c, flashCookie)
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || !utf8.Valid(b) {
		return ""
	}
	return string(b)
}

// viewer is the signed-in user as the layout's navigation sees them.
type viewer struct {
	Email         string
	Admin         bool
	Organizer     bool
	Staff         bool
	SupporterData bool
}

// decoratePage fills what every page's layout shows about the visitor:
// the navigation for their roles and a pending flash message.
func (s *Server) decoratePage(c echo.Context, d *pageData) {
	if a, ok := currentActor(c); ok && d.Viewer == nil {
		d.Viewer = &viewer{Email: a.Email, Admin: a.Has(app.RoleAdmin), Organizer: a.Has(app.RoleOrganizer), Staff: a.Has(app.RoleStaff),
			SupporterData: a.Has(app.RoleSupporterData)}
	}
	if d.Flash == "" {
		d.Flash = s.takeFlash(c)
	}
}

// Route is one registered route, for the authorization test and
// diagnostics.
type Route struct {
	Method string
	Path   string
}

// Routes lists every registered route.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.e.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}

// clientOf describes the request's client for throttling and the audit trail.
func clientOf(c echo.Context) auth.Client {
	ua := c.Request().UserAgent()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	return auth.Client{IP: c.RealIP(), UserAgent: ua}
}
