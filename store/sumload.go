package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"repairdesk/store/kv"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// Loading the summaries at open.
//
// At a million cases the summaries are 220 MB spread over a 6 GB file: reading and
// decoding all of them took 6 s before the first frame. Open now loads the newest cases
// (firstBatch) and returns; a loader goroutine reads the rest, newest first, in batches
// that double, and publishes a snapshot after each (Snapshot.Loading says how far it is,
// and subscribers hear a Change of topic "load"). The console draws from those partial
// snapshots (SnapshotSoFar) and says it is loading; everything else asks Snapshot, which
// waits for the whole load, so no command, report or check ever sees a part of the cases.
//
// A commit during the load is refreshed into the snapshot as always; the loader then
// never puts its own (older or equal) summary over one already there. Each batch is read
// in a transaction of its own, so a long load holds no transaction that would keep a
// writer from growing the file.

// firstBatch is how many of the newest cases Open loads before it returns; the batches
// after it double up to maxBatch. Variables for tests.
var (
	firstBatch = 1 << 14
	maxBatch   = 1 << 18
	// loadBatchHook, when set (tests), is called by the loader after it read each batch
	// after the first and before it installs it, with the number of cases installed.
	loadBatchHook func(done int)
)

// loadProgress is how far the load of a partial snapshot had got (nil: complete).
type loadProgress struct {
	done, total int
	err         error // the load stopped on this error: the rest is not coming
}

// Loading reports whether the snapshot holds only part of the cases because the store is
// still loading them (done of about total), or stopped loading on err.
func (sn *Snapshot) Loading() (done, total int, loading bool, err error) {
	if sn == nil || sn.loading == nil {
		return 0, 0, false, nil
	}
	return sn.loading.done, sn.loading.total, true, sn.loading.err
}

// SnapshotSoFar returns the current summaries without waiting for the load at open: a
// part of the cases while Loading says so. For the console's queues, which show how far
// the load is; everything else uses Snapshot.
func (s *Store) SnapshotSoFar() *Snapshot { return s.snap.Load() }

// Snapshot returns the current summaries, every case: it waits while the store is still
// loading them at open.
func (s *Store) Snapshot() *Snapshot {
	s.waitLoaded()
	return s.snap.Load()
}

// waitLoaded blocks while the summaries are being loaded at open.
func (s *Store) waitLoaded() {
	if w := s.loadWait.Load(); w != nil {
		<-*w
	}
}

// rawSummary is a stored summary: v points into the database (valid during its tx).
type rawSummary struct {
	id uint32
	v  []byte
}

// readSummaries decodes the summaries bucket, oldest case first. Summaries that are
// unreadable or missing are rebuilt from their cases; stale lists the ids whose stored
// form is not the current layout (JSON or rebuilt), for the caller to write back.
func readSummaries(tx kv.Tx, mem MemoryHints) (list []*Summary, stale []uint32, err error) {
	// Decoding allocates about 100 MB that all stays live. With the collector on, the
	// heap doubles from a few MB a dozen times, each time marking everything decoded so
	// far: 100 ms of a cold start, for no garbage. The program may hold the collector off
	// meanwhile (MemoryHints.Hold); the store does not touch process-wide settings.
	if mem.Hold != nil {
		defer mem.Hold()()
	}
	return readSummaryRange(tx, 1, 0, runtime.GOMAXPROCS(0))
}

