package store

import (
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
)

// trimTail gives back the unused tail of a bbolt file after a bulk write. bbolt grows its
// file by its step (AllocSize, 16 MiB) past what its pages need, so after a demo
// generation or a copy up to that much of the file is zeros no page uses (at 100,000
// cases 16.8 MB of 505.8: BENCHMARKS.md, "Round eight's loose ends"). The file is cut to
// its pages' high-water mark inside a read-write transaction, so no other writer runs
// (in this process by bbolt's lock, in another by the file's), which is then rolled
// back: every page bbolt reads is below that mark, and it grows the file again, by its
// step, when a later commit needs more (its growth compares with the size on disk). The
// cut is synced, as bbolt syncs its growth. It returns the bytes given back; nothing on
// PostgreSQL or a store opened read-only.
func (s *Store) trimTail() (int64, error) {
	if s.opts.ReadOnly {
		return 0, nil
	}
	return trimBoltTail(kv.BoltDB(s.db))
}

// trimBoltTail is trimTail for a bbolt database opened for writing (nil: nothing).
func trimBoltTail(db *bolt.DB) (int64, error) {
	if db == nil {
		return 0, nil
	}
	tx, err := db.Begin(true)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	used := tx.Size()
	f, err := os.OpenFile(db.Path(), os.O_WRONLY, 0)
	if err != nil {
		return 0, fmt.Errorf("trim the file's unused tail: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() <= used {
		return 0, err
	}
	if err := f.Truncate(used); err != nil {
		return 0, fmt.Errorf("trim the file's unused tail: %w", err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("trim the file's unused tail: %w", err)
	}
	return fi.Size() - used, nil
}
