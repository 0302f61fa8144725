package store_test

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// TestSharedAnchors (issue 18: the anchors in the same transaction as the event, on
// PostgreSQL too): every node keeps an anchor log of its own. Both nodes' checks pass
// while the history is as written; a case removed behind repairdesk's back (its case row
// and events deleted in the database: every remaining chain is still whole, so only the
// anchors can tell) is reported by the node that anchored it, and not by a node that
// never wrote or saw it, whose log cannot vouch for it.
func TestSharedAnchors(t *testing.T) {
	addr := pgtest.Addr(t)
	clk := newClock(t0)
	key := t.TempDir() + "/shared.key"
	n1 := openPGStore(t, addr, key, clk)
	addStaff(t, n1)
	early := create(t, n1, entA)
	n2 := openPGStore(t, addr, key, clk) // its log starts with the heads of case early
	do(t, n2, early.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "二号节点"})
	do(t, n1, early.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "一号节点"})
	late := create(t, n1, entB) // only n1 anchors it
	do(t, n1, late.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "只在一号节点"})

	for i, n := range []*store.Store{n1, n2} {
		if p := n.Check(); len(p) > 0 {
			t.Fatalf("node %d's check of an untouched case base: %v", i+1, p)
		}
		info := n.Anchors()
		if !info.Shared || info.Entries < 2 || len(info.Nodes) != 2 || info.Key == "" {
			t.Fatalf("node %d's anchors: %+v", i+1, info)
		}
	}

	// The second case goes, row and events, as a database user could do it.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	id := binary.BigEndian.AppendUint32(nil, late.ID)
	next := binary.BigEndian.AppendUint32(nil, late.ID+1)
	if _, err := conn.Exec(ctx, `DELETE FROM rd_kv WHERE bucket = 'cases' AND k = $1`, id); err != nil {
		t.Fatal(err)
	}
	tag, err := conn.Exec(ctx, `DELETE FROM rd_kv WHERE bucket = 'events' AND k >= $1 AND k < $2`, id, next)
	if err != nil || tag.RowsAffected() != 1 { // the case's frame of events
		t.Fatalf("deleting the events: %v, %d rows", err, tag.RowsAffected())
	}

	deleted := func(ps []store.Problem) bool {
		for _, p := range ps {
			if p.CaseID == late.ID && strings.Contains(p.What, "case deleted") {
				return true
			}
		}
		return false
	}
	if p := n1.Check(); !deleted(p) {
		t.Errorf("node 1 anchored the removed case, its check says: %v", p)
	}
	if p := n2.Check(); deleted(p) {
		t.Errorf("node 2 never anchored the removed case, yet its check reports it: %v", p)
	}
	// A check from another process reads node 1's log as it stands.
	info := n1.Anchors()
	ro, err := store.Open(addr, store.Options{ReadOnly: true, KeyFile: key, AnchorLog: info.Log, AnchorPub: info.PubFrom + ".pub"})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if p := ro.Check(); !deleted(p) {
		t.Errorf("a read-only check with node 1's log says: %v", p)
	}
}
