package search

import (
	"fmt"
	"slices"
	"testing"
)

// TestSubset: SearchIn gives what Search gives with the same ids, also after docs were
// added (the bitmap is shorter than the index), after a slot was freed and reused by
// another id, and after an id that was not indexed when the subset was made is indexed.
func TestSubset(t *testing.T) {
	ix := New()
	var docs []Doc
	for id := uint32(1); id <= 3000; id++ {
		docs = append(docs, Doc{ID: id, Fields: []string{fmt.Sprintf("XF-2026-%06d", id), []string{"河南信修商贸有限公司", "郑州华信物流有限公司", "洛阳宏达科技有限公司"}[id%3], "王芳"}})
	}
	ix.Upsert(docs[:2000]...)
	var in []uint32
	for id := uint32(1); id <= 3000; id += 2 { // odd ids; those above 2000 are not indexed yet
		in = append(in, id)
	}
	sub := NewSubset(in)
	same := func(what string) {
		t.Helper()
		for _, q := range []string{"hnxx", "河南", "XF-2026-0015", "wf", "物流"} {
			for _, limit := range []int{0, 7} {
				want, wantN := ix.Search(q, in, limit)
				got, gotN := ix.SearchIn(q, sub, limit)
				if gotN != wantN || !slices.Equal(ids(got), ids(want)) {
					t.Fatalf("%s, %q limit %d: SearchIn %d %v, Search %d %v", what, q, limit, gotN, ids(got), wantN, ids(want))
				}
			}
		}
	}
	same("first")
	same("again, from the kept bitmap")
	ix.Upsert(docs[2000:]...) // more docs: odd ids above 2000 join the subset's results
	same("after docs were added")
	if _, n := ix.SearchIn("XF-2026-002999", sub, 0); n != 1 {
		t.Fatalf("an id indexed after the subset was made is not found (%d)", n)
	}
	ix.Remove(3)
	ix.Upsert(Doc{ID: 4000, Fields: []string{"XF-2026-004000", "河南信修商贸有限公司", "王芳"}}) // takes slot of 3
	same("after a slot was freed and reused")
	for _, m := range func() []Match { ms, _ := ix.SearchIn("河南", sub, 0); return ms }() {
		if m.ID == 4000 {
			t.Fatal("the doc in a reused slot is taken for a member of the subset")
		}
	}
	if ms, n := ix.SearchIn("河南", NewSubset(nil), 0); n != 0 || ms != nil {
		t.Fatal("an empty subset found something")
	}
}

// TestLazySubset: a lazy subset lists its ids once, on first use, and searches as a
// subset made from the same ids.
func TestLazySubset(t *testing.T) {
	ix := New()
	var docs []Doc
	for id := uint32(1); id <= 500; id++ {
		docs = append(docs, Doc{ID: id, Fields: []string{fmt.Sprintf("XF-2026-%06d", id), []string{"河南信修商贸有限公司", "郑州华信物流有限公司"}[id%2]}})
	}
	ix.Upsert(docs...)
	var in []uint32
	for id := uint32(3); id <= 500; id += 3 {
		in = append(in, id)
	}
	calls := 0
	sub := LazySubset(func() []uint32 { calls++; return in })
	if calls != 0 {
		t.Fatal("the ids were listed when the subset was made")
	}
	for _, q := range []string{"hnxx", "物流", "XF-2026-0004"} {
		want, wantN := ix.Search(q, in, 0)
		got, gotN := ix.SearchIn(q, sub, 0)
		if gotN != wantN || !slices.Equal(ids(got), ids(want)) {
			t.Fatalf("%q: lazy subset %d %v, Search %d %v", q, gotN, ids(got), wantN, ids(want))
		}
	}
	if !slices.Equal(sub.IDs(), in) || calls != 1 {
		t.Fatalf("ids listed %d times (want once); IDs %d of %d", calls, len(sub.IDs()), len(in))
	}
	if ms, n := ix.SearchIn("hnxx", LazySubset(func() []uint32 { return nil }), 0); n != 0 || ms != nil {
		t.Fatal("an empty lazy subset found something")
	}
}
