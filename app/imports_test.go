package app_test

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/advocate-org/advocate"

// TestLettersArePrintedWithoutTheSubmissionService keeps dependencies
// pointing inward. The campaign editor's preview, the outbox's attachments
// and the mailed packets print letters; what they print comes from
// app/letter/pdf, and reaching for the supporter journey (app/submit) to
// get an address block ties them to its options and its cache. Test files
// may still use submit to build fixtures: only the packages themselves
// are checked, with everything they import from this module.
func TestLettersArePrintedWithoutTheSubmissionService(t *testing.T) {
	const forbidden = module + "/app/submit"
	for _, pkg := range []string{"app/campaign", "app/outbox", "app/packets"} {
		if path := importChain(t, module+"/"+pkg, forbidden); path != nil {
			t.Errorf("%s imports %s: %s", pkg, forbidden, strings.Join(path, " -> "))
		}
	}
}

// importChain returns how from reaches target through the module's
// packages (their non-test files, under the current build constraints),
// or nil when it does not.
func importChain(t *testing.T, from, target string) []string {
	t.Helper()
	root, err := filepath.Abs("..") // this file is in app/, one below the module root
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(pkg string) []string
	walk = func(pkg string) []string {
		if pkg == target {
			return []string{pkg}
		}
		if seen[pkg] || (pkg != module && !strings.HasPrefix(pkg, module+"/")) {
			return nil
		}
		seen[pkg] = true
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module)))
		p, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("read %s: %v", pkg, err)
		}
		for _, imp := range p.Imports {
			if rest := walk(imp); rest != nil {
				return append([]string{pkg}, rest...)
			}
		}
		return nil
	}
	return walk(from)
}
