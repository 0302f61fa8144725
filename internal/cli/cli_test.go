package cli

import (
	"bytes"
	"github.com/mattn/go-runewidth"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"repairdesk/store"
)

// runIn runs the command line with LC_ALL set to locale.
func runIn(t *testing.T, locale string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("LC_ALL", locale)
	var out, errb bytes.Buffer
	code := Run("test", args, &out, &errb)
	return code, out.String(), errb.String()
}

var commands = []string{"serve", "staff", "demo", "letters", "calendar", "sla", "import", "check", "backup",
	"restore", "report", "letter", "export", "version", "completion", "help"}

// repairdesk --help lists every command, is what repairdesk help prints, and speaks the
// user's language.
func TestHelpListsEveryCommandInTheUsersLanguage(t *testing.T) {
	code, help, errs := runIn(t, "zh_CN.UTF-8", "--help")
	if code != 0 || errs != "" {
		t.Fatalf("--help: exit %d %s", code, errs)
	}
	for _, c := range commands {
		if !strings.Contains(help, "\n  "+c+" ") {
			t.Errorf("--help does not list %s:\n%s", c, help)
		}
	}
	if !strings.Contains(help, "用法：") || !strings.Contains(help, "参数：") || strings.Contains(help, "Usage:") || strings.Contains(help, "help for") {
		t.Errorf("Chinese help has English headings:\n%s", help)
	}
	if _, h2, _ := runIn(t, "zh_CN.UTF-8", "help"); h2 != help {
		t.Errorf("repairdesk help differs from --help:\n%s\n----\n%s", h2, help)
	}
	_, en, _ := runIn(t, "zh_CN.UTF-8", "--lang", "en", "--help")
	if !strings.Contains(en, "Usage:") || !strings.Contains(en, "Commands:") || strings.Contains(en, "用法") {
		t.Errorf("--lang en help:\n%s", en)
	}
	_, en, _ = runIn(t, "en_US.UTF-8", "export", "-h")
	if !strings.Contains(en, "--since DAY") || !strings.Contains(en, "Global flags") || !strings.Contains(en, "--db PATH") {
		t.Errorf("export -h:\n%s", en)
	}
}

func TestCompletionIsGenerated(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errs := runIn(t, "zh_CN.UTF-8", "completion", sh)
		if code != 0 || !strings.Contains(out, "repairdesk") || len(out) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes, %s", sh, code, len(out), errs)
		}
	}
}

// A flag is refused by a command that does not have it, in the user's language, with
// the way to its help; the old parser took every staff flag for every staff verb.
func TestUnknownFlagsRefusedPerCommand(t *testing.T) {
	db := dataDB(t)
	code, out, errs := runIn(t, "zh_CN.UTF-8", "staff", "list", "--display", "x", "--db", db)
	if code != 2 || !strings.Contains(errs, "未知参数 --display") || !strings.Contains(errs, "repairdesk staff list --help") || out != "" {
		t.Errorf("staff list --display: exit %d %q %q", code, out, errs)
	}
	code, _, errs = runIn(t, "en_US.UTF-8", "export", "--bogus", "--db", db)
	if code != 2 || !strings.Contains(errs, "unknown flag --bogus") || !strings.Contains(errs, "--help") {
		t.Errorf("export --bogus: exit %d %q", code, errs)
	}
	code, _, errs = runIn(t, "zh_CN.UTF-8", "demo", "--cases", "many", "--db", filepath.Join(t.TempDir(), "d.db"))
	if code != 2 || !strings.Contains(errs, `参数 --cases 的值 "many" 无效`) {
		t.Errorf("demo --cases many: exit %d %q", code, errs)
	}
	code, _, errs = runIn(t, "zh_CN.UTF-8", "exprot")
	if code != 2 || !strings.Contains(errs, `未知命令 "exprot"`) || !strings.Contains(errs, "export") {
		t.Errorf("a mistyped command: exit %d %q", code, errs)
	}
	code, _, errs = runIn(t, "zh_CN.UTF-8", "backup", "--db", db)
	if code != 2 || !strings.Contains(errs, "需要 1 个参数，实际给了 0 个") {
		t.Errorf("backup without FILE: exit %d %q", code, errs)
	}
}

func TestStaffListRole(t *testing.T) {
	db := dataDB(t)
	code, out, errs := runIn(t, "zh_CN.UTF-8", "staff", "list", "--role", "x", "--db", db)
	if code != 2 || out != "" || !strings.Contains(errs, `未知角色 "x"`) || !strings.Contains(errs, "specialist（修复专员）") {
		t.Errorf("staff list --role x: exit %d %q %q", code, out, errs)
	}
	if code, _, errs := runIn(t, "en_US.UTF-8", "staff", "add", "lijun", "--role", "boss", "--db", db); code != 2 || !strings.Contains(errs, `unknown role "boss"`) {
		t.Errorf("staff add --role boss: exit %d %q", code, errs)
	}
	if code, out, _ := runIn(t, "en_US.UTF-8", "staff", "add", "chenjing", "--role", "supervisor", "--db", db); code != 0 || !strings.Contains(out, "with 0 keys") {
		t.Errorf("staff add: exit %d %q", code, out)
	}
	code, out, _ = runIn(t, "zh_CN.UTF-8", "staff", "list", "--role", "supervisor", "--db", db)
	if code != 0 || !strings.Contains(out, "chenjing") || strings.Contains(out, "wangfang") || !strings.Contains(out, "在岗") || strings.Contains(out, "active") {
		t.Errorf("staff list --role supervisor: exit %d\n%s", code, out)
	}
}

