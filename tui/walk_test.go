package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/workflow"
)

// openCase opens the case with this number through the ':' palette.
func openCase(m *Model, no string) {
	press(m, ":")
	typeText(m, "open "+no)
	press(m, "enter")
}

// chooseAction opens the action menu and picks the action with this label.
func chooseAction(t *testing.T, m *Model, kind workflow.ActionKind) {
	t.Helper()
	press(m, "a")
	if menuOf(m) == nil {
		t.Fatalf("action menu did not open:\n%s", screen(m))
	}
	for i := 0; i < len(menuOf(m).opts); i++ {
		if menuOf(m).opts[menuOf(m).sel].Kind == kind {
			if r := menuOf(m).opts[menuOf(m).sel].Refusal; r != nil {
				t.Fatalf("%s is refused: %s\n%s", kind, r.Message("zh"), screen(m))
			}
			press(m, "enter")
			return
		}
		if menuOf(m).sel < i || menuOf(m).sel == len(menuOf(m).opts)-1 {
			break
		}
		press(m, "down")
	}
	// Search from the top.
	for menuOf(m).sel > 0 {
		press(m, "up")
	}
	for i := 0; i < len(menuOf(m).opts); i++ {
		if menuOf(m).opts[menuOf(m).sel].Kind == kind {
			press(m, "enter")
			return
		}
		press(m, "down")
	}
	t.Fatalf("%s not in the menu", kind)
}

func currentCase(t *testing.T, m *Model) workflow.Case {
	t.Helper()
	if caseOf(m) == nil || !caseOf(m).loaded {
		t.Fatalf("no case open:\n%s", screen(m))
	}
	return caseOf(m).cs
}

