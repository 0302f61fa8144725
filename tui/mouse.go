package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
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

// onMouse handles a mouse event on the screen in front: the queue, a case, the action
// menu. Forms, prompts and the lock take the keyboard only.
func (m *Model) onMouse(msg tea.MouseMsg) tea.Cmd {
	if msg.Action != tea.MouseActionPress || m.ending != "" || m.pin != nil || m.help || m.cmd != nil ||
		m.confirm != nil || m.entv != nil || m.staffv != nil || m.intake != nil || m.af != nil || m.dash != nil || m.audit {
		return nil
	}
	m.clearCommandError()
	up, down := msg.Button == tea.MouseButtonWheelUp, msg.Button == tea.MouseButtonWheelDown
	if !up && !down && msg.Button != tea.MouseButtonLeft {
		return nil
	}
	y := msg.Y - 1 // the title line is above the body
	k := m.c.Keys
	switch {
	case m.menu != nil:
		switch {
		case up && m.menu.sel > 0:
			m.menu.sel--
		case down && m.menu.sel < len(m.menu.opts)-1:
			m.menu.sel++
		case msg.Button == tea.MouseButtonLeft:
			i := y - 2 // the title and a blank line
			if i < 0 || i >= len(m.menu.opts) {
				return nil
			}
			if i == m.menu.sel {
				return m.onKey(tea.KeyMsg{Type: tea.KeyEnter})
			}
			m.menu.sel = i
		}
		return nil
	case m.cv != nil:
		if m.cv.prompt != nil {
			return nil
		}
		switch {
		case up || down:
			key := k.Up.Keys()[0]
			if down {
				key = k.Down.Keys()[0]
			}
			for range wheelRows {
				m.cv.Update(keyOf(key))
			}
		case y == 1: // the case's tabs
			if t := m.cv.tabAt(msg.X); t >= 0 {
				m.cv.tab = t
			}
		}
		return nil
	}
	if m.q.searching {
		m.q.searching = false // the mouse leaves the search line, as enter does
	}
	cmd, open := m.q.mouse(msg, y, up, down)
	if open != nil {
		var c2 tea.Cmd
		m.cv, c2 = newCaseView(m.c, open.ID)
		return tea.Batch(cmd, c2)
	}
	return cmd
}

func keyOf(s string) tea.KeyMsg {
	switch s {
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
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

// tabAt is the queue tab drawn at column x (as View draws them, counts included), or -1.
func (q *queue) tabAt(x int) tabID {
	at := 0
	for t := tabID(0); t < tabCount; t++ {
		label := " " + q.c.T(tabKeys[t]) + " " + itoa(len(q.rows[t]))
		if t == tabDue && q.dueOver > 0 {
			label += "!" + itoa(q.dueOver)
		}
		w := width(label + " ")
		if x >= at && x < at+w {
			return t
		}
		at += w
	}
	return -1
}

// mouse handles a press in the queue at body line y: a tab, a row (the selected row
// again opens it), or the wheel.
func (q *queue) mouse(msg tea.MouseMsg, y int, up, down bool) (tea.Cmd, *store.Summary) {
	t := q.tab
	switch {
	case up || down:
		if down {
			q.cursor[t] += wheelRows
		} else {
			q.cursor[t] -= wheelRows
		}
		q.clamp(t)
		return nil, nil
	case y == 0:
		if nt := q.tabAt(msg.X); nt >= 0 && nt != q.tab {
			q.tab = nt
			return q.retab(), nil
		}
		return nil, nil
	}
	top := 2 // tabs, column titles
	if q.searching || q.query != "" {
		top++ // the search line
	}
	i := q.offset[t] + y - top
	rows := q.visible(t)
	if y < top || i < 0 || i >= len(rows) || i >= q.offset[t]+q.c.Height-2-top-1 {
		return nil, nil
	}
	if i == q.cursor[t] {
		return nil, rows[i]
	}
	q.cursor[t] = i
	return nil, nil
}
