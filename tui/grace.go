package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// The server's grace period. On SIGTERM the server does not end sessions at once: it
// tells each one when it will (GraceMsg), each console shows the countdown and keeps
// its open form's draft, and only then, or when every session has ended, does the
// server stop (ServerStoppingMsg, which saves the drafts again). The server's side is
// server/grace.go.

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
