package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

type caseTab int

const (
	ctSummary caseTab = iota
	ctMaterials
	ctFindings
	ctHistory
	ctLetters
	ctCount
)

var caseTabKeys = [ctCount]string{"case.summary", "case.materials", "case.findings", "case.history", "case.letters"}

// caseView shows one case. It always draws the version it last loaded and reloads when the
// store says the case changed.
type caseView struct {
	c      *Common
	id     uint32
	cs     workflow.Case
	events []workflow.Event
	filing []*store.Summary
	// whitewash: an earlier case of this enterprise declined as a whitewash attempt
	// (found when the case loads, never while drawing)
	whitewash string
	loaded    bool
	tab       caseTab
	scroll    [ctCount]int
	matSel    int
	findSel   int // the finding selected on the findings tab (from 0)
	findLine  int // the line it starts on, for scrolling (set as the tab is drawn)
	letter    int
	reveal    bool // ID number shown whole (after a logged reveal)
	notice    string
}

type caseLoadedMsg struct {
	id        uint32
	cs        workflow.Case
	events    []workflow.Event
	filing    []*store.Summary // every case of the same enterprise
	whitewash string           // an earlier case of it declined as a whitewash attempt
	err       error
}

// loadCase reads the case, its history and its enterprise's other cases off the UI loop.
func loadCase(st *store.Store, id uint32) tea.Cmd {
	return func() tea.Msg {
		cs, err := st.Case(id)
		if err != nil {
			return caseLoadedMsg{id: id, err: err}
		}
		evs, err := st.Events(id)
		m := caseLoadedMsg{id: id, cs: cs, events: evs, err: err}
		for sm := range st.Snapshot().All() {
			if sm.CreditCode == cs.Enterprise.CreditCode {
				m.filing = append(m.filing, sm)
			}
		}
		for _, sm := range m.filing {
			if sm.ID != cs.ID && sm.Stage == workflow.StageDeclined && m.whitewash == "" {
				if c, err := st.Case(sm.ID); err == nil && c.Decline != nil && c.Decline.Reason == "whitewash" {
					m.whitewash = sm.No
				}
			}
		}
		return m
	}
}

func newCaseView(c *Common, id uint32) (*caseView, tea.Cmd) {
	v := &caseView{c: c, id: id}
	return v, loadCase(c.Store, id)
}

func (v *caseView) setLoaded(m caseLoadedMsg) {
	newLetters := len(v.letters())
	v.cs, v.events, v.loaded = m.cs, m.events, true
	if n := len(v.letters()); n != newLetters {
		v.letter = n - 1 // a new letter was produced: show it
	}
	if v.matSel >= len(v.cs.Materials) {
		v.matSel = len(v.cs.Materials) - 1
	}
	if v.matSel < 0 {
		v.matSel = 0
	}
	v.findSel = max(0, min(v.findSel, len(v.cs.Findings)-1))
	v.filing, v.whitewash = m.filing, m.whitewash
}

// revealDoneMsg brings an ID number revealed (and logged) off the UI loop.
type revealDoneMsg struct {
	id  uint32
	num string
	err error
}

// gotoTabMsg shows a tab of the open case with a notice (the action menu sends it for
// materials, which are marked on their own tab).
type gotoTabMsg struct {
	id     uint32
	tab    caseTab
	notice string
}

func (v *caseView) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case caseLoadedMsg:
		if msg.id != v.id {
			return nil
		}
		if msg.err != nil {
			v.c.send(popMsg{v}, statusMsg{errMessage(v.c, msg.err), true})
			return nil
		}
		v.setLoaded(msg)
	case actionDoneMsg:
		if msg.id != v.id {
			return nil
		}
		if msg.err != nil {
			v.notice = errMessage(v.c, msg.err)
			var ce *store.ConflictError
			if !errors.As(msg.err, &ce) {
				return nil
			}
		} else {
			v.notice = ""
		}
		return loadCase(v.c.Store, v.id)
	case revealDoneMsg:
		if msg.id != v.id {
			return nil
		}
		if msg.err != nil {
			v.notice = errMessage(v.c, msg.err)
			return nil
		}
		v.reveal = true
		v.notice = v.c.T("reveal.shown", safe(msg.num))
	case gotoTabMsg:
		if msg.id == v.id {
			v.tab, v.notice = msg.tab, msg.notice
		}
	}
	return nil
}

// onChange reloads the case when someone changed it.
func (v *caseView) onChange(ch store.Change) tea.Cmd {
	if ch.CaseID != v.id || ch.Version <= v.cs.Version {
		return nil
	}
	if ch.Actor != v.c.Me.Name {
		v.notice = v.c.T("case.updated", v.c.staffName(ch.Actor))
	}
	return loadCase(v.c.Store, v.id)
}

