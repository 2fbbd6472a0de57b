package match_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

const censusMatch = `{"result":{"input":{"address":{"address":"1701 E Woodfield Rd, Schaumburg IL 60173"},
 "benchmark":{"benchmarkName":"Public_AR_Current"}},
 "addressMatches":[{"tigerLine":{"side":"L","tigerLineId":"1"},"coordinates":{"x":-88.0382131,"y":42.042839},
 "addressComponents":{"zip":"60173"},"matchedAddress":"1701 E WOODFIELD RD, SCHAUMBURG, IL, 60173"}]}}`

const censusNoMatch = `{"result":{"input":{"address":{"address":"nowhere"}},"addressMatches":[]}}`

func TestCensusGeocoder(t *testing.T) {
	var gotQuery map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/geocoder/locations/onelineaddress" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		gotQuery = map[string]string{"address": q.Get("address"), "benchmark": q.Get("benchmark"), "format": q.Get("format")}
		switch q.Get("address") {
		case "1701 E Woodfield Rd, Schaumburg IL 60173":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(censusMatch))
		case "nowhere":
			_, _ = w.Write([]byte(censusNoMatch))
		case "garbage":
			_, _ = w.Write([]byte(`<html>`))
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	// A generous timeout for answers (a loaded CI machine is slow) and a
	// short one for the server that never answers.
	g := match.NewCensusGeocoder(match.CensusOptions{BaseURL: srv.URL + "/", Client: srv.Client(), Timeout: 10 * time.Second})
	impatient := match.NewCensusGeocoder(match.CensusOptions{BaseURL: srv.URL, Client: srv.Client(), Timeout: 50 * time.Millisecond})
	ctx := context.Background()

	t.Run("match", func(t *testing.T) {
		p, err := g.Geocode(ctx, "1701 E Woodfield Rd, Schaumburg IL 60173")
		if err != nil {
			t.Fatal(err)
		}
		if p != (app.Point{Lon: -88.0382131, Lat: 42.042839}) {
			t.Errorf("point = %+v", p)
		}
		want := map[string]string{"address": "1701 E Woodfield Rd, Schaumburg IL 60173", "benchmark": "Public_AR_Current", "format": "json"}
		for k, v := range want {
			if gotQuery[k] != v {
				t.Errorf("query %s = %q, want %q", k, gotQuery[k], v)
			}
		}
	})
	t.Run("no match", func(t *testing.T) {
		_, err := g.Geocode(ctx, "nowhere")
		if !errors.Is(err, match.ErrAddressNotFound) || app.ErrorCodeOf(err) != app.ENOTFOUND {
			t.Fatalf("err = %v, want ENOTFOUND wrapping ErrAddressNotFound", err)
		}
	})
	t.Run("500", func(t *testing.T) {
		_, err := g.Geocode(ctx, "server error")
		if app.ErrorCodeOf(err) != app.EUNAVAILABLE {
			t.Fatalf("err = %v, want EUNAVAILABLE", err)
		}
		if msg := app.ErrorMessageOf(err); msg == "" || containsAny(msg, "500", "boom", "127.0.0.1") {
			t.Errorf("user message leaks details: %q", msg)
		}
	})
	t.Run("bad JSON", func(t *testing.T) {
		if _, err := g.Geocode(ctx, "garbage"); app.ErrorCodeOf(err) != app.EUNAVAILABLE {
			t.Fatalf("err = %v, want EUNAVAILABLE", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		_, err := impatient.Geocode(ctx, "slow")
		if app.ErrorCodeOf(err) != app.EUNAVAILABLE || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want EUNAVAILABLE wrapping the deadline", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v despite a 50ms timeout", d)
		}
	})
	t.Run("empty address", func(t *testing.T) {
		if _, err := g.Geocode(ctx, "  "); app.ErrorCodeOf(err) != app.EINVALID {
			t.Fatalf("err = %v, want EINVALID", err)
		}
	})
	t.Run("lookup falls back when the service fails", func(t *testing.T) {
		m := match.New(fixtureIndex(t), match.Options{Geocoder: impatient})
		l, err := m.Lookup(ctx, match.Query{Zip: "60173", Address: "slow"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Method != match.MethodZip || len(l.Districts) != 2 {
			t.Errorf("lookup = %+v", l)
		}
		m = match.New(fixtureIndex(t), match.Options{Geocoder: g})
		l, err = m.Lookup(ctx, match.Query{Zip: "60173", Address: "1701 E Woodfield Rd, Schaumburg IL"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Method != match.MethodGeocoder || len(l.Districts) != 1 || l.Districts[0].District != 8 {
			t.Errorf("lookup = %+v", l)
		}
	})
}

func TestNewCensusGeocoderDefaults(t *testing.T) {
	// A zero CensusOptions must give a usable client; nothing is sent here.
	if g := match.NewCensusGeocoder(match.CensusOptions{}); g == nil {
		t.Fatal("nil geocoder")
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
