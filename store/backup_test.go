package store_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store"
)

// flipAt passes writes on with the byte at offset at (counted from the first write)
// flipped in what reaches w; the caller's buffer is left alone.
type flipAt struct {
	w   io.Writer
	at  int64
	off int64
}

func (f *flipAt) Write(p []byte) (int, error) {
	if i := f.at - f.off; i >= 0 && i < int64(len(p)) {
		q := slices.Clone(p)
		q[i] ^= 0x20
		p = q
	}
	n, err := f.w.Write(p)
	f.off += int64(n)
	return n, err
}

// leftIn lists what is in dir.
func leftIn(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestBackupRefusesCopyThatDiffers: a local backup checks the snapshot while it writes
// it; a copy whose bytes on disk are not those of the snapshot (here a byte flipped on its
// way to the file: in a meta page, in the middle, the last one) is refused, and nothing
// is left beside dest. The same backup without the flip is kept and verified.
func TestBackupRefusesCopyThatDiffers(t *testing.T) {
	path, _, _ := history(t)
	dir := t.TempDir()
	dest := filepath.Join(dir, "b.db")
	res, err := store.BackupFile(path, dest)
	if err != nil || len(res.Problems) != 0 || res.Remote || !res.Anchors || res.Cases != 2 {
		t.Fatalf("the backup unhindered: %+v, %v", res, err)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Size() != res.Bytes {
		t.Fatalf("backup says %d bytes: %v, %v", res.Bytes, fi, err)
	}
	v, err := store.VerifyFile(dest, path+".key")
	if err != nil || len(v.Problems) != 0 || v.Cases != 2 {
		t.Errorf("the backup, checked on its own: %+v, %v", v, err)
	}
	if left := leftIn(t, dir); !slices.Equal(left, []string{"b.db", "b.db.anchor-key.pub", "b.db.anchors"}) {
		t.Errorf("beside the backup: %v", left)
	}
	n := res.Bytes
	for _, at := range []int64{100, n / 2, n - 1} {
		restore := store.SetBackupFileWriter(func(w io.Writer) io.Writer { return &flipAt{w: w, at: at} })
		dir := t.TempDir()
		res, err := store.BackupFile(path, filepath.Join(dir, "b.db"))
		restore()
		if err == nil || !strings.Contains(err.Error(), "differs from the snapshot that was checked") {
			t.Errorf("byte %d of %d flipped on its way to the copy: backup gave %v (%+v)", at, n, err, res)
		}
		if left := leftIn(t, dir); len(left) != 0 {
			t.Errorf("byte %d flipped: the refused backup left %v", at, left)
		}
	}
}

// TestBackupOfAlteredSourceIsNotVerified: what check finds in the source, the backup
// finds: an event altered behind the store's back, or a page of the cases tree zeroed. The
// problems are the source's own, and never called verified.
func TestBackupOfAlteredSourceIsNotVerified(t *testing.T) {
	path, v, _ := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		ev := getEvent(t, tx, v, 3)
		ev.Comment += "（改）"
		return putEvent(t, tx, v, 3, ev)
	})
	src, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	want := src.Check()
	src.Close()
	if len(want) == 0 {
		t.Fatal("check finds nothing in the altered source")
	}
	dest := filepath.Join(t.TempDir(), "b.db")
	res, err := store.BackupFile(path, dest)
	if err != nil {
		t.Fatalf("backup of an altered source: %v", err)
	}
	if !slices.EqualFunc(res.Problems, want, func(a, b store.Problem) bool { return a.String() == b.String() }) {
		t.Errorf("backup found %v, check of the source %v", res.Problems, want)
	}
	if !slices.ContainsFunc(res.Problems, func(p store.Problem) bool {
		return p.CaseID == v && p.Seq == 3 && strings.Contains(p.What, "content altered")
	}) {
		t.Errorf("the altered event is not among the backup's problems: %v", res.Problems)
	}
	// The copy, kept as evidence, says the same on its own.
	got, err := store.VerifyFile(dest, path+".key")
	if err != nil || len(got.Problems) == 0 {
		t.Errorf("the kept copy checked on its own: %+v, %v", got, err)
	}
}

// TestBackupStoppedLeavesNothing: Ctrl+C (the context ending) while the copy is written,
// once it is written and the check goes on, or before anything started, leaves nothing
// beside dest.
func TestBackupStoppedLeavesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Demo.Generate(s, 40, 3); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, at := range []string{"backup", "check", "start"} {
		ctx, cancel := context.WithCancel(context.Background())
		if at == "start" {
			cancel()
		}
		var parts []string
		w := store.Work{Context: ctx, Progress: func(what string, done, total int64) {
			if len(parts) == 0 || parts[len(parts)-1] != what {
				parts = append(parts, what)
			}
			if what == at && done > 0 {
				cancel()
			}
		}}
		dir := t.TempDir()
		_, err := store.BackupFileWith(path, filepath.Join(dir, "b.db"), w)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("stopped at %s: backup gave %v (progress %v)", at, err, parts)
		}
		if left := leftIn(t, dir); len(left) != 0 {
			t.Errorf("stopped at %s: left %v", at, left)
		}
		if at == "check" && !slices.Equal(parts, []string{"backup", "check"}) {
			t.Errorf("progress went %v, want the copy's bytes, then the check's cases", parts)
		}
	}
}
