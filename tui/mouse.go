package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The mouse (issue 13 §8), as k9s and lazygit users expect: a click selects a row, a tab
// or a menu item (a second click on the selected row or item opens it), the wheel
// scrolls. Cell-motion reporting leaves text selection to the terminal's modifier
// (shift-drag in most terminals).

// MouseOK reports whether a terminal of this TERM can report the mouse: not a dumb
// terminal, nor the VT family (vt100, vt220 …), whose reports would arrive as keys.
func MouseOK(term string) bool {
	term = strings.ToLower(strings.TrimSpace(term))
	return term != "" && term != "dumb" && !strings.HasPrefix(term, "vt")
}

// MouseOptions are the program options for the mouse of a session on a terminal of this
// TERM: cell motion, unless the terminal cannot report it or the user said --no-mouse.
// The SSH server passes the client's TERM (pty.Term) and false.
func MouseOptions(term string, noMouse bool) []tea.ProgramOption {
	if noMouse || !MouseOK(term) {
		return nil
	}
	return []tea.ProgramOption{tea.WithMouseCellMotion()}
}

// wheelRows is how far one notch of the wheel scrolls.
const wheelRows = 3

// mouser is a screen that takes the mouse: the queues, a case, the action menu. mouse
// handles a press (a click, a notch of the wheel) at line y of the screen's body. Forms,
// prompts, confirmations and the help take the keyboard only.
type mouser interface {
	mouse(msg tea.MouseMsg, y int) tea.Cmd
}

// onMouse hands a mouse press to the screen in front (the top of the stack), when it
// takes the mouse; nothing while the ':' line is open, behind the PIN screen, or once
// the session is ending.
func (m *Model) onMouse(msg tea.MouseMsg) tea.Cmd {
	if msg.Action != tea.MouseActionPress || m.ending != "" || m.held() || m.cmd != nil {
		return nil
	}
	if !wheelUp(msg) && !wheelDown(msg) && msg.Button != tea.MouseButtonLeft {
		return nil
	}
	m.clearCommandError()
	s, ok := m.top().(mouser)
	if !ok {
		return nil
	}
	return s.mouse(msg, msg.Y-1) // the title line is above the body
}

func wheelUp(msg tea.MouseMsg) bool   { return msg.Button == tea.MouseButtonWheelUp }
func wheelDown(msg tea.MouseMsg) bool { return msg.Button == tea.MouseButtonWheelDown }

// runKey runs the binding of bs for kb, as its key would: a disabled one says why on the
// status line. The mouse acts through the screen's bindings, as the keyboard does.
func runKey(c *Common, bs []Binding, kb key.Binding) tea.Cmd {
	for _, b := range bs {
		if slices.Equal(b.Keys(), kb.Keys()) {
			if why := b.reason(); why != "" {
				c.status(why, true)
				return nil
			}
			return b.Run(tea.KeyMsg{})
		}
	}
	return nil
}

// mouse on the action menu: a click selects an action, a second click on it chooses it
// (as enter does); the wheel moves the selection.
func (a *actionMenu) mouse(msg tea.MouseMsg, y int) tea.Cmd {
	k := a.c.Keys
	switch {
	case wheelUp(msg):
		return runKey(a.c, a.Bindings(), k.Up)
	case wheelDown(msg):
		return runKey(a.c, a.Bindings(), k.Down)
	}
	i := y - 2 // the title and a blank line
	if i < 0 || i >= len(a.opts) {
		return nil
	}
	if i == a.sel {
		return runKey(a.c, a.Bindings(), k.Open)
	}
	a.sel = i
	return nil
}

// mouse on a case: a click on a tab shows it; the wheel scrolls (moves among the
// materials on their tab).
func (v *caseView) mouse(msg tea.MouseMsg, y int) tea.Cmd {
	if wheelUp(msg) || wheelDown(msg) {
		kb := v.c.Keys.Up
		if wheelDown(msg) {
			kb = v.c.Keys.Down
		}
		var cmds []tea.Cmd
		for range wheelRows {
			cmds = append(cmds, runKey(v.c, v.Bindings(), kb))
		}
		return tea.Batch(cmds...)
	}
	if y == 1 { // the case's tabs
		if t := v.tabAt(msg.X); t >= 0 {
			v.tab = t
		}
	}
	return nil
}

// tabAt is the case tab drawn at column x (as View draws them), or -1.
func (v *caseView) tabAt(x int) caseTab {
	at := 0
	for t := caseTab(0); t < ctCount; t++ {
		w := width(" " + itoa(int(t)+1) + " " + v.c.T(caseTabKeys[t]) + " ")
		if x >= at && x < at+w {
			return t
		}
		at += w
	}
	return -1
}

// tabAt is the queue tab drawn at column x (as View draws them, counts and notes
// included), or -1.
func (q *queue) tabAt(x int) tabID {
	at := 0
	for t := tabID(0); t < tabCount; t++ {
		w := width(" " + q.c.T(tabKeys[t]) + " " + itoa(len(q.rows[t])) + " ")
		if t == tabDue && q.dueOver > 0 {
			w += width(" · " + q.c.T("due.tab_over", q.dueOver))
		}
		if t == tabMine && len(q.unseen) > 0 {
			w += width(" · " + q.c.T("tab.unseen", len(q.unseen)))
		}
		if x >= at && x < at+w {
			return t
		}
		at += w
	}
	return -1
}

// mouse on the queues: a click on a tab shows it, on a row selects it (on the selected
// row, opens it, as enter does); the wheel scrolls. The mouse leaves the search line, as
// enter does.
func (q *queue) mouse(msg tea.MouseMsg, y int) tea.Cmd {
	top := 2 // tabs, column titles
	if q.searching || q.query != "" {
		top++ // the search line, as drawn when the click was made
	}
	q.searching = false
	t := q.tab
	switch {
	case wheelUp(msg) || wheelDown(msg):
		if wheelDown(msg) {
			q.cursor[t] += wheelRows
		} else {
			q.cursor[t] -= wheelRows
		}
		q.clamp(t)
		return nil
	case y == 0:
		if nt := q.tabAt(msg.X); nt >= 0 && nt != q.tab {
			q.tab = nt
			return q.retab()
		}
		return nil
	}
	i := q.offset[t] + y - top
	rows := q.visible(t)
	if y < top || i < 0 || i >= len(rows) || i >= q.offset[t]+q.c.Height-2-top-1 {
		return nil
	}
	if i == q.cursor[t] {
		return runKey(q.c, q.Bindings(), q.c.Keys.Open)
	}
	q.cursor[t] = i
	return nil
}
