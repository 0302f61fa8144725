package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

var (
	cliSpecialist = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	cliSupervisor = workflow.Staff{Name: "chenjing", Display: "陈静", Role: workflow.RoleSupervisor, Active: true}
)

const cliID = "11010519491231002X"

// cliDB builds a database the commands read: in 2026-Q1 case 1 (a notice of missing
// materials, then nothing) and case 2 (repaired: outcome recorded, the applicant not yet
// told, so its result letter is a draft); in Q2 case 3 (just taken in). It returns the
// path, closed (a command opens the file itself), and the notice's missing items.
func cliDB(t *testing.T) (string, workflow.Notice) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.db")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)
	st, err := store.Open(path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, s := range []workflow.Staff{cliSpecialist, cliSupervisor} {
		if err := st.PutStaff(workflow.Staff{}, s); err != nil {
			t.Fatal(err)
		}
	}
	intake := func(name, code string, at time.Time) workflow.Intake {
		return workflow.Intake{
			Enterprise: workflow.Enterprise{Name: name, CreditCode: code, LegalRep: "张建国", Address: "郑州市金水区花园路88号"},
			Agent:      workflow.Agent{Name: "王桂英", Phone: "13812345678", IDNumber: cliID, AuthLetter: "SQ-2026-0001"},
			Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01",
				AmountFen: 12345600, Problem: "non_malicious_overdue", Detail: "银行系统故障导致扣款失败"}},
			Owner: cliSpecialist.Name, ReceivedAt: at,
		}
	}
	do := func(c workflow.Case, who workflow.Staff, a workflow.Action) workflow.Case {
		t.Helper()
		n, err := st.Apply(c.ID, c.Version, who, a)
		if err != nil {
			t.Fatalf("%s %s: %v", c.No, a.Kind, err)
		}
		return n
	}

	c1, err := st.Create(cliSpecialist, intake("郑州华信商贸有限公司", "91110000600037341L", now), "")
	if err != nil {
		t.Fatal(err)
	}
	// One item received but not acceptable, the rest missing: the notice names them all.
	c1 = do(c1, cliSpecialist, workflow.Action{Kind: workflow.ActUpdateMaterial,
		Material: &workflow.MaterialUpdate{Key: c1.Materials[0].Key, Received: true, Valid: false, Note: "未加盖公章"}})
	c1 = do(c1, cliSpecialist, workflow.Action{Kind: workflow.ActRequestMaterials, Comment: "身份证 " + cliID + " 已核验"})

	now = now.AddDate(0, 0, 1)
	c2, err := st.Create(cliSpecialist, intake("洛阳宏达物流有限公司", "91512081MA62K0260E", now), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c2.Materials {
		if m.Required {
			c2 = do(c2, cliSpecialist, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
		}
	}
	now = now.AddDate(0, 0, 2)
	c2 = do(c2, cliSpecialist, workflow.Action{Kind: workflow.ActAccept})
	c2 = do(c2, cliSpecialist, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{
		Checked: "与报送银行核对还款流水", Contact: "bank", Method: "letter", Result: "confirmed_wrong"}})
	c2 = do(c2, cliSpecialist, workflow.Action{Kind: workflow.ActProposeRepair, Proposal: &workflow.Proposal{Conclusion: "确属错误，建议更正"}})
	c2 = do(c2, cliSupervisor, workflow.Action{Kind: workflow.ActApprove})
	c2 = do(c2, cliSpecialist, workflow.Action{Kind: workflow.ActSubmitCorrection, Submission: &workflow.Submission{Channel: "pbc_dispute", Reference: "YY2026000123"}})
	now = now.AddDate(0, 0, 5)
	do(c2, cliSpecialist, workflow.Action{Kind: workflow.ActRecordOutcome, Outcome: &workflow.Outcome{Result: "corrected"}})

	now = time.Date(2026, 4, 8, 10, 0, 0, 0, workflow.ChinaTZ)
	if _, err := st.Create(cliSpecialist, intake("开封天成食品有限公司", "9131000063159284XQ", now), ""); err != nil {
		t.Fatal(err)
	}
	c1, err = st.Case(c1.ID)
	if err != nil || len(c1.Notices) != 1 || len(c1.Notices[0].Items) < 2 {
		t.Fatalf("the notice should list several items: %+v %v", c1.Notices, err)
	}
	return path, c1.Notices[0]
}

