package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
)

// ruleForm is the add-rule form as sent, to show it again after an error.
type ruleForm struct {
	Kind             string
	Committee        string
	LeadershipOnly   bool
	OnlyConstituents bool
	Executive        string
}

// orgTargets lists a campaign's rules in plain words with whom they reach,
// and the forms to add more.
func (s *Server) orgTargets(c echo.Context) error {
	return s.renderTargets(c, ruleForm{LeadershipOnly: true}, nil)
}

func (s *Server) renderTargets(c echo.Context, form ruleForm, formErr error) error {
	ctx := c.Request().Context()
	camp, err := s.campaigns.Get(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	org := s.newOrgPage(campaignCrumb(camp), crumb{Label: "Targets"})
	if org.Rules, org.Reach, err = s.campaigns.Rules(ctx, camp.Slug); err != nil {
		return err
	}
	org.Committees, org.Executives = s.campaigns.Choices()
	org.RuleForm = form
	return s.renderOrg(c, http.StatusOK, "organize_targets.html", "Targets of "+camp.Title, org, camp, formErr)
}

func (s *Server) orgAddTarget(c echo.Context) error {
	form := ruleForm{
		Kind: c.FormValue("kind"), Committee: c.FormValue("committee"), Executive: c.FormValue("executive"),
		LeadershipOnly: c.FormValue("leadership_only") != "", OnlyConstituents: c.FormValue("only_constituents") != "",
	}
	v, err := s.campaigns.AddRule(c.Request().Context(), c.Param("slug"), campaign.RuleInput{
		Kind: app.RuleKind(form.Kind), CommitteeCode: form.Committee, ExecutiveKey: form.Executive,
		LeadershipOnly: form.LeadershipOnly, OnlyConstituents: form.OnlyConstituents,
	})
	if formProblem(err) {
		return s.renderTargets(c, form, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", c.Param("slug"), "targets"),
		"Added: "+v.Description+" ("+plural(v.Reach, "person", "people")+" in the current roster).")
}

func (s *Server) orgRemoveTarget(c echo.Context) error {
	err := s.campaigns.RemoveRule(c.Request().Context(), c.Param("slug"), c.FormValue("rule"))
	if formProblem(err) || app.ErrorCodeOf(err) == app.ENOTFOUND {
		return s.renderTargets(c, ruleForm{LeadershipOnly: true}, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", c.Param("slug"), "targets"), "Removed the target.")
}

func (s *Server) orgMoveTarget(c echo.Context) error {
	delta := 1
	if c.FormValue("dir") == "up" {
		delta = -1
	}
	err := s.campaigns.MoveRule(c.Request().Context(), c.Param("slug"), c.FormValue("rule"), delta)
	if app.ErrorCodeOf(err) == app.ENOTFOUND {
		return s.renderTargets(c, ruleForm{LeadershipOnly: true}, err)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, orgURL("campaigns", c.Param("slug"), "targets"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
