package store

import (
	bolt "go.etcd.io/bbolt"

	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// Problem is one thing wrong with the file.
type Problem struct {
	CaseID uint32
	Seq    int
	What   string
	// Damage: the file itself is damaged here (What then says so in English).
	Damage *DamageError
}

// damageProblem is a damage found by Check.
func damageProblem(err error) Problem {
	var d *DamageError
	if !errors.As(err, &d) {
		return Problem{What: "damaged: " + err.Error()}
	}
	return Problem{What: "damaged — " + d.Detail("en"), Damage: d}
}

// Text is the problem in lang (a damage in the user's language; the others are
// technical findings, in English).
func (p Problem) Text(lang string) string {
	if p.Damage != nil && lang != "en" {
		return "已损坏——" + p.Damage.Detail("zh")
	}
	return p.String()
}

func (p Problem) String() string {
	if p.CaseID == 0 {
		return p.What
	}
	if p.Seq > 0 {
		return fmt.Sprintf("case %d event %d: %s", p.CaseID, p.Seq, p.What)
	}
	return fmt.Sprintf("case %d: %s", p.CaseID, p.What)
}

// Check verifies the file: bbolt's own consistency check, every event chain (the first
// broken link is named), and that every case equals the fold of its events. Problems come
// sorted by case and event.
//
// Cases and their events are read together, case by case (both buckets are keyed by case
// id first), and verified on every core; nothing but the cases in hand is decoded at a
// time. At 100,000 cases it used to keep every event in memory and take over a minute.
func (s *Store) Check() []Problem {
	var (
		out []Problem
		mu  sync.Mutex
	)
	add := func(p Problem) {
		mu.Lock()
		out = append(out, p)
		mu.Unlock()
	}
	// The read transaction and the anchor log's length are taken together, under the
	// writers' lock, so the log holds exactly the transactions this one sees.
	var (
		tx    kv.Tx
		limit int64
	)
	var end func()
	begin := func() error {
		var err error
		tx, end, err = kv.BeginView(s.db)
		return err
	}
	var err error
	if s.anch != nil {
		s.writeMu.Lock()
		err = s.shield("", 0, begin)
		if err == nil {
			limit = s.anchorLimit()
		}
		s.writeMu.Unlock()
	} else {
		limit = s.anchorLimit() // a shared case base: the node's log as of now
		err = s.shield("", 0, begin)
	}
	if err != nil {
		add(damageProblem(err))
		return out
	}
	defer end()
	// The anchor log is read and replayed beside the reading and scanning of the file
	// and beside the workers (on a large file it took a few seconds on one core, while
	// the workers waited for it): a worker waits for it only to compare a case it has
	// verified with what the log anchored. Its problems keep their place, before those
	// of the structure, as they always had.
	var (
		an      *anchored
		anProbs []Problem
		anDone  = make(chan struct{})
	)
	go func() {
		defer close(anDone)
		if hold := checkAnchorsHold.Load(); hold != nil {
			(*hold)()
		}
		if ready := s.opts.anchorLogReady; ready != nil && !ready() {
			return
		}
		if err := s.shield(string(bMeta), 0, func() error {
			an, anProbs = s.anchorsFor(tx, limit, anchorsCompact)
			if an != nil && an.seen != nil {
				s.anchorsSeen.Store(an.seen)
			}
			return nil
		}); err != nil {
			anProbs = append(anProbs, damageProblem(err))
		}
	}()
	anAt := -1 // where the log's problems go among the others
	markAnchors := func() {
		mu.Lock()
		if anAt < 0 {
			anAt = len(out)
		}
		mu.Unlock()
	}
	defer func() { <-anDone }() // the goroutine reads tx: it ends before the transaction does
	seen := map[uint32]bool{}
	work := s.work()
	// The total, for the progress line: the cases loaded so far, then every case once
	// the summaries are loaded. The check does not wait for that load (at 100,000
	// cases it held up the whole check for about half a second); it runs beside it.
	var total atomic.Int64
	if s.opts.NoSummaries { // none loaded: the cases bucket's last id (ids are never reused)
		_ = s.shield(string(bCases), 0, func() error {
			if cb := tx.Bucket(bCases); cb != nil {
				total.Store(int64(min(cb.Sequence(), 1<<32)))
			}
			return nil
		})
	} else {
		if sn := s.SnapshotSoFar(); sn != nil {
			total.Store(int64(sn.Len()))
		}
		go func() { total.Store(int64(s.Snapshot().Len())) }()
	}
	var checked atomic.Int64
	stopped := false     // Ctrl+C: what was not reached is not "deleted"
	damagedFile := false // the walk stopped at a damage: what it did not see is not "deleted"
	var (
		bbProbs []Problem // bbolt's own check, run beside the walk
		bbAt    = -1      // where its problems go among the others
		bbDone  = make(chan struct{})
	)
	err = s.shield("", 0, func() error {
		cb, eb := tx.Bucket(bCases), tx.Bucket(bEvents)
		if cb == nil || eb == nil {
			markAnchors()
			damagedFile = true
			add(damageProblem(damaged(s.path, -1, "", "a bucket of cases or events is missing", "缺少案件或事件桶")))
			return nil
		}
		// Read the buckets into the page cache first, many pages at a time (prefetch
		// reads the file, not the mapped pages), so that the scan below and the walk
		// find them there: on a cold file the scan read it a page at a time. Every
		// bucket, not only the cases and events the walk reads: the scan reads all of
		// them, and the few thousand pages of the others, read one at a time from a
		// cold file, took it longer than the cases and events it found in the cache.
		sound := s.soundLeavesFor(tx)
		prefetchAllMarking(tx, sound, checkBuckets(tx, cb, eb)...)
		// First the structure, read from the file: bbolt's check and the walk below
		// trust the pages they map, and would crash on a damaged one.
		dmg := s.scanTx(tx, sound)
		markAnchors()
		if len(dmg) > 0 {
			damagedFile = true
			for _, d := range dmg {
				add(damageProblem(d))
			}
			return nil
		}
		// bbolt's check runs beside the walk; its problems keep their place, after
		// those found so far. On a file opened read-only it first loads bbolt's
		// freelist, which must not happen while another transaction begins or ends
		// (bbolt's loadFreelist; the race detector caught it): the summaries' load
		// behind Open is waited for first (it has long ended by now on a large file).
		s.waitLoaded()
		mu.Lock()
		bbAt = len(out)
		mu.Unlock()
		go func() {
			defer close(bbDone)
			if btx, ok := kv.BoltTx(tx); ok {
				for err := range btx.Check() {
					bbProbs = append(bbProbs, Problem{What: "bbolt: " + err.Error()})
				}
			}
		}()
		// The values point into the mapped file, valid until the transaction ends, which
		// is after every worker is done.
		jobs := make(chan checkJob, 256)
		// The results table's aggregates, recomputed from each case's events as the
		// workers verify them, compared with the stored ones at the end.
		late, err := s.lateJudgeIn(tx) // the settings of the checked snapshot
		if err != nil {
			return err
		}
		// Each worker sums into a set of its own, merged when all are done (a set per
		// case, merged under a lock, cost a tenth of the check).
		want := newCheckAggSet(late)
		var wantMu sync.Mutex
		var broken atomic.Bool // a case whose history did not replay: its part is unknown
		noteResults := func(a *aggSet, c *workflow.Case, evs []workflow.Event, lean []workflow.StatEvent) []workflow.StatEvent {
			fc := c.ForStats()
			a.addCase(&fc, 1)
			lean = lean[:0]
			for i := range evs {
				lean = append(lean, workflow.StatEventOf(&evs[i]))
			}
			a.addEvents(c.ID, lean, 0)
			return lean
		}
		// A damage a worker meets is a problem of its case, not an end of the check: the
		// workers report through add and return no error.
		var g errgroup.Group
		decs := make([]*caseDecoder, runtime.GOMAXPROCS(0))
		for w := range decs {
			decs[w] = new(caseDecoder)
			g.Go(func() error {
				dec := decs[w] // one per worker: its buffers serve every case it checks
				mine := newCheckAggSet(late)
				var lean []workflow.StatEvent
				defer func() {
					wantMu.Lock()
					want.merge(mine)
					wantMu.Unlock()
				}()
				for j := range jobs {
					replayed := false
					err := s.shield(string(bCases), j.id, func() error {
						s.checkCase(dec, j, add, func(c *workflow.Case, evs []workflow.Event) {
							lean = noteResults(mine, c, evs, lean)
							replayed = true
						})
						return nil
					})
					if !replayed {
						broken.Store(true)
					}
					checked.Add(1)
					if err != nil {
						add(damageProblem(err))
					}
					if len(dec.later) > 0 && isClosed(anDone) {
						s.compareLater(dec, an, add)
					}
				}
				return nil
			})
		}
		var last uint32 // the last case handed out, for a damage met by the walk
		var keys int64  // the cases bucket's keys the walk met
		walk := s.shield(string(bCases), 0, func() error {
			ec := eb.Cursor()
			ek, ev := ec.First()
			orphans := func(below uint64) { // events of ids with no case, below this id
				var last uint64 = 1 << 32
				for ; ek != nil && (!isEventKey(ek) || uint64(binary.BigEndian.Uint32(ek[:4])) < below); ek, ev = ec.Next() {
					if !isEventKey(ek) {
						add(Problem{What: fmt.Sprintf("events: malformed key %x", ek)})
						continue
					}
					if id := uint64(binary.BigEndian.Uint32(ek[:4])); id != last {
						add(Problem{CaseID: uint32(id), Seq: 0, What: "events without a case"})
						seen[uint32(id)] = true
						last = id
					}
				}
			}
			_ = cb.ForEach(func(k, v []byte) error {
				if work.err() != nil {
					stopped = true
					return work.err()
				}
				work.report("check", checked.Load(), max(total.Load(), checked.Load()))
				keys++
				if len(k) != 4 {
					add(Problem{What: fmt.Sprintf("cases: malformed key %x", k)})
					return nil
				}
				id := binary.BigEndian.Uint32(k)
				orphans(uint64(id))
				seen[id] = true
				j := checkJob{id: id, c: v, anchors: anDone, an: &an}
				ek, ev, j.keys, j.evs = entriesOf(ec, ek, ev, id, nil, nil)
				jobs <- j
				last = id
				return nil
			})
			if !stopped {
				orphans(1 << 32)
			}
			return nil
		})
		close(jobs)
		_ = g.Wait()
		if walk == nil && !stopped {
			s.checkedKeys.Store(keys)
		}
		s.walkedKeys.Store(keys)
		if !stopped {
			work.report("check", checked.Load(), max(total.Load(), checked.Load()))
		}
		// The cases verified before the anchor log was read are compared with it now.
		for _, dec := range decs {
			if len(dec.later) > 0 {
				<-anDone
				s.compareLater(dec, an, add)
			}
		}
		// Compared only when every case's history replayed: the recomputation is whole.
		if walk == nil && !stopped && !broken.Load() && s.resultsReady(tx) {
			if err := s.shield(string(bResults), 0, func() error { s.checkResults(tx, want, add); return nil }); err != nil {
				add(damageProblem(err))
			}
		}
		if walk != nil {
			damagedFile = true
			var d *DamageError
			if errors.As(walk, &d) && d.CaseID == 0 && last != 0 {
				d.What += fmt.Sprintf(" (after case %d)", last)
				d.WhatZH += fmt.Sprintf("（案件 %d 之后）", last)
			}
			add(damageProblem(walk))
		}
		return nil
	})
	<-anDone       // an is read below
	if bbAt >= 0 { // bbolt's check was started: it reads the file until it is done
		<-bbDone
		mu.Lock()
		out = slices.Insert(out, bbAt, bbProbs...)
		mu.Unlock()
	}
	markAnchors() // (the walk did not get as far as marking it)
	mu.Lock()
	out = slices.Insert(out, anAt, anProbs...) // anAt ≤ bbAt: bbolt's went in first
	mu.Unlock()
	if err != nil {
		add(damageProblem(err))
	}
	if an != nil && !damagedFile && !stopped {
		an.eachCase(func(id uint32, n int, last uint64) {
			if !seen[id] && n > 0 {
				add(Problem{CaseID: id, What: fmt.Sprintf("case deleted: it was anchored with %d event(s) (last in anchor entry #%d) but is not in the file",
					n, last)})
			}
		})
	}
	slices.SortStableFunc(out, func(a, b Problem) int {
		if c := cmp.Compare(a.CaseID, b.CaseID); c != 0 {
			return c
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
	return out
}

// soundLeavesFor is an empty set of sound leaves for the pages of tx's file (nil on
// PostgreSQL, which keeps its own pages).
func (s *Store) soundLeavesFor(ktx kv.Tx) *soundLeaves {
	tx, ok := kv.BoltTx(ktx)
	if !ok {
		return nil
	}
	return newSoundLeaves(uint64(tx.Size()) / uint64(tx.DB().Info().PageSize))
}

// checkBuckets is every bucket of tx, cases and events (cb, eb) first: what Check reads
// ahead before its structure scan, which reads them all. It reads the root's page
// through the mapping before the scan has judged it, as finding cb and eb did; a list
// for a hint, it ends at anything unexpected there (a damaged page is the scan's to
// report).
func checkBuckets(tx kv.Tx, cb, eb kv.Bucket) (bs []kv.Bucket) {
	bs = []kv.Bucket{cb, eb}
	defer func() { _ = recover() }()
	_ = tx.ForEach(func(name []byte, b kv.Bucket) error {
		if !bytes.Equal(name, bCases) && !bytes.Equal(name, bEvents) {
			bs = append(bs, b)
		}
		return nil
	})
	return bs
}

// CheckedCases is the number of cases the last Check walked whole (-1: none did).
func (s *Store) CheckedCases() int { return int(s.checkedKeys.Load()) }

// checkJob is one case and its events, as stored.
type checkJob struct {
	id        uint32
	c         []byte
	keys, evs [][]byte
	// anchors is closed once the anchor log is read; *an is then its replay (nil: no
	// log to compare with).
	anchors <-chan struct{}
	an      **anchored
}

// caseDecoder holds one check worker's buffers: an unpacker for the events and one for
// the case, whose JSON stays valid while the case is compared with its fold.
type caseDecoder struct {
	ev eventReader
	c  unpacker
	// evs holds the events of the case in hand, reused from case to case (an event is
	// about a kilobyte: a new slice per case was a seventh of check's allocation).
	evs []workflow.Event
	// cur is the event being decoded, reused (a new one per event went to the heap).
	cur checkEvent
	// js decodes the case and its events; their strings share the blocks of the case.
	js jdecKeeper
	// stored and folded are the case as stored and as its events fold, reused (two
	// new ones per case went to the heap: a twelfth of what check allocated).
	stored, folded workflow.Case
	// later holds the cases verified before the anchor log was read, to be compared
	// with it once it is (compareLater).
	later []laterCompare
}

// laterCompare is a case checkCase verified before the anchor log's replay was done:
// its entries as read (to read its hashes again, should it not match) and the chain of
// its events' hashes (chainOf: ok false when one is not a hash as the store writes
// them), which settles a case that matches the log as compare settles it.
type laterCompare struct {
	j     checkJob
	n     int
	chain hashChain
	ok    bool
}

// checkAnchorsHold, when set (tests), is called by Check's reading of the anchor log
// before it reads the log.
var checkAnchorsHold atomic.Pointer[func()]

// isClosed reports whether ch is closed, without waiting.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// compareLater compares the cases in d.later with the anchor log's replay an (nil: no
// log), now read, as checkCase would have had it been read then: a case whose count
// and chain match the compact replay's is settled; any other has its hashes read
// again from its entries (the same bytes, valid while the transaction is) and is
// compared by an.compare, with the same findings.
func (s *Store) compareLater(d *caseDecoder, an *anchored, add func(Problem)) {
	later := d.later
	defer func() {
		clear(later) // their entries are not kept past their use
		d.later = later[:0]
	}()
	if an == nil {
		return
	}
	for _, l := range later {
		if an.compact && l.ok {
			if i, found := an.at[l.j.id]; found {
				if c := an.chains.of(i); int(c.n) == l.n && c.chain == l.chain {
					continue
				}
			}
		}
		if err := s.shield(string(bCases), l.j.id, func() error {
			hashes, err := d.hashesOf(l.j)
			if err != nil {
				add(Problem{CaseID: l.j.id, What: "unreadable: " + err.Error()})
				return nil
			}
			an.compare(l.j.id, l.n, func(i int) string { return hashes[i] }, add)
			return nil
		}); err != nil {
			add(damageProblem(err))
		}
	}
}

// hashesOf reads again the hashes of the events of case j, which checkCase read whole
// and found chained.
func (d *caseDecoder) hashesOf(j checkJob) ([]string, error) {
	var hashes []string
	d.js.newBlock()
	err := d.ev.each(j.id, j.keys, j.evs, func(seq int, js []byte) error {
		d.cur = checkEvent{}
		if err := d.js.decode(js, &d.cur); err != nil {
			return err
		}
		hashes = append(hashes, d.cur.Hash)
		return nil
	})
	return hashes, err
}

// checkEvent is an event as Check decodes it: its letters (the rendered texts, much of
// an event's JSON) and its list of changes (written for the history view; 3% of check's
// CPU went to decoding them) are passed over, not decoded. Nothing Check does with a
// decoded event reads them — the replay folds the actions, the results count kinds,
// stages and times — and the hash over the stored bytes covers them. When those bytes
// are not the hashed ones (storedHashOK), the event is decoded whole and hashed as
// before (eventHashOK). The fields here hide Event's own of the same JSON names (the
// shallower field wins).
type checkEvent struct {
	workflow.Event
	Changes []struct{} `json:"changes,omitempty"`
	Letter  *struct{}  `json:"letter,omitempty"`
	Also    []struct{} `json:"also,omitempty"`
}

// eventHashOK decodes the stored JSON js whole and reports whether its hash is that of
// its content (EventHash), as Check always did for an event not stored as hashed.
func eventHashOK(js []byte, hash string) (bool, error) {
	var ev workflow.Event
	if err := decodeJSON(js, &ev); err != nil {
		return false, err
	}
	return EventHash(ev) == hash, nil
}

// errReported stops the walk of a case's events once checkCase reported its problem.
var errReported = errors.New("a problem was reported")

// checkCase verifies one case's chain, then that the case is the fold of its events.
// results hears the folded case and its events when the history replays.
func (s *Store) checkCase(d *caseDecoder, j checkJob, add func(Problem), results func(c *workflow.Case, evs []workflow.Event)) {
	id := j.id
	evs := d.evs[:0]
	defer func() { d.evs = evs[:0] }()
	d.js.newBlock()
	err := d.ev.each(id, j.keys, j.evs, func(seq int, js []byte) error {
		d.cur = checkEvent{}
		if err := d.js.decode(js, &d.cur); err != nil {
			add(Problem{CaseID: id, Seq: seq, What: "unreadable: " + err.Error()})
			return errReported
		}
		ev := &d.cur.Event
		want := len(evs) + 1
		wantPrev := ""
		if len(evs) > 0 {
			wantPrev = evs[len(evs)-1].Hash
		}
		switch {
		case seq != want || ev.Seq != seq:
			add(Problem{CaseID: id, Seq: seq, What: fmt.Sprintf("out of order: expected event %d, found event %d", want, ev.Seq)})
			return errReported
		case ev.PrevHash != wantPrev:
			add(Problem{CaseID: id, Seq: seq, What: "broken chain: prev_hash does not match the previous event"})
			return errReported
		case !storedHashOK(js, ev.Hash):
			ok, err := eventHashOK(js, ev.Hash)
			if err != nil {
				add(Problem{CaseID: id, Seq: seq, What: "unreadable: " + err.Error()})
				return errReported
			}
			if !ok {
				add(Problem{CaseID: id, Seq: seq, What: "content altered: hash does not match"})
				return errReported
			}
		}
		evs = append(evs, *ev)
		return nil
	})
	if err == errReported {
		return
	}
	if err != nil {
		seq := 0
		var ee *eventError
		if errors.As(err, &ee) {
			seq, err = ee.Seq, ee.Err
		}
		add(Problem{CaseID: id, Seq: seq, What: "unreadable: " + err.Error()})
		return
	}
	c := &d.stored
	*c = workflow.Case{}
	cjs, err := d.c.json(j.c)
	if err == nil {
		err = d.js.decode(cjs, c)
	}
	if err != nil {
		add(Problem{CaseID: id, Seq: 0, What: "unreadable case: " + err.Error()})
		return
	}
	if len(evs) == 0 {
		add(Problem{CaseID: id, Seq: 0, What: "case has no events"})
		return
	}
	folded := &d.folded
	var touched bool
	*folded, touched, err = s.replayStoredT(evs, c) // personal fields compared as stored
	if err != nil {
		add(Problem{CaseID: id, Seq: 0, What: "history does not replay: " + err.Error()})
		return
	}
	results(folded, evs)
	if !sameCase(folded, c, cjs, touched) {
		add(Problem{CaseID: id, Seq: 0, What: fmt.Sprintf("stored case (version %d) differs from the fold of its %d events", c.Version, len(evs))})
		return
	}
	if j.anchors == nil {
		return
	}
	// Consistent in itself: is it the history that was anchored? The log is read beside
	// the structure scan and the workers; a case verified before it is read is compared
	// with it later (compareLater), so that the workers do not wait for it.
	if !isClosed(j.anchors) {
		ch, ok := chainOf(len(evs), func(i int) string { return evs[i].Hash })
		d.later = append(d.later, laterCompare{j: j, n: len(evs), chain: ch, ok: ok})
		return
	}
	if an := *j.an; an != nil {
		an.compare(id, len(evs), func(i int) string { return evs[i].Hash }, add)
	}
}

// sameCase reports whether the fold of a case's events equals the stored case c, whose
// JSON as stored is cjs (touched: replayStored changed c since it was decoded). The
// comparison is that of the JSON round trip, as strict as before, done without one in
// the usual case: eqCase (generated, caseeq_gen.go) compares the two field by field and
// says they are equal only when encoding/json would write them alike, so that they
// round-trip to the same value (TestCaseEqualIsJSON); encoding the fold with
// encoding/json for that was 7% of check's CPU. When it says they differ — a real
// difference, or a pair only the round trip equates (the same instant in two zones) —
// the comparison is the one it always was: when c is as decoded and the fold encodes to
// exactly the stored bytes, both sides round-trip to the same value (c is the decoding
// of those bytes); anything else — a case written by an older version with another field
// layout, a pair compared decrypted — is compared by round-tripping both (normal).
func sameCase(folded, c *workflow.Case, cjs []byte, touched bool) bool {
	if eqCase(folded, c) {
		return true
	}
	if !touched {
		if fj, err := json.Marshal(folded); err == nil && bytes.Equal(fj, cjs) {
			return true
		}
	}
	return reflect.DeepEqual(normal(*folded), normal(*c))
}

// storedHashOK reports whether the stored JSON js is, but for its hash, the bytes that
// hash covers: json.Marshal puts Hash, the last field, at the end, and leaves it out when
// empty, so those bytes are js without its `,"hash":"…"`. Hashing them directly spares
// check encoding every event again; when they are not (JSON written some other way), the
// caller re-encodes the decoded event, as EventHash does, and compares that.
func storedHashOK(js []byte, hash string) bool {
	if len(hash) != 64 {
		return false
	}
	tail := len(`,"hash":"`) + 64 + len(`"}`)
	if len(js) < tail+1 {
		return false
	}
	end := js[len(js)-tail:]
	if string(end[:9]) != `,"hash":"` || string(end[9:9+64]) != hash || string(end[9+64:]) != `"}` {
		return false
	}
	h := sha256.New()
	h.Write(js[:len(js)-tail])
	h.Write([]byte("}"))
	var sum [32]byte
	var want [32]byte
	if _, err := hex.Decode(want[:], []byte(hash)); err != nil {
		return false
	}
	return bytes.Equal(h.Sum(sum[:0]), want[:])
}

// normal round-trips a case through JSON so in-memory and decoded forms compare equal.
func normal(c workflow.Case) workflow.Case {
	b, _ := json.Marshal(c)
	var n workflow.Case
	_ = json.Unmarshal(b, &n)
	return n
}

// Backup writes a consistent copy of the database to w while others keep working.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.viewBolt(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// scanTx checks the structure of the file as tx sees it (scanTree), from the root of
// the meta page of tx's transaction; if that meta page has been rewritten since (a busy
// writer), from the root page of each bucket.
//
// sound, when not nil, holds the leaf pages Check's read-ahead found sound: the scan
// takes them as checked (leafSound says why it finds the same either way).
func (s *Store) scanTx(ktx kv.Tx, sound *soundLeaves) []*DamageError {
	tx, ok := kv.BoltTx(ktx)
	if !ok {
		return nil // PostgreSQL keeps its own pages
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil // the walks that follow are shielded all the same
	}
	defer f.Close()
	ps := tx.DB().Info().PageSize
	pgid := uint64(tx.Size()) / uint64(ps)
	for _, off := range []int64{0, int64(ps)} {
		p := make([]byte, ps)
		if n, _ := f.ReadAt(p, off); n < len(p) {
			continue
		}
		if m, err := parseMeta(p); err == nil && m.txid == uint64(tx.ID()) && m.pgid == pgid {
			return scanTree(f, s.path, ps, pgid, m.root, sound)
		}
	}
	sc := newScanner(f, s.path, ps, pgid)
	sc.sound = sound
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if root := uint64(b.Root()); root != 0 {
			sc.tree(workflow.CleanLine(string(name)), root, nil, 0)
		}
		return nil
	})
	return sc.errs
}
