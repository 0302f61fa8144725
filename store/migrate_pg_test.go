package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// TestMigrateInterruptedResumes: a copy into PostgreSQL cut off midway (its context
// cancelled after a few chunks) leaves its chunks and its mark; no store opens on the
// database meanwhile; a copy from other data is refused and changes nothing; the same
// command again goes on after the last key copied (nothing copied twice: COPY would fail
// on a key already there) and ends with every bucket equal to the source and every
// chain checked.
func TestMigrateInterruptedResumes(t *testing.T) {
	defer store.SetMigrateChunk(7)()
	addr := pgtest.Addr(t)
	s, path, _ := newStore(t)
	var ids []uint32
	for i := range 6 {
		c := create(t, s, []ent{entA, entB, entC}[i%3])
		do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "迁移中断"})
		ids = append(ids, c.ID)
	}
	s.Close()
	key := path + ".key"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var chunks int
	var copied int64
	rep, err := store.MigrateWith(path, addr, key, store.Work{Context: ctx, Progress: func(what string, done, total int64) {
		chunks++
		copied = done
		if chunks == 3 {
			cancel() // midway: the next chunk does not start
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted migrate: %+v, %v; want context.Canceled", rep, err)
	}
	if copied == 0 || chunks != 3 {
		t.Fatalf("the copy was not cut off midway: %d chunks, %d keys", chunks, copied)
	}

	// No store opens on a half-copied database.
	_, err = store.Open(addr, store.Options{KeyFile: key})
	if err == nil || !strings.Contains(msgOf(err), "migrate") {
		t.Fatalf("Open during an unfinished copy: %v, want the refusal naming migrate", err)
	}

	// Other data: refused, nothing changed.
	other, otherPath, _ := newStore(t)
	create(t, other, entC)
	other.Close()
	_, err = store.Migrate(otherPath, addr, otherPath+".key")
	var me *store.MigrateError
	if !errors.As(err, &me) || me.Key != "migrate.other_source" {
		t.Fatalf("migrate of other data onto an unfinished copy: %v, want migrate.other_source", err)
	}
	if zh := me.Message("zh"); !strings.Contains(zh, "未完成的复制") {
		t.Errorf("the refusal in Chinese: %s", zh)
	}

	// The same command again: resumed after the keys copied, finished and checked.
	rep, err = store.Migrate(path, addr, key)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if int64(rep.Resumed) != copied || rep.Resumed == 0 || rep.Keys <= rep.Resumed {
		t.Errorf("second run %+v: want it to resume after the %d keys copied", rep, copied)
	}
	pg, err := store.Open(addr, store.Options{KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	for _, id := range ids {
		c, err := pg.Case(id)
		if err != nil || c.Version != 2 {
			t.Errorf("case %d after the resumed copy: v%d %v", id, c.Version, err)
		}
	}
	if probs := pg.Check(); len(probs) != 0 {
		t.Errorf("check after the resumed copy: %+v", probs)
	}
	// And a third run finds the copy whole.
	if again, err := store.Migrate(path, addr, key); err != nil || !again.Already {
		t.Errorf("third run: %+v, %v; want 'already'", again, err)
	}
}

// TestMigrateIntoFileInterruptedLeavesNothing: into a bbolt file the copy is one
// transaction; cut off, it leaves no key, and the same command again copies it whole.
func TestMigrateIntoFileInterruptedLeavesNothing(t *testing.T) {
	addr := pgtest.Addr(t)
	s, path, _ := newStore(t)
	for i := range 3 {
		create(t, s, []ent{entA, entB, entC}[i%3])
	}
	s.Close()
	key := path + ".key"
	if _, err := store.Migrate(path, addr, key); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(t.TempDir(), "back.db")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := store.MigrateWith(addr, back, key, store.Work{Context: ctx}); err == nil {
		t.Fatal("a cancelled copy into a file succeeded")
	}
	rep, err := store.Migrate(addr, back, key)
	if err != nil || rep.Already || rep.Cases != 3 {
		t.Fatalf("the copy again: %+v, %v", rep, err)
	}
}

func msgOf(err error) string {
	var m interface{ Message(string) string }
	if errors.As(err, &m) {
		return m.Message("en")
	}
	return err.Error()
}

// TestMigrateMissingSource: a --from file that is not there is named, in the user's
// language, and nothing is made at the destination.
func TestMigrateMissingSource(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere.db")
	to := filepath.Join(t.TempDir(), "to.db")
	_, err := store.Migrate(missing, to, to+".key")
	var me *store.MigrateError
	if !errors.As(err, &me) || !strings.Contains(me.Message("zh"), "不存在") || !strings.Contains(me.Message("en"), missing) {
		t.Fatalf("migrate from a missing file: %v", err)
	}
}
