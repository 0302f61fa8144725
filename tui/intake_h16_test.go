package tui

import (
	"strings"
	"testing"

	"repairdesk/workflow"
)

// Intake warns when the enterprise already has an open case on the same record (same
// source, type, institution and date), and saves only with a reason, which the case keeps
// and shows; a different record of the same enterprise is not a duplicate.
func TestIntakeWarnsOfDuplicateAndNeedsReason(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	first, err := st.Create(testSpecialist2, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	f := intakeOf(m)
	// The same enterprise, another record: no warning.
	fillIntakeRecord(t, m, "中国工商银行郑州分行", "2024-12-01")
	if strings.Contains(f.info, "⚠ 该企业就同一记录") || f.shown(f.get("dup_reason")) {
		t.Fatalf("another record counted as the same:\n%s", screen(m))
	}
	// The same record (the date typed differently spaced is the same date).
	focusField(t, m, f, "date")
	for range 10 {
		press(m, "backspace")
	}
	typeText(m, "2025-03-01")
	mustShow(t, m, "该企业就同一记录（来源、类型、机构、日期相同）已有在办案件 "+first.No, "继续受理理由")
	press(m, "ctrl+s")
	if intakeOf(m) == nil || st.Snapshot().Len() != 1 {
		t.Fatalf("saved without a reason:\n%s", screen(m))
	}
	focusField(t, m, f, "dup_reason")
	typeText(m, "前案经办人已离职，企业另行委托")
	press(m, "ctrl+s")
	if intakeOf(m) != nil {
		t.Fatalf("not saved with a reason:\n%s", screen(m))
	}
	cs := currentCase(t, m)
	if cs.Duplicate == nil || cs.Duplicate.Reason != "前案经办人已离职，企业另行委托" || cs.Duplicate.Of[0] != first.No {
		t.Fatalf("duplicate not kept: %+v", cs.Duplicate)
	}
	press(m, "1")
	mustShow(t, m, "受理时该企业就同一记录已有在办案件 "+first.No, "继续受理理由：前案经办人已离职")
	evs, err := st.Events(cs.ID)
	if err != nil || evs[0].Action.Intake.Duplicate == nil || evs[0].Action.Intake.Duplicate.Reason == "" {
		t.Fatalf("the reason is not in the case history: %v", err)
	}
	press(m, "4")
	mustShow(t, m, "受理登记", "继续受理理由：前案经办人已离职，企业另行委托")
}

// fillIntakeRecord fills the intake with the test enterprise and a loan record of the
// institution on date.
func fillIntakeRecord(t *testing.T, m *Model, institution, date string) {
	t.Helper()
	for _, kv := range [][2]string{{"name", "郑州华信商贸有限公司"}, {"credit_code", "91110000600037341L"}, {"legal_rep", "张建国"},
		{"agent", "王桂英"}, {"phone", "13812345678"}, {"id_number", "11010519491231002X"},
		{"institution", institution}, {"date", date}} {
		focusField(t, m, intakeOf(m), kv[0])
		if intakeOf(m).get(kv[0]).value() == "" {
			typeText(m, kv[1])
		}
	}
}

// The ticks for the originals seen become who and when on the case (taken from the save,
// not typed), shown on the summary; the first responsible person stays after a
// reassignment.
func TestIntakeRecordsOriginalsSeenAndFirstResponsible(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 60)
	press(m, "n")
	fillIntake(t, m)
	focusField(t, m, intakeOf(m), "seen")
	press(m, "space", "right", "space")
	press(m, "ctrl+s")
	cs := currentCase(t, m)
	if s := cs.Seen; s == nil || !s.AgentID || !s.AuthLetter || s.By != "wangfang" || s.At.IsZero() {
		t.Fatalf("seen = %+v", s)
	}
	press(m, "1")
	mustShow(t, m, "原件查验", "经办人身份证原件；授权委托书原件 · 王芳", "首问负责人", "王芳")

	if _, err := st.Apply(cs.ID, cs.Version, testSupervisor, workflow.Action{Kind: workflow.ActReassign, Assignee: "lijun"}); err != nil {
		t.Fatal(err)
	}
	deliver(m)
	m2 := newTestModel(t, st, testSupervisor, "zh", clk, 120, 60)
	openCase(m2, cs.No)
	mustShow(t, m2, "李军", "首问负责人")
	if !strings.Contains(lineWith(screen(m2), "首问负责人"), "王芳") {
		t.Fatalf("the first responsible changed with the owner:\n%s", screen(m2))
	}
	// Nothing ticked: the summary says the originals were not recorded as seen.
	in := testIntake("洛阳宏达科技有限公司", "91512081MA62K0260E")
	c2, err := st.Create(testSpecialist, in, "")
	if err != nil {
		t.Fatal(err)
	}
	openCase(m2, c2.No)
	mustShow(t, m2, "受理时未登记查验原件")
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
