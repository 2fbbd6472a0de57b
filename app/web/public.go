package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
	"github.com/advocate-org/advocate/app/submit"
)

// home lists the open campaigns (or goes straight to the only one).
func (s *Server) home(c echo.Context) error {
	list, err := s.submit.OpenCampaigns(c.Request().Context())
	if err != nil {
		return err
	}
	if len(list) == 1 {
		return c.Redirect(http.StatusSeeOther, "/c/"+list[0].Slug)
	}
	return s.render(c, http.StatusOK, "home.html", pageData{Title: "Campaigns", Campaigns: list})
}

// campaignPage shows the campaign and its form.
func (s *Server) campaignPage(c echo.Context) error {
	camp, err := s.submit.Campaign(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	d := pageData{Title: camp.Title, Campaign: camp, States: app.States()}
	if ok, why := camp.AcceptsAt(s.opts.Clock()); !ok {
		d.Error = why
	}
	return s.render(c, http.StatusOK, "campaign.html", d)
}

// formInput reads the supporter form. Malformed coordinates become a field
// error rather than being dropped.
func formInput(c echo.Context) (app.SubmissionInput, error) {
	in := app.SubmissionInput{
		Prefix:          c.FormValue("prefix"),
		FirstName:       c.FormValue("first_name"),
		LastName:        c.FormValue("last_name"),
		Email:           c.FormValue("email"),
		Address1:        c.FormValue("address1"),
		Address2:        c.FormValue("address2"),
		City:            c.FormValue("city"),
		State:           c.FormValue("state"),
		Zip:             c.FormValue("zip"),
		Representative:  c.FormValue("representative"),
		PersonalMessage: c.FormValue("personal_message"),
		ContactOK:       c.FormValue("contact_ok") != "",
	}
	fe := app.FieldErrors{}
	// A honeypot: people never see this field; form-filling robots do.
	if strings.TrimSpace(c.FormValue("website")) != "" {
		fe.Add("website", "leave this field empty")
	}
	lat, lon := strings.TrimSpace(c.FormValue("lat")), strings.TrimSpace(c.FormValue("lon"))
	if lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil || err2 != nil {
			fe.Add("lat", "is not a valid location")
		} else {
			in.Lat, in.Lon = &la, &lo
		}
	}
	return in, fe.Err("Please correct the highlighted fields.")
}

// supporterForm loads the campaign of a supporter form post and reads the
// form.
func (s *Server) supporterForm(c echo.Context) (*app.Campaign, app.SubmissionInput, error) {
	camp, err := s.submit.Campaign(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return nil, app.SubmissionInput{}, err
	}
	in, err := formInput(c)
	return camp, in, err
}

// formPage re-renders the campaign form with the supporter's input and the
// errors next to their fields.
// A nil err shows the form filled in, without errors.
func (s *Server) formPage(c echo.Context, camp *app.Campaign, in app.SubmissionInput, err error) error {
	status, body := http.StatusOK, apiError{}
	if err != nil {
		status, body = classify(err)
	}
	// "Try again in a moment" keeps the form and what was typed in it.
	retry := app.ErrorCodeOf(err) == app.ERATELIMIT || app.ErrorCodeOf(err) == app.EUNAVAILABLE
	if (status >= 500 && !retry) || status == http.StatusNotFound {
		return err
	}
	d := pageData{Title: camp.Title, Campaign: camp, States: app.States(), Form: in, Error: body.Message, Fields: body.Fields,
		Candidates: nil, KeepForm: retry}
	fillLatLon(&d, in)
	return s.render(c, status, "campaign.html", d)
}

func fillLatLon(d *pageData, in app.SubmissionInput) {
	if in.Lat != nil && in.Lon != nil {
		d.LatText = strconv.FormatFloat(*in.Lat, 'f', -1, 64)
		d.LonText = strconv.FormatFloat(*in.Lon, 'f', -1, 64)
	}
}

// preview shows the matched targets and every letter before anything is
// stored; on a split ZIP it asks the supporter to choose a Representative.
func (s *Server) preview(c echo.Context) error {
	camp, in, err := s.supporterForm(c)
	if camp == nil {
		return err
	}
	if c.FormValue("edit") != "" {
		// "Change my details" goes back to the form with everything the
		// supporter typed, their own paragraph included.
		return s.formPage(c, camp, in, nil)
	}
	if err == nil {
		var p *submit.Preview
		if p, err = s.submit.Preview(c.Request().Context(), camp.Slug, in); err == nil {
			if p.NeedsChoice() && c.FormValue("choosing") != "" {
				// Sent from the choice without a choice: say so there.
				return s.previewPage(c, http.StatusUnprocessableEntity, camp, p, errChooseRep)
			}
			return s.previewPage(c, http.StatusOK, camp, p, nil)
		}
	}
	return s.formPage(c, camp, in, err)
}