func (v *caseView) Typing() bool { return false }

// Bindings of a case: every key, greyed with the reason where it does nothing (the
// letter keys off the letters tab, the material keys off the materials tab).
func (v *caseView) Bindings() []Binding {
	k := v.c.Keys
	c := v.c
	loading := func() string {
		if !v.loaded {
			return c.T("case.loading")
		}
		return ""
	}
	mats := func() string {
		if v.tab != ctMaterials {
			return c.T("case.only_materials")
		}
		if len(v.cs.Materials) == 0 {
			return c.T("case.no_materials")
		}
		return ""
	}
	scroll := func(d int) func(tea.KeyMsg) tea.Cmd {
		return func(tea.KeyMsg) tea.Cmd {
			if v.tab == ctMaterials {
				v.matSel = max(0, min(len(v.cs.Materials)-1, v.matSel+d))
				return nil
			}
			if v.tab == ctFindings && len(v.cs.Findings) > 0 {
				v.findSel = max(0, min(len(v.cs.Findings)-1, v.findSel+d))
				return nil
			}
			v.scroll[v.tab] = max(0, v.scroll[v.tab]+d)
			return nil
		}
	}
	const far = 1 << 20 // clamped to the end by View
	mark := func(received, valid bool) func(tea.KeyMsg) tea.Cmd {
		return func(tea.KeyMsg) tea.Cmd {
			m := v.cs.Materials[v.matSel]
			return v.apply(workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Label: m.Label, Received: received, Valid: valid}})
		}
	}
	letter := func(d int) func(tea.KeyMsg) tea.Cmd {
		return func(tea.KeyMsg) tea.Cmd {
			if n := len(v.letters()); n > 0 {
				v.letter = (v.letter + d + n) % n
				v.scroll[ctLetters] = 0
			}
			return nil
		}
	}
	letters := func() string {
		if v.tab != ctLetters {
			return c.T("case.only_letters")
		}
		if len(v.letters()) == 0 {
			return c.T("case.no_letters")
		}
		return ""
	}
	return []Binding{
		on(k.NextTab, func(tea.KeyMsg) tea.Cmd { v.tab = (v.tab + 1) % ctCount; return nil }),
		on(k.PrevTab, func(tea.KeyMsg) tea.Cmd { v.tab = (v.tab + ctCount - 1) % ctCount; return nil }),
		on(k.CaseTabs, func(km tea.KeyMsg) tea.Cmd { v.tab = caseTab(km.Runes[0] - '1'); return nil }),
		on(k.Up, scroll(-1)),
		on(k.Down, scroll(1)),
		on(k.Top, scroll(-far)),
		on(k.Bottom, scroll(far)),
		on(k.PgUp, scroll(-c.Height/2)),
		on(k.PgDown, scroll(c.Height/2)),
		on(k.Actions, func(tea.KeyMsg) tea.Cmd { c.send(pushMsg{newActionMenu(c, v.cs)}); return nil }).main().when(func() string {
			if !c.Me.Role.CanWork() {
				return c.T("err.readonly")
			}
			return loading()
		}),
		on(k.Received, mark(true, true)).when(mats),
		on(k.NotReceived, mark(false, false)).when(mats),
		on(k.Invalid, func(tea.KeyMsg) tea.Cmd {
			if r := c.Store.Rules().Check(&v.cs, c.Me, workflow.ActUpdateMaterial, c.Now()); r != nil {
				v.notice = r.Message(c.Lang)
				return nil
			}
			m := v.cs.Materials[v.matSel]
			c.send(pushMsg{newPrompt(c, v, c.T("mat.note_prompt"), func(text string) tea.Cmd {
				return v.apply(workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Label: m.Label, Received: true, Valid: false, Note: text}})
			})})
			return nil
		}).when(mats),
		on(k.Waive, func(tea.KeyMsg) tea.Cmd {
			c.send(pushMsg{newWaiveScreen(c, v.cs, v.cs.Materials[v.matSel].Key)})
			return nil
		}).when(func() string {
			if r := mats(); r != "" {
				return r
			}
			return waiveOff(c, &v.cs, v.cs.Materials[v.matSel])
		}),
		on(k.Supersede, func(tea.KeyMsg) tea.Cmd {
			c.send(pushMsg{newSupersedeScreen(c, v.cs, v.findSel+1)})
			return nil
		}).when(func() string {
			if v.tab != ctFindings {
				return c.T("case.only_findings")
			}
			return supersedeOff(c, &v.cs, v.findSel)
		}),
		on(k.TieFile, v.tieFile).when(v.tieOff), // filetie.go
		on(k.PrevLetter, letter(-1)).when(letters),
		on(k.NextLetter, letter(1)).when(letters),
		on(k.Export, func(tea.KeyMsg) tea.Cmd {
			v.notice = v.exportLetter(v.letters()[v.letter])
			return nil
		}).when(letters),
		on(k.Reveal, func(tea.KeyMsg) tea.Cmd {
			if v.reveal {
				v.reveal = false
				return nil
			}
			st, me, id := c.Store, c.Me, v.cs.ID
			c.send(pushMsg{newPrompt(c, v, c.T("f.reveal_reason")+c.T("colon"), func(text string) tea.Cmd {
				return func() tea.Msg {
					num, err := st.RevealID(me, id, text)
					return revealDoneMsg{id: id, num: num, err: err}
				}
			})})
			return nil
		}).when(func() string {
			if !c.Me.Role.CanRevealPersonal() {
				return c.T("reveal.denied")
			}
			return loading()
		}),
		on(k.Filing, func(tea.KeyMsg) tea.Cmd {
			e := newEnterpriseView(c, v.cs.Enterprise.CreditCode)
			e.from = v.cs.ID
			c.send(pushMsg{e})
			return e.load()
		}).main().when(loading),
		on(k.Close, func(tea.KeyMsg) tea.Cmd { c.send(popMsg{v}, statusMsg{}); return nil }).main(),
	}
}

