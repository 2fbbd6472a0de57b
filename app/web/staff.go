package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/stats"
)

// staffPage is the data of the staff outreach pages.
type staffPage struct {
	Summaries []stats.Summary
	Report    *stats.Report
	// Filter is the one in the query; Query re-encodes it for links
	// (exports, letters list, live updates).
	Filter      app.StatsFilter
	Query       string
	FilterError map[string]string
	Letters     *stats.LetterPage
	NextQuery   string // the letters list's next page
	DayChart    template.HTML
	StateMap    template.HTML
	States      []string
	Channels    []app.Channel
	Exports     []string
	Location    *time.Location
	// Personal: the reader may export supporters' names and emails.
	Personal bool
}

func (s *Server) statsService() (*stats.Service, error) {
	if s.stats == nil {
		return nil, errNotFound("Outreach totals are not available on this server.")
	}
	return s.stats, nil
}

// statsFilter reads the dashboard's filter from the query string.
func statsFilter(c echo.Context) app.StatsFilter {
	return app.StatsFilter{
		From:    strings.TrimSpace(c.QueryParam("from")),
		To:      strings.TrimSpace(c.QueryParam("to")),
		State:   strings.ToUpper(strings.TrimSpace(c.QueryParam("state"))),
		Target:  strings.TrimSpace(c.QueryParam("target")),
		Channel: app.Channel(strings.TrimSpace(c.QueryParam("channel"))),
	}
}

// filterQuery encodes f for links (empty fields left out).
func filterQuery(f app.StatsFilter) url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"from": f.From, "to": f.To, "state": f.State, "target": f.Target, "channel": string(f.Channel)} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// staffOverview lists every campaign with its headline numbers.
func (s *Server) staffOverview(c echo.Context) error {
	svc, err := s.statsService()
	if err != nil {
		return err
	}
	list, err := svc.Overview(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "staff_overview.html", pageData{Title: "Outreach", Staff: &staffPage{Summaries: list}})
}

// staffCampaign is one campaign's dashboard. A filter that does not parse
// is shown with its errors over the unfiltered numbers.
func (s *Server) staffCampaign(c echo.Context) error {
	svc, err := s.statsService()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := statsFilter(c)
	p := &staffPage{Filter: f, States: app.States(), Channels: app.Channels(), Exports: stats.Exports(),
		Location: s.opts.Location, Personal: stats.SeesPersonalData(ctx)}
	status := http.StatusOK
	if err := f.Validate(); err != nil {
		p.FilterError = app.ErrorFieldsOf(err)
		status = http.StatusBadRequest
		f = app.StatsFilter{}
	}
	rep, err := svc.Report(ctx, c.Param("slug"), f)
	if err != nil {
		return err
	}
	p.Report, p.Query = rep, filterQuery(f).Encode()
	p.DayChart, p.StateMap = dayChart(rep.ByDay), stateMap(rep.ByState)
	return s.render(c, status, "staff_campaign.html", pageData{Title: rep.Campaign.Title + " · Outreach", Staff: p})
}

// staffLetters is the campaign's letters list, a page at a time; names and
// emails are masked unless the reader has the supporter-data role.
func (s *Server) staffLetters(c echo.Context) error {
	svc, err := s.statsService()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := statsFilter(c)
	if err := f.Validate(); err != nil {
		return err
	}
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	camp, err := svc.Campaign(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	page, err := svc.Letters(ctx, camp.Slug, app.LetterQuery{Filter: f, AfterID: max(after, 0)})
	if err != nil {
		return err
	}
	q := filterQuery(f)
	p := &staffPage{Filter: f, Query: q.Encode(), Letters: page, Location: s.opts.Location,
		Personal: stats.SeesPersonalData(ctx), Report: &stats.Report{Campaign: camp}}
	if page.NextAfter > 0 {
		q.Set("after", strconv.FormatInt(page.NextAfter, 10))
		p.NextQuery = q.Encode()
	}
	return s.render(c, http.StatusOK, "staff_letters.html", pageData{Title: "Letters · " + camp.Title, Staff: p})
}

// staffExport streams one export ("letters.csv", "targets.json" ...).
// Errors found before the first byte get their usual status; a failure
// later can only cut the download short, and is logged.
func (s *Server) staffExport(c echo.Context) error {
	svc, err := s.statsService()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	what, format, _ := strings.Cut(c.Param("file"), ".")
	req := stats.ExportRequest{Slug: c.Param("slug"), What: what, Format: format, Filter: statsFilter(c),
		Personal: c.QueryParam("personal") == "1", Location: s.opts.Location}
	if _, err := svc.Check(ctx, req); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, req.ContentType())
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+req.Filename()+`"`)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// A million letters take longer than the server's usual write deadline.
	_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	c.Response().WriteHeader(http.StatusOK)
	if err := svc.Export(ctx, req, c.Response()); err != nil {
		s.log.Error("export", "campaign", req.Slug, "what", req.What, "err", err)
	}
	return nil
}

// apiStats is GET /api/v1/stats?campaign=SLUG[&from&to&state&target&channel].
func (s *Server) apiStats(c echo.Context) error {
	svc, err := s.statsService()
	if err != nil {
		return err
	}
	slug := strings.TrimSpace(c.QueryParam("campaign"))
	if slug == "" {
		return app.Errorf(app.EINVALID, "Add ?campaign=SLUG to say which campaign.")
	}
	rep, err := svc.Report(c.Request().Context(), slug, statsFilter(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.JSON(http.StatusOK, rep.JSON())
}
