package pdf_test

import (
	"fmt"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/letter/pdf"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestScratchCPU(t *testing.T) {
	runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(2)
	for _, v := range []string{"fast", "fast-nosubject", "slow"} {
		m, _ := pdf.New(pdf.Options{})
		if v == "slow" {
			m, _ = pdf.NewSlow(pdf.Options{})
		}
		l := typicalLetter()
		if v == "fast-nosubject" {
			l.Subject = ""
		}
		for i := 0; i < 20; i++ {
			m.WriteLetter(io.Discard, l)
		}
		runtime.GC()
		const n = 300
		c0, w0 := cpuTime(), time.Now()
		for i := 0; i < n; i++ {
			m.WriteLetter(io.Discard, l)
		}
		fmt.Printf("%s: cpu %v/letter wall %v/letter\n", v, (cpuTime()-c0)/n, time.Since(w0)/n)
	}
}
