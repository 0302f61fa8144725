package store_test

import (
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// openFiguresFromEntries is the dashboard of a year as a fresh process gives it while
// the summaries load (the open cases from their entries), beside the full scan's.
func openFiguresFromEntries(t *testing.T, s *store.Store) (rows, want workflow.Results) {
	t.Helper()
	now := s.Now()
	p, err := workflow.ParsePeriod("year", now)
	if err != nil {
		t.Fatal(err)
	}
	if !store.OpenRowsKept(s) {
		t.Fatal("the open cases' entries are not kept (or not under the rules in force)")
	}
	if rows, err = store.ResultsFromOpenRows(s, p, now); err != nil {
		t.Fatal(err)
	}
	if want, err = s.ResultsFullScan(p, now); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("from the open cases' entries:\n%+v\nthe full scan:\n%+v", rows, want)
	}
	return rows, want
}

// TestOpenEntriesFollowTheSettings: the open cases' entries hold deadlines worked out
// under the settings; an admin's change of the limits writes them again in its own
// transaction, so a fresh process's dashboard still gives the full scan's figures (and
// does not fall back to waiting for the summaries), and check stays clean.
func TestOpenEntriesFollowTheSettings(t *testing.T) {
	s, _, _ := newStore(t)
	if err := office.GenerateDemo(s, 400, 21); err != nil {
		t.Fatal(err)
	}
	_, before := openFiguresFromEntries(t, s)
	if before.Open == 0 {
		t.Fatal("the demo has no open case: the test compares nothing")
	}
	// Every limit one working day: most open cases are overdue now.
	if err := s.UpdateSettings(root, func(set *store.Settings) error {
		for st, l := range set.SLA.Stage {
			l.Days = 1
			set.SLA.Stage[st] = l
		}
		for src, l := range set.SLA.Case {
			l.Days = 1
			set.SLA.Case[src] = l
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, after := openFiguresFromEntries(t, s)
	if after.SLABreaches <= before.SLABreaches {
		t.Fatalf("breaches %d after every limit became one day, %d before: the change moved no deadline, the test compares nothing",
			after.SLABreaches, before.SLABreaches)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("check after the change: %v", p[:min(len(p), 5)])
	}
	// A change that moves no deadline (the letterhead) keeps them.
	if err := s.UpdateSettings(root, func(set *store.Settings) error { set.Letterhead.Phone = "0371-2"; return nil }); err != nil {
		t.Fatal(err)
	}
	openFiguresFromEntries(t, s)
}

// TestOpenEntriesOfOtherRulesAreNotRead: entries worked out under other rules (another
// version's calendar or source book) are not read, neither by the dashboard nor by
// check; the next read-write open writes them again. Here every entry says "overdue
// since 1970" under rules of another name: read, they would count every open case late.
func TestOpenEntriesOfOtherRulesAreNotRead(t *testing.T) {
	path, clk := closedDemo200(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("results"))
		c := b.Cursor()
		var keys [][]byte
		for k, _ := c.Seek([]byte{0, 'o'}); k != nil && len(k) == 6 && k[0] == 0 && k[1] == 'o'; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		if len(keys) == 0 {
			t.Fatal("no open cases' entries")
		}
		for _, k := range keys {
			v := binary.BigEndian.AppendUint64([]byte{1}, 1)
			v = binary.BigEndian.AppendUint32(v, 0)
			if err := b.Put(k, append(v, "wangfang"...)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("results.open.rules"), []byte("another version's rules"))
	})
	ro, err := store.Open(path, store.Options{ReadOnly: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if store.OpenRowsKept(ro) {
		t.Fatal("entries worked out under other rules are taken as current")
	}
	sameResults(t, ro, ro.Now())
	if p := ro.Check(); len(p) != 0 {
		t.Fatalf("check reports entries it cannot judge: %v", p[:min(len(p), 5)])
	}
	ro.Close()
	rw := openOnlyOpenPass(t, path, clk)
	defer rw.Close()
	openFiguresFromEntries(t, rw)
	sameResults(t, rw, rw.Now())
	if p := rw.Check(); len(p) != 0 {
		t.Fatalf("check: %v", p[:min(len(p), 5)])
	}
}

// TestLayout5EntriesBecomeDeadlines: a file of layout "5" kept what a deadline is worked
// out from; its first read-write open writes every entry as a deadline, once.
func TestLayout5EntriesBecomeDeadlines(t *testing.T) {
	path, clk := closedDemo200(t)
	before := openEntries(t, path)
	tamper(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("results"))
		for id := range before {
			// Not an entry of layout 6: read as one, the open would fail.
			if err := b.Put(append([]byte{0, 'o'}, binary.BigEndian.AppendUint32(nil, id)...), []byte{9, 9, 9}); err != nil {
				return err
			}
		}
		m := tx.Bucket([]byte("meta"))
		if err := m.Delete([]byte("results.open.rules")); err != nil {
			return err
		}
		return m.Put([]byte("results.version"), []byte("5"))
	})
	rw, calls := openHearingBuild(t, path, clk)
	if len(calls) != 0 {
		t.Errorf("a layout-5 file's aggregates were rebuilt (%d progress calls): only the open entries change", len(calls))
	}
	openFiguresFromEntries(t, rw)
	sameResults(t, rw, rw.Now())
	if p := rw.Check(); len(p) != 0 {
		t.Fatalf("check: %v", p[:min(len(p), 5)])
	}
	rw.Close()
	if after := openEntries(t, path); !reflect.DeepEqual(after, before) {
		t.Errorf("%d open cases' entries after the pass, %d before", len(after), len(before))
	}
}

// TestOpenDueFollowsCommits: the open cases' deadlines the dashboard counts overdue from
// are made once per snapshot, and a commit's snapshot derives them from the previous
// one's: after new cases, stage changes, a reassignment, a wait for the applicant's
// materials and a withdrawal, they are what a pass over every case gives.
func TestOpenDueFollowsCommits(t *testing.T) {
	s, _, _ := newStore(t)
	if err := office.GenerateDemo(s, 150, 4); err != nil {
		t.Fatal(err)
	}
	check := func(what string, wantDerived bool) {
		t.Helper()
		derived, open, err := store.OpenDueAgainstRebuild(s)
		if err != nil {
			t.Fatalf("after %s: %v", what, err)
		}
		if derived != wantDerived {
			t.Fatalf("after %s: derived %v, want %v", what, derived, wantDerived)
		}
		if open == 0 {
			t.Fatalf("after %s: no open case, the test compares nothing", what)
		}
	}
	check("the demo", false)
	a := create(t, s, entA)
	check("a new case", true)
	b := create(t, s, entB)
	check("another new case", true)
	advance(t, s, b.ID, workflow.StageInvestigating)
	// Several commits, and nobody asked in between: made afresh (one link is kept).
	check("a case taken to investigation", false)
	do(t, s, b.ID, chen, workflow.Action{Kind: workflow.ActReassign, Assignee: li.Name})
	check("a reassignment", true)
	do(t, s, a.ID, wang, workflow.Action{Kind: workflow.ActRequestMaterials, Comment: "请补充营业执照复印件"})
	check("a wait for the applicant", true)
	do(t, s, b.ID, li, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回申请"})
	check("a withdrawal", true)
}

// TestSharedOpenEntriesFollowSettings: on a shared case base, node 2's admin tightens
// the limits; node 1, which has not heard of it, then opens a case: its entry is worked
// out under the settings of its own transaction, the ones in force. A node that starts
// afterwards reads every entry as current, with the full scan's figures.
func TestSharedOpenEntriesFollowSettings(t *testing.T) {
	addr, key, clk, n1, n2 := deafAndHearingNodes(t)
	for _, e := range []ent{entA, entB} {
		create(t, n1, e)
	}
	clk.Set(clk.Now().Add(4 * 24 * time.Hour))
	if err := n2.UpdateSettings(root, func(set *store.Settings) error {
		for st, l := range set.SLA.Stage {
			l.Days = 1
			set.SLA.Stage[st] = l
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n1.Settings().SLA.Stage[workflow.StageFormalReview].Days == 1 {
		t.Fatal("node 1 heard of the change already: the test needs it not to")
	}
	create(t, n1, entC)
	clk.Set(clk.Now().Add(3 * 24 * time.Hour)) // past one working day, not past five
	n3 := openPGStore(t, addr, key, clk)
	if !waitFor(5*time.Second, func() bool { return n3.Snapshot().Len() == 3 }) {
		t.Fatal("node 3 does not see the three cases")
	}
	_, r := openFiguresFromEntries(t, n3)
	if r.Open != 3 || r.SLABreaches != 3 {
		t.Fatalf("open %d, overdue %d: want 3 open and overdue under one day's limit", r.Open, r.SLABreaches)
	}
}

// closedDemo200 is the path of a closed store of 200 demo cases (seed 9), and its clock.
func closedDemo200(t *testing.T) (string, *testClock) {
	t.Helper()
	s, path, clk := newStore(t)
	if err := office.GenerateDemo(s, 200, 9); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return path, clk
}
