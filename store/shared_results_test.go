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
