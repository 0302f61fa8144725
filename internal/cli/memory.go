package cli

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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
	return lastRelease(&gcHold.n, func() { debug.SetGCPercent(gcHold.prev) })
}

// lastRelease is a release function for one holder of a setting counted by *n: once
// only, and under gcHold, it counts the holder out, and the last one out calls last.
func lastRelease(n *int, last func()) (release func()) {
	var once sync.Once
	return func() {
		once.Do(func() {
			gcHold.Lock()
			defer gcHold.Unlock()
			if *n--; *n == 0 {
				last()
			}
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

// serve's collector. A node holds every case's summary and the search index for its
// whole life (about 125 MB live at 100,000 cases) and allocates a little garbage per
// action; with the default GOGC (100) it collected every 1.5–4 s under 250 actions a
// second, and each mark of that heap went on for 30–530 ms, its worker holding one of
// two cores for up to 58 ms at a stretch while sessions' commits waited to run: BENCHMARKS.md, "Commits at 100,000 cases on PostgreSQL: the stall". GOGC 400
// collects about a quarter as often, in exchange for a heap up to five times what is
// live; the soft memory limit keeps that to serveGCMemLimit. Once the summaries are
// loaded (serveSettled) the limit is raised to twice the live heap if that is more, so a
// node never collects more often than with the default setting (whose goal is twice the
// live heap), whatever the size of its case base. GOGC or GOMEMLIMIT in the environment
// override all of it: the operator's setting wins (README, "Run it for several offices").
const (
	serveGCPercent  = 400
	serveGCMemLimit = 1536 << 20
)

var gcBatch struct {
	n         int
	serve     bool // serve's setting is the one in force (not the batch commands')
	prevPct   int
	prevLimit int64
}

// batchGC sets the batch commands' collector until release; nested and concurrent uses
// (tests run commands side by side) restore what the first found. A load that holds the
// collector off meanwhile (holdGC) keeps it off, and restores the batch's setting.
func batchGC() (release func()) { return tuneGC(false, batchGCPercent, batchGCMemLimit) }

// serveGC sets serve's collector until release, unless getenv gives GOGC or GOMEMLIMIT
// (then it changes nothing). It shares batchGC's bookkeeping: the first setting of
// nested or concurrent uses holds until the last release.
func serveGC(getenv func(string) string) (release func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	return tuneGC(true, serveGCPercent, serveGCMemLimit)
}

// serveLimit is serve's memory limit for a live heap of live bytes: serveGCMemLimit, or
// twice the live heap when that is more.
func serveLimit(live uint64) int64 {
	return max(serveGCMemLimit, 2*int64(min(live, 1<<61)))
}

// serveSettled is serve's MemoryHints.Settled: the load's garbage goes back to the OS
// (which collects, so the live heap is known), then the limit follows the live heap when
// serve's setting is the one in force.
func serveSettled() {
	debug.FreeOSMemory()
	if live := liveHeap(); live > 0 {
		raiseServeLimit(live)
	}
}

func raiseServeLimit(live uint64) {
	gcHold.Lock()
	defer gcHold.Unlock()
	if gcBatch.n == 0 || !gcBatch.serve {
		return // the operator's setting, or another command's, is in force
	}
	if l := serveLimit(live); l > debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(l)
	}
}

// tuneGC sets GOGC pct and the soft memory limit until release (batchGC, serveGC).
func tuneGC(serve bool, pct int, limit int64) (release func()) {
	gcHold.Lock()
	if gcBatch.n == 0 {
		gcBatch.serve = serve
		gcBatch.prevLimit = debug.SetMemoryLimit(limit)
		if gcHold.n > 0 {
			gcBatch.prevPct, gcHold.prev = gcHold.prev, pct
		} else {
			gcBatch.prevPct = debug.SetGCPercent(pct)
		}
	}
	gcBatch.n++
	gcHold.Unlock()
	return lastRelease(&gcBatch.n, func() {
		debug.SetMemoryLimit(gcBatch.prevLimit)
		if gcHold.n > 0 {
			gcHold.prev = gcBatch.prevPct
		} else {
			debug.SetGCPercent(gcBatch.prevPct)
		}
	})
}

// The bulk tools' collector (check, backup, export): a short-lived process that reads
// every case once and keeps little — at 100,000 cases check's live heap is 60–150 MB, so
// with GOGC 100 the collector ran about 100 times in one check. bulkGC lets the heap grow
// by bulkGCHeadroom past what is live before the next collection, but never by less than
// the setting found: after each collection the percent is set from the live heap,
// between the setting found and bulkGCMaxPercent. Where the live heap is larger than
// the headroom (a million cases: over a gigabyte) that is the setting found, so memory
// there does not grow; no memory limit is set, which at a million cases would make the
// collector run against it.
const (
	bulkGCHeadroom   = 256 << 20
	bulkGCMaxPercent = 400
)

// bulkGCPercent is the GC percent for a live heap of live bytes, the setting found being
// base (off, -1, stays off).
func bulkGCPercent(live uint64, base int) int {
	if base < 0 || live == 0 {
		return base
	}
	p := int(min(uint64(100)*bulkGCHeadroom/live, uint64(bulkGCMaxPercent)))
	return max(p, base)
}

var gcBulk struct { // under gcHold's lock
	n    int
	prev int
	gen  int // the tuning in force: a finalizer of an earlier one stops
}

// liveHeap is the heap the last collection left (bytes).
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// retuneBulk sets the percent for the live heap now (gcHold held). A load that holds
// the collector off keeps it off, and finds the percent when it ends.
func retuneBulk() {
	if gcBatch.n > 0 { // a batch began meanwhile: its setting holds
		return
	}
	p := bulkGCPercent(liveHeap(), gcBulk.prev)
	if gcHold.n > 0 {
		gcHold.prev = p
	} else {
		debug.SetGCPercent(p)
	}
}

// gcSentinel is garbage whose finalizer runs after the collection that finds it: the
// tuner's hook on each collection.
type gcSentinel struct{ _ [16]byte }

func armBulkTuner(gen int) {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		gcHold.Lock()
		defer gcHold.Unlock()
		if gcBulk.n == 0 || gcBulk.gen != gen {
			return
		}
		retuneBulk()
		armBulkTuner(gen)
	})
}

// bulkGC tunes the collector for a bulk tool until release; nested and concurrent uses
// restore what the first found. Inside a batch (demo generation) it leaves the batch's
// setting alone.
func bulkGC() (release func()) {
	gcHold.Lock()
	if gcBatch.n > 0 {
		gcHold.Unlock()
		return func() {}
	}
	if gcBulk.n == 0 {
		if gcHold.n > 0 {
			gcBulk.prev = gcHold.prev
		} else {
			gcBulk.prev = debug.SetGCPercent(100)
			debug.SetGCPercent(gcBulk.prev)
		}
		gcBulk.gen++
		retuneBulk()
		armBulkTuner(gcBulk.gen)
	}
	gcBulk.n++
	gcHold.Unlock()
	return lastRelease(&gcBulk.n, func() {
		gcBulk.gen++
		if gcHold.n > 0 {
			gcHold.prev = gcBulk.prev
		} else {
			debug.SetGCPercent(gcBulk.prev)
		}
	})
}
