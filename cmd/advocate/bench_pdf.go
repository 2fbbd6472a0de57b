package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// benchPDF runs `advocate bench pdf`: connections downloading one
// supporter's letters.pdf as fast as they can, from one address, while a
// visitor loads the campaign page at a steady pace from another. It runs
// twice in one go, on fresh in-process servers: without the download
// protections (no kept PDFs, every download rendering its own, no
// download limits, renders not bounded: how the server behaved before
// them) and with them as configured, and prints
// the campaign page's latency quiet and flooded side by side.
func (c *cli) benchPDF(ctx context.Context, args []string) error {
	fl := c.flags("bench pdf")
	flood := fl.Int("flood", 16, "connections downloading the PDF (from 127.0.0.2)")
	duration := fl.Duration("duration", 10*time.Second, "how long the flood runs in each round")
	quiet := fl.Duration("quiet", 3*time.Second, "how long the campaign page is timed without the flood first")
	every := fl.Duration("page-every", 50*time.Millisecond, "the campaign page is loaded this often (from 127.0.0.3)")
	campaign := fl.String("campaign", "protect-witnesses", "campaign slug")
	roster := fl.String("roster", "", "roster folder to import (default: the built-in seed; ../shared/data gives more letters)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *flood < 1 || *duration <= 0 || *quiet <= 0 || *every <= 0 {
		return usageErr("--flood must be at least 1 and the durations positive")
	}
	rounds := []struct {
		name string
		env  map[string]string
		edit func(*cli)
	}{
		{"unprotected", map[string]string{"ADVOCATE_PDF_CACHE_BYTES": "0", "ADVOCATE_PDF_RENDERS": "1024",
			"ADVOCATE_DOWNLOAD_RATE": "0", "ADVOCATE_DOWNLOAD_TOKEN_RATE": "0"}, func(c *cli) { c.pdfUnshared = true }},
		{"protected", map[string]string{}, nil},
	}
	fmt.Fprintf(c.stdout, "%d connections download one letters.pdf from 127.0.0.2 for %s; the campaign page is loaded every %s from 127.0.0.3 (%s quiet first)\n",
		*flood, *duration, *every, *quiet)
	var results []pdfRound
	for _, r := range rounds {
		r.env["ADVOCATE_SUBMIT_RATE"] = "0"
		res, err := c.pdfRound(ctx, r.env, r.edit, *roster, *campaign, *flood, *quiet, *duration, *every)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		res.name = r.name
		results = append(results, res)
	}
	fmt.Fprintf(c.stdout, "the PDF: %d letters, %d KB\n\n", results[0].letters, results[0].pdfBytes/1024)
	w := c.stdout
	fmt.Fprintf(w, "%-34s", "")
	for _, r := range results {
		fmt.Fprintf(w, "%-30s", r.name)
	}
	fmt.Fprintln(w)
	row := func(label string, cell func(pdfRound) string) {
		fmt.Fprintf(w, "%-34s", label)
		for _, r := range results {
			fmt.Fprintf(w, "%-30s", cell(r))
		}
		fmt.Fprintln(w)
	}
	row("campaign page, quiet: p50 / p99", func(r pdfRound) string { return latencies(r.quiet) })
	row("campaign page, flooded: p50 / p99", func(r pdfRound) string { return latencies(r.flooded) })
	row("campaign page errors (flooded)", func(r pdfRound) string { return fmt.Sprint(r.pageErrors) })
	row("PDF answers/s (200 / 304 / 429)", func(r pdfRound) string {
		secs := r.floodTime.Seconds()
		return fmt.Sprintf("%.1f / %.1f / %.1f", float64(r.statuses[200])/secs, float64(r.statuses[304])/secs, float64(r.statuses[429])/secs)
	})
	row("PDF other answers or errors", func(r pdfRound) string { return fmt.Sprint(r.other) })
	return nil
}

// pdfRound is what one round measured.
type pdfRound struct {
	name           string
	letters        int
	pdfBytes       int
	quiet, flooded []time.Duration
	pageErrors     int
	statuses       map[int]int64
	other          int64
	floodTime      time.Duration
}

