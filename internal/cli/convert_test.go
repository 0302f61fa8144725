package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"repairdesk/store/kv/pgtest"
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

// schema2Fixture puts the database the schema-2 program wrote (store/testdata/schema2)
// with its key and anchor files in a new directory and returns its path.
func schema2Fixture(t *testing.T) string { return fixtureOf(t, "schema2") }

// fixtureOf is schema2Fixture for store/testdata/<schema> (schema3: the database the
// schema-3 program wrote, every event compressed on its own).
func fixtureOf(t *testing.T, schema string) string {
	t.Helper()
	src := filepath.Join("..", "..", "store", "testdata", schema)
	db := filepath.Join(t.TempDir(), "demo40.db")
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
	return db
}

// TestMigrateSchema2FileSaysItReencodes: `repairdesk migrate` of a schema-2 file into
// PostgreSQL says, in the user's language, that the older records were converted on the
// way and the source file was left as it was; and the source still exports as before.
func TestMigrateSchema2FileSaysItReencodes(t *testing.T) {
	addr := pgtest.Addr(t)
	db := schema2Fixture(t)
	before, _ := os.ReadFile(db)
	code, out, errs := runCLI(t, "migrate", "--from", db, "--to", addr)
	if code != 0 {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "574 case and history records were converted to the new compressed format on the way") {
		t.Errorf("migrate does not say it re-encoded the older records:\n%s", out)
	}
	if now, _ := os.ReadFile(db); !bytes.Equal(now, before) {
		t.Error("migrate changed its source file")
	}
	t.Setenv("LC_ALL", "zh_CN.UTF-8")
	var o, e bytes.Buffer
	back := filepath.Join(t.TempDir(), "back.db")
	if code := Run("test", []string{"migrate", "--from", addr, "--to", back, "--key-file", db + ".key"}, &o, &e); code != 0 {
		t.Fatalf("migrate back: exit %d\n%s%s", code, o.String(), e.String())
	}
	if strings.Contains(o.String(), "旧格式") || !strings.Contains(o.String(), "已复制") {
		t.Errorf("migrate of compressed data back into a file: %q (nothing to re-encode, in Chinese)", o.String())
	}
}

// TestExportSameAfterConversion: `export --format json` of a database the schema-2
// program wrote prints, byte for byte, what that program printed (kept beside the file
// in store/testdata/schema2) — read as it is, and again after the conversion of the
// first writing open; and `check` passes after it. No progress line when standard error
// is not a terminal.
func TestExportSameAfterConversion(t *testing.T) {
	for _, schema := range []string{"schema2", "schema3"} {
		t.Run(schema, func(t *testing.T) { exportSameAfterConversion(t, schema) })
	}
}

// exportSameAfterConversion: the export of the fixture of that schema, before and after
// its conversion, is byte for byte what the program of that schema exported.
func exportSameAfterConversion(t *testing.T, schema string) {
	src := filepath.Join("..", "..", "store", "testdata", schema)
	db := fixtureOf(t, schema)
	want := gunzipFile(t, filepath.Join(src, "export.json.gz"))
	export := func(when string) {
		code, out, errs := runCLI(t, "export", "--format", "json", "--db", db)
		if code != 0 || !bytes.Equal([]byte(out), want) {
			t.Fatalf("%s: export exit %d (%s), %d bytes, want the %s program's %d bytes", when, code, errs, len(out), schema, len(want))
		}
	}
	export("before the conversion")
	old, _ := os.Stat(db)
	if code, _, errs := runCLI(t, "staff", "list", "--db", db); code != 0 || errs != "" {
		t.Fatalf("the converting open: exit %d, stderr %q (nothing is said off a terminal)", code, errs)
	}
	now, _ := os.Stat(db)
	// (bbolt's file grows in steps: schema 3's 40 cases and their frames both take 512 KB;
	// store's TestConvertSchema3 measures the events' bytes.)
	if schema == "schema2" && now.Size() >= old.Size() {
		t.Errorf("the file did not shrink: %d → %d bytes", old.Size(), now.Size())
	}
	export("after the conversion")
	if code, out, errs := runCLI(t, "check", "--db", db); code != 0 {
		t.Fatalf("check after the conversion: exit %d\n%s%s", code, out, errs)
	}
}

// TestCtrlCDuringConversionLeavesTheFile: Ctrl+C while an older file is being converted
// at its first writable open stops the command with exit 130 and a sentence saying the
// file was not changed; the file is byte for byte as it was and no working copy is left.
func TestCtrlCDuringConversionLeavesTheFile(t *testing.T) {
	db := schema2Fixture(t)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl+C already pressed when the conversion starts
	var out, errb bytes.Buffer
	code := runWith(ctx, nil, []string{"staff", "list", "--db", db}, &out, &errb)
	if code != exitInterrupted || !strings.Contains(errb.String(), "interrupted (Ctrl+C): the database file was not changed") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	after, err := os.ReadFile(db)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the file changed (%v)", err)
	}
	if _, err := os.Stat(db + ".migrating"); !os.IsNotExist(err) {
		t.Errorf("a working copy is left: %v", err)
	}
	// Without Ctrl+C the same command converts it and lists the staff.
	if code := runWith(context.Background(), nil, []string{"staff", "list", "--db", db}, &out, &errb); code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, errb.String())
	}
}
