package store

import "iter"

// table holds every summary by case id, in chunks of 1,024 ids. Case ids are handed out
// in order from 1, so the id is the address: no map, no search.
//
// A commit changes a few summaries. A flat list had to be copied whole for each new
// snapshot (800 KB at 100,000 cases); every copy was garbage a moment later, and while
// the collector ran, the writer paid for marking in proportion to what it allocated.
// A table is copied by its spine (one pointer per chunk) and the chunks that change:
// about 9 KB for one summary at 100,000 cases.
type table struct {
	chunks []*chunk // chunks[k] holds ids k·1024+1 … (k+1)·1024; nil: none of them
	n      int      // summaries held
}

const chunkBits = 10

type chunk [1 << chunkBits]*Summary

func slot(id uint32) (k, i int) {
	p := int(id) - 1
	return p >> chunkBits, p & (1<<chunkBits - 1)
}

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
	return t.chunks[k][i]
}

// all yields the summaries newest (highest id) first.
func (t table) all() iter.Seq[*Summary] {
	return func(yield func(*Summary) bool) {
		for k := len(t.chunks) - 1; k >= 0; k-- {
			c := t.chunks[k]
			if c == nil {
				continue
			}
			for i := len(c) - 1; i >= 0; i-- {
				if sm := c[i]; sm != nil && !yield(sm) {
					return
				}
			}
		}
	}
}

// tableEdit makes a new table from an old one without changing it: the spine is copied
// once, and each chunk the first time it changes.
type tableEdit struct {
	t    table
	mine map[int]bool // chunks already copied
}

func (t table) edit() *tableEdit {
	spine := make([]*chunk, len(t.chunks), len(t.chunks)+1)
	copy(spine, t.chunks)
	return &tableEdit{t: table{chunks: spine, n: t.n}, mine: map[int]bool{}}
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
	was, c[i] = c[i], sm
	if was == nil {
		e.t.n++
	}
	return was
}
