package store

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"repairdesk/store/kv"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// A node of a shared case base writes a group's anchor entry beside the group's COMMIT
// (anchorer.writeAhead). These tests stop it at each point where a crash leaves the two
// apart, by keeping the anchor log as the disk held it at that moment, and then look at
// the case base and that log as a check from another process and the node's next start
// find them.

// aheadNode is a node on a fresh PostgreSQL schema with an anchor log of its own, which
// writes its entries beside their COMMIT, and a case with one comment acted on (so the log
// has a commit entry before the one tested).
func aheadNode(t *testing.T) (addr string, opts Options, s *Store, wang workflow.Staff, c workflow.Case) {
	return anchorNode(t, true)
}

// anchorNode is aheadNode with the entries written beside their COMMIT or after it.
func anchorNode(t *testing.T, beside bool) (addr string, opts Options, s *Store, wang workflow.Staff, c workflow.Case) {
	t.Helper()
	addr = pgtest.Addr(t)
	dir := t.TempDir()
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, workflow.ChinaTZ)
	opts = Options{Now: func() time.Time { return at }, KeyFile: filepath.Join(dir, "k"),
		AnchorLog: filepath.Join(dir, "node.anchors"), AnchorKey: filepath.Join(dir, "node.anchor-key"), AnchorBesideCommit: beside}
	s, wang, in := groupStore(t, addr, opts)
	t.Cleanup(func() { s.Close() })
	c, err := s.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	if c, err = s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "第一条"}); err != nil {
		t.Fatal(err)
	}
	return addr, opts, s, wang, c
}

// crashCopy keeps the anchor log at path as it is now (the disk's state at a crash).
func crashCopy(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
	}
	return b
}

