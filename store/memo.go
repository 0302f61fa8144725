package store

import (
	"bytes"
	"sync"
)

// wroteMemo remembers, for the cases this node committed last, what it wrote: the case's
// stored value with the JSON it was packed from, and its last chunk of events with the
// records it was packed from. The next commit on such a case reads those values back
// (prepareApply, chunkLast) and, when the stored bytes are exactly the ones remembered,
// takes the JSON and the records instead of decompressing them: 8–12% of a commit's CPU
// on a node, where the same person's actions on a case follow each other. It is a memo of
// a pure function (stored bytes → decompressed bytes) keyed by the bytes themselves, so
// it cannot give other bytes than a decoding would: a value written by another node, by
// a transaction that rolled back and was written otherwise, or by an older version is
// not the remembered one, and is decoded as ever. Bounded: when it holds more than
// memoBytes it starts again empty.
type wroteMemo struct {
	mu    sync.Mutex
	cases map[uint32]*wrote
	size  int
}

// wrote is what wroteMemo keeps of one case. Nothing in it is changed once kept, within
// the lengths kept. The chunk's records may have room beyond their length: the one
// commit that takes them (takeChunk, which leaves the case's entry without them, so no
// other commit can take the same records) appends its event there, in place, instead of
// copying the records (about 9 KB an action of the closed loop). Whoever still reads
// the records as kept reads only up to their length, which that append does not touch.
type wrote struct {
	casePacked, caseJSON []byte
	chunk                chunkRead // raw: the chunk's stored value; content: its records
}

// memoBytes bounds what wroteMemo holds (about 16 KB a case of the demo: 500 and more
// of the cases committed last).
const memoBytes = 8 << 20

func (w *wrote) size() int {
	return len(w.casePacked) + len(w.caseJSON) + len(w.chunk.key) + len(w.chunk.raw) + cap(w.chunk.content)
}

// put remembers what a commit wrote of case id: its stored value packed from js, and
// its chunk (nil raw: the chunk is not known; only the case is remembered then).
func (m *wroteMemo) put(id uint32, packed, js []byte, chunk chunkRead) {
	if m == nil {
		return
	}
	w := &wrote{casePacked: packed, caseJSON: js}
	if chunk.raw != nil {
		w.chunk = chunkRead{key: chunk.key, raw: chunk.raw, first: chunk.first, n: chunk.n, content: chunk.content}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.cases[id]; ok {
		m.size -= old.size()
	}
	if m.cases == nil || m.size+w.size() > memoBytes {
		m.cases, m.size = map[uint32]*wrote{}, 0
	}
	m.cases[id] = w
	m.size += w.size()
}

// forget drops what is remembered of case id (its values are being written otherwise).
func (m *wroteMemo) forget(id uint32) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.cases[id]; ok {
		m.size -= old.size()
		delete(m.cases, id)
	}
}

// caseJSON is the JSON case id's stored value raw was packed from, when raw is the value
// remembered (valid for good: never changed).
func (m *wroteMemo) caseJSON(id uint32, raw []byte) ([]byte, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	w := m.cases[id]
	m.mu.Unlock()
	if w == nil || !bytes.Equal(w.casePacked, raw) {
		return nil, false
	}
	return w.caseJSON, true
}

// chunk is the remembered chunk of case id under key k when raw is its stored value.
func (m *wroteMemo) chunk(id uint32, k, raw []byte) (chunkRead, bool) {
	if m == nil {
		return chunkRead{}, false
	}
	m.mu.Lock()
	w := m.cases[id]
	m.mu.Unlock()
	if w == nil || w.chunk.raw == nil || !bytes.Equal(w.chunk.key, k) || !bytes.Equal(w.chunk.raw, raw) {
		return chunkRead{}, false
	}
	return w.chunk, true
}

// takeChunk is chunk for the commit that appends to the records: on a hit the case's
// entry is left without its chunk, so the records' spare room is this commit's alone
// (two commits on a case may run at once on a node: a group and another writer; the
// loser of the two fails on the case's row, but must not have written into the
// winner's records). The commit remembers what it wrote with put.
func (m *wroteMemo) takeChunk(id uint32, k, raw []byte) (chunkRead, bool) {
	if m == nil {
		return chunkRead{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.cases[id]
	if w == nil || w.chunk.raw == nil || !bytes.Equal(w.chunk.key, k) || !bytes.Equal(w.chunk.raw, raw) {
		return chunkRead{}, false
	}
	rest := &wrote{casePacked: w.casePacked, caseJSON: w.caseJSON} // w itself is never changed
	m.size += rest.size() - w.size()
	m.cases[id] = rest
	return w.chunk, true
}
