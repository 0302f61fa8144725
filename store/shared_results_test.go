package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// The results table on a shared case base (issue 17 and 18): a new PostgreSQL case base
// keeps the aggregates from its first open, every node's commits keep them, and the
// dashboard's figures from them equal the full scan's; check recomputes them. (Before,
// a PostgreSQL case base never had them, and every dashboard read every case and event.)
func TestSharedResultsKept(t *testing.T) {
	addr := pgtest.Addr(t)
	clk := newClock(t0)
	key := t.TempDir() + "/shared.key"
	n1 := openPGStore(t, addr, key, clk)
	n2 := openPGStore(t, addr, key, clk)
	addStaff(t, n1)
	var ids []uint32
	for _, e := range []ent{entA, entB, entC} {
		ids = append(ids, create(t, n1, e).ID)
	}
	do(t, n2, ids[0], li, workflow.Action{Kind: workflow.ActComment, Comment: "二号节点"})
	do(t, n1, ids[1], wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"})
	clk.Set(clk.Now().Add(48 * time.Hour))
	do(t, n2, ids[2], li, workflow.Action{Kind: workflow.ActComment, Comment: "又一条"})

	if !n1.ResultsKept() || !n2.ResultsKept() {
		t.Fatalf("aggregates kept: %v, %v", n1.ResultsKept(), n2.ResultsKept())
	}
	p := workflow.Period{From: t0.AddDate(0, 0, -1), To: t0.AddDate(0, 0, 5)}
	for i, n := range []*store.Store{n1, n2} {
		got, err := n.Results(p, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		want, err := n.ResultsFullScan(p, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("node %d: from the aggregates\n%+v\nfull scan\n%+v", i+1, got, want)
		}
		if got.Received != 3 || got.Closed != 1 {
			t.Errorf("node %d: received %d, closed %d; want 3 and 1", i+1, got.Received, got.Closed)
		}
		if probs := n.Check(); len(probs) > 0 {
			t.Errorf("node %d: check: %v", i+1, probs)
		}
	}

	// A case base whose aggregates are missing or in an older layout (migrated from an
	// older file) gets them built by the next node that opens it, in one transaction.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE rd_kv SET v = '2' WHERE bucket = 'meta' AND k = 'results.version'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM rd_kv WHERE bucket = 'results'`); err != nil {
		t.Fatal(err)
	}
	if n1.ResultsKept() {
		t.Fatal("the layout was set back, yet the aggregates count as kept")
	}
	n3 := openPGStore(t, addr, key, clk)
	if !n3.ResultsKept() {
		t.Fatal("the third node did not build the aggregates")
	}
	got, _ := n3.Results(p, clk.Now())
	want, _ := n3.ResultsFullScan(p, clk.Now())
	if !reflect.DeepEqual(got, want) || got.Received != 3 {
		t.Errorf("rebuilt: from the aggregates\n%+v\nfull scan\n%+v", got, want)
	}
}

// TestSharedLateFlagsFollowOtherNodesSettings: a stage left late is judged by the stage
// limits in the database when the commit is made, not by those a node last heard of.
// Node 2's admin lengthens the formal review's limit; node 1, whose change feed has not
// delivered that yet, commits an action that leaves formal review after ten days: by the
// new limit it was not late. The late flags must be the full scan's and check clean.
// (Before, node 1 judged with the settings it had cached and wrote a late flag that the
// full scan and check, on any node that knew the new limits, did not have.)
func TestSharedLateFlagsFollowOtherNodesSettings(t *testing.T) {
	addr := pgtest.Addr(t)
	clk := newClock(t0)
	key := t.TempDir() + "/shared.key"
	// Node 1 hears of nothing by itself: no NOTIFY, and a poll once an hour.
	n1, err := store.Open(addr, withNodeAnchors(t, store.Options{Now: clk.Now, KeyFile: key, NoNotify: true, FeedPoll: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n1.Close() })
	n2 := openPGStore(t, addr, key, clk)
	addStaff(t, n2)
	c := create(t, n1, entA)
	if c.Stage != workflow.StageFormalReview {
		t.Fatalf("a new case is at %s, the test wants formal review", c.Stage)
	}
	clk.Set(clk.Now().Add(10 * 24 * time.Hour)) // past formal review's 5 working days
	if err := n2.UpdateSettings(root, func(set *store.Settings) error {
		l := set.SLA.Stage[workflow.StageFormalReview]
		l.Days = 30
		set.SLA.Stage[workflow.StageFormalReview] = l
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n1.Settings().SLA.Stage[workflow.StageFormalReview].Days != 5 {
		t.Fatal("node 1 heard of the change already: the test needs it not to")
	}
	w := do(t, n1, c.ID, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"})
	if !waitFor(5*time.Second, func() bool { sm := snGet(n2, c.ID); return sm != nil && sm.Version == w.Version }) {
		t.Fatal("node 2 did not hear of the withdrawal") // its open cases come from its snapshot
	}

	// Whole days (the aggregates' own periods): March 2026.
	p := workflow.Period{From: time.Date(2026, 3, 1, 0, 0, 0, 0, workflow.ChinaTZ), To: time.Date(2026, 4, 1, 0, 0, 0, 0, workflow.ChinaTZ)}
	if !workflow.DayAligned(p) {
		t.Fatal("the period is not whole days: Results would not read the aggregates")
	}
	now := clk.Now()
	n3 := openPGStore(t, addr, key, clk) // a node that starts now: the settings in force
	for i, n := range []*store.Store{n2, n3} {
		got, err := n.Results(p, now)
		if err != nil {
			t.Fatal(err)
		}
		want, err := n.ResultsFullScan(p, now)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("node %d: %d stages left late from the aggregates, %d by the full scan (and other figures may differ)", i+2, got.SLABreaches, want.SLABreaches)
		}
		if want.SLABreaches != 0 {
			t.Errorf("node %d: the full scan counts %d late; formal review's limit is 30 days now", i+2, want.SLABreaches)
		}
		if probs := n.Check(); len(probs) > 0 {
			t.Errorf("node %d: check: %v", i+2, probs)
		}
	}

	// Node 1, still unaware, changes the letterhead: the change is made to the settings
	// stored now, so formal review's 30 days stay (before, node 1 wrote back its old copy
	// with 5 days, undoing node 2's change, and left the late flags judged by 30).
	if err := n1.UpdateSettings(root, func(set *store.Settings) error {
		set.Letterhead.Agency = "一号节点的机构名"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n4 := openPGStore(t, addr, key, clk)
	if got := n4.Settings(); got.SLA.Stage[workflow.StageFormalReview].Days != 30 || got.Letterhead.Agency != "一号节点的机构名" {
		t.Errorf("after node 1's change: formal review %d days, agency %q; want 30 and node 1's name",
			got.SLA.Stage[workflow.StageFormalReview].Days, got.Letterhead.Agency)
	}
	if probs := n4.Check(); len(probs) > 0 {
		t.Errorf("after node 1's change: check: %v", probs)
	}
}
