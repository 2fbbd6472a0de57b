package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"unsafe"

	"github.com/jung-kurt/gofpdf"
)

// gofpdf v1.16.2 (archived, so it will not change under us) spends most of a
// letter's time in AddUTF8FontFromBytes: it parses the whole font and then
// derives the font's resource name by JSON-encoding a 65,536-entry width table
// and hashing it — about 1.5 ms per font, every document, with identical
// results each time. None of that work depends on the document.
//
// An injector lets New parse each font once in a prototype document and then
// give every new document its own font entry built from the prototype:
//
//   - shared read-only: the metrics, the width table (gofpdf never writes it)
//     and the resource name;
//   - fresh per document: the subsetting state (a new utf8FontFile, which
//     gofpdf resets and rebuilds from the bytes when it writes the subset),
//     a private copy of the font bytes (gofpdf's checksum code appends
//     padding into the slice it was given, which is the data race seen when
//     goroutines share font bytes), and the map of runes used.
//
// That is exactly what AddUTF8FontFromBytes would have produced, so the
// output is byte-identical (tested). The fields are unexported, hence
// reflect+unsafe; newInjector checks every name and type it relies on and
// returns an error when gofpdf's layout differs, in which case the Maker
// quietly falls back to calling AddUTF8FontFromBytes for each document.
type injector struct {
	fontsIdx     []int        // Fpdf.fonts: map[string]fontDefType
	defType      reflect.Type // fontDefType
	utf8FileIdx  int          // fontDefType.utf8File: *utf8FontFile
	usedRunesIdx int          // fontDefType.usedRunes: map[int]int
	fileType     reflect.Type // utf8FontFile
	readerIdx    int          // utf8FontFile.fileReader: *fileReader
	readerType   reflect.Type // fileReader
	arrayIdx     int          // fileReader.array: []byte
}

// newInjector inspects gofpdf's types and reports whether the fast path can
// be used with this build of the library.
func newInjector() (*injector, error) {
	const pkg = "github.com/jung-kurt/gofpdf"
	in := &injector{}
	fpdfType := reflect.TypeOf(gofpdf.Fpdf{})
	fonts, ok := fpdfType.FieldByName("fonts")
	if !ok || fonts.Type.Kind() != reflect.Map || fonts.Type.Key().Kind() != reflect.String {
		return nil, fmt.Errorf("gofpdf: Fpdf.fonts is not a map[string]T")
	}
	in.fontsIdx = fonts.Index
	in.defType = fonts.Type.Elem()
	if in.defType.Kind() != reflect.Struct || in.defType.Name() != "fontDefType" || in.defType.PkgPath() != pkg {
		return nil, fmt.Errorf("gofpdf: unexpected font definition type %v", in.defType)
	}
	want := func(t reflect.Type, name string, kind reflect.Kind) (reflect.StructField, error) {
		f, ok := t.FieldByName(name)
		if !ok || f.Type.Kind() != kind || len(f.Index) != 1 {
			return f, fmt.Errorf("gofpdf: %s.%s missing or not a %v", t.Name(), name, kind)
		}
		return f, nil
	}
	// Fields the fast path shares or relies on, checked so that a different
	// gofpdf build is detected rather than misused.
	for _, c := range []struct {
		name string
		kind reflect.Kind
	}{{"Tp", reflect.String}, {"Name", reflect.String}, {"Cw", reflect.Slice}, {"i", reflect.String}} {
		if _, err := want(in.defType, c.name, c.kind); err != nil {
			return nil, err
		}
	}
	f, err := want(in.defType, "utf8File", reflect.Pointer)
	if err != nil {
		return nil, err
	}
	in.utf8FileIdx = f.Index[0]
	in.fileType = f.Type.Elem()
	if in.fileType.Name() != "utf8FontFile" || in.fileType.PkgPath() != pkg {
		return nil, fmt.Errorf("gofpdf: unexpected UTF-8 font type %v", in.fileType)
	}
	f, err = want(in.defType, "usedRunes", reflect.Map)
	if err != nil {
		return nil, err
	}
	if f.Type != reflect.TypeOf(map[int]int(nil)) {
		return nil, fmt.Errorf("gofpdf: usedRunes is %v", f.Type)
	}
	in.usedRunesIdx = f.Index[0]
	f, err = want(in.fileType, "fileReader", reflect.Pointer)
	if err != nil {
		return nil, err
	}
	in.readerIdx = f.Index[0]
	in.readerType = f.Type.Elem()
	if in.readerType.Name() != "fileReader" || in.readerType.PkgPath() != pkg {
		return nil, fmt.Errorf("gofpdf: unexpected font reader type %v", in.readerType)
	}
	f, err = want(in.readerType, "array", reflect.Slice)
	if err != nil {
		return nil, err
	}
	if f.Type != reflect.TypeOf([]byte(nil)) {
		return nil, fmt.Errorf("gofpdf: fileReader.array is %v", f.Type)
	}
	in.arrayIdx = f.Index[0]
	if _, err := want(in.readerType, "readerPosition", reflect.Int64); err != nil {
		return nil, err
	}
	return in, nil
}

