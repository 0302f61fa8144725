package tui

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/workflow"
)

// actionMenu lists every action: the ones the stage and role allow, and the others greyed
// with the reason (the engine's own refusal, so screen and engine never disagree).
type actionMenu struct {
	c    *Common
	cs   workflow.Case
	opts []workflow.Option
	sel  int
}

func newActionMenu(c *Common, cs workflow.Case) *actionMenu {
	opts := c.Store.Rules().Options(&cs, c.Me, c.Now())
	// What can be done now comes first; the rest follow, greyed, with the reason.
	slices.SortStableFunc(opts, func(a, b workflow.Option) int {
		return cmpBool(a.Refusal != nil, b.Refusal != nil)
	})
	m := &actionMenu{c: c, cs: cs, opts: opts}
	// Start on the first allowed action.
	for i, o := range m.opts {
		if o.Refusal == nil {
			m.sel = i
			break
		}
	}
	return m
}

func (m *actionMenu) Typing() bool           { return false }
func (m *actionMenu) Update(tea.Msg) tea.Cmd { return nil }

func (m *actionMenu) Bindings() []Binding {
	k := m.c.Keys
	c := m.c
	return []Binding{
		on(k.Up, func(tea.KeyMsg) tea.Cmd { m.sel = max(0, m.sel-1); return nil }),
		on(k.Down, func(tea.KeyMsg) tea.Cmd { m.sel = min(len(m.opts)-1, m.sel+1); return nil }),
		on(k.Open, func(tea.KeyMsg) tea.Cmd {
			kind := m.opts[m.sel].Kind
			c.send(popMsg{m})
			if kind == workflow.ActUpdateMaterial {
				// Materials are marked one by one on their own tab.
				c.send(gotoTabMsg{id: m.cs.ID, tab: ctMaterials, notice: c.T("mat.hint")})
				return nil
			}
			c.send(pushMsg{newActionScreen(c, m.cs, kind)})
			return nil
		}).main().when(func() string {
			if len(m.opts) == 0 {
				return c.T("act.none")
			}
			if r := m.opts[m.sel].Refusal; r != nil {
				return r.Message(c.Lang)
			}
			return ""
		}),
		on(k.Close, func(tea.KeyMsg) tea.Cmd { c.send(popMsg{m}); return nil }).main(),
		on(k.Actions, func(tea.KeyMsg) tea.Cmd { c.send(popMsg{m}); return nil }),
	}
}

func (m *actionMenu) View(w, h int) string {
	st := m.c.Styles
	lines := []string{st.Title.Render(m.c.T("act.title", m.cs.No)), ""}
	// The names' column is as wide as the longest name, up to a third of the screen:
	// English names are not cut at 120 columns, and the reasons keep the rest.
	nameW := 0
	for _, o := range m.opts {
		nameW = max(nameW, width(o.Kind.Label(m.c.Lang)))
	}
	nameW = min(nameW, max(12, (w-4)/3))
	for i, o := range m.opts {
		name := o.Kind.Label(m.c.Lang)
		var line string
		if o.Refusal == nil {
			line = fit(name, nameW)
		} else {
			line = st.Disabled.Render(fit(name, nameW) + " " + cut(o.Refusal.Message(m.c.Lang), w-nameW-3))
		}
		if i == m.sel {
			line = st.FieldFocus.Render("▸ ") + line
		} else {
			line = "  " + line
		}
		lines = append(lines, line)
	}
	if o := m.opts[m.sel]; o.Refusal != nil {
		lines = append(lines, "")
		for _, l := range wrap(o.Refusal.Message(m.c.Lang), w-2) {
			lines = append(lines, st.Warn.Render(l))
		}
	}
	return clampLines(lines, w, h)
}

var (
	dateRe     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	evidenceRe = regexp.MustCompile(`^sha256:[0-9a-fA-F]{64}$`)
)

func (c *Common) dateCheck(v string) (string, bool) {
	if !dateRe.MatchString(v) {
		return c.T("f.date_format"), false
	}
	if _, err := workflow.ParseDate(v); err != nil { // 2026-13-45 has the format, not the day
		return c.T("f.date_nosuch", v), false
	}
	return "", false
}

