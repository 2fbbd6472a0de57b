package stats

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Exports, by name: the breakdowns of the dashboard and the letters list.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func Exports() []string { return slices.Clone(allExports) }

var allExports = []string{"totals", "targets", "states", "districts", "days", "deliveries", "letters"}

// Formats an export can take.
// It returns a copy: the list is the package's own, and callers may
// sort or append to what they get.
func Formats() []string { return slices.Clone(allFormats) }

var allFormats = []string{"csv", "json"}

// ExportRequest says what to export.
type ExportRequest struct {
	Slug   string
	What   string // one of Exports
	Format string // one of Formats
	Filter app.StatsFilter
	// Personal asks for supporters' names and emails unmasked in the letters
	// export; only readers with the supporter-data role (or the command
	// line) may have them.
	Personal bool
	Location *time.Location // for the letters' times; nil means UTC
	// Operator names the operating-system account behind a command-line
	// export ("alice@host"), for the audit log: the actor there is "cli".
	Operator string
}

func (r ExportRequest) validate() error {
	fe := app.FieldErrors{}
	if !slices.Contains(allExports, r.What) {
		fe.Add("what", "choose one of "+strings.Join(allExports, ", "))
	}
	if !slices.Contains(allFormats, r.Format) {
		fe.Add("format", "choose csv or json")
	}
	return fe.Err("Please check the export.")
}

// Filename is a safe download name such as "free-guan-heng-letters.csv".
func (r ExportRequest) Filename() string {
	var b strings.Builder
	for _, c := range r.Slug {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteRune(c)
		}
	}
	return b.String() + "-" + r.What + "." + r.Format
}

// ContentType is the export's MIME type.
func (r ExportRequest) ContentType() string {
	if r.Format == "json" {
		return "application/json; charset=utf-8"
	}
	return "text/csv; charset=utf-8"
}

// Check validates the request and the reader's rights without writing
// anything, so a web handler can answer with an error status before it
// starts streaming.
func (s *Service) Check(ctx context.Context, r ExportRequest) (*app.Campaign, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	if err := r.Filter.Validate(); err != nil {
		return nil, err
	}
	c, err := s.Campaign(ctx, r.Slug)
	if err != nil {
		return nil, err
	}
	if r.Personal {
		a, _ := app.ActorFrom(ctx)
		if !a.Has(app.RoleSupporterData) && a.Via != "cli" {
			return nil, app.Errorf(app.EFORBIDDEN, "Exports with supporters' names and emails need the supporter-data role.")
		}
	}
	return c, nil
}

