package store_test

import (
	"context"
	"reflect"
	"strings"
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
		nodeResultsAgree(t, i+1, n, p, clk, 3, 1)
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
	addr, key, clk, n1, n2 := deafAndHearingNodes(t)
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

// TestSharedResultsRowsPerNode: on a shared case base each node adds to results rows of
// its own (so two nodes' commits never write one row and lose races to each other); a
// period's figures are the sum over the nodes, and so is what check compares, naming a
// row whose sum is wrong. (Before, both nodes added to the same day rows.)
func TestSharedResultsRowsPerNode(t *testing.T) {
	addr := pgtest.Addr(t)
	clk := newClock(t0)
	key := t.TempDir() + "/shared.key"
	n1 := openPGStore(t, addr, key, clk)
	n2 := openPGStore(t, addr, key, clk)
	addStaff(t, n1)
	a := create(t, n1, entA)
	b := create(t, n2, entB)
	c := create(t, n2, entC)
	// Node 2 ends the case node 1 received, node 1 one of node 2's; node 1 reassigns the
	// third (its received row moves from one owner to another on another node).
	clk.Set(clk.Now().Add(24 * time.Hour))
	for _, n := range []*store.Store{n1, n2} { // each node hears of the others' cases
		for _, id := range []uint32{a.ID, b.ID, c.ID} {
			if !waitFor(5*time.Second, func() bool { return snGet(n, id) != nil }) {
				t.Fatalf("case %d not seen by a node", id)
			}
		}
	}
	do(t, n2, a.ID, li, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"})
	do(t, n1, b.ID, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"})
	do(t, n1, c.ID, chen, workflow.Action{Kind: workflow.ActReassign, Assignee: "lijun"})

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Rows kept per node start with 1 and the node's 8-byte tag; no such row is plain.
	var nodes, plain int
	if err := conn.QueryRow(ctx, `SELECT count(DISTINCT substring(k from 1 for 9)) FROM rd_kv WHERE bucket = 'results' AND get_byte(k, 0) = 1`).Scan(&nodes); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM rd_kv WHERE bucket = 'results' AND get_byte(k, 0) >= 128 AND get_byte(k, 4) <> ascii('l')`).Scan(&plain); err != nil {
		t.Fatal(err)
	}
	if nodes != 2 || plain != 0 {
		t.Errorf("results rows of %d nodes, %d counter rows not kept per node; want 2 and 0", nodes, plain)
	}

	p := workflow.Period{From: time.Date(2026, 3, 1, 0, 0, 0, 0, workflow.ChinaTZ), To: time.Date(2026, 4, 1, 0, 0, 0, 0, workflow.ChinaTZ)}
	w := do(t, n2, c.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "二号节点"})
	if !waitFor(5*time.Second, func() bool { sm := snGet(n1, c.ID); return sm != nil && sm.Version == w.Version }) {
		t.Fatal("node 1 did not hear of node 2's comment")
	}
	for i, n := range []*store.Store{n1, n2} {
		nodeResultsAgree(t, i+1, n, p, clk, 3, 2)
	}

	// One node's part of the received row made wrong: check names the row and the sum.
	tag, err := conn.Exec(ctx, `UPDATE rd_kv SET v = '\x0106'::bytea WHERE bucket = 'results' AND k = (
		SELECT k FROM rd_kv WHERE bucket = 'results' AND get_byte(k, 0) = 1 AND get_byte(k, 13) = ascii('r') ORDER BY k LIMIT 1)`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("damaging a node's row: %v, %d rows", err, tag.RowsAffected())
	}
	probs := n1.Check()
	found := false
	for _, pr := range probs {
		found = found || strings.Contains(pr.What, "received") && strings.Contains(pr.What, "recomputed from the events")
	}
	if !found {
		t.Errorf("check after a node's received row was changed: %v", probs)
	}
}

// nodeResultsAgree: node no's results of p from the aggregates are the full scan's, with
// the cases received and closed given, and its check is clean.
func nodeResultsAgree(t *testing.T, no int, n *store.Store, p workflow.Period, clk *testClock, received, closed int) {
	t.Helper()
	got, err := n.Results(p, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	want, err := n.ResultsFullScan(p, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("node %d: from the aggregates\n%+v\nfull scan\n%+v", no, got, want)
	}
	// The open figures from the open cases' entries, as a node that has not loaded its
	// summaries yet reads them.
	rows, err := store.ResultsFromOpenRows(n, p, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("node %d: from the aggregates and the open cases' entries\n%+v\nfull scan\n%+v", no, rows, want)
	}
	if got.Received != received || got.Closed != closed {
		t.Errorf("node %d: received %d, closed %d; want %d and %d", no, got.Received, got.Closed, received, closed)
	}
	if probs := n.Check(); len(probs) > 0 {
		t.Errorf("node %d: check: %v", no, probs)
	}
}

// TestSharedOpenEntries: on a shared case base the open cases' entries are kept by the
// commits of each case on either node (a reassignment on one, a withdrawal on the
// other), and a case base of layout "4" gets them from the next node that opens it, in
// one pass over the cases, not a rebuild; the figures from them are the full scan's.
func TestSharedOpenEntries(t *testing.T) {
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
	do(t, n2, ids[0], chen, workflow.Action{Kind: workflow.ActReassign, Assignee: li.Name})
	do(t, n1, ids[1], wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"})
	p := workflow.Period{From: t0.AddDate(0, 0, -1), To: t0.AddDate(0, 0, 5)}
	for i, n := range []*store.Store{n1, n2} {
		nodeResultsAgree(t, i+1, n, p, clk, 3, 1)
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var entries int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM rd_kv WHERE bucket = 'results' AND substring(k from 1 for 2) = '\x006f'::bytea`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 2 {
		t.Fatalf("%d open cases' entries, want 2 (one case withdrawn)", entries)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM rd_kv WHERE bucket = 'results' AND substring(k from 1 for 2) = '\x006f'::bytea`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE rd_kv SET v = '4' WHERE bucket = 'meta' AND k = 'results.version'`); err != nil {
		t.Fatal(err)
	}
	var heard []string
	n3, err := store.Open(addr, withNodeAnchors(t, store.Options{Now: clk.Now, KeyFile: key, Progress: func(what string, done, total int64) {
		if len(heard) == 0 || heard[len(heard)-1] != what {
			heard = append(heard, what)
		}
	}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n3.Close() })
	if !reflect.DeepEqual(heard, []string{"results_open"}) {
		t.Errorf("the third node heard %v, want only the open cases' pass", heard)
	}
	nodeResultsAgree(t, 3, n3, p, clk, 3, 1)
}

// deafAndHearingNodes opens two nodes on a fresh case base: node 1 hears of nothing by
// itself (no NOTIFY, and a poll once an hour), node 2 as usual, with the test staff.
func deafAndHearingNodes(t *testing.T) (addr, key string, clk *testClock, n1, n2 *store.Store) {
	t.Helper()
	addr = pgtest.Addr(t)
	clk = newClock(t0)
	key = t.TempDir() + "/shared.key"
	n1, err := store.Open(addr, withNodeAnchors(t, store.Options{Now: clk.Now, KeyFile: key, NoNotify: true, FeedPoll: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n1.Close() })
	n2 = openPGStore(t, addr, key, clk)
	addStaff(t, n2)
	return addr, key, clk, n1, n2
}
