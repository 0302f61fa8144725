package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"repairdesk/store"
)

// processStart is about when the test binary started: stall lines give their time from
// it, as GODEBUG=gctrace=1 gives each collection's (@…s), to read the two side by side.
var processStart = time.Now()

// stallOver: an action slower than this is a stall, broken down by phase (reportStalls).
const stallOver = 15 * time.Millisecond

// gcPause is one garbage collection's stop-the-world pauses, ended at End.
type gcPause struct {
	End time.Time
	Dur time.Duration
}

// runtimeWatch samples the Go runtime while a benchmark runs: every collection's pauses
// (MemStats keeps the last 256; sampled every 100 ms, so none is missed at these rates)
// and, at the end, the scheduler's latencies (a goroutine made runnable until it runs).
type runtimeWatch struct {
	done   chan struct{}
	wg     sync.WaitGroup
	pauses []gcPause
	gc0    uint32
	cpu0   float64
	start  time.Time
	sched0 *metrics.Float64Histogram
	gcCPU0 float64
}

// gcCPU is the CPU the collector has used so far (its workers, the assists and the
// pauses), in seconds: on two cores a mark phase takes a whole core from the database's
// processes for its length, which the pauses alone do not show.
func gcCPU() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s[0].Value.Float64()
}

func schedLatencies() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	h := s[0].Value.Float64Histogram()
	return &metrics.Float64Histogram{Counts: slices.Clone(h.Counts), Buckets: h.Buckets}
}

func watchRuntime() *runtimeWatch {
	w := &runtimeWatch{done: make(chan struct{}), start: time.Now(), sched0: schedLatencies(), gcCPU0: gcCPU()}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.gc0, w.cpu0 = ms.NumGC, ms.GCCPUFraction
	last := ms.NumGC
	w.wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			for n := last + 1; n <= ms.NumGC && n+255 >= ms.NumGC; n++ {
				i := (n + 255) % 256
				w.pauses = append(w.pauses, gcPause{End: time.Unix(0, int64(ms.PauseEnd[i])), Dur: time.Duration(ms.PauseNs[i])})
			}
			last = ms.NumGC
			select {
			case <-w.done:
				return
			case <-tick.C:
			}
		}
	})
	return w
}

// stop ends the sampling, reports the collections and the scheduler's latencies, and
// returns the pauses seen.
func (w *runtimeWatch) stop(b *testing.B) []gcPause {
	close(w.done)
	w.wg.Wait()
	secs := time.Since(w.start).Seconds()
	var total, longest time.Duration
	for _, p := range w.pauses {
		total += p.Dur
		longest = max(longest, p.Dur)
	}
	b.ReportMetric(float64(len(w.pauses))/secs, "gc/s")
	b.ReportMetric(float64(longest.Microseconds())/1000, "gc-pause-max-ms")
	b.ReportMetric((gcCPU()-w.gcCPU0)*1000/float64(b.N), "gc-cpu-ms/action")
	if h := schedLatencies(); h != nil && w.sched0 != nil && len(h.Counts) == len(w.sched0.Counts) {
		var n uint64
		d := make([]uint64, len(h.Counts))
		for i := range d {
			d[i] = h.Counts[i] - w.sched0.Counts[i]
			n += d[i]
		}
		at := func(p float64) float64 { // the bucket's upper bound holding the p-th
			var c uint64
			for i, v := range d {
				c += v
				if float64(c) >= p*float64(n) {
					return min(h.Buckets[i+1], 10) * 1000
				}
			}
			return 0
		}
		if n > 0 {
			b.ReportMetric(at(0.99), "sched-p99-ms")
			b.ReportMetric(at(0.9999), "sched-p9999-ms")
		}
	}
	return w.pauses
}

// phases of a group commit, in their order in time.
var phaseNames = []string{"rerun", "acquire", "read-ahead", "engine", "anchor-wait", "writes", "commit", "anchor", "publish", "anchor-sync", "between-groups", "hand-back"}

