package store_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"repairdesk/internal/benchkit"
	"repairdesk/store"
	"repairdesk/store/kv"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// BenchPGEnv names a PostgreSQL database that holds a loaded case base (repairdesk
// migrate of the 100,000-case fixture), and BenchPGKeyEnv its key file: the shared
// benchmarks then run on it, n cases spread over all of it, acted on by its first staff
// member who can work. Without them they run on a fresh schema with n cases.
const (
	BenchPGEnv    = "REPAIRDESK_BENCH_PG"
	BenchPGKeyEnv = "REPAIRDESK_BENCH_PG_KEY"
)

// twoNodes opens two stores on one PostgreSQL database and picks n cases and an actor.
func twoNodes(b *testing.B, n int) (nodes []*store.Store, ids []uint32, actor workflow.Staff) {
	if addr := os.Getenv(BenchPGEnv); addr != "" {
		for range 2 {
			s, err := store.Open(addr, withNodeAnchors(b, store.Options{KeyFile: os.Getenv(BenchPGKeyEnv), FeedPoll: 100 * time.Millisecond}))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			nodes = append(nodes, s)
		}
		// Both nodes' summaries and search indexes are loaded before anything is timed:
		// node 2's load at open took the first 1.5 s of a paced run otherwise (its loader
		// and index build held the cores for 20–40 ms at a time), a node's cold start
		// that BenchmarkSharedColdStart measures, not a commit's cost.
		for _, s := range nodes {
			store.WaitIndexed(s)
		}
		var all []uint32
		for sm := range nodes[0].Snapshot().All() {
			all = append(all, sm.ID)
		}
		slices.Sort(all)
		// REPAIRDESK_BENCH_PG_SHIFT moves the cases acted on, so that each run can take
		// cases of ordinary history: every run adds its actions to its cases' events, and
		// a case's events are one frame rewritten whole on each append (store/events.go),
		// so cases acted on by many runs grow costlier to commit.
		shift := 0
		if v := os.Getenv("REPAIRDESK_BENCH_PG_SHIFT"); v != "" {
			var err error
			if shift, err = strconv.Atoi(v); err != nil {
				b.Fatalf("REPAIRDESK_BENCH_PG_SHIFT: %v", err)
			}
		}
		for i := range n {
			ids = append(ids, all[(i*len(all)/n+shift)%len(all)])
		}
		for _, st := range nodes[0].ListStaff() {
			if st.Active && st.Role.CanWork() && st.Role.CanAdminister() {
				actor = st
				break
			}
		}
		if actor.Name == "" {
			b.Fatal("no active admin in the loaded case base")
		}
		b.Logf("%s: %d cases, acting on %d of them as %s", kv.Redact(addr), len(all), n, actor.Name)
		return nodes, ids, actor
	}
	nodes, ids, _, _ = freshNodes(b, n)
	for _, s := range nodes {
		store.WaitIndexed(s)
	}
	return nodes, ids, wang
}

