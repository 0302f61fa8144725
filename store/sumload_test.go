package store

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"repairdesk/workflow"
)

// TestLoadInBackground: Open returns with the newest cases and loads the rest behind; the
// partial snapshots say so, Snapshot waits for all of them, a commit during the load is
// never overwritten by the loader's older summary (of a case loaded already, or not yet),
// commits do not wait for the load, and once done the summaries and the search index
// are those of a whole load.
func TestLoadInBackground(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Demo.Generate(s, 200, 7); err != nil {
		t.Fatal(err)
	}
	full := s.Snapshot()
	// Open cases: the oldest (loaded last), one of the second batch (ids 153–184: read
	// by the loader before the commit, installed after it) and the newest (loaded first).
	var oldOpen, midOpen, newOpen *Summary
	for sm := range full.All() {
		if !sm.Stage.Terminal() {
			if newOpen == nil {
				newOpen = sm
			}
			if midOpen == nil && sm.ID >= 153 && sm.ID <= 184 {
				midOpen = sm
			}
			oldOpen = sm
		}
	}
	if oldOpen == nil || midOpen == nil || oldOpen.ID > 100 || newOpen.ID < 185 {
		t.Fatalf("the demo has no open cases where the test needs them (%v, %v, %v)", oldOpen, midOpen, newOpen)
	}
	s.Close()

	defer func(f, m int, h func(int)) { firstBatch, maxBatch, loadBatchHook = f, m, h }(firstBatch, maxBatch, loadBatchHook)
	firstBatch, maxBatch = 16, 32
	paused, release := make(chan int), make(chan struct{})
	hooked := false
	loadBatchHook = func(done int) {
		if !hooked {
			hooked = true
			paused <- done
			<-release
		}
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sub, cancel := s.Subscribe()
	defer cancel()
	if done := <-paused; done != 16 {
		t.Fatalf("the loader paused after %d cases, want the first batch of 16", done)
	}
	sn := s.SnapshotSoFar()
	done, total, loading, lerr := sn.Loading()
	if !loading || done != 16 || total != 200 || lerr != nil || sn.Len() != 16 {
		t.Fatalf("partial snapshot: loading %v %d/%d (err %v), %d summaries; want 16/200", loading, done, total, lerr, sn.Len())
	}
	if _, ok := sn.Get(200); !ok {
		t.Fatal("the newest case is not in the first batch")
	}
	got := make(chan *Snapshot, 1)
	go func() { got <- s.Snapshot() }()
	select {
	case <-got:
		t.Fatal("Snapshot returned while the load was paused")
	case <-time.After(100 * time.Millisecond):
	}

	// Commits during the load: on a case not read yet, on one read but not installed, and
	// on one loaded.
	commit := func(sm *Summary) int {
		t.Helper()
		me, ok := s.Staff(sm.Owner)
		if !ok {
			t.Fatalf("no staff %q", sm.Owner)
		}
		res := make(chan error, 1)
		var c workflow.Case
		go func() {
			var err error
			c, err = s.Apply(sm.ID, sm.Version, me, workflow.Action{Kind: workflow.ActComment, Comment: "载入时的备注"})
			res <- err
		}()
		select {
		case err := <-res:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a commit waited for the load")
		}
		return c.Version
	}
	vOld, vMid, vNew := commit(oldOpen), commit(midOpen), commit(newOpen)
	sn = s.SnapshotSoFar()
	if _, _, loading, _ := sn.Loading(); !loading {
		t.Fatal("a commit during the load made the snapshot look complete")
	}
	if sm, ok := sn.Get(oldOpen.ID); !ok || sm.Version != vOld {
		t.Fatalf("case %d committed during the load: %v", oldOpen.ID, sm)
	}

	close(release)
	var whole *Snapshot
	select {
	case whole = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("Snapshot did not return after the load")
	}
	if _, _, loading, _ := whole.Loading(); loading || whole.Len() != 200 {
		t.Fatalf("after the load: loading %v, %d summaries; want all 200", loading, whole.Len())
	}
	for id, v := range map[uint32]int{oldOpen.ID: vOld, midOpen.ID: vMid, newOpen.ID: vNew} {
		if sm, _ := whole.Get(id); sm.Version != v {
			t.Errorf("case %d: summary v%d after the load, want the committed v%d (the loader put its older one back)", id, sm.Version, v)
		}
	}
	for sm := range full.All() {
		if sm.ID == oldOpen.ID || sm.ID == midOpen.ID || sm.ID == newOpen.ID {
			continue
		}
		got, ok := whole.Get(sm.ID)
		if !ok || got.Version != sm.Version || got.Stage != sm.Stage || got.Due != sm.Due {
			t.Fatalf("case %d after the load: %+v, want %+v", sm.ID, got, sm)
		}
	}
	if n := len(whole.Open()) + len(whole.Closed()); n != 200 {
		t.Errorf("the queues hold %d cases, want 200", n)
	}
	// The index holds every case, and the committed ones as they are now.
	for _, sm := range []*Summary{oldOpen, midOpen, newOpen, full.List()[100]} {
		ms, _ := s.Search(sm.No, nil, 5)
		if len(ms) == 0 || ms[0].ID != sm.ID {
			t.Errorf("search %s: %v", sm.No, ms)
		}
	}
	loads := 0
	for len(sub) > 0 {
		if ch := <-sub; ch.Topic == "load" {
			loads++
		}
	}
	if loads == 0 {
		t.Error("no change of topic load was announced")
	}
}

// TestLoadSmallStoreAtOnce: a store of at most firstBatch cases is loaded whole by Open.
func TestLoadSmallStoreAtOnce(t *testing.T) {
	s := demoStore(t, 40, 3)
	path := s.Path()
	s.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, loading, _ := s.SnapshotSoFar().Loading(); loading || s.SnapshotSoFar().Len() != 40 {
		t.Fatalf("a small store: loading %v, %d summaries at open", loading, s.SnapshotSoFar().Len())
	}
}

// TestEntryNumber: the number of a staged anchor entry is read from its start as
// json.Marshal writes it (Open no longer decodes megabytes of heads to compare it); anything
// else is not guessed at.
func TestEntryNumber(t *testing.T) {
	b, _ := json.Marshal(AnchorEntry{N: 4711, Kind: "commit", Heads: []string{"1/2/ab"}, Prev: "cd"})
	if n, ok := entryNumber(b); !ok || n != 4711 {
		t.Fatalf("entryNumber(%s) = %d, %v", b, n, ok)
	}
	for _, raw := range []string{`{"kind":"commit","n":3}`, `{"n":}`, `{"n":12x,`, ``, `{"n":99999999999999999999999,`} {
		if n, ok := entryNumber([]byte(raw)); ok {
			t.Errorf("entryNumber(%q) = %d, want not ok", raw, n)
		}
	}
}

// TestSummaryDecodeCopies: a decoded summary keeps nothing of the value it was decoded from
// (which points into the mapped file), equals the summary encoded, and the fields with few
// distinct values (staff, stage, sources) are one string shared by every summary.
func TestSummaryDecodeCopies(t *testing.T) {
	s := demoStore(t, 30, 5)
	var d sumDecoder
	seen := map[string]*byte{}
	shared := 0
	for sm := range s.Snapshot().All() {
		want := *sm
		want.Due = workflow.Due{}
		v := encodeSummary(nil, sm)
		var got Summary
		if err := d.decode(v, &got); err != nil {
			t.Fatal(err)
		}
		for i := range v {
			v[i] = 0xff // the file's page is reused
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded\n%+v\nwant\n%+v", got, want)
		}
		if p, ok := seen[got.Owner]; ok {
			if p != unsafe.StringData(got.Owner) {
				t.Fatalf("two summaries of %s hold two copies of the name", got.Owner)
			}
			shared++
		}
		seen[got.Owner] = unsafe.StringData(got.Owner)
	}
	if shared == 0 {
		t.Fatal("no two cases of one owner: the test checked nothing")
	}
}
