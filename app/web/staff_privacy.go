package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
)

// The supporter-data pages: what Advocate holds about one supporter, its
// export as JSON and its erasure, for the supporter-data role only. The
// privacy service records every look, export and erasure in the audit log.

// privacyPage is what staff_supporter.html shows.
type privacyPage struct {
	Email string // the address asked for, as typed
	// Export is what is held for Email (nil before a search).
	Export *app.SupporterExport
	// Confirm is the typed confirmation of an erasure that did not match.
	Confirm string
}

// privacyAvailable answers 404 when the server has no privacy service.
func (s *Server) privacyAvailable() error {
	if s.privacy == nil {
		return errNotFound("Supporter data pages are not available on this server.")
	}
	return nil
}

// staffSupporters searches by email and shows everything held for it.
func (s *Server) staffSupporters(c echo.Context) error {
	if err := s.privacyAvailable(); err != nil {
		return err
	}
	return s.supporterPage(c, http.StatusOK, strings.TrimSpace(c.QueryParam("email")), "", nil)
}

// supporterPage renders the page for email (the search form alone when
// empty), with err's message and fields shown when set.
func (s *Server) supporterPage(c echo.Context, status int, email, confirm string, err error) error {
	p := &privacyPage{Email: email, Confirm: confirm}
	d := pageData{Title: "Supporter data", Privacy: p}
	if err != nil {
		_, body := classify(err)
		d.Error, d.Fields = body.Message, body.Fields
	}
	if email != "" {
		x, ferr := s.privacy.FindSupporter(c.Request().Context(), email)
		switch {
		case app.ErrorCodeOf(ferr) == app.EINVALID:
			status, d.Error = http.StatusUnprocessableEntity, app.ErrorMessageOf(ferr)
		case ferr != nil:
			return ferr
		default:
			p.Export = s.localExport(x)
		}
	}
	return s.render(c, status, "staff_supporter.html", d)
}

// localExport shows an export's times in the server's time zone.
func (s *Server) localExport(x *app.SupporterExport) *app.SupporterExport {
	loc := s.opts.Location
	local := func(t *time.Time) {
		if t != nil && !t.IsZero() {
			*t = t.In(loc)
		}
	}
	for i := range x.Records {
		r := &x.Records[i]
		local(&r.Supporter.CreatedAt)
		if sub := r.Submission; sub != nil {
			local(&sub.CreatedAt)
			local(sub.ConfirmedAt)
			for j := range sub.Letters {
				l := &sub.Letters[j]
				local(&l.CreatedAt)
				for k := range l.Deliveries {
					local(l.Deliveries[k].SentAt)
				}
			}
		}
	}
	return x
}

// staffSupporterExport downloads everything held for an email as JSON.
func (s *Server) staffSupporterExport(c echo.Context) error {
	if err := s.privacyAvailable(); err != nil {
		return err
	}
	x, err := s.privacy.ExportSupporter(c.Request().Context(), c.QueryParam("email"))
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return err
	}
	h := c.Response().Header()
	// The file name carries no address: downloads folders are not private.
	h.Set("Content-Disposition", `attachment; filename="supporter-export-`+x.ExportedAt.In(s.opts.Location).Format("2006-01-02-150405")+`.json"`)
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, append(b, '\n'))
}

// staffSupporterErase erases everything held for an email once the
// address has been typed a second time.
func (s *Server) staffSupporterErase(c echo.Context) error {
	if err := s.privacyAvailable(); err != nil {
		return err
	}
	email, confirm := strings.TrimSpace(c.FormValue("email")), strings.TrimSpace(c.FormValue("confirm"))
	if app.NormalizeEmail(email) == "" {
		return s.supporterPage(c, http.StatusUnprocessableEntity, "", "",
			app.Errorf(app.EINVALID, "Say whose data to erase: search for the supporter's email address first."))
	}
	if app.NormalizeEmail(confirm) != app.NormalizeEmail(email) {
		fe := app.FieldErrors{}
		fe.Add("confirm", "Type the supporter's email address again, exactly, to confirm the erasure.")
		return s.supporterPage(c, http.StatusUnprocessableEntity, email, confirm, fe.Err("Nothing was erased."))
	}
	er, err := s.privacy.EraseSupporter(c.Request().Context(), email, false)
	if err != nil {
		return err
	}
	masked := app.MaskEmail(app.NormalizeEmail(email))
	if er.Supporters() == 0 {
		s.setFlash(c, "Nothing was held for "+masked+"; nothing was erased.")
	} else {
		s.setFlash(c, "Erased "+plural(er.Supporters(), "submission", "submissions")+" and "+
			plural(er.Letters(), "letter", "letters")+" held for "+masked+". Letter counts are unchanged.")
	}
	// The address stays out of the URL (and so out of browser history).
	return c.Redirect(http.StatusSeeOther, "/staff/supporters")
}
