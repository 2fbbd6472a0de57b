// Package congress turns the roster's published datasets into an app.Roster
// and keeps local copies of them fresh.
//
// The roster comes from several independent public sources
// (unitedstates/congress-legislators, a ZCTA→district crosswalk, Census
// district boundaries) plus a hand-kept commissions file. Each has its own
// format and its own known bad rows, so every reader here is strict about
// structure (a malformed file aborts the import with a "file:line:col"
// message, and the caller keeps the roster it already has) but lenient about
// content it cannot judge: odd values are kept as published and surfaced as
// Report warnings rather than "fixed".
//
// ImportDir reads a folder laid out like the shared data folder; the Read*
// functions read one file each from an io.Reader; Fetcher downloads fresh
// copies and replaces a local file only after the new one parses.
package congress
