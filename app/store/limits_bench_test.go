package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/limit"
	"github.com/advocate-org/advocate/app/store"
)

// BenchmarkLimitSync times what the mailbox limits add to the single
// SQLite writer per submission: each submission counts its mailbox in two
// windows (an hour, ten minutes), and a sync every 250 ms writes what
// was counted, about 500 submissions' worth at 2,000/s. ns/op is per
// submission; compare it with BenchmarkWriteGroup's.
func BenchmarkLimitSync(b *testing.B) {
	ctx := context.Background()
	d, err := store.Open(ctx, store.Options{DSN: filepath.Join(b.TempDir(), "l.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	c := limit.New(limit.Options{Store: d.Limits})
	b.ResetTimer()
	for i := range b.N {
		key := fmt.Sprintf("mailbox:%08x.s%d@example.org", uint32(i)*2654435761, i)
		c.Hit(key, time.Hour)
		c.Hit(key, 10*time.Minute)
		if i%500 == 499 {
			if err := c.Sync(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := c.Sync(ctx); err != nil {
		b.Fatal(err)
	}
}
