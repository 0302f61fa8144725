package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// Bulk loading: many cases, built elsewhere by the workflow engine (the demo office in
// internal/office), written in large transactions instead of one per action. The store
// keeps its part as on the ordinary write path: ids and case numbers, letters, the hash
// chain, sealing, summaries, filings and the anchor log.

// Bulk is a bulk load in progress (BulkLoad).
type Bulk struct {
	s       *Store
	pending chan error // the Put being written, if any
	err     error      // the first write that failed
	wrote   bool

	shownMu sync.Mutex
	shown   map[string]string // login name → the name letters give (Staff.Shown), as looked up
}

// BulkLoad runs load, which reserves ids for new cases, builds them and puts them
// through b. Each Put is one transaction; interactive writes may run between them. The
// summaries are reloaded once at the end.
func (s *Store) BulkLoad(load func(b *Bulk) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.writable(); err != nil {
		return err
	}
	b := &Bulk{s: s}
	err := load(b)
	if werr := b.wait(); err == nil {
		err = werr
	}
	if b.wrote {
		if lerr := s.loadSummaries(); err == nil {
			err = lerr
		}
		if _, terr := s.trimTail(); err == nil {
			err = terr
		}
	}
	return err
}

// CaseNumber is a new case's id and number.
type CaseNumber struct {
	ID uint32
	No string
}

