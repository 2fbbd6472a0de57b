package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/advocate-org/advocate/app/web"
)

// BenchmarkPDFRefused is one download refused by the per-link limit (429
// with the error page): what each request of a flood costs once the limit
// applies.
func BenchmarkPDFRefused(b *testing.B) {
	f := newFixture(b, "", "", func(o *web.Options) {
		o.DownloadTokenRate = web.RateLimit{PerMinute: 1, Burst: 1}
	})
	path := "/s/abcdefghijklmnopqrstuvwxyz234567/letters.pdf"
	h := f.srv.Config.Handler
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil)) // the one allowed
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusTooManyRequests {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
