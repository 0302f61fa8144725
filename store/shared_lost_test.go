package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// TestNodeLosesTheDatabase: a node whose database goes away tells its sessions
// (DBLost, a "db" change: 数据库连接中断，正在重连), refuses actions with that message
// and writes nothing; when the database is back it says so, works again, and catches up
// with what another node committed meanwhile.
func TestNodeLosesTheDatabase(t *testing.T) {
	base := pgtest.Addr(t)
	proxy, viaProxy := pgtest.NewProxy(t, base)
	clk := newClock(t0)
	key := filepath.Join(t.TempDir(), "shared.key")
	other := openPGStore(t, base, key, clk)
	addStaff(t, other)
	c := create(t, other, entA)
	n := openPGStore(t, viaProxy, key, clk)
	ch, cancel := n.Subscribe()
	defer cancel()
	if n.DBLost() {
		t.Fatal("lost at open")
	}
	// Connections idle in the node's writer pool when the database goes away are dead
	// when it is back, and pgxpool pings on Acquire only one idle for over a second: the
	// node must drop them itself (the first commit after a quick recovery took one and
	// failed with "unexpected EOF"). The refused action below may take one of them.
	store.FillWriterPool(t, n, 3)
	proxy.Cut()
	if !waitFor(3*time.Second, n.DBLost) {
		t.Fatal("the node did not notice the database was gone")
	}
	heard := false
	for !heard {
		select {
		case x := <-ch:
			heard = x.Topic == "db"
		case <-time.After(time.Second):
			t.Fatal("the sessions were not told")
		}
	}
	_, err := n.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "断线"})
	if err == nil {
		t.Fatal("an action succeeded without a database")
	}
	var m interface{ Message(string) string }
	if !asMessage(err, &m) || m.Message("zh") != "数据库连接中断，正在重连" {
		t.Errorf("the refusal says %v", err)
	}
	// Meanwhile another node works on.
	moved := do(t, other, c.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "另一节点"})
	proxy.Resume()
	if !waitFor(5*time.Second, func() bool { return !n.DBLost() }) {
		t.Fatal("the node did not recover by itself")
	}
	if !waitFor(time.Second, func() bool { sm := snGet(n, c.ID); return sm != nil && sm.Version == moved.Version }) {
		t.Error("after reconnecting the node did not catch up with the other node's change")
	}
	if _, err := n.Apply(c.ID, moved.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "恢复后"}); err != nil {
		t.Errorf("after recovery: %v", err)
	}
	evs, _ := other.Events(c.ID)
	for _, ev := range evs {
		if ev.Comment == "断线" {
			t.Error("the refused action was written")
		}
	}
}

func asMessage(err error, m *interface{ Message(string) string }) bool {
	for e := err; e != nil; {
		if x, ok := e.(interface{ Message(string) string }); ok {
			*m = x
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}
