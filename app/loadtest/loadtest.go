// Package loadtest drives a running Advocate over HTTP with concurrent
// supporters and reports throughput and latency percentiles. It backs
// `advocate bench load`; its request loops are bounded in count and time and
// it only talks to the base URL it is given (a loopback address in practice).
package loadtest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
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
	// (0: as fast as the server answers). A paced client keeps to its
	// schedule: a request is timed from when it was due, so a slow answer
	// that delays the next request counts against the server rather than
	// hiding (no coordinated omission).
	ClientRate float64
	// Warmup is the start of the run whose requests are reported apart
	// (Report.Warmup) rather than in the totals: new connections, cold
	// caches and the first heap growth of a fresh server.
	Warmup time.Duration
	// Timeline adds per-second percentiles to the report.
	Timeline bool
	// Burst makes paced clients send in step, all at the same moment once
	// per period: bursts of Clients concurrent submissions instead of an
	// even stream. With Rate, arrivals come Clients at a time.
	Burst bool
	// Rate, when set, drives the server open loop instead of with Clients
	// looping clients: this many submissions a second in all, each sent
	// when it is due whether or not earlier ones have been answered, as
	// supporters arrive independently of each other. Each is timed from
	// when it was due. Clients is then the number of source addresses
	// (and, with Burst, the size of each burst). ClientRate is ignored.
	Rate float64
	// TLSConfig is used for an https:// BaseURL (nil: the system's roots).
	TLSConfig *tls.Config
	// MaxInFlight bounds the open-loop requests waiting for an answer
	// (default 1024); an arrival beyond it waits for a free slot, and that
	// wait counts in its latency.
	MaxInFlight int
}

// Result summarises one group of clients.
type Result struct {
	Requests  int64
	OK        int64 // 2xx
	Limited   int64 // 429
	Errors    int64 // other statuses and transport errors
	Statuses  map[int]int64
	Elapsed   time.Duration
	PerSecond float64 // successful submissions per second
	P50, P90  time.Duration
	P99, Max  time.Duration
	// ServerP50 and ServerP99 are the server's own time for the successful
	// requests, from its Server-Timing header (zero when it sends none):
	// the rest of a response time is queueing in the network stack and the
	// client.
	ServerP50, ServerP99 time.Duration
	// SentP50 and SentP99 count from when each successful request went
	// out rather than from when it was due: without the wait to be sent,
	// behind a paced client's previous answer or, in open loop, behind the
	// load generator's own share of a busy machine (which a supporter on
	// another machine would not have).
	SentP50, SentP99 time.Duration
	FirstError       string
}

// Report is the outcome of Run.
type Report struct {
	Normal Result
	Flood  *Result
	// Warmup covers the normal clients' requests due in Options.Warmup.
	Warmup *Result
	// Seconds is the normal clients' run second by second (with
	// Options.Timeline).
	Seconds []Second
}

// Requests is how many requests the run counted: the warm-up's, the
// normal clients' and the flood's.
func (r Report) Requests() int64 {
	n := r.Normal.Requests
	for _, x := range []*Result{r.Warmup, r.Flood} {
		if x != nil {
			n += x.Requests
		}
	}
	return n
}

// Second is one second of a run.
type Second struct {
	At                  time.Duration // from the start of the run
	OK                  int64
	P50, P99, ServerP99 time.Duration
}