// actionForm builds the form an action needs; nil means it needs none beyond a comment.
func actionForm(c *Common, cs workflow.Case, kind workflow.ActionKind) *form {
	lang := c.Lang
	f := newForm(c, kind.Label(lang)+"  "+cs.No)
	f.name, f.caseID = string(kind), cs.ID
	switch kind {
	case workflow.ActAddRecord:
		recordFields(c, f)
		f.onChange = func(f *form, fd *field) {
			if fd.key == "type" || fd.key == "tier" || fd.key == "date" {
				f.info = publicityInfo(c, f)
			}
		}
	case workflow.ActAddFinding:
		f.text("checked", c.T("f.checked"), true, nil)
		f.choice("contact", c.T("f.contact"), optionsOf("contact", lang), true)
		f.choice("method", c.T("f.method"), optionsOf("method", lang), true)
		f.choice("result", c.T("f.result"), optionsOf("result", lang), true)
		f.text("evidence", c.T("f.evidence"), false, func(v string) (string, bool) {
			if strings.HasPrefix(strings.ToLower(v), "sha256:") && !evidenceRe.MatchString(v) {
				return c.T("f.evidence_format"), false
			}
			return "", false
		})
		// A later finding may supersede a current one; the history keeps both.
		if opts := supersedeOptions(c, &cs); len(opts) > 0 {
			f.choice("supersedes", c.T("f.supersedes"), opts, false)
		}
	case workflow.ActProposeRepair:
		f.text("conclusion", c.T("f.conclusion"), true, nil)
		f.text("plan", c.T("f.plan"), false, nil)
		// A current 确认无误 finding: a supervisor proposes only with a reason.
		accurate := slices.ContainsFunc(cs.CurrentFindings(), func(x workflow.Finding) bool { return x.Result == "confirmed_accurate" })
		f.text("override", c.T("f.override"), accurate, nil).visible = func(*form) bool { return accurate }
		if accurate {
			f.info = c.T("propose.override_info")
		}
	case workflow.ActRequestMaterials:
		// 一次性告知: items no earlier notice named and not submitted since need a
		// supervisor's reason, kept with the notice (the comment is that reason).
		if extra := cs.NoticeExtras(); len(extra) > 0 {
			f.info = c.T("notice.extras_info", workflow.MaterialNames(&cs, extra, lang))
		}
	case workflow.ActDecline:
		reasons := "reason"
		if cs.Stage == workflow.StageFormalReview {
			reasons = "reason_formal"
		}
		var opts []option
		for _, k := range workflow.Keys(reasons) {
			opts = append(opts, option{k, workflow.Label("reason", k, lang)})
		}
		f.choice("reason", c.T("f.reason"), opts, true)
		f.text("explanation", c.T("f.explanation"), true, nil)
		// The avenues open for this case's sources, ticked; 待核实 beside an unverified one.
		var avOpts []option
		for _, k := range workflow.Keys("avenue") {
			if workflow.AvenueAllowed(&cs, k) {
				avOpts = append(avOpts, option{k, workflow.AvenueLabel(k, lang)})
			}
		}
		av := f.multi("avenues", c.T("f.avenues"), avOpts, true)
		for i, o := range avOpts {
			av.checked[i] = slices.Contains(workflow.DefaultAvenues(&cs), o.key)
		}
		f.text("expiry", c.T("f.expiry"), false, c.dateCheck).visible = func(f *form) bool {
			return strings.Contains(f.get("avenues").value(), "await_expiry")
		}
	case workflow.ActSubmitCorrection:
		ch := f.choice("channel", c.T("f.channel"), optionsOf("channel", lang), true)
		if len(cs.Records) > 0 { // preselect the channel matching the record's source
			ch.setValue(workflow.Sources().Source(cs.Records[0].Source).Channel)
		}
		f.text("reference", c.T("f.reference"), true, nil)
	case workflow.ActRecordOutcome:
		f.choice("outcome", c.T("f.outcome"), optionsOf("outcome", lang), true)
		f.text("note", c.T("f.note"), false, nil)
	case workflow.ActNotifyApplicant:
		f.choice("notify", c.T("f.notify"), optionsOf("notify", lang), true)
		f.text("date", c.T("f.notify_date"), true, c.dateCheck).input.SetValue(workflow.Day(c.Now()))
	case workflow.ActFollowUp:
		// The call records the satisfaction once, with no answer preselected; later, only
		// thanks received since.
		called := cs.FollowUp != nil && cs.FollowUp.Satisfaction != ""
		if !called {
			f.choice("satisfaction", c.T("f.satisfaction"), optionsOf("satisfaction", lang), false).required = true
			f.text("note", c.T("f.fu_comment"), false, nil)
		} else {
			f.info = c.T("fu.called", workflow.Label("satisfaction", cs.FollowUp.Satisfaction, lang), workflow.Day(cs.FollowUp.At))
		}
		f.multi("thanks", c.T("f.thanks"), optionsOf("thanks", lang), called)
	case workflow.ActReassign:
		var opts []option
		for _, s := range c.Store.ListStaff() {
			if s.Active && s.Role.CanWork() && s.Name != cs.Owner {
				opts = append(opts, option{s.Name, safe(s.Shown()) + " · " + s.Role.Label(lang)})
			}
		}
		f.choice("assignee", c.T("f.assignee"), opts, true)
	}
	required := kind == workflow.ActReturn || kind == workflow.ActWithdraw || kind == workflow.ActComment || kind == workflow.ActOverrideCreditCode
	comment := f.text("comment", c.T("form.comment"), required, nil)
	if kind == workflow.ActRequestMaterials && len(cs.NoticeExtras()) > 0 {
		comment.label, comment.required = c.T("f.notice_override"), true // the override's reason
	}
	f.setFocus(0)
	return f
}

