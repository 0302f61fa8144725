package search

import "unicode/utf8"

// Ranking without reading the text. Once a worker's list of the best `limit` hits is full
// of prefix (or exact) matches, most docs of a broad one-term query cannot enter it: the
// term is a prefix of one of their haystacks at best, and that haystack is too long for
// its score to beat the worst hit kept. The doc's summary (docSum, in an array beside the
// slots: each haystack's first three runes' classes, length, field and flags, and the
// first bytes of the case number and the credit code) says enough to know it, so such a
// doc is only counted: from its signature for one letter or digit, from its summary when
// a haystack is known to begin with the term, after a match test of its text otherwise;
// it is never scored. Every other doc is evaluated in full, as before. A worker whose
// summaries rarely spare a read of the text (a term found inside most docs) goes without
// them for a while, as the bound of query.go does.
//
// The bound. When a term p of m runes is a prefix of haystack h (as prefixTier compares:
// spaces not skipped in a raw haystack, none in the initials), sahilm/fuzzy's loop
// (fuzzyScore) matches p's runes 0…m-2 at positions 0…m-2: at each of them the next rune
// of h is the next rune of p, so each commits where it is found. Their bonuses are the
// ones the same loop gives on p itself, but for camel case, which depends on the case of
// h (none when h has no lower-case rune followed by an upper-case one). The last rune is
// first found at m-1, and then wherever it occurs later; a later place earns no
// adjacency bonus (its previous rune is not the previous match), so at most the separator
// bonus (20) and camel case. So, for h without camel case,
//
//	score(h) ≤ Σ(p) + max(0, later - lastFirst) + m - len(h)
//
// where Σ(p) is the loop's sum on p itself, lastFirst what its last rune earned there and
// later 20 when that rune follows a separator in a raw or initials haystack of the doc
// (docSum.sepf), else 0; a haystack without a separator has no later place that earns
// anything. For one rune there is no slack: a later place after a separator stands at 2 or
// beyond and pays at least 10 of leading penalty, so it ends at 10 at most, the first
// place's bonus. But a pinyin haystack may begin with spaces: its first place then earns
// 20 less 5 (leadingSpace). For several runes on pinyin with spaces inside (a prefix may
// run across them) and on camel-case haystacks, the general bound (ubExcl or ubAny less
// the length) applies. The length kept is at most the haystack's (hsMaxLen; the spaces of
// pinyin left out), which only raises the bound. A haystack the term could equal (as long
// as the term, and its first runes or bytes do not settle it) sends the doc to a full
// evaluation; one they show equal to the term is bounded at the exact tier.

// prefixScan is a one-term query's constants for quick.
type prefixScan struct {
	on        bool
	m         int       // runes
	cls       [3]uint32 // hsClass of its first runes (0 past its end)
	clsSure   bool      // no hsOther among them: equal classes are equal runes
	sigma     int       // Σ(p)
	lastFirst int       // what the last rune earns at m-1
	laterBit  uint32    // firstBit of the last rune
	ubAny     int       // t.ubAny
	ubSpaced  int       // bound on a pinyin haystack with spaces: t.ubExcl, or t.ubAny when the term has a separator
	// The term's first bytes as docSum.pre keeps a haystack's, and the mask of them.
	pre, preMask uint64
}

// preparePrefix sets s.pre when the query is one term of ASCII runes beginning with a
// letter or a digit, ranked to a limit.
func (s *scan) preparePrefix() {
	if len(s.terms) != 1 || s.countOnly || s.limit <= 0 {
		return
	}
	t := &s.terms[0]
	m := len(t.pat)
	if m == 0 || m > 30 || t.ubAny >= noBound {
		return
	}
	low := make([]byte, m)
	for k := range t.pat {
		r := t.pat[k].o[0]
		if r >= utf8.RuneSelf {
			return
		}
		low[k] = byte(canon(r))
	}
	var cls [3]uint32
	sure := true
	for k := range min(m, len(cls)) {
		cls[k] = hsClass(rune(low[k]))
		sure = sure && cls[k] != hsOther
	}
	if !hsLetterOrDigit(cls[0]) {
		return
	}
	sigma, ok := fuzzyScore(string(low), t.pat)
	if !ok {
		return
	}
	lastFirst := firstCharMatchBonus
	if m > 1 {
		cur, b := 0, 0
		for range m - 1 {
			b = 2*cur + adjacentMatchBonus
			cur += b
		}
		lastFirst = b
		if isSeparator(rune(low[m-2])) {
			lastFirst += matchFollowingSeparatorBonus
		}
	}
	spaced := t.ubExcl
	if t.hasSep {
		spaced = t.ubAny
	}
	s.pre = prefixScan{on: true, m: m, cls: cls, clsSure: sure, sigma: sigma, lastFirst: lastFirst,
		laterBit: firstBit(rune(low[m-1])), ubAny: t.ubAny, ubSpaced: spaced,
		pre: preBytes(low), preMask: ^uint64(0)}
	if m < hsPreLen {
		s.pre.preMask = 1<<(8*m) - 1
	}
}

