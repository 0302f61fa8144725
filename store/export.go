package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// Reading everything, for reports, exports and the dashboard. Each call is one read
// transaction and decodes inside it (decoding copies: nothing outlives the transaction).
// Personal fields come back decrypted, as from Case and Events (Locked when the key
// cannot open them).

// CaseCount is how many cases the store holds, without the summaries (a store opened
// with Options.NoSummaries): the cases bucket's last id, as check counts them — ids are
// given in order from 1 and never reused, and no case is ever deleted.
func (s *Store) CaseCount() (int64, error) {
	var n int64
	err := s.view(func(tx kv.Tx) error {
		return s.shield(string(bCases), 0, func() error {
			if cb := tx.Bucket(bCases); cb != nil {
				n = int64(min(cb.Sequence(), 1<<32))
			}
			return nil
		})
	})
	return n, err
}

// AllCases returns every case, in ascending id order (the order they were taken in).
func (s *Store) AllCases() ([]workflow.Case, error) {
	var out []workflow.Case
	err := s.view(func(tx kv.Tx) error {
		var err error
		out, err = s.casesIn(tx, time.Time{})
		return err
	})
	return out, err
}

// AllEvents returns every event grouped by case id, each case's events oldest first.
func (s *Store) AllEvents() (map[uint32][]workflow.Event, error) {
	var out map[uint32][]workflow.Event
	err := s.view(func(tx kv.Tx) error {
		var err error
		out, err = s.eventsIn(tx, nil, false)
		return err
	})
	return out, err
}

// CasesSince returns the cases received at or after t (all of them for a zero t), in
// ascending id order, with their events, read together in one transaction so the two
// agree.
func (s *Store) CasesSince(t time.Time) ([]workflow.Case, map[uint32][]workflow.Event, error) {
	var cases []workflow.Case
	var events map[uint32][]workflow.Event
	err := s.view(func(tx kv.Tx) error {
		var err error
		if cases, err = s.casesIn(tx, t); err != nil {
			return err
		}
		var want map[uint32]bool
		if !t.IsZero() {
			want = make(map[uint32]bool, len(cases))
			for _, c := range cases {
				want[c.ID] = true
			}
		}
		events, err = s.eventsIn(tx, want, false)
		return err
	})
	return cases, events, err
}

// EachCase calls fn for every case received at or after since (every case for a zero
// since) in ascending id order, with its events oldest first when withEvents is set. It
// is one read transaction. The cases are decoded on every core, a batch of 256 at a time
// and a few batches ahead of fn, so an export of a large file streams in bounded memory.
// An error from fn stops the walk and is returned.
func (s *Store) EachCase(since time.Time, withEvents bool, fn func(c workflow.Case, evs []workflow.Event) error) error {
	return s.eachCase(since, withEvents, nil, func(c *workflow.Case, evs []workflow.Event, _ []byte) error { return fn(*c, evs) })
}

// EachCaseStored is EachCase with a step done on the decoding goroutines, on every
// core: enc turns each case and its events into bytes (an export's record), and fn gets
// those bytes, case by case in ascending id order. enc gets the case as stored
// (StoredCase): it takes what it can write from the stored JSON itself, and has the rest
// decoded. An error from enc is returned as fn reaches that case (after fn has had every
// case before it); an error from fn stops the walk. The bytes fn gets are its own. The
// case and events enc has decoded are its to change (an export masks them in place),
// but it must keep none of the events once it returns: their slice is reused for the
// next case.
func (s *Store) EachCaseStored(since time.Time, enc func(sc *StoredCase) ([]byte, error), fn func(b []byte) error) error {
	return s.eachCase(since, true, enc, func(_ *workflow.Case, _ []workflow.Event, b []byte) error { return fn(b) })
}

// StoredCase is one case and its events as EachCaseStored gives them to its encoder.
type StoredCase struct {
	s       *Store
	u       *eventReader
	id      uint32
	v       []byte // the case's stored value
	c       *workflow.Case
	ek, evs [][]byte
	scratch *[]workflow.Event
	called  bool
	err     error // the first thing found unreadable: the walk's error
}

