package letter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// CompileError is one problem in a template, placed so the editor can put the
// cursor on it. Line and Col start at 1; Col counts characters (Unicode code
// points), not bytes.
type CompileError struct {
	// Name is the template's name as given to Compile ("subject", "body").
	Name string `json:"name,omitempty"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Msg  string `json:"message"`
}

func (e CompileError) Error() string {
	pos := strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg
	if e.Name != "" {
		return e.Name + ":" + pos
	}
	return pos
}

// CompileErrors is every problem found in one compile (or in the subject and
// body together), in source order. It is never empty when returned as an
// error.
type CompileErrors []CompileError

func (es CompileErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// OutputLimitError reports that a letter would be longer than the renderer
// allows, which stops templates that repeat long fields from producing
// megabytes of text.
type OutputLimitError struct {
	Limit int // bytes
}

func (e *OutputLimitError) Error() string {
	return fmt.Sprintf("the letter would be longer than %d bytes", e.Limit)
}

// AsAppError turns template errors into domain errors the web layer knows:
// CompileErrors become EINVALID with one field message per template name
// (the CompileErrors stay reachable with errors.As for line:column
// highlighting) and an OutputLimitError becomes ETOOLARGE. Other errors are
// returned unchanged.
func AsAppError(err error) error {
	if err == nil {
		return nil
	}
	var ae *app.Error
	if errors.As(err, &ae) {
		return err
	}
	var ces CompileErrors
	if errors.As(err, &ces) {
		fields := map[string]string{}
		for _, e := range ces {
			name := e.Name
			if name == "" {
				name = "template"
			}
			msg := "line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Col) + ": " + e.Msg
			if prev, ok := fields[name]; ok {
				msg = prev + "\n" + msg
			}
			fields[name] = msg
		}
		return &app.Error{Code: app.EINVALID, Message: "The letter template has errors.", Fields: fields, Err: err}
	}
	var ole *OutputLimitError
	if errors.As(err, &ole) {
		return app.WrapError(app.ETOOLARGE, err,
			"The letter would be longer than %d bytes. Shorten the template or repeat long fields less often.", ole.Limit)
	}
	return err
}
