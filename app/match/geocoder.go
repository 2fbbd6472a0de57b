package match

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// ErrAddressNotFound is returned (wrapped in an app.ENOTFOUND error) when a
// geocoder has no match for an address.
var ErrAddressNotFound = errors.New("address not found")

// CensusOptions configures the U.S. Census Bureau geocoder client.
type CensusOptions struct {
	// BaseURL defaults to https://geocoding.geo.census.gov; tests point it
	// at a fake server.
	BaseURL string
	// Client defaults to a new http.Client.
	Client *http.Client
	// Timeout bounds one request (default 5s) so a slow geocoder cannot
	// hold up a supporter's form.
	Timeout time.Duration
	// Benchmark is the Census address benchmark (default "Public_AR_Current").
	Benchmark string
}

// CensusGeocoder calls the Census Bureau's free one-line address geocoder.
// It needs no key, but it sends the supporter's street address to a third
// party, which is why geocoding is off unless configured.
type CensusGeocoder struct {
	base      string
	client    *http.Client
	timeout   time.Duration
	benchmark string
}

// NewCensusGeocoder returns a geocoder for the Census onelineaddress API.
func NewCensusGeocoder(o CensusOptions) *CensusGeocoder {
	g := &CensusGeocoder{
		base:      strings.TrimRight(o.BaseURL, "/"),
		client:    o.Client,
		timeout:   o.Timeout,
		benchmark: o.Benchmark,
	}
	if g.base == "" {
		g.base = "https://geocoding.geo.census.gov"
	}
	if g.client == nil {
		g.client = &http.Client{}
	}
	if g.timeout <= 0 {
		g.timeout = 5 * time.Second
	}
	if g.benchmark == "" {
		g.benchmark = "Public_AR_Current"
	}
	return g
}

// censusResponse is the part of the onelineaddress JSON answer we read.
type censusResponse struct {
	Result struct {
		AddressMatches []struct {
			MatchedAddress string `json:"matchedAddress"`
			Coordinates    struct {
				X *float64 `json:"x"` // longitude
				Y *float64 `json:"y"` // latitude
			} `json:"coordinates"`
		} `json:"addressMatches"`
	} `json:"result"`
}

// Geocode returns the first match's coordinates. No match is an
// app.ENOTFOUND error wrapping ErrAddressNotFound; a failing or slow service
// is app.EUNAVAILABLE.
func (g *CensusGeocoder) Geocode(ctx context.Context, address string) (app.Point, error) {
	address = strings.TrimSpace(address)
	if address == "" {
		return app.Point{}, &app.Error{Code: app.EINVALID, Message: "Enter a street address.", Fields: map[string]string{"address": "Enter a street address."}}
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	q := url.Values{"address": {address}, "benchmark": {g.benchmark}, "format": {"json"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+"/geocoder/locations/onelineaddress?"+q.Encode(), nil)
	if err != nil {
		return app.Point{}, app.WrapError(app.EINTERNAL, err, "The address lookup is misconfigured.")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		return app.Point{}, app.WrapError(app.EUNAVAILABLE, fmt.Errorf("census geocoder: %w", err), "The address lookup service is not responding.")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return app.Point{}, app.WrapError(app.EUNAVAILABLE, fmt.Errorf("census geocoder: HTTP %d", resp.StatusCode), "The address lookup service is not working right now.")
	}
	var cr censusResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&cr); err != nil {
		return app.Point{}, app.WrapError(app.EUNAVAILABLE, fmt.Errorf("census geocoder: decode: %w", err), "The address lookup service gave an answer we could not read.")
	}
	for _, m := range cr.Result.AddressMatches {
		c := m.Coordinates
		if c.X == nil || c.Y == nil {
			continue
		}
		p := app.Point{Lon: *c.X, Lat: *c.Y}
		if p.Valid() {
			return p, nil
		}
	}
	return app.Point{}, app.WrapError(app.ENOTFOUND, ErrAddressNotFound, "We couldn't find that street address.")
}
