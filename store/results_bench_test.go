package store

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/benchkit"
	"repairdesk/internal/pagecache"
	"repairdesk/workflow"
)

// resultsBenchFixture is the 100,000-case fixture with its results aggregates: a file
// generated before them builds them at its first read-write open, which is timed
// (build-s, reported once).
func resultsBenchFixture(b *testing.B) string {
	path := benchFixture(b, benchCases)
	t0 := time.Now()
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if el := time.Since(t0); el > 2*time.Second {
		b.Logf("open with the build of the results aggregates: %.1f s", el.Seconds())
	}
	s.Close()
	return path
}

// benchPeriods are the periods a supervisor steps through: the quarter of the newest
// case first (the dashboard opens on it), then month, year, the previous year and a
// range across a year end.
func benchPeriods(b *testing.B, s *Store) []workflow.Period {
	newest := time.Time{}
	for sm := range s.Snapshot().All() {
		if sm.ReceivedAt.After(newest) {
			newest = sm.ReceivedAt
		}
	}
	n := newest.In(workflow.ChinaTZ)
	var out []workflow.Period
	for _, spec := range []string{fmt.Sprintf("%d-Q%d", n.Year(), (int(n.Month())-1)/3+1), n.Format("2006-01"), strconv.Itoa(n.Year()),
		strconv.Itoa(n.Year() - 1), fmt.Sprintf("%d-11-01..%d-02-28", n.Year()-1, n.Year())} {
		p, err := workflow.ParsePeriod(spec, n)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// BenchmarkResults is the dashboard at 100,000 cases, today's way and the new one side
// by side in one run:
//   - full-scan (today): open = StatsData (every case and event) + ComputeResults; a
//     change of period = ComputeResults over the data the dashboard holds; held-MB =
//     what it holds while open;
//   - aggregates (new): open and a change of period = Store.Results (the period's day
//     buckets and the open cases in memory); held-MB = the Results it holds.
//
// cold-*: a fresh child process after the file was dropped from the page cache, timed
// from Open's return to the figures.
func BenchmarkResults(b *testing.B) {
	path := resultsBenchFixture(b)
	now := time.Now()
	for _, way := range []string{"full-scan", "aggregates"} {
		b.Run("open-warm/"+way, func(b *testing.B) {
			s, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.Snapshot().waitIndexed()
			p := benchPeriods(b, s)[0]
			var lat []time.Duration
			var held float64
			for b.Loop() {
				runtime.GC()
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				t0 := time.Now()
				var keep any
				if way == "full-scan" {
					cases, events, err := s.StatsData()
					if err != nil {
						b.Fatal(err)
					}
					set := s.Settings()
					r := workflow.ComputeResults(cases, events, p, set.SLA, set.Calendar(), now)
					keep = []any{cases, events, r} // the dashboard holds the data to change the period
				} else {
					r, err := s.Results(p, now)
					if err != nil || r.Received == 0 {
						b.Fatalf("%+v: %v", r.Stats, err)
					}
					keep = r
				}
				lat = append(lat, time.Since(t0))
				runtime.GC()
				runtime.ReadMemStats(&m1)
				held = mb(m1.HeapAlloc - min(m0.HeapAlloc, m1.HeapAlloc))
				runtime.KeepAlive(keep)
			}
			benchkit.Report(b, "open-", lat)
			b.ReportMetric(held, "held-MB")
		})
		b.Run("period/"+way, func(b *testing.B) {
			s, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.Snapshot().waitIndexed()
			ps := benchPeriods(b, s)
			set := s.Settings()
			var cases []workflow.Case
			var events map[uint32][]workflow.StatEvent
			if way == "full-scan" {
				if cases, events, err = s.StatsData(); err != nil {
					b.Fatal(err)
				}
			}
			var lat []time.Duration
			for b.Loop() {
				for _, p := range ps[1:] {
					t0 := time.Now()
					if way == "full-scan" {
						workflow.ComputeResults(cases, events, p, set.SLA, set.Calendar(), now)
					} else if _, err := s.Results(p, now); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
			}
			benchkit.Report(b, "change-", lat)
		})
		b.Run("open-cold/"+way, func(b *testing.B) {
			if err := pagecache.Evict(path); err != nil {
				b.Skip("cannot drop the page cache here:", err)
			}
			var lat []time.Duration
			for b.Loop() {
				if err := pagecache.Evict(path); err != nil {
					b.Fatal(err)
				}
				cmd := exec.Command(os.Args[0], "-test.run=^TestBenchResultsChild$", "-test.v")
				cmd.Env = append(os.Environ(), "REPAIRDESK_BENCH_RESULTS="+path, "REPAIRDESK_BENCH_RESULTS_WAY="+way)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				_, v, ok := strings.Cut(string(out), "results-ms=")
				if !ok {
					b.Fatalf("child said: %s", out)
				}
				ms, err := strconv.ParseFloat(strings.Fields(v)[0], 64)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Duration(ms*1e6))
			}
			benchkit.Report(b, "open-", lat)
		})
	}
}

// TestBenchResultsChild is BenchmarkResults' child; on its own it does nothing.
func TestBenchResultsChild(t *testing.T) {
	path := os.Getenv("REPAIRDESK_BENCH_RESULTS")
	if path == "" {
		t.Skip("run by BenchmarkResults")
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	t0 := time.Now()
	p, _ := workflow.ParsePeriod("quarter", now)
	if os.Getenv("REPAIRDESK_BENCH_RESULTS_WAY") == "full-scan" {
		_, err = s.ResultsFullScan(p, now)
	} else {
		_, err = s.Results(p, now)
	}
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("results-ms=%.1f\n", float64(time.Since(t0))/1e6)
}
