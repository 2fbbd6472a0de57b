package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter"
)

// The organizer workspace: campaigns, their targets and letters, and the
// hand-kept rosters. Every page works without JavaScript; editor.js only
// adds a live preview. Handlers live in organizer_*.go, one file per area.

// organizerRoutes registers the workspace under g, a group at /organize
// that already checks CSRF tokens and the organizer role (routes.go).
func (s *Server) organizerRoutes(g *echo.Group) {
	g.Use(s.needWorkspace)
	g.GET("", s.orgCampaigns)
	g.GET("/campaigns/new", s.orgNewCampaign)
	g.POST("/campaigns", s.orgCreateCampaign)
	g.GET("/campaigns/:slug", s.orgCampaign)
	g.GET("/campaigns/:slug/edit", s.orgEditCampaign)
	g.POST("/campaigns/:slug/edit", s.orgUpdateCampaign)
	g.POST("/campaigns/:slug/open", s.orgOpenCampaign)
	g.POST("/campaigns/:slug/close", s.orgCloseCampaign)
	g.POST("/campaigns/:slug/outcome", s.orgCloseWithOutcome)
	g.POST("/campaigns/:slug/updates", s.orgPostUpdate)
	g.POST("/campaigns/:slug/updates/:id/remove", s.orgRemoveUpdate)
	g.GET("/campaigns/:slug/acted", s.orgActed)
	g.POST("/campaigns/:slug/acted", s.orgSaveActed)
	g.GET("/campaigns/:slug/copy", s.orgCopyForm)
	g.POST("/campaigns/:slug/copy", s.orgCopy)
	g.POST("/campaigns/:slug/flags/:id/dismiss", s.orgDismissFlag)

	g.GET("/campaigns/:slug/targets", s.orgTargets)
	g.POST("/campaigns/:slug/targets", s.orgAddTarget)
	g.POST("/campaigns/:slug/targets/remove", s.orgRemoveTarget)
	g.POST("/campaigns/:slug/targets/move", s.orgMoveTarget)

	g.GET("/campaigns/:slug/letters/:kind", s.orgEditor)
	g.POST("/campaigns/:slug/letters/:kind", s.orgEditorPost)
	g.POST("/campaigns/:slug/letters/:kind/preview.pdf", s.orgPreviewPDF)
	g.POST("/campaigns/:slug/letters/:kind/preview.json", s.orgPreviewJSON)
	g.GET("/campaigns/:slug/letters/:kind/history", s.orgHistory)
	g.GET("/campaigns/:slug/letters/:kind/versions/:n", s.orgVersion)
	g.POST("/campaigns/:slug/letters/:kind/versions/:n/restore", s.orgRestore)

	g.GET("/rosters", s.orgRosters)
	g.POST("/rosters/reset", s.orgResetRosters)
	g.POST("/rosters/commissions", s.orgAddCommission)
	g.GET("/rosters/commissions/:code", s.orgCommission)
	g.POST("/rosters/commissions/:code", s.orgUpdateCommission)
	g.POST("/rosters/commissions/:code/remove", s.orgRemoveCommission)
	g.POST("/rosters/commissions/:code/seats", s.orgSaveSeat)
	g.POST("/rosters/commissions/:code/seats/:bioguide/remove", s.orgRemoveSeat)
	g.GET("/rosters/executives/new", s.orgNewExecutive)
	g.POST("/rosters/executives", s.orgCreateExecutive)
	g.GET("/rosters/executives/:key", s.orgExecutive)
	g.POST("/rosters/executives/:key", s.orgUpdateExecutive)
	g.POST("/rosters/executives/:key/remove", s.orgRemoveExecutive)
}

// needWorkspace answers 404 when the server was built without the
// organizer services (tools and tests that serve supporters only).
func (s *Server) needWorkspace(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.campaigns == nil || s.keptRosters == nil {
			return errNotFound("The organizer workspace is not available on this server.")
		}
		return next(c)
	}
}

// crumb is one step of the breadcrumb trail.
type crumb struct {
	Label string
	URL   string
}

// orgPage is what the organizer pages render; each page uses its part.
type orgPage struct {
	Crumbs []crumb
	zone   *time.Location

	// Campaign list and overview.
	Campaigns []campaign.Summary
	Summary   *campaign.Summary
	Problems  []string
	Letters   []letterRow

	// Keeping the campaign true (organizer_case.go).
	FactReport  campaign.FactReport
	UpdateForm  campaign.UpdateInput
	OutcomeForm outcomeForm
	ActedRows   []campaign.ActedInput
	CopyForm    campaign.CopyInput

	// Campaign form.
	IsNew    bool
	Details  campaign.DetailsInput
	FactRows []campaign.Fact
	ZoneName string

	// Targets.
	Rules      []campaign.RuleView
	Reach      int
	Committees []app.Committee
	Executives []app.ExecutiveTarget
	RuleForm   ruleForm

	// Letter editor, history and versions.
	Kind          app.TargetKind
	Kinds         []app.TargetKind
	Current       *app.TemplateVersion
	Draft         campaign.TemplateDraft
	Fields        []letter.Field
	Errors        []compileProblem
	Sample        *campaign.Sample
	SampleZip     string
	SampleTarget  string
	SampleMessage string
	Preview       *campaign.Preview
	PreviewError  string
	Versions      []campaign.VersionView
	Version       *campaign.VersionView

	// Notices of roster changes (organizer_flags.go).
	Flags []flagView

	// Rosters.
	Kept           keptroster.State
	Commissions    []keptroster.CommissionView
	Commission     *keptroster.CommissionView
	CommissionForm keptroster.CommissionInput
	SeatForm       keptroster.SeatInput
	Members        []string
	ExecutiveForm  keptroster.ExecutiveInput
	ExecutiveList  []app.ExecutiveTarget
	UsedIn         map[string][]string
	// Pending are the changes of address waiting for an admin, by subject
	// (organizer_rosters.go).
	Pending map[string]app.AddressChange
}

