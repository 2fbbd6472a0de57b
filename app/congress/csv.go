package congress

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// csvTable reads a CSV file whose columns are found by header name, so that
// upstream can add or reorder columns without breaking the import, while a
// file without the columns we need (an HTML error page, the wrong file) is
// rejected at line 1.
type csvTable struct {
	name  string
	r     *csv.Reader
	cols  map[string]int
	width int // header fields
	rec   []string
}

func newCSVTable(r io.Reader, name string, comma rune, required ...string) (*csvTable, error) {
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.ReuseRecord = true
	t := &csvTable{name: name, r: cr}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, invalidAt(name, 0, 0, "the file is empty")
	}
	if err != nil {
		return nil, t.readError(err, len(header))
	}
	t.width = len(header)
	t.cols = make(map[string]int, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		h = strings.TrimSpace(h)
		if _, dup := t.cols[h]; !dup {
			t.cols[h] = i
		}
	}
	var missing []string
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, invalidAt(name, 1, 0, "the header lacks column %s (want %s; got %s)",
			strings.Join(missing, ", "), strings.Join(required, ","), quoteShort(strings.Join(header, string(comma))))
	}
	return t, nil
}

// next returns the next record, or io.EOF.
func (t *csvTable) next() error {
	rec, err := t.r.Read()
	if err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return t.readError(err, len(rec))
	}
	t.rec = rec
	return nil
}

func (t *csvTable) readError(err error, fields int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return invalidAt(t.name, pe.Line, 0, "invalid CSV: the row has %d fields, want %d like the header",
				fields, t.width)
		}
		return invalidAt(t.name, pe.Line, pe.Column, "invalid CSV: %s", pe.Err.Error())
	}
	return readFailed(t.name, err)
}

// has reports whether the header has column c.
func (t *csvTable) has(c string) bool {
	_, ok := t.cols[c]
	return ok
}

// get returns column c of the current record ("" when the column is absent).
func (t *csvTable) get(c string) string {
	i, ok := t.cols[c]
	if !ok || i >= len(t.rec) {
		return ""
	}
	return t.rec[i]
}

// errCol returns an error positioned at column c of the current record.
func (t *csvTable) errCol(c string, format string, args ...any) error {
	i, ok := t.cols[c]
	if !ok || i >= len(t.rec) {
		i = 0
	}
	line, col := t.r.FieldPos(i)
	return invalidAt(t.name, line, col, format, args...)
}

// line is the line of the current record.
func (t *csvTable) line() int {
	line, _ := t.r.FieldPos(0)
	return line
}
