package store

// The events bucket, read and written in one place. Every reader of a case's events goes
// through caseEvents (one case), eventsOf/eachEvent (one case's entries, already read) or
// eachCaseEntries (the whole bucket, case by case, in key order); every writer through
// appendEvent (a commit) or packFrame (a bulk load, the conversion). The layout (codec.go
// describes the values):
//
//	u32(id)            a frame: every event of case id from its first seq on, in order
//	u32(id) u32(seq)   one event (schema 3 and earlier; still read)
//
// A file of schema 4 written by this version holds only frames. Single events are read
// where they still are — a file opened read-only before its conversion, a PostgreSQL
// case base copied in from an older file — and merged with the case's frame by sequence;
// a commit on such a case starts the frame at its own event. Key order puts a case's
// frame first and its single events after it, all before the next case.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// eventError is an event of a case that could not be read: Seq is the event's (or the
// first of its frame's) sequence.
type eventError struct {
	CaseID uint32
	Seq    int
	Err    error
}

func (e *eventError) Error() string {
	return fmt.Sprintf("case %d event %d is unreadable: %v", e.CaseID, e.Seq, e.Err)
}

func (e *eventError) Unwrap() error { return e.Err }

// isEventKey reports whether k is a key of the events bucket: a frame's or an event's.
func isEventKey(k []byte) bool { return len(k) == 4 || len(k) == 8 }

// entriesOf appends to keys and vals the entries of case id at the cursor's position
// (k, v: a Seek(u32(id)), or where the previous case's entries ended) and returns the
// cursor's position after them. The slices point into the transaction's data.
func entriesOf(c kv.Cursor, k, v []byte, id uint32, keys, vals [][]byte) ([]byte, []byte, [][]byte, [][]byte) {
	p := u32(id)
	for ; k != nil && isEventKey(k) && bytes.Equal(k[:4], p); k, v = c.Next() {
		keys, vals = append(keys, k), append(vals, v)
	}
	return k, v, keys, vals
}

// eventReader turns one case's entries into its events' JSON, reusing its buffers: one per
// goroutine.
type eventReader struct {
	one, frame unpacker
	ents       []entry
}

type entry struct {
	seq      int
	key, val []byte
}

