package store

import "sync"

// HoldCheckAnchors makes Check's reading of the anchor log wait, before it reads the
// log, until release is called (which also ends the hold for later checks). Tests that
// use it must not run in parallel.
func HoldCheckAnchors() (release func()) {
	gate := make(chan struct{})
	hold := func() { <-gate }
	checkAnchorsHold.Store(&hold)
	return sync.OnceFunc(func() {
		checkAnchorsHold.Store(nil)
		close(gate)
	})
}
