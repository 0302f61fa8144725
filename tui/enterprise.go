package tui

import (
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// enterpriseView is the client filing (客户备案, seed 002): the enterprise's whole file,
// its cases (enter opens one), an earlier declined whitewash attempt flagged, and who
// changed the file when. e edits it; personal details are masked here and never put
// into the form.
type enterpriseView struct {
	c         *Common
	code      string
	from      uint32 // the case the filing was opened from (its drafts are kept under it)
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
		v.sel = max(0, min(v.sel, len(v.cases)-1))
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
		on(k.EditFiling, func(tea.KeyMsg) tea.Cmd {
			v.c.send(pushMsg{newFilingScreen(v.c, v, nil)})
			return nil
		}).main().when(func() string {
			switch {
			case v.loading:
				return v.c.T("case.loading")
			case !v.c.Me.Role.CanWork():
				return v.c.T("err.readonly")
			}
			return ""
		}),
		on(k.Close, func(tea.KeyMsg) tea.Cmd { v.c.send(popMsg{v}); return nil }).main(),
	}
}

// filingFields are the client file's fields in the order shown and edited.
var filingFields = []string{"legal_rep", "legal_rep_id", "registered_capital", "address", "business_address",
	"mobile", "email", "licences", "credit_notes"}

// filingValue is a field of f as shown: personal ones masked.
func filingValue(f store.Filing, key string) string {
	d := store.MaskedDetails(f.Details)
	switch key {
	case "name":
		return f.Enterprise.Name
	case "legal_rep":
		return f.Enterprise.LegalRep
	case "address":
		return f.Enterprise.Address
	case "legal_rep_id":
		return d.LegalRepID
	case "registered_capital":
		return d.RegisteredCapital
	case "business_address":
		return d.BusinessAddress
	case "mobile":
		return d.Mobile
	case "email":
		return d.Email
	case "licences":
		return d.Licences
	case "credit_notes":
		return d.CreditNotes
	}
	return ""
}

func (v *enterpriseView) View(w, h int) string {
	st := v.c.Styles
	e := v.filing.Enterprise
	lang := v.c.Lang
	if v.loading {
		return clampLines([]string{st.Title.Render(v.c.T("ent.title")), "", st.Muted.Render(v.c.T("case.loading"))}, w, h)
	}
	lw := width(v.c.T("case.credit_code"))
	for _, k := range filingFields {
		lw = max(lw, width(v.c.T("filing.field_"+k)))
	}
	lw = min(lw+2, max(w/2, 12))
	lines := []string{
		st.Title.Render(v.c.T("ent.title")) + "  " + shown(e.Name),
		st.Label.Render(fit(v.c.T("case.credit_code"), lw)) + safe(e.CreditCode),
	}
	for _, k := range filingFields {
		val := shown(filingValue(v.filing, k))
		if val == "" {
			val = st.Faint.Render("—")
		}
		lines = append(lines, st.Label.Render(fit(v.c.T("filing.field_"+k), lw))+cut(val, w-lw))
	}
	lines = append(lines, "")
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
	// The history, newest first, in what room is left.
	if hist := v.filing.History; len(hist) > 0 && h-len(lines) > 2 {
		lines = append(lines, "", st.Section.Render(v.c.T("filing.history", len(hist))))
		for _, ch := range slices.Backward(hist) {
			if len(lines) >= h {
				break
			}
			head, parts := v.historyLines(ch)
			lines = append(lines, cut(head, w))
			for _, p := range parts {
				lines = append(lines, "    "+cut(p, w-4))
			}
		}
	}
	return clampLines(lines, w, h)
}

