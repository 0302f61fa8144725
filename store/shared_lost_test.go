package store_test

import (
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// pgProxy forwards TCP connections to the test PostgreSQL; cut closes them all and
// refuses new ones until resume: a database that went away, as a node sees it.
type pgProxy struct {
	t       *testing.T
	target  func() (net.Conn, error)
	addr    string
	mu      sync.Mutex
	ln      net.Listener
	conns   []net.Conn
	stopped bool
}

func newPGProxy(t *testing.T, base string) (*pgProxy, string) {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	host, port := u.Query().Get("host"), u.Query().Get("port")
	if host == "" {
		host = u.Hostname()
	}
	if port == "" {
		port = u.Port()
	}
	if port == "" {
		port = "5432"
	}
	p := &pgProxy{t: t}
	if strings.HasPrefix(host, "/") {
		sock := filepath.Join(host, ".s.PGSQL."+port)
		p.target = func() (net.Conn, error) { return net.Dial("unix", sock) }
	} else {
		p.target = func() (net.Conn, error) { return net.Dial("tcp", net.JoinHostPort(host, port)) }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	q := u.Query()
	q.Del("host")
	q.Del("port")
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	u.Host = p.addr
	return p, u.String()
}

func (p *pgProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln, p.stopped = ln, false
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := p.target()
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, d)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(d, c); d.Close() }()
			go func() { _, _ = io.Copy(c, d); c.Close() }()
		}
	}()
}

func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *pgProxy) resume() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

// TestNodeLosesTheDatabase: a node whose database goes away tells its sessions
// (DBLost, a "db" change: 数据库连接中断，正在重连), refuses actions with that message
// and writes nothing; when the database is back it says so, works again, and catches up
// with what another node committed meanwhile.
func TestNodeLosesTheDatabase(t *testing.T) {
	base := pgtest.Addr(t)
	proxy, viaProxy := newPGProxy(t, base)
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
	proxy.cut()
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
	proxy.resume()
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
