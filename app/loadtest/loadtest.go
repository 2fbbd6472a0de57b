// Package loadtest drives a running Advocate over HTTP with concurrent
// supporters and reports throughput and latency percentiles. It backs
// `advocate bench load`; its request loops are bounded in count and time and
// it only talks to the base URL it is given (a loopback address in practice).
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options describes one run.
type Options struct {
	// BaseURL of the server, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Campaign slug to submit to.
	Campaign string
	// Clients is the number of concurrent supporters (default 64).
	Clients int
	// Duration bounds the run (default 10s, at most 10 minutes).
	Duration time.Duration
	// MaxRequests bounds the run by count too (0: only Duration).
	MaxRequests int64
	// Zip and State of the generated supporters (default 12202, NY).
	Zip, State string
	// FloodClients are extra clients that send as fast as they can from
	// their own source address (FloodAddr), to show that one abusive client
	// does not degrade the others. Their results are reported apart.
	FloodClients int
	// FloodAddr is the local IP the flood clients connect from (e.g.
	// 127.0.0.2); normal clients use NormalAddr (e.g. 127.0.0.1). Empty:
	// the system chooses.
	FloodAddr, NormalAddr string
	// SpreadSources gives every normal client its own loopback source
	// address (127.0.1.1, 127.0.1.2, ...), as real supporters have, so a
	// per-address rate limit sees many modest clients. Overrides NormalAddr.
	SpreadSources bool
	// ClientRate paces each normal client to this many requests per second
	// (0: as fast as the server answers).
	ClientRate float64
}

// Result summarises one group of clients.
type Result struct {
	Requests   int64
	OK         int64 // 2xx
	Limited    int64 // 429
	Errors     int64 // other statuses and transport errors
	Statuses   map[int]int64
	Elapsed    time.Duration
	PerSecond  float64 // successful submissions per second
	P50, P90   time.Duration
	P99, Max   time.Duration
	FirstError string
}

// Report is the outcome of Run.
type Report struct {
	Normal Result
	Flood  *Result
}

// String formats the report for the command line.
func (r Report) String() string {
	var b strings.Builder
	line := func(name string, x Result) {
		fmt.Fprintf(&b, "%-7s %7d requests in %5.1fs: %7.0f ok/s  p50 %6.1f ms  p90 %6.1f ms  p99 %6.1f ms  max %6.1f ms  429: %d  errors: %d\n",
			name, x.Requests, x.Elapsed.Seconds(), x.PerSecond, ms(x.P50), ms(x.P90), ms(x.P99), ms(x.Max), x.Limited, x.Errors)
		if x.FirstError != "" {
			fmt.Fprintf(&b, "        first error: %s\n", x.FirstError)
		}
	}
	line("normal", r.Normal)
	if r.Flood != nil {
		line("flood", *r.Flood)
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Run drives the server until Duration passes or MaxRequests are sent.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.BaseURL == "" || o.Campaign == "" {
		return Report{}, fmt.Errorf("loadtest: base URL and campaign are required")
	}
	if o.Clients <= 0 {
		o.Clients = 64
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Duration > 10*time.Minute {
		return Report{}, fmt.Errorf("loadtest: duration %s is over the 10 minute bound", o.Duration)
	}
	if o.Zip == "" {
		o.Zip, o.State = "12202", "NY"
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var sent atomic.Int64
	runID := time.Now().UnixNano()
	if o.SpreadSources && o.Clients > 250*250 {
		return Report{}, fmt.Errorf("loadtest: too many clients to give each its own address")
	}
	normal := newGroup(o.Clients, o.NormalAddr, o.SpreadSources)
	var flood *group
	if o.FloodClients > 0 {
		flood = newGroup(o.FloodClients, o.FloodAddr, false)
	}
	url := strings.TrimRight(o.BaseURL, "/") + "/api/v1/campaigns/" + o.Campaign + "/submissions"
	start := time.Now()
	var wg sync.WaitGroup
	launch := func(g *group, name string, normalClients bool) {
		for i := 0; i < g.clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				var tick *time.Ticker
				if normalClients && o.ClientRate > 0 {
					period := time.Duration(float64(time.Second) / o.ClientRate)
					// Spread the clients' phases over one period: real
					// supporters do not press the button in step.
					select {
					case <-time.After(period * time.Duration(i) / time.Duration(g.clients)):
					case <-ctx.Done():
						return
					}
					tick = time.NewTicker(period)
					defer tick.Stop()
				}
				for n := 0; ctx.Err() == nil; n++ {
					if normalClients && o.MaxRequests > 0 && sent.Add(1) > o.MaxRequests {
						return
					}
					body := supporter(fmt.Sprintf("%s-%d-%d-%d", name, runID, i, n), o.Zip, o.State)
					g.do(ctx, g.clientFor(i), url, body)
					if tick != nil {
						select {
						case <-tick.C:
						case <-ctx.Done():
						}
					}
				}
			}(i)
		}
	}
	launch(normal, "n", true)
	if flood != nil {
		launch(flood, "f", false)
	}
	wg.Wait()
	elapsed := time.Since(start)
	rep := Report{Normal: normal.result(elapsed)}
	if flood != nil {
		r := flood.result(elapsed)
		rep.Flood = &r
	}
	return rep, nil
}

// group is a set of clients with their transports and source addresses.
type group struct {
	clients int
	http    []*http.Client // one shared client, or one per source address
	mu      sync.Mutex
	lat     []time.Duration
	res     Result
}

func newGroup(clients int, localAddr string, spread bool) *group {
	g := &group{clients: clients, res: Result{Statuses: map[int]int64{}}}
	if !spread {
		g.http = []*http.Client{httpClient(localAddr, clients)}
		return g
	}
	for i := 0; i < clients; i++ {
		g.http = append(g.http, httpClient(fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250), 1))
	}
	return g
}

