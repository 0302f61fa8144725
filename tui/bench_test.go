package tui

// Scale benchmarks of the console over a demo database of 100,000 cases (see
// BENCHMARKS.md). They only run with -bench:
//
//	go test -run '^$' -bench . -benchtime 2s -timeout 60m ./store/ ./tui/ ./workflow/search/

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"repairdesk/internal/benchkit"
	"repairdesk/internal/office"
	"repairdesk/internal/pagecache"
	"repairdesk/store"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

var benchCases = benchkit.Cases

// benchFixture is the demo database the store benchmarks use too (see benchkit.Fixture).
func benchFixture(b *testing.B, n int) string {
	return benchkit.Fixture(b, n, func(path string) error {
		st, err := store.Open(path, store.Options{})
		if err != nil {
			return err
		}
		if err := office.GenerateDemo(st, n, 1); err != nil {
			st.Close()
			return err
		}
		return st.Close()
	})
}

func benchOpen(b *testing.B) *store.Store {
	b.Helper()
	st, err := store.Open(benchFixture(b, benchCases), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// benchRenderer draws in true colour, as a modern terminal over SSH would.
func benchRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	return r
}

func benchModel(st *store.Store) *Model { return benchSession(st, nil) }

// benchSession is a console as the server makes one: sharing the server's redraw limit.
func benchSession(st *store.Store, redraws RedrawLimit) *Model {
	me, _ := st.Staff("wangfang")
	m := New(Options{Store: st, Me: me, Lang: "zh", Renderer: benchRenderer(), Redraws: redraws})
	m.manualFeed = true
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return m
}

// BenchmarkStartup: from nothing to the first frame — store.Open on 100,000 cases,
// tui.New, the window size and one View at 120x40. One op = 5 start-ups: "first-" is the
// first in this process (it builds the shared pinyin table), "startup-" the others.
// "search-ready-" is when the search index, built in the background, is complete.
func BenchmarkStartup(b *testing.B) {
	path := benchFixture(b, benchCases)
	var lat, ready []time.Duration
	var first time.Duration
	for b.Loop() {
		for range 5 {
			runtime.GC()
			t0 := time.Now()
			st, err := store.Open(path, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			m := benchModel(st)
			frame := m.View()
			el := time.Since(t0)
			if len(frame) == 0 {
				b.Fatal("empty frame")
			}
			st.Search("x", nil, 1) // waits for the index
			if first == 0 {
				first = el
			} else {
				lat = append(lat, el)
				ready = append(ready, time.Since(t0))
			}
			m.Close()
			st.Close()
		}
	}
	b.ReportMetric(float64(first)/1e6, "first-ms")
	benchkit.Report(b, "startup-", lat)
	b.ReportMetric(benchkit.Percentile(ready, 0.5), "search-ready-p50-ms")
}

// BenchmarkColdStart: start-up to the first frame in a fresh process, after the
// database file's pages were dropped from the page cache — the first start of the day.
// One op = 5 starts. Each is timed by this process from launching the child to reading
// the line the child prints once its first 120x40 frame is drawn ("launch-"), and by the
// child from the start of its test to that frame ("frame-"). The store loads the cases
// beyond the newest behind that frame; "loaded-" is when all are in (the child's clock).
// Linux only (fadvise).
func BenchmarkColdStart(b *testing.B) {
	path := benchFixture(b, benchCases)
	if err := pagecache.Evict(path); err != nil {
		b.Skip("cannot drop the page cache here:", err)
	}
	var launch, inner, loaded []time.Duration
	for b.Loop() {
		for range 5 {
			if err := pagecache.Evict(path); err != nil {
				b.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestBenchColdChild$")
			cmd.Env = append(os.Environ(), "REPAIRDESK_BENCH_COLD="+path)
			out, err := cmd.StdoutPipe()
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			var got bool
			for sc.Scan() {
				if ms, ok := strings.CutPrefix(sc.Text(), "first-frame-ms="); ok {
					launch = append(launch, time.Since(t0))
					v, err := strconv.ParseFloat(ms, 64)
					if err != nil {
						b.Fatal(err)
					}
					inner = append(inner, time.Duration(v*1e6))
					got = true
				}
				if ms, ok := strings.CutPrefix(sc.Text(), "loaded-ms="); ok {
					v, err := strconv.ParseFloat(ms, 64)
					if err != nil {
						b.Fatal(err)
					}
					loaded = append(loaded, time.Duration(v*1e6))
				}
			}
			if err := cmd.Wait(); err != nil || !got {
				b.Fatalf("child: %v (frame seen: %v)", err, got)
			}
		}
	}
	benchkit.Report(b, "launch-", launch)
	benchkit.Report(b, "frame-", inner)
	if len(loaded) > 0 { // from the start of the child's test to every case loaded
		benchkit.Report(b, "loaded-", loaded)
	}
}

// TestBenchColdChild is BenchmarkColdStart's child; on its own it does nothing.
func TestBenchColdChild(t *testing.T) {
	path := os.Getenv("REPAIRDESK_BENCH_COLD")
	if path == "" {
		t.Skip("run by BenchmarkColdStart")
	}
	t0 := time.Now()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := benchModel(st)
	frame := m.View()
	el := time.Since(t0)
	if !strings.Contains(frame, "XF-") {
		t.Fatalf("the first frame shows no case:\n%s", frame)
	}
	fmt.Printf("first-frame-ms=%.3f\n", float64(el)/1e6)
	st.Snapshot() // waits for every case: the load at open goes on behind the first frame
	fmt.Printf("loaded-ms=%.3f\n", float64(time.Since(t0))/1e6)
	m.Close()
}

// BenchmarkQueueView: one frame of the queue at 120x40 on each tab, and with a search
// result (query "h", tens of thousands of hits) on the largest tab.
func BenchmarkQueueView(b *testing.B) {
	st := benchOpen(b)
	m := benchModel(st)
	defer m.Close()
	for t := tabID(0); t < tabCount; t++ {
		b.Run("tab="+tabNames[t], func(b *testing.B) {
			m.q.tab = t
			b.ReportMetric(float64(len(m.q.rows[t])), "rows")
			benchFrames(b, m)
		})
	}
	b.Run("tab=closed/search=h", func(b *testing.B) {
		m.q.tab = tabClosed
		typeSearch(m, "h")
		b.ReportMetric(float64(len(m.q.hits)), "hits")
		benchFrames(b, m)
		m.Update(kmsg("esc"))
	})
}

// benchFrames: "frame-" draws every row afresh (as after a page down or a change to
// every visible row: the worst case); "redraw-" draws the same rows again (after a change
// elsewhere, or a key that moves nothing), when the rows drawn last time are reused.
func benchFrames(b *testing.B, m *Model) {
	var lat, again []time.Duration
	for b.Loop() {
		for range 50 { // one op = 50 frames of each kind
			m.q.rowCache = nil
			t0 := time.Now()
			m.View()
			lat = append(lat, time.Since(t0))
			t0 = time.Now()
			m.View()
			again = append(again, time.Since(t0))
		}
	}
	benchkit.Report(b, "frame-", lat)
	benchkit.Report(b, "redraw-", again)
}

// typeSearch opens the search and types q, running each search synchronously.
func typeSearch(m *Model, q string) {
	m.Update(kmsg("/"))
	for _, r := range q {
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		if cmd != nil {
			m.Update(cmd())
		}
	}
}

// Keystrokes typed one by one: pinyin initials, a case number, a credit-code prefix, a
// name in pinyin, and Chinese (an IME delivers the characters of a word at once).
var benchTyped = [][]string{
	{"h", "n", "x", "x"},
	{"X", "F", "-", "2", "0", "2", "5", "-", "0", "0", "1", "2"},
	{"9", "1", "4", "1", "0"},
	{"w", "a", "n", "g", "f"},
	{"郑州", "宏达"},
	{"z", "h", "e", "n", "g", "z", "h", "o", "u"},
}

// BenchmarkKeystroke: a key typed into the search → the search (run as the command the
// runtime would run off the UI loop, narrowing the previous result) → its result back in
// Update → the next frame. The key's Update returns a batch: the search, and the count of
// matches in the other queues, which the runtime runs beside it and whose answer is drawn
// in a later frame. "search-" is the search command alone, "count-" the count command,
// "ui-" what runs on the session's own loop: the key's Update, the result's Update and
// View, and the count's Update and View. The latency ("p50-ms", "p99-ms") is key →
// the frame with the result: the key's Update, the search, the result's Update and View.
// "ui-max-key" names the keystroke of the slowest UI part.
func BenchmarkKeystroke(b *testing.B) {
	st := benchOpen(b)
	st.Search("x", nil, 1)                 // typing, not start-up: the index is complete (see BenchmarkStartup)
	for t := tabID(0); t < tabCount; t++ { // every tab: the target holds on each
		b.Run("tab="+tabNames[t], func(b *testing.B) {
			m := benchModel(st)
			defer m.Close()
			m.q.tab = t
			var lat, search, count, ui []time.Duration
			var slowest, slowestLat time.Duration
			var slowKey, slowLatKey string
			for b.Loop() {
				for _, word := range benchTyped {
					m.Update(kmsg("/"))
					typed := ""
					for _, k := range word {
						typed += k
						t0 := time.Now()
						_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
						keyUI := time.Since(t0)
						var findT, countT, resultUI, countUI time.Duration
						shown := false
						for _, a := range runTimed(cmd) {
							ran := a.took
							r, ok := a.msg.(searchResultMsg)
							if !ok {
								b.Fatalf("%q: the key's command gave %T", typed, a.msg)
							}
							t2 := time.Now()
							m.Update(r)
							m.View()
							drawn := time.Since(t2)
							if r.counts == nil {
								findT, resultUI, shown = ran, drawn, true
							} else {
								countT, countUI = ran, drawn
							}
						}
						if !shown {
							b.Fatalf("%q: no search ran", typed)
						}
						if got := m.q.hitsFor; got != m.q.query {
							b.Fatalf("%q: the frame shows the result of %q", typed, got)
						}
						lat = append(lat, keyUI+findT+resultUI)
						if l := keyUI + findT + resultUI; l > slowestLat {
							slowestLat, slowLatKey = l, fmt.Sprintf("%q", typed)
						}
						search = append(search, findT)
						count = append(count, countT)
						u := keyUI + resultUI + countUI
						ui = append(ui, u)
						if u > slowest {
							slowest, slowKey = u, fmt.Sprintf("%q", typed)
						}
					}
					m.Update(kmsg("esc"))
				}
			}
			benchkit.Report(b, "", lat)
			b.ReportMetric(benchkit.Percentile(search, 0.99), "search-p99-ms")
			b.ReportMetric(benchkit.Percentile(count, 0.99), "count-p99-ms")
			b.ReportMetric(benchkit.Percentile(ui, 0.5), "ui-p50-ms")
			b.ReportMetric(benchkit.Percentile(ui, 0.99), "ui-p99-ms")
			b.Logf("slowest UI part: %v after typing %s", slowest, slowKey)
			b.Logf("slowest key → frame: %v after typing %s", slowestLat, slowLatKey)
		})
	}
}

type timedMsg struct {
	msg  tea.Msg
	took time.Duration
}

// runTimed runs a command as the runtime does, each command of a batch apart, and times
// each (a batch itself only lists its commands).
func runTimed(cmd tea.Cmd) []timedMsg {
	if cmd == nil {
		return nil
	}
	t0 := time.Now()
	msg := cmd()
	took := time.Since(t0)
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []timedMsg
		for _, c := range batch {
			out = append(out, runTimed(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []timedMsg{{msg, took}}
}

// BenchmarkChange: what one session spends when the store announces a change (every
// commit reaches every session): the queue's tab lists are rebuilt from the snapshot.
func BenchmarkChange(b *testing.B) {
	st := benchOpen(b)
	m := benchModel(st)
	defer m.Close()
	var lat []time.Duration
	for b.Loop() {
		for range 20 {
			t0 := time.Now()
			m.Update(changeMsg{ch: store.Change{Topic: "case"}, ok: true})
			lat = append(lat, time.Since(t0))
		}
	}
	benchkit.Report(b, "", lat)
}

// BenchmarkSessionMemory: the shared store, then what each further session costs (20
// sessions, each with its first frame drawn).
func BenchmarkSessionMemory(b *testing.B) {
	st := benchOpen(b)
	st.Search("h", nil, 1) // waits for the background index build, so base is settled
	for b.Loop() {
		heap := func() uint64 {
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return ms.HeapInuse
		}
		base := heap()
		var ms []*Model
		for range 20 {
			m := benchModel(st)
			m.View()
			ms = append(ms, m)
		}
		after := heap()
		runtime.KeepAlive(ms)
		b.ReportMetric(float64(base)/(1<<20), "store-heap-MB")
		b.ReportMetric((float64(after)-float64(base))/20/(1<<20), "per-session-MB")
		for _, m := range ms {
			m.Close()
		}
	}
}

// BenchmarkServe: 50 sessions on one store, as `repairdesk serve` runs them: each session
// absorbs every change in its own goroutine (Update, then View, as the Bubble Tea loop
// does) while the 50 users comment on their own cases, each every 3 s on average (about
// 16 commits/s: a very busy office). Reported: the commit latency, and how long after an
// action each session's screen showed it ("seen-"). The store is a copy of the fixture.
func BenchmarkServe(b *testing.B) {
	path := benchkit.CopyDB(b, benchFixture(b, benchCases))
	st, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	st.Search("x", nil, 1) // the index is complete
	const sessions, actions = 50, 12
	redraws := NewRedrawLimit() // one per server
	for b.Loop() {
		var seenMu sync.Mutex
		var seen, commits []time.Duration
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range sessions {
			m := benchSession(st, redraws)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer m.Close()
				for {
					select {
					case <-stop:
						return
					case ch, ok := <-m.sub:
						if !ok {
							return
						}
						m.Update(changeMsg{ch: ch, ok: true})
						m.View()
						d := time.Since(ch.At)
						seenMu.Lock()
						seen = append(seen, d)
						seenMu.Unlock()
					}
				}
			}()
		}
		list := st.Snapshot().List()
		staff := []string{"wangfang", "lijun", "zhangmin", "chenjing", "zhaolei"}
		var cw sync.WaitGroup
		var failed atomic.Int64
		for i := range sessions {
			cw.Add(1)
			go func() {
				defer cw.Done()
				me, _ := st.Staff(staff[i%len(staff)])
				r := rand.New(rand.NewPCG(uint64(i), 11))
				for k := range actions {
					time.Sleep(time.Duration(r.Int64N(int64(6 * time.Second))))
					id := list[(i*actions+k)*(len(list)/(sessions*actions+1))+3].ID
					sm, _ := st.Snapshot().Get(id)
					t0 := time.Now()
					_, err := st.Apply(id, sm.Version, me, workflow.Action{Kind: workflow.ActComment, Comment: "备注"})
					d := time.Since(t0)
					if err != nil {
						failed.Add(1)
						continue
					}
					seenMu.Lock()
					commits = append(commits, d)
					seenMu.Unlock()
				}
			}()
		}
		cw.Wait()
		time.Sleep(200 * time.Millisecond) // let the sessions catch up
		close(stop)
		wg.Wait()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d actions failed", n)
		}
		benchkit.Report(b, "commit-", commits)
		benchkit.Report(b, "seen-", seen)
		b.ReportMetric(float64(len(seen))/float64(sessions*len(commits)), "changes-seen-fraction")
	}
}

// BenchmarkKeystrokeParts logs, for each key of benchTyped on the tabs "closed" and
// "mine", what the search command does: the matches it narrows from, the tab's total and
// every case's, and the CPU time (both cores; getrusage) of the search, of the owner
// lookup and of the count of the cases outside the tab, on standard error (a benchmark's
// log keeps ten lines). Where a keystroke's time goes.
func BenchmarkKeystrokeParts(b *testing.B) {
	st := benchOpen(b)
	st.Search("x", nil, 1)
	m := benchModel(st)
	defer m.Close()
	for b.Loop() {
		for _, tab := range []tabID{tabClosed, tabMine} {
			sub := m.q.tabSubset(tab)
			for _, word := range benchTyped {
				var prevTab, prevAll *search.Matches
				q := ""
				for _, k := range word {
					q += k
					c0 := benchkit.ProcessCPU()
					_, total, set := st.SearchNarrow(q, sub, searchLimit, prevTab, prevAll)
					c1 := benchkit.ProcessCPU()
					ownedIn(m.q.snap, sub, m.q.staffNamed(q))
					c2 := benchkit.ProcessCPU()
					_, all := st.CountIn(q, []*search.Subset{nil}, nil, set, prevAll)
					c3 := benchkit.ProcessCPU()
					fmt.Fprintf(os.Stderr, "%-8s %-14q from %7d: tab %7d, all %7d; cpu ms: search %6.1f, owners %5.1f, count %6.1f\n",
						tabNames[tab], q, prevTab.Len(), total, all.Len(), ms(c1-c0), ms(c2-c1), ms(c3-c2))
					prevTab, prevAll = set, all
				}
			}
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
