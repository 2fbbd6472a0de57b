package letter

import (
	"container/list"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
)

// MaxSubjectLen is the longest subject, in characters, both for the template
// and for the rendered line.
const MaxSubjectLen = 300

// DefaultCacheSize is how many compiled template versions a Renderer keeps.
const DefaultCacheSize = 256

// Options configure a Renderer. Zero values take the defaults.
type Options struct {
	// MaxOutput bounds each rendered subject and body, in bytes
	// (DefaultMaxOutput when 0).
	MaxOutput int
	// CacheSize bounds the compiled templates kept (DefaultCacheSize when 0).
	CacheSize int
}

// Renderer validates template versions and renders letters from them. It
// keeps recently compiled versions, because every submission renders one
// letter per target and versions never change. Safe for concurrent use.
type Renderer struct {
	opts  Options
	mu    sync.Mutex
	cache map[cacheKey]*list.Element
	lru   *list.List // of *compiled, most recent first
}

// cacheKey names a compiled version. The fact keys are part of it because a
// template compiled against one set of facts may not be valid for another.
type cacheKey struct {
	id    int64
	facts string
}

type compiled struct {
	key           cacheKey
	subject, body *Template
}

// NewRenderer returns a Renderer with an empty cache.
func NewRenderer(opts Options) *Renderer {
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = DefaultMaxOutput
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	return &Renderer{opts: opts, cache: map[cacheKey]*list.Element{}, lru: list.New()}
}

// Validate checks a template version before it is saved: a one-line subject
// of at most MaxSubjectLen characters, a body, and both compiling against the
// campaign's merge fields. It returns an EINVALID *app.Error whose Fields hold
// "subject" and "body" messages; when templates fail to compile, the
// CompileErrors (with line and column) are reachable with errors.As.
func (r *Renderer) Validate(tv app.TemplateVersion, c *app.Campaign) error {
	fields := Fields(c)
	fe := app.FieldErrors{}
	var all CompileErrors
	var subj, body *Template
	if tv.Kind != "" && !tv.Kind.Valid() {
		fe.Add("kind", "unknown recipient kind")
	}
	switch s := tv.Subject; {
	case strings.TrimSpace(s) == "":
		fe.Add("subject", "a subject is required")
	case strings.ContainsAny(s, "\r\n"):
		fe.Add("subject", "the subject must be a single line")
	case utf8.RuneCountInString(s) > MaxSubjectLen:
		fe.Add("subject", fmt.Sprintf("keep the subject to %d characters or fewer", MaxSubjectLen))
	default:
		t, err := Compile("subject", s, fields)
		if err != nil {
			all = appendCompileErrors(all, err)
		}
		subj = t
	}
	if strings.TrimSpace(tv.Body) == "" {
		fe.Add("body", "the letter text is required")
	} else {
		t, err := Compile("body", tv.Body, fields)
		if err != nil {
			all = appendCompileErrors(all, err)
		}
		body = t
	}
	for k, v := range fieldMessages(all) {
		fe.Add(k, v)
	}
	if subj != nil && body != nil {
		// A trial run with example values and the longest personal message
		// a supporter may write catches templates that repeat long fields so
		// often that real letters would hit the limit at submission time.
		d := ExampleData(fields)
		d.Set("personal_message", strings.Repeat("x", app.MaxPersonalMessageLen))
		if _, err := body.RenderLimit(d, r.opts.MaxOutput); err != nil {
			fe.Add("body", fmt.Sprintf("with a %d-character personal message the letter would be longer than %d bytes; repeat long fields less often",
				app.MaxPersonalMessageLen, r.opts.MaxOutput))
		}
	}
	if len(fe) == 0 {
		return nil
	}
	e := &app.Error{Code: app.EINVALID, Message: "The letter template has errors.", Fields: fe}
	if len(all) > 0 {
		e.Err = all
	}
	return e
}

func appendCompileErrors(all CompileErrors, err error) CompileErrors {
	var ces CompileErrors
	if errors.As(err, &ces) {
		return append(all, ces...)
	}
	return append(all, CompileError{Line: 1, Col: 1, Msg: err.Error()})
}

