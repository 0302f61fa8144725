package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"

	"repairdesk/workflow"
)

// Check recomputes the results' aggregates from every case's events and compares them
// with the stored ones. Their exact entries — one per open case, per ended case and per
// stage a case left — are most of them, and grow with the events (525,000 at 100,000
// cases, about 80 bytes of map and headers each besides their bytes). Check keeps them
// in flatExact instead: all in one byte slice, without pointers the collector must
// follow, sorted once when every case is in, and looked up by binary search. The
// comparison and its findings are those of the map (checkResults).

// flatExact is exact entries, each [uvarint len k][k][uvarint len v][v] in buf; at is
// where each starts. Sorted by key (seal) before it is read.
type flatExact struct {
	buf  []byte
	at   []uint32
	seen []uint64 // bit i: entry i was compared with a stored one (checkResults)
	// noOpen: the open cases' entries are left out (withoutOpenRows).
	noOpen bool
	// runs: where each run of entries sorted by presort begins in at, when every entry
	// is in one (runsEnd == len(at)); seal then merges them instead of sorting all.
	runs    []int
	runsEnd int
}

func (f *flatExact) put(k, v []byte) {
	f.at = append(f.at, uint32(len(f.buf)))
	f.buf = binary.AppendUvarint(f.buf, uint64(len(k)))
	f.buf = append(f.buf, k...)
	f.buf = binary.AppendUvarint(f.buf, uint64(len(v)))
	f.buf = append(f.buf, v...)
}

// entry i's key and value (they point into buf).
func (f *flatExact) entry(i int) (k, v []byte) {
	b := f.buf[f.at[i]:]
	n, w := binary.Uvarint(b)
	k, b = b[w:w+int(n)], b[w+int(n):]
	n, w = binary.Uvarint(b)
	return k, b[w : w+int(n)]
}

func (f *flatExact) key(i int) []byte { k, _ := f.entry(i); return k }

// merge appends g's entries (a run of their own, when g was presorted).
func (f *flatExact) merge(g *flatExact) {
	if f.runsEnd == len(f.at) && g.runsEnd == len(g.at) && len(g.runs) == 1 {
		f.runs = append(f.runs, len(f.at))
		f.runsEnd = len(f.at) + len(g.at)
	}
	base := uint32(len(f.buf))
	f.buf = append(f.buf, g.buf...)
	for _, a := range g.at {
		f.at = append(f.at, base+a)
	}
}

// presort sorts f's entries by key, one per key, the last put (seal's order, open
// cases' entries kept), and makes them one run: a check worker does it to its own set
// before the sets are merged, so that what is left for the end, on one core, is a merge.
func (f *flatExact) presort() {
	f.at = f.sorted(f.at)
	f.runs, f.runsEnd = []int{0}, len(f.at)
}

// seal sorts the entries by key; of entries with one key the last put stays (as in a
// map), and the open cases' entries go when noOpen. Runs presorted and merged in order
// are merged, of one key the later run's entry staying: the entries of a later run were
// put after those of an earlier one, so that is the last put, as sorting all would find.
func (f *flatExact) seal() {
	var at []uint32
	if len(f.runs) > 0 && f.runsEnd == len(f.at) {
		at = f.mergeRuns()
	} else {
		at = f.sorted(f.at)
	}
	if f.noOpen {
		kept := at[:0]
		for _, a := range at {
			if !isOpenKey(f.keyAt(a)) {
				kept = append(kept, a)
			}
		}
		at = kept
	}
	f.at = at
	f.runs, f.runsEnd = nil, 0
	f.seen = make([]uint64, (len(at)+63)/64)
}

// mergeRuns merges the presorted runs, of one key the later run's entry staying.
func (f *flatExact) mergeRuns() []uint32 {
	runs := make([][]uint32, len(f.runs))
	for i, start := range f.runs {
		end := len(f.at)
		if i+1 < len(f.runs) {
			end = f.runs[i+1]
		}
		runs[i] = f.at[start:end]
	}
	for len(runs) > 1 { // pairwise, in order: an earlier run is always the left one
		var next [][]uint32
		for i := 0; i < len(runs); i += 2 {
			if i+1 == len(runs) {
				next = append(next, runs[i])
				continue
			}
			a, b := runs[i], runs[i+1]
			out := make([]uint32, 0, len(a)+len(b))
			for len(a) > 0 && len(b) > 0 {
				switch c := bytes.Compare(f.keyAt(a[0]), f.keyAt(b[0])); {
				case c < 0:
					out, a = append(out, a[0]), a[1:]
				case c > 0:
					out, b = append(out, b[0]), b[1:]
				default: // one key in both: the later run's was put last
					out, a, b = append(out, b[0]), a[1:], b[1:]
				}
			}
			out = append(append(out, a...), b...)
			next = append(next, out)
		}
		runs = next
	}
	if len(runs) == 0 {
		return nil
	}
	return slices.Clone(runs[0])
}

// keyAt is the key of the entry at offset a of buf.
func (f *flatExact) keyAt(a uint32) []byte {
	b := f.buf[a:]
	n, w := binary.Uvarint(b)
	return b[w : w+int(n)]
}

