package loadtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/loadtest"
)

func TestRunCountsAndBounds(t *testing.T) {
	var mu sync.Mutex
	emails := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		mu.Lock()
		dup := emails[in.Email]
		emails[in.Email] = true
		n := len(emails)
		mu.Unlock()
		switch {
		case dup:
			w.WriteHeader(http.StatusOK)
		case n%10 == 0:
			w.WriteHeader(http.StatusTooManyRequests)
		case n%17 == 0:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
	defer srv.Close()
	rep, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 8, Duration: 5 * time.Second, MaxRequests: 200})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Normal
	if r.Requests != 200 || r.OK+r.Limited+r.Errors != r.Requests {
		t.Fatalf("counts: %+v", r)
	}
	if r.Limited != 20 || r.Errors == 0 || !strings.HasPrefix(r.FirstError, "500") {
		t.Fatalf("statuses: %+v", r)
	}
	srv.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(emails) != 200 {
		t.Fatalf("supporters not unique: %d", len(emails))
	}
	if r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
		t.Fatalf("percentiles: %+v", r)
	}
	if !strings.Contains(rep.String(), "normal") {
		t.Fatal(rep.String())
	}
}

func TestRunRefusesUnboundedRuns(t *testing.T) {
	if _, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: "http://127.0.0.1:1", Campaign: "c", Duration: time.Hour}); err == nil {
		t.Fatal("an hour-long run was accepted")
	}
}

func TestSpreadSourcesAndFlood(t *testing.T) {
	var mu sync.Mutex
	sources := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.RemoteAddr[:strings.LastIndex(r.RemoteAddr, ":")]
		mu.Lock()
		sources[host]++
		n := sources[host]
		mu.Unlock()
		if host == "127.0.0.2" && n > 5 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	rep, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 4, SpreadSources: true,
		ClientRate: 50, Duration: 400 * time.Millisecond, FloodClients: 2, FloodAddr: "127.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close() // waits for handlers still running when the run ended
	mu.Lock()
	defer mu.Unlock()
	for _, a := range []string{"127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4", "127.0.0.2"} {
		if sources[a] == 0 {
			t.Errorf("no request from %s: %v", a, sources)
		}
	}
	if rep.Flood == nil || rep.Flood.Limited == 0 || rep.Normal.Limited != 0 || rep.Normal.OK == 0 {
		t.Fatalf("report: %+v flood %+v", rep.Normal, rep.Flood)
	}
	if rep.Requests() != rep.Normal.Requests+rep.Flood.Requests {
		t.Fatalf("Requests() = %d, normal %d + flood %d", rep.Requests(), rep.Normal.Requests, rep.Flood.Requests)
	}
	// Paced clients: about 50/s each for 0.4 s.
	if rep.Normal.OK > 4*30 {
		t.Errorf("pacing ignored: %d requests", rep.Normal.OK)
	}
}

func TestWarmupServerTimingAndTimeline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server-Timing", "app;dur=5.0")
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	rep, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 4,
		Duration: 1500 * time.Millisecond, Warmup: 500 * time.Millisecond, ClientRate: 20, Timeline: true})
	if err != nil {
		t.Fatal(err)
	}
	// 4 clients at 20/s: about 40 requests in the warm-up, 80 after it.
	if rep.Warmup == nil || rep.Warmup.OK < 30 || rep.Warmup.OK > 50 || rep.Normal.OK < 65 || rep.Normal.OK > 90 {
		t.Fatalf("warm-up %+v, normal %+v", rep.Warmup, rep.Normal)
	}
	if rep.Requests() != rep.Warmup.Requests+rep.Normal.Requests {
		t.Fatalf("Requests() = %d, warm-up %d + normal %d", rep.Requests(), rep.Warmup.Requests, rep.Normal.Requests)
	}
	if rep.Normal.ServerP50 != 5*time.Millisecond || rep.Normal.ServerP99 != 5*time.Millisecond {
		t.Fatalf("server timing: %v %v", rep.Normal.ServerP50, rep.Normal.ServerP99)
	}
	var total int64
	for _, s := range rep.Seconds {
		total += s.OK
	}
	if len(rep.Seconds) != 2 || total != rep.Warmup.OK+rep.Normal.OK {
		t.Fatalf("timeline %+v", rep.Seconds)
	}
	out := rep.String()
	if !strings.Contains(out, "warm-up") || !strings.Contains(out, "in the server: p50    5.0 ms") {
		t.Fatal(out)
	}
	if _, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c",
		Duration: time.Second, Warmup: time.Second}); err == nil {
		t.Fatal("a warm-up as long as the run was accepted")
	}
}