// actionDoneMsg reports the result of applying an action.
type actionDoneMsg struct {
	id   uint32
	kind workflow.ActionKind
	cs   workflow.Case
	err  error
}

func (v *caseView) apply(a workflow.Action) tea.Cmd {
	return applyCmd(v.c, v.cs.ID, v.cs.Version, a)
}

func applyCmd(c *Common, id uint32, version int, a workflow.Action) tea.Cmd {
	st, me, now := c.Store, c.Me, c.Now()
	return func() tea.Msg {
		a.At = now
		a.Actor = me.Name
		cs, err := st.Apply(id, version, me, a)
		return actionDoneMsg{id: id, kind: a.Kind, cs: cs, err: err}
	}
}

func (v *caseView) letters() []workflow.Letter {
	var out []workflow.Letter
	for _, ev := range v.events {
		for _, l := range ev.Letters() { // numbers typed into free text masked, in older letters too
			out = append(out, workflow.MaskLetter(l, v.c.Store.Settings().Letterhead))
		}
	}
	return out
}

func (v *caseView) View(w, h int) string {
	st := v.c.Styles
	if !v.loaded {
		return clampLines([]string{st.Muted.Render(v.c.T("case.loading"))}, w, h)
	}
	cs := &v.cs
	lang := v.c.Lang
	head := st.Title.Render(cs.No) + "  " + shown(cs.Enterprise.Name) + "  " + st.Highlight.Render(cs.Stage.Label(lang))
	var tabs []string
	for t := caseTab(0); t < ctCount; t++ {
		label := fmt.Sprintf("%d %s", t+1, v.c.T(caseTabKeys[t]))
		if t == v.tab {
			tabs = append(tabs, " "+st.TabActive.Render(label)+" ")
		} else {
			tabs = append(tabs, " "+st.Tab.Render(label)+" ")
		}
	}
	lines := []string{cut(head, w), cut(strings.Join(tabs, ""), w)}
	var body []string
	switch v.tab {
	case ctSummary:
		body = v.summary(w)
	case ctMaterials:
		body = v.materials(w)
	case ctFindings:
		body = v.findings(w)
	case ctHistory:
		body = v.history(w)
	case ctLetters:
		body = v.letterView(w)
	}
	room := h - len(lines) - 1
	if v.tab == ctFindings && len(v.cs.Findings) > 0 { // keep the selected finding in sight
		if v.findLine < v.scroll[ctFindings] {
			v.scroll[ctFindings] = v.findLine
		} else if v.findLine+3 > v.scroll[ctFindings]+room {
			v.scroll[ctFindings] = v.findLine + 3 - room
		}
	}
	if v.tab != ctMaterials {
		max := len(body) - room
		if max < 0 {
			max = 0
		}
		if v.scroll[v.tab] > max {
			v.scroll[v.tab] = max
		}
		body = body[v.scroll[v.tab]:]
	} else if v.matSel+3 > room && len(body) > room {
		drop := v.matSel + 3 - room
		if drop > len(body)-room {
			drop = len(body) - room
		}
		body = body[drop:]
	}
	if len(body) > room {
		body = body[:room]
	}
	lines = append(lines, body...)
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	switch {
	case v.notice != "":
		lines = append(lines, st.Warn.Render(cut(v.notice, w)))
	default:
		lines = append(lines, "")
	}
	return clampLines(lines, w, h)
}