// Reserve gives new cases, received at the times given, their ids and case numbers, in
// order, as Create would (one transaction).
func (b *Bulk) Reserve(received []time.Time) ([]CaseNumber, error) {
	s := b.s
	out := make([]CaseNumber, len(received))
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	err := s.update(func(tx kv.Tx) error {
		cb := tx.Bucket(bCases)
		for i, t := range received {
			seq, err := cb.NextSequence()
			if err != nil {
				return err
			}
			year := t.In(workflow.ChinaTZ).Year()
			n, err := nextYearSeq(tx, year)
			if err != nil {
				return err
			}
			out[i] = CaseNumber{ID: uint32(seq), No: workflow.CaseNo(year, n)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BulkCase is one new case's records as they are made, event by event, for Put. Many
// goroutines may each make their own.
type BulkCase struct {
	s      *Store
	b      *Bulk
	c      workflow.Case
	events []byte // the frame's content: each event's JSON as stored, by sequence, after its length (packFrame's layout)
	n      int    // events added
	hashes []string
	stat   []workflow.StatEvent // what the results' aggregates read of each event

	packed     bool // Pack has made rec, chunks and sum (events is then dropped)
	rec, sum   []byte
	keys, vals [][]byte // the chunks of its events (packChunks)
}

// NewCase starts a case's records.
func (b *Bulk) NewCase() *BulkCase { return &BulkCase{s: b.s, b: b} }

// shownName is the name a letter gives the staff member name, looked up once per bulk
// load (each lookup is a read transaction: per event, that was 2% of a demo's CPU).
func (b *Bulk) shownName(name string) string {
	b.shownMu.Lock()
	defer b.shownMu.Unlock()
	if v, ok := b.shown[name]; ok {
		return v
	}
	v := name
	if st, ok := b.s.Staff(name); ok {
		v = st.Shown()
	}
	if b.shown == nil {
		b.shown = map[string]string{}
	}
	b.shown[name] = v
	return v
}

// Add takes the next event of the case as the engine made it (Rules().Apply), with the
// case it left, from the create event on. Like Apply it renders the event's letter,
// chains, seals and hashes it: ev comes back completed as Apply would return it.
func (bc *BulkCase) Add(c *workflow.Case, ev *workflow.Event) error {
	if bc.packed {
		return fmt.Errorf("bulk load: event %d of case %d added after the case was packed", ev.Seq, ev.CaseID)
	}
	if c.ID == 0 || ev.CaseID != c.ID || ev.Seq != bc.n+1 || (bc.n > 0 && c.ID != bc.c.ID) {
		return fmt.Errorf("bulk load: event %d of case %d does not follow %d events of case %d", ev.Seq, ev.CaseID, bc.n, bc.c.ID)
	}
	prev := ""
	if n := len(bc.hashes); n > 0 {
		prev = bc.hashes[n-1]
	}
	js, err := bc.s.chainJSON(c, ev, prev, bc.b.shownName)
	if err != nil {
		return err
	}
	bc.events = binary.AppendUvarint(bc.events, uint64(withHashLen(js, ev.Hash)))
	bc.events = appendWithHash(bc.events, js, ev.Hash)
	bc.n++
	bc.hashes = append(bc.hashes, ev.Hash)
	bc.stat = append(bc.stat, workflow.StatEventOf(ev))
	bc.c = *c
	return nil
}

// Case is the case as its last event left it.
func (bc *BulkCase) Case() workflow.Case { return bc.c }

// Pack encodes the case for Put on the calling goroutine — its record (sealed), the
// chunks of its events and its summary — as Put would, so that a loader building cases on
// every core does this work there and Put's transaction only writes. No event may be
// added after. The events' JSON is dropped once in the chunks.
func (bc *BulkCase) Pack() error {
	if bc.packed {
		return nil
	}
	if bc.n == 0 {
		return errors.New("bulk load: a case without events")
	}
	c := &bc.c
	rec, err := bc.s.caseRecord(c)
	if err != nil {
		return err
	}
	bc.rec = packValue(nil, rec)
	bc.keys, bc.vals = packChunks(c.ID, bc.events)
	bc.sum = summaryRecord(c, bc.s.keys.idToken(c.ID, c.Agent.IDNumber))
	bc.events, bc.packed = nil, true
	return nil
}

// Put writes the cases in one transaction, in the order given: their records and
// summaries, their enterprises' filings and the anchor entry of their events. Each must
// be new, its id given by Reserve. Put returns once the previous Put's transaction has
// committed (with that one's error), so the caller may build more cases while these are
// written; BulkLoad waits for the last.
func (b *Bulk) Put(cases ...*BulkCase) error {
	if err := b.wait(); err != nil {
		return err
	}
	done := make(chan error, 1)
	b.pending, b.wrote = done, true
	go func() { done <- b.s.bulkWrite(cases) }()
	return nil
}

// wait waits for the Put in flight; a failed write fails every later Put.
func (b *Bulk) wait() error {
	if b.pending != nil {
		if err := <-b.pending; b.err == nil {
			b.err = err
		}
		b.pending = nil
	}
	return b.err
}

func (s *Store) bulkWrite(cases []*BulkCase) error {
	var aggMu sync.Mutex
	late := lateJudge(s.Settings())
	agg := newAggSet(late) // the results' aggregates of these cases
	err := parallelErr(len(cases), func(lo, hi int) error {
		part := newAggSet(late)
		defer func() {
			aggMu.Lock()
			agg.merge(part)
			aggMu.Unlock()
		}()
		for i := lo; i < hi; i++ {
			c := &cases[i].c
			if err := cases[i].Pack(); err != nil {
				return err
			}
			part.addCase(c, 1)
			part.addEvents(c.ID, cases[i].stat, 0)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	err = s.update(func(tx kv.Tx) error {
		s.anch.reset() // a shared database may run this again (a serialization retry): note afresh
		// A bulk load appends in key order: fill the pages (bbolt's default leaves half
		// of every page empty). Cases still change later, so theirs keep room.
		cb, eb, sb := tx.Bucket(bCases), tx.Bucket(bEvents), tx.Bucket(bSums)
		fill(eb, 1.0)
		fill(sb, 1.0)
		fill(cb, 0.9)
		for _, bc := range cases {
			c := &bc.c
			k := u32(c.ID)
			if cb.Get(k) != nil {
				return fmt.Errorf("bulk load: case %d exists", c.ID)
			}
			if err := cb.Put(k, bc.rec); err != nil {
				return err
			}
			for j, ek := range bc.keys {
				if err := eb.Put(ek, bc.vals[j]); err != nil {
					return err
				}
			}
			for j, h := range bc.hashes {
				s.anch.note(c.ID, j+1, h)
			}
			if err := s.fileEnterprise(tx, c); err != nil {
				return err
			}
			if err := sb.Put(k, bc.sum); err != nil {
				return err
			}
			kv.Feed(tx, "case", uint64(c.ID))
		}
		if rb := tx.Bucket(bResults); rb != nil {
			if err := agg.write(rb, s.aggNode); err != nil {
				return err
			}
		}
		return s.anch.stage(tx, s.opts.Now())
	})
	s.anchorDone(err)
	return err
}

// fill sets a bbolt bucket's fill percent (nothing on PostgreSQL).
func fill(b kv.Bucket, pct float64) {
	if bb, ok := kv.BoltBucket(b); ok {
		bb.FillPercent = pct
	}
}
