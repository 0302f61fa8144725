package search

import (
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// chunk is the number of slots a worker claims at a time (a multiple of 64, so
// chunks of the within-bitmap are whole words).
const chunk = 4096

// hit is a matching doc with its ranking key.
type hit struct {
	score int // sahilm/fuzzy score summed over the terms
	id    uint32
	tier  int8  // worst tier over the terms
	field uint8 // earliest field a term was scored in
}

// better reports whether a ranks before b: tier, score, earlier field, higher id.
func better(a, b *hit) bool {
	if a.tier != b.tier {
		return a.tier > b.tier
	}
	if a.score != b.score {
		return a.score > b.score
	}
	if a.field != b.field {
		return a.field < b.field
	}
	return a.id > b.id
}

func cmpHit(a, b hit) int {
	if better(&a, &b) {
		return -1
	}
	if better(&b, &a) {
		return 1
	}
	return 0
}

func (h *hit) match() Match {
	s := min(max(h.score, -FuzzyScoreLimit), FuzzyScoreLimit)
	switch h.tier {
	case tierExact:
		s += ExactBonus
	case tierPrefix:
		s += PrefixBonus
	}
	return Match{ID: h.id, Score: s}
}

// worker is one scanning goroutine's state; pooled across queries.
type worker struct {
	_     [64]byte // keep workers' hot fields off each other's cache lines
	hits  []hit    // a heap with the worst hit on top while limit > 0, else all hits
	tiers []int8   // per term: its tier in the doc being evaluated
	ends  []int32  // per term: end of its candidates in cands
	cands []cand   // haystacks of the doc being evaluated that passed a term's signature
	total int
	_     [64]byte
}

var workerPool = sync.Pool{New: func() any { return new(worker) }}

var bitmapPool sync.Pool // *[]uint64, all zero when in the pool

// Search ranks docs matching query, best first. Query terms are separated by
// white space and every term must match a field of the doc: as a
// case-insensitive subsequence of the field, of its pinyin or of its pinyin
// initials. Ranking: exact field matches first, then field prefixes, then the
// sahilm/fuzzy score; ties go to the earlier field, then to the higher ID.
//
// within, if non-nil, restricts the search to those ids. To narrow while
// typing, pass every id of the previous query's matches (limit ≤ 0), not just
// the ones shown. A blank query returns nil. limit ≤ 0 means no limit; total
// counts every match either way.
func (ix *Index) Search(query string, within []uint32, limit int) (matches []Match, total int) {
	terms := compile(query)
	if len(terms) == 0 || (within != nil && len(within) == 0) {
		return nil, 0
	}
	s := scan{terms: terms, limit: max(limit, 0)}
	for i := range terms {
		s.all |= terms[i].mask
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s.docs = ix.docs
	if len(s.docs) == 0 {
		return nil, 0
	}
	nChunks := (len(s.docs) + chunk - 1) / chunk
	parallel := runtime.GOMAXPROCS(0)
	if within != nil {
		bm := getBitmap((len(s.docs) + 63) / 64)
		defer putBitmap(bm)
		s.bits = *bm
		n := 0
		for _, id := range within {
			if slot, ok := ix.ids.get(id); ok {
				s.bits[slot>>6] |= 1 << (uint(slot) & 63)
				n++
			}
		}
		if n == 0 {
			return nil, 0
		}
		if n < 2*chunk {
			parallel = 1
		}
	}
	parallel = max(min(parallel, nChunks), 1)

	workers := make([]*worker, parallel)
	for i := range workers {
		w := workerPool.Get().(*worker)
		w.hits, w.total = w.hits[:0], 0
		if cap(w.tiers) < len(terms) || cap(w.ends) < len(terms) {
			// At least 128 bytes: allocations with cache lines of their own.
			w.tiers = make([]int8, len(terms), max(len(terms), 128))
			w.ends = make([]int32, len(terms), max(len(terms), 32))
			w.cands = make([]cand, 0, 64)
		}
		w.tiers, w.ends = w.tiers[:len(terms)], w.ends[:len(terms)]
		workers[i] = w
	}
	defer func() {
		for _, w := range workers {
			workerPool.Put(w)
		}
	}()

	var next atomic.Int64
	run := func(w *worker) {
		for {
			c := int(next.Add(1) - 1)
			if c >= nChunks {
				break
			}
			lo := c * chunk
			s.scanRange(w, lo, min(lo+chunk, len(s.docs)))
		}
		slices.SortFunc(w.hits, cmpHit)
	}
	if parallel == 1 {
		run(workers[0])
	} else {
		var wg sync.WaitGroup
		for _, w := range workers[1:] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(w)
			}()
		}
		run(workers[0])
		wg.Wait()
	}

	// Merge the workers' sorted lists.
	n := 0
	for _, w := range workers {
		total += w.total
		n += len(w.hits)
	}
	if limit > 0 {
		n = min(n, limit)
	}
	if n == 0 {
		return nil, total
	}
	matches = make([]Match, 0, n)
	heads := make([]int, len(workers))
	for len(matches) < n {
		b := -1
		for i, w := range workers {
			if heads[i] < len(w.hits) && (b < 0 || better(&w.hits[heads[i]], &workers[b].hits[heads[b]])) {
				b = i
			}
		}
		matches = append(matches, workers[b].hits[heads[b]].match())
		heads[b]++
	}
	return matches, total
}

