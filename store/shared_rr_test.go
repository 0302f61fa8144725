package store

import (
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// Actions commit at REPEATABLE READ on a shared case base where that is proven enough, and
// SERIALIZABLE where an invariant rests on a read (README, "Several offices: REPEATABLE
// READ for an action"). These tests run the racing transactions interleaved: the other
// node's transaction commits inside this node's open one (afterSave runs after a case was
// written, before the commit).

// rrNode is a node on PostgreSQL with an anchor log of its own, on the clock now, with
// wang registered; in is an intake.
func rrNode(t *testing.T, addr, key string, now func() time.Time) (*Store, workflow.Staff, workflow.Intake) {
	t.Helper()
	dir := t.TempDir()
	s, wang, in := groupStore(t, addr, Options{Now: now, KeyFile: key, NoNotify: true, FeedPoll: time.Hour,
		AnchorLog: filepath.Join(dir, "node.anchors"), AnchorKey: filepath.Join(dir, "node.anchor-key")})
	t.Cleanup(func() { s.Close() })
	return s, wang, in
}

// TestCommentsCommitAtRepeatableRead: an action that leaves no stage (a comment) is
// committed at REPEATABLE READ; one that leaves a stage is run SERIALIZABLE.
func TestCommentsCommitAtRepeatableRead(t *testing.T) {
	addr := pgtest.Addr(t)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)
	n1, wang, in := rrNode(t, addr, filepath.Join(t.TempDir(), "k"), func() time.Time { return at })
	c, err := n1.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if c, err = n1.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "电话联系"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := n1.SerialGroups(); n != 0 {
		t.Fatalf("%d comments were run SERIALIZABLE, want 0", n)
	}
	if _, err = n1.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"}); err != nil {
		t.Fatal(err)
	}
	if n := n1.SerialGroups(); n != 1 {
		t.Fatalf("a withdrawal (a stage left) was run SERIALIZABLE %d times, want 1", n)
	}
	if p := n1.Check(); len(p) > 0 {
		t.Errorf("check: %v", p)
	}
}

// TestStageLeftBesideSettingsChange: the write skew REPEATABLE READ would let through.
// Node 1 withdraws a case 10 days into formal review (5 working days: late by the
// settings its transaction read); inside that transaction node 2's admin changes formal
// review's limit to 30 days, which rewrites the late flags in the results table, and
// commits. Neither transaction writes a row the other writes: node 1 only reads the
// settings, and node 2's rewrite only reads the stages left (node 1's is not there yet).
// SERIALIZABLE makes node 1's commit fail and run again with the new limit; at REPEATABLE
// READ both commit and the results table keeps a late flag the full scan does not count.
func TestStageLeftBesideSettingsChange(t *testing.T) {
	addr := pgtest.Addr(t)
	key := filepath.Join(t.TempDir(), "k")
	var mu sync.Mutex
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return at }
	n1, wang, in := rrNode(t, addr, key, now)
	n2, _, _ := rrNode(t, addr, key, now)
	c, err := n1.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Stage != workflow.StageFormalReview {
		t.Fatalf("a new case is at %s, the test wants formal review", c.Stage)
	}
	mu.Lock()
	at = at.Add(10 * 24 * time.Hour)
	mu.Unlock()
	admin := workflow.Staff{Name: "root", Display: "管理员", Role: workflow.RoleAdmin, Active: true}
	changed := false
	var changeErr error
	n1.afterSave = func(*workflow.Case) error {
		if !changed { // once: node 1's transaction may run again
			changed = true
			changeErr = n2.UpdateSettings(admin, func(set *Settings) error {
				l := set.SLA.Stage[workflow.StageFormalReview]
				l.Days = 30
				set.SLA.Stage[workflow.StageFormalReview] = l
				return nil
			})
		}
		return nil
	}
	if _, err := n1.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"}); err != nil {
		t.Fatal(err)
	}
	n1.afterSave = nil
	if !changed || changeErr != nil {
		t.Fatalf("the settings change inside node 1's transaction: ran %v, %v", changed, changeErr)
	}
	// A node that opens now: the settings in force, every commit in its snapshot.
	n3, _, _ := rrNode(t, addr, key, now)
	p := workflow.Period{From: time.Date(2026, 3, 1, 0, 0, 0, 0, workflow.ChinaTZ), To: time.Date(2026, 4, 1, 0, 0, 0, 0, workflow.ChinaTZ)}
	got, err := n3.Results(p, now())
	if err != nil {
		t.Fatal(err)
	}
	want, err := n3.ResultsFullScan(p, now())
	if err != nil {
		t.Fatal(err)
	}
	if want.SLABreaches != 0 {
		t.Fatalf("the full scan counts %d late; formal review's limit is 30 days now", want.SLABreaches)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the results table counts %d stages left late, the full scan %d: the withdrawal was judged by the settings replaced beside it", got.SLABreaches, want.SLABreaches)
	}
	if probs := n3.Check(); len(probs) > 0 {
		t.Errorf("check: %v", probs)
	}
}
