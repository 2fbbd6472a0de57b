package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
)

// auditPageSize is how many audit events one page shows.
const auditPageSize = 50

// pathID reads a numeric :id; anything else is a missing page.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound("There is nothing at this address.")
	}
	return id, nil
}

// userTarget is the preamble of every per-user admin action: the account
// service and the :id from the path.
func (s *Server) userTarget(c echo.Context) (*auth.Service, int64, error) {
	svc, err := s.authService()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(c)
	return svc, id, err
}

// formRoles reads the role checkboxes.
func formRoles(c echo.Context) []app.Role {
	var out []app.Role
	if err := c.Request().ParseForm(); err == nil {
		for _, r := range c.Request().PostForm["roles"] {
			out = append(out, app.Role(r))
		}
	}
	return out
}

func checked(rs []app.Role) map[app.Role]bool {
	m := map[app.Role]bool{}
	for _, r := range rs {
		m[r] = true
	}
	return m
}

// adminHome lists the changes of address waiting for an admin
// (admin_approvals.go).
func (s *Server) adminHome(c echo.Context) error { return s.adminApprovals(c) }

// adminUsers lists accounts, with the form to add one.
func (s *Server) adminUsers(c echo.Context) error {
	return s.renderUsers(c, http.StatusOK, pageData{}, &authPage{Roles: map[app.Role]bool{}})
}

func (s *Server) renderUsers(c echo.Context, status int, d pageData, p *authPage) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	p.Query = strings.TrimSpace(c.QueryParam("q"))
	p.Users, err = svc.Users(c.Request().Context(), app.UserFilter{EmailPattern: p.Query})
	if err != nil {
		return err
	}
	p.AllRoles = app.Roles()
	if p.Grants, err = svc.RoleGrants(c.Request().Context(), app.RoleGrantFilter{Status: app.GrantPending}); err != nil {
		return err
	}
	a, _ := currentActor(c)
	p.ViewerID = a.UserID
	d.Title, d.Auth = "Users", p
	return s.render(c, status, "admin_users.html", d)
}

// adminCreateUser adds an account.
func (s *Server) adminCreateUser(c echo.Context) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	in := auth.NewUser{Email: c.FormValue("email"), Name: c.FormValue("name"), Roles: formRoles(c), Password: c.FormValue("password")}
	u, err := svc.CreateUser(c.Request().Context(), in)
	if err != nil {
		if f := app.ErrorFieldsOf(err); f != nil {
			status, _ := classify(err)
			return s.renderUsers(c, status, pageData{Error: app.ErrorMessageOf(err), Fields: f},
				&authPage{Email: in.Email, Name: in.Name, Roles: checked(in.Roles)})
		}
		return err
	}
	s.setFlash(c, "Added "+u.Email+"."+heldNote(in.Roles, u)+" Give them their password in person or over a channel you trust.")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

// adminUser shows one account: roles, status, password reset, API tokens.
func (s *Server) adminUser(c echo.Context) error {
	return s.renderUser(c, http.StatusOK, pageData{}, nil)
}

// renderUser renders the account page; p carries form values to keep
// (Roles nil: the stored ones) and a new token's secret.
func (s *Server) renderUser(c echo.Context, status int, d pageData, p *authPage) error {
	svc, id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := svc.User(ctx, id)
	if err != nil {
		return err
	}
	if p == nil {
		p = &authPage{}
	}
	if p.Roles == nil { // no submitted form to keep: show what is stored
		p.Name, p.Roles = u.Name, checked(u.Roles)
	}
	p.User, p.AllRoles = u, app.Roles()
	a, _ := currentActor(c)
	p.Self = a.UserID == u.ID
	p.Tokens, err = svc.Tokens(ctx, app.APITokenFilter{UserID: u.ID, IncludeRevoked: true})
	if err != nil {
		return err
	}
	if p.Grants, err = svc.RoleGrants(ctx, app.RoleGrantFilter{UserID: u.ID, Status: app.GrantPending}); err != nil {
		return err
	}
	p.ViewerID = a.UserID
	d.Title, d.Auth = u.Email, p
	return s.render(c, status, "admin_users.html", d)
}

