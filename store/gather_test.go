package store

import (
	"slices"
	"strconv"
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

// TestNextGroupTakesTheAnsweredBack: a group of four commits and its anchor fsync is
// held; an action queued meanwhile does not start a group of one while the four wait for
// their answers: when they are answered and act again at once, the five commit as one
// group. After a group of two (gatherMin) it does not wait: it runs as a group of one.
// Every action is answered once, without error, and every case is at its version.
func TestNextGroupTakesTheAnsweredBack(t *testing.T) {
	for _, tc := range []struct {
		first   int
		sizes   []int // the first groups' sizes
		gathers uint64
	}{
		{first: 4, sizes: []int{4, 5}, gathers: 1},
		{first: 2, sizes: []int{2, 1}, gathers: 0},
	} {
		t.Run(strconv.Itoa(tc.first), func(t *testing.T) {
			_, _, s, wang, _ := anchorNode(t, false)
			cs := gatherCases(t, s, wang, tc.first+1)
			s.gatherWait = 10 * time.Second
			s.TraceCommits(true)
			defer s.TraceCommits(false)

			entered, release := holdAnchorSync(t, s)
			// The first group queues while the test holds the node's turn, so that it is one.
			s.commitTurn <- struct{}{}
			again := make(chan applied, tc.first)
			for _, c := range cs[:tc.first] {
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
			waitQueued(t, s, tc.first)
			<-s.commitTurn
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the first group's anchor fsync never started")
			}
			lone := cs[tc.first]
			lonely := make(chan applied, 1)
			go func() {
				n, err := s.Apply(lone.ID, lone.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "单独来的"})
				lonely <- applied{n, err}
			}()
			time.Sleep(200 * time.Millisecond) // the lone action takes the turn
			release()
			for range tc.first {
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
			case r := <-lonely:
				if r.err != nil {
					t.Fatal(r.err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the lone action was not answered")
			}
			if got := groupSizes(s); len(got) < len(tc.sizes) || !slices.Equal(got[:len(tc.sizes)], tc.sizes) {
				t.Errorf("groups of %v, want %v first", got, tc.sizes)
			}
			if g := s.GroupGathers(); g != tc.gathers {
				t.Errorf("%d turns waited for company, want %d", g, tc.gathers)
			}
			for i, c := range cs {
				want := c.Version + 2
				if i == tc.first {
					want = c.Version + 1
				}
				if v := versionInDB(t, s, c.ID); v != want {
					t.Errorf("case %d is at version %d, want %d", c.ID, v, want)
				}
			}
		})
	}
}

// TestHalvesMergeIntoOneGroup: a group of four commits and its anchor fsync is held;
// four other actions queue meanwhile (as many as it holds, not fewer). They do not go
// on as a group of their own, to be followed by the first four's next actions in a third
// (two halves of a node's sessions alternating for good, each waiting for the other's
// whole turn): when the four are answered and act again at once, the eight commit as one
// group. Every action is answered once, without error, and every case is at its version.
func TestHalvesMergeIntoOneGroup(t *testing.T) {
	_, _, s, wang, _ := anchorNode(t, false)
	cs := gatherCases(t, s, wang, 8)
	s.gatherWait = 10 * time.Second
	s.TraceCommits(true)
	defer s.TraceCommits(false)

	entered, release := holdAnchorSync(t, s)
	s.commitTurn <- struct{}{} // the first four queue while the test holds the turn: one group
	answers := make(chan applied, 8)
	for _, c := range cs[:4] {
		go func() {
			n, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "前一半"})
			if err != nil {
				answers <- applied{n, err}
				return
			}
			n, err = s.Apply(c.ID, n.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "马上再来"})
			answers <- applied{n, err}
		}()
	}
	waitQueued(t, s, 4)
	<-s.commitTurn
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first group's anchor fsync never started")
	}
	// The other four queue while the test holds the turn, as they do while the first
	// group's transaction holds it: the turn's next holder finds all four queued.
	s.commitTurn <- struct{}{}
	for _, c := range cs[4:] {
		go func() {
			n, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "后一半"})
			answers <- applied{n, err}
		}()
	}
	waitQueued(t, s, 4)
	<-s.commitTurn
	time.Sleep(200 * time.Millisecond) // one of them takes the turn
	release()
	for range 8 {
		select {
		case r := <-answers:
			if r.err != nil {
				t.Fatal(r.err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("an action was not answered")
		}
	}
	if got := groupSizes(s); !slices.Equal(got, []int{4, 8}) {
		t.Errorf("groups of %v, want 4 and 8", got)
	}
	for i, c := range cs {
		want := c.Version + 1
		if i < 4 {
			want = c.Version + 2
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

// TestGatherOutlivesALostAnswer: should the group before never be answered (a panic on
// the way to its answers), the node's next group waits for it at most
// gatherAnswerLimit, and commits: the node does not hang on it.
func TestGatherOutlivesALostAnswer(t *testing.T) {
	_, _, s, wang, c := anchorNode(t, false)
	s.gatherWait = 10 * time.Second
	s.commitMu.Lock()
	s.lastGroup = &answering{n: 8, done: make(chan struct{})} // never closed
	s.commitMu.Unlock()
	done := make(chan error, 1)
	go func() {
		_, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "前一组没有回音"})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(gatherAnswerLimit + 20*time.Second): // a guard against a hang, not a measure
		t.Fatal("the node's next group still waits for a group that is never answered")
	}
	if v := versionInDB(t, s, c.ID); v != c.Version+1 {
		t.Errorf("case %d is at version %d, want %d", c.ID, v, c.Version+1)
	}
}
