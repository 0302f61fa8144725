package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestHoldGC: the commands' hint turns the collector off while loads run, nested holds
// included, and puts back the setting it found when the last one ends (once, however
// often a release is called).
func TestHoldGC(t *testing.T) {
	before := debug.SetGCPercent(137)
	defer debug.SetGCPercent(before)
	r1 := holdGC()
	r2 := holdGC()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent %d while held, want -1 (off)", p)
	}
	r1()
	r1() // a second call of the same release changes nothing
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent %d with one hold left, want -1", p)
	}
	r2()
	if p := debug.SetGCPercent(137); p != 137 {
		t.Errorf("GC percent %d after the last release, want 137 (the setting found)", p)
	}
}

// TestBatchGC: demo generation's collector setting (GOGC 400 and a soft memory limit)
// holds while it runs, nested or beside a load's hold, and what it found comes back.
func TestBatchGC(t *testing.T) {
	before := debug.SetGCPercent(137)
	defer debug.SetGCPercent(before)
	limit := debug.SetMemoryLimit(-1)
	r1 := batchGC()
	if p := debug.SetGCPercent(batchGCPercent); p != batchGCPercent {
		t.Errorf("GC percent %d in a batch, want %d", p, batchGCPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != batchGCMemLimit {
		t.Errorf("memory limit %d in a batch, want %d", l, batchGCMemLimit)
	}
	hold := holdGC() // a load inside the batch: off, then back to the batch's setting
	r2 := batchGC()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent %d while a load holds it in a batch, want -1", p)
	}
	hold()
	if p := debug.SetGCPercent(batchGCPercent); p != batchGCPercent {
		t.Errorf("GC percent %d after the load in a batch, want %d", p, batchGCPercent)
	}
	r2()
	r1()
	r1()
	if p := debug.SetGCPercent(137); p != 137 {
		t.Errorf("GC percent %d after the batch, want 137 (the setting found)", p)
	}
	if l := debug.SetMemoryLimit(-1); l != limit {
		t.Errorf("memory limit %d after the batch, want %d", l, limit)
	}
	// A batch that begins while a load holds the collector off leaves it off, and the
	// load's release finds the batch's setting; the batch's release, the original.
	hold = holdGC()
	r3 := batchGC()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent %d: a batch began inside a load, want -1", p)
	}
	hold()
	if p := debug.SetGCPercent(batchGCPercent); p != batchGCPercent {
		t.Errorf("GC percent %d after the load, in the batch, want %d", p, batchGCPercent)
	}
	r3()
	if p := debug.SetGCPercent(137); p != 137 {
		t.Errorf("GC percent %d after both, want 137", p)
	}
}

// TestBulkGCPercent: the bulk tools' percent lets the heap grow by the headroom past a
// small live heap, up to the cap, and never below the setting found.
func TestBulkGCPercent(t *testing.T) {
	for _, c := range []struct {
		live      uint64
		base, out int
	}{
		{32 << 20, 100, 400},   // 256 MB over 32 MB would be 800%: capped
		{64 << 20, 100, 400},   // exactly the cap
		{128 << 20, 100, 200},  // 256 MB over 128 MB
		{256 << 20, 100, 100},  // the headroom is the live heap itself
		{1400 << 20, 100, 100}, // a million cases: the setting found
		{128 << 20, 300, 300},  // a larger setting found stays
		{32 << 20, 800, 800},   // even above the cap
		{128 << 20, -1, -1},    // off stays off
		{0, 100, 100},          // no collection yet
		{100 << 20, 50, 256},   // 268435456*100/104857600 = 256
	} {
		if got := bulkGCPercent(c.live, c.base); got != c.out {
			t.Errorf("bulkGCPercent(%d MB, %d) = %d, want %d", c.live>>20, c.base, got, c.out)
		}
	}
}

