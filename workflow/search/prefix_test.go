package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// prefixDocs are genDocs(n) and docs made to test the summaries' limits: camel case,
// separators before the term's last rune, pinyin beginning with a space, a haystack that
// equals a term, KELVIN SIGN for k, more haystacks than a summary holds, short and long
// identifiers.
func prefixDocs(n int) []Doc {
	docs := genDocs(n)
	id := uint32(n)
	add := func(fields ...string) {
		id++
		docs = append(docs, Doc{ID: id, Fields: fields})
	}
	add("XF-2026-X", "　新乡", "91-9", "x")
	add("xF", "XfX", "X F", "x-f x-f")
	add("XF-2026-000001-F", "xf-xf-xf", "9 1 4", "91")
	add("\u212aF-1", "k", "\u212a", "kk")
	add("hN", "h-n", "h n", "河南-新乡", "河南 新乡", "河南")
	add("wa", "瓦", "哇", " wa", "Wa Wa", "w a")
	add("A", "B", "C", "D", "E", "F", "G", "H", "X-1") // nine haystacks
	add("9", "91", "914", "9141", "91410")
	add("XF-2025-0001", "XF-2025-00012", "xf2025", "XF_2025")
	add("zZ", "zh", "z-h", "zhengzhou", "郑州", "zhèng")
	add("TCL科技", "tcl", "T-CL", "Hn科")
	add("　许1", "q")   // pinyin " xu 1": x found after a space earns more than its initials "x1" allow
	add("　新乡", "abc") // " xin xiang"
	add("x.x", "x/x", "x\\x", "x(x)", "x#x", "x&x", "x+x", "x,x", "x:x", "x@x")
	return docs
}

// prefixQueries are one-term queries the summaries can decide: single letters and digits,
// and the beginnings of the docs' ASCII fields.
func prefixQueries(docs []Doc) []string {
	seen := map[string]bool{}
	var qs []string
	add := func(q string) {
		if q = strings.TrimSpace(q); q != "" && !strings.ContainsAny(q, " \u3000") && !seen[q] {
			seen[q] = true
			qs = append(qs, q)
		}
	}
	for c := 'a'; c <= 'z'; c++ {
		add(string(c))
		add(string(c - 'a' + 'A'))
	}
	for c := '0'; c <= '9'; c++ {
		add(string(c))
	}
	for i, d := range docs {
		if i%97 != 0 && i < len(docs)-12 {
			continue
		}
		for _, f := range d.Fields {
			r := []rune(f)
			for k := 1; k <= min(len(r), 12); k++ {
				add(string(r[:k]))
			}
		}
	}
	for _, q := range []string{"hn", "hnx", "wa", "wan", "zh", "zhe", "XF-", "xf-2", "91", "914", "x-", "X-F", "tc", "Hn"} {
		add(q)
	}
	return qs
}

// TestPrefixSummaryBound checks quick's premise doc by doc: the tier the summary allows
// is at least the doc's, the bound ranks no lower than the doc's hit at that tier, a doc
// the summary says begins with the term matches at the prefix tier at least, and a doc
// the summary puts at the exact tier is exact.
func TestPrefixSummaryBound(t *testing.T) {
	docs := prefixDocs(3000)
	ix := New()
	ix.Upsert(docs...)
	decided, tight := 0, 0
	for i, q := range prefixQueries(docs) {
		if raceEnabled && i%10 != 0 {
			continue
		}
		s := scan{terms: compile(q), limit: 1}
		s.preparePrefix()
		if !s.pre.on {
			continue
		}
		// Every doc's hit, in full.
		full := scan{terms: compile(q), docs: ix.docs}
		full.all, full.allWide = full.terms[0].mask, full.terms[0].wide
		w := &worker{tiers: make([]int8, 1), ends: make([]int32, 1)}
		actual := map[uint32]hit{}
		full.scanRange(w, 0, len(ix.docs))
		for _, h := range w.hits {
			actual[uint32(^h.lo)] = h
		}
		for i := range ix.docs {
			d := &ix.docs[i]
			if d.blob == "" {
				continue
			}
			sum := s.summary(&ix.sums[i], d.id)
			if !sum.ok {
				continue
			}
			decided++
			h, matched := actual[d.id]
			what := fmt.Sprintf("%q on %q", q, docs[slices.IndexFunc(docs, func(x Doc) bool { return x.ID == d.id })].Fields)
			if sum.known && (!matched || h.tier() < tierPrefix) {
				t.Fatalf("%s: the summary says a haystack begins with the term; the doc's hit is %+v (matched %v)", what, h.match(), matched)
			}
			if !matched {
				continue
			}
			if h.tier() > sum.up {
				t.Fatalf("%s: tier %d, the summary allows %d", what, h.tier(), sum.up)
			}
			if sum.up == tierExact && h.tier() != tierExact {
				t.Fatalf("%s: the summary says exact, the doc's tier is %d", what, h.tier())
			}
			if h.tier() == sum.up && sum.up >= tierPrefix {
				if better(&h, &sum.ub) {
					t.Fatalf("%s: hit %+v (field %d) ranks before the bound %+v (field %d)", what,
						h.match(), maxFields-int(^h.lo>>32), sum.ub.match(), maxFields-int(^sum.ub.lo>>32))
				}
				if h == sum.ub {
					tight++
				}
			}
		}
	}
	t.Logf("%d queries, %d docs decided by their summaries, %d bounds tight", len(prefixQueries(docs)), decided, tight)
	if decided < 100000/10 || tight < 10000/10 {
		t.Fatalf("only %d docs decided by their summaries, %d bounds tight", decided, tight)
	}
}

// TestQuickRanksAsFull: one-term queries to a limit, where most docs are decided from
// their summaries, give the whole ranked list's first hits and its total, in a subset and
// over every doc, with the docs' slots in the order of their ids and in the reverse
// order (the store's: newest first).
func TestQuickRanksAsFull(t *testing.T) {
	docs := prefixDocs(12000)
	var sub []uint32
	for _, d := range docs {
		if d.ID%3 != 1 {
			sub = append(sub, d.ID)
		}
	}
	for _, order := range []string{"ids up", "ids down"} {
		ix := New()
		if order == "ids up" {
			ix.Upsert(docs...)
		} else {
			rev := slices.Clone(docs)
			slices.Reverse(rev)
			ix.Upsert(rev...)
		}
		if highIDsFirst(ix.docs) != (order == "ids down") {
			t.Fatalf("%s: highIDsFirst is %v", order, highIDsFirst(ix.docs))
		}
		quick := 0
		for i, q := range prefixQueries(docs) {
			if (raceEnabled && i%15 != 0) || (testing.Short() && i%3 != 0) {
				continue
			}
			for _, scope := range []*Subset{nil, NewSubset(sub)} {
				all, n := ix.SearchIn(q, scope, 0)
				for _, limit := range []int{1, 25, 2000} {
					var st scanStats
					got, gotN, _ := ix.searchAll(searchReq{query: q, sub: scope, limit: limit, rank: true, stats: &st})
					checkSame(t, fmt.Sprintf("%s: %q limit %d (subset %v)", order, q, limit, scope != nil), got, gotN, all[:min(limit, len(all))], n)
					quick += st.quick
				}
			}
		}
		if quick < 50000 {
			t.Fatalf("%s: only %d docs were decided from their summaries", order, quick)
		}
	}
}
