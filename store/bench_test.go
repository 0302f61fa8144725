package store

// Scale benchmarks over a demo database of 100,000 cases (see BENCHMARKS.md). They only
// run with -bench; the Tests here are small and fast (-benchtime 1x gives the same
// figures: every op takes its own samples).
//
//	go test -run '^$' -bench . -benchtime 2s -timeout 60m ./store/ ./tui/ ./workflow/search/

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/benchkit"
	"repairdesk/internal/pagecache"
	"repairdesk/store/kv"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

var benchCases = benchkit.Cases

// benchFixture returns the demo database with n cases (see benchkit.Fixture).
func benchFixture(tb testing.TB, n int) string {
	return benchkit.Fixture(tb, n, func(path string) error { return generateDemoAt(path, n) })
}

// generateDemoAt writes a new demo database of n cases at path.
func generateDemoAt(path string, n int) error {
	s, err := Open(path, Options{})
	if err != nil {
		return err
	}
	if err := Demo.Generate(s, n, 1); err != nil {
		s.Close()
		return err
	}
	return s.Close()
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// rssMB is the process's resident set (Linux), 0 elsewhere. It includes the pages of the
// memory-mapped database file that were touched.
func rssMB() float64 { return statusMB("VmRSS:") }

// statusMB reads a size field of /proc/self/status (Linux), 0 elsewhere.
func statusMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// cpuSeconds is the CPU time this process has used (Linux; 0 elsewhere): with other work
// on the machine it says more than the wall clock.
func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s) // from field 3 (state) on: utime and stime are fields 14 and 15
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100 // USER_HZ
}

// BenchmarkGenerateDemo times `repairdesk demo --cases 100000` and leaves its database as
// the fixture of the other benchmarks (so one run generates it once, with today's dates).
func BenchmarkGenerateDemo(b *testing.B) {
	for b.Loop() {
		start, cpu := time.Now(), cpuSeconds()
		path := benchkit.Generate(b, benchCases, func(path string) error { return generateDemoAt(path, benchCases) })
		el := time.Since(start)
		b.ReportMetric(cpuSeconds()-cpu, "cpu-s")
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(el.Seconds(), "gen-s")
		b.ReportMetric(float64(benchCases)/el.Seconds(), "cases/s")
		b.ReportMetric(mb(uint64(fi.Size())), "file-MB")
	}
}

// BenchmarkOpen: start-up of the store on 100,000 cases — summaries decoded into the
// snapshot, deadlines computed — and, apart ("index-"), the search index built behind it.
// One op = 5 opens: "first-" is the first in this process (the pinyin table is built
// then), "open-" the others.
func BenchmarkOpen(b *testing.B) {
	path := benchFixture(b, benchCases)
	var lat, idx []time.Duration
	var first time.Duration
	for b.Loop() {
		for range 5 {
			runtime.GC()
			start := time.Now()
			s, err := Open(path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			el := time.Since(start)
			s.Snapshot().waitIndexed()
			ix := time.Since(start)
			if first == 0 {
				first = el
			} else {
				lat = append(lat, el)
				idx = append(idx, ix)
			}
			if n := len(s.Snapshot().List()); n != benchCases {
				b.Fatalf("%d summaries, want %d", n, benchCases)
			}
			s.Close()
		}
	}
	b.ReportMetric(float64(first)/1e6, "first-ms")
	benchkit.Report(b, "open-", lat)
	b.ReportMetric(benchkit.Percentile(idx, 0.5), "index-p50-ms")
}

// BenchmarkMemory: what a process holds with the 100,000-case store open — the snapshot,
// deadlines, search index and the shared queue views — measured in a fresh child process
// (this one has generated the fixture and opened it many times), after a GC.
func BenchmarkMemory(b *testing.B) {
	path := benchFixture(b, benchCases)
	var m map[string]float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBenchMemoryChild$", "-test.v")
		cmd.Env = append(os.Environ(), "REPAIRDESK_BENCH_MEMORY="+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		m = map[string]float64{}
		for _, f := range strings.Fields(string(out)) {
			if k, v, ok := strings.Cut(f, "="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					m[k] = x
				}
			}
		}
		if len(m) < 4 {
			b.Fatalf("child said: %s", out)
		}
	}
	for _, k := range []string{"heapinuse-MB", "sys-MB", "rss-MB", "rss-anon-MB", "rss-file-MB", "rss-scavenged-MB"} {
		b.ReportMetric(m[k], k)
	}
}

