package office_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// impNow is the fixed clock of the import tests: Tuesday 2026-03-10 10:00 China time.
var impNow = time.Date(2026, 3, 10, 10, 0, 0, 0, workflow.ChinaTZ)

var (
	impClerk   = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	impAuditor = workflow.Staff{Name: "sunli", Display: "孙丽", Role: workflow.RoleAuditor, Active: true}
)

// impOpen opens a new database with the import clerk and an auditor, on a fixed clock.
func impOpen(t testing.TB, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path, store.Options{Now: func() time.Time { return impNow }})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	for _, st := range []workflow.Staff{impClerk, impAuditor} {
		if _, ok := s.Staff(st.Name); !ok {
			if err := s.PutStaff(workflow.Staff{}, st); err != nil {
				t.Fatalf("PutStaff: %v", err)
			}
		}
	}
	return s
}

var impHeader = office.ImportColumns

// impGood is a valid row; overrides change single columns.
func impGood(over map[string]string) []string {
	base := map[string]string{
		"enterprise_name": "郑州华信商贸有限公司", "credit_code": "91110000600037341L", "legal_rep": "张伟",
		"address": "郑州市金水区花园路1号", "agent_name": "刘洋", "agent_phone": "138 1234 5678",
		"agent_id_number": "11010519491231002x", "auth_letter": "SQ-2026-0001",
		"source": "人民银行征信中心", "record_type": "overdue_loan", "institution": "中国工商银行郑州分行",
		"record_date": "2025-03-01", "amount_yuan": "12,345.67", "problem": "Wrong data", "tier": "",
		"detail": "", "external_ref": "",
	}
	for k, v := range over {
		if _, ok := base[k]; !ok {
			panic("no column " + k)
		}
		base[k] = v
	}
	row := make([]string, len(impHeader))
	for i, c := range impHeader {
		row[i] = base[c]
	}
	return row
}

// impFile renders rows as CSV (with a BOM and CRLF, as spreadsheets write it) and
// returns the line each row starts on.
func impFile(t testing.TB, rows ...[]string) ([]byte, []int) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	if err := w.Write(impHeader); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	var lines []int
	for _, r := range rows {
		lines = append(lines, bytes.Count(b.Bytes(), []byte("\n"))+1)
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
		w.Flush()
	}
	return b.Bytes(), lines
}

func impFields(p office.RowProblem) []string {
	var f []string
	for _, fe := range p.Problems {
		f = append(f, fe.Field+"/"+fe.Code)
	}
	return f
}

