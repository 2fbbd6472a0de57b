package letter

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits that keep templates from organizers' browsers cheap to compile and
// render.
const (
	MaxTemplateSize  = 50_000  // bytes of template source
	MaxNesting       = 20      // depth of if blocks, and of not/parentheses in a condition
	DefaultMaxOutput = 100_000 // bytes of rendered text
	maxErrors        = 25      // errors reported per compile; the rest only counted
)

// Template is a compiled template, ready to render many times from many
// goroutines; it is never changed after Compile.
type Template struct {
	name    string
	nodes   []node
	textLen int // bytes of literal text, to size the output buffer
	outputs int // number of printed fields
}

// Name is the name given to Compile.
func (t *Template) Name() string { return t.name }

type refSrc uint8

const (
	srcSlot refSrc = iota
	srcFact
	srcExtra
)

// ref is a field resolved at compile time to where Data keeps its value.
type ref struct {
	src  refSrc
	slot int
	key  string
	kind Kind
}

type filterOp uint8

const (
	filterUpper filterOp = iota + 1
	filterLower
	filterDefault
)

type filter struct {
	op  filterOp
	arg string
}

type exprOp uint8

const (
	exprField exprOp = iota + 1
	exprEq
	exprNe
	exprNot
	exprAnd
	exprOr
)

// expr is a condition. and/or keep their operands flat so long chains do not
// deepen recursion; not and parentheses are limited to MaxNesting.
type expr struct {
	op   exprOp
	ref  ref
	lit  string
	args []*expr
}

type nodeKind uint8

const (
	nodeText nodeKind = iota + 1
	nodeOutput
	nodeIf
)

type node struct {
	kind     nodeKind
	text     string
	ref      ref
	filters  []filter
	branches []branch
}

// branch is one arm of an if; cond is nil for else.
type branch struct {
	cond *expr
	body []node
}

// Compile checks src against the merge fields it may use and prepares it for
// rendering. name appears in error messages ("body:3:14: ..."). On failure the
// error is CompileErrors listing every problem found (up to a limit), each
// with line and column.
func Compile(name, src string, fields []Field) (*Template, error) {
	c := &compiler{name: name, src: src}
	if len(src) > MaxTemplateSize {
		c.errorf(0, "the template is too long (%d bytes; the limit is %d)", len(src), MaxTemplateSize)
		return nil, c.result()
	}
	if !utf8.ValidString(src) {
		for i, r := range src {
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(src[i:]); size == 1 {
					c.errorf(i, "the template contains bytes that are not valid UTF-8 text")
					return nil, c.result()
				}
			}
		}
	}
	c.fields = make(map[string]Field, len(fields))
	for _, f := range fields {
		c.fields[f.Path] = f
	}
	items := c.lex()
	trimStandalone(items)
	t := c.parse(items)
	if len(c.errs) > 0 {
		return nil, c.result()
	}
	t.name = name
	return t, nil
}

// compiler holds the state of one Compile call.
type compiler struct {
	name   string
	src    string
	fields map[string]Field
	errs   []posErr
	lines  []int // byte offsets of line starts, built on first error
}

type posErr struct {
	pos int
	msg string
}

func (c *compiler) errorf(pos int, format string, args ...any) {
	c.errs = append(c.errs, posErr{pos, fmt.Sprintf(format, args...)})
}

// position converts a byte offset to a 1-based line and character column.
func (c *compiler) position(off int) (line, col int) {
	if c.lines == nil {
		c.lines = []int{0}
		for i := 0; i < len(c.src); i++ {
			if c.src[i] == '\n' {
				c.lines = append(c.lines, i+1)
			}
		}
	}
	off = min(max(off, 0), len(c.src))
	l := sort.Search(len(c.lines), func(i int) bool { return c.lines[i] > off }) - 1
	return l + 1, utf8.RuneCountInString(c.src[c.lines[l]:off]) + 1
}

