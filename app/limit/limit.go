// Package limit counts requests per key (a client network, a mailbox) in
// fixed windows, for the rate limits on submissions and downloads. The
// counts that matter live in the database, so a restart or a second
// instance behind the same load balancer does not reset them; each
// instance adds its own counts in memory and syncs them a few times a
// second in one statement, so that a busy SQLite writer pays one short
// transaction per sync rather than a write per request.
//
// Most keys are seen once (one supporter, one address) and can never
// reach a limit, so a key is written only once it comes back: an instance
// keeps a key seen once in memory (up to MaxKeys of them) and syncs it
// from its second count on. Between syncs an instance sees the others'
// counts as of the last sync. So a limit of N may let through a few more
// than N (one more per instance, and one more after a restart), never
// fewer.
package limit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Options wires a Counter.
type Options struct {
	Store app.LimitCounts
	// Interval is how often counts are synced (default 250 ms).
	Interval time.Duration
	Clock    app.Clock
	Logger   *slog.Logger
	// MaxKeys bounds the keys seen once that an instance keeps (default
	// 200,000, about 30 MB); beyond it the oldest are forgotten, and may
	// be let through once more.
	MaxKeys int
}

// Counter counts events per key and window. It is safe for concurrent use.
type Counter struct {
	store    app.LimitCounts
	interval time.Duration
	now      app.Clock
	log      *slog.Logger

	maxKeys int

	mu      sync.Mutex
	windows map[slot]*tally
	dirty   map[slot]*tally // windows with counts to write
	once    int             // keys in windows that are not in the database
	pruned  time.Time
}

// slot is one key's window: the key names the window's length too, so
// that limits of different lengths on one key stay apart.
type slot struct {
	key   string
	start int64
}

type tally struct {
	synced  int64 // every instance's total at the last sync
	pending int64 // counted here since the last sync
	known   bool  // in the database (synced at least once)
	end     time.Time
}

// New returns a Counter; call Run to keep it synced.
func New(o Options) *Counter {
	if o.Interval <= 0 {
		o.Interval = 250 * time.Millisecond
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 200_000
	}
	return &Counter{store: o.Store, interval: o.Interval, now: o.Clock, log: o.Logger, maxKeys: o.MaxKeys,
		windows: map[slot]*tally{}, dirty: map[slot]*tally{}}
}

// Hit counts one event under key in the current window of the given
// length and returns the count so far, this one included, with the other
// instances' counts as of the last sync. It never blocks on the database.
func (c *Counter) Hit(key string, window time.Duration) int64 {
	return c.add(key, window, 1)
}

// Peek is the count Hit would return, without counting.
func (c *Counter) Peek(key string, window time.Duration) int64 {
	return c.add(key, window, 0)
}

// RetryAfter is how long until the current window of the given length
// ends, in whole seconds (at least 1), for a Retry-After header.
func (c *Counter) RetryAfter(window time.Duration) int {
	now := c.now()
	end := now.Truncate(window).Add(window)
	return max(1, int(end.Sub(now).Seconds()+0.999))
}

func (c *Counter) add(key string, window time.Duration, n int64) int64 {
	if window <= 0 {
		window = time.Minute
	}
	now := c.now()
	start := now.Truncate(window)
	s := slot{key: slotKey(key, window), start: start.Unix()}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.windows[s]
	if t == nil {
		if n == 0 {
			return 0
		}
		t = &tally{end: start.Add(window)}
		c.windows[s] = t
		c.once++
	}
	t.pending += n
	if n > 0 && (t.known || t.pending >= 2) {
		c.dirty[s] = t
	}
	return t.synced + t.pending
}

// slotKey is what the database stores for a key and window length: a
// hash, so that the table holds no email or client address (it keeps no
// one's data past a window, but needs none to count) and its rows stay
// short.
func slotKey(key string, window time.Duration) string {
	h := sha256.Sum256([]byte(strconv.FormatInt(int64(window/time.Second), 10) + "s:" + key))
	return base64.RawURLEncoding.EncodeToString(h[:15])
}

// Run syncs the counts every Interval until ctx ends, then once more.
func (c *Counter) Run(ctx context.Context) {
	tick := time.NewTicker(c.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			if err := c.Sync(final); err != nil {
				c.log.Warn("limit counts not saved at shutdown", "err", err)
			}
			cancel()
			return
		case <-tick.C:
			if err := c.Sync(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("limit counts not synced; limits count this instance alone until the database answers", "err", err)
			}
		}
	}
}

// Sync adds this instance's new counts to the database and takes back
// every instance's totals for those keys. Windows that ended are dropped
// here and, once a minute, in the database.
func (c *Counter) Sync(ctx context.Context) error {
	now := c.now()
	c.mu.Lock()
	prune := now.Sub(c.pruned) >= time.Minute
	if prune {
		// Once a minute, drop the windows that ended (late counts for an
		// ended window limit nothing).
		c.pruned = now
		for s, t := range c.windows {
			if !now.Before(t.end) {
				c.forget(s, t)
			}
		}
	}
	var adds []app.LimitCount
	var slots []slot
	for s, t := range c.dirty {
		delete(c.dirty, s)
		if t.pending == 0 || !now.Before(t.end) || c.windows[s] != t {
			continue
		}
		adds = append(adds, app.LimitCount{Key: s.key, WindowStart: s.start, WindowEnd: t.end.Unix(), N: t.pending})
		slots = append(slots, s)
	}
	sent := make([]int64, len(adds))
	for i := range adds {
		sent[i] = adds[i].N
	}
	c.mu.Unlock()

	var totals []int64
	if len(adds) > 0 {
		var err error
		if totals, err = c.store.AddLimitCounts(ctx, adds); err != nil {
			// Nothing was written: the counts wait for the next sync.
			c.mu.Lock()
			for _, s := range slots {
				if t := c.windows[s]; t != nil {
					c.dirty[s] = t
				}
			}
			c.mu.Unlock()
			return err
		}
	}
	c.mu.Lock()
	for i, s := range slots {
		t := c.windows[s]
		if t == nil {
			continue
		}
		// Counts made during the sync stay pending for the next one.
		t.pending -= sent[i]
		t.synced = totals[i]
		if t.pending > 0 {
			c.dirty[s] = t
		}
		if !t.known {
			t.known = true
			c.once--
		}
	}
	// Keys seen once past the bound: forget some (a map has no order, and
	// any of them is as good as another).
	for s, t := range c.windows {
		if c.once <= c.maxKeys {
			break
		}
		if !t.known && t.pending < 2 {
			c.forget(s, t)
		}
	}
	c.mu.Unlock()
	if prune {
		if _, err := c.store.PruneLimitCounts(ctx, now.Unix()); err != nil {
			return err
		}
	}
	return nil
}

// forget drops a window; c.mu is held.
func (c *Counter) forget(s slot, t *tally) {
	delete(c.windows, s)
	delete(c.dirty, s)
	if !t.known {
		c.once--
	}
}
