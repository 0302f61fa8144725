package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

func ids(ms []Match) []uint32 {
	out := make([]uint32, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

var sampleDocs = []Doc{
	{ID: 1, Fields: []string{"XF-2026-000001", "河南信修信用管理有限公司", "91410100MA9G5K2X3Q", "王芳"}},
	{ID: 2, Fields: []string{"XF-2026-000002", "北京华信商贸有限公司", "91110000MA01ABCD2E", "李伟"}},
	{ID: 3, Fields: []string{"XF-2026-000003", "郑州恒通物流有限公司", "91410100MA45XYZ12P", "王方明"}},
	{ID: 4, Fields: []string{"XF-2026-000004", "上海鑫源科技股份有限公司", "91310000MA1FL00001", "张伟"}},
	{ID: 5, Fields: []string{"XF-2026-000123", "河南中原建筑工程有限公司", "91410000MA00012345", "吴芳"}},
}

func sampleIndex() *Index {
	ix := New()
	ix.Upsert(sampleDocs...)
	return ix
}

func TestHaystacks(t *testing.T) {
	var e encoder
	blob := e.encode(Doc{ID: 1, Fields: []string{"河南信修信用管理有限公司", "王芳", "TCL科技（深圳）"}})
	var got []string
	for _, h := range decodeHays(blob) {
		got = append(got, fmt.Sprintf("%d/%d:%s", h.field, h.kind&kindMask, h.s))
	}
	want := []string{
		"0/0:河南信修信用管理有限公司", "0/1:he nan xin xiu xin yong guan li you xian gong si", "0/2:hnxxxyglyxgs",
		"1/0:王芳", "1/1:wang fang", "1/2:wf",
		"2/0:TCL科技（深圳）", "2/1:TCL ke ji ( shen zhen )", "2/2:TCLkj(sz)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("haystacks\n got %q\nwant %q", got, want)
	}
}

func TestPinyin(t *testing.T) {
	ix := sampleIndex()
	for _, tc := range []struct {
		q     string
		first uint32   // expected best match (0: none expected)
		all   []uint32 // if set, the exact result set
	}{
		{q: "hnxx", first: 1},
		{q: "HNXX", first: 1},
		{q: "henan", first: 1},
		{q: "hen xin", first: 1},
		{q: "hnxxxyglyxgs", first: 1},
		{q: "henanxinxiuxinyongguanliyouxiangongsi", first: 1},
		{q: "wf", all: []uint32{5, 1, 3}}, // 吴芳 and 王芳 tie (exact initials): higher id first
		{q: "wangfang", all: []uint32{1, 3}},
		{q: "王芳", first: 1, all: []uint32{1}},
		{q: "河南 wf", all: []uint32{5, 1}},
		{q: "hn wangf", all: []uint32{1, 3}},
		{q: "hn 王 91410100", all: []uint32{1, 3}},
		{q: "XF-2026-000001 王芳", all: []uint32{1}},
		{q: "河南 lw", all: []uint32{}},
		{q: "zzzz", all: []uint32{}},
		{q: "zhengzhou", first: 3, all: []uint32{3}},
		{q: "zz htwl", all: []uint32{3}},
		{q: "wfm", first: 3},
		{q: "信修", first: 1, all: []uint32{1}},
	} {
		ms, total := ix.Search(tc.q, nil, 0)
		if total != len(ms) {
			t.Errorf("%q: total %d, %d matches", tc.q, total, len(ms))
		}
		if tc.all != nil && !slices.Equal(ids(ms), tc.all) {
			t.Errorf("%q: got %v, want %v", tc.q, ids(ms), tc.all)
		}
		if tc.first != 0 && (len(ms) == 0 || ms[0].ID != tc.first) {
			t.Errorf("%q: got %v, want %d first", tc.q, ids(ms), tc.first)
		}
	}
}

func TestExactPrefixRanking(t *testing.T) {
	ix := New()
	ix.Upsert(
		Doc{ID: 10, Fields: []string{"XF-2026-000123"}},       // exact
		Doc{ID: 11, Fields: []string{"XF-2026-0001234"}},      // prefix
		Doc{ID: 12, Fields: []string{"XXF-2026-000123"}},      // fuzzy, but a high score
		Doc{ID: 13, Fields: []string{"xf-2026-000123-extra"}}, // prefix, longer (lower score)
		Doc{ID: 14, Fields: []string{"other", "XF-2026-000123"}},
	)
	ms, total := ix.Search("xf-2026-000123", nil, 0)
	if want := []uint32{10, 14, 11, 13, 12}; !slices.Equal(ids(ms), want) || total != 5 {
		t.Fatalf("got %v (total %d), want %v", ids(ms), total, want)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Score > ms[i-1].Score {
			t.Fatalf("scores increase: %v", ms)
		}
	}
	if ms[0].Score < ExactBonus || ms[2].Score < PrefixBonus || ms[2].Score >= ExactBonus || ms[4].Score >= PrefixBonus {
		t.Fatalf("tier bonuses: %v", ms)
	}

	// Ties: same score → earlier field → higher id.
	ix = New()
	ix.Upsert(
		Doc{ID: 1, Fields: []string{"alpha", "beta"}},
		Doc{ID: 2, Fields: []string{"beta", "alpha"}},
		Doc{ID: 3, Fields: []string{"alpha", "beta"}},
	)
	ms, _ = ix.Search("alpha", nil, 0)
	if want := []uint32{3, 1, 2}; !slices.Equal(ids(ms), want) {
		t.Fatalf("ties: got %v, want %v", ids(ms), want)
	}

	// Pinyin prefix beats a raw fuzzy match; exact initials beat both.
	ix = New()
	ix.Upsert(
		Doc{ID: 1, Fields: []string{"王芳"}},
		Doc{ID: 2, Fields: []string{"王芳华"}},
		Doc{ID: 3, Fields: []string{"aweaf"}},
	)
	ms, _ = ix.Search("wf", nil, 0)
	if want := []uint32{1, 2, 3}; !slices.Equal(ids(ms), want) {
		t.Fatalf("pinyin tiers: got %v, want %v", ids(ms), want)
	}
	// Multi-term: tier is the worst term's tier.
	ms, _ = ix.Search("wf wang", nil, 0)
	if want := []uint32{1, 2}; !slices.Equal(ids(ms), want) {
		t.Fatalf("multi-term: got %v, want %v", ids(ms), want)
	}
}

// latinStrings returns random ASCII-ish strings with camel case, separators,
// digits and a few case-folding specials (Kelvin sign, long s).
func latinStrings(r *rand.Rand, n int) []string {
	parts := []string{"alpha", "Beta", "gamma", "DELTA", "xf", "2026", "000123", "file", "Name",
		"k", "s", "\u212a", "\u017f", "é", "É", "ms", "Fuzzy", "finder", "go", "Go", "x"}
	seps := []string{"", "", "-", "_", " ", ".", "/", "\\"}
	out := make([]string, n)
	for i := range out {
		var sb strings.Builder
		for range 1 + r.IntN(5) {
			sb.WriteString(parts[r.IntN(len(parts))])
			sb.WriteString(seps[r.IntN(len(seps))])
		}
		out[i] = sb.String()
	}
	return out
}

func randomPattern(r *rand.Rand, pool []string) string {
	s := []rune(pool[r.IntN(len(pool))])
	var p []rune
	for _, c := range s {
		if c != ' ' && r.IntN(3) == 0 {
			p = append(p, c)
		}
	}
	if len(p) == 0 {
		p = []rune{'a'}
	}
	if r.IntN(4) == 0 {
		p = []rune(strings.ToUpper(string(p)))
	}
	if r.IntN(6) == 0 && len(s) > 0 { // a prefix or the whole string
		p = []rune(strings.ReplaceAll(string(s[:1+r.IntN(len(s))]), " ", ""))
	}
	return string(p)
}

func TestFuzzyScorePort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	strs := latinStrings(r, 400)
	for _, s := range strs[:200] {
		strs = append(strs, strings.ToLower(s), strings.ToUpper(s))
	}
	strs = append(strs, "河南信修信用管理有限公司", "he nan xin xiu", "王芳", "XF-2026-000123", "", "aaaa", "a-a-a", "bab-ab_ab")
	rounds := 3000
	if raceEnabled {
		rounds = 300
	}
	for range rounds {
		p := randomPattern(r, strs)
		tm := compile(p)[0]
		pat := tm.pat
		for _, s := range strs {
			want := fuzzy.Find(p, []string{s})
			got, ok := fuzzyScore(s, pat)
			if ok != (len(want) == 1) || ok != subseq(s, pat) {
				t.Fatalf("fuzzyScore(%q, %q) ok=%v subseq=%v, sahilm %v", s, p, ok, subseq(s, pat), want)
			}
			if ok && got != want[0].Score {
				t.Fatalf("fuzzyScore(%q, %q) = %d, sahilm %d", s, p, got, want[0].Score)
			}
			if isASCII(s) {
				if g, o := fuzzyScoreASCII(s, pat); o != ok || (ok && g != got) {
					t.Fatalf("fuzzyScoreASCII(%q, %q) = %d %v, want %d %v", s, p, g, o, got, ok)
				}
				lower, upper := strings.ToLower(s) == s, strings.ToUpper(s) == s
				if lower || upper {
					if g, o := fuzzyScoreIndex(s, pat, upper); o != ok || (ok && g != got) {
						t.Fatalf("fuzzyScoreIndex(%q, %q, %v) = %d %v, want %d %v", s, p, upper, g, o, got, ok)
					}
				}
			}
			kind := encodeKind(s)
			if ok && got > tm.ubound(kind, len(s)) {
				t.Fatalf("score(%q, %q) = %d > bound %d (kind %#x)", s, p, got, tm.ubound(kind, len(s)), kind)
			}
			if g, o := scoreHay(s, pat, kind); o != ok || (ok && g != got) {
				t.Fatalf("scoreHay(%q, %q, %#x) = %d %v, want %d %v", s, p, kind, g, o, got, ok)
			}
			if subseqHay(s, pat, kind) != ok {
				t.Fatalf("subseqHay(%q, %q, %#x) != %v", s, p, kind, ok)
			}
		}
	}
}

type hayView struct {
	s     string
	field int
	kind  byte
}

func decodeHays(blob string) []hayView {
	var out []hayView
	nh := hayCount(blob)
	text := blobHead + nh*hayHeader
	for k := range nh {
		hp := blobHead + k*hayHeader
		n := hayLen(blob, hp)
		out = append(out, hayView{blob[text : text+n], int(blob[hp+10]), blob[hp+11]})
		text += n
	}
	return out
}

// encodeKind is the kind byte appendHay computes for a raw haystack s.
func encodeKind(s string) byte {
	var e encoder
	var w uint64
	var sf uint32
	e.appendHay(nil, s, 0, kindRaw, &w, &sf)
	return e.hdr[11]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func foldPrefix(s, p string) bool {
	rs, rp := []rune(s), []rune(p)
	return len(rs) >= len(rp) && strings.EqualFold(string(rs[:len(rp)]), p)
}

// TestLatinRanksLikeFuzzy: for plain Latin queries the matches, their fuzzy
// scores and their order are sahilm/fuzzy's (fed in descending-id order, so
// its stable sort breaks ties like the index), except that exact and prefix
// matches of the field come first.
func TestLatinRanksLikeFuzzy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	strs := latinStrings(r, 3000)
	ix := New()
	for i, s := range strs {
		ix.Upsert(Doc{ID: uint32(i + 1), Fields: []string{s}})
	}
	desc := slices.Clone(strs)
	slices.Reverse(desc) // desc[k] has id len(strs)-k
	rounds := 300
	if raceEnabled {
		rounds = 60
	}
	for range rounds {
		q := randomPattern(r, strs)
		fm := fuzzy.Find(q, desc)
		tier := func(s string) int {
			switch {
			case strings.EqualFold(s, q):
				return 2
			case foldPrefix(s, q):
				return 1
			}
			return 0
		}
		slices.SortStableFunc(fm, func(a, b fuzzy.Match) int { return tier(b.Str) - tier(a.Str) })
		got, total := ix.Search(q, nil, 0)
		if total != len(fm) || len(got) != len(fm) {
			t.Fatalf("%q: %d matches (total %d), sahilm %d", q, len(got), total, len(fm))
		}
		for i, m := range fm {
			id := uint32(len(strs) - m.Index)
			bonus := [3]int{0, PrefixBonus, ExactBonus}[tier(m.Str)]
			if got[i].ID != id || got[i].Score != bonus+m.Score {
				t.Fatalf("%q #%d: got id %d score %d, sahilm %q id %d score %d (+%d)", q, i, got[i].ID, got[i].Score, m.Str, id, m.Score, bonus)
			}
		}
		// Without exact/prefix matches the order is sahilm's unchanged.
		if lim, _ := ix.Search(q, nil, 7); !slices.Equal(lim, got[:min(7, len(got))]) {
			t.Fatalf("%q: limit 7 = %v, want %v", q, lim, got[:min(7, len(got))])
		}
	}
}

// reference is a slow, independent implementation of the ranking rules on
// top of fuzzy.Find, over the same haystacks.
type refDoc struct {
	id   uint32
	hays []hayView
}

func refDocs(docs []Doc) []refDoc {
	var e encoder
	out := make([]refDoc, len(docs))
	for i, d := range docs {
		out[i] = refDoc{d.ID, decodeHays(e.encode(d))}
	}
	return out
}

func reference(docs []refDoc, query string, within []uint32, limit int) ([]Match, int) {
	terms := strings.Fields(query)
	if len(terms) == 0 {
		return nil, 0
	}
	var in map[uint32]bool
	if within != nil {
		in = map[uint32]bool{}
		for _, id := range within {
			in[id] = true
		}
	}
	var hits []hit
	for _, d := range docs {
		if in != nil && !in[d.id] {
			continue
		}
		hays := d.hays
		tier, score, field := tierExact, 0, uint8(maxFields)
		ok := true
		for _, q := range terms {
			tiers := make([]int8, len(hays))
			scores := make([]int, len(hays))
			best := tierNone
			for k, y := range hays {
				tiers[k] = tierNone
				fm := fuzzy.Find(q, []string{y.s})
				if len(fm) == 0 {
					continue
				}
				scores[k] = fm[0].Score
				cmp := y.s
				if y.kind&kindMask != kindRaw {
					cmp = strings.ReplaceAll(cmp, " ", "")
				}
				switch {
				case strings.EqualFold(cmp, q):
					tiers[k] = tierExact
				case foldPrefix(cmp, q):
					tiers[k] = tierPrefix
				case pinyinWord(q) && y.kind&kindMask == kindPinyin && !refSyllables(y.s, q):
					continue // whole-word pinyin: syllable by syllable only
				default:
					tiers[k] = tierFuzzy
				}
				best = max(best, tiers[k])
			}
			if best == tierNone {
				ok = false
				break
			}
			bk := -1
			for k := range hays {
				if tiers[k] == best && (bk < 0 || scores[k] > scores[bk]) {
					bk = k
				}
			}
			tier = min(tier, best)
			score += scores[bk]
			field = min(field, uint8(hays[bk].field))
		}
		if ok {
			hits = append(hits, makeHit(tier, score, field, d.id))
		}
	}
	slices.SortFunc(hits, cmpHit)
	total := len(hits)
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	var ms []Match
	for i := range hits {
		ms = append(ms, hits[i].match())
	}
	return ms, total
}

// refSyllables is syllableMatch written plainly: q (spaces ignored) begins the text of
// the pinyin haystack from one of its syllables on.
func refSyllables(hay, q string) bool {
	syl := strings.Fields(hay)
	for i := range syl {
		if foldPrefix(strings.Join(syl[i:], ""), q) {
			return true
		}
	}
	return false
}

var fixedQueries = []string{
	"h", "hn", "hnx", "hnxx", "henan", "hen xin", "河南 wf", "wangf", "王", "王芳", "XF-2026-0123",
	"XF-2026-000123", "91410", "xf 王", "ma", "gs", "郑州 信用", "xinyong", "wangfang", "zz",
	"9141 hn", "有限公司", "（有限合伙）", "fgs", "w", "x", "9", "0", "长沙", "changsha", "cs",
	"xinxiang", "xinx", "xiang", "an", "nan", "gongsi", "wangfan",
}

func checkSame(t *testing.T, what string, got []Match, gotTotal int, want []Match, wantTotal int) {
	t.Helper()
	if gotTotal != wantTotal || !slices.Equal(got, want) {
		n := min(len(got), 5)
		m := min(len(want), 5)
		t.Fatalf("%s: got %d/%d %v…, want %d/%d %v…", what, len(got), gotTotal, got[:n], len(want), wantTotal, want[:m])
	}
}

func TestAgainstReference(t *testing.T) {
	n, random := 5000, 25 // two scan chunks
	if testing.Short() || raceEnabled {
		random = 5
	}
	docs := genDocs(n)
	ix := New()
	ix.Upsert(docs...)
	r := rand.New(rand.NewPCG(5, 6))
	queries := slices.Clone(fixedQueries)
	if raceEnabled {
		queries = queries[:10]
	}
	for range random {
		d := docs[r.IntN(len(docs))]
		f := d.Fields[r.IntN(len(d.Fields))]
		rs := []rune(f)
		a := r.IntN(len(rs))
		b := a + 1 + r.IntN(len(rs)-a)
		queries = append(queries, string(rs[a:b]))
	}
	ref := refDocs(docs)
	for _, q := range queries {
		want, wt := reference(ref, q, nil, 0)
		for _, limit := range []int{0, 1, 20} {
			got, gt := ix.Search(q, nil, limit)
			w := want
			if limit > 0 && len(w) > limit {
				w = w[:limit]
			}
			checkSame(t, fmt.Sprintf("%q limit %d", q, limit), got, gt, w, wt)
		}
	}
}

func TestWithinNarrowing(t *testing.T) {
	docs := genDocs(12000)
	ix := New()
	ix.Upsert(docs...)
	for _, typed := range []string{"hnxx", "wangf", "XF-2026-0123", "91410", "河南 wf"} {
		var prev []uint32
		for i := 1; i <= len(typed); i++ {
			q := typed[:i]
			if !utf8.ValidString(q) || strings.TrimSpace(q) == "" {
				continue
			}
			full, ftotal := ix.Search(q, nil, 0)
			if prev != nil {
				got, total := ix.Search(q, prev, 0)
				checkSame(t, fmt.Sprintf("%q within previous", q), got, total, full, ftotal)
				got, total = ix.Search(q, prev, 10)
				checkSame(t, fmt.Sprintf("%q within previous, limit 10", q), got, total, full[:min(10, len(full))], ftotal)
			}
			prev = ids(full)
		}
	}
	// Arbitrary subsets, unknown and duplicate ids.
	r := rand.New(rand.NewPCG(7, 8))
	for _, q := range fixedQueries {
		full, _ := ix.Search(q, nil, 0)
		var within []uint32
		in := map[uint32]bool{}
		for range r.IntN(20000) {
			id := uint32(r.IntN(14000))
			within = append(within, id)
			in[id] = true
		}
		var want []Match
		for _, m := range full {
			if in[m.ID] {
				want = append(want, m)
			}
		}
		got, total := ix.Search(q, within, 0)
		checkSame(t, fmt.Sprintf("%q within random", q), got, total, want, len(want))
	}
	if ms, total := ix.Search("h", []uint32{}, 0); ms != nil || total != 0 {
		t.Fatalf("empty within: %v %d", ms, total)
	}
}

func TestRemoveUpsert(t *testing.T) {
	ix := sampleIndex()
	if ix.Len() != 5 {
		t.Fatalf("Len %d", ix.Len())
	}
	ix.Remove(1)
	ix.Remove(1)
	ix.Remove(999)
	if ix.Len() != 4 {
		t.Fatalf("Len after remove %d", ix.Len())
	}
	if ms, _ := ix.Search("hnxxxy", nil, 0); len(ms) != 0 {
		t.Fatalf("removed doc found: %v", ms)
	}
	ix.Upsert(Doc{ID: 3, Fields: []string{"XF-2026-000003", "洛阳宏达商贸有限公司"}})
	if ms, _ := ix.Search("zhengzhou", nil, 0); len(ms) != 0 {
		t.Fatalf("replaced doc still found by old text: %v", ms)
	}
	if ms, _ := ix.Search("lyhd", nil, 0); !slices.Equal(ids(ms), []uint32{3}) {
		t.Fatalf("replaced doc not found by new text: %v", ms)
	}
	ix.Upsert(Doc{ID: 1, Fields: []string{"XF-2026-000001", "河南信修信用管理有限公司"}}, Doc{ID: 1 << 31, Fields: []string{"河南大ID"}},
		Doc{ID: 4_000_000_000, Fields: []string{"河南更大"}})
	if ix.Len() != 7 {
		t.Fatalf("Len after re-add %d", ix.Len())
	}
	ms, _ := ix.Search("henan", nil, 0)
	// Prefixes (shorter pinyin scores higher). 上海鑫源… (s-H-ai … x-i-a-N) no longer: henan
	// is pinyin, matched syllable by syllable.
	if want := []uint32{1 << 31, 4_000_000_000, 1, 5}; !slices.Equal(ids(ms), want) {
		t.Fatalf("got %v, want %v", ids(ms), want)
	}
	ix.Remove(1 << 31)
	if ms, _ := ix.Search("henan", []uint32{1 << 31, 4_000_000_000}, 0); !slices.Equal(ids(ms), []uint32{4_000_000_000}) {
		t.Fatalf("sparse ids: %v", ms)
	}
	// Many sequential ids move from the sparse map into the dense table.
	for id := uint32(100); id < 300_000; id += 3 {
		ix.Upsert(Doc{ID: id, Fields: []string{fmt.Sprint("case", id)}})
	}
	if ms, total := ix.Search("case299998", nil, 0); total != 1 || ms[0].ID != 299998 {
		t.Fatalf("dense ids: %v %d", ms, total)
	}
	if ms, _ := ix.Search("henan", nil, 0); !slices.Equal(ids(ms), []uint32{4_000_000_000, 1, 5}) {
		t.Fatalf("after growth: %v", ids(ms))
	}
}

func TestEmptyQuery(t *testing.T) {
	ix := sampleIndex()
	for _, q := range []string{"", " ", "\t \u3000"} {
		if ms, total := ix.Search(q, nil, 10); ms != nil || total != 0 {
			t.Fatalf("%q: %v %d", q, ms, total)
		}
	}
	if ms, total := New().Search("x", nil, 0); ms != nil || total != 0 {
		t.Fatalf("empty index: %v %d", ms, total)
	}
}

func TestLimit(t *testing.T) {
	docs := genDocs(20000)
	ix := New()
	ix.Upsert(docs...)
	for _, q := range fixedQueries {
		full, total := ix.Search(q, nil, 0)
		if total != len(full) {
			t.Fatalf("%q: total %d != %d", q, total, len(full))
		}
		for _, limit := range []int{1, 3, 50, 1000} {
			got, gt := ix.Search(q, nil, limit)
			checkSame(t, fmt.Sprintf("%q limit %d", q, limit), got, gt, full[:min(limit, len(full))], total)
		}
		for i := 1; i < len(full); i++ {
			if full[i].Score > full[i-1].Score {
				t.Fatalf("%q: scores increase at %d", q, i)
			}
		}
	}
}

func TestConcurrent(t *testing.T) {
	docs := genDocs(9000)
	ix := New()
	ix.Upsert(docs[:6000]...)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := fixedQueries[(i+w)%len(fixedQueries)]
				ms, total := ix.Search(q, nil, 20)
				if len(ms) > 20 || total < len(ms) {
					t.Errorf("%q: %d matches, total %d", q, len(ms), total)
					return
				}
				if len(ms) > 0 {
					ix.Search(q+"x", ids(ms), 0)
				}
			}
		}()
	}
	for i := 6000; i < len(docs); i += 100 {
		ix.Upsert(docs[i : i+100]...)
		ix.Remove(uint32(i - 5000))
		_ = ix.Len()
	}
	close(stop)
	wg.Wait()
	if ix.Len() != 9000-30 {
		t.Fatalf("Len %d", ix.Len())
	}
}