// errChooseRep asks a supporter with a split ZIP to choose their
// Representative; the page words it next to the choice.
var errChooseRep = app.FieldErrors{"representative": "is not chosen yet"}.Err("Please choose your Representative.")

// previewPage shows the letters, or the choice of Representative with
// fieldErr's message next to it.
func (s *Server) previewPage(c echo.Context, status int, camp *app.Campaign, p *submit.Preview, fieldErr error) error {
	d := pageData{Title: camp.Title, Campaign: camp, Form: p.Input, Preview: p}
	if fieldErr != nil {
		d.Error, d.Fields = app.ErrorMessageOf(fieldErr), app.ErrorFieldsOf(fieldErr)
	}
	for _, n := range p.Lookup.Notes {
		if p.NeedsChoice() && n == match.SplitZipNote(p.Lookup.Zip, len(p.Lookup.Districts)) {
			continue // the choice explains it
		}
		d.Notes = append(d.Notes, n)
	}
	fillLatLon(&d, p.Input)
	return s.render(c, status, "preview.html", d)
}

// submitForm stores the submission and answers "check your email": the
// private link goes only to the address, so the answer is the same whether
// or not that address wrote for the campaign before (submit.Result).
func (s *Server) submitForm(c echo.Context) error {
	camp, in, err := s.supporterForm(c)
	if camp == nil {
		return err
	}
	if err != nil {
		return s.formPage(c, camp, in, err)
	}
	ctx := c.Request().Context()
	res, err := s.submit.Submit(ctx, camp.Slug, in)
	if err != nil {
		if _, choose := app.ErrorFieldsOf(err)["representative"]; choose {
			// Back to the preview, which shows the choice.
			if p, perr := s.submit.Preview(ctx, camp.Slug, in); perr == nil && p.NeedsChoice() {
				return s.previewPage(c, http.StatusUnprocessableEntity, camp, p, errChooseRep)
			}
		}
		return s.formPage(c, camp, in, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusOK, "sent.html", pageData{Title: "Check your email", Campaign: res.Campaign,
		Sent: &sentPage{Email: res.Email, Targets: res.Targets}})
}

// eraseOwn erases the letters and details of the submission whose private
// link the visitor holds, once they tick that they mean it.
func (s *Server) eraseOwn(c echo.Context) error {
	token := c.Param("token")
	if c.FormValue("confirm") != "yes" {
		sub, camp, err := s.submit.FindByToken(c.Request().Context(), token)
		if err != nil {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "thanks.html", pageData{Title: "Your letters", Campaign: camp,
			Submission: sub, Fields: map[string]string{"confirm": "tick the box to say that you want your data erased"},
			Error: "Nothing was erased."})
	}
	if err := s.submit.EraseOwn(c.Request().Context(), token); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/s/"+token)
}

// sentPage is what the "check your email" pages show: only what the
// visitor typed and the targets of the address they typed.
type sentPage struct {
	Email   string
	Targets []app.Target
}

// linkAgain emails the private link of an address's letters to that
// address; the page is the same whether or not it wrote.
func (s *Server) linkAgain(c echo.Context) error {
	email := c.FormValue("email")
	camp, err := s.submit.SendLinkAgain(c.Request().Context(), c.Param("slug"), email)
	if err != nil {
		if fe := app.ErrorFieldsOf(err); fe != nil && camp == nil {
			if camp, cerr := s.submit.Campaign(c.Request().Context(), c.Param("slug")); cerr == nil {
				return s.render(c, http.StatusUnprocessableEntity, "campaign.html", pageData{Title: camp.Title, Campaign: camp,
					Error: app.ErrorMessageOf(err), Fields: map[string]string{"link_email": fe["email"]}, KeepForm: true,
					Sent: &sentPage{Email: email}})
			}
		}
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusOK, "link_sent.html", pageData{Title: "Check your email", Campaign: camp,
		Sent: &sentPage{Email: strings.TrimSpace(email)}})
}

// thanks shows a submission's letters and their delivery status.
func (s *Server) thanks(c echo.Context) error {
	sub, camp, err := s.submit.FindByToken(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	if at := sub.Supporter.ErasedAt; at != nil {
		// Nothing identifying is left to show: only that it was erased, and when.
		local := at.In(s.opts.Location)
		sub.Supporter.ErasedAt = &local
		return s.render(c, http.StatusOK, "erased.html", pageData{Title: "Your data was erased", Campaign: camp, Submission: sub})
	}
	return s.render(c, http.StatusOK, "thanks.html", pageData{Title: "Thank you", Campaign: camp, Submission: sub})
}
