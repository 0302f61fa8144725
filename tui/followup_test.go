package tui

import (
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// toClosed takes a case from intake to closed through the store.
func toClosed(t *testing.T, st *store.Store, name string) workflow.Case {
	t.Helper()
	cs := toReview(t, st, name)
	var err error
	for _, x := range []struct {
		who workflow.Staff
		a   workflow.Action
	}{
		{testSupervisor, workflow.Action{Kind: workflow.ActApprove}},
		{testSpecialist, workflow.Action{Kind: workflow.ActSubmitCorrection, Submission: &workflow.Submission{Channel: "pbc_dispute", Reference: "YY-1"}}},
		{testSpecialist, workflow.Action{Kind: workflow.ActRecordOutcome, Outcome: &workflow.Outcome{Result: "corrected"}}},
		{testSpecialist, workflow.Action{Kind: workflow.ActNotifyApplicant, Notification: &workflow.Notification{Channel: "phone", Date: "2026-03-02"}}},
	} {
		if cs, err = st.Apply(cs.ID, cs.Version, x.who, x.a); err != nil {
			t.Fatal(err)
		}
	}
	return cs
}

// A closed case waits in the follow-up queue (6) with its due day; the call is recorded
// from the case's action menu, and the case leaves the queue.
func TestFollowUpQueueAndRecording(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)} // Monday
	st := newTestStore(t, clk)
	cs := toClosed(t, st, "河南信修信用管理有限公司")
	toReview(t, st, "洛阳宏达科技有限公司") // an open case: not in the follow-up queue
	clk.t = time.Date(2026, 3, 4, 9, 0, 0, 0, workflow.ChinaTZ)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 60)
	mustShow(t, m, "待回访 1")
	press(m, "6")
	if m.q.tab != tabFollowUp {
		t.Fatalf("6 did not open the follow-up queue:\n%s", screen(m))
	}
	// Closed Monday 2 March; five working days later is Monday 9 March: 3 working days left on the 4th.
	mustShow(t, m, cs.No, "03-09 余3工作日")
	if strings.Contains(screen(m), "洛阳宏达") {
		t.Fatalf("an open case is in the follow-up queue:\n%s", screen(m))
	}
	press(m, "enter")
	mustShow(t, m, "待回访，应于 2026-03-09 前完成")
	chooseAction(t, m, workflow.ActFollowUp)
	f := actionFormOf(m)
	if f == nil || f.val("satisfaction") != "" {
		t.Fatalf("the follow-up form preselects an answer:\n%s", screen(m))
	}
	press(m, "ctrl+s") // no answer: told, not saved
	if actionFormOf(m) == nil {
		t.Fatal("saved without a satisfaction")
	}
	press(m, "right", "right") // — → 满意 → 基本满意
	press(m, "tab")
	typeText(m, "企业已自行查询到更正后的报告")
	focusField(t, m, f, "thanks")
	press(m, "right", "space") // 锦旗
	press(m, "ctrl+s")
	if actionFormOf(m) != nil {
		t.Fatalf("not saved:\n%s", screen(m))
	}
	got, _ := st.Case(cs.ID)
	fu := got.FollowUp
	if fu == nil || fu.Satisfaction != "basically_satisfied" || fu.Comment != "企业已自行查询到更正后的报告" || len(fu.Thanks) != 1 || fu.Thanks[0].Kind != "banner" || fu.By != "wangfang" {
		t.Fatalf("follow-up = %+v", fu)
	}
	press(m, "1")
	mustShow(t, m, "满意度", "基本满意 · 王芳 2026-03-04", "锦旗 2026-03-04")
	press(m, "4")
	mustShow(t, m, "回访登记", "满意度: 基本满意", "收到感谢信/锦旗: + 锦旗")
	press(m, "1")
	deliver(m)
	press(m, "esc")
	mustShow(t, m, "待回访 0")

	// Later a thank-you letter arrives: the form asks only for it.
	openCase(m, cs.No)
	chooseAction(t, m, workflow.ActFollowUp)
	f = actionFormOf(m)
	if f.get("satisfaction") != nil {
		t.Fatal("the satisfaction is asked again")
	}
	mustShow(t, m, "已于 2026-03-04 回访（基本满意）")
	press(m, "space", "ctrl+s") // 感谢信
	if got, _ := st.Case(cs.ID); got.ThanksCount() != 2 {
		t.Fatalf("thanks = %d, want 2", got.ThanksCount())
	}
}

// The follow-up queue's due day follows the office's setting.
func TestFollowUpQueueFollowsSetting(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs := toClosed(t, st, "河南信修信用管理有限公司")
	admin := workflow.Staff{Name: "boss", Display: "刘主任", Role: workflow.RoleAdmin, Active: true}
	if err := st.PutStaff(workflow.Staff{}, admin); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateSettings(admin, func(s *store.Settings) error { s.SLA.FollowUp = workflow.Limit{Days: 1}; return nil }); err != nil {
		t.Fatal(err)
	}
	clk.t = time.Date(2026, 3, 5, 9, 0, 0, 0, workflow.ChinaTZ)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "6")
	mustShow(t, m, cs.No, "03-03 超2工作日")
}
