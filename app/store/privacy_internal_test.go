package store

import (
	"slices"
	"testing"
)

// Erasures split id lists into IN lists of at most eraseChunk ids, in
// order, none lost.
func TestChunks(t *testing.T) {
	for _, n := range []int{0, 1, eraseChunk, eraseChunk + 1, 2*eraseChunk + 7} {
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = int64(i * 3)
		}
		var got []int64
		calls := 0
		err := chunks(ids, func(args []any) error {
			calls++
			if len(args) == 0 || len(args) > eraseChunk {
				t.Fatalf("n=%d: a chunk of %d", n, len(args))
			}
			for _, a := range args {
				got = append(got, a.(int64))
			}
			return nil
		})
		if err != nil || !slices.Equal(got, ids) || calls != (n+eraseChunk-1)/eraseChunk {
			t.Fatalf("n=%d: %d calls, %d ids back, %v", n, calls, len(got), err)
		}
	}
}
