package store_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// The client file is editable, keeps who changed what and when, and seals its personal
// fields: the mobile, e-mail and the legal representative's ID number are not in the
// database file in the clear, and the history names them without their values.
func TestFilingEditHistorySealed(t *testing.T) {
	s, path, _ := newStore(t)
	c := create(t, s, entA)
	f, ok := s.Filing(entA.code)
	if !ok || f.Version != 0 || len(f.Cases) != 1 || f.Cases[0] != c.ID {
		t.Fatalf("filing after intake: %+v", f)
	}
	edit := store.FilingEdit{Name: entA.name, LegalRep: "张伟", Address: "郑州市金水区花园路1号",
		Details: workflow.FilingDetails{RegisteredCapital: "500万元人民币", BusinessAddress: "郑州市二七区大学路8号",
			Mobile: "139 8765 4321", Email: "finance@hxsm.example.cn", LegalRepID: "11010519491231002x",
			Licences: "营业执照副本；食品经营许可证", CreditNotes: "2025年一笔逾期已结清"}}
	f, err := s.UpdateFiling(wang, entA.code, 0, edit)
	if err != nil {
		t.Fatal(err)
	}
	d := f.Details
	if f.Version != 1 || d.Mobile != "13987654321" || d.LegalRepID != "11010519491231002X" || d.RegisteredCapital != "500万元人民币" {
		t.Fatalf("after the edit: %+v", f)
	}
	h := f.History[len(f.History)-1]
	if h.By != "wangfang" || h.At.IsZero() || len(h.Fields) != 7 {
		t.Fatalf("history %+v", h)
	}
	for _, ch := range h.Fields {
		if store.FilingPersonal(ch.Field) && (ch.Old != "" || ch.New != "") {
			t.Errorf("history keeps a personal value: %+v", ch)
		}
	}
	if m := store.MaskedDetails(d); m.Mobile != "139****4321" || m.Email != "f***@hxsm.example.cn" || m.LegalRepID != "1101**********002X" {
		t.Errorf("masked %+v", m)
	}
	s.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"13987654321", "finance@hxsm", "11010519491231002X"[:14]} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("%q is in the database file in the clear", secret)
		}
	}
	if !strings.Contains(string(raw), "郑州市二七区大学路8号") {
		t.Errorf("the business address (not personal) should be readable in the file")
	}
	clk := newClock(t0.Add(48 * 3600e9))
	s = openStore(t, path, clk)
	f, _ = s.Filing(entA.code)
	if f.Details.Mobile != "13987654321" || f.Details.Email != "finance@hxsm.example.cn" {
		t.Fatalf("reopened: %+v", f.Details)
	}

	// Personal fields left empty keep their value; a changed plain field is recorded old → new.
	edit.Details.Mobile, edit.Details.Email, edit.Details.LegalRepID = "", "", ""
	edit.Details.CreditNotes = "逾期已结清，银行出具非恶意逾期证明"
	f, err = s.UpdateFiling(li, entA.code, 1, edit)
	if err != nil {
		t.Fatal(err)
	}
	h = f.History[len(f.History)-1]
	if f.Details.Mobile != "13987654321" || len(h.Fields) != 1 || h.Fields[0] != (workflow.Change{Field: "credit_notes", Old: "2025年一笔逾期已结清", New: "逾期已结清，银行出具非恶意逾期证明"}) || h.By != "lijun" {
		t.Fatalf("second edit: %+v / %+v", f.Details, h)
	}
	// A number typed into the notes is sealed in the file and masked in the history.
	edit.Details.CreditNotes = "财务联系人手机 13512345678"
	if f, err = s.UpdateFiling(li, entA.code, 2, edit); err != nil || f.Details.CreditNotes != "财务联系人手机 13512345678" {
		t.Fatalf("notes with a number: %v %+v", err, f.Details)
	}
	if h := f.History[len(f.History)-1]; h.Fields[0].New != "财务联系人手机 135****5678" {
		t.Errorf("history keeps the number: %+v", h.Fields[0])
	}
	// Nothing changed: nothing written.
	if f2, err := s.UpdateFiling(li, entA.code, 3, edit); err != nil || f2.Version != 3 {
		t.Errorf("no-op edit: version %d, %v", f2.Version, err)
	}

	// An edit against an older version is refused, saying who changed it.
	_, err = s.UpdateFiling(wang, entA.code, 1, edit)
	var ce *store.FilingConflictError
	if !errors.As(err, &ce) || !strings.Contains(ce.Message("zh"), "李军") {
		t.Errorf("stale edit: %v", err)
	}
	// Bad input: every problem at once, in the reader's language; nothing saved.
	bad := edit
	bad.Details.Mobile, bad.Details.Email, bad.Details.LegalRepID = "12", "not-an-address", "110105194912310021"
	_, err = s.UpdateFiling(wang, entA.code, 3, bad)
	var ie *store.FilingInvalidError
	if !errors.As(err, &ie) || len(ie.Errs) != 3 || !strings.Contains(ie.Message("zh"), "电子邮箱格式不对") || !strings.Contains(ie.Message("en"), "e-mail") {
		t.Errorf("invalid edit: %v", err)
	}
	// Auditors read only.
	aud := workflow.Staff{Name: "audit", Role: workflow.RoleAuditor, Active: true}
	if _, err := s.UpdateFiling(aud, entA.code, 3, edit); err == nil {
		t.Errorf("an auditor edited the filing")
	}
	if f, _ := s.Filing(entA.code); f.Version != 3 {
		t.Errorf("refused edits changed the filing: version %d", f.Version)
	}

	// A later intake that brings another legal representative is in the history too.
	in := intake(entA)
	in.Enterprise.LegalRep = "李娜"
	c2, err := s.Create(chen, in, "")
	if err != nil {
		t.Fatal(err)
	}
	f, _ = s.Filing(entA.code)
	h = f.History[len(f.History)-1]
	if f.Enterprise.LegalRep != "李娜" || h.CaseNo != c2.No || h.By != "chenjing" || h.Fields[0] != (workflow.Change{Field: "legal_rep", Old: "张伟", New: "李娜"}) {
		t.Errorf("intake change: %+v", h)
	}
	if f.Details.Mobile != "13987654321" || len(f.Cases) != 2 {
		t.Errorf("the intake lost the details or the case list: %+v", f)
	}
	s.Close()
	if raw, _ := os.ReadFile(path); strings.Contains(string(raw), "13512345678") {
		t.Errorf("the number typed into the notes is in the file in the clear")
	}
}

