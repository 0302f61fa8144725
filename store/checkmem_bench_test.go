package store

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"testing"
	"time"
)

// BenchmarkCheckMemory runs `repairdesk check` (the command, read-only, as a person runs
// it) on the benchmark fixture (REPAIRDESK_BENCH_CASES, default 100,000) and reports,
// besides its time and CPU seconds, the process's peak resident set over the run
// (VmHWM, reset before it: the touched pages of the mapped file included) and the peak
// of the heap in use (runtime/metrics, sampled every 10 ms). With
// REPAIRDESK_BENCH_HEAPPROF=FILE it also writes a heap profile each time the heap in
// use passes its previous peak by a tenth: the last one written is the live heap near
// the peak (as of the collection before it).
func BenchmarkCheckMemory(b *testing.B) {
	path := benchFixture(b, benchCases)
	prof := os.Getenv("REPAIRDESK_BENCH_HEAPPROF")
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS()
		stop := make(chan struct{})
		var peak uint64
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
			var written uint64
			t := time.NewTicker(10 * time.Millisecond)
			defer t.Stop()
			for {
				metrics.Read(s)
				if in := s[0].Value.Uint64() + s[1].Value.Uint64(); in > peak {
					peak = in
					if prof != "" && peak > written+written/10 {
						written = peak
						if f, err := os.Create(prof); err == nil {
							_ = pprof.Lookup("heap").WriteTo(f, 0)
							f.Close()
						}
					}
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		var out, errb bytes.Buffer
		start := time.Now()
		cpu := cpuSeconds()
		code := RunCLI([]string{"check", "--db", path, "--lang", "en"}, &out, &errb)
		el := time.Since(start)
		cpu = cpuSeconds() - cpu
		close(stop)
		wg.Wait()
		if code != 0 {
			b.Fatalf("check: exit %d\n%s%s", code, out.String(), errb.String())
		}
		b.ReportMetric(el.Seconds(), "s")
		b.ReportMetric(cpu, "CPU-s")
		b.ReportMetric(statusMB("VmHWM:"), "peak-RSS-MB")
		b.ReportMetric(mb(peak), "peak-heap-MB")
		b.Logf("%s", finalLine(out.String()))
	}
}

// resetPeakRSS resets the process's VmHWM to its resident set now (Linux; a no-op
// elsewhere).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