func TestSortHits(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var tmp []hit
	for _, n := range []int{0, 1, 5, 255, 256, 1000, 70000} {
		h := make([]hit, n)
		for i := range h {
			h[i] = makeHit(int8(r.IntN(3)), r.IntN(400)-200, uint8(r.IntN(4)), r.Uint32())
			if n == 1000 {
				h[i] = makeHit(int8(r.IntN(3)), int(r.Int64()), uint8(r.IntN(256)), r.Uint32())
			}
			if i%7 == 0 && i > 0 {
				h[i] = h[i-1] // duplicates
			}
		}
		want := slices.Clone(h)
		slices.SortFunc(want, cmpHit)
		tmp = sortHits(h, tmp)
		if !slices.Equal(h, want) {
			t.Fatalf("n=%d: radix sort differs", n)
		}
	}
}

// TestChurn replaces and removes docs one at a time (slot reuse, repacking)
// and compares with an index built from the final docs in one go.
func TestChurn(t *testing.T) {
	docs := genDocs(6000)
	ix := New()
	ix.Upsert(docs...)
	r := rand.New(rand.NewPCG(11, 12))
	final := map[uint32]Doc{}
	for _, d := range docs {
		final[d.ID] = d
	}
	repacks := 0
	for i := range 20000 {
		d := docs[r.IntN(len(docs))]
		switch r.IntN(3) {
		case 0:
			ix.Remove(d.ID)
			delete(final, d.ID)
		default:
			d = Doc{ID: d.ID, Fields: slices.Clone(d.Fields)}
			d.Fields[0] = fmt.Sprintf("XF-2027-%06d", i)
			ix.Upsert(d)
			final[d.ID] = d
		}
		if ix.wasteBytes == 0 {
			repacks++
		}
	}
	if repacks == 0 {
		t.Fatal("no repack happened")
	}
	fresh := New()
	var all []Doc
	for _, d := range final {
		all = append(all, d)
	}
	fresh.Upsert(all...)
	if ix.Len() != len(final) || fresh.Len() != len(final) {
		t.Fatalf("Len %d / %d, want %d", ix.Len(), fresh.Len(), len(final))
	}
	for _, q := range append(slices.Clone(fixedQueries), "XF-2027", "2027 hn", "XF-2026-00") {
		got, gt := ix.Search(q, nil, 0)
		want, wt := fresh.Search(q, nil, 0)
		checkSame(t, q, got, gt, want, wt)
	}
}

