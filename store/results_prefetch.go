package store

import (
	"bytes"
	"encoding/binary"
	"os"

	"repairdesk/store/kv"
)

// prefetchRange reads ahead the pages of bucket kb that hold keys in [lo, hi): the
// branch pages on the way down and the leaves, level by level, in runs of adjacent
// pages and several runs at once (see prefetch, which reads a whole bucket this way).
// A period of the results table is a few hundred pages of a much larger bucket; faulted
// in by the cursor one 4 KiB page at a time (bbolt maps with MADV_RANDOM) they were most
// of a dashboard opened in a cold process. A hint only: anything unexpected ends it.
func prefetchRange(ktx kv.Tx, kb kv.Bucket, lo, hi []byte) (read []uint64) {
	defer func() { _ = recover() }()
	tx, ok := kv.BoltTx(ktx)
	b, ok2 := kv.BoltBucket(kb)
	if !ok || !ok2 {
		return nil
	}
	root := uint64(b.Root())
	if root == 0 {
		return nil
	}
	db := tx.DB()
	ps := db.Info().PageSize
	if ps < 512 {
		return nil
	}
	limit := uint64(tx.Size()) / uint64(ps)
	f, err := os.Open(db.Path())
	if err != nil {
		return nil
	}
	defer f.Close()
	level := []uint64{root}
	for depth := 0; len(level) > 0 && depth < 32 && uint64(len(read)) <= limit; depth++ {
		read = append(read, level...)
		level = prefetchRangeLevel(f, level, ps, limit, lo, hi)
	}
	return read
}

// prefetchRangeLevel reads the given pages and returns the children, among those of
// the branch pages, whose keys may lie in [lo, hi).
func prefetchRangeLevel(f *os.File, ids []uint64, ps int, limit uint64, lo, hi []byte) []uint64 {
	return readLevel(ids, ps, limit, 4, func(buf []byte, first, n uint64, out []uint64) []uint64 {
		return readRangeRun(f, buf, first, n, ps, limit, lo, hi, nil, out)
	})
}

// readRangeRun reads n pages from first and appends the children, among those of the
// branch pages, whose keys may lie in [lo, hi) (nil: all); with sound, it marks there the
// leaf pages among them that are sound (leafSound). A hint: should anything go wrong,
// the run's children are dropped.
func readRangeRun(f *os.File, buf []byte, first, n uint64, ps int, limit uint64, lo, hi []byte, sound *soundLeaves, out []uint64) (res []uint64) {
	defer func() {
		if recover() != nil {
			res = out
		}
	}()
	got, _ := f.ReadAt(buf[:int(n)*ps], int64(first)*int64(ps))
	res = out
	for off := 0; off+ps <= got; off += ps {
		id, p := first+uint64(off/ps), buf[off:off+ps]
		res = branchChildrenIn(p, ps, limit, f, id, lo, hi, res)
		if sound != nil && id < limit && leafSound(p, id) {
			sound.mark(id)
		}
	}
	return res
}

// branchChildrenIn appends the children of a branch page whose keys may lie in [lo, hi)
// (nil: no bound): child i holds the keys from its element's key up to the next
// element's. The page is read again in full when it overflows into further pages.
func branchChildrenIn(p []byte, ps int, limit uint64, f *os.File, id uint64, lo, hi []byte, out []uint64) []uint64 {
	ne := binary.NativeEndian
	if ne.Uint64(p[0:]) != id || ne.Uint16(p[8:]) != branchFlag {
		return out
	}
	count := int(ne.Uint16(p[10:]))
	if over := ne.Uint32(p[12:]); over > 0 {
		if over > 1024 || id+uint64(over) >= limit {
			return out
		}
		full := make([]byte, (int(over)+1)*ps)
		if n, _ := f.ReadAt(full, int64(id)*int64(ps)); n < len(full) {
			return out
		}
		p = full
	}
	if pageHeader+count*branchElement > len(p) {
		return out
	}
	key := func(i int) []byte {
		e := pageHeader + i*branchElement
		pos, size := int(ne.Uint32(p[e:])), int(ne.Uint32(p[e+4:]))
		if e+pos+size > len(p) || pos < 0 || size < 0 {
			return nil
		}
		return p[e+pos : e+pos+size]
	}
	for i := range count {
		if hi != nil {
			if k := key(i); k == nil || bytes.Compare(k, hi) >= 0 {
				break // this child and those after start at or after hi
			}
		}
		if lo != nil && i+1 < count {
			if next := key(i + 1); next != nil && bytes.Compare(next, lo) <= 0 {
				continue // this child ends before lo
			}
		}
		child := ne.Uint64(p[pageHeader+i*branchElement+8:])
		if child < limit {
			out = append(out, child)
		}
	}
	return out
}
