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