func TestImportMixedFile(t *testing.T) {
	s := impOpen(t, filepath.Join(t.TempDir(), "repairdesk.db"))
	short := impGood(map[string]string{"external_ref": "SHORT"})[:10]
	rows := [][]string{
		0:  impGood(map[string]string{"external_ref": "EXT-1", "detail": "两行说明：\n第二行"}),
		1:  short, // wrong column count
		2:  impGood(map[string]string{"credit_code": "9111000060003734", "external_ref": "EXT-3"}),
		3:  impGood(map[string]string{"agent_id_number": "110105194912310021"}),
		4:  impGood(map[string]string{"record_date": "2027-01-01"}),
		5:  impGood(map[string]string{"source": "火星征信"}),
		6:  impGood(map[string]string{"enterprise_name": "  "}),
		7:  impGood(map[string]string{"enterprise_name": "\x1b[31m红色公司\x1b]52;c;ZXZpbA==\x07"}),
		8:  impGood(map[string]string{"agent_id_number": "123", "record_date": "2027-01-01", "problem": "没问题", "agent_phone": "12"}),
		9:  impGood(map[string]string{"enterprise_name": "洛阳宏达科技有限公司", "credit_code": "91512081MA62K0260E", "source": "Credit China", "record_type": "行政处罚", "tier": "一般", "problem": "失信行为已纠正", "record_date": "2024/5/6", "amount_yuan": "￥3,000"}),
		10: impGood(map[string]string{"enterprise_name": "北京中原物流有限公司", "credit_code": "91110000600037341M", "external_ref": "EXT-WARN"}), // checksum warning
		11: impGood(map[string]string{"record_type": "admin_penalty", "tier": ""}),                                                       // penalty without a tier
		12: impGood(map[string]string{"institution": "中国建设银行", "problem": "非恶意逾期"}),                                                      // hash key
		13: impGood(map[string]string{"institution": "中国建设银行", "problem": "非恶意逾期"}),                                                      // same record again: duplicate
		14: impGood(map[string]string{"amount_yuan": "lots"}),
		15: {"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""}, // blank: ignored
	}
	data, lines := impFile(t, rows...)
	rep, err := office.ImportCSV(s, bytes.NewReader(data), impClerk)
	if err != nil {
		t.Fatalf("ImportCSV: %v", err)
	}
	good := []int{0, 9, 10, 12}
	if rep.Imported != len(good) || len(rep.Cases) != len(good) {
		t.Fatalf("imported %d (%v), want %d", rep.Imported, rep.Cases, len(good))
	}
	for i, g := range good {
		if rep.Cases[i].Line != lines[g] {
			t.Errorf("case %d from line %d, want %d", i, rep.Cases[i].Line, lines[g])
		}
	}
	if rep.Skipped != 1 || len(rep.Duplicates) != 1 || rep.Duplicates[0].Line != lines[13] || rep.Duplicates[0].CaseNo != rep.Cases[3].CaseNo {
		t.Errorf("duplicates %+v (skipped %d), want line %d as %s", rep.Duplicates, rep.Skipped, lines[13], rep.Cases[3].CaseNo)
	}
	if rep.Rows != 15 {
		t.Errorf("Rows = %d, want 15 (the blank row is not counted)", rep.Rows)
	}
	want := map[int][]string{ // row → fields/codes that must be reported
		1:  {"/columns"},
		2:  {"credit_code/length"},
		3:  {"agent_id_number/checksum"},
		4:  {"record_date/date"},
		5:  {"source/choice"},
		6:  {"enterprise_name/required"},
		7:  {"enterprise_name/control"},
		8:  {"agent_id_number/length", "record_date/date", "problem/choice", "agent_phone/"},
		11: {"tier/required"},
		14: {"amount_yuan/amount"},
	}
	var badLines []int
	for _, p := range rep.Bad {
		badLines = append(badLines, p.Line)
	}
	for row, fields := range want {
		i := slices.Index(badLines, lines[row])
		if i < 0 {
			t.Errorf("row on line %d is not reported bad (bad lines %v)", lines[row], badLines)
			continue
		}
		got := impFields(rep.Bad[i])
		for _, f := range fields {
			if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, f) }) {
				t.Errorf("line %d: problems %v lack %s", lines[row], got, f)
			}
		}
		for _, lang := range []string{"zh", "en"} {
			for _, m := range rep.Bad[i].Messages(lang) {
				if workflow.Clean(m) != m || m == "" {
					t.Errorf("line %d: message %q is empty or carries control characters", lines[row], m)
				}
			}
		}
	}
	if len(rep.Bad) != len(want) {
		t.Errorf("%d bad rows (lines %v), want %d", len(rep.Bad), badLines, len(want))
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].Line != lines[10] || rep.Warnings[0].CaseNo != rep.Cases[2].CaseNo ||
		rep.Warnings[0].Problems[0].Code != "checksum" || !rep.Warnings[0].Problems[0].Warning {
		t.Errorf("warnings %+v, want the checksum warning of line %d", rep.Warnings, lines[10])
	}
	if n := len(s.Snapshot().List()); n != len(good) {
		t.Errorf("%d cases in the store, want %d", n, len(good))
	}

	// What was stored.
	c, err := s.CaseByNo(rep.Cases[0].CaseNo)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Records[0]
	if r.Source != "pbc" || r.Problem != "wrong_data" || r.AmountFen != 1234567 || r.Detail != "两行说明：\n第二行" ||
		c.Agent.IDNumber != "11010519491231002X" || c.Agent.Phone != "13812345678" || c.Owner != impClerk.Name || len(c.Materials) == 0 {
		t.Errorf("case 1 stored as %+v / %+v", c.Agent, r)
	}
	c, _ = s.CaseByNo(rep.Cases[1].CaseNo)
	if r := c.Records[0]; r.Source != "creditchina" || r.Type != "admin_penalty" || r.Tier != "general" || r.Problem != "corrected_dishonest" ||
		r.Date != "2024-05-06" || r.AmountFen != 300000 {
		t.Errorf("penalty row stored as %+v", r)
	}
	c, _ = s.CaseByNo(rep.Cases[2].CaseNo)
	if !c.CreditCodeWarning {
		t.Error("the checksum-warning row's case does not carry CreditCodeWarning")
	}
	evs, _ := s.Events(c.ID)
	if len(evs) != 1 || evs[0].Actor != impClerk.Name || !strings.Contains(evs[0].Comment, "EXT-WARN") {
		t.Errorf("create event %+v", evs)
	}

	// The same file again: nothing new; the same rows are bad.
	rep2, err := office.ImportCSV(s, bytes.NewReader(data), impClerk)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Imported != 0 || rep2.Skipped != len(good)+1 || len(rep2.Bad) != len(rep.Bad) {
		t.Errorf("re-run: imported %d, skipped %d, bad %d; want 0, %d, %d", rep2.Imported, rep2.Skipped, len(rep2.Bad), len(good)+1, len(rep.Bad))
	}
	if n := len(s.Snapshot().List()); n != len(good) {
		t.Errorf("after the re-run %d cases, want %d", n, len(good))
	}
	if p := s.Check(); len(p) > 0 {
		t.Errorf("Check after import: %v", p)
	}
}