func getBitmap(words int) *[]uint64 {
	if v, ok := bitmapPool.Get().(*[]uint64); ok && cap(*v) >= words {
		*v = (*v)[:words]
		return v
	}
	b := make([]uint64, words)
	return &b
}

func putBitmap(b *[]uint64) {
	clear(*b)
	bitmapPool.Put(b)
}

// scan is one query's read-only state, shared by its workers.
type scan struct {
	docs  []slotDoc
	bits  []uint64 // within, as a slot bitmap; nil for all docs
	terms []term
	all   uint64 // union of the terms' signatures
	limit int    // 0: no limit
}

func (s *scan) scanRange(w *worker, lo, hi int) {
	if s.bits == nil {
		docs := s.docs[lo:hi]
		for i := range docs {
			if d := &docs[i]; d.mask&s.all == s.all { // removed slots have mask 0
				s.eval(w, d)
			}
		}
		return
	}
	for wi := lo >> 6; wi < (hi+63)>>6; wi++ {
		for x := s.bits[wi]; x != 0; x &= x - 1 {
			if d := &s.docs[wi<<6+bits.TrailingZeros64(x)]; d.mask&s.all == s.all {
				s.eval(w, d)
			}
		}
	}
}

// eval matches one doc and, when it can make the worker's top list, scores it.
func (s *scan) eval(w *worker, d *slotDoc) {
	w.cands = w.cands[:0]
	docTier := tierExact
	for t := range s.terms {
		tt := w.termTier(d.blob, &s.terms[t])
		if tt == tierNone {
			return
		}
		w.tiers[t] = tt
		w.ends[t] = int32(len(w.cands))
		docTier = min(docTier, tt)
	}
	w.total++
	full := s.limit > 0 && len(w.hits) == s.limit
	if full && docTier < w.hits[0].tier {
		return // cannot beat the worst hit kept
	}
	h := hit{id: d.id, tier: docTier}
	h.score, h.field = w.scoreDoc(d.blob, s.terms)
	switch {
	case s.limit == 0:
		w.hits = append(w.hits, h)
	case !full:
		w.hits = append(w.hits, h)
		heapUp(w.hits, len(w.hits)-1)
	case better(&h, &w.hits[0]):
		w.hits[0] = h
		heapDown(w.hits, 0)
	}
}

// The heap keeps the worst hit at index 0.
func heapUp(h []hit, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !better(&h[p], &h[i]) {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func heapDown(h []hit, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && better(&h[l], &h[r]) {
			m = r
		}
		if !better(&h[i], &h[m]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// cand is a haystack of the doc being evaluated that passed a term's
// signature test, with what is known of it.
type cand struct {
	off  int32 // header offset in the blob
	tier int8  // tierExact, tierPrefix, tierFuzzy (a known match), tierNone (a known miss) or tierUnknown
}

const tierUnknown int8 = -2

// hayAt returns the haystack whose header is at off.
func hayAt(blob string, off int) (h string, field int, kind byte) {
	n := hayLen(blob, off)
	return blob[off+hayHeader : off+hayHeader+n], int(blob[off+10]), blob[off+11]
}

// termTier is the best tier at which t matches any haystack of blob; it
// appends the haystacks that passed the signature test to w.cands.
func (w *worker) termTier(blob string, t *term) int8 {
	start := len(w.cands)
	best := tierNone
	for i := 0; i < len(blob); {
		n := hayLen(blob, i)
		if hayMask(blob, i)&t.mask == t.mask {
			ct := prefixTier(blob[i+hayHeader:i+hayHeader+n], t.pat, blob[i+11]&kindMask != kindRaw)
			if ct == tierNone {
				ct = tierUnknown
				if t.single {
					ct = tierFuzzy
				}
			}
			w.cands = append(w.cands, cand{off: int32(i), tier: ct})
			best = max(best, ct)
		}
		i += hayHeader + n
	}
	if best != tierNone {
		return best
	}
	cs := w.cands[start:]
	for k := range cs {
		h, _, kind := hayAt(blob, int(cs[k].off))
		if subseqHay(h, t.pat, kind) {
			cs[k].tier = tierFuzzy
			return tierFuzzy
		}
		cs[k].tier = tierNone
	}
	return tierNone
}

// scoreDoc sums, over the terms, the best fuzzy score among the haystacks
// matching at the term's tier, and returns the earliest field those came from.
func (w *worker) scoreDoc(blob string, terms []term) (sum int, field uint8) {
	field = maxFields
	start := int32(0)
	for ti := range terms {
		t := &terms[ti]
		tt := w.tiers[ti]
		best, bestField := 0, -1
		for _, c := range w.cands[start:w.ends[ti]] {
			if c.tier != tt && (tt != tierFuzzy || c.tier != tierUnknown) {
				continue
			}
			h, f, kind := hayAt(blob, int(c.off))
			if c.tier == tierUnknown && !subseqHay(h, t.pat, kind) {
				continue
			}
			var sc int
			if kind&hayASCII != 0 {
				sc, _ = fuzzyScoreASCII(h, t.pat)
			} else {
				sc, _ = fuzzyScore(h, t.pat)
			}
			if bestField < 0 || sc > best {
				best, bestField = sc, f
			}
		}
		start = w.ends[ti]
		sum += best
		if bestField >= 0 && uint8(bestField) < field {
			field = uint8(bestField)
		}
	}
	return sum, field
}
