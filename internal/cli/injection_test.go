package cli

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"repairdesk/store"
	"repairdesk/workflow"
)

// csvInjections are cells a spreadsheet runs as formulas (OWASP CSV injection), plain,
// full-width and behind a zero-width character.
var csvInjections = []string{
	"=1+1", "+cmd|' /C calc'!A0", "@SUM(1,1)*cmd|' /C calc'!A0", "-1+1", "-1",
	"＝1+1", "＋cmd|' /C calc'!A0", "－1", "＠SUM(1,1)",
	"\u200b=1+1", "\ufeff@SUM(1,1)", "\u2060+1", "\u200c-1", "\u200d＝1", "\t=1+1",
}

// mdInjections are display names that a Markdown viewer would turn into HTML or links.
var mdInjections = []string{"<img src=x onerror=alert(1)>", "[l](javascript:alert(1))", "# big | *x*"}

// formulaLike is the test's own reading of what a spreadsheet takes for a formula: after
// zero-width characters and spaces, one of = + - @ (ASCII or full-width), tab or CR.
func formulaLike(cell string) bool {
	for cell != "" {
		r, n := utf8.DecodeRuneInString(cell)
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', ' ', '\u3000', '\u00a0':
			cell = cell[n:]
			continue
		}
		return strings.ContainsRune("=+-@\t\r＝＋－＠", r)
	}
	return false
}

// checkCSV parses a CSV file the product wrote and fails on any cell a spreadsheet would
// run; it returns how many cells were neutralised (start with ').
func checkCSV(t *testing.T, name string, data []byte) int {
	t.Helper()
	s := string(data)
	if !strings.HasPrefix(s, "\ufeff") {
		t.Errorf("%s: no BOM", name)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, "\ufeff")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	quoted := 0
	for i, rec := range recs {
		for j, c := range rec {
			if formulaLike(c) {
				t.Errorf("%s: row %d cell %d is a formula: %q", name, i+1, j+1, c)
			}
			if strings.HasPrefix(c, "'") {
				quoted++
			}
		}
	}
	return quoted
}

// injectionDB: one specialist per hostile name, each owning a case whose enterprise name
// and comment are that name too.
func injectionDB(t *testing.T) string {
	t.Helper()
	t.Setenv(store.KeyEnv, "")
	path := filepath.Join(t.TempDir(), "inj.db")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)
	st, err := store.Open(path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, name := range append(append([]string{}, csvInjections...), mdInjections...) {
		who := workflow.Staff{Name: fmt.Sprintf("s%d", i), Display: name, Role: workflow.RoleSpecialist, Active: true}
		if err := st.PutStaff(workflow.Staff{}, who); err != nil {
			t.Fatalf("staff %q: %v", name, err)
		}
		in := workflow.Intake{
			Enterprise: workflow.Enterprise{Name: name, CreditCode: "91110000600037341L", LegalRep: "张建国"},
			Agent:      workflow.Agent{Name: "王桂英", Phone: "13812345678", IDNumber: cliID},
			Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01",
				Problem: "non_malicious_overdue"}},
			Owner: who.Name, ReceivedAt: now,
		}
		if _, err := st.Create(who, in, name); err != nil {
			t.Fatalf("case %q: %v", name, err)
		}
	}
	return path
}

func TestCSVInjectionExport(t *testing.T) {
	db := injectionDB(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "cases.csv")
	if code, _, errs := cli(t, "export", "--format", "csv", "--out", f, "--db", db, "--lang", "zh"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, name := range []string{"cases.csv", "cases-events.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		// Each hostile name is in each file (enterprise, owner; comment, actor) at least once.
		if n := checkCSV(t, name, b); n < len(csvInjections) {
			t.Errorf("%s: %d cells neutralised, want at least %d", name, n, len(csvInjections))
		}
	}
}

func TestCSVInjectionReport(t *testing.T) {
	db := injectionDB(t)
	code, out, errs := cli(t, "report", "--period", "2026-Q1", "--format", "csv", "--db", db, "--lang", "zh")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := checkCSV(t, "report", []byte(out)); n < len(csvInjections) {
		t.Errorf("%d cells neutralised, want at least %d (one per specialist):\n%s", n, len(csvInjections), out)
	}
}

func TestMarkdownInjectionReport(t *testing.T) {
	db := injectionDB(t)
	code, out, errs := cli(t, "report", "--period", "2026-Q1", "--format", "md", "--db", db, "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, bad := range []string{"<img", "](javascript", "[l]", "| # big |", "*x*"} {
		if strings.Contains(out, bad) {
			t.Errorf("the Markdown report carries %q raw", bad)
		}
	}
	for _, want := range []string{`| &lt;img src=x onerror=alert\(1\)&gt; | 1 |`, `| \[l\]\(javascript:alert\(1\)\) | 1 |`, `| \# big \| \*x\* | 1 |`} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	// The table keeps its shape: every workload row has its five pipes.
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "javascript") && strings.Count(l, "|")-strings.Count(l, `\|`) != 5 {
			t.Errorf("row split: %q", l)
		}
	}
	// The period as typed is escaped too.
	_, out, _ = cli(t, "report", "--period", "2026-01-01..2026-03-31", "--format", "md", "--db", db)
	if strings.Contains(out, "<") {
		t.Errorf("raw < in the report")
	}
}

func TestCSVInjectionImportErrors(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8")
	db := dataDB(t)
	var b strings.Builder
	b.WriteString("enterprise_name,credit_code,legal_rep,agent_name,agent_phone,agent_id_number,source,record_type,institution,record_date,problem,external_ref\r\n")
	w := csv.NewWriter(&b)
	for _, a := range csvInjections {
		// legal_rep missing: every row is bad, and its reference is the hostile text.
		w.Write([]string{a, "91110000600037341L", "", "刘洋", "13812345678", "11010519491231002X", "pbc", "overdue_loan", a, "2025-03-01", "wrong_data", a})
	}
	w.Flush()
	in := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		errFile := filepath.Join(t.TempDir(), "bad.csv")
		code, out, errs := dataCmd("import", in, "--db", db, "--as", "wangfang", "--errors", errFile, "--lang", lang)
		if code != 1 {
			t.Fatalf("exit %d: %s %s", code, out, errs)
		}
		data, err := os.ReadFile(errFile)
		if err != nil {
			t.Fatalf("no error report: %v\n%s%s", err, out, errs)
		}
		if n := checkCSV(t, "import errors "+lang, data); n < len(csvInjections) {
			t.Errorf("%s: %d cells neutralised, want at least %d:\n%s", lang, n, len(csvInjections), data)
		}
		head := map[string]string{"zh": "行号,", "en": "line,reference,column,problem"}[lang]
		if !strings.Contains(string(data), head) || !strings.Contains(string(data), "legal_rep") || !strings.Contains(out, errFile) {
			t.Errorf("%s report:\n%s\n%s", lang, data, out)
		}
		// Never over an existing file.
		if code, _, errs := dataCmd("import", in, "--db", db, "--as", "wangfang", "--errors", errFile); code != 1 || !strings.Contains(errs, "exists") {
			t.Errorf("existing --errors file: exit %d %s", code, errs)
		}
	}
}
