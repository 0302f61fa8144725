package store

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"repairdesk/store/kv"
)

// CommitTimes is where this node's group commits spent their time since it opened, for
// benchmarks and diagnostics (on PostgreSQL; the transaction's parts are zero on bbolt).
// Durations are sums: divide by Groups (or Actions for Wait) for a mean.
type CommitTimes struct {
	Groups   uint64 // transactions of group commits (a split group counts each half)
	Actions  uint64 // actions in them
	MaxGroup int    // the largest group

	Wait      time.Duration // per action: from Apply to the start of its group's transaction
	Acquire   time.Duration // per group: waiting for a connection
	ReadAhead time.Duration // per group: the read-ahead (with BEGIN)
	Engine    time.Duration // per group: the node's work between statements, and other reads
	Writes    time.Duration // per group: writes, feed entries and wake-up
	Commit    time.Duration // per group: COMMIT
	Total     time.Duration // per group: the whole transaction
	Rerun     time.Duration // per group: earlier attempts that lost a race, and the back-off
	Anchor    time.Duration // per group: the anchor log's append (signed, fsynced) after the commit
	Publish   time.Duration // per batch: the snapshot's refresh and the subscribers' news
	Batches   uint64        // batches taken from the queue (a split batch is one)
	Trips     uint64        // round trips in them
}

// GroupTrace is one group commit's transaction, for the slowest actions (TraceCommits).
type GroupTrace struct {
	Start time.Time
	Size  int
	Times kv.TxTimes
	Err   bool // the transaction failed as a whole (a lost race: then split)
}

// ActionTrace is one action's way through the group commit (TraceCommits).
type ActionTrace struct {
	Case    uint32
	Queued  time.Time
	Latency time.Duration // from Apply to its answer
	TxDone  time.Duration // from Apply to the end of the transaction that committed it (and its anchor)
	Groups  []GroupTrace  // the transactions it was in, the last one committed it
}

type commitTimes struct {
	groups, actions, trips                                    atomic.Uint64
	maxGroup                                                  atomic.Int64
	wait, acquire, readAhead, engine, writes, commit, totalNs atomic.Int64
	rerun, anchor, publish                                    atomic.Int64
	batches                                                   atomic.Uint64

	traceMu sync.Mutex
	tracing bool
	traces  []ActionTrace
	glog    []GroupTrace // every group transaction while tracing
}

// GroupTraces is every group transaction of this node while TraceCommits was on.
func (s *Store) GroupTraces() []GroupTrace {
	s.ctimes.traceMu.Lock()
	defer s.ctimes.traceMu.Unlock()
	return slices.Clone(s.ctimes.glog)
}

// CommitTimes is where this node's group commits spent their time.
func (s *Store) CommitTimes() CommitTimes {
	c := &s.ctimes
	return CommitTimes{
		Groups: c.groups.Load(), Actions: c.actions.Load(), MaxGroup: int(c.maxGroup.Load()),
		Wait: time.Duration(c.wait.Load()), Acquire: time.Duration(c.acquire.Load()),
		ReadAhead: time.Duration(c.readAhead.Load()), Engine: time.Duration(c.engine.Load()),
		Writes: time.Duration(c.writes.Load()), Commit: time.Duration(c.commit.Load()),
		Total: time.Duration(c.totalNs.Load()), Rerun: time.Duration(c.rerun.Load()), Trips: c.trips.Load(),
		Anchor: time.Duration(c.anchor.Load()), Publish: time.Duration(c.publish.Load()), Batches: c.batches.Load(),
	}
}

// TraceCommits turns on (or off) the record of every action's way through the group
// commit; Traces returns the record so far, slowest first.
func (s *Store) TraceCommits(on bool) {
	s.ctimes.traceMu.Lock()
	defer s.ctimes.traceMu.Unlock()
	s.ctimes.tracing, s.ctimes.traces, s.ctimes.glog = on, nil, nil
}

// Traces is the record of TraceCommits, slowest first.
func (s *Store) Traces() []ActionTrace {
	s.ctimes.traceMu.Lock()
	defer s.ctimes.traceMu.Unlock()
	out := slices.Clone(s.ctimes.traces)
	slices.SortFunc(out, func(a, b ActionTrace) int { return int(b.Latency - a.Latency) })
	return out
}

// noteGroup adds one group transaction's times (started at start).
func (c *commitTimes) noteGroup(batch []*applyReq, start time.Time, tt *kv.TxTimes, failed bool) {
	c.groups.Add(1)
	c.actions.Add(uint64(len(batch)))
	for {
		m := c.maxGroup.Load()
		if int64(len(batch)) <= m || c.maxGroup.CompareAndSwap(m, int64(len(batch))) {
			break
		}
	}
	var t kv.TxTimes
	if tt != nil {
		t = *tt
	} else {
		t.Total = time.Since(start)
	}
	c.acquire.Add(int64(t.Acquire))
	c.readAhead.Add(int64(t.ReadAhead))
	c.writes.Add(int64(t.Writes))
	c.commit.Add(int64(t.Commit))
	c.totalNs.Add(int64(t.Total))
	c.rerun.Add(int64(max(0, time.Since(start)-t.Total)))
	c.engine.Add(int64(t.Total - t.Acquire - t.ReadAhead - t.Writes - t.Commit))
	c.trips.Add(uint64(t.Trips))
	g := GroupTrace{Start: start, Size: len(batch), Times: t, Err: failed}
	c.traceMu.Lock()
	if c.tracing {
		c.glog = append(c.glog, g)
	}
	c.traceMu.Unlock()
	for _, r := range batch {
		if !r.started {
			r.started = true
			c.wait.Add(int64(start.Sub(r.queued)))
		}
		if r.trace != nil {
			r.trace.Groups = append(r.trace.Groups, g)
		}
	}
}

// traceStart gives r a trace when tracing is on.
func (c *commitTimes) traceStart(r *applyReq) {
	c.traceMu.Lock()
	on := c.tracing
	c.traceMu.Unlock()
	if on {
		r.trace = &ActionTrace{Case: r.id, Queued: r.queued}
	}
}

// traceEnd keeps r's trace.
func (c *commitTimes) traceEnd(r *applyReq) {
	if r.trace == nil {
		return
	}
	r.trace.Latency = time.Since(r.queued)
	c.traceMu.Lock()
	if c.tracing {
		c.traces = append(c.traces, *r.trace)
	}
	c.traceMu.Unlock()
}
