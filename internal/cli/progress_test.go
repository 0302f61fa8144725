package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// runWith runs the command line as Run does, with ctx as what Ctrl+C cancels and hook
// hearing the progress of long work.
func runWith(ctx context.Context, hook func(what string, done, total int64), args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, version: "test", ctx: ctx, progressHook: hook}
	a.langFlag = scanLang(args)
	a.lang = "en"
	return a.execute(args)
}

var (
	demoOnce sync.Once
	demoDir  string
)

// progressDemo is a directory holding a demo database of 300 cases (made once per
// test binary; tests copy it).
func progressDemo(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "repairdesk-progress-*")
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(filepath.Join(dir, "r.db"), store.Options{KeyFile: filepath.Join(dir, "r.db.key")})
		if err != nil {
			t.Fatal(err)
		}
		if err := office.GenerateDemo(st, 300, 4); err != nil {
			t.Fatal(err)
		}
		st.Close()
		demoDir = dir
	})
	if demoDir == "" {
		t.Fatal("no demo database")
	}
	t.Setenv(store.KeyEnv, "")
	return copyDir(t, demoDir)
}

// entries lists a directory's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

const progressBytes = "\r\x1b[K" // what a progress line is drawn and cleared with

// TestProgressSilentOffATerminal: export, check, backup, demo and restore say nothing of
// their progress when standard error is not a terminal (a pipe, a file, a log), and the
// hook sees that they did report it.
func TestProgressSilentOffATerminal(t *testing.T) {
	dir := progressDemo(t)
	db := filepath.Join(dir, "r.db")
	out := t.TempDir()
	heard := map[string]int64{}
	hook := func(what string, done, total int64) { heard[what] = max(heard[what], done) }
	copyKey(t, db+".key", filepath.Join(out, "restored.db.key"))
	for _, args := range [][]string{
		{"export", "--db", db, "--format", "json", "--out", filepath.Join(out, "all.json")},
		{"export", "--db", db, "--out", "-"},
		{"check", "--db", db},
		{"backup", "--db", db, filepath.Join(out, "b.db")},
		{"demo", "--db", filepath.Join(out, "d.db"), "--cases", "20"},
		{"restore", "--db", filepath.Join(out, "restored.db"), filepath.Join(out, "b.db")},
	} {
		var o, e bytes.Buffer
		if code := runWith(context.Background(), hook, args, &o, &e); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, e.String())
		}
		if strings.ContainsAny(e.String(), "\r\x1b") || strings.ContainsAny(o.String(), "\r\x1b") && args[0] != "export" {
			t.Errorf("%v wrote progress off a terminal: %q", args, e.String())
		}
	}
	for _, what := range []string{"progress.export", "progress.check", "progress.backup", "progress.demo", "progress.restore"} {
		if heard[what] == 0 {
			t.Errorf("%s reported no progress (%v)", what, heard)
		}
	}
}

// TestProgressOnATerminal: with standard error on a terminal (a pty), export shows its
// progress there, cleared at the end, while the data on standard output (--out -, a
// pipe) stays clean JSON.
func TestProgressOnATerminal(t *testing.T) {
	dir := progressDemo(t)
	db := filepath.Join(dir, "r.db")
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer ptmx.Close()
	var term bytes.Buffer
	read := make(chan struct{})
	go func() { io.Copy(&term, ptmx); close(read) }()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), corruptChildEnv+"="+strings.Join([]string{"export", "--db", db, "--format", "json", "--out", "-", "--lang", "en"}, "\x1f"), store.KeyEnv+"=")
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	if err := cmd.Run(); err != nil {
		t.Fatalf("export: %v: %s", err, term.String())
	}
	tty.Close()
	<-read
	var items []json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &items); err != nil || len(items) != 300 {
		t.Fatalf("the data is not clean JSON of 300 cases (%d): %v", len(items), err)
	}
	shown := term.String()
	if !strings.Contains(shown, "export: ") || !strings.Contains(shown, " / 300 cases") || !strings.HasSuffix(shown, progressBytes) {
		t.Fatalf("no progress line on the terminal, or not cleared: %q", shown)
	}
}

// TestExportInterruptedLeavesNothing: Ctrl+C in the middle of an export (the context
// cancelled once 200 cases are written) leaves neither the files nor their partial
// forms, says so, and exits 130; the database is unchanged.
func TestExportInterruptedLeavesNothing(t *testing.T) {
	dir := progressDemo(t)
	db := filepath.Join(dir, "r.db")
	before, _ := os.ReadFile(db)
	for _, format := range []string{"csv", "json"} {
		out := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		hook := func(what string, done, total int64) {
			if done >= 200 {
				cancel()
			}
		}
		var o, e bytes.Buffer
		code := runWith(ctx, hook, []string{"export", "--db", db, "--format", format, "--out", filepath.Join(out, "x."+format)}, &o, &e)
		cancel()
		if code != exitInterrupted || !strings.Contains(e.String(), "interrupted") {
			t.Fatalf("%s: exit %d, %q", format, code, e.String())
		}
		if left := entries(t, out); len(left) != 0 {
			t.Fatalf("%s: an interrupted export left %v", format, left)
		}
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("an export changed the database")
	}
}

