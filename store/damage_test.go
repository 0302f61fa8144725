package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// damagedCopy writes a copy of a demo database with its key, damaged by f.
func damagedCopy(t *testing.T, f func(b []byte, ps int, owners map[uint64]string) []byte) string {
	t.Helper()
	s := demoStore(t, 60, 5)
	src := s.Path()
	s.Close()
	owners, ps, err := PageOwners(src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(src + ".key")
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "damaged.db")
	if err := os.WriteFile(db, f(b, ps, owners), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db+".key", key, 0o600); err != nil {
		t.Fatal(err)
	}
	return db
}

// wantDamage: err is a *DamageError naming page (when page ≥ 0) and saying it in both
// languages.
func wantDamage(t *testing.T, what string, err error, page int64, words string) {
	t.Helper()
	var d *DamageError
	if !errors.As(err, &d) {
		t.Fatalf("%s: want a *DamageError, got %v", what, err)
	}
	if page >= 0 && d.Page != page {
		t.Errorf("%s: names page %d, want %d (%s)", what, d.Page, page, d.Message("en"))
	}
	if en := d.Message("en"); !strings.Contains(en, words) || !strings.Contains(en, "damaged") {
		t.Errorf("%s: %q does not say %q", what, en, words)
	}
	if zh := d.Message("zh"); !strings.Contains(zh, "已损坏") {
		t.Errorf("%s: %q is not in Chinese", what, zh)
	}
}

// TestTruncatedFileIsDamageNotSIGBUS: a file cut short was mapped as it was, and the
// first page past its end killed the process with SIGBUS. Now every way in names the
// first missing page, and backup writes nothing.
func TestTruncatedFileIsDamageNotSIGBUS(t *testing.T) {
	var cut int64
	db := damagedCopy(t, func(b []byte, ps int, _ map[uint64]string) []byte {
		// Half of the pages the database uses (bbolt grows the file ahead of them, so
		// half the file's length may still hold every page in use).
		path := filepath.Join(t.TempDir(), "whole.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		g, err := validateFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cut = int64(g.pgid / 2)
		return b[:int(cut)*ps+100]
	})
	_, err := Open(db, Options{ReadOnly: true, Timeout: time.Second})
	wantDamage(t, "Open read-only", err, cut, "truncated")
	_, err = Open(db, Options{Timeout: time.Second})
	wantDamage(t, "Open", err, cut, "truncated")
	_, err = VerifyFile(db, "")
	wantDamage(t, "VerifyFile", err, cut, "truncated")
	dest := filepath.Join(t.TempDir(), "b.db")
	_, err = BackupFile(db, dest)
	wantDamage(t, "BackupFile", err, cut, "truncated")
	if _, err := os.Stat(dest); err == nil {
		t.Error("a backup of a truncated file was written")
	}
}

// TestZeroedMetaPageIsDamage: with meta page 0 zeroed bbolt used the other one, an older
// state: export printed an empty list and backup "verified: 0 cases", both exiting 0.
func TestZeroedMetaPageIsDamage(t *testing.T) {
	for m := range 2 {
		db := damagedCopy(t, func(b []byte, ps int, _ map[uint64]string) []byte {
			clear(b[m*ps : (m+1)*ps])
			return b
		})
		_, err := Open(db, Options{ReadOnly: true, Timeout: time.Second})
		wantDamage(t, "Open", err, int64(m), "meta page")
		dest := filepath.Join(t.TempDir(), "b.db")
		res, err := BackupFile(db, dest)
		wantDamage(t, "BackupFile", err, int64(m), "meta page")
		if res.Cases != 0 || len(res.Problems) != 0 {
			t.Errorf("backup reported %+v", res)
		}
		if _, err := Restore(filepath.Join(t.TempDir(), "office.db"), db); err == nil {
			t.Error("a backup with a zeroed meta page was restored")
		}
	}
}

// zeroedCasesPage is a damaged copy of a store whose first page of the cases tree is
// zeroed, and that page.
func zeroedCasesPage(t *testing.T) (db string, page uint64) {
	db = damagedCopy(t, func(b []byte, ps int, owners map[uint64]string) []byte {
		for id, bucket := range owners {
			if bucket == string(bCases) && (page == 0 || id < page) {
				page = id
			}
		}
		clear(b[int(page)*ps : int(page+1)*ps])
		return b
	})
	return db, page
}

// TestZeroedTreePageIsDamage: a zeroed page of the cases tree made Check panic with
// bbolt's "assertion failed"; now Check names the page, bucket and cases, and every
// reader of the cases returns an error.
func TestZeroedTreePageIsDamage(t *testing.T) {
	db, page := zeroedCasesPage(t)
	s, err := Open(db, Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("the summaries are intact, so the file opens; got %v", err)
	}
	defer s.Close()
	probs := s.Check()
	// The copy has no anchor log beside it (that is reported too): the damage is the
	// problem that names a page.
	di := slices.IndexFunc(probs, func(p Problem) bool { return p.Damage != nil })
	if di < 0 {
		t.Fatalf("Check: %v", probs)
	}
	d := probs[di].Damage
	if d.Page != int64(page) || d.Bucket != string(bCases) || !strings.Contains(probs[di].Text("zh"), "已损坏") {
		t.Errorf("Check names %+v, want page %d of bucket cases", d, page)
	}
	_, err = s.AllCases()
	wantDamage(t, "AllCases", err, -1, "")
	err = s.EachCase(time.Time{}, true, func(workflow.Case, []workflow.Event) error { return nil })
	wantDamage(t, "EachCase", err, -1, "")
	if _, _, err = s.StatsData(); err == nil {
		t.Error("StatsData read a damaged cases bucket without an error")
	}
	_, err = VerifyFile(db, "")
	if err != nil {
		t.Fatal(err)
	}
}

// TestBackupMetaBucketPageSaysAnotherID: a flipped byte in the page id of the meta
// bucket's pages (the file's meta pages and freelist are sound, so the quick validation
// before a backup passes) crashed backup with bbolt's "Page expected to be" panic when
// it read the copy's anchor state to cut the anchor log. Now backup says the file is
// damaged and leaves no backup behind.
func TestBackupMetaBucketPageSaysAnotherID(t *testing.T) {
	var pages []uint64
	db := damagedCopy(t, func(b []byte, ps int, owners map[uint64]string) []byte {
		for id, owner := range owners {
			if owner == string(bMeta) {
				pages = append(pages, id)
				b[int(id)*ps+4] ^= 0x20 // the page id's fifth byte: it now says another page
			}
		}
		if len(pages) == 0 {
			t.Fatal("no page of the meta bucket")
		}
		return b
	})
	dest := filepath.Join(t.TempDir(), "b.db")
	_, err := BackupFile(db, dest)
	wantDamage(t, "BackupFile", err, -1, "damaged")
	var d *DamageError
	if errors.As(err, &d) && !slices.Contains(pages, uint64(d.Page)) {
		t.Errorf("BackupFile names page %d, not one of the damaged %v: %s", d.Page, pages, d.Message("en"))
	}
	for _, p := range []string{dest, dest + ".anchors"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a backup of a damaged file was left at %s", p)
		}
	}
}
