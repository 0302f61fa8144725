package office_test

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
	"time"

	"repairdesk/internal/office"
)

// TestImportLockPerStore: imports into one store wait for each other (two runs of one
// file cannot both create a row), but an import into one database never waits for an
// import into another one in the same process (a server may hold several stores, tests
// many). The lock was a package variable shared by every store.
func TestImportLockPerStore(t *testing.T) {
	dir := t.TempDir()
	a := impOpen(t, filepath.Join(dir, "a.db"))
	b := impOpen(t, filepath.Join(dir, "b.db"))
	data, _ := impFile(t, impGood(map[string]string{"external_ref": "L-1"}))

	// An import into a that is stuck reading its file (a slow upload, say).
	pr, pw := io.Pipe()
	firstDone := make(chan error, 1)
	go func() {
		_, err := office.ImportCSV(a, pr, impClerk)
		firstDone <- err
	}()
	if _, err := pw.Write(data[:10]); err != nil { // the import is under way, holding its lock
		t.Fatal(err)
	}

	other := make(chan error, 1)
	go func() {
		rep, err := office.ImportCSV(b, bytes.NewReader(data), impClerk)
		if err == nil && rep.Imported != 1 {
			t.Errorf("import into the other store: %+v", rep)
		}
		other <- err
	}()
	select {
	case err := <-other:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		pw.Close()
		t.Fatal("an import into another store waited for the one into a")
	}

	same := make(chan error, 1)
	go func() {
		_, err := office.ImportCSV(a, bytes.NewReader(data), impClerk)
		same <- err
	}()
	select {
	case <-same:
		t.Fatal("a second import into the same store ran while the first was under way")
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := pw.Write(data[10:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if err := <-same; err != nil {
		t.Fatal(err)
	}
	if n := a.Snapshot().Len(); n != 1 {
		t.Errorf("store a has %d cases after the same file twice, want 1", n)
	}
}