// fieldMessages groups compile errors by template name for form display.
func fieldMessages(ces CompileErrors) map[string]string {
	out := map[string]string{}
	for _, e := range ces {
		name := e.Name
		if name == "" {
			name = "template"
		}
		msg := fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
		if prev, ok := out[name]; ok {
			msg = prev + "; " + msg
		}
		out[name] = msg
	}
	return out
}

// Render makes the subject and body of one letter. The subject is folded to
// one line of at most MaxSubjectLen characters, so no merge value can break
// an email header; the body loses leading blank lines and trailing white
// space. Errors are *app.Error: EINVALID when the version no longer compiles
// (say, a fact it uses was removed), ETOOLARGE when the output limit is hit.
// Versions are immutable, so the cache trusts tv.ID (with the campaign's
// fact keys); a version with ID 0 (an unsaved preview) is compiled but not
// cached.
func (r *Renderer) Render(tv app.TemplateVersion, c *app.Campaign, t app.Target, s app.Supporter, personalMessage string, date time.Time) (subject, body string, err error) {
	return r.RenderData(tv, c, NewData(c, t, s, personalMessage, date))
}

// RenderData is Render with the merge values already gathered (NewData, or
// NewLetterBase and ForTarget for several letters of one supporter).
func (r *Renderer) RenderData(tv app.TemplateVersion, c *app.Campaign, d Data) (subject, body string, err error) {
	ct, err := r.compiled(tv, c)
	if err != nil {
		return "", "", AsAppError(err)
	}
	subject, err = ct.subject.RenderLimit(d, r.opts.MaxOutput)
	if err != nil {
		return "", "", AsAppError(err)
	}
	body, err = ct.body.RenderLimit(d, r.opts.MaxOutput)
	if err != nil {
		return "", "", AsAppError(err)
	}
	return oneLine(subject, MaxSubjectLen), strings.TrimLeft(strings.TrimRight(body, " \t\r\n"), "\r\n"), nil
}

// compiled returns the compiled subject and body of tv for c's fields, from
// the cache when possible.
func (r *Renderer) compiled(tv app.TemplateVersion, c *app.Campaign) (*compiled, error) {
	var key cacheKey
	if tv.ID != 0 {
		key = cacheKey{id: tv.ID, facts: factKeys(c)}
		r.mu.Lock()
		if el, ok := r.cache[key]; ok {
			r.lru.MoveToFront(el)
			ct := el.Value.(*compiled)
			r.mu.Unlock()
			return ct, nil
		}
		r.mu.Unlock()
	}
	fields := Fields(c)
	subj, err1 := Compile("subject", tv.Subject, fields)
	body, err2 := Compile("body", tv.Body, fields)
	if err1 != nil || err2 != nil {
		var all CompileErrors
		for _, e := range []error{err1, err2} {
			if e != nil {
				all = appendCompileErrors(all, e)
			}
		}
		return nil, fmt.Errorf("template version %d: %w", tv.ID, all)
	}
	ct := &compiled{key: key, subject: subj, body: body}
	if tv.ID == 0 {
		return ct, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.cache[key]; ok { // compiled concurrently by another caller
		r.lru.MoveToFront(el)
		return el.Value.(*compiled), nil
	}
	r.cache[key] = r.lru.PushFront(ct)
	for r.lru.Len() > r.opts.CacheSize {
		old := r.lru.Remove(r.lru.Back()).(*compiled)
		delete(r.cache, old.key)
	}
	return ct, nil
}

// factKeys lists c's fact keys in order, as one string for the cache key.
func factKeys(c *app.Campaign) string {
	if c == nil || len(c.Facts) == 0 {
		return ""
	}
	var buf [16]string
	keys := buf[:0]
	for k := range c.Facts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, "\x00")
}

// oneLine folds all white space (line breaks included) to single spaces and
// cuts the result to at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > n {
		s = strings.TrimSpace(clip(s, n))
	}
	return s
}