func latencies(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) string {
		d := s[int(p*float64(len(s)-1))]
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return at(0.50) + " / " + at(0.99)
}

// clientFrom is an HTTP client whose connections come from the loopback
// address ip, with at most one connection kept open.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{DialContext: d.DialContext,
		MaxIdleConnsPerHost: 1, DisableCompression: true}}
}

func (c *cli) pdfRound(ctx context.Context, env map[string]string, edit func(*cli), roster, slug string, flood int, quiet, duration, every time.Duration) (pdfRound, error) {
	res := pdfRound{statuses: map[int]int64{}}
	base, dir, stop, err := c.benchServer(ctx, env, roster, edit)
	if err != nil {
		return res, err
	}
	defer stop()
	// One supporter, whose link the flood downloads.
	body := `{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.org","address1":"12 State St","city":"Albany","state":"NY","zip":"12202"}`
	resp, err := http.Post(base+"/api/v1/campaigns/"+slug+"/submissions", "application/json", strings.NewReader(body))
	if err != nil {
		return res, err
	}
	var sub struct {
		Letters []struct{} `json:"letters"`
	}
	err = json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusAccepted {
		return res, fmt.Errorf("submission: %d %v", resp.StatusCode, err)
	}
	res.letters = len(sub.Letters)
	// The private link reaches the supporter only by email: here the copy
	// filed in the data folder, as without a mail server.
	link, err := filedLink(ctx, filepath.Join(dir, "outbox"), "ada@example.org", 30*time.Second)
	if err != nil {
		return res, err
	}
	pdfURL := base + link + "/letters.pdf"
	first := clientFrom("127.0.0.4") // the supporter's own first download
	if resp, err = first.Get(pdfURL); err != nil {
		return res, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("first download: %d", resp.StatusCode)
	}
	res.pdfBytes = len(b)

	page := clientFrom("127.0.0.3")
	timePage := func(d time.Duration) (out []time.Duration, errs int) {
		tick := time.NewTicker(every)
		defer tick.Stop()
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			start := time.Now()
			resp, err := page.Get(base + "/c/" + slug)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err != nil || resp.StatusCode != http.StatusOK {
				errs++
			} else {
				out = append(out, time.Since(start))
			}
			<-tick.C
		}
		return out, errs
	}
	timePage(500 * time.Millisecond) // warm up
	res.quiet, _ = timePage(quiet)

	// The flood stops sending when told but lets the downloads under way
	// finish, so a slow machine still counts what it rendered.
	var stopped atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	var other atomic.Int64
	start := time.Now()
	for range flood {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := clientFrom("127.0.0.2")
			counts := map[int]int64{}
			for !stopped.Load() && ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, pdfURL, nil)
				resp, err := cl.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						other.Add(1)
						time.Sleep(10 * time.Millisecond)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case 200, 304, 429:
					counts[resp.StatusCode]++
				default:
					other.Add(1)
				}
			}
			mu.Lock()
			for k, v := range counts {
				res.statuses[k] += v
			}
			mu.Unlock()
		}()
	}
	time.Sleep(500 * time.Millisecond) // the flood under way
	res.flooded, res.pageErrors = timePage(duration)
	stopped.Store(true)
	wg.Wait()
	res.floodTime = time.Since(start)
	res.other = other.Load()
	return res, nil
}

// filedLinkRE finds a private link in a filed email (quoted-printable soft
// line breaks removed first).
var filedLinkRE = regexp.MustCompile(`https?://[^/\s"]+(/s/[a-z2-7]{32})`)

// filedLink waits for the email to an address filed as .eml in dir and
// returns the path of the private link it carries.
func filedLink(ctx context.Context, dir, to string, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil || !strings.Contains(strings.ToLower(string(b)), to) {
				continue
			}
			if m := filedLinkRE.FindStringSubmatch(strings.ReplaceAll(string(b), "=\r\n", "")); m != nil {
				return m[1], nil
			}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return "", fmt.Errorf("no email with the private link to %s was filed in %s within %s (with ADVOCATE_SMTP_URL set, emails are sent instead of filed)", to, dir, wait)
}
