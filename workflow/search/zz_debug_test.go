package search

import "testing"

func TestZZDebug(t *testing.T) {
	ix := New()
	ix.Upsert(genDocs(100000)...)
	for _, q := range []string{"X", "XF", "hn"} {
		var st scanStats
		ms, n, _ := ix.searchAll(searchReq{query: q, limit: 2000, rank: true, stats: &st})
		t.Logf("%-8q total %6d quick %6d full %6d  worst %+v", q, n, st.quick, st.full, ms[len(ms)-1])
		s := scan{terms: compile(q), limit: 2000}
		s.preparePrefix()
		w := &worker{hits: make([]hit, 2000)}
		w.hits[0] = makeHit(tierPrefix, ms[len(ms)-1].Score-PrefixBonus, 3, ms[len(ms)-1].ID)
		if q == "XF" {
			w.hits[0] = makeHit(tierExact, ms[len(ms)-1].Score-ExactBonus, 3, ms[len(ms)-1].ID)
		}
		shown := 0
		for i := range ix.docs {
			d := &ix.docs[i]
			if d.mask&compile(q)[0].mask != compile(q)[0].mask {
				continue
			}
			if !s.quick(w, d, i) && shown < 6 {
				shown++
				t.Logf("  %v %x", decodeHays(d.blob), d.hs)
			}
		}
	}
}
