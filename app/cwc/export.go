package cwc

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Store is what an export reads and records (store.Outbox with store.Campaigns: views.Office).
type Store interface {
	FindCampaignBySlug(ctx context.Context, slug string) (*app.Campaign, error)
	ListOfficeLetters(ctx context.Context, pg app.LetterPage) ([]app.Submission, error)
	RecordCWCDelivery(ctx context.Context, letterID int64, status app.DeliveryStatus, deliveryID, lastErr string, at time.Time) error
}

// ExportOptions configures an Exporter. Store is required.
type ExportOptions struct {
	Store Store
	Agent Agent
	// Client, when set, also posts each letter to a Representative to the
	// House's CWC and records the outcome as a "cwc" delivery of the
	// letter; letters already accepted are not posted again.
	Client *Client
	// SenateClient does the same for letters to Senators, to the Senate's
	// CWC.
	SenateClient *Client
	// SenateClass gives a sitting senator's class by bioguide id, for
	// letters made before a letter's recipient recorded it (0: unknown;
	// such a letter is skipped and listed). nil: no lookup.
	SenateClass func(bioguideID string) int
	// PrefixFallback (one of Prefixes) is used for writers who chose no
	// courtesy title, or one CWC does not take (Mx.), since CWC requires
	// one. Empty: such letters are skipped and listed.
	PrefixFallback string
	Clock          app.Clock
	// Interval spaces posts to CWC (default 150ms; CWC asks for at most
	// 5-10 messages a second).
	Interval time.Duration
	// Progress, when set, is called after each letter.
	Progress func(ExportProgress)
}

// ExportProgress reports how far an export is.
type ExportProgress struct {
	Letters, Written, Sent int
}

// ExportResult sums up an export.
type ExportResult struct {
	Letters     int      // letters to Representatives looked at
	Written     int      // XML files written
	Sent        int      // accepted by CWC in this run
	AlreadySent int      // accepted earlier, not posted again
	Skipped     []string // letters that do not make a valid message, with why
	Failed      []string // letters CWC refused or could not take now
	// NoEndpoint counts letters written but not posted because their
	// chamber's CWC is not configured while the other's is.
	NoEndpoint int
}

// Exporter writes CWC messages for a campaign.
type Exporter struct {
	o ExportOptions
}

// NewExporter checks the options.
func NewExporter(o ExportOptions) (*Exporter, error) {
	if o.Store == nil {
		return nil, fmt.Errorf("cwc: a store is required")
	}
	if o.PrefixFallback != "" && !validPrefix(o.PrefixFallback) {
		return nil, fmt.Errorf("cwc: prefix %q is not one of %s", o.PrefixFallback, strings.Join(cwcPrefixes, ", "))
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = 150 * time.Millisecond
	}
	return &Exporter{o: o}, nil
}

// Export writes one XML file per letter to a Representative or Senator
// into dir, named <MemberOffice>-<letter id>.xml (HNY20-12.xml,
// SNY01-13.xml), streaming the letters a page at a time; with a Client or
// SenateClient it also posts them to their chamber's CWC.
func (e *Exporter) Export(ctx context.Context, slug, dir string) (*ExportResult, error) {
	c, err := e.o.Store.FindCampaignBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("cwc: %w", err)
	}
	res := &ExportResult{}
	pg := app.LetterPage{CampaignID: c.ID, Kinds: []app.TargetKind{app.TargetRepresentative, app.TargetSenator}, Limit: 200}
	var lastPost time.Time
	for {
		page, err := e.o.Store.ListOfficeLetters(ctx, pg)
		if err != nil {
			return res, err
		}
		for i := range page {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			s := &page[i]
			l := s.Letters[0]
			if l.Recipient.Chamber == app.Senate && l.Recipient.SenateClass == 0 && e.o.SenateClass != nil {
				l.Recipient.SenateClass = e.o.SenateClass(l.Recipient.BioguideID)
			}
			res.Letters++
			m, err := Build(Input{Agent: e.o.Agent, Campaign: c, Submission: s, Letter: l,
				Prefix: PrefixFor(s.Supporter, e.o.PrefixFallback), Date: e.o.Clock()})
			if err != nil {
				res.Skipped = append(res.Skipped, err.Error())
				continue
			}
			doc, err := Marshal(m)
			if err != nil {
				return res, err
			}
			name := fmt.Sprintf("%s-%d.xml", m.Recipient.MemberOffice, l.ID)
			if err := writeFile(filepath.Join(dir, name), doc); err != nil {
				return res, err
			}
			res.Written++
			client := e.o.Client
			if l.Recipient.Chamber == app.Senate {
				client = e.o.SenateClient
			}
			if client == nil && (e.o.Client != nil || e.o.SenateClient != nil) {
				res.NoEndpoint++
			}
			if client != nil {
				if sentBefore(l) {
					res.AlreadySent++
				} else {
					if wait := e.o.Interval - time.Since(lastPost); wait > 0 {
						time.Sleep(wait)
					}
					lastPost = time.Now()
					if err := e.post(ctx, client, l.ID, m.Delivery.ID, doc); err != nil {
						res.Failed = append(res.Failed, fmt.Sprintf("letter %d (%s): %v", l.ID, m.Recipient.MemberOffice, err))
					} else {
						res.Sent++
					}
				}
			}
			if e.o.Progress != nil {
				e.o.Progress(ExportProgress{Letters: res.Letters, Written: res.Written, Sent: res.Sent})
			}
		}
		if len(page) < pg.Limit {
			return res, nil
		}
		last := page[len(page)-1].Letters[0]
		pg.AfterKey, pg.AfterID = last.Recipient.Key, last.ID
	}
}

