package cli

import (
	"math"
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

// The bulk tools (export, check, backup) are short-lived processes that allocate per
// event and keep little: at 100,000 cases the collector ran hundreds of times, marking
// the same few live megabytes again and again (its workers, its assists and the
// preemptions it asks for were about a fifth of their CPU). They let the heap grow five
// times its live size between collections instead of twice, bounded by a soft limit so
// that a large live heap (the summaries of a million cases) is still collected before
// the process grows past it.
const (
	bulkGCPercent = 400
	bulkMemLimit  = 2 << 30
)

// bulkGC applies that setting for one command and returns what puts back the settings
// it found. A limit the user set ($GOMEMLIMIT, or any other) is left as it is. It is
// process-wide state: only commands run as a process of their own call it, never a
// command a server runs for a client of its control socket (the server's sessions share
// that process).
func bulkGC() (restore func()) {
	prevPercent := debug.SetGCPercent(bulkGCPercent)
	prevLimit := debug.SetMemoryLimit(-1) // reads it
	if prevLimit == math.MaxInt64 {
		debug.SetMemoryLimit(bulkMemLimit)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			debug.SetGCPercent(prevPercent)
			debug.SetMemoryLimit(prevLimit)
		})
	}
}
