// Package data embeds Advocate's hand-made seed so that a fresh binary can
// start anywhere, offline, with a working campaign.
package data

import (
	"embed"
	"io/fs"
)

//go:embed seed
var seed embed.FS

// Seed returns the seed folder: roster/ (published formats, read by the
// roster importer) and campaigns/ (campaign definitions).
func Seed() fs.FS {
	sub, err := fs.Sub(seed, "seed")
	if err != nil {
		panic(err) // the embedded folder is fixed at build time
	}
	return sub
}
