package store_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Personal data of the tests: values that appear nowhere else, so finding them in a file
// can only mean they were written in plaintext.
var (
	crID    = crIDNumber("44030619880512341")
	crPhone = "13987654321"
	crID2   = crIDNumber("32010219750823561")
	crStaff = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	crT0    = time.Date(2026, 3, 10, 9, 0, 0, 0, workflow.ChinaTZ)
)

func crIDNumber(first17 string) string {
	c, _ := workflow.IDCheckChar(first17)
	return first17 + string(c)
}

func crIntake(id, phone string) workflow.Intake {
	return workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "郑州华信商贸有限公司", CreditCode: "91110000600037341L", LegalRep: "张伟"},
		Agent:      workflow.Agent{Name: "刘洋", Phone: phone, IDNumber: id, AuthLetter: "SQ-2026-0001"},
		Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行",
			Date: "2025-03-01", Problem: "wrong_data"}},
	}
}

// crOpen opens path with the key beside it (REPAIRDESK_KEY is cleared so the default
// applies) and closes it at the end of the test.
func crOpen(t *testing.T, path string, opts store.Options) *store.Store {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return crT0 }
	}
	s, err := store.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// crFixture makes a database with two cases (the same person on both) and some history,
// closes it and returns its path and the ids.
func crFixture(t *testing.T) (string, []uint32) {
	t.Helper()
	t.Setenv(store.KeyEnv, "")
	path := filepath.Join(t.TempDir(), "repairdesk.db")
	s := crOpen(t, path, store.Options{})
	var ids []uint32
	for _, in := range []workflow.Intake{crIntake(crID, crPhone), crIntake(crID, crPhone), crIntake(crID2, "0371-63451234")} {
		c, err := s.Create(crStaff, in, "窗口受理")
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		ids = append(ids, c.ID)
	}
	c, err := s.Apply(ids[0], 1, crStaff, workflow.Action{Kind: workflow.ActComment, Comment: "电话联系经办人"})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if c.Agent.IDNumber != crID || c.Agent.Phone != crPhone {
		t.Fatalf("Apply returned agent %+v, want the plaintext", c.Agent)
	}
	m := c.Materials[0]
	if _, err := s.Apply(ids[0], 2, crStaff, workflow.Action{Kind: workflow.ActUpdateMaterial,
		Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, ids
}

// crDecoded is the file's bytes followed by the JSON of every stored case and event
// (they are stored compressed, so the file's bytes alone would show no text at all).
func crDecoded(t *testing.T, file []byte) []byte {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(tmp, file, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := bytes.Clone(file)
	_ = db.View(func(tx *bolt.Tx) error {
		_ = tx.Bucket([]byte("cases")).ForEach(func(k, v []byte) error {
			out = append(out, valueJSON(t, v)...)
			return nil
		})
		eb := tx.Bucket([]byte("events"))
		_ = eb.ForEach(func(k, v []byte) error {
			if len(k) == 4 {
				for _, js := range rawEvents(t, tx, binary.BigEndian.Uint32(k)) {
					out = append(out, js...)
				}
			}
			return nil
		})
		return nil
	})
	return out
}

func crNoPlaintext(t *testing.T, what string, b []byte) {
	t.Helper()
	b = crDecoded(t, b)
	for _, v := range []string{crID, crPhone, crID2, "63451234"} {
		if bytes.Contains(b, []byte(v)) {
			t.Errorf("%s contains the personal value %s in plaintext", what, v)
		}
	}
	if !bytes.Contains(b, []byte("enc:v1:")) {
		t.Errorf("%s holds no sealed value (enc:v1:)", what)
	}
}

// raw reads one value of the closed database.
func crRaw(t *testing.T, path, bucket string, key []byte) []byte {
	t.Helper()
	return crRead(t, path, func(tx *bolt.Tx) []byte { return valueJSON(t, tx.Bucket([]byte(bucket)).Get(key)) })
}

// crRead is what read gives in a read-only transaction of the closed database at path.
func crRead(t *testing.T, path string, read func(tx *bolt.Tx) []byte) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []byte
	_ = db.View(func(tx *bolt.Tx) error {
		out = read(tx)
		return nil
	})
	return out
}

func crU32(id uint32) []byte { return binary.BigEndian.AppendUint32(nil, id) }

// crEvent is the JSON of the seq-th event of case id in the file at path.
func crEvent(t *testing.T, path string, id uint32, seq int) []byte {
	t.Helper()
	return crRead(t, path, func(tx *bolt.Tx) []byte { return rawEvents(t, tx, id)[seq-1] })
}

func TestCryptoNoPlaintextOnDisk(t *testing.T) {
	path, ids := crFixture(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	crNoPlaintext(t, "the database file", b)

	// The summaries carry the agent's name only.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("summaries")).ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte("enc:")) || bytes.Contains(v, []byte(crID)) || bytes.Contains(v, []byte(crPhone)) {
				t.Errorf("summary %x holds personal data: %q", k, v)
			}
			return nil
		})
	})
	db.Close()

	// Sealing is deterministic per case and field: the case and its create event hold the
	// same text, which is what lets check work without the key …
	var c0 workflow.Case
	var e0 workflow.Event
	if err := json.Unmarshal(crRaw(t, path, "cases", crU32(ids[0])), &c0); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(crEvent(t, path, ids[0], 1), &e0); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c0.Agent.IDNumber, "enc:v1:") || !strings.HasPrefix(c0.Agent.Phone, "enc:v1:") {
		t.Fatalf("stored agent is not sealed: %+v", c0.Agent)
	}
	if e0.Action.Intake == nil || e0.Action.Intake.Agent.IDNumber != c0.Agent.IDNumber || e0.Action.Intake.Agent.Phone != c0.Agent.Phone {
		t.Fatalf("case and create event seal the same value differently: %+v vs %+v", c0.Agent, e0.Action.Intake)
	}
	if c0.Agent.Name != "刘洋" || c0.Agent.AuthLetter != "SQ-2026-0001" {
		t.Fatalf("only the ID number and phone are sealed: %+v", c0.Agent)
	}
	// … while the same person on another case, or the same value in another field, looks
	// different: the case and field are bound into the sealing.
	var c1 workflow.Case
	if err := json.Unmarshal(crRaw(t, path, "cases", crU32(ids[1])), &c1); err != nil {
		t.Fatal(err)
	}
	if c1.Agent.IDNumber == c0.Agent.IDNumber || c1.Agent.Phone == c0.Agent.Phone {
		t.Fatal("the same ID number seals identically on two cases: cases are linkable")
	}
}

