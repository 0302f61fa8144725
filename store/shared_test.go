package store_test

// The store's core semantics, table-driven over both backends (bbolt and PostgreSQL),
// and the shared store's own promises: two nodes over one PostgreSQL see each other's
// commits through the change feed, and a conflict across nodes is one winner and one
// told, with nothing lost.

import (
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// forEachBackend runs f on a fresh bbolt file and a fresh PostgreSQL schema. open opens
// (another) store on the same database: on PostgreSQL two opens are two nodes.
func forEachBackend(t *testing.T, f func(t *testing.T, open func() *store.Store)) {
	t.Run("bbolt", func(t *testing.T) {
		clk := newClock(t0)
		path := dbPath(t)
		f(t, func() *store.Store { return openStore(t, path, clk) })
	})
	t.Run("postgres", func(t *testing.T) {
		clk := newClock(t0)
		addr := pgtest.Addr(t)
		key := filepath.Join(t.TempDir(), "shared.key")
		f(t, func() *store.Store { return openPGStore(t, addr, key, clk) })
	})
}

// openPGStore opens a node: the shared key, and an anchor log and key of its own.
func openPGStore(t *testing.T, addr, key string, clk *testClock) *store.Store {
	t.Helper()
	s, err := store.Open(addr, withNodeAnchors(t, store.Options{Now: clk.Now, KeyFile: key, FeedPoll: 100 * time.Millisecond}))
	if err != nil {
		t.Fatalf("Open(postgres): %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBackendCoreWritePath(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func() *store.Store) {
		s := open()
		addStaff(t, s)
		a := create(t, s, entA)
		b := create(t, s, entB)
		if a.ID != 1 || b.ID != 2 || a.No == b.No {
			t.Fatalf("ids %d %d, numbers %s %s", a.ID, b.ID, a.No, b.No)
		}
		n := do(t, s, a.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "第一条"})
		// A stale version is refused and writes nothing.
		_, err := s.Apply(a.ID, a.Version, li, workflow.Action{Kind: workflow.ActComment, Comment: "过期"})
		var ce *store.ConflictError
		if !errors.As(err, &ce) || ce.Current != n.Version {
			t.Fatalf("stale Apply: %v, want a ConflictError at version %d", err, n.Version)
		}
		evs, err := s.Events(a.ID)
		if err != nil || len(evs) != 2 {
			t.Fatalf("events %d, %v; want 2", len(evs), err)
		}
		if evs[1].PrevHash != evs[0].Hash || evs[0].Hash == "" {
			t.Errorf("the chain is not linked: %q → %q", evs[0].Hash, evs[1].PrevHash)
		}
		if sm := snGet(s, a.ID); sm == nil || sm.Version != n.Version {
			t.Errorf("summary %+v, want version %d", sm, n.Version)
		}
		if got, _ := s.Search("zzhx", nil, 10); len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("search zzhx: %+v", got)
		}
		if probs := s.Check(); len(probs) != 0 {
			t.Errorf("check: %+v", probs)
		}
		// Personal fields are sealed and read back.
		c, _ := s.Case(a.ID)
		if c.Agent.IDNumber != "11010519491231002X" {
			t.Errorf("ID number read back as %q", c.Agent.IDNumber)
		}
		// Reopened, everything is there.
		s.Close()
		s2 := open()
		if sm := snGet(s2, a.ID); sm == nil || sm.Version != n.Version || snGet(s2, b.ID) == nil {
			t.Errorf("after reopening: %+v", sm)
		}
		if c, _ := s2.Case(a.ID); c.Agent.IDNumber != "11010519491231002X" {
			t.Errorf("after reopening the ID number reads %q", c.Agent.IDNumber)
		}
		if _, ok := s2.Staff("chenjing"); !ok {
			t.Error("staff lost on reopening")
		}
	})
}

func TestBackendDraftsFilesSettings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func() *store.Store) {
		s := open()
		addStaff(t, s)
		c := create(t, s, entA)
		if err := s.SaveDraft(store.Draft{Staff: "wangfang", Form: "intake", Fields: map[string]string{"name": "半填"}}); err != nil {
			t.Fatal(err)
		}
		if ds := s.Drafts("wangfang"); len(ds) != 1 || ds[0].Fields["name"] != "半填" {
			t.Errorf("drafts %+v", ds)
		}
		if err := s.DeleteDraft("wangfang", "intake", 0); err != nil || len(s.Drafts("wangfang")) != 0 {
			t.Errorf("DeleteDraft: %v, left %d", err, len(s.Drafts("wangfang")))
		}
		content := []byte("%PDF-1.4 扫描件")
		_, ref, err := s.AttachFile(wang, c.No, "营业执照.pdf", content, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.FileContent(ref.SHA256); err != nil || string(got) != string(content) {
			t.Errorf("file content %q, %v", got, err)
		}
		// A form submitted twice makes one case.
		c1, again1, err1 := s.CreateOnce(wang, intake(entB), "", "tok-1")
		c2, again2, err2 := s.CreateOnce(wang, intake(entB), "", "tok-1")
		if err1 != nil || err2 != nil || again1 || !again2 || c1.ID != c2.ID {
			t.Errorf("CreateOnce twice: %d/%v/%v and %d/%v/%v", c1.ID, again1, err1, c2.ID, again2, err2)
		}
		if err := s.UpdateSettings(root, func(st *store.Settings) error { st.Letterhead.Agency = "豫信征信修复"; return nil }); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s2 := open()
		if s2.Settings().Letterhead.Agency != "豫信征信修复" {
			t.Errorf("settings after reopening: %q", s2.Settings().Letterhead.Agency)
		}
		if got, err := s2.FileContent(ref.SHA256); err != nil || string(got) != string(content) {
			t.Errorf("file after reopening %q, %v", got, err)
		}
	})
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

