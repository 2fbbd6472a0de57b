package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/submit"
)

// pageData is what every page template receives. Pages use the fields they
// need; the layout uses Title, Notice and CSRF.
type pageData struct {
	// DeliveryCounts and DeliveryCampaigns fill the staff delivery page.
	DeliveryCounts    []app.DeliveryCount
	DeliveryCampaigns []deliveryCampaign
	Title             string
	Notice            string
	CSRF              string
	Status            int
	Error             string
	Fields            map[string]string
	States            []string
	Campaign          *app.Campaign
	Campaigns         []app.Campaign
	Form              app.SubmissionInput
	LatText           string
	LonText           string
	Preview           *submit.Preview
	// Notes are what the preview says about the lookup (a vacant seat, a
	// PO box ZIP), less what the page itself explains.
	Notes      []string
	Candidates []app.Representative
	// KeepForm shows the supporter form under a general error (try again
	// later) instead of hiding it.
	KeepForm   bool
	Submission *app.Submission
	// Sent fills the "check your email" pages.
	Sent *sentPage
	// Viewer is the signed-in user for the navigation (nil: anonymous);
	// Flash a one-time message after a redirect. Both are filled by render.
	Viewer *viewer
	Flash  string
	// Auth holds the sign-in, account and admin pages' data.
	Auth *authPage
	// Org holds the organizer workspace pages' data (organizer.go).
	Org *orgPage
	// Privacy holds the supporter-data page's data (staff_privacy.go).
	Privacy *privacyPage
	// Staff holds the outreach pages' data (staff.go).
	Staff *staffPage
	// Approvals holds the admin home page's data (admin_approvals.go).
	Approvals *approvalsPage
}

var funcs = template.FuncMap{
	// paragraphs splits plain text on blank lines for <p> rendering.
	"paragraphs": func(s string) []string {
		var out []string
		for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	},
	"district": func(d app.DistrictKey) string { return d.String() },
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
	"join": strings.Join,
	// day writes a date (kept as midnight UTC) with its year.
	"day":    func(t time.Time) string { return t.UTC().Format("January 2, 2006") },
	"isoDay": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"statusLabel": statusLabel,
	// count writes 1234567 as "1,234,567".
	"count": groupDigits,
	// deliveries sums the counts in the given statuses, over every channel.
	"deliveries": func(list []app.DeliveryCount, statuses ...string) int64 {
		var n int64
		for _, d := range list {
			if slices.Contains(statuses, string(d.Status)) {
				n += d.Count
			}
		}
		return n
	},
	// topTargets and targetRows feed the staff dashboard's target tables.
	"topTargets": func(list []app.TargetTally, n int) []app.TargetTally { return list[:min(n, len(list))] },
	"targetRows": func(slug string, rows []app.TargetTally) map[string]any {
		return map[string]any{"Slug": slug, "Rows": rows}
	},
	"percent": func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) + "%" },
	"districtLabel": func(t app.TargetTally) string {
		if t.District == nil {
			return t.State
		}
		return app.DistrictLabel(t.State, *t.District)
	},
	// prefixes are the courtesy titles the supporter form offers.
	"prefixes": app.Prefixes,
	// inputCtx bundles what the "input" partial needs.
	// dict and list build the arguments of the partials that take several.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict needs key and value pairs, got %d arguments", len(kv))
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"list": func(s ...string) []string { return s },
	// startsLower tells a field message that follows the field's label ("is
	// required") from one that is a sentence of its own.
	"startsLower": func(s string) bool {
		r, _ := utf8.DecodeRuneInString(s)
		return unicode.IsLower(r)
	},
	"errorList": errorList,
	"fieldID":   fieldID,
	// maxMessage is the longest personal paragraph, in characters.
	"maxMessage": func() int64 { return app.MaxPersonalMessageLen },
	"inputCtx": func(fields map[string]string, name, label, typ, value, auto string, optional bool) map[string]any {
		if fields == nil {
			fields = map[string]string{}
		}
		return map[string]any{"Fields": fields, "Name": name, "Label": label, "Type": typ, "Value": value, "Auto": auto, "Optional": optional}
	},
}

// fieldError is one refused field of a form, for its error summary.
type fieldError struct {
	Name    string
	Message string
}

// errorList returns the errors of the named fields in the order given (the
// form's), so the summary reads as the form does.
func errorList(fields map[string]string, names []string) []fieldError {
	var out []fieldError
	for _, n := range names {
		if msg, ok := fields[n]; ok {
			out = append(out, fieldError{Name: n, Message: msg})
		}
	}
	return out
}

// fieldID is the element an error summary links to for a field: its own
// id unless links names another one ("" for a field with nothing to focus).
func fieldID(name string, links map[string]any) string {
	if id, ok := links[name]; ok {
		s, _ := id.(string)
		return s
	}
	return name
}

func statusLabel(s app.DeliveryStatus) string {
	switch s {
	case app.StatusPending:
		return "ready to download"
	case app.StatusDownloaded:
		return "downloaded"
	case app.StatusQueued:
		return "queued"
	case app.StatusSending:
		return "sending"
	case app.StatusSent:
		return "sent"
	case app.StatusFailed:
		return "retrying"
	case app.StatusDead:
		return "could not be delivered"
	case app.StatusUnconfirmed:
		return "waiting for your confirmation"
	case app.StatusExpired:
		return "not sent (not confirmed in time)"
	case app.StatusFiled:
		return "not sent (no mail server configured)"
	}
	return string(s)
}

// parsePages parses layout.html with each other page, once, at start-up.
// Files named *_partials.html hold sub-templates shared by the pages of the
// same prefix (organize_partials.html for organize_*.html).
func parsePages(pages fs.FS) (map[string]*template.Template, error) {
	names, err := fs.Glob(pages, "*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, name := range names {
		if name == "layout.html" || name == "partials.html" || strings.HasSuffix(name, "_partials.html") {
			continue
		}
		files := []string{"layout.html", "partials.html"}
		if prefix, _, ok := strings.Cut(name, "_"); ok {
			if shared := prefix + "_partials.html"; slices.Contains(names, shared) {
				files = append(files, shared)
			}
		}
		t, err := template.New(path.Base(name)).Funcs(funcs).ParseFS(pages, append(files, name)...)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		out[name] = t
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no page templates found")
	}
	return out, nil
}

// render executes a page into a buffer first so a template error never
// sends half a page.
func (s *Server) render(c echo.Context, status int, name string, d pageData) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	if d.CSRF == "" {
		if tok, ok := c.Get("csrf").(string); ok {
			d.CSRF = tok
		}
	}
	s.decoratePage(c, &d)
	if s.roster != nil && d.Notice == "" {
		d.Notice = s.roster.Notice()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}
