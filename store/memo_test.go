package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// TestCommitTakesOnlyWhatItWrote: a commit takes the case's JSON and its chunk's records
// from what this node wrote last (wroteMemo) only while the stored bytes are those: a
// case and a chunk written since by another writer are read as stored, and what a
// transaction that rolled back wrote is never taken.
func TestCommitTakesOnlyWhatItWrote(t *testing.T) {
	s, id, c := threeCaseStore(t)
	comment := func(v int, text string) (workflow.Case, error) {
		return s.Apply(id, v, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: text})
	}
	n, err := comment(c.Version, "一")
	if err != nil {
		t.Fatal(err)
	}
	// Remembered: the next commit would take both.
	if err := s.db.View(func(tx kv.Tx) error {
		if _, ok := s.wrote.caseJSON(id, tx.Bucket(bCases).Get(u32(id))); !ok {
			t.Error("the case this node just wrote is not remembered")
		}
		k := chunkKey(id, chunkStart(n.Version))
		if _, ok := s.wrote.chunk(id, k, tx.Bucket(bEvents).Get(k)); !ok {
			t.Error("the chunk this node just wrote is not remembered")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Another writer rewrites the case (its number marked) and the chunk (its last
	// event's hash changed): the next commit must see both as stored.
	const mark, fakeHash = "MARKED-BY-ANOTHER-WRITER", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	if err := s.db.Update(func(tx kv.Tx) error {
		var sc workflow.Case
		if err := unmarshalValue(tx.Bucket(bCases).Get(u32(id)), &sc); err != nil {
			return err
		}
		sc.No = mark
		js, err := json.Marshal(sc)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bCases).Put(u32(id), packValue(nil, js)); err != nil {
			return err
		}
		k := chunkKey(id, chunkStart(n.Version))
		var u unpacker
		first, content, err := u.frame(tx.Bucket(bEvents).Get(k))
		if err != nil {
			return err
		}
		cnt, err := frameCount(content)
		if err != nil {
			return err
		}
		i := strings.LastIndex(string(content), `"hash":"`) + len(`"hash":"`)
		content = append(append(append([]byte(nil), content[:i]...), fakeHash...), content[i+64:]...)
		return tx.Bucket(bEvents).Put(k, packChunk(nil, first, cnt, content))
	}); err != nil {
		t.Fatal(err)
	}
	n2, err := comment(n.Version, "二")
	if err != nil {
		t.Fatal(err)
	}
	if n2.No != mark {
		t.Errorf("the commit after another writer's saw case number %q; want the stored %q", n2.No, mark)
	}
	evs, err := s.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.PrevHash != fakeHash {
		t.Errorf("the commit after another writer's chained to %.8s; want the stored %.8s", last.PrevHash, fakeHash)
	}

	// A transaction that fails after writing the case: what it wrote is not taken by
	// the next commit, which sees the case and chunk as committed.
	errFail := errors.New("failed on purpose")
	s.afterSave = func(*workflow.Case) error { return errFail }
	if _, err := comment(n2.Version, "三"); !errors.Is(err, errFail) {
		t.Fatalf("the failing commit: %v", err)
	}
	s.afterSave = nil
	n3, err := comment(n2.Version, "四")
	if err != nil {
		t.Fatalf("the commit after a rolled-back one: %v", err)
	}
	evs, err = s.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n3.Version || evs[len(evs)-1].Comment != "四" || evs[len(evs)-1].PrevHash != evs[len(evs)-2].Hash || evs[len(evs)-2].Comment != "二" {
		t.Errorf("after a rolled-back commit: %d events (version %d), the last %q chained to %.8s after %q (%.8s)", len(evs), n3.Version,
			evs[len(evs)-1].Comment, evs[len(evs)-1].PrevHash, evs[len(evs)-2].Comment, evs[len(evs)-2].Hash)
	}
}

// TestIndexFollowsOnlyTheSearchedFields: a commit that leaves a case's searched fields
// (number, enterprise, credit code, agent) as they were leaves its index entry alone; one
// that changes them is indexed anew and found by what it changed.
func TestIndexFollowsOnlyTheSearchedFields(t *testing.T) {
	s, id, c := threeCaseStore(t)
	s.Snapshot().waitIndexed()
	r0 := s.reindexed.Load()
	n, err := s.Apply(id, c.Version, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: "一"})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.reindexed.Load(); r != r0 {
		t.Errorf("a comment re-indexed %d cases; want none", r-r0)
	}
	if ms, _ := s.Search(n.No, nil, 10); len(ms) == 0 || ms[0].ID != id {
		t.Errorf("after a comment, the case is not found by its number %s: %v", n.No, ms)
	}
	// A newer version of the case whose enterprise is renamed (as a commit or the feed
	// would bring it): indexed anew.
	const name = "独一无二的测试企业有限公司"
	n.Version++
	n.Enterprise.Name = name
	s.refresh(&n)
	if r := s.reindexed.Load(); r != r0+1 {
		t.Errorf("a renamed enterprise re-indexed %d cases; want 1", r-r0)
	}
	if ms, _ := s.Search(name, nil, 10); len(ms) == 0 || ms[0].ID != id {
		t.Errorf("the renamed enterprise is not found: %v", ms)
	}
}

// threeCaseStore: a bbolt store of three demo cases (closed with the test), the first
// case's id and the case.
func threeCaseStore(t *testing.T) (*Store, uint32, workflow.Case) {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := Demo.Generate(s, 3, 7); err != nil {
		t.Fatal(err)
	}
	id := s.Snapshot().List()[0].ID
	c, err := s.Case(id)
	if err != nil {
		t.Fatal(err)
	}
	return s, id, c
}

// TestCommitAppendsToTheRememberedRecords: a commit on a case this node committed last
// appends its event to the remembered records in place (no copy of the chunk's records
// for each action), leaves the records as the last commit kept them, and takes them for
// itself: a second taker finds nothing to take and decodes the chunk as stored.
func TestCommitAppendsToTheRememberedRecords(t *testing.T) {
	s, id, c := threeCaseStore(t)
	comment := func(v int, text string) workflow.Case {
		t.Helper()
		n, err := s.Apply(id, v, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: text})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	remembered := func(v int) (chunkRead, []byte) {
		t.Helper()
		var w chunkRead
		var raw []byte
		k := chunkKey(id, chunkStart(v))
		if err := s.db.View(func(tx kv.Tx) error {
			raw = bytes.Clone(tx.Bucket(bEvents).Get(k))
			var ok bool
			if w, ok = s.wrote.chunk(id, k, raw); !ok {
				t.Fatalf("the chunk of event %d is not remembered", v)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return w, raw
	}
	n := comment(c.Version, "一")
	n = comment(n.Version, "二") // the records now have room for the next
	if chunkStart(n.Version) != chunkStart(n.Version+1) {
		t.Fatalf("event %d starts a chunk: pick another case history", n.Version+1)
	}
	before, _ := remembered(n.Version)
	kept := bytes.Clone(before.content)
	n = comment(n.Version, "三")
	after, raw := remembered(n.Version)
	if len(after.content) <= len(before.content) || &after.content[0] != &before.content[0] {
		t.Errorf("the commit copied the remembered records (%d bytes, then %d)", len(before.content), len(after.content))
	}
	if !bytes.Equal(before.content, kept) {
		t.Error("the records as the last commit kept them changed")
	}
	if !bytes.Equal(after.content[:len(kept)], kept) {
		t.Error("the new records do not begin with the old")
	}
	var u unpacker
	if _, stored, err := u.frame(raw); err != nil || !bytes.Equal(stored, after.content) {
		t.Errorf("the remembered records are not the stored chunk's (%v)", err)
	}
	k := chunkKey(id, chunkStart(n.Version))
	if _, ok := s.wrote.takeChunk(id, k, raw); !ok {
		t.Fatal("the chunk just written cannot be taken")
	}
	if _, ok := s.wrote.takeChunk(id, k, raw); ok {
		t.Error("the records were taken twice")
	}
	if _, ok := s.wrote.chunk(id, k, raw); ok {
		t.Error("taken records are still remembered")
	}
	n = comment(n.Version, "四") // decodes the chunk: nothing to take
	evs, err := s.Events(id)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"一", "二", "三", "四"} {
		e := evs[len(evs)-4+i]
		if e.Comment != text || (i > 0 && e.PrevHash != evs[len(evs)-5+i].Hash) {
			t.Errorf("event %d: %q chained to %.8s", e.Seq, e.Comment, e.PrevHash)
		}
	}
	if len(evs) != n.Version {
		t.Errorf("%d events, version %d", len(evs), n.Version)
	}
}
