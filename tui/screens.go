package tui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// ---- a one-line prompt (a reason, a note) over the screen that asked for it ----

type promptScreen struct {
	c      *Common
	below  Screen
	in     textinput.Model
	done   func(text string) tea.Cmd
	errMsg string
}

func newPrompt(c *Common, below Screen, label string, done func(string) tea.Cmd) *promptScreen {
	in := newInput()
	in.Prompt = label
	in.CharLimit = 200
	in.Focus()
	return &promptScreen{c: c, below: below, in: in, done: done}
}

func (p *promptScreen) Typing() bool { return true }
func (p *promptScreen) over() Screen { return p.below }

func (p *promptScreen) Update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.KeyMsg); ok {
		p.errMsg = ""
	}
	var cmd tea.Cmd
	p.in, cmd = p.in.Update(msg)
	return cmd
}

func (p *promptScreen) Bindings() []Binding {
	k := p.c.Keys
	return []Binding{
		on(k.Enter, func(tea.KeyMsg) tea.Cmd {
			text := strings.TrimSpace(p.in.Value())
			if text == "" {
				// Said on the prompt itself: it stays open, and says how to leave it.
				p.errMsg = p.c.T("prompt.empty")
				return nil
			}
			p.c.send(popMsg{p})
			return p.done(text)
		}).main(),
		on(k.Cancel, func(tea.KeyMsg) tea.Cmd { p.c.send(popMsg{p}); return nil }).main(),
	}
}

func (p *promptScreen) View(w, h int) string {
	st := p.c.Styles
	below := strings.Split(p.below.View(w, h), "\n")
	p.in.Width = w - width(p.in.Prompt) - 2
	// The prompt takes the last line of the screen below; an error takes the lines under
	// it, starting under the input where one types (at any width: not at the far end of
	// a wide prompt line).
	var msg []string
	if p.errMsg != "" {
		indent := min(width(p.in.Prompt), w/2)
		for _, l := range wrap("↳ "+p.errMsg, max(10, w-indent)) {
			msg = append(msg, strings.Repeat(" ", indent)+st.Err.Render(l))
		}
	}
	keep := max(0, min(len(below)-1, h-1-len(msg)))
	lines := append(below[:keep:keep], p.in.View())
	lines = append(lines, msg...)
	return clampLines(lines, w, h)
}

// ---- a yes/no question over the screen that asked it ----

type confirmScreen struct {
	c        *Common
	below    Screen
	question string
	yes      func() tea.Cmd
}

func newConfirm(c *Common, below Screen, question string, yes func() tea.Cmd) *confirmScreen {
	return &confirmScreen{c: c, below: below, question: question, yes: yes}
}

func (s *confirmScreen) Typing() bool { return false }
func (s *confirmScreen) over() Screen { return s.below }

// Update: any key but y cancels (it is a destructive question), and then does what it
// does: a question never swallows a key.
func (s *confirmScreen) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyMsg); ok {
		s.c.send(popMsg{s}, statusMsg{s.c.T("queue.cancelled"), false}, replayKeyMsg{km})
	}
	return nil
}

func (s *confirmScreen) Bindings() []Binding {
	k := s.c.Keys
	return []Binding{
		on(k.Yes, func(tea.KeyMsg) tea.Cmd { s.c.send(popMsg{s}, statusMsg{}); return s.yes() }).main(),
		on(k.No, func(tea.KeyMsg) tea.Cmd {
			s.c.send(popMsg{s}, statusMsg{s.c.T("queue.cancelled"), false})
			return nil
		}).main(),
	}
}

func (s *confirmScreen) View(w, h int) string {
	lines := strings.Split(s.below.View(w, h), "\n")
	if len(lines) > 0 {
		lines = lines[:len(lines)-1]
	}
	lines = append(lines, s.c.Styles.Warn.Render(cut(s.question, w)))
	return clampLines(lines, w, h)
}

// ---- the help: every binding of the screen it was opened on ----

type helpScreen struct {
	c       *Common
	of      Screen
	globals []Binding
}

func newHelp(c *Common, of Screen, globals []Binding) *helpScreen {
	return &helpScreen{c: c, of: of, globals: globals}
}

func (s *helpScreen) Typing() bool           { return false }
func (s *helpScreen) over() Screen           { return s.of }
func (s *helpScreen) Update(tea.Msg) tea.Cmd { return nil }

func (s *helpScreen) Bindings() []Binding {
	close := func(tea.KeyMsg) tea.Cmd { s.c.send(popMsg{s}); return nil }
	return []Binding{on(s.c.Keys.Help, close).main(), on(s.c.Keys.Close, close).main()}
}

