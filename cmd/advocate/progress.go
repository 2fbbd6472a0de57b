package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/advocate-org/advocate/app/congress"
)

// progress draws one updating status line on a terminal-ish writer,
// throttled so that fast steps do not flood logs.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	last time.Time
	line string
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

func (p *progress) show(line string, force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !force && time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.line = line
	fmt.Fprintf(p.w, "\r%-72s", line)
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line != "" {
		fmt.Fprintln(p.w)
		p.line = ""
	}
}

func (p *progress) importStep(s congress.Progress) {
	p.show(fmt.Sprintf("importing %s %s", s.Step, ratio(s.Done, s.Total)), s.Done == s.Total)
}

func (p *progress) fetchStep(s congress.FetchProgress) {
	p.show(fmt.Sprintf("downloading %s %s", s.Source, bytesRatio(s.Done, s.Total)), s.Done == s.Total)
}

func ratio(done, total int64) string {
	if total <= 0 {
		return fmt.Sprintf("%d", done)
	}
	return fmt.Sprintf("%3d%% (%d/%d)", done*100/total, done, total)
}

func bytesRatio(done, total int64) string {
	if total <= 0 {
		return fmt.Sprintf("%.1f MB", float64(done)/1e6)
	}
	return fmt.Sprintf("%3d%% of %.1f MB", done*100/total, float64(total)/1e6)
}
