package search

import (
	"fmt"
	"slices"
	"testing"
)

// TestNarrows: which queries match a subset of an earlier one's matches.
func TestNarrows(t *testing.T) {
	for _, tc := range []struct {
		prev, q string
		want    bool
	}{
		{"h", "hn", true},
		{"hn", "hnxx", true},
		{"wa", "wang", true},
		{"wang", "wangf", true}, // pinyin stays pinyin
		{"x", "xi", true},       // one letter matches anywhere; pinyin from a syllable start
		{"ab", "abc", false},    // pinyin grows into letters matched anywhere: wider
		{"a", "abc", true},      // one letter: not pinyin, matched anywhere
		{"XF-2026", "XF-2026-0", true},
		{"914", "9141", true},
		{"河南", "河南 wf", true}, // a new term: every term must match
		{"河南 w", "河南 wf", true},
		{"河南 wf", "河南 w", false},  // shorter
		{"wf 河南", "河南 wf", false}, // another order is not the same terms in place
		{"hnxx", "hnx", false},
		{"hn", "hm", false},
		{"", "h", false},
		{"h", "h", true},
		{"h ", "h x", true},
	} {
		if got := Narrows(tc.prev, tc.q); got != tc.want {
			t.Errorf("Narrows(%q, %q) = %v, want %v", tc.prev, tc.q, got, tc.want)
		}
	}
}

// TestNarrowAsFresh types queries key by key (with backspaces, and commits between some
// keys: a doc changed to match, one removed, new ones, a slot reused) and checks that
// every step's narrowed search and counts give what a fresh search gives: the same ids in
// the same order, the same scores and totals, in a subset and over every doc. It checks
// too that the narrowing is taken where it applies (or the test would prove nothing).
func TestNarrowAsFresh(t *testing.T) {
	docs := genDocs(12000)
	docs = append(docs, Doc{ID: 20001, Fields: []string{"XF-2026-020001", "张北村建材有限公司", "91130700MA0ABCDE1X", "赵强"}})
	ix := New()
	ix.Upsert(docs...)
	var even, odd []uint32
	for id := uint32(1); id <= 21000; id++ {
		if id%2 == 0 {
			even = append(even, id)
		} else {
			odd = append(odd, id)
		}
	}
	subEven, subOdd := NewSubset(even), NewSubset(odd)
	subs := []*Subset{nil, subEven, subOdd}
	except := [][]uint32{{2, 4, 5, 7, 20001}}

	const bs = "\b"
	scripts := [][]string{
		{"h", "n", "x", "x", bs, bs, "q"},
		{"w", "a", "n", "g", "f"},
		{"a", "b", "c"}, // pinyin "ab" grows into letters: "abc" finds 张北村, "ab" does not
		{"X", "F", "-", "2", "0", "2", "6", "-", "0", "0", "1"},
		{"9", "1", "4", "1", "0", "M", "A"},
		{"河南", " ", "w", "f"},
		{"z", "h", "e", "n", "g", " ", "x"},
		{"x", "i", "n", "x", "i", "a", "n", "g"},
	}
	r := &rng{s: 77}
	nextID := uint32(30000)
	commit := func(step int, q string) {
		switch step % 4 {
		case 0: // a doc changed so that it matches the query now
			id := uint32(1 + r.intn(12000))
			ix.Upsert(Doc{ID: id, Fields: []string{fmt.Sprintf("XF-2026-%06d", id), q + "商贸有限公司", "91410100MA00000000", "王芳"}})
		case 1: // one removed, one added: the new doc takes its slot
			ix.Remove(uint32(1 + r.intn(12000)))
			nextID++
			ix.Upsert(Doc{ID: nextID, Fields: []string{fmt.Sprintf("XF-2026-%06d", nextID), q, "91410100MA00000001", "李伟"}})
		case 2: // a new doc that matches
			nextID++
			ix.Upsert(Doc{ID: nextID, Fields: []string{fmt.Sprintf("XF-2026-%06d", nextID), "新乡" + q, "91410700MA00000002", "王方"}})
		}
	}
	narrowed := 0
	for si, script := range scripts {
		for _, withCommits := range []bool{false, true} {
			q := ""
			var prevTab, prevAll *Matches
			for step, key := range script {
				prevQ := q
				if key == bs {
					q = string([]rune(q)[:len([]rune(q))-1])
				} else {
					q += key
				}
				if withCommits && step%2 == 1 {
					commit(step+si, q)
				}
				for _, sub := range []*Subset{subEven, nil} {
					for _, limit := range []int{0, 25} {
						what := fmt.Sprintf("script %d step %d %q (sub %v, limit %d, commits %v)", si, step, q, sub != nil, limit, withCommits)
						if prevAll != nil && Narrows(prevQ, q) {
							ix.mu.RLock()
							p := ix.narrowFrom([]*Matches{prevTab, prevAll}, q, sub)
							ix.mu.RUnlock()
							if p == nil {
								t.Fatalf("%s: not narrowed from %q", what, prevQ)
							}
							narrowed++
						}
						want, wantN := ix.SearchIn(q, sub, limit)
						got, gotN, _ := ix.SearchNarrow(q, sub, limit, prevTab, prevAll)
						checkSame(t, what, got, gotN, want, wantN)
					}
				}
				// The count after the search, from its matches: in a subset, or every doc's
				// (then only the slots written since are scanned); a commit between the two
				// sometimes.
				haveSub := subEven
				if step%3 == 2 {
					haveSub = nil
				}
				_, _, tabSet := ix.SearchNarrow(q, haveSub, 25, prevTab, prevAll)
				if withCommits && step%2 == 0 {
					commit(step+si+1, q)
				}
				ix.mu.RLock()
				if !ix.usableHave(tabSet, q) {
					t.Fatalf("%q: the search's matches cannot be used by the count", q)
				}
				ix.mu.RUnlock()
				counts, allSet := ix.CountIn(q, subs, except, tabSet, prevAll)
				if haveSub != nil {
					prevTab = tabSet
				}
				for i, sub := range subs {
					ms, n := ix.SearchIn(q, sub, 0)
					for _, m := range ms {
						if slices.Contains(except[0], m.ID) {
							n--
						}
					}
					if counts[i] != n {
						t.Fatalf("script %d step %d %q: count in subset %d is %d, a fresh search gives %d", si, step, q, i, counts[i], n)
					}
				}
				if _, n := ix.SearchIn(q, nil, 0); allSet.Len() != n {
					t.Fatalf("%q: the kept set has %d, the search %d", q, allSet.Len(), n)
				}
				prevAll = allSet
			}
		}
	}
	if narrowed < 100 {
		t.Fatalf("only %d steps narrowed", narrowed)
	}
	// "ab" → "abc": 张北村 is found, as a fresh search finds it.
	_, _, ab := ix.SearchNarrow("ab", nil, 0)
	if got, n, _ := ix.SearchNarrow("abc", nil, 0, ab); n == 0 || !slices.Contains(ids(got), 20001) {
		t.Fatalf("\"abc\" after \"ab\": %v (%d)", ids(got), n)
	}
}

