package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"repairdesk/internal/msg/msgtest"
	"repairdesk/store"
)

// everyCommand lists the path of every command cobra knows, subcommands included.
func everyCommand() [][]string {
	a := &app{lang: "zh", stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	var out [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string(nil), path...), sub.Name())
			out = append(out, p)
			walk(sub, p)
		}
	}
	walk(a.rootCmd(), nil)
	return out
}

// cliData is what cliDB put into the database, as it may show in either language.
func cliData(t *testing.T, db string) string {
	t.Helper()
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b strings.Builder
	for id := uint32(1); id <= 3; id++ {
		c, err := st.Case(id)
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := st.Events(id)
		j, _ := json.Marshal([]any{c, evs})
		b.Write(j)
	}
	j, _ := json.Marshal(st.ListStaff())
	b.Write(j)
	return b.String()
}

// TestEveryCommandSpeaksOneLanguage runs every command of the command line — its help,
// an unknown flag, too many arguments, and the main paths, successful and refused — in
// Chinese and in English, and fails on an English sentence in the Chinese output, Chinese
// (other than the data) in the English output, or a raw catalogue key in either.
func TestEveryCommandSpeaksOneLanguage(t *testing.T) {
	db, _ := cliDB(t)
	data := cliData(t, db) + "乙公司 月亮 甲公司"
	dir := t.TempDir()
	badCSV := filepath.Join(dir, "bad.csv")
	os.WriteFile(badCSV, []byte("企业名称,统一社会信用代码,colour\n甲公司,123,red\n"), 0o600)
	rowsCSV := filepath.Join(dir, "rows.csv")
	os.WriteFile(rowsCSV, []byte("企业名称,统一社会信用代码,法定代表人,经办人,经办人电话,经办人身份证号,记录来源,记录类型,报送机构,记录日期,异议问题\n"+
		"乙公司,91110000600037341X,张三,李四,123,11010519491231002Y,月亮,overdue_loan,银行,2026-13-01,wrong_data\n"), 0o600)
	keyFile := filepath.Join(dir, "k.pub")
	os.WriteFile(keyFile, []byte("not a key\n"), 0o600)
	letterFile := filepath.Join(dir, "letter.txt")
	os.WriteFile(letterFile, []byte("XF-2026-000001 核验码：ABCDE-FGHIJ\n"), 0o600)

	var runs [][]string
	for _, p := range everyCommand() {
		runs = append(runs, append(append([]string(nil), p...), "--help"))
		runs = append(runs, append(append([]string(nil), p...), "--no-such-flag"))
		if p[0] != "help" && p[0] != "completion" && p[0] != "serve" {
			runs = append(runs, append(append([]string(nil), p...), "x1", "x2", "x3", "x4", "--db", db))
		}
	}
	n := 0
	out := func(name string) string { n++; return filepath.Join(dir, name+strings.Repeat("x", n)) }
	runs = append(runs,
		[]string{"--help"}, []string{"exprot"}, []string{"version"},
		[]string{"staff", "list", "--db", db},
		[]string{"staff", "list", "--role", "boss", "--db", db},
		[]string{"staff", "add", "Bad Name", "--db", db},
		[]string{"staff", "add", "lijun", "--role", "boss", "--db", db},
		[]string{"staff", "key", "add", "wangfang", keyFile, "--db", db},
		[]string{"staff", "key", "remove", "wangfang", "SHA256:nope", "--db", db},
		[]string{"staff", "disable", "nobody", "--db", db},
		[]string{"staff", "pin-reset", "nobody", "--db", db},
		[]string{"report", "--period", "2026-Q1", "--db", db},
		[]string{"report", "--period", "2026-Q1", "--format", "csv", "--db", db},
		[]string{"report", "--period", "2026-13", "--db", db},
		[]string{"report", "--period", "2026-Q5", "--db", db},
		[]string{"report", "--period", "whenever", "--db", db},
		[]string{"report", "--format", "xlsx", "--db", db},
		[]string{"export", "--format", "csv", "--out", out("e.csv"), "--db", db},
		[]string{"export", "--format", "json", "--since", "2026-04-01", "--out", out("e.json"), "--db", db},
		[]string{"export", "--format", "xml", "--db", db},
		[]string{"export", "--since", "1 April", "--db", db},
		[]string{"letter", "1", "notice", "--out", out("n.txt"), "--db", db},
		[]string{"letter", "XF-2026-000002", "result", "--out", out("r.txt"), "--db", db},
		[]string{"letter", "1", "decline", "--db", db},
		[]string{"letter", "1", "invoice", "--db", db},
		[]string{"letter", "XF-2026-009999", "receipt", "--db", db},
		[]string{"letter", "1", "notice", "--round", "7", "--db", db},
		[]string{"verify", letterFile, "--db", db},
		[]string{"verify", filepath.Join(dir, "none.txt"), "--db", db},
		[]string{"check", "--db", db},
		[]string{"backup", out("b.db"), "--db", db},
		[]string{"restore", filepath.Join(dir, "none.db"), "--db", filepath.Join(dir, "r.db")},
		[]string{"import", badCSV, "--db", db, "--as", "wangfang"},
		[]string{"import", rowsCSV, "--db", db, "--as", "wangfang"},
		[]string{"import", rowsCSV, "--db", db, "--as", "nobody"},
		[]string{"sla", "--db", db},
		[]string{"sla", "set", "closed", "0", "--db", db},
		[]string{"sla", "set", "investigating", "many", "--db", db},
		[]string{"calendar", "--db", db},
		[]string{"calendar", "import", badCSV, "--db", db},
		[]string{"letters", "use", "--db", db},
		[]string{"letters", "use", dir, "--db", db},
		[]string{"demo", "--cases", "0", "--db", filepath.Join(dir, "d.db")},
		[]string{"demo", "--db", db},
		[]string{"completion", "klingon"},
	)
	for _, lang := range []string{"zh", "en"} {
		for _, args := range runs {
			a := append(append([]string(nil), args...), "--lang", lang)
			if args[len(args)-1] == "--help" || args[0] == "completion" {
				a = append([]string{"--lang", lang}, args...)
			}
			done := make(chan struct{})
			var code int
			var stdout, stderr string
			go func() {
				defer close(done)
				var o, e bytes.Buffer
				code = Run("test", a, &o, &e)
				stdout, stderr = o.String(), e.String()
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("repairdesk %s did not return", strings.Join(a, " "))
			}
			_ = code
			for _, p := range msgtest.Problems(lang, stdout+"\n"+stderr, data) {
				t.Errorf("repairdesk %s (%s): %s", strings.Join(args, " "), lang, p)
			}
		}
	}
}
