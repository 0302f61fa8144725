package store_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store"
	"repairdesk/workflow"
)

// rehash recomputes the chain of case id from event from on, as a careful forger with
// the file does, and stores the case as the fold of its (possibly fewer) events.
func rehash(t *testing.T, tx *bolt.Tx, id uint32, from int) {
	t.Helper()
	var evs []workflow.Event
	for i, raw := range rawEvents(t, tx, id) {
		seq := i + 1
		var ev workflow.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		if seq >= from {
			if seq > 1 {
				ev.PrevHash = evs[seq-2].Hash
			}
			ev.Hash = store.EventHash(ev)
			if err := putEvent(t, tx, id, seq, ev); err != nil {
				t.Fatal(err)
			}
		}
		evs = append(evs, ev)
	}
	var stored workflow.Case
	if err := json.Unmarshal(valueJSON(t, tx.Bucket(bCases).Get(caseKey(id))), &stored); err != nil {
		t.Fatal(err)
	}
	c, err := store.FoldStored(evs, stored)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	if err := tx.Bucket(bCases).Put(caseKey(id), b); err != nil {
		t.Fatal(err)
	}
}

// withoutAnchors: what Check finds when it looks at the chains alone (before the anchor
// log): nothing, for each of these attacks.
func withoutAnchors(t *testing.T, path string) {
	t.Helper()
	s, err := store.Open(path, store.Options{ReadOnly: true, NoAnchors: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("the forgery is not even consistent in itself: %v", p)
	}
}

// approved builds a closed database with a case approved by 陈静 and a bystander.
func approved(t *testing.T) (path string, victim, bystander uint32, approveSeq int) {
	t.Helper()
	s, path, _ := newStore(t)
	v := create(t, s, entA)
	b := create(t, s, entB)
	advance(t, s, v.ID, workflow.StageClosed)
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "企业来电"})
	evs, _ := s.Events(v.ID)
	for _, ev := range evs {
		if ev.Kind == workflow.ActApprove {
			approveSeq = ev.Seq
		}
	}
	if approveSeq == 0 || approveSeq == len(evs) {
		t.Fatalf("no approval in the middle of the history: %d of %d", approveSeq, len(evs))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, v.ID, b.ID, approveSeq
}

// rewriteApprover changes the approver of case v's event seq (陈静 → 赵磊) in the file at
// path, and recomputes every later hash of its chain.
func rewriteApprover(t *testing.T, path string, v uint32, seq int) {
	t.Helper()
	tamper(t, path, func(tx *bolt.Tx) error {
		ev := getEvent(t, tx, v, seq)
		ev.Actor, ev.Action.Actor = "zhaolei", "zhaolei"
		if err := putEvent(t, tx, v, seq, ev); err != nil {
			return err
		}
		rehash(t, tx, v, seq)
		return nil
	})
}

// Attack 1: the approver changed (陈静 → 赵磊) and every later hash recomputed.
func TestAnchorCatchesRewrittenApprover(t *testing.T) {
	path, v, by, seq := approved(t)
	rewriteApprover(t, path, v, seq)
	withoutAnchors(t, path)
	expectOne(t, checkAfter(t, path, by), v, seq, "rewritten after it was anchored", "anchor entry #")
}

// Attack 2: the last event dropped and the case rebuilt from the rest.
func TestAnchorCatchesDroppedLastEvent(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		if err := deleteEvent(t, tx, v, 6); err != nil {
			return err
		}
		rehash(t, tx, v, 7)
		return nil
	})
	withoutAnchors(t, path)
	expectOne(t, checkAfter(t, path, by), v, 6, "events 6–6 were anchored", "missing")
}

// Attack 3: a whole case deleted (case, events, summary, and the results' aggregates,
// which the next open then rebuilds from what is left).
func TestAnchorCatchesDeletedCase(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("results")); err != nil {
			return err
		}
		if err := store.PutEvents(tx.Bucket(bEvents), v, nil); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("summaries")).Delete(caseKey(v)); err != nil {
			return err
		}
		return tx.Bucket(bCases).Delete(caseKey(v))
	})
	withoutAnchors(t, path)
	expectOne(t, checkAfter(t, path, by), v, 0, "case deleted", "6 event(s)", "anchor entry #")
}

