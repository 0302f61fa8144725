package cli

import (
	"math"
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

// TestBulkGC: the bulk tools' setting (GC percent and a soft memory limit) is put back
// as found, and a limit already set (by $GOMEMLIMIT or anyone) is left alone.
func TestBulkGC(t *testing.T) {
	before := debug.SetGCPercent(137)
	defer debug.SetGCPercent(before)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(limit)
	restore := bulkGC()
	if p := debug.SetGCPercent(bulkGCPercent); p != bulkGCPercent {
		t.Errorf("GC percent %d during a bulk command, want %d", p, bulkGCPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != bulkMemLimit {
		t.Errorf("memory limit %d during a bulk command, want %d", l, bulkMemLimit)
	}
	restore()
	restore() // once only
	if p := debug.SetGCPercent(137); p != 137 {
		t.Errorf("GC percent %d after, want 137 (the setting found)", p)
	}
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("memory limit %d after, want none", l)
	}
	debug.SetMemoryLimit(1 << 40) // a limit the user set
	restore = bulkGC()
	if l := debug.SetMemoryLimit(-1); l != 1<<40 {
		t.Errorf("memory limit %d during a bulk command, want the user's %d", l, int64(1<<40))
	}
	restore()
}
