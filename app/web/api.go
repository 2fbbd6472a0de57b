package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// districtJSON, repJSON and senatorJSON are the lookup API's shapes.
type repJSON struct {
	BioguideID string `json:"bioguide_id,omitempty"`
	Name       string `json:"name,omitempty"`
	State      string `json:"state"`
	District   int    `json:"district"`
	Party      string `json:"party,omitempty"`
	Vacant     bool   `json:"vacant,omitempty"`
}

type senatorJSON struct {
	BioguideID string `json:"bioguide_id"`
	Name       string `json:"name"`
	State      string `json:"state"`
	Party      string `json:"party,omitempty"`
	StateRank  string `json:"state_rank,omitempty"`
}

// LookupJSON is the body of GET /api/v1/lookup and `advocate lookup --json`.
type LookupJSON struct {
	Zip             string            `json:"zip"`
	Method          string            `json:"method"`
	Districts       []app.DistrictKey `json:"districts"`
	Representatives []repJSON         `json:"representatives"`
	Senators        []senatorJSON     `json:"senators"`
	Ambiguous       bool              `json:"ambiguous"`
	Notes           []string          `json:"notes,omitempty"`
}

func repOf(r app.Representative) repJSON {
	j := repJSON{State: r.District.State, District: r.District.District, Vacant: r.Member == nil}
	if r.Member != nil {
		j.BioguideID, j.Name, j.Party = r.Member.BioguideID, r.Member.DisplayName(), r.Member.Party
	}
	return j
}

// NewLookupJSON converts a lookup for the API and the CLI.
func NewLookupJSON(l *app.Lookup) LookupJSON {
	j := LookupJSON{Zip: l.Zip, Method: l.Method, Districts: l.Districts, Ambiguous: l.Ambiguous(), Notes: l.Notes,
		Representatives: []repJSON{}, Senators: []senatorJSON{}}
	if j.Districts == nil {
		j.Districts = []app.DistrictKey{}
	}
	for _, r := range l.Representatives {
		j.Representatives = append(j.Representatives, repOf(r))
	}
	for _, sen := range l.Senators {
		j.Senators = append(j.Senators, senatorJSON{BioguideID: sen.BioguideID, Name: sen.DisplayName(), State: sen.State, Party: sen.Party, StateRank: sen.StateRank})
	}
	return j
}

// queryFrom reads zip, state, lat and lon query parameters.
func queryFrom(c echo.Context) (match.Query, error) {
	q := match.Query{Zip: strings.TrimSpace(c.QueryParam("zip")), State: strings.ToUpper(strings.TrimSpace(c.QueryParam("state")))}
	fe := app.FieldErrors{}
	if q.Zip == "" {
		fe.Add("zip", "is required")
	}
	lat, lon := c.QueryParam("lat"), c.QueryParam("lon")
	if lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		p := app.Point{Lat: la, Lon: lo}
		if err1 != nil || err2 != nil || !p.Valid() {
			fe.Add("lat", "lat and lon must be a valid location in degrees")
		} else {
			q.Point = &p
		}
	}
	if q.State != "" && !app.ValidState(q.State) {
		fe.Add("state", "is not a U.S. state or territory code")
	}
	return q, fe.Err("Invalid lookup.")
}

func (s *Server) apiLookup(c echo.Context) error {
	q, err := queryFrom(c)
	if err != nil {
		return err
	}
	l, err := s.submit.Lookup(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, NewLookupJSON(l))
}

type campaignJSON struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Ask     string `json:"ask"`
	Status  string `json:"status"`
	URL     string `json:"url"`
}

func (s *Server) apiCampaigns(c echo.Context) error {
	list, err := s.submit.OpenCampaigns(c.Request().Context())
	if err != nil {
		return err
	}
	out := []campaignJSON{}
	for _, camp := range list {
		out = append(out, campaignJSON{Slug: camp.Slug, Title: camp.Title, Summary: camp.Summary, Ask: camp.Ask, Status: string(camp.Status), URL: "/c/" + camp.Slug})
	}
	return c.JSON(http.StatusOK, map[string]any{"campaigns": out})
}

type targetsJSON struct {
	Campaign    string       `json:"campaign"`
	Lookup      LookupJSON   `json:"lookup"`
	NeedsChoice bool         `json:"needs_choice"`
	Candidates  []repJSON    `json:"candidates,omitempty"`
	Targets     []app.Target `json:"targets"`
}

func (s *Server) apiTargets(c echo.Context) error {
	q, err := queryFrom(c)
	if err != nil {
		return err
	}
	m, err := s.submit.Targets(c.Request().Context(), c.Param("slug"), q, strings.TrimSpace(c.QueryParam("representative")))
	if err != nil {
		return err
	}
	out := targetsJSON{Campaign: m.Campaign.Slug, Lookup: NewLookupJSON(m.Lookup), NeedsChoice: m.Resolution.NeedsChoice, Targets: m.Resolution.Targets}
	if out.Targets == nil {
		out.Targets = []app.Target{}
	}
	for _, r := range m.Resolution.Candidates {
		out.Candidates = append(out.Candidates, repOf(r))
	}
	return c.JSON(http.StatusOK, out)
}

// submissionJSON answers a submission. Like the web form's answer it holds
// nothing that tells whether the address wrote before: no token, no ids,
// no "created". The private link goes to the address by email.
type submissionJSON struct {
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Letters []recipientJSON `json:"letters"`
}

// recipientJSON is one letter written now: whom it goes to and why.
type recipientJSON struct {
	Kind      string   `json:"kind"`
	TargetKey string   `json:"target_key"`
	Recipient string   `json:"recipient"`
	Title     string   `json:"title"`
	Reasons   []string `json:"reasons"`
}

// decodeJSON reads a JSON body strictly: one object, known fields only.
func decodeJSON(c echo.Context, dst any) error {
	ct := c.Request().Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &httpError{status: http.StatusUnsupportedMediaType, message: "Send the body as application/json."}
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var he *echo.HTTPError
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &he):
			return he
		case errors.As(err, &mbe):
			return echo.ErrStatusRequestEntityTooLarge
		case errors.Is(err, io.EOF):
			return errBadRequest("The request body is empty.")
		}
		return errBadRequest("Malformed JSON: " + jsonProblem(err))
	}
	if dec.More() {
		return errBadRequest("Malformed JSON: more than one value in the body.")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10) + "."
	case errors.As(err, &te):
		return "field " + strconv.Quote(te.Field) + " must be a " + te.Type.String() + "."
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
	}
	return "the body is not a valid JSON object."
}

func (s *Server) apiSubmit(c echo.Context) error {
	var in app.SubmissionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	res, err := s.submit.Submit(c.Request().Context(), c.Param("slug"), in)
	if err != nil {
		return err
	}
	out := submissionJSON{Status: "accepted", Letters: []recipientJSON{},
		Message: "Check your email: the private link to these letters goes to " + res.Email + "."}
	for _, t := range res.Targets {
		out.Letters = append(out.Letters, recipientJSON{Kind: string(t.Kind), TargetKey: t.Key, Recipient: t.Name,
			Title: t.Title, Reasons: t.Reasons})
	}
	return c.JSON(http.StatusAccepted, out)
}
