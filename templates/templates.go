// Package templates embeds every template Advocate ships: the web pages,
// static assets and the default letter texts. Pages are parsed once at
// start-up, so a broken template stops the server before it serves.
package templates

import (
	"embed"
	"io/fs"
)

//go:embed pages static letters emails
var files embed.FS

// Pages holds the html/template pages (*.html).
func Pages() fs.FS { return sub("pages") }

// Static holds CSS, JavaScript and images served under /static/.
func Static() fs.FS { return sub("static") }

// Letters holds the default letter texts, one <kind>.txt per target kind.
func Letters() fs.FS { return sub("letters") }

// Emails holds the emails the outbox sends: office.{txt,html} carries a
// letter to an office, copy.{txt,html} the supporter's copy (with the
// confirmation link under double opt-in).
func Emails() fs.FS { return sub("emails") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // fixed at build time
	}
	return f
}