// When formats a time for organizers, in the campaigns' time zone.
func (p *orgPage) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.zone).Format("Jan 2, 2006 3:04 PM MST")
}

// WhenPtr is When for optional times ("" for none).
func (p *orgPage) WhenPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return p.When(*t)
}

// Day formats a date (a fact check, an update, an outcome) with its year.
func (p *orgPage) Day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("January 2, 2006")
}

// Inc counts from 1 in templates.
func (p *orgPage) Inc(i int) int { return i + 1 }

// KindLabel names a kind of recipient in headings: "Senator letter".
func (p *orgPage) KindLabel(k app.TargetKind) string { return kindLabel(k) }

func kindLabel(k app.TargetKind) string {
	switch k {
	case app.TargetRepresentative:
		return "Representative letter"
	case app.TargetSenator:
		return "Senator letter"
	case app.TargetCommittee:
		return "Committee & commission letter"
	case app.TargetExecutive:
		return "Executive letter"
	}
	return string(k) + " letter"
}

// newOrgPage starts a page with the workspace's time zone and the first
// breadcrumb.
func (s *Server) newOrgPage(crumbs ...crumb) *orgPage {
	return &orgPage{zone: s.campaigns.Location(), Crumbs: append([]crumb{{"Campaigns", "/organize"}}, crumbs...)}
}

func campaignCrumb(c *app.Campaign) crumb {
	return crumb{Label: c.Title, URL: "/organize/campaigns/" + url.PathEscape(c.Slug)}
}

// renderOrg renders an organizer page; err, when it carries field errors,
// is shown next to the fields (422), otherwise as the page's error.
func (s *Server) renderOrg(c echo.Context, status int, name, title string, org *orgPage, camp *app.Campaign, err error) error {
	d := pageData{Title: title, Org: org, Campaign: camp}
	if err != nil {
		d.Error = app.ErrorMessageOf(err)
		d.Fields = app.ErrorFieldsOf(err)
		if status == http.StatusOK {
			status, _ = classify(err)
		}
	}
	return s.render(c, status, name, d)
}

// formProblem reports whether err is something the organizer can fix in
// the form they sent (invalid input, a conflict with stored state), as
// opposed to a missing page or a failure to show on the error page.
func formProblem(err error) bool {
	switch app.ErrorCodeOf(err) {
	case app.EINVALID, app.ECONFLICT, app.ETOOLARGE:
		return true
	}
	return false
}

// redirectFlash leaves a message for the next page and goes there.
func (s *Server) redirectFlash(c echo.Context, to, msg string) error {
	if msg != "" {
		s.setFlash(c, msg)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// orgURL joins path parts under /organize, escaping each.
func orgURL(parts ...string) string {
	var b strings.Builder
	b.WriteString("/organize")
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// compileProblem is one template error placed in its text, for the editor:
// the line and a caret under the column.
type compileProblem struct {
	Field   string
	Line    int
	Col     int
	Message string
	Source  string // the line's text ("" when out of range)
	Caret   string // spaces then ^ under the column
}

// compileProblems lists the positioned errors of a template save or
// preview, with the offending line quoted.
func compileProblems(err error, subject, body string) []compileProblem {
	var ces letter.CompileErrors
	if !errors.As(err, &ces) {
		return nil
	}
	var out []compileProblem
	for _, ce := range ces {
		src := body
		if ce.Name == "subject" {
			src = subject
		}
		p := compileProblem{Field: ce.Name, Line: ce.Line, Col: ce.Col, Message: ce.Msg}
		lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
		if ce.Line >= 1 && ce.Line <= len(lines) {
			p.Source = lines[ce.Line-1]
			if r := []rune(p.Source); len(r) > 160 {
				start := max(0, min(ce.Col-60, len(r)-160))
				p.Source = string(r[start : start+160])
				p.Caret = strings.Repeat(" ", max(0, ce.Col-1-start)) + "^"
			} else {
				p.Caret = strings.Repeat(" ", max(0, ce.Col-1)) + "^"
			}
		}
		out = append(out, p)
	}
	return out
}