// View is generated from the bindings: nothing is written twice. Keys that do nothing
// now are greyed, with the reason.
func (s *helpScreen) View(w, h int) string {
	st := s.c.Styles
	var entries []string
	for _, b := range append(s.of.Bindings(), s.globals...) {
		line := st.Key.Render(fit(b.Help().Key, 10)) + " " + b.Help().Desc
		if why := b.reason(); why != "" {
			line = st.Disabled.Render(fit(b.Help().Key, 10) + " " + b.Help().Desc + " — " + why)
		}
		entries = append(entries, line)
	}
	var tail []string
	tail = append(tail, "")
	var cmds []string
	if _, held := s.of.(front); !held { // behind the PIN, no command works
		cmds = wrap(strings.Join(commandNames, " · "), w-14)
	}
	for i, l := range cmds {
		lead := "  " + st.Key.Render(fit(":", 10)) + " "
		if i > 0 {
			lead = strings.Repeat(" ", 13)
		}
		tail = append(tail, lead+l)
	}
	tail = append(tail, "", st.Faint.Render(s.c.T("help.close")))
	lines := []string{st.Title.Render(s.c.T("help.title")), ""}
	if room := h - len(lines) - len(tail); len(entries) > room && w >= 60 {
		// A short terminal: two columns, so the whole help fits.
		half := (len(entries) + 1) / 2
		colW := w/2 - 2
		for i := 0; i < half; i++ {
			line := "  " + fitStyled(entries[i], colW)
			if i+half < len(entries) {
				line += fitStyled(entries[i+half], colW)
			}
			lines = append(lines, line)
		}
	} else {
		for _, e := range entries {
			lines = append(lines, "  "+e)
		}
	}
	lines = append(lines, tail...)
	return clampLines(lines, w, h)
}

// ---- the audit log ----

type auditScreen struct {
	c      *Common
	lines  []string
	scroll int
}

func (a *auditScreen) Typing() bool           { return false }
func (a *auditScreen) Update(tea.Msg) tea.Cmd { return nil }

func (a *auditScreen) Bindings() []Binding {
	k := a.c.Keys
	return []Binding{
		on(k.Up, func(tea.KeyMsg) tea.Cmd { a.scroll = max(0, a.scroll-1); return nil }),
		on(k.Down, func(tea.KeyMsg) tea.Cmd { a.scroll = min(max(0, len(a.lines)-1), a.scroll+1); return nil }),
		on(k.Close, func(tea.KeyMsg) tea.Cmd { a.c.send(popMsg{a}); return nil }).main(),
	}
}

func (a *auditScreen) View(w, h int) string {
	st := a.c.Styles
	lines := []string{st.Title.Render(a.c.T("audit.title")), ""}
	for _, l := range a.lines[min(a.scroll, len(a.lines)):] {
		lines = append(lines, cut(l, w))
	}
	return clampLines(lines, w, h)
}

// ---- forms: intake, an action, a staff account, a key ----

// formScreen wraps a form (form.go keeps its own keys) in the contract: its bindings
// are listed for the footer and the help and hand the key to the form.
type formScreen struct {
	c      *Common
	kind   string // "intake", "action" or "staff"
	f      *form
	submit func(f *form) tea.Cmd
	// result takes this form's result message; true when it was the form's.
	result func(msg tea.Msg) (bool, tea.Cmd)
}

func (s *formScreen) Typing() bool { return s.f.typing() }

func (s *formScreen) Update(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.KeyMsg); !ok && s.result != nil {
		if mine, cmd := s.result(msg); mine {
			return cmd
		}
	}
	res, cmd := s.f.Update(msg)
	switch res {
	case formCancel:
		// Left on purpose: its draft goes with it, and after ctrl+c so does the session.
		s.c.dropDraft(s.f)
		s.c.send(popMsg{s})
		if s.f.quitting {
			s.c.send(quitMsg{})
		}
	case formSubmit:
		return s.submit(s.f)
	}
	return cmd
}

func (s *formScreen) Bindings() []Binding {
	k := s.c.Keys
	fwd := func(km tea.KeyMsg) tea.Cmd { return s.Update(km) }
	if s.f.confirm {
		// Asking whether to discard the input: the footer offers the answers (any other
		// key withdraws the question and does what it does, form.update).
		return []Binding{on(k.LeaveYes, fwd).main(), on(k.LeaveNo, fwd).main(), on(k.Interrupt, s.interrupt)}
	}
	// esc cancels the form; with input it asks first, and says so.
	cancel := k.Cancel
	if s.f.dirty {
		cancel = k.CancelAsk
	}
	return []Binding{
		on(k.NextField, fwd), on(k.PrevField, fwd), on(k.Choose, fwd),
		on(k.Save, fwd).main(), on(cancel, fwd).main(),
		on(k.Interrupt, s.interrupt),
	}
}

