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

// The batch commands' collector (demo generation): a short-lived process that allocates
// much and keeps little, so a larger GOGC spares most of the collector's work (measured:
// about 9% of a demo's CPU) and a soft memory limit bounds what that lets the heap grow to.
// The limit also bounds the summaries' load at the end of a demo (the collector held off).
// At a million cases (BENCHMARKS.md, round six) 1.5 GiB gave 519 CPU-s and a 3.5 GB peak
// RSS, the mapped file included; 1 GiB gave 609 CPU-s (the collector ran against the
// limit throughout) and still 3.3 GB.
const (
	batchGCPercent  = 400
	batchGCMemLimit = 1536 << 20
)

var gcBatch struct {
	n         int
	prevPct   int
	prevLimit int64
}

// batchGC sets the batch commands' collector until release; nested and concurrent uses
// (tests run commands side by side) restore what the first found. A load that holds the
// collector off meanwhile (holdGC) keeps it off, and restores the batch's setting.
func batchGC() (release func()) {
	gcHold.Lock()
	if gcBatch.n == 0 {
		gcBatch.prevLimit = debug.SetMemoryLimit(batchGCMemLimit)
		if gcHold.n > 0 {
			gcBatch.prevPct, gcHold.prev = gcHold.prev, batchGCPercent
		} else {
			gcBatch.prevPct = debug.SetGCPercent(batchGCPercent)
		}
	}
	gcBatch.n++
	gcHold.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			gcHold.Lock()
			defer gcHold.Unlock()
			gcBatch.n--
			if gcBatch.n > 0 {
				return
			}
			debug.SetMemoryLimit(gcBatch.prevLimit)
			if gcHold.n > 0 {
				gcHold.prev = gcBatch.prevPct
			} else {
				debug.SetGCPercent(gcBatch.prevPct)
			}
		})
	}
}