// freshNodes opens two stores on one fresh PostgreSQL schema with the test staff and n
// cases (made on node 1).
func freshNodes(b *testing.B, n int) (nodes []*store.Store, ids []uint32, addr, key string) {
	clk := newClock(t0)
	addr = pgtest.Addr(b)
	key = filepath.Join(b.TempDir(), "shared.key")
	for range 2 {
		s, err := store.Open(addr, withNodeAnchors(b, store.Options{Now: clk.Now, KeyFile: key, FeedPoll: 100 * time.Millisecond}))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		nodes = append(nodes, s)
		if len(nodes) == 1 {
			for _, st := range []workflow.Staff{wang, li, chen, root} {
				if err := s.PutStaff(workflow.Staff{}, st); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	es := []ent{entA, entB, entC}
	for i := range n {
		c, err := nodes[0].Create(wang, intake(es[i%3]), "")
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return nodes, ids, addr, key
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// runSessions runs b.N actions (a comment each) over one session per case of ids,
// session i on node i%2, and returns each Apply's latency; the timer runs while they do.
// With think > 0 each session first pauses for a time drawn evenly from think/2 to
// 3·think/2 before each action (people's pace); with 0 they never pause (a closed loop).
func runSessions(b *testing.B, nodes []*store.Store, ids []uint32, actor workflow.Staff, think time.Duration) []time.Duration {
	if think <= 0 {
		return runActions(b, nodes, ids, actor, nil)
	}
	return runActions(b, nodes, ids, actor, func(rng *rand.Rand, _ *time.Time) {
		time.Sleep(think/2 + time.Duration(rng.Int64N(int64(think))))
	})
}

// runActions is runSessions with the pause before each action given: wait (nil: none)
// is called before each action with the session's generator and a time of the session's
// own for it to keep (zero before the first action).
func runActions(b *testing.B, nodes []*store.Store, ids []uint32, actor workflow.Staff, wait func(rng *rand.Rand, due *time.Time)) []time.Duration {
	var (
		mu   sync.Mutex
		lat  []time.Duration
		wg   sync.WaitGroup
		next = make(chan struct{}, b.N)
	)
	for range b.N {
		next <- struct{}{}
	}
	close(next)
	b.ResetTimer()
	for i := range ids {
		wg.Go(func() {
			s, id := nodes[i%2], ids[i]
			c, _ := s.Case(id)
			v := c.Version
			rng := rand.New(rand.NewPCG(uint64(i), 18))
			var due time.Time
			for range next {
				if wait != nil {
					wait(rng, &due)
				}
				t := time.Now()
				n, err := s.Apply(id, v, actor, workflow.Action{Kind: workflow.ActComment, Comment: "基准"})
				d := time.Since(t)
				if err != nil {
					b.Error(err)
					return
				}
				v = n.Version
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	return lat
}

// BenchmarkSharedCommit: 50 sessions spread over 2 nodes, each acting on a case of its
// own on one PostgreSQL; the latency of each Apply, p50 and p99.
func BenchmarkSharedCommit(b *testing.B) {
	const sessions = 50
	nodes, ids, actor := twoNodes(b, sessions)
	rt0, g0 := roundTrips(nodes), gathers(nodes)
	ct0 := []store.CommitTimes{nodes[0].CommitTimes(), nodes[1].CommitTimes()}
	for _, s := range nodes {
		s.TraceCommits(true)
	}
	stopWaits := sampleWaits(b, nodes)
	cpu0, pgcpu0 := benchkit.ProcessCPU().Seconds(), serverCPU(b, nodes)
	stopProfiles := profileRun(b)
	gc0 := gcCount()
	lat := runSessions(b, nodes, ids, actor, 0)
	stopProfiles()
	reportGC(b, gc0)
	dumpGroups(b, nodes, gc0)
	b.ReportMetric((benchkit.ProcessCPU().Seconds()-cpu0)*1000/float64(b.N), "node-cpu-ms/action")
	if pgcpu0 >= 0 {
		if pgcpu := serverCPU(b, nodes); pgcpu >= 0 {
			b.ReportMetric((pgcpu-pgcpu0)*1000/float64(b.N), "pg-cpu-ms/action")
		}
	}
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.90).Microseconds())/1000, "p90-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(slices.Max(lat).Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(nodes[0].Retries()+nodes[1].Retries())/float64(b.N), "retries/op")
	if rt := roundTrips(nodes); rt > 0 {
		b.ReportMetric(float64(rt-rt0)/float64(b.N), "roundtrips/op")
	}
	var splits uint64
	for _, s := range nodes {
		if c, ok := any(s).(interface{ GroupSplits() uint64 }); ok {
			splits += c.GroupSplits()
		}
	}
	b.ReportMetric(float64(splits)/float64(b.N), "splits/op")
	b.ReportMetric(float64(gathers(nodes)-g0)/float64(b.N), "gathers/op")
	reportCommitTimes(b, nodes, ct0)
	stopWaits()
}

// gathers is the times the nodes' next group waited for the actions of the group before
// it to come back (Store.GroupGathers).
func gathers(nodes []*store.Store) uint64 {
	var n uint64
	for _, s := range nodes {
		n += s.GroupGathers()
	}
	return n
}

// reportCommitTimes reports where the nodes' group commits spent their time since ct0
// (means per group, the wait per action), and logs the slowest actions with their groups.
func reportCommitTimes(b *testing.B, nodes []*store.Store, ct0 []store.CommitTimes) {
	var d store.CommitTimes
	var slow []store.ActionTrace
	var groups []store.GroupTrace
	for i, s := range nodes {
		groups = append(groups, s.GroupTraces()...)
		c := s.CommitTimes()
		d.Groups += c.Groups - ct0[i].Groups
		d.Actions += c.Actions - ct0[i].Actions
		d.MaxGroup = max(d.MaxGroup, c.MaxGroup)
		d.Wait += c.Wait - ct0[i].Wait
		d.Acquire += c.Acquire - ct0[i].Acquire
		d.ReadAhead += c.ReadAhead - ct0[i].ReadAhead
		d.Engine += c.Engine - ct0[i].Engine
		d.Writes += c.Writes - ct0[i].Writes
		d.Commit += c.Commit - ct0[i].Commit
		d.Total += c.Total - ct0[i].Total
		d.Rerun += c.Rerun - ct0[i].Rerun
		d.Trips += c.Trips - ct0[i].Trips
		d.Anchor += c.Anchor - ct0[i].Anchor
		d.Beside += c.Beside - ct0[i].Beside
		d.Publish += c.Publish - ct0[i].Publish
		d.Batches += c.Batches - ct0[i].Batches
		d.LogSync += c.LogSync - ct0[i].LogSync
		d.LogSyncWait += c.LogSyncWait - ct0[i].LogSyncWait
		slow = append(slow, s.Traces()...)
		s.TraceCommits(false)
	}
	if d.Groups == 0 || d.Actions == 0 {
		return
	}
	ms := func(t time.Duration, n uint64) float64 { return float64(t.Microseconds()) / 1000 / float64(n) }
	b.ReportMetric(float64(d.Actions)/float64(d.Groups), "actions/group")
	b.ReportMetric(float64(d.MaxGroup), "max-group")
	b.ReportMetric(ms(d.Wait, d.Actions), "wait-ms/action")
	b.ReportMetric(ms(d.Total, d.Groups), "tx-ms/group")
	b.ReportMetric(ms(d.Acquire, d.Groups), "acquire-ms/group")
	b.ReportMetric(ms(d.ReadAhead, d.Groups), "readahead-ms/group")
	b.ReportMetric(ms(d.Engine, d.Groups), "engine-ms/group")
	b.ReportMetric(ms(d.Writes, d.Groups), "writes-ms/group")
	b.ReportMetric(ms(d.Commit, d.Groups), "commit-ms/group")
	b.ReportMetric(ms(d.Rerun, d.Groups), "rerun-ms/group")
	b.ReportMetric(float64(d.Trips)/float64(d.Groups), "trips/group")
	b.ReportMetric(ms(d.Anchor, d.Groups), "anchor-ms/group")
	b.ReportMetric(ms(d.Beside, d.Groups), "anchor-beside-ms/group")
	b.ReportMetric(ms(d.LogSync, d.Groups), "anchor-sync-ms/group")
	b.ReportMetric(ms(d.LogSyncWait, d.Groups), "anchor-wait-ms/group")
	if d.Batches > 0 {
		b.ReportMetric(ms(d.Publish, d.Batches), "publish-ms/batch")
	}
	slices.SortFunc(slow, func(a, b store.ActionTrace) int { return int(b.Latency - a.Latency) })
	for _, a := range slow[:min(len(slow), 6)] {
		line := fmt.Sprintf("slow action: case %d, %.1f ms (its transaction done at %.1f ms):", a.Case, float64(a.Latency.Microseconds())/1000, float64(a.TxDone.Microseconds())/1000)
		for _, g := range a.Groups {
			t := g.Times
			line += fmt.Sprintf(" [group of %d, started +%.1f ms: acquire %.1f, read-ahead %.1f, writes %.1f, commit %.1f, total %.1f ms, %d trips, lost %v]",
				g.Size, float64(g.Start.Sub(a.Queued).Microseconds())/1000, float64(t.Acquire.Microseconds())/1000, float64(t.ReadAhead.Microseconds())/1000,
				float64(t.Writes.Microseconds())/1000, float64(t.Commit.Microseconds())/1000, float64(t.Total.Microseconds())/1000, t.Trips, g.Err)
		}
		logTrace(b, line)
	}
	if len(slow) > 0 { // what ran on the nodes while the slowest action waited
		a := slow[0]
		for _, g := range groups {
			if end := g.Start.Add(g.Times.Total); end.After(a.Queued) && g.Start.Before(a.Queued.Add(a.Latency)) {
				logTrace(b, fmt.Sprintf("  meanwhile: group of %d from +%.1f to +%.1f ms, %d trips, lost %v", g.Size,
					float64(g.Start.Sub(a.Queued).Microseconds())/1000, float64(end.Sub(a.Queued).Microseconds())/1000, g.Times.Trips, g.Err))
			}
		}
	}
}

// serverCPU is the CPU seconds the PostgreSQL server has used so far, all its processes
// (the postmaster's own and its waited-for backends', and the live ones'), when it runs
// on this machine and its data directory is readable; -1 otherwise.
func serverCPU(b *testing.B, nodes []*store.Store) float64 {
	pool := nodes[0].PGPool()
	if pool == nil {
		return -1
	}
	var dir string
	if err := pool.QueryRow(context.Background(), `SELECT setting FROM pg_settings WHERE name = 'data_directory'`).Scan(&dir); err != nil {
		return -1
	}
	raw, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return -1
	}
	var pid int
	if _, err := fmt.Sscan(string(raw), &pid); err != nil {
		return -1
	}
	ticks := func(p string, children bool) float64 {
		st, err := os.ReadFile(filepath.Join("/proc", p, "stat"))
		if err != nil {
			return 0
		}
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+2:]))
		// fields from state (3rd): utime is the 14th of the line, cutime the 16th
		sum := 0.0
		n := 2
		if children {
			n = 4
		}
		for i := 11; i < 11+n && i < len(f); i++ {
			v, _ := strconv.ParseFloat(f[i], 64)
			sum += v
		}
		return sum
	}
	total := ticks(strconv.Itoa(pid), true)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+2:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			total += ticks(e.Name(), false)
		}
	}
	return total / 100 // USER_HZ
}

// logTrace writes a line of the commit trace to stderr when REPAIRDESK_BENCH_TRACE is set
// (a benchmark's log keeps only a few lines), and to the benchmark's log otherwise.
func logTrace(b *testing.B, line string) {
	if os.Getenv("REPAIRDESK_BENCH_TRACE") != "" {
		fmt.Fprintln(os.Stderr, line)
		return
	}
	b.Log(line)
}

// sampleWaits samples pg_stat_activity every 20 ms while a benchmark runs and logs, when
// stopped, how often each state and wait event was seen in the database's sessions.
func sampleWaits(b *testing.B, nodes []*store.Store) (stop func()) {
	pool := nodes[0].PGPool()
	if pool == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	seen := map[string]int{}
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			rows, err := pool.Query(context.Background(), `SELECT coalesce(state, ''), coalesce(wait_event_type, ''), coalesce(wait_event, '') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)
			if err != nil {
				continue
			}
			for rows.Next() {
				var st, wt, we string
				if rows.Scan(&st, &wt, &we) == nil && st != "idle" {
					seen[st+" "+wt+":"+we]++
				}
			}
			rows.Close()
		}
	})
	return func() {
		close(done)
		wg.Wait()
		keys := slices.Collect(maps.Keys(seen))
		slices.SortFunc(keys, func(a, b string) int { return seen[b] - seen[a] })
		line := "pg_stat_activity (non-idle samples):"
		for _, k := range keys {
			line += fmt.Sprintf(" %s=%d", k, seen[k])
		}
		logTrace(b, line)
	}
}

// BenchmarkSharedCommitPaced is BenchmarkSharedCommit with people's pace: each of the 50
// sessions pauses before each action (REPAIRDESK_BENCH_THINK, 200 ms by default, drawn
// evenly from half to one and a half times it), so the nodes are offered about 250 actions
// a second instead of as many as they can take. The closed loop measures throughput: with
// 50 sessions that never pause, an action's mean latency is 50 divided by the actions
// committed per second (Little's law), whatever a commit costs. This one measures the
// latency a person sees while the nodes are busy but not saturated.
func BenchmarkSharedCommitPaced(b *testing.B) {
	const sessions = 50
	think := 200 * time.Millisecond
	if v := os.Getenv("REPAIRDESK_BENCH_THINK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		think = d
	}
	nodes, ids, actor := twoNodes(b, sessions)
	ct0, g0 := []store.CommitTimes{nodes[0].CommitTimes(), nodes[1].CommitTimes()}, gathers(nodes)
	for _, s := range nodes {
		s.TraceCommits(true)
	}
	rt := watchRuntime()
	stopWaits := sampleWaits(b, nodes)
	cpu0, pg0 := benchkit.ProcessCPU().Seconds(), readPGBuffers(nodes)
	stopProfiles := profileRun(b)
	lat := runSessions(b, nodes, ids, actor, think)
	stopProfiles()
	stopWaits()
	reportPGBuffers(b, nodes, pg0)
	reportServerSettings(b, nodes)
	b.ReportMetric((benchkit.ProcessCPU().Seconds()-cpu0)*1000/float64(b.N), "node-cpu-ms/action")
	gcs := rt.stop(b)
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(slices.Max(lat).Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(nodes[0].Retries()+nodes[1].Retries())/float64(b.N), "retries/op")
	b.ReportMetric(float64(gathers(nodes)-g0)/float64(b.N), "gathers/op")
	reportStalls(b, nodes, gcs, stallOver)
	reportCommitTimes(b, nodes, ct0)
}

// BenchmarkSharedCommitSweep reads the commit target as the bbolt one is read
// (BENCHMARKS.md, "Reading the commit target"): 50 sessions over 2 nodes offer a named
// number of actions a second between them, and the latency is read at each offered rate,
// from people's pace to near what two cores can take. Each session acts on a schedule of
// its own: the gaps between its actions' starts are drawn evenly from 0 to twice
// 50/offered s, so the rate offered does not shrink as the latency grows (a session
// whose action runs past its next start begins the next one at once). Each offered rate
// reports the rate achieved, p50, p99 and max, the node's CPU (and the server's, when
// it runs here) per action, and the stalls over 15 ms broken down by phase, as
// BenchmarkSharedCommitPaced does. Run it with -benchtime Nx: N actions per rate
// (2,000 take 40 s at offered=50).
func BenchmarkSharedCommitSweep(b *testing.B) {
	const sessions = 50
	nodes, ids, actor := twoNodes(b, sessions)
	for _, rate := range []int{50, 250, 500, 1000, 1500} {
		mean := time.Duration(sessions * int64(time.Second) / int64(rate))
		b.Run(fmt.Sprintf("offered=%d", rate), func(b *testing.B) {
			ct0 := []store.CommitTimes{nodes[0].CommitTimes(), nodes[1].CommitTimes()}
			for _, s := range nodes {
				s.TraceCommits(true)
			}
			rt := watchRuntime()
			stopWaits := sampleWaits(b, nodes)
			retries0 := nodes[0].Retries() + nodes[1].Retries()
			cpu0, pgcpu0, pg0 := benchkit.ProcessCPU().Seconds(), serverCPU(b, nodes), readPGBuffers(nodes)
			start := time.Now()
			lat := runActions(b, nodes, ids, actor, func(rng *rand.Rand, due *time.Time) {
				if due.IsZero() { // a random phase: the sessions do not start together
					*due = time.Now().Add(time.Duration(rng.Int64N(int64(2 * mean))))
				} else {
					*due = due.Add(time.Duration(rng.Int64N(int64(2 * mean))))
				}
				time.Sleep(time.Until(*due))
			})
			elapsed := time.Since(start)
			stopWaits()
			reportPGBuffers(b, nodes, pg0)
			reportServerSettings(b, nodes)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "actions/s")
			b.ReportMetric((benchkit.ProcessCPU().Seconds()-cpu0)*1000/float64(b.N), "node-cpu-ms/action")
			if pgcpu0 >= 0 {
				if pgcpu := serverCPU(b, nodes); pgcpu >= 0 {
					b.ReportMetric((pgcpu-pgcpu0)*1000/float64(b.N), "pg-cpu-ms/action")
				}
			}
			gcs := rt.stop(b)
			b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(slices.Max(lat).Microseconds())/1000, "max-ms")
			b.ReportMetric(float64(nodes[0].Retries()+nodes[1].Retries()-retries0)/float64(b.N), "retries/op")
			reportStalls(b, nodes, gcs, stallOver)
			reportCommitTimes(b, nodes, ct0)
		})
	}
}

// BenchmarkCrossNodeVisibility: from an Apply returning on node 1 to node 2's snapshot
// holding that version.
func BenchmarkCrossNodeVisibility(b *testing.B) {
	nodes, ids, actor := twoNodes(b, 1)
	var lat []time.Duration
	c, _ := nodes[0].Case(ids[0])
	v := c.Version
	b.ResetTimer()
	for range b.N {
		n, err := nodes[0].Apply(ids[0], v, actor, workflow.Action{Kind: workflow.ActComment, Comment: "可见"})
		if err != nil {
			b.Fatal(err)
		}
		v = n.Version
		t := time.Now()
		for {
			if sm, _ := nodes[1].Snapshot().Get(ids[0]); sm != nil && sm.Version == v {
				break
			}
			if time.Since(t) > 5*time.Second {
				b.Fatal(fmt.Sprintf("version %d not visible on node 2 after 5 s", v))
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkSharedColdStart: a node's cold start on PostgreSQL, as a node restarts: with
// the anchor log it kept before (opened once untimed: a node's first open ever writes the
// base entry of its log, the heads of every case, a one-time cost reported as
// "first-open-ms"). "open-p50-ms" is Open's return: the newest cases are in and the change
// feed is followed, the moment the console's first frame has its data; the rest load
// behind (store/sumload.go). "p50-ms" is to every case loaded (Snapshot waits for the
// load). Each iteration opens the node and closes it.
func BenchmarkSharedColdStart(b *testing.B) {
	addr, key := os.Getenv(BenchPGEnv), os.Getenv(BenchPGKeyEnv)
	if addr == "" {
		_, _, addr, key = freshNodes(b, 50)
	}
	opts := withNodeAnchors(b, store.Options{KeyFile: key})
	t := time.Now()
	s, err := store.Open(addr, opts)
	if err != nil {
		b.Fatal(err)
	}
	s.Snapshot()
	first := time.Since(t)
	s.Close()
	var lat, opened []time.Duration
	n := 0
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		s, err := store.Open(addr, opts)
		if err != nil {
			b.Fatal(err)
		}
		opened = append(opened, time.Since(t)) // the newest cases are in: a console can draw
		n = s.Snapshot().Len()                 // every case (Snapshot waits for the load)
		lat = append(lat, time.Since(t))
		s.Close()
	}
	b.StopTimer()
	b.ReportMetric(float64(n), "cases")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(slices.Max(lat).Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(percentile(opened, 0.50).Microseconds())/1000, "open-p50-ms")
	b.ReportMetric(float64(slices.Max(opened).Microseconds())/1000, "open-max-ms")
	b.ReportMetric(float64(first.Microseconds())/1000, "first-open-ms")
}

// roundTrips is the nodes' round trips to the database inside transactions, where the
// store counts them (0 otherwise: the file runs unchanged against an older store, for
// figures side by side).
func roundTrips(nodes []*store.Store) uint64 {
	var n uint64
	for _, s := range nodes {
		if c, ok := any(s).(interface{ RoundTrips() uint64 }); ok {
			n += c.RoundTrips()
		}
	}
	return n
}

// withNodeAnchors gives a node opened by a benchmark an anchor log and key of its own, as
// every node of a shared case base has. REPAIRDESK_BENCH_BESIDE=1 has the node write its
// entries beside their COMMIT (serve --anchor-beside-commit); the default writes them after.
// REPAIRDESK_BENCH_NONOTIFY=1 runs the nodes as on an engine without LISTEN/NOTIFY (no
// wake-up after a commit; the feed is polled every 100 ms).
func withNodeAnchors(tb testing.TB, o store.Options) store.Options {
	dir := tb.TempDir()
	o.AnchorLog, o.AnchorKey = filepath.Join(dir, "node.anchors"), filepath.Join(dir, "node.anchor-key")
	o.AnchorBesideCommit = os.Getenv("REPAIRDESK_BENCH_BESIDE") == "1"
	o.NoNotify = os.Getenv("REPAIRDESK_BENCH_NONOTIFY") == "1"
	return o
}

// profileRun starts, when asked, a CPU profile (REPAIRDESK_BENCH_CPUPROFILE=file) and an
// execution trace (REPAIRDESK_BENCH_RTRACE=file) of the timed part of a benchmark only,
// and writes a heap profile at its end (REPAIRDESK_BENCH_HEAPPROFILE=file):
// -test.cpuprofile and -test.trace would also hold the nodes' open, which at 100,000
// cases is most of the process's time.
func profileRun(b *testing.B) (stop func()) {
	var stops []func()
	if f := os.Getenv("REPAIRDESK_BENCH_CPUPROFILE"); f != "" {
		w, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(w); err != nil {
			b.Fatal(err)
		}
		stops = append(stops, func() { pprof.StopCPUProfile(); w.Close() })
	}
	if f := os.Getenv("REPAIRDESK_BENCH_RTRACE"); f != "" {
		w, err := os.Create(f)
		if err != nil {
			b.Fatal(err)
		}
		if err := trace.Start(w); err != nil {
			b.Fatal(err)
		}
		stops = append(stops, func() { trace.Stop(); w.Close() })
	}
	return func() {
		for _, f := range stops {
			f()
		}
		if f := os.Getenv("REPAIRDESK_BENCH_HEAPPROFILE"); f != "" { // what the nodes hold live
			w, err := os.Create(f)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			if err := pprof.WriteHeapProfile(w); err != nil {
				b.Fatal(err)
			}
			w.Close()
		}
	}
}

// gcCount is the garbage collections this process has finished so far, and the bytes it
// has allocated (runtime/metrics: no stop of the world).
func gcCount() [2]uint64 {
	m := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(m)
	return [2]uint64{m[0].Value.Uint64(), m[1].Value.Uint64()}
}

// reportGC reports the garbage collections that finished during the timed part (since
// gc0, gcCount's) a thousand actions, and the bytes the process allocated an action: on
// two cores a collection's mark phase (about 0.1 s over the two nodes' summaries and
// indexes) slows every commit under way, and its number follows from the allocation.
func reportGC(b *testing.B, gc0 [2]uint64) {
	g := gcCount()
	b.ReportMetric(float64(g[0]-gc0[0])*1000/float64(b.N), "gcs/kaction")
	b.ReportMetric(float64(g[1]-gc0[1])/1024/float64(b.N), "alloc-KB/action")
}

// dumpGroups writes, when REPAIRDESK_BENCH_GROUPS names a file, every group transaction
// of the timed part (TraceCommits) as a line of tab-separated values, node by node in the
// order they started: node, start (ms from the first group of either node), size, acquire,
// read-ahead, engine (what the transaction spent outside the other phases, the wait for
// the previous anchor fsync included), commit, total, anchor, publish, log-sync, the
// wait for the previous entry's fsync, and the end (when its actions were answered), ms.
// Then a line "act" for each action: node, case, queued, its (last) group's start (ms, on
// the same clock), from queued to its answer and to its return to the session (ms), and
// the number of its group transactions. Then a line "gc", the cycle's number, and when its mark termination ended (ms, on the
// same clock) for each garbage collection finished since gc0 (gcCount's): with
// GODEBUG=gctrace=1 the cycle's number gives its mark phase's length, before that end.
func dumpGroups(b *testing.B, nodes []*store.Store, gc0 [2]uint64) {
	f := os.Getenv("REPAIRDESK_BENCH_GROUPS")
	if f == "" {
		return
	}
	w, err := os.Create(f)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Fprintln(w, "node\tstart\tsize\tacquire\treadahead\tengine\tcommit\ttotal\tanchor\tpublish\tlogsync\tlogwait\tend\tfailed")
	var t0 time.Time
	for _, s := range nodes {
		if gs := s.GroupTraces(); len(gs) > 0 && (t0.IsZero() || gs[0].Start.Before(t0)) {
			t0 = gs[0].Start
		}
	}
	for i, s := range nodes {
		for _, g := range s.GroupTraces() {
			t := g.Times
			engine := t.Total - t.Acquire - t.ReadAhead - t.Writes - t.Commit - t.BesideWait
			end := -1.0
			if !g.End.IsZero() {
				end = ms(g.End.Sub(t0))
			}
			fmt.Fprintf(w, "%d\t%.3f\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%v\n", i, ms(g.Start.Sub(t0)), g.Size,
				ms(t.Acquire), ms(t.ReadAhead), ms(engine), ms(t.Commit), ms(t.Total), ms(g.Anchor), ms(g.Publish), ms(g.LogSync), ms(g.LogSyncWait), end, g.Err)
		}
	}
	for i, s := range nodes {
		for _, a := range s.Traces() {
			start := -1.0
			if n := len(a.Groups); n > 0 {
				start = ms(a.Groups[n-1].Start.Sub(t0))
			}
			fmt.Fprintf(w, "act\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%d\n", i, a.Case, ms(a.Queued.Sub(t0)), start, ms(a.Answered), ms(a.Latency), len(a.Groups))
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	for n := max(gc0[0]+1, uint64(m.NumGC)-min(uint64(m.NumGC), 255)); n <= uint64(m.NumGC); n++ {
		end := time.Unix(0, int64(m.PauseEnd[(n+255)%256]))
		fmt.Fprintf(w, "gc\t%d\t%.3f\n", n, ms(end.Sub(t0)))
	}
}