// TestPacedLatencyCountsFromTheSchedule: a server that stalls once makes the
// requests due during the stall late, and that lateness is reported.
func TestPacedLatencyCountsFromTheSchedule(t *testing.T) {
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { time.Sleep(300 * time.Millisecond) })
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	rep, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 1,
		Duration: time.Second, ClientRate: 50})
	if err != nil {
		t.Fatal(err)
	}
	// The one client was 300 ms behind: the ~15 requests due meanwhile
	// waited up to 300 ms, so well over 1% of the ~50 are late.
	if rep.Normal.P99 < 200*time.Millisecond || rep.Normal.P90 < 50*time.Millisecond {
		t.Fatalf("a 300 ms stall hid: %+v", rep.Normal)
	}
}

func TestBurstSendsInStep(t *testing.T) {
	for _, burst := range []bool{false, true} {
		var mu sync.Mutex
		var first []time.Time
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			first = append(first, time.Now())
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
		}))
		_, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 8,
			Duration: 450 * time.Millisecond, ClientRate: 2, Burst: burst}) // one request per client
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 8 {
			t.Fatalf("burst %v: %d requests", burst, len(first))
		}
		spread := first[len(first)-1].Sub(first[0])
		if burst && spread > 100*time.Millisecond || !burst && spread < 250*time.Millisecond {
			t.Fatalf("burst %v: the first requests spread over %v", burst, spread)
		}
	}
}

// TestOpenLoopSendsWhenDue: in open loop the arrivals keep coming while an
// earlier request is stuck, and the stuck one is timed from when it was due.
func TestOpenLoopSendsWhenDue(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		once.Do(func() { time.Sleep(300 * time.Millisecond) })
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	rep, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 4,
		Duration: time.Second, Rate: 100, ClientRate: 1}) // Rate wins over ClientRate
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := len(arrivals); n < 90 || n > 101 {
		t.Fatalf("%d arrivals at 100/s over 1s", n)
	}
	during := 0
	for _, a := range arrivals[1:] {
		if a.Sub(arrivals[0]) < 250*time.Millisecond {
			during++
		}
	}
	// About 25 were due while the first was stuck; a closed loop of 4
	// clients would have sent 3 at most.
	if during < 15 {
		t.Fatalf("only %d requests went out while the first one was stuck", during)
	}
	if rep.Normal.Max < 300*time.Millisecond || rep.Normal.P50 > 100*time.Millisecond {
		t.Fatalf("latencies: %+v", rep.Normal)
	}
}

// TestOpenLoopBurstsAndBound: with Burst, arrivals come Clients at a time;
// MaxInFlight caps the requests waiting for an answer.
func TestOpenLoopBurstsAndBound(t *testing.T) {
	var mu sync.Mutex
	var arrivals []time.Time
	inFlight, peak := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	// 8 at once every 200 ms: bursts at 0, 200 and 400 ms.
	if _, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 8,
		Duration: 450 * time.Millisecond, Rate: 40, Burst: true}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(arrivals) != 24 || arrivals[7].Sub(arrivals[0]) > 100*time.Millisecond ||
		arrivals[8].Sub(arrivals[0]) < 150*time.Millisecond || peak < 8 {
		t.Fatalf("%d arrivals, first burst over %v, second after %v, peak %d", len(arrivals),
			arrivals[min(7, len(arrivals)-1)].Sub(arrivals[0]), arrivals[min(8, len(arrivals)-1)].Sub(arrivals[0]), peak)
	}
	arrivals, peak = nil, 0
	mu.Unlock()
	if _, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 2,
		Duration: 300 * time.Millisecond, Rate: 1000, MaxInFlight: 3}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if peak > 3 || len(arrivals) < 10 {
		t.Fatalf("peak %d in flight (bound 3), %d arrivals", peak, len(arrivals))
	}
}

// A paced client that the server cannot keep up with falls further behind
// with every request: timed from when they were due its requests grow
// ever later, while each, once sent, takes the server's 30 ms. The report
// gives both, and the second line only where they differ.
func TestLatencyFromSendingApart(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(30 * time.Millisecond)
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	rep, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 1,
		Duration: time.Second, ClientRate: 50})
	if err != nil {
		t.Fatal(err)
	}
	n := rep.Normal
	if n.P50 < 100*time.Millisecond || n.SentP50 < 30*time.Millisecond || n.SentP50 > 90*time.Millisecond {
		t.Fatalf("from due p50 %v, from sending p50 %v", n.P50, n.SentP50)
	}
	if !strings.Contains(rep.String(), "from sending:") {
		t.Fatalf("no line for the latency from sending:\n%s", rep.String())
	}
	flat, err := loadtest.Run(context.Background(), loadtest.Options{BaseURL: srv.URL, Campaign: "c", Clients: 2,
		Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(flat.String(), "from sending:") {
		t.Fatalf("flat out, the latency from sending repeats the first line:\n%s", flat.String())
	}
}
