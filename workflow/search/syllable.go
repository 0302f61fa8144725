package search

import (
	"strings"
	"sync"
)

// Whole-word pinyin. A query term that is nothing but letters and reads as pinyin
// syllables ("xinxiang" = xin·xiang, "henan", "wangf" = wang·f…) is taken as pinyin,
// not as a row of letters: on a pinyin haystack it matches only syllable by syllable,
// from the start of a syllable, each syllable whole but the last, which may be cut
// short ("xinxia" is on its way to 新乡). "xinxiang" then no longer finds 豫兴商贸有限
// (yu XINg shang mao you XIAN Gong): a row of letters picked across five syllables is
// not what anyone typing pinyin means. The as-written and initials haystacks still match
// fuzzily, so "hnxx" (not pinyin: h is no syllable) finds 河南信修 as before.
//
// Every prefix of a pinyin word of two letters or more is one too (or is a single
// letter, which matches fuzzily, more widely), so a longer query never matches more
// than a shorter one: narrowing the previous result while typing stays exact.

var (
	sylOnce   sync.Once
	syllables map[string]bool // toneless syllables that have a vowel (not 嗯 n, 呣 m)
	sylPrefix map[string]bool // every non-empty prefix of one
	sylMaxLen int
)

func loadSyllables() {
	sylOnce.Do(func() {
		runePinyin('中') // builds pyTable
		syllables, sylPrefix = map[string]bool{}, map[string]bool{}
		for _, s := range pyTable {
			vowel, ascii := false, true
			for i := 0; i < len(s); i++ {
				c := s[i]
				if c < 'a' || c > 'z' {
					ascii = false
				}
				switch c {
				case 'a', 'e', 'i', 'o', 'u', 'v':
					vowel = true
				}
			}
			if !vowel || !ascii {
				continue
			}
			syllables[s] = true
			sylMaxLen = max(sylMaxLen, len(s))
			for i := 1; i <= len(s); i++ {
				sylPrefix[s[:i]] = true
			}
		}
	})
}

// pinyinWord reports whether part (one query term) is whole-word pinyin: two letters or
// more, ASCII letters only, that split into whole syllables followed by at most one
// syllable's beginning.
func pinyinWord(part string) bool {
	if len(part) < 2 || len(part) > 255 {
		return false
	}
	var buf [255]byte
	s := buf[:len(part)]
	for i := 0; i < len(part); i++ {
		c := part[i]
		switch {
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			return false
		}
		s[i] = c
	}
	loadSyllables()
	// ok[i]: s[:i] splits into whole syllables.
	var okBuf [256]bool
	ok := okBuf[:len(s)+1]
	ok[0] = true
	for i := 0; i < len(s); i++ {
		if !ok[i] {
			continue
		}
		if sylPrefix[string(s[i:])] {
			return true // whole syllables, then the beginning of one (or a whole one)
		}
		for n := 1; n <= sylMaxLen && i+n <= len(s); n++ {
			if syllables[string(s[i:i+n])] {
				ok[i+n] = true
			}
		}
	}
	return ok[len(s)]
}

// syllableMatch reports whether pat matches the pinyin haystack h syllable by syllable
// from the start of one of its syllables (spaces in h ignored, as in prefixTier).
func syllableMatch(h string, pat []prune) bool {
	// A pinyin word's runes are ASCII letters: jump to each place its first letter
	// (either case) begins a syllable.
	lo, up := pat[0].a, pat[0].b
	for i := 0; i < len(h); {
		j := strings.IndexByte(h[i:], lo)
		if up != lo {
			if k := strings.IndexByte(h[i:], up); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j < 0 {
			return false
		}
		i += j
		if (i == 0 || h[i-1] == ' ') && prefixTier(h[i:], pat, true) != tierNone {
			return true
		}
		i++
	}
	return false
}

// fuzzyHay reports whether t matches haystack h of this kind below the prefix tiers:
// syllable by syllable for a pinyin word on a pinyin haystack, else as a subsequence.
func (t *term) fuzzyHay(h string, kind byte) bool {
	if t.pinyin && kind&kindMask == kindPinyin {
		return syllableMatch(h, t.pat)
	}
	return subseqHay(h, t.pat, kind)
}
