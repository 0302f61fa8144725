package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Match tiers, best last. A term's tier is the best tier over the haystacks it
// matches; a doc's tier is the worst tier over the query's terms.
const (
	tierNone   int8 = -1
	tierFuzzy  int8 = 0
	tierPrefix int8 = 1
	tierExact  int8 = 2
)

// Score bonuses added to the fuzzy score reported in Match.Score, so that Score
// never increases along a result list. The fuzzy part is clamped to
// ±FuzzyScoreLimit (sahilm/fuzzy's adjacency bonus grows geometrically with the
// query length); ranking itself uses the unclamped score.
const (
	PrefixBonus     = 1 << 40
	ExactBonus      = 2 << 40
	FuzzyScoreLimit = 1<<39 - 1
)

// sahilm/fuzzy scoring constants (v0.1.3).
const (
	firstCharMatchBonus            = 10
	matchFollowingSeparatorBonus   = 20
	camelCaseMatchBonus            = 20
	adjacentMatchBonus             = 5
	unmatchedLeadingCharPenalty    = -5
	maxUnmatchedLeadingCharPenalty = -15
)

// prune is one query rune together with its whole simple case-fold orbit, so
// equalFold(c, r) becomes at most four comparisons (Unicode orbits have ≤ 4
// members, e.g. k K U+212A).
type prune struct {
	o    [4]rune // orbit, padded by repeating its first member
	a, b byte    // ASCII members of the orbit: a lower case (or the only one), b upper case; 0x80 when absent
	wide bool    // orbit has a non-ASCII member
	one  bool    // a non-ASCII rune without case folding: search for enc
	enc  string  // UTF-8 of the rune
}

func makePrune(r rune) prune {
	p := prune{a: 0x80, b: 0x80}
	n := 0
	add := func(c rune) {
		p.o[n] = c
		n++
		switch {
		case 'A' <= c && c <= 'Z':
			p.b = byte(c)
		case c < utf8.RuneSelf:
			p.a = byte(c)
		default:
			p.wide = true
		}
	}
	add(r)
	for f := unicode.SimpleFold(r); f != r && n < len(p.o); f = unicode.SimpleFold(f) {
		add(f)
	}
	p.one, p.enc = n == 1 && r >= utf8.RuneSelf, string(r)
	for i := n; i < len(p.o); i++ {
		p.o[i] = p.o[0]
	}
	if p.a == 0x80 {
		p.a = p.b
	}
	if p.b == 0x80 {
		p.b = p.a
	}
	return p
}

func (p *prune) eq(c rune) bool {
	return c == p.o[0] || c == p.o[1] || c == p.o[2] || c == p.o[3]
}

// canon maps r to a representative of its case-fold orbit (lower case for ASCII).
func canon(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	if 'A' <= m && m <= 'Z' {
		m += 'a' - 'A'
	}
	return m
}

// bitOf is the signature bit of a canonical rune: one exact bit per ASCII
// letter and digit, 28 hashed buckets for everything else (Han, punctuation).
func bitOf(c rune) uint64 {
	switch {
	case 'a' <= c && c <= 'z':
		return 1 << uint(c-'a')
	case '0' <= c && c <= '9':
		return 1 << uint(26+c-'0')
	}
	h := uint32(c) * 2654435761
	return 1 << (36 + (h>>16)%28)
}

// wideBitOf is the doc-level signature bit of a canonical non-ASCII rune (0
// for ASCII): the haystack signature has only 28 buckets for all of them.
func wideBitOf(c rune) uint64 {
	if c < utf8.RuneSelf {
		return 0
	}
	return 1 << ((uint32(c) * 2246822519) >> 26)
}

