package store_test

import (
	"errors"
	"path/filepath"
	"testing"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// TestMigrateBothWays: an office's file copied into PostgreSQL and back holds the same
// cases, chains and sealed fields; a second run says the copy is already there; a
// destination holding another case base is refused and left alone.
func TestMigrateBothWays(t *testing.T) {
	addr := pgtest.Addr(t)
	s, path, _ := newStore(t)
	a := create(t, s, entA)
	do(t, s, a.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "迁移前"})
	create(t, s, entB)
	s.Close()
	key := path + ".key"

	rep, err := store.Migrate(path, addr, key)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 2 || rep.Keys == 0 || rep.Already {
		t.Errorf("report %+v", rep)
	}
	again, err := store.Migrate(path, addr, key)
	if err != nil || !again.Already {
		t.Errorf("second run: %+v, %v; want 'already'", again, err)
	}
	pg, err := store.Open(addr, store.Options{KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	c, err := pg.Case(a.ID)
	if err != nil || c.Version != 2 || c.Agent.IDNumber != "11010519491231002X" {
		t.Errorf("case in PostgreSQL: v%d %q %v", c.Version, c.Agent.IDNumber, err)
	}
	if sm, _ := pg.Snapshot().Get(2); sm == nil {
		t.Error("the second case is missing in PostgreSQL")
	}
	// Work goes on in PostgreSQL, then back into a new file.
	do(t, pg, a.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "迁移后"})
	pg.Close()
	back := filepath.Join(t.TempDir(), "back.db")
	if _, err := store.Migrate(addr, back, key); err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(back, store.Options{KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	evs, _ := b.Events(a.ID)
	if len(evs) != 3 || evs[2].Comment != "迁移后" || evs[2].PrevHash != evs[1].Hash {
		t.Errorf("history back in a file: %d events", len(evs))
	}
	if probs := b.Check(); len(probs) != 0 {
		t.Errorf("check of the file: %+v", probs)
	}
	// The PostgreSQL side changed since the first copy: migrating the old file there is
	// refused, and nothing is written.
	_, err = store.Migrate(path, addr, key)
	var me *store.MigrateError
	if !errors.As(err, &me) {
		t.Fatalf("migrate onto another case base: %v, want a refusal", err)
	}
	pg2, err := store.Open(addr, store.Options{KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	defer pg2.Close()
	if c, _ := pg2.Case(a.ID); c.Version != 3 {
		t.Errorf("the refused migrate changed PostgreSQL: version %d", c.Version)
	}
}
