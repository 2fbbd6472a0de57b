package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Protect holds the limits that keep one client, or a database that stops
// answering, from slowing everyone else down.
type Protect struct {
	// DBTimeout bounds each web request's database work
	// (ADVOCATE_DB_TIMEOUT); past it the request answers 503. The
	// streamed staff exports have their own, longer deadline.
	DBTimeout time.Duration
	// DownloadPerMinute and DownloadBurst limit PDF downloads per client
	// address (ADVOCATE_DOWNLOAD_RATE, _BURST; 0: no limit).
	DownloadPerMinute float64
	DownloadBurst     int
	// DownloadTokenPerMinute and DownloadTokenBurst limit PDF downloads
	// per supporter link, whatever the address
	// (ADVOCATE_DOWNLOAD_TOKEN_RATE, _BURST; 0: no limit).
	DownloadTokenPerMinute float64
	DownloadTokenBurst     int
	// PDFCacheBytes bounds the memory of rendered PDFs kept for the next
	// download (ADVOCATE_PDF_CACHE_BYTES; 0: none kept).
	PDFCacheBytes int64
	// PDFRenders is how many PDFs are rendered at once
	// (ADVOCATE_PDF_RENDERS; 0: half the CPUs, at least one).
	PDFRenders int
}

func defaultProtect() Protect {
	return Protect{
		DBTimeout: 5 * time.Second,
		// A supporter opens each of their letters once or twice (up to
		// some 26); a household or office behind one address has a few.
		DownloadPerMinute:      60,
		DownloadBurst:          60,
		DownloadTokenPerMinute: 20,
		DownloadTokenBurst:     30,
		PDFCacheBytes:          64 << 20,
	}
}

// loadProtect reads the Protect settings.
func loadProtect(getenv func(string) string, p *Protect) error {
	if v := strings.TrimSpace(getenv("ADVOCATE_DB_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond || d > 10*time.Minute {
			return fmt.Errorf("ADVOCATE_DB_TIMEOUT=%q: want a duration from 100ms to 10m, such as 5s", v)
		}
		p.DBTimeout = d
	}
	for _, r := range []struct {
		prefix, what string
		rate         *float64
		burst        *int
	}{
		{"ADVOCATE_DOWNLOAD", "address", &p.DownloadPerMinute, &p.DownloadBurst},
		{"ADVOCATE_DOWNLOAD_TOKEN", "supporter link", &p.DownloadTokenPerMinute, &p.DownloadTokenBurst},
	} {
		if v := strings.TrimSpace(getenv(r.prefix + "_RATE")); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n < 0 {
				return fmt.Errorf("%s_RATE=%q: want PDF downloads per minute per %s (0 turns the limit off)", r.prefix, v, r.what)
			}
			*r.rate = n
		}
		if v := strings.TrimSpace(getenv(r.prefix + "_BURST")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%s_BURST=%q: want a whole number of at least 1", r.prefix, v)
			}
			*r.burst = n
		}
	}
	if v := strings.TrimSpace(getenv("ADVOCATE_PDF_CACHE_BYTES")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > 16<<30 {
			return fmt.Errorf("ADVOCATE_PDF_CACHE_BYTES=%q: want a number of bytes up to 16 GiB (0 keeps none)", v)
		}
		p.PDFCacheBytes = n
	}
	if v := strings.TrimSpace(getenv("ADVOCATE_PDF_RENDERS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1024 {
			return fmt.Errorf("ADVOCATE_PDF_RENDERS=%q: want how many PDFs to render at once (0: half the CPUs)", v)
		}
		p.PDFRenders = n
	}
	return nil
}
