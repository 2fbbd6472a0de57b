package congress

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// text is a free-text field that upstream sometimes writes as a number
// (an office suite of 2002 in YAML becomes a JSON number). The literal is
// kept as written; objects and lists are still rejected.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		*t = text(b)
	default:
		kind := "object"
		switch b[0] {
		case '[':
			kind = "array"
		case 't', 'f':
			kind = "bool"
		}
		return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeOf(""), Offset: -1}
	}
	return nil
}
