package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	// These tests read the English messages; the default would be Chinese.
	t.Setenv("LC_ALL", "en_US.UTF-8")
	var out, errb bytes.Buffer
	code := Run("test", args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCalendarImportMakesDeadlinesFollowIt(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "office.db")
	// 2027 has no shipped data: a due date there is provisional, Monday–Friday.
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cal := st.Settings().Calendar()
	fri := time.Date(2027, 2, 5, 10, 0, 0, 0, workflow.ChinaTZ) // a Friday before the 2027 Spring Festival
	due, prov := cal.AddWorkdays(fri, 1)
	if !prov || due.Day() != 8 {
		t.Fatalf("before import: due %v provisional %v, want Mon 8 Feb provisional", due, prov)
	}
	st.Close()

	file := filepath.Join(dir, "2027.json")
	data := `{"year":2027,"source":"测试用安排","holidays":[{"date":"2027-02-06","name":"春节"},{"date":"2027-02-07","name":"春节"},{"date":"2027-02-08","name":"春节"},{"date":"2027-02-09","name":"春节"}],"workdays":[]}`
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "calendar", "import", file, "--db", db); code != 0 || !strings.Contains(out, "2027 imported") {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	st, err = store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	due, prov = st.Settings().Calendar().AddWorkdays(fri, 1)
	if prov || due.Day() != 10 {
		t.Fatalf("after import: due %v provisional %v, want Wed 10 Feb, not provisional", due, prov)
	}
}

func TestCalendarImportRejectsBadFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.json")
	os.WriteFile(file, []byte(`{"year":2027,"source":"x","holidays":[{"date":"2027-13-01","name":"春节"}]}`), 0o600)
	code, _, errs := runCLI(t, "calendar", "import", file, "--db", filepath.Join(dir, "d.db"))
	if code == 0 || !strings.Contains(errs, "not a valid calendar year") {
		t.Fatalf("bad file accepted: %d %s", code, errs)
	}
}

func TestSLASetPerRecordType(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	if code, out, errs := runCLI(t, "sla", "set", "investigating", "15", "--type", "court_dishonest", "--db", db); code != 0 || !strings.Contains(out, "(only court_dishonest)") {
		t.Fatalf("%d %s %s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "sla", "set", "closed", "3", "--db", db); code != 2 || !strings.Contains(errs, "not a stage") {
		t.Fatalf("terminal stage accepted: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "sla", "set", "investigating", "0", "--db", db); code != 2 || !strings.Contains(errs, "1 to 365") {
		t.Fatalf("zero days accepted: %d %s", code, errs)
	}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, _ := st.Settings().SLA.StageLimit(workflow.StageInvestigating, "court_dishonest")
	d, _ := st.Settings().SLA.StageLimit(workflow.StageInvestigating, "overdue_loan")
	if l.Days != 15 || d.Days != 10 {
		t.Fatalf("limits court %d, loan %d", l.Days, d.Days)
	}
}

func TestUnknownCommandAndVersion(t *testing.T) {
	if code, _, errs := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("%d %s", code, errs)
	}
	if code, out, _ := runCLI(t, "version"); code != 0 || out != "repairdesk test\n" {
		t.Fatalf("%d %s", code, out)
	}
}

// An admin writes out the templates, adapts one, and enables them: new letters use the
// adapted text; a letter issued before keeps its words; broken templates are refused.
func TestAdaptedLetterTemplates(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "office.db")
	tpl := filepath.Join(dir, "templates")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wang := workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	st.PutStaff(workflow.Staff{}, wang)
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "河南信修信用管理有限公司", CreditCode: "91110000600037341L", LegalRep: "张三"},
		Agent:      workflow.Agent{Name: "王五", Phone: "13812345678", IDNumber: "11010519491231002X"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "某银行", Date: "2025-03-01", Problem: "wrong_data"}},
	}
	before, err := st.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	if code, _, errs := runCLI(t, "letters", "templates", tpl); code != 0 {
		t.Fatalf("templates: %d %s", code, errs)
	}
	if code, _, _ := runCLI(t, "letters", "templates", tpl); code == 0 {
		t.Fatal("writing the templates twice overwrote the admin's files")
	}
	path := filepath.Join(tpl, "receipt.zh.tmpl")
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), "现予登记", "现予登记（本所已开通线上查询）", 1)), 0o644)
	if code, out, errs := runCLI(t, "letters", "use", tpl, "--db", db); code != 0 || !strings.Contains(out, "new letters use") {
		t.Fatalf("use: %d %s %s", code, out, errs)
	}
	broken := filepath.Join(dir, "broken")
	os.MkdirAll(broken, 0o755)
	os.WriteFile(filepath.Join(broken, "receipt.zh.tmpl"), []byte("{{define \"title\"}}x{{end}}{{.NoSuchField"), 0o644)
	if code, _, errs := runCLI(t, "letters", "use", broken, "--db", db); code == 0 || !strings.Contains(errs, "cannot be used") {
		t.Fatalf("broken templates accepted: %d %s", code, errs)
	}

	st, err = store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	after, err := st.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	letter := func(id uint32) string {
		evs, _ := st.Events(id)
		return evs[0].Letter.Body
	}
	if !strings.Contains(letter(after.ID), "本所已开通线上查询") {
		t.Error("the new letter does not use the adapted template")
	}
	if strings.Contains(letter(before.ID), "本所已开通线上查询") {
		t.Error("a letter already issued changed with the template")
	}
}

// TestSLAGoalIsASettingShownByReport: the handling-time baseline and target (seed 001:
// 平均处理时长从最初的35天压缩至15天以内) default to 35 and 15, are an admin's setting
// (`sla goal`), and `sla show` and `report` show the ones in force beside the average.
func TestSLAGoalIsASettingShownByReport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	if code, out, errs := runCLI(t, "sla", "show", "--db", db); code != 0 || !strings.Contains(out, "baseline 35, target at most 15") {
		t.Fatalf("the default goal: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "report", "--period", "2026-Q1", "--db", db); code != 0 ||
		!strings.Contains(out, "baseline 35 days → target at most 15") || !strings.Contains(out, "Baseline and target:") {
		t.Fatalf("the report lacks the default goal or its definition: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "sla", "goal", "30", "12", "--db", db); code != 0 || !strings.Contains(out, "baseline 30, target at most 12") {
		t.Fatalf("sla goal: %d %s %s", code, out, errs)
	}
	for _, bad := range [][2]string{{"15", "20"}, {"0", "10"}, {"35", "x"}} {
		if code, _, errs := runCLI(t, "sla", "goal", bad[0], bad[1], "--db", db); code != 2 || errs == "" {
			t.Fatalf("goal %v accepted: %d %s", bad, code, errs)
		}
	}
	if code, out, errs := runCLI(t, "report", "--period", "2026-Q1", "--db", db); code != 0 || !strings.Contains(out, "baseline 30 days → target at most 12") {
		t.Fatalf("the report does not follow the setting: %d %s %s", code, out, errs)
	}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if g := st.Settings().SLA.HandlingGoal(); g != (workflow.HandlingGoal{Baseline: 30, Target: 12}) {
		t.Fatalf("stored goal %+v", g)
	}
}