// readSummaryRange decodes the summaries of case ids lo ≤ id < hi (hi 0: no upper bound),
// oldest first. A summary missing for an id up to the cases bucket's sequence is rebuilt
// from its case, as is one that is unreadable.
// They are decoded on up to workers goroutines.
func readSummaryRange(tx kv.Tx, lo, hi uint32, workers int) (list []*Summary, stale []uint32, err error) {
	b := tx.Bucket(bSums)
	var raws []rawSummary
	c := b.Cursor()
	if lo <= 1 && hi == 0 {
		prefetch(tx, b)
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) == 4 {
				raws = append(raws, rawSummary{binary.BigEndian.Uint32(k), v})
			}
		}
	} else {
		prefetchRange(tx, b, u32(lo), u32(hi))
		for k, v := c.Seek(u32(lo)); k != nil; k, v = c.Next() {
			if len(k) != 4 {
				continue
			}
			id := binary.BigEndian.Uint32(k)
			if hi != 0 && id >= hi {
				break
			}
			raws = append(raws, rawSummary{id, v})
		}
	}
	list, bad, err := decodeSummaries(tx, raws, workers)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range raws {
		switch {
		case bad[i]:
			sm, err := summaryFromCase(tx, r.id)
			if errors.Is(err, ErrNotFound) { // a summary without a case: not shown
				list[i] = nil
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			list[i] = sm
			stale = append(stale, r.id)
		case r.v[0] != sumLayout:
			stale = append(stale, r.id)
		}
	}
	list = slices.DeleteFunc(list, func(sm *Summary) bool { return sm == nil })
	// Case ids run from 1 to the cases bucket's sequence: a missing summary is rebuilt.
	last := tx.Bucket(bCases).Sequence()
	if hi != 0 {
		last = min(last, uint64(hi)-1)
	}
	if want := int64(last) - int64(lo) + 1; int64(len(list)) < want {
		have := make(map[uint32]bool, len(list))
		for _, sm := range list {
			have[sm.ID] = true
		}
		for id := lo; uint64(id) <= last; id++ {
			if have[id] {
				continue
			}
			sm, err := summaryFromCase(tx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			list = append(list, sm)
			stale = append(stale, id)
		}
		slices.SortFunc(list, func(a, b *Summary) int { return int(int64(a.ID) - int64(b.ID)) })
	}
	return list, stale, nil
}

// decodeSummaries decodes raws in parallel, each worker taking blocks of consecutive
// summaries; bad marks those that must be rebuilt from their case.
func decodeSummaries(tx kv.Tx, raws []rawSummary, workers int) (list []*Summary, bad []bool, err error) {
	slab := make([]Summary, len(raws))
	list = make([]*Summary, len(raws))
	bad = make([]bool, len(raws))
	const block = 2048
	blocks := (len(raws) + block - 1) / block
	var g errgroup.Group
	var next sync.Mutex
	nb := 0
	workers = max(min(workers, blocks), 1)
	for range workers {
		g.Go(func() error {
			var d sumDecoder
			// The values point into the mapped file: a damage there is an error, not a crash.
			return shieldDB(boltOf(tx), pathOf(tx), string(bSums), 0, func() error {
				for {
					next.Lock()
					p := nb
					nb++
					next.Unlock()
					if p >= blocks {
						return nil
					}
					for i := p * block; i < min((p+1)*block, len(raws)); i++ {
						sm := &slab[i]
						list[i] = sm
						v := raws[i].v
						switch {
						case len(v) > 0 && v[0] == sumLayout:
							bad[i] = d.decode(v, sm) != nil || sm.ID != raws[i].id
						case len(v) > 0 && v[0] == '{':
							*sm = Summary{}
							bad[i] = json.Unmarshal(v, sm) != nil || sm.ID != raws[i].id
						default:
							bad[i] = true
						}
					}
				}
			})
		})
	}
	// The first damage a decoder met.
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return list, bad, nil
}

func summaryFromCase(tx kv.Tx, id uint32) (*Summary, error) {
	raw := tx.Bucket(bCases).Get(u32(id))
	if raw == nil {
		return nil, ErrNotFound
	}
	var c workflow.Case
	if err := unmarshalValue(raw, &c); err != nil {
		return nil, fmt.Errorf("case %d is unreadable, so is its summary: %w", id, err)
	}
	sm := summarise(&c)
	return &sm, nil
}

// writeStale stores the current layout of the listed summaries, so the next start-up
// decodes them quickly. byID finds a loaded summary.
func (s *Store) writeStale(stale []uint32, byID func(uint32) *Summary) error {
	if len(stale) == 0 || s.opts.ReadOnly {
		return nil
	}
	return s.update(func(tx kv.Tx) error {
		b := tx.Bucket(bSums)
		var d sumDecoder
		for _, id := range stale {
			sm := byID(id)
			if sm == nil {
				continue
			}
			// A commit since the load may have stored this summary anew: keep it.
			var have Summary
			if cur := b.Get(u32(id)); len(cur) > 0 && cur[0] == sumLayout && d.decode(cur, &have) == nil &&
				have.ID == id && have.Version >= sm.Version {
				continue
			}
			if sm.IDH == "" { // rebuilt or older summaries: add the ID number's keyed hash
				var c struct {
					Agent workflow.Agent `json:"agent"`
				}
				if raw := tx.Bucket(bCases).Get(u32(id)); raw != nil && unmarshalValue(raw, &c) == nil {
					sm.IDH = s.keys.idToken(id, c.Agent.IDNumber)
				}
			}
			// A fresh buffer each time: bbolt keeps the slice given to Put until commit.
			buf := encodeSummary(nil, sm)
			if err := b.Put(u32(id), buf); err != nil {
				return err
			}
		}
		return nil
	})
}

// loadSummaries loads every summary before it returns (a bulk load, and a store too small
// to be worth loading in the background); the search index is built in the background.
func (s *Store) loadSummaries() error {
	s.waitLoaded()
	var list []*Summary
	var stale []uint32
	err := s.view(func(tx kv.Tx) error {
		if s.opts.NoSummaries {
			return nil
		}
		var err error
		list, stale, err = readSummaries(tx, s.opts.Memory)
		return err
	})
	if err != nil {
		return err
	}
	err = s.writeStale(stale, func(id uint32) *Summary {
		i, ok := slices.BinarySearchFunc(list, id, func(sm *Summary, id uint32) int { return int(int64(sm.ID) - int64(id)) })
		if !ok {
			return nil
		}
		return list[i]
	})
	if err != nil {
		return err
	}
	if len(list) >= bigLoad {
		s.releaseMapped()
	}
	slices.Reverse(list) // oldest first → newest first
	s.setDue(list)
	// The queues can be drawn now. The search index (pinyin, packed haystacks: the larger
	// part of start-up) is built in the background; Search waits for it, and the index
	// updates of commits meanwhile are applied after it (indexChanged).
	s.sumMu.Lock()
	defer s.sumMu.Unlock()
	old := s.snap.Load()
	s.dropIndexLater()
	old.waitIndexed() // a bulk load (BulkLoad) loads a second time
	var gen uint64
	if old != nil {
		gen = old.Gen + 1
	}
	done := s.startIndexing()
	sn := &Snapshot{Gen: gen, t: tableOf(list), indexed: done, views: &views{}, log: &changeLog{}}
	s.snap.Store(sn)
	go s.buildIndex(sn, done, len(list) >= bigLoad)
	return nil
}

// loadSummariesInBackground loads the newest firstBatch cases, installs them and returns;
// a goroutine loads the rest (see the top of this file). A store of at most firstBatch
// cases is loaded whole, as loadSummaries does.
func (s *Store) loadSummariesInBackground() error {
	var total uint64
	if err := s.view(func(tx kv.Tx) error { total = tx.Bucket(bCases).Sequence(); return nil }); err != nil {
		return err
	}
	firstN, maxN := firstBatch, maxBatch
	if s.opts.LoadFirst > 0 {
		firstN, maxN = s.opts.LoadFirst, max(s.opts.LoadFirst, maxBatch)
	}
	if total <= uint64(firstN) || total >= 1<<32-1 || s.opts.NoSummaries {
		return s.loadSummaries()
	}
	var release func()
	if s.opts.Memory.Hold != nil {
		release = s.opts.Memory.Hold() // until the whole load is in
	}
	wait := make(chan struct{})
	s.loadWait.Store(&wait)
	finish := func() {
		if release != nil {
			release()
		}
		close(wait)
	}
	done := s.startIndexing()
	// The first batch: Open returns with it.
	hi := uint32(total) + 1
	lo := uint32(max(int64(hi)-int64(firstN), 1))
	var stale []uint32
	first, st, err := s.readBatch(lo, hi, runtime.GOMAXPROCS(0))
	if err != nil {
		s.loadWait.Store(nil)
		finish()
		return err
	}
	stale = append(stale, st...)
	s.sumMu.Lock()
	old := s.snap.Load()
	s.dropIndexLater()
	old.waitIndexed()
	var gen uint64
	if old != nil {
		gen = old.Gen + 1
	}
	s.snap.Store(&Snapshot{Gen: gen, t: tableOf(first), indexed: done, views: &views{},
		log: &changeLog{}, loading: &loadProgress{done: len(first), total: int(total)}})
	s.sumMu.Unlock()
	n := len(first)
	go func() {
		size := firstN
		var loadErr error
		for hi = lo; hi > 1; hi = lo {
			size = min(2*size, maxN)
			lo = uint32(max(int64(hi)-int64(size), 1))
			if s.closed.Load() {
				loadErr = ErrClosed
				break
			}
			// On one core: the other stays with the sessions drawing meanwhile.
			batch, st, err := s.readBatch(lo, hi, 1)
			if err != nil {
				loadErr = err
				break
			}
			if loadBatchHook != nil {
				loadBatchHook(n)
			}
			if s.opts.LoadPause != nil {
				s.opts.LoadPause(n)
			}
			stale = append(stale, st...)
			n += len(batch)
			var prog *loadProgress
			if lo > 1 {
				prog = &loadProgress{done: n, total: int(total)}
			}
			s.install(batch, prog)
		}
		if loadErr != nil {
			// What is loaded stays; the snapshot says the rest is not coming, and Check
			// finds the damage. Commands get what there is rather than waiting for ever.
			s.sumMu.Lock()
			cur := s.snap.Load()
			s.snap.Store(&Snapshot{Gen: cur.Gen + 1, t: cur.t, indexed: done, views: &views{}, log: &changeLog{},
				loading: &loadProgress{done: n, total: int(total), err: loadErr}})
			s.sumMu.Unlock()
			s.loadWait.Store(nil)
			finish()
			if s.closed.Load() { // nothing will search: only release who waits
				s.ixMu.Lock()
				s.ixReady = true
				close(done)
				s.ixMu.Unlock()
				return
			}
			s.publish(Change{Topic: "load", At: s.opts.Now()})
			s.buildIndex(s.snap.Load(), done, true)
			return
		}
		_ = s.writeStale(stale, func(id uint32) *Summary { sm, _ := s.snap.Load().Get(id); return sm })
		s.releaseMapped()
		s.loadWait.Store(nil)
		finish() // Snapshot no longer waits; the index is built after, as for loadSummaries
		s.buildIndex(s.snap.Load(), done, true)
		s.warmOpenDue()
	}()
	return nil
}

// warmOpenDue makes the open cases' deadlines and the cases by owner of the loaded
// snapshot for the console and the server, after the load and the index: the first
// dashboard, and the first search naming a staff member, after start-up then find them
// made (at a million cases each a pass over every summary, and a sort: 80–300 ms), and
// the snapshots of later commits derive theirs from them. Commands do not need them.
func (s *Store) warmOpenDue() {
	if s.opts.Mode != "" && !s.closed.Load() {
		sn := s.snap.Load()
		s.openDue(sn)
		sn.ownerLists()
	}
}

// readBatch reads the summaries of ids lo ≤ id < hi, in a transaction of its own, newest
// first, with their deadlines, on up to workers goroutines.
func (s *Store) readBatch(lo, hi uint32, workers int) (list []*Summary, stale []uint32, err error) {
	err = s.view(func(tx kv.Tx) error {
		var err error
		list, stale, err = readSummaryRange(tx, lo, hi, workers)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	slices.Reverse(list)
	if workers > 1 {
		s.setDue(list)
	} else {
		s.setDueOn(list)
	}
	return list, stale, nil
}

// install adds a batch the loader read to the current snapshot: a summary already there
// came from a commit since the load began, and is newer. prog nil: the load is complete.
func (s *Store) install(batch []*Summary, prog *loadProgress) {
	s.sumMu.Lock()
	cur := s.snap.Load()
	if cur.loading != nil && cur.loading.total > 0 && prog != nil {
		prog.total = max(prog.total, cur.loading.total)
	}
	e := cur.t.edit()
	for _, sm := range batch {
		if e.t.get(sm.ID) == nil {
			e.put(sm)
		}
	}
	// The lists are made anew (views, change log): every session rebuilds its queues once.
	s.snap.Store(&Snapshot{Gen: cur.Gen + 1, t: e.t, indexed: cur.indexed, views: &views{}, log: &changeLog{}, loading: prog})
	s.sumMu.Unlock()
	s.publish(Change{Topic: "load", At: s.opts.Now()})
}

// setDue computes the deadlines of freshly read summaries.
func (s *Store) setDue(list []*Summary) {
	st := s.Settings()
	cal := st.Calendar()
	parallel(len(list), func(lo, hi int) {
		for _, sm := range list[lo:hi] {
			sm.Due = sm.dueOf(st, cal)
		}
	})
}

// setDueOn is setDue on the calling goroutine.
func (s *Store) setDueOn(list []*Summary) {
	st := s.Settings()
	cal := st.Calendar()
	for _, sm := range list {
		sm.Due = sm.dueOf(st, cal)
	}
}

// startIndexing begins a build of the search index: the commits' index updates wait in
// ixPending until buildIndex has indexed the loaded summaries. It returns the channel
// closed when the index is complete.
func (s *Store) startIndexing() chan struct{} {
	s.ixMu.Lock()
	defer s.ixMu.Unlock()
	s.ixReady, s.ixPending = false, nil
	return make(chan struct{})
}

// buildIndex indexes every summary of sn, then the cases commits changed meanwhile (their
// current summaries), and closes done. big: the load was large enough to hand its garbage
// back (MemoryHints.Settled).
func (s *Store) buildIndex(sn *Snapshot, done chan struct{}, big bool) {
	if s.opts.IndexOnDemand {
		s.ixMu.Lock()
		if !s.ixWanted { // left for the first search (waitIndex)
			s.ixLater, s.ixLaterDone = func() { s.buildIndexNow(sn, done, big) }, done
			s.ixMu.Unlock()
			return
		}
		s.ixMu.Unlock()
	}
	s.buildIndexNow(sn, done, big)
}

// waitIndex blocks until the search index is complete, building it first when the load
// left it for the first search (Options.IndexOnDemand).
func (s *Store) waitIndex() {
	if s.opts.IndexOnDemand {
		s.ixMu.Lock()
		s.ixWanted = true
		build := s.ixLater
		s.ixLater, s.ixLaterDone = nil, nil
		s.ixMu.Unlock()
		if build != nil {
			build()
		}
	}
	s.snap.Load().waitIndexed()
}

// dropIndexLater gives up a build left for the first search, before a second load
// replaces its snapshot (whose index it was): the new load's build indexes every case.
func (s *Store) dropIndexLater() {
	s.ixMu.Lock()
	defer s.ixMu.Unlock()
	if s.ixLater != nil {
		close(s.ixLaterDone)
		s.ixLater, s.ixLaterDone = nil, nil
	}
}

func (s *Store) buildIndexNow(sn *Snapshot, done chan struct{}, big bool) {
	docs := make([]search.Doc, 0, sn.Len())
	fields := make([]string, 4*sn.Len())
	i := 0
	for sm := range sn.All() {
		f := fields[4*i : 4*i+4 : 4*i+4]
		f[0], f[1], f[2], f[3] = sm.No, sm.Enterprise, sm.CreditCode, sm.Agent
		docs = append(docs, search.Doc{ID: sm.ID, Fields: f})
		i++
	}
	s.index.Upsert(docs...)
	docs, fields = nil, nil
	s.ixMu.Lock()
	for len(s.ixPending) > 0 {
		ids := s.ixPending
		s.ixPending = nil
		s.upsertCurrent(ids)
	}
	s.ixReady = true
	close(done)
	s.ixMu.Unlock()
	if big && sn.Len() >= bigLoad && s.opts.Memory.Settled != nil {
		// Loading and indexing leave tens of MB of garbage the runtime keeps for
		// reuse and hands back to the OS only over the next minutes; a server holds
		// on to the memory it reports for its whole life: the program may hand it
		// back now.
		s.opts.Memory.Settled()
	}
}

// indexChanged brings the search index up to date for cases a commit changed: at once,
// or after the index build in progress.
func (s *Store) indexChanged(ids []uint32) {
	if len(ids) == 0 {
		return
	}
	s.reindexed.Add(uint64(len(ids)))
	s.ixMu.Lock()
	defer s.ixMu.Unlock()
	if !s.ixReady {
		s.ixPending = append(s.ixPending, ids...)
		return
	}
	s.upsertCurrent(ids)
}

// upsertCurrent indexes the current summaries of ids (under ixMu: two commits of one case
// index in order, the later last).
func (s *Store) upsertCurrent(ids []uint32) {
	sn := s.snap.Load()
	docs := make([]search.Doc, 0, len(ids))
	for _, id := range ids {
		if sm, ok := sn.Get(id); ok {
			docs = append(docs, docOf(sm))
		}
	}
	s.index.Upsert(docs...)
}

// bigLoad is the size of a load after which MemoryHints.Settled is called (tests open
// many small stores).
const bigLoad = 20_000

// parallel runs f over [0, n) in one share per CPU.
func parallel(n int, f func(lo, hi int)) {
	_ = parallelErr(n, func(lo, hi int) error { f(lo, hi); return nil })
}

// parallelErr runs f over [0, n) in one share per CPU and returns the first error a
// share returned (every share runs to its end either way).
func parallelErr(n int, f func(lo, hi int) error) error {
	w := min(runtime.GOMAXPROCS(0), max(n/4096, 1))
	var g errgroup.Group
	for k := range w {
		lo, hi := n*k/w, n*(k+1)/w
		g.Go(func() error { return f(lo, hi) })
	}
	return g.Wait()
}