func (v *caseView) kv(label, value string, w int) string {
	st := v.c.Styles
	lw := 18
	if v.c.Lang == "en" {
		lw = 16
	}
	return st.Label.Render(fit(label, lw)) + cut(value, w-lw)
}

func (v *caseView) idNumber() string {
	if v.reveal {
		return safe(v.cs.Agent.IDNumber)
	}
	return workflow.MaskID(safe(v.cs.Agent.IDNumber))
}

func (v *caseView) summary(w int) []string {
	st := v.c.Styles
	cs := &v.cs
	lang := v.c.Lang
	set := v.c.Store.Settings()
	now := v.c.Now()
	var out []string
	if r := v.lastReturn(); r != nil {
		// Returned by the supervisor: why, first, where the specialist looks.
		out = append(out, st.Warn.Render(v.c.T("case.returned"))+"  "+st.Muted.Render(v.c.T("case.returned_by", v.c.staffName(r.Actor), r.At.In(workflow.ChinaTZ).Format("2006-01-02 15:04"))))
		for _, l := range wrap(shownText(r.Comment), w-2) {
			out = append(out, "  "+l)
		}
		out = append(out, "")
	}
	e := cs.Enterprise
	out = append(out, st.Section.Render(v.c.T("case.enterprise")))
	out = append(out, v.kv(v.c.T("case.enterprise"), shown(e.Name), w))
	out = append(out, v.kv(v.c.T("case.credit_code"), safe(e.CreditCode), w))
	if cs.CreditCodeWarning && cs.CreditCodeOverride == "" {
		out = append(out, "  "+st.Warn.Render(v.c.T("case.cc_warning")))
	} else if cs.CreditCodeOverride != "" {
		out = append(out, "  "+st.Muted.Render(v.c.T("case.cc_override", v.c.staffName(cs.CreditCodeOverride))))
	}
	out = append(out, v.kv(v.c.T("case.legal_rep"), shown(e.LegalRep), w))
	if e.Address != "" {
		out = append(out, v.kv(v.c.T("case.address"), shown(e.Address), w))
	}
	if n := len(v.filing); n > 1 {
		out = append(out, "  "+st.Muted.Render(v.c.T("case.filing", n)))
	}
	if v.whitewash != "" {
		out = append(out, "  "+st.Warn.Render(v.c.T("case.whitewash")+" ("+v.whitewash+")"))
	}
	if d := cs.Duplicate; d != nil {
		out = append(out, "  "+st.Warn.Render(cut(v.c.T("case.duplicate", safe(strings.Join(d.Of, "、"))), w-2)))
		for _, l := range wrap(v.c.T("case.duplicate_reason", shownText(d.Reason)), w-4) {
			out = append(out, "    "+l)
		}
	}
	out = append(out, "", st.Section.Render(v.c.T("case.agent")))
	out = append(out, v.kv(v.c.T("case.agent"), shown(cs.Agent.Name), w))
	out = append(out, v.kv(v.c.T("case.phone"), workflow.MaskPhone(safe(cs.Agent.Phone)), w))
	out = append(out, v.kv(v.c.T("case.id_number"), v.idNumber()+"  "+st.Faint.Render("v"), w))
	out = append(out, v.kv(v.c.T("case.seen"), v.seenText(), w))
	out = append(out, "", st.Section.Render(v.c.T("case.records")))
	for _, r := range cs.Records {
		line := fmt.Sprintf("%s · %s · %s · %s", labelOf("source", r.Source, lang), labelOf("record_type", r.Type, lang), shown(r.Institution), r.Date)
		if r.AmountFen > 0 {
			line += fmt.Sprintf(" · ¥%d.%02d", r.AmountFen/100, r.AmountFen%100)
		}
		if r.Tier != "" {
			line += " · " + labelOf("tier", r.Tier, lang)
		}
		out = append(out, "  "+cut(line, w-2))
		out = append(out, "    "+st.Muted.Render(cut(labelOf("problem", r.Problem, lang)+" "+shown(r.Detail), w-4)))
	}
	out = append(out, "", st.Section.Render(v.c.T("case.stage")))
	out = append(out, v.kv(v.c.T("case.stage"), cs.Stage.Label(lang), w))
	out = append(out, v.kv(v.c.T("case.owner"), v.c.staffName(cs.Owner), w))
	if fr := cs.FirstResponsible(); fr != "" {
		out = append(out, v.kv(v.c.T("case.first_responsible"), v.c.staffName(fr), w))
	}
	out = append(out, v.kv(v.c.T("case.round"), itoa(cs.Round), w))
	out = append(out, v.kv(v.c.T("case.received"), workflow.Day(cs.ReceivedAt), w))
	if d := set.SLA.DueOf(cs, set.Calendar()); !d.At.IsZero() {
		sm := &store.Summary{Stage: cs.Stage, Due: d}
		q := &queue{c: v.c}
		text, style := q.dueCell(sm, now)
		if d.Provisional {
			text += " " + v.c.T("due.provisional")
		}
		out = append(out, v.kv(v.c.T("case.due"), style.Render(text), w))
	}
	// The external body's own clock, from the submission: its source, limit and basis, and
	// 待核实 when the limit is not confirmed.
	if sb := cs.Submission; sb != nil {
		src := workflow.Sources().SourceOfChannel(sb.Channel)
		line := workflow.Label("source", src.Key, lang) + " · "
		if src.Limit.Known() {
			line += v.c.T(map[bool]string{true: "case.ext_limit_natural", false: "case.ext_limit_work"}[src.Limit.Natural], src.Limit.Days, workflow.Day(sb.At))
			if ext := set.SLA.ExternalDue(cs, set.Calendar()); !ext.At.IsZero() {
				line += " → " + workflow.Day(ext.At)
			}
		} else {
			line += v.c.T("case.ext_unknown", workflow.Day(sb.At)) + workflow.Unverified(lang)
		}
		out = append(out, v.kv(v.c.T("case.ext_due"), line, w))
		if src.Limit.Basis != "" {
			out = append(out, "    "+st.Muted.Render(cut(src.Limit.Basis, w-4)))
		}
		if !src.Limit.Known() && src.Limit.Missing != "" && v.c.Me.Role.CanReview() { // why it is 待核实
			for _, l := range wrap(src.Limit.Missing+workflow.Unverified(lang), w-4) {
				out = append(out, "    "+st.Muted.Render(l))
			}
		}
	}
	// Minimum publicity rules not confirmed for a penalty's date are marked for supervisors.
	for _, r := range cs.Records {
		if p, ok := workflow.DefaultRules().PublicityRule(r); ok && r.Type == "admin_penalty" && p.Status == workflow.StatusUnverified {
			out = append(out, v.kv(v.c.T("case.publicity_rule"), cut(p.Basis, w-20)+workflow.Unverified(lang), w))
			break
		}
	}
	out = append(out, v.kv(v.c.T("case.agency_days"), v.c.T("case.days", workflow.AgencyDays(cs, now)), w))
	if p := cs.Proposal; p != nil {
		out = append(out, "", st.Section.Render(v.c.T("case.proposal")))
		for _, l := range wrap(shownText(p.Conclusion), w-2) {
			out = append(out, "  "+l)
		}
		if p.Plan != "" {
			for _, l := range wrap(shownText(p.Plan), w-2) {
				out = append(out, "  "+st.Muted.Render(l))
			}
		}
	}
	if d := cs.Decline; d != nil {
		out = append(out, "", st.Section.Render(v.c.T("case.decline")), "  "+labelOf("reason", d.Reason, lang))
		for _, l := range wrap(shownText(d.Explanation), w-2) {
			out = append(out, "  "+l)
		}
	}
	if s := cs.Submission; s != nil {
		out = append(out, v.kv(v.c.T("case.submission"), labelOf("channel", s.Channel, lang)+" · "+shown(s.Reference)+" · "+workflow.Day(s.At), w))
	}
	if o := cs.Outcome; o != nil {
		out = append(out, v.kv(v.c.T("case.outcome"), labelOf("outcome", o.Result, lang)+" "+shown(o.Note), w))
	}
	if n := cs.Notification; n != nil {
		out = append(out, v.kv(v.c.T("case.notified"), labelOf("notify", n.Channel, lang)+" · "+n.Date, w))
	}
	if cs.Withdrawal != "" {
		out = append(out, v.kv(v.c.T("case.withdrawn"), shown(cs.Withdrawal), w))
	}
	out = append(out, v.followUpLines(w, set.SLA, set.Calendar(), now)...)
	return out
}

