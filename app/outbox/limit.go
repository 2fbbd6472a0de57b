package outbox

import (
	"strings"
	"sync"
	"time"
)

// domainLimiter spaces messages to each destination domain (house.gov,
// gmail.com...) so that a burst of letters does not get Advocate's server
// throttled or blocklisted. It is a GCRA token bucket per domain: perMinute
// messages a minute with bursts of a tenth of that (at least 1). It limits
// one process; several instances each get the full rate.
type domainLimiter struct {
	interval time.Duration // between messages at the sustained rate
	burst    time.Duration // how far ahead of schedule a domain may run
	mu       sync.Mutex
	tat      map[string]time.Time // theoretical arrival time per domain
}

// newDomainLimiter returns nil (no limit) for perMinute <= 0.
func newDomainLimiter(perMinute int) *domainLimiter {
	if perMinute <= 0 {
		return nil
	}
	interval := time.Minute / time.Duration(perMinute)
	burst := max(1, perMinute/10)
	return &domainLimiter{interval: interval, burst: time.Duration(burst-1) * interval, tat: map[string]time.Time{}}
}

// reserve takes a slot for a message to domain at now, or reports how long
// to wait before one is free (taking nothing).
func (l *domainLimiter) reserve(domain string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	domain = strings.ToLower(domain)
	l.mu.Lock()
	defer l.mu.Unlock()
	tat := l.tat[domain]
	if tat.Before(now) {
		tat = now
	}
	if wait := tat.Sub(now) - l.burst; wait > 0 {
		return wait
	}
	l.tat[domain] = tat.Add(l.interval)
	if len(l.tat) > 10000 {
		l.prune(now)
	}
	return 0
}

// prune forgets domains that are back to a full bucket.
func (l *domainLimiter) prune(now time.Time) {
	for d, t := range l.tat {
		if !t.After(now) {
			delete(l.tat, d)
		}
	}
}

// domainOf returns the part after the last @, lower-cased.
func domainOf(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}
