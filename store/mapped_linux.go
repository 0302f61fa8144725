package store

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"repairdesk/store/kv"
)

// releaseMapped drops this process's mapping of the database pages it has read (the
// summaries at open: at a million cases, hundreds of MB of resident file pages that the
// decoded summaries no longer point into). The pages stay in the page cache, shared and
// reclaimable; a later read maps them again from there. bbolt maps the file shared and
// read-only, where MADV_DONTNEED only unmaps. It runs inside a read transaction, which
// keeps bbolt from remapping the file meanwhile.
func (s *Store) releaseMapped() {
	db := kv.BoltDB(s.db)
	if db == nil {
		return
	}
	_ = db.View(func(tx *bolt.Tx) error {
		info := db.Info()
		size := tx.Size()
		if info == nil || info.Data == 0 || size <= 0 {
			return nil
		}
		// The mapping's address as bbolt reports it: a raw system call, with no Go
		// pointer made of it.
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(size), unix.MADV_DONTNEED)
		return nil
	})
}
