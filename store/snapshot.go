package store

import (
	"iter"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"repairdesk/internal/sorted"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// Snapshot is an immutable view of every case summary. Sessions hold a snapshot and ask
// for a new one when the store announces a change.
type Snapshot struct {
	Gen uint64
	t   table // by case id

	// indexed is closed once the search index holds every summary loaded at open. The
	// index is built in the background so the first frame need not wait for it (see
	// loadSummaries); searches and index updates wait for it instead.
	indexed chan struct{}

	views *views // Open and Closed, shared by every session

	log    *changeLog // the cases changed since the list was last made whole
	logLen int        // how much of log this snapshot includes

	loading *loadProgress // nil: every case is here; else the load at open is under way (sumload.go)
}

// changeLog records, commit by commit, which case each new snapshot changed. Snapshots
// made from one another share it; a new log starts when the whole list is made anew (at
// open, after a change of the SLA) or when it grows long.
type changeLog struct {
	mu  sync.Mutex
	ids []uint32
}

const maxChangeLog = 1 << 16

// ChangesSince lists the ids of the cases whose summaries differ between old and sn, in
// the order they changed (an id may repeat), so a session can patch what it built from
// old instead of rebuilding it from sn.List. ok is false when sn is not a later version of
// old that the log covers: then rebuild.
func (sn *Snapshot) ChangesSince(old *Snapshot) (ids []uint32, ok bool) {
	if old == nil || sn.log == nil || old.log != sn.log || old.logLen > sn.logLen {
		return nil, false
	}
	sn.log.mu.Lock()
	defer sn.log.mu.Unlock()
	return slices.Clone(sn.log.ids[old.logLen:sn.logLen]), true
}

// logged is the log and length for the snapshot that follows old by changing ids.
func (old *Snapshot) logged(ids ...uint32) (*changeLog, int) {
	l := old.log
	if l == nil || old.logLen >= maxChangeLog {
		return &changeLog{}, 0 // sessions holding older snapshots rebuild once
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids[:old.logLen], ids...) // snapshots are made in order, under sumMu
	return l, len(l.ids)
}

// views are lists every session's queue needs, made once per snapshot instead of once per
// session, and not on the commit path: the first session to ask after a commit derives
// them from the previous snapshot's (one change: O(n) memmove, no sort).
type views struct {
	once         sync.Once
	ready        atomic.Bool // open and closed are made
	open, closed []*Summary

	prev    *views // made from these, if they were ready, by these changes
	changes []viewChange

	// The cases by owner, made apart from the lists (a search naming a staff member
	// asks for them, the queues do not), and derived the same way.
	ownOnce    sync.Once
	ownReady   atomic.Bool // owners is made
	owners     map[string][]uint32
	ownPrev    *views // made from these, if their owners were ready, by ownChanges
	ownChanges []viewChange

	// The open cases' part of the results table (results.go, openDue), derived the
	// same way.
	dueOnce    sync.Once
	dueReady   atomic.Bool
	due        *openDueSet
	duePrev    *views
	dueChanges []viewChange
}

// Owned lists the ids of the cases the staff member with this login name owns, open or
// closed, the newest case first. Made once per snapshot and shared by every session (the
// first to ask after a commit derives it from the previous snapshot's: a copy of the
// lists of the owners the commit changed): a search naming a staff member intersects it
// with a tab instead of looking up every case of the tab. Read only.
func (sn *Snapshot) Owned(owner string) []uint32 { return sn.ownerLists()[owner] }

func (sn *Snapshot) ownerLists() map[string][]uint32 {
	v := sn.views
	v.ownOnce.Do(func() {
		defer v.ownReady.Store(true)
		if p := v.ownPrev; p != nil {
			v.ownPrev = nil
			v.owners = deriveOwners(p.owners, v.ownChanges)
			v.ownChanges = nil
			return
		}
		count := map[string]int{}
		for sm := range sn.All() {
			count[sm.Owner]++
		}
		owners := make(map[string][]uint32, len(count))
		for sm := range sn.All() { // the newest first: each list is ordered by descending id
			l := owners[sm.Owner]
			if l == nil {
				l = make([]uint32, 0, count[sm.Owner])
			}
			owners[sm.Owner] = append(l, sm.ID)
		}
		v.owners = owners
	})
	return v.owners
}

// deriveOwners applies changes to the lists by owner of the previous snapshot, copying
// only the lists of the owners they touch (the others are shared, never changed).
func deriveOwners(prev map[string][]uint32, changes []viewChange) map[string][]uint32 {
	owners := maps.Clone(prev)
	copied := map[string]bool{}
	list := func(owner string) []uint32 {
		if !copied[owner] {
			copied[owner] = true
			owners[owner] = slices.Clone(owners[owner])
		}
		return owners[owner]
	}
	for _, c := range changes {
		if c.was != nil && c.now != nil && c.was.Owner == c.now.Owner && c.was.ID == c.now.ID {
			continue
		}
		if c.was != nil {
			l := list(c.was.Owner)
			if i, ok := slices.BinarySearchFunc(l, c.was.ID, cmpDesc); ok {
				owners[c.was.Owner] = slices.Delete(l, i, i+1)
			}
			if len(owners[c.was.Owner]) == 0 {
				delete(owners, c.was.Owner)
				delete(copied, c.was.Owner)
			}
		}
		if c.now != nil {
			l := list(c.now.Owner)
			if i, ok := slices.BinarySearchFunc(l, c.now.ID, cmpDesc); !ok {
				owners[c.now.Owner] = slices.Insert(l, i, c.now.ID)
			}
		}
	}
	return owners
}

// Open lists the cases still in progress, newest first. The slice is shared: read only.
func (sn *Snapshot) Open() []*Summary { return sn.lists().open }

// Closed lists the finished cases (closed, declined, withdrawn), the most recently closed
// first (the newer case first on the same instant). The slice is shared: read only.
func (sn *Snapshot) Closed() []*Summary { return sn.lists().closed }

func (sn *Snapshot) lists() *views {
	v := sn.views
	v.once.Do(func() {
		defer v.ready.Store(true)
		if p := v.prev; p != nil {
			v.prev = nil
			v.derive(p)
			return
		}
		var open, closed int
		for sm := range sn.All() {
			if sm.Stage.Terminal() {
				closed++
			} else {
				open++
			}
		}
		v.open = make([]*Summary, 0, open)
		v.closed = make([]*Summary, 0, closed)
		for sm := range sn.All() {
			if sm.Stage.Terminal() {
				v.closed = append(v.closed, sm)
			} else {
				v.open = append(v.open, sm)
			}
		}
		sortClosed(v.closed)
	})
	return v
}

// sortClosed sorts as ByClosed, on keys taken out once: comparing times through the
// pointers is most of the cost of sorting 60,000 closed cases at start-up.
func sortClosed(list []*Summary) {
	type key struct {
		sec  int64 // time.Compare's order, for any year
		nsec int32
		id   uint32
		sm   *Summary
	}
	keys := make([]key, len(list))
	for i, sm := range list {
		keys[i] = key{sm.ClosedAt.Unix(), int32(sm.ClosedAt.Nanosecond()), sm.ID, sm}
	}
	slices.SortFunc(keys, func(a, b key) int {
		switch {
		case a.sec != b.sec:
			if a.sec > b.sec {
				return -1
			}
			return 1
		case a.nsec != b.nsec:
			if a.nsec > b.nsec {
				return -1
			}
			return 1
		case a.id > b.id:
			return -1
		case a.id < b.id:
			return 1
		}
		return 0
	})
	for i := range keys {
		list[i] = keys[i].sm
	}
}

// ByNewest orders summaries by descending id (the newest case first): the order of Open
// and of the tab lists built from it.
func ByNewest(a, b *Summary) int { return cmpDesc(a.ID, b.ID) }

// ByClosed orders by descending close time, then ByNewest: the order of Closed.
func ByClosed(a, b *Summary) int {
	if c := b.ClosedAt.Compare(a.ClosedAt); c != 0 {
		return c
	}
	return cmpDesc(a.ID, b.ID)
}

// ByDue orders by deadline, the earliest first, then ByNewest.
func ByDue(a, b *Summary) int {
	// Cases without a running deadline (paused, none) come after those with one.
	az, bz := a.Due.At.IsZero() || a.Due.Paused, b.Due.At.IsZero() || b.Due.Paused
	switch {
	case az && !bz:
		return 1
	case !az && bz:
		return -1
	}
	if c := a.Due.At.Compare(b.Due.At); c != 0 {
		return c
	}
	return ByNewest(a, b)
}

func cmpDesc(a, b uint32) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// viewChange is one summary replaced by another (was nil: a new case).
type viewChange struct{ was, now *Summary }

// next is the views of the snapshot made by these changes: derived later from v if v is
// made by then, else made afresh when asked for (so at most one link is kept).
func (v *views) next(changes []viewChange) *views {
	nv := &views{}
	if v.ready.Load() {
		nv.prev, nv.changes = v, changes
	}
	if v.ownReady.Load() {
		nv.ownPrev, nv.ownChanges = v, changes
	}
	if v.dueReady.Load() {
		nv.duePrev, nv.dueChanges = v, changes
	}
	return nv
}

// derive makes the lists from the previous snapshot's: one copy each, then every change
// in order (a batch may change one case twice).
func (v *views) derive(p *views) {
	if len(v.changes) == 1 { // the common case: copy and change in one pass
		c := v.changes[0]
		v.open, v.closed = p.open, p.closed
		if c.was != nil {
			if c.was.Stage.Terminal() {
				v.closed = sorted.Replace(v.closed, c.was, nil, ByClosed)
			} else {
				v.open = sorted.Replace(v.open, c.was, nil, ByNewest)
			}
		}
		if c.now.Stage.Terminal() {
			v.closed = sorted.Replace(v.closed, nil, c.now, ByClosed)
		} else {
			v.open = sorted.Replace(v.open, nil, c.now, ByNewest)
		}
		v.changes = nil
		return
	}
	open := slices.Grow(slices.Clone(p.open), len(v.changes))
	closed := slices.Grow(slices.Clone(p.closed), len(v.changes))
	for _, c := range v.changes {
		if c.was != nil {
			if c.was.Stage.Terminal() {
				closed, _, _ = sorted.Delete(closed, c.was, ByClosed)
			} else {
				open, _, _ = sorted.Delete(open, c.was, ByNewest)
			}
		}
		if c.now.Stage.Terminal() {
			closed, _ = sorted.Insert(closed, c.now, ByClosed)
		} else {
			open, _ = sorted.Insert(open, c.now, ByNewest)
		}
	}
	v.open, v.closed, v.changes = open, closed, nil
}

// waitIndexed blocks until the search index of this snapshot's load is complete.
func (sn *Snapshot) waitIndexed() {
	if sn != nil && sn.indexed != nil {
		<-sn.indexed
	}
}

// Get finds a summary by case id.
func (sn *Snapshot) Get(id uint32) (*Summary, bool) {
	sm := sn.t.get(id)
	return sm, sm != nil
}

// Len is the number of cases.
func (sn *Snapshot) Len() int { return sn.t.n }

// All yields every summary, the newest case first.
func (sn *Snapshot) All() iter.Seq[*Summary] { return sn.t.all() }

// List is every summary, the newest case first, in a new slice (O(n): for tools and
// tests; sessions use Open, Closed, Get and All).
func (sn *Snapshot) List() []*Summary {
	return slices.AppendSeq(make([]*Summary, 0, sn.t.n), sn.t.all())
}

func docOf(sm *Summary) search.Doc { // sameDoc compares what it takes
	return search.Doc{ID: sm.ID, Fields: []string{sm.No, sm.Enterprise, sm.CreditCode, sm.Agent}}
}

// refresh replaces the summaries of the cases one commit changed in a new snapshot
// (copy-on-write: readers keep theirs). The copy of the list is one memmove of a pointer
// per case (~0.1 ms at 100,000), whatever the number of cases the commit changed; a new
// case goes to the front.
func (s *Store) refresh(cs ...*workflow.Case) {
	if len(cs) == 0 {
		return
	}
	st := s.Settings()
	cal := st.Calendar()
	sums := make([]Summary, len(cs))
	for i, c := range cs {
		sums[i] = summarise(c)
		sums[i].IDH = s.keys.idToken(c.ID, c.Agent.IDNumber)
		sums[i].Due = sums[i].dueOf(st, cal)
	}
	s.sumMu.Lock()
	defer s.sumMu.Unlock()
	old := s.snap.Load()
	e := old.t.edit()
	var (
		changes []viewChange
		ids     []uint32
		reindex []uint32 // those whose searched fields changed (or are new)
	)
	for i := range sums {
		sm := &sums[i]
		cur := e.t.get(sm.ID)
		if cur != nil && cur.Version > sm.Version {
			continue // commits that finished together may refresh out of order: keep the newer
		}
		// The index holds what docOf takes from the summary: most actions (a comment, a
		// stage) leave those fields as they were, and re-encoding the case's entry was
		// 5% of a node's CPU an action. An index update in flight for cur reads the
		// snapshot current when it runs (upsertCurrent), so it indexes these fields too.
		if cur == nil || !sameDoc(cur, sm) {
			reindex = append(reindex, sm.ID)
		}
		changes = append(changes, viewChange{e.put(sm), sm})
		ids = append(ids, sm.ID)
	}
	if len(changes) == 0 {
		return
	}
	log, n := old.logged(ids...)
	s.snap.Store(&Snapshot{Gen: old.Gen + 1, t: e.t, indexed: old.indexed, views: old.views.next(changes), log: log, logLen: n, loading: old.loading})
	// The index, now or after the build in progress (never under sumMu: the loader of
	// the summaries at open needs it to install its batches meanwhile).
	s.indexChanged(reindex)
}

// sameDoc reports whether a and b give the same search document (docOf).
func sameDoc(a, b *Summary) bool {
	return a.ID == b.ID && a.No == b.No && a.Enterprise == b.Enterprise && a.CreditCode == b.CreditCode && a.Agent == b.Agent
}

// recomputeDue refreshes every deadline after the SLA or calendar changed.
func (s *Store) recomputeDue() {
	s.waitLoaded() // the loader computes the deadlines of what it reads with the settings of then
	st := s.Settings()
	cal := st.Calendar()
	s.sumMu.Lock()
	defer s.sumMu.Unlock()
	old := s.snap.Load()
	if old == nil {
		return
	}
	list := old.List()
	slab := make([]Summary, len(list))
	parallel(len(list), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			slab[i] = *list[i]
			slab[i].Due = slab[i].dueOf(st, cal)
			list[i] = &slab[i]
		}
	})
	s.snap.Store(&Snapshot{Gen: old.Gen + 1, t: tableOf(list), indexed: old.indexed, views: &views{}, log: &changeLog{}})
}