func TestImportChineseHeaderAndFixedRow(t *testing.T) {
	s := impOpen(t, filepath.Join(t.TempDir(), "repairdesk.db"))
	zh := "企业名称,统一社会信用代码,法定代表人,经办人,经办人电话,经办人身份证号,记录来源,记录类型,报送机构,记录日期,异议问题,外部编号\n"
	bad := zh + "郑州华信商贸有限公司,91110000600037341L,张伟,刘洋,13812345678,110105194912310021,百行征信,贷款逾期,某银行,2025-01-02,信息错误,A-1\n"
	rep, err := office.ImportCSV(s, strings.NewReader(bad), impClerk)
	if err != nil || rep.Imported != 0 || len(rep.Bad) != 1 || rep.Bad[0].Line != 2 || rep.Bad[0].Ref != "A-1" {
		t.Fatalf("bad ID: %+v, %v", rep, err)
	}
	fixed := strings.Replace(bad, "110105194912310021", "11010519491231002X", 1)
	rep, err = office.ImportCSV(s, strings.NewReader(fixed), impClerk)
	if err != nil || rep.Imported != 1 {
		t.Fatalf("fixed row: %+v, %v", rep, err)
	}
	c, _ := s.CaseByNo(rep.Cases[0].CaseNo)
	if c.Records[0].Source != "baihang" || c.Records[0].Type != "overdue_loan" || c.Records[0].Problem != "wrong_data" {
		t.Errorf("stored %+v", c.Records[0])
	}
}

func TestImportFileErrors(t *testing.T) {
	s := impOpen(t, filepath.Join(t.TempDir(), "repairdesk.db"))
	for name, data := range map[string]string{
		"empty":          "",
		"missing column": "enterprise_name,credit_code\nx,y\n",
		"unknown column": strings.Join(impHeader, ",") + ",credit_cod\n",
		"twice":          strings.Join(impHeader, ",") + ",source\n",
		"gbk":            "\xc6\xf3\xd2\xb5\xc3\xfb\xb3\xc6," + strings.Join(impHeader, ",") + "\n",
	} {
		rep, err := office.ImportCSV(s, strings.NewReader(data), impClerk)
		var ref *workflow.Refusal
		if !errors.As(err, &ref) || ref.Message("zh") == "" || ref.Message("en") == "" {
			t.Errorf("%s: err %v, want a bilingual refusal", name, err)
		}
		if rep.Imported != 0 {
			t.Errorf("%s: imported %d", name, rep.Imported)
		}
	}
	data, _ := impFile(t, impGood(nil))
	if _, err := office.ImportCSV(s, bytes.NewReader(data), impAuditor); err == nil {
		t.Error("an auditor imported cases")
	}
	if len(s.Snapshot().List()) != 0 {
		t.Error("a refused import created cases")
	}
}