// TestWalkEveryStage takes one case from intake to closure through the console alone,
// as a specialist and a supervisor in two sessions on one store, and a second case to a
// decline with reasons and avenues.
func TestWalkEveryStage(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	spec := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	sup := newTestModel(t, st, testSupervisor, "zh", clk, 120, 40)

	// Intake through the form.
	press(spec, "n")
	mustShow(t, spec, "新建受理")
	typeText(spec, "河南信修信用管理有限公司")
	press(spec, "tab")
	typeText(spec, "91110000600037341L")
	press(spec, "tab")
	typeText(spec, "张建国")
	press(spec, "tab", "tab")
	typeText(spec, "王桂英")
	press(spec, "tab")
	typeText(spec, "13812345678")
	press(spec, "tab")
	typeText(spec, "11010519491231002x")
	press(spec, "tab", "tab", "tab", "tab") // auth ref, source (pbc), type (overdue loan)
	typeText(spec, "中国工商银行郑州分行")
	press(spec, "tab")
	typeText(spec, "2025-03-01")
	press(spec, "tab")
	typeText(spec, "123,456")
	press(spec, "tab", "right", "right") // problem → non-malicious overdue
	press(spec, "ctrl+s")
	if intakeOf(spec) != nil {
		t.Fatalf("intake not saved:\n%s", screen(spec))
	}
	cs := currentCase(t, spec)
	if cs.No != "XF-2026-000001" || cs.Stage != workflow.StageFormalReview || cs.Agent.IDNumber != "11010519491231002X" {
		t.Fatalf("unexpected case: %+v", cs)
	}
	if cs.Records[0].Problem != "non_malicious_overdue" || cs.Records[0].AmountFen != 12345600 {
		t.Fatalf("record not as typed: %+v", cs.Records[0])
	}
	mustShow(t, spec, "XF-2026-000001", "修复申请书", "银行出具的非恶意逾期说明")

	// Materials: all received except the bank statement; the licence copy is invalid.
	for i, mat := range cs.Materials {
		switch mat.Key {
		case "nonmalicious_statement":
		case "business_license":
			press(spec, "x")
			typeText(spec, "复印件未加盖公章")
			press(spec, "enter")
		default:
			press(spec, "r")
		}
		if i < len(cs.Materials)-1 {
			press(spec, "down")
		}
	}
	cs = currentCase(t, spec)
	if miss := cs.Missing(); len(miss) != 2 {
		t.Fatalf("want 2 missing/invalid items, got %+v", miss)
	}
	// Accept is refused with the reason; the one-time notice lists both items.
	press(spec, "a")
	mustShow(t, spec, "材料未齐全合规", "营业执照副本", "银行出具的非恶意逾期说明")
	press(spec, "esc")
	chooseAction(t, spec, workflow.ActRequestMaterials)
	press(spec, "ctrl+s")
	// The notice is previewed first, word for word; y issues it.
	mustShow(t, spec, "文书预览", "征信修复申请材料补正通知书", "复印件未加盖公章。")
	if cs = currentCase(t, spec); len(cs.Notices) != 0 {
		t.Fatal("the notice was issued before it was confirmed")
	}
	press(spec, "y")
	cs = currentCase(t, spec)
	if cs.Stage != workflow.StageAwaitingMaterials || len(cs.Notices) != 1 || len(cs.Notices[0].Items) != 2 {
		t.Fatalf("notice not issued as expected: stage %s notices %+v", cs.Stage, cs.Notices)
	}
	press(spec, "5")
	mustShow(t, spec, "补正通知书", "复印件未加盖公章")
	press(spec, "1")
	// A second notice in the same round is not offered.
	press(spec, "a")
	mustShow(t, spec, "仅在形式审核阶段可用")
	press(spec, "esc")

	clk.t = clk.t.Add(72 * time.Hour)
	chooseAction(t, spec, workflow.ActMaterialsReceived)
	press(spec, "ctrl+s")
	cs = currentCase(t, spec)
	if cs.Stage != workflow.StageFormalReview || cs.Round != 2 {
		t.Fatalf("materials received: stage %s round %d", cs.Stage, cs.Round)
	}
	press(spec, "2")
	for i, mat := range cs.Materials {
		if !mat.OK() {
			for caseOf(spec).matSel < i {
				press(spec, "down")
			}
			for caseOf(spec).matSel > i {
				press(spec, "up")
			}
			press(spec, "r")
		}
	}
	chooseAction(t, spec, workflow.ActAccept)
	press(spec, "ctrl+s")
	if cs = currentCase(t, spec); cs.Stage != workflow.StageInvestigating {
		t.Fatalf("accept: stage %s\n%s", cs.Stage, screen(spec))
	}

	// Proposal is refused until there is a finding.
	press(spec, "a")
	mustShow(t, spec, "尚无核实记录")
	press(spec, "esc")
	addFinding := func(text string) {
		chooseAction(t, spec, workflow.ActAddFinding)
		typeText(spec, text)
		press(spec, "tab", "tab", "right", "tab", "tab") // contact bank, method → letter, result confirmed_wrong, evidence
		typeText(spec, "sha256:"+strings.Repeat("ab", 32))
		press(spec, "ctrl+s")
	}
	addFinding("与工商银行核对还款流水，确认系统故障导致扣款失败")
	propose := func() {
		chooseAction(t, spec, workflow.ActProposeRepair)
		typeText(spec, "确属非恶意逾期，建议向征信中心提交更正")
		press(spec, "ctrl+s")
	}
	propose()
	if cs = currentCase(t, spec); cs.Stage != workflow.StagePendingApproval {
		t.Fatalf("propose: stage %s\n%s", cs.Stage, screen(spec))
	}
	if f := cs.Findings[0]; f.Result != "confirmed_wrong" || f.Method != "letter" || f.Evidence != "sha256:"+strings.Repeat("ab", 32) {
		t.Fatalf("finding not as entered: %+v", f)
	}

	// The supervisor's review queue shows it (the change feed refreshes the queue).
	deliver(sup)
	press(sup, "3")
	mustShow(t, sup, "待审批 1", "XF-2026-000001")
	press(sup, "enter")
	chooseAction(t, sup, workflow.ActReturn)
	press(sup, "ctrl+s") // comment is required for a return
	mustShow(t, sup, "必填")
	typeText(sup, "请补充银行出具的书面说明")
	press(sup, "ctrl+s")
	if c := currentCase(t, sup); c.Stage != workflow.StageInvestigating || c.Returns != 1 {
		t.Fatalf("return: %s", c.Stage)
	}

	// The specialist's open view is stale: their next action gets the conflict message.
	chooseActionStale := func() {
		press(spec, "a")
	}
	chooseActionStale()
	press(spec, "esc")
	caseOf(spec).cs.Version-- // what a session that missed the change would hold
	caseOf(spec).cs.Stage = workflow.StagePendingApproval
	caseOf(spec).cs.Stage = workflow.StageInvestigating
	addFinding("取得银行书面情况说明")
	mustShow(t, spec, "已被陈静于")
	// Nothing was lost: the form is still open with the input; saving again now works.
	press(spec, "ctrl+s")
	if actionFormOf(spec) != nil {
		t.Fatalf("resubmission failed:\n%s", screen(spec))
	}
	propose()
	if cs = currentCase(t, spec); cs.Stage != workflow.StagePendingApproval || len(cs.Findings) != 2 {
		t.Fatalf("second proposal: %s, %d findings", cs.Stage, len(cs.Findings))
	}
	// The specialist cannot approve: the menu says why.
	press(spec, "a")
	mustShow(t, spec, "审批需由审核主管办理")
	press(spec, "esc")

	deliver(sup)
	mustShow(t, sup, "审批复核")
	chooseAction(t, sup, workflow.ActApprove)
	press(sup, "ctrl+s")
	if c := currentCase(t, sup); c.Stage != workflow.StageApproved {
		t.Fatalf("approve: %s\n%s", c.Stage, screen(sup))
	}

	openCase(spec, "XF-2026-000001")
	chooseAction(t, spec, workflow.ActSubmitCorrection)
	press(spec, "tab") // channel preselected from the record's source
	typeText(spec, "ZX2026031200017")
	press(spec, "ctrl+s")
	// Node I: the correction report to the credit centre and, for a non-malicious overdue,
	// the 情况说明 with it, previewed together.
	mustShow(t, spec, "文书预览", "征信信息异议申请函（修正报告）", "中国人民银行征信中心：")
	press(spec, "G")
	mustShow(t, spec, "以上情况经本机构核实，特此说明。")
	press(spec, "y")
	// The external body's own clock shows on the case: the PBOC's 20 days from the submission (条例 art. 25).
	mustShow(t, spec, "外部时限", "人民银行征信中心 · 20日")
	chooseAction(t, spec, workflow.ActRecordOutcome)
	press(spec, "ctrl+s")
	clk.t = clk.t.Add(24 * time.Hour)
	chooseAction(t, spec, workflow.ActNotifyApplicant)
	press(spec, "ctrl+s")
	mustShow(t, spec, "文书预览", "征信修复结果反馈函")
	press(spec, "y")
	cs = currentCase(t, spec)
	if cs.Stage != workflow.StageClosed || cs.Submission.Reference != "ZX2026031200017" || cs.Outcome.Result != "corrected" {
		t.Fatalf("not closed as expected: %+v", cs)
	}
	press(spec, "4")
	for _, want := range []string{"受理登记", "一次性告知补正", "补正材料已收到", "受理并转调查", "记录核实结果", "提请审批", "退回补充调查", "批准", "报送修正", "登记修正结果", "反馈企业", "请补充银行出具的书面说明", "核实结论: 确属错误", "审核轮次: 1 → 2", "一次性告知 2 项"} {
		if !strings.Contains(historyText(spec), want) {
			t.Errorf("history lacks %q:\n%s", want, historyText(spec))
		}
	}
	press(spec, "5")
	mustShow(t, spec, "收件回执")

	// A second case declined at formal review as a whitewash attempt.
	in := testIntake("郑州宏达商贸有限公司", "91512081MA62K0260E")
	c2, err := st.Create(testSpecialist, in, "")
	if err != nil {
		t.Fatal(err)
	}
	openCase(spec, c2.No)
	chooseAction(t, spec, workflow.ActDecline)
	press(spec, "right") // reason → whitewash
	press(spec, "tab")
	typeText(spec, "逾期真实发生，企业要求删除真实失信记录")
	press(spec, "ctrl+s")
	// The decline to the enterprise's face: a courteous risk warning, never 洗白.
	mustShow(t, spec, "文书预览", "不予修复说明", "风险警示")
	if strings.Contains(screen(spec), "洗白") {
		t.Errorf("the decline letter says 洗白:\n%s", screen(spec))
	}
	press(spec, "y")
	c2 = currentCase(t, spec)
	if c2.Stage != workflow.StageDeclined || c2.Decline.Reason != "whitewash" ||
		strings.Join(c2.Decline.Avenues, ",") != "institution_dispute,pbc_complaint,civil_suit" { // a PBOC record's own avenues (条例 arts. 25, 26), pre-ticked
		t.Fatalf("decline: %+v %+v", c2.Stage, c2.Decline)
	}
	press(spec, "5")
	mustShow(t, spec, "不予修复说明")
	if probs := st.Check(); len(probs) != 0 {
		t.Fatalf("store check after the walk: %v", probs)
	}
}