// quick decides a doc of a one-term query from its slot when the worker's list is full
// of prefix or exact hits: it reports true when the doc cannot enter the list (it is then
// counted if it matches), false when it must be evaluated in full.
func (s *scan) quick(w *worker, d *slotDoc, slot int) bool {
	sum := s.summary(&s.sums[slot], d.id)
	w.qTries++
	if sum.known || s.pre.m == 1 {
		w.qSaved++
	}
	if w.qTries == 256 {
		// A query whose docs must be read anyway (a term that begins few haystacks
		// but is found inside most) does not pay for the summaries.
		if w.qSaved*8 < w.qTries {
			w.qSkip = 4096
		}
		w.qTries, w.qSaved = 0, 0
	}
	if !sum.ok {
		return false
	}
	worst := &w.hits[0]
	switch rt := worst.tier(); {
	case sum.up > rt:
		return false
	case sum.up == rt && better(&sum.ub, worst):
		return false
	}
	// It cannot enter the list: count it if it matches.
	if s.pre.m > 1 && !sum.known {
		w.cands = w.cands[:0]
		if w.termTier(d.blob, &s.terms[0]) == tierNone {
			return true
		}
	} // one letter or digit: the signature decided (scanRange)
	w.total++
	if s.keep != nil {
		s.keep[slot>>6] |= 1 << (uint(slot) & 63)
	}
	return true
}

// docSummary is what a doc's slot says of it for a one-term query (prefixScan).
type docSummary struct {
	ok    bool // false: the slot cannot say (a haystack could equal the term, or is not summed up)
	up    int8 // the best tier the doc can match at: tierExact, tierPrefix or tierFuzzy
	ub    hit  // at tier up (prefix or exact): a hit that ranks no lower than the doc's
	known bool // a haystack is known to begin with the term: the doc matches
}

// summary reads a doc's summary for the query of s.pre.
func (s *scan) summary(d *docSum, id uint32) docSummary {
	p := &s.pre
	slack := 0
	if d.sepf&p.laterBit != 0 {
		slack = max(0, matchFollowingSeparatorBonus-p.lastFirst)
	}
	// The best each tier allows: [0] prefix, [1] exact.
	var best, field [2]int
	var some [2]bool
	known := false
	for _, e := range d.hs {
		c0 := e & hsClassMask
		if c0 == 0 {
			break
		}
		if c0 == hsOverflow || c0 == hsUnsure {
			return docSummary{}
		}
		if c0 != p.cls[0] {
			continue
		}
		l := int(e>>hsLenShift) & hsMaxLen
		if l < p.m {
			continue // shorter than the term
		}
		differ := false
		for q := 1; q < min(p.m, len(p.cls)); q++ {
			differ = differ || e>>(6*q)&hsClassMask != p.cls[q]
		}
		if differ {
			continue // a rune of its first three is not the term's
		}
		sure := p.m <= len(p.cls) && p.clsSure
		if j := preOf(e); j >= 0 {
			if (d.preAt(j)^p.pre)&p.preMask != 0 {
				continue // its first bytes are not the term's
			}
			sure = sure || p.m <= hsPreLen
		}
		tier := 0
		if l == p.m {
			if !sure {
				return docSummary{} // it could equal the term
			}
			tier = 1
		}
		known = known || sure
		b := p.sigma + p.m - l
		switch {
		case e&hsCamel != 0:
			b = p.ubAny - l
		case p.m == 1:
			if e&(hsPinyin|hsSep) == hsPinyin|hsSep {
				b += leadingSpace
			}
		case e&(hsPinyin|hsSep) == hsPinyin|hsSep:
			b = p.ubSpaced - l
		case e&hsSep != 0:
			b += slack
		}
		f := int(e >> hsFieldShift & 3)
		if !some[tier] {
			some[tier], best[tier], field[tier] = true, b, f
		} else {
			best[tier], field[tier] = max(best[tier], b), min(field[tier], f)
		}
	}
	sum := docSummary{ok: true, up: tierFuzzy, known: known}
	for i, tier := range []int8{tierPrefix, tierExact} {
		if some[i] {
			sum.up, sum.ub = tier, makeHit(tier, best[i], uint8(field[i]), id)
		}
	}
	return sum
}

// leadingSpace is what one rune can earn beyond the first-rune bonus on a pinyin
// haystack that begins with spaces: found after a space, it earns the separator bonus
// (20) less the leading penalty (at least 5), 15 against the first rune's 10.
const leadingSpace = matchFollowingSeparatorBonus + unmatchedLeadingCharPenalty - firstCharMatchBonus

// preOf is the place in pre of the first bytes of the haystack summed up by e, or -1.
func preOf(e uint32) int {
	switch {
	case e&hsPre0 != 0:
		return 0
	case e&hsPre1 != 0:
		return 1
	}
	return -1
}
