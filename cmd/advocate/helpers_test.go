package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/apptest"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// count reads "  <label>   N" from an import summary; -1 when absent.
func count(out, label string) int {
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(label) + `\s+(\d+)$`).FindStringSubmatch(out)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// served is `advocate serve` running in-process on a free port.
type served struct {
	t      *testing.T
	addr   string
	stderr *apptest.Buffer
	cancel context.CancelFunc
	done   chan int
}

// startServe runs serve with env until stop or the end of the test. edit,
// when given, adjusts the cli before it starts (e.g. a cheaper bcrypt cost).
func startServe(t *testing.T, env func(string) string, edit func(*cli)) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{t: t, stderr: &apptest.Buffer{}, cancel: cancel, done: make(chan int, 1)}
	addrc := make(chan string, 1)
	c := &cli{getenv: env, stdin: strings.NewReader(""), stdout: &apptest.Buffer{}, stderr: s.stderr, ready: func(a string) { addrc <- a }}
	if edit != nil {
		edit(c)
	}
	go func() { s.done <- c.main(ctx, []string{"serve"}) }()
	t.Cleanup(func() { s.stop() })
	select {
	case s.addr = <-addrc:
	case code := <-s.done:
		s.done <- code
		t.Fatalf("serve exited with %d: %s", code, s.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start: %s", s.stderr.String())
	}
	return s
}

// stop ends serve and returns its exit code (later calls return it again).
func (s *served) stop() int {
	s.cancel()
	code := <-s.done
	s.done <- code
	return code
}

// stopOK ends serve and fails the test unless it exited cleanly.
func (s *served) stopOK() {
	s.t.Helper()
	if code := s.stop(); code != 0 {
		s.t.Fatalf("serve exit %d: %s", code, s.stderr.String())
	}
}