func sentBefore(l app.Letter) bool {
	for _, d := range l.Deliveries {
		if d.Channel == app.ChannelCWC && d.Status == app.StatusSent {
			return true
		}
	}
	return false
}

// post sends one message and records the outcome as the letter's "cwc"
// delivery; failures are reported per letter, never stopping the export.
func (e *Exporter) post(ctx context.Context, client *Client, letterID int64, deliveryID string, doc []byte) error {
	err := client.Send(ctx, doc)
	status, msg := app.StatusSent, ""
	if err != nil {
		status, msg = app.StatusFailed, err.Error()
		var se *SendError
		if errors.As(err, &se) && !se.Temporary {
			status = app.StatusDead
		}
	}
	if rerr := e.o.Store.RecordCWCDelivery(context.WithoutCancel(ctx), letterID, status, deliveryID, msg, e.o.Clock()); rerr != nil {
		return errors.Join(err, fmt.Errorf("record: %w", rerr))
	}
	return err
}

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return fmt.Errorf("cwc: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cwc: %w", err)
	}
	return nil
}

// ClientOptions configures a Client.
type ClientOptions struct {
	// Chamber is whose CWC this is (default the House).
	Chamber app.Chamber
	// URL is the CWC API base: for the House e.g. https://cwc.house.gov
	// (the client posts to URL/v2/message and URL/v2/validate), for the
	// Senate e.g. https://soapbox.senate.gov/api (URL/messages/, or
	// URL/testing-messages/ with Testing).
	URL    string
	APIKey string
	// Testing posts Senate messages to the Senate's test environment,
	// which takes messages to every office but delivers none.
	Testing bool
	// HTTPClient defaults to one with a 30s timeout.
	HTTPClient *http.Client
}

// Client posts messages to a CWC endpoint.
type Client struct {
	base    *url.URL
	key     string
	http    *http.Client
	chamber app.Chamber
	testing bool
}

// NewClient checks the options.
func NewClient(o ClientOptions) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(o.URL), "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("cwc: the CWC URL must be an http(s) URL")
	}
	if o.APIKey == "" {
		return nil, fmt.Errorf("cwc: an API key is required (ADVOCATE_CWC_API_KEY)")
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	switch o.Chamber {
	case "":
		o.Chamber = app.House
	case app.House, app.Senate:
	default:
		return nil, fmt.Errorf("cwc: chamber %q is neither the House nor the Senate", o.Chamber)
	}
	if o.Testing && o.Chamber != app.Senate {
		return nil, fmt.Errorf("cwc: a test environment is set by its URL for the House")
	}
	return &Client{base: u, key: o.APIKey, http: o.HTTPClient, chamber: o.Chamber, testing: o.Testing}, nil
}

// SendError is a message CWC did not take.
type SendError struct {
	Status    int      // HTTP status (0: no answer)
	Messages  []string // CWC's <Error> texts
	Temporary bool     // worth trying again later (5xx, 429, network)
	Err       error
}

func (e *SendError) Error() string {
	switch {
	case len(e.Messages) > 0:
		return fmt.Sprintf("CWC refused the message (%d): %s", e.Status, strings.Join(e.Messages, "; "))
	case e.Status != 0:
		return fmt.Sprintf("CWC answered %d", e.Status)
	}
	return "CWC is not reachable: " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// Send posts one message: House POST /v2/message; Senate POST /messages/
// (/testing-messages/ in its test environment).
func (c *Client) Send(ctx context.Context, doc []byte) error {
	switch {
	case c.chamber == app.Senate && c.testing:
		return c.post(ctx, "/testing-messages/", doc)
	case c.chamber == app.Senate:
		return c.post(ctx, "/messages/", doc)
	}
	return c.post(ctx, "/v2/message", doc)
}

// Validate asks the House's CWC to check a message without delivering it.
// The Senate's CWC has no such call: its test environment (Testing) is the
// way to try messages there.
func (c *Client) Validate(ctx context.Context, doc []byte) error {
	if c.chamber == app.Senate {
		return fmt.Errorf("cwc: the Senate's CWC has no validation call; send to its test environment instead")
	}
	return c.post(ctx, "/v2/validate", doc)
}

func (c *Client) post(ctx context.Context, path string, doc []byte) error {
	u := *c.base
	u.Path += path
	u.RawQuery = url.Values{"apikey": {c.key}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("cwc: %w", err)
	}
	req.Header.Set("Content-Type", "application/xml")
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error carries the URL, and with it the key: drop it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &SendError{Temporary: true, Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &SendError{Status: resp.StatusCode, Messages: errorMessages(body),
		Temporary: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests}
}

// errorMessages reads <Error> elements from a CWC answer.
func errorMessages(body []byte) []string {
	var out []string
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Error" {
			var s string
			if dec.DecodeElement(&s, &se) == nil && strings.TrimSpace(s) != "" {
				out = append(out, clean(s))
			}
		}
	}
	if len(out) == 0 && len(bytes.TrimSpace(body)) > 0 && len(body) < 500 {
		out = append(out, clean(string(body)))
	}
	return out
}

// PrefixFor is the courtesy title a writer's CWC message carries: the one
// the supporter chose when CWC accepts it, else fallback.
func PrefixFor(p app.Supporter, fallback string) string {
	if validPrefix(p.Prefix) {
		return p.Prefix
	}
	return fallback
}