func historyText(m *Model) string {
	return strings.Join(caseOf(m).history(200), "\n")
}

// An administrative penalty inside its publicity period: intake says the earliest date,
// and formal review refuses acceptance with that date.
func TestPublicityPeriodShownAtIntake(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	for intakeOf(m).fields[intakeOf(m).focus].key != "type" {
		press(m, "tab")
	}
	press(m, "right") // admin_penalty
	press(m, "tab", "tab")
	typeText(m, "2026-01-10")
	press(m, "tab", "tab", "tab", "right") // tier → general (3 months)
	mustShow(t, m, "最早可于 2026-04-10 申请修复")

	in := testIntake("开封嘉禾印务有限公司", "91110000600037341L")
	in.Records = []workflow.Record{{Source: "creditchina", Type: "admin_penalty", Institution: "开封市生态环境局", Date: "2026-01-10", Problem: "corrected_dishonest", Tier: "general"}}
	cs, err := st.Create(testSpecialist, in, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, mat := range cs.Materials {
		if cs, err = st.Apply(cs.ID, cs.Version, testSpecialist, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: mat.Key, Received: true, Valid: true}}); err != nil {
			t.Fatal(err)
		}
	}
	press(m, "esc")
	press(m, "y")
	openCase(m, cs.No)
	press(m, "a")
	mustShow(t, m, "最早可于2026-04-10申请修复")
}