// sorted is the entries at (offsets into buf, in the order put) sorted by key, one per
// key, the last put (as a map keeps it).
//
// The order is that of a stable sort by key, got from an unstable one (pdqsort) on (key,
// place put): each entry carries its key's first 16 bytes as two numbers (the exact
// entries' keys are 6 to 14 bytes long), which decide the comparisons without decoding
// the keys from buf but for keys that long or longer. The stable sort (insertion sort and
// symmerge, every comparison decoding both keys) was 3% of check's CPU, on one core
// after the workers.
func (f *flatExact) sorted(at []uint32) []uint32 {
	type ent struct {
		hi, lo uint64 // the key's first 16 bytes, big-endian, zero-padded
		i      int32
	}
	order := make([]ent, len(at))
	for i := range order {
		var p [16]byte
		copy(p[:], f.keyAt(at[i]))
		order[i] = ent{binary.BigEndian.Uint64(p[:8]), binary.BigEndian.Uint64(p[8:]), int32(i)}
	}
	slices.SortFunc(order, func(a, b ent) int {
		// A zero-padded prefix orders keys as their bytes do; equal prefixes, the keys.
		if a.hi != b.hi {
			return cmp.Compare(a.hi, b.hi)
		}
		if a.lo != b.lo {
			return cmp.Compare(a.lo, b.lo)
		}
		if c := bytes.Compare(f.keyAt(at[a.i]), f.keyAt(at[b.i])); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	out := make([]uint32, 0, len(order))
	for i, o := range order {
		if i+1 < len(order) && o.hi == order[i+1].hi && o.lo == order[i+1].lo && bytes.Equal(f.keyAt(at[o.i]), f.keyAt(at[order[i+1].i])) {
			continue
		}
		out = append(out, at[o.i])
	}
	return out
}

// find is the index of key k (ok false: none).
func (f *flatExact) find(k []byte) (int, bool) {
	return slices.BinarySearchFunc(f.at, k, func(a uint32, k []byte) int {
		b := f.buf[a:]
		n, w := binary.Uvarint(b)
		return bytes.Compare(b[w:w+int(n)], k)
	})
}

// findFrom is find, looking from hint on when the key before hint is smaller than k
// (all before it are then, the entries being sorted): checkResults asks for the stored
// keys in their order, each a few steps past the last, not a search of all 525,000 at
// 100,000 cases. Any other hint, a search of all: the answer is find's either way.
func (f *flatExact) findFrom(k []byte, hint int) (int, bool) {
	n := len(f.at)
	if hint <= 0 || hint > n || bytes.Compare(f.keyAt(f.at[hint-1]), k) >= 0 {
		return f.find(k)
	}
	lo, hi := hint, hint
	for step := 1; hi < n && bytes.Compare(f.keyAt(f.at[hi]), k) < 0; step <<= 1 {
		lo, hi = hi+1, hi+1+step
	}
	// Every key before lo is smaller than k; hi is past the end or its key is not.
	j, ok := slices.BinarySearchFunc(f.at[lo:min(hi+1, n)], k, func(a uint32, k []byte) int {
		return bytes.Compare(f.keyAt(a), k)
	})
	return lo + j, ok
}

// newCheckAggSet is an aggSet for Check: its exact entries go to a flatExact.
func newCheckAggSet(late *workflow.LateJudge) *aggSet {
	a := newAggSet(late)
	a.flat = &flatExact{}
	return a
}

// putExact puts an exact entry (sign +1: Check's and the rebuilds' whole cases).
func (a *aggSet) putExact(k, v []byte) {
	if a.flat != nil {
		a.flat.put(k, v)
		return
	}
	a.exact[string(k)] = v
}

// exactEntries is what checkResults compares stored exact entries with: want's, in a
// map or flat; it remembers which were compared.
type exactEntries struct {
	a    *aggSet
	seen map[string]bool
	next int // where the flat entries' last get left off (findFrom)
}

func (a *aggSet) exactEntries() *exactEntries {
	if a.flat != nil {
		a.flat.seal()
		return &exactEntries{a: a}
	}
	return &exactEntries{a: a, seen: map[string]bool{}}
}

// get returns the recomputed entry for stored key k, and marks it compared.
func (e *exactEntries) get(k []byte) ([]byte, bool) {
	if f := e.a.flat; f != nil {
		i, ok := f.findFrom(k, e.next)
		e.next = i
		if !ok {
			return nil, false
		}
		e.next = i + 1
		f.seen[i/64] |= 1 << (i % 64)
		_, v := f.entry(i)
		return v, true
	}
	e.seen[string(k)] = true
	v, ok := e.a.exact[string(k)]
	return v, ok
}

// unseen calls fn with every recomputed entry no stored one was compared with.
func (e *exactEntries) unseen(fn func(k string)) {
	if f := e.a.flat; f != nil {
		for i := range f.at {
			if f.seen[i/64]&(1<<(i%64)) == 0 {
				fn(string(f.key(i)))
			}
		}
		return
	}
	for k := range e.a.exact {
		if !e.seen[k] {
			fn(k)
		}
	}
}

// value is the recomputed entry of key k (nil: none).
func (e *exactEntries) value(k string) []byte {
	if f := e.a.flat; f != nil {
		if i, ok := f.find([]byte(k)); ok {
			_, v := f.entry(i)
			return v
		}
		return nil
	}
	return e.a.exact[k]
}

func hasKey(m map[string][]byte, k string) bool {
	_, ok := m[k]
	return ok
}