// JSON is the case's stored JSON (the bytes the hash chain covers, as written, not
// decrypted): valid until the next call of any of sc's methods.
func (sc *StoredCase) JSON() ([]byte, error) {
	js, err := sc.u.one.json(sc.v)
	if err != nil {
		sc.fail(fmt.Errorf("case %d is unreadable: %w", sc.id, err))
	}
	return js, err
}

// Case is the case decoded, its sealed fields opened, as EachCase gives it.
func (sc *StoredCase) Case() (workflow.Case, error) {
	if sc.c != nil {
		return *sc.c, nil
	}
	var c workflow.Case
	if err := sc.u.one.unmarshal(sc.v, &c); err != nil {
		err = fmt.Errorf("case %d is unreadable: %w", sc.id, err)
		sc.fail(err)
		return workflow.Case{}, err
	}
	_ = sc.s.unsealCase(&c) // a field that cannot be decrypted reads as Locked
	sc.c = &c
	return c, nil
}

func (sc *StoredCase) fail(err error) {
	if sc.err == nil {
		sc.err = err
	}
}

// OpenAgent opens the sealed fields of an agent read from stored JSON (the case's, or an
// intake event's), caseID being the id that JSON gives (the case's id, the event's
// case_id): as the walk opens a decoded one. On an error the fields it could not open
// hold Locked, as there.
func (sc *StoredCase) OpenAgent(caseID uint32, a *workflow.Agent) error {
	return sc.s.keys.openAgent(caseID, a)
}

// Events walks the case's events, oldest first, once. take gets each event's stored JSON
// (the bytes the hash chain covers, as written: valid only until take returns, and not
// decrypted); when it returns false, or take is nil, the event is decoded and its sealed
// fields opened, as EachCase gives it. The result has one entry for each event, in order:
// the decoded ones, and a zero Event where take took one. An event that cannot be read
// stops the walk with EachCase's error, which the walk returns as it would.
func (sc *StoredCase) Events(take func(js []byte) bool) ([]workflow.Event, error) {
	if sc.called {
		return nil, errors.New("StoredCase.Events called twice")
	}
	sc.called = true
	evs := (*sc.scratch)[:0]
	id, s := sc.id, sc.s
	err := sc.u.each(id, sc.ek, sc.evs, func(seq int, js []byte) error {
		evs = append(evs, workflow.Event{})
		if take != nil && take(js) {
			return nil
		}
		e := &evs[len(evs)-1]
		if err := decodeJSON(js, e); err != nil {
			return &eventError{CaseID: id, Seq: seq, Err: err}
		}
		_ = s.unsealEvent(e)
		return nil
	})
	*sc.scratch = evs
	if err != nil {
		sc.fail(err)
	}
	return evs, err
}

