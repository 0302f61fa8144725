package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Screen is the one contract of every screen of the console: the queues, a case, the
// forms, the action menu, staff, the client filing, the dashboard, the audit log, the
// help, a prompt, a confirmation. Screens sit on a stack in the root (model.go); the top
// one gets the keys and is drawn.
//
//   - Update gets the messages meant for the screen (results of its commands, a change
//     in the store) and the keys none of its bindings took (text typed into a field).
//   - View draws the screen in exactly w×h cells.
//   - Bindings are every key the screen answers to, with its handler and, when it does
//     nothing now, the reason. The footer and the help are generated from them; the root
//     dispatches keys through them. No key is handled anywhere else.
//   - Typing says a text input has the keyboard: printable keys are text, not commands.
//
// A screen tells its parent things by message (c.send: push a screen, close, open a
// case, say something on the status line), never by returning them.
type Screen interface {
	Update(msg tea.Msg) tea.Cmd
	View(w, h int) string
	Bindings() []Binding
	Typing() bool
}

// Binding is one key of a screen, as lazygit's are: the keys and their help, what they
// do, and why they do nothing now.
type Binding struct {
	key.Binding
	Run func(km tea.KeyMsg) tea.Cmd
	// Off says why the key does nothing now ("" when it works). Disabled keys are left out
	// of the footer and shown greyed with the reason in the help; pressed, they say why.
	Off func() string
	// Main: the screen exists for this key (or it leaves the screen); the footer keeps it
	// at any width. The rest is in the help.
	Main bool
}

// on makes a binding of kb that runs f.
func on(kb key.Binding, f func(km tea.KeyMsg) tea.Cmd) Binding { return Binding{Binding: kb, Run: f} }

// main marks the binding as one the footer always keeps.
func (b Binding) main() Binding { b.Main = true; return b }

// when disables the binding with the reason off returns.
func (b Binding) when(off func() string) Binding { b.Off = off; return b }

func (b Binding) reason() string {
	if b.Off == nil {
		return ""
	}
	return b.Off()
}

// Messages screens send to the root (through Common.send; the root handles them in
// order right after the key or message that caused them).
type (
	// pushMsg puts a screen on top of the stack.
	pushMsg struct{ s Screen }
	// popMsg closes the screen s (and whatever is above it).
	popMsg struct{ s Screen }
	// openCaseMsg opens a case on top of the stack, on tab.
	openCaseMsg struct {
		id  uint32
		tab caseTab
	}
	// statusMsg says something on the status line.
	statusMsg struct {
		text string
		err  bool
	}
)

// send hands msg to the root, which handles it once the current update is over.
func (c *Common) send(msgs ...tea.Msg) { c.outbox = append(c.outbox, msgs...) }

func (c *Common) status(text string, isErr bool) { c.send(statusMsg{text, isErr}) }

// noop is a handler for keys listed for the help whose work is done elsewhere.
func noop(tea.KeyMsg) tea.Cmd { return nil }

// match finds the binding for km: the first whose keys match.
func match(bs []Binding, km tea.KeyMsg) (Binding, bool) {
	for _, b := range bs {
		if key.Matches(km, b.Binding) {
			return b, true
		}
	}
	return Binding{}, false
}

// footer lays the bindings out on one line of at most w cells: the main ones always
// (help and leaving the screen among them), the others in order while they fit.
// Disabled keys are not offered.
func footer(bs []Binding, w int) string {
	var on []Binding
	for _, b := range bs {
		if b.reason() == "" && b.Help().Key != "" {
			on = append(on, b)
		}
	}
	item := func(b Binding) string { return b.Help().Key + " " + b.Help().Desc }
	const sep = " · "
	keep := make([]bool, len(on))
	used := 0
	for i, b := range on {
		if b.Main {
			keep[i] = true
			used += width(item(b)) + width(sep)
		}
	}
	for i, b := range on {
		if !keep[i] && used+width(item(b))+width(sep) <= w+width(sep) {
			keep[i] = true
			used += width(item(b)) + width(sep)
		}
	}
	var parts []string
	for i, b := range on {
		if keep[i] {
			parts = append(parts, item(b))
		}
	}
	line := strings.Join(parts, sep)
	if width(line) > w {
		// Too narrow even for the main keys: their keys alone.
		parts = parts[:0]
		for i, b := range on {
			if keep[i] && b.Main {
				parts = append(parts, b.Help().Key)
			}
		}
		line = strings.Join(parts, " ")
	}
	return line
}