// userFormError re-renders the account page for a domain error the person
// can act on (bad fields, the last admin, a disabled account), and passes
// anything else to the error handler.
func (s *Server) userFormError(c echo.Context, err error, p *authPage) error {
	switch app.ErrorCodeOf(err) {
	case app.EINVALID, app.ECONFLICT:
		status, _ := classify(err)
		return s.renderUser(c, status, pageData{Error: app.ErrorMessageOf(err), Fields: app.ErrorFieldsOf(err)}, p)
	}
	return err
}

// adminUpdateUser saves name and roles.
func (s *Server) adminUpdateUser(c echo.Context) error {
	svc, id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	in := auth.UserUpdate{Name: c.FormValue("name"), Roles: formRoles(c)}
	u, err := svc.UpdateUser(c.Request().Context(), id, in)
	if err != nil {
		return s.userFormError(c, err, &authPage{Name: in.Name, Roles: checked(in.Roles)})
	}
	s.setFlash(c, "Saved "+u.Email+"."+heldNote(in.Roles, u))
	return c.Redirect(http.StatusSeeOther, c.Request().URL.Path)
}

// heldNote tells an admin which of the roles they ticked wait for a second
// administrator's approval ("" when none).
func heldNote(asked []app.Role, u *app.User) string {
	note := ""
	for _, r := range app.Roles() {
		if slices.Contains(asked, r) && !u.Has(r) && r.NeedsApproval() {
			note += " The " + string(r) + " role needs a second administrator's approval: it is requested, and " +
				u.Email + " does not have it until another administrator approves it under Users."
		}
	}
	return note
}

// grantTarget reads the :id of a role grant.
func (s *Server) grantTarget(c echo.Context) (*auth.Service, int64, error) { return s.userTarget(c) }

// adminApproveGrant gives a requested role. Approving one's own request,
// or a role for oneself, is refused (403): it takes two administrators.
func (s *Server) adminApproveGrant(c echo.Context) error {
	svc, id, err := s.grantTarget(c)
	if err != nil {
		return err
	}
	g, err := svc.ApproveRoleGrant(c.Request().Context(), id)
	if err != nil {
		return err
	}
	s.setFlash(c, g.UserEmail+" now has the "+string(g.Role)+" role (asked by "+g.RequestedByLabel+").")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(g.UserID, 10))
}

// adminRefuseGrant closes a request without giving the role; the admin who
// asked may withdraw it this way.
func (s *Server) adminRefuseGrant(c echo.Context) error {
	svc, id, err := s.grantTarget(c)
	if err != nil {
		return err
	}
	g, err := svc.RefuseRoleGrant(c.Request().Context(), id)
	if err != nil {
		return err
	}
	s.setFlash(c, "The request to give "+g.UserEmail+" the "+string(g.Role)+" role is closed; the role was not given.")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(g.UserID, 10))
}

func (s *Server) adminDisableUser(c echo.Context) error { return s.setDisabled(c, true) }
func (s *Server) adminEnableUser(c echo.Context) error  { return s.setDisabled(c, false) }

func (s *Server) setDisabled(c echo.Context, disabled bool) error {
	svc, id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	u, err := svc.SetDisabled(c.Request().Context(), id, disabled)
	if err != nil {
		return s.userFormError(c, err, nil)
	}
	msg := u.Email + " can sign in again."
	if disabled {
		msg = u.Email + " is disabled and was signed out everywhere; their API tokens stop working."
	}
	s.setFlash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(id, 10))
}

// adminSetPassword sets a new password for someone who lost theirs.
func (s *Server) adminSetPassword(c echo.Context) error {
	svc, id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	pw := c.FormValue("password")
	if pw != c.FormValue("confirm") {
		return s.userFormError(c, &app.Error{Code: app.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"confirm": "The two passwords differ."}}, nil)
	}
	if err := svc.SetPassword(c.Request().Context(), id, pw); err != nil {
		return s.userFormError(c, err, nil)
	}
	s.setFlash(c, "Password set. The user was signed out everywhere.")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(id, 10))
}

