package tui

import (
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// A file sent to a case (scp/sftp to cases/<number>/) is tied in the console: t on the
// materials tab opens a picker of the case's files and ties the one chosen to the item
// selected; on the findings tab, to the finding. The tie is an event in the history, and
// the tab shows the file's name and short digest under the item or the finding.
func TestTieAttachedFileToMaterialAndFinding(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("河南信修信用管理有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, st, testSpecialist, "zh", clk, 120, 40)
	openCase(m, cs.No)
	// No file yet: t says where to send one.
	press(m, "2", "t")
	if !strings.Contains(m.status, "本案还没有附件；请用 scp 或 sftp 发送到 cases/"+cs.No+"/") {
		t.Fatalf("t with no files: %q", m.status)
	}
	_, licence, err := st.AttachFile(testSpecialist, cs.No, "licence.pdf", []byte("%PDF-1.4 licence scan"), 0)
	if err != nil {
		t.Fatal(err)
	}
	_, bank, err := st.AttachFile(testSpecialist, cs.No, "bank-letter.pdf", []byte("%PDF-1.4 bank letter"), 0)
	if err != nil {
		t.Fatal(err)
	}
	deliver(m)
	second := caseOf(m).cs.Materials[1]
	press(m, "j", "t")
	mustShow(t, m, "选择要关联到「"+second.Name("zh")+"」的附件", "bank-letter.pdf v1 · sha256:"+bank.SHA256[:12], "licence.pdf v1")
	press(m, "j", "enter") // the older one: the licence
	deliver(m)
	got := caseOf(m).cs.Materials[1].Files
	if len(got) != 1 || got[0].SHA256 != licence.SHA256 || got[0].Name != "licence.pdf" {
		t.Fatalf("tied to %s: %+v", second.Key, got)
	}
	mustShow(t, m, "附件：licence.pdf v1 · sha256:"+licence.SHA256[:12]+"…")
	// Tying it twice is refused, with the reason.
	press(m, "t", "j", "enter")
	if !m.statusErr || !strings.Contains(m.status, "licence.pdf 已关联到此处") {
		t.Fatalf("the same file tied twice: %q", m.status)
	}
	// In the history: who tied which bytes to what.
	press(m, "4")
	mustShow(t, m, "关联附件", second.Name("zh")+" ← 附件 licence.pdf v1 · sha256:"+licence.SHA256[:12]+"…")
	evs, _ := st.Events(cs.ID)
	last := evs[len(evs)-1]
	if last.Kind != workflow.ActTieFile || last.Actor != testSpecialist.Name || last.Action.Tie == nil || last.Action.Tie.File.SHA256 != licence.SHA256 {
		t.Fatalf("the last event: %+v", last)
	}
	// Elsewhere t says where it works.
	press(m, "1", "t")
	if !strings.Contains(m.status, "仅在材料或核实页签可用") {
		t.Fatalf("t on the summary: %q", m.status)
	}

	// A finding's evidence: on the findings tab, t ties the file to the finding.
	cur := caseOf(m).cs
	for _, mat := range cur.Materials {
		if cur, err = st.Apply(cs.ID, cur.Version, testSpecialist, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: mat.Key, Received: true, Valid: true}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []workflow.Action{{Kind: workflow.ActAccept},
		{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{Checked: "核对还款流水", Contact: "bank", Method: "letter", Result: "confirmed_wrong"}}} {
		if cur, err = st.Apply(cs.ID, cur.Version, testSpecialist, a); err != nil {
			t.Fatal(err)
		}
	}
	deliver(m)
	press(m, "3", "t")
	mustShow(t, m, "选择作为核实依据的附件")
	press(m, "enter") // the newest: the bank's letter, to the only finding
	deliver(m)
	f := caseOf(m).cs.Findings[0].Files
	if len(f) != 1 || f[0].SHA256 != bank.SHA256 {
		t.Fatalf("the finding's files: %+v", f)
	}
	mustShow(t, m, "附件：bank-letter.pdf v1 · sha256:"+bank.SHA256[:12]+"…")

	// An auditor reads, never ties.
	aud := workflow.Staff{Name: "shen", Display: "沈审计", Role: workflow.RoleAuditor, Active: true}
	if err := st.PutStaff(workflow.Staff{}, aud); err != nil {
		t.Fatal(err)
	}
	ma := newTestModel(t, st, aud, "en", clk, 120, 40)
	openCase(ma, cs.No)
	press(ma, "2", "t")
	if !ma.statusErr || menuOf(ma) != nil || strings.Contains(screen(ma), "Choose the file") {
		t.Fatalf("an auditor's t: %q\n%s", ma.status, screen(ma))
	}
	mustShow(t, ma, "File: licence.pdf v1")
}