// seenText says whether the agent's original ID and the authorisation letter were seen
// at intake, by whom and when.
func (v *caseView) seenText() string {
	s := v.cs.Seen
	if s == nil {
		return v.c.Styles.Warn.Render(v.c.T("case.seen_none"))
	}
	var what []string
	if s.AgentID {
		what = append(what, v.c.T("f.seen_id"))
	}
	if s.AuthLetter {
		what = append(what, v.c.T("f.seen_auth"))
	}
	text := strings.Join(what, v.c.T("filing.sep")) + " · " + v.c.staffName(s.By) + " " + s.At.In(workflow.ChinaTZ).Format("2006-01-02 15:04")
	if !s.AgentID || !s.AuthLetter {
		text += "  " + v.c.Styles.Warn.Render(v.c.T("case.seen_partly"))
	}
	return text
}

// followUpLines: the follow-up call of a closed case, recorded or due.
func (v *caseView) followUpLines(w int, sla workflow.SLA, cal *workflow.Calendar, now time.Time) []string {
	cs, st, lang := &v.cs, v.c.Styles, v.c.Lang
	if cs.Stage != workflow.StageClosed {
		return nil
	}
	out := []string{"", v.c.Styles.Section.Render(v.c.T("case.follow_up"))}
	f := cs.FollowUp
	if f == nil || f.Satisfaction == "" {
		due := workflow.FollowUpDue(cs, sla, cal)
		text := v.c.T("case.follow_up_due", workflow.Day(due))
		if now.After(due) {
			return append(out, "  "+st.Err.Render(text+" "+v.c.T("case.follow_up_overdue")))
		}
		return append(out, "  "+st.Warn.Render(text))
	}
	out = append(out, v.kv(v.c.T("f.satisfaction"), workflow.Label("satisfaction", f.Satisfaction, lang)+" · "+v.c.staffName(f.By)+" "+workflow.Day(f.At), w))
	if f.Comment != "" {
		for _, l := range wrap(shownText(f.Comment), w-2) {
			out = append(out, "  "+l)
		}
	}
	if n := len(f.Thanks); n > 0 {
		var kinds []string
		for _, t := range f.Thanks {
			kinds = append(kinds, workflow.Label("thanks", t.Kind, lang)+" "+workflow.Day(t.At))
		}
		out = append(out, v.kv(v.c.T("f.thanks"), cut(strings.Join(kinds, v.c.T("filing.sep")), w-20), w))
	}
	return out
}

