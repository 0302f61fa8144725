package store

import (
	"slices"
	"testing"
	"time"

	"repairdesk/workflow"
)

// A node's next group waits for the actions of the group before it to come back when
// fewer are queued (gather): these tests hold that group's anchor fsync, so that its
// answers are known to come late, and give the wait a long bound, so that what is
// checked is the rule and not the machine's speed.

// gatherCases makes n more cases on the node.
func gatherCases(t *testing.T, s *Store, wang workflow.Staff, n int) []workflow.Case {
	t.Helper()
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "洛阳恒达建材有限公司", CreditCode: "91110000600037341L", LegalRep: "李强", Address: "洛阳市西工区中州路2号"},
		Agent:      workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-2026-0002"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行洛阳分行", Date: "2025-03-01", Problem: "wrong_data"}},
	}
	var cs []workflow.Case
	for range n {
		c, err := s.Create(wang, in, "")
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	return cs
}

// groupSizes is the sizes of the node's group transactions since TraceCommits(true).
func groupSizes(s *Store) []int {
	var n []int
	for _, g := range s.GroupTraces() {
		n = append(n, g.Size)
	}
	return n
}

// TestNextGroupTakesTheAnsweredBack: a group of two commits and its anchor fsync is held;
// an action queued meanwhile does not start a group of one while the two wait for their
// answers: when they are answered and act again at once, the three commit as one group.
// Every action is answered once, without error, and every case is at its version.
func TestNextGroupTakesTheAnsweredBack(t *testing.T) {
	_, _, s, wang, _ := anchorNode(t, false)
	cs := gatherCases(t, s, wang, 3)
	s.gatherWait = 10 * time.Second
	s.TraceCommits(true)
	defer s.TraceCommits(false)

	entered, release := holdAnchorSync(t, s)
	// The first two queue while the test holds the node's turn, so that they are one group.
	s.commitTurn <- struct{}{}
	again := make(chan applied, 2)
	for _, c := range cs[:2] {
		go func() {
			n, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "第一组"})
			if err != nil {
				again <- applied{n, err}
				return
			}
			// Answered: act again at once, as a session of the closed loop does.
			n, err = s.Apply(c.ID, n.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "马上再来"})
			again <- applied{n, err}
		}()
	}
	waitQueued(t, s, 2)
	<-s.commitTurn
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first group's anchor fsync never started")
	}
	lone := make(chan applied, 1)
	go func() {
		n, err := s.Apply(cs[2].ID, cs[2].Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "单独来的"})
		lone <- applied{n, err}
	}()
	time.Sleep(200 * time.Millisecond) // the lone action takes the turn and waits
	release()
	for range 2 {
		select {
		case r := <-again:
			if r.err != nil {
				t.Fatal(r.err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("an action of the first group was not answered")
		}
	}
	select {
	case r := <-lone:
		if r.err != nil {
			t.Fatal(r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the lone action was not answered")
	}
	if got := groupSizes(s); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("groups of %v, want [2 3]: the lone action did not wait for the first group's actions to come back", got)
	}
	if g := s.GroupGathers(); g != 1 {
		t.Errorf("%d turns waited for company, want 1", g)
	}
	for i, c := range cs {
		want := c.Version + 2
		if i == 2 {
			want = c.Version + 1
		}
		if v := versionInDB(t, s, c.ID); v != want {
			t.Errorf("case %d is at version %d, want %d", c.ID, v, want)
		}
	}
}

// TestLoneActionsDoNotGather: one action after another, each answered before the next is
// queued (people's pace), never waits for company.
func TestLoneActionsDoNotGather(t *testing.T) {
	_, _, s, wang, c := anchorNode(t, false)
	s.gatherWait = 2 * time.Second
	s.TraceCommits(true)
	defer s.TraceCommits(false)
	for i := range 5 {
		var err error
		if c, err = s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "一个一个来"}); err != nil {
			t.Fatalf("action %d: %v", i, err)
		}
	}
	if g := s.GroupGathers(); g != 0 {
		t.Errorf("%d lone actions waited for company", g)
	}
	if got := groupSizes(s); !slices.Equal(got, []int{1, 1, 1, 1, 1}) {
		t.Errorf("groups of %v, want five of one", got)
	}
}

// waitQueued waits until n actions are queued for the node's turn.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.commitMu.Lock()
		q := len(s.commitQ)
		s.commitMu.Unlock()
		if q >= n {
			return
		}
	}
	t.Fatalf("%d actions were not queued", n)
}
