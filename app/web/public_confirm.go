package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/submit"
)

// Double opt-in: the copy emailed to a supporter links to /confirm/TOKEN.
// The GET shows what will happen and a button; only the POST confirms, so
// that mail scanners and link previews that open every link cannot confirm
// in the supporter's place.

// confirmPage asks the supporter to confirm their letters.
func (s *Server) confirmPage(c echo.Context) error {
	sub, camp, err := s.submit.FindByConfirmToken(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	if sub.Confirmed() {
		return c.Redirect(http.StatusSeeOther, "/s/"+sub.Token)
	}
	d := pageData{Title: "Confirm your letters", Campaign: camp, Submission: sub}
	if deadline := submit.ConfirmDeadline(sub, camp); !s.opts.Clock().Before(deadline) {
		d.Error = "This confirmation link has expired, so these letters were not sent. You are welcome to write again."
		return s.render(c, http.StatusConflict, "confirm.html", d)
	}
	return s.render(c, http.StatusOK, "confirm.html", d)
}

// confirm records the confirmation and shows the letters' page.
func (s *Server) confirm(c echo.Context) error {
	ctx := c.Request().Context()
	sub, _, err := s.submit.Confirm(ctx, c.Param("token"))
	if app.ErrorCodeOf(err) == app.ECONFLICT {
		// Too late: the page again, with the reason.
		if found, camp, ferr := s.submit.FindByConfirmToken(ctx, c.Param("token")); ferr == nil {
			d := pageData{Title: "Confirm your letters", Campaign: camp, Submission: found, Error: app.ErrorMessageOf(err)}
			return s.render(c, http.StatusConflict, "confirm.html", d)
		}
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/s/"+sub.Token)
}
