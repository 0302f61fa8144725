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

func exactBit(c rune) bool { return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') }

// runeMask is the signature of every rune in s.
func runeMask(s string) uint64 {
	var m uint64
	for _, r := range s {
		m |= bitOf(canon(r))
	}
	return m
}

// term is one whitespace-separated part of a query.
type term struct {
	pat    []prune
	mask   uint64
	single bool // one rune with an exact signature bit: a haystack's mask decides the match
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
		}
		t.single = len(t.pat) == 1 && exactBit(last)
		terms = append(terms, t)
	}
	return terms
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
	k := 0
	p := &pat[0]
	for i := 0; i < len(h); {
		b := h[i]
		if b < utf8.RuneSelf {
			i++
			if b == p.a || b == p.b {
				k++
				if k == len(pat) {
					return true
				}
				p = &pat[k]
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
			k++
			if k == len(pat) {
				return true
			}
			p = &pat[k]
		}
	}
	return false
}

// subseqHay is subseq for a haystack of the given kind: ASCII haystacks
// without upper (or without lower) case letters are searched with IndexByte.
func subseqHay(h string, pat []prune, kind byte) bool {
	if kind&hayASCII == 0 || kind&(hayUpper|hayLower) == hayUpper|hayLower {
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
	p := &pat[0]
	bestScore := -1
	matchedIndex := -1
	currAdjacentMatchBonus := 0
	matched := 0
	lastMatch := 0
	var last byte
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c == p.a || c == p.b {
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
		if j+1 == len(s) || (pi < n-1 && (s[j+1] == pat[pi+1].a || s[j+1] == pat[pi+1].b)) {
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
				p = &pat[pi]
			}
		}
		last = c
	}
	total += matched - len(s)
	return total, matched == n
}

var sepTable = [256]bool{'/': true, '-': true, '_': true, ' ': true, '.': true, '\\': true}