// TestExportSIGINT: a real Ctrl+C (SIGINT to the process) while an export writes its
// file: the process exits 130 and no file, whole or partial, is left.
func TestExportSIGINT(t *testing.T) {
	dir := progressDemo(t)
	db := filepath.Join(dir, "r.db")
	out := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), corruptChildEnv+"="+strings.Join([]string{"export", "--db", db, "--format", "json", "--out", filepath.Join(out, "all.json"), "--lang", "en"}, "\x1f"), store.KeyEnv+"=")
	var e bytes.Buffer
	cmd.Stderr = &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(entries(t, out)) == 0 && time.Now().Before(deadline) { // the partial file exists: it is writing
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("after SIGINT: %v (%s); left %v", err, e.String(), entries(t, out))
	}
	if left := entries(t, out); len(left) != 0 {
		t.Fatalf("SIGINT left %v", left)
	}
}

// TestExportThroughSocketInterrupted: the same export sent through the control socket
// of a process holding the database (no progress is shown that way), cut off by Ctrl+C
// on the command line's side: the file it was writing there is removed, and the holding
// process goes on working.
func TestExportThroughSocketInterrupted(t *testing.T) {
	dir := progressDemo(t)
	db := filepath.Join(dir, "r.db")
	st, err := store.Open(db, store.Options{Mode: "serve"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutStaff(workflow.Staff{}, workflow.Staff{Name: osUser(), Role: workflow.RoleAdmin, Active: true}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	holdDB(t, db)
	out := t.TempDir()
	target := filepath.Join(out, "all.json")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			if fi, err := os.Stat(target); err == nil && fi.Size() > 0 {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var o, e bytes.Buffer
	heard := false
	code := runWith(ctx, func(string, int64, int64) { heard = true }, []string{"export", "--db", db, "--format", "json", "--out", target}, &o, &e)
	cancel()
	if code != exitInterrupted {
		t.Fatalf("exit %d: %s", code, e.String())
	}
	if left := entries(t, out); len(left) != 0 {
		t.Fatalf("the interrupted remote export left %v", left)
	}
	if heard {
		t.Error("the command line's side heard progress of a remote command")
	}
	// The holding process still answers.
	var o2, e2 bytes.Buffer
	if code := Run("test", []string{"report", "--db", db, "--period", "year"}, &o2, &e2); code != 0 {
		t.Fatalf("after the cut: report exit %d: %s", code, e2.String())
	}
}

// TestBackupAndDemoInterrupted: Ctrl+C while a backup copies leaves no backup, no
// temporary copy and no anchors beside it; Ctrl+C while a demo is made in a new file
// removes the file and what was created beside it.
func TestBackupAndDemoInterrupted(t *testing.T) {
	dir := progressDemo(t)
	db := filepath.Join(dir, "r.db")
	out := t.TempDir()
	stopAt := func(what string) (context.Context, func(string, int64, int64)) {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		if what == "" {
			cancel()
		}
		return ctx, func(w string, done, total int64) {
			if w == what && done > 0 {
				cancel()
			}
		}
	}
	for _, tc := range []struct {
		what string
		args []string
	}{
		{"progress.backup", []string{"backup", "--db", db, filepath.Join(out, "b.db")}},
		{"progress.check", []string{"backup", "--db", db, filepath.Join(out, "b.db")}}, // while the copy is verified
		{"", []string{"demo", "--db", filepath.Join(out, "d.db"), "--cases", "5"}},     // Ctrl+C before the first batch
		{"progress.check", []string{"restore", "--db", filepath.Join(out, "new.db"), filepath.Join(dir, "r.db")}},
	} {
		if tc.args[0] == "restore" {
			copyKey(t, db+".key", filepath.Join(out, "new.db.key"))
		}
		ctx, hook := stopAt(tc.what)
		var o, e bytes.Buffer
		code := runWith(ctx, hook, tc.args, &o, &e)
		if code != exitInterrupted || !strings.Contains(e.String(), "interrupted") {
			t.Fatalf("%v stopped at %s: exit %d: %s", tc.args, tc.what, code, e.String())
		}
		left := entries(t, out)
		if tc.args[0] == "restore" && len(left) == 1 && left[0] == "new.db.key" {
			left = nil // put there by the test
		}
		if len(left) != 0 {
			t.Fatalf("%v stopped at %s left %v", tc.args, tc.what, left)
		}
	}
}

func copyKey(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestImportProgressAndInterrupt: an import reports its progress (silently off a
// terminal), and Ctrl+C between rows stops it: here before the first row, so nothing
// was taken in; run again, the file imports whole.
func TestImportProgressAndInterrupt(t *testing.T) {
	db := dataDB(t)
	csvFile := filepath.Join(t.TempDir(), "batch.csv")
	if err := os.WriteFile(csvFile, []byte(dataCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"import", csvFile, "--db", db, "--as", "wangfang"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var o, e bytes.Buffer
	code := runWith(ctx, func(what string, done, total int64) {
		if what == "progress.import" {
			cancel()
		}
	}, args, &o, &e)
	if code != exitInterrupted || !strings.Contains(e.String(), "interrupted") {
		t.Fatalf("exit %d: %s %s", code, o.String(), e.String())
	}
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	n := st.Snapshot().Len()
	st.Close()
	if n != 0 {
		t.Fatalf("an import stopped before its first row took in %d cases", n)
	}
	var last, total int64
	o.Reset()
	e.Reset()
	code = runWith(context.Background(), func(what string, done, tot int64) { last, total = done, tot }, args, &o, &e)
	if code != 1 || !strings.Contains(o.String(), "2 imported") { // one bad row, as in TestDataImportCLI
		t.Fatalf("exit %d: %s %s", code, o.String(), e.String())
	}
	if total != int64(len(dataCSV)) || last != total || strings.ContainsAny(e.String(), "\r\x1b") {
		t.Fatalf("progress %d of %d (file %d bytes); stderr %q", last, total, len(dataCSV), e.String())
	}
}