func (c *compiler) result() error {
	errs := slices.Clone(c.errs)
	slices.SortStableFunc(errs, func(a, b posErr) int { return a.pos - b.pos })
	n := min(len(errs), maxErrors)
	out := make(CompileErrors, 0, n+1)
	for _, e := range errs[:n] {
		l, col := c.position(e.pos)
		out = append(out, CompileError{Name: c.name, Line: l, Col: col, Msg: e.msg})
	}
	if len(errs) > n {
		l, col := c.position(errs[n].pos)
		out = append(out, CompileError{Name: c.name, Line: l, Col: col,
			Msg: fmt.Sprintf("%d more errors not shown; fix the ones above first", len(errs)-n)})
	}
	return out
}

// ---- lexing -----------------------------------------------------------------

type tagKind uint8

const (
	tagBad tagKind = iota
	tagComment
	tagOutput
	tagIf
	tagElseIf
	tagElse
	tagEnd
)

// standalone reports whether a line holding only such tags is removed.
func (k tagKind) standalone() bool { return k >= tagComment && k != tagOutput }

type tokKind uint8

const (
	tokWord tokKind = iota + 1
	tokString
	tokEq
	tokNe
	tokPipe
	tokLParen
	tokRParen
)

type token struct {
	kind tokKind
	pos  int // byte offset in the source
	val  string
}

func (t token) String() string {
	switch t.kind {
	case tokWord:
		return strconv.Quote(clip(t.val, 60))
	case tokString:
		return "quoted text"
	case tokEq:
		return `"=="`
	case tokNe:
		return `"!="`
	case tokPipe:
		return `"|"`
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	}
	return "?"
}

// item is a run of literal text or one {{ }} tag.
type item struct {
	isTag bool
	pos   int    // byte offset of the text or of "{{"
	end   int    // byte offset just after the item
	text  string // literal text (trimmed by trimStandalone)
	kind  tagKind
	toks  []token // tag tokens after the keyword(s)
	ok    bool    // the tag's tokens lexed cleanly
}

// lex splits the source into text and tags and tokenizes each tag. Tags other
// than comments must close on the line they open, so one broken tag does not
// swallow the rest of the letter and later errors are still found.
func (c *compiler) lex() []item {
	src := c.src
	var items []item
	textStart, i := 0, 0
	flush := func(end int) {
		if end > textStart {
			items = append(items, item{pos: textStart, end: end, text: src[textStart:end]})
		}
	}
	for {
		k := strings.IndexAny(src[i:], "{}")
		if k < 0 {
			break
		}
		p := i + k
		if p+1 >= len(src) || src[p+1] != src[p] {
			i = p + 1
			continue
		}
		if src[p] == '}' {
			c.errorf(p, `unexpected "}}" without an opening "{{"`)
			i = p + 2
			continue
		}
		flush(p)
		it := c.lexTag(p)
		if it.isTag {
			items = append(items, it)
		}
		i, textStart = it.end, it.end
	}
	flush(len(src))
	return items
}

// lexTag reads the tag whose "{{" is at p.
func (c *compiler) lexTag(p int) item {
	src := c.src
	s := p + 2
	q := s
	for q < len(src) && (src[q] == ' ' || src[q] == '\t') {
		q++
	}
	if q < len(src) && src[q] == '#' {
		k := strings.Index(src[q:], "}}")
		if k < 0 {
			c.errorf(p, `unclosed comment: "{{#" needs a closing "}}"`)
			return item{end: len(src)}
		}
		return item{isTag: true, pos: p, end: q + k + 2, kind: tagComment, ok: true}
	}
	for q < len(src) {
		switch ch := src[q]; {
		case ch == '\n':
			c.errorf(p, `unclosed tag: "{{" needs a closing "}}" on the same line`)
			return item{end: q}
		case ch == '"':
			start := q
			q++
			for q < len(src) && src[q] != '"' && src[q] != '\n' {
				if src[q] == '\\' && q+1 < len(src) && src[q+1] != '\n' {
					q++
				}
				q++
			}
			if q >= len(src) || src[q] != '"' {
				c.errorf(start, `unterminated quoted text: add a closing '"'`)
				return item{end: q}
			}
			q++
		case ch == '}' && q+1 < len(src) && src[q+1] == '}':
			it := item{isTag: true, pos: p, end: q + 2}
			if c.rejectUnsupported(src[s:q], s) {
				return it // kind tagBad
			}
			toks, ok := c.tokenize(src[s:q], s)
			c.classify(&it, toks, ok)
			return it
		default:
			q++
		}
	}
	c.errorf(p, `unclosed tag: "{{" needs a closing "}}"`)
	return item{end: len(src)}
}

