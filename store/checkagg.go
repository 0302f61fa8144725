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

// merge appends g's entries.
func (f *flatExact) merge(g *flatExact) {
	base := uint32(len(f.buf))
	f.buf = append(f.buf, g.buf...)
	for _, a := range g.at {
		f.at = append(f.at, base+a)
	}
}

// seal sorts the entries by key; of entries with one key the last put stays (as in a
// map), and the open cases' entries go when noOpen.
//
// The order is that of a stable sort by key, got from an unstable one (pdqsort) on (key,
// place put): each entry carries its key's first 16 bytes as two numbers (the exact
// entries' keys are 6 to 14 bytes long), which decide the comparisons without decoding
// the keys from buf but for keys that long or longer. The stable sort (insertion sort and
// symmerge, every comparison decoding both keys) was 3% of check's CPU, on one core
// after the workers.
//
// A large set is sorted in two halves on two goroutines, which are then merged as the
// entries are kept: seal runs after the workers, when the other core has nothing to do,
// and the halves take no more memory than the whole (the merge writes at, which seal
// makes all the same).
func (f *flatExact) seal() {
	type ent struct {
		hi, lo uint64 // the key's first 16 bytes, big-endian, zero-padded
		i      int32
	}
	order := make([]ent, len(f.at))
	compare := func(a, b ent) int {
		// A zero-padded prefix orders keys as their bytes do; equal prefixes, the keys.
		if a.hi != b.hi {
			return cmp.Compare(a.hi, b.hi)
		}
		if a.lo != b.lo {
			return cmp.Compare(a.lo, b.lo)
		}
		if c := bytes.Compare(f.key(int(a.i)), f.key(int(b.i))); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	}
	sortRun := func(from, to int) {
		for i := from; i < to; i++ {
			var p [16]byte
			copy(p[:], f.key(i))
			order[i] = ent{binary.BigEndian.Uint64(p[:8]), binary.BigEndian.Uint64(p[8:]), int32(i)}
		}
		slices.SortFunc(order[from:to], compare)
	}
	mid := len(order)
	if len(order) >= sealSplit {
		mid = len(order) / 2
		done := make(chan struct{})
		go func() {
			defer close(done)
			sortRun(mid, len(order))
		}()
		sortRun(0, mid)
		<-done
	} else {
		sortRun(0, len(order))
	}
	at := make([]uint32, 0, len(order))
	var (
		last ent
		has  bool
	)
	emit := func(o ent) {
		if !f.noOpen || !isOpenKey(f.key(int(o.i))) {
			at = append(at, f.at[o.i])
		}
	}
	keep := func(o ent) { // o follows last in key order: last goes unless o has its key
		if has && !(o.hi == last.hi && o.lo == last.lo && bytes.Equal(f.key(int(o.i)), f.key(int(last.i)))) {
			emit(last)
		}
		last, has = o, true
	}
	a, b := order[:mid], order[mid:]
	for len(a) > 0 && len(b) > 0 {
		if compare(a[0], b[0]) < 0 {
			keep(a[0])
			a = a[1:]
		} else {
			keep(b[0])
			b = b[1:]
		}
	}
	for _, o := range a {
		keep(o)
	}
	for _, o := range b {
		keep(o)
	}
	if has {
		emit(last)
	}
	f.at = at
	f.seen = make([]uint64, (len(at)+63)/64)
}

// sealSplit is the number of entries from which seal sorts on two goroutines.
const sealSplit = 1 << 14

// find is the index of key k (ok false: none; the index is then where k would go).
func (f *flatExact) find(k []byte) (int, bool) {
	return f.search(k, 0, len(f.at))
}

// search is find among the entries lo to hi (k not among them: where it would go).
func (f *flatExact) search(k []byte, lo, hi int) (int, bool) {
	i, ok := slices.BinarySearchFunc(f.at[lo:hi], k, func(a uint32, k []byte) int {
		b := f.buf[a:]
		n, w := binary.Uvarint(b)
		return bytes.Compare(b[w:w+int(n)], k)
	})
	return lo + i, ok
}

// findFrom is find for keys asked in ascending order, as checkResults walks the stored
// ones, from entry from (where the last one found or placed was): the stored entries
// match the recomputed ones one for one unless the file is damaged, so the key asked is
// usually entry from itself, found with one comparison; one further on is searched for
// among the entries after it; one before it (keys not asked in order), among all
// before it. The answer is find's. A binary search among all 525,000 entries of a
// 100,000-case check for each stored one was a quarter of the comparison after the
// workers, on one core.
func (f *flatExact) findFrom(k []byte, from int) (int, bool) {
	from = min(from, len(f.at))
	if from < len(f.at) {
		switch c := bytes.Compare(f.key(from), k); {
		case c == 0:
			return from, true
		case c < 0:
			return f.search(k, from+1, len(f.at))
		}
	}
	return f.search(k, 0, from)
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
	next int // flat: where the key after the last one asked is looked for first (findFrom)
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
		if !ok {
			e.next = i
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