// In Chinese the export says so in Chinese; in English with the right plural.
func TestExportMessageInTheUsersLanguage(t *testing.T) {
	db, _ := cliDB(t)
	dir := t.TempDir()
	code, _, errs := runIn(t, "zh_CN.UTF-8", "export", "--format", "json", "--out", filepath.Join(dir, "a.json"), "--db", db)
	if code != 0 || !strings.Contains(errs, "已导出 3 件案件 → ") || strings.Contains(errs, "exported") {
		t.Errorf("zh: exit %d %q", code, errs)
	}
	_, _, errs = runIn(t, "en_US.UTF-8", "export", "--format", "json", "--out", filepath.Join(dir, "b.json"), "--db", db)
	if !strings.Contains(errs, "exported 3 cases → ") {
		t.Errorf("en: %q", errs)
	}
	_, _, errs = runIn(t, "en_US.UTF-8", "export", "--format", "json", "--since", "2026-04-01", "--out", filepath.Join(dir, "c.json"), "--db", db)
	if !strings.Contains(errs, "exported 1 case → ") {
		t.Errorf("en, one case: %q", errs)
	}
	// Refusals too: no English sentence in the Chinese output.
	_, _, errs = runIn(t, "zh_CN.UTF-8", "export", "--format", "json", "--out", filepath.Join(dir, "a.json"), "--db", db)
	if !strings.Contains(errs, "已存在") || strings.Contains(errs, "already exists") {
		t.Errorf("zh, existing file: %q", errs)
	}
	_, _, errs = runIn(t, "zh_CN.UTF-8", "report", "--period", "2026-Q5", "--db", db)
	if !strings.Contains(errs, "季度应为") || strings.Contains(errs, " use ") {
		t.Errorf("zh, bad period: %q", errs)
	}
	_, _, errs = runIn(t, "zh_CN.UTF-8", "letter", "1", "decline", "--db", db)
	if !strings.Contains(errs, "没有 decline（不予修复说明）") || strings.Contains(errs, "has no") {
		t.Errorf("zh, missing letter: %q", errs)
	}
}

// The language flag after the command's own arguments still sets the help's language.
func TestScanLang(t *testing.T) {
	for args, want := range map[string]string{"export --lang en": "en", "--lang=en report": "en", "report": "", "letter -- --lang en": ""} {
		if got := scanLang(strings.Fields(args)); got != want {
			t.Errorf("%q: %q, want %q", args, got, want)
		}
	}
}

// The import report counts rows with the right plural.
func TestImportSummaryPlural(t *testing.T) {
	db := dataDB(t)
	f := filepath.Join(t.TempDir(), "one.csv")
	rows := strings.SplitAfter(dataCSV, "\r\n")
	os.WriteFile(f, []byte(rows[0]+rows[1]), 0o600)
	code, out, errs := runIn(t, "en_US.UTF-8", "import", f, "--db", db, "--as", "wangfang")
	if code != 0 || !strings.Contains(out, "1 row: 1 imported") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := len(st.Snapshot().List()); n != 1 {
		t.Errorf("%d cases", n)
	}
}

// staff list lines its columns up on a terminal: a Chinese name takes two cells a
// character, so the role column starts in the same cell on every line (it drifted by the
// names' length difference when padded by bytes or runes).
func TestStaffListColumnsAlign(t *testing.T) {
	db := dataDB(t)
	for _, p := range [][]string{{"wangwu", "王五"}, {"ouyangxiu", "欧阳修文"}, {"lilei", "Li Lei"}} {
		if code, _, errs := runIn(t, "zh_CN.UTF-8", "staff", "add", p[0], "--role", "specialist", "--display", p[1], "--db", db); code != 0 {
			t.Fatalf("staff add %s: %s", p[0], errs)
		}
	}
	code, out, _ := runIn(t, "zh_CN.UTF-8", "staff", "list", "--db", db)
	if code != 0 {
		t.Fatalf("staff list: exit %d", code)
	}
	col := -1
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		i := strings.Index(line, "specialist")
		if i < 0 {
			continue
		}
		c := runewidth.StringWidth(line[:i])
		if col >= 0 && c != col {
			t.Fatalf("the role column starts at cell %d and at cell %d:\n%s", col, c, out)
		}
		col = c
	}
	if col < 0 {
		t.Fatalf("no specialist listed:\n%s", out)
	}
}
