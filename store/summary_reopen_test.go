package store_test

import (
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// assertSummariesMatchCases: every queue row is the one its case gives — stage, version,
// owner, dates and the deadline the SLA computes from the whole case.
func assertSummariesMatchCases(t *testing.T, s *store.Store, when string, ids ...uint32) {
	t.Helper()
	snap := s.Snapshot()
	if snap.Len() != len(ids) {
		t.Errorf("%s: %d summaries, want %d", when, snap.Len(), len(ids))
	}
	st := s.Settings()
	for _, id := range ids {
		c, err := s.Case(id)
		if err != nil {
			t.Fatal(err)
		}
		sm, ok := snap.Get(id)
		if !ok {
			t.Errorf("%s: case %s has no summary", when, c.No)
			continue
		}
		if k := len(c.Notices); k > 0 && !sm.NoticeDue.Equal(c.Notices[k-1].Deadline) {
			t.Errorf("%s: %s notice due %v, case %v", when, c.No, sm.NoticeDue, c.Notices[k-1].Deadline)
		}
		if sm.Stage != c.Stage || sm.Version != c.Version || sm.Owner != c.Owner ||
			!sm.StageSince.Equal(c.StageSince) || !sm.UpdatedAt.Equal(c.UpdatedAt) || !sm.ClosedAt.Equal(c.ClosedAt) {
			t.Errorf("%s: %s summary says %s v%d owner %s since %v; the case is %s v%d owner %s since %v",
				when, c.No, sm.Stage, sm.Version, sm.Owner, sm.StageSince, c.Stage, c.Version, c.Owner, c.StageSince)
		}
		want := st.SLA.DueOf(&c, st.Calendar())
		if !sm.Due.At.Equal(want.At) || sm.Due.Paused != want.Paused || sm.Due.Kind != want.Kind {
			t.Errorf("%s: %s at %s: queue deadline %+v, the case's %+v", when, c.No, c.Stage, sm.Due, want)
		}
	}
}

// The summary row is written in the same commit as the case: after a restart the queue
// shows the stage and deadline of the case, not of an earlier version. A store that
// only rebuilt missing rows at start-up would pass one reopen; actions taken after a
// reopen, then a second and a third reopen, are what catch a commit that skips the row.
func TestSummaryRowsSurviveReopen(t *testing.T) {
	s, path, clk := newStore(t)
	a := create(t, s, entA)
	b := create(t, s, entB)
	c := create(t, s, entC)
	ids := []uint32{a.ID, b.ID, c.ID}
	advance(t, s, a.ID, workflow.StageInvestigating)
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActRequestMaterials})
	assertSummariesMatchCases(t, s, "before any restart", ids...)

	s.Close()
	s = openStore(t, path, clk)
	assertSummariesMatchCases(t, s, "first reopen", ids...)

	// New commits after the restart: each must rewrite its row.
	advance(t, s, a.ID, workflow.StagePendingApproval)
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActMaterialsReceived})
	do(t, s, c.ID, chen, workflow.Action{Kind: workflow.ActReassign, Assignee: li.Name})
	do(t, s, c.ID, li, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回申请"})
	assertSummariesMatchCases(t, s, "after the actions", ids...)

	s.Close()
	s = openStore(t, path, clk)
	assertSummariesMatchCases(t, s, "second reopen", ids...)
	if sm := mustSummary(t, s, a.ID); sm.Stage != workflow.StagePendingApproval || sm.MayApprove(wang.Name) {
		t.Errorf("case %s after the second reopen: %s, four-eyes blocked %v", a.No, sm.Stage, sm.Blocked)
	}
	if sm := mustSummary(t, s, b.ID); sm.Stage != workflow.StageFormalReview || sm.Due.Paused {
		t.Errorf("case %s after the second reopen: %s due %+v; want formal review, the agency's deadline", b.No, sm.Stage, sm.Due)
	}
	if sm := mustSummary(t, s, c.ID); sm.Stage != workflow.StageWithdrawn || !sm.Due.At.IsZero() || sm.Owner != li.Name {
		t.Errorf("case %s after the second reopen: %s owner %s due %+v", c.No, sm.Stage, sm.Owner, sm.Due)
	}

	s.Close()
	s = openStore(t, path, clk)
	assertSummariesMatchCases(t, s, "third reopen", ids...)
}
