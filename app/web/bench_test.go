package web_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/apptest"
)

// BenchmarkSubmitHTTP posts supporter submissions over real HTTP on loopback
// to the whole stack (JSON decode, match, render, group-committed store) on
// SQLite, 64 concurrent clients, and reports throughput and p50/p99 latency.
// Set ADVOCATE_BENCH_DB=postgres to run it on a throw-away Postgres database.
func BenchmarkSubmitHTTP(b *testing.B) {
	dsn := ""
	if os.Getenv("ADVOCATE_BENCH_DB") == "postgres" {
		dsn = apptest.PostgresDSN(b)
	}
	f := newFixture(b, dsn, "")
	// The same GC setting as `advocate serve` (see tuneGC in cmd/advocate).
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}
	var n atomic.Int64
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(32) // 32 x GOMAXPROCS(2) = 64 clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			i := n.Add(1)
			body := strings.Replace(goodJSON, "lukasz@example.org", fmt.Sprintf("bench%d-%d@example.org", time.Now().UnixNano(), i), 1)
			t0 := time.Now()
			resp, err := client.Post(f.srv.URL+"/api/v1/campaigns/protect-witnesses/submissions", "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "submissions/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
