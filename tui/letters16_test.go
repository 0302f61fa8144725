package tui

import (
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// :agency is an admin's form over the letterhead settings; others are told who can.
func TestAgencyForm(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if err := st.PutStaff(workflow.Staff{}, testAdmin); err != nil {
		t.Fatal(err)
	}
	spec := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(spec, ":")
	typeText(spec, "agency")
	press(spec, "enter")
	mustShow(t, spec, "只有管理员可以修改本机构信息")

	adm := newTestModel(t, st, testAdmin, "zh", clk, 120, 40)
	press(adm, ":")
	typeText(adm, "agency")
	press(adm, "enter")
	mustShow(t, adm, "本机构信息（文书落款）", "机构名称", "联系人", "盖章处文字")
	f := formOf(adm, "agency")
	if f == nil {
		t.Fatalf("no agency form:\n%s", screen(adm))
	}
	for _, kv := range [][2]string{{"agency_name", "郑州信修信用管理有限公司"}, {"agency_phone", "0371-5550-1234"}, {"agency_contact", "陈静"}} {
		focusField(t, adm, f, kv[0])
		typeText(adm, kv[1])
	}
	press(adm, "ctrl+s")
	mustShow(t, adm, "已保存本机构信息")
	lh := st.Settings().Letterhead
	if lh.Agency != "郑州信修信用管理有限公司" || lh.Phone != "0371-5550-1234" || lh.Contact != "陈静" || lh.Address != "" {
		t.Fatalf("letterhead %+v", lh)
	}
	// The next notice carries them; its preview warns that the address is missing.
	cs, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	openCase(spec, cs.No)
	chooseAction(t, spec, workflow.ActRequestMaterials)
	press(spec, "ctrl+s")
	mustShow(t, spec, "文书预览", "未设置：地址")
	press(spec, "G")
	mustShow(t, spec, "联系人：陈静", "郑州信修信用管理有限公司")
	// esc in the preview goes back to the form, everything kept, nothing issued.
	press(spec, "esc")
	mustShow(t, spec, "未出具")
	if c, _ := st.Case(cs.ID); len(c.Notices) != 0 || actionFormOf(spec) == nil {
		t.Fatalf("esc issued the notice or lost the form:\n%s", screen(spec))
	}
}

// A change to the case between the preview and the confirm: the confirm is refused, the
// form says so and asks to preview again; the new preview is what is stored.
func TestPreviewAgainAfterTheCaseChanged(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	spec := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(spec, cs.No)
	chooseAction(t, spec, workflow.ActRequestMaterials)
	press(spec, "ctrl+s")
	mustShow(t, spec, "文书预览", "修复申请书")
	// A colleague marks the application form received meanwhile.
	if _, err := st.Apply(cs.ID, cs.Version, testSpecialist2, workflow.Action{Kind: workflow.ActUpdateMaterial,
		Material: &workflow.MaterialUpdate{Key: "application_form", Received: true, Valid: true}}); err != nil {
		t.Fatal(err)
	}
	press(spec, "y")
	mustShow(t, spec, "请按 ctrl+s 重新预览")
	if c, _ := st.Case(cs.ID); len(c.Notices) != 0 {
		t.Fatal("a notice was issued from a stale preview")
	}
	press(spec, "ctrl+s")
	mustShow(t, spec, "文书预览")
	p, ok := find[*previewScreen](spec)
	if !ok {
		t.Fatalf("no preview:\n%s", screen(spec))
	}
	shown := workflow.LetterText(p.p.letters[0])
	if strings.Contains(shown, "1. 修复申请书") {
		t.Errorf("the new preview still asks for the application form:\n%s", shown)
	}
	press(spec, "y")
	c, _ := st.Case(cs.ID)
	if len(c.Notices) != 1 {
		t.Fatalf("notice not issued: %+v\n%s", c.Notices, screen(spec))
	}
	evs, _ := st.Events(cs.ID)
	if got := workflow.LetterText(*evs[len(evs)-1].Letter); got != shown {
		t.Errorf("stored notice differs from the preview:\n--- stored\n%s\n--- shown\n%s", got, shown)
	}
}

// The intake form's handed-over checklist: what is ticked is received on the day given,
// and the 收件回执 issued with the case lists it and what is still missing.
func TestIntakeHandedOverMakesTheReceipt(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m, "n")
	fillIntake(t, m)
	focusField(t, m, intakeOf(m), "handed")
	press(m, "space", "right", "space") // 修复申请书, 营业执照副本
	focusField(t, m, intakeOf(m), "handed_date")
	press(m, "ctrl+a", "ctrl+k")
	typeText(m, "2026-02-27")
	press(m, "ctrl+s")
	if intakeOf(m) != nil {
		t.Fatalf("intake not saved:\n%s", screen(m))
	}
	cs := currentCase(t, m)
	got := map[string]bool{}
	for _, x := range cs.Materials {
		got[x.Key] = x.Received
	}
	if !got["application_form"] || !got["business_license"] || got["authorization"] {
		t.Fatalf("materials %+v", cs.Materials)
	}
	evs, _ := st.Events(cs.ID)
	r := evs[0].Letter
	for _, want := range []string{"收件回执", "1. 修复申请书（2026年2月27日收到）", "2. 营业执照副本（2026年2月27日收到）", "四、尚未收到的必备材料", "授权委托书"} {
		if !strings.Contains(r.Title+r.Body, want) {
			t.Errorf("receipt lacks %q:\n%s", want, r.Body)
		}
	}
}

// A draft of an intake whose record changes the checklist keeps what was ticked as handed
// over: the restored checklist is that of the restored record.
func TestIntakeDraftKeepsHandedOver(t *testing.T) {
	clk := &clock{t: formClock}
	st := newTestStore(t, clk)
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	m.c.draftDelay = time.Millisecond
	press(m, "n")
	fillIntake(t, m)
	focusField(t, m, intakeOf(m), "type")
	press(m, "right", "right", "right") // tax arrears: its checklist has the tax clearance
	h := intakeOf(m).get("handed")
	i := -1
	for j, o := range h.options {
		if o.key == "tax_clearance" {
			i = j
		}
	}
	if i < 0 {
		t.Fatalf("the checklist did not follow the record type: %+v", h.options)
	}
	focusField(t, m, intakeOf(m), "handed")
	for range i {
		press(m, "right")
	}
	press(m, "space")
	typeText(m, "") // let the draft timer see the change
	if ds := st.Drafts(testSpecialist.Name); len(ds) != 1 || !strings.Contains(ds[0].Fields["handed"], "tax_clearance") {
		t.Fatalf("draft: %+v", ds)
	}
	m2 := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	press(m2, "y")
	if f := intakeOf(m2); f == nil || !strings.Contains(f.val("handed"), "tax_clearance") {
		t.Fatalf("the ticked item was lost on resume:\n%s", screen(m2))
	}
}
