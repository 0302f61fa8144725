package store

import (
	"path/filepath"
	"testing"
	"time"

	"repairdesk/workflow"
)

// Commits that finish together may announce their cases out of order: the refresh of an
// older version arriving after a newer one must leave the newer row in place, or the
// queue would show a stage the case has left until its next change.
func TestRefreshKeepsTheNewerSummary(t *testing.T) {
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, workflow.ChinaTZ)
	s, wang, in := groupStore(t, filepath.Join(t.TempDir(), "r.db"), Options{Now: func() time.Time { return at }})
	defer s.Close()
	v1, err := s.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Apply(v1.ID, v1.Version, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回申请"})
	if err != nil {
		t.Fatal(err)
	}
	gen := s.Snapshot().Gen
	s.refresh(&v1) // the late refresh of the older commit
	sm, ok := s.Snapshot().Get(v1.ID)
	if !ok || sm.Version != v2.Version || sm.Stage != workflow.StageWithdrawn {
		t.Fatalf("after a late refresh of v%d the summary is v%d %s; want v%d %s", v1.Version, sm.Version, sm.Stage, v2.Version, workflow.StageWithdrawn)
	}
	if g := s.Snapshot().Gen; g != gen {
		t.Errorf("a refresh that changed nothing made a new snapshot (gen %d → %d)", gen, g)
	}
	if open, closed := len(s.Snapshot().Open()), len(s.Snapshot().Closed()); open != 0 || closed != 1 {
		t.Errorf("queues: %d open, %d closed; want the withdrawn case closed only", open, closed)
	}
}
