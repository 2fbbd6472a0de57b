package letter

import "strings"

// Render produces the text for one letter with the default output limit.
func (t *Template) Render(d Data) (string, error) {
	return t.RenderLimit(d, DefaultMaxOutput)
}

// RenderLimit produces the text for one letter, failing with an
// *OutputLimitError once the text would exceed limit bytes (limit <= 0 means
// DefaultMaxOutput). Every node is visited at most once, so the work is linear
// in the template size and bounded by the limit.
func (t *Template) RenderLimit(d Data, limit int) (string, error) {
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	w := writer{limit: limit, d: &d}
	w.b.Grow(min(t.textLen+24*t.outputs, limit))
	if err := w.nodes(t.nodes); err != nil {
		return "", err
	}
	return w.b.String(), nil
}

type writer struct {
	b     strings.Builder
	limit int
	d     *Data
}

func (w *writer) write(s string) error {
	if w.b.Len()+len(s) > w.limit {
		return &OutputLimitError{Limit: w.limit}
	}
	w.b.WriteString(s)
	return nil
}

func (w *writer) nodes(ns []node) error {
	for i := range ns {
		n := &ns[i]
		switch n.kind {
		case nodeText:
			if err := w.write(n.text); err != nil {
				return err
			}
		case nodeOutput:
			v := w.d.get(&n.ref).s
			if len(v) > w.limit { // do not transform text that cannot fit anyway
				return &OutputLimitError{Limit: w.limit}
			}
			for _, f := range n.filters {
				switch f.op {
				case filterUpper:
					v = strings.ToUpper(v)
				case filterLower:
					v = strings.ToLower(v)
				case filterDefault:
					if v == "" {
						v = f.arg
					}
				}
			}
			if err := w.write(v); err != nil {
				return err
			}
		case nodeIf:
			for j := range n.branches {
				br := &n.branches[j]
				if br.cond == nil || eval(br.cond, w.d) {
					if err := w.nodes(br.body); err != nil {
						return err
					}
					break
				}
			}
		}
	}
	return nil
}

// eval decides a condition: a text field is true when it is not empty.
func eval(e *expr, d *Data) bool {
	switch e.op {
	case exprField:
		v := d.get(&e.ref)
		if e.ref.kind == KindBool {
			return v.b
		}
		return v.s != ""
	case exprEq:
		return d.get(&e.ref).s == e.lit
	case exprNe:
		return d.get(&e.ref).s != e.lit
	case exprNot:
		return !eval(e.args[0], d)
	case exprAnd:
		for _, a := range e.args {
			if !eval(a, d) {
				return false
			}
		}
		return true
	case exprOr:
		for _, a := range e.args {
			if eval(a, d) {
				return true
			}
		}
		return false
	}
	return false
}
