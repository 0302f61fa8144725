package server

import (
	"fmt"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// Every console costs the server memory and a share of each redraw: the number open
// at once is bounded, in total and per staff member (serve --max-sessions,
// --max-sessions-per-staff).
const (
	DefaultMaxSessions         = 200
	DefaultMaxSessionsPerStaff = 8
)

// session is one open console, or one scp or sftp session (files: they count against
// the same limits, and end when the person is disabled, but have no console).
type session struct {
	files  bool
	staff  workflow.Staff
	key    string // the stored form of the key that authenticated
	fp     string
	remote string
	lang   string
	since  time.Time

	mu       sync.Mutex
	sess     ssh.Session
	model    *tui.Model
	prog     *tea.Program
	pending  tea.Msg // sent as soon as the program exists
	reason   string  // why the server ended the session; "" if the user quit
	code     int     // exit status that goes with reason
	panicked bool
}

func (s *Server) listLocked() []*session {
	out := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		out = append(out, ss)
	}
	return out
}

func (s *Server) list() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listLocked()
}

func (s *Server) lookup(sess ssh.Session) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sess]
}

// register adds a session unless the server is stopping or full. It returns the
// catalogue key of the refusal ("" when the session was added).
func (s *Server) register(sess ssh.Session, ss *session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return "ssh.stopping"
	}
	if len(s.sessions) >= s.o.MaxSessions {
		return "ssh.server_full"
	}
	mine := 0
	for _, o := range s.sessions {
		if o.staff.Name == ss.staff.Name {
			mine++
		}
	}
	if mine >= s.o.MaxSessionsPerStaff {
		return "ssh.staff_full"
	}
	s.sessions[sess] = ss
	s.active.Add(1)
	return ""
}

func (s *Server) unregister(sess ssh.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[sess]; ok {
		delete(s.sessions, sess)
		s.active.Done()
	}
}

func (s *Server) sessionPanicked(ss *session, v any, stack []byte) {
	ss.mu.Lock()
	first := !ss.panicked
	ss.panicked = true
	ss.mu.Unlock()
	if first {
		s.log.Error("session panicked; ended it", "staff", ss.staff.Name, "remote", ss.remote, "panic", v, "stack", string(stack))
	}
}

func (ss *session) setProgram(m *tui.Model, p *tea.Program) {
	ss.mu.Lock()
	ss.model, ss.prog = m, p
	msg := ss.pending
	ss.mu.Unlock()
	if msg != nil {
		go p.Send(msg)
	}
}

// close releases the session's console model (its store subscription).
func (ss *session) close() {
	ss.mu.Lock()
	m := ss.model
	ss.model = nil
	ss.mu.Unlock()
	if m != nil {
		m.Close()
	}
}

// end asks the session to end with reason (shown after the console closes) by sending
// msg to its program. Only the first reason counts.
func (ss *session) end(reason string, code int, msg tea.Msg) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.reason != "" {
		return false
	}
	ss.reason, ss.code = reason, code
	if ss.files {
		// No console to tell: the client's error output, then the connection ends.
		if sess := ss.sess; sess != nil {
			go func() {
				fmt.Fprintln(sess.Stderr(), reason)
				_ = sess.Exit(code)
				_ = sess.Close()
			}()
		}
		return true
	}
	if ss.prog == nil {
		ss.pending = msg
		return true
	}
	// Send waits for the event loop; never hold a lock or block the caller on it.
	go ss.prog.Send(msg)
	return true
}

// kill ends the session at once (shutdown ran out of time).
func (ss *session) kill() bool {
	ss.mu.Lock()
	p, sess := ss.prog, ss.sess
	ss.mu.Unlock()
	if p != nil {
		p.Kill()
	}
	if sess != nil {
		_ = sess.Close()
	}
	return true
}

func (ss *session) outcome() (reason string, code int, panicked bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.reason, ss.code, ss.panicked
}

// openFiles registers an scp or sftp session of a's staff member against the limits
// (--max-sessions, --max-sessions-per-staff), or refuses it on the client's error output
// (exit status 1). release unregisters it.
func (s *Server) openFiles(sess ssh.Session, a *fileArea, what string) (release func(), ok bool) {
	ss := &session{files: true, sess: sess, staff: a.me, fp: a.fp, remote: sess.RemoteAddr().String(), lang: a.lang, since: time.Now()}
	if pk := sess.PublicKey(); pk != nil {
		ss.key = store.NormalKey(pk)
	}
	if why := s.register(sess, ss); why != "" {
		s.log.Warn(what+" refused", "staff", a.me.Name, "key", a.fp, "remote", ss.remote, "reason", why)
		limit := s.o.MaxSessions
		if why == "ssh.staff_full" {
			limit = s.o.MaxSessionsPerStaff
		}
		fmt.Fprintln(sess.Stderr(), sT(a.lang, why, limit))
		_ = sess.Exit(1)
		return nil, false
	}
	return func() { s.unregister(sess) }, true
}
