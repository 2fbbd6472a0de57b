package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

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

// TestOpenGivesUpOnASilentPostgres: a server that accepts the TCP
// connection but never answers the start-up message (hung, or a port
// forward to nothing) fails the connection within connect_timeout, the
// default one included, or sooner when the caller's deadline says so.
func TestOpenGivesUpOnASilentPostgres(t *testing.T) {
	t.Setenv("PGCONNECT_TIMEOUT", "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var held []net.Conn
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // open and silent
			mu.Unlock()
		}
	}()
	dsn := "postgres://advocate@" + ln.Addr().String() + "/advocate"
	for _, c := range []struct {
		name    string
		ctx     time.Duration // 0: no deadline
		atLeast time.Duration
		atMost  time.Duration
	}{
		{"the default connect_timeout", 0, 4 * time.Second, 8 * time.Second},
		{"the caller's deadline", time.Second, 900 * time.Millisecond, 3 * time.Second},
	} {
		ctx := context.Background()
		if c.ctx > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.ctx)
			defer cancel()
		}
		start := time.Now()
		db, err := Open(ctx, Options{DSN: dsn})
		took := time.Since(start)
		if err == nil {
			db.Close()
			t.Fatalf("%s: opened a server that never answers", c.name)
		}
		if app.ErrorCodeOf(err) != app.EUNAVAILABLE || took < c.atLeast || took > c.atMost {
			t.Errorf("%s: %s after %s: %v", c.name, app.ErrorCodeOf(err), took.Round(time.Millisecond), err)
		}
	}
}
