package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
)

// Changes of delivery address wait for an admin (keptroster, approvals.go):
// the admin home page lists them with approve and refuse buttons, and the
// last decisions.

// recentDecisions is how many decided changes the admin home page shows.
const recentDecisions = 20

// approvalsPage is the admin home page's data.
type approvalsPage struct {
	Pending []app.AddressChange
	Recent  []app.AddressChange
	// Me is the viewer, to say which pending changes they asked for
	// themselves (and so cannot decide on).
	Me app.Actor
}

// Mine reports whether the viewer asked for c.
func (p *approvalsPage) Mine(c app.AddressChange) bool {
	return (c.ProposedByID != 0 && c.ProposedByID == p.Me.UserID) || (c.ProposedBy != "" && c.ProposedBy == p.Me.Label())
}

// When formats a time in UTC, like the audit log.
func (p *approvalsPage) When(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// WhenPtr is When for a decision time.
func (p *approvalsPage) WhenPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return p.When(*t)
}

// adminApprovals is the admin home page: changes of address waiting for a
// decision, then the latest decisions.
func (s *Server) adminApprovals(c echo.Context) error {
	return s.renderApprovals(c, http.StatusOK, pageData{})
}

func (s *Server) renderApprovals(c echo.Context, status int, d pageData) error {
	if s.keptRosters == nil {
		return c.Redirect(http.StatusSeeOther, "/admin/users")
	}
	ctx := c.Request().Context()
	p := &approvalsPage{}
	p.Me, _ = currentActor(c)
	var err error
	if p.Pending, err = s.keptRosters.AddressChanges(ctx, app.AddressChangeFilter{Status: app.ApprovalPending, Limit: 500}); err != nil {
		return err
	}
	all, err := s.keptRosters.AddressChanges(ctx, app.AddressChangeFilter{Limit: recentDecisions + len(p.Pending)})
	if err != nil {
		return err
	}
	for _, ch := range all {
		if ch.Status != app.ApprovalPending && len(p.Recent) < recentDecisions {
			p.Recent = append(p.Recent, ch)
		}
	}
	d.Title, d.Approvals = "Administration", p
	return s.render(c, status, "admin_home.html", d)
}

func (s *Server) adminApproveAddress(c echo.Context) error { return s.decideAddress(c, true) }
func (s *Server) adminRefuseAddress(c echo.Context) error  { return s.decideAddress(c, false) }

// decideAddress records an admin's decision. A decision the admin may not
// make (their own change) or that came too late (already decided) shows on
// the page with the reason.
func (s *Server) decideAddress(c echo.Context, approve bool) error {
	if s.keptRosters == nil {
		return errNotFound("There is nothing at this address.")
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ch, err := s.keptRosters.DecideAddress(c.Request().Context(), id, approve)
	if err != nil {
		switch app.ErrorCodeOf(err) {
		case app.EFORBIDDEN, app.ECONFLICT, app.ENOTFOUND:
			status, _ := classify(err)
			return s.renderApprovals(c, status, pageData{Error: app.ErrorMessageOf(err)})
		}
		return err
	}
	msg := "Refused. Letters to " + ch.Label + " keep going to " + orNone(ch.OldEmail) + "."
	if approve {
		msg = "Approved. Letters to " + ch.Label + " made from now on are emailed to " + ch.NewEmail + "."
	}
	s.setFlash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/admin")
}

func orNone(email string) string {
	if email == "" {
		return "no email address (they are downloaded and printed)"
	}
	return email
}
