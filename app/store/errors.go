package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/ncruces/go-sqlite3"
	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// msgs are the user-facing messages for the failures a call expects; empty
// ones fall back to generic wording. They never contain SQL or values.
type msgs struct {
	notFound string // no such row
	conflict string // unique constraint
	missing  string // foreign key: the row refers to something absent
}

// mapErr turns a driver or gorm error into an *app.Error where the cause is
// one the caller can act on (not found, conflict, busy), and otherwise wraps
// it with op for the logs. The original error stays in the chain.
func mapErr(err error, op string, m msgs) error {
	if err == nil {
		return nil
	}
	var ae *app.Error
	if errors.As(err, &ae) {
		return err
	}
	wrapped := fmt.Errorf("store: %s: %w", op, err)
	pick := func(s, def string) string {
		if s != "" {
			return s
		}
		return def
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return app.WrapError(app.ENOTFOUND, wrapped, "%s", pick(m.notFound, "Not found."))
	case isUnique(err):
		return app.WrapError(app.ECONFLICT, wrapped, "%s", pick(m.conflict, "This conflicts with something already saved."))
	case isForeignKey(err):
		return app.WrapError(app.ENOTFOUND, wrapped, "%s", pick(m.missing, "It refers to something that does not exist."))
	case isBadText(err):
		return app.WrapError(app.EINVALID, wrapped, "The text contains characters that are not allowed (such as NUL or invalid UTF-8).")
	case errors.Is(err, context.DeadlineExceeded):
		// The request's deadline (web's DBTimeout) passed: most often a
		// database that stopped answering.
		return app.WrapError(app.EUNAVAILABLE, wrapped, "The service is temporarily unavailable: the database did not answer in time. Please try again in a moment.")
	case errors.Is(err, context.Canceled), isBusy(err):
		return app.WrapError(app.EUNAVAILABLE, wrapped, "The database is busy. Please try again.")
	case isUnreachable(err):
		return app.WrapError(app.EUNAVAILABLE, wrapped, "The database is not reachable. Please try again in a few minutes.")
	}
	return wrapped
}

func isUnique(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) ||
		errors.Is(err, sqlite3.CONSTRAINT_UNIQUE) || errors.Is(err, sqlite3.CONSTRAINT_PRIMARYKEY) {
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func isForeignKey(err error) bool {
	if errors.Is(err, gorm.ErrForeignKeyViolated) || errors.Is(err, sqlite3.CONSTRAINT_FOREIGNKEY) {
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

func isBusy(err error) bool {
	if errors.Is(err, sqlite3.BUSY) || errors.Is(err, sqlite3.LOCKED) {
		return true
	}
	var pe *pgconn.PgError
	// serialization_failure, deadlock_detected, lock_not_available
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "55P03")
}

// isBadText reports text PostgreSQL refuses to store or compare: a NUL
// character or invalid UTF-8 (character_not_in_repertoire), or a \u0000
// escape in JSON (untranslatable_character). Such input comes from a
// client, so it is the client's error, not the server's.
func isBadText(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "22021" || pe.Code == "22P05")
}

// isUnreachable reports a refused, lost or timed-out connection to the
// database server (it is down, restarting or cut off): the same request may
// succeed once it is back.
func isUnreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var pe *pgconn.PgError
	// connection_exception (08xxx), admin_shutdown, crash_shutdown,
	// cannot_connect_now (starting up)
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03")
}
