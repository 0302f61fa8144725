package store

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDueListSorts: the radix sort gives the comparison sort's order, whatever the ids'
// order, the deadlines' spread (negative seconds, nanoseconds, many equal) and the sizes
// around its thresholds and blocks.
func TestDueListSorts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []struct {
		name string
		make func(i int) openDueEntry
		asc  bool
	}{
		{"days, ids ascending", func(i int) openDueEntry {
			return openDueEntry{sec: 1_750_000_000 + 86400*r.Int64N(900), id: uint32(i + 1), owner: int32(r.IntN(7))}
		}, true},
		{"seconds and nanoseconds, ids shuffled", func(i int) openDueEntry {
			return openDueEntry{sec: 1_700_000_000 + r.Int64N(1e8), nsec: int32(r.IntN(1e9)), id: r.Uint32(), owner: int32(r.IntN(7))}
		}, false},
		{"before 1970 and after, few deadlines", func(i int) openDueEntry {
			return openDueEntry{sec: []int64{-86400 * 400, -1, 0, 1, 86400}[r.IntN(5)], id: r.Uint32N(1 << 20)}
		}, false},
		{"one deadline", func(i int) openDueEntry { return openDueEntry{sec: 1_800_000_000, id: uint32(i + 1)} }, true},
	}
	for _, k := range kinds {
		for _, n := range []int{0, 1, 2, 1023, 1024, 4095, 4096, dueBlock, dueBlock + 1, 3*dueBlock + 17} {
			var l dueList
			var want []openDueEntry
			for i := range n {
				e := k.make(i)
				l.add(e)
				want = append(want, e)
			}
			slices.SortFunc(want, openDueEntry.before)
			got := l.sorted()
			if len(got) != n || !slices.Equal(got, want) {
				t.Fatalf("%s, %d entries: the order differs from the comparison sort's", k.name, n)
			}
			if l.n != 0 || l.blocks != nil {
				t.Fatalf("%s: the list is not emptied", k.name)
			}
		}
	}
}
