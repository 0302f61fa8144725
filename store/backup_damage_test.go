package store

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// TestBackupOfZeroedTreePage: a page of the source's cases tree zeroed (the quick
// validation before a backup passes) is found by the check of the snapshot, as check
// finds it in the source, and the backup is never called verified: either an error
// naming the damage, or the copy kept with the damage among its problems.
func TestBackupOfZeroedTreePage(t *testing.T) {
	db, page := zeroedCasesPage(t)
	res, err := BackupFile(db, filepath.Join(t.TempDir(), "b.db"))
	var d *DamageError
	switch {
	case errors.As(err, &d):
		if d.Page != int64(page) {
			t.Errorf("backup names page %d, the zeroed one is %d: %v", d.Page, page, err)
		}
	case err != nil:
		t.Fatalf("backup: %v", err)
	default:
		i := slices.IndexFunc(res.Problems, func(p Problem) bool { return p.Damage != nil })
		if i < 0 {
			t.Fatalf("a backup of a source with a zeroed page of cases: no damage among %v", res.Problems)
		}
		if d := res.Problems[i].Damage; d.Page != int64(page) || d.Bucket != string(bCases) || d.Path != db {
			t.Errorf("backup's damage %+v, want page %d of bucket cases in %s", d, page, db)
		}
	}
}