// TestTwoNodesSeeEachOther: a case made and changed on one node appears in the other
// node's summaries, search index and sessions within a second; a conflict across the
// nodes has one winner and tells the other; staff and settings travel too.
func TestTwoNodesSeeEachOther(t *testing.T) {
	clk := newClock(t0)
	addr := pgtest.Addr(t)
	key := filepath.Join(t.TempDir(), "shared.key")
	n1 := openPGStore(t, addr, key, clk)
	addStaff(t, n1)
	n2 := openPGStore(t, addr, key, clk)
	ch, cancel := n2.Subscribe()
	defer cancel()

	c := create(t, n1, entA)
	if !waitFor(time.Second, func() bool { return snGet(n2, c.ID) != nil }) {
		t.Fatal("a case made on node 1 did not reach node 2 within 1 s")
	}
	if got, _ := n2.Search("zzhx", nil, 10); len(got) != 1 {
		t.Errorf("node 2's index: %+v", got)
	}
	heard := false
	for !heard {
		select {
		case ch := <-ch:
			heard = ch.CaseID == c.ID && ch.Topic == "case"
		case <-time.After(time.Second):
			t.Fatal("node 2's sessions were not told")
		}
	}
	// Both load version 1; node 2 acts first, node 1 is told.
	v := c.Version
	won, err := n2.Apply(c.ID, v, li, workflow.Action{Kind: workflow.ActComment, Comment: "节点2"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = n1.Apply(c.ID, v, wang, workflow.Action{Kind: workflow.ActComment, Comment: "节点1"})
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.By != "李军" {
		t.Fatalf("the later action across nodes: %v, want a ConflictError naming 李军", err)
	}
	if !waitFor(time.Second, func() bool { sm := snGet(n1, c.ID); return sm != nil && sm.Version == won.Version }) {
		t.Error("node 1 did not learn of node 2's change within 1 s")
	}
	// Staff and settings.
	if err := n1.PutStaff(root, workflow.Staff{Name: "zhaomin", Display: "赵敏", Role: workflow.RoleSpecialist, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, ok := n2.Staff("zhaomin"); !ok {
		t.Error("staff added on node 1 unknown to node 2") // read from the database: no wait
	}
	if err := n1.UpdateSettings(root, func(st *store.Settings) error { st.Letterhead.Agency = "节点一改"; return nil }); err != nil {
		t.Fatal(err)
	}
	if !waitFor(time.Second, func() bool { return n2.Settings().Letterhead.Agency == "节点一改" }) {
		t.Error("settings changed on node 1 did not reach node 2 within 1 s")
	}
}

// TestTwoNodesRaceLosesNothing: sessions on two nodes act on the same cases at once.
// Each action either commits or is told of a conflict; every committed one is in the
// history, in one unbroken chain, and both nodes end with the same summaries.
func TestTwoNodesRaceLosesNothing(t *testing.T) {
	clk := newClock(t0)
	addr := pgtest.Addr(t)
	key := filepath.Join(t.TempDir(), "shared.key")
	nodes := []*store.Store{openPGStore(t, addr, key, clk)}
	addStaff(t, nodes[0])
	nodes = append(nodes, openPGStore(t, addr, key, clk))
	var ids []uint32
	for _, e := range []ent{entA, entB, entC} {
		ids = append(ids, create(t, nodes[0], e).ID)
	}
	var (
		mu        sync.Mutex
		committed = map[uint32][]string{}
		wg        sync.WaitGroup
	)
	for w := range 6 {
		wg.Go(func() {
			s := nodes[w%2]
			for i := range 8 {
				id := ids[(w+i)%len(ids)]
				c, err := s.Case(id)
				if err != nil {
					t.Error(err)
					return
				}
				text := string(rune('A'+w)) + string(rune('0'+i))
				_, err = s.Apply(id, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: text})
				var ce *store.ConflictError
				switch {
				case err == nil:
					mu.Lock()
					committed[id] = append(committed[id], text)
					mu.Unlock()
				case errors.As(err, &ce):
				default:
					t.Errorf("Apply: %v", err)
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, id := range ids {
		evs, err := nodes[1].Events(id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, ev := range evs {
			if i > 0 && ev.PrevHash != evs[i-1].Hash {
				t.Errorf("case %d: the chain breaks at event %d", id, i+1)
			}
			if ev.Comment != "" && ev.Kind == workflow.ActComment {
				got = append(got, ev.Comment)
			}
		}
		want := committed[id]
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("case %d: history %v, acknowledged %v", id, got, want)
		}
		total += len(want)
		c, _ := nodes[1].Case(id)
		for _, n := range nodes {
			if !waitFor(time.Second, func() bool { sm := snGet(n, id); return sm != nil && sm.Version == c.Version }) {
				t.Errorf("a node's summary of case %d is not at version %d", id, c.Version)
			}
		}
	}
	if total == 0 {
		t.Error("no action committed")
	}
	if probs := nodes[0].Check(); len(probs) != 0 {
		t.Errorf("check: %+v", probs)
	}
}

func snGet(s *store.Store, id uint32) *store.Summary {
	sm, _ := s.Snapshot().Get(id)
	return sm
}
