package tui

import (
	"errors"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"repairdesk/store"
	"repairdesk/workflow"
)

// The PIN screen stands in front of the console when it can lock (an idle-lock time is
// set): at login it asks for the person's PIN, or has them choose one if none is set
// (first login, or after an admin reset); after the idle time it locks the console
// until the PIN is given. No other key gets past it; q ends the session.
type pinMode int

const (
	pinLogin pinMode = iota // a new session: the PIN before the queues
	pinLock                 // idle: the PIN to resume
	pinSetup                // no PIN yet: choose one and confirm it
)

// pinQuit ends the session from the PIN screen; every other key is the PIN's.
var pinQuit = key.NewBinding(key.WithKeys("ctrl+c", "q", "Q"))

type pinGate struct {
	mode   pinMode
	digits []byte
	first  string // setup: the PIN typed once, waiting for its confirmation
	busy   bool   // a hash is running (in a tea.Cmd)
	msg    string
	msgErr bool
	// The lock cannot check who is there: no PIN is set (reset by an admin during the
	// session), or it is stopped after MaxPINFails wrong tries. Only q is offered.
	noPIN, stopped bool
}

type pinCheckedMsg struct {
	r   store.PINCheck
	err error
}

type pinSetMsg struct{ err error }

// newPINGate builds the gate for mode, from the person's PIN state in the store.
func (m *Model) newPINGate(mode pinMode) *pinGate {
	set, fails := m.c.Store.HasPIN(m.c.Me.Name)
	if mode == pinLogin && !set {
		mode = pinSetup
	}
	g := &pinGate{mode: mode}
	if mode != pinSetup {
		g.noPIN, g.stopped = !set, fails >= store.MaxPINFails
	}
	return g
}

// refreshPIN follows a staff change (an admin reset) while the lock is up.
func (m *Model) refreshPIN() {
	g := m.pin
	if g == nil || g.mode == pinSetup || g.busy {
		return
	}
	set, fails := m.c.Store.HasPIN(m.c.Me.Name)
	g.noPIN, g.stopped = !set, fails >= store.MaxPINFails
}

func isDigits(rs []rune) bool {
	for _, r := range rs {
		if r < '0' || r > '9' {
			return false
		}
	}
	return len(rs) > 0
}

func (m *Model) pinKey(km tea.KeyMsg) tea.Cmd {
	g := m.pin
	if key.Matches(km, pinQuit) {
		m.Close()
		return tea.Quit
	}
	if g.busy {
		return nil
	}
	switch km.Type {
	case tea.KeyRunes:
		if !isDigits(km.Runes) {
			g.msg, g.msgErr = m.c.T("pin.digits_only"), true
			return nil
		}
		for _, r := range km.Runes {
			if len(g.digits) >= store.PINMaxLen {
				g.msg, g.msgErr = m.c.T("pin.format", store.PINMinLen, store.PINMaxLen), true
				break
			}
			g.digits = append(g.digits, byte(r))
		}
		return nil
	case tea.KeyBackspace:
		if len(g.digits) > 0 {
			g.digits = g.digits[:len(g.digits)-1]
		}
		return nil
	case tea.KeyEsc:
		g.digits, g.first, g.msg = nil, "", ""
		return nil
	case tea.KeyEnter:
	default:
		g.msg, g.msgErr = m.c.T("pin.digits_only"), true
		return nil
	}
	// Enter.
	if g.noPIN || g.stopped {
		g.digits = nil
		return nil
	}
	pin := string(g.digits)
	g.digits = nil
	if store.ValidPIN(pin) != nil {
		g.msg, g.msgErr = m.c.T("pin.format", store.PINMinLen, store.PINMaxLen), true
		return nil
	}
	st, name := m.c.Store, m.c.Me.Name
	if g.mode == pinSetup {
		if g.first == "" {
			g.first = pin
			g.msg, g.msgErr = m.c.T("pin.confirm"), false
			return nil
		}
		if pin != g.first {
			g.first = ""
			g.msg, g.msgErr = m.c.T("pin.mismatch"), true
			return nil
		}
		g.first, g.busy = "", true
		g.msg, g.msgErr = m.c.T("pin.working"), false
		return func() tea.Msg { return pinSetMsg{err: st.SetPIN(name, pin)} }
	}
	// argon2 takes a noticeable moment: it runs in the command, never in Update.
	g.busy = true
	g.msg, g.msgErr = m.c.T("pin.working"), false
	return func() tea.Msg {
		r, err := st.CheckPIN(name, pin)
		return pinCheckedMsg{r: r, err: err}
	}
}

