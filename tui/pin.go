package tui

import (
	"errors"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"repairdesk/store"
	"repairdesk/workflow"
)

// The PIN screen stands in front of the console when it can lock (an idle-lock time is
// set): at login it asks for the person's PIN, or has them choose one if none is set
// (first login, or after an admin reset); after the idle time it locks the console
// until the PIN is given. It is a screen of the stack like the others (screen.go), one
// that stays in front (front): no key gets past it to the screens below, no global key
// (':') works behind it, and screens that results open meanwhile go under it. q ends
// the session.
type pinMode int

const (
	pinLogin pinMode = iota // a new session: the PIN before the queues
	pinLock                 // idle: the PIN to resume
	pinSetup                // no PIN yet: choose one and confirm it
)

type pinScreen struct {
	c      *Common
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

// Messages of the PIN screen to the root.
type (
	// unlockMsg: the right PIN (or a new one set); the screen closes and the idle time
	// starts again.
	unlockMsg struct{ s *pinScreen }
	// lockoutMsg: MaxPINFails wrong PINs in a row; the session ends, saying why.
	lockoutMsg struct{}
)

type pinCheckedMsg struct {
	r   store.PINCheck
	err error
}

type pinSetMsg struct{ err error }

// newPINScreen builds the PIN screen for mode, from the person's PIN state in the store.
func newPINScreen(c *Common, mode pinMode) *pinScreen {
	s := &pinScreen{c: c}
	s.reset(mode)
	return s
}

// reset starts the screen afresh in mode (a login without a PIN set is its setup).
func (s *pinScreen) reset(mode pinMode) {
	set, fails := s.c.Store.HasPIN(s.c.Me.Name)
	if mode == pinLogin && !set {
		mode = pinSetup
	}
	*s = pinScreen{c: s.c, mode: mode}
	if mode != pinSetup {
		s.noPIN, s.stopped = !set, fails >= store.MaxPINFails
	}
}

func (s *pinScreen) inFront() {}

// refresh follows a staff change (an admin reset) while the lock is up.
func (s *pinScreen) onChange(ch store.Change) tea.Cmd {
	if ch.Topic != "staff" || s.mode == pinSetup || s.busy {
		return nil
	}
	set, fails := s.c.Store.HasPIN(s.c.Me.Name)
	s.noPIN, s.stopped = !set, fails >= store.MaxPINFails
	return nil
}

// cannot is why the PIN cannot be checked here ("" when it can): only q is left.
func (s *pinScreen) cannot() string {
	switch {
	case s.stopped:
		return s.c.T("pin.stopped")
	case s.noPIN:
		return s.c.T("pin.none")
	}
	return ""
}

// Typing: the digits are typed into the PIN's field (unless the PIN cannot be checked).
func (s *pinScreen) Typing() bool { return s.cannot() == "" }

func (s *pinScreen) Bindings() []Binding {
	k := s.c.Keys
	return []Binding{
		on(k.PINEnter, s.enter).when(s.cannot).main(),
		on(k.Erase, func(tea.KeyMsg) tea.Cmd {
			if !s.busy && len(s.digits) > 0 {
				s.digits = s.digits[:len(s.digits)-1]
			}
			return nil
		}).when(s.cannot),
		on(k.ClearPIN, func(tea.KeyMsg) tea.Cmd {
			if !s.busy {
				s.digits, s.first, s.msg = nil, "", ""
			}
			return nil
		}).when(s.cannot),
		on(k.EndSession, func(tea.KeyMsg) tea.Cmd { s.c.send(quitMsg{}); return nil }).main(),
		// The help of the PIN screen: the screens behind it, and their keys, stay hidden.
		on(k.Help, func(tea.KeyMsg) tea.Cmd { s.c.send(pushMsg{newHelp(s.c, s, nil)}); return nil }).main(),
	}
}

// Update takes the digits typed, the keys of its bindings typed while digits are
// expected (q, ?), and the results of its checks. Any other key says what a PIN is.
func (s *pinScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pinCheckedMsg:
		return s.checked(msg)
	case pinSetMsg:
		s.set(msg)
		return nil
	case tea.KeyMsg:
		if b, ok := match(s.Bindings(), msg); ok {
			if b.reason() != "" {
				return nil
			}
			return b.Run(msg)
		}
		if s.busy || s.cannot() != "" {
			return nil
		}
		if msg.Type != tea.KeyRunes || !isDigits(msg.Runes) {
			s.msg, s.msgErr = s.c.T("pin.digits_only"), true
			return nil
		}
		for _, r := range msg.Runes {
			if len(s.digits) >= store.PINMaxLen {
				s.msg, s.msgErr = s.c.T("pin.format", store.PINMinLen, store.PINMaxLen), true
				break
			}
			s.digits = append(s.digits, byte(r))
		}
	}
	return nil
}