// reportStalls breaks each action slower than over down by where its node's time went
// while it waited: the phases of its own group commit and of those before it on its
// node (they hold the turn), the time between groups (handing the turn on), and the hand
// back to the session after its answer. Each stall's line goes to the trace log; the
// sums over all stalls, and how many stalls each phase dominated, are logged too.
func reportStalls(b *testing.B, nodes []*store.Store, gcs []gcPause, over time.Duration) {
	type stall struct {
		node  int
		a     store.ActionTrace
		parts map[string]time.Duration
		gcs   int
		gcDur time.Duration
	}
	var stalls []stall
	var all int
	for k, s := range nodes {
		groups := s.GroupTraces()
		for _, a := range s.Traces() {
			all++
			if a.Latency <= over {
				continue
			}
			st := stall{node: k, a: a, parts: map[string]time.Duration{}}
			from, to := a.Queued, a.Queued.Add(a.Answered)
			covered := time.Duration(0)
			add := func(name string, s, e time.Time) {
				s, e = later(s, from), earlier(e, to)
				if e.After(s) {
					st.parts[name] += e.Sub(s)
					covered += e.Sub(s)
				}
			}
			for _, g := range groups {
				end := g.End
				if end.IsZero() {
					end = g.Start.Add(g.Times.Total + g.Rerun + g.Anchor)
				}
				if !end.After(from) || !g.Start.Before(to) {
					continue
				}
				t := g.Start
				step := func(name string, d time.Duration) {
					add(name, t, t.Add(d))
					t = t.Add(d)
				}
				tt := g.Times
				step("rerun", g.Rerun)
				step("acquire", tt.Acquire)
				step("read-ahead", tt.ReadAhead)
				step("engine", max(0, tt.Total-tt.Acquire-tt.ReadAhead-tt.Writes-tt.Commit-tt.BesideWait-g.LogSyncWait))
				step("anchor-wait", g.LogSyncWait) // for the previous group's fsync, before COMMIT
				step("writes", tt.Writes)
				step("commit", tt.Commit)
				step("anchor", tt.BesideWait+g.Anchor)
				if !g.End.IsZero() {
					add("publish", g.End.Add(-g.LogSync-g.Publish), g.End.Add(-g.LogSync))
					add("anchor-sync", g.End.Add(-g.LogSync), g.End) // the entry's fsync, the next group under way
				}
			}
			st.parts["between-groups"] = max(0, a.Answered-covered)
			st.parts["hand-back"] = a.Latency - a.Answered
			for _, p := range gcs {
				if p.End.After(a.Queued) && p.End.Before(a.Queued.Add(a.Latency)) {
					st.gcs++
					st.gcDur += p.Dur
				}
			}
			stalls = append(stalls, st)
		}
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
	sum := map[string]time.Duration{}
	dominant := map[string]int{}
	var withGC int
	slices.SortFunc(stalls, func(x, y stall) int { return int(y.a.Latency - x.a.Latency) })
	for _, st := range stalls {
		top, topD := "", time.Duration(-1)
		var parts []string
		for _, n := range phaseNames {
			d := st.parts[n]
			sum[n] += d
			if d > topD {
				top, topD = n, d
			}
			if d >= 500*time.Microsecond {
				parts = append(parts, n+" "+ms(d))
			}
		}
		dominant[top]++
		if st.gcs > 0 {
			withGC++
		}
		logTrace(b, fmt.Sprintf("stall: at @%.3fs, node %d case %d %s ms, mostly %s: %s; gc %d (%s ms stopped)", st.a.Queued.Sub(processStart).Seconds(), st.node+1, st.a.Case, ms(st.a.Latency), top, strings.Join(parts, ", "), st.gcs, ms(st.gcDur)))
	}
	line := fmt.Sprintf("stalls over %v: %d of %d actions;", over, len(stalls), all)
	for _, n := range phaseNames {
		if sum[n] > 0 {
			line += fmt.Sprintf(" %s %s ms (dominant in %d)", n, ms(sum[n]), dominant[n])
		}
	}
	line += fmt.Sprintf("; a collection ended during %d of them", withGC)
	logTrace(b, line)
	b.ReportMetric(float64(len(stalls)), "stalls")
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// BenchmarkAnchorAppendFsync: the disk's fsync of a small append (an anchor-log line,
// 600 bytes), in the directory the benchmarks' anchor logs are in, one after another; p50,
// p99 and the longest (the append itself is not timed). BenchmarkAnchorAppendFdatasync:
// the same with fdatasync, for comparison. (BenchmarkFsync, in the package's own tests,
// is bbolt's pattern: a 4 KiB write in place and a sync.)
func BenchmarkAnchorAppendFsync(b *testing.B) {
	benchSync(b, func(f *os.File) error { return f.Sync() })
}
func BenchmarkAnchorAppendFdatasync(b *testing.B) { benchSync(b, fdatasync) }

func benchSync(b *testing.B, sync func(*os.File) error) {
	line := []byte(strings.Repeat("x", 599) + "\n")
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "log"), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		if err := sync(f); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(slices.Max(lat).Microseconds())/1000, "max-ms")
}