func (m *Model) onPINChecked(msg pinCheckedMsg) tea.Cmd {
	g := m.pin
	if g == nil {
		return nil
	}
	g.busy = false
	switch r := msg.r; {
	case msg.err != nil:
		g.msg, g.msgErr = m.errText(msg.err), true
	case r.OK:
		m.pin = nil
		m.lastKey = m.c.Now()
	case r.LockedOut:
		m.lockedOut = true
		m.ending = m.c.T("pin.lockout", store.MaxPINFails)
		return tea.Tick(time.Second, func(time.Time) tea.Msg { return quitMsg{} })
	case r.NoPIN:
		g.noPIN = true
	default:
		g.msg, g.msgErr = m.c.T("pin.wrong", store.MaxPINFails-r.Fails), true
	}
	return nil
}

func (m *Model) onPINSet(msg pinSetMsg) {
	g := m.pin
	if g == nil {
		return
	}
	g.busy = false
	if msg.err != nil {
		var rf *workflow.Refusal
		if errors.As(msg.err, &rf) && rf.Code == "pin_set" {
			// Set meanwhile in another session of this person: ask for it instead.
			*g = *m.newPINGate(pinLogin)
			g.msg, g.msgErr = m.errText(msg.err), true
			return
		}
		g.msg, g.msgErr = m.errText(msg.err), true
		return
	}
	m.pin = nil
	m.lastKey = m.c.Now()
	m.setStatus(m.c.T("pin.set_ok"), false)
}

// LockedOut reports that the session ended on MaxPINFails wrong PINs (for the server's
// log and the local console's exit message).
func (m *Model) LockedOut() bool { return m.lockedOut }

// EndReason is what the console said when it ended the session itself ("" if it did not).
func (m *Model) EndReason() string {
	if m.lockedOut {
		return m.ending
	}
	return ""
}

func (m *Model) pinView(w, h int) string {
	st := m.c.Styles
	g := m.pin
	var title, ask string
	switch g.mode {
	case pinLogin:
		title, ask = m.c.T("pin.login_title"), m.c.T("pin.enter")
	case pinLock:
		title, ask = m.c.T("lock.title"), m.c.T("pin.enter")
	case pinSetup:
		title, ask = m.c.T("pin.setup_title"), m.c.T("pin.setup_ask", store.PINMinLen, store.PINMaxLen)
		if g.first != "" {
			ask = m.c.T("pin.confirm")
		}
	}
	tw := max(16, min(w-8, 60)) // text width inside the box
	para := func(style lipgloss.Style, text string) []string {
		var out []string
		for _, l := range wrap(text, tw) {
			out = append(out, style.Render(l))
		}
		return out
	}
	lines := []string{st.Title.Render(cut(title, tw)), "", cut(m.c.staffName(m.c.Me.Name), tw), ""}
	switch {
	case g.stopped:
		lines = append(lines, para(st.Err, m.c.T("pin.stopped"))...)
	case g.noPIN:
		lines = append(lines, para(st.Err, m.c.T("pin.none"))...)
	default:
		field := strings.Repeat("*", len(g.digits)) + strings.Repeat("_", max(0, store.PINMinLen-len(g.digits)))
		lines = append(lines, para(lipgloss.NewStyle(), ask)...)
		lines = append(lines, "", "  "+st.FieldFocus.Render(field))
		if g.msg != "" {
			s := st.Muted
			if g.msgErr {
				s = st.Err
			}
			lines = append(lines, "")
			lines = append(lines, para(s, g.msg)...)
		}
	}
	hint := m.c.T("pin.hint")
	if g.stopped || g.noPIN {
		hint = m.c.T("pin.hint_quit")
	}
	lines = append(lines, "")
	lines = append(lines, para(st.Muted, hint)...)
	box := st.Box.Render(strings.Join(lines, "\n"))
	return m.c.R.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}
