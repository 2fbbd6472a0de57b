package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
)

// editorForm is the letter editor's form: the text being edited and the
// preview's sample.
type editorForm struct {
	Draft  campaign.TemplateDraft
	Sample campaign.PreviewRequest
	// MessageShown keeps the organizer's sample paragraph, even when
	// emptied, across re-renders.
	Message string
}

func readEditorForm(c echo.Context, kind app.TargetKind) editorForm {
	f := editorForm{Draft: campaign.TemplateDraft{
		Subject: c.FormValue("subject"), Body: c.FormValue("body"), Note: c.FormValue("note"),
	}}
	f.Draft.BaseVersion, _ = strconv.Atoi(c.FormValue("base_version"))
	f.Message = c.FormValue("sample_message")
	msg := f.Message
	if c.FormValue("sample_set") != "" && msg == "" {
		msg = "-" // emptied on purpose: preview without a personal message
	}
	f.Sample = campaign.PreviewRequest{Kind: kind, Subject: f.Draft.Subject, Body: f.Draft.Body,
		Zip: c.FormValue("sample_zip"), TargetKey: c.FormValue("sample_target"), Message: msg}
	return f
}

func kindParam(c echo.Context) app.TargetKind { return app.TargetKind(c.Param("kind")) }

// orgEditor shows a letter's current version with a preview of it.
func (s *Server) orgEditor(c echo.Context) error {
	ctx := c.Request().Context()
	kind := kindParam(c)
	camp, cur, err := s.campaigns.Template(ctx, c.Param("slug"), kind)
	if err != nil {
		return err
	}
	f := editorForm{Message: campaign.DefaultSampleMessage}
	if cur != nil {
		f.Draft = campaign.TemplateDraft{Subject: cur.Subject, Body: cur.Body, BaseVersion: cur.Version}
	} else {
		st := campaign.StarterTemplate(kind)
		f.Draft = campaign.TemplateDraft{Subject: st.Subject, Body: st.Body}
	}
	q := c.QueryParams()
	f.Sample = campaign.PreviewRequest{Kind: kind, Subject: f.Draft.Subject, Body: f.Draft.Body,
		Zip: q.Get("zip"), TargetKey: q.Get("target")}
	return s.renderEditor(c, http.StatusOK, camp, cur, f, nil)
}

// renderEditor renders the editor with a preview of the form's text, or
// with the errors that keep it from rendering. saveErr is the error of a
// refused save, shown above the form.
func (s *Server) renderEditor(c echo.Context, status int, camp *app.Campaign, cur *app.TemplateVersion, f editorForm, saveErr error) error {
	ctx := c.Request().Context()
	kind := f.Sample.Kind
	org := s.newOrgPage(campaignCrumb(camp), crumb{Label: kindLabel(kind)})
	org.Kind, org.Kinds, org.Current, org.Draft = kind, app.TargetKinds(), cur, f.Draft
	org.Fields = s.campaigns.Fields(camp)
	org.SampleMessage = f.Message
	p, perr := s.campaigns.PreviewFor(ctx, camp, f.Sample)
	switch {
	case perr == nil:
		org.Preview, org.Sample = p, &p.Sample
	case formProblem(perr):
		org.PreviewError = app.ErrorMessageOf(perr)
		if saveErr == nil {
			saveErr = perr
			status = http.StatusUnprocessableEntity
		}
		if sm, err := s.campaigns.SampleFor(ctx, camp, f.Sample); err == nil {
			org.Sample = sm
		}
	default:
		return perr
	}
	if org.Sample != nil {
		org.SampleZip, org.SampleTarget = org.Sample.Zip, org.Sample.Target.Key
	} else {
		org.SampleZip = f.Sample.Zip
	}
	// The subject's problems show under the subject (from the field
	// message); the body's are listed with their lines under the body.
	for _, cp := range compileProblems(saveErr, f.Draft.Subject, f.Draft.Body) {
		if cp.Field == "body" {
			org.Errors = append(org.Errors, cp)
		}
	}
	return s.renderOrg(c, status, "organize_editor.html", kindLabel(kind)+" \u00b7 "+camp.Title, org, camp, saveErr)
}

