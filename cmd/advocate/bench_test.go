package main

import (
	"strings"
	"testing"
)

// TestBenchLoadDrivesTheRealServer runs a short `bench load` against the
// in-process server: every submission is accepted and the report carries
// the warm-up, the totals, the server's own percentiles and the timeline.
func TestBenchLoadDrivesTheRealServer(t *testing.T) {
	env := testEnv(t.TempDir(), nil)
	code, out, stderr := runCLI(t, env, "bench", "load", "--duration", "2s", "--warmup", "500ms",
		"--clients", "8", "--client-rate", "20", "--timeline")
	if code != 0 {
		t.Fatalf("code %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"warm-up", "normal", "errors: 0", "in the server: p50", "   1s "} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if code, _, stderr := runCLI(t, env, "bench", "load", "--duration", "1s", "--warmup", "2s"); code != 2 || !strings.Contains(stderr, "shorter") {
		t.Errorf("a warm-up longer than the run: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "bench", "load", "--burst"); code != 2 || !strings.Contains(stderr, "--client-rate") {
		t.Errorf("--burst without a rate: %d %q", code, stderr)
	}
}
