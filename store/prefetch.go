package store

import (
	"bytes"
	"encoding/binary"
	"os"
	"repairdesk/store/kv"
	"slices"
	"sync"
	"sync/atomic"
)

// prefetch reads a bucket's pages into the page cache, many at a time, before a cursor
// walks it.
//
// bbolt maps the file with MADV_RANDOM, so a cursor over pages that are not cached
// faults them in one 4 KiB page at a time, each a synchronous read. The summaries of
// 100,000 cases are about 5,000 pages in a few hundred runs spread over the whole file
// (pages are rewritten where the freelist has room), and faulting them in one by one
// took 350–480 ms of a cold start. Read level by level, in runs of adjacent pages and
// several runs at once, the same pages take 30–60 ms.
//
// Only the bbolt page header and branch elements are read (file format 2: a 16-byte
// header of id, flags, count and overflow, then 16-byte branch elements ending with the
// child's page id). It is a hint: anything unexpected ends it, and the cursor that
// follows reads what it needs either way. Nothing here touches the mapped memory.
//
// It returns the pages it read, for tests.
func prefetch(ktx kv.Tx, kb kv.Bucket) (read []uint64) {
	return prefetchMarking(ktx, kb, nil)
}

// prefetchMarking is prefetch that also marks in sound the leaf pages it read and found
// sound (leafSound); sound nil: none are marked.
func prefetchMarking(ktx kv.Tx, kb kv.Bucket, sound *soundLeaves) (read []uint64) {
	tx, ok := kv.BoltTx(ktx)
	b, ok2 := kv.BoltBucket(kb)
	if !ok || !ok2 {
		return nil // PostgreSQL reads its own pages
	}
	root := uint64(b.Root())
	if root == 0 { // inline bucket: its data is in the parent's page
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
	// A damaged tree may loop: no walk reads more pages than the file has.
	for depth := 0; len(level) > 0 && depth < 32 && uint64(len(read)) <= limit; depth++ {
		read = append(read, level...)
		level = prefetchLevel(f, level, ps, limit, sound)
	}
	return read
}

// prefetchAll reads several buckets ahead at once (see prefetch).
func prefetchAll(tx kv.Tx, buckets ...kv.Bucket) {
	prefetchAllMarking(tx, nil, buckets...)
}

// prefetchAllMarking is prefetchAll marking the sound leaves it read (prefetchMarking).
func prefetchAllMarking(tx kv.Tx, sound *soundLeaves, buckets ...kv.Bucket) {
	var wg sync.WaitGroup
	for _, b := range buckets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { _ = recover() }() // a hint: it stops on anything unexpected
			prefetchMarking(tx, b, sound)
		}()
	}
	wg.Wait()
}

const maxRun = 64 // pages in one read

// prefetchLevel reads the given pages and returns the children of those that are
// branch pages.
func prefetchLevel(f *os.File, ids []uint64, ps int, limit uint64, sound *soundLeaves) []uint64 {
	return readLevel(ids, ps, limit, 8, func(buf []byte, first, n uint64, out []uint64) []uint64 {
		return readRun(f, buf, first, n, ps, limit, sound, out)
	})
}

// readLevel reads the pages ids (those below limit) in runs of up to maxRun consecutive
// pages, on up to workers goroutines; read handles one run in buf and appends the next
// level's page ids to out. It returns what they all appended.
func readLevel(ids []uint64, ps int, limit uint64, workers int, read func(buf []byte, first, n uint64, out []uint64) []uint64) []uint64 {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	type run struct{ first, n uint64 }
	var runs []run
	for _, id := range ids {
		if id >= limit {
			continue
		}
		if k := len(runs) - 1; k >= 0 && runs[k].first+runs[k].n == id && runs[k].n < maxRun {
			runs[k].n++
			continue
		}
		runs = append(runs, run{id, 1})
	}
	var (
		mu       sync.Mutex
		children []uint64
		wg       sync.WaitGroup
		next     = make(chan run)
	)
	for range min(workers, len(runs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, maxRun*ps)
			var mine []uint64
			for r := range next {
				mine = read(buf, r.first, r.n, mine)
			}
			mu.Lock()
			children = append(children, mine...)
			mu.Unlock()
		}()
	}
	for _, r := range runs {
		next <- r
	}
	close(next)
	wg.Wait()
	return children
}

// readRun reads n pages from first and appends the children of the branch pages among
// them; with sound, it marks there the leaf pages among them that are sound (leafSound).
// It reads only the file, and bounds every access; should anything still go wrong, it
// is a hint: the run's children are dropped and the walk goes on (a worker that died
// would leave the sender of the runs waiting for ever).
func readRun(f *os.File, buf []byte, first, n uint64, ps int, limit uint64, sound *soundLeaves, out []uint64) []uint64 {
	return readRangeRun(f, buf, first, n, ps, limit, nil, nil, sound, out)
}

// soundLeaves is, for each page of the file, whether Check's read-ahead found it a sound
// leaf page (leafSound). Its structure scan then takes such a page as checked instead of
// reading it from the file again: the leaves are most of the pages, and the scan read
// them all a second time, on one core, before any case could be verified.
type soundLeaves struct{ bits []atomic.Uint64 }

func newSoundLeaves(pages uint64) *soundLeaves {
	return &soundLeaves{bits: make([]atomic.Uint64, (pages+63)/64)}
}

func (m *soundLeaves) mark(id uint64) {
	if id/64 < uint64(len(m.bits)) {
		m.bits[id/64].Or(1 << (id % 64))
	}
}

func (m *soundLeaves) has(id uint64) bool {
	return m != nil && id/64 < uint64(len(m.bits)) && m.bits[id/64].Load()&(1<<(id%64)) != 0
}

// leafSound reports whether p, page id as read from the file, is a leaf page the
// structure scan would find nothing wrong with and nothing under (scanner.read and
// scanner.elements): it says it is page id, it is a leaf of one page (no overflow),
// its elements fit in it, each is a plain value (not a sub-bucket, which the scan must
// walk into, nor damaged flags), each key and value lies inside the page, and the keys
// ascend strictly. Anything else is left for the scan to read and judge as before.
func leafSound(p []byte, id uint64) bool {
	ne := binary.NativeEndian
	if len(p) < pageHeader || ne.Uint64(p) != id || ne.Uint16(p[8:]) != leafFlag || ne.Uint32(p[12:]) != 0 {
		return false
	}
	count := int(ne.Uint16(p[10:]))
	if pageHeader+count*leafElement > len(p) {
		return false
	}
	var prev []byte
	for i := range count {
		off := pageHeader + i*leafElement
		e := p[off : off+leafElement]
		if ne.Uint32(e) != 0 {
			return false
		}
		pos, ksize, vsize := uint64(ne.Uint32(e[4:])), uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
		if uint64(off)+pos+ksize+vsize > uint64(len(p)) {
			return false
		}
		k := p[uint64(off)+pos : uint64(off)+pos+ksize]
		if i > 0 && bytes.Compare(prev, k) >= 0 {
			return false
		}
		prev = k
	}
	return true
}
