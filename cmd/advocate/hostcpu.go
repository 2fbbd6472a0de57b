package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTimes is the machine-wide "cpu" line of /proc/stat: jiffies spent in
// each state since boot, summed over all cores.
type cpuTimes struct {
	busy, idle, steal uint64
}

// readCPUTimes reads /proc/stat; ok is false where there is none (not
// Linux) or it cannot be read.
func readCPUTimes() (cpuTimes, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	defer f.Close()
	t, err := parseCPUTimes(f)
	return t, err == nil
}

// parseCPUTimes reads the first "cpu " line: user nice system idle iowait
// irq softirq steal [guest guest_nice] (guest time is already in user).
func parseCPUTimes(r io.Reader) (cpuTimes, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 9 {
			return cpuTimes{}, fmt.Errorf("/proc/stat: short cpu line %q", sc.Text())
		}
		var v [8]uint64
		for i := range v {
			n, err := strconv.ParseUint(f[i+1], 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf("/proc/stat: %w", err)
			}
			v[i] = n
		}
		return cpuTimes{busy: v[0] + v[1] + v[2] + v[5] + v[6], idle: v[3] + v[4], steal: v[7]}, nil
	}
	if err := sc.Err(); err != nil {
		return cpuTimes{}, err
	}
	return cpuTimes{}, fmt.Errorf("/proc/stat: no cpu line")
}

// hostLine says how the machine's CPU was spent between before and after:
// busy (this run and anything else), idle, and stolen by the hypervisor
// for other guests. Stolen time makes a run slower than the same run on a
// quiet machine, so results with much of it are not comparable.
func hostLine(before, after cpuTimes) string {
	busy, idle, steal := after.busy-before.busy, after.idle-before.idle, after.steal-before.steal
	total := busy + idle + steal
	if total == 0 {
		return ""
	}
	pct := func(n uint64) float64 { return 100 * float64(n) / float64(total) }
	line := fmt.Sprintf("machine: CPU %.0f%% busy, %.0f%% idle, %.0f%% stolen by the host", pct(busy), pct(idle), pct(steal))
	if pct(steal) >= 5 {
		line += " (other guests took CPU from this run: not comparable with a quiet machine)"
	}
	return line + "\n"
}

// processLine gives the CPU this process used per request the run counted:
// unlike latencies it hardly moves when other guests take the machine, so
// it compares builds on a busy day. inProcess says whether the server ran
// in this process (it counts too) or elsewhere (only the load generator).
func processLine(cpu time.Duration, requests int64, inProcess bool) string {
	if requests <= 0 || cpu <= 0 {
		return ""
	}
	who := "the server and the load generator"
	if !inProcess {
		who = "the load generator only"
	}
	return fmt.Sprintf("this process: %.1f s of CPU, %.0f µs per request (%s)\n",
		cpu.Seconds(), float64(cpu.Microseconds())/float64(requests), who)
}
