package store

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"repairdesk/workflow"
)

// groupStore opens a new store with one specialist, and an intake for her cases.
func groupStore(t *testing.T, path string, opts Options) (*Store, workflow.Staff, workflow.Intake) {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	wang := workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	if err := s.PutStaff(workflow.Staff{}, wang); err != nil {
		s.Close()
		t.Fatal(err)
	}
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "郑州华信商贸有限公司", CreditCode: "91110000600037341L", LegalRep: "张伟", Address: "郑州市金水区花园路1号"},
		Agent:      workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-2026-0001"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01", Problem: "wrong_data"}},
	}
	return s, wang, in
}

// TestGroupCommit: actions written in one transaction are each checked against what the
// ones before them left — a second action on the same version is a conflict, a refused
// action writes nothing — and the rest commit and are announced. When the transaction
// fails as a whole, each action is tried on its own, so only the bad one fails.
func TestGroupCommit(t *testing.T) {
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, workflow.ChinaTZ)
	path := filepath.Join(t.TempDir(), "g.db")
	s, wang, in := groupStore(t, path, Options{Now: func() time.Time { return at }})
	defer s.Close()
	var err error
	a, err := s.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	note := func(text string) workflow.Action {
		return workflow.Action{Kind: workflow.ActComment, Comment: text, Actor: wang.Name, At: at}
	}
	req := func(id uint32, version int, act workflow.Action) *applyReq {
		return &applyReq{id: id, expected: version, actor: wang, a: act, done: make(chan struct{})}
	}
	sub, cancel := s.Subscribe()
	defer cancel()

	batch := []*applyReq{
		req(a.ID, a.Version, note("first")),
		req(a.ID, a.Version, note("same version")), // the first moved the case on
		req(b.ID, b.Version, workflow.Action{Kind: workflow.ActApprove, Actor: wang.Name, At: at}),
		req(b.ID, b.Version, note("on b")),
		req(99, 1, note("no such case")),
	}
	s.commitBatch(batch)
	var ce *ConflictError
	var rf *workflow.Refusal
	switch {
	case batch[0].err != nil || batch[0].out.Version != a.Version+1:
		t.Fatalf("first: %v, version %d", batch[0].err, batch[0].out.Version)
	case !errors.As(batch[1].err, &ce) || ce.Current != a.Version+1:
		t.Fatalf("second on the same version: %v", batch[1].err)
	case !errors.As(batch[2].err, &rf):
		t.Fatalf("a specialist's approval: %v", batch[2].err)
	case batch[3].err != nil || batch[3].out.Version != b.Version+1:
		t.Fatalf("on b: %v, version %d", batch[3].err, batch[3].out.Version)
	case !errors.Is(batch[4].err, ErrNotFound):
		t.Fatalf("missing case: %v", batch[4].err)
	}
	for _, r := range batch {
		select {
		case <-r.done:
		default:
			t.Fatal("an action was left waiting")
		}
	}
	for _, want := range []uint32{a.ID, b.ID} {
		select {
		case ch := <-sub:
			if ch.CaseID != want {
				t.Fatalf("announced case %d, want %d", ch.CaseID, want)
			}
		case <-time.After(time.Second):
			t.Fatalf("case %d was not announced", want)
		}
	}
	for id, n := range map[uint32]int{a.ID: 2, b.ID: 2} { // create + one note each
		evs, err := s.Events(id)
		if err != nil || len(evs) != n {
			t.Fatalf("case %d: %d events (%v), want %d", id, len(evs), err, n)
		}
		if sm, _ := s.Snapshot().Get(id); sm.Version != n {
			t.Fatalf("case %d: summary at version %d, want %d", id, sm.Version, n)
		}
	}

	// A write that fails inside the shared transaction: the others still commit.
	boom := errors.New("disk trouble")
	s.afterSave = func(c *workflow.Case) error {
		if c.ID == b.ID {
			return boom
		}
		return nil
	}
	batch = []*applyReq{req(a.ID, a.Version+1, note("again")), req(b.ID, b.Version+1, note("fails"))}
	s.commitBatch(batch)
	s.afterSave = nil
	if batch[0].err != nil || batch[0].out.Version != a.Version+2 {
		t.Fatalf("the good action: %v", batch[0].err)
	}
	if !errors.Is(batch[1].err, boom) {
		t.Fatalf("the bad action: %v", batch[1].err)
	}
	if c, _ := s.Case(b.ID); c.Version != b.Version+1 {
		t.Fatalf("case b at version %d after a failed write, want %d", c.Version, b.Version+1)
	}
	if c, _ := s.Case(a.ID); c.Version != a.Version+2 {
		t.Fatalf("case a at version %d, want %d", c.Version, a.Version+2)
	}
}

// TestGroupCommitClose: actions in flight when the store closes either commit or fail
// with ErrClosed; none is left waiting, and each that was acknowledged is in the file.
func TestGroupCommitClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, wang, in := groupStore(t, path, Options{})
	var err error
	var cases []workflow.Case
	for range 8 {
		c, err := s.Create(wang, in, "")
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	type result struct {
		id      uint32
		version int
		err     error
	}
	results := make(chan result, 8*200)
	var started, finished sync.WaitGroup
	for _, c := range cases {
		started.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			version := c.Version
			for i := range 200 {
				if i == 5 {
					started.Done()
				}
				n, err := s.Apply(c.ID, version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "备注"})
				results <- result{c.ID, n.Version, err}
				if err != nil {
					if i < 5 {
						started.Done()
					}
					return
				}
				version = n.Version
			}
		}()
	}
	started.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	all := make(chan struct{})
	go func() { finished.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		t.Fatal("an action was left waiting after Close")
	}
	close(results)
	acked := map[uint32]int{}
	closed := 0
	for r := range results {
		switch {
		case r.err == nil:
			acked[r.id] = max(acked[r.id], r.version)
		case errors.Is(r.err, ErrClosed):
			closed++
		default:
			t.Fatalf("case %d: %v", r.id, r.err)
		}
	}
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged before Close")
	}
	t.Logf("%d cases acknowledged, %d actions refused as closed", len(acked), closed)
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id, v := range acked {
		if c, err := s.Case(id); err != nil || c.Version < v {
			t.Fatalf("case %d acknowledged at version %d, found %d (%v)", id, v, c.Version, err)
		}
	}
}
