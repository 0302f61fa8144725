package store

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/benchkit"
)

// TestBackupRefusesACopyThatDiffers: a local backup checks the source's snapshot while
// the copy is written, so the copy must be proved to be that snapshot's bytes. A byte
// changed in the synced copy — in a meta page, in a data page, the last byte — makes
// the backup fail with errCopyDiffers, leaving nothing behind; unchanged, the same
// backup is kept and its findings are those of a check of the copy.
func TestBackupRefusesACopyThatDiffers(t *testing.T) {
	s := demoStore(t, 60, 5)
	src := s.Path()
	s.Close()
	_, ps, err := PageOwners(src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { backupSyncedHook = nil })
	// Offsets into the copy; -1: its middle, -2: its last byte.
	for _, at := range []int64{100, int64(ps) + 40, int64(2*ps) + 17, -1, -2} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			dir := t.TempDir()
			dest := filepath.Join(dir, "b.db")
			flipped := false
			backupSyncedHook = func(tmp string) {
				f, err := os.OpenFile(tmp, os.O_RDWR, 0)
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				fi, err := f.Stat()
				if err != nil {
					t.Error(err)
					return
				}
				off := at
				switch at {
				case -1:
					off = fi.Size()/2 + 3
				case -2:
					off = fi.Size() - 1
				}
				b := []byte{0}
				if _, err := f.ReadAt(b, off); err != nil {
					t.Error(err)
					return
				}
				b[0] ^= 0xff
				if _, err := f.WriteAt(b, off); err != nil {
					t.Error(err)
					return
				}
				flipped = true
			}
			res, err := BackupFile(src, dest)
			if !flipped {
				t.Fatalf("the hook did not change the copy (%v)", err)
			}
			if !errors.Is(err, errCopyDiffers) {
				t.Fatalf("a copy with a byte changed (%d): %+v, %v", at, res, err)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				var names []string
				for _, e := range left {
					names = append(names, e.Name())
				}
				t.Errorf("a refused backup left %v", names)
			}
		})
	}
	backupSyncedHook = nil
	dest := filepath.Join(t.TempDir(), "b.db")
	res, err := BackupFile(src, dest)
	if err != nil || res.Remote || len(res.Problems) != 0 || res.Cases != 60 {
		t.Fatalf("backup of an untouched copy: %+v, %v", res, err)
	}
	v, err := VerifyFile(dest, src+".key")
	if err != nil || len(v.Problems) != 0 || v.Cases != res.Cases {
		t.Fatalf("the copy checked on its own: %+v, %v", v, err)
	}
}

// TestBackupFindsWhatACheckOfTheCopyFinds: with problems in the source (an anchor state
// that does not read, a case whose stored JSON was changed), the local backup, which
// checks the source while it copies, reports exactly what a check of the copy reports.
func TestBackupFindsWhatACheckOfTheCopyFinds(t *testing.T) {
	s := demoStore(t, 40, 5)
	src := s.Path()
	s.Close()
	db, err := bolt.Open(src, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put(metaAnchorNext, []byte(`{"n":`))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The source is checked where it is, read-only: nothing beside it or in it changes.
	listing := func() map[string]string {
		ents, err := os.ReadDir(filepath.Dir(src))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(filepath.Dir(src), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = string(b)
		}
		return out
	}
	before := listing()
	dest := filepath.Join(t.TempDir(), "b.db")
	res, err := BackupFile(src, dest)
	if err != nil {
		t.Fatal(err)
	}
	if after := listing(); !maps.Equal(before, after) {
		t.Errorf("the backup changed the source's folder: %d files before, %d after", len(before), len(after))
	}
	if len(res.Problems) == 0 {
		t.Fatal("the backup found nothing wrong with a damaged anchor state")
	}
	v, err := VerifyFile(dest, src+".key")
	if err != nil {
		t.Fatal(err)
	}
	text := func(ps []Problem) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.String())
		}
		return out
	}
	if got, want := text(res.Problems), text(v.Problems); !slices.Equal(got, want) || res.Cases != v.Cases {
		t.Errorf("the backup found %d cases, %q;\na check of the copy %d, %q", res.Cases, got, v.Cases, want)
	}
}

// BenchmarkBackupCompare: what proving a local backup's copy costs — reading the copy
// back and comparing it with the source (sameAsSource), here the 100,000-case fixture
// compared with itself from a warm page cache (CPU seconds from the process's CPU time).
func BenchmarkBackupCompare(b *testing.B) {
	path := benchkit.FixturePath(benchCases)
	fi, err := os.Stat(path)
	if err != nil {
		b.Skip("no 100,000-case fixture:", err)
	}
	_, ps, err := PageOwners(path)
	if err != nil {
		b.Fatal(err)
	}
	head := make([]byte, 2*ps)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	_, err = f.ReadAt(head, 0)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	cpu := cpuSeconds()
	for b.Loop() {
		if err := sameAsSource(path, path, head, ps, fi.Size()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "CPU-s")
	b.ReportMetric(float64(fi.Size())/1e6, "file-MB")
}
