package store

import (
	"testing"
	"time"
)

// TestIndexOnDemand: a store opened for a bulk tool (Options.IndexOnDemand) loads its
// summaries but leaves the search index unbuilt; the first search builds it and finds
// what a store indexed at open finds. And a check of such a store reports the cases it
// walked, the count VerifyFile gives without walking the file again.
func TestIndexOnDemand(t *testing.T) {
	w := demoStore(t, 120, 17)
	path := w.path
	w.Close()
	s, err := Open(path, Options{ReadOnly: true, IndexOnDemand: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sn := s.Snapshot()
	if sn.Len() != 120 {
		t.Fatalf("%d summaries, want 120", sn.Len())
	}
	deadline := time.Now().Add(10 * time.Second)
	for { // the load hands the build over from a goroutine of its own
		s.ixMu.Lock()
		ready, later := s.ixReady, s.ixLater != nil
		s.ixMu.Unlock()
		if ready {
			t.Fatal("the index was built at open although no search asked for it")
		}
		if later {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the load never left the index's build for the first search")
		}
		time.Sleep(time.Millisecond)
	}
	var want *Summary
	for sm := range sn.All() {
		want = sm
		break
	}
	ms, n := s.Search(want.No, nil, 10)
	if n == 0 || len(ms) == 0 || ms[0].ID != want.ID {
		t.Fatalf("search for %s found %v (%d), want case %d first", want.No, ms, n, want.ID)
	}
	s.ixMu.Lock()
	ready := s.ixReady
	s.ixMu.Unlock()
	if !ready {
		t.Fatal("the index is not ready after the first search")
	}
	if got := s.checkedKeys.Load(); got != -1 {
		t.Fatalf("checked keys %d before any check, want -1", got)
	}
	if probs := s.Check(); len(probs) > 0 {
		t.Fatalf("check of a fresh demo: %v", probs)
	}
	if got := s.checkedKeys.Load(); got != 120 {
		t.Fatalf("the check walked %d cases, want 120", got)
	}
}