// String formats the report for the command line.
func (r Report) String() string {
	var b strings.Builder
	line := func(name string, x Result) {
		fmt.Fprintf(&b, "%-7s %7d requests in %5.1fs: %7.0f ok/s  p50 %6.1f ms  p90 %6.1f ms  p99 %6.1f ms  max %6.1f ms  429: %d  errors: %d\n",
			name, x.Requests, x.Elapsed.Seconds(), x.PerSecond, ms(x.P50), ms(x.P90), ms(x.P99), ms(x.Max), x.Limited, x.Errors)
		if x.ServerP99 > 0 {
			fmt.Fprintf(&b, "        in the server: p50 %6.1f ms  p99 %6.1f ms\n", ms(x.ServerP50), ms(x.ServerP99))
		}
		if x.SentP99 > 0 && x.P99-x.SentP99 >= 100*time.Microsecond {
			fmt.Fprintf(&b, "        from sending:  p50 %6.1f ms  p99 %6.1f ms\n", ms(x.SentP50), ms(x.SentP99))
		}
		if x.FirstError != "" {
			fmt.Fprintf(&b, "        first error: %s\n", x.FirstError)
		}
	}
	if r.Warmup != nil {
		line("warm-up", *r.Warmup)
	}
	line("normal", r.Normal)
	if r.Flood != nil {
		line("flood", *r.Flood)
	}
	for _, sec := range r.Seconds {
		fmt.Fprintf(&b, "  %4.0fs %6d ok  p50 %6.1f ms  p99 %6.1f ms  (server p99 %6.1f ms)\n",
			sec.At.Seconds(), sec.OK, ms(sec.P50), ms(sec.P99), ms(sec.ServerP99))
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
	if o.Warmup < 0 || o.Warmup >= o.Duration {
		return Report{}, fmt.Errorf("loadtest: the warm-up (%s) must be shorter than the run (%s)", o.Warmup, o.Duration)
	}
	if o.Rate < 0 || o.Rate > 1e6 {
		return Report{}, fmt.Errorf("loadtest: rate %g/s is out of range", o.Rate)
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 1024
	}
	conns := 1 // connections per client
	if o.Rate > 0 {
		conns = (o.MaxInFlight + o.Clients - 1) / o.Clients
	}
	url := strings.TrimRight(o.BaseURL, "/") + "/api/v1/campaigns/" + o.Campaign + "/submissions"
	normal, err := newGroup(url, o.TLSConfig, o.Clients, conns, o.NormalAddr, o.SpreadSources)
	if err != nil {
		return Report{}, err
	}
	var warm *group // the normal clients' requests due in the warm-up
	if o.Warmup > 0 {
		warm = &group{res: Result{Statuses: map[int]int64{}}}
	}
	var flood *group
	if o.FloodClients > 0 {
		if flood, err = newGroup(url, o.TLSConfig, o.FloodClients, 1, o.FloodAddr, false); err != nil {
			return Report{}, err
		}
	}
	start := time.Now()
	normal.start = start
	if warm != nil {
		warm.start = start
	}
	// countIn picks the group a request due at t0 counts in.
	countIn := func(g *group, t0 time.Time) *group {
		if g == normal && warm != nil && t0.Sub(start) < o.Warmup {
			return warm
		}
		return g
	}
	var wg sync.WaitGroup
	launch := func(g *group, name string, normalClients bool) {
		for i := 0; i < g.clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				paced := normalClients && o.ClientRate > 0
				var period time.Duration
				due := time.Now()
				if paced {
					period = time.Duration(float64(time.Second) / o.ClientRate)
					// Spread the clients' phases over one period (real
					// supporters do not press the button in step), unless
					// bursts are asked for.
					if !o.Burst {
						due = due.Add(period * time.Duration(i) / time.Duration(g.clients))
					}
				}
				for n := 0; ctx.Err() == nil; n++ {
					if paced {
						if wait := time.Until(due); wait > 0 {
							select {
							case <-time.After(wait):
							case <-ctx.Done():
								return
							}
						}
					}
					if normalClients && o.MaxRequests > 0 && sent.Add(1) > o.MaxRequests {
						return
					}
					body := supporter(fmt.Sprintf("%s-%d-%d-%d", name, runID, i, n), o.Zip, o.State)
					// An unpaced request is due when it is sent (a zero
					// due time): timed from one clock reading, it cannot
					// differ from its time from sending.
					var t0 time.Time
					at := time.Now()
					if paced {
						t0, at = due, due
						due = due.Add(period)
					}
					countIn(g, at).do(ctx, g.posterFor(i), body, t0)
				}
			}(i)
		}
	}
	if o.Rate > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			openLoop(ctx, o, func(n int64, due time.Time, client int) {
				body := supporter(fmt.Sprintf("n-%d-%d", runID, n), o.Zip, o.State)
				countIn(normal, due).do(ctx, normal.posterFor(client), body, due)
			})
		}()
	} else {
		launch(normal, "n", true)
	}
	if flood != nil {
		launch(flood, "f", false)
	}
	wg.Wait()
	elapsed := time.Since(start)
	normal.close()
	if flood != nil {
		flood.close()
	}
	rep := Report{Normal: normal.result(elapsed - o.Warmup)}
	if warm != nil {
		r := warm.result(o.Warmup)
		rep.Warmup = &r
	}
	if o.Timeline {
		rep.Seconds = timeline(normal, warm)
	}
	if flood != nil {
		r := flood.result(elapsed)
		rep.Flood = &r
	}
	return rep, nil
}

// group is a set of clients with their transports and source addresses.
type group struct {
	clients int
	posts   []poster // one shared client, or one per source address
	mu      sync.Mutex
	lat     []time.Duration
	srv     []time.Duration // the server's own times (Server-Timing)
	sent    []time.Duration // from when each went out
	at      []time.Duration // when each successful request was due, from start
	start   time.Time
	res     Result
}

// newGroup makes the connections of clients clients to url, with up to
// conns connections each.
func newGroup(url string, tc *tls.Config, clients, conns int, localAddr string, spread bool) (*group, error) {
	g := &group{clients: clients, res: Result{Statuses: map[int]int64{}}}
	if !spread {
		p, err := newPoster(url, tc, localAddr, clients*conns)
		if err != nil {
			return nil, err
		}
		g.posts = []poster{p}
		return g, nil
	}
	for i := 0; i < clients; i++ {
		p, err := newPoster(url, tc, fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250), conns)
		if err != nil {
			return nil, err
		}
		g.posts = append(g.posts, p)
	}
	return g, nil
}