// The dashboard and report read the follow-up calls through StatsData: the satisfaction
// and the thanks must survive its lean copy of each case (found walking the demo: the
// dashboard said — after a call was recorded). The enterprise's comment is left out.
func TestStatsDataCarriesFollowUp(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entA)
	advance(t, s, c.ID, workflow.StageClosed)
	do(t, s, c.ID, li, workflow.Action{Kind: workflow.ActFollowUp, FollowUp: &workflow.FollowUp{
		Satisfaction: "dissatisfied", Comment: "经办人电话 13812345678 多次未接通", Thanks: []workflow.Thanks{{Kind: "letter"}}}})
	cases, events, err := s.StatsData()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := workflow.ParsePeriod("2026-03", t0)
	r := workflow.ComputeResults(cases, events, p, workflow.DefaultSLA(), workflow.DefaultCalendar(), t0.Add(24*time.Hour))
	if r.FollowUps != 1 || r.Dissatisfied != 1 || r.ThanksReceived != 1 {
		t.Fatalf("results from StatsData: calls %d, dissatisfied %d, thanks %d; want 1, 1, 1", r.FollowUps, r.Dissatisfied, r.ThanksReceived)
	}
	if f := cases[0].FollowUp; f.Comment != "" {
		t.Errorf("the lean case keeps the comment %q", f.Comment)
	}
}