// historyLines: when and who (and by which intake), then each field with old → new;
// personal fields by name only.
func (v *enterpriseView) historyLines(ch store.FilingChange) (string, []string) {
	var parts []string
	for _, f := range ch.Fields {
		name := v.c.T("filing.field_" + f.Field)
		if store.FilingPersonal(f.Field) {
			parts = append(parts, v.c.T("filing.changed_personal", name))
			continue
		}
		parts = append(parts, v.c.T("filing.changed", name, orDash(shown(f.Old)), orDash(shown(f.New))))
	}
	who := v.c.staffName(ch.By)
	if ch.CaseNo != "" {
		who = v.c.T("filing.by_intake", who, safe(ch.CaseNo))
	}
	return ch.At.In(workflow.ChinaTZ).Format("2006-01-02 15:04") + "  " + who, parts
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// filingSavedMsg is the answer to a filing edit.
type filingSavedMsg struct {
	s   *formScreen
	f   store.Filing
	err error
}

// newFilingScreen is the form that edits the client filing of v (restored from d when
// resuming a draft). Personal fields start empty, their masked value as the hint; left
// empty, they keep it.
func newFilingScreen(c *Common, v *enterpriseView, d *store.Draft) *formScreen {
	lang := c.Lang
	f := newForm(c, c.T("filing.edit_title", shown(v.filing.Enterprise.Name)))
	f.name, f.caseID = filingForm, v.from
	fl := v.filing
	f.text("name", c.T("filing.field_name"), true, nil).limitTo(100)
	f.text("legal_rep", c.T("filing.field_legal_rep"), true, nil).limitTo(40)
	personal := func(key string, limit int, check func(string) *workflow.FieldError) {
		fd := f.text(key, c.T("filing.field_"+key), false, func(s string) (string, bool) {
			if s == "" {
				return "", false
			}
			if fe := check(s); fe != nil {
				return fe.Message(lang), false
			}
			return "", false
		}).limitTo(limit)
		if cur := filingValue(fl, key); cur != "" {
			fd.input.Placeholder = c.T("filing.keep", cur)
		}
	}
	personal("legal_rep_id", 20, func(s string) *workflow.FieldError { _, fe := workflow.ValidateIDNumber(s, c.Now()); return fe })
	f.text("registered_capital", c.T("filing.field_registered_capital"), false, nil).limitTo(40)
	f.text("address", c.T("filing.field_address"), false, nil).limitTo(200)
	f.text("business_address", c.T("filing.field_business_address"), false, nil).limitTo(200)
	personal("mobile", 20, func(s string) *workflow.FieldError { _, fe := workflow.ValidatePhone(s); return fe })
	personal("email", 100, workflow.ValidateEmail)
	f.text("licences", c.T("filing.field_licences"), false, nil).limitTo(500)
	f.text("credit_notes", c.T("filing.field_credit_notes"), false, nil).limitTo(1000)
	for _, k := range []string{"name", "legal_rep", "registered_capital", "address", "business_address", "licences", "credit_notes"} {
		f.get(k).setValue(safe(filingValue(fl, k)))
	}
	if d != nil {
		f.restore(*d)
	}
	s := &formScreen{c: c, kind: "filing", f: f}
	st, me, code, version := c.Store, c.Me, v.code, fl.Version
	s.submit = func(f *form) tea.Cmd {
		e := store.FilingEdit{Name: f.val("name"), LegalRep: f.val("legal_rep"), Address: f.val("address"),
			Details: workflow.FilingDetails{RegisteredCapital: f.val("registered_capital"), BusinessAddress: f.val("business_address"),
				Mobile: f.val("mobile"), Email: f.val("email"), LegalRepID: f.val("legal_rep_id"),
				Licences: f.val("licences"), CreditNotes: f.val("credit_notes")}}
		return func() tea.Msg {
			nf, err := st.UpdateFiling(me, code, version, e)
			return filingSavedMsg{s: s, f: nf, err: err}
		}
	}
	s.result = func(msg tea.Msg) (bool, tea.Cmd) {
		r, ok := msg.(filingSavedMsg)
		if !ok || r.s != s {
			return false, nil
		}
		if r.err != nil {
			s.f.failed(errText(c, r.err))
			return true, nil
		}
		c.dropDraft(s.f)
		c.send(popMsg{s}, statusMsg{c.T("filing.saved"), false})
		return true, v.load()
	}
	return s
}

// filingForm names the client filing's form in drafts.
const filingForm = "filing"
