package store_test

import (
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Check compares a case with the anchor log by a chain over every anchored hash, not by
// the last one alone: an event rewritten (and the chain re-hashed) and then written on by
// repairdesk has the last anchored hash of its case equal to the stored one, and the
// rewrite must still be found, at the event rewritten.
func TestAnchorCatchesRewriteThenWrittenOn(t *testing.T) {
	path, v, by, seq := approved(t)
	rewriteApprover(t, path, v, seq)
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	do(t, s, v, li, workflow.Action{Kind: workflow.ActComment, Comment: "之后的备注"})
	evs, _ := s.Events(v)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	withoutAnchors(t, path)
	probs := checkAfter(t, path, by)
	expectOne(t, probs, v, seq, "rewritten after it was anchored", "anchor entry #")
	if len(evs) <= seq+1 {
		t.Fatalf("the case has %d events: the rewritten one (%d) is not before the last anchored", len(evs), seq)
	}
}
