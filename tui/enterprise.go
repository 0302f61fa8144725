package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// enterpriseView is the client filing (客户备案): one enterprise across all its cases,
// with an earlier declined whitewash attempt flagged.
type enterpriseView struct {
	c         *Common
	code      string
	loading   bool
	filing    store.Filing
	cases     []*store.Summary
	whitewash map[uint32]bool
	sel       int
}

func newEnterpriseView(c *Common, code string) *enterpriseView {
	return &enterpriseView{c: c, code: code, loading: true, whitewash: map[uint32]bool{}}
}

// filingLoadedMsg brings the filing and the enterprise's cases, read off the UI loop.
type filingLoadedMsg struct {
	v         *enterpriseView
	filing    store.Filing
	cases     []*store.Summary
	whitewash map[uint32]bool
}

// load scans the enterprise's cases (every case in the file) in a command.
func (v *enterpriseView) load() tea.Cmd {
	st, code := v.c.Store, v.code
	return func() tea.Msg {
		r := filingLoadedMsg{v: v, whitewash: map[uint32]bool{}}
		r.filing, _ = st.Filing(code)
		for sm := range st.Snapshot().All() {
			if sm.CreditCode == code {
				r.cases = append(r.cases, sm)
				if sm.Stage == workflow.StageDeclined {
					if cs, err := st.Case(sm.ID); err == nil && cs.Decline != nil && cs.Decline.Reason == "whitewash" {
						r.whitewash[sm.ID] = true
					}
				}
			}
		}
		return r
	}
}

func (v *enterpriseView) Typing() bool { return false }

func (v *enterpriseView) Update(msg tea.Msg) tea.Cmd {
	if r, ok := msg.(filingLoadedMsg); ok && r.v == v {
		v.filing, v.cases, v.whitewash, v.loading = r.filing, r.cases, r.whitewash, false
	}
	return nil
}

func (v *enterpriseView) Bindings() []Binding {
	k := v.c.Keys
	return []Binding{
		on(k.Up, func(tea.KeyMsg) tea.Cmd { v.sel = max(0, v.sel-1); return nil }),
		on(k.Down, func(tea.KeyMsg) tea.Cmd { v.sel = max(0, min(len(v.cases)-1, v.sel+1)); return nil }),
		on(k.Open, func(tea.KeyMsg) tea.Cmd {
			v.c.send(popMsg{v}, openCaseMsg{id: v.cases[v.sel].ID})
			return nil
		}).main().when(func() string {
			if len(v.cases) == 0 {
				return v.c.T("case.loading")
			}
			return ""
		}),
		on(k.Close, func(tea.KeyMsg) tea.Cmd { v.c.send(popMsg{v}); return nil }).main(),
	}
}

func (v *enterpriseView) View(w, h int) string {
	st := v.c.Styles
	e := v.filing.Enterprise
	lang := v.c.Lang
	if v.loading {
		return clampLines([]string{st.Title.Render(v.c.T("ent.title")), "", st.Muted.Render(v.c.T("case.loading"))}, w, h)
	}
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
		// ▸ marks the selection where reverse video does not show (no colour).
		sel, warn := " ", " "
		if i == v.sel {
			sel = "▸"
		}
		if v.whitewash[sm.ID] {
			warn = st.Warn.Render("⚠")
		}
		flag := sel + warn
		line := flag + fit(sm.No, 15) + fit(workflow.Day(sm.ReceivedAt), 11) + fit(labelOf("record_type", sm.RecordType, lang), 14) +
			fit(sm.Stage.Label(lang), 18) + v.c.staffName(sm.Owner)
		if i == v.sel {
			line = st.RowSel.Render(fitStyled(line, w))
		}
		lines = append(lines, line)
	}
	return clampLines(lines, w, h)
}