func exactBit(c rune) bool { return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') }

// term is one whitespace-separated part of a query.
type term struct {
	pat    []prune
	mask   uint64 // haystack signature of its runes
	wide   uint64 // doc-level signature of its non-ASCII runes
	single bool   // one rune with an exact signature bit: a haystack's mask decides the match
	pinyin bool   // whole-word pinyin: matches pinyin haystacks syllable by syllable (syllable.go)

	// Upper bounds of the sahilm score on a haystack, before subtracting
	// its length (see ubound).
	ubPlain, ubExcl, ubAny int
	sepKinds               byte // haySepAlpha/haySepOther: which separator bonuses its runes can take
	hasSep                 bool // has a separator rune
}

func compile(query string) []term {
	parts := strings.Fields(query)
	if len(parts) == 0 {
		return nil
	}
	terms := make([]term, 0, len(parts))
	for _, part := range parts {
		part = strings.ToValidUTF8(part, "\uFFFD")
		var t term
		t.pat = make([]prune, 0, utf8.RuneCountInString(part))
		var last rune
		for _, r := range part {
			t.pat = append(t.pat, makePrune(r))
			last = canon(r)
			t.mask |= bitOf(last)
			t.wide |= wideBitOf(last)
		}
		t.single = len(t.pat) == 1 && exactBit(last)
		t.pinyin = pinyinWord(part)
		for i := range t.pat {
			for _, c := range t.pat[i].o {
				if unicode.IsLetter(c) {
					t.sepKinds |= haySepAlpha
				} else {
					t.sepKinds |= haySepOther
				}
				t.hasSep = t.hasSep || isSeparator(c)
			}
		}
		t.ubPlain, t.ubExcl, t.ubAny = scoreBounds(len(t.pat))
		terms = append(terms, t)
	}
	return terms
}

// scoreBounds returns upper bounds of sahilm's score, plus the haystack
// length, for a pattern of m runes:
//
//   - plain: no separator or camel-case bonus can apply. Only position 0
//     earns the first-rune bonus (10); each later rune can earn only the
//     adjacency bonus, which is 2·cur+5 for cur the sum of earlier adjacency
//     bonuses, and is earned at most once per pattern rune.
//   - excl: separator/camel bonuses (20) can apply but never together with
//     an adjacency bonus (the pattern has no separator rune and the haystack
//     no camel case). The first rune earns at most 15 (20 less the leading
//     penalty of at least 5 off position 0); each later one max(20, 2·cur+5).
//   - any: the first rune at most 15, each later one 20 + 2·cur+5.
//
// Plus m for the matched runes (sahilm adds matched − len). Patterns too long
// for int arithmetic get no bound.
func scoreBounds(m int) (plain, excl, anyb int) {
	if m > 30 {
		return noBound, noBound, noBound
	}
	cur := 0
	plain, excl, anyb = 10+m, 15+m, 15+m
	for range m - 1 {
		b := 2*cur + adjacentMatchBonus
		plain += b
		excl += max(matchFollowingSeparatorBonus, b)
		anyb += matchFollowingSeparatorBonus + b
		cur += b
	}
	return plain, excl, anyb
}

// noBound means no useful bound (scores of long patterns overflow, as
// sahilm's do).
const noBound = 1 << 60

// ubound bounds t's score on a haystack of the given kind and length.
func (t *term) ubound(kind byte, n int) int {
	switch {
	case kind&hayCamel == 0 && kind&t.sepKinds == 0:
		return t.ubPlain - n
	case kind&hayCamel == 0 && !t.hasSep:
		return t.ubExcl - n
	}
	return t.ubAny - n
}

// prefixTier reports tierExact when h equals the pattern (case-insensitively),
// tierPrefix when h starts with it, tierNone otherwise. With skipSpace, spaces
// in h are ignored (pinyin haystacks keep syllables apart with spaces).
func prefixTier(h string, pat []prune, skipSpace bool) int8 {
	i := 0
	for k := range pat {
		if skipSpace {
			for i < len(h) && h[i] == ' ' {
				i++
			}
		}
		if i >= len(h) {
			return tierNone
		}
		c, sz := rune(h[i]), 1
		if c >= utf8.RuneSelf {
			c, sz = utf8.DecodeRuneInString(h[i:])
		}
		if !pat[k].eq(c) {
			return tierNone
		}
		i += sz
	}
	if skipSpace {
		for i < len(h) && h[i] == ' ' {
			i++
		}
	}
	if i == len(h) {
		return tierExact
	}
	return tierPrefix
}

// subseq reports whether pat is a case-insensitive subsequence of h, which is
// exactly when sahilm/fuzzy matches. h must be valid UTF-8.
func subseq(h string, pat []prune) bool {
	i := 0
	for k := range pat {
		p := &pat[k]
		if p.one { // UTF-8 is self-synchronizing: a byte match is a rune match
			j := strings.Index(h[i:], p.enc)
			if j < 0 {
				return false
			}
			i += j + len(p.enc)
			continue
		}
		for {
			if i >= len(h) {
				return false
			}
			b := h[i]
			if b < utf8.RuneSelf {
				i++
				if b == p.a || b == p.b {
					break
				}
				continue
			}
			if !p.wide {
				switch {
				case b < 0xE0:
					i += 2
				case b < 0xF0:
					i += 3
				default:
					i += 4
				}
				continue
			}
			c, sz := utf8.DecodeRuneInString(h[i:])
			i += sz
			if p.eq(c) {
				break
			}
		}
	}
	return true
}

// subseqHay is subseq for a haystack of the given kind: ASCII haystacks
// without upper (or without lower) case letters are searched with IndexByte.
func subseqHay(h string, pat []prune, kind byte) bool {
	if kind&hayASCII == 0 || kind&(hayUpper|hayLower) == hayUpper|hayLower || len(h) < 16+2*len(pat) {
		return subseq(h, pat)
	}
	upper := kind&hayUpper != 0
	for k := range pat {
		c := pat[k].a
		if upper {
			c = pat[k].b
		}
		if c >= utf8.RuneSelf {
			return false
		}
		i := strings.IndexByte(h, c)
		if i < 0 {
			return false
		}
		h = h[i+1:]
	}
	return true
}

func isSeparator(r rune) bool {
	switch r {
	case '/', '-', '_', ' ', '.', '\\':
		return true
	}
	return false
}

// fuzzyScore is sahilm/fuzzy v0.1.3's FindFromIterNoSort for one string
// (byte-indexed bonuses and penalties included), without allocations. It
// returns the score and whether every pattern rune matched.
func fuzzyScore(s string, pat []prune) (int, bool) {
	n := len(pat)
	if n == 0 {
		return 0, false
	}
	total := 0
	pi := 0
	bestScore := -1
	matchedIndex := -1
	currAdjacentMatchBonus := 0
	matched := 0
	lastMatch := 0
	var last rune
	lastIndex := 0
	nextc, nextSize := utf8.DecodeRuneInString(s)
	for j := 0; j < len(s); {
		candidate, candidateSize := nextc, nextSize
		if pat[pi].eq(candidate) {
			score := 0
			if j == 0 {
				score += firstCharMatchBonus
			}
			if unicode.IsLower(last) && unicode.IsUpper(candidate) {
				score += camelCaseMatchBonus
			}
			if j != 0 && isSeparator(last) {
				score += matchFollowingSeparatorBonus
			}
			if matched > 0 {
				bonus := 0
				if lastIndex == lastMatch {
					bonus = currAdjacentMatchBonus*2 + adjacentMatchBonus
				}
				score += bonus
				currAdjacentMatchBonus += bonus
			}
			if score > bestScore {
				bestScore = score
				matchedIndex = j
			}
		}
		if next := j + candidateSize; next < len(s) {
			if s[next] < utf8.RuneSelf {
				nextc, nextSize = rune(s[next]), 1
			} else {
				nextc, nextSize = utf8.DecodeRuneInString(s[next:])
			}
		} else {
			nextc, nextSize = 0, 0
		}
		// equalFold(nextp, nextc) || nextc == 0, where nextp is 0 after the last pattern rune.
		if nextc == 0 || (pi < n-1 && pat[pi+1].eq(nextc)) {
			if matchedIndex > -1 {
				if matched == 0 {
					penalty := matchedIndex * unmatchedLeadingCharPenalty
					bestScore += max(penalty, maxUnmatchedLeadingCharPenalty)
				}
				total += bestScore
				lastMatch = matchedIndex
				matched++
				bestScore = -1
				pi++
				if pi == n { // only reachable at the end of s
					break
				}
			}
		}
		lastIndex = j
		last = candidate
		j += candidateSize
	}
	total += matched - len(s)
	return total, matched == n
}

// fuzzyScoreASCII is fuzzyScore for a pure-ASCII s: no decoding, and a rune
// compares against the ASCII members of the pattern rune's orbit only.
func fuzzyScoreASCII(s string, pat []prune) (int, bool) {
	n := len(pat)
	if n == 0 {
		return 0, false
	}
	total := 0
	pi := 0
	pa, pb := pat[0].a, pat[0].b // current pattern rune
	na, nb := byte(0x80), byte(0x80)
	if n > 1 {
		na, nb = pat[1].a, pat[1].b // next pattern rune (0x80: none)
	}
	bestScore := -1
	matchedIndex := -1
	currAdjacentMatchBonus := 0
	matched := 0
	lastMatch := 0
	var last byte
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c == pa || c == pb {
			score := 0
			if j == 0 {
				score += firstCharMatchBonus
			} else if sepTable[last] {
				score += matchFollowingSeparatorBonus
			}
			if 'a' <= last && last <= 'z' && 'A' <= c && c <= 'Z' {
				score += camelCaseMatchBonus
			}
			if matched > 0 {
				bonus := 0
				if j-1 == lastMatch {
					bonus = currAdjacentMatchBonus*2 + adjacentMatchBonus
				}
				score += bonus
				currAdjacentMatchBonus += bonus
			}
			if score > bestScore {
				bestScore = score
				matchedIndex = j
			}
		}
		last = c
		if j+1 < len(s) {
			if nc := s[j+1]; nc != na && nc != nb {
				continue
			}
		}
		// The next byte is the next pattern rune, or s ends: commit.
		if matchedIndex > -1 {
			if matched == 0 {
				penalty := matchedIndex * unmatchedLeadingCharPenalty
				bestScore += max(penalty, maxUnmatchedLeadingCharPenalty)
			}
			total += bestScore
			lastMatch = matchedIndex
			matched++
			bestScore = -1
			pi++
			if pi == n {
				break
			}
			pa, pb, na, nb = na, nb, 0x80, 0x80
			if pi+1 < n {
				na, nb = pat[pi+1].a, pat[pi+1].b
			}
		}
	}
	total += matched - len(s)
	return total, matched == n
}