// pgBuffers is the server's buffer and WAL counters (pg_stat_bgwriter, pg_stat_wal and the
// database's pg_stat_database), for what a run cost the server beyond its CPU.
type pgBuffers struct {
	backendWrites, cleanWrites, ckptWrites, alloc int64 // buffers written by backends, the bgwriter, checkpoints; allocated
	read, hit                                     int64 // the database's blocks read from outside shared_buffers, and found in them
	walSync, walFPI                               int64
	walBytes                                      float64
	ok                                            bool
}

func readPGBuffers(nodes []*store.Store) (p pgBuffers) {
	pool := nodes[0].PGPool()
	if pool == nil {
		return p
	}
	ctx := context.Background()
	if pool.QueryRow(ctx, `SELECT buffers_backend, buffers_clean, buffers_checkpoint, buffers_alloc FROM pg_stat_bgwriter`).Scan(&p.backendWrites, &p.cleanWrites, &p.ckptWrites, &p.alloc) != nil {
		return p
	}
	if pool.QueryRow(ctx, `SELECT blks_read, blks_hit FROM pg_stat_database WHERE datname = current_database()`).Scan(&p.read, &p.hit) != nil {
		return p
	}
	if pool.QueryRow(ctx, `SELECT wal_sync, wal_fpi, wal_bytes::float8 FROM pg_stat_wal`).Scan(&p.walSync, &p.walFPI, &p.walBytes) != nil {
		return p
	}
	p.ok = true
	return p
}

// reportServerSettings reports the server's shared_buffers (MB), the setting that
// decides whether a 100,000-case base's pages stay in PostgreSQL's own cache
// (BENCHMARKS.md, "Commits at 100,000 cases on PostgreSQL: the stall"), so that each
// figure says what it ran with.
func reportServerSettings(b *testing.B, nodes []*store.Store) {
	pool := nodes[0].PGPool()
	if pool == nil {
		return
	}
	var blocks, size float64
	if pool.QueryRow(context.Background(), `SELECT setting::float8, pg_size_bytes(coalesce(unit, '1'))::float8 FROM pg_settings WHERE name = 'shared_buffers'`).Scan(&blocks, &size) == nil {
		b.ReportMetric(blocks*size/(1<<20), "shared-buffers-MB")
	}
}

// reportPGBuffers reports, per action since p0, the blocks the server had to bring into
// shared_buffers (blks-read/action), the dirty buffers its backends had to write out
// themselves to make room (backend-writes/action: each may wait for a WAL flush first),
// and the WAL written. The backends send their statistics when they go idle, at most
// once a second, so they are read after a wait, and a few may still be missing.
func reportPGBuffers(b *testing.B, nodes []*store.Store, p0 pgBuffers) {
	if !p0.ok {
		return
	}
	time.Sleep(1500 * time.Millisecond)
	p := readPGBuffers(nodes)
	if !p.ok {
		return
	}
	n := float64(b.N)
	b.ReportMetric(float64(p.read-p0.read)/n, "blks-read/action")
	b.ReportMetric(float64(p.backendWrites-p0.backendWrites)/n, "backend-writes/action")
	b.ReportMetric(float64(p.cleanWrites-p0.cleanWrites+p.ckptWrites-p0.ckptWrites)/n, "bg-writes/action")
	b.ReportMetric((p.walBytes-p0.walBytes)/n, "wal-B/action")
	b.ReportMetric(float64(p.walFPI-p0.walFPI)/n, "wal-fpi/action")
}
