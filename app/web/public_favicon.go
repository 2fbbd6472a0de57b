package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

// faviconFile is the site's icon in the embedded static files: a PNG,
// which every browser takes at /favicon.ico (where they ask first).
const faviconFile = "favicon.png"

// favicon answers /favicon.ico with the embedded icon. Browsers ask for it
// on every page, so it may be kept for a week; the ETag makes the check
// after that a 304.
type favicon struct {
	data []byte
	etag string
}

func loadFavicon(static fs.FS) (*favicon, error) {
	data, err := fs.ReadFile(static, faviconFile)
	if err != nil {
		return nil, fmt.Errorf("favicon: %w", err)
	}
	sum := sha256.Sum256(data)
	return &favicon{data: data, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
}

func (f *favicon) serve(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=604800")
	h.Set("ETag", f.etag)
	if etagMatches(c.Request().Header.Get("If-None-Match"), f.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "image/png", f.data)
}
