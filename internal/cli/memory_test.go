package cli

import (
	"runtime/debug"
	"testing"
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