// lastReturn is the supervisor's return the case is still answering: the latest of
// return, proposal and approval is a return, and the case is open.
func (v *caseView) lastReturn() *workflow.Event {
	if v.cs.Stage.Terminal() {
		return nil
	}
	for i := len(v.events) - 1; i >= 0; i-- {
		switch ev := &v.events[i]; ev.Kind {
		case workflow.ActReturn:
			return ev
		case workflow.ActProposeRepair, workflow.ActApprove:
			return nil
		}
	}
	return nil
}

func (v *caseView) materials(w int) []string {
	st := v.c.Styles
	lang := v.c.Lang
	var out []string
	nameW := w - 26
	for i, m := range v.cs.Materials {
		req := v.c.T("mat.optional")
		if m.Required {
			req = v.c.T("mat.required")
		}
		var state string
		var ss lipglossStyle
		switch {
		case m.Waived:
			state, ss = "⊘ "+v.c.T("mat.waived"), st.Muted
		case !m.Received:
			state, ss = "○ "+v.c.T("mat.missing"), st.Muted
			if m.Required {
				ss = st.Warn
			}
		case !m.Valid:
			state, ss = "✗ "+v.c.T("mat.invalid"), st.Err
		default:
			state, ss = "✓ "+v.c.T("mat.ok"), st.OK
		}
		line := fit(shown(m.Name(lang)), nameW) + " " + fit(req, 8) + " " + ss.Render(fit(state, 12))
		if i == v.matSel {
			line = st.FieldFocus.Render("▸ ") + line
		} else {
			line = "  " + line
		}
		out = append(out, line)
		if m.Note != "" {
			out = append(out, "    "+st.Muted.Render(cut("↳ "+shown(m.Note), w-4)))
		}
		if m.Waived {
			out = append(out, "    "+st.Muted.Render(cut("↳ "+v.c.T("mat.waived_why", v.c.staffName(m.WaivedBy), shown(m.WaiverWhy)), w-4)))
		}
		out = append(out, v.tiedLines(m.Files, "    ", w)...)
	}
	out = append(out, v.attachedFiles(w)...)
	out = append(out, "", st.Faint.Render(cut(v.c.T("mat.hint"), w)))
	return out
}

// attachedFiles lists the files staff sent to the case over scp/sftp (none: nothing).
func (v *caseView) attachedFiles(w int) []string {
	if len(v.cs.Files) == 0 {
		return nil
	}
	st := v.c.Styles
	out := []string{"", st.Title.Render(cut(v.c.T("files.title", len(v.cs.Files)), w))}
	for _, f := range v.cs.Files {
		at := f.At
		if t, err := time.Parse(time.RFC3339, f.At); err == nil {
			at = t.In(workflow.ChinaTZ).Format("2006-01-02 15:04")
		}
		hash := f.SHA256
		if len(hash) > 12 {
			hash = hash[:12] + "…"
		}
		line := "  " + shown(f.Name) + " " + st.Muted.Render("v"+itoa(f.Version)+" · "+store.ByteSize(f.Size)+" · "+
			v.c.staffName(f.By)+" "+at+" · sha256:"+hash)
		out = append(out, cut(line, w))
	}
	out = append(out, st.Faint.Render(cut(v.c.T("tie.hint"), w)))
	return out
}