// cli runs the command line as the shell would, in English unless --lang says otherwise
// (the assertions read the English messages).
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("LC_ALL", "en_US.UTF-8")
	var out, errb bytes.Buffer
	code := Run("test", args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIReportMarkdown(t *testing.T) {
	db, _ := cliDB(t)
	code, out, errs := cli(t, "report", "--period", "2026-Q1", "--format", "md", "--db", db, "--lang", "zh")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Logf("\n%s", out)
	for _, want := range []string{"2026年第1季度", "2026-01-01..2026-03-31", "| 受理申请 | 2 笔 |", "| 成功修复 | 0 笔 |",
		"| 在办件数 | 3 件 |", "各阶段平均用时：形式审核", "一次告知完整率", "驳回不合规申请（已风险警示）", "超期件数",
		"## 每位专员工作量", "| 王芳 | 3 |", "## 每周受理与办结", "|---|---:|"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Q2 holds the third case only.
	_, out, _ = cli(t, "report", "--period", "2026-Q2", "--db", db, "--lang", "zh")
	if !strings.Contains(out, "| 受理申请 | 1 笔 |") {
		t.Errorf("Q2 should count one case received:\n%s", out)
	}
	_, out, _ = cli(t, "report", "--period", "2026-03", "--db", db, "--lang", "en")
	if !strings.Contains(out, "| Applications received | 2 cases |") || !strings.Contains(out, "Mar 2026") {
		t.Errorf("English report:\n%s", out)
	}
}

func TestCLIReportCSV(t *testing.T) {
	db, _ := cliDB(t)
	code, out, errs := cli(t, "report", "--period", "2026-Q1", "--format", "csv", "--db", db, "--lang", "zh")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "\xEF\xBB\xBF") {
		t.Fatalf("a CSV must start with the UTF-8 BOM for Excel: %q", out[:min(len(out), 20)])
	}
	for _, want := range []string{"受理申请,2,笔", "\r\n", "修复成功率,,%,", "王芳,3,0,"} {
		if !strings.Contains(out, want) {
			t.Errorf("CSV lacks %q:\n%s", want, out)
		}
	}
	// To a file: written once, never overwritten.
	f := filepath.Join(t.TempDir(), "q1.csv")
	if code, _, errs := cli(t, "report", "--period", "2026-Q1", "--format", "csv", "--db", db, "--out", f); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(f); !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Errorf("the file lacks the BOM")
	}
	if code, _, errs := cli(t, "report", "--period", "2026-Q1", "--format", "csv", "--db", db, "--out", f); code == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("overwriting should be refused: exit %d %s", code, errs)
	}
}

func TestCLIReportBadInput(t *testing.T) {
	db, _ := cliDB(t)
	code, _, errs := cli(t, "report", "--period", "2026-Q5", "--db", db)
	if code != 2 || !strings.Contains(errs, `period "2026-Q5"`) || !strings.Contains(errs, "Q1 to Q4") {
		t.Errorf("bad period: exit %d, %s", code, errs)
	}
	if code, _, _ := cli(t, "report", "--period", "2026-Q1", "--format", "xlsx", "--db", db); code != 2 {
		t.Errorf("bad format: exit %d", code)
	}
	if code, _, _ := cli(t, "report", "--db", filepath.Join(t.TempDir(), "none.db")); code != 1 {
		t.Errorf("a missing database: exit %d", code)
	}
}

func TestCLILetterNotice(t *testing.T) {
	db, notice := cliDB(t)
	f := filepath.Join(t.TempDir(), "notice.txt")
	code, _, errs := cli(t, "letter", "XF-2026-000001", "notice", "--out", f, "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	txt := string(b)
	for _, it := range notice.Items {
		name := workflow.Material{Key: it.Key, Label: it.Label}.Name("zh")
		if !strings.Contains(txt, name) {
			t.Errorf("the notice lacks %q:\n%s", name, txt)
		}
	}
	if !strings.Contains(txt, "补正通知书") || !strings.Contains(txt, "未加盖公章") {
		t.Errorf("notice:\n%s", txt)
	}
	// Never over an existing file.
	if code, _, errs := cli(t, "letter", "1", "notice", "--out", f, "--db", db); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("overwrite: exit %d %s", code, errs)
	}
	// HTML by the file's extension, with the letterhead (set now: a new database has none,
	// and the letter says so on standard error).
	if code, out, errs := cli(t, "agency", "set", "--name", "河南信修信用管理有限公司", "--phone", "0371-5550-1234", "--db", db); code != 0 || !strings.Contains(out, "0371-5550-1234") {
		t.Fatalf("agency set: exit %d\n%s%s", code, out, errs)
	}
	h := filepath.Join(t.TempDir(), "receipt.html")
	if code, _, errs := cli(t, "letter", "1", "receipt", "--out", h, "--db", db); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(h); !strings.HasPrefix(string(b), "<!DOCTYPE html>") || !strings.Contains(string(b), "河南信修信用管理有限公司") {
		t.Errorf("html:\n%s", b)
	}
}

