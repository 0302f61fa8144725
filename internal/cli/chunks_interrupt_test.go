package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/msg"
	"repairdesk/store"
)

// fileLayout is what a closed file says of itself: its schema, and how many keys each of
// cases 1, 2 and 7 has in the events bucket (one: a schema-4 frame; several: chunks).
func fileLayout(t *testing.T, path string) (schema string, keys map[uint32]int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys = map[uint32]int{}
	if err := db.View(func(tx *bolt.Tx) error {
		schema = string(tx.Bucket([]byte("meta")).Get([]byte("schema")))
		return tx.Bucket([]byte("events")).ForEach(func(k, _ []byte) error {
			if id := binary.BigEndian.Uint32(k); id == 1 || id == 2 || id == 7 {
				keys[id]++
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return schema, keys
}

// TestChunksInterruptedSaysSo: Ctrl+C (the context the command gives the store) while a
// schema-4 file's long histories are being put into chunks at its first writable open
// stops the command with exit 130 and the catalog's sentence, in the user's language;
// the case converted before it is whole in chunks, the others as they were, the file
// still says schema 4 and exports as before; the next writable open converts the rest.
// The fixture (store/testdata/schema4) is 40 demo cases written by the schema-4 program,
// with cases 1, 2 and 7 taken to 75, 40 and 33 events by comments.
func TestChunksInterruptedSaysSo(t *testing.T) {
	defer store.SetConvertStep(1)() // a transaction for each case
	for _, lang := range []string{"zh", "en"} {
		db := fixtureOf(t, "schema4")
		if schema, keys := fileLayout(t, db); schema != "4" || keys[1] != 1 || keys[2] != 1 || keys[7] != 1 {
			t.Fatalf("the fixture says schema %q, keys %v; want 4 and one frame each", schema, keys)
		}
		export := func(when string) string {
			code, out, errs := runCLI(t, "export", "--format", "json", "--db", db)
			if code != 0 || len(out) < 1000 {
				t.Fatalf("%s: %s: export exit %d (%s), %d bytes", lang, when, code, errs, len(out))
			}
			return out
		}
		want := export("before the conversion")

		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Ctrl+C: the conversion stops after its first transaction
		var o, e bytes.Buffer
		args := []string{"staff", "list", "--db", db, "--lang", lang}
		a := &app{stdout: &o, stderr: &e, version: "test", ctx: ctx}
		a.langFlag = scanLang(args)
		a.lang = msg.LangFromEnv(a.langFlag)
		if code := a.execute(args); code != exitInterrupted || !strings.Contains(e.String(), msg.T(lang, "cli.chunks_interrupted")) {
			t.Fatalf("%s: exit %d, stderr %q; want %d and %q", lang, code, e.String(), exitInterrupted, msg.T(lang, "cli.chunks_interrupted"))
		}
		if schema, keys := fileLayout(t, db); schema != "4" || keys[1] != 3 || keys[2] != 1 || keys[7] != 1 {
			t.Errorf("%s: after Ctrl+C the file says schema %q, keys %v; want 4, case 1 in 3 chunks, 2 and 7 as they were", lang, schema, keys)
		}
		if got := export("after Ctrl+C"); got != want {
			t.Errorf("%s: after Ctrl+C the export differs from before", lang)
		}

		// The next writable open goes on, and converts the rest.
		if code, _, errs := runCLI(t, "staff", "list", "--db", db); code != 0 {
			t.Fatalf("%s: the next open: exit %d\n%s", lang, code, errs)
		}
		if schema, keys := fileLayout(t, db); schema != "5" || keys[1] != 3 || keys[2] != 2 || keys[7] != 2 {
			t.Errorf("%s: after the next open the file says schema %q, keys %v; want 5, chunks 3, 2, 2", lang, schema, keys)
		}
		if got := export("after the conversion"); got != want {
			t.Errorf("%s: after the conversion the export differs from before", lang)
		}
		if code, out, errs := runCLI(t, "check", "--db", db); code != 0 {
			t.Fatalf("%s: check after the conversion: exit %d\n%s%s", lang, code, out, errs)
		}
	}
}
