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
	Anchor    time.Duration // per group: the anchor log's append (signed, fsynced) after the commit, or the wait for it after COMMIT's answer when it ran beside
	Beside    time.Duration // per group: the anchor log's append run beside the last writes and COMMIT, its own time
	Publish   time.Duration // per batch: the snapshot's refresh and the subscribers' news
	// LogSync: per group, the wait for the anchor entry's fsync after the publish, before
	// the answer (it runs while the next group does: anchorer.commitLater). LogSyncWait:
	// per group, the wait before COMMIT for the previous group's fsync.
	LogSync, LogSyncWait time.Duration
	Batches              uint64 // batches taken from the queue (a split batch is one)
	Trips                uint64 // round trips in them
}

// GroupTrace is one group commit's transaction, for the slowest actions (TraceCommits).
type GroupTrace struct {
	Start time.Time
	Size  int
	Times kv.TxTimes
	Err   bool          // the transaction failed as a whole (a lost race: then split)
	Rerun time.Duration // earlier attempts that lost a race, and the back-off, before Times
	// Anchor: the anchor log's append (signed, written, fsynced) that waited for after the
	// transaction (0 when it ran beside COMMIT: then it is in Times.Beside).
	Anchor time.Duration
	// Publish: the snapshot's refresh and the subscribers' news; End: when its actions
	// were answered (zero for a group that failed as a whole).
	Publish time.Duration
	End     time.Time
	// LogSync: from the publish's end to End, waiting for the anchor entry's fsync
	// (anchorer.commitLater). LogSyncWait: in Times, before COMMIT, the wait for the
	// previous group's fsync.
	LogSync, LogSyncWait time.Duration
}

// ActionTrace is one action's way through the group commit (TraceCommits).
type ActionTrace struct {
	Case    uint32
	Queued  time.Time
	Latency time.Duration // from Apply to its answer
	TxDone  time.Duration // from Apply to the end of the transaction that committed it (and its anchor)
	Groups  []GroupTrace  // the transactions it was in, the last one committed it
	// Answered: from Apply to its answer being given (the group's publish done); the rest
	// of Latency is the hand-back to the waiting session (the Go scheduler).
	Answered time.Duration
}

type commitTimes struct {
	groups, actions, trips                                    atomic.Uint64
	maxGroup                                                  atomic.Int64
	wait, acquire, readAhead, engine, writes, commit, totalNs atomic.Int64
	rerun, anchor, publish, beside, logSync, logSyncWait      atomic.Int64
	batches                                                   atomic.Uint64

	traceMu sync.Mutex
	tracing bool
	traces  []ActionTrace
	glog    []*GroupTrace // every group transaction while tracing
}

// GroupTraces is every group transaction of this node while TraceCommits was on.
func (s *Store) GroupTraces() []GroupTrace {
	s.ctimes.traceMu.Lock()
	defer s.ctimes.traceMu.Unlock()
	out := make([]GroupTrace, len(s.ctimes.glog))
	for i, g := range s.ctimes.glog {
		out[i] = *g
	}
	return out
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
		Anchor: time.Duration(c.anchor.Load()), Beside: time.Duration(c.beside.Load()), Publish: time.Duration(c.publish.Load()), Batches: c.batches.Load(),
		LogSync: time.Duration(c.logSync.Load()), LogSyncWait: time.Duration(c.logSyncWait.Load()),
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

// noteGroup adds one group transaction's times (started at start) and returns its trace
// (nil when tracing is off), for the anchor's and the publish's times to be added.
func (c *commitTimes) noteGroup(batch []*applyReq, start time.Time, tt *kv.TxTimes, failed bool) *GroupTrace {
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
	rerun := max(0, time.Since(start)-t.Total)
	c.rerun.Add(int64(rerun))
	c.engine.Add(int64(t.Total - t.Acquire - t.ReadAhead - t.Writes - t.Commit - t.BesideWait))
	c.anchor.Add(int64(t.BesideWait))
	c.beside.Add(int64(t.Beside))
	c.trips.Add(uint64(t.Trips))
	var g *GroupTrace
	c.traceMu.Lock()
	if c.tracing {
		g = &GroupTrace{Start: start, Size: len(batch), Times: t, Err: failed, Rerun: rerun}
		c.glog = append(c.glog, g)
	}
	c.traceMu.Unlock()
	for _, r := range batch {
		if !r.started {
			r.started = true
			c.wait.Add(int64(start.Sub(r.queued)))
		}
		if r.trace != nil && g != nil {
			r.groups = append(r.groups, g)
		}
	}
	return g
}

// noteAnswer records, for a traced action, when it was answered and its group's publish.
func (c *commitTimes) noteAnswer(r *applyReq, publish, logSync time.Duration, at time.Time) {
	if r.trace == nil {
		return
	}
	r.trace.Answered = at.Sub(r.queued)
	if n := len(r.groups); n > 0 {
		r.groups[n-1].Publish, r.groups[n-1].LogSync, r.groups[n-1].End = publish, logSync, at
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
	for _, g := range r.groups {
		r.trace.Groups = append(r.trace.Groups, *g)
	}
	if c.tracing {
		c.traces = append(c.traces, *r.trace)
	}
	c.traceMu.Unlock()
}
