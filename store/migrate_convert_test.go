package store

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"repairdesk/store/kv"
	"repairdesk/store/kv/pgtest"
)

// rawForms counts the cases' and events' values of the database at addr stored as JSON
// and compressed, and gives its schema number as stored.
func rawForms(t *testing.T, addr string) (jsonN, packedN int, schema string) {
	t.Helper()
	db, err := openKV(addr, true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx kv.Tx) error {
		for _, name := range [][]byte{bCases, bEvents} {
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				if isPacked(v) {
					packedN++
				} else {
					jsonN++
				}
				return nil
			}); err != nil {
				return err
			}
		}
		schema = string(tx.Bucket(bMeta).Get(metaSchema))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return
}

// TestMigrateSchema2FileReencodes: `repairdesk migrate` of a file the schema-2 program
// wrote (JSON values) into PostgreSQL re-encodes its cases and events on the way: the
// source file is not touched, PostgreSQL holds every value compressed and says schema 3,
// and reads — cases, events, every chain — as the file does. Back into a new file the
// same way; that file opens without a conversion and `check` finds no chain problem.
func TestMigrateSchema2FileReencodes(t *testing.T) {
	addr := pgtest.Addr(t)
	path := oldFixture(t)
	key := path + ".key"
	before := fileSum(t, path)
	if j, p, sc := rawForms(t, path); j == 0 || p != 0 || sc != "2" {
		t.Fatalf("the fixture: %d JSON, %d compressed values, schema %q; want schema 2 in JSON", j, p, sc)
	}
	old, err := Open(path, Options{ReadOnly: true, KeyFile: key, NoAnchors: true})
	if err != nil {
		t.Fatal(err)
	}
	want := everything(t, old)
	old.Close()

	rep, err := Migrate(path, addr, key)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 40 || rep.Already || rep.Recoded != 574 {
		t.Errorf("report %+v", rep)
	}
	if fileSum(t, path) != before {
		t.Error("migrate changed its source file")
	}
	if j, p, sc := rawForms(t, addr); j != 0 || p == 0 || sc != "3" {
		t.Errorf("PostgreSQL holds %d JSON and %d compressed values, schema %q; want all compressed, schema 3", j, p, sc)
	}
	if again, err := Migrate(path, addr, key); err != nil || !again.Already {
		t.Errorf("second run: %+v, %v; want 'already' (the copy is compared by JSON, not stored form)", again, err)
	}
	pg, err := Open(addr, Options{KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	if got := everything(t, pg); !bytes.Equal(got, want) {
		t.Errorf("PostgreSQL reads differently from the schema-2 file (%d vs %d bytes of JSON)", len(got), len(want))
	}
	for _, p := range pg.Check() {
		if p.CaseID != 0 || p.Damage != nil {
			t.Errorf("check in PostgreSQL: %s", p.What)
		}
	}
	pg.Close()

	back := filepath.Join(t.TempDir(), "back.db")
	if _, err := Migrate(addr, back, key); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL's first writable open (above) put the single events the copy brought
	// into chunks (schema 5): the file back holds no single events, says so, and is
	// not converted again.
	if j, p, sc := rawForms(t, back); j != 0 || p == 0 || sc != strconv.Itoa(SchemaVersion) {
		t.Errorf("the file back: %d JSON and %d compressed values, schema %q", j, p, sc)
	}
	if _, n, _ := eventLayout(t, back); n != 0 {
		t.Errorf("the file back holds %d single events, want none", n)
	}
	calls := 0
	b, err := Open(back, Options{KeyFile: key, Progress: func(what string, d, n int64) {
		if what == "convert" {
			calls++
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if calls != 0 {
		t.Error("the file back, of the current schema, was converted at its first open")
	}

	if got := everything(t, b); !bytes.Equal(got, want) {
		t.Error("the file back reads differently from the schema-2 file")
	}
	for _, p := range b.Check() {
		if p.CaseID != 0 || p.Damage != nil {
			t.Errorf("check of the file back: %s", p.What)
		}
	}
	if _, err := os.Stat(back + ".migrating"); err == nil {
		t.Error("a conversion's temporary file was left")
	}
	b.Close()
	if f, n, _ := eventLayout(t, back); f != 40 || n != 0 {
		t.Errorf("the file back after its first open: %d frames and %d single events; want 40 and none", f, n)
	}
}
