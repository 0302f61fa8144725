package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const runawayTemplate = `{{define "title"}}受理回执{{end}}{{range 300000000}}{{end}}`

// cliWithin runs the command line and fails the test if it takes longer than d.
func cliWithin(t *testing.T, d time.Duration, args ...string) (int, string, string) {
	t.Helper()
	type res struct {
		code     int
		out, err string
	}
	done := make(chan res, 1)
	go func() {
		c, o, e := cli(t, args...)
		done <- res{c, o, e}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.err
	case <-time.After(d):
		t.Fatalf("repairdesk %s did not finish within %s", strings.Join(args, " "), d)
		return 0, "", ""
	}
}

// letters use refuses a runaway template at once, with the file and the reason.
func TestLettersUseRefusesRunawayTemplate(t *testing.T) {
	db := dataDB(t)
	dir := filepath.Join(t.TempDir(), "letters")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "receipt.zh.tmpl"), []byte(runawayTemplate), 0o644)
	code, out, errs := cliWithin(t, 10*time.Second, "letters", "use", dir, "--db", db)
	if code == 0 || !strings.Contains(errs, "receipt.zh.tmpl") || !strings.Contains(errs, "range") {
		t.Fatalf("runaway template: exit %d\n%s%s", code, out, errs)
	}
}

// With a runaway template planted in the active directory after letters use accepted
// it, check, export and staff list finish promptly: none of them renders a template.
func TestRunawayTemplateInActiveDirDoesNotHangCommands(t *testing.T) {
	db := dataDB(t)
	dir := filepath.Join(t.TempDir(), "letters")
	if code, _, errs := cli(t, "letters", "templates", dir); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := cli(t, "letters", "use", dir, "--db", db); code != 0 {
		t.Fatal(errs)
	}
	for _, f := range []string{"receipt.zh.tmpl", "notice.en.tmpl"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(runawayTemplate), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"check", "--db", db},
		{"export", "--db", db},
		{"staff", "list", "--db", db},
		{"report", "--db", db},
	} {
		if code, out, errs := cliWithin(t, 10*time.Second, args...); code != 0 {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
}