func (v *caseView) findings(w int) []string {
	st := v.c.Styles
	lang := v.c.Lang
	if len(v.cs.Findings) == 0 {
		return []string{st.Muted.Render(v.c.T("case.no_findings"))}
	}
	var out []string
	for i, f := range v.cs.Findings {
		rs := st.OK
		if f.Result == "confirmed_accurate" {
			rs = st.Warn
		}
		mark := "  "
		if i == v.findSel {
			mark = st.FieldFocus.Render("▸ ")
			v.findLine = len(out)
		}
		// Superseded findings stay in the history, greyed and marked; the current ones
		// decide the outcome and are what the letters quote.
		head := rs.Render(labelOf("result", f.Result, lang))
		note := ""
		if !f.Current() {
			head = st.Faint.Render(labelOf("result", f.Result, lang))
			note = "  " + st.Warn.Render(v.c.T("case.finding_superseded", f.SupersededBy))
		} else if f.Supersedes > 0 {
			note = "  " + st.Highlight.Render(v.c.T("case.finding_supersedes", f.Supersedes))
		}
		out = append(out, mark+fmt.Sprintf("%d. %s  %s", i+1, head, st.Muted.Render(v.c.T("hist.by", v.c.staffName(f.By), f.At.In(workflow.ChinaTZ).Format("2006-01-02 15:04"))))+note)
		for _, l := range wrap(shownText(f.Checked), w-6) {
			if !f.Current() {
				l = st.Faint.Render(l)
			}
			out = append(out, "     "+l)
		}
		meta := labelOf("contact", f.Contact, lang) + " · " + labelOf("method", f.Method, lang)
		if f.Evidence != "" {
			meta += " · " + shown(f.Evidence)
		}
		out = append(out, "     "+st.Muted.Render(cut(meta, w-6)))
		out = append(out, v.tiedLines(f.Files, "     ", w)...)
		out = append(out, "")
	}
	out = append(out, st.Faint.Render(cut(v.c.T("case.findings_hint"), w)))
	return out
}

func (v *caseView) history(w int) []string {
	st := v.c.Styles
	lang := v.c.Lang
	var out []string
	for i := len(v.events) - 1; i >= 0; i-- {
		ev := v.events[i]
		when := ev.At.In(workflow.ChinaTZ).Format("2006-01-02 15:04")
		move := ""
		if ev.From != ev.To && ev.From != "" {
			move = "  " + ev.From.Label(lang) + " → " + ev.To.Label(lang)
		} else if ev.From == "" {
			move = "  → " + ev.To.Label(lang)
		}
		out = append(out, fmt.Sprintf("%s  %s  %s%s", st.Muted.Render(when), fit(v.c.staffName(ev.Actor), 8), st.Highlight.Render(ev.Kind.Label(lang)), move))
		for _, ch := range ev.Changes {
			if ch.Field == "stage" {
				continue
			}
			out = append(out, "      "+st.Muted.Render(cut(v.changeText(ch), w-6)))
		}
		if mu := ev.Action.Material; ev.Kind == workflow.ActUpdateMaterial && mu != nil && mu.Waive && mu.Note != "" {
			for _, l := range wrap(v.c.T("hist.waive_why", shownText(mu.Note)), w-8) { // the waiver's reason
				out = append(out, "      "+l)
			}
		}
		if ev.Comment != "" {
			for _, l := range wrap(shownText(ev.Comment), w-8) {
				out = append(out, "      “"+l+"”")
			}
		}
		if ev.Kind == workflow.ActRequestMaterials && ev.Action.Kind == ev.Kind {
			if len(v.cs.Notices) > 0 {
				for _, n := range v.cs.Notices {
					if n.At.Equal(ev.At) {
						var names []string
						for _, it := range n.Items {
							names = append(names, shown(workflow.Material{Key: it.Key, Label: it.Label}.Name(lang)))
						}
						out = append(out, "      "+st.Muted.Render(cut(strings.Join(names, T(lang, "cli.list_sep")), w-6)))
					}
				}
			}
		}
	}
	return out
}

