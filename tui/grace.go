package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// The server's grace period. On SIGTERM the server does not end sessions at once: it
// tells each one when it will (GraceMsg), each console shows the countdown and keeps
// its open form's draft, and only then, or when every session has ended, does the
// server stop (ServerStoppingMsg, which saves the drafts again).

// DefaultGrace is how long sessions have when the server is asked to stop.
const DefaultGrace = 30 * time.Second

// GraceMsg tells a console the server will end the session at Deadline.
type GraceMsg struct{ Deadline time.Time }

type graceState struct{ deadline time.Time }

type graceTickMsg struct{}

func graceTick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return graceTickMsg{} })
}

// onGrace starts the countdown and keeps the open form's input.
func (m *Model) onGrace(msg GraceMsg) tea.Cmd {
	m.grace = &graceState{deadline: msg.Deadline}
	m.saveDraft()
	return graceTick()
}

func (m *Model) onGraceTick() tea.Cmd {
	if m.grace == nil || m.ending != "" {
		return nil
	}
	m.saveDraft()
	if m.c.Now().Before(m.grace.deadline) {
		return graceTick()
	}
	return nil
}

// graceLine is the countdown for the foot of the screen, or "".
func (m *Model) graceLine() string {
	if m.grace == nil {
		return ""
	}
	left := int(m.grace.deadline.Sub(m.c.Now()).Round(time.Second) / time.Second)
	if left < 0 {
		left = 0
	}
	return m.c.T("server.grace", left)
}

// Grace tells every session the server stops in d, and waits until they have all ended
// or d has passed. Serve calls it before Shutdown.
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
		ss.send(GraceMsg{Deadline: deadline})
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
