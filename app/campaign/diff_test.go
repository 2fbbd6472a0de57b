package campaign_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app/campaign"
)

// script renders a diff compactly: " a" equal, "-a" delete, "+a" insert.
func script(lines []campaign.DiffLine) string {
	var b strings.Builder
	for _, l := range lines {
		switch l.Op {
		case campaign.DiffEqual:
			b.WriteString(" ")
		case campaign.DiffDelete:
			b.WriteString("-")
		case campaign.DiffInsert:
			b.WriteString("+")
		}
		b.WriteString(l.Text + "|")
	}
	return b.String()
}

// rebuild returns the old and new texts a diff describes, checking the line
// numbers on the way.
func rebuild(t *testing.T, lines []campaign.DiffLine) (string, string) {
	t.Helper()
	var a, b []string
	for _, l := range lines {
		if l.Op != campaign.DiffInsert {
			a = append(a, l.Text)
			if l.OldLine != len(a) {
				t.Fatalf("old line number %d, want %d", l.OldLine, len(a))
			}
		}
		if l.Op != campaign.DiffDelete {
			b = append(b, l.Text)
			if l.NewLine != len(b) {
				t.Fatalf("new line number %d, want %d", l.NewLine, len(b))
			}
		}
	}
	return strings.Join(a, "\n"), strings.Join(b, "\n")
}

func TestDiffLines(t *testing.T) {
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "a\nb", "a\nb", " a| b|"},
		{"both empty", "", "", ""},
		{"from empty", "", "a\nb", "+a|+b|"},
		{"to empty", "a\nb", "", "-a|-b|"},
		{"insert middle", "a\nc", "a\nb\nc", " a|+b| c|"},
		{"delete middle", "a\nb\nc", "a\nc", " a|-b| c|"},
		{"replace line", "a\nb\nc", "a\nx\nc", " a|-b|+x| c|"},
		{"crlf is no change", "a\r\nb\r\n", "a\nb", " a| b|"},
		{"classic", "a\nb\nc\na\nb\nb\na", "c\nb\na\nb\na\nc", "-a|-b| c|+b| a| b|-b| a|+c|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := campaign.DiffLines(tt.a, tt.b)
			if s := script(got); s != tt.want {
				t.Errorf("diff = %q, want %q", s, tt.want)
			}
			a, b := rebuild(t, got)
			if norm := func(s string) string { return strings.TrimSuffix(strings.ReplaceAll(s, "\r\n", "\n"), "\n") }; a != norm(tt.a) || b != norm(tt.b) {
				t.Errorf("rebuilt %q / %q", a, b)
			}
		})
	}
}

// TestDiffLinesIsMinimal checks on random texts that the script rebuilds
// both sides and is as short as the longest common subsequence allows.
func TestDiffLinesIsMinimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func() []string {
		n := rng.IntN(12)
		out := make([]string, n)
		for i := range out {
			out[i] = string(rune('a' + rng.IntN(4)))
		}
		return out
	}
	for i := 0; i < 500; i++ {
		a, b := gen(), gen()
		got := campaign.DiffLines(strings.Join(a, "\n"), strings.Join(b, "\n"))
		ra, rb := rebuild(t, got)
		if ra != strings.Join(a, "\n") || rb != strings.Join(b, "\n") {
			t.Fatalf("%v -> %v: rebuilt %q %q", a, b, ra, rb)
		}
		ins, del := campaign.DiffStats(got)
		if want := len(a) + len(b) - 2*lcs(a, b); ins+del != want {
			t.Fatalf("%v -> %v: %d edits, want %d (%s)", a, b, ins+del, want, script(got))
		}
	}
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestDiffLinesBoundsWork(t *testing.T) {
	var a, b []string
	for i := 0; i < 3000; i++ {
		a = append(a, fmt.Sprintf("old %d", i))
		b = append(b, fmt.Sprintf("new %d", i))
	}
	got := campaign.DiffLines("same\n"+strings.Join(a, "\n"), "same\n"+strings.Join(b, "\n"))
	ins, del := campaign.DiffStats(got)
	if ins != 3000 || del != 3000 || got[0].Op != campaign.DiffEqual {
		t.Fatalf("ins %d del %d first %+v", ins, del, got[0])
	}
	rebuild(t, got)
}

func TestHunks(t *testing.T) {
	var a []string
	for i := 1; i <= 30; i++ {
		a = append(a, fmt.Sprint(i))
	}
	b := append([]string(nil), a...)
	b[1] = "two"    // line 2
	b[4] = "five"   // line 5: within 2*3 of line 2, same hunk
	b[24] = "25bis" // far away: own hunk
	hs := campaign.Hunks(campaign.DiffLines(strings.Join(a, "\n"), strings.Join(b, "\n")), 3)
	if len(hs) != 2 {
		t.Fatalf("%d hunks: %+v", len(hs), hs)
	}
	if hs[0].OldStart != 1 || script(hs[0].Lines) != " 1|-2|+two| 3| 4|-5|+five| 6| 7| 8|" {
		t.Errorf("hunk 1 at %d: %s", hs[0].OldStart, script(hs[0].Lines))
	}
	if hs[1].OldStart != 22 || hs[1].NewStart != 22 || script(hs[1].Lines) != " 22| 23| 24|-25|+25bis| 26| 27| 28|" {
		t.Errorf("hunk 2 at %d: %s", hs[1].OldStart, script(hs[1].Lines))
	}
	if hs := campaign.Hunks(campaign.DiffLines("a\nb", "a\nb"), 3); len(hs) != 0 {
		t.Errorf("unchanged text has hunks: %+v", hs)
	}
}

func BenchmarkDiffLines(b *testing.B) {
	var old, cur []string
	for i := 0; i < 400; i++ {
		old = append(old, fmt.Sprintf("Line %d of a long letter about the case.", i))
	}
	cur = append(cur, old...)
	for i := 0; i < 400; i += 37 {
		cur[i] = "Changed " + cur[i]
	}
	a, c := strings.Join(old, "\n"), strings.Join(cur, "\n")
	b.ReportAllocs()
	for b.Loop() {
		campaign.DiffLines(a, c)
	}
}