func TestCryptoRoundTrip(t *testing.T) {
	path, ids := crFixture(t)
	s := crOpen(t, path, store.Options{})
	if err := s.KeyProblem(); err != nil {
		t.Fatalf("KeyProblem with the key present: %v", err)
	}
	want := map[uint32][2]string{ids[0]: {crID, crPhone}, ids[1]: {crID, crPhone}, ids[2]: {crID2, "0371-63451234"}}
	for id, w := range want {
		c, err := s.Case(id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Agent.IDNumber != w[0] || c.Agent.Phone != w[1] {
			t.Fatalf("Case(%d).Agent = %+v, want %v", id, c.Agent, w)
		}
		evs, err := s.Events(id)
		if err != nil {
			t.Fatal(err)
		}
		in := evs[0].Action.Intake
		if in == nil || in.Agent.IDNumber != w[0] || in.Agent.Phone != w[1] {
			t.Fatalf("create event of %d: intake %+v, want %v", id, in, w)
		}
		for i, ev := range evs {
			if got := s.EventHash(ev); got != ev.Hash {
				t.Fatalf("case %d event %d: Store.EventHash %s, stored %s", id, ev.Seq, got, ev.Hash)
			}
			if i > 0 && ev.PrevHash != evs[i-1].Hash {
				t.Fatalf("case %d event %d: chain broken", id, ev.Seq)
			}
		}
		if sm, ok := s.Snapshot().Get(id); !ok || sm.Agent != "刘洋" {
			t.Fatalf("summary of %d: %+v", id, sm)
		}
	}
	// Writing on goes on sealing, and the whole file checks clean.
	c, err := s.Apply(ids[2], 1, crStaff, workflow.Action{Kind: workflow.ActComment, Comment: "再次联系"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Agent.IDNumber != crID2 {
		t.Fatalf("Apply returned %q", c.Agent.IDNumber)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check with encryption on: %v", p)
	}
}

func TestCryptoKeyFile(t *testing.T) {
	path, _ := crFixture(t)
	kf := path + ".key"
	fi, err := os.Stat(kf)
	if err != nil {
		t.Fatalf("no key file beside the database: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	key, err := os.ReadFile(kf)
	if err != nil || len(key) != 32 {
		t.Fatalf("key file: %d bytes, %v; want 32", len(key), err)
	}
	db, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, key) {
		t.Fatal("the key is stored inside the database")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".key.") {
			t.Errorf("a temporary key file was left behind: %s", e.Name())
		}
	}

	// Options.KeyFile places it elsewhere; so does REPAIRDESK_KEY, which the option beats.
	dir := t.TempDir()
	optKey := filepath.Join(dir, "keys", "office.key")
	s := crOpen(t, filepath.Join(dir, "a.db"), store.Options{KeyFile: optKey})
	if s.KeyFile() != optKey {
		t.Fatalf("KeyFile() = %s, want %s", s.KeyFile(), optKey)
	}
	if fi, err := os.Stat(optKey); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("Options.KeyFile not created 0600: %v %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.db.key")); err == nil {
		t.Fatal("a default key file was made although Options.KeyFile was given")
	}
	envKey := filepath.Join(dir, "env.key")
	t.Setenv(store.KeyEnv, envKey)
	s2 := crOpen(t, filepath.Join(dir, "b.db"), store.Options{})
	if s2.KeyFile() != envKey {
		t.Fatalf("KeyFile() = %s, want %s from %s", s2.KeyFile(), envKey, store.KeyEnv)
	}
	if _, err := os.Stat(envKey); err != nil {
		t.Fatalf("%s not honoured: %v", store.KeyEnv, err)
	}
	if _, err := store.Open(filepath.Join(dir, "c.db"), store.Options{KeyFile: filepath.Join(dir, "c.db")}); err == nil {
		t.Fatal("a key file that is the database itself was accepted")
	}
}

// crLocked asserts the store is read-only with personal fields locked and writes refused
// with a message naming the key file.
func crLocked(t *testing.T, s *store.Store, ids []uint32, keyFile, says string) {
	t.Helper()
	var ke *store.KeyError
	if err := s.KeyProblem(); !errors.As(err, &ke) {
		t.Fatalf("KeyProblem() = %v, want a *store.KeyError", err)
	}
	for _, m := range []string{ke.Message("en"), ke.Message("zh")} {
		if !strings.Contains(m, keyFile) {
			t.Fatalf("message does not name the key file %s: %s", keyFile, m)
		}
	}
	if !strings.Contains(ke.Error(), says) {
		t.Fatalf("message %q does not say %q", ke.Error(), says)
	}
	c, err := s.Case(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if c.Agent.IDNumber != store.Locked || c.Agent.Phone != store.Locked {
		t.Fatalf("locked case shows %+v, want %s", c.Agent, store.Locked)
	}
	if c.Agent.Name != "刘洋" || c.Enterprise.CreditCode != "91110000600037341L" || c.Version != 3 {
		t.Fatalf("the rest of the case should read as usual: %+v", c)
	}
	if got := workflow.MaskID(c.Agent.IDNumber); got != store.Locked {
		t.Fatalf("MaskID(Locked) = %q", got)
	}
	evs, err := s.Events(ids[0])
	if err != nil || len(evs) != 3 {
		t.Fatalf("Events: %d, %v", len(evs), err)
	}
	if a := evs[0].Action.Intake.Agent; a.IDNumber != store.Locked || a.Phone != store.Locked {
		t.Fatalf("locked create event shows %+v", a)
	}
	_, err = s.Apply(ids[0], c.Version, crStaff, workflow.Action{Kind: workflow.ActComment, Comment: "x"})
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), keyFile) {
		t.Fatalf("Apply without the key: %v, want the key error", err)
	}
	_, err = s.Create(crStaff, crIntake(crID, crPhone), "")
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), keyFile) {
		t.Fatalf("Create without the key: %v, want the key error", err)
	}
	if err := s.PutStaff(workflow.Staff{}, workflow.Staff{Name: "newbie", Role: workflow.RoleSpecialist, Active: true}); err == nil {
		t.Fatal("a locked store accepted a staff change: it must be read-only")
	}
	// The history still checks: chain and fold work on the sealed form.
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check without the key: %v", p)
	}
}

func crFileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCryptoMissingKey(t *testing.T) {
	path, ids := crFixture(t)
	kf := path + ".key"
	key, _ := os.ReadFile(kf)
	if err := os.Rename(kf, kf+".away"); err != nil {
		t.Fatal(err)
	}
	before := crFileHash(t, path)
	s := crOpen(t, path, store.Options{}) // asked for read-write
	crLocked(t, s, ids, kf, "missing")
	s.Close()
	if crFileHash(t, path) != before {
		t.Fatal("opening without the key changed the database")
	}
	if _, err := os.Stat(kf); err == nil {
		t.Fatal("a new key was made for a database sealed with another")
	}
	// With the key back, all is as before.
	if err := os.WriteFile(kf, key, 0o600); err != nil {
		t.Fatal(err)
	}
	s = crOpen(t, path, store.Options{})
	if c, err := s.Apply(ids[0], 3, crStaff, workflow.Action{Kind: workflow.ActComment, Comment: "密钥已恢复"}); err != nil || c.Agent.IDNumber != crID {
		t.Fatalf("Apply with the key back: %+v, %v", c.Agent, err)
	}
}

func TestCryptoWrongKey(t *testing.T) {
	path, ids := crFixture(t)
	kf := path + ".key"
	other := make([]byte, 32)
	rand.Read(other)
	if err := os.WriteFile(kf, other, 0o600); err != nil {
		t.Fatal(err)
	}
	s := crOpen(t, path, store.Options{})
	crLocked(t, s, ids, kf, "does not match")
	s.Close()

	// A file that is not a key at all is a mismatch too.
	if err := os.WriteFile(kf, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = crOpen(t, path, store.Options{})
	crLocked(t, s, ids, kf, "does not match")
}

// A sealed value moved to another case does not open there (the case id is bound in):
// it reads as Locked, the case cannot be changed, and check names the case.
func TestCryptoSealedValueBoundToCase(t *testing.T) {
	path, ids := crFixture(t)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("cases"))
		var c0, c2 map[string]json.RawMessage
		if err := json.Unmarshal(valueJSON(t, b.Get(crU32(ids[0]))), &c0); err != nil {
			return err
		}
		if err := json.Unmarshal(valueJSON(t, b.Get(crU32(ids[2]))), &c2); err != nil {
			return err
		}
		c2["agent"] = c0["agent"]
		v, err := json.Marshal(c2)
		if err != nil {
			return err
		}
		return b.Put(crU32(ids[2]), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s := crOpen(t, path, store.Options{})
	c, err := s.Case(ids[2])
	if err != nil {
		t.Fatal(err)
	}
	if c.Agent.IDNumber != store.Locked || c.Agent.Phone != store.Locked {
		t.Fatalf("a value sealed for case %d opened in case %d: %+v", ids[0], ids[2], c.Agent)
	}
	if _, err := s.Apply(ids[2], c.Version, crStaff, workflow.Action{Kind: workflow.ActComment, Comment: "x"}); err == nil {
		t.Fatal("Apply saved a case whose personal fields could not be read")
	}
	p := s.Check()
	if len(p) != 1 || p[0].CaseID != ids[2] || !strings.Contains(p[0].What, "differs from the fold") {
		t.Fatalf("Check: %v, want case %d to differ from its history", p, ids[2])
	}
}

func TestCryptoBackup(t *testing.T) {
	path, ids := crFixture(t)
	s := crOpen(t, path, store.Options{ReadOnly: true})
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	crNoPlaintext(t, "the backup", buf.Bytes())
	key, _ := os.ReadFile(path + ".key")
	if bytes.Contains(buf.Bytes(), key) {
		t.Fatal("the backup holds the key")
	}
	// The backup restores: locked on its own, readable with the key put beside it.
	bk := filepath.Join(t.TempDir(), "restored.db")
	if err := os.WriteFile(bk, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := crOpen(t, bk, store.Options{ReadOnly: true})
	if c, _ := r.Case(ids[0]); c.Agent.IDNumber != store.Locked {
		t.Fatalf("a backup without its key shows %q", c.Agent.IDNumber)
	}
	r.Close()
	if err := os.WriteFile(bk+".key", key, 0o600); err != nil {
		t.Fatal(err)
	}
	r = crOpen(t, bk, store.Options{})
	if c, _ := r.Case(ids[0]); c.Agent.IDNumber != crID {
		t.Fatalf("a backup with its key shows %q", c.Agent.IDNumber)
	}
}

// A file from before encryption: plaintext reads as it is, the case is sealed on its next
// write, the old event keeps its plaintext (events are never rewritten) and check is clean.
func TestCryptoLegacyPlaintext(t *testing.T) {
	path, ids := crFixture(t)
	id := ids[2] // one event so far
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("meta")).Delete([]byte("key.check")); err != nil {
			return err
		}
		// An old file had no anchors either (rewriting an anchored event is what the
		// anchor log exists to catch).
		if err := tx.Bucket([]byte("meta")).Delete([]byte("anchor.next")); err != nil {
			return err
		}
		var c workflow.Case
		if err := json.Unmarshal(valueJSON(t, tx.Bucket([]byte("cases")).Get(crU32(id))), &c); err != nil {
			return err
		}
		c.Agent.IDNumber, c.Agent.Phone = crID2, "0371-63451234"
		var ev workflow.Event
		if err := json.Unmarshal(rawEvents(t, tx, id)[0], &ev); err != nil {
			return err
		}
		ev.Action.Intake.Agent = c.Agent
		ev.Hash = store.EventHash(ev)
		cb, _ := json.Marshal(c)
		eb, _ := json.Marshal(ev)
		if err := tx.Bucket([]byte("cases")).Put(crU32(id), cb); err != nil {
			return err
		}
		return putRawEvent(t, tx, id, 1, eb)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The old file had no key: a new one is made (the other cases are now unreadable,
	// which an old file would not have had).
	if err := os.Remove(path + ".key"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{".anchors", ".anchor-key", ".anchor-key.pub"} {
		if err := os.Remove(path + f); err != nil {
			t.Fatal(err)
		}
	}
	s := crOpen(t, path, store.Options{})
	c, err := s.Case(id)
	if err != nil || c.Agent.IDNumber != crID2 {
		t.Fatalf("plaintext from an older file: %+v, %v", c.Agent, err)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check of a plaintext history: %v", p)
	}
	if _, err := s.Apply(id, 1, crStaff, workflow.Action{Kind: workflow.ActComment, Comment: "旧案续办"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var stored workflow.Case
	if err := json.Unmarshal(crRaw(t, path, "cases", crU32(id)), &stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.Agent.IDNumber, "enc:v1:") || !strings.HasPrefix(stored.Agent.Phone, "enc:v1:") {
		t.Fatalf("the next write did not seal the case: %+v", stored.Agent)
	}
	s = crOpen(t, path, store.Options{})
	if c, _ := s.Case(id); c.Agent.IDNumber != crID2 {
		t.Fatalf("re-read %q", c.Agent.IDNumber)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check of the upgraded case (plaintext event, sealed case): %v", p)
	}
	// Without the key that pair cannot be compared, and is not reported.
	s.Close()
	if err := os.Remove(path + ".key"); err != nil {
		t.Fatal(err)
	}
	s = crOpen(t, path, store.Options{ReadOnly: true})
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("Check of the upgraded case without the key: %v", p)
	}
}
