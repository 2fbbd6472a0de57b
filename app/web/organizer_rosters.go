package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/keptroster"
)

func rostersCrumb() crumb { return crumb{Label: "Rosters", URL: "/organize/rosters"} }

// orgRosters lists the hand-kept rosters: commissions with their seats and
// executive targets.
func (s *Server) orgRosters(c echo.Context) error {
	return s.renderRosters(c, keptroster.CommissionInput{Chamber: app.House}, nil)
}

func (s *Server) renderRosters(c echo.Context, form keptroster.CommissionInput, formErr error) error {
	ctx := c.Request().Context()
	org := s.newOrgPage(crumb{Label: "Rosters"})
	var err error
	if org.Kept, err = s.keptRosters.State(ctx); err != nil {
		return err
	}
	if org.Commissions, err = s.keptRosters.Commissions(ctx); err != nil {
		return err
	}
	if org.ExecutiveList, err = s.keptRosters.Executives(ctx); err != nil {
		return err
	}
	org.CommissionForm = form
	if org.Pending, err = s.keptRosters.PendingAddresses(ctx); err != nil {
		return err
	}
	return s.renderOrg(c, http.StatusOK, "organize_rosters.html", "Rosters", org, nil, formErr)
}

func commissionForm(c echo.Context, code string) keptroster.CommissionInput {
	return keptroster.CommissionInput{Code: code, Name: c.FormValue("name"), Chamber: app.Chamber(c.FormValue("chamber")),
		URL: c.FormValue("url"), Address: c.FormValue("address"), Phone: c.FormValue("phone"), Email: c.FormValue("email")}
}

func (s *Server) orgAddCommission(c echo.Context) error {
	in := commissionForm(c, c.FormValue("code"))
	err := s.keptRosters.SaveCommission(c.Request().Context(), in, true)
	if formProblem(err) {
		return s.renderRosters(c, in, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("rosters", "commissions", normCode(in.Code)), "Added "+in.Name+". Now add its members.")
}

func normCode(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'a' && ch <= 'z' {
			b[i] = ch - 32
		}
	}
	return string(b)
}

// orgCommission shows one commission's seats with the forms to change them.
func (s *Server) orgCommission(c echo.Context) error {
	return s.renderCommission(c, http.StatusOK, nil, keptroster.SeatInput{}, nil)
}

func (s *Server) renderCommission(c echo.Context, status int, form *keptroster.CommissionInput, seat keptroster.SeatInput, formErr error) error {
	ctx := c.Request().Context()
	cv, err := s.keptRosters.Commission(ctx, c.Param("code"))
	if err != nil {
		return err
	}
	org := s.newOrgPage(rostersCrumb(), crumb{Label: cv.Name})
	org.Commission = cv
	if form != nil {
		org.CommissionForm = *form
	} else {
		org.CommissionForm = keptroster.CommissionInput{Code: cv.Code, Name: cv.Name, Chamber: cv.Chamber, URL: cv.URL,
			Address: cv.Address, Phone: cv.Phone, Email: cv.Email}
	}
	org.SeatForm = seat
	legs, err := s.keptRosters.Legislators(ctx)
	if err != nil {
		return err
	}
	for _, l := range legs {
		org.Members = append(org.Members, keptroster.MemberLabel(l))
	}
	if org.Kept, err = s.keptRosters.State(ctx); err != nil {
		return err
	}
	if org.Pending, err = s.keptRosters.PendingAddresses(ctx); err != nil {
		return err
	}
	return s.renderOrg(c, status, "organize_commission.html", cv.Name, org, nil, formErr)
}

