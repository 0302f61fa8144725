package server

import (
	"runtime/debug"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/tui"
)

// guard wraps one session's model so that a panic in it ends that session only, with
// an apology on the screen, and is reported with its stack. Bubble Tea would recover
// too, but it prints to the server's stdout and its caller cannot tell what happened.
// Update, View, Init and the commands they return (and the commands of a tea.Batch)
// are covered; anything else still falls back to Bubble Tea's own recovery.
type guard struct {
	inner   tea.Model
	lang    string
	prog    *tea.Program // set before Run; used to quit after a panic in View
	onPanic func(v any, stack []byte)
	failed  bool
}

type guardPanicMsg struct {
	v     any
	stack []byte
}

func (g *guard) Init() (cmd tea.Cmd) {
	defer g.catch(&cmd)
	return g.wrap(g.inner.Init())
}

func (g *guard) Update(msg tea.Msg) (m tea.Model, cmd tea.Cmd) {
	m = g // also after a panic: the program must never be handed a nil model
	if g.failed {
		return g, nil
	}
	if pm, ok := msg.(guardPanicMsg); ok {
		g.fail(pm.v, pm.stack)
		return g, tea.Quit
	}
	defer g.catch(&cmd)
	inner, c := g.inner.Update(msg)
	g.inner = inner
	return g, g.wrap(c)
}

func (g *guard) View() (v string) {
	if g.failed {
		return tui.T(g.lang, "err.panic")
	}
	defer func() {
		if r := recover(); r != nil {
			g.fail(r, debug.Stack())
			v = tui.T(g.lang, "err.panic")
			if p := g.prog; p != nil {
				go p.Quit() // View runs on the event loop: never Send from it directly
			}
		}
	}()
	return g.inner.View()
}

func (g *guard) catch(cmd *tea.Cmd) {
	if r := recover(); r != nil {
		g.fail(r, debug.Stack())
		*cmd = tea.Quit
	}
}

func (g *guard) fail(v any, stack []byte) {
	g.failed = true
	if g.onPanic != nil {
		g.onPanic(v, stack)
	}
}

// wrap makes a command report its panic as a message instead of crashing the program.
func (g *guard) wrap(c tea.Cmd) tea.Cmd {
	if c == nil {
		return nil
	}
	return func() (msg tea.Msg) {
		defer func() {
			if r := recover(); r != nil {
				msg = guardPanicMsg{v: r, stack: debug.Stack()}
			}
		}()
		msg = c()
		if b, ok := msg.(tea.BatchMsg); ok {
			out := make(tea.BatchMsg, len(b))
			for i := range b {
				out[i] = g.wrap(b[i])
			}
			return out
		}
		return msg
	}
}
