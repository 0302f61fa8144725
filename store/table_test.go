package store

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestTable: summaries are found by id across chunk boundaries, listed newest first,
// and an edit never changes the table it was made from.
func TestTable(t *testing.T) {
	var list []*Summary
	for _, id := range []uint32{1, 2, 1023, 1024, 1025, 2048, 5000} {
		list = append(list, &Summary{ID: id, Version: 1})
	}
	old := tableOf(list)
	if old.n != len(list) {
		t.Fatalf("n = %d, want %d", old.n, len(list))
	}
	for _, sm := range list {
		if old.get(sm.ID) != sm {
			t.Fatalf("get(%d) missed", sm.ID)
		}
	}
	for _, id := range []uint32{0, 3, 1026, 4999, 5001, 1 << 30} {
		if old.get(id) != nil {
			t.Fatalf("get(%d) found a summary that was never filed", id)
		}
	}
	ids := func(tb table) (out []uint32) {
		for sm := range tb.all() {
			out = append(out, sm.ID)
		}
		return out
	}
	if got := ids(old); !slices.Equal(got, []uint32{5000, 2048, 1025, 1024, 1023, 2, 1}) {
		t.Fatalf("all() = %v", got)
	}

	e := old.edit()
	v2 := &Summary{ID: 1024, Version: 2}
	if was := e.put(v2); was != list[3] {
		t.Fatalf("put replaced %v, want the version-1 summary", was)
	}
	if was := e.put(&Summary{ID: 9000, Version: 1}); was != nil {
		t.Fatalf("a new id replaced %v", was)
	}
	if was := e.put(&Summary{ID: 1024, Version: 3}); was != v2 { // twice in one edit
		t.Fatalf("the second put replaced %v, want version 2", was)
	}
	nt := e.t
	if nt.n != len(list)+1 || nt.get(1024).Version != 3 || nt.get(9000) == nil {
		t.Fatalf("the new table: n %d, 1024 at version %d, 9000 %v", nt.n, nt.get(1024).Version, nt.get(9000))
	}
	if old.n != len(list) || old.get(1024) != list[3] || old.get(9000) != nil || len(old.chunks) != 5 {
		t.Fatal("the edit changed the table it was made from")
	}
	if nt.chunks[1] != old.chunks[1] || nt.chunks[4] != old.chunks[4] || nt.chunks[0] == old.chunks[0] {
		t.Error("chunks the edit did not touch were copied, or the one it changed was not")
	}
	// Within the changed chunk only the leaf of the changed id is copied (ids 1 and 2 are
	// in its first leaf, 1023 and 1024 in its last): a commit copies 64 pointers a
	// summary, not the chunk's 1,024.
	if nt.chunks[0][0] != old.chunks[0][0] || nt.chunks[0][15] == old.chunks[0][15] {
		t.Error("leaves the edit did not touch were copied, or the one it changed was not")
	}
	if old.chunks[0][15][63] != list[3] || nt.chunks[0][15][62] != list[2] {
		t.Error("the changed leaf lost a neighbour, or the old one was changed")
	}
}

// TestSortClosed: the sort on extracted keys orders exactly as ByClosed (which binary
// searches rely on), with equal instants, the zero time and distant years among them.
func TestSortClosed(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	var list []*Summary
	for id := uint32(1); id <= 3000; id++ {
		at := base.Add(time.Duration(r.IntN(500)) * time.Minute).Add(time.Duration(r.IntN(3)) * time.Nanosecond)
		switch id % 97 {
		case 0:
			at = time.Time{}
		case 1:
			at = time.Date(1500+r.IntN(1000), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		list = append(list, &Summary{ID: id, ClosedAt: at})
	}
	r.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
	want := slices.Clone(list)
	slices.SortFunc(want, ByClosed)
	got := slices.Clone(list)
	sortClosed(got)
	if !slices.Equal(got, want) {
		t.Fatal("sortClosed orders differently from ByClosed")
	}
}
