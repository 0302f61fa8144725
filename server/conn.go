package server

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// A connection gets handshakeTimeout to speak SSH and then loginTimeout to log in;
// how it ended, if it never logged in, is what the failed-login limiter counts.

type connStateKey struct{}

// maxRefusedPerConn bounds the fingerprints one connection's refusals remember.
const maxRefusedPerConn = 16

// connState follows one connection until it has authenticated.
type connState struct {
	remote, ip string
	authed     atomic.Bool
	pre        gossh.ServerPreAuthConn // only used on the connection's own goroutine
	conn       net.Conn

	mu        sync.Mutex
	timer     *time.Timer // closes the connection unless it authenticates in time
	attempted bool
	fails     int // failed authentication attempts (any method but "none")
	blocked   int // of them, keys refused by the limiter without a look
	reason    string
	refused   []string // fingerprints of keys refused, for the log and the limiter
}

func (cs *connState) setTimer(d time.Duration, f func()) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch {
	case cs.timer == nil && f != nil:
		cs.timer = time.AfterFunc(d, f)
	case cs.timer != nil && d > 0:
		cs.timer.Reset(d)
	case cs.timer != nil:
		cs.timer.Stop()
	}
}

func (cs *connState) note(reason string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.attempted = true
	cs.reason = reason
}

// trackedConn reports how a connection that never authenticated ended.
type trackedConn struct {
	net.Conn
	once  sync.Once
	onEnd func()
}

func (c *trackedConn) Close() error {
	c.once.Do(c.onEnd)
	return c.Conn.Close()
}

func (s *Server) onConnect(ctx ssh.Context, conn net.Conn) net.Conn {
	remote := conn.RemoteAddr().String()
	ip := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		ip = h
	}
	cs := &connState{remote: remote, ip: ip}
	tc := &trackedConn{Conn: conn}
	tc.onEnd = func() { s.connEnded(cs) }
	cs.conn = tc
	cs.setTimer(s.o.handshakeTimeout, func() {
		if !cs.authed.Load() {
			cs.note("handshake or login timed out")
			tc.Close()
		}
	})
	ctx.SetValue(connStateKey{}, cs)
	return tc
}

func (s *Server) connEnded(cs *connState) {
	cs.setTimer(0, nil)
	if cs.authed.Load() {
		return // a session logs its own logout
	}
	cs.mu.Lock()
	attempted, reason, keys := cs.attempted, cs.reason, append([]string(nil), cs.refused...)
	counted := cs.fails > cs.blocked || (cs.attempted && cs.fails == 0)
	blocked := cs.blocked
	cs.mu.Unlock()
	blockedOnly := blocked > 0 && !counted
	if !attempted && blocked == 0 {
		s.log.Debug("connection closed before logging in", "remote", cs.remote)
		return
	}
	if blockedOnly { // already over a limit: counted once, when it got there
		s.log.Debug("login refused", "remote", cs.remote, "reason", reason)
		return
	}
	if counted {
		s.fails.add(cs.ip, keys, time.Now())
	}
	s.log.Warn("login refused", "remote", cs.remote, "keys", strings.Join(keys, ","), "reason", reason)
}

// serverConfig is called once per connection, before its handshake.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	cs, _ := ctx.Value(connStateKey{}).(*connState)
	cfg := &gossh.ServerConfig{}
	if cs == nil {
		return cfg
	}
	cfg.PreAuthConnCallback = func(c gossh.ServerPreAuthConn) {
		// The key exchange is done: it speaks SSH. Give a person time to log in.
		cs.pre = c
		cs.setTimer(max(loginTimeout, s.o.handshakeTimeout), nil)
	}
	cfg.AuthLogCallback = func(_ gossh.ConnMetadata, method string, err error) {
		switch {
		case err == nil:
			cs.authed.Store(true)
			cs.setTimer(0, nil)
		case method != "none":
			cs.mu.Lock()
			cs.attempted = true
			cs.fails++
			if cs.reason == "" {
				cs.reason = "no acceptable key (" + method + ")"
			}
			cs.mu.Unlock()
		}
	}
	return cfg
}
