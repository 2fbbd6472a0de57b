package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
)

// blankFactRows is how many empty fact rows the campaign form offers; more
// appear after saving.
const blankFactRows = 3

// letterRow is one letter of a campaign in its overview.
type letterRow struct {
	Kind    app.TargetKind
	Current *app.TemplateVersion
	// Used says whether the campaign's rules write to this kind.
	Used bool
}

// orgCampaigns lists every campaign with its status and totals.
func (s *Server) orgCampaigns(c echo.Context) error {
	list, err := s.campaigns.List(c.Request().Context())
	if err != nil {
		return err
	}
	org := s.newOrgPage()
	org.Crumbs = nil
	org.Campaigns = list
	if org.Flags, err = s.flagViews(c, 0, list); err != nil {
		return err
	}
	return s.renderOrg(c, http.StatusOK, "organize_list.html", "Campaigns", org, nil, nil)
}

// detailsForm reads the campaign form.
func detailsForm(c echo.Context) (campaign.DetailsInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return campaign.DetailsInput{}, errBadRequest("The form could not be read.")
	}
	in := campaign.DetailsInput{
		Slug: form.Get("slug"), Title: form.Get("title"), Summary: form.Get("summary"), Ask: form.Get("ask"),
		StartsAt: form.Get("starts_at"), EndsAt: form.Get("ends_at"), RetentionDays: form.Get("retention_days"),
		ReviewDays: form.Get("review_days"),
		Delivery: campaign.DeliveryInput{
			DoubleOptIn: form.Get("double_opt_in") != "", ConfirmWithinHours: form.Get("confirm_within_hours"),
			ReplyToSupporter: form.Get("reply_to_supporter") != "", OrgName: form.Get("org_name"),
			OrgStatement: form.Get("org_statement"), CWCTopic: form.Get("cwc_topic"),
		},
	}
	keys, values, ons, sources := form["fact_key"], form["fact_value"], form["fact_verified_on"], form["fact_source"]
	at := func(list []string, i int) string {
		if i < len(list) {
			return list[i]
		}
		return ""
	}
	for i := range max(len(keys), len(values), len(ons), len(sources)) {
		in.Facts = append(in.Facts, campaign.Fact{Key: at(keys, i), Value: at(values, i), VerifiedOn: at(ons, i), Source: at(sources, i)})
	}
	return in, nil
}

// renderDetailsForm shows the campaign form with a few blank fact rows.
func (s *Server) renderDetailsForm(c echo.Context, camp *app.Campaign, in campaign.DetailsInput, err error) error {
	org := s.newOrgPage()
	title := "New campaign"
	if camp == nil {
		org.IsNew = true
		org.Crumbs = append(org.Crumbs, crumb{Label: "New campaign"})
	} else {
		title = "Edit " + camp.Title
		org.Crumbs = append(org.Crumbs, campaignCrumb(camp), crumb{Label: "Details"})
	}
	org.Details = in
	for _, f := range in.Facts {
		if strings.TrimSpace(f.Key) != "" || strings.TrimSpace(f.Value) != "" || strings.TrimSpace(f.Source) != "" {
			org.FactRows = append(org.FactRows, f)
		}
	}
	for range blankFactRows {
		org.FactRows = append(org.FactRows, campaign.Fact{})
	}
	org.ZoneName = s.campaigns.Location().String()
	return s.renderOrg(c, http.StatusOK, "organize_form.html", title, org, camp, err)
}

// orgNewCampaign shows the form for a new campaign. Double opt-in starts
// ticked: without it anyone who types someone's address sends letters to
// offices in that person's name; with it a share of supporters never
// confirm, and their letters are not sent (README, "Double opt-in").
func (s *Server) orgNewCampaign(c echo.Context) error {
	return s.renderDetailsForm(c, nil, campaign.DetailsInput{RetentionDays: "0", ReviewDays: "30",
		Delivery: campaign.DeliveryInput{DoubleOptIn: true, ConfirmWithinHours: "0"}}, nil)
}

