package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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

// decodeJSON reads a JSON body strictly: one object, known fields only,
// each once, with names exactly as documented. encoding/json would match
// "Email" to "email" and keep the last of two "email"s, so a body could
// say one thing to a proxy, a log or a filter in front of Advocate and
// another to Advocate itself; go-json-experiment's decoder refuses both.
func decodeJSON(c echo.Context, dst any) error {
	ct := c.Request().Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &httpError{status: http.StatusUnsupportedMediaType, message: "Send the body as application/json."}
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &he):
			return he
		case errors.As(err, &mbe):
			return echo.ErrStatusRequestEntityTooLarge
		}
		return errBadRequest("The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errBadRequest("The request body is empty.")
	}
	// Duplicate names are an error by default, names match exactly, and
	// anything after the one value is refused. Unmarshal on the bytes costs
	// two allocations, less than encoding/json's Decoder did.
	if err := jsonv2.Unmarshal(body, dst, jsonv2.RejectUnknownMembers(true)); err != nil {
		if moreThanOne(body) {
			return errBadRequest("Malformed JSON: more than one value in the body.")
		}
		return errBadRequest("Malformed JSON: " + jsonProblem(err, dst))
	}
	return nil
}

// moreThanOne reports whether body holds a well-formed JSON value followed
// by more: only asked once decoding failed, to say so plainly.
func moreThanOne(body []byte) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if _, err := dec.ReadValue(); err != nil {
		return false
	}
	_, err := dec.ReadValue()
	return err != io.EOF
}

// jsonProblem describes a decoding error without echoing the input
// (beyond a field name, shortened).
func jsonProblem(err error, dst any) string {
	var se *jsontext.SyntacticError
	var me *jsonv2.SemanticError
	switch {
	case errors.As(err, &se) && errors.Is(se.Err, jsontext.ErrDuplicateName):
		return "field " + fieldName(se.JSONPointer) + " appears more than once."
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.ByteOffset, 10) + "."
	case errors.As(err, &me) && errors.Is(me.Err, jsonv2.ErrUnknownName):
		name := me.JSONPointer.LastToken()
		if known := jsonFieldFold(dst, name); known != "" {
			return "unknown field " + fieldName(me.JSONPointer) + ": field names are case-sensitive, use " + strconv.Quote(known) + "."
		}
		return "unknown field " + fieldName(me.JSONPointer) + "."
	case errors.As(err, &me) && me.GoType != nil && me.JSONPointer != "":
		return "field " + fieldName(me.JSONPointer) + " must be " + kindWord(me.GoType) + "."
	}
	return "the body is not a valid JSON object."
}

// fieldName quotes the last name of a JSON pointer, cut short.
func fieldName(p jsontext.Pointer) string {
	n := p.LastToken()
	if len(n) > 40 {
		n = n[:40] + "…"
	}
	return strconv.Quote(n)
}

// kindWord names what a Go type takes in JSON: "a string", "a number".
func kindWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16,
		reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// jsonFieldFold returns the documented name of dst's field that name
// matches but for case ("" when none does), for a helpful message.
func jsonFieldFold(dst any, name string) string {
	t := reflect.TypeOf(dst)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag != "" && tag != "-" && strings.EqualFold(tag, name) {
			return tag
		}
	}
	return ""
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
