package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/submit"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[app.ErrorCode]int{
	app.EINVALID:      http.StatusUnprocessableEntity,
	app.ENOTFOUND:     http.StatusNotFound,
	app.ECONFLICT:     http.StatusConflict,
	app.EFORBIDDEN:    http.StatusForbidden,
	app.EUNAUTHORIZED: http.StatusUnauthorized,
	app.EUNAVAILABLE:  http.StatusServiceUnavailable,
	app.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	app.ERATELIMIT:    http.StatusTooManyRequests,
	app.EINTERNAL:     http.StatusInternalServerError,
}

// httpError is an error that already knows its status (malformed requests
// that never reach a domain service).
type httpError struct {
	status  int
	message string
}

func (e *httpError) Error() string { return e.message }

func errBadRequest(msg string) error { return &httpError{status: http.StatusBadRequest, message: msg} }
func errNotFound(msg string) error   { return &httpError{status: http.StatusNotFound, message: msg} }

// apiError is the JSON error body.
type apiError struct {
	Code       string            `json:"code"`
	Message    string            `json:"message"`
	Fields     map[string]string `json:"fields,omitempty"`
	Candidates []repJSON         `json:"candidates,omitempty"`
}

// classify turns any error into a status, a safe message and field errors.
func classify(err error) (int, apiError) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, apiError{Code: codeForStatus(he.status), Message: he.message}
	}
	var ee *echo.HTTPError
	if errors.As(err, &ee) {
		msg := http.StatusText(ee.Code)
		switch ee.Code {
		case http.StatusRequestEntityTooLarge:
			msg = "The request is too large."
		case http.StatusNotFound:
			msg = "There is nothing at this address."
		case http.StatusMethodNotAllowed:
			msg = "This address does not accept that method."
		}
		return ee.Code, apiError{Code: codeForStatus(ee.Code), Message: msg}
	}
	code := app.ErrorCodeOf(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	ae := apiError{Code: string(code), Message: app.ErrorMessageOf(err), Fields: app.ErrorFieldsOf(err)}
	if cands, ok := submit.IsChoiceError(err); ok {
		for _, r := range cands {
			ae.Candidates = append(ae.Candidates, repOf(r))
		}
	}
	return status, ae
}

func codeForStatus(status int) string {
	for code, s := range statusOf {
		if s == status {
			return string(code)
		}
	}
	if status >= 500 {
		return string(app.EINTERNAL)
	}
	return "bad_request"
}

// deadlineMessage answers a request whose deadline passed.
const deadlineMessage = "The service is temporarily unavailable: the database did not answer in time. Please try again in a moment."

// handleError renders errors as JSON under /api and as a page elsewhere.
// Internal errors are logged with their cause and shown generically.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := classify(err)
	if errors.Is(c.Request().Context().Err(), context.DeadlineExceeded) && (status >= 500 || errors.Is(err, context.DeadlineExceeded)) {
		// The request's deadline (dbDeadline) passed, whatever part gave
		// up first: say what happened, not "internal error".
		s.log.Warn("request deadline passed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		status, body = http.StatusServiceUnavailable, apiError{Code: string(app.EUNAVAILABLE), Message: deadlineMessage}
	} else if errors.Is(c.Request().Context().Err(), context.Canceled) && (errors.Is(err, context.Canceled) || status >= 500) {
		// The client went away; nobody reads the answer and it is no fault.
		// (A query cut short by the cancel may report a closed
		// transaction rather than the cancel itself.)
		s.log.Debug("request abandoned by the client", "method", c.Request().Method, "path", c.Request().URL.Path)
		status = 499
	} else if status >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "5")
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		_ = c.JSON(status, map[string]any{"error": body})
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = s.render(c, status, "error.html", pageData{Title: http.StatusText(status), Error: body.Message, Status: status})
}
