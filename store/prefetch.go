package store

import (
	"os"
	"repairdesk/store/kv"
	"slices"
	"sync"
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
		level = prefetchLevel(f, level, ps, limit)
	}
	return read
}

// prefetchAll reads several buckets ahead at once (see prefetch).
func prefetchAll(tx kv.Tx, buckets ...kv.Bucket) {
	var wg sync.WaitGroup
	for _, b := range buckets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { _ = recover() }() // a hint: it stops on anything unexpected
			prefetch(tx, b)
		}()
	}
	wg.Wait()
}

const maxRun = 64 // pages in one read

// prefetchLevel reads the given pages and returns the children of those that are
// branch pages.
func prefetchLevel(f *os.File, ids []uint64, ps int, limit uint64) []uint64 {
	return readLevel(ids, ps, limit, 8, func(buf []byte, first, n uint64, out []uint64) []uint64 {
		return readRun(f, buf, first, n, ps, limit, out)
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
// them. It reads only the file, and bounds every access; should anything still go
// wrong, it is a hint: the run's children are dropped and the walk goes on (a worker
// that died would leave the sender of the runs waiting for ever).
func readRun(f *os.File, buf []byte, first, n uint64, ps int, limit uint64, out []uint64) []uint64 {
	return readRangeRun(f, buf, first, n, ps, limit, nil, nil, out)
}
