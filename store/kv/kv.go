// Package kv is the small key-value surface the store is written against: the subset of
// bbolt that store/*.go uses (buckets of ordered byte keys, cursors, per-bucket sequences,
// read and read-write transactions). It has two implementations:
//
//   - bolt.go: a thin pass-through to a bbolt file (the default; no behaviour change);
//   - pg.go: PostgreSQL through pgx, so that several serve nodes share one case base.
//
// The contract is bbolt's, with two differences a caller must respect:
//
//   - Update's function may run more than once on PostgreSQL (a serializable transaction
//     that lost a race is run again from the start). It must not have effects outside the
//     transaction that a second run would repeat (the same pitfall as bbolt's db.Batch).
//   - Values are valid only during the transaction on bbolt (they point into the mapped
//     file); on PostgreSQL they are copies. Code written for bbolt is right for both.
package kv

import (
	"errors"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// DB is a database of named buckets.
type DB interface {
	// View runs fn in a read-only transaction that sees one consistent state.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits it if fn returns nil. On
	// PostgreSQL fn may run more than once (see the package comment).
	Update(fn func(Tx) error) error
	Close() error
	// Backend names the implementation: "bbolt" or "postgres".
	Backend() string
}

// Tx is one transaction.
type Tx interface {
	// Bucket returns the named bucket, or nil if it does not exist.
	Bucket(name []byte) Bucket
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	CreateBucket(name []byte) (Bucket, error)
	DeleteBucket(name []byte) error
	// ForEach calls fn for every bucket, in name order.
	ForEach(fn func(name []byte, b Bucket) error) error
	Writable() bool
}

// Bucket is an ordered map of byte keys to byte values with its own sequence.
type Bucket interface {
	// Get is the value of key (nil: none). It is valid while the transaction lasts and
	// must not be changed (bbolt's are the mapped file; PostgreSQL's the transaction's
	// own copy, which a later Get of the key returns again).
	Get(key []byte) []byte
	// Put stores value under key. The value must stay as it is while the transaction
	// lasts (bbolt's rule: both backends keep it, not a copy); the key may be reused.
	Put(key, value []byte) error
	Delete(key []byte) error
	Cursor() Cursor
	// ForEach calls fn for every pair, in key order.
	ForEach(fn func(k, v []byte) error) error
	NextSequence() (uint64, error)
	Sequence() uint64
	SetSequence(v uint64) error
	Stats() BucketStats
}

// BucketStats: what the store reads of bbolt's bucket statistics.
type BucketStats struct {
	KeyN int // number of keys
}

// Cursor walks a bucket in key order. A nil key means there is no such pair.
type Cursor interface {
	First() (key, value []byte)
	Last() (key, value []byte)
	Seek(seek []byte) (key, value []byte)
	Next() (key, value []byte)
	Prev() (key, value []byte)
}

// IsPostgres reports whether a database address names a PostgreSQL database rather
// than a file: postgres:// or postgresql:// URLs.
func IsPostgres(addr string) bool {
	a := strings.ToLower(addr)
	return strings.HasPrefix(a, "postgres://") || strings.HasPrefix(a, "postgresql://")
}

// BoltTx is the bbolt transaction under tx, for the few places that are about the file
// itself (page checks, WriteTo backups, prefetching pages); ok is false on PostgreSQL.
func BoltTx(tx Tx) (*bolt.Tx, bool) {
	if t, ok := tx.(boltTx); ok {
		return t.Tx, true
	}
	return nil, false
}

// BoltBucket is the bbolt bucket under b; ok is false on PostgreSQL.
func BoltBucket(b Bucket) (*bolt.Bucket, bool) {
	if t, ok := b.(boltBucket); ok {
		return t.Bucket, true
	}
	return nil, false
}

// BoltDB is the bbolt database under db; nil on PostgreSQL.
func BoltDB(db DB) *bolt.DB {
	if d, ok := db.(*boltDB); ok {
		return d.DB
	}
	return nil
}

// Feeder is implemented by transactions of a shared database (PostgreSQL): Feed records,
// in the same transaction, that the record id of topic changed, so that the other nodes
// learn of it from the change feed. Feed is a no-op on bbolt (one process holds the
// file and hears its own commits).
type Feeder interface {
	Feed(topic string, id uint64)
}

// Feed records a change in tx's change feed when the database has one.
func Feed(tx Tx, topic string, id uint64) {
	if f, ok := tx.(Feeder); ok {
		f.Feed(topic, id)
	}
}

// BeginView starts a read-only transaction that the caller ends with end (for work that
// holds one view across several steps, such as the store's check).
func BeginView(db DB) (tx Tx, end func(), err error) {
	switch d := db.(type) {
	case *boltDB:
		btx, err := d.DB.Begin(false)
		if err != nil {
			return nil, nil, err
		}
		return boltTx{btx}, func() { _ = btx.Rollback() }, nil
	case *PG:
		return d.beginView()
	}
	return nil, nil, errors.New("kv: unknown database")
}

// Read names a key of a bucket (Prefetch).
type Read struct {
	Bucket, Key []byte
}

// Prefetcher is implemented by transactions that gain from reading ahead (PostgreSQL,
// where every read is a round trip).
type Prefetcher interface {
	Prefetch(gets, seeks []Read)
}

// Prefetch reads ahead, where that helps, the keys gets and the first page of a cursor's
// Seek to each of seeks, in one round trip; later Gets and Seeks of them are answered
// without asking the database. What the transaction reads is the same either way. A
// no-op on bbolt (reads there are memory).
func Prefetch(tx Tx, gets, seeks []Read) {
	if p, ok := tx.(Prefetcher); ok {
		p.Prefetch(gets, seeks)
	}
}

// UpdateOnce runs fn in a read-write transaction once: on PostgreSQL a serialization
// failure or deadlock is returned (Retryable reports it) instead of running fn again; on
// bbolt it is Update (no transaction there loses a race).
func UpdateOnce(db DB, fn func(Tx) error) error {
	if d, ok := db.(*PG); ok {
		return d.UpdateOnce(fn)
	}
	return db.Update(fn)
}

// Sharer is implemented by transactions that can lock a row for share (PostgreSQL).
type Sharer interface {
	LockShared(bucket, key []byte)
	RepeatableRead() bool
}

// LockShared locks, where the database has row locks, the row of key in bucket FOR
// SHARE, sent with the transaction's next Prefetch (call it before): a transaction that
// updated or deleted the row since this one's snapshot makes this one fail (40001), and
// one that would update or delete it waits until this one ends. A no-op on bbolt (one
// writer at a time).
func LockShared(tx Tx, bucket, key []byte) {
	if s, ok := tx.(Sharer); ok {
		s.LockShared(bucket, key)
	}
}

// RepeatableRead reports whether tx is a read-write transaction at REPEATABLE READ
// (UpdateOnceRepeatableRead on PostgreSQL).
func RepeatableRead(tx Tx) bool {
	s, ok := tx.(Sharer)
	return ok && s.RepeatableRead()
}

// BesideCommitter is implemented by transactions whose COMMIT is a wait on another
// machine (PostgreSQL): work given to BesideCommit runs while it is waited for.
type BesideCommitter interface {
	BesideCommit(fn func())
}

// BesideCommit has fn run beside tx's COMMIT, where the database's commit is a wait this
// process can overlap: fn starts just before the transaction's last writes and COMMIT
// are sent, and the transaction's Update (or UpdateOnce…) returns only once fn has
// returned too, whether the transaction committed or not. fn must not use tx. It
// reports false (and fn is not run) on bbolt, whose commit is this process's own work;
// a later call replaces an earlier one's fn.
func BesideCommit(tx Tx, fn func()) bool {
	if b, ok := tx.(BesideCommitter); ok {
		b.BesideCommit(fn)
		return true
	}
	return false
}

// UpdateRepeatableRead is Update (once: UpdateOnce) at REPEATABLE READ on PostgreSQL
// (see PG's); on bbolt it is Update.
func UpdateRepeatableRead(db DB, once bool, fn func(Tx) error) error {
	if d, ok := db.(*PG); ok {
		if once {
			return d.UpdateOnceRepeatableRead(fn)
		}
		return d.UpdateRepeatableRead(fn)
	}
	return db.Update(fn)
}