// A crash between creating a case and recording its import key must not duplicate it.
func TestImportRecoversUnmarkedCase(t *testing.T) {
	s := impOpen(t, filepath.Join(t.TempDir(), "repairdesk.db"))
	data, _ := impFile(t, impGood(map[string]string{"external_ref": "R-9"}))
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "郑州华信商贸有限公司", CreditCode: "91110000600037341L", LegalRep: "张伟"},
		Agent:      workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: "11010519491231002X"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01", Problem: "wrong_data"}},
	}
	c, err := s.Create(impClerk, in, "CSV 批量导入 / CSV import [ref:R-9]")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		rep, err := office.ImportCSV(s, bytes.NewReader(data), impClerk)
		if err != nil || rep.Imported != 0 || rep.Skipped != 1 || rep.Duplicates[0].CaseNo != c.No {
			t.Fatalf("import after an interrupted one: %+v, %v", rep, err)
		}
	}
}

// FuzzImportCSV: an import never panics, accounts for every row, never stores a row that
// ValidateIntake rejects or a value that Clean would change, and a second run adds nothing.
func FuzzImportCSV(f *testing.F) {
	good, _ := impFile(f, impGood(map[string]string{"external_ref": "F-1"}), impGood(map[string]string{"institution": "农行", "detail": "a\tb\r\nc"}))
	f.Add(good)
	bad, _ := impFile(f, impGood(map[string]string{"enterprise_name": "\x1b[2J公司"}), impGood(map[string]string{"record_date": "2099-01-01"})[:4])
	f.Add(bad)
	f.Add([]byte(strings.Join(impHeader, ",") + "\n\"unterminated,x\n"))
	f.Add([]byte(strings.Join(impHeader, ",") + "\na\"b,c\n" + string(good[bytes.IndexByte(good, '\n')+1:])))
	f.Add([]byte("\ufeff"))
	f.Add([]byte(strings.Join(impHeader, ",") + "\n\xff\xfe,\u202e,\x9b31m\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := impOpen(t, filepath.Join(t.TempDir(), "f.db"))
		rep, err := office.ImportCSV(s, bytes.NewReader(data), impClerk)
		if err != nil {
			var ref *workflow.Refusal
			if !errors.As(err, &ref) {
				t.Fatalf("ImportCSV: %v", err)
			}
			if rep.Imported != 0 {
				t.Fatalf("a refused file imported %d rows", rep.Imported)
			}
			return
		}
		if rep.Imported+rep.Skipped+len(rep.Bad) != rep.Rows || rep.Imported != len(rep.Cases) {
			t.Fatalf("rows %d ≠ imported %d + skipped %d + bad %d", rep.Rows, rep.Imported, rep.Skipped, len(rep.Bad))
		}
		for _, p := range append(rep.Bad, rep.Warnings...) {
			for _, lang := range []string{"zh", "en"} {
				for _, m := range p.Messages(lang) {
					if workflow.Clean(m) != m {
						t.Fatalf("line %d: message %q carries control characters", p.Line, m)
					}
				}
			}
			if workflow.CleanLine(p.Ref) != p.Ref {
				t.Fatalf("line %d: ref %q carries control characters", p.Line, p.Ref)
			}
		}
		for _, ir := range rep.Cases {
			c, err := s.CaseByNo(ir.CaseNo)
			if err != nil {
				t.Fatal(err)
			}
			in := workflow.Intake{Enterprise: c.Enterprise, Agent: c.Agent, Records: c.Records, Materials: c.Materials}
			for _, fe := range workflow.ValidateIntake(&in, impNow) {
				if !fe.Warning {
					t.Fatalf("line %d imported as %s although %s: %s", ir.Line, c.No, fe.Field, fe.Message("en"))
				}
			}
			r := c.Records[0]
			for _, v := range []string{c.Enterprise.Name, c.Enterprise.CreditCode, c.Enterprise.LegalRep, c.Enterprise.Address,
				c.Agent.Name, c.Agent.Phone, c.Agent.IDNumber, c.Agent.AuthLetter, r.Institution, r.Detail, r.Date} {
				if workflow.Clean(v) != v {
					t.Fatalf("line %d stored %q, which carries control characters", ir.Line, v)
				}
			}
		}
		rep2, err := office.ImportCSV(s, bytes.NewReader(data), impClerk)
		if err != nil || rep2.Imported != 0 || rep2.Skipped != rep.Imported+rep.Skipped {
			t.Fatalf("second run: imported %d, skipped %d (first: %d + %d), %v", rep2.Imported, rep2.Skipped, rep.Imported, rep.Skipped, err)
		}
	})
}