// adminCreateToken makes an API token and shows its secret on this one
// response (never stored, never in a cookie or a redirect).
func (s *Server) adminCreateToken(c echo.Context) error {
	svc, id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	secret, _, err := svc.CreateToken(c.Request().Context(), id, c.FormValue("token_name"))
	if err != nil {
		if msg := app.ErrorFieldsOf(err)["name"]; msg != "" {
			err = &app.Error{Code: app.EINVALID, Message: app.ErrorMessageOf(err), Fields: map[string]string{"token_name": msg}}
		}
		return s.userFormError(c, err, nil)
	}
	return s.renderUser(c, http.StatusCreated, pageData{}, &authPage{NewToken: secret})
}

// adminRevokeToken revokes a token at once.
func (s *Server) adminRevokeToken(c echo.Context) error {
	svc, id, err := s.userTarget(c)
	if err != nil {
		return err
	}
	t, err := svc.RevokeToken(c.Request().Context(), id)
	if err != nil {
		return err
	}
	s.setFlash(c, "Token “"+t.Name+"” is revoked.")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(t.UserID, 10))
}

// adminAudit shows the audit log, newest first, with filters and paging
// by "older than event N" (stable while new events arrive).
func (s *Server) adminAudit(c echo.Context) error {
	svc, err := s.authService()
	if err != nil {
		return err
	}
	f := app.AuditFilter{
		Action:  strings.TrimSpace(c.QueryParam("action")),
		Actor:   strings.TrimSpace(c.QueryParam("actor")),
		Subject: strings.TrimSpace(c.QueryParam("subject")),
		Limit:   auditPageSize + 1,
	}
	fields := map[string]string{}
	if v := c.QueryParam("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errBadRequest("The page link is not valid.")
		}
		f.BeforeID = n
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		v := strings.TrimSpace(c.QueryParam(name))
		if v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			fields[name] = "Use a date like 2026-05-01."
			continue
		}
		if name == "until" {
			t = t.AddDate(0, 0, 1) // through the end of that day
		}
		*dst = t
	}
	d := pageData{Title: "Audit log"}
	p := &authPage{Filter: f, Newer: f.BeforeID > 0}
	if len(fields) > 0 {
		d.Error, d.Fields = "Please correct the highlighted fields.", fields
		d.Auth = p
		return s.render(c, http.StatusUnprocessableEntity, "admin_audit.html", d)
	}
	evs, err := svc.Audit().List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	if len(evs) > auditPageSize {
		evs = evs[:auditPageSize]
		q := c.Request().URL.Query()
		q.Set("before", strconv.FormatInt(evs[len(evs)-1].ID, 10))
		p.Older = "/admin/audit?" + q.Encode()
	}
	p.Events = evs
	d.Auth = p
	return s.render(c, http.StatusOK, "admin_audit.html", d)
}

// auditQuery is the filter part of an audit link (for "newest" links).
func auditQuery(f app.AuditFilter) string {
	q := url.Values{}
	for k, v := range map[string]string{"action": f.Action, "actor": f.Actor, "subject": f.Subject} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format("2006-01-02"))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.AddDate(0, 0, -1).Format("2006-01-02"))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Helpers the templates call on authPage (kept here rather than in the
// shared FuncMap).

// RoleDescription says what a role may do.
func (p *authPage) RoleDescription(r app.Role) string { return roleDescriptions[r] }

// When formats a time for tables, in UTC so every admin reads the same.
func (p *authPage) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// WhenPtr is When for optional times; never is "—".
func (p *authPage) WhenPtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return p.When(*t)
}

// SinceText and UntilText fill the audit date filters back in.
func (p *authPage) SinceText() string {
	if p.Filter.Since.IsZero() {
		return ""
	}
	return p.Filter.Since.Format("2006-01-02")
}

// UntilText is the inclusive last day of the filter.
func (p *authPage) UntilText() string {
	if p.Filter.Until.IsZero() {
		return ""
	}
	return p.Filter.Until.AddDate(0, 0, -1).Format("2006-01-02")
}

// NewestLink is the first page of the audit log with the same filters.
func (p *authPage) NewestLink() string { return "/admin/audit" + auditQuery(p.Filter) }
