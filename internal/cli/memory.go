package cli

import (
	"runtime/debug"
	"sync"

	"repairdesk/store"
)

// The garbage collector is the program's to tune, not the store library's: the commands
// give every store they open these hints (store.MemoryHints).

// gcHold pauses the garbage collector while one or more loads run (a process may open
// several stores at once): the first holder turns it off, the last restores the setting
// it found. It is process-wide state because the collector's setting is.
var gcHold struct {
	sync.Mutex
	n    int
	prev int
}

func holdGC() (release func()) {
	gcHold.Lock()
	if gcHold.n == 0 {
		gcHold.prev = debug.SetGCPercent(-1)
	}
	gcHold.n++
	gcHold.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			gcHold.Lock()
			gcHold.n--
			if gcHold.n == 0 {
				debug.SetGCPercent(gcHold.prev)
			}
			gcHold.Unlock()
		})
	}
}

// memoryHints: no collection while the summaries load; after a big load, the garbage it
// left goes back to the OS at once (a server holds on to the memory it reports for its
// whole life otherwise).
var memoryHints = store.MemoryHints{Hold: holdGC, Settled: debug.FreeOSMemory}
