package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/advocate-org/advocate/app"
)

// A database that cannot be reached is a temporary outage (503), not a bug.
func TestMapErrUnreachable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for name, err := range map[string]error{
		"refused":       refused,
		"lost":          fmt.Errorf("read: %w", io.ErrUnexpectedEOF),
		"closed":        net.ErrClosed,
		"admin stopped": &pgconn.PgError{Code: "57P01"},
		"starting up":   &pgconn.PgError{Code: "57P03"},
		"connection":    &pgconn.PgError{Code: "08006"},
	} {
		got := mapErr(err, "find", msgs{})
		if app.ErrorCodeOf(got) != app.EUNAVAILABLE || app.ErrorMessageOf(got) != "The database is not reachable. Please try again in a few minutes." {
			t.Errorf("%s: %v -> %s %q", name, err, app.ErrorCodeOf(got), app.ErrorMessageOf(got))
		}
		if !errors.Is(got, err) {
			t.Errorf("%s: the cause is not kept", name)
		}
	}
	for name, err := range map[string]error{
		"syntax":   &pgconn.PgError{Code: "42601"},
		"plain":    errors.New("something else"),
		"deadline": context.DeadlineExceeded,
	} {
		if got := mapErr(err, "find", msgs{}); app.ErrorMessageOf(got) == "The database is not reachable. Please try again in a few minutes." {
			t.Errorf("%s: %v reported as unreachable", name, err)
		}
	}
}

func TestWithConnectTimeout(t *testing.T) {
	t.Setenv("PGCONNECT_TIMEOUT", "")
	for in, want := range map[string]string{
		"postgres://u@h/db":                         "postgres://u@h/db?connect_timeout=5",
		"postgresql://u@h/db?sslmode=disable":       "postgresql://u@h/db?sslmode=disable&connect_timeout=5",
		"postgres://u@h/db?connect_timeout=30":      "postgres://u@h/db?connect_timeout=30",
		"host=db dbname=advocate":                   "host=db dbname=advocate connect_timeout=5",
		"host=db dbname=advocate connect_timeout=1": "host=db dbname=advocate connect_timeout=1",
	} {
		if got := withConnectTimeout(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
	t.Setenv("PGCONNECT_TIMEOUT", "20")
	if got := withConnectTimeout("postgres://u@h/db"); got != "postgres://u@h/db" {
		t.Errorf("PGCONNECT_TIMEOUT is overridden: %q", got)
	}
}
