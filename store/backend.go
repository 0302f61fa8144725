package store

import (
	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/msg"
	"repairdesk/store/kv"
)

// viewBolt is view for the work that is about the bbolt file itself (a byte copy of the
// file, its pages): on PostgreSQL it refuses with *FileOnlyError.
func (s *Store) viewBolt(fn func(tx *bolt.Tx) error) error {
	if kv.BoltDB(s.db) == nil {
		return &FileOnlyError{What: "backup"}
	}
	return s.view(func(tx kv.Tx) error {
		btx, _ := kv.BoltTx(tx)
		return fn(btx)
	})
}

// FileOnlyError: an operation on the database file, asked of a PostgreSQL store.
type FileOnlyError struct {
	What string // "backup", "restore", "damage"
}

func (e *FileOnlyError) Error() string { return e.Message("en") }

// Message says what to use instead, in lang.
func (e *FileOnlyError) Message(lang string) string {
	return msgT(lang, "store.pg_file_only."+e.What)
}

// boltOf is the bbolt database under tx (nil on PostgreSQL), for shieldDB.
func boltOf(tx kv.Tx) *bolt.DB {
	if btx, ok := kv.BoltTx(tx); ok {
		return btx.DB()
	}
	return nil
}

// pathOf is the file of tx's database ("" on PostgreSQL), for shieldDB's messages.
func pathOf(tx kv.Tx) string {
	if db := boltOf(tx); db != nil {
		return db.Path()
	}
	return ""
}

func msgT(lang, key string, args ...any) string { return msg.T(lang, key, args...) }
