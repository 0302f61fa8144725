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
