package store_test

import (
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app/store"
)

// The package doc lists every exported method of each type, one line each:
// a method added, renamed or moved to another aggregate must be listed
// where it now is.
func TestDocListsTheExportedSurface(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`^(\w+)[ ,].*:$`)
	item := regexp.MustCompile(`^ {2}- (\w+): \S`)
	listed := map[string][]string{}
	section := ""
	for _, line := range strings.Split(f.Doc.Text(), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			section = m[1]
			listed[section] = []string{}
		} else if m := item.FindStringSubmatch(line); m != nil && section != "" {
			listed[section] = append(listed[section], m[1])
		}
	}
	types := map[string]reflect.Type{}
	db := reflect.TypeOf(store.DB{})
	types["DB"] = reflect.PointerTo(db)
	for i := range db.NumField() {
		if fd := db.Field(i); fd.IsExported() && !fd.Anonymous {
			types[fd.Name] = fd.Type
		}
	}
	for name, typ := range types {
		var have []string
		for i := range typ.NumMethod() {
			have = append(have, typ.Method(i).Name)
		}
		want := slices.Sorted(slices.Values(listed[name]))
		if !slices.Equal(have, want) {
			t.Errorf("%s: the doc lists %v, the type has %v", name, want, have)
		}
	}
	for name := range listed {
		if types[name] == nil {
			t.Errorf("the doc lists %s, which is not the DB or one of its aggregates", name)
		}
	}
}
