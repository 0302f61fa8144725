package tui

import (
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Drafts: what is typed into an open form is kept, per staff member, outside the case
// history (store/drafts.go), a second after the last key, and at once when the session
// ends without the form being submitted or discarded (a dropped connection, a server
// stop). The next session offers to resume it. A submitted or discarded form deletes
// its draft.

// draftDelay: a draft is saved this long after the last change.
const draftDelay = time.Second

// draftTickMsg: the form f had generation gen draftDelay ago.
type draftTickMsg struct {
	f   *form
	gen int
}

func (f *form) draftTick() tea.Cmd {
	if f.name == "" || f.c.draftDelay <= 0 {
		return nil
	}
	gen := f.gen
	return tea.Tick(f.c.draftDelay, func(time.Time) tea.Msg { return draftTickMsg{f: f, gen: gen} })
}

// snapshot is the form's draft.
func (f *form) snapshot() store.Draft {
	d := store.Draft{Staff: f.c.Me.Name, Form: f.name, CaseID: f.caseID, Token: f.token, Fields: map[string]string{}}
	for _, fd := range f.fields {
		if v := fd.raw(); v != "" {
			d.Fields[fd.key] = v
		}
	}
	d.Focus = f.fields[f.focus].key
	return d
}

// restore fills the form from a draft.
func (f *form) restore(d store.Draft) {
	for _, fd := range f.fields {
		if v, ok := d.Fields[fd.key]; ok {
			if fd.optionsOf != nil {
				fd.options = fd.optionsOf(f)
			}
			fd.setValue(v)
		}
	}
	if d.Token != "" {
		f.token = d.Token
	}
	for i, fd := range f.fields {
		if fd.key == d.Focus && f.shown(fd) {
			f.setFocus(i)
		}
	}
	for _, fd := range f.fields {
		if fd.raw() != "" && fd.text() {
			f.check(fd)
		}
	}
	f.dirty = true
}

// openForm is the form open in the session (on the stack, under a help or a prompt
// perhaps) that keeps a draft, or nil.
func (m *Model) openForm() *form {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if s, ok := m.stack[i].(*formScreen); ok && s.f.name != "" {
			return s.f
		}
	}
	return nil
}

// saveDraft keeps the open form's input now, if it has any.
func (m *Model) saveDraft() {
	f := m.openForm()
	if f == nil || !f.dirty || f.name == "" {
		return
	}
	if err := m.c.Store.SaveDraft(f.snapshot()); err != nil && m.ending == "" {
		m.setStatus(m.c.T("draft.not_saved", m.errText(err)), true)
	}
}

// dropDraft deletes f's draft: it was submitted or discarded.
func (c *Common) dropDraft(f *form) {
	if f == nil || f.name == "" {
		return
	}
	_ = c.Store.DeleteDraft(c.Me.Name, f.name, f.caseID)
}

func (m *Model) onDraftTick(msg draftTickMsg) {
	if f := m.openForm(); f == msg.f && f.gen == msg.gen {
		m.saveDraft()
	}
}

// offerDrafts puts the offer of the drafts this person left on the stack (under the PIN
// gate, when there is one: it is answered once the console is open).
func (m *Model) offerDrafts() {
	if ds := m.c.Store.Drafts(m.c.Me.Name); len(ds) > 0 {
		m.push(&draftOffer{c: m.c, below: m.top(), drafts: ds})
	}
}

// Messages of the draft offer to the root.
type (
	// resumeDraftMsg opens the draft's form, filled in.
	resumeDraftMsg struct{ d store.Draft }
	// replayKeyMsg: a question was put by for this key, which now does what it does.
	replayKeyMsg struct{ km tea.KeyMsg }
)

// draftOffer is the offer of the drafts, one at a time, over the screen below: y resumes,
// x discards, n (or esc) keeps it for later. Any other key puts the offer by and does
// what it does; it is not swallowed.
type draftOffer struct {
	c      *Common
	below  Screen
	drafts []store.Draft
}

func (s *draftOffer) Typing() bool { return false }
func (s *draftOffer) over() Screen { return s.below }

