// Package search is the case index behind the console's "/" search: fuzzy
// (sahilm/fuzzy-compatible) matching over case fields, with pinyin and pinyin
// initials for Chinese text, ranked exact > prefix > fuzzy score.
//
// One Index is shared by all sessions of a process. Searches run under a read
// lock and scan the docs with one worker per CPU (GOMAXPROCS). Every doc
// carries rune signatures (64-bit masks of the runes present, per doc and per
// haystack), so a query's required runes rule out most docs and haystacks
// before any text is read; a doc is scored only when its tier and an upper
// bound of its sahilm score say it can enter the top `limit`.
//
// Per field the index keeps the text as written (sahilm's camel-case bonus
// needs the original case), and for Chinese text its toneless pinyin with
// syllables apart ("he nan xin xiu") and its initials ("hnxx"). A doc's
// haystacks are packed into one string (headers first, then texts), and the
// strings of up to 1024 docs share one allocation in slot order.
package search

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Doc is what one case offers to search: its fields in order of importance.
type Doc struct {
	ID     uint32   // the case's internal id
	Fields []string // e.g. case number, enterprise name, credit code, agent name
}

// Match is one search result. Score is higher for better matches and never
// increases along a result list: ExactBonus or PrefixBonus plus the
// sahilm/fuzzy score (summed over the query's terms, clamped to
// ±FuzzyScoreLimit). Equal scores are ordered by earlier field, then higher ID.
type Match struct {
	ID    uint32
	Score int
}

// Index is safe for concurrent use: many readers, occasional writers.
type Index struct {
	mu   sync.RWMutex
	docs []slotDoc
	sums []docSum // beside docs, slot by slot
	free []int32
	ids  idTable
	n    int

	liveBytes, wasteBytes int    // see maybeRepack
	slotGen               uint64 // counts the times a slot was freed (Subset's bitmaps)

	// The slots written lately, for Matches made before them (narrow.go): the
	// index's writes are numbered; changed holds the slots of writes
	// changedFrom..writes-1, oldest first.
	writes, changedFrom uint64
	changed             []int32
}

type slotDoc struct {
	mask  uint64 // union of the haystack signatures
	wide  uint64 // signature of the non-ASCII runes (64 buckets)
	blob  string // packed haystacks, see appendDoc; "" in a free slot
	id    uint32
	first uint32 // signature of the haystacks' first runes (firstBit)
}

// New returns an empty index.
func New() *Index {
	return &Index{}
}

// Len is the number of docs in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.n
}

// Upsert adds docs or replaces the docs with the same IDs (the last one wins
// within one call). Pinyin is computed here, before the write lock is taken.
func (ix *Index) Upsert(docs ...Doc) {
	if len(docs) == 0 {
		return
	}
	enc, sums := encodeBatch(docs)

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if len(ix.docs) == 0 {
		// The first load: the encoded slots become the index's (each is moved to a
		// place at or before its own), instead of a copy beside them.
		ix.docs, ix.sums = enc[:0], sums[:0]
	}
	if grow := len(enc) - len(ix.free); grow > 0 {
		ix.docs = slices.Grow(ix.docs, grow)
		ix.sums = slices.Grow(ix.sums, grow)
	}
	added := 0
	for i := range enc {
		id := enc[i].id
		added += len(enc[i].blob)
		if slot, ok := ix.ids.get(id); ok {
			ix.drop(slot)
			ix.docs[slot], ix.sums[slot] = enc[i], sums[i]
			ix.wrote(slot)
			continue
		}
		var slot int32
		if k := len(ix.free); k > 0 {
			slot = ix.free[k-1]
			ix.free = ix.free[:k-1]
			ix.docs[slot], ix.sums[slot] = enc[i], sums[i]
		} else {
			slot = int32(len(ix.docs))
			ix.docs = append(ix.docs, enc[i])
			ix.sums = append(ix.sums, sums[i])
		}
		ix.ids.set(id, slot, ix.n+1)
		ix.n++
		ix.wrote(slot)
	}
	ix.liveBytes += added
	if len(docs) < packDocs/4 {
		ix.wasteBytes += added // small packs scatter the docs over the heap
	}
	ix.maybeRepack()
}

