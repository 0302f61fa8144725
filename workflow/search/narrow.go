package search

import (
	"math/bits"
	"strings"
)

// Narrowing while typing. A query that only grows (a rune added to its last term, or a
// new term) matches a subset of what it matched before, so the next keystroke need only
// look at the previous query's matches: the whole set of them, not just the best shown.
// A search can keep that set (Matches, a bitmap over the index's slots) and a later
// search names it; the index uses it when Narrows says the new query is narrower, and
// adds the slots written since (a commit between two keystrokes changes docs, which may
// now match). The answer is always the one a fresh search gives.

// Matches is the set of every doc a query matched, at one state of the index. It is read
// only once made, and can be shared by goroutines.
type Matches struct {
	ix     *Index
	query  string
	writes uint64   // the index's write count when it was made
	scope  *Subset  // the subset searched (nil: see all)
	all    bool     // every doc was searched
	bits   []uint64 // a bit per matching slot
	n      int
}

// Query is the query these are the matches of.
func (m *Matches) Query() string {
	if m == nil {
		return ""
	}
	return m.query
}

// Len is the number of matches.
func (m *Matches) Len() int {
	if m == nil {
		return 0
	}
	return m.n
}

// keepChanged is how many written slots the index remembers for Matches made before
// them; older Matches are not used (the next search scans its whole scope).
const keepChanged = 1 << 14

// wrote records a write of slot (Upsert, Remove). The caller holds ix.mu.
func (ix *Index) wrote(slot int32) {
	ix.writes++
	ix.changed = append(ix.changed, slot)
	if len(ix.changed) > 2*keepChanged {
		drop := len(ix.changed) - keepChanged
		ix.changed = append(ix.changed[:0], ix.changed[drop:]...)
		ix.changedFrom += uint64(drop)
	}
}

// Narrows reports whether every doc matching query also matches prev, term by term: each
// of prev's terms is the beginning of query's term in its place (query may have more
// terms). A term that reads as pinyin (syllable.go) and grows into one that does not
// ("ab" → "abc") is no narrowing: pinyin matches syllable by syllable, the letters of
// "abc" anywhere in the pinyin, so "abc" finds 张北村 (zhang bei cun) and "ab" does not.
func Narrows(prev, query string) bool {
	pt := strings.Fields(strings.ToValidUTF8(prev, "\uFFFD"))
	qt := strings.Fields(strings.ToValidUTF8(query, "\uFFFD"))
	if len(pt) == 0 || len(qt) < len(pt) {
		return false
	}
	for i, p := range pt {
		q := qt[i]
		if q == p {
			continue
		}
		if !strings.HasPrefix(q, p) || (pinyinWord(p) && !pinyinWord(q)) {
			return false
		}
	}
	return true
}

// narrowFrom picks, among prev, the smallest set a search of query within sub (nil: every
// doc) can be narrowed from: of this index, of the same scope or of every doc, with every
// slot written since still remembered, and of a query that query narrows. The caller
// holds ix.mu.
func (ix *Index) narrowFrom(prev []*Matches, query string, sub *Subset) *Matches {
	var best *Matches
	for _, p := range prev {
		if p == nil || p.ix != ix || p.bits == nil || p.writes < ix.changedFrom || p.writes > ix.writes ||
			!(p.all || (sub != nil && p.scope == sub)) || (best != nil && best.n <= p.n) || !Narrows(p.query, query) {
			continue
		}
		best = p
	}
	return best
}

// usableHave reports whether have is query's matches in a scope at a state of the index
// whose writes since are remembered. The caller holds ix.mu.
func (ix *Index) usableHave(have *Matches, query string) bool {
	return have != nil && have.ix == ix && have.bits != nil && have.query == query &&
		have.writes >= ix.changedFrom && have.writes <= ix.writes && (have.all || have.scope != nil)
}

// SearchNarrow is SearchIn that narrows: within the first usable set of prev (see
// Matches), and keeping the set of its own matches for the next keystroke.
func (ix *Index) SearchNarrow(query string, sub *Subset, limit int, prev ...*Matches) ([]Match, int, *Matches) {
	return ix.searchAll(searchReq{query: query, sub: sub, limit: limit, prev: prev, keep: true, rank: true})
}

// CountIn counts the docs matching query in each of subs (a nil subset: every doc), in one
// pass over every doc (or over prev's matches, narrowing), not in a search per subset.
// have, if not nil, is query's matches in a scope (a search of the same query, made by
// SearchNarrow): only the docs outside that scope are scanned. The ids of except are not
// counted. It returns the counts, and the set of every match for the next keystroke.
func (ix *Index) CountIn(query string, subs []*Subset, except [][]uint32, have *Matches, prev ...*Matches) ([]int, *Matches) {
	out := make([]int, len(subs))
	_, _, m := ix.searchAll(searchReq{query: query, prev: prev, have: have, keep: true, counts: subs, except: except, out: out})
	return out, m
}

// countIn fills r.out from the set of matching slots. The caller holds ix.mu.
func (ix *Index) countIn(match []uint64, r searchReq) {
	subBits := make([][]uint64, len(r.counts))
	for i, sub := range r.counts {
		if sub == nil {
			n := 0
			for _, x := range match {
				n += bits.OnesCount64(x)
			}
			r.out[i] = n
			continue
		}
		b, _ := sub.bitsFor(ix)
		subBits[i] = b
		n := 0
		for w, x := range match {
			if w < len(b) {
				n += bits.OnesCount64(x & b[w])
			}
		}
		r.out[i] = n
	}
	for _, ids := range r.except {
		for _, id := range ids {
			slot, ok := ix.ids.get(id)
			if !ok || match[slot>>6]&(1<<(uint(slot)&63)) == 0 {
				continue
			}
			for i, sub := range r.counts {
				if sub == nil || subBits[i][slot>>6]&(1<<(uint(slot)&63)) != 0 {
					r.out[i]--
				}
			}
		}
	}
}