var sepTable = [256]bool{'/': true, '-': true, '_': true, ' ': true, '.': true, '\\': true}

// fuzzyScoreIndex is fuzzyScore for an ASCII s whose letters are all upper
// case (upper) or all lower case: a pattern rune then matches one byte value,
// so candidates and commit points are found with IndexByte, and camel-case
// bonuses cannot occur. It follows sahilm's loop exactly: for each pattern
// rune, the candidates run from its first occurrence to the commit point
// (the position before the next pattern rune's next occurrence, or the end).
func fuzzyScoreIndex(s string, pat []prune, upper bool) (int, bool) {
	n := len(pat)
	if n == 0 || len(s) == 0 {
		return 0, false
	}
	ch := func(k int) byte {
		if upper {
			return pat[k].b
		}
		return pat[k].a
	}
	total, matched, lastMatch, currAdjacentMatchBonus := 0, 0, 0, 0
	start := 0
	for pi := range n {
		c := ch(pi)
		if c >= utf8.RuneSelf {
			return 0, false
		}
		c0 := strings.IndexByte(s[start:], c)
		if c0 < 0 {
			return 0, false
		}
		c0 += start
		jc := len(s) - 1 // commit at the end for the last pattern rune
		if pi < n-1 {
			nc := ch(pi + 1)
			if nc >= utf8.RuneSelf {
				return 0, false
			}
			k := strings.IndexByte(s[c0+1:], nc)
			if k < 0 {
				return 0, false
			}
			jc = c0 + k // s[jc+1] is the next pattern rune
		}
		bestScore, matchedIndex := -1, -1
		for j := c0; ; {
			score := 0
			if j == 0 {
				score += firstCharMatchBonus
			} else if sepTable[s[j-1]] {
				score += matchFollowingSeparatorBonus
			}
			if matched > 0 {
				bonus := 0
				if j-1 == lastMatch {
					bonus = currAdjacentMatchBonus*2 + adjacentMatchBonus
				}
				score += bonus
				currAdjacentMatchBonus += bonus
			}
			if score > bestScore {
				bestScore, matchedIndex = score, j
			}
			if j >= jc {
				break
			}
			k := strings.IndexByte(s[j+1:jc+1], c)
			if k < 0 {
				break
			}
			j += 1 + k
		}
		if matched == 0 {
			bestScore += max(matchedIndex*unmatchedLeadingCharPenalty, maxUnmatchedLeadingCharPenalty)
		}
		total += bestScore
		lastMatch = matchedIndex
		matched++
		start = jc + 1
	}
	return total + matched - len(s), true
}

// scoreHay is the sahilm/fuzzy score of pat on a haystack of the given kind.
func scoreHay(h string, pat []prune, kind byte) (int, bool) {
	if kind&hayASCII == 0 {
		return fuzzyScore(h, pat)
	}
	// IndexByte pays off on haystacks long for the pattern.
	switch kind & (hayUpper | hayLower) {
	case hayUpper | hayLower:
		return fuzzyScoreASCII(h, pat)
	}
	if len(h) < 16+4*len(pat) {
		return fuzzyScoreASCII(h, pat)
	}
	switch kind & (hayUpper | hayLower) {
	case hayUpper:
		return fuzzyScoreIndex(h, pat, true)
	}
	return fuzzyScoreIndex(h, pat, false)
}
