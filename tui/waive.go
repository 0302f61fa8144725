package tui

import (
	"errors"
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Issue 15's supervisor decisions in the console: waiving a checklist item (不适用/免交)
// with a reason, and taking a waiver back (w on the materials tab); superseding a finding
// with a new one (s on the findings tab, the finding form's 取代 field). The engine decides
// who may (workflow.MaterialUpdate.Waive, workflow.Finding.Supersedes); the keys are greyed
// with its reason, and the forms keep drafts like every other.

// Draft names of the waiver forms (the others are named by their action kind).
const (
	formWaive   = "waive"
	formUnwaive = "unwaive"
)

// formLabel names a draft's form for the offer to resume it.
func formLabel(c *Common, name string) string {
	switch name {
	case "intake":
		return c.T("intake.title")
	case filingForm:
		return c.T("ent.title")
	case formWaive:
		return c.T("waive.label")
	case formUnwaive:
		return c.T("unwaive.label")
	}
	return workflow.ActionKind(name).Label(c.Lang)
}

// waiveOff says why w does nothing on the selected item now ("" when it works): the
// engine's own refusals, asked before the form opens.
func waiveOff(c *Common, cs *workflow.Case, m workflow.Material) string {
	if r := c.Store.Rules().Check(cs, c.Me, workflow.ActUpdateMaterial, c.Now()); r != nil {
		return r.Message(c.Lang)
	}
	if !c.Me.Role.CanReview() {
		return c.T("refuse.role_waive")
	}
	if !m.Waived && slices.Contains(workflow.AuthorityProof, m.Key) {
		return c.T("refuse.waive_authority")
	}
	return ""
}

// newWaiveScreen is the form that waives item key of cs (不适用/免交, with the reason), or,
// when the item is already waived, takes the waiver back.
func newWaiveScreen(c *Common, cs workflow.Case, key string) *formScreen {
	i := slices.IndexFunc(cs.Materials, func(m workflow.Material) bool { return m.Key == key })
	var m workflow.Material
	if i >= 0 {
		m = cs.Materials[i]
	}
	name, title := formWaive, "waive.title"
	if m.Waived {
		name, title = formUnwaive, "unwaive.title"
	}
	f := newForm(c, c.T(title, cs.No))
	f.name, f.caseID = name, cs.ID
	// The item, chosen among those this form can take (the one selected on the tab first).
	var opts []option
	for _, x := range cs.Materials {
		if x.Waived != m.Waived || (!x.Waived && slices.Contains(workflow.AuthorityProof, x.Key)) {
			continue
		}
		opts = append(opts, option{x.Key, shown(x.Name(c.Lang))})
	}
	if len(opts) == 0 { // a draft's item no longer on the list: the engine says why
		opts = append(opts, option{key, shown(workflow.Material{Key: key}.Name(c.Lang))})
	}
	item := f.choice("item", c.T("f.waive_item"), opts, true)
	item.setValue(key)
	if m.Waived {
		f.info = c.T("unwaive.info", c.staffName(m.WaivedBy), shown(m.WaiverWhy))
		f.text("comment", c.T("form.comment"), false, nil)
	} else {
		f.text("note", c.T("f.waive_reason"), true, nil)
		f.info = c.T("waive.info")
	}
	f.setFocus(len(f.fields) - 1)
	build := func(f *form) workflow.Action {
		u := &workflow.MaterialUpdate{Key: f.val("item")}
		if name == formUnwaive {
			u.Unwaive = true
		} else {
			u.Waive, u.Note = true, f.val("note")
		}
		return workflow.Action{Kind: workflow.ActUpdateMaterial, Material: u, Comment: f.val("comment")}
	}
	s := &formScreen{c: c, kind: "action", f: f}
	version := cs.Version
	s.submit = func(f *form) tea.Cmd { return applyCmd(c, cs.ID, version, build(f)) }
	s.result = func(msg tea.Msg) (bool, tea.Cmd) {
		r, ok := msg.(actionDoneMsg)
		if !ok || r.id != cs.ID || r.kind != workflow.ActUpdateMaterial {
			return false, nil
		}
		if r.err == nil {
			c.dropDraft(s.f)
			done := "waive.done"
			if name == formUnwaive {
				done = "unwaive.done"
			}
			c.send(popMsg{s}, statusMsg{c.T(done, item.options[item.sel].label), false})
			return true, nil
		}
		s.f.failed(errText(c, r.err))
		var ce *store.ConflictError
		if errors.As(r.err, &ce) {
			version = ce.Current
		}
		return true, nil
	}
	return s
}

// supersedeOff says why s does nothing on the selected finding now ("" when it works).
func supersedeOff(c *Common, cs *workflow.Case, sel int) string {
	if r := c.Store.Rules().Check(cs, c.Me, workflow.ActAddFinding, c.Now()); r != nil {
		return r.Message(c.Lang)
	}
	if sel < 0 || sel >= len(cs.Findings) {
		return c.T("case.no_findings")
	}
	if f := cs.Findings[sel]; !f.Current() {
		return c.T("case.finding_not_current", sel+1, f.SupersededBy)
	}
	return ""
}

// newSupersedeScreen is the finding form with its 取代 field set to finding no (from 1).
func newSupersedeScreen(c *Common, cs workflow.Case, no int) *formScreen {
	s := newActionScreen(c, cs, workflow.ActAddFinding)
	if fd := s.f.get("supersedes"); fd != nil {
		fd.setValue(itoa(no))
	}
	s.f.title = c.T("supersede.title", no, cs.No)
	return s
}

// supersedeOptions: the current findings a new one may replace, for the finding form.
func supersedeOptions(c *Common, cs *workflow.Case) []option {
	var opts []option
	for i, f := range cs.Findings {
		if f.Current() {
			opts = append(opts, option{itoa(i + 1), c.T("f.supersede_opt", i+1, labelOf("result", f.Result, c.Lang), cut(shown(f.Checked), 24))})
		}
	}
	return opts
}
