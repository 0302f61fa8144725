package store

// The events bucket, read and written in one place. Every reader of a case's events goes
// through caseEvents (one case), eventsOf/eachEvent (one case's entries, already read) or
// eachCaseEntries (the whole bucket, case by case, in key order); every writer through
// appendEvent (a commit) or packChunks (a bulk load, the conversion). The layout (codec.go
// describes the values):
//
//	u32(id)              chunk 0: events 1 … chunkEvents of case id
//	u32(id) u32(k·N+1)   chunk k: events k·N+1 … (k+1)·N (N = chunkEvents)
//	u32(id) u32(seq)     one event (schema 3 and earlier; still read)
//	u32(id)              a whole frame: every event of case id from its first on
//	                     (schema 4; still read, and written over by the next commit)
//
// Schema 5 cuts a case's history into chunks aligned on the events' sequence numbers.
// The chunk an event goes into, and so its key, follows from the event's number alone:
// a commit reads and rewrites one chunk of at most chunkEvents events by its key — a
// Get, never a range scan, which on PostgreSQL would lock a range of the index against
// the other nodes' commits — however long the case's history. A chunk's head says how
// many events it holds, so a reader of a whole case follows the chunks by their keys
// while the last one read is full (caseEntries): one Get for a case of up to
// chunkEvents events, the great majority. Why 32: an event is about 0.3–5 KB of JSON
// (letters are the long ones), so an append decodes and encodes at most some 50–150 KB;
// no case of the 100,000-case demo base has more than 24 events, so its file keeps its
// size; and a long history loses little to being cut (1,000 events of comments: 68 KB in
// 32 chunks, 64 KB as one frame). BENCHMARKS.md, "A case's events in bounded frames".
//
// A chunk's compressed part may be several zstd frames (codec.go, 0x03): a commit adds
// its event as a frame of its own and keeps the chunk's stored bytes, so that it encodes
// one event, not up to chunkEvents; every chunkRepack-th event and a full chunk are
// written anew as one frame, so a chunk holds at most chunkRepack-1 frames after its
// packed one. A reader decodes the frames one after the other as one content (and did
// before this was written: no conversion); a damaged frame is damage of its chunk.
//
// Single events (schema 3) are read where they still are — a file opened read-only
// before its conversion — and merged with the case's chunks by sequence; a writable
// open converts them (convert.go). Key order puts a case's chunk 0 first and its other
// chunks and single events after it, all before the next case. A chunk's events are
// checked against its key (chunk 0 under u32(id), chunk k under its first event's
// number, which must start a chunk) and the case's events must follow each other from 1
// without a gap or an overlap: each reports anything else as damage.

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

// chunkEvents is how many events one chunk holds at most. Part of the stored format:
// the chunks' keys follow from it.
const chunkEvents = 32

// chunkStart is the sequence of the first event of the chunk that holds event seq (≥ 1).
func chunkStart(seq int) int { return (seq-1)/chunkEvents*chunkEvents + 1 }

// chunkKey is the key of case id's chunk whose first event is start (a chunkStart).
func chunkKey(id uint32, start int) []byte {
	if start <= 1 {
		return u32(id)
	}
	k := make([]byte, 8)
	binary.BigEndian.PutUint32(k, id)
	binary.BigEndian.PutUint32(k[4:], uint32(start))
	return k
}

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
	count    int // the events a chunk says it holds (-1: a frame of schema 4, which does not say)
	key, val []byte
}

