package store

import "slices"

// The open cases' deadlines are put in order once per snapshot, or once per cold
// dashboard from the open entries: at a million cases about 380,000 of them. A
// comparison sort of that many took 40–70 ms, and growing one slice by append another
// 100 ms of copying and page faults (profile of the cold dashboard at a million). Here
// they are gathered in blocks of fixed size and put in order by an LSD radix sort over
// only the bytes in which the keys differ: deadlines fall within a few years, so most
// of a 64-bit second count is the same everywhere, and entries read in case order need
// no pass over the ids at all.

const dueBlock = 1 << 14 // entries in one block: 384 KiB

// dueList gathers entries without moving those gathered.
type dueList struct {
	blocks [][]openDueEntry
	n      int
}

func (l *dueList) add(e openDueEntry) {
	k := len(l.blocks)
	if k == 0 || len(l.blocks[k-1]) == dueBlock {
		l.blocks = append(l.blocks, make([]openDueEntry, 0, dueBlock))
		k++
	}
	l.blocks[k-1] = append(l.blocks[k-1], e)
	l.n++
}

// sorted returns every entry gathered, ordered by openDueEntry.before. The list is
// emptied.
func (l *dueList) sorted() []openDueEntry {
	defer func() { l.blocks, l.n = nil, 0 }()
	if l.n == 0 {
		return nil
	}
	if l.n < 1024 || len(l.blocks) == 1 && l.n < 4096 {
		out := make([]openDueEntry, 0, l.n)
		for _, b := range l.blocks {
			out = append(out, b...)
		}
		slices.SortFunc(out, openDueEntry.before)
		return out
	}
	// Which bytes differ, and whether the ids already ascend in the order gathered (a
	// stable sort then keeps them so among equal deadlines).
	first := l.blocks[0][0]
	var dSec, dNsec, dID uint64
	asc := true
	prev := first.id
	for bi, b := range l.blocks {
		for i := range b {
			e := &b[i]
			dSec |= secKey(e) ^ secKey(&first)
			dNsec |= uint64(uint32(e.nsec) ^ uint32(first.nsec))
			dID |= uint64(e.id ^ first.id)
			if (bi > 0 || i > 0) && e.id <= prev {
				asc = false
			}
			prev = e.id
		}
	}
	type pass struct {
		field int // 0 id, 1 nsec, 2 sec
		shift uint
	}
	var passes []pass
	add := func(field int, diff uint64, bytes int) {
		for k := range bytes {
			if diff>>(8*k)&0xff != 0 {
				passes = append(passes, pass{field, uint(8 * k)})
			}
		}
	}
	if !asc {
		add(0, dID, 4)
	}
	add(1, dNsec, 4)
	add(2, dSec, 8)
	src := l.blocks
	a := make([]openDueEntry, l.n)
	if len(passes) == 0 { // one deadline, ids ascending: already in order
		i := 0
		for _, b := range src {
			i += copy(a[i:], b)
		}
		return a
	}
	b := make([]openDueEntry, l.n)
	var count [256]int
	for _, p := range passes {
		key := func(e *openDueEntry) uint64 {
			switch p.field {
			case 0:
				return uint64(e.id) >> p.shift & 0xff
			case 1:
				return uint64(uint32(e.nsec)) >> p.shift & 0xff
			}
			return secKey(e) >> p.shift & 0xff
		}
		clear(count[:])
		for _, blk := range src {
			for i := range blk {
				count[key(&blk[i])]++
			}
		}
		sum := 0
		for i := range count {
			sum, count[i] = sum+count[i], sum
		}
		for _, blk := range src {
			for i := range blk {
				k := key(&blk[i])
				a[count[k]] = blk[i]
				count[k]++
			}
		}
		src = [][]openDueEntry{a}
		a, b = b, a
	}
	return src[0]
}

// secKey is the deadline's second as an unsigned number in the same order.
func secKey(e *openDueEntry) uint64 { return uint64(e.sec) ^ 1<<63 }
