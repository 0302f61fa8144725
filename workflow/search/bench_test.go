package search

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sahilm/fuzzy"

	"repairdesk/internal/benchkit"
)

// Keystroke queries: the words of the brief typed one character at a time.
var benchQueries = func() []string {
	var qs []string
	for _, word := range []string{"hnxx", "XF-2026-0123", "王", "wangf", "91410"} {
		for i := 1; i <= len(word); i++ {
			if q := word[:i]; utf8Valid(q) {
				qs = append(qs, q)
			}
		}
	}
	return qs
}()

// extraQueries are complete queries (pasted or typed fast): multi-term,
// mixed Chinese/pinyin, exact codes. Benchmarked one by one, not in the mix.
var extraQueries = []string{"henan", "hen xin", "河南 wf", "河南信修", "XF-2026-000123", "91410100MA", "zhengzhou xinyong"}

// typedWords are typed with narrowing: each keystroke searches within the
// previous keystroke's matches.
var typedWords = []string{"hnxx", "XF-2026-0123", "wangf", "91410"}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

const benchLimit = 50 // a screenful

type fixture struct {
	docs  []Doc
	ix    *Index
	mem   uint64 // heap bytes held by the index
	build time.Duration
}

var (
	fixOnce  = map[int]*sync.Once{100_000: {}, 1_000_000: {}}
	fixtures = map[int]*fixture{}
)

func getFixture(b *testing.B, n int) *fixture {
	fixOnce[n].Do(func() {
		f := &fixture{docs: genDocs(n)}
		runePinyin('河') // the pinyin table is shared, not part of one index
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		f.ix = New()
		f.ix.Upsert(f.docs...)
		f.build = time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&m1)
		f.mem = m1.HeapAlloc - m0.HeapAlloc
		fixtures[n] = f
	})
	f := fixtures[n]
	b.Logf("%d docs: index %.1f MB heap (%.0f B/doc), built in %v", n, float64(f.mem)/(1<<20), float64(f.mem)/float64(n), f.build)
	return f
}

// reportLatency reports the p50/p99/max of per-query durations.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		i := min(max(int(math.Ceil(p*float64(len(lat))))-1, 0), len(lat)-1)
		return float64(lat[i]) / 1e6
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
}

// consoleLimit is the console's searchLimit (tui/queue.go).
const consoleLimit = 2000

func benchName(q string) string { return "q=" + strings.ReplaceAll(q, " ", "_") }

func benchSearch(b *testing.B, n int) {
	f := getFixture(b, n)
	ix := f.ix
	// One op = one query, cycling through the keystroke list.
	mix := func(limit int) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			lat := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				q := benchQueries[i%len(benchQueries)]
				t0 := time.Now()
				ix.Search(q, nil, limit)
				lat = append(lat, time.Since(t0))
			}
			reportLatency(b, lat)
			b.ReportMetric(float64(f.mem)/(1<<20), "index-MB")
			b.ReportMetric(f.build.Seconds(), "build-s")
		}
	}
	b.Run("mix", mix(benchLimit))
	b.Run("mix-nolimit", mix(0))
	// Typing as the console does (tui/queue.go runSearch): each keystroke asks for the
	// best 2,000 matches and the total, and narrows to the previous result when the query
	// only grew and that result was complete.
	b.Run("typing", func(b *testing.B) {
		b.ReportAllocs()
		var keys []string
		for _, w := range typedWords {
			for i := 1; i <= len(w); i++ {
				keys = append(keys, w[:i])
			}
		}
		lat := make([]time.Duration, 0, b.N)
		var prev []uint32
		complete := false
		for i := 0; b.Loop(); i++ {
			q := keys[i%len(keys)]
			var within []uint32
			if len(q) > 1 && complete {
				within = prev
			}
			t0 := time.Now()
			ms, total := ix.Search(q, within, consoleLimit)
			lat = append(lat, time.Since(t0))
			prev = prev[:0]
			for _, m := range ms {
				prev = append(prev, m.ID)
			}
			complete = len(ms) >= total
		}
		reportLatency(b, lat)
	})
	for _, q := range append(slices.Clone(benchQueries), extraQueries...) {
		b.Run(benchName(q), func(b *testing.B) {
			b.ReportAllocs()
			lat := make([]time.Duration, 0, b.N)
			var total int
			for b.Loop() {
				t0 := time.Now()
				_, total = ix.Search(q, nil, benchLimit)
				lat = append(lat, time.Since(t0))
			}
			reportLatency(b, lat)
			b.ReportMetric(float64(total), "matches")
		})
	}
}

func BenchmarkSearch100k(b *testing.B) { benchSearch(b, 100_000) }

func BenchmarkSearch1M(b *testing.B) { benchSearch(b, 1_000_000) }

// BenchmarkFuzzyFind100k is the naive baseline: fuzzy.Find over one joined
// line per case.
func BenchmarkFuzzyFind100k(b *testing.B) {
	f := getFixture(b, 100_000)
	lines := make([]string, len(f.docs))
	for i, d := range f.docs {
		lines[i] = strings.Join(d.Fields, " ")
	}
	b.Run("mix", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			fuzzy.Find(benchQueries[i%len(benchQueries)], lines)
			lat = append(lat, time.Since(t0))
		}
		reportLatency(b, lat)
	})
	for _, q := range []string{"h", "hnxx", "王", "wangf", "XF-2026-0123", "91410"} {
		b.Run(benchName(q), func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				fuzzy.Find(q, lines)
				lat = append(lat, time.Since(t0))
			}
			reportLatency(b, lat)
		})
	}
}

// BenchmarkFirstKey1M: the first key typed (one letter or digit) in a tab of 600,000 of
// a million cases, ranked to the console's limit. "cpu-ms" is the process's CPU time per
// search (getrusage: both workers), steadier than the wall time on a shared machine.
func BenchmarkFirstKey1M(b *testing.B) {
	f := getFixture(b, 1_000_000)
	var ids []uint32
	for id := uint32(1); id <= 1_000_000; id++ {
		if id%5 < 3 {
			ids = append(ids, id)
		}
	}
	sub := NewSubset(ids)
	f.ix.SearchIn("x", sub, 1) // the subset's bitmap is made once, not in the first query
	for _, q := range []string{"h", "X", "9", "w", "z"} {
		b.Run(benchName(q), func(b *testing.B) {
			var wall, cpu time.Duration
			for b.Loop() {
				t0, c0 := time.Now(), benchkit.ProcessCPU()
				f.ix.SearchIn(q, sub, consoleLimit)
				wall += time.Since(t0)
				cpu += benchkit.ProcessCPU() - c0
			}
			b.ReportMetric(float64(wall.Microseconds())/1000/float64(b.N), "wall-ms")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms")
		})
	}
}
