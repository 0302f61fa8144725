package cli

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExportSameAfterConversion: `export --format json` of a database the schema-2
// program wrote prints, byte for byte, what that program printed (kept beside the file
// in store/testdata/schema2) — read as it is, and again after the conversion of the
// first writing open; and `check` passes after it. No progress line when standard error
// is not a terminal.
func TestExportSameAfterConversion(t *testing.T) {
	src := filepath.Join("..", "..", "store", "testdata", "schema2")
	dir := t.TempDir()
	db := filepath.Join(dir, "demo40.db")
	if err := os.WriteFile(db, gunzipFile(t, filepath.Join(src, "demo40.db.gz")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".key", ".anchors", ".anchor-key", ".anchor-key.pub"} {
		b, err := os.ReadFile(filepath.Join(src, "demo40.db"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(db+ext, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want := gunzipFile(t, filepath.Join(src, "export.json.gz"))
	export := func(when string) {
		code, out, errs := runCLI(t, "export", "--format", "json", "--db", db)
		if code != 0 || !bytes.Equal([]byte(out), want) {
			t.Fatalf("%s: export exit %d (%s), %d bytes, want the schema-2 program's %d bytes", when, code, errs, len(out), len(want))
		}
	}
	export("before the conversion")
	old, _ := os.Stat(db)
	if code, _, errs := runCLI(t, "staff", "list", "--db", db); code != 0 || errs != "" {
		t.Fatalf("the converting open: exit %d, stderr %q (nothing is said off a terminal)", code, errs)
	}
	now, _ := os.Stat(db)
	if now.Size() >= old.Size() {
		t.Errorf("the file did not shrink: %d → %d bytes", old.Size(), now.Size())
	}
	export("after the conversion")
	if code, out, errs := runCLI(t, "check", "--db", db); code != 0 {
		t.Fatalf("check after the conversion: exit %d\n%s%s", code, out, errs)
	}
}