func (s *Store) eachCase(since time.Time, withEvents bool, enc func(sc *StoredCase) ([]byte, error),
	fn func(c *workflow.Case, evs []workflow.Event, b []byte) error) error {
	return s.view(func(tx kv.Tx) error {
		cb, eb := tx.Bucket(bCases), tx.Bucket(bEvents)
		// Read the buckets ahead (see prefetch), so a cold file is not read a page at a time.
		// With the events (an export: the whole file, about 0.6 s of reading at 100,000
		// cases) the cases are decoded meanwhile: the reading runs ahead of the cursor,
		// which is slower than the disk, and a page it has not read yet the cursor faults
		// in itself. It ends before the transaction does.
		if withEvents {
			read := make(chan struct{})
			go func() {
				defer close(read)
				prefetchAll(tx, cb, eb)
			}()
			defer func() { <-read }()
		} else {
			prefetch(tx, cb)
		}

		ahead := 2 * runtime.GOMAXPROCS(0)
		work, ordered := make(chan *caseBatch, ahead), make(chan *caseBatch, ahead)
		stop := make(chan struct{})
		// The reader's error is a damage it met; the decoders report theirs in the batch.
		var g errgroup.Group
		g.Go(func() error { // one reader walks the cursors
			defer close(ordered)
			defer close(work)
			var last uint32
			readErr := s.shield(string(bCases), 0, func() error {
				readCases(cb, eb, withEvents, &last, work, ordered, stop)
				return nil
			})
			var d *DamageError
			if errors.As(readErr, &d) && d.CaseID == 0 && last != 0 {
				d.What += fmt.Sprintf(" (after case %d)", last)
				d.WhatZH += fmt.Sprintf("（案件 %d 之后）", last)
			}
			return readErr
		})
		for range runtime.GOMAXPROCS(0) {
			g.Go(func() error { // decoders
				var u eventReader // one per decoder: its buffers serve every batch
				var scratch []workflow.Event
				for b := range work {
					if err := s.shield(string(bCases), 0, func() error { return s.decodeBatch(&u, &scratch, b, since, enc) }); err != nil && b.err == nil {
						b.err = err
					}
					b.raws = nil
					close(b.done)
				}
				return nil
			})
		}
		var err error
		for b := range ordered {
			<-b.done
			if err = b.err; err != nil {
				break
			}
			for i := range b.keep {
				if b.keep[i] {
					if enc != nil && b.encErr[i] != nil {
						err = b.encErr[i]
					} else if enc != nil {
						err = fn(nil, nil, b.out[i])
					} else {
						err = fn(&b.cases[i], b.evs[i], nil)
					}
					if err != nil {
						break
					}
				}
			}
			if err != nil {
				break
			}
		}
		close(stop)
		for range ordered { // let the reader see stop; the decoders finish what they hold
		}
		if readErr := g.Wait(); err == nil {
			err = readErr
		}
		return err
	})
}

// rawCase is a case and its events as stored. The slices point into the mapped file:
// valid until the transaction ends, which is after every goroutine of EachCase is done.
type rawCase struct {
	k, v    []byte
	ek, evs [][]byte
}

// caseBatch is a run of cases EachCase decodes together.
type caseBatch struct {
	raws  []rawCase
	cases []workflow.Case
	evs   [][]workflow.Event
	keep  []bool
	// With an encoding step (EachCaseStored): each kept case's bytes or error; the
	// decoded cases are then dropped as soon as they are encoded.
	out    [][]byte
	encErr []error
	err    error
	done   chan struct{}
}

const caseBatchSize = 256

// readCases walks the cases (and their events) into batches, each sent to a decoder
// and then, in order, to the consumer; *last is the last case read.
func readCases(cb, eb kv.Bucket, withEvents bool, last *uint32, work, ordered chan<- *caseBatch, stop <-chan struct{}) {
	ec := eb.Cursor()
	b := &caseBatch{done: make(chan struct{})}
	send := func() bool {
		for _, ch := range []chan<- *caseBatch{work, ordered} { // to a decoder, then in order to fn
			select {
			case ch <- b:
			case <-stop:
				return false
			}
		}
		b = &caseBatch{done: make(chan struct{})}
		return true
	}
	c := cb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		r := rawCase{k: k, v: v}
		if len(k) == 4 {
			*last = binary.BigEndian.Uint32(k)
		}
		if withEvents && len(k) == 4 {
			ek, ev := ec.Seek(k)
			_, _, r.ek, r.evs = entriesOf(ec, ek, ev, binary.BigEndian.Uint32(k), nil, nil)
		}
		if b.raws = append(b.raws, r); len(b.raws) == caseBatchSize && !send() {
			return
		}
	}
	if len(b.raws) > 0 {
		send()
	}
}

