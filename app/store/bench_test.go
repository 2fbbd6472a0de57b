package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/store"
)

// benchRoster is the real roster when the shared data is there, else a
// synthetic one of the same size (40k ZIP rows, 600k shape vertices).
func benchRoster(b *testing.B) *app.Roster {
	b.Helper()
	dir := os.Getenv("ADVOCATE_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join(apptest.RepoRoot(b), "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "congress-legislators")); err == nil {
		r, _, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	b.Log("shared data not found: using a synthetic roster")
	return syntheticRoster(42000, 441, 633000)
}

// eachBackend runs a benchmark per backend.
func eachBackend(b *testing.B, fn func(b *testing.B, e *env)) {
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) { fn(b, newEnv(b, bk, store.Options{})) })
	}
}

func BenchmarkReplaceRoster(b *testing.B) {
	r := benchRoster(b)
	eachBackend(b, func(b *testing.B, e *env) {
		ctx := context.Background()
		for b.Loop() {
			if _, err := e.db.Roster.ReplaceRoster(ctx, r, "bench"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkLoadRoster(b *testing.B) {
	r := benchRoster(b)
	eachBackend(b, func(b *testing.B, e *env) {
		ctx := context.Background()
		if _, err := e.db.Roster.ReplaceRoster(ctx, r, "bench"); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			if _, _, err := e.db.Roster.LoadRoster(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCreateSubmission measures stored submissions per second (five
// letters, six deliveries each): serial (one request at a time, so one
// transaction each) and with 64 concurrent requests (group commit). The
// per_txn variants turn grouping off (MaxBatch 1) for comparison.
func BenchmarkCreateSubmission(b *testing.B) {
	for _, bk := range backends {
		for _, mode := range []struct {
			name     string
			maxBatch int
			letters  int
		}{{"grouped", 0, 5}, {"per_txn", 1, 5}, {"grouped_1letter", 0, 1}, {"per_txn_1letter", 1, 1}} {
			b.Run(bk.name+"/"+mode.name, func(b *testing.B) {
				e := newEnv(b, bk, store.Options{MaxBatch: mode.maxBatch})
				f := newFixture(b, e)
				var seq atomic.Int64
				next := func() *app.Submission {
					n := int(seq.Add(1))
					s := f.submission(n, fmt.Sprintf("s%d@example.org", n), e.clock.Now())
					s.Letters = s.Letters[:mode.letters]
					return s
				}
				ctx := context.Background()
				b.Run("serial", func(b *testing.B) {
					for b.Loop() {
						if _, err := e.db.Submissions.CreateSubmission(ctx, next()); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "subs/s")
				})
				b.Run("parallel64", func(b *testing.B) {
					b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)) // 64 goroutines
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, err := e.db.Submissions.CreateSubmission(ctx, next()); err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "subs/s")
				})
			})
		}
	}
}

func BenchmarkFindSubmissionByToken(b *testing.B) {
	eachBackend(b, func(b *testing.B, e *env) {
		f := newFixture(b, e)
		s := f.submission(1, "a@example.org", e.clock.Now())
		ctx := context.Background()
		if _, err := e.db.Submissions.CreateSubmission(ctx, s); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := e.db.Submissions.FindSubmissionByToken(ctx, s.Token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