// interrupt is ctrl+c in a form: with input it asks first, as esc does, and "y" then
// ends the session; already asking, the answer now also ends it; empty, it ends it.
func (s *formScreen) interrupt(tea.KeyMsg) tea.Cmd {
	switch {
	case s.f.confirm:
		s.f.quitting = true
	case s.f.askLeave(true):
	default:
		s.c.send(quitMsg{})
	}
	return nil
}

func (s *formScreen) View(w, h int) string { return s.f.View(w, h) }

func newIntakeScreen(c *Common) *formScreen {
	s := &formScreen{c: c, kind: "intake", f: newIntakeForm(c)}
	s.submit = func(f *form) tea.Cmd {
		in := intakeFromForm(c, f)
		st, me, token := c.Store, c.Me, f.token
		return func() tea.Msg {
			// The form's token: a retried submit returns the case the first one made.
			cs, _, err := st.CreateOnce(me, in, "", token)
			return intakeDoneMsg{cs: cs, err: err}
		}
	}
	s.result = func(msg tea.Msg) (bool, tea.Cmd) {
		r, ok := msg.(intakeDoneMsg)
		if !ok {
			return false, nil
		}
		if r.err != nil {
			s.f.failed(errText(c, r.err))
			return true, nil
		}
		c.dropDraft(s.f)
		c.send(popMsg{s}, statusMsg{c.T("intake.created", r.cs.No), false}, openCaseMsg{id: r.cs.ID, tab: ctMaterials})
		return true, nil
	}
	return s
}

func newActionScreen(c *Common, cs workflow.Case, kind workflow.ActionKind) *formScreen {
	s := &formScreen{c: c, kind: "action", f: actionForm(c, cs, kind)}
	version := cs.Version
	s.submit = func(f *form) tea.Cmd { return applyCmd(c, cs.ID, version, actionFromForm(kind, f)) }
	if previewsLetters(kind) {
		// Its letters are previewed first; the preview issues them (preview.go).
		s.submit = func(f *form) tea.Cmd { return previewCmd(c, cs.ID, version, actionFromForm(kind, f)) }
	}
	s.result = func(msg tea.Msg) (bool, tea.Cmd) {
		if p, ok := msg.(previewMsg); ok {
			if p.id != cs.ID || p.kind != kind {
				return false, nil
			}
			if p.err != nil {
				s.f.failed(previewFailed(c, p.err))
				var ce *store.ConflictError
				if errors.As(p.err, &ce) {
					version = ce.Current
				}
				return true, nil
			}
			if len(p.letters) == 0 { // nothing to show: apply as it is
				return true, applyPreviewed(c, cs.ID, version, p.a)
			}
			c.send(pushMsg{newPreview(c, cs.No, p)})
			return true, nil
		}
		r, ok := msg.(actionDoneMsg)
		if !ok || r.id != cs.ID || r.kind != kind {
			return false, nil
		}
		if r.err == nil {
			c.dropDraft(s.f)
			c.send(popMsg{s})
			return true, nil
		}
		// Someone else got there first: keep the user's input, let them check.
		if previewsLetters(kind) {
			s.f.failed(previewFailed(c, r.err))
		} else {
			s.f.failed(errText(c, r.err))
		}
		var ce *store.ConflictError
		if errors.As(r.err, &ce) {
			version = ce.Current
		}
		return true, nil
	}
	return s
}

// errText says what went wrong in the user's language.
func errText(c *Common, err error) string {
	var ce *store.ConflictError
	var rf *workflow.Refusal
	var le *store.LockedError
	var ke *store.KeyError
	switch {
	case errors.As(err, &ke):
		return ke.Message(c.Lang)
	case errors.As(err, &ce):
		return ce.Message(c.Lang)
	case errors.As(err, &rf):
		return rf.Message(c.Lang)
	case errors.As(err, &le):
		return le.Message(c.Lang)
	case errors.Is(err, store.ErrNotFound):
		return c.T("err.not_found")
	}
	return c.T("err.generic", err) // the catalogue renders an error that speaks both languages in ours
}

var _ = fmt.Sprint
