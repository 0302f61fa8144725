//go:build unix

package office_test

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
)

// BenchmarkGenerateDemoSmall: the demo generator on 2,000 cases (one batch), a short
// stand-in for BenchmarkGenerateDemo's 100,000; cpu-s/op says more than the wall clock on
// a busy machine. go test -run - -bench GenerateDemoSmall -benchtime 3x
func BenchmarkGenerateDemoSmall(b *testing.B) {
	cpu := cpuTime()
	for b.Loop() {
		s, err := store.Open(filepath.Join(b.TempDir(), "d.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := office.GenerateDemo(s, 2000, 1); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
