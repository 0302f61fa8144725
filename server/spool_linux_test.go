package server

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// On Linux a spool never has a name, not even for the moment between its creation and
// its removal: another process listing the folder (or a test polling it) could find it
// in that moment. Its link in /proc names no file of the folder, only the inode.
func TestSpoolNeverNamed(t *testing.T) {
	dir := t.TempDir()
	sp, err := newSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	target, err := os.Readlink(filepath.Join("/proc/self/fd", strconv.Itoa(int(sp.f.Fd()))))
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	real, _ := filepath.EvalSymlinks(dir)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(real) + `/#[0-9]+ \(deleted\)$`).MatchString(target) {
		t.Fatalf("the spool was opened as %q, not without a name (O_TMPFILE)", target)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("the spool folder holds %d entries", len(ents))
	}
}