// fontMap returns doc's font map as a writable reflect.Value.
func (in *injector) fontMap(doc *gofpdf.Fpdf) reflect.Value {
	return writable(reflect.ValueOf(doc).Elem().FieldByIndex(in.fontsIdx))
}

// prototype is the part of a parsed font that documents may share.
type prototype struct {
	key   string        // font key in Fpdf.fonts ("go", "gob")
	def   reflect.Value // fontDefType as parsed by gofpdf; never modified
	runes map[int]int   // initial usedRunes; copied per document
}

// capture takes the font entry that AddUTF8FontFromBytes just added to the
// prototype document proto.
func (in *injector) capture(proto *gofpdf.Fpdf, key string) (prototype, error) {
	def := in.fontMap(proto).MapIndex(reflect.ValueOf(key))
	if !def.IsValid() {
		return prototype{}, fmt.Errorf("gofpdf: font %q was not registered", key)
	}
	// An addressable copy, detached from the prototype document's map.
	own := reflect.New(in.defType).Elem()
	own.Set(def)
	if own.FieldByName("Tp").String() != "UTF8" || own.Field(in.utf8FileIdx).IsNil() {
		return prototype{}, fmt.Errorf("gofpdf: font %q is not a UTF-8 font", key)
	}
	runes, _ := writable(own.Field(in.usedRunesIdx)).Interface().(map[int]int)
	if runes == nil {
		return prototype{}, fmt.Errorf("gofpdf: font %q has no rune map", key)
	}
	return prototype{key: key, def: own, runes: maps.Clone(runes)}, nil
}

// attach registers p in doc with its own font bytes and subsetting state.
func (in *injector) attach(doc *gofpdf.Fpdf, p prototype, ttf []byte) {
	reader := reflect.New(in.readerType)
	writable(reader.Elem().Field(in.arrayIdx)).Set(reflect.ValueOf(ttf))
	file := reflect.New(in.fileType)
	writable(file.Elem().Field(in.readerIdx)).Set(reader)

	def := reflect.New(in.defType).Elem()
	def.Set(p.def)
	writable(def.Field(in.utf8FileIdx)).Set(file)
	writable(def.Field(in.usedRunesIdx)).Set(reflect.ValueOf(maps.Clone(p.runes)))
	in.fontMap(doc).SetMapIndex(reflect.ValueOf(p.key), def)
}

// trimFont returns f cut down to the characters it covers (which loadFace
// has limited to printable ones), with the same outlines, metrics and names,
// made by gofpdf's own subsetter (utf8FontFile.GenerateCutFont, the code that
// subsets every document's font). The result is checked to cover exactly
// what f covers with the same widths; an error means f is to be used as it
// is.
func trimFont(f *face) (*face, error) {
	in, err := newInjector()
	if err != nil {
		return nil, err
	}
	proto := gofpdf.New("P", "pt", "Letter", "")
	var cut []byte
	var bad error
	err = safely(func() {
		proto.AddUTF8FontFromBytes(f.family, f.style, bytes.Clone(f.ttf))
		def := in.fontMap(proto).MapIndex(reflect.ValueOf(strings.ToLower(f.family) + f.style))
		if !def.IsValid() {
			bad = errors.New("gofpdf: font was not registered")
			return
		}
		own := reflect.New(in.defType).Elem()
		own.Set(def)
		gen := writable(own.Field(in.utf8FileIdx)).MethodByName("GenerateCutFont")
		want := reflect.TypeOf(func(map[int]int) []byte { return nil })
		if !gen.IsValid() || gen.Type() != want {
			bad = errors.New("gofpdf: no GenerateCutFont(map[int]int) []byte")
			return
		}
		runes := map[int]int{}
		for r := rune(0x20); r < 0x10000; r++ {
			if f.covered.has(r) {
				runes[int(r)] = int(r)
			}
		}
		cut = bytes.Clone(gen.Call([]reflect.Value{reflect.ValueOf(runes)})[0].Bytes())
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, err
	}
	if proto.Err() {
		return nil, proto.Error()
	}
	t, err := loadFace(cut, f.style)
	if err != nil {
		return nil, fmt.Errorf("trimmed font: %w", err)
	}
	if t.covered != f.covered {
		return nil, errors.New("trimmed font covers other characters")
	}
	for r := rune(0x20); r < 0x10000; r++ {
		if f.covered.has(r) && t.widths[r] != f.widths[r] {
			return nil, fmt.Errorf("trimmed font: width of %U changed", r)
		}
	}
	return t, nil
}

// writable lifts the read-only flag reflect puts on unexported fields. v must
// be addressable.
func writable(v reflect.Value) reflect.Value {
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}
