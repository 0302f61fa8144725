package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// Summary is the compact form of a case the queues draw from. It is kept for every case
// in memory, shared by every session, and persisted so start-up never reads whole cases.
type Summary struct {
	ID         uint32           `json:"i"`
	No         string           `json:"n"`
	Version    int              `json:"v"`
	Stage      workflow.Stage   `json:"s"`
	Enterprise string           `json:"e"`
	CreditCode string           `json:"c"`
	Agent      string           `json:"a"`
	RecordType string           `json:"t"`
	Sources    []string         `json:"src,omitempty"`
	Owner      string           `json:"o"`
	UpdatedAt  time.Time        `json:"u"`
	UpdatedBy  string           `json:"ub"`
	ReceivedAt time.Time        `json:"r"`
	StageSince time.Time        `json:"ss"`
	ClosedAt   time.Time        `json:"ca,omitzero"`
	Pauses     []workflow.Pause `json:"p,omitempty"`
	NoticeDue  time.Time        `json:"nd,omitzero"`
	Blocked    []string         `json:"b,omitempty"` // who may not approve (investigators, proposer)
	// IDH is a keyed hash of the agent's ID number (never the number): a search for the
	// whole number finds the case.
	IDH string `json:"ih,omitempty"`

	// Due is computed from the current SLA settings, not stored.
	Due workflow.Due `json:"-"`
}

func summarise(c *workflow.Case) Summary {
	s := Summary{ID: c.ID, No: c.No, Version: c.Version, Stage: c.Stage, Enterprise: c.Enterprise.Name,
		CreditCode: c.Enterprise.CreditCode, Agent: c.Agent.Name, Owner: c.Owner, UpdatedAt: c.UpdatedAt,
		UpdatedBy: c.UpdatedBy, ReceivedAt: c.ReceivedAt, StageSince: c.StageSince, ClosedAt: c.ClosedAt,
		Pauses: c.Pauses}
	if len(c.Records) > 0 {
		s.RecordType = c.Records[0].Type
	}
	for _, r := range c.Records {
		if !slices.Contains(s.Sources, r.Source) {
			s.Sources = append(s.Sources, r.Source)
		}
	}
	if k := len(c.Notices); k > 0 {
		s.NoticeDue = c.Notices[k-1].Deadline
	}
	s.Blocked = append(slices.Clone(c.Investigators), c.Proposer)
	return s
}

// dueOf is the deadline the SLA gives the case this summary stands for: just enough of
// the case is rebuilt (stage, dates, pauses, record type and sources, the last notice).
func (sm *Summary) dueOf(st *Settings, cal *workflow.Calendar) workflow.Due {
	if sm.Stage.Terminal() {
		return workflow.Due{}
	}
	var recs [4]workflow.Record
	var notice [1]workflow.Notice
	c := workflow.Case{Stage: sm.Stage, StageSince: sm.StageSince, ReceivedAt: sm.ReceivedAt, Pauses: sm.Pauses}
	if len(sm.Sources) <= len(recs) {
		c.Records = recs[:0]
	}
	for _, src := range sm.Sources {
		c.Records = append(c.Records, workflow.Record{Source: src})
	}
	if len(c.Records) > 0 {
		c.Records[0].Type = sm.RecordType // a record type may have its own stage limits
	}
	if !sm.NoticeDue.IsZero() {
		notice[0].Deadline = sm.NoticeDue
		c.Notices = notice[:]
	}
	return st.SLA.DueOf(&c, cal)
}

// MayApprove reports whether name is allowed by four-eyes to decide this case.
func (sm *Summary) MayApprove(name string) bool { return !slices.Contains(sm.Blocked, name) }

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

// sortClosed sorts as byClosed, on keys taken out once: comparing times through the
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

// byNewest orders by descending id; byClosed by descending close time, then id.
func byNewest(a, b *Summary) int { return cmpDesc(a.ID, b.ID) }

func byClosed(a, b *Summary) int {
	if c := b.ClosedAt.Compare(a.ClosedAt); c != 0 {
		return c
	}
	return cmpDesc(a.ID, b.ID)
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
	if !v.ready.Load() {
		return &views{}
	}
	return &views{prev: v, changes: changes}
}

