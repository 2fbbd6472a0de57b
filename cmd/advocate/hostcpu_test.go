package main

import (
	"strings"
	"testing"
	"time"
)

func TestHostCPULine(t *testing.T) {
	before, err := parseCPUTimes(strings.NewReader("cpu  100 0 50 800 10 5 5 30 0 0\ncpu0 50 0 25 400 5 2 3 15 0 0\nintr 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if before != (cpuTimes{busy: 160, idle: 810, steal: 30}) {
		t.Fatalf("parsed %+v", before)
	}
	// 1,000 jiffies later: 500 busy, 150 idle, 350 stolen.
	after := cpuTimes{busy: 660, idle: 960, steal: 380}
	got := hostLine(before, after)
	if !strings.Contains(got, "50% busy, 15% idle, 35% stolen by the host") || !strings.Contains(got, "not comparable") {
		t.Errorf("busy machine: %q", got)
	}
	quiet := hostLine(before, cpuTimes{busy: 960, idle: 1010, steal: 30})
	if !strings.Contains(quiet, "80% busy, 20% idle, 0% stolen") || strings.Contains(quiet, "not comparable") {
		t.Errorf("quiet machine: %q", quiet)
	}
	if hostLine(before, before) != "" {
		t.Error("no time passed, yet a line")
	}
	for _, bad := range []string{"", "intr 1\n", "cpu 1 2 3\n", "cpu 1 2 3 x 5 6 7 8\n"} {
		if _, err := parseCPUTimes(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestProcessCPULine(t *testing.T) {
	got := processLine(3*time.Second, 4000, true)
	if got != "this process: 3.0 s of CPU, 750 µs per request (the server and the load generator)\n" {
		t.Errorf("in process: %q", got)
	}
	if got := processLine(time.Second, 10000, false); !strings.Contains(got, "100 µs per request (the load generator only)") {
		t.Errorf("--url: %q", got)
	}
	if processLine(time.Second, 0, true) != "" || processLine(0, 10, true) != "" {
		t.Error("a line without requests or CPU")
	}
}
