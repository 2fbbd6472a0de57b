// Package app holds Advocate's domain: the types every other package speaks
// (roster, campaigns, supporters, letters, deliveries), their validation, the
// error kinds that the web layer maps to HTTP statuses, and the small
// interfaces that adapters (store, web, outbox) implement or consume.
//
// It imports only the standard library so that every adapter can depend on it
// and it depends on none of them.
package app

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrorCode classifies a failure so that adapters can react without parsing
// messages: the web layer turns it into a status, the CLI into an exit code.
type ErrorCode string

// Error codes. Keep the list short; every code needs a status in app/web.
const (
	EINVALID      ErrorCode = "invalid"      // the caller's input is wrong
	ENOTFOUND     ErrorCode = "not_found"    // the thing asked for does not exist
	ECONFLICT     ErrorCode = "conflict"     // the request clashes with stored state
	EFORBIDDEN    ErrorCode = "forbidden"    // the caller may not do this
	EUNAUTHORIZED ErrorCode = "unauthorized" // the caller is not known
	EUNAVAILABLE  ErrorCode = "unavailable"  // a dependency is down; try later
	ETOOLARGE     ErrorCode = "too_large"    // input exceeds a limit
	ERATELIMIT    ErrorCode = "rate_limited" // too many requests
	EINTERNAL     ErrorCode = "internal"     // a bug or an unexpected failure
)

// Error is a domain error with a message that is safe to show to a user.
// Internal causes are kept in Err for logs and never shown.
type Error struct {
	Code    ErrorCode
	Message string
	// Fields holds per-field messages for EINVALID (form field name -> message).
	Fields map[string]string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(" (")
		for i, k := range keys {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(k + ": " + e.Fields[k])
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted user-facing message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError attaches an internal cause to a user-facing message.
func WrapError(code ErrorCode, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// FieldErrors collects per-field validation messages.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when empty, else an EINVALID *Error carrying the fields.
func (f FieldErrors) Err(message string) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: message, Fields: map[string]string(f)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessageOf returns the user-facing message of err, or a generic one when
// err is not a domain error (internal details are never shown).
func ErrorMessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// ErrorFieldsOf returns per-field messages carried by err, if any.
func ErrorFieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
