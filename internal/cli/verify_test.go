package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store"
	"repairdesk/workflow"
)

// TestCLIVerify: a letter as issued (text and HTML) verifies; an edited letter file and a
// letter whose history was rewritten afterwards (re-hashed) do not.
func TestCLIVerify(t *testing.T) {
	db, _ := cliDB(t)
	dir := t.TempDir()
	txt, htm := filepath.Join(dir, "notice.txt"), filepath.Join(dir, "receipt.html")
	if code, _, errs := cli(t, "letter", "XF-2026-000001", "notice", "--out", txt, "--db", db); code != 0 {
		t.Fatalf("letter: %s", errs)
	}
	if code, _, errs := cli(t, "letter", "XF-2026-000001", "receipt", "--out", htm, "--db", db); code != 0 {
		t.Fatalf("letter: %s", errs)
	}
	b, _ := os.ReadFile(txt)
	if !strings.Contains(string(b), "核验码：") {
		t.Fatalf("the letter carries no code:\n%s", b)
	}
	for _, f := range []string{txt, htm} {
		code, out, errs := cli(t, "verify", f, "--db", db, "--lang", "en")
		if code != 0 || !strings.HasPrefix(out, "consistent:") || !strings.Contains(out, "matches the anchor log") {
			t.Errorf("verify %s: exit %d %q %q", filepath.Base(f), code, out, errs)
		}
	}
	if code, out, _ := cli(t, "verify", txt, "--db", db, "--lang", "zh"); code != 0 || !strings.HasPrefix(out, "一致") {
		t.Errorf("verify in zh: %d %q", code, out)
	}

	// The file edited after it was issued.
	edited := filepath.Join(dir, "edited.txt")
	os.WriteFile(edited, []byte(strings.Replace(string(b), "补正", "补充", 2)), 0o600)
	if code, out, _ := cli(t, "verify", edited, "--db", db, "--lang", "en"); code != 1 || !strings.Contains(out, "NOT consistent") || !strings.Contains(out, "text of this file differs") {
		t.Errorf("verify of an edited letter: %d %q", code, out)
	}
	// No code at all.
	plain := filepath.Join(dir, "plain.txt")
	os.WriteFile(plain, []byte("XF-2026-000001 没有核验码"), 0o600)
	if code, _, errs := cli(t, "verify", plain, "--db", db, "--lang", "en"); code != 1 || !strings.Contains(errs, "no case number and verification code") {
		t.Errorf("verify without a code: %d %q", code, errs)
	}

	// The history before the notice rewritten: the create event's actor changed and
	// every hash after it recomputed.
	bdb, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		eb := tx.Bucket([]byte("events"))
		evs, err := store.EventsOf(eb, 1)
		if err != nil || len(evs) == 0 {
			return fmt.Errorf("the events of case 1: %d, %v", len(evs), err)
		}
		prev := ""
		for i, js := range evs {
			var ev workflow.Event
			if err := json.Unmarshal(js, &ev); err != nil {
				return err
			}
			if i == 0 {
				ev.Actor = "zhaolei"
			}
			ev.PrevHash = prev
			ev.Hash = store.EventHash(ev)
			prev = ev.Hash
			evs[i], _ = json.Marshal(ev)
		}
		return store.PutEvents(eb, 1, evs)
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out, _ := cli(t, "verify", txt, "--db", db, "--lang", "en"); code != 1 || !strings.Contains(out, "NOT consistent") || !strings.Contains(out, "rewritten") {
		t.Errorf("verify after the history was rewritten: %d %q", code, out)
	}
	if code, out, _ := cli(t, "verify", txt, "--db", db, "--lang", "zh"); code != 1 || !strings.HasPrefix(out, "不一致") {
		t.Errorf("verify after the history was rewritten, zh: %d %q", code, out)
	}
}