func isDigits(rs []rune) bool {
	for _, r := range rs {
		if r < '0' || r > '9' {
			return false
		}
	}
	return len(rs) > 0
}

// enter submits the PIN typed: checked (or, at setup, confirmed and stored) in a
// command, never in Update: argon2 takes a noticeable moment.
func (s *pinScreen) enter(tea.KeyMsg) tea.Cmd {
	if s.busy {
		return nil
	}
	pin := string(s.digits)
	s.digits = nil
	if store.ValidPIN(pin) != nil {
		s.msg, s.msgErr = s.c.T("pin.format", store.PINMinLen, store.PINMaxLen), true
		return nil
	}
	st, name := s.c.Store, s.c.Me.Name
	if s.mode == pinSetup {
		if s.first == "" {
			// The request to type it again is the screen's question now (View); it is
			// not repeated below the field as a message too.
			s.first = pin
			s.msg, s.msgErr = "", false
			return nil
		}
		if pin != s.first {
			s.first = ""
			s.msg, s.msgErr = s.c.T("pin.mismatch"), true
			return nil
		}
		s.first, s.busy = "", true
		s.msg, s.msgErr = s.c.T("pin.working"), false
		return func() tea.Msg { return pinSetMsg{err: st.SetPIN(name, pin)} }
	}
	s.busy = true
	s.msg, s.msgErr = s.c.T("pin.working"), false
	return func() tea.Msg {
		r, err := st.CheckPIN(name, pin)
		return pinCheckedMsg{r: r, err: err}
	}
}

func (s *pinScreen) checked(msg pinCheckedMsg) tea.Cmd {
	if !s.busy {
		return nil // not this screen's check
	}
	s.busy = false
	switch r := msg.r; {
	case msg.err != nil:
		s.msg, s.msgErr = errText(s.c, msg.err), true
	case r.OK:
		s.c.send(unlockMsg{s})
	case r.LockedOut:
		s.c.send(lockoutMsg{})
	case r.NoPIN:
		s.noPIN = true
	default:
		s.msg, s.msgErr = s.c.T("pin.wrong", store.MaxPINFails-r.Fails), true
	}
	return nil
}

func (s *pinScreen) set(msg pinSetMsg) {
	if !s.busy {
		return
	}
	s.busy = false
	if msg.err != nil {
		var rf *workflow.Refusal
		if errors.As(msg.err, &rf) && rf.Code == "pin_set" {
			// Set meanwhile in another session of this person: ask for it instead.
			s.reset(pinLogin)
		}
		s.msg, s.msgErr = errText(s.c, msg.err), true
		return
	}
	s.c.send(unlockMsg{s}, statusMsg{s.c.T("pin.set_ok"), false})
}

// onUnlock closes the PIN screen s: the console is open again.
func (m *Model) onUnlock(s *pinScreen) {
	m.pop(s)
	m.lastKey = m.c.Now()
}

// onLockout ends the session on MaxPINFails wrong PINs, saying why.
func (m *Model) onLockout() tea.Cmd {
	m.lockedOut = true
	m.ending = m.c.T("pin.lockout", store.MaxPINFails)
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return quitMsg{} })
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

func (s *pinScreen) View(w, h int) string {
	st := s.c.Styles
	var title, ask string
	switch s.mode {
	case pinLogin:
		title, ask = s.c.T("pin.login_title"), s.c.T("pin.enter")
	case pinLock:
		title, ask = s.c.T("lock.title"), s.c.T("pin.enter")
	case pinSetup:
		title, ask = s.c.T("pin.setup_title"), s.c.T("pin.setup_ask", store.PINMinLen, store.PINMaxLen)
		if s.first != "" {
			ask = s.c.T("pin.confirm")
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
	lines := []string{st.Title.Render(cut(title, tw)), "", cut(s.c.staffName(s.c.Me.Name), tw), ""}
	if why := s.cannot(); why != "" {
		lines = append(lines, para(st.Err, why)...)
	} else {
		// The field: a star per digit, the insertion point (the terminal's cursor stands
		// there, cursor.go), then the places still to fill.
		rest := strings.Repeat("_", max(0, store.PINMinLen-len(s.digits)))
		field := st.FieldFocus.Render(strings.Repeat("*", len(s.digits)))
		if !s.busy {
			field += cursorMark
		}
		field += st.FieldFocus.Render(rest)
		lines = append(lines, para(lipgloss.NewStyle(), ask)...)
		lines = append(lines, "", "  "+field)
		if s.msg != "" {
			style := st.Muted
			if s.msgErr {
				style = st.Err
			}
			lines = append(lines, "")
			lines = append(lines, para(style, s.msg)...)
		}
	}
	box := st.Box.Render(strings.Join(lines, "\n"))
	return s.c.R.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}
