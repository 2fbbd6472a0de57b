package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app/campaign"
)

// Keeping a campaign true as its case moves: case updates, closing with
// the outcome, the list of recipients who already acted, and copying a
// campaign to start the next (campaign/casetruth.go does the work).

// blankActedRows is how many empty rows the "already acted" form offers.
const blankActedRows = 3

// orgPostUpdate adds a dated case update to the public page.
func (s *Server) orgPostUpdate(c echo.Context) error {
	in := campaign.UpdateInput{On: c.FormValue("on"), Body: c.FormValue("body"), SourceURL: c.FormValue("source_url")}
	u, err := s.campaigns.PostUpdate(c.Request().Context(), c.Param("slug"), in)
	if formProblem(err) {
		return s.renderCampaignWith(c, http.StatusUnprocessableEntity, err, func(o *orgPage) { o.UpdateForm = in })
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", c.Param("slug")),
		"Posted the update of "+u.On.Format("January 2, 2006")+". It shows on the public page.")
}

// orgRemoveUpdate deletes a case update.
func (s *Server) orgRemoveUpdate(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound("That update is no longer there.")
	}
	if err := s.campaigns.DeleteUpdate(c.Request().Context(), c.Param("slug"), id); err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", c.Param("slug")), "Removed the update.")
}

// orgCloseWithOutcome closes the campaign with how it ended.
func (s *Server) orgCloseWithOutcome(c echo.Context) error {
	outcome, on := c.FormValue("outcome"), c.FormValue("outcome_on")
	camp, err := s.campaigns.CloseWithOutcome(c.Request().Context(), c.Param("slug"), outcome, on)
	if formProblem(err) {
		return s.renderCampaignWith(c, http.StatusUnprocessableEntity, err, func(o *orgPage) {
			o.OutcomeForm = outcomeForm{Outcome: outcome, On: on}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", camp.Slug),
		"\u201c"+camp.Title+"\u201d is closed with its outcome: the public page shows it instead of the form.")
}

// outcomeForm is the close-with-outcome form as typed.
type outcomeForm struct {
	Outcome string
	On      string
}

// orgActed shows the list of recipients who already acted.
func (s *Server) orgActed(c echo.Context) error {
	camp, err := s.campaigns.Get(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return s.renderActed(c, http.StatusOK, campaign.ActedOf(camp), nil)
}

func (s *Server) renderActed(c echo.Context, status int, rows []campaign.ActedInput, pageErr error) error {
	camp, err := s.campaigns.Get(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	org := s.newOrgPage(campaignCrumb(camp), crumb{Label: "Already acted"})
	org.ActedRows = rows
	for range blankActedRows {
		org.ActedRows = append(org.ActedRows, campaign.ActedInput{})
	}
	return s.renderOrg(c, status, "organize_acted.html", "Already acted: "+camp.Title, org, camp, pageErr)
}

// orgSaveActed replaces the list.
func (s *Server) orgSaveActed(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return errBadRequest("The form could not be read.")
	}
	keys, actions, sources, ons := form["acted_key"], form["acted_action"], form["acted_source"], form["acted_on"]
	at := func(list []string, i int) string {
		if i < len(list) {
			return list[i]
		}
		return ""
	}
	var rows []campaign.ActedInput
	for i := range max(len(keys), len(actions), len(sources), len(ons)) {
		rows = append(rows, campaign.ActedInput{Key: at(keys, i), Action: at(actions, i), Source: at(sources, i), On: at(ons, i)})
	}
	camp, err := s.campaigns.SetActed(c.Request().Context(), c.Param("slug"), rows)
	if formProblem(err) {
		var kept []campaign.ActedInput
		for _, r := range rows {
			if r != (campaign.ActedInput{}) {
				kept = append(kept, r)
			}
		}
		return s.renderActed(c, http.StatusUnprocessableEntity, kept, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", camp.Slug),
		"Saved who already acted: letters using recipient.already_acted thank them from now on.")
}

// orgCopyForm asks for the new campaign's address and title.
func (s *Server) orgCopyForm(c echo.Context) error {
	camp, err := s.campaigns.Get(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return s.renderCopy(c, http.StatusOK, campaign.CopyInput{Title: camp.Title + " (copy)"}, nil)
}

func (s *Server) renderCopy(c echo.Context, status int, in campaign.CopyInput, pageErr error) error {
	camp, err := s.campaigns.Get(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	org := s.newOrgPage(campaignCrumb(camp), crumb{Label: "Copy"})
	org.CopyForm = in
	return s.renderOrg(c, status, "organize_copy.html", "Copy "+camp.Title, org, camp, pageErr)
}

// orgCopy makes the new draft and goes to it.
func (s *Server) orgCopy(c echo.Context) error {
	in := campaign.CopyInput{Slug: c.FormValue("slug"), Title: c.FormValue("title")}
	created, err := s.campaigns.Copy(c.Request().Context(), c.Param("slug"), in)
	if formProblem(err) {
		return s.renderCopy(c, http.StatusUnprocessableEntity, in, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", created.Slug),
		"Created the draft \u201c"+created.Title+"\u201d from \u201c"+c.Param("slug")+"\u201d: check its facts and letters, then open it.")
}