func TestLongQuery(t *testing.T) {
	ix := New()
	var strs []string
	for i := range 600 {
		s := fmt.Sprintf("abcdefghijklmnopqrstuvwxyz0123456789-%d-%s", i, strings.Repeat("x", i%7))
		if i%3 == 0 {
			s = "z" + s
		}
		strs = append(strs, s)
		ix.Upsert(Doc{ID: uint32(i + 1), Fields: []string{s}})
	}
	for _, q := range []string{"abcdefghijklmnopqrstuvwxyz0123456789", "bcdefghijklmnopqrstuvwxyz0123456789-1", "a b c d e f g h i j k l m n o p q r s t u v w x y z"} {
		full, total := ix.Search(q, nil, 0)
		for _, limit := range []int{1, 5, 100} {
			got, gt := ix.Search(q, nil, limit)
			checkSame(t, fmt.Sprintf("%q limit %d", q, limit), got, gt, full[:min(limit, len(full))], total)
		}
	}
}

// TestPinyinSyllableBySyllable: a query that reads as pinyin matches a pinyin haystack
// syllable by syllable (the last may be cut short), never by letters picked across
// syllables; initials and the text as written still match fuzzily.
func TestPinyinSyllableBySyllable(t *testing.T) {
	ix := New()
	ix.Upsert(
		Doc{ID: 1, Fields: []string{"XF-2026-000001", "河南豫兴商贸有限公司"}},  // he nan yu xing shang mao you xian gong si
		Doc{ID: 2, Fields: []string{"XF-2026-000002", "新乡市宏达物流有限公司"}}, // xin xiang shi hong da wu liu …
		Doc{ID: 3, Fields: []string{"XF-2026-000003", "Xinxiang Trading Ltd"}},
	)
	for _, tc := range []struct {
		q    string
		want []uint32
	}{
		{"xinxiang", []uint32{3, 2}}, // not 豫兴 (x-i-n from xing, x-i-a-n from xian, g from gong)
		{"XinXiang", []uint32{3, 2}},
		{"xinxia", []uint32{3, 2}},    // on the way to xiang
		{"xiangshi", []uint32{2}},     // from the second syllable on
		{"yuxing", []uint32{1}},       // 豫兴
		{"xingshang", []uint32{1}},    // 兴商
		{"xiang", []uint32{3, 2, 1}},  // 乡, and 限公 as xian·g…; not xi·an·g across 兴商
		{"hnyx", []uint32{1, 2}},      // not pinyin (h is no syllable): initials first, then fuzzy in hong…you xian
		{"xxs", []uint32{2, 1}},       // initials of 新乡市, then fuzzy
		{"xinx", []uint32{3, 2}},      // xin·x…: x begins a syllable
		{"gongsi", []uint32{2, 1}},    // 公司 in both
		{"henan yuxing", []uint32{1}}, // two words
		{"hen", []uint32{1}},          // he·n…
		{"xf yuxing", []uint32{1}},    // xf is not pinyin: fuzzy on the case number
		{"yuxingg", []uint32{}},       // ng·g… is no reading of 商
		{"xinxiangshihongda", []uint32{2}},
	} {
		ms, total := ix.Search(tc.q, nil, 0)
		if got := ids(ms); !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("%q: got %v (total %d), want %v", tc.q, got, total, tc.want)
		}
	}
	for q, want := range map[string]bool{"xinxiang": true, "xinx": true, "henan": true, "wangf": true, "hnxx": false,
		"wf": false, "x": false, "xf": false, "zhengzhou": true, "ng": false, "an": true, "王芳": false, "xin2": false} {
		if got := pinyinWord(q); got != want {
			t.Errorf("pinyinWord(%q) = %v, want %v", q, got, want)
		}
	}
}
