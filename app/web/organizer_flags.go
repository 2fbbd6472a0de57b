package web

import (
	"context"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
)

// CampaignFlags are the notices a roster refresh leaves when it changes
// whom a campaign writes to (rosterwatch.Flags has it).
type CampaignFlags interface {
	// Open lists a campaign's undismissed notices (all campaigns' for 0).
	Open(ctx context.Context, campaignID int64) ([]app.CampaignFlag, error)
	// Dismiss closes one notice of campaign c for the organizer in ctx.
	Dismiss(ctx context.Context, c *app.Campaign, id int64) error
}

// flagView is a notice as the organizer pages show it.
type flagView struct {
	ID      int64
	Slug    string
	Title   string
	When    string
	Changes []string
}

// flagViews returns the open notices of campaignID (0: all) whose
// campaign is in camps, for the campaign list and a campaign's overview.
func (s *Server) flagViews(c echo.Context, campaignID int64, camps []campaign.Summary) ([]flagView, error) {
	if s.flags == nil {
		return nil, nil
	}
	flags, err := s.flags.Open(c.Request().Context(), campaignID)
	if err != nil {
		return nil, err
	}
	org := s.newOrgPage()
	var out []flagView
	for _, f := range flags {
		for _, cp := range camps {
			if cp.ID == f.CampaignID {
				out = append(out, flagView{ID: f.ID, Slug: cp.Slug, Title: cp.Title, When: org.When(f.CreatedAt), Changes: f.Changes})
			}
		}
	}
	return out, nil
}

// orgDismissFlag closes a notice and goes back to where it was shown.
func (s *Server) orgDismissFlag(c echo.Context) error {
	if s.flags == nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	camp, err := s.campaigns.Get(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return app.Errorf(app.ENOTFOUND, "This notice does not exist or was already dismissed.")
	}
	if err := s.flags.Dismiss(ctx, camp, id); err != nil {
		return err
	}
	back := orgURL("campaigns", camp.Slug)
	if c.FormValue("back") == "list" {
		back = orgURL()
	}
	return s.redirectFlash(c, back, "Notice dismissed. The audit log records who dismissed it.")
}
