package mail

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
)

// SendError is a failed send, classified so that the outbox knows whether
// to try again.
type SendError struct {
	Op string // "connect", "starttls", "auth", "mail from", "rcpt to", "data", "compose"...
	// Code is the SMTP reply code when the server answered (0 otherwise).
	Code int
	// Temporary failures (4xx replies, timeouts, lost connections, a server
	// refusing our settings) may succeed later; the others (5xx replies
	// to a message, a message that cannot be built) never will.
	Temporary bool
	Err       error
}

func (e *SendError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("%s: server replied %v", e.Op, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Op, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err may go away on a later attempt. Errors
// that are not *SendError count as temporary.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return err != nil
}

// replyCode returns the SMTP reply code inside err, or 0.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// classify turns a net/smtp or network error into a *SendError: reply
// codes 4xx are temporary, 5xx permanent; timeouts, resets and EOF are
// temporary.
func classify(op string, err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	if code := replyCode(err); code != 0 {
		return &SendError{Op: op, Code: code, Temporary: code < 500, Err: err}
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, errCancelled), errors.Is(err, net.ErrClosed):
		return &SendError{Op: op, Temporary: true, Err: err}
	}
	// Anything else (a protocol oddity, a TLS alert) may pass on retry.
	return &SendError{Op: op, Temporary: true, Err: err}
}