// Export writes one export to w, streaming the letters list so that any
// number of letters fits in a little memory. The export is recorded in the
// audit log before the first byte is written.
func (s *Service) Export(ctx context.Context, r ExportRequest, w io.Writer) error {
	c, err := s.Check(ctx, r)
	if err != nil {
		return err
	}
	r.Filter.CampaignID = c.ID
	if r.Location == nil {
		r.Location = time.UTC
	}
	detail, _ := json.Marshal(struct {
		Format   string          `json:"format"`
		Filter   app.StatsFilter `json:"filter"`
		Personal bool            `json:"personal_data"`
		Operator string          `json:"operator,omitempty"`
	}{r.Format, r.Filter, r.Personal, r.Operator})
	if s.o.Audit != nil {
		if err := s.o.Audit.Record(ctx, "export."+r.What, "campaign:"+c.Slug, string(detail)); err != nil {
			return err // no record, no export
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if r.What == "letters" {
		err = s.exportLetters(ctx, r, bw)
	} else {
		var rep *Report
		rep, err = s.Report(ctx, r.Slug, r.Filter)
		if err == nil {
			if r.Format == "json" {
				err = writeJSON(bw, r.What, rep)
			} else {
				err = writeCSV(bw, r.What, rep)
			}
		}
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// Totals is the JSON form of a report (the API's and the totals export's).
type Totals struct {
	Campaign   string                      `json:"campaign"`
	Filter     FilterJSON                  `json:"filter"`
	Supporters int64                       `json:"supporters"`
	Confirmed  int64                       `json:"confirmed"`
	Letters    int64                       `json:"letters"`
	Deliveries map[string]int64            `json:"deliveries"`
	ByChannel  map[string]map[string]int64 `json:"deliveries_by_channel"`
	ByState    map[string]int64            `json:"by_state"`
	ByTarget   []TargetJSON                `json:"by_target"`
	ByDistrict []DistrictJSON              `json:"by_district"`
	ByDay      []DayJSON                   `json:"by_day"`
}

// FilterJSON echoes the filter.
type FilterJSON struct {
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	State   string `json:"state,omitempty"`
	Target  string `json:"target,omitempty"`
	Channel string `json:"channel,omitempty"`
}

// TargetJSON is one target's letters.
type TargetJSON struct {
	Key        string `json:"key"`
	Name       string `json:"name"`
	BioguideID string `json:"bioguide_id,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Chamber    string `json:"chamber,omitempty"`
	Party      string `json:"party,omitempty"`
	State      string `json:"state,omitempty"`
	District   *int   `json:"district,omitempty"`
	Letters    int64  `json:"letters"`
	Sent       int64  `json:"sent"`
}

// DistrictJSON is one district's supporters.
type DistrictJSON struct {
	District   string `json:"district"`
	Supporters int64  `json:"supporters"`
	Confirmed  int64  `json:"confirmed"`
}

// DayJSON is one day.
type DayJSON struct {
	Date       string `json:"date"`
	Supporters int64  `json:"supporters"`
	Letters    int64  `json:"letters"`
	Sent       int64  `json:"sent"`
}

// JSON shapes a report for the API: supporters by state in by_state,
// deliveries summed over channels in deliveries.
func (r *Report) JSON() Totals {
	f := r.Filter
	t := Totals{Campaign: r.Campaign.Slug, Supporters: r.Supporters, Confirmed: r.Confirmed, Letters: r.Letters,
		Filter:     FilterJSON{f.From, f.To, f.State, f.Target, string(f.Channel)},
		Deliveries: map[string]int64{}, ByChannel: map[string]map[string]int64{}, ByState: map[string]int64{},
		ByTarget: []TargetJSON{}, ByDistrict: []DistrictJSON{}, ByDay: []DayJSON{}}
	for _, d := range r.Deliveries {
		t.Deliveries[string(d.Status)] += d.Count
		if t.ByChannel[string(d.Channel)] == nil {
			t.ByChannel[string(d.Channel)] = map[string]int64{}
		}
		t.ByChannel[string(d.Channel)][string(d.Status)] += d.Count
	}
	for _, s := range r.ByState {
		t.ByState[s.State] = s.Supporters
	}
	for _, x := range r.ByTarget {
		t.ByTarget = append(t.ByTarget, TargetJSON{x.Key, x.Name, x.BioguideID, string(x.Kind), string(x.Chamber),
			x.Party, x.State, x.District, x.Letters, x.Sent})
	}
	for _, d := range r.ByDistrict {
		t.ByDistrict = append(t.ByDistrict, DistrictJSON{d.Label(), d.Supporters, d.Confirmed})
	}
	for _, d := range r.ByDay {
		t.ByDay = append(t.ByDay, DayJSON{d.Day, d.Supporters, d.Letters, d.Sent})
	}
	return t
}

func writeJSON(w io.Writer, what string, r *Report) error {
	t := r.JSON()
	var v any
	switch what {
	case "totals":
		v = t
	case "targets":
		v = t.ByTarget
	case "states":
		type row struct {
			State      string `json:"state"`
			Supporters int64  `json:"supporters"`
			Letters    int64  `json:"letters"`
		}
		rows := []row{}
		for _, s := range r.ByState {
			rows = append(rows, row{s.State, s.Supporters, s.Letters})
		}
		v = rows
	case "districts":
		v = t.ByDistrict
	case "days":
		v = t.ByDay
	case "deliveries":
		v = t.ByChannel
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeCSV(w io.Writer, what string, r *Report) error {
	cw := csv.NewWriter(w)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	var rows [][]string
	switch what {
	case "totals":
		rows = append(rows, []string{"measure", "value"},
			[]string{"supporters", n(r.Supporters)}, []string{"confirmed", n(r.Confirmed)}, []string{"letters", n(r.Letters)})
		for _, st := range app.DeliveryStatuses() {
			if v := r.DeliveryTotal(st); v != 0 {
				rows = append(rows, []string{"deliveries " + string(st), n(v)})
			}
		}
	case "targets":
		rows = append(rows, []string{"target_key", "name", "bioguide_id", "kind", "chamber", "party", "state", "district", "letters", "sent"})
		for _, t := range r.ByTarget {
			d := ""
			if t.District != nil {
				d = strconv.Itoa(*t.District)
			}
			rows = append(rows, []string{t.Key, t.Name, t.BioguideID, string(t.Kind), string(t.Chamber), t.Party, t.State, d,
				n(t.Letters), n(t.Sent)})
		}
	case "states":
		rows = append(rows, []string{"state", "supporters", "letters"})
		for _, s := range r.ByState {
			rows = append(rows, []string{s.State, n(s.Supporters), n(s.Letters)})
		}
	case "districts":
		rows = append(rows, []string{"district", "state", "number", "supporters", "confirmed"})
		for _, d := range r.ByDistrict {
			rows = append(rows, []string{d.Label(), d.State, strconv.Itoa(d.District), n(d.Supporters), n(d.Confirmed)})
		}
	case "days":
		rows = append(rows, []string{"date", "supporters", "letters", "sent"})
		for _, d := range r.ByDay {
			rows = append(rows, []string{d.Day, n(d.Supporters), n(d.Letters), n(d.Sent)})
		}
	case "deliveries":
		rows = append(rows, []string{"channel", "status", "deliveries"})
		for _, d := range r.Deliveries {
			rows = append(rows, []string{string(d.Channel), string(d.Status), n(d.Count)})
		}
	}
	for _, row := range rows {
		if err := cw.Write(SafeCells(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SafeCells keeps spreadsheet programs from running a cell as a formula: a
// cell that starts with = + - @ (or a tab or carriage return) gets a
// leading apostrophe. Numbers are written by the program and never
// negative. Every CSV Advocate writes (exports, packets' index.csv) goes
// through it; it changes row in place and returns it.
func SafeCells(row []string) []string {
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			row[i] = "'" + c
		}
	}
	return row
}

var letterHeader = []string{"letter_id", "created_at", "date", "target_key", "recipient", "target_kind", "state",
	"district", "supporter", "email", "confirmed", "erased", "deliveries"}

func (s *Service) exportLetters(ctx context.Context, r ExportRequest, w io.Writer) error {
	q := app.LetterQuery{Filter: r.Filter}
	deliveries := func(row *app.LetterRow) string {
		parts := make([]string, len(row.Deliveries))
		for i, d := range row.Deliveries {
			parts[i] = string(d.Channel) + ":" + string(d.Status)
		}
		return strings.Join(parts, " ")
	}
	prepare := func(row *app.LetterRow) {
		if !r.Personal {
			Mask(row)
		}
	}
	if r.Format == "json" {
		// JSON Lines would be easier to stream, but an array is what most
		// tools open; it is written element by element all the same.
		type letterJSON struct {
			ID         int64    `json:"letter_id"`
			CreatedAt  string   `json:"created_at"`
			Date       string   `json:"date"`
			TargetKey  string   `json:"target_key"`
			Recipient  string   `json:"recipient"`
			TargetKind string   `json:"target_kind"`
			State      string   `json:"state"`
			District   string   `json:"district"`
			Supporter  string   `json:"supporter"`
			Email      string   `json:"email"`
			Confirmed  bool     `json:"confirmed"`
			Erased     bool     `json:"erased"`
			Deliveries []string `json:"deliveries"`
		}
		if _, err := io.WriteString(w, "["); err != nil {
			return err
		}
		first := true
		enc := json.NewEncoder(w)
		err := s.o.Store.EachLetter(ctx, q, func(row *app.LetterRow) error {
			prepare(row)
			sep := ",\n"
			if first {
				sep, first = "\n", false
			}
			if _, err := io.WriteString(w, sep); err != nil {
				return err
			}
			return enc.Encode(letterJSON{row.ID, row.CreatedAt.In(r.Location).Format(time.RFC3339), row.Day, row.TargetKey,
				row.Recipient, string(row.TargetKind), row.State, row.District, row.Supporter, row.Email, row.Confirmed,
				row.Erased, strings.Fields(deliveries(row))})
		})
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, "]\n")
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(letterHeader); err != nil {
		return err
	}
	rec := make([]string, len(letterHeader))
	err := s.o.Store.EachLetter(ctx, q, func(row *app.LetterRow) error {
		prepare(row)
		rec = append(rec[:0], strconv.FormatInt(row.ID, 10), row.CreatedAt.In(r.Location).Format(time.RFC3339), row.Day,
			row.TargetKey, row.Recipient, string(row.TargetKind), row.State, row.District, row.Supporter, row.Email,
			strconv.FormatBool(row.Confirmed), strconv.FormatBool(row.Erased), deliveries(row))
		return cw.Write(SafeCells(rec))
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
