package store

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// On a shared case base a group's anchor entry is fsynced while the node's next group
// runs (anchorer.commitLater). These tests hold that fsync and look at what may and may
// not happen meanwhile.

// holdAnchorSync makes the node's next deferred fsync of its anchor log wait until the
// returned release is called; entered is closed when it waits.
func holdAnchorSync(t *testing.T, s *Store) (entered chan struct{}, release func()) {
	t.Helper()
	entered = make(chan struct{})
	gate := make(chan struct{})
	var once sync.Once
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.anch.testSync = func() {
		first := false
		once.Do(func() { first = true })
		if first {
			close(entered)
			<-gate
		}
	}
	var rel sync.Once
	release = func() { rel.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return entered, release
}

// versionInDB is case id's version as the case base holds it (not the node's snapshot).
func versionInDB(t *testing.T, s *Store, id uint32) int {
	t.Helper()
	var c workflow.Case
	if err := s.view(func(tx kv.Tx) error { return unmarshalValue(tx.Bucket(bCases).Get(u32(id)), &c) }); err != nil {
		t.Fatal(err)
	}
	return c.Version
}

type applied struct {
	c   workflow.Case
	err error
}

// TestGroupAnsweredWhenItsAnchorIsOnDisk: an action is answered only once its group's
// anchor entry is fsynced, as before the fsync was moved off the node's turn; the node's
// next group may run meanwhile but does not COMMIT before that fsync is done, so that the
// log on disk never lacks more than the one entry the case base keeps pending
// (anchor.next): a crash (the machine's, losing what the page cache held) can then
// always be repaired at the next start. Both actions are answered once the fsync is
// done, and the log holds both entries.
func TestGroupAnsweredWhenItsAnchorIsOnDisk(t *testing.T) {
	_, opts, s, wang, c := anchorNode(t, false)
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "洛阳恒达建材有限公司", CreditCode: "91110000600037341L", LegalRep: "李强", Address: "洛阳市西工区中州路2号"},
		Agent:      workflow.Agent{Name: "刘洋", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-2026-0002"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行洛阳分行", Date: "2025-03-01", Problem: "wrong_data"}},
	}
	c2, err := s.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	entered, release := holdAnchorSync(t, s)
	first := make(chan applied, 1)
	go func() {
		n, err := s.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "等日志落盘"})
		first <- applied{n, err}
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the group's anchor fsync never started")
	}
	if v := versionInDB(t, s, c.ID); v != c.Version+1 {
		t.Fatalf("the first group is not committed while its entry is fsynced: version %d", v)
	}
	turns := s.turnsTaken.Load()
	select {
	case r := <-first:
		t.Fatalf("answered before its anchor entry was on disk: %+v", r.err)
	case <-time.After(200 * time.Millisecond):
	}
	// The action waits for its answer; it does not take the node's turn again and again
	// with nothing queued meanwhile (a loop that burnt a core while each fsync ran).
	if n := s.turnsTaken.Load() - turns; n > 2 {
		t.Errorf("the waiting action took the node's turn %d times in 200 ms with nothing queued", n)
	}
	second := make(chan applied, 1)
	go func() {
		n, err := s.Apply(c2.ID, c2.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "下一组"})
		second <- applied{n, err}
	}()
	time.Sleep(300 * time.Millisecond) // the next group runs up to its COMMIT
	if v := versionInDB(t, s, c2.ID); v != c2.Version {
		t.Fatalf("the next group committed (version %d) before the entry before it was on disk", v)
	}
	select {
	case r := <-second:
		t.Fatalf("the next group was answered before the entry before it was on disk: %+v", r.err)
	default:
	}
	release()
	for _, ch := range []chan applied{first, second} {
		select {
		case r := <-ch:
			if r.err != nil {
				t.Fatal(r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("an action was not answered after the fsync was done")
		}
	}
	if v := versionInDB(t, s, c2.ID); v != c2.Version+1 {
		t.Errorf("the next group's case is at version %d, want %d", v, c2.Version+1)
	}
	if e := lastEntry(t, opts.AnchorLog); len(e.Heads) != 1 || !strings.HasPrefix(e.Heads[0], strconv.FormatUint(uint64(c2.ID), 10)+"/") {
		t.Errorf("the log's last entry is not the next group's: %+v", e)
	}
	if p := s.anchorFail.Load(); p != nil {
		t.Errorf("an anchor write failed: %s", *p)
	}
}
