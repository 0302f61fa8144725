package tui

import (
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// tabTo moves the form's focus to the field key with tab.
func tabTo(t *testing.T, m *Model, f *form, key string) {
	t.Helper()
	for range len(f.fields) {
		if f.fields[f.focus].key == key {
			return
		}
		press(m, "tab")
	}
	t.Fatalf("no field %s in the form", key)
}

// The client file is edited in a form (e on the filing): bad input is told and nothing is
// saved; saved, the filing shows the new values with personal ones masked and a history
// line saying who changed what; the form never shows a personal value whole.
func TestClientFileFormEditsByKeys(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("郑州宏达商贸有限公司", "91512081MA62K0260E"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(m, cs.No)
	press(m, "f")
	mustShow(t, m, "客户备案", "注册资本", "联系手机", "在档证照", "e 编辑备案")
	press(m, "e")
	f := formOf(m, "filing")
	if f == nil {
		t.Fatalf("e did not open the filing form:\n%s", screen(m))
	}
	if f.val("name") != "郑州宏达商贸有限公司" || f.val("legal_rep") != "张建国" {
		t.Fatalf("the form does not start from the filing: %q %q", f.val("name"), f.val("legal_rep"))
	}
	tabTo(t, m, f, "registered_capital")
	typeText(m, "500万元人民币")
	tabTo(t, m, f, "mobile")
	typeText(m, "13987654321")
	tabTo(t, m, f, "email")
	typeText(m, "finance-at-example")
	press(m, "ctrl+s")
	mustShow(t, m, "电子邮箱格式不对")
	if fl, _ := st.Filing(cs.Enterprise.CreditCode); fl.Version != 0 {
		t.Fatalf("an invalid form was saved: %+v", fl)
	}
	for range len("finance-at-example") {
		press(m, "backspace")
	}
	typeText(m, "finance@hongda.example.cn")
	tabTo(t, m, f, "credit_notes")
	typeText(m, "2025年逾期一笔，已结清")
	press(m, "ctrl+s")
	if formOf(m, "filing") != nil {
		t.Fatalf("the form stayed open:\n%s", screen(m))
	}
	mustShow(t, m, "客户备案已保存", "500万元人民币", "139****4321", "f***@hongda.example.cn", "2025年逾期一笔，已结清",
		"修改记录（1 次）", "王芳", "注册资本：— → 500万元人民币", "联系手机已修改")
	if s := screen(m); strings.Contains(s, "13987654321") || strings.Contains(s, "finance@") {
		t.Fatalf("the filing shows personal data whole:\n%s", s)
	}
	fl, _ := st.Filing(cs.Enterprise.CreditCode)
	if fl.Version != 1 || fl.Details.Mobile != "13987654321" || fl.Details.Email != "finance@hongda.example.cn" {
		t.Fatalf("stored: %+v", fl)
	}
	// Edited again: the personal fields start empty with the masked value as the hint, and
	// left empty they keep it.
	press(m, "e")
	f = formOf(m, "filing")
	if f.val("mobile") != "" || !strings.Contains(f.get("mobile").input.Placeholder, "139****4321") {
		t.Fatalf("mobile field %q / hint %q", f.val("mobile"), f.get("mobile").input.Placeholder)
	}
	tabTo(t, m, f, "business_address")
	typeText(m, "郑州市二七区大学路8号")
	press(m, "ctrl+s")
	fl, _ = st.Filing(cs.Enterprise.CreditCode)
	if fl.Version != 2 || fl.Details.Mobile != "13987654321" || fl.Details.BusinessAddress != "郑州市二七区大学路8号" {
		t.Fatalf("second edit: %+v", fl)
	}
	mustShow(t, m, "修改记录（2 次）", "经营地址：— → 郑州市二七区大学路8号")

	// An auditor sees the filing but cannot edit it, and is told why.
	a := newTestModel(t, st, testAuditor, "zh", clk, 120, 40)
	openCase(a, cs.No)
	press(a, "f", "e")
	if formOf(a, "filing") != nil {
		t.Fatal("an auditor opened the filing form")
	}
	mustShow(t, a, "只读角色")
}

// What is typed into the filing form is kept as a draft and offered at the next start;
// resumed, it opens over the filing and saves.
func TestClientFileFormDraftResumes(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("郑州宏达商贸有限公司", "91512081MA62K0260E"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(m, cs.No)
	press(m, "f", "e")
	f := formOf(m, "filing")
	tabTo(t, m, f, "licences")
	typeText(m, "营业执照副本；食品经营许可证")
	m.saveDraft() // as when the connection drops
	m.Close()

	m2 := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	mustShow(t, m2, "有未提交的草稿：客户备案")
	press(m2, "y")
	f = formOf(m2, "filing")
	if f == nil || f.val("licences") != "营业执照副本；食品经营许可证" {
		t.Fatalf("the draft did not resume:\n%s", screen(m2))
	}
	press(m2, "ctrl+s")
	if fl, _ := st.Filing(cs.Enterprise.CreditCode); fl.Details.Licences != "营业执照副本；食品经营许可证" {
		t.Fatalf("resumed draft not saved: %+v", fl.Details)
	}
	if ds := st.Drafts(testSpecialist.Name); len(ds) != 0 {
		t.Errorf("the draft was kept after saving: %+v", ds)
	}
	mustShow(t, m2, "客户备案已保存", "营业执照副本；食品经营许可证")
}