func TestCLILetterResultAndErrors(t *testing.T) {
	db, _ := cliDB(t)
	// Outcome recorded, applicant not told: a draft from the current templates.
	code, out, errs := cli(t, "letter", "XF-2026-000002", "result", "--db", db)
	if code != 0 || !strings.Contains(out, "【草稿】") || !strings.Contains(errs, "draft") {
		t.Errorf("result draft: exit %d\n%s\n%s", code, out, errs)
	}
	// A kind the case does not have: the message lists what it has.
	code, _, errs = cli(t, "letter", "XF-2026-000001", "decline", "--db", db)
	if code != 1 || !strings.Contains(errs, "has no decline") || !strings.Contains(errs, "receipt (") || !strings.Contains(errs, "notice (") {
		t.Errorf("missing kind: exit %d %s", code, errs)
	}
	code, _, errs = cli(t, "letter", "XF-2026-000001", "result", "--db", db)
	if code != 1 || !strings.Contains(errs, "has no result") {
		t.Errorf("no result yet: exit %d %s", code, errs)
	}
	code, _, errs = cli(t, "letter", "XF-2026-000001", "invoice", "--db", db)
	if code != 2 || !strings.Contains(errs, "receipt") {
		t.Errorf("unknown kind: exit %d %s", code, errs)
	}
	code, _, errs = cli(t, "letter", "XF-2026-009999", "receipt", "--db", db)
	if code != 1 || !strings.Contains(errs, "no case XF-2026-009999") {
		t.Errorf("unknown case: exit %d %s", code, errs)
	}
	code, _, errs = cli(t, "letter", "1", "notice", "--round", "2", "--db", db)
	if code != 1 || !strings.Contains(errs, "round") {
		t.Errorf("no such round: exit %d %s", code, errs)
	}
	if code, out, _ := cli(t, "letter", "1", "notice", "--round", "1", "--db", db); code != 0 || !strings.Contains(out, "第1轮") {
		t.Errorf("round 1: exit %d\n%s", code, out)
	}
}

func TestCLIExportJSON(t *testing.T) {
	db, _ := cliDB(t)
	code, out, errs := cli(t, "export", "--format", "json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, cliID) || strings.Contains(out, "13812345678") {
		t.Errorf("the export shows a full ID number or phone")
	}
	if !strings.Contains(out, workflow.MaskID(cliID)) {
		t.Errorf("the masked ID is missing")
	}
	var items []struct {
		Case   workflow.Case    `json:"case"`
		Events []workflow.Event `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(items) != 3 || items[0].Case.No != "XF-2026-000001" || len(items[0].Events) != items[0].Case.Version {
		t.Fatalf("export: %d items", len(items))
	}
	if ag := items[0].Case.Agent; ag.IDNumber != "1101**********002X" || ag.Name != "王桂英" {
		t.Errorf("agent: %+v", ag)
	}
	if c := items[0].Events[2].Comment; !strings.Contains(c, "1101**********002X") {
		t.Errorf("an ID typed into a comment should be masked too: %q", c)
	}
	if cc := items[1].Case.Enterprise.CreditCode; cc != "91512081MA62K0260E" {
		t.Errorf("the credit code must stay whole: %q", cc)
	}

	_, out, _ = cli(t, "export", "--format", "json", "--since", "2026-04-01", "--db", db)
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != 1 || items[0].Case.No != "XF-2026-000003" {
		t.Errorf("--since: %v %d", err, len(items))
	}
	if code, _, _ := cli(t, "export", "--since", "1 April", "--db", db); code != 2 {
		t.Errorf("bad --since: exit %d", code)
	}
}

func TestCLIExportCSV(t *testing.T) {
	db, _ := cliDB(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "cases.csv")
	code, _, errs := cli(t, "export", "--format", "csv", "--out", f, "--db", db, "--lang", "zh")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	cases, _ := os.ReadFile(f)
	events, err := os.ReadFile(filepath.Join(dir, "cases-events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"cases": cases, "events": events} {
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			t.Errorf("%s: no BOM", name)
		}
		if bytes.Contains(b, []byte(cliID)) {
			t.Errorf("%s: a full ID number", name)
		}
	}
	if n := bytes.Count(cases, []byte("\r\n")); n != 4 || !bytes.Contains(cases, []byte("1101**********002X")) || !bytes.Contains(cases, []byte("XF-2026-000002,待反馈")) {
		t.Errorf("cases.csv (%d lines):\n%s", n, cases)
	}
	if !bytes.Contains(events, []byte("XF-2026-000001,2,")) || !bytes.Contains(events, []byte("补正通知书")) {
		t.Errorf("events.csv:\n%s", events)
	}
	if code, _, errs := cli(t, "export", "--format", "csv", "--out", f, "--db", db); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("overwrite: exit %d %s", code, errs)
	}
	// Standard output: one stream, the events after an empty row, one BOM.
	_, out, _ := cli(t, "export", "--db", db)
	if !strings.HasPrefix(out, "\ufeff") || strings.Count(out, "\ufeff") != 1 || !strings.Contains(out, "\r\n\r\n") {
		t.Errorf("stdout CSV:\n%s", out)
	}
}
