package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// enterpriseView is the client filing (客户备案): one enterprise across all its cases,
// with an earlier declined whitewash attempt flagged.
type enterpriseView struct {
	c         *Common
	filing    store.Filing
	cases     []*store.Summary
	whitewash map[uint32]bool
	sel       int
}

func newEnterpriseView(c *Common, code string) *enterpriseView {
	v := &enterpriseView{c: c, whitewash: map[uint32]bool{}}
	v.filing, _ = c.Store.Filing(code)
	for sm := range c.Store.Snapshot().All() {
		if sm.CreditCode == code {
			v.cases = append(v.cases, sm)
			if sm.Stage == workflow.StageDeclined {
				if cs, err := c.Store.Case(sm.ID); err == nil && cs.Decline != nil && cs.Decline.Reason == "whitewash" {
					v.whitewash[sm.ID] = true
				}
			}
		}
	}
	return v
}

// Update returns the case to open, or back=true to leave.
func (v *enterpriseView) Update(km tea.KeyMsg) (open *store.Summary, back bool) {
	k := v.c.Keys
	switch {
	case km.String() == "esc" || km.String() == "q":
		return nil, true
	case key.Matches(km, k.Down):
		if v.sel < len(v.cases)-1 {
			v.sel++
		}
	case key.Matches(km, k.Up):
		if v.sel > 0 {
			v.sel--
		}
	case key.Matches(km, k.Open):
		if len(v.cases) > 0 {
			return v.cases[v.sel], false
		}
	}
	return nil, false
}

func (v *enterpriseView) View(w, h int) string {
	st := v.c.Styles
	e := v.filing.Enterprise
	lang := v.c.Lang
	lines := []string{
		st.Title.Render(v.c.T("ent.title")) + "  " + shown(e.Name),
		st.Label.Render(fit(v.c.T("case.credit_code"), 18)) + safe(e.CreditCode),
		st.Label.Render(fit(v.c.T("case.legal_rep"), 18)) + shown(e.LegalRep),
		st.Label.Render(fit(v.c.T("case.address"), 18)) + cut(shown(e.Address), w-18),
		"",
	}
	if len(v.whitewash) > 0 {
		lines = append(lines, st.Warn.Render(v.c.T("case.whitewash")), "")
	}
	lines = append(lines, st.Section.Render(v.c.T("case.filing", len(v.cases))))
	for i, sm := range v.cases {
		flag := "  "
		if v.whitewash[sm.ID] {
			flag = st.Warn.Render("⚠ ")
		}
		line := flag + fit(sm.No, 15) + fit(workflow.Day(sm.ReceivedAt), 11) + fit(labelOf("record_type", sm.RecordType, lang), 14) +
			fit(sm.Stage.Label(lang), 18) + v.c.staffName(sm.Owner)
		if i == v.sel {
			line = st.RowSel.Render(fitStyled(line, w))
		}
		lines = append(lines, line)
	}
	return clampLines(lines, w, h)
}