func TestExportLetterWithOneKey(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	dir := t.TempDir()
	m := New(Options{Store: st, Me: testSpecialist, Lang: "zh", Renderer: asciiRenderer(), Now: clk.now, ExportDir: dir})
	m.manualFeed = true
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	cs, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	openCase(m, cs.No)
	press(m, "5", "e")
	mustShow(t, m, "已导出")
	html, err := os.ReadFile(filepath.Join(dir, cs.No+"-receipt.html"))
	if err != nil {
		t.Fatal(err)
	}
	txt, err := os.ReadFile(filepath.Join(dir, cs.No+"-receipt.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"河南信修信用管理有限公司", cs.No, "1101**********002X"} {
		if !strings.Contains(string(html), want) || !strings.Contains(string(txt), want) {
			t.Errorf("exported letter lacks %q", want)
		}
	}
	if strings.Contains(string(txt), "11010519491231002X") {
		t.Error("the exported letter shows the whole ID number")
	}
}

// The client filing lists every case of the enterprise and flags an earlier declined
// whitewash attempt.
func TestClientFilingFlagsWhitewash(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	first, err := st.Create(testSpecialist, testIntake("郑州宏达商贸有限公司", "91512081MA62K0260E"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(first.ID, first.Version, testSpecialist, workflow.Action{Kind: workflow.ActDecline, Decline: &workflow.Decline{
		Reason: "whitewash", Explanation: "逾期真实发生", Avenues: []string{"pbc_complaint"}}}); err != nil {
		t.Fatal(err)
	}
	second, err := st.Create(testSpecialist, testIntake("郑州宏达商贸有限公司", "91512081MA62K0260E"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(m, second.No)
	mustShow(t, m, "曾有洗白申请被驳回", "该企业共有 2 件案件")
	press(m, "f")
	mustShow(t, m, "客户备案", first.No, second.No, "不予修复")
	press(m, "down", "enter")
	if c := currentCase(t, m); c.ID != first.ID {
		t.Fatalf("opened %s, want %s", c.No, first.No)
	}
}

// Marked cases: a supervisor reassigns them (one event each) and anyone exports them.
func TestMarkedCasesReassignAndExport(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	for _, n := range []string{"甲公司", "乙公司", "丙公司"} {
		if _, err := st.Create(testSpecialist, testIntake("郑州"+n, "91110000600037341L"), ""); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	m := New(Options{Store: st, Me: testSupervisor, Lang: "zh", Renderer: asciiRenderer(), Now: clk.now, ExportDir: dir})
	m.manualFeed = true
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press(m, "2", "space", "space") // mark the two newest
	mustShow(t, m, "已选 2 件")
	press(m, "e")
	mustShow(t, m, "已导出")
	files, _ := filepath.Glob(filepath.Join(dir, "cases-*.csv"))
	if len(files) != 1 {
		t.Fatalf("export files: %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.HasPrefix(string(b), "\ufeff") || !strings.Contains(string(b), "郑州丙公司") || !strings.Contains(string(b), "郑州乙公司") || strings.Contains(string(b), "郑州甲公司") {
		t.Fatalf("export content:\n%s", b)
	}
	press(m, ":")
	typeText(m, "reassign lijun")
	press(m, "enter")
	mustShow(t, m, "将 2 件案件改派给 李军？(y/n)")
	press(m, "y")
	n := 0
	for _, sm := range st.Snapshot().List() {
		if sm.Owner == "lijun" {
			n++
			evs, _ := st.Events(sm.ID)
			if last := evs[len(evs)-1]; last.Kind != workflow.ActReassign || last.Actor != testSupervisor.Name {
				t.Errorf("%s: last event %s by %s", sm.No, last.Kind, last.Actor)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d cases reassigned, want 2", n)
	}
	mustShow(t, m, "改派完成 2 件")
	// Again with all three: the two already 李军's are refused, and the status says how
	// many went through and why the others did not (not just the last answer).
	press(m, "g", "space", "space", "space")
	mustShow(t, m, "已选 3 件")
	press(m, ":")
	typeText(m, "reassign lijun")
	press(m, "enter", "y")
	mustShow(t, m, "改派完成 1 件，2 件未办理——XF-2026-000002：")
	// A specialist cannot reassign: the engine refuses, the status says why.
	spec := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(spec, "2")
	press(spec, ":")
	typeText(spec, "reassign lijun")
	press(spec, "enter")
	mustShow(t, spec, "改派需由审核主管办理")
}

// A session left alone locks its screen; no key but the person's PIN resumes it, and
// the keys pressed at the lock do nothing behind it.
func TestIdleLock(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if err := st.SetPIN(testSpecialist.Name, "2468"); err != nil {
		t.Fatal(err)
	}
	m := newLockModel(t, st, testSpecialist, "zh", clk)
	enterPIN(m, "2468") // the PIN at login
	mustShow(t, m, "我的案件")
	clk.t = clk.t.Add(14 * time.Minute)
	m.Update(tickMsg(clk.t))
	if pinOf(m) != nil {
		t.Fatal("locked before the idle time")
	}
	clk.t = clk.t.Add(2 * time.Minute)
	m.Update(tickMsg(clk.t))
	mustShow(t, m, "屏幕已锁定", "输入您的 PIN")
	if strings.Contains(screen(m), "我的案件") {
		t.Fatal("the locked screen still shows the queue")
	}
	press(m, "n", "esc", "enter", "space", "j", "down", ":", "tab") // none of them unlocks
	if pinOf(m) == nil || intakeOf(m) != nil || m.cmd != nil {
		t.Fatalf("after arbitrary keys: locked=%v intake=%v palette=%v", pinOf(m) != nil, intakeOf(m) != nil, m.cmd != nil)
	}
	mustShow(t, m, "屏幕已锁定")
	if strings.Contains(screen(m), "我的案件") {
		t.Fatal("arbitrary keys uncovered the queue")
	}
	enterPIN(m, "1357")
	mustShow(t, m, "屏幕已锁定", "PIN 错误，还可再试 4 次")
	enterPIN(m, "2468")
	if pinOf(m) != nil || intakeOf(m) != nil {
		t.Fatalf("after the right PIN: locked=%v intake=%v", pinOf(m) != nil, intakeOf(m) != nil)
	}
	mustShow(t, m, "我的案件")
}

// Without the key file the console opens read-only, shows personal fields as locked and
// says why; an action is refused with the same explanation.
func TestConsoleWithoutKeyFile(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	dir := t.TempDir()
	path := filepath.Join(dir, "k.db")
	st, err := store.Open(path, store.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	st.PutStaff(workflow.Staff{}, testSpecialist)
	cs, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := os.Remove(path + ".key"); err != nil {
		t.Fatal(err)
	}
	st, err = store.Open(path, store.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := New(Options{Store: st, Me: testSpecialist, Lang: "zh", Renderer: asciiRenderer(), Now: clk.now})
	m.manualFeed = true
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 40})
	mustShow(t, m, "缺少密钥文件")
	openCase(m, cs.No)
	mustShow(t, m, store.Locked)
	if strings.Contains(screen(m), "138****5678") {
		t.Fatal("a locked phone was shown")
	}
	press(m, "2", "r")
	if c := currentCase(t, m); c.Version != cs.Version {
		t.Fatal("a write went through without the key")
	}
	mustShow(t, m, "缺少密钥文件")
}

// Typing a whole ID number key by key finds the case (the earlier keystrokes narrowed to
// other matches, which must not hide it).
func TestSearchByWholeIDNumberInConsole(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "/")
	typeText(m, "11010519491231002x")
	mustShow(t, m, "1 条结果", cs.No)
	if strings.Contains(screen(m), "11010519491231002") {
		t.Fatal("the typed ID number is echoed on screen")
	}
}

// A further contested record joins the case at formal review through the action menu; the
// checklist grows with what the new record type needs.
func TestAddRecordInConsole(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(m, cs.No)
	chooseAction(t, m, workflow.ActAddRecord)
	press(m, "right", "tab", "right", "right", "tab") // source → 百行征信, type → guarantee
	typeText(m, "郑州银行")
	press(m, "tab")
	typeText(m, "2025-06-01")
	press(m, "ctrl+s")
	c := currentCase(t, m)
	if len(c.Records) != 2 || c.Records[1].Type != "guarantee" || c.Records[1].Source != "baihang" {
		t.Fatalf("records: %+v\n%s", c.Records, screen(m))
	}
	press(m, "2")
	mustShow(t, m, "担保责任解除证明")
	press(m, "1")
	mustShow(t, m, "百行征信 · 对外担保 · 郑州银行 · 2025-06-01")
	if probs := st.Check(); len(probs) != 0 {
		t.Fatalf("check: %v", probs)
	}
}

// A case becomes overdue as time passes, with nobody acting: the due tab and its count
// follow within a minute.
func TestDueTabFollowsTheClock(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)} // a Monday
	st := newTestStore(t, clk)
	if _, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), ""); err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	mustShow(t, m, "即将到期·已超期 0")
	clk.t = time.Date(2026, 3, 10, 10, 0, 0, 0, workflow.ChinaTZ) // formal review's 5 working days are past
	m.Update(tickMsg(clk.t))
	mustShow(t, m, "即将到期·已超期 1 · 1 逾期") // said in words, not by colour alone
}