func isLetter(ch byte) bool { return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' }
func isDigit(ch byte) bool  { return ch >= '0' && ch <= '9' }

// tokenize splits a tag's content; base is its offset in the source. It stops
// at the first error, returning the tokens read so far and false.
func (c *compiler) tokenize(s string, base int) ([]token, bool) {
	var toks []token
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\r':
			i++
		case isLetter(ch):
			j := i + 1
			for j < len(s) && (isLetter(s[j]) || isDigit(s[j]) || s[j] == '.') {
				j++
			}
			w := s[i:j]
			if strings.HasSuffix(w, ".") || strings.Contains(w, "..") {
				c.errorf(base+i, "incomplete field name %q", clip(w, 60))
				return toks, false
			}
			toks = append(toks, token{tokWord, base + i, w})
			i = j
		case isDigit(ch):
			j := i + 1
			for j < len(s) && (isLetter(s[j]) || isDigit(s[j]) || s[j] == '.') {
				j++
			}
			c.errorf(base+i, "unexpected %q: expected a field name such as supporter.first_name (put text in quotes)", clip(s[i:j], 60))
			return toks, false
		case ch == '"':
			var b strings.Builder
			j := i + 1
			for ; s[j] != '"'; j++ { // lexTag guarantees the closing quote
				if s[j] == '\\' {
					j++
					if s[j] != '"' && s[j] != '\\' {
						c.errorf(base+j-1, `unknown escape "\%c" in quoted text (only \" and \\ are allowed)`, s[j])
						return toks, false
					}
				}
				b.WriteByte(s[j])
			}
			toks = append(toks, token{tokString, base + i, b.String()})
			i = j + 1
		case ch == '=' && i+1 < len(s) && s[i+1] == '=':
			toks = append(toks, token{tokEq, base + i, "=="})
			i += 2
		case ch == '!' && i+1 < len(s) && s[i+1] == '=':
			toks = append(toks, token{tokNe, base + i, "!="})
			i += 2
		case ch == '=':
			c.errorf(base+i, `unexpected "=": use "==" to compare; templates cannot assign`)
			return toks, false
		case ch == '!':
			c.errorf(base+i, `unexpected "!": use "not"`)
			return toks, false
		case ch == '|' && i+1 < len(s) && s[i+1] == '|':
			c.errorf(base+i, `unexpected "||": use "or"`)
			return toks, false
		case ch == '&':
			c.errorf(base+i, `unexpected "&": use "and"`)
			return toks, false
		case ch == '|':
			toks = append(toks, token{tokPipe, base + i, "|"})
			i++
		case ch == '(':
			toks = append(toks, token{tokLParen, base + i, "("})
			i++
		case ch == ')':
			toks = append(toks, token{tokRParen, base + i, ")"})
			i++
		case ch == '.':
			c.errorf(base+i, `unexpected ".": field names start with a letter, like supporter.first_name`)
			return toks, false
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			c.errorf(base+i, "unexpected character %q", r)
			return toks, false
		}
	}
	return toks, true
}

// unsupported names features other template languages have and this one
// deliberately lacks, so organizers get a clear answer (read-only).
var unsupported = map[string]string{
	"range": "loops", "for": "loops", "each": "loops", "while": "loops",
	"with": "with blocks", "template": "includes", "include": "includes", "block": "includes",
	"define": "definitions", "call": "calls", "set": "assignment", "let": "assignment",
	"import": "includes", "macro": "definitions", "print": "calls", "printf": "calls",
}