// TestBenchMemoryChild is BenchmarkMemory's child; on its own it does nothing.
func TestBenchMemoryChild(t *testing.T) {
	path := os.Getenv("REPAIRDESK_BENCH_MEMORY")
	if path == "" {
		t.Skip("run by BenchmarkMemory")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Snapshot().waitIndexed()
	s.Snapshot().Closed()
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, anon, file := rssMB(), statusMB("RssAnon:"), statusMB("RssFile:")
	debug.FreeOSMemory()
	fmt.Printf("heapinuse-MB=%.1f sys-MB=%.1f rss-MB=%.1f rss-anon-MB=%.1f rss-file-MB=%.1f rss-scavenged-MB=%.1f\n",
		mb(ms.HeapInuse), mb(ms.Sys), rss, anon, file, rssMB())
}

// BenchmarkDashboard: what the dashboard loads (StatsData: every case and event of
// 100,000 cases). "warm": again and again in one process, with the heap it holds after a
// GC. "cold": in a fresh child process after the file was dropped from the page cache,
// timed from Open's return to the data.
func BenchmarkDashboard(b *testing.B) {
	path := benchFixture(b, benchCases)
	b.Run("warm", func(b *testing.B) {
		s, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		s.Snapshot().waitIndexed()
		var lat []time.Duration
		var held float64
		for b.Loop() {
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			t0 := time.Now()
			cases, events, err := s.StatsData()
			lat = append(lat, time.Since(t0))
			if err != nil || len(cases) != benchCases || len(events) != benchCases {
				b.Fatalf("%d cases, events of %d: %v", len(cases), len(events), err)
			}
			runtime.GC()
			runtime.ReadMemStats(&m1)
			held = mb(m1.HeapAlloc - m0.HeapAlloc)
			runtime.KeepAlive(cases)
			runtime.KeepAlive(events)
		}
		benchkit.Report(b, "load-", lat)
		b.ReportMetric(held, "held-MB")
	})
	b.Run("cold", func(b *testing.B) {
		if err := pagecache.Evict(path); err != nil {
			b.Skip("cannot drop the page cache here:", err)
		}
		var lat []time.Duration
		for b.Loop() {
			if err := pagecache.Evict(path); err != nil {
				b.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestBenchDashboardChild$", "-test.v")
			cmd.Env = append(os.Environ(), "REPAIRDESK_BENCH_DASHBOARD="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			_, v, ok := strings.Cut(string(out), "load-ms=")
			if !ok {
				b.Fatalf("child said: %s", out)
			}
			ms, err := strconv.ParseFloat(strings.Fields(v)[0], 64)
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Duration(ms*1e6))
		}
		benchkit.Report(b, "load-", lat)
	})
}

// TestBenchDashboardChild is BenchmarkDashboard's child; on its own it does nothing.
func TestBenchDashboardChild(t *testing.T) {
	path := os.Getenv("REPAIRDESK_BENCH_DASHBOARD")
	if path == "" {
		t.Skip("run by BenchmarkDashboard")
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Now()
	cases, _, err := s.StatsData()
	if err != nil || len(cases) != benchCases {
		t.Fatalf("%d cases: %v", len(cases), err)
	}
	fmt.Printf("load-ms=%.1f\n", float64(time.Since(t0))/1e6)
}

// BenchmarkLoadSummaries isolates decoding the summaries bucket (no deadline, no index).
func BenchmarkLoadSummaries(b *testing.B) {
	path := benchFixture(b, benchCases)
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var bytes int
	for b.Loop() {
		bytes = 0
		err := s.db.View(func(tx kv.Tx) error {
			list, _, err := readSummaries(tx, MemoryHints{})
			if len(list) != benchCases {
				return fmt.Errorf("%d summaries", len(list))
			}
			bb, _ := kv.BoltBucket(tx.Bucket(bSums))
			bytes = bb.Stats().LeafInuse
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(mb(uint64(bytes)), "bucket-MB")
}

// BenchmarkRefresh: the in-memory part of a commit — the new summary, its deadline, the
// new snapshot and the search index.
func BenchmarkRefresh(b *testing.B) {
	path := benchFixture(b, benchCases)
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, err := s.Case(s.Snapshot().List()[benchCases/2].ID)
	if err != nil {
		b.Fatal(err)
	}
	s.Snapshot().waitIndexed()
	s.Snapshot().Closed() // the shared views exist (a console asked for them): keep them up
	var lat []time.Duration
	for b.Loop() {
		for range 200 { // one op = 200 commits
			c.Version++
			t0 := time.Now()
			s.refresh(&c)
			lat = append(lat, time.Since(t0))
			s.Snapshot().Closed() // as the consoles do when they hear of the change
		}
	}
	benchkit.Report(b, "", lat)
}

// BenchmarkFsync is what the disk gives: one 4 KiB write and a sync, as bbolt does twice
// per commit (the pages, then the meta page).
func BenchmarkFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "sync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	var lat []time.Duration
	for b.Loop() {
		for i := range 100 { // one op = 100 syncs
			t0 := time.Now()
			if _, err := f.WriteAt(buf, int64(i%64)*4096); err != nil {
				b.Fatal(err)
			}
			if err := fdatasync(f); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	benchkit.Report(b, "", lat)
}

func fdatasync(f *os.File) error { return f.Sync() } // fsync: a little more than bbolt's fdatasync

// BenchmarkCommits: 50 sessions comment on their own cases and, one action in five, on
// five shared ones; a conflict is retried at the version it reports, as a user does after
// the console reloads the case. Every attempt is timed from the call to Apply to its
// return, waiting for the writer included. After every round each case must hold exactly
// the events that were acknowledged, and its version must have moved by as many. The
// store is a copy of the fixture, with fsync on as always.
func BenchmarkCommits(b *testing.B) {
	s, err := Open(benchkit.CopyDB(b, benchFixture(b, benchCases)), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.Snapshot().waitIndexed() // steady state: the index built at open is complete
	s.Snapshot().Closed()      // and the shared queue views exist, as with consoles
	b.Run("sessions=1", func(b *testing.B) { benchCommits(b, s, 1, 200, 0) })
	// 50 sessions with no pause at all between actions (saturation: the latency is the
	// queue, by Little's law).
	b.Run("sessions=50", func(b *testing.B) { benchCommits(b, s, 50, 40, 0) })
	// The same 50 sessions, each pausing at random between its actions, so that they
	// offer 100 to 2,000 commits/s together (50 people at their keyboards offer a few).
	for _, rate := range []int{100, 400, 1000, 2000} {
		pace := time.Duration(50 * int(time.Second) / rate)
		b.Run(fmt.Sprintf("sessions=50/offered=%d", rate), func(b *testing.B) {
			benchCommits(b, s, 50, max(10, int(4*time.Second/pace)), pace)
		})
	}
}

func benchCommits(b *testing.B, s *Store, sessions, perSession int, pace time.Duration) {
	list := s.Snapshot().List()
	staff := Demo.Staff[:5] // specialists and supervisors may comment
	// Own cases: spread over the whole id range; shared: five cases everybody touches.
	own := make([][]uint32, sessions)
	for i := range own {
		for k := range 4 {
			own[i] = append(own[i], list[(i*4+k)*(len(list)/(sessions*4+8))+7].ID)
		}
	}
	shared := []uint32{list[0].ID, list[1].ID, list[2].ID, list[3].ID, list[4].ID}
	var (
		lat                 []time.Duration
		conflicts, maxTries int
		elapsed             time.Duration
		total               int
	)
	for round := 0; b.Loop(); round++ {
		before := map[uint32]int{}
		for _, sm := range s.Snapshot().List() {
			before[sm.ID] = sm.Version
		}
		var (
			mu       sync.Mutex
			acked    = map[uint32]int{}
			failures []error
		)
		start := time.Now()
		var wg sync.WaitGroup
		for i := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), uint64(round)))
				me := staff[i%len(staff)]
				for k := range perSession {
					if pace > 0 {
						time.Sleep(time.Duration(r.Int64N(int64(2 * pace))))
					}
					id := own[i][k%len(own[i])]
					if k%5 == 4 {
						id = shared[r.IntN(len(shared))]
					}
					a := workflow.Action{Kind: workflow.ActComment, Comment: fmt.Sprintf("第%d轮第%d号会话第%d条备注", round, i, k)}
					sm, _ := s.Snapshot().Get(id)
					version := sm.Version
					for try := 0; ; try++ {
						t0 := time.Now()
						_, err := s.Apply(id, version, me, a)
						d := time.Since(t0)
						var ce *ConflictError
						conflict := errors.As(err, &ce) && try < 1000
						mu.Lock()
						lat = append(lat, d)
						switch {
						case err == nil:
							acked[id]++
						case conflict:
							conflicts++
							maxTries = max(maxTries, try+1)
						default:
							failures = append(failures, err)
						}
						mu.Unlock()
						if !conflict {
							break
						}
						version = ce.Current // reloaded, as the console does, and tried again
					}
				}
			}()
		}
		wg.Wait()
		elapsed += time.Since(start)
		if len(failures) > 0 {
			b.Fatalf("%d failed actions, first: %v", len(failures), failures[0])
		}
		// No lost updates: versions and stored events add up.
		n := 0
		for id, k := range acked {
			n += k
			sm, _ := s.Snapshot().Get(id)
			if sm.Version != before[id]+k {
				b.Fatalf("case %d: version %d, want %d+%d", id, sm.Version, before[id], k)
			}
			evs, err := s.Events(id)
			if err != nil || len(evs) != before[id]+k {
				b.Fatalf("case %d: %d events (%v), want %d", id, len(evs), err, before[id]+k)
			}
		}
		if n != sessions*perSession {
			b.Fatalf("%d actions acknowledged, want %d", n, sessions*perSession)
		}
		total += n
	}
	benchkit.Report(b, "commit-", lat)
	b.ReportMetric(float64(total)/elapsed.Seconds(), "commits/s")
	b.ReportMetric(float64(conflicts), "conflicts")
	b.ReportMetric(float64(maxTries), "max-retries")
}

// TestSummaryEncoding: the compact summary layout round-trips every field, old JSON
// summaries still load, and an unreadable summaries bucket is rebuilt from the cases.
func TestSummaryEncoding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Demo.Generate(s, 30, 3); err != nil {
		t.Fatal(err)
	}
	want := summariesText(t, s)
	if p := s.Check(); len(p) > 0 {
		t.Fatalf("Check of the demo: %v", p)
	}
	s.Close()

	reopen := func(what string) {
		t.Helper()
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer s.Close()
		if got := summariesText(t, s); got != want {
			t.Errorf("%s: summaries differ\n got %s\nwant %s", what, got, want)
		}
		// A writable open leaves every summary in the current layout.
		err = s.db.View(func(tx kv.Tx) error {
			n := 0
			err := tx.Bucket(bSums).ForEach(func(k, v []byte) error {
				n++
				if len(v) == 0 || v[0] != sumLayout {
					return fmt.Errorf("summary %x is stored as %q", k, v)
				}
				var sm Summary // and each is its own case's (a reused buffer once made them all one)
				if err := (&sumDecoder{}).decode(v, &sm); err != nil || sm.ID != binary.BigEndian.Uint32(k) {
					return fmt.Errorf("summary %x does not decode as its case: %v, id %d", k, err, sm.ID)
				}
				return nil
			})
			if err == nil && n != len(s.Snapshot().List()) {
				err = fmt.Errorf("%d stored summaries for %d cases", n, len(s.Snapshot().List()))
			}
			return err
		})
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
		if m, _ := s.Search(s.Snapshot().List()[7].Enterprise, nil, 50); !slices.ContainsFunc(m, func(m search.Match) bool { return m.ID == s.Snapshot().List()[7].ID }) {
			t.Errorf("%s: search does not find a case by its enterprise", what)
		}
	}
	reopen("reopen")

	// Schema-1 files hold JSON summaries: they load as before.
	rewrite(t, path, func(id uint32, sm *Summary) []byte { return DemoSummaryJSON(sm) })
	reopen("JSON summaries")
	// A summary in a layout this program does not know: all are rebuilt from the cases.
	rewrite(t, path, func(id uint32, sm *Summary) []byte {
		if id == 5 {
			return []byte{0xff, 1, 2, 3}
		}
		return encodeSummary(nil, sm)
	})
	reopen("unreadable summary")
	// A missing summary is rebuilt too.
	rewrite(t, path, func(id uint32, sm *Summary) []byte {
		if id == 9 {
			return nil
		}
		return encodeSummary(nil, sm)
	})
	reopen("missing summary")
}

// TestSnapshotViews: Open and Closed, derived after each commit, equal the ones made
// afresh.
func TestSnapshotViews(t *testing.T) {
	s := demoStore(t, 80, 5)
	check := func(what string) {
		t.Helper()
		sn := s.Snapshot()
		fresh := &Snapshot{t: sn.t, views: &views{}}
		if !slices.Equal(sn.Open(), fresh.Open()) || !slices.Equal(sn.Closed(), fresh.Closed()) {
			t.Fatalf("%s: derived views differ from fresh ones", what)
		}
		list := sn.List()
		if len(list) != sn.Len() || len(sn.Open())+len(sn.Closed()) != sn.Len() {
			t.Fatalf("%s: %d listed, Len %d, %d open + %d closed", what, len(list), sn.Len(), len(sn.Open()), len(sn.Closed()))
		}
		for i, sm := range list {
			if got, ok := sn.Get(sm.ID); !ok || got != sm {
				t.Fatalf("%s: Get(%d) = %v, %v", what, sm.ID, got, ok)
			}
			if i > 0 && list[i-1].ID <= sm.ID {
				t.Fatalf("%s: not newest first at %d: %d then %d", what, i, list[i-1].ID, sm.ID)
			}
		}
		if _, ok := sn.Get(uint32(sn.Len() + 5)); ok {
			t.Fatalf("%s: Get found a case that does not exist", what)
		}
		if _, ok := sn.Get(0); ok {
			t.Fatalf("%s: Get found case 0", what)
		}
	}
	check("open")
	first := s.Snapshot()
	wang := Demo.Staff[0]
	r := rand.New(rand.NewPCG(1, 2))
	for k := range 30 {
		sn := s.Snapshot()
		var sm *Summary
		switch k % 3 {
		case 0: // an open case
			sm = sn.Open()[r.IntN(len(sn.Open()))]
		case 1: // a closed case
			sm = sn.Closed()[r.IntN(len(sn.Closed()))]
		}
		switch {
		case sm == nil:
			code := Demo.CreditCode(r, "410100")
			in := workflow.Intake{Enterprise: workflow.Enterprise{Name: "郑州测试科技有限公司", CreditCode: code, LegalRep: "张伟", Address: "郑州市金水区花园路1号"},
				Agent:   workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: Demo.IDNumber(r), AuthLetter: "SQ-2026-0001"},
				Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01", Problem: "wrong_data"}}}
			if _, err := s.Create(wang, in, ""); err != nil {
				t.Fatal(err)
			}
		case k%2 == 0 && !sm.Stage.Terminal():
			if _, err := s.Apply(sm.ID, sm.Version, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"}); err != nil {
				t.Fatal(err)
			}
		default:
			if _, err := s.Apply(sm.ID, sm.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "备注"}); err != nil {
				t.Fatal(err)
			}
		}
		check(fmt.Sprintf("after commit %d", k))
		now := s.Snapshot()
		if ids, ok := now.ChangesSince(sn); !ok || len(ids) != 1 || (sm != nil && ids[0] != sm.ID) {
			t.Fatalf("after commit %d: ChangesSince = %v, %v", k, ids, ok)
		}
		if ids, ok := now.ChangesSince(first); !ok || len(ids) != k+1 {
			t.Fatalf("after commit %d: %d changes since the first snapshot (%v)", k, len(ids), ok)
		}
	}
	if _, ok := first.ChangesSince(s.Snapshot()); ok {
		t.Error("ChangesSince went backwards")
	}

	// One group commit that changes several cases, one of them twice, and closes one.
	sn := s.Snapshot()
	sn.Closed() // the views are made, so the next ones are derived from them
	o1, o2, c1 := sn.Open()[0], sn.Open()[1], sn.Closed()[0]
	note := workflow.Action{Kind: workflow.ActComment, Comment: "备注", Actor: wang.Name, At: s.opts.Now()}
	withdraw := workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回", Actor: wang.Name, At: s.opts.Now()}
	req := func(sm *Summary, version int, a workflow.Action) *applyReq {
		return &applyReq{id: sm.ID, expected: version, actor: wang, a: a, done: make(chan struct{})}
	}
	batch := []*applyReq{req(o1, o1.Version, note), req(c1, c1.Version, note), req(o1, o1.Version+1, withdraw), req(o2, o2.Version, note)}
	s.commitBatch(batch)
	for i, r := range batch {
		if r.err != nil {
			t.Fatalf("batch action %d: %v", i, r.err)
		}
	}
	check("after a group commit")
	now := s.Snapshot()
	if got, _ := now.Get(o1.ID); got.Version != o1.Version+2 || !got.Stage.Terminal() || !slices.Contains(now.Closed(), got) {
		t.Fatalf("the case withdrawn in the batch: version %d, stage %s", got.Version, got.Stage)
	}
	if ids, ok := now.ChangesSince(sn); !ok || !slices.Equal(ids, []uint32{o1.ID, c1.ID, o1.ID, o2.ID}) {
		t.Fatalf("ChangesSince after a group commit = %v, %v", ids, ok)
	}
}

// rewrite replaces every stored summary with enc's bytes (nil deletes it).
func rewrite(t *testing.T, path string, enc func(id uint32, sm *Summary) []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Keep what only the store can compute (the ID number's keyed hash). Read first: a
	// value read in a write transaction is not valid after a Put.
	idh := map[uint32]string{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bSums).ForEach(func(k, v []byte) error {
			var was Summary
			if (&sumDecoder{}).decode(v, &was) == nil {
				idh[was.ID] = was.IDH
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		cb := tx.Bucket(bCases)
		sb := tx.Bucket(bSums)
		return cb.ForEach(func(k, v []byte) error {
			var c workflow.Case
			if err := unmarshalValue(v, &c); err != nil {
				return err
			}
			sm := summarise(&c)
			sm.IDH = idh[c.ID]
			if b := enc(c.ID, &sm); b != nil {
				return sb.Put(k, b)
			}
			return sb.Delete(k)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func summariesText(t *testing.T, s *Store) string {
	t.Helper()
	var sb strings.Builder
	for _, sm := range s.Snapshot().List() {
		d := sm.Due
		fmt.Fprintf(&sb, "%s|due=%s/%v/%v/%s\n", DemoSummaryJSON(sm), d.At.UTC().Format(time.RFC3339Nano), d.Provisional, d.Paused, d.Kind)
	}
	return sb.String()
}

// BenchmarkHeldBytes: what one case costs in memory, by part: its summary as loaded at
// open (the Summary, its strings, slices and pauses) and its search index entry. Measured
// as the live heap after a GC, before and after each part is made (bytes per case).
func BenchmarkHeldBytes(b *testing.B) {
	s, err := Open(benchFixture(b, benchCases), Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.Snapshot().waitIndexed() // the store's own load and index are done: only ours grow
	live := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for b.Loop() {
		base := live()
		var list []*Summary
		err := s.view(func(tx kv.Tx) error {
			var err error
			list, _, err = readSummaries(tx, MemoryHints{})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		sums := live()
		ix := search.New()
		docs := make([]search.Doc, len(list))
		for i, sm := range list {
			docs[i] = docOf(sm)
		}
		ix.Upsert(docs...)
		docs = nil
		indexed := live()
		n := float64(len(list))
		b.ReportMetric(float64(sums-base)/n, "summary-B")
		b.ReportMetric(float64(indexed-sums)/n, "index-B")
		runtime.KeepAlive(list)
		runtime.KeepAlive(ix)
	}
}
