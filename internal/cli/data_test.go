package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

var dataClerk = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}

// dataDB creates a database holding the clerk and returns its path.
func dataDB(t *testing.T) string {
	t.Helper()
	t.Setenv(store.KeyEnv, "")
	db := filepath.Join(t.TempDir(), "office.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutStaff(workflow.Staff{}, dataClerk); err != nil {
		t.Fatal(err)
	}
	st.Close()
	return db
}

// dataCmd runs one command (import, backup, check, restore) as the shell would.
func dataCmd(name string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run("test", append([]string{name}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

const dataCSV = "\ufeffenterprise_name,credit_code,legal_rep,address,agent_name,agent_phone,agent_id_number,auth_letter,source,record_type,institution,record_date,amount_yuan,problem,tier,detail,external_ref\r\n" +
	"郑州华信商贸有限公司,91110000600037341L,张伟,郑州市,刘洋,13812345678,11010519491231002X,SQ-1,人民银行征信中心,贷款逾期,工商银行,2025-03-01,100,信息错误,,,EXT-1\r\n" +
	"\x1b[2J坏公司,91512081MA62K0260E,张伟,,刘洋,13812345678,110105194912310021,,pbc,overdue_loan,某行,2025-03-01,,wrong_data,,,EXT-2\r\n" +
	"北京中原物流有限公司,9131000063159284XQ,李强,,赵敏,13912345678,11010519491231002X,,Credit China,admin_penalty,市场监管局,2024-01-05,5000,corrected_dishonest,一般,,EXT-3\r\n"

func TestDataImportCLI(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8") // the assertions read the English messages
	db := dataDB(t)
	csvFile := filepath.Join(t.TempDir(), "batch.csv")
	if err := os.WriteFile(csvFile, []byte(dataCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := dataCmd("import", csvFile, "--db", db, "--as", "wangfang", "--lang", "en")
	if code != 1 { // one bad row
		t.Fatalf("import exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"line 2 (EXT-1): imported as XF-", "line 4 (EXT-3): imported as XF-", "line 3 (EXT-2): not imported: enterprise_name:",
		"line 3 (EXT-2): not imported: agent_id_number:", "3 rows: 2 imported, 0 already imported, 1 not imported"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(errs, 0x1b) {
		t.Error("the report carries an escape character from the file")
	}
	code, out, _ = dataCmd("import", csvFile, "--db", db, "--as", "wangfang", "--lang", "zh")
	if code != 1 || !strings.Contains(out, "新受理 0，已导入过 2，未导入 1") || !strings.Contains(out, "第 2 行（EXT-1）：已导入过（XF-") {
		t.Errorf("second run (exit %d):\n%s", code, out)
	}
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Snapshot().List()); n != 2 {
		t.Errorf("%d cases after two runs, want 2", n)
	}
	st.Close()

	if code, _, errs := dataCmd("import", csvFile, "--db", db, "--as", "nobody"); code != 1 || !strings.Contains(errs, "nobody") {
		t.Errorf("unknown --as: exit %d, %q", code, errs)
	}
	missing := filepath.Join(t.TempDir(), "none.db")
	if code, _, _ := dataCmd("import", csvFile, "--db", missing, "--as", "wangfang"); code != 1 {
		t.Errorf("import into a missing database: exit %d", code)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Error("import created a database")
	}
}

func dataFill(t *testing.T, st *store.Store, n int) {
	t.Helper()
	for i := range n {
		in := workflow.Intake{
			Enterprise: workflow.Enterprise{Name: "郑州华信商贸有限公司", CreditCode: "91110000600037341L", LegalRep: "张伟"},
			Agent:      workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: "11010519491231002X"},
			Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "工商银行", Date: "2025-03-01", Problem: "wrong_data"}},
		}
		c, err := st.Create(dataClerk, in, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Apply(c.ID, c.Version, dataClerk, workflow.Action{Kind: workflow.ActComment, Comment: "备注"}); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
}

// TestBackupAndCheckWhileOpen: backup and check work while the console holds the file.
func TestBackupAndCheckWhileOpen(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8") // the assertions read the English messages
	db := dataDB(t)
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dataFill(t, st, 3)
	dest := filepath.Join(t.TempDir(), "backup.db")

	// Without the control socket the locked file cannot be copied: a clear failure.
	code, out, errs := dataCmd("backup", dest, "--db", db)
	if code != 1 || !strings.Contains(errs, "control socket") || !strings.Contains(errs, db) {
		t.Errorf("backup with no socket: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Fatal("a failed backup left a file")
	}

	stop, err := st.ServeControl(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	code, out, errs = dataCmd("backup", dest, "--db", db)
	if code != 0 || !strings.Contains(out, "taken from the running repairdesk") || !strings.Contains(out, "verified: 3 cases") || !strings.Contains(out, db+".key") {
		t.Fatalf("backup while open: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = dataCmd("backup", dest, "--db", db)
	if code != 1 || !strings.Contains(errs, "already exists") {
		t.Errorf("backup over an existing file: exit %d %s", code, errs)
	}
	code, out, errs = dataCmd("check", "--db", db)
	if code != 0 || !strings.Contains(out, "ok — checked by the running repairdesk") {
		t.Errorf("check while open: exit %d\n%s%s", code, out, errs)
	}
	stop()
	st.Close()
	code, out, _ = dataCmd("check", "--db", db)
	if code != 0 || !strings.Contains(out, "ok — 3 cases") {
		t.Errorf("check when closed: exit %d\n%s", code, out)
	}
	dest2 := filepath.Join(t.TempDir(), "backup2.db")
	code, out, _ = dataCmd("backup", dest2, "--db", db)
	if code != 0 || strings.Contains(out, "running repairdesk") || !strings.Contains(out, "verified: 3 cases") {
		t.Errorf("backup when closed: exit %d\n%s", code, out)
	}
}

func TestRestoreCLI(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8") // the assertions read the English messages
	db := dataDB(t)
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dataFill(t, st, 2)
	st.Close()
	backup := filepath.Join(t.TempDir(), "backup.db")
	if code, out, errs := dataCmd("backup", backup, "--db", db); code != 0 {
		t.Fatalf("backup: %s%s", out, errs)
	}
	st, err = store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dataFill(t, st, 1)
	code, _, errs := dataCmd("restore", backup, "--db", db)
	if code != 1 || !strings.Contains(errs, "refused") || !strings.Contains(errs, "already open") {
		t.Errorf("restore onto an open database: exit %d %s", code, errs)
	}
	st.Close()
	code, out, errs := dataCmd("restore", backup, "--db", db)
	if code != 0 || !strings.Contains(out, "verified, 2 cases") || !strings.Contains(out, "kept as "+db+".before-restore-") {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errs)
	}
	st, err = store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := len(st.Snapshot().List()); n != 2 {
		t.Errorf("%d cases after restore, want 2", n)
	}
	if err := st.KeyProblem(); err != nil {
		t.Errorf("restored database: %v", err)
	}
}