// classify decides what a tag is from its first words and records errors
// for malformed keywords. Tags that are structurally if/else/end keep that
// kind even when broken, so one mistake does not cascade into "unclosed if"
// and "stray end" errors.
func (c *compiler) classify(it *item, toks []token, ok bool) {
	it.ok = ok
	if len(toks) == 0 {
		if ok {
			c.errorf(it.pos, "empty tag: write a field name, like {{ supporter.first_name }}")
		}
		it.kind = tagBad
		return
	}
	first := toks[0]
	if first.kind != tokWord {
		it.kind = tagOutput
		it.toks = toks
		if !ok {
			it.kind = tagBad
		}
		return
	}
	switch first.val {
	case "if":
		it.kind, it.toks = tagIf, toks[1:]
	case "else":
		if len(toks) > 1 && toks[1].kind == tokWord && toks[1].val == "if" {
			it.kind, it.toks = tagElseIf, toks[2:]
			return
		}
		it.kind = tagElse
		if len(toks) > 1 && ok {
			c.errorf(toks[1].pos, `unexpected %s after "else": write {{ else }} or {{ else if condition }}`, toks[1])
		}
	case "end":
		it.kind = tagEnd
		if len(toks) > 1 && ok {
			c.errorf(toks[1].pos, `unexpected %s: {{ end }} takes nothing after it`, toks[1])
		}
	case "endif", "fi", "endfor", "done":
		it.kind = tagEnd
		c.errorf(first.pos, "%q is not a keyword here: close an if with {{ end }}", first.val)
	case "elif", "elseif", "elsif":
		it.kind, it.toks, it.ok = tagElseIf, toks[1:], false
		c.errorf(first.pos, "%q is not a keyword here: write {{ else if condition }}", first.val)
	default:
		it.kind, it.toks = tagOutput, toks
		if !ok {
			it.kind = tagBad
		}
	}
}

// rejectUnsupported reports a tag that starts with a keyword of a richer
// template language (range, call, template...) with that explanation alone,
// before the rest of its content can cause less helpful errors.
func (c *compiler) rejectUnsupported(content string, base int) bool {
	i := 0
	for i < len(content) && (content[i] == ' ' || content[i] == '\t') {
		i++
	}
	j := i
	for j < len(content) && isLetter(content[j]) {
		j++
	}
	w := content[i:j]
	if j < len(content) && (isDigit(content[j]) || content[j] == '.') {
		return false // a longer name, such as a field
	}
	what, bad := unsupported[w]
	if !bad || c.isField(w) {
		return false
	}
	c.errorf(base+i, "%q is not supported: templates have no %s; they can show fields and use if/else/end", w, what)
	return true
}

func (c *compiler) isField(path string) bool {
	_, ok := c.fields[path]
	return ok
}

// trimStandalone removes lines that hold only block tags (if, else if, else,
// end, comments) and white space, together with their line break.
func trimStandalone(items []item) {
	if len(items) == 0 {
		return
	}
	cutStart := make([]int, len(items))
	cutEnd := make([]int, len(items))
	for i := range items {
		cutEnd[i] = len(items[i].text)
	}
	startItem, startOff := 0, 0
	// line examines the line from (startItem, startOff) to the newline at
	// (endItem, endOff); endItem == len(items) means the end of the source.
	line := func(endItem, endOff int) {
		tags := 0
		last := min(endItem, len(items)-1)
		for i := startItem; i <= last; i++ {
			it := &items[i]
			if it.isTag {
				if !it.kind.standalone() {
					return
				}
				tags++
				continue
			}
			from, to := 0, len(it.text)
			if i == startItem {
				from = startOff
			}
			if i == endItem {
				to = endOff
			}
			if strings.Trim(it.text[from:to], " \t\r") != "" {
				return
			}
		}
		if tags == 0 {
			return
		}
		for i := startItem; i <= last; i++ {
			if items[i].isTag {
				continue
			}
			switch {
			case i == startItem && i == endItem: // cannot happen: no tags between
			case i == startItem:
				cutEnd[i] = startOff
			case i == endItem:
				cutStart[i] = endOff + 1
			default:
				cutStart[i], cutEnd[i] = 0, 0
			}
		}
	}
	for i := range items {
		if items[i].isTag {
			continue
		}
		t := items[i].text
		for off := 0; ; {
			k := strings.IndexByte(t[off:], '\n')
			if k < 0 {
				break
			}
			line(i, off+k)
			off += k + 1
			startItem, startOff = i, off
		}
	}
	line(len(items), 0)
	for i := range items {
		if !items[i].isTag {
			items[i].text = items[i].text[cutStart[i]:cutEnd[i]]
		}
	}
}

