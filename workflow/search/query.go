package search

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// chunk is the number of slots a worker claims at a time (a multiple of 64, so
// chunks of the within-bitmap are whole words).
const chunk = 4096

// hit is a matching doc's ranking key, packed so that a smaller key ranks
// first: hi holds the tier and the (biased) score, lo the field and the id.
type hit struct{ hi, lo uint64 }

const scoreBias = 1 << 61

func makeHit(tier int8, score int, field uint8, id uint32) hit {
	score = min(max(score, -scoreBias), scoreBias-1)
	return hit{
		hi: ^(uint64(tier+1)<<62 | uint64(score+scoreBias)),
		lo: ^(uint64(maxFields-field)<<32 | uint64(id)),
	}
}

func (h *hit) tier() int8 { return int8(^h.hi>>62) - 1 }

// better reports whether a ranks before b: tier, score, earlier field, higher id.
func better(a, b *hit) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

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
	s := int(^h.hi&(1<<62-1)) - scoreBias
	s = min(max(s, -FuzzyScoreLimit), FuzzyScoreLimit)
	switch h.tier() {
	case tierExact:
		s += ExactBonus
	case tierPrefix:
		s += PrefixBonus
	}
	return Match{ID: uint32(^h.lo), Score: s}
}

// sortHits sorts best first: an LSD radix sort over the bytes of lo (field,
// id) that differ, then over a compacted (tier, score) key. tmp is scratch
// space, returned for reuse.
func sortHits(h, tmp []hit) []hit {
	if len(h) < 256 {
		slices.SortFunc(h, cmpHit)
		return tmp
	}
	const scoreMask = 1<<62 - 1
	var diffLo uint64
	minS, maxS := uint64(scoreMask), uint64(0)
	for i := range h {
		diffLo |= h[i].lo ^ h[0].lo
		s := ^h[i].hi & scoreMask
		minS, maxS = min(minS, s), max(maxS, s)
	}
	// (tier, score) as (3-tier)<<nb | (maxS-score): small, and smaller is better.
	nb := uint(64 - bits.LeadingZeros64(maxS-minS))
	hiKey := func(x *hit) uint64 {
		t := ^x.hi >> 62
		return (3-t)<<nb | (maxS - ^x.hi&scoreMask)
	}
	hiBytes := (nb + 2 + 7) / 8
	if cap(tmp) < len(h) {
		tmp = make([]hit, len(h))
	}
	src, dst := h, tmp[:len(h)]
	var count [256]int
	for pass := range 8 + int(hiBytes) {
		hiPass := pass >= 8
		shift := uint(pass%8) * 8
		if !hiPass && (diffLo>>shift)&0xff == 0 {
			continue
		}
		clear(count[:])
		for i := range src {
			k := src[i].lo
			if hiPass {
				k = hiKey(&src[i])
			}
			count[(k>>shift)&0xff]++
		}
		sum := 0
		for i := range count {
			sum, count[i] = sum+count[i], sum
		}
		for i := range src {
			k := src[i].lo
			if hiPass {
				k = hiKey(&src[i])
			}
			b := (k >> shift) & 0xff
			dst[count[b]] = src[i]
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &h[0] {
		copy(h, src)
	}
	return tmp
}

// worker is one scanning goroutine's state; pooled across queries.
type worker struct {
	_     [64]byte // keep workers' hot fields off each other's cache lines
	hits  []hit    // a heap with the worst hit on top while limit > 0, else all hits
	tmp   []hit    // scratch for sortHits
	tiers []int8   // per term: its tier in the doc being evaluated
	ends  []int32  // per term: end of its candidates in cands
	cands []cand   // haystacks of the doc being evaluated that passed a term's signature
	total int
	// Bound checks in the current window of 256, how many pruned, and how
	// many docs to go without them.
	tries, pruned, boundSkip int
	quick, full              int // docs decided from their summaries (prefix.go), docs evaluated in full
	// quick's tries in the current window of 256, how many read no text, and how many
	// docs to go without it.
	qTries, qSaved, qSkip int
	_                     [64]byte
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
	return ix.search(query, within, nil, limit)
}

// SearchIn is Search within a Subset: the same results as Search with the subset's ids,
// without looking the ids up again at every keystroke. A nil subset is every doc.
func (ix *Index) SearchIn(query string, sub *Subset, limit int) (matches []Match, total int) {
	return ix.search(query, nil, sub, limit)
}

func (ix *Index) search(query string, within []uint32, sub *Subset, limit int) (matches []Match, total int) {
	matches, total, _ = ix.searchAll(searchReq{query: query, within: within, sub: sub, limit: limit, rank: true})
	return matches, total
}

// searchReq is one search: its query and scope (within or sub), and what it keeps.
type searchReq struct {
	query  string
	within []uint32
	sub    *Subset
	limit  int
	prev   []*Matches // narrow within the first of these that applies (narrow.go)
	have   *Matches   // count only: this query's matches in a scope, found already
	keep   bool       // return the set of every match (a *Matches)
	rank   bool       // false: count only (no Match list)
	counts []*Subset  // count only: count the matches in each of these (nil: every doc)
	except [][]uint32 // count only: ids not counted (counted elsewhere)
	out    []int      // count only: the counts, one per subset of counts
	stats  *scanStats // if set, gets how the docs were decided (tests)
}

// scanStats is how a search decided its docs: from their slots alone (prefix.go), or
// by reading their text.
type scanStats struct{ quick, full int }

// searchAll runs a searchReq. With keep it returns the set of all matches; with counts
// (and rank false) their number in each subset instead of a Match list.
func (ix *Index) searchAll(r searchReq) (matches []Match, total int, kept *Matches) {
	terms := compile(r.query)
	if len(terms) == 0 || (r.within != nil && len(r.within) == 0) || (r.sub != nil && len(r.sub.IDs()) == 0) {
		return nil, 0, nil
	}
	limit := r.limit
	if !r.rank {
		limit = 0
	}
	s := scan{terms: terms, limit: max(limit, 0), countOnly: !r.rank}
	s.singles = true
	for i := range terms {
		s.all |= terms[i].mask
		s.allWide |= terms[i].wide
		s.singles = s.singles && terms[i].single
		s.firsts |= firstBit(canon(terms[i].pat[0].o[0]))
	}
	s.maskDecides = s.countOnly && s.singles
	s.preparePrefix()

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s.docs, s.sums = ix.docs, ix.sums
	words := (len(s.docs) + 63) / 64
	if r.keep {
		kept = &Matches{ix: ix, query: r.query, writes: ix.writes, scope: r.sub, all: r.sub == nil && r.within == nil}
		if r.within != nil {
			kept = nil // a list of ids is no scope a later search can name
		}
	}
	if len(s.docs) == 0 {
		if kept != nil {
			kept.bits = []uint64{}
		}
		return nil, 0, kept
	}
	if kept != nil {
		kept.bits = make([]uint64, words)
		s.keep = kept.bits
	}
	nChunks := (len(s.docs) + chunk - 1) / chunk
	parallel := runtime.GOMAXPROCS(0)
	var subBits []uint64
	if r.sub != nil {
		bits, n := r.sub.bitsFor(ix)
		if n == 0 {
			return nil, 0, kept
		}
		s.bits, subBits = bits, bits
		if n < 2*chunk {
			parallel = 1
		}
	} else if r.within != nil {
		bm := getBitmap(words)
		defer putBitmap(bm)
		s.bits = *bm
		n := 0
		for _, id := range r.within {
			if slot, ok := ix.ids.get(id); ok {
				s.bits[slot>>6] |= 1 << (uint(slot) & 63)
				n++
			}
		}
		if n == 0 {
			return nil, 0, nil
		}
		if n < 2*chunk {
			parallel = 1
		}
	}
	have := r.have
	if r.rank || kept == nil || !ix.usableHave(have, r.query) {
		have = nil
	}
	if p := ix.narrowFrom(r.prev, r.query, r.sub); p != nil {
		// Only the previous query's matches can match a query that narrows it (and the
		// docs written since): scan those.
		bm := getBitmap(words)
		defer putBitmap(bm)
		cand := *bm
		copy(cand, p.bits)
		for _, slot := range ix.changed[p.writes-ix.changedFrom:] {
			cand[slot>>6] |= 1 << (uint(slot) & 63)
		}
		n := 0
		for i := range cand {
			if subBits != nil {
				cand[i] &= subBits[i]
			}
			n += bits.OnesCount64(cand[i])
		}
		s.bits = cand
		parallel = runtime.GOMAXPROCS(0)
		if n < 2*chunk {
			parallel = 1
		}
		if n == 0 && have == nil {
			return nil, 0, kept
		}
	}
	if have != nil {
		// The matches in have's scope are known: scan the rest, and the slots written
		// since have was made (their bits are worked out again).
		bm := getBitmap(words)
		defer putBitmap(bm)
		cand := *bm
		switch {
		case have.all:
		case s.bits != nil:
			copy(cand, s.bits)
		default:
			for i := range cand {
				cand[i] = ^uint64(0)
			}
			if tail := len(s.docs) % 64; tail != 0 {
				cand[len(cand)-1] = 1<<tail - 1
			}
		}
		if !have.all {
			scope, _ := have.scope.bitsFor(ix)
			for i := range min(len(cand), len(scope)) {
				cand[i] &^= scope[i]
			}
		}
		copy(kept.bits, have.bits)
		for _, slot := range ix.changed[have.writes-ix.changedFrom:] {
			kept.bits[slot>>6] &^= 1 << (uint(slot) & 63)
			cand[slot>>6] |= 1 << (uint(slot) & 63)
		}
		n := 0
		for _, x := range cand {
			n += bits.OnesCount64(x)
		}
		s.bits = cand
		parallel = runtime.GOMAXPROCS(0)
		if n < 2*chunk {
			parallel = 1
		}
	}
	parallel = max(min(parallel, nChunks), 1)

	workers := make([]*worker, parallel)
	for i := range workers {
		w := workerPool.Get().(*worker)
		w.hits, w.total, w.tries, w.pruned, w.boundSkip = w.hits[:0], 0, 0, 0, 0
		w.quick, w.full, w.qTries, w.qSaved, w.qSkip = 0, 0, 0, 0, 0
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

	highFirst := highIDsFirst(s.docs)
	var next atomic.Int64
	run := func(w *worker) {
		for {
			c := int(next.Add(1) - 1)
			if c >= nChunks {
				break
			}
			// Chunks in the order that meets the higher ids first, each in memory
			// order: among equal scores the higher id wins, so later chunks rarely
			// displace a kept hit (and are rarely read, prefix.go).
			lo := (nChunks - 1 - c) * chunk
			if highFirst {
				lo = c * chunk
			}
			s.scanRange(w, lo, min(lo+chunk, len(s.docs)))
		}
		w.tmp = sortHits(w.hits, w.tmp)
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
		if r.stats != nil {
			r.stats.quick += w.quick
			r.stats.full += w.full
		}
	}
	if have != nil { // the matches scanned, and have's
		total = 0
		for _, x := range kept.bits {
			total += bits.OnesCount64(x)
		}
	}
	if kept != nil {
		kept.n = total
	}
	if !r.rank {
		if r.out != nil {
			ix.countIn(kept.bits, r)
		}
		return nil, total, kept
	}
	if limit > 0 {
		n = min(n, limit)
	}
	if n == 0 {
		return nil, total, kept
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
	return matches, total, kept
}

// Subset is a set of ids prepared for repeated searches within it (the rows of a tab,
// searched at every keystroke): their slots are looked up once, not per search. It is
// safe for concurrent use; the ids must not change after NewSubset.
type Subset struct {
	mu      sync.Mutex
	load    func() []uint32 // makes ids on first use (LazySubset); nil once made
	ids     []uint32
	ix      *Index
	gen     uint64   // the index's slot generation the bitmap was made for
	docsLen int      // len(ix.docs) then
	bits    []uint64 // never changed once made: searches may be reading it
	n       int      // ids found in the index
	idBits  []uint64 // bit id set for each id (Has); made on first use, never changed
}

// IDSet is a set of case ids as a bitmap: bit id is set for each member. Read only.
type IDSet []uint64

// Has reports whether id is in the set.
func (s IDSet) Has(id uint32) bool {
	w := int(id >> 6)
	return w < len(s) && s[w]&(1<<(id&63)) != 0
}

// Set is the subset's ids as a bitmap, made on first use (one pass over the ids) and
// kept: asking whether a few cases are in a tab of 600,000 then costs a few, not the tab.
func (sb *Subset) Set() IDSet {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.idBits == nil {
		ids := sb.idsLocked()
		var hi uint32
		for _, id := range ids {
			hi = max(hi, id)
		}
		bits := make([]uint64, int(hi>>6)+1)
		for _, id := range ids {
			bits[id>>6] |= 1 << (id & 63)
		}
		sb.idBits = bits
	}
	return sb.idBits
}

// NewSubset prepares ids for SearchIn.
func NewSubset(ids []uint32) *Subset { return &Subset{ids: ids} }

// LazySubset is a subset whose ids load lists on first use, on whichever goroutine uses it
// first (a search, off the console's loop), not when it is made: listing the ids of a tab
// of hundreds of thousands of cases is work a keystroke should not wait for. load must
// read only data that does not change (a copy of the rows, a snapshot), and is called once.
func LazySubset(load func() []uint32) *Subset { return &Subset{load: load} }

// IDs is the subset's ids (made by load the first time, for a LazySubset). Read only.
func (sb *Subset) IDs() []uint32 {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.idsLocked()
}

func (sb *Subset) idsLocked() []uint32 {
	if sb.load != nil {
		sb.ids, sb.load = sb.load(), nil
	}
	return sb.ids
}

// bitsFor returns the subset's slot bitmap for ix, made again when slots were freed since
// (a slot may now hold another id), or when ids not yet indexed then may be now. The
// caller holds ix.mu for reading.
func (sb *Subset) bitsFor(ix *Index) ([]uint64, int) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	ids := sb.idsLocked()
	words := (len(ix.docs) + 63) / 64
	stale := sb.ix != ix || sb.gen != ix.slotGen || (sb.n < len(ids) && sb.docsLen != len(ix.docs))
	switch {
	case sb.bits == nil || stale:
		bits := make([]uint64, words)
		n := 0
		for _, id := range ids {
			if slot, ok := ix.ids.get(id); ok {
				bits[slot>>6] |= 1 << (uint(slot) & 63)
				n++
			}
		}
		sb.ix, sb.gen, sb.docsLen, sb.bits, sb.n = ix, ix.slotGen, len(ix.docs), bits, n
	case len(sb.bits) < words: // docs were added: not ours, but the scan reads that far
		bits := make([]uint64, words)
		copy(bits, sb.bits)
		sb.bits, sb.docsLen = bits, len(ix.docs)
	}
	return sb.bits, sb.n
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

// highIDsFirst reports whether the docs' slots run from high ids to low ones: the store
// indexes its cases newest (highest id) first, docs upserted one by one in the order of
// their ids lie the other way. It compares the first and the last live slot.
func highIDsFirst(docs []slotDoc) bool {
	i, j := 0, len(docs)-1
	for i < j && docs[i].blob == "" {
		i++
	}
	for j > i && docs[j].blob == "" {
		j--
	}
	return i < j && docs[i].id > docs[j].id
}

// scan is one query's read-only state, shared by its workers.
type scan struct {
	docs    []slotDoc
	sums    []docSum // beside docs
	bits    []uint64 // within, as a slot bitmap; nil for all docs
	terms   []term
	all     uint64 // union of the terms' signatures
	allWide uint64 // and of their non-ASCII signatures
	limit   int    // 0: no limit
	// keep, if set, gets a bit per matching slot (workers write whole words of their own
	// chunks); countOnly: matches are counted (and kept), not ranked.
	keep      []uint64
	countOnly bool
	// maskDecides: counting only, and every term is one letter or digit: a doc's
	// signature (which scanRange tested) is the whole answer, its text need not be read.
	maskDecides bool
	// singles: every term is one letter or digit (the signature decides the match);
	// firsts: the first-rune bits of the terms (slotDoc.first).
	singles bool
	firsts  uint32
	// pre: a one-term query's constants for deciding docs from their slots (prefix.go).
	pre prefixScan
}

// scanRange evaluates the docs in slots [lo, hi), in memory order.
func (s *scan) scanRange(w *worker, lo, hi int) {
	if s.bits == nil {
		docs := s.docs[lo:hi]
		for i := range docs {
			if d := &docs[i]; d.mask&s.all == s.all && d.wide&s.allWide == s.allWide { // removed slots have mask 0
				s.eval(w, d, lo+i)
			}
		}
		return
	}
	for wi := lo >> 6; wi < (hi+63)>>6; wi++ {
		for x := s.bits[wi]; x != 0; x &= x - 1 {
			slot := wi<<6 + bits.TrailingZeros64(x)
			if d := &s.docs[slot]; d.mask&s.all == s.all && d.wide&s.allWide == s.allWide {
				s.eval(w, d, slot)
			}
		}
	}
}

// eval matches one doc and, when it can make the worker's top list, scores it.
func (s *scan) eval(w *worker, d *slotDoc, slot int) {
	if s.pre.on && len(w.hits) == s.limit && w.hits[0].tier() >= tierPrefix {
		if w.qSkip > 0 {
			w.qSkip-- // paused while it rarely spares a read of the text
		} else if s.quick(w, d, slot) {
			w.quick++
			return // it cannot enter the worker's list (counted if it matches)
		}
	}
	w.full++
	if s.maskDecides || (s.singles && d.first&s.firsts != s.firsts && s.limit > 0 && len(w.hits) == s.limit && w.hits[0].tier() >= tierPrefix) {
		// A match (the signature says so), and either only counted, or unable to enter
		// the full list: no haystack begins with every term, so its tier is below the
		// worst kept. Its text is not read.
		w.total++
		if s.keep != nil {
			s.keep[slot>>6] |= 1 << (uint(slot) & 63)
		}
		return
	}
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
	if s.keep != nil {
		s.keep[slot>>6] |= 1 << (uint(slot) & 63)
	}
	if s.countOnly {
		return
	}
	full := s.limit > 0 && len(w.hits) == s.limit
	if full {
		if rt := w.hits[0].tier(); docTier < rt {
			return // cannot beat the worst hit kept
		} else if docTier == rt {
			if w.boundSkip > 0 {
				w.boundSkip-- // bounding costs a little: paused while it rarely prunes
			} else {
				ub := w.bound(d, s.terms, docTier)
				prune := !better(&ub, &w.hits[0])
				if w.tries++; prune {
					w.pruned++
				}
				if w.tries == 256 {
					if w.pruned*8 < w.tries {
						w.boundSkip = 4096
					}
					w.tries, w.pruned = 0, 0
				}
				if prune {
					return // not even with the best score its haystacks allow
				}
			}
		}
	}
	score, field := w.scoreDoc(d.blob, s.terms)
	h := makeHit(docTier, score, field, d.id)
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

// bound is the best hit the doc could make: the sum over the terms of the
// highest score bound among the haystacks that may match at the term's tier,
// with the earliest of their fields.
func (w *worker) bound(d *slotDoc, terms []term, docTier int8) hit {
	sum, field := 0, maxFields
	start := int32(0)
	for ti := range terms {
		t := &terms[ti]
		if t.ubAny >= noBound {
			return makeHit(docTier, math.MaxInt, 0, math.MaxUint32) // ranks before any hit
		}
		tt := w.tiers[ti]
		best := math.MinInt / 4
		for k := start; k < w.ends[ti]; k++ {
			c := &w.cands[k]
			if c.tier != tt && (tt != tierFuzzy || c.tier != tierUnknown) {
				continue
			}
			best = max(best, t.ubound(d.blob[c.hdr+11], hayLen(d.blob, int(c.hdr))))
			field = min(field, int(d.blob[c.hdr+10]))
		}
		start = w.ends[ti]
		if sum += best; sum >= noBound {
			return makeHit(docTier, math.MaxInt, 0, math.MaxUint32) // ranks before any hit
		}
	}
	return makeHit(docTier, sum, uint8(field), d.id)
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
	hdr, text int32 // offsets of its header and text in the blob
	tier      int8  // tierExact, tierPrefix, tierFuzzy (a known match), tierNone (a known miss) or tierUnknown
}

const tierUnknown int8 = -2

// hayAt returns a candidate's haystack.
func hayAt(blob string, c *cand) (h string, field int, kind byte) {
	n := hayLen(blob, int(c.hdr))
	return blob[c.text : int(c.text)+n], int(blob[c.hdr+10]), blob[c.hdr+11]
}

// termTier is the best tier at which t matches any haystack of blob; it
// appends the haystacks that passed the signature test to w.cands.
func (w *worker) termTier(blob string, t *term) int8 {
	start := len(w.cands)
	best := tierNone
	nh := hayCount(blob)
	text := blobHead + nh*hayHeader
	for hp := blobHead; hp < blobHead+nh*hayHeader; hp += hayHeader {
		n := hayLen(blob, hp)
		if hayMask(blob, hp)&t.mask == t.mask {
			ct := prefixTier(blob[text:text+n], t.pat, blob[hp+11]&kindMask != kindRaw)
			if ct == tierNone {
				ct = tierUnknown
				if t.single {
					ct = tierFuzzy
				}
			}
			w.cands = append(w.cands, cand{hdr: int32(hp), text: int32(text), tier: ct})
			best = max(best, ct)
		}
		text += n
	}
	if best != tierNone {
		return best
	}
	cs := w.cands[start:]
	for k := range cs {
		h, _, kind := hayAt(blob, &cs[k])
		if t.fuzzyHay(h, kind) {
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
		for k := range w.cands[start:w.ends[ti]] {
			c := &w.cands[int(start)+k]
			if c.tier != tt && (tt != tierFuzzy || c.tier != tierUnknown) {
				continue
			}
			h, f, kind := hayAt(blob, c)
			if c.tier == tierUnknown && !t.fuzzyHay(h, kind) {
				continue
			}
			sc, _ := scoreHay(h, t.pat, kind)
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