// afterCrash stops the node and puts its anchor log back as it was at the crash; the
// case base stays as the node left it.
func afterCrash(t *testing.T, s *Store, opts Options, log []byte) {
	t.Helper()
	s.Close()
	if err := os.WriteFile(opts.AnchorLog, log, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkFromOutside is repairdesk check from another process: read-only, the node's log
// and public key given.
func checkFromOutside(t *testing.T, addr string, opts Options) []Problem {
	t.Helper()
	ro, err := Open(addr, Options{ReadOnly: true, KeyFile: opts.KeyFile, AnchorLog: opts.AnchorLog, AnchorPub: opts.AnchorKey + ".pub"})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	return ro.Check()
}

// startAfterCleanCheck stops the node with its anchor log as it was at the crash, has a
// check from another process find nothing, and starts the node again.
func startAfterCleanCheck(t *testing.T, addr string, s *Store, opts Options, log []byte) *Store {
	t.Helper()
	afterCrash(t, s, opts, log)
	if p := checkFromOutside(t, addr, opts); len(p) > 0 {
		t.Fatalf("a check after the crash, before the node's start, reports: %v", p)
	}
	s2, err := Open(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s2
}

// pendingNow is the node's pending entry in the case base (its key and value), to be put
// back later (putBackPending).
func pendingNow(t *testing.T, s *Store) (key, val []byte) {
	t.Helper()
	if err := s.view(func(tx kv.Tx) error { val = bytes.Clone(tx.Bucket(bMeta).Get(s.anch.next)); return nil }); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(s.anch.next), val
}

// putBackPending stops the node (its log as it is, ending in a commit entry) and sets
// its pending entry in the case base back to val, as an older copy of the case base
// would; it reports whether a check from another process then finds a rollback.
func putBackPending(t *testing.T, addr string, s *Store, opts Options, key, val []byte) (rollback bool, probs []Problem) {
	t.Helper()
	afterCrash(t, s, opts, crashCopy(t, opts.AnchorLog))
	db, err := Open(addr, Options{KeyFile: opts.KeyFile, NoAnchors: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.update(func(tx kv.Tx) error { return tx.Bucket(bMeta).Put(key, val) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	probs = checkFromOutside(t, addr, opts)
	for _, pr := range probs {
		rollback = rollback || strings.Contains(pr.What, "rollback")
	}
	return rollback, probs
}

// crashWhen keeps the anchor log as it is at the next group's entry written beside its
// COMMIT (written true: just after the entry's write; false: just before it).
func crashWhen(t *testing.T, s *Store, opts Options, written bool) *[]byte {
	t.Helper()
	var at []byte
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.anch.testAhead = func(w bool) {
		if w == written {
			at = crashCopy(t, opts.AnchorLog)
		}
	}
	return &at
}

// lastEntry is the number of the log's last entry.
func lastEntry(t *testing.T, path string) AnchorEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	var e AnchorEntry
	if err := decodeJSON([]byte(lines[len(lines)-1]), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAnchorAheadOfACommitThatNeverHappened: the node wrote its group's entry to the log
// (fsynced) and stopped before the transaction committed. The log then anchors an event
// the case base never received. A check from another process does not count that entry
// (no "missing", no "rollback"); the node's next start cuts it off, and its next commit
// takes the entry's number with the events really written: every check stays clean.
// Before the fix the next start kept the entry, and the next commit anchored the case's
// next event a second time with another hash ("anchored again with another hash").
func TestAnchorAheadOfACommitThatNeverHappened(t *testing.T) {
	addr, opts, s, wang, c := aheadNode(t)
	before := lastEntry(t, opts.AnchorLog)
	atCrash := crashWhen(t, s, opts, true)
	crash := errors.New("the node stops before its COMMIT (test)")
	s.db.(*kv.PG).SetBeforeCommit(func() error { return crash })
	if _, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "没有提交"}); !errors.Is(err, crash) {
		t.Fatalf("the action whose COMMIT never happened: %v", err)
	}
	s.db.(*kv.PG).SetBeforeCommit(nil)
	if *atCrash == nil || !strings.Contains(string(*atCrash), `"n":`+itoa(before.N+1)+`,`) {
		t.Fatalf("the entry was not in the log before the COMMIT: %s", *atCrash)
	}
	// The node that lived on cut the entry off again at once.
	if e := lastEntry(t, opts.AnchorLog); e.N != before.N {
		t.Fatalf("the running node's log ends at #%d after a transaction that did not commit, want #%d", e.N, before.N)
	}
	if p := s.Check(); len(p) > 0 {
		t.Fatalf("the running node's check: %v", p)
	}

	s2 := startAfterCleanCheck(t, addr, s, opts, *atCrash)
	defer s2.Close()
	if e := lastEntry(t, opts.AnchorLog); e.N != before.N {
		t.Fatalf("after the start the log ends at #%d (%s), want #%d: the entry of the transaction that never committed is kept", e.N, e.Kind, before.N)
	}
	got, err := s2.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "重启后"})
	if err != nil || got.Version != c.Version+1 {
		t.Fatalf("the next action: version %d, %v", got.Version, err)
	}
	if p := s2.Check(); len(p) > 0 {
		t.Fatalf("the node's check after its next commit: %v", p)
	}
	if e := lastEntry(t, opts.AnchorLog); e.N != before.N+1 || len(e.Heads) != 1 || !strings.HasPrefix(e.Heads[0], itoa(uint64(c.ID))+"/"+itoa(uint64(got.Version))+"/") {
		t.Fatalf("the next commit's entry: %+v", e)
	}
	s2.Close()
	if p := checkFromOutside(t, addr, opts); len(p) > 0 {
		t.Fatalf("a check from outside after the next commit: %v", p)
	}
}

// TestAnchorAheadOfARollBack: the entry beside a COMMIT that did not happen is forgiven
// only as the log's last: an older entry beyond what the case base holds (the case base
// put back to an earlier state) is still a rollback, though the log ends in a commit
// entry as after such a crash.
func TestAnchorAheadOfARollBack(t *testing.T) {
	addr, opts, s, wang, c := aheadNode(t)
	key, val := pendingNow(t, s) // as it stood after the first comment
	for i := range 2 {
		var err error
		if c, err = s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "再来" + itoa(uint64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	// The case base put back by two commits.
	if rb, p := putBackPending(t, addr, s, opts, key, val); !rb {
		t.Fatalf("a case base two commits behind the node's log is not reported as a rollback: %v", p)
	}
}

// TestLastGroupRolledBackIsFoundByDefault: a node that writes its entries after their
// COMMIT (the default) vouches for its last group too. The node stops without its close
// entry, its log ending in the last group's commit entry, and the case base is put back by
// that one group: a check from another process reports a rollback, and the node's next
// start keeps the entry (no cut). Fails if the forgiveness of an entry written beside its
// COMMIT is extended to entries that were not.
func TestLastGroupRolledBackIsFoundByDefault(t *testing.T) {
	addr, opts, s, wang, c := anchorNode(t, false)
	key, val := pendingNow(t, s)
	if _, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "最后一组"}); err != nil {
		t.Fatal(err)
	}
	last := lastEntry(t, opts.AnchorLog)
	if last.Kind != "commit" || last.Ahead {
		t.Fatalf("the log should end in the group's commit entry, written after its COMMIT: %+v", last)
	}
	if rb, p := putBackPending(t, addr, s, opts, key, val); !rb {
		t.Fatalf("the case base one group behind the node's log is not reported as a rollback: %v", p)
	}
	s2, err := Open(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if e := lastEntry(t, opts.AnchorLog); e.N != last.N {
		t.Fatalf("the node's start cut its log back from #%d to #%d", last.N, e.N)
	}
}

// TestAnchorBesideACommitThatHappened: the transaction committed and the node stopped
// before its entry reached the log (the crash the log always had to survive): a check
// from another process counts the entry the case base holds, and the node's next start
// appends it.
func TestAnchorBesideACommitThatHappened(t *testing.T) {
	addr, opts, s, wang, c := aheadNode(t)
	before := lastEntry(t, opts.AnchorLog)
	atCrash := crashWhen(t, s, opts, false)
	got, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "已提交"})
	if err != nil {
		t.Fatal(err)
	}
	if *atCrash == nil || strings.Contains(string(*atCrash), `"n":`+itoa(before.N+1)+`,`) {
		t.Fatalf("the crash copy should end before the new entry: %s", *atCrash)
	}
	s2 := startAfterCleanCheck(t, addr, s, opts, *atCrash)
	e := lastEntry(t, opts.AnchorLog)
	if e.N != before.N+1 || len(e.Heads) != 1 || !strings.HasPrefix(e.Heads[0], itoa(uint64(c.ID))+"/"+itoa(uint64(got.Version))+"/") {
		t.Fatalf("the start did not append the committed group's entry: %+v", e)
	}
	if p := s2.Check(); len(p) > 0 {
		t.Fatalf("the node's check: %v", p)
	}
	s2.Close()
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// TestAnchorAheadWriteFails: the entry cannot be written beside the COMMIT (here the
// log's file refuses writes). The action still commits, as when an append after the
// commit failed; nothing is left in the log, Check says that an anchor could not be
// written, and the node's next start appends the entry from the case base.
func TestAnchorAheadWriteFails(t *testing.T) {
	addr, opts, s, wang, c := aheadNode(t)
	before, err := os.ReadFile(opts.AnchorLog)
	if err != nil {
		t.Fatal(err)
	}
	ro, err := os.Open(opts.AnchorLog)
	if err != nil {
		t.Fatal(err)
	}
	s.writeMu.Lock()
	good := s.anch.f
	if _, err := ro.Seek(0, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	s.anch.f = ro
	s.writeMu.Unlock()
	got, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "写不进"})
	if err != nil || got.Version != c.Version+1 {
		t.Fatalf("the action: version %d, %v (a failed anchor write must not undo it)", got.Version, err)
	}
	s.writeMu.Lock()
	s.anch.f = good
	s.writeMu.Unlock()
	ro.Close()
	if after, _ := os.ReadFile(opts.AnchorLog); string(after) != string(before) {
		t.Fatalf("the log changed although its write failed:\n%s\nwas\n%s", after, before)
	}
	failed := false
	for _, p := range s.Check() {
		failed = failed || strings.Contains(p.What, "an anchor could not be written")
	}
	if !failed {
		t.Fatal("Check does not say that an anchor could not be written")
	}
	afterCrash(t, s, opts, before) // the node stops (its close entry dropped: as a crash)
	s2, err := Open(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if e := lastEntry(t, opts.AnchorLog); len(e.Heads) != 1 || !strings.HasPrefix(e.Heads[0], itoa(uint64(c.ID))+"/"+itoa(uint64(got.Version))+"/") {
		t.Fatalf("the next start did not append the committed entry: %+v", e)
	}
	if p := s2.Check(); len(p) > 0 {
		t.Fatalf("the node's check after its start: %v", p)
	}
}