func (s *Server) orgUpdateCommission(c echo.Context) error {
	in := commissionForm(c, c.Param("code"))
	err := s.keptRosters.SaveCommission(c.Request().Context(), in, false)
	if formProblem(err) {
		return s.renderCommission(c, http.StatusOK, &in, keptroster.SeatInput{}, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("rosters", "commissions", in.Code), "Saved the details of "+in.Name+"."+
		s.savedNote(c, app.SubjectCommission+in.Code))
}

func (s *Server) orgRemoveCommission(c echo.Context) error {
	err := s.keptRosters.RemoveCommission(c.Request().Context(), c.Param("code"))
	if formProblem(err) {
		return s.renderCommission(c, http.StatusOK, nil, keptroster.SeatInput{}, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, "/organize/rosters", "Removed "+c.Param("code")+".")
}

func (s *Server) orgSaveSeat(c echo.Context) error {
	in := keptroster.SeatInput{Member: c.FormValue("member"), Title: c.FormValue("title")}
	err := s.keptRosters.SaveSeat(c.Request().Context(), c.Param("code"), in)
	if formProblem(err) {
		return s.renderCommission(c, http.StatusOK, nil, in, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("rosters", "commissions", c.Param("code")),
		"Saved the seat. Letters made from now on use it; letters already made keep their recipients.")
}

func (s *Server) orgRemoveSeat(c echo.Context) error {
	err := s.keptRosters.RemoveSeat(c.Request().Context(), c.Param("code"), c.Param("bioguide"))
	if formProblem(err) {
		return s.renderCommission(c, http.StatusOK, nil, keptroster.SeatInput{}, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("rosters", "commissions", c.Param("code")), "Removed the seat.")
}

func executiveForm(c echo.Context, key string) keptroster.ExecutiveInput {
	return keptroster.ExecutiveInput{Key: key, Title: c.FormValue("title"), Name: c.FormValue("name"),
		Salutation: c.FormValue("salutation"), Greeting: c.FormValue("greeting"), Address: c.FormValue("address"),
		Email: c.FormValue("email"), InOfficeSince: c.FormValue("in_office_since")}
}

func (s *Server) renderExecutive(c echo.Context, isNew bool, in keptroster.ExecutiveInput, formErr error) error {
	label := "New executive target"
	if !isNew {
		label = in.Title
	}
	org := s.newOrgPage(rostersCrumb(), crumb{Label: label})
	org.IsNew, org.ExecutiveForm = isNew, in
	if !isNew {
		var err error
		if org.Pending, err = s.keptRosters.PendingAddresses(c.Request().Context()); err != nil {
			return err
		}
	}
	return s.renderOrg(c, http.StatusOK, "organize_executive.html", label, org, nil, formErr)
}

func (s *Server) orgNewExecutive(c echo.Context) error {
	return s.renderExecutive(c, true, keptroster.ExecutiveInput{}, nil)
}

func (s *Server) orgExecutive(c echo.Context) error {
	x, err := s.keptRosters.Executive(c.Request().Context(), c.Param("key"))
	if err != nil {
		return err
	}
	return s.renderExecutive(c, false, keptroster.ExecutiveInput{Key: x.Key, Title: x.Title, Name: x.Name,
		Salutation: x.Salutation, Greeting: x.Greeting, Address: x.Address, Email: x.Email, InOfficeSince: x.InOfficeSince}, nil)
}

func (s *Server) orgCreateExecutive(c echo.Context) error {
	in := executiveForm(c, c.FormValue("key"))
	err := s.keptRosters.SaveExecutive(c.Request().Context(), in, true)
	if formProblem(err) {
		return s.renderExecutive(c, true, in, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, "/organize/rosters", "Added "+in.Title+". Campaigns can now write to it (add it under a campaign's targets)."+
		s.savedNote(c, app.SubjectExecutive+normCode(in.Key)))
}

func (s *Server) orgUpdateExecutive(c echo.Context) error {
	in := executiveForm(c, c.Param("key"))
	err := s.keptRosters.SaveExecutive(c.Request().Context(), in, false)
	if formProblem(err) {
		return s.renderExecutive(c, false, in, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, "/organize/rosters",
		"Saved "+in.Title+". Letters made from now on use it; letters already made keep their recipients."+
			s.savedNote(c, app.SubjectExecutive+normCode(in.Key)))
}

func (s *Server) orgRemoveExecutive(c echo.Context) error {
	err := s.keptRosters.RemoveExecutive(c.Request().Context(), c.Param("key"))
	if formProblem(err) {
		return s.renderRosters(c, keptroster.CommissionInput{Chamber: app.House}, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, "/organize/rosters", "Removed "+c.Param("key")+".")
}

func (s *Server) orgResetRosters(c echo.Context) error {
	if err := s.keptRosters.Reset(c.Request().Context()); err != nil {
		return err
	}
	return s.redirectFlash(c, "/organize/rosters", "Discarded the hand edits: the imported commissions and executive targets apply again.")
}

// PendingFor returns the change of address of an executive office or a
// commission waiting for an admin, or nil.
func (p *orgPage) PendingFor(kind, key string) *app.AddressChange {
	if c, ok := p.Pending[kind+":"+key]; ok {
		return &c
	}
	return nil
}

// savedNote is what the flash after a save adds when the save asked for a
// new delivery address.
func (s *Server) savedNote(c echo.Context, subject string) string {
	pending, err := s.keptRosters.PendingAddresses(c.Request().Context())
	if err != nil {
		return ""
	}
	ch, ok := pending[subject]
	if !ok {
		return ""
	}
	meanwhile := "letters are not emailed"
	if ch.OldEmail != "" {
		meanwhile = "letters go to " + ch.OldEmail
	}
	return " The new email address " + ch.NewEmail + " is waiting for an admin's approval; until then " + meanwhile + "."
}