func (s *Server) orgCreateCampaign(c echo.Context) error {
	in, err := detailsForm(c)
	if err != nil {
		return err
	}
	camp, err := s.campaigns.CreateCampaign(c.Request().Context(), in)
	if formProblem(err) {
		return s.renderDetailsForm(c, nil, in, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", camp.Slug),
		"Created the draft \u201c"+camp.Title+"\u201d. Choose its targets, write its letters, then open it.")
}

// orgCampaign is a campaign's overview: status, what keeps it from
// opening, whom it writes to, its letters.
func (s *Server) orgCampaign(c echo.Context) error {
	return s.renderCampaign(c, http.StatusOK, nil)
}

func (s *Server) renderCampaign(c echo.Context, status int, pageErr error) error {
	return s.renderCampaignWith(c, status, pageErr, nil)
}

// renderCampaignWith renders the overview; fill keeps what was typed in
// one of its forms when that form had a problem.
func (s *Server) renderCampaignWith(c echo.Context, status int, pageErr error, fill func(*orgPage)) error {
	ctx := c.Request().Context()
	camp, err := s.campaigns.Get(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	org := s.newOrgPage(crumb{Label: camp.Title})
	if org.Flags, err = s.flagViews(c, camp.ID, []campaign.Summary{{Campaign: *camp}}); err != nil {
		return err
	}
	org.FactReport = s.campaigns.Facts(camp)
	org.UpdateForm.On = s.opts.Clock().In(s.campaigns.Location()).Format(campaign.DateLayout)
	org.OutcomeForm.On = org.UpdateForm.On
	if fill != nil {
		fill(org)
	}
	if org.Problems, err = s.campaigns.Problems(ctx, camp); err != nil {
		return err
	}
	if org.Rules, org.Reach, err = s.campaigns.Rules(ctx, camp.Slug); err != nil {
		return err
	}
	tpls, err := s.campaigns.Templates(ctx, camp)
	if err != nil {
		return err
	}
	used := map[app.TargetKind]bool{}
	for _, r := range org.Rules {
		used[kindOfRule(r.Kind)] = true
	}
	for _, k := range app.TargetKinds() {
		row := letterRow{Kind: k, Used: used[k]}
		if tv, ok := tpls[k]; ok {
			row.Current = &tv
		}
		org.Letters = append(org.Letters, row)
	}
	list, err := s.campaigns.List(ctx)
	if err != nil {
		return err
	}
	for i := range list {
		if list[i].ID == camp.ID {
			org.Summary = &list[i]
		}
	}
	return s.renderOrg(c, status, "organize_campaign.html", camp.Title, org, camp, pageErr)
}

func kindOfRule(k app.RuleKind) app.TargetKind {
	switch k {
	case app.RuleOwnRepresentative:
		return app.TargetRepresentative
	case app.RuleOwnSenators:
		return app.TargetSenator
	case app.RuleCommittee:
		return app.TargetCommittee
	}
	return app.TargetExecutive
}

func (s *Server) orgEditCampaign(c echo.Context) error {
	camp, err := s.campaigns.Get(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return s.renderDetailsForm(c, camp, s.campaigns.DetailsOf(camp), nil)
}

func (s *Server) orgUpdateCampaign(c echo.Context) error {
	ctx := c.Request().Context()
	camp, err := s.campaigns.Get(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	in, err := detailsForm(c)
	if err != nil {
		return err
	}
	updated, err := s.campaigns.UpdateCampaign(ctx, camp.Slug, in)
	if formProblem(err) {
		return s.renderDetailsForm(c, camp, in, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", updated.Slug), "Saved the campaign details.")
}

func (s *Server) orgOpenCampaign(c echo.Context) error {
	camp, err := s.campaigns.Open(c.Request().Context(), c.Param("slug"))
	if formProblem(err) {
		return s.renderCampaign(c, http.StatusConflict, err)
	}
	if err != nil {
		return err
	}
	msg := "\u201c" + camp.Title + "\u201d is open."
	if ok, why := camp.AcceptsAt(s.opts.Clock()); !ok {
		msg += " " + why
	} else {
		msg += " Supporters can write at /c/" + camp.Slug + "."
	}
	return s.redirectFlash(c, orgURL("campaigns", camp.Slug), msg)
}

func (s *Server) orgCloseCampaign(c echo.Context) error {
	camp, err := s.campaigns.Close(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", camp.Slug),
		"\u201c"+camp.Title+"\u201d is closed: its page says so and it takes no more letters. Letters already made are kept.")
}
