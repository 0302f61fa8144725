package tui

import (
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// Numbers typed into a case's free text are masked on every tab of the case screen.
func TestCaseScreenMasksNumbersInText(t *testing.T) {
	idOf := func(first17 string) string {
		c, _ := workflow.IDCheckChar(first17)
		return first17 + string(c)
	}
	letters, full, spaced, hyphen := idOf("11010519850206901"), idOf("31010419900101123"), idOf("44030619880512352"), idOf("32010219750823572")
	lowerX, mobile := "44010619920315017X", "13912340987"
	fw := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteRune('０' + (r - '0'))
		}
		return b.String()
	}
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 200, 60)
	in := testIntake("河南信修信用管理有限公司", "91110000600037341L")
	in.Records[0].Detail = "经办人证件ID" + letters + "abc"
	cs, err := st.Create(testSpecialist, in, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []workflow.Action{
		{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: cs.Materials[0].Key, Received: true, Note: "号码" + fw(full)}},
		{Kind: workflow.ActComment, Comment: "核对 " + spaced[:6] + " " + spaced[6:14] + " " + spaced[14:]},
		{Kind: workflow.ActComment, Comment: "证号" + hyphen[:3] + "-" + hyphen[3:6] + "-" + hyphen[6:15] + "-" + hyphen[15:]},
		{Kind: workflow.ActComment, Comment: "另一人" + strings.ToLower(lowerX) + "，手机+86 " + mobile},
	} {
		a.At = clk.now()
		if cs, err = st.Apply(cs.ID, cs.Version, testSpecialist, a); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	openCase(m, cs.No)
	var all string
	for _, tab := range []string{"1", "2", "3", "4", "5"} {
		press(m, tab)
		all += screen(m)
	}
	for _, n := range []string{letters, full, spaced, hyphen, lowerX, mobile} {
		for _, form := range []string{n, strings.ToLower(n), fw(n), n[:len(n)-4]} {
			if strings.Contains(all, form) {
				t.Errorf("the case screen shows %q whole", form)
			}
		}
	}
	for _, want := range []string{workflow.MaskID(letters), workflow.MaskID(full), workflow.MaskID(spaced),
		workflow.MaskID(hyphen), workflow.MaskID(lowerX), workflow.MaskPhone(mobile)} {
		if !strings.Contains(all, want) {
			t.Errorf("the case screen lacks the masked %q", want)
		}
	}
	if t.Failed() {
		t.Logf("\n%s", all)
	}
}

// At intake an ID or mobile number typed into free text is flagged, and ctrl+o moves it
// into the agent's field (when that is still empty); with it filled, the warning says the
// number will be sealed and masked instead.
func TestIntakeMovesNumberOutOfText(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	for _, lang := range []string{"zh", "en"} {
		st := newTestStore(t, clk)
		m := newTestModel(t, st, testSpecialist, lang, clk, 160, 50)
		press(m, "n")
		for intakeOf(m).fields[intakeOf(m).focus].key != "detail" {
			press(m, "tab")
		}
		typeText(m, "经办人身份证ID11010519491231002xabc，电话+86 138 1234 5678")
		press(m, "shift+tab") // leaving the field checks it
		if lang == "zh" {
			mustShow(t, m, "情况说明中含身份证号，按 ctrl+o 移到经办人身份证号栏")
		} else {
			mustShow(t, m, "Details holds an ID number: press ctrl+o to move it to Agent's ID number")
		}
		press(m, "ctrl+o")
		f := intakeOf(m)
		if got := f.val("id_number"); got != "11010519491231002X" {
			t.Fatalf("%s: id_number = %q", lang, got)
		}
		if got := f.val("phone"); got != "13812345678" {
			t.Fatalf("%s: phone = %q", lang, got)
		}
		if got := f.val("detail"); got != "经办人身份证IDabc，电话" {
			t.Fatalf("%s: detail = %q", lang, got)
		}
		if d := f.get("detail"); d.msg != "" {
			t.Errorf("%s: the detail still warns: %q", lang, d.msg)
		}
		// A second number with the field taken: warned as sealed, not moved.
		f.get("detail").setValue("另一人 110105198502069016")
		f.check(f.get("detail"))
		if want := map[string]string{"zh": "加密存放", "en": "stored encrypted"}[lang]; !strings.Contains(f.get("detail").msg, want) {
			t.Errorf("%s: warning %q", lang, f.get("detail").msg)
		}
		press(m, "ctrl+o")
		if f.val("id_number") != "11010519491231002X" || !strings.Contains(f.val("detail"), "110105198502069016") {
			t.Errorf("%s: a filled field was overwritten", lang)
		}
	}
}