// derive makes the lists from the previous snapshot's: one copy each, then every change
// in order (a batch may change one case twice).
func (v *views) derive(p *views) {
	if len(v.changes) == 1 { // the common case: copy and change in one pass
		c := v.changes[0]
		v.open, v.closed = p.open, p.closed
		if c.was != nil {
			if c.was.Stage.Terminal() {
				v.closed = replaceSorted(v.closed, c.was, nil, byClosed)
			} else {
				v.open = replaceSorted(v.open, c.was, nil, byNewest)
			}
		}
		if c.now.Stage.Terminal() {
			v.closed = replaceSorted(v.closed, nil, c.now, byClosed)
		} else {
			v.open = replaceSorted(v.open, nil, c.now, byNewest)
		}
		v.changes = nil
		return
	}
	open := slices.Grow(slices.Clone(p.open), len(v.changes))
	closed := slices.Grow(slices.Clone(p.closed), len(v.changes))
	for _, c := range v.changes {
		if c.was != nil {
			if c.was.Stage.Terminal() {
				closed = deleteSorted(closed, c.was, byClosed)
			} else {
				open = deleteSorted(open, c.was, byNewest)
			}
		}
		if c.now.Stage.Terminal() {
			i, _ := slices.BinarySearchFunc(closed, c.now, byClosed)
			closed = slices.Insert(closed, i, c.now)
		} else {
			i, _ := slices.BinarySearchFunc(open, c.now, byNewest)
			open = slices.Insert(open, i, c.now)
		}
	}
	v.open, v.closed, v.changes = open, closed, nil
}

