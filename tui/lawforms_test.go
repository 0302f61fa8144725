package tui

import (
	"slices"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Issue 15's supervisor decisions, driven by keys in the console: waiving a checklist
// item, superseding a finding, the override of a later notice and of a 确认无误 finding.

// lawCase makes a case of 王芳's in formal review.
func lawCase(t *testing.T, st *store.Store) workflow.Case {
	t.Helper()
	cs, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// lawApply applies an action as who, now.
func lawApply(t *testing.T, st *store.Store, clk *clock, who workflow.Staff, cs workflow.Case, a workflow.Action) workflow.Case {
	t.Helper()
	a.Actor, a.At = who.Name, clk.now()
	n, err := st.Apply(cs.ID, cs.Version, who, a)
	if err != nil {
		t.Fatalf("%s: %v", a.Kind, err)
	}
	return n
}

// investigating brings cs to investigation: every item received and valid, accepted.
func investigating(t *testing.T, st *store.Store, clk *clock, cs workflow.Case) workflow.Case {
	t.Helper()
	for _, m := range cs.Materials {
		cs = lawApply(t, st, clk, testSpecialist, cs, workflow.Action{Kind: workflow.ActUpdateMaterial,
			Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
	}
	return lawApply(t, st, clk, testSpecialist, cs, workflow.Action{Kind: workflow.ActAccept})
}

// selectMaterial moves the materials tab's selection to the item with this key.
func selectMaterial(t *testing.T, m *Model, key string) {
	t.Helper()
	v := caseOf(m)
	i := slices.IndexFunc(v.cs.Materials, func(x workflow.Material) bool { return x.Key == key })
	if i < 0 {
		t.Fatalf("no item %q on the case", key)
	}
	for v.matSel < i {
		press(m, "down")
	}
	for v.matSel > i {
		press(m, "up")
	}
}

func reload(t *testing.T, st *store.Store, id uint32) workflow.Case {
	t.Helper()
	cs, err := st.Case(id)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestWaiveItemOnMaterialsTab: w on the materials tab waives the selected item with a
// reason — a supervisor's decision; the specialist is told why not, proof of authority
// cannot be waived, the reason and the supervisor go into the case and its history, and
// w on a waived item takes the waiver back.
func TestWaiveItemOnMaterialsTab(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	cs := lawCase(t, st)
	item := ""
	for _, x := range cs.Materials {
		if !slices.Contains(workflow.AuthorityProof, x.Key) && x.Required {
			item = x.Key
			break
		}
	}
	if item == "" {
		t.Fatal("the case has no required item outside the proof of authority")
	}
	name := workflow.Label("material", item, "zh")

	// The specialist: w is greyed with the engine's reason, and pressing it says so.
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(m, cs.No)
	press(m, "2")
	selectMaterial(t, m, item)
	press(m, "w")
	if formOf(m, "action") != nil {
		t.Fatal("a specialist got the waiver form")
	}
	mustShow(t, m, "材料免交或不适用须由审核主管确认")

	// The supervisor: proof of authority is refused; another item takes a reason.
	s := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	openCase(s, cs.No)
	press(s, "2")
	selectMaterial(t, s, "legal_rep_id")
	press(s, "w")
	if formOf(s, "action") != nil {
		t.Fatal("the waiver form opened for proof of authority")
	}
	mustShow(t, s, "授权与身份证明对每个来源都必须提交，不能免交")
	selectMaterial(t, s, item)
	press(s, "w")
	f := actionFormOf(s)
	if f == nil || f.name != formWaive || f.val("item") != item {
		t.Fatalf("w did not open the waiver form on the selected item:\n%s", screen(s))
	}
	mustShow(t, s, "材料免交/不适用  "+cs.No, name, "免交/不适用理由", "授权与身份证明不能免交")
	press(s, "ctrl+s") // no reason: said in place, nothing saved
	mustShow(t, s, "必填")
	if reload(t, st, cs.ID).Version != cs.Version {
		t.Fatal("a waiver without a reason was saved")
	}
	typeText(s, "贷款尚未结清，结清证明不适用")
	press(s, "ctrl+s")
	got := reload(t, st, cs.ID)
	i := slices.IndexFunc(got.Materials, func(x workflow.Material) bool { return x.Key == item })
	if mt := got.Materials[i]; !mt.Waived || mt.WaivedBy != testSupervisor.Name || mt.WaiverWhy != "贷款尚未结清，结清证明不适用" {
		t.Fatalf("the item is not waived by the supervisor with the reason: %+v", mt)
	}
	if slices.ContainsFunc(got.Missing(), func(n workflow.NoticeItem) bool { return n.Key == item }) {
		t.Fatal("a waived item still counts as missing")
	}
	evs, _ := st.Events(cs.ID)
	last := evs[len(evs)-1]
	if last.Kind != workflow.ActUpdateMaterial || last.Actor != testSupervisor.Name || len(last.Changes) != 1 ||
		last.Changes[0].New != "waived" || last.Action.Material.Note != "贷款尚未结清，结清证明不适用" {
		t.Fatalf("the history does not keep the waiver: %+v", last)
	}
	mustShow(t, s, "已确认免交："+name, "⊘ 免交", "免交/不适用（陈静 确认）：贷款尚未结清，结清证明不适用")
	press(s, "4")
	mustShow(t, s, name+": 未收到 → 免交", "免交理由：贷款尚未结清，结清证明不适用")

	// w on the waived item takes the waiver back.
	press(s, "2")
	selectMaterial(t, s, item)
	press(s, "w")
	if f := actionFormOf(s); f == nil || f.name != formUnwaive {
		t.Fatalf("w on a waived item did not offer to take the waiver back:\n%s", screen(s))
	}
	mustShow(t, s, "撤销材料免交", "此项由 陈静 确认免交")
	press(s, "ctrl+s")
	got = reload(t, st, cs.ID)
	if got.Materials[i].Waived || !slices.ContainsFunc(got.Missing(), func(n workflow.NoticeItem) bool { return n.Key == item }) {
		t.Fatalf("the waiver was not taken back: %+v", got.Materials[i])
	}
	mustShow(t, s, "已撤销免交："+name)

	// In English too.
	e := newTestModel(t, st, testSupervisor, "en", clk, 120, 40)
	openCase(e, cs.No)
	press(e, "2")
	selectMaterial(t, e, item)
	press(e, "w")
	mustShow(t, e, "Waive a checklist item", "Why it is not needed")
}

// TestWaiveDraftResumed: the waiver form keeps its draft like every form, and the next
// session resumes it over its case on the same item.
func TestWaiveDraftResumed(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	cs := lawCase(t, st)
	item := "settlement_certificate"
	if !slices.ContainsFunc(cs.Materials, func(x workflow.Material) bool { return x.Key == item }) {
		t.Fatalf("the case has no %s", item)
	}
	s := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	openCase(s, cs.No)
	press(s, "2")
	selectMaterial(t, s, item)
	press(s, "w")
	typeText(s, "贷款尚未结清")
	s.Close()

	s2 := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	mustShow(t, s2, "有未提交的草稿", "材料免交/不适用", cs.No)
	press(s2, "y")
	f := actionFormOf(s2)
	if f == nil || f.name != formWaive || f.val("item") != item || f.val("note") != "贷款尚未结清" || caseOf(s2) == nil {
		t.Fatalf("the waiver's draft was not resumed over its case:\n%s", screen(s2))
	}
	press(s2, "ctrl+s")
	if !slices.ContainsFunc(reload(t, st, cs.ID).Materials, func(x workflow.Material) bool { return x.Key == item && x.Waived }) {
		t.Fatal("the resumed waiver was not saved")
	}
	if len(st.Drafts(testSupervisor.Name)) != 0 {
		t.Fatal("the saved waiver's draft was kept")
	}
}

// TestSupersedeFindingOnFindingsTab: s on the findings tab opens the finding form set to
// replace the selected finding; the history keeps both, the tab greys and marks the
// superseded one, and a superseded finding cannot be superseded again.
func TestSupersedeFindingOnFindingsTab(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	cs := investigating(t, st, clk, lawCase(t, st))
	cs = lawApply(t, st, clk, testSpecialist, cs, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{
		Checked: "向工商银行核对还款记录", Contact: "bank", Method: "phone", Result: "confirmed_accurate"}})

	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(m, cs.No)
	press(m, "s") // on the summary tab: greyed, with the reason
	mustShow(t, m, "仅在核实页签可用（按 3）")
	press(m, "3")
	mustShow(t, m, "1. 确认无误", "s 以新结论取代所选一条")
	press(m, "s")
	f := actionFormOf(m)
	if f == nil || f.val("supersedes") != "1" {
		t.Fatalf("s did not open the finding form superseding no. 1:\n%s", screen(m))
	}
	mustShow(t, m, "取代第1条核实结论", "取代", "第1条 · 确认无误")
	focusField(t, m, f, "checked")
	typeText(m, "银行回函确认系统故障导致扣款失败")
	focusField(t, m, f, "result")
	for f.get("result").value() != "confirmed_wrong" {
		press(m, "right")
	}
	press(m, "ctrl+s")
	got := reload(t, st, cs.ID)
	if len(got.Findings) != 2 || got.Findings[0].SupersededBy != 2 || got.Findings[1].Supersedes != 1 ||
		got.Findings[1].Result != "confirmed_wrong" {
		t.Fatalf("the findings are not 1 superseded by 2: %+v", got.Findings)
	}
	if cur := got.CurrentFindings(); len(cur) != 1 || cur[0].Result != "confirmed_wrong" {
		t.Fatalf("current findings: %+v", cur)
	}
	evs, _ := st.Events(cs.ID)
	last := evs[len(evs)-1]
	if !slices.ContainsFunc(last.Changes, func(c workflow.Change) bool {
		return c.Field == "finding.superseded" && c.Old == "1" && c.New == "2"
	}) {
		t.Fatalf("the history does not say no. 1 was superseded by no. 2: %+v", last.Changes)
	}
	mustShow(t, m, "已被第2条取代", "2. 确属错误", "取代第1条")

	// The superseded one cannot be superseded again.
	press(m, "g") // the first finding
	press(m, "s")
	if actionFormOf(m) != nil {
		t.Fatal("the form opened to supersede a superseded finding")
	}
	mustShow(t, m, "第1条已被第2条取代；只能取代现行结论")
	press(m, "4")
	mustShow(t, m, "核实结论第1条由第2条取代")

	// A finding without a supersede is as before; the field offers the current ones only.
	chooseAction(t, m, workflow.ActAddFinding)
	if fd := actionFormOf(m).get("supersedes"); fd == nil || fd.value() != "" || len(fd.options) != 2 {
		t.Fatalf("the finding form's 取代 field should offer — and no. 2 only: %+v", fd)
	}
}

// TestNoticeOverrideInConsole: a later notice naming an item the first did not name (a
// requirement added by hand since) is greyed for the specialist with the engine's reason;
// the supervisor's form says why and asks the reason, kept with the notice.
func TestNoticeOverrideInConsole(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	cs := lawCase(t, st)
	cs = lawApply(t, st, clk, testSpecialist, cs, workflow.Action{Kind: workflow.ActRequestMaterials})
	cs = lawApply(t, st, clk, testSpecialist, cs, workflow.Action{Kind: workflow.ActMaterialsReceived})
	cs = lawApply(t, st, clk, testSpecialist, cs, workflow.Action{Kind: workflow.ActUpdateMaterial,
		Material: &workflow.MaterialUpdate{Key: "extra_statement", Label: "补充情况说明", Required: true}})

	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(m, cs.No)
	press(m, "a")
	i := slices.IndexFunc(menuOf(m).opts, func(o workflow.Option) bool { return o.Kind == workflow.ActRequestMaterials })
	if r := menuOf(m).opts[i].Refusal; r == nil || r.Code != "notice_new_items" {
		t.Fatalf("the specialist's menu offers the notice naming a new item: %+v", r)
	}
	mustShow(t, m, "一次性告知：“补充情况说明”未在此前的补正通知中列明")
	press(m, "esc")

	s := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	openCase(s, cs.No)
	chooseAction(t, s, workflow.ActRequestMaterials)
	mustShow(t, s, "“补充情况说明”未在此前的补正通知中列明", "再次告知理由（主管）")
	press(s, "ctrl+s")
	mustShow(t, s, "必填")
	if reload(t, st, cs.ID).Version != cs.Version {
		t.Fatal("the notice was sent without the supervisor's reason")
	}
	focusField(t, s, actionFormOf(s), "comment")
	typeText(s, "复核发现须补充情况说明，经主管同意再次告知")
	press(s, "ctrl+s") // the preview of the notice
	press(s, "y")      // issued as previewed
	got := reload(t, st, cs.ID)
	if len(got.Notices) != 2 || got.Notices[1].Round != 2 || got.Notices[1].Override != "复核发现须补充情况说明，经主管同意再次告知" ||
		got.Notices[1].OverrideBy != testSupervisor.Name {
		t.Fatalf("the second notice does not keep the override: %+v", got.Notices)
	}
}

// TestProposalOverrideInConsole: with a current 确认无误 finding the specialist's menu
// greys the proposal; the supervisor's form requires the reason, kept with the proposal.
func TestProposalOverrideInConsole(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	cs := investigating(t, st, clk, lawCase(t, st))
	for _, r := range []string{"confirmed_wrong", "confirmed_accurate"} {
		cs = lawApply(t, st, clk, testSpecialist, cs, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{
			Checked: "核对 " + r, Contact: "bank", Method: "phone", Result: r}})
	}
	m := newTestModel(t, st, testSpecialist, "en", clk, 120, 40)
	openCase(m, cs.No)
	press(m, "a")
	i := slices.IndexFunc(menuOf(m).opts, func(o workflow.Option) bool { return o.Kind == workflow.ActProposeRepair })
	if r := menuOf(m).opts[i].Refusal; r == nil || r.Code != "accurate_finding" {
		t.Fatalf("the specialist may propose over an accurate finding: %+v", r)
	}
	press(m, "esc")

	s := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	openCase(s, cs.No)
	chooseAction(t, s, workflow.ActProposeRepair)
	f := actionFormOf(s)
	mustShow(t, s, "仍提请理由（主管）", "只有审核主管可以提请修复")
	typeText(s, "银行系统故障导致逾期，建议更正")
	press(s, "ctrl+s")
	if !strings.Contains(screen(s), "必填") || reload(t, st, cs.ID).Proposal != nil {
		t.Fatalf("proposed without the override's reason:\n%s", screen(s))
	}
	focusField(t, s, f, "override")
	typeText(s, "确认无误一条系旧账户，已由第1条更正")
	press(s, "ctrl+s")
	got := reload(t, st, cs.ID)
	if got.Proposal == nil || got.Proposal.Override != "确认无误一条系旧账户，已由第1条更正" || got.Stage != workflow.StagePendingApproval {
		t.Fatalf("the proposal does not keep the override: %+v", got.Proposal)
	}
}