func (v *caseView) changeText(ch workflow.Change) string {
	lang := v.c.Lang
	switch {
	case strings.HasPrefix(ch.Field, "material."):
		k := strings.TrimPrefix(ch.Field, "material.")
		name := workflow.Label("material", k, lang)
		for _, m := range v.cs.Materials {
			if m.Key == k {
				name = m.Name(lang)
			}
		}
		return name + ": " + v.c.T(matKey(ch.Old)) + " → " + v.c.T(matKey(ch.New))
	case ch.Field == "owner":
		return v.c.T("case.owner") + ": " + v.c.staffName(ch.Old) + " → " + v.c.staffName(ch.New)
	case ch.Field == "record":
		return v.c.T("case.records") + ": + " + labelOf("record_type", ch.New, lang)
	case ch.Field == "finding":
		return v.c.T("f.result") + ": " + labelOf("result", ch.New, lang)
	case ch.Field == "finding.superseded":
		return v.c.T("hist.superseded", ch.Old, ch.New)
	case ch.Field == "round":
		return v.c.T("case.round") + ": " + ch.Old + " → " + ch.New
	case ch.Field == "notice":
		if n, err := strconv.Atoi(ch.New); err == nil {
			return v.c.T("hist.notice_items", n)
		}
	case strings.HasPrefix(ch.Field, "tie."): // filetie.go
		return v.tieChange(ch)
	case ch.Field == "credit_code_override":
		return v.c.T("case.cc_override", v.c.staffName(ch.New))
	case ch.Field == "satisfaction":
		return v.c.T("f.satisfaction") + ": " + labelOf("satisfaction", ch.New, lang)
	case ch.Field == "thanks":
		var kinds []string
		for _, k := range strings.Split(ch.New, ",") {
			kinds = append(kinds, labelOf("thanks", k, lang))
		}
		return v.c.T("f.thanks") + ": + " + strings.Join(kinds, v.c.T("filing.sep"))
	case ch.Field == "duplicate":
		return v.c.T("case.duplicate", safe(ch.New))
	case ch.Field == "duplicate_reason":
		return v.c.T("case.duplicate_reason", shown(ch.New))
	case ch.Field == "seen":
		var what []string
		for _, k := range strings.Split(ch.New, ",") {
			what = append(what, v.c.T(map[string]string{"agent_id": "f.seen_id", "auth_letter": "f.seen_auth"}[k]))
		}
		return v.c.T("case.seen") + ": " + strings.Join(what, v.c.T("filing.sep"))
	}
	return shown(ch.Field + ": " + ch.Old + " → " + ch.New)
}

func matKey(state string) string {
	switch state {
	case "ok":
		return "mat.ok"
	case "invalid":
		return "mat.invalid"
	case "waived":
		return "mat.waived"
	}
	return "mat.missing"
}

func (v *caseView) letterView(w int) []string {
	st := v.c.Styles
	ls := v.letters()
	if len(ls) == 0 {
		return []string{st.Muted.Render(v.c.T("case.no_letters"))}
	}
	if v.letter >= len(ls) {
		v.letter = len(ls) - 1
	}
	var tabs []string
	for i, l := range ls {
		if i == v.letter {
			tabs = append(tabs, st.Highlight.Render("["+shown(l.Title)+"]"))
		} else {
			tabs = append(tabs, st.Muted.Render(shown(l.Title)))
		}
	}
	out := []string{cut(strings.Join(tabs, " ")+"   "+st.Faint.Render(v.c.T("letter.hint")), w), ""}
	l := ls[v.letter]
	out = append(out, st.Title.Render(shown(l.Title)))
	// The verification code, printed under the letter, is shown at its head here: a
	// specialist reads it out to an enterprise that calls to check a letter.
	if l.Code != "" {
		for _, line := range wrap(v.c.T("letter.code", l.Code), w-2) {
			out = append(out, st.Muted.Render(line))
		}
	}
	out = append(out, "")
	for _, line := range wrap(l.Body, w-2) {
		out = append(out, " "+line)
	}
	return out
}

// exportLetter writes the letter as print-ready HTML and as plain text, exactly as it was
// stored with its event.
func (v *caseView) exportLetter(l workflow.Letter) string {
	dir := v.c.ExportDir
	if dir == "" {
		return v.c.T("letter.no_dir")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return v.c.T("err.generic", err.Error())
	}
	base := filepath.Join(dir, v.cs.No+"-"+l.Kind)
	html := workflow.LetterHTML(l, v.c.Store.Settings().Letterhead)
	if err := os.WriteFile(base+".html", []byte(html), 0o600); err != nil {
		return v.c.T("err.generic", err.Error())
	}
	text := workflow.LetterText(l)
	if err := os.WriteFile(base+".txt", []byte(text), 0o600); err != nil {
		return v.c.T("err.generic", err.Error())
	}
	if v.c.ExportFetch != nil {
		return v.c.T("export.fetch", v.c.ExportFetch(filepath.Base(base)+".html"))
	}
	return v.c.T("letter.exported", base+".html", base+".txt")
}