// TestNarrowForgetsOldWrites: a set older than the written slots the index remembers is
// not narrowed from (the next search scans its scope), and the answer is still right.
func TestNarrowForgetsOldWrites(t *testing.T) {
	ix := New()
	ix.Upsert(genDocs(3000)...)
	_, _, set := ix.SearchNarrow("hn", nil, 0)
	for i := range 2*keepChanged + 1 {
		id := uint32(5000 + i)
		ix.Upsert(Doc{ID: id, Fields: []string{fmt.Sprintf("XF-2026-%06d", id), "河南新星实业有限公司"}})
	}
	ix.mu.RLock()
	p := ix.narrowFrom([]*Matches{set}, "hnx", nil)
	ix.mu.RUnlock()
	if p != nil {
		t.Fatal("narrowed from a set older than the remembered writes")
	}
	want, wantN := ix.SearchIn("hnx", nil, 10)
	got, gotN, _ := ix.SearchNarrow("hnx", nil, 10, set)
	checkSame(t, "after many writes", got, gotN, want, wantN)
	if wantN < 2*keepChanged {
		t.Fatalf("the new docs are not found (%d)", wantN)
	}
}

// TestFirstRuneSkip: single letters and digits (the first keys typed) rank the same with
// a limit as the whole ranked list does, although docs none of whose haystacks begins
// with a term are not read once the kept list is full of prefix matches.
func TestFirstRuneSkip(t *testing.T) {
	ix := New()
	ix.Upsert(genDocs(12000)...)
	ix.Upsert(Doc{ID: 20002, Fields: []string{"　河南", "h"}}) // a pinyin haystack that begins with a space; a field that is the query
	var qs []string
	for c := 'a'; c <= 'z'; c++ {
		qs = append(qs, string(c), string(c-'a'+'A'))
	}
	for c := '0'; c <= '9'; c++ {
		qs = append(qs, string(c))
	}
	qs = append(qs, "h n", "9 x", "x 2")
	sub := NewSubset(func() []uint32 {
		var ids []uint32
		for id := uint32(1); id <= 21000; id += 3 {
			ids = append(ids, id)
		}
		return append(ids, 20002)
	}())
	for _, q := range qs {
		for _, s := range []*Subset{nil, sub} {
			all, n := ix.SearchIn(q, s, 0)
			for _, limit := range []int{1, 25, 2000} {
				got, gotN := ix.SearchIn(q, s, limit)
				checkSame(t, fmt.Sprintf("%q limit %d (subset %v)", q, limit, s != nil), got, gotN, all[:min(limit, len(all))], n)
			}
		}
	}
	if ms, _ := ix.SearchIn("h", nil, 5); len(ms) == 0 || ms[0].ID != 20002 {
		t.Fatalf("the field equal to \"h\" is not first: %v", ids(ms))
	}
}