// ---- parsing ----------------------------------------------------------------

// frame is an if block being built.
type frame struct {
	n       node
	pos     int
	hasElse bool
}

func (c *compiler) parse(items []item) *Template {
	t := &Template{}
	var root []node
	var stack []frame
	body := func() *[]node {
		if len(stack) == 0 {
			return &root
		}
		f := &stack[len(stack)-1]
		return &f.n.branches[len(f.n.branches)-1].body
	}
	tooDeep := false
	for i := range items {
		it := &items[i]
		if !it.isTag {
			if it.text == "" {
				continue
			}
			b := body()
			if n := len(*b); n > 0 && (*b)[n-1].kind == nodeText {
				(*b)[n-1].text += it.text
			} else {
				*b = append(*b, node{kind: nodeText, text: it.text})
			}
			t.textLen += len(it.text)
			continue
		}
		switch it.kind {
		case tagOutput:
			if n, ok := c.parseOutput(it); ok {
				*body() = append(*body(), n)
				t.outputs++
			}
		case tagIf:
			if len(stack) >= MaxNesting && !tooDeep {
				c.errorf(it.pos, "ifs are nested too deeply (more than %d levels)", MaxNesting)
				tooDeep = true
			}
			cond := c.parseCond(it)
			stack = append(stack, frame{n: node{kind: nodeIf, branches: []branch{{cond: cond}}}, pos: it.pos})
		case tagElseIf, tagElse:
			word := `"else"`
			if it.kind == tagElseIf {
				word = `"else if"`
			}
			if len(stack) == 0 {
				c.errorf(it.pos, "%s without an open {{ if }}", word)
				continue
			}
			f := &stack[len(stack)-1]
			if f.hasElse {
				c.errorf(it.pos, `%s after the "else" of this if; "else" must come last`, word)
				continue
			}
			var cond *expr
			if it.kind == tagElseIf {
				cond = c.parseCond(it)
			} else {
				f.hasElse = true
			}
			f.n.branches = append(f.n.branches, branch{cond: cond})
		case tagEnd:
			if len(stack) == 0 {
				c.errorf(it.pos, "{{ end }} without an open {{ if }}")
				continue
			}
			n := stack[len(stack)-1].n
			stack = stack[:len(stack)-1]
			*body() = append(*body(), n)
		}
	}
	for _, f := range stack {
		c.errorf(f.pos, "this {{ if }} is never closed: add {{ end }}")
	}
	t.nodes = root
	return t
}

// parseOutput parses "path | filter | filter ..." in a printing tag.
func (c *compiler) parseOutput(it *item) (node, bool) {
	toks := it.toks
	first := toks[0]
	if first.kind != tokWord {
		c.errorf(first.pos, "unexpected %s: expected a field name such as supporter.first_name", first)
		return node{}, false
	}
	switch first.val {
	case "not", "and", "or":
		c.errorf(first.pos, "%q belongs in a condition: {{ if ... }}", first.val)
		return node{}, false
	}
	if len(toks) > 1 && toks[1].kind == tokLParen {
		c.errorf(toks[1].pos, `unexpected "(": templates have no function calls; put filters after a field, like {{ supporter.first_name | upper }}`)
		return node{}, false
	}
	r, ok := c.resolve(first)
	if !ok {
		return node{}, false
	}
	if r.kind == KindBool {
		c.errorf(first.pos, "%s is a yes/no field and cannot be printed; use it in a condition: {{ if %s }}", first.val, first.val)
		return node{}, false
	}
	n := node{kind: nodeOutput, ref: r}
	for i := 1; i < len(toks); {
		if toks[i].kind != tokPipe {
			c.errorf(toks[i].pos, `unexpected %s after %s: put "|" before a filter`, toks[i], first.val)
			return node{}, false
		}
		i++
		if i >= len(toks) || toks[i].kind != tokWord {
			pos := it.end - 2
			if i < len(toks) {
				pos = toks[i].pos
			}
			c.errorf(pos, `expected a filter name after "|": upper, lower or default "text"`)
			return node{}, false
		}
		name := toks[i]
		i++
		hasArg := i < len(toks) && toks[i].kind == tokString
		switch name.val {
		case "upper", "lower":
			if hasArg {
				c.errorf(toks[i].pos, "the %s filter takes no text", name.val)
				return node{}, false
			}
			op := filterUpper
			if name.val == "lower" {
				op = filterLower
			}
			n.filters = append(n.filters, filter{op: op})
		case "default":
			if !hasArg {
				pos := it.end - 2
				if i < len(toks) {
					pos = toks[i].pos
				}
				c.errorf(pos, `the default filter needs quoted text, like default "a friend"`)
				return node{}, false
			}
			n.filters = append(n.filters, filter{op: filterDefault, arg: toks[i].val})
			i++
		default:
			msg := fmt.Sprintf(`unknown filter %q (use upper, lower or default "text")`, clip(name.val, 60))
			if s := closest(name.val, []string{"upper", "lower", "default"}); s != "" {
				msg = fmt.Sprintf("unknown filter %q (did you mean %s?)", clip(name.val, 60), s)
			}
			c.errorf(name.pos, "%s", msg)
			return node{}, false
		}
	}
	return n, true
}

