package store_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"repairdesk/store"
)

// A local backup carries the anchor log beside its check's start: with the carrying held
// back, the check verifies every case meanwhile (its progress reaches them all), and
// once the log is carried the snapshot is checked against it, with the findings, the
// carried log and the result of a backup that carried it first.
func TestBackupChecksBesideCarryingTheAnchorLog(t *testing.T) {
	path, v, by, seq := approved(t)
	rewriteApprover(t, path, v, seq)
	backup := func(hold bool) (store.BackupResult, []byte) {
		t.Helper()
		dest := filepath.Join(t.TempDir(), "b.db")
		if !hold {
			res, err := store.BackupFile(path, dest)
			if err != nil {
				t.Fatal(err)
			}
			log, err := os.ReadFile(dest + ".anchors")
			if err != nil {
				t.Fatal(err)
			}
			return res, log
		}
		verified := make(chan struct{}) // every case verified
		var once sync.Once
		w := store.Work{Progress: func(what string, done, total int64) {
			if what == "check" && done == 2 {
				once.Do(func() { close(verified) })
			}
		}}
		release := store.HoldBackupAnchors()
		defer release()
		type result struct {
			res store.BackupResult
			err error
		}
		out := make(chan result, 1)
		go func() {
			res, err := store.BackupFileWith(path, dest, w)
			out <- result{res, err}
		}()
		select {
		case <-verified:
		case <-time.After(30 * time.Second): // a deadlock's guard, not a measure of speed
			release()
			<-out
			t.Fatal("the backup's check waited for the anchor log to be carried: its cases were not verified meanwhile")
		}
		release()
		r := <-out
		if r.err != nil {
			t.Fatal(r.err)
		}
		log, err := os.ReadFile(dest + ".anchors")
		if err != nil {
			t.Fatal(err)
		}
		return r.res, log
	}
	first, firstLog := backup(false)
	held, heldLog := backup(true)
	if !held.Anchors || !reflect.DeepEqual(first, held) {
		t.Errorf("with the anchor log carried beside the check:\n%+v\ncarried first:\n%+v", held, first)
	}
	if string(heldLog) != string(firstLog) {
		t.Errorf("the carried logs differ: %d and %d bytes", len(heldLog), len(firstLog))
	}
	for _, p := range held.Problems {
		if p.CaseID == by {
			t.Errorf("the backup's check blames the untouched case: %s", p)
		}
	}
	expectOne(t, held.Problems, v, seq, "rewritten after it was anchored", "anchor entry #")
}
