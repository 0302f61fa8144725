package tui

import (
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

// openForm is the form in front, if any.
func (m *Model) openForm() *form {
	switch {
	case m.intake != nil:
		return m.intake
	case m.af != nil:
		return m.af
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
func (m *Model) dropDraft(f *form) {
	if f == nil || f.name == "" {
		return
	}
	_ = m.c.Store.DeleteDraft(m.c.Me.Name, f.name, f.caseID)
}

func (m *Model) onDraftTick(msg draftTickMsg) {
	if f := m.openForm(); f == msg.f && f.gen == msg.gen {
		m.saveDraft()
	}
}

// loadDrafts notes the drafts this person left, to offer them.
func (m *Model) loadDrafts() {
	m.drafts = m.c.Store.Drafts(m.c.Me.Name)
}

// draftOffer is the question for the first draft, or "".
func (m *Model) draftOffer() string {
	if len(m.drafts) == 0 || m.pin != nil {
		return ""
	}
	d := m.drafts[0]
	what := m.c.T("intake.title")
	if d.Form != "intake" {
		what = workflow.ActionKind(d.Form).Label(m.c.Lang)
		if sm, ok := m.c.Store.Snapshot().Get(d.CaseID); ok {
			what += " " + sm.No
		}
	}
	if n := d.Fields["name"]; n != "" {
		what += "「" + shown(n) + "」"
	}
	return m.c.T("draft.offer", what, d.Saved.In(workflow.ChinaTZ).Format("01-02 15:04"))
}

// draftKey answers the offer: y resumes, x discards, n (or esc) keeps it for later.
// Any other key puts the offer by and does what it does; it is not swallowed.
func (m *Model) draftKey(km tea.KeyMsg) (handled bool, cmd tea.Cmd) {
	d := m.drafts[0]
	switch km.String() {
	case "y", "Y":
		m.drafts = m.drafts[1:]
		return true, m.resume(d)
	case "x", "X":
		m.drafts = m.drafts[1:]
		_ = m.c.Store.DeleteDraft(d.Staff, d.Form, d.CaseID)
		m.setStatus(m.c.T("draft.discarded"), false)
		return true, nil
	case "n", "N", "esc":
		m.drafts = m.drafts[1:]
		return true, nil
	}
	m.drafts = nil
	return false, nil
}

// resume opens the draft's form, filled in.
func (m *Model) resume(d store.Draft) tea.Cmd {
	if d.Form == "intake" {
		m.cv = nil
		m.intake = newIntakeForm(m.c)
		m.intake.restore(d)
		return nil
	}
	cs, err := m.c.Store.Case(d.CaseID)
	if err != nil {
		m.setStatus(m.errText(err), true)
		return nil
	}
	var cmd tea.Cmd
	m.cv, cmd = newCaseView(m.c, cs.ID)
	m.afCase, m.afKind = cs, workflow.ActionKind(d.Form)
	m.af = actionForm(m.c, cs, m.afKind)
	m.af.restore(d)
	return cmd
}