// deleteSorted removes sm from a sorted list it owns.
func deleteSorted(list []*Summary, sm *Summary, cmp func(a, b *Summary) int) []*Summary {
	if i, ok := slices.BinarySearchFunc(list, sm, cmp); ok {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// replaceSorted returns a copy of the sorted list without out and with in (either may be
// nil), sorted by cmp.
func replaceSorted(list []*Summary, out, in *Summary, cmp func(a, b *Summary) int) []*Summary {
	res := make([]*Summary, 0, len(list)+1)
	if out != nil {
		i, ok := slices.BinarySearchFunc(list, out, cmp)
		if ok {
			res = append(append(res, list[:i]...), list[i+1:]...)
		} else {
			res = append(res, list...)
		}
	} else {
		res = append(res, list...)
	}
	if in != nil {
		i, _ := slices.BinarySearchFunc(res, in, cmp)
		res = slices.Insert(res, i, in)
	}
	return res
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

// Snapshot returns the current summaries.
func (s *Store) Snapshot() *Snapshot { return s.snap.Load() }

// ---------------------------------------------------------------------------------------
// Stored layout
//
// Schema 1 stored summaries as JSON. They are now stored in a compact binary layout that
// decodes without reflection (start-up with 100,000 cases reads them all). Both load: a
// value starting with '{' is a JSON summary, one starting with sumLayout the binary one.
// A summary in neither form, or one that is missing, is rebuilt from its case — summaries
// are only a cache of the cases — and a writable open stores every JSON or rebuilt
// summary again in the binary layout.
//
// Binary layout (varints as in encoding/binary):
//
//	sumLayout byte
//	uvarint id, string no, varint version, string stage, string enterprise,
//	string credit code, string agent, string record type, strings sources,
//	string owner, time updated, string updated by, time received, time stage since,
//	time closed, uvarint #pauses × (time from, time to), time notice due, strings blocked
//
// string = uvarint length + bytes; strings = uvarint count + that many strings;
// time = 0 for the zero time, else 1, varint unix seconds, uvarint nanoseconds and
// varint zone offset in seconds.

const sumLayout byte = 0xb1

var errSummary = errors.New("unreadable summary")

func encodeSummary(b []byte, sm *Summary) []byte {
	b = append(b, sumLayout)
	b = binary.AppendUvarint(b, uint64(sm.ID))
	b = appendStr(b, sm.No)
	b = binary.AppendVarint(b, int64(sm.Version))
	b = appendStr(b, string(sm.Stage))
	b = appendStr(b, sm.Enterprise)
	b = appendStr(b, sm.CreditCode)
	b = appendStr(b, sm.Agent)
	b = appendStr(b, sm.RecordType)
	b = appendStrs(b, sm.Sources)
	b = appendStr(b, sm.Owner)
	b = appendTime(b, sm.UpdatedAt)
	b = appendStr(b, sm.UpdatedBy)
	b = appendTime(b, sm.ReceivedAt)
	b = appendTime(b, sm.StageSince)
	b = appendTime(b, sm.ClosedAt)
	b = binary.AppendUvarint(b, uint64(len(sm.Pauses)))
	for _, p := range sm.Pauses {
		b = appendTime(b, p.From)
		b = appendTime(b, p.To)
	}
	b = appendTime(b, sm.NoticeDue)
	b = appendStrs(b, sm.Blocked)
	return appendStr(b, sm.IDH) // added after the first binary layout: optional on read
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrs(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendStr(b, s)
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	_, off := t.Zone()
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

// sumDecoder reads binary summaries. Its strings point into one copy of the value, and
// its small slices are cut from shared blocks, so a summary costs a handful of
// allocations at most.
type sumDecoder struct {
	s     string // the value being decoded, as a string
	i     int
	err   bool
	strs  []string
	pause []workflow.Pause
}

func (d *sumDecoder) decode(v []byte, sm *Summary) error {
	if len(v) == 0 || v[0] != sumLayout {
		return errSummary
	}
	d.s, d.i, d.err = string(v), 1, false
	sm.ID = uint32(d.uvarint())
	sm.No = d.str()
	sm.Version = int(d.varint())
	sm.Stage = workflow.Stage(d.str())
	sm.Enterprise = d.str()
	sm.CreditCode = d.str()
	sm.Agent = d.str()
	sm.RecordType = d.str()
	sm.Sources = d.strList()
	sm.Owner = d.str()
	sm.UpdatedAt = d.time()
	sm.UpdatedBy = d.str()
	sm.ReceivedAt = d.time()
	sm.StageSince = d.time()
	sm.ClosedAt = d.time()
	sm.Pauses = nil
	if n := d.count(); n > 0 {
		if len(d.pause) < n {
			d.pause = make([]workflow.Pause, max(n, 256))
		}
		sm.Pauses, d.pause = d.pause[:n:n], d.pause[n:]
		for k := range sm.Pauses {
			sm.Pauses[k] = workflow.Pause{From: d.time(), To: d.time()}
		}
	}
	sm.NoticeDue = d.time()
	sm.Blocked = d.strList()
	sm.IDH = ""
	if d.i < len(d.s) {
		sm.IDH = d.str()
	}
	if d.err || d.i != len(d.s) {
		return errSummary
	}
	return nil
}

func (d *sumDecoder) uvarint() uint64 {
	if d.err {
		return 0
	}
	var x uint64
	for shift := 0; shift < 64; shift += 7 {
		if d.i >= len(d.s) {
			break
		}
		c := d.s[d.i]
		d.i++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	d.err = true
	return 0
}

func (d *sumDecoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *sumDecoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) { // every element takes at least one byte
		d.err = true
		return 0
	}
	return int(n)
}

func (d *sumDecoder) str() string {
	n := d.count()
	if d.err {
		return ""
	}
	s := d.s[d.i : d.i+n]
	d.i += n
	return s
}

func (d *sumDecoder) strList() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	if len(d.strs) < n {
		d.strs = make([]string, max(n, 1024))
	}
	out := d.strs[:n:n]
	d.strs = d.strs[n:]
	for k := range out {
		out[k] = d.str()
	}
	return out
}

func (d *sumDecoder) time() time.Time {
	if d.err || d.i >= len(d.s) {
		d.err = true
		return time.Time{}
	}
	tag := d.s[d.i]
	d.i++
	switch tag {
	case 0:
		return time.Time{}
	case 1:
		sec := d.varint()
		nsec := d.uvarint()
		off := d.varint()
		if nsec >= 1e9 || off <= -24*3600 || off >= 24*3600 {
			d.err = true
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).In(zoneAt(int(off)))
	}
	d.err = true
	return time.Time{}
}

// zoneAt is a location with this offset. Only the offset matters to a time's meaning and
// to its JSON form; the usual ones are shared.
func zoneAt(off int) *time.Location {
	switch off {
	case 0:
		return time.UTC
	case 8 * 3600:
		return workflow.ChinaTZ
	}
	if loc, ok := zones.Load(off); ok {
		return loc.(*time.Location)
	}
	loc, _ := zones.LoadOrStore(off, time.FixedZone("", off))
	return loc.(*time.Location)
}

var zones sync.Map // offset → *time.Location

// putSummary stores the summary of c (in the current layout) with the keyed hash of its
// agent's ID number.
func putSummary(tx *bolt.Tx, c *workflow.Case, idh string) error {
	sm := summarise(c)
	sm.IDH = idh
	return tx.Bucket(bSums).Put(u32(c.ID), encodeSummary(nil, &sm))
}

// ---------------------------------------------------------------------------------------
// Loading

// readSummaries decodes the summaries bucket, oldest case first. Summaries that are
// unreadable or missing are rebuilt from their cases; stale lists the ids whose stored
// form is not the current layout (JSON or rebuilt), for the caller to write back.
func readSummaries(tx *bolt.Tx) (list []*Summary, stale []uint32, err error) {
	type raw struct {
		id uint32
		v  []byte // points into the mapped file: valid during tx
	}
	var raws []raw
	// Decoding allocates about 100 MB that all stays live. With the collector on, the
	// heap doubles from a few MB a dozen times, each time marking everything decoded so
	// far: 100 ms of a cold start, for no garbage.
	defer holdGC()()
	b := tx.Bucket(bSums)
	prefetch(tx, b)
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) == 4 {
			raws = append(raws, raw{binary.BigEndian.Uint32(k), v})
		}
	}
	// Decode in parallel: each worker takes blocks of consecutive summaries.
	slab := make([]Summary, len(raws))
	list = make([]*Summary, len(raws))
	bad := make([]bool, len(raws))
	const block = 2048
	blocks := (len(raws) + block - 1) / block
	var wg sync.WaitGroup
	var next sync.Mutex
	nb := 0
	var damage error // the first damage a decoder met (guarded by next)
	workers := min(runtime.GOMAXPROCS(0), max(blocks, 1))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d sumDecoder
			// The values point into the mapped file: a damage there is an error, not a crash.
			if err := shieldDB(tx.DB(), tx.DB().Path(), string(bSums), 0, func() error {
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
			}); err != nil {
				next.Lock()
				if damage == nil {
					damage = err
				}
				next.Unlock()
			}
		}()
	}
	wg.Wait()
	if damage != nil {
		return nil, nil, damage
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
	if seq := tx.Bucket(bCases).Sequence(); uint64(len(list)) < seq {
		have := make(map[uint32]bool, len(list))
		for _, sm := range list {
			have[sm.ID] = true
		}
		for id := uint32(1); uint64(id) <= seq; id++ {
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

func summaryFromCase(tx *bolt.Tx, id uint32) (*Summary, error) {
	raw := tx.Bucket(bCases).Get(u32(id))
	if raw == nil {
		return nil, ErrNotFound
	}
	var c workflow.Case
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("case %d is unreadable, so is its summary: %w", id, err)
	}
	sm := summarise(&c)
	return &sm, nil
}

func (s *Store) loadSummaries() error {
	var list []*Summary
	var stale []uint32
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		list, stale, err = readSummaries(tx)
		return err
	})
	if err != nil {
		return err
	}
	if len(stale) > 0 && !s.opts.ReadOnly {
		// Store the current layout, so the next start-up decodes them quickly.
		err := s.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bSums)
			for _, id := range stale {
				i, ok := slices.BinarySearchFunc(list, id, func(sm *Summary, id uint32) int { return int(int64(sm.ID) - int64(id)) })
				if !ok {
					continue
				}
				sm := list[i]
				if sm.IDH == "" { // rebuilt or older summaries: add the ID number's keyed hash
					var c struct {
						Agent workflow.Agent `json:"agent"`
					}
					if raw := tx.Bucket(bCases).Get(u32(id)); raw != nil && json.Unmarshal(raw, &c) == nil {
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
		if err != nil {
			return err
		}
	}
	slices.Reverse(list) // oldest first → newest first
	st := s.Settings()
	cal := st.Calendar()
	parallel(len(list), func(lo, hi int) {
		for _, sm := range list[lo:hi] {
			sm.Due = sm.dueOf(st, cal)
		}
	})
	// The queues can be drawn now. The search index (pinyin, packed haystacks: the larger
	// part of start-up) is built in the background; Search and later index updates wait
	// for it, so nothing ever sees it half built.
	s.sumMu.Lock()
	defer s.sumMu.Unlock()
	old := s.snap.Load()
	old.waitIndexed() // GenerateDemo loads a second time
	var gen uint64
	if old != nil {
		gen = old.Gen + 1
	}
	done := make(chan struct{})
	s.snap.Store(&Snapshot{Gen: gen, t: tableOf(list), indexed: done, views: &views{}, log: &changeLog{}})
	go func() {
		defer close(done)
		docs := make([]search.Doc, len(list))
		fields := make([]string, 4*len(list))
		for i, sm := range list {
			f := fields[4*i : 4*i+4 : 4*i+4]
			f[0], f[1], f[2], f[3] = sm.No, sm.Enterprise, sm.CreditCode, sm.Agent
			docs[i] = search.Doc{ID: sm.ID, Fields: f}
		}
		s.index.Upsert(docs...)
		if len(list) >= bigLoad {
			// Loading and indexing leave tens of MB of garbage the runtime keeps for
			// reuse and hands back to the OS only over the next minutes; a server holds
			// on to the memory it reports for its whole life, so hand it back now.
			docs, fields = nil, nil
			debug.FreeOSMemory()
		}
	}()
	return nil
}

// bigLoad is the size of a load worth a forced collection afterwards (tests open many
// small stores).
const bigLoad = 20_000

// gcHold pauses the garbage collector while one or more loads run (Open may run in
// several goroutines, in tests): the first holder turns it off, the last restores it.
var gcHold struct {
	sync.Mutex
	n    int
	prev int
}

func holdGC() (release func()) {
	gcHold.Lock()
	if gcHold.n == 0 {
		gcHold.prev = debug.SetGCPercent(-1)
	}
	gcHold.n++
	gcHold.Unlock()
	return func() {
		gcHold.Lock()
		gcHold.n--
		if gcHold.n == 0 {
			debug.SetGCPercent(gcHold.prev)
		}
		gcHold.Unlock()
	}
}

// parallel runs f over [0, n) in one share per CPU.
func parallel(n int, f func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), max(n/4096, 1))
	var wg sync.WaitGroup
	for k := range w {
		lo, hi := n*k/w, n*(k+1)/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

func docOf(sm *Summary) search.Doc {
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
		docs    []search.Doc
	)
	for i := range sums {
		sm := &sums[i]
		if cur := e.t.get(sm.ID); cur != nil && cur.Version > sm.Version {
			continue // commits that finished together may refresh out of order: keep the newer
		}
		changes = append(changes, viewChange{e.put(sm), sm})
		ids = append(ids, sm.ID)
		docs = append(docs, docOf(sm))
	}
	if len(changes) == 0 {
		return
	}
	log, n := old.logged(ids...)
	s.snap.Store(&Snapshot{Gen: old.Gen + 1, t: e.t, indexed: old.indexed, views: old.views.next(changes), log: log, logLen: n})
	old.waitIndexed() // after the bulk load, or it would put the old doc back
	s.index.Upsert(docs...)
}

// recomputeDue refreshes every deadline after the SLA or calendar changed.
func (s *Store) recomputeDue() {
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

// Search runs the shared index (case number, enterprise, credit code, agent; pinyin too).
func (s *Store) Search(query string, within []uint32, limit int) ([]search.Match, int) {
	if ms, ok := s.searchIDNumber(query); ok {
		return ms, len(ms)
	}
	s.snap.Load().waitIndexed()
	return s.index.Search(query, within, limit)
}

// SearchIn is Search within a prepared subset of the cases (the rows of a tab), for
// repeated searches in it.
func (s *Store) SearchIn(query string, sub *search.Subset, limit int) ([]search.Match, int) {
	if ms, ok := s.searchIDNumber(query); ok {
		return ms, len(ms)
	}
	s.snap.Load().waitIndexed()
	return s.index.SearchIn(query, sub, limit)
}

// searchIDNumber answers a query that is a whole, valid ID number by its keyed hash: the
// cases whose agent holds it. Part of a number finds nothing, by design.
func (s *Store) searchIDNumber(query string) ([]search.Match, bool) {
	id, fe := workflow.ValidateIDNumber(query, s.opts.Now())
	if fe != nil {
		return nil, false
	}
	tok := s.keys.idToken(0, id)
	if tok == "" {
		return nil, true // no key: nothing can be matched, and nothing is leaked
	}
	// within is ignored: it narrows a growing text query, and a whole ID number is not
	// found by its prefixes (they match nothing on purpose).
	var out []search.Match
	for sm := range s.snap.Load().All() {
		if sm.IDH == tok {
			out = append(out, search.Match{ID: sm.ID, Score: search.ExactBonus})
		}
	}
	return out, true
}