// openLoop calls send for every arrival due before ctx ends (or
// o.MaxRequests are sent), each on its own goroutine, with at most
// o.MaxInFlight unanswered. Arrival n is due at n/o.Rate seconds from the
// start, or with o.Burst, o.Clients of them at once every o.Clients/o.Rate
// seconds; it goes out from client n mod o.Clients. A dispatcher that wakes
// late sends everything due by then, each still timed from its own due
// time.
func openLoop(ctx context.Context, o Options, send func(n int64, due time.Time, client int)) {
	start := time.Now()
	step, perStep := time.Duration(float64(time.Second)/o.Rate), int64(1)
	if o.Burst {
		step, perStep = time.Duration(float64(time.Second)*float64(o.Clients)/o.Rate), int64(o.Clients)
	}
	slots := make(chan struct{}, o.MaxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for n := int64(0); ctx.Err() == nil && (o.MaxRequests <= 0 || n < o.MaxRequests); n++ {
		due := start.Add(time.Duration(n/perStep) * step)
		if wait := time.Until(due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Add(1)
		go func(n int64) {
			defer wg.Done()
			defer func() { <-slots }()
			send(n, due, int(n%int64(o.Clients)))
		}(n)
	}
}

// close closes the group's idle connections.
func (g *group) close() {
	for _, p := range g.posts {
		p.close()
	}
}

func (g *group) posterFor(i int) poster {
	return g.posts[i%len(g.posts)]
}

// do sends one submission with p and counts it in g; its latency counts
// from t0 (when it was due; zero: when it is sent).
func (g *group) do(ctx context.Context, p poster, body []byte, t0 time.Time) {
	sentAt := time.Now()
	if t0.IsZero() {
		t0 = sentAt
	}
	status, timing, b, err := p.post(ctx, body)
	if ctx.Err() != nil {
		return // the run ended mid-request: not counted
	}
	d, fromSent := time.Since(t0), time.Since(sentAt)
	var msg string
	var inServer time.Duration
	if err != nil {
		status, msg = 0, err.Error()
	} else {
		inServer = serverTiming(timing)
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
		g.srv = append(g.srv, inServer)
		g.sent = append(g.sent, fromSent)
		g.at = append(g.at, t0.Sub(g.start))
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
	lat := sorted(g.lat)
	if n := len(lat); n > 0 {
		r.P50, r.P90, r.P99, r.Max = lat[n*50/100], lat[n*90/100], lat[n*99/100], lat[n-1]
	}
	if srv := sorted(g.srv); len(srv) > 0 && srv[len(srv)-1] > 0 {
		r.ServerP50, r.ServerP99 = srv[len(srv)*50/100], srv[len(srv)*99/100]
	}
	if sent := sorted(g.sent); len(sent) > 0 {
		r.SentP50, r.SentP99 = sent[len(sent)*50/100], sent[len(sent)*99/100]
	}
	return r
}

// timeline groups the successful requests of the groups (nil ones are
// skipped) by the second they were due in.
func timeline(groups ...*group) []Second {
	var lat, srv [][]time.Duration
	for _, g := range groups {
		if g == nil {
			continue
		}
		g.mu.Lock()
		for i, at := range g.at {
			s := max(0, int(at/time.Second))
			for len(lat) <= s {
				lat, srv = append(lat, nil), append(srv, nil)
			}
			lat[s], srv[s] = append(lat[s], g.lat[i]), append(srv[s], g.srv[i])
		}
		g.mu.Unlock()
	}
	out := make([]Second, len(lat))
	for s := range lat {
		out[s].At = time.Duration(s) * time.Second
		l, v := sorted(lat[s]), sorted(srv[s])
		if n := len(l); n > 0 {
			out[s].OK, out[s].P50, out[s].P99, out[s].ServerP99 = int64(n), l[n*50/100], l[n*99/100], v[n*99/100]
		}
	}
	return out
}

func sorted(d []time.Duration) []time.Duration {
	d = append([]time.Duration(nil), d...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}

// serverTiming reads the first duration (in milliseconds) of a
// Server-Timing header such as "app;dur=12.5"; zero when there is none.
func serverTiming(h string) time.Duration {
	for _, part := range strings.Split(strings.Split(h, ",")[0], ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "dur="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
				return time.Duration(f * float64(time.Millisecond))
			}
		}
	}
	return 0
}

// supporter is a plausible, unique submission body. (A struct rather than
// a map: the load generator shares the machine with the server it measures,
// so it should cost little.) The email starts with a hash of id: real
// supporters' addresses come in no order, so each lands on its own page
// of the server's email index, and sequential ones would all land on the
// last page and make the server look cheaper than it is.
func supporter(id, zip, state string) []byte {
	h := fnv.New32a()
	h.Write([]byte(id))
	local := fmt.Sprintf("%08x.load-%s", h.Sum32(), id)
	b, _ := json.Marshal(struct {
		FirstName       string `json:"first_name"`
		LastName        string `json:"last_name"`
		Email           string `json:"email"`
		Address1        string `json:"address1"`
		City            string `json:"city"`
		State           string `json:"state"`
		Zip             string `json:"zip"`
		PersonalMessage string `json:"personal_message"`
	}{"Load", "Tester", local + "@example.org", "1 Main St", "Albany", state, zip, "Please help him."})
	return b
}
