// Package load is the one value the supporter journey and the background
// work of a process share, so that neither has to know the other: the
// journey marks each submission it answers and says when it queued emails;
// the outbox reads whether supporters are being answered (and gives way
// while they are) and waits for the word that something was queued.
// Standard library only: both sides import it, it imports neither.
package load

import (
	"sync/atomic"
	"time"
)

// Linger is how long after the last request Busy still reports true:
// supporters arriving a few at a time keep the machine busy in between.
const Linger = 100 * time.Millisecond

// Signal is one process's load and its wake-up call. Create it with New;
// it is safe for concurrent use, and every method is cheap enough for the
// submission hot path (no locks, no allocation).
type Signal struct {
	inFlight atomic.Int64
	lastDone atomic.Int64 // Unix nanoseconds; 0 before the first Done
	wake     chan struct{}
}

// New returns a Signal that reports idle and has nothing queued.
func New() *Signal {
	return &Signal{wake: make(chan struct{}, 1)}
}

// Start marks a request as being answered; pair it with Done.
func (s *Signal) Start() { s.inFlight.Add(1) }

// Done marks a request Start marked as answered.
func (s *Signal) Done() {
	s.lastDone.Store(time.Now().UnixNano())
	s.inFlight.Add(-1)
}

// Busy reports whether a request is being answered now, or one was within
// Linger. Background work uses it to give way to supporters.
func (s *Signal) Busy() bool {
	if s.inFlight.Load() > 0 {
		return true
	}
	last := s.lastDone.Load()
	return last != 0 && time.Since(time.Unix(0, last)) < Linger
}

// Queued says work was queued for the background (emails after a
// submission or a confirmation). It never blocks: calls made before anyone
// looks count as one, since one look finds everything that is due.
func (s *Signal) Queued() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Wake is ready once after Queued. With several receivers, one of them
// gets it.
func (s *Signal) Wake() <-chan struct{} { return s.wake }