// each calls fn with the sequence and JSON of every event of case id, oldest first, given
// the case's entries as read (keys and vals in key order). js is valid until fn returns.
// An entry that cannot be read, or that is not where its events belong (a chunk under a
// key not its own, events missing or stored twice), stops it with an *eventError.
func (r *eventReader) each(id uint32, keys, vals [][]byte, fn func(seq int, js []byte) error) error {
	r.ents = r.ents[:0]
	for i, k := range keys {
		v := vals[i]
		e := entry{key: k, val: v, count: 1}
		switch len(k) {
		case 4:
			first, count, _, err := chunkHead(v)
			if err != nil {
				return &eventError{CaseID: id, Seq: 1, Err: err}
			}
			if isChunk(v) && first != 1 {
				return &eventError{CaseID: id, Seq: first, Err: fmt.Errorf("a chunk of events from event %d under the case's key, where events from 1 belong", first)}
			}
			e.seq, e.count = first, count
		case 8:
			e.seq = int(binary.BigEndian.Uint32(k[4:]))
			if isFrame(v) {
				if !isChunk(v) {
					return &eventError{CaseID: id, Seq: e.seq, Err: errors.New("a frame of events under the key of one event")}
				}
				first, count, _, err := chunkHead(v)
				if err != nil {
					return &eventError{CaseID: id, Seq: e.seq, Err: err}
				}
				if first != e.seq {
					return &eventError{CaseID: id, Seq: e.seq, Err: fmt.Errorf("a chunk of events from event %d under the key of event %d", first, e.seq)}
				}
				if first == 1 || chunkStart(first) != first {
					return &eventError{CaseID: id, Seq: e.seq, Err: fmt.Errorf("a chunk of events from event %d, where no chunk starts", first)}
				}
				e.count = count
			}
		default:
			return fmt.Errorf("event key %x is malformed", k)
		}
		if isChunk(v) && e.count > chunkEvents {
			return &eventError{CaseID: id, Seq: e.seq, Err: fmt.Errorf("a chunk of %d events, more than the %d one holds", e.count, chunkEvents)}
		}
		r.ents = append(r.ents, e)
	}
	if len(r.ents) > 1 {
		slices.SortStableFunc(r.ents, func(a, b entry) int { return a.seq - b.seq })
	}
	next := 1 // the event the next entry must start at
	for _, e := range r.ents {
		if err := followsOn(id, next, e.seq); err != nil {
			return err
		}
		if len(e.key) == 8 && !isFrame(e.val) {
			js, err := r.one.json(e.val)
			if err != nil {
				return &eventError{CaseID: id, Seq: e.seq, Err: err}
			}
			if err := fn(e.seq, js); err != nil {
				return err
			}
			next++
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
		if e.count >= 0 && seq-first != e.count {
			return &eventError{CaseID: id, Seq: first, Err: fmt.Errorf("a chunk says it holds %d events and holds %d", e.count, seq-first)}
		}
		next = seq
	}
	return nil
}

// followsOn reports as damage an entry of case id starting at event seq where event next
// was due: events missing before it, or events stored twice.
func followsOn(id uint32, next, seq int) error {
	switch {
	case seq > next:
		return &eventError{CaseID: id, Seq: next, Err: fmt.Errorf("events %d–%d are missing: the stored events go on at event %d", next, seq-1, seq)}
	case seq < next:
		return &eventError{CaseID: id, Seq: seq, Err: fmt.Errorf("event %d is stored twice: the case's stored events overlap", seq)}
	}
	return nil
}

// caseEntries reads the entries of case id. Its chunks are read by their keys (on
// PostgreSQL a range scan would lock a range of the index against the other nodes'
// commits): chunk 0, and the next while the last one read is full — one Get for a case
// of up to chunkEvents events. A whole frame of schema 4 from event 1 holds them all.
// Anything else (single events of an older layout, damage) is found by scanning the
// case's keys.
func caseEntries(tx kv.Tx, id uint32) (keys, vals [][]byte) {
	b := tx.Bucket(bEvents)
	k := u32(id)
	if v := b.Get(k); v != nil {
		if first, count, _, err := chunkHead(v); err == nil && first == 1 {
			keys, vals = [][]byte{k}, [][]byte{v}
			for start := 1; count == chunkEvents; {
				start += chunkEvents
				ck := chunkKey(id, start)
				cv := b.Get(ck)
				if cv == nil {
					break
				}
				f, n, _, err := chunkHead(cv)
				if err != nil || !isChunk(cv) || f != start {
					count = -2 // not a chunk where one belongs: scan
					break
				}
				keys, vals, count = append(keys, ck), append(vals, cv), n
			}
			if count != -2 {
				return keys, vals
			}
		}
	}
	c := b.Cursor()
	ck, cv := c.Seek(k)
	_, _, keys, vals = entriesOf(c, ck, cv, id, nil, nil)
	return keys, vals
}

// prefetchChunks reads ahead, in one round trip on PostgreSQL (nothing on bbolt), the
// chunks of case id that hold its events up to upto, so that caseEntries then finds
// them without a round trip each.
func prefetchChunks(tx kv.Tx, id uint32, upto int) {
	if upto <= chunkEvents {
		return // one key: caseEntries' own Get is the one round trip
	}
	gets := make([]kv.Read, 0, upto/chunkEvents+1)
	for start := 1; start <= upto; start += chunkEvents {
		gets = append(gets, kv.Read{Bucket: bEvents, Key: chunkKey(id, start)})
	}
	kv.Prefetch(tx, gets, nil)
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

// chunkRepack: an append writes the chunk anew as one frame when its count reaches a
// multiple of chunkRepack (and when the chunk is full); every other append keeps the
// chunk's compressed bytes as they are and adds a frame holding only the new event
// (appendFrame). So a commit encodes one event, not its chunk of up to chunkEvents — the
// chunk's encoding was a fifth of a node's CPU an action on PostgreSQL — and a chunk
// holds at most chunkRepack-1 such frames after its packed one: its size and its
// readers' cost a frame stay bounded. BENCHMARKS.md, "A commit encodes one event".
const chunkRepack = 8

// appendEvent stores js, the event seq of case id, after the case's events: in the chunk
// of seq, which it creates when seq starts it. It reads and writes that one chunk, by its
// key. A whole frame of schema 4 (a case of fewer than chunkEvents events the conversion
// left as it was) becomes chunk 0 on the way. In the caller's transaction.
//
// The new event goes into a frame of its own after the chunk's compressed bytes, which
// are kept as they are (appendFrame; the readers decode a chunk's frames one after the
// other, today's and older versions alike: TestChunkFramesReadAsOne), except where
// chunkRepack says to write the chunk anew as one frame.
//
// read, when not nil, is the chunk as this commit read it for the previous event's hash
// (chunkLast): when the key holds exactly those bytes still, its decoded records are
// taken instead of decoding them again (a commit decoded the chunk twice: 4–8% of the
// node's CPU an action on PostgreSQL). It is used up, and given what was written: the
// chunk's key, stored value and records, for wroteMemo.
func appendEvent(tx kv.Tx, id uint32, seq int, js []byte, read *chunkRead) error {
	return appendEventEvery(tx, id, seq, js, read, chunkRepack)
}

// appendEventEvery is appendEvent re-packing the chunk when its count reaches a multiple
// of every (a benchmark measures other values; 1: always, as before this layout).
func appendEventEvery(tx kv.Tx, id uint32, seq int, js []byte, read *chunkRead, every int) error {
	b := tx.Bucket(bEvents)
	start := chunkStart(seq)
	k := chunkKey(id, start)
	old := b.Get(k)
	if old == nil {
		if seq != start {
			return &eventError{CaseID: id, Seq: seq, Err: fmt.Errorf("event %d has no chunk of events %d–%d to go into", seq, start, seq-1)}
		}
		// A new chunk follows a full one (read already: it holds the previous event,
		// whose hash the commit took), else readers by key would stop before it.
		if start > 1 {
			prev := b.Get(chunkKey(id, start-chunkEvents))
			if _, n, _, err := chunkHead(prev); err != nil || !isChunk(prev) || n != chunkEvents {
				return &eventError{CaseID: id, Seq: start - chunkEvents, Err: fmt.Errorf("event %d starts a chunk, but events %d–%d are not a full chunk before it", seq, start-chunkEvents, start-1)}
			}
		}
		content := binary.AppendUvarint(make([]byte, 0, len(js)+binary.MaxVarintLen32), uint64(len(js)))
		content = append(content, js...)
		return putChunk(b, k, seq, 1, content, read)
	}
	if !isFrame(old) || (!isChunk(old) && start != 1) {
		return &eventError{CaseID: id, Seq: start, Err: fmt.Errorf("the key of the chunk of events %d–%d holds no chunk (one event of an older layout, or damage: see check)", start, start+chunkEvents-1)}
	}
	var (
		first, n int
		content  []byte
	)
	if read != nil && read.content != nil && bytes.Equal(read.key, k) && bytes.Equal(read.raw, old) {
		first, n, content = read.first, read.n, read.content
	} else {
		var u unpacker
		var err error
		if first, content, err = u.frame(old); err != nil {
			return &eventError{CaseID: id, Seq: first, Err: err}
		}
		if n, err = frameCount(content); err != nil {
			return &eventError{CaseID: id, Seq: first, Err: err}
		}
	}
	if read != nil {
		*read = chunkRead{} // used up: its content's spare room is written below
	}
	if first != start || first+n != seq {
		return fmt.Errorf("case %d: event %d does not follow its chunk of events %d–%d", id, seq, first, first+n-1)
	}
	at := len(content)
	if need := binary.MaxVarintLen32 + len(js); cap(content)-len(content) < need {
		// Room for this event and about half as many bytes again, so that the next
		// commits on the case append in place (wroteMemo keeps the room).
		content = slices.Grow(content, need+len(content)/2)
	}
	content = binary.AppendUvarint(content, uint64(len(js)))
	content = append(content, js...)
	if !isChunk(old) || (n+1)%every == 0 || n+1 == chunkEvents {
		return putChunk(b, k, first, n+1, content, read)
	}
	// The head says n events, as the records decoded (or remembered) from these very
	// bytes: the new one goes after them in a frame of its own.
	_, _, rest, err := chunkHead(old)
	if err != nil {
		return &eventError{CaseID: id, Seq: first, Err: err}
	}
	v := appendFrame(make([]byte, 0, frameValueCap(old, content[at:])), old[1], first, n+1, rest, content[at:])
	return putChunkValue(b, k, v, first, n+1, content, read)
}

// frameValueCap is room enough for the chunk old with the record rec added in a frame of
// its own (appendFrame), so that the new value is made in one allocation: the head grows
// by a byte or two at most, and the frame holds rec with at most 14 bytes of headers when
// stored as it is (rawFrame), and about 20 when the encoder keeps a record that does not
// compress in raw blocks. (Room for half the record, as before, made every frame that
// does not halve its record copy the whole value once more: every comment's.)
func frameValueCap(old, rec []byte) int { return len(old) + len(rec) + 32 }

// putChunk writes the chunk of count events from first, content its records, under k,
// and tells wrote (when not nil) what it wrote. The stored value is not changed after:
// the bucket holds it until the transaction ends, and wroteMemo for good.
func putChunk(b kv.Bucket, k []byte, first, count int, content []byte, wrote *chunkRead) error {
	return putChunkValue(b, k, packChunk(nil, first, count, content), first, count, content, wrote)
}

// putChunkValue is putChunk given the chunk's stored value v.
func putChunkValue(b kv.Bucket, k, v []byte, first, count int, content []byte, wrote *chunkRead) error {
	if err := b.Put(k, v); err != nil {
		return err
	}
	if wrote != nil {
		*wrote = chunkRead{key: k, raw: v, first: first, n: count, content: content}
	}
	return nil
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

// chunkLast reads the chunk of event v of case id by its key alone: the hash of event v
// when the chunk ends with it (ok false when it is not there: the case has no such chunk,
// or its events are in an older layout).
//
// keep, when not nil, is given the chunk as read and decoded when ok, for the same
// commit's appendEvent.
func chunkLast(tx kv.Tx, id uint32, v int, keep *chunkRead, memo *wroteMemo) (hash string, ok bool, err error) {
	k := chunkKey(id, chunkStart(v))
	raw := tx.Bucket(bEvents).Get(k)
	if raw == nil || !isFrame(raw) {
		return "", false, nil
	}
	var (
		first   int
		content []byte
		kept    []byte // raw, as kept for appendEvent
	)
	take := memo.chunk
	if keep != nil {
		take = memo.takeChunk // the records' spare room becomes the commit's (appendEvent)
	}
	if w, hit := take(id, k, raw); hit {
		first, content, kept = w.first, w.content, w.raw // this node wrote it last: not decoded again
	} else {
		var u unpacker
		if first, content, err = u.frame(raw); err != nil {
			return "", false, &eventError{CaseID: id, Seq: first, Err: err}
		}
	}
	var last []byte
	n := 0
	if err := frameRecords(content, func(js []byte) error { last, n = js, n+1; return nil }); err != nil {
		return "", false, &eventError{CaseID: id, Seq: first + n, Err: err}
	}
	if n == 0 || first+n-1 != v {
		return "", false, nil
	}
	if keep != nil {
		if kept == nil {
			kept = bytes.Clone(raw) // the transaction's (bbolt: the mapped file)
		}
		*keep = chunkRead{key: k, raw: kept, first: first, n: n, content: content}
	}
	return hashIn(last), true, nil
}

// chunkRead is a chunk of a case's events as a commit read it (chunkLast), for the same
// commit's append (appendEvent), so that the chunk is decoded once a commit.
type chunkRead struct {
	key, raw []byte // its key, and its stored value as read (a copy)
	first, n int    // its first event's number, and how many it holds
	content  []byte // its records, decoded
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
	keys, vals := packChunks(id, recordsOf(evs))
	for i, k := range keys {
		if err := b.Put(k, vals[i]); err != nil {
			return err
		}
	}
	return nil
}

// recordsOf lays out the events evs (JSON each) as a frame's content: each after its
// length.
func recordsOf(evs [][]byte) []byte {
	n := 0
	for _, js := range evs {
		n += len(js) + binary.MaxVarintLen32
	}
	content := make([]byte, 0, n)
	for _, js := range evs {
		content = binary.AppendUvarint(content, uint64(len(js)))
		content = append(content, js...)
	}
	return content
}

// packChunks is the stored form of case id's events from event 1 on, given as a frame's
// content (records laid out as packFrame's): its chunks' keys and values, in key order.
// A content that is not a run of records is cut at the last whole one (callers lay it
// out themselves).
func packChunks(id uint32, content []byte) (keys, vals [][]byte) {
	start, n, lo := 1, 0, 0
	for i := 0; i < len(content); {
		l, w := binary.Uvarint(content[i:])
		if w <= 0 || uint64(len(content)-i-w) < l {
			break
		}
		i += w + int(l)
		if n++; n == chunkEvents {
			keys, vals = append(keys, chunkKey(id, start)), append(vals, packChunk(nil, start, n, content[lo:i]))
			start, n, lo = start+n, 0, i
		}
	}
	if n > 0 {
		keys, vals = append(keys, chunkKey(id, start)), append(vals, packChunk(nil, start, n, content[lo:]))
	}
	return keys, vals
}

// eachStoredEvent calls fn with every event of the events bucket b, case by case in id
// order and oldest first: its case, sequence and JSON (valid until fn returns).
func eachStoredEvent(b kv.Bucket, fn func(id uint32, seq int, js []byte) error) error {
	var r eventReader
	return eachCaseEntries(b, 0, nil, func(id uint32, keys, vals [][]byte) error {
		return r.each(id, keys, vals, func(seq int, js []byte) error { return fn(id, seq, js) })
	})
}
