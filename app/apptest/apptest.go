// Package apptest gives tests the real dependencies they need (the shared
// public datasets, a throw-away PostgreSQL database) and decides what happens
// when one is missing: a skip with the reason on a developer's laptop, a
// failure in CI (CI=true), where nothing may be skipped.
package apptest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for creating test databases
)

// InCI reports whether the tests run in CI, where missing dependencies fail.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test with reason, or fails it in CI.
func Missing(tb testing.TB, reason string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("required in CI: %s", reason)
	}
	tb.Skipf("skipped: %s", reason)
}

// RepoRoot returns the folder holding go.mod, searching up from the working
// directory (go test runs in the package folder).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// SharedData returns the folder of real public datasets: $ADVOCATE_SHARED_DATA,
// else ../shared/data beside the repository.
func SharedData(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("ADVOCATE_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join(RepoRoot(tb), "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "congress-legislators")); err != nil {
		Missing(tb, "real data not found at "+dir+" (set ADVOCATE_SHARED_DATA)")
	}
	return dir
}

// PostgresURL returns the server URL for Postgres tests:
// $ADVOCATE_TEST_POSTGRES, else postgres://postgres@127.0.0.1:5432/postgres.
func PostgresURL() string {
	if u := os.Getenv("ADVOCATE_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// PostgresDSN creates a uniquely named database for the test, returns its
// URL and drops it when the test ends. Without a reachable server the test is
// skipped (failed in CI).
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		Missing(tb, "PostgreSQL: "+err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		Missing(tb, "PostgreSQL not reachable at "+PostgresURL()+": "+err.Error())
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "advocate_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		tb.Fatalf("ADVOCATE_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
