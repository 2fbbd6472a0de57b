package campaign

import "strings"

// DiffOp says what happened to a line between two texts.
type DiffOp int

// Line diff operations.
const (
	DiffEqual  DiffOp = iota // the line is in both texts
	DiffDelete               // the line is only in the old text
	DiffInsert               // the line is only in the new text
)

// String names the op for templates and CSS classes.
func (o DiffOp) String() string {
	switch o {
	case DiffDelete:
		return "delete"
	case DiffInsert:
		return "insert"
	}
	return "equal"
}

// DiffLine is one line of a line diff. OldLine and NewLine are 1-based line
// numbers in the old and new text, 0 where the line is absent.
type DiffLine struct {
	Op      DiffOp
	Text    string
	OldLine int
	NewLine int
}

// maxDiffEdits bounds the work of the Myers search. Templates are at most
// 50 KB, but two unrelated ones could still need millions of steps; beyond
// this many differing lines the diff simply replaces the middle block,
// which is what a reader would see anyway.
const maxDiffEdits = 1000

// DiffLines compares two texts line by line and returns the shortest edit
// script as a sequence of lines (Myers' O(ND) algorithm after trimming the
// common head and tail). Line endings are normalised, so a CRLF-only change
// is no change.
func DiffLines(oldText, newText string) []DiffLine {
	a, b := splitLines(oldText), splitLines(newText)
	var out []DiffLine
	// Common head.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	// Common tail.
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	for i := 0; i < pre; i++ {
		out = append(out, DiffLine{Op: DiffEqual, Text: a[i], OldLine: i + 1, NewLine: i + 1})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	for _, l := range myers(ma, mb) {
		if l.OldLine > 0 {
			l.OldLine += pre
		}
		if l.NewLine > 0 {
			l.NewLine += pre
		}
		out = append(out, l)
	}
	for i := 0; i < suf; i++ {
		oi, ni := len(a)-suf+i, len(b)-suf+i
		out = append(out, DiffLine{Op: DiffEqual, Text: a[oi], OldLine: oi + 1, NewLine: ni + 1})
	}
	return out
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// myers returns the edit script from a to b with line numbers relative to
// a and b. It keeps one frontier per edit distance for the backtrack, so
// memory is O(D²) for D differing lines, bounded by maxDiffEdits.
func myers(a, b []string) []DiffLine {
	n, m := len(a), len(b)
	if n == 0 && m == 0 {
		return nil
	}
	maxD := n + m
	if maxD > maxDiffEdits {
		maxD = maxDiffEdits
	}
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := -1
	for d := 0; d <= maxD && found < 0; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: insert b[y]
			} else {
				x = v[off+k-1] + 1 // right: delete a[x]
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
		// Only the diagonals -d..d matter for the backtrack of step d.
		snap := make([]int, 2*d+1)
		copy(snap, v[off-d:off+d+1])
		trace = append(trace, snap)
	}
	if found < 0 {
		return replaceAll(a, b)
	}
	// Backtrack from (n, m) to (0, 0), collecting lines in reverse.
	var rev []DiffLine
	x, y := n, m
	for d := found; d > 0; d-- {
		prev := trace[d-1] // diagonals -(d-1)..(d-1)
		at := func(k int) int { return prev[k+d-1] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, DiffLine{Op: DiffEqual, Text: a[x], OldLine: x + 1, NewLine: y + 1})
		}
		if x == px {
			y--
			rev = append(rev, DiffLine{Op: DiffInsert, Text: b[y], NewLine: y + 1})
		} else {
			x--
			rev = append(rev, DiffLine{Op: DiffDelete, Text: a[x], OldLine: x + 1})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, DiffLine{Op: DiffEqual, Text: a[x], OldLine: x + 1, NewLine: y + 1})
	}
	out := make([]DiffLine, len(rev))
	for i, l := range rev {
		out[len(rev)-1-i] = l
	}
	return out
}

func replaceAll(a, b []string) []DiffLine {
	out := make([]DiffLine, 0, len(a)+len(b))
	for i, l := range a {
		out = append(out, DiffLine{Op: DiffDelete, Text: l, OldLine: i + 1})
	}
	for i, l := range b {
		out = append(out, DiffLine{Op: DiffInsert, Text: l, NewLine: i + 1})
	}
	return out
}

// DiffStats counts inserted and deleted lines.
func DiffStats(lines []DiffLine) (inserted, deleted int) {
	for _, l := range lines {
		switch l.Op {
		case DiffInsert:
			inserted++
		case DiffDelete:
			deleted++
		}
	}
	return inserted, deleted
}

// Hunk is a run of changes with some unchanged lines around them, the unit a
// reader scans in a history page.
type Hunk struct {
	OldStart, NewStart int // first line numbers shown (1-based)
	Lines              []DiffLine
}

// Hunks groups a diff into hunks with up to context unchanged lines before
// and after each change; unchanged stretches longer than that are left out.
// An unchanged text gives no hunks.
func Hunks(lines []DiffLine, context int) []Hunk {
	if context < 0 {
		context = 0
	}
	var out []Hunk
	i := 0
	for i < len(lines) {
		for i < len(lines) && lines[i].Op == DiffEqual {
			i++
		}
		if i == len(lines) {
			break
		}
		start := max(0, i-context)
		// Extend while the next change is within 2*context equal lines.
		end := i
		for end < len(lines) {
			if lines[end].Op != DiffEqual {
				end++
				continue
			}
			run := end
			for run < len(lines) && lines[run].Op == DiffEqual {
				run++
			}
			if run == len(lines) || run-end > 2*context {
				end = min(end+context, len(lines))
				break
			}
			end = run
		}
		h := Hunk{Lines: lines[start:end]}
		for _, l := range h.Lines {
			if h.OldStart == 0 && l.OldLine > 0 {
				h.OldStart = l.OldLine
			}
			if h.NewStart == 0 && l.NewLine > 0 {
				h.NewStart = l.NewLine
			}
		}
		out = append(out, h)
		i = end
	}
	return out
}
