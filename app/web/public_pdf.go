package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

func (s *Server) pdfAll(c echo.Context) error { return s.pdf(c, 0) }

func (s *Server) pdfOne(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound("There is no such letter.")
	}
	return s.pdf(c, id)
}

// pdf answers with the PDF of a submission's letters, made from the stored
// text (so it is always what was recorded) and kept for the next download
// (submit.PDFs). A browser that has it already gets 304.
func (s *Server) pdf(c echo.Context, letterID int64) error {
	ctx := c.Request().Context()
	sub, camp, err := s.submit.FindByToken(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	if at := sub.Supporter.ErasedAt; at != nil {
		return &httpError{status: http.StatusGone, message: "These letters' text was erased with the supporter's data on " +
			at.In(s.opts.Location).Format("January 2, 2006") + ": there is nothing left to download."}
	}
	etag, err := s.pdfs.ETag(sub, letterID)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	// The browser may keep the letters but must ask again each time (so an
	// erasure is seen at once); shared caches never keep them.
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", etag)
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	doc, err := s.pdfs.Get(ctx, sub, letterID)
	if err != nil {
		return err
	}
	name := "letters-" + camp.Slug + ".pdf"
	if letterID != 0 {
		name = "letter-" + camp.Slug + "-" + strconv.FormatInt(letterID, 10) + ".pdf"
	}
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, "application/pdf", doc.Data)
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for this header).
func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == etag {
			return true
		}
	}
	return false
}

// downloadLimiter returns the middleware of the PDF routes: a limit per
// client address (DownloadRate) and one per submission link
// (DownloadTokenRate), so that neither one address nor many addresses
// sharing a link can keep the server printing. Either is off at zero.
func (s *Server) downloadLimiter() echo.MiddlewareFunc {
	const msg = "Too many downloads in a short time. Your letters are safe: please wait a minute and try again."
	deny := func(c echo.Context) error { return &httpError{status: http.StatusTooManyRequests, message: msg} }
	perClient := s.rateLimiter("download:", s.opts.DownloadRate, clientKey, deny)
	perToken := s.rateLimiter("link:", s.opts.DownloadTokenRate, func(c echo.Context) string { return c.Param("token") }, deny)
	return func(next echo.HandlerFunc) echo.HandlerFunc { return perClient(perToken(next)) }
}
