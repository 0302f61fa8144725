package server

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/tui"
)

// DefaultGrace is how long sessions have when the server is asked to stop (serve --grace).
const DefaultGrace = 30 * time.Second

// Grace tells every session the server stops in d (tui.GraceMsg: a countdown on their
// screens, and each open form kept as a draft), and waits until they have all ended or
// d has passed. Serve calls it after its context is cancelled and before Shutdown.
func (s *Server) Grace(d time.Duration) {
	if d <= 0 {
		return
	}
	list := s.list()
	if len(list) == 0 {
		return
	}
	deadline := time.Now().Add(d)
	if s.o.Now != nil {
		deadline = s.o.Now().Add(d)
	}
	s.log.Info("stopping after the grace period", "sessions", len(list), "grace", d)
	for _, ss := range list {
		ss.send(tui.GraceMsg{Deadline: deadline})
	}
	done := make(chan struct{})
	go func() {
		s.active.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// send delivers msg to the session's program (or as soon as it exists).
func (ss *session) send(msg tea.Msg) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.prog == nil {
		if ss.pending == nil {
			ss.pending = msg
		}
		return
	}
	go ss.prog.Send(msg) // Send waits for the event loop: never under the lock
}
