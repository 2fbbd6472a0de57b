//go:build unix

package pdf_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time this process has used (user and system, all
// threads, the garbage collector's included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds "cpu-ns/op" to a benchmark: on a machine shared with other
// work, wall time per operation grows with the load while the CPU time a
// letter costs does not, so this is the figure to compare against the
// per-letter budget.
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
