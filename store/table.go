package store

import "iter"

// table holds every summary by case id, in chunks of 1,024 ids, each cut in leaves of
// 64. Case ids are handed out in order from 1, so the id is the address: no map, no
// search.
//
// A commit changes a few summaries. A flat list had to be copied whole for each new
// snapshot (800 KB at 100,000 cases); every copy was garbage a moment later, and while
// the collector ran, the writer paid for marking in proportion to what it allocated.
// A table is copied by its spine (one pointer per chunk), and for each summary that
// changes by its chunk (16 pointers) and its leaf (64): about 1.5 KB for one summary at
// 100,000 cases. With chunks of 1,024 pointers and no leaves a summary's change copied
// 8 KB, and a group commit of 25 actions 200 KB on each node (the committing one and the
// one following it): a fifth of what the closed loop allocated, whose collections slowed
// the commits under way (BENCHMARKS.md, "The closed loop's tail, round twelve").
type table struct {
	chunks []*chunk // chunks[k] holds ids k·1024+1 … (k+1)·1024; nil: none of them
	n      int      // summaries held
}

const (
	chunkBits = 10
	leafBits  = 6
)

type chunk [1 << (chunkBits - leafBits)]*leaf

type leaf [1 << leafBits]*Summary

func slot(id uint32) (k, i int) {
	p := int(id) - 1
	return p >> chunkBits, p & (1<<chunkBits - 1)
}

// at is the leaf of a chunk that holds slot i, and the place in it.
func at(i int) (j, l int) { return i >> leafBits, i & (1<<leafBits - 1) }

// tableOf files the summaries by id (ids above 0; a later one replaces an earlier).
func tableOf(list []*Summary) table {
	e := table{}.edit()
	for _, sm := range list {
		e.put(sm)
	}
	return e.t
}

func (t table) get(id uint32) *Summary {
	if id == 0 {
		return nil
	}
	k, i := slot(id)
	if k >= len(t.chunks) || t.chunks[k] == nil {
		return nil
	}
	j, l := at(i)
	if lf := t.chunks[k][j]; lf != nil {
		return lf[l]
	}
	return nil
}

// all yields the summaries newest (highest id) first.
func (t table) all() iter.Seq[*Summary] {
	return func(yield func(*Summary) bool) {
		for k := len(t.chunks) - 1; k >= 0; k-- {
			c := t.chunks[k]
			if c == nil {
				continue
			}
			for j := len(c) - 1; j >= 0; j-- {
				lf := c[j]
				if lf == nil {
					continue
				}
				for i := len(lf) - 1; i >= 0; i-- {
					if sm := lf[i]; sm != nil && !yield(sm) {
						return
					}
				}
			}
		}
	}
}

// tableEdit makes a new table from an old one without changing it: the spine is copied
// once, and each chunk and leaf the first time it changes.
type tableEdit struct {
	t      table
	mine   map[int]bool // chunks already copied
	leaves map[int]bool // leaves already copied, by k<<(chunkBits-leafBits) | j
}

func (t table) edit() *tableEdit {
	spine := make([]*chunk, len(t.chunks), len(t.chunks)+1)
	copy(spine, t.chunks)
	return &tableEdit{t: table{chunks: spine, n: t.n}, mine: map[int]bool{}, leaves: map[int]bool{}}
}

// put files sm under its id and returns the summary it replaced (nil: a new id).
func (e *tableEdit) put(sm *Summary) (was *Summary) {
	if sm.ID == 0 {
		return nil
	}
	k, i := slot(sm.ID)
	for len(e.t.chunks) <= k {
		e.t.chunks = append(e.t.chunks, nil)
	}
	c := e.t.chunks[k]
	if !e.mine[k] {
		nc := new(chunk)
		if c != nil {
			*nc = *c
		}
		c, e.t.chunks[k], e.mine[k] = nc, nc, true
	}
	j, l := at(i)
	lf := c[j]
	if key := k<<(chunkBits-leafBits) | j; !e.leaves[key] {
		nl := new(leaf)
		if lf != nil {
			*nl = *lf
		}
		lf, c[j], e.leaves[key] = nl, nl, true
	}
	was, lf[l] = lf[l], sm
	if was == nil {
		e.t.n++
	}
	return was
}
