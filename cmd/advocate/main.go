// Command advocate runs the Advocate web app and its maintenance commands.
// main only calls run, so the whole program can be driven from tests.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // letters are dated in a US time zone even where the OS has no zone files
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `Advocate: letters from supporters to Congress and the government.

Usage:
  advocate serve [--addr host:port]        start the web app (migrates, loads or fetches the roster)
  advocate migrate                         apply database migrations
  advocate data import --dir DIR           import a roster folder laid out like the public data
  advocate data fetch [--dir DIR] [--no-import]
                                           download the public roster data, then import it
  advocate lookup --zip ZIP [--state ST] [--lat N --lon N] [--json]
                                           who represents this place
  advocate user add|list|disable|enable|set-password|role|grants|approve|refuse ...
                                           accounts for organizers, staff and admins
  advocate token create|list|revoke ...    API tokens for scripts
  advocate bench load [--clients 64] [--duration 10s] [--db DSN] [--flood N] ...
                                           load test on loopback: throughput and latency
  advocate bench pdf [--flood 16] [--duration 10s] [--roster DIR]
                                           one PDF flooded: the campaign page's latency without and with the download protections
  advocate outbox status|flush|retry [--id N,...]
                                           the email outbox: counts, send what is due, retry dead emails
  advocate packets --campaign SLUG --out DIR --with-personal-data [--volume 500]
                                           one PDF per office with all its letters, for hand delivery (audit-logged)
  advocate cwc export --campaign SLUG --out DIR --with-personal-data [--prefix Ms.] [--send]
                                           CWC 2.0 XML of letters to Representatives (and post them; audit-logged)
  advocate export --campaign SLUG [--what totals|targets|states|districts|days|deliveries|letters]
                 [--format csv|json] [--from DAY --to DAY --state ST --target KEY --channel CH]
                 [--out FILE] [--with-personal-data]
                                           outreach totals or the letters list (audit-logged)
  advocate stats show|rebuild [--check]|bench --campaign SLUG
                                           outreach totals; recount the rollups; time dashboard loads
  advocate demo seed [--letters 10000] [--campaign demo] [--days 60]
                                           fill a closed campaign with generated supporters (never sent)
  advocate purge [--dry-run]               erase supporter data past each campaign's retention period
  advocate supporter export|erase --email E ...
                                           a supporter's data: export as JSON, or erase on request
  advocate help                            this text

Settings come from ADVOCATE_* environment variables (see README.md):
  ADVOCATE_DB (SQLite file or postgres:// URL), ADVOCATE_ADDR, ADVOCATE_DATA_DIR, ...
`

// exitError carries an exit code through run.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}