// TestBulkGC: while a bulk tool runs, each collection sets the percent from the live
// heap (this test's is small: the cap); nested uses and a load's hold inside keep it,
// and the last release puts back the setting found, after which collections no longer
// change it.
func TestBulkGC(t *testing.T) {
	before := debug.SetGCPercent(137)
	defer debug.SetGCPercent(before)
	r1 := bulkGC()
	r2 := bulkGC()
	want := bulkGCPercent(liveHeap(), 137)
	if p := debug.SetGCPercent(want); p != want {
		t.Errorf("GC percent %d in a bulk tool, want %d", p, want)
	}
	debug.SetGCPercent(1) // a collection's tuner must set it back
	waitTuned := func(want int) int {
		var p int
		for range 50 {
			runtime.GC()
			time.Sleep(10 * time.Millisecond) // the finalizer runs after the collection
			if p = debug.SetGCPercent(-1); p == want {
				debug.SetGCPercent(p)
				return p
			}
			debug.SetGCPercent(p)
		}
		return p
	}
	for i := range 2 { // each collection re-arms the tuner for the next
		if p := waitTuned(bulkGCPercent(liveHeap(), 137)); p != bulkGCPercent(liveHeap(), 137) || p < 137 {
			t.Errorf("GC percent %d after collection %d in a bulk tool, want %d", p, i+1, bulkGCPercent(liveHeap(), 137))
		}
		debug.SetGCPercent(1)
	}
	waitTuned(bulkGCPercent(liveHeap(), 137))
	hold := holdGC()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent %d while a load holds it in a bulk tool, want -1", p)
	}
	hold()
	r1()
	r1()
	if p := debug.SetGCPercent(-1); p < 137 {
		t.Errorf("GC percent %d with one bulk tool left, want at least 137", p)
	} else {
		debug.SetGCPercent(p)
	}
	r2()
	if p := debug.SetGCPercent(137); p != 137 {
		t.Errorf("GC percent %d after the bulk tools, want 137 (the setting found)", p)
	}
	debug.SetGCPercent(55)
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if p := debug.SetGCPercent(137); p != 55 {
		t.Errorf("GC percent %d after the tools ended and two collections, want 55 (the tuner stopped)", p)
	}
}

// TestServeGC: serve's collector setting (GOGC 400, a soft memory limit) holds while it
// runs unless the environment gives GOGC or GOMEMLIMIT; after the load the limit follows
// the live heap up (twice it), never down, and only while serve's setting is in force;
// what it found comes back at the end.
func TestServeGC(t *testing.T) {
	before := debug.SetGCPercent(137)
	defer debug.SetGCPercent(before)
	limit := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(limit)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		env = map[string]string{k: "200"}
		r := serveGC(getenv)
		if p := debug.SetGCPercent(137); p != 137 {
			t.Errorf("with %s set, GC percent %d, want 137 (untouched)", k, p)
		}
		if l := debug.SetMemoryLimit(-1); l != limit {
			t.Errorf("with %s set, memory limit %d, want %d (untouched)", k, l, limit)
		}
		raiseServeLimit(3 << 30)
		if l := debug.SetMemoryLimit(-1); l != limit {
			t.Errorf("with %s set, memory limit %d after the load, want %d (untouched)", k, l, limit)
		}
		r()
	}

	env = map[string]string{}
	r := serveGC(getenv)
	if p := debug.SetGCPercent(serveGCPercent); p != serveGCPercent {
		t.Errorf("GC percent %d in serve, want %d", p, serveGCPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != serveGCMemLimit {
		t.Errorf("memory limit %d in serve, want %d", l, serveGCMemLimit)
	}
	raiseServeLimit(200 << 20) // 100,000 cases: the floor holds
	if l := debug.SetMemoryLimit(-1); l != serveGCMemLimit {
		t.Errorf("memory limit %d after a load of 200 MB live, want %d", l, serveGCMemLimit)
	}
	raiseServeLimit(1 << 30) // a bigger base: twice the live heap
	if l := debug.SetMemoryLimit(-1); l != 2<<30 {
		t.Errorf("memory limit %d after a load of 1 GiB live, want %d", l, int64(2<<30))
	}
	raiseServeLimit(300 << 20) // never lowered
	if l := debug.SetMemoryLimit(-1); l != 2<<30 {
		t.Errorf("memory limit %d after a smaller live heap, want %d (kept)", l, int64(2<<30))
	}
	r()
	r()
	if p := debug.SetGCPercent(137); p != 137 {
		t.Errorf("GC percent %d after serve, want 137 (the setting found)", p)
	}
	if l := debug.SetMemoryLimit(-1); l != limit {
		t.Errorf("memory limit %d after serve, want %d", l, limit)
	}

	b := batchGC() // another command's setting: the load does not move its limit
	raiseServeLimit(1 << 30)
	if l := debug.SetMemoryLimit(-1); l != batchGCMemLimit {
		t.Errorf("memory limit %d in a batch after a serve load hint, want %d", l, batchGCMemLimit)
	}
	b()
}
