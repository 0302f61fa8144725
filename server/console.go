package server

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"

	"repairdesk/tui"
)

// program builds the session's console for wish's bubbletea middleware, which runs it,
// feeds it the (clamped, coalesced) window changes and quits it when the connection
// goes. nil (no registered session) lets the middleware pass the session on.
func (s *Server) program(sess ssh.Session) *tea.Program {
	ss := s.lookup(sess)
	if ss == nil {
		return nil
	}
	pty, _, _ := sess.Pty()
	opts := tui.Options{Store: s.st, Me: ss.staff, Lang: ss.lang, Renderer: sessionRenderer(sess, pty.Term),
		IdleLock: s.o.IdleLock, Now: s.o.Now, Redraws: s.redraws}
	if dir := s.exportDir(ss.staff.Name); dir != "" {
		// Exports go to the person's own folder on the server; the status line says how
		// to fetch them with scp (files.go).
		opts.ExportDir, opts.ExportFetch = dir, s.FetchCommand
	}
	m := tui.New(opts)
	var tm tea.Model = m
	if s.o.wrap != nil {
		tm = s.o.wrap(ss.staff, tm)
	}
	g := &guard{inner: tm, lang: ss.lang, onPanic: func(v any, stack []byte) { s.sessionPanicked(ss, v, stack) }}
	in := newSessionInput(sess)
	popts := []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(sess), tea.WithAltScreen(),
		// The server, not each program, decides what a signal to the process means.
		tea.WithoutSignalHandler()}
	// The mouse, unless the client's terminal cannot report it (TERM dumb, vt100).
	popts = append(popts, tui.MouseOptions(pty.Term, false)...)
	p := tea.NewProgram(g, popts...)
	g.prog = p
	in.onEOF = func() { go p.Quit() }
	ss.setProgram(m, p)
	return p
}

// finish runs after the console has closed: when the server ended it (staff change,
// shutdown, a panic), the person reads why, and the exit status says so.
func (s *Server) finish(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if ss := s.lookup(sess); ss != nil {
			reason, code, panicked := ss.outcome()
			ss.mu.Lock()
			m := ss.model
			ss.mu.Unlock()
			if m != nil && m.LockedOut() && reason == "" && !panicked {
				// Five wrong PINs at the lock: logged here, audited by the store.
				s.log.Warn("session ended: wrong PINs at the lock", "staff", ss.staff.Name, "key", ss.fp, "remote", ss.remote)
				reason, code = m.EndReason(), 1
			}
			switch {
			case panicked:
				fmt.Fprintln(sess, tui.T(ss.lang, "err.panic"))
				_ = sess.Exit(1)
			case reason != "":
				fmt.Fprintln(sess, reason)
				_ = sess.Exit(code)
			}
		}
		next(sess)
	}
}