// Attack 4: an older, internally consistent copy of the file put back (a rollback).
func TestAnchorCatchesRollback(t *testing.T) {
	path, v, by := history(t)
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	do(t, s, v, li, workflow.Action{Kind: workflow.ActComment, Comment: "后来的备注"})
	do(t, s, v, li, workflow.Action{Kind: workflow.ActComment, Comment: "再后来的备注"})
	s.Close()
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	withoutAnchors(t, path)
	probs := checkAfter(t, path, by)
	expectOne(t, probs, v, 7, "events 7–8 were anchored", "missing")
	var roll bool
	for _, p := range probs {
		if p.CaseID == 0 && strings.Contains(p.What, "rollback") && strings.Contains(p.What, "anchor entry #") {
			roll = true
		}
	}
	if !roll {
		t.Errorf("no rollback named: %v", probs)
	}
}

// The log survives restarts, is appended to across reopen (never rewritten), and a crash
// between a commit and its append is made good at the next open.
func TestAnchorLogAcrossReopen(t *testing.T) {
	s, path, _ := newStore(t)
	a := create(t, s, entA)
	s.Close()
	first, _ := os.ReadFile(path + ".anchors")
	if fi, err := os.Stat(path + ".anchor-key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("anchor key: %v %v", fi, err)
	}
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	do(t, s, a.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "第二次打开"})
	s.Close()
	second, _ := os.ReadFile(path + ".anchors")
	if !bytes.HasPrefix(second, first) || len(second) <= len(first) {
		t.Fatalf("the log was not appended to across reopen:\n%s\n---\n%s", first, second)
	}
	lines := bytes.Split(bytes.TrimSpace(second), []byte("\n"))
	var kinds []string
	for _, l := range lines {
		var e store.AnchorEntry
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, e.Kind)
	}
	// base (new file), staff, the case, close; then the comment and close again.
	if kinds[0] != "base" || kinds[len(kinds)-1] != "close" || kinds[len(kinds)-2] != "commit" {
		t.Errorf("entries: %v", kinds)
	}
	// A crash after the comment's commit, before its append: cut the last two entries.
	cut := bytes.Join(lines[:len(lines)-2], []byte("\n"))
	if err := os.WriteFile(path+".anchors", append(cut, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("after a crash before the append: %v", p)
	}
	if info := s.Anchors(); info.Entries != len(lines)-1 || info.Key == "" {
		t.Errorf("Anchors: %+v", info)
	}
	s.Close()
}

// An edited anchor log does not verify; neither does one signed with another key.
func TestAnchorLogTampered(t *testing.T) {
	s, path, _ := newStore(t)
	create(t, s, entA)
	s.Close()
	log, _ := os.ReadFile(path + ".anchors")
	i := bytes.Index(log, []byte(`"cases":1`))
	if i < 0 {
		t.Fatalf("no entry with one case: %s", log)
	}
	forged := bytes.Replace(log, []byte(`"cases":1`), []byte(`"cases":2`), 1)
	os.WriteFile(path+".anchors", forged, 0o600)
	s, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	p := s.Check()
	s.Close()
	if len(p) == 0 || !strings.Contains(p[0].What, "bad signature") {
		t.Fatalf("an edited anchor log: %v", p)
	}
}

// A backup is checked as Check checks the source. A damaged anchor state in the meta
// bucket made Check complain while the backup was "verified" without its anchors.
func TestBackupVerifiesLikeCheckWhenAnchorStateIsDamaged(t *testing.T) {
	path, _, _ := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("anchor.next"), []byte("{\"n\":"))
	})
	src, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	srcProbs := src.Check()
	src.Close()
	if len(srcProbs) == 0 {
		t.Fatal("Check finds nothing wrong with a damaged anchor state")
	}
	res, err := store.BackupFile(path, path+".bak")
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !res.Anchors {
		t.Error("the anchor log was not carried beside the backup")
	}
	if len(res.Problems) == 0 {
		t.Fatalf("backup verified a copy whose source Check reports: %v", srcProbs)
	}
}
