package server

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// A node of a shared case base whose database goes away keeps its sessions (issue 18:
// 数据库连接中断，正在重连, unsaved input kept). The server re-reads the staff every 30 s
// to end the sessions of people disabled meanwhile; with the database unreadable it used
// to find nobody and ended every session as "disabled by an admin".
func TestSessionsOutliveALostDatabase(t *testing.T) {
	base := pgtest.Addr(t)
	proxy, viaProxy := pgtest.NewProxy(t, base)
	key := filepath.Join(t.TempDir(), "shared.key")
	node := t.TempDir()
	st, err := store.Open(viaProxy, store.Options{KeyFile: key, FeedPoll: 100 * time.Millisecond,
		AnchorLog: filepath.Join(node, "node.anchors"), AnchorKey: filepath.Join(node, "node.anchor-key")})
	if err != nil {
		t.Fatal(err)
	}
	o := newSrvOfficeOn(t, st, nil)
	_, liKey := o.hire("li", "王丽", workflow.RoleSpecialist)
	a := o.login(liKey)
	a.waitFor(0, "我的案件")

	m := a.mark()
	proxy.Cut()
	deadline := time.Now().Add(5 * time.Second)
	for !st.DBLost() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !st.DBLost() {
		t.Fatal("the node did not notice the database was gone")
	}
	a.waitFor(m, "数据库连接中断，正在重连")
	m = a.mark()
	o.srv.revoke() // what the 30 s re-read does
	time.Sleep(1500 * time.Millisecond)
	if !a.running() || strings.Contains(a.text(m), sT("zh", "ssh.ended_disabled")) {
		t.Fatalf("the session was ended while the database was unreachable:\n%s", a.text(m))
	}
	proxy.Resume()
	deadline = time.Now().Add(10 * time.Second)
	for st.DBLost() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if st.DBLost() {
		t.Fatal("the node did not recover")
	}
	o.srv.revoke()
	time.Sleep(300 * time.Millisecond)
	if !a.running() {
		t.Fatal("the session was ended after the database came back")
	}
}
