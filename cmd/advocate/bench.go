package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/advocate-org/advocate/app/loadtest"
)

// benchLoad runs `advocate bench load`: concurrent supporters against a
// server on loopback, with throughput and latency percentiles. Without --url
// it starts its own server in-process (the real serve command) on a
// throw-away database, so the numbers include everything a deployment runs.
func (c *cli) benchLoad(ctx context.Context, args []string) error {
	fl := c.flags("bench load")
	url := fl.String("url", "", "drive this server instead of starting one (e.g. http://127.0.0.1:8080)")
	campaign := fl.String("campaign", "protect-witnesses", "campaign slug")
	clients := fl.Int("clients", 64, "concurrent supporters (with --rate: source addresses, and the size of each --burst)")
	duration := fl.Duration("duration", 10*time.Second, "how long to run (at most 10m)")
	requests := fl.Int64("requests", 0, "stop after this many submissions (0: only --duration)")
	zip := fl.String("zip", "12202", "ZIP code of the generated supporters")
	state := fl.String("state", "NY", "state of the generated supporters")
	db := fl.String("db", "", "database for the in-process server (default: a temporary SQLite file)")
	roster := fl.String("roster", "", "roster folder to import into the in-process server (default: the built-in seed)")
	rateLimit := fl.String("rate-limit", "0", "submissions per minute per address on the in-process server (0: off)")
	spread := fl.Bool("spread", true, "give every client its own loopback address (127.0.1.N), as real supporters have")
	clientRate := fl.Float64("client-rate", 0, "pace each client to this many requests per second (0: as fast as possible)")
	flood := fl.Int("flood", 0, "extra clients flooding from one address (127.0.0.2)")
	warmup := fl.Duration("warmup", 2*time.Second, "report the requests due in this first part of the run apart (cold server, new connections)")
	timeline := fl.Bool("timeline", false, "also print the percentiles of every second")
	burst := fl.Bool("burst", false, "with --client-rate: all clients send at the same moment once per period; with --rate: arrivals come --clients at a time")
	rate := fl.Float64("rate", 0, "open loop: this many submissions a second in all, each sent when due whether or not earlier ones were answered (supporters arrive independently); timed from when due")
	maxInFlight := fl.Int("max-inflight", 1024, "with --rate: at most this many unanswered requests (later arrivals wait, and the wait counts)")
	cpuProfile := fl.String("cpuprofile", "", "write a CPU profile of the run (server and clients) to this file, for go tool pprof")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *warmup >= *duration {
		return usageErr("--warmup %s must be shorter than --duration %s", *warmup, *duration)
	}
	if *burst && *clientRate <= 0 && *rate <= 0 {
		return usageErr("--burst needs --client-rate or --rate")
	}
	if *rate > 0 && *clientRate > 0 {
		return usageErr("--rate (open loop) and --client-rate (paced clients) exclude each other")
	}
	if *rate < 0 || *maxInFlight <= 0 {
		return usageErr("--rate must be positive and --max-inflight at least 1")
	}
	base := *url
	if base == "" {
		env := map[string]string{"ADVOCATE_SUBMIT_RATE": *rateLimit, "ADVOCATE_DB": *db}
		var stop func()
		var err error
		if base, _, stop, err = c.benchServer(ctx, env, *roster, nil); err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(c.stdout, "server %s (database %s)\n", base, dbLabel(*db))
	}
	if *rate > 0 {
		fmt.Fprintf(c.stdout, "open loop: %g submissions/s from %d addresses for %s (at most %d in flight, bursts: %v, flood clients: %d)\n", *rate, *clients, *duration, *maxInFlight, *burst, *flood)
	} else {
		fmt.Fprintf(c.stdout, "%d clients for %s (spread addresses: %v, client rate: %g/s, bursts: %v, flood clients: %d)\n", *clients, *duration, *spread, *clientRate, *burst, *flood)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cpuBefore, hostOK := readCPUTimes()
	procBefore, procOK := processCPU()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		BaseURL: base, Campaign: *campaign, Clients: *clients, Duration: *duration, MaxRequests: *requests,
		Zip: *zip, State: *state, SpreadSources: *spread, ClientRate: *clientRate,
		FloodClients: *flood, FloodAddr: "127.0.0.2", Burst: *burst, Rate: *rate, MaxInFlight: *maxInFlight,
		Warmup: *warmup, Timeline: *timeline,
	})
	if err != nil {
		return err
	}
	fmt.Fprint(c.stdout, rep.String())
	if cpuAfter, ok := readCPUTimes(); ok && hostOK {
		fmt.Fprint(c.stdout, hostLine(cpuBefore, cpuAfter))
	}
	if procAfter, ok := processCPU(); ok && procOK {
		fmt.Fprint(c.stdout, processLine(procAfter-procBefore, rep.Requests(), *url == ""))
	}
	if rep.Normal.Errors > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d requests failed", rep.Normal.Errors)}
	}
	return nil
}

func dbLabel(dsn string) string {
	if dsn == "" {
		return "temporary SQLite"
	}
	return "given"
}

// benchServer starts serve in-process on a throw-away data folder with env
// over the bench defaults (and the caller's environment), importing roster
// first when given; edit, when given, adjusts its cli. dir is the data
// folder; stop ends the server and removes the folder.
func (c *cli) benchServer(ctx context.Context, env map[string]string, roster string, edit func(*cli)) (base, dir string, stop func(), err error) {
	dir, err = os.MkdirTemp("", "advocate-bench-")
	if err != nil {
		return "", "", nil, err
	}
	all := map[string]string{
		"ADVOCATE_DATA_DIR": dir, "ADVOCATE_ADDR": "127.0.0.1:0", "ADVOCATE_AUTO_FETCH": "false",
		"ADVOCATE_LOG_LEVEL": "warn",
	}
	for k, v := range env {
		all[k] = v
	}
	getenv := func(k string) string {
		if v, ok := all[k]; ok {
			return v
		}
		return c.getenv(k)
	}
	if roster != "" {
		imp := &cli{getenv: getenv, stdin: c.stdin, stdout: c.stderr, stderr: c.stderr}
		if code := imp.main(ctx, []string{"data", "import", "--dir", roster}); code != 0 {
			os.RemoveAll(dir)
			return "", "", nil, fmt.Errorf("import %s failed", roster)
		}
	}
	srvCtx, cancel := context.WithCancel(ctx)
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	srv := &cli{getenv: getenv, stdin: c.stdin, stdout: c.stderr, stderr: c.stderr, ready: func(a string) { addrc <- a }}
	if edit != nil {
		edit(srv)
	}
	go func() { done <- srv.main(srvCtx, []string{"serve"}) }()
	select {
	case a := <-addrc:
		return "http://" + a, dir, func() { cancel(); <-done; os.RemoveAll(dir) }, nil
	case code := <-done:
		err = fmt.Errorf("the in-process server exited with %d", code)
	case <-time.After(time.Minute):
		cancel()
		<-done
		err = fmt.Errorf("the in-process server did not start within a minute")
	}
	cancel()
	os.RemoveAll(dir)
	return "", "", nil, err
}
