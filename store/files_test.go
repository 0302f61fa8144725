package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store"
	"repairdesk/workflow"
)

// A file sent to a case is stored once by its SHA-256, sealed (its bytes do not appear in
// the database file), read back whole, and its attaching is an event with the hash. A
// second file of the same name is a new version; nothing is replaced.
func TestAttachFileSealedVersionedAndInTheHistory(t *testing.T) {
	s, path, clk := newStore(t)
	c := create(t, s, entA)
	content := []byte("扫描件 scan: 营业执照 unique-marker-7f3a9 " + string(bytes.Repeat([]byte("x"), 4096)))
	sum := sha256.Sum256(content)
	hash := hex.EncodeToString(sum[:])

	out, ref, err := s.AttachFile(wang, c.No, "营业执照.pdf", content, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ref.SHA256 != hash || ref.Size != int64(len(content)) || ref.Version != 1 || ref.By != wang.Name {
		t.Fatalf("ref = %+v, want hash %s, size %d, version 1 by wangfang", ref, hash, len(content))
	}
	if len(out.Files) != 1 || out.Files[0].Name != "营业执照.pdf" {
		t.Fatalf("case files = %+v", out.Files)
	}
	got, err := s.FileContent(hash)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("FileContent = %d bytes, %v", len(got), err)
	}
	evs, err := s.Events(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Kind != workflow.ActAttachFile || last.Action.File == nil || last.Action.File.SHA256 != hash {
		t.Fatalf("last event = %s %+v, want attach_file with the hash", last.Kind, last.Action.File)
	}

	// Same name again, other bytes: version 2, the first still there.
	other := []byte("second scan, other bytes")
	_, ref2, err := s.AttachFile(li, c.No, "营业执照.pdf", other, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ref2.Version != 2 {
		t.Fatalf("second file of the same name has version %d, want 2", ref2.Version)
	}
	if got, _ := s.FileContent(hash); !bytes.Equal(got, content) {
		t.Fatal("the first version's content changed")
	}
	s.Close()

	// Sealed at rest: the marker is nowhere in the file; and it reads back after reopening.
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	_ = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("files"))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			found = found || bytes.Contains(v, []byte("unique-marker-7f3a9"))
			return nil
		})
	})
	db.Close()
	if found {
		t.Fatal("the file's content is stored in the clear")
	}
	s2 := openStore(t, path, clk)
	if got, err := s2.FileContent(hash); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("after reopening: %d bytes, %v", len(got), err)
	}
	c2, err := s2.Case(c.ID)
	if err != nil || len(c2.Files) != 2 {
		t.Fatalf("after reopening the case has %d files (%v)", len(c2.Files), err)
	}
}

// Refusals: no such case, over the limit, a bad name, a read-only role, a closed case.
// Each writes nothing.
func TestAttachFileRefusals(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entA)
	auditor := workflow.Staff{Name: "shen", Display: "沈审", Role: workflow.RoleAuditor, Active: true}
	if err := s.PutStaff(workflow.Staff{}, auditor); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AttachFile(wang, "XF-2026-999999", "a.pdf", []byte("x"), 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no such case: %v", err)
	}
	var big *store.FileTooLargeError
	if _, _, err := s.AttachFile(wang, c.No, "a.pdf", make([]byte, 11), 10); !errors.As(err, &big) {
		t.Errorf("over the limit: %v", err)
	} else if big.Message("zh") == big.Message("en") {
		t.Error("the size message is not translated")
	}
	for _, name := range []string{"../a.pdf", "a/b.pdf", `a\b.pdf`, "..", "a\x00b", "a\x1b[31mb", ""} {
		if _, _, err := s.AttachFile(wang, c.No, name, []byte("x"), 0); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	if _, _, err := s.AttachFile(auditor, c.No, "a.pdf", []byte("x"), 0); err == nil {
		t.Error("an auditor (read-only) attached a file")
	}
	do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"})
	if _, _, err := s.AttachFile(wang, c.No, "a.pdf", []byte("late"), 0); err == nil {
		t.Error("a file was attached to a withdrawn case")
	}
	if n := countEvents(t, s, c.ID); n != 2 {
		t.Errorf("%d events, want 2 (create, withdraw)", n)
	}
	sum := sha256.Sum256([]byte("late"))
	if _, err := s.FileContent(hex.EncodeToString(sum[:])); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused file was stored: %v", err)
	}
}

// tie_file: an attached file is tied to a checklist item or a finding, exactly (name,
// version and digest); a file the case does not have, a target that is not there, both
// targets or none, and the same tie twice are refused; the ties survive a replay (Check).
func TestTieFileToMaterialChecked(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entA)
	c, ref, err := s.AttachFile(wang, c.No, "licence.pdf", []byte("licence scan"), 0)
	if err != nil {
		t.Fatal(err)
	}
	link := workflow.LinkOf(ref)
	key := c.Materials[0].Key
	tie := func(tie workflow.FileTie) (workflow.Case, error) {
		return s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActTieFile, Tie: &tie})
	}
	for _, bad := range []struct {
		tie  workflow.FileTie
		code string
	}{
		{workflow.FileTie{File: link}, "tie"},
		{workflow.FileTie{File: link, Material: key, Finding: 1}, "tie"},
		{workflow.FileTie{File: workflow.FileLink{Name: "licence.pdf", Version: 1, SHA256: strings.Repeat("0", 64)}, Material: key}, "tie"},
		{workflow.FileTie{File: workflow.FileLink{Name: "licence.pdf", Version: 2, SHA256: ref.SHA256}, Material: key}, "tie"},
		{workflow.FileTie{File: link, Material: "no_such_item"}, "material"},
		{workflow.FileTie{File: link, Finding: 1}, "tie"}, // no finding yet
	} {
		var r *workflow.Refusal
		if _, err := tie(bad.tie); !errors.As(err, &r) || r.Code != bad.code {
			t.Errorf("%+v: %v, want a refusal %q", bad.tie, err, bad.code)
		}
	}
	c, err = tie(workflow.FileTie{File: link, Material: key})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Materials[0].Files; len(got) != 1 || got[0] != link {
		t.Fatalf("the item's files: %+v", got)
	}
	var r *workflow.Refusal
	if _, err := tie(workflow.FileTie{File: link, Material: key}); !errors.As(err, &r) || r.Code != "tie" {
		t.Fatalf("the same tie twice: %v", err)
	}
	if probs := s.Check(); len(probs) > 0 {
		t.Fatalf("after a tie, the check finds %v", probs)
	}
}
