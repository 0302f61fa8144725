package tui

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// toReview takes a new case of the specialist's to pending approval.
func toReview(t *testing.T, st *store.Store, name string) workflow.Case {
	t.Helper()
	cs, err := st.Create(testSpecialist, testIntake(name, "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cs.Materials {
		if cs, err = st.Apply(cs.ID, cs.Version, testSpecialist, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []workflow.Action{
		{Kind: workflow.ActAccept},
		{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{Checked: "核对还款流水", Contact: "bank", Method: "letter", Result: "confirmed_wrong"}},
		{Kind: workflow.ActProposeRepair, Proposal: &workflow.Proposal{Conclusion: "确属错误"}},
	} {
		if cs, err = st.Apply(cs.ID, cs.Version, testSpecialist, a); err != nil {
			t.Fatal(err)
		}
	}
	return cs
}

func footLine(m *Model) string {
	lines := strings.Split(screen(m), "\n")
	return lines[len(lines)-1]
}

// Every screen a session can reach, with the model showing it.
func everyScreen(t *testing.T, lang string, w, h int) map[string]*Model {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	admin := workflow.Staff{Name: "boss", Display: "刘主任", Role: workflow.RoleAdmin, Active: true}
	if err := st.PutStaff(workflow.Staff{}, admin); err != nil {
		t.Fatal(err)
	}
	cs := toReview(t, st, "河南信修信用管理有限公司")
	if _, _, err := st.AttachFile(testSpecialist, cs.No, "营业执照.pdf", []byte("%PDF-1.4 licence"), 0); err != nil {
		t.Fatal(err)
	}
	out := map[string]*Model{}
	open := func(name string, me workflow.Staff, keys ...string) {
		m := newTestModel(t, st, me, lang, clk, w, h)
		openCase(m, cs.No)
		press(m, keys...)
		out[name] = m
	}
	out["queue"] = newTestModel(t, st, testSpecialist, lang, clk, w, h)
	open("case", testSpecialist)
	open("materials", testSpecialist, "2")
	open("tie-pick", testSpecialist, "2", "t")
	open("letters", testSpecialist, "5")
	open("filing", testSpecialist, "f")
	open("actions", testSupervisor, "a")
	open("action-form", testSupervisor, "a", "enter")
	m := newTestModel(t, st, testSpecialist, lang, clk, w, h)
	press(m, "n")
	out["intake"] = m
	m = newTestModel(t, st, admin, lang, clk, w, h)
	press(m, ":")
	typeText(m, "staff")
	press(m, "enter")
	out["staff"] = m
	m = newTestModel(t, st, testSupervisor, lang, clk, w, h)
	press(m, "d")
	out["dashboard"] = m
	m = newTestModel(t, st, admin, lang, clk, w, h)
	press(m, ":")
	typeText(m, "audit")
	press(m, "enter")
	out["audit"] = m
	open("prompt", testSupervisor, "v")
	m = newTestModel(t, st, admin, lang, clk, w, h)
	press(m, ":")
	typeText(m, "agency")
	press(m, "enter")
	out["agency"] = m
	// The preview of a one-time notice on a case at formal review.
	fresh, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	m = newTestModel(t, st, testSpecialist, lang, clk, w, h)
	openCase(m, fresh.No)
	press(m, "a", "down", "down", "enter", "ctrl+s")
	if _, ok := find[*previewScreen](m); !ok {
		t.Fatalf("no preview:\n%s", screen(m))
	}
	out["preview"] = m
	m = newTestModel(t, st, testSpecialist, lang, clk, w, h)
	press(m, "?")
	out["help"] = m
	return out
}

// No binding shadows another on the same screen: every key does one thing.
func TestBindingsNeverCollide(t *testing.T) {
	for name, m := range everyScreen(t, "zh", 120, 40) {
		seen := map[string]string{}
		for _, b := range m.bindings() {
			for _, k := range b.Keys() {
				if other, dup := seen[k]; dup {
					t.Errorf("%s: key %q is both %q and %q", name, k, other, b.Help().Desc)
				}
				seen[k] = b.Help().Desc
			}
		}
	}
}

// At 80 cells and more, every screen's footer keeps its help and its way out.
func TestFooterKeepsHelpAndWayOut(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		for _, w := range []int{80, 100, 120} {
			for name, m := range everyScreen(t, lang, w, 30) {
				m.setStatus("", false)
				foot := footLine(m)
				for _, b := range m.bindings() {
					if b.Main && b.reason() == "" && !strings.Contains(foot, b.Help().Key+" "+b.Help().Desc) {
						t.Errorf("%s %s at %d: footer lost %q: %q", lang, name, w, b.Help().Key, foot)
					}
				}
				if name != "prompt" && name != "intake" && name != "action-form" && !strings.Contains(foot, "?") && !strings.Contains(foot, "f1 ") {
					t.Errorf("%s %s at %d: no ? in the footer: %q", lang, name, w, foot)
				}
				if !strings.Contains(foot, "esc") && !strings.Contains(foot, "q ") {
					t.Errorf("%s %s at %d: no way out in the footer: %q", lang, name, w, foot)
				}
			}
		}
	}
}

// Every key a screen answers to is in a binding: no key literal is compared in a handler
// (the form keeps its own keys, wrapped by formScreen).
func TestNoKeyLiteralsOutsideBindings(t *testing.T) {
	re := regexp.MustCompile(`\b(km|msg|k)\.String\(\)`)
	files, _ := os.ReadDir(".")
	checked := 0
	for _, f := range files {
		n := f.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || n == "form.go" {
			continue
		}
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for i, line := range strings.Split(string(src), "\n") {
			if re.MatchString(line) {
				t.Errorf("%s:%d compares a key outside a binding: %s", n, i+1, strings.TrimSpace(line))
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d sources checked", checked)
	}
}

// ? works on the staff screen and lists its keys; k is up there, a adds a key.
func TestStaffHelp(t *testing.T) {
	m := everyScreen(t, "zh", 120, 40)["staff"]
	press(m, "?")
	mustShow(t, m, "帮助", "添加公钥", "重置 PIN", "停用/启用")
	press(m, "esc")
	mustShow(t, m, "人员与公钥")
}

// The filing offers its own keys, not the case's.
func TestFilingOffersItsOwnKeys(t *testing.T) {
	m := everyScreen(t, "zh", 120, 40)["filing"]
	foot := footLine(m)
	for _, k := range []string{"a 办理", "v 显示证件号", "e 导出"} {
		if strings.Contains(foot, k) {
			t.Errorf("the filing offers %q: %q", k, foot)
		}
	}
	mustShow(t, m, "客户备案", "enter 打开")
}

// An empty reason says so on the prompt; esc leaves it and the keys are keys again.
func TestEmptyReasonIsTold(t *testing.T) {
	m := everyScreen(t, "zh", 120, 40)["prompt"]
	press(m, "enter")
	mustShow(t, m, "请填写原因后按 enter；esc 取消")
	press(m, "esc")
	if _, ok := m.top().(*caseView); !ok {
		t.Fatalf("esc did not close the prompt:\n%s", screen(m))
	}
	press(m, "2")
	if caseOf(m).tab != ctMaterials {
		t.Fatal("after the prompt, keys are not keys")
	}
}

// The dashboard is greyed with the reason for a specialist, in the help, and not
// offered in the footer; pressed, it says why.
func TestDashboardGreyedForSpecialist(t *testing.T) {
	m := everyScreen(t, "zh", 120, 40)["queue"]
	if strings.Contains(footLine(m), "d 统计看板") {
		t.Fatalf("d offered to a specialist: %q", footLine(m))
	}
	press(m, "?")
	mustShow(t, m, "统计看板 — "+T("zh", "dash.denied"))
	press(m, "esc", "d")
	mustShow(t, m, T("zh", "dash.denied"))
}

// The case's help lists the tab keys and the letter keys, greyed off their tab.
func TestCaseHelpListsEveryKey(t *testing.T) {
	m := everyScreen(t, "zh", 120, 40)["case"]
	press(m, "?")
	mustShow(t, m, "1-5", "切换页签", "[ ", "] ", "上一份文书 — 仅在文书页签可用", "收到合规 — 仅在材料页签可用")
}

// g and G move the selection on the materials tab.
func TestMaterialsTopBottom(t *testing.T) {
	m := everyScreen(t, "zh", 120, 40)["materials"]
	v := caseOf(m)
	press(m, "G")
	if v.matSel != len(v.cs.Materials)-1 || v.matSel == 0 {
		t.Fatalf("G: selection %d of %d", v.matSel, len(v.cs.Materials))
	}
	press(m, "g")
	if v.matSel != 0 {
		t.Fatalf("g: selection %d", v.matSel)
	}
}

// A supervisor starts on the review queue; everyone's lists are by due date.
func TestWhereEachOneLands(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	a := toReview(t, st, "甲公司")
	clk.t = clk.t.Add(72 * time.Hour)
	b := toReview(t, st, "乙公司")
	sup := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	if sup.q.tab != tabReview {
		t.Fatalf("supervisor starts on tab %d", sup.q.tab)
	}
	spec := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	if spec.q.tab != tabMine {
		t.Fatalf("specialist starts on tab %d", spec.q.tab)
	}
	for _, m := range []*Model{sup, spec} {
		rows := m.q.visible(m.q.tab)
		if len(rows) != 2 || rows[0].ID != a.ID || rows[1].ID != b.ID {
			t.Fatalf("not by due date (earliest first): %v", rows)
		}
	}
}

// When someone else acts on my case I am told who did what, and my tab counts it until
// I open it. The return's reason is on the summary.
func TestOthersActionsOnMyCase(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs := toReview(t, st, "河南信修信用管理有限公司")
	spec := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	if _, err := st.Apply(cs.ID, cs.Version, testSupervisor, workflow.Action{Kind: workflow.ActReturn, Comment: "缺少银行出具的情况说明"}); err != nil {
		t.Fatal(err)
	}
	deliver(spec)
	mustShow(t, spec, "陈静 退回", cs.No, "我的案件 1 · 1 新")
	press(spec, "enter")
	mustShow(t, spec, "退回原因", "缺少银行出具的情况说明")
	press(spec, "esc")
	if strings.Contains(screen(spec), "1 新") {
		t.Fatalf("opened, still counted:\n%s", screen(spec))
	}
}

// Reassigning one marked case asks first, as reassigning two does.
func TestReassignOneMarkedIsConfirmed(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs := toReview(t, st, "河南信修信用管理有限公司")
	m := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)
	press(m, "space", ":")
	typeText(m, "reassign lijun")
	press(m, "enter")
	mustShow(t, m, "将 1 件案件改派给 李军")
	press(m, "n")
	if got, _ := st.Case(cs.ID); got.Owner != testSpecialist.Name {
		t.Fatalf("reassigned without a yes: %s", got.Owner)
	}
}

// :sla alone shows the rules to anyone.
func TestSLAReadableByAll(t *testing.T) {
	m := everyScreen(t, "zh", 120, 40)["queue"]
	press(m, ":")
	typeText(m, "sla")
	press(m, "enter")
	if strings.Contains(screen(m), T("zh", "sla.denied")) {
		t.Fatal("a specialist told off for looking at the rules")
	}
	mustShow(t, m, "调查核实 10")
}

// The English text has no full-width colon where a prompt is built from parts.
func TestRevealPromptEnglishColon(t *testing.T) {
	sup := everyScreen(t, "en", 120, 40)["prompt"]
	mustShow(t, sup, "Reason for viewing: ")
	if strings.Contains(screen(sup), "：") {
		t.Fatalf("full-width colon in English:\n%s", screen(sup))
	}
}