// orgEditorPost saves the text (action=save) or previews it without saving
// (the default, so Enter in a field never saves by surprise).
func (s *Server) orgEditorPost(c echo.Context) error {
	ctx := c.Request().Context()
	kind := kindParam(c)
	f := readEditorForm(c, kind)
	camp, cur, err := s.campaigns.Template(ctx, c.Param("slug"), kind)
	if err != nil {
		return err
	}
	if c.FormValue("action") != "save" {
		return s.renderEditor(c, http.StatusOK, camp, cur, f, nil)
	}
	tv, changed, err := s.campaigns.SaveTemplate(ctx, camp.Slug, kind, f.Draft)
	if formProblem(err) {
		status, _ := classify(err)
		return s.renderEditor(c, status, camp, cur, f, err)
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Saved version %d of the %s. New letters use it from now on; letters already made keep their text.",
		tv.Version, lowerFirst(kindLabel(kind)))
	if !changed {
		msg = fmt.Sprintf("Nothing changed: version %d is current.", tv.Version)
	}
	q := url.Values{}
	if f.Sample.Zip != "" {
		q.Set("zip", f.Sample.Zip)
	}
	if f.Sample.TargetKey != "" {
		q.Set("target", f.Sample.TargetKey)
	}
	to := orgURL("campaigns", camp.Slug, "letters", string(kind))
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	return s.redirectFlash(c, to, msg)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// orgPreviewPDF renders the unsaved text as the PDF a supporter would get.
func (s *Server) orgPreviewPDF(c echo.Context) error {
	ctx := c.Request().Context()
	kind := kindParam(c)
	f := readEditorForm(c, kind)
	b, err := s.campaigns.PreviewPDF(ctx, c.Param("slug"), f.Sample)
	if formProblem(err) {
		camp, cur, terr := s.campaigns.Template(ctx, c.Param("slug"), kind)
		if terr != nil {
			return terr
		}
		status, _ := classify(err)
		return s.renderEditor(c, status, camp, cur, f, err)
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="preview-%s-%s.pdf"`, c.Param("slug"), kind))
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// previewJSON is the live preview's answer (editor.js).
type previewJSON struct {
	OK      bool                 `json:"ok"`
	Subject string               `json:"subject,omitempty"`
	Body    string               `json:"body,omitempty"`
	Target  *targetOptionJSON    `json:"target,omitempty"`
	Targets []targetOptionJSON   `json:"targets,omitempty"`
	Notes   []string             `json:"notes,omitempty"`
	Message string               `json:"message,omitempty"`
	Fields  map[string]string    `json:"fields,omitempty"`
	Errors  []compileProblemJSON `json:"errors,omitempty"`
}

type targetOptionJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

type compileProblemJSON struct {
	Field   string `json:"field"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// TargetLabel is how the editor names a preview recipient.
func targetLabel(t app.Target) string {
	l := t.Name
	if t.Title != "" {
		l = t.Title + " " + t.Name
	}
	if len(t.Reasons) > 0 {
		l += " \u2014 " + t.Reasons[0]
	}
	return l
}

// orgPreviewJSON renders unsaved text for the live preview. Template
// errors are a normal answer (ok=false with positions), not an HTTP error.
func (s *Server) orgPreviewJSON(c echo.Context) error {
	ctx := c.Request().Context()
	kind := kindParam(c)
	f := readEditorForm(c, kind)
	c.Response().Header().Set("Cache-Control", "no-store")
	p, err := s.campaigns.Preview(ctx, c.Param("slug"), f.Sample)
	if err != nil {
		status, body := classify(err)
		out := previewJSON{Message: body.Message, Fields: body.Fields}
		for _, cp := range compileProblems(err, f.Draft.Subject, f.Draft.Body) {
			out.Errors = append(out.Errors, compileProblemJSON{Field: cp.Field, Line: cp.Line, Col: cp.Col, Message: cp.Message})
		}
		if formProblem(err) {
			status = http.StatusOK
		}
		return c.JSON(status, out)
	}
	out := previewJSON{OK: true, Subject: p.Subject, Body: p.Body, Notes: p.Notes,
		Target: &targetOptionJSON{Key: p.Target.Key, Label: targetLabel(p.Target)}}
	for _, t := range p.Targets {
		out.Targets = append(out.Targets, targetOptionJSON{Key: t.Key, Label: targetLabel(t)})
	}
	return c.JSON(http.StatusOK, out)
}

// orgHistory lists a letter's versions with what each changed.
func (s *Server) orgHistory(c echo.Context) error { return s.renderHistory(c, nil) }

func (s *Server) renderHistory(c echo.Context, pageErr error) error {
	kind := kindParam(c)
	camp, list, err := s.campaigns.History(c.Request().Context(), c.Param("slug"), kind)
	if err != nil {
		return err
	}
	org := s.newOrgPage(campaignCrumb(camp),
		crumb{Label: kindLabel(kind), URL: orgURL("campaigns", camp.Slug, "letters", string(kind))}, crumb{Label: "History"})
	org.Kind, org.Versions = kind, list
	return s.renderOrg(c, http.StatusOK, "organize_history.html", "History \u00b7 "+kindLabel(kind), org, camp, pageErr)
}

// orgVersion shows one version in full with its diff.
func (s *Server) orgVersion(c echo.Context) error {
	kind := kindParam(c)
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil {
		return errNotFound("There is no such version.")
	}
	camp, v, err := s.campaigns.Version(c.Request().Context(), c.Param("slug"), kind, n)
	if err != nil {
		return err
	}
	org := s.newOrgPage(campaignCrumb(camp),
		crumb{Label: kindLabel(kind), URL: orgURL("campaigns", camp.Slug, "letters", string(kind))},
		crumb{Label: "History", URL: orgURL("campaigns", camp.Slug, "letters", string(kind), "history")},
		crumb{Label: "Version " + strconv.Itoa(n)})
	org.Kind, org.Version = kind, v
	return s.renderOrg(c, http.StatusOK, "organize_version.html", fmt.Sprintf("Version %d \u00b7 %s", n, kindLabel(kind)), org, camp, nil)
}

// orgRestore makes an old version current as a new version.
func (s *Server) orgRestore(c echo.Context) error {
	kind := kindParam(c)
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil {
		return errNotFound("There is no such version.")
	}
	tv, err := s.campaigns.RestoreTemplate(c.Request().Context(), c.Param("slug"), kind, n)
	if formProblem(err) {
		return s.renderHistory(c, err)
	}
	if err != nil {
		return err
	}
	return s.redirectFlash(c, orgURL("campaigns", c.Param("slug"), "letters", string(kind), "history"),
		fmt.Sprintf("Restored version %d as version %d.", n, tv.Version))
}
