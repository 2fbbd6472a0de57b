package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestBenchLoadDrivesTheRealServer runs a short `bench load` against the
// in-process server: every submission is accepted and the report carries
// the warm-up, the totals, the server's own percentiles and the timeline.
// The load is light and the checks ask nothing of the speed: CI runs this
// beside other packages' tests, and a busy machine may answer only a few
// requests in the first second (how many seconds the timeline shows is
// tested in app/loadtest against a stand-in server).
func TestBenchLoadDrivesTheRealServer(t *testing.T) {
	env := testEnv(t.TempDir(), nil)
	code, out, stderr := runCLI(t, env, "bench", "load", "--duration", "2s", "--warmup", "500ms",
		"--clients", "4", "--client-rate", "5", "--timeline")
	if code != 0 {
		t.Fatalf("code %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"warm-up", "normal", "errors: 0", "in the server: p50"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^ +0s +[1-9][0-9]* ok  p50`).MatchString(out) {
		t.Errorf("no timeline line for the first second in\n%s", out)
	}
	if _, linux := readCPUTimes(); linux && !regexp.MustCompile(`(?m)^machine: CPU \d+% busy, \d+% idle, \d+% stolen by the host`).MatchString(out) {
		t.Errorf("no machine line in\n%s", out)
	}
	if _, ok := processCPU(); ok && !regexp.MustCompile(`(?m)^this process: [0-9.]+ s of CPU, \d+ µs per request \(the server and the load generator\)`).MatchString(out) {
		t.Errorf("no process line in\n%s", out)
	}
	if code, _, stderr := runCLI(t, env, "bench", "load", "--duration", "1s", "--warmup", "2s"); code != 2 || !strings.Contains(stderr, "shorter") {
		t.Errorf("a warm-up longer than the run: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "bench", "load", "--burst"); code != 2 || !strings.Contains(stderr, "--client-rate") {
		t.Errorf("--burst without a rate: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "bench", "load", "--rate", "10", "--client-rate", "1"); code != 2 || !strings.Contains(stderr, "exclude") {
		t.Errorf("--rate with --client-rate: %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "bench", "load", "--rate", "-1"); code != 2 || !strings.Contains(stderr, "positive") {
		t.Errorf("a negative rate: %d %q", code, stderr)
	}
}

// TestBenchLoadOpenLoop: --rate sends the submissions when due, each
// independently, and reports them like the other modes.
func TestBenchLoadOpenLoop(t *testing.T) {
	env := testEnv(t.TempDir(), nil)
	code, out, stderr := runCLI(t, env, "bench", "load", "--duration", "1500ms", "--warmup", "500ms",
		"--clients", "4", "--rate", "20")
	if code != 0 {
		t.Fatalf("code %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"open loop: 20 submissions/s from 4 addresses", "warm-up", "normal", "errors: 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// TestBenchPDFComparesBothRounds runs a short `bench pdf`: both rounds run
// on real servers, the unprotected one renders every download and refuses
// none, the protected one refuses the flood with 429. Nothing is asked of
// the speed (CI runs it beside other tests): the downloads under way when
// the flood stops are waited for, so even a slow run counts a render.
func TestBenchPDFComparesBothRounds(t *testing.T) {
	env := testEnv(t.TempDir(), nil)
	code, out, stderr := runCLI(t, env, "bench", "pdf", "--duration", "1s", "--quiet", "300ms", "--flood", "4")
	if code != 0 {
		t.Fatalf("code %d\n%s\n%s", code, out, stderr)
	}
	m := regexp.MustCompile(`(?m)^PDF answers/s \(200 / 304 / 429\) +([\d.]+) / 0\.0 / ([\d.]+) +([\d.]+) / 0\.0 / ([\d.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no PDF answers line in\n%s", out)
	}
	if m[1] == "0.0" || m[2] != "0.0" || m[4] == "0.0" {
		t.Errorf("unprotected %s/s rendered and %s/s refused, protected %s/s refused:\n%s", m[1], m[2], m[4], out)
	}
	for _, want := range []string{"campaign page, quiet: p50 / p99", "campaign page, flooded: p50 / p99", "the PDF: 9 letters"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