func httpClient(localAddr string, conns int) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if localAddr != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localAddr)}
	}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func (g *group) clientFor(i int) *http.Client {
	if len(g.http) == 1 {
		return g.http[0]
	}
	return g.http[i%len(g.http)]
}

func (g *group) do(ctx context.Context, client *http.Client, url string, body []byte) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	t0 := time.Now()
	resp, err := client.Do(req)
	if ctx.Err() != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return // the run ended mid-request: not counted
	}
	d := time.Since(t0)
	status := 0
	var msg string
	if err != nil {
		msg = err.Error()
	} else {
		status = resp.StatusCode
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if status >= 300 && status != http.StatusTooManyRequests {
			msg = fmt.Sprintf("%d %s", status, strings.TrimSpace(string(b)))
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.res.Requests++
	g.res.Statuses[status]++
	switch {
	case status >= 200 && status < 300:
		g.res.OK++
		g.lat = append(g.lat, d)
	case status == http.StatusTooManyRequests:
		g.res.Limited++
	default:
		g.res.Errors++
		if g.res.FirstError == "" {
			g.res.FirstError = msg
		}
	}
}

func (g *group) result(elapsed time.Duration) Result {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.res
	r.Elapsed = elapsed
	if elapsed > 0 {
		r.PerSecond = float64(r.OK) / elapsed.Seconds()
	}
	sort.Slice(g.lat, func(i, j int) bool { return g.lat[i] < g.lat[j] })
	if n := len(g.lat); n > 0 {
		r.P50, r.P90, r.P99, r.Max = g.lat[n*50/100], g.lat[n*90/100], g.lat[n*99/100], g.lat[n-1]
	}
	return r
}

// supporter is a plausible, unique submission body.
func supporter(id, zip, state string) []byte {
	b, _ := json.Marshal(map[string]any{
		"first_name": "Load", "last_name": "Tester", "email": "load-" + id + "@example.org",
		"address1": "1 Main St", "city": "Albany", "state": state, "zip": zip,
		"personal_message": "Please help him.",
	})
	return b
}