// Remove deletes the doc with this id, if any.
func (ix *Index) Remove(id uint32) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	slot, ok := ix.ids.get(id)
	if !ok {
		return
	}
	ix.ids.del(id)
	ix.drop(slot)
	ix.docs[slot], ix.sums[slot] = slotDoc{}, docSum{}
	ix.wrote(slot)
	ix.free = append(ix.free, slot)
	ix.slotGen++
	ix.n--
	ix.maybeRepack()
}

// drop accounts for the blob of a slot about to be overwritten.
func (ix *Index) drop(slot int32) {
	n := len(ix.docs[slot].blob)
	ix.liveBytes -= n
	ix.wasteBytes += n
}

// Blobs live in shared pack strings of up to packDocs docs, in slot order, so
// a scan reads memory sequentially. A pack stays allocated while any of its
// docs is live; when replaced/removed blobs (and blobs from small upserts)
// exceed 1/8 of the live bytes, all blobs are repacked.
const packDocs = 1024

func (ix *Index) maybeRepack() {
	if ix.wasteBytes <= ix.liveBytes/8+1<<20 {
		return
	}
	var buf []byte
	var slots []int32
	flush := func() {
		pack := string(buf)
		off := 0
		for _, s := range slots {
			n := len(ix.docs[s].blob)
			ix.docs[s].blob = pack[off : off+n]
			off += n
		}
		buf, slots = buf[:0], slots[:0]
	}
	for s := range ix.docs {
		if d := &ix.docs[s]; d.blob != "" {
			buf = append(buf, d.blob...)
			slots = append(slots, int32(s))
			if len(slots) == packDocs {
				flush()
			}
		}
	}
	flush()
	ix.wasteBytes = 0
}

// encodeBatch encodes docs (in parallel for large batches) into packs.
func encodeBatch(docs []Doc) ([]slotDoc, []docSum) {
	enc := make([]slotDoc, len(docs))
	sums := make([]docSum, len(docs))
	packs := (len(docs) + packDocs - 1) / packDocs
	var next atomic.Int64
	work := func() {
		var e encoder
		var buf []byte
		ends := make([]int, 0, packDocs)
		for {
			p := int(next.Add(1) - 1)
			if p >= packs {
				return
			}
			lo, hi := p*packDocs, min((p+1)*packDocs, len(docs))
			buf, ends = buf[:0], ends[:0]
			for i := lo; i < hi; i++ {
				var sig docSig
				buf, sig = e.appendDoc(buf, docs[i])
				ends = append(ends, len(buf))
				enc[i] = slotDoc{mask: sig.mask, wide: sig.wide, id: docs[i].ID, first: sig.first}
				sums[i] = sig.sum
			}
			pack, start := string(buf), 0
			for k, end := range ends {
				enc[lo+k].blob = pack[start:end]
				start = end
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), packs)
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
	return enc, sums
}

// idTable maps ids to slots: a dense slice for the (usual) small sequential
// ids, a map for ids far beyond the doc count.
type idTable struct {
	dense  []int32 // id -> slot+1; 0 means absent
	sparse map[uint32]int32
}

func (t *idTable) get(id uint32) (int32, bool) {
	if uint64(id) < uint64(len(t.dense)) {
		s := t.dense[id]
		return s - 1, s != 0
	}
	s, ok := t.sparse[id]
	return s, ok
}

func (t *idTable) set(id uint32, slot int32, count int) {
	if uint64(id) >= uint64(len(t.dense)) {
		if limit := 2*uint64(count) + 1<<16; uint64(id) < limit {
			n := min(max(uint64(id)+1, 2*uint64(len(t.dense))), limit)
			grown := make([]int32, n)
			copy(grown, t.dense)
			t.dense = grown
			for sid, s := range t.sparse {
				if uint64(sid) < n {
					t.dense[sid] = s + 1
					delete(t.sparse, sid)
				}
			}
		}
	}
	if uint64(id) < uint64(len(t.dense)) {
		t.dense[id] = slot + 1
		return
	}
	if t.sparse == nil {
		t.sparse = make(map[uint32]int32)
	}
	t.sparse[id] = slot
}

func (t *idTable) del(id uint32) {
	if uint64(id) < uint64(len(t.dense)) {
		t.dense[id] = 0
		return
	}
	delete(t.sparse, id)
}