// parseCond parses the condition of an if or else-if tag. It returns nil
// after recording an error; the template then fails to compile anyway.
func (c *compiler) parseCond(it *item) *expr {
	if !it.ok {
		return nil
	}
	p := &condParser{c: c, toks: it.toks, end: it.end - 2}
	if len(p.toks) == 0 {
		c.errorf(p.end, "expected a condition, like {{ if personal_message }}")
		return nil
	}
	e := p.or()
	if e == nil {
		return nil
	}
	if p.i < len(p.toks) {
		tk := p.toks[p.i]
		msg := fmt.Sprintf("unexpected %s in the condition", tk)
		if tk.kind == tokPipe {
			msg = "filters cannot be used in a condition"
		}
		c.errorf(tk.pos, "%s", msg)
		return nil
	}
	return e
}

type condParser struct {
	c     *compiler
	toks  []token
	i     int
	end   int // offset of "}}", for errors at the end of the tag
	depth int
}

func (p *condParser) peekWord(w string) bool {
	return p.i < len(p.toks) && p.toks[p.i].kind == tokWord && p.toks[p.i].val == w
}

// deeper counts one level of not/parentheses and reports going too deep.
func (p *condParser) deeper(pos int) bool {
	p.depth++
	if p.depth > MaxNesting {
		p.c.errorf(pos, "the condition is nested too deeply (more than %d levels)", MaxNesting)
		return false
	}
	return true
}

func (p *condParser) or() *expr {
	return p.chain("or", exprOr, p.and)
}

func (p *condParser) and() *expr {
	return p.chain("and", exprAnd, p.unary)
}

func (p *condParser) chain(word string, op exprOp, next func() *expr) *expr {
	x := next()
	if x == nil || !p.peekWord(word) {
		return x
	}
	e := &expr{op: op, args: []*expr{x}}
	for p.peekWord(word) {
		p.i++
		y := next()
		if y == nil {
			return nil
		}
		e.args = append(e.args, y)
	}
	return e
}

func (p *condParser) unary() *expr {
	if p.peekWord("not") {
		if !p.deeper(p.toks[p.i].pos) {
			return nil
		}
		p.i++
		x := p.unary()
		p.depth--
		if x == nil {
			return nil
		}
		return &expr{op: exprNot, args: []*expr{x}}
	}
	return p.primary()
}