// decodeBatch decodes b's cases (those received at or after since are kept) and events,
// with u's buffers; with enc, it encodes each kept case too, its events decoded into
// *scratch (the decoder's, reused: enc must keep nothing of them).
func (s *Store) decodeBatch(u *eventReader, scratch *[]workflow.Event, b *caseBatch, since time.Time, enc func(sc *StoredCase) ([]byte, error)) error {
	b.keep = make([]bool, len(b.raws))
	if enc != nil { // the cases and events are the encoder's: b holds only its bytes
		b.out, b.encErr = make([][]byte, len(b.raws)), make([]error, len(b.raws))
	} else {
		b.cases = make([]workflow.Case, len(b.raws))
		b.evs = make([][]workflow.Event, len(b.raws))
	}
	for i, r := range b.raws {
		if len(r.k) != 4 {
			return fmt.Errorf("case key %x is malformed", r.k)
		}
		id := binary.BigEndian.Uint32(r.k)
		// With an encoding step the encoder decides what it needs decoded: the case
		// (decoded here only for since), and which events. The events it has decoded
		// live only until they are encoded: they go into the decoder's own slice, reused
		// case after case, instead of a slice grown (and its events copied) for each.
		if enc != nil {
			sc := &StoredCase{s: s, u: u, id: id, v: r.v, ek: r.ek, evs: r.evs, scratch: scratch}
			if !since.IsZero() {
				dc, err := sc.Case()
				if err != nil {
					return err
				}
				if dc.ReceivedAt.Before(since) {
					continue
				}
			}
			b.keep[i] = true
			b.out[i], b.encErr[i] = enc(sc)
			if !sc.called { // enc did not look at them: they are read all the same, so a damaged one is found
				sc.Events(nil)
			}
			clear(*scratch) // what the events point to can go
			if sc.err != nil {
				return sc.err
			}
			continue
		}
		c := &b.cases[i]
		if err := u.one.unmarshal(r.v, c); err != nil {
			return fmt.Errorf("case %d is unreadable: %w", id, err)
		}
		if !since.IsZero() && c.ReceivedAt.Before(since) {
			continue
		}
		b.keep[i] = true
		_ = s.unsealCase(c) // a field that cannot be decrypted reads as Locked
		evs := b.evs[i]
		err := u.each(id, r.ek, r.evs, func(seq int, js []byte) error {
			evs = append(evs, workflow.Event{})
			e := &evs[len(evs)-1]
			if err := decodeJSON(js, e); err != nil {
				return &eventError{CaseID: id, Seq: seq, Err: err}
			}
			_ = s.unsealEvent(e)
			return nil
		})
		b.evs[i] = evs
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) casesIn(tx kv.Tx, since time.Time) ([]workflow.Case, error) {
	b := tx.Bucket(bCases)
	out := make([]workflow.Case, 0, b.Sequence()) // ids run from 1 to the sequence
	var u unpacker
	err := b.ForEach(func(k, v []byte) error {
		var c workflow.Case
		if err := u.unmarshal(v, &c); err != nil {
			return fmt.Errorf("case %d is unreadable: %w", binary.BigEndian.Uint32(k), err)
		}
		if since.IsZero() || !c.ReceivedAt.Before(since) {
			_ = s.unsealCase(&c) // a field that cannot be decrypted reads as Locked
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// eventsIn groups the events bucket by case (keys are case id then sequence, so each
// case's events come out oldest first). want nil means every case.
func (s *Store) eventsIn(tx kv.Tx, want map[uint32]bool, lean bool) (map[uint32][]workflow.Event, error) {
	out := map[uint32][]workflow.Event{}
	var r eventReader
	err := eachCaseEntries(tx.Bucket(bEvents), 0, nil, func(id uint32, keys, vals [][]byte) error {
		if want != nil && !want[id] {
			return nil
		}
		return r.each(id, keys, vals, func(seq int, js []byte) error {
			var ev workflow.Event
			if lean {
				var le leanEvent
				if err := decodeJSON(js, &le); err != nil {
					return &eventError{CaseID: id, Seq: seq, Err: err}
				}
				ev = workflow.Event{CaseID: le.CaseID, Seq: le.Seq, Kind: le.Kind, At: le.At, From: le.From, To: le.To}
			} else {
				if err := decodeJSON(js, &ev); err != nil {
					return &eventError{CaseID: id, Seq: seq, Err: err}
				}
				_ = s.unsealEvent(&ev)
			}
			out[id] = append(out[id], ev)
			return nil
		})
	})
	return out, err
}