// each calls fn with the sequence and JSON of every event of case id, oldest first, given
// the case's entries as read (keys and vals in key order). js is valid until fn returns.
// An entry that cannot be read stops it with an *eventError.
func (r *eventReader) each(id uint32, keys, vals [][]byte, fn func(seq int, js []byte) error) error {
	r.ents = r.ents[:0]
	for i, k := range keys {
		e := entry{key: k, val: vals[i]}
		switch len(k) {
		case 4:
			first, _, err := frameHead(vals[i])
			if err != nil {
				return &eventError{CaseID: id, Seq: 1, Err: err}
			}
			e.seq = first
		case 8:
			e.seq = int(binary.BigEndian.Uint32(k[4:]))
			if isFrame(vals[i]) {
				return &eventError{CaseID: id, Seq: e.seq, Err: errors.New("a frame of events under the key of one event")}
			}
		default:
			return fmt.Errorf("event key %x is malformed", k)
		}
		r.ents = append(r.ents, e)
	}
	if len(r.ents) > 1 {
		slices.SortStableFunc(r.ents, func(a, b entry) int { return a.seq - b.seq })
	}
	for _, e := range r.ents {
		if len(e.key) == 8 {
			js, err := r.one.json(e.val)
			if err != nil {
				return &eventError{CaseID: id, Seq: e.seq, Err: err}
			}
			if err := fn(e.seq, js); err != nil {
				return err
			}
			continue
		}
		first, content, err := r.frame.frame(e.val)
		if err != nil {
			return &eventError{CaseID: id, Seq: first, Err: err}
		}
		seq := first
		err = frameRecords(content, func(js []byte) error {
			err := fn(seq, js)
			seq++
			return err
		})
		var fe *frameError
		if errors.As(err, &fe) {
			return &eventError{CaseID: id, Seq: seq, Err: err}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// caseEntries reads the entries of case id. A frame that starts at the case's first
// event holds them all: it is read alone, by its key (on PostgreSQL a range scan would
// lock a range of the index against the other nodes' commits). Else the case's keys are
// scanned.
func caseEntries(tx kv.Tx, id uint32) (keys, vals [][]byte) {
	b := tx.Bucket(bEvents)
	k := u32(id)
	if v := b.Get(k); v != nil {
		if first, _, err := frameHead(v); err == nil && first == 1 {
			return [][]byte{k}, [][]byte{v}
		}
	}
	c := b.Cursor()
	ck, cv := c.Seek(k)
	_, _, keys, vals = entriesOf(c, ck, cv, id, nil, nil)
	return keys, vals
}

// caseEvents gives the JSON of case id's events as stored, oldest first (copies).
func caseEvents(tx kv.Tx, id uint32) ([][]byte, error) {
	keys, vals := caseEntries(tx, id)
	return eventsIn(id, keys, vals)
}

// eventsIn gives the JSON of case id's events in its stored entries (keys, vals), oldest
// first (copies).
func eventsIn(id uint32, keys, vals [][]byte) ([][]byte, error) {
	var out [][]byte
	var r eventReader
	err := r.each(id, keys, vals, func(_ int, js []byte) error {
		out = append(out, bytes.Clone(js))
		return nil
	})
	return out, err
}

// eachCaseEntries walks the events bucket in key order from case from on, calling fn with
// each case's entries (fresh slices, pointing into the transaction's data). A key that
// is not an event's is given to bad (nil: it is skipped). An error from fn stops the walk.
func eachCaseEntries(b kv.Bucket, from uint32, bad func(k []byte), fn func(id uint32, keys, vals [][]byte) error) error {
	c := b.Cursor()
	k, v := c.Seek(u32(from))
	for k != nil {
		if !isEventKey(k) {
			if bad != nil {
				bad(k)
			}
			k, v = c.Next()
			continue
		}
		id := binary.BigEndian.Uint32(k)
		var keys, vals [][]byte
		k, v, keys, vals = entriesOf(c, k, v, id, nil, nil)
		if err := fn(id, keys, vals); err != nil {
			return err
		}
	}
	return nil
}

// errWalkDone stops eachCaseEntries early (not an error).
var errWalkDone = errors.New("the walk went far enough")

// caseGroup is one case's entries, as eachCaseEntries gives them.
type caseGroup struct {
	id         uint32
	keys, vals [][]byte
}

// caseGroups reads the entries of the cases from..to (inclusive) of the events bucket.
func caseGroups(b kv.Bucket, from, to uint32) ([]caseGroup, error) {
	var out []caseGroup
	err := eachCaseEntries(b, from, nil, func(id uint32, keys, vals [][]byte) error {
		if id > to {
			return errWalkDone
		}
		out = append(out, caseGroup{id, keys, vals})
		return nil
	})
	if err == errWalkDone {
		err = nil
	}
	return out, err
}

// leanGroups decodes the lean view of the events of each group, on every core (the
// values must stay valid meanwhile: the transaction is open).
func (s *Store) leanGroups(gs []caseGroup) (map[uint32][]workflow.StatEvent, error) {
	out := make([][]workflow.StatEvent, len(gs))
	err := s.parallelRead(len(gs), string(bEvents), func(lo, hi int) error {
		var d leanDecoder
		var r eventReader
		for i := lo; i < hi; i++ {
			g := gs[i]
			var evs []workflow.StatEvent
			err := r.each(g.id, g.keys, g.vals, func(seq int, js []byte) error {
				ev, err := d.decodeJSON(js)
				if err != nil {
					return &eventError{CaseID: g.id, Seq: seq, Err: err}
				}
				evs = append(evs, workflow.StatEventOf(&ev))
				return nil
			})
			if err != nil {
				return err
			}
			out[i] = evs
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m := make(map[uint32][]workflow.StatEvent, len(gs))
	for i, g := range gs {
		m[g.id] = out[i]
	}
	return m, nil
}

// appendEvent stores js, the event seq of case id, after the case's events: in the case's
// frame, which it creates at seq when the case has none. In the caller's transaction.
func appendEvent(tx kv.Tx, id uint32, seq int, js []byte) error {
	b := tx.Bucket(bEvents)
	k := u32(id)
	old := b.Get(k)
	if old == nil {
		return b.Put(k, packFrame(nil, seq, [][]byte{js}))
	}
	var u unpacker
	first, content, err := u.frame(old)
	if err != nil {
		return &eventError{CaseID: id, Seq: first, Err: err}
	}
	n, err := frameCount(content)
	if err != nil {
		return &eventError{CaseID: id, Seq: first, Err: err}
	}
	if first+n != seq {
		return fmt.Errorf("case %d: event %d does not follow its frame of events %d–%d", id, seq, first, first+n-1)
	}
	content = binary.AppendUvarint(content, uint64(len(js)))
	content = append(content, js...)
	return b.Put(k, packFrameContent(nil, first, content))
}

// lastEventHash is the hash of the last event of case id ("" when it has none).
func lastEventHash(tx kv.Tx, id uint32) (string, error) {
	keys, vals := caseEntries(tx, id)
	var r eventReader
	h := ""
	err := r.each(id, keys, vals, func(_ int, js []byte) error {
		h = hashIn(js)
		return nil
	})
	return h, err
}

// frameLast reads case id's frame by its key alone: the sequence and hash of its last
// event (0 and "" when the case has no frame).
func frameLast(tx kv.Tx, id uint32) (int, string, error) {
	raw := tx.Bucket(bEvents).Get(u32(id))
	if raw == nil {
		return 0, "", nil
	}
	var u unpacker
	first, content, err := u.frame(raw)
	if err != nil {
		return 0, "", &eventError{CaseID: id, Seq: first, Err: err}
	}
	var last []byte
	n := 0
	if err := frameRecords(content, func(js []byte) error { last, n = js, n+1; return nil }); err != nil {
		return 0, "", &eventError{CaseID: id, Seq: first + n, Err: err}
	}
	if n == 0 {
		return 0, "", nil
	}
	return first + n - 1, hashIn(last), nil
}

// hashIn finds an event's "hash" in its JSON without decoding it (the field is the
// event's last).
func hashIn(js []byte) string {
	i := bytes.LastIndex(js, []byte(`"hash":"`))
	if i < 0 || len(js) < i+8+64 {
		return ""
	}
	return string(js[i+8 : i+8+64])
}

// EventsOf gives the events of case id stored in b, a bbolt file's events bucket, as
// their JSON in order, whatever their layout: for tools and tests that read the file
// directly. An entry that cannot be read is an error.
func EventsOf(b *bolt.Bucket, id uint32) ([][]byte, error) {
	var keys, vals [][]byte
	cur := b.Cursor()
	for k, v := cur.Seek(u32(id)); k != nil && isEventKey(k) && binary.BigEndian.Uint32(k) == id; k, v = cur.Next() {
		keys, vals = append(keys, k), append(vals, v)
	}
	return eventsIn(id, keys, vals)
}

// PutEvents replaces the events of case id in b, a bbolt file's events bucket, with evs
// (their JSON, in order, numbered from 1) in the layout this version writes: for tools
// and tests that write the file directly. No events: the case's are deleted.
func PutEvents(b *bolt.Bucket, id uint32, evs [][]byte) error {
	var old [][]byte
	cur := b.Cursor()
	for k, _ := cur.Seek(u32(id)); k != nil && isEventKey(k) && binary.BigEndian.Uint32(k) == id; k, _ = cur.Next() {
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	if len(evs) == 0 {
		return nil
	}
	return b.Put(u32(id), packFrame(nil, 1, evs))
}

// eachStoredEvent calls fn with every event of the events bucket b, case by case in id
// order and oldest first: its case, sequence and JSON (valid until fn returns).
func eachStoredEvent(b kv.Bucket, fn func(id uint32, seq int, js []byte) error) error {
	var r eventReader
	return eachCaseEntries(b, 0, nil, func(id uint32, keys, vals [][]byte) error {
		return r.each(id, keys, vals, func(seq int, js []byte) error { return fn(id, seq, js) })
	})
}
