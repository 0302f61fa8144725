package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// TestImportBesideANodeSaysItIsNotAnchored: on a shared case base, a command run on the
// machine of a node that holds the anchor log goes on without anchoring — and says so,
// with the log and the number of case writes, instead of keeping quiet about it.
func TestImportBesideANodeSaysItIsNotAnchored(t *testing.T) {
	addr := pgtest.Addr(t)
	t.Setenv(store.KeyEnv, "")
	dir := t.TempDir()
	key := filepath.Join(dir, "node.key")
	node, err := store.Open(addr, store.Options{KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := node.PutStaff(workflow.Staff{}, dataClerk); err != nil {
		t.Fatal(err)
	}
	csvFile := filepath.Join(dir, "batch.csv")
	if err := os.WriteFile(csvFile, []byte(dataCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := dataCmd("import", csvFile, "--db", addr, "--key-file", key, "--as", "wangfang", "--lang", "en")
	if code != 1 || !strings.Contains(out, "2 imported") { // one bad row
		t.Fatalf("import exit %d\n%s\n%s", code, out, errs)
	}
	note := regexp.MustCompile(`note: a node on this machine holds the anchor log (\S+), so the \d+ case writes? of this command (are|is) in no anchor log`)
	m := note.FindStringSubmatch(errs)
	if m == nil || m[1] != key+".anchors" {
		t.Fatalf("no note on the unanchored writes, or the wrong log:\n%s", errs)
	}
	// The node's own writes are anchored as before; the command's are not in its log.
	if p := node.Check(); len(p) > 0 {
		t.Fatalf("the node's check: %v", p)
	}
	node.Close()

	// With no node holding the log, the command anchors its writes and says nothing.
	one := strings.SplitAfter(dataCSV, "\r\n")
	other := one[0] + strings.Replace(one[3], "EXT-3", "EXT-4", 1)
	other = strings.Replace(other, "9131000063159284XQ", "91350100M000100Y43", 1)
	if err := os.WriteFile(csvFile, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = dataCmd("import", csvFile, "--db", addr, "--key-file", key, "--as", "wangfang", "--lang", "zh")
	if code != 0 || !strings.Contains(out, "新受理 1") {
		t.Fatalf("second import exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(errs, "锚定日志") {
		t.Errorf("a command holding the log itself said its writes are unanchored:\n%s", errs)
	}
}