func (s *draftOffer) Update(msg tea.Msg) tea.Cmd {
	if km, ok := msg.(tea.KeyMsg); ok {
		s.c.send(popMsg{s}, replayKeyMsg{km})
	}
	return nil
}

// next offers the following draft, or closes the offer.
func (s *draftOffer) next() {
	s.drafts = s.drafts[1:]
	if len(s.drafts) == 0 {
		s.c.send(popMsg{s})
	}
}

func (s *draftOffer) Bindings() []Binding {
	k := s.c.Keys
	return []Binding{
		on(k.Resume, func(tea.KeyMsg) tea.Cmd {
			// The others stay kept, and are offered at the next start.
			s.c.send(popMsg{s}, resumeDraftMsg{s.drafts[0]})
			return nil
		}).main(),
		on(k.Later, func(tea.KeyMsg) tea.Cmd { s.next(); return nil }).main(),
		on(k.Discard, func(tea.KeyMsg) tea.Cmd {
			d := s.drafts[0]
			_ = s.c.Store.DeleteDraft(d.Staff, d.Form, d.CaseID)
			s.next()
			if len(s.drafts) == 0 {
				s.c.status(s.c.T("draft.discarded"), false)
			}
			return nil
		}).main(),
	}
}

// question is the offer of the first draft.
func (s *draftOffer) question() string {
	d := s.drafts[0]
	what := formLabel(s.c, d.Form)
	if d.Form != "intake" {
		if sm, ok := s.c.Store.Snapshot().Get(d.CaseID); ok {
			what += " " + sm.No
		}
	}
	if n := d.Fields["name"]; n != "" {
		what += "「" + shown(n) + "」"
	}
	return s.c.T("draft.offer", what, d.Saved.In(workflow.ChinaTZ).Format("01-02 15:04"))
}

func (s *draftOffer) View(w, h int) string {
	lines := strings.Split(s.below.View(w, h), "\n")
	if len(lines) > 0 {
		lines = lines[:len(lines)-1]
	}
	lines = append(lines, s.c.Styles.Warn.Render(cut(s.question(), w)))
	return clampLines(lines, w, h)
}

// resume opens the draft's form, filled in: an application over the queues, an action
// over its case.
func (m *Model) resume(d store.Draft) tea.Cmd {
	if d.Form == "intake" {
		if !m.c.Me.Role.CanWork() {
			m.setStatus(m.c.T("err.readonly"), true)
			return nil
		}
		m.clearStack()
		s := newIntakeScreen(m.c)
		s.f.restore(d)
		m.push(s)
		return nil
	}
	cs, err := m.c.Store.Case(d.CaseID)
	if err != nil {
		m.setStatus(m.errText(err), true)
		return nil
	}
	m.clearStack()
	cmd := m.handle(openCaseMsg{id: cs.ID})
	if d.Form == filingForm { // the client filing, over its enterprise's view over the case
		return tea.Batch(cmd, m.resumeFiling(cs, d))
	}
	var s *formScreen
	switch d.Form {
	case formWaive, formUnwaive:
		s = newWaiveScreen(m.c, cs, d.Fields["item"])
		if s.f.name != d.Form { // waived or taken back since: that draft is moot
			_ = m.c.Store.DeleteDraft(d.Staff, d.Form, d.CaseID)
		}
	default:
		s = newActionScreen(m.c, cs, workflow.ActionKind(d.Form))
	}
	s.f.restore(d)
	m.push(s)
	return cmd
}

// resumeFiling opens the client filing of cs's enterprise and its edit form, filled in
// from the draft, once the filing is read.
func (m *Model) resumeFiling(cs workflow.Case, d store.Draft) tea.Cmd {
	v := newEnterpriseView(m.c, cs.Enterprise.CreditCode)
	v.from = cs.ID
	m.push(v)
	load := v.load()
	return func() tea.Msg {
		r := load().(filingLoadedMsg)
		return filingResumeMsg{r: r, d: d}
	}
}

// filingResumeMsg: the filing of a resumed draft is read; its form goes on top.
type filingResumeMsg struct {
	r filingLoadedMsg
	d store.Draft
}
