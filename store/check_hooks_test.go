package store

import (
	"sync"
	"sync/atomic"
)

// HoldCheckAnchors makes Check's reading of the anchor log wait, before it reads the
// log, until release is called (which also ends the hold for later checks). Tests that
// use it must not run in parallel.
func HoldCheckAnchors() (release func()) { return holdAt(&checkAnchorsHold) }

// holdAt sets the hook at p to wait until the returned release is called; release also
// clears the hook, so later runs do not wait.
func holdAt(p *atomic.Pointer[func()]) (release func()) {
	gate := make(chan struct{})
	hold := func() { <-gate }
	p.Store(&hold)
	return sync.OnceFunc(func() {
		p.Store(nil)
		close(gate)
	})
}
