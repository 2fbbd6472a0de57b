package load_test

import (
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app/load"
)

func TestBusyWhileStartedAndShortlyAfter(t *testing.T) {
	s := load.New()
	if s.Busy() {
		t.Fatal("busy before any request")
	}
	s.Start()
	s.Start()
	s.Done()
	if !s.Busy() {
		t.Fatal("not busy with one request still being answered")
	}
	// However long the remaining request takes, it keeps the signal busy.
	time.Sleep(2 * load.Linger)
	if !s.Busy() {
		t.Fatal("not busy with a request open longer than the linger")
	}
	s.Done()
	if !s.Busy() {
		t.Fatal("not busy right after the last request")
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Busy() {
		if time.Now().After(deadline) {
			t.Fatal("still busy long after the last request")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestQueuedWakesOnceAndNeverBlocks(t *testing.T) {
	s := load.New()
	select {
	case <-s.Wake():
		t.Fatal("woken before anything was queued")
	default:
	}
	// Nobody listening: many calls must neither block nor pile up.
	for range 1000 {
		s.Queued()
	}
	select {
	case <-s.Wake():
	default:
		t.Fatal("not woken after Queued")
	}
	select {
	case <-s.Wake():
		t.Fatal("woken twice for calls made before the first look")
	default:
	}
}

func TestQueuedWakesAWaitingReceiver(t *testing.T) {
	s := load.New()
	woke := make(chan struct{})
	go func() {
		<-s.Wake()
		close(woke)
	}()
	s.Queued()
	select {
	case <-woke:
	case <-time.After(30 * time.Second):
		t.Fatal("a waiting receiver was not woken")
	}
}

// Concurrent marks must balance: after every Start has its Done, only the
// linger keeps the signal busy.
func TestConcurrentStartDone(t *testing.T) {
	s := load.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				s.Start()
				_ = s.Busy()
				s.Queued()
				s.Done()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for s.Busy() {
		if time.Now().After(deadline) {
			t.Fatal("busy after every request was done: the marks do not balance")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
