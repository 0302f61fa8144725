package pgtest

import (
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Proxy forwards TCP connections to the test PostgreSQL; Cut closes them all and
// refuses new ones until Resume: a database that went away, as a node sees it.
type Proxy struct {
	t       testing.TB
	target  func() (net.Conn, error)
	addr    string
	mu      sync.Mutex
	ln      net.Listener
	conns   []net.Conn
	stopped bool
}

// NewProxy starts a proxy to the database at base and returns it with the address that
// goes through it.
func NewProxy(t testing.TB, base string) (*Proxy, string) {
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
	p := &Proxy{t: t}
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
	t.Cleanup(p.Cut)
	q := u.Query()
	q.Del("host")
	q.Del("port")
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	u.Host = p.addr
	return p, u.String()
}

func (p *Proxy) serve(ln net.Listener) {
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

// Cut closes every connection and refuses new ones.
func (p *Proxy) Cut() {
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

// Resume takes connections again.
func (p *Proxy) Resume() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}