func (p *condParser) primary() *expr {
	if p.i >= len(p.toks) {
		p.c.errorf(p.end, "the condition ends too early: expected a field name")
		return nil
	}
	tk := p.toks[p.i]
	switch tk.kind {
	case tokLParen:
		if !p.deeper(tk.pos) {
			return nil
		}
		p.i++
		x := p.or()
		if x == nil {
			return nil
		}
		if p.i >= len(p.toks) || p.toks[p.i].kind != tokRParen {
			pos := p.end
			if p.i < len(p.toks) {
				pos = p.toks[p.i].pos
			}
			p.c.errorf(pos, `expected ")" to match the "(" at column %d`, p.col(tk.pos))
			return nil
		}
		p.i++
		p.depth--
		return x
	case tokWord:
		switch tk.val {
		case "and", "or", "not", "if", "else", "end":
			p.c.errorf(tk.pos, "unexpected %q: expected a field name", tk.val)
			return nil
		}
	default:
		p.c.errorf(tk.pos, "unexpected %s: expected a field name", tk)
		return nil
	}
	p.i++
	r, ok := p.c.resolve(tk)
	if !ok {
		return nil
	}
	e := &expr{op: exprField, ref: r}
	if p.i < len(p.toks) && (p.toks[p.i].kind == tokEq || p.toks[p.i].kind == tokNe) {
		optk := p.toks[p.i]
		p.i++
		if r.kind == KindBool {
			p.c.errorf(optk.pos, "%s is a yes/no field and cannot be compared to text; use it on its own: {{ if %s }} or {{ if not %s }}", tk.val, tk.val, tk.val)
			return nil
		}
		if p.i >= len(p.toks) || p.toks[p.i].kind != tokString {
			pos := p.end
			if p.i < len(p.toks) {
				pos = p.toks[p.i].pos
			}
			p.c.errorf(pos, `expected quoted text after %s, like "NY"`, optk)
			return nil
		}
		e.op = exprEq
		if optk.kind == tokNe {
			e.op = exprNe
		}
		e.lit = p.toks[p.i].val
		p.i++
	}
	return e
}

func (p *condParser) col(pos int) int {
	_, col := p.c.position(pos)
	return col
}

// resolve finds a field and where Data keeps its value, or records an error.
func (c *compiler) resolve(tk token) (ref, bool) {
	path := tk.val
	f, ok := c.fields[path]
	if !ok {
		c.errorf(tk.pos, "%s", c.unknownField(path))
		return ref{}, false
	}
	r := ref{kind: f.Kind}
	if slot, ok := slotByPath[path]; ok && schema[slot].Kind == f.Kind {
		r.src, r.slot = srcSlot, slot
	} else if key, ok := strings.CutPrefix(path, FactPrefix); ok && f.Kind == KindString {
		r.src, r.key = srcFact, key
	} else {
		r.src, r.key = srcExtra, path
	}
	return r, true
}

// unknownField explains an unknown path and suggests the closest field.
func (c *compiler) unknownField(path string) string {
	q := strconv.Quote(clip(path, 60))
	paths := make([]string, 0, len(c.fields))
	for p := range c.fields {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		if strings.HasPrefix(p, path+".") {
			return fmt.Sprintf("%s is a group of fields, not a field (for example %s)", q, p)
		}
	}
	if s := closest(path, paths); s != "" {
		return fmt.Sprintf("unknown field %s (did you mean %s?)", q, s)
	}
	if _, last, ok := cutLast(path); ok || !strings.Contains(path, ".") {
		if !ok {
			last = path
		}
		for _, p := range paths {
			if _, l, _ := cutLast(p); l == last {
				return fmt.Sprintf("unknown field %s (did you mean %s?)", q, p)
			}
		}
	}
	if key, ok := strings.CutPrefix(path, FactPrefix); ok {
		return fmt.Sprintf("unknown field %s: the campaign has no fact named %q", q, clip(key, 40))
	}
	return fmt.Sprintf("unknown field %s", q)
}

func cutLast(p string) (string, string, bool) {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return "", p, false
	}
	return p[:i], p[i+1:], true
}

// closest returns the candidate nearest to s by edit distance when it is near
// enough to be a likely typo, else "".
func closest(s string, candidates []string) string {
	if len(s) > 64 {
		return ""
	}
	best, bestD := "", max(2, len(s)/5)+1
	for _, c := range candidates {
		if d := editDistance(s, c, bestD); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it is at
// least limit.
func editDistance(a, b string, limit int) int {
	if abs(len(a)-len(b)) >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
