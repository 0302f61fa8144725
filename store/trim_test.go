package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// fileAndPages is the size of the store's file on disk and what its pages need (their
// high-water mark), in bytes.
func fileAndPages(t *testing.T, s *Store) (file, pages int64) {
	t.Helper()
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.BoltDB(s.db).View(func(tx *bolt.Tx) error { pages = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return fi.Size(), pages
}

// TestBulkLoadTrimsTail: after a bulk load (demo generation) the file is no larger than
// its pages need — bbolt had grown it past them (a small file to the next power of two,
// a large one by 16 MiB) — and it stays a sound database: commits after it grow it
// again, and after a reopen check finds nothing and every case reads.
func TestBulkLoadTrimsTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Demo.Generate(s, 300, 5); err != nil {
		t.Fatal(err)
	}
	file, pages := fileAndPages(t, s)
	if file != pages {
		t.Errorf("after the demo's bulk load the file is %d bytes, its pages need %d", file, pages)
	}
	// Commits after it: enough to need more pages than the trimmed file holds.
	list := s.Snapshot().List()
	for i := range 200 {
		sm := list[i%len(list)]
		cur, _ := s.Snapshot().Get(sm.ID)
		if _, err := s.Apply(sm.ID, cur.Version, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment,
			Comment: fmt.Sprintf("第%d条备注：企业来电询问进度，已告知所需材料与办理时限", i)}); err != nil {
			t.Fatalf("commit %d after the trim: %v", i, err)
		}
	}
	if f2, p2 := fileAndPages(t, s); p2 <= pages || f2 < p2 {
		t.Errorf("after 200 commits: file %d, pages %d (before: %d); want the pages grown and the file holding them", f2, p2, pages)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p := s.Check(); len(p) != 0 {
		t.Errorf("check after the trim and the commits: %v", p)
	}
	for _, sm := range s.Snapshot().List() {
		if _, err := s.Events(sm.ID); err != nil {
			t.Fatalf("case %d: %v", sm.ID, err)
		}
	}
}

// TestMigrateToFileTrimsTail: `migrate` into a new file leaves it no larger than its
// pages need, and the copy opens and checks clean.
func TestMigrateToFileTrimsTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "from.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Demo.Generate(s, 300, 6); err != nil {
		t.Fatal(err)
	}
	s.Close()
	to := filepath.Join(t.TempDir(), "to.db")
	if _, err := Migrate(path, to, path+".key"); err != nil {
		t.Fatal(err)
	}
	b, err := Open(to, Options{KeyFile: path + ".key", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if file, pages := fileAndPages(t, b); file != pages {
		t.Errorf("the migrated file is %d bytes, its pages need %d", file, pages)
	}
	if p := b.Check(); len(p) != 0 {
		t.Errorf("check of the migrated file: %v", p)
	}
}