// actionFromForm turns a filled form into the action.
func actionFromForm(kind workflow.ActionKind, f *form) workflow.Action {
	a := workflow.Action{Kind: kind, Comment: f.val("comment")}
	switch kind {
	case workflow.ActAddRecord:
		rec := recordFromForm(f)
		a.Record = &rec
	case workflow.ActAddFinding:
		a.Finding = &workflow.Finding{Checked: f.val("checked"), Contact: f.val("contact"), Method: f.val("method"), Result: f.val("result"), Evidence: f.val("evidence")}
		if k, err := strconv.Atoi(f.val("supersedes")); err == nil {
			a.Finding.Supersedes = k
		}
	case workflow.ActProposeRepair:
		a.Proposal = &workflow.Proposal{Conclusion: f.val("conclusion"), Plan: f.val("plan"), Override: f.val("override")}
	case workflow.ActDecline:
		var av []string
		if v := f.val("avenues"); v != "" {
			av = strings.Split(v, ",")
		}
		a.Decline = &workflow.Decline{Reason: f.val("reason"), Explanation: f.val("explanation"), Avenues: av, ExpiryDate: f.val("expiry")}
	case workflow.ActSubmitCorrection:
		a.Submission = &workflow.Submission{Channel: f.val("channel"), Reference: f.val("reference")}
	case workflow.ActRecordOutcome:
		a.Outcome = &workflow.Outcome{Result: f.val("outcome"), Note: f.val("note")}
	case workflow.ActNotifyApplicant:
		a.Notification = &workflow.Notification{Channel: f.val("notify"), Date: f.val("date")}
	case workflow.ActFollowUp:
		fu := &workflow.FollowUp{Satisfaction: f.val("satisfaction"), Comment: f.val("note")}
		if v := f.val("thanks"); v != "" {
			for _, k := range strings.Split(v, ",") {
				fu.Thanks = append(fu.Thanks, workflow.Thanks{Kind: k})
			}
		}
		a.FollowUp = fu
	case workflow.ActReassign:
		a.Assignee = f.val("assignee")
	}
	return a
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
