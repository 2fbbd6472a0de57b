package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/config"
)

func TestLoadProtect(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Protect
	if p.DBTimeout != 5*time.Second || p.PDFCacheBytes != 64<<20 || p.PDFRenders != 0 ||
		p.DownloadPerMinute != 60 || p.DownloadBurst != 60 || p.DownloadTokenPerMinute != 20 || p.DownloadTokenBurst != 30 {
		t.Fatalf("defaults: %+v", p)
	}
	c, err = config.Load(env(map[string]string{"ADVOCATE_DB_TIMEOUT": "2s", "ADVOCATE_PDF_CACHE_BYTES": "0",
		"ADVOCATE_PDF_RENDERS": "3", "ADVOCATE_DOWNLOAD_RATE": "0", "ADVOCATE_DOWNLOAD_TOKEN_RATE": "5",
		"ADVOCATE_DOWNLOAD_TOKEN_BURST": "7"}))
	if err != nil {
		t.Fatal(err)
	}
	p = c.Protect
	if p.DBTimeout != 2*time.Second || p.PDFCacheBytes != 0 || p.PDFRenders != 3 || p.DownloadPerMinute != 0 ||
		p.DownloadTokenPerMinute != 5 || p.DownloadTokenBurst != 7 {
		t.Fatalf("set: %+v", p)
	}
	for name, bad := range map[string]string{
		"ADVOCATE_DB_TIMEOUT":           "forever",
		"ADVOCATE_PDF_CACHE_BYTES":      "64MB",
		"ADVOCATE_PDF_RENDERS":          "-1",
		"ADVOCATE_DOWNLOAD_RATE":        "-2",
		"ADVOCATE_DOWNLOAD_TOKEN_BURST": "0",
	} {
		_, err := config.Load(env(map[string]string{name: bad}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v", name, bad, err)
		}
	}
	if _, err := config.Load(env(map[string]string{"ADVOCATE_DB_TIMEOUT": "10ms"})); err == nil {
		t.Error("a 10 ms database deadline was accepted")
	}
}
