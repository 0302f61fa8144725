package kv

import (
	bolt "go.etcd.io/bbolt"
)

// Bolt wraps an open bbolt database. The wrappers are single-pointer structs, so passing
// them as interfaces allocates nothing: the bbolt path costs what it cost before.
func Bolt(db *bolt.DB) DB { return &boltDB{db} }

type boltDB struct{ *bolt.DB }

func (d *boltDB) View(fn func(Tx) error) error {
	return d.DB.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (d *boltDB) Update(fn func(Tx) error) error {
	return d.DB.Update(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (d *boltDB) Backend() string { return "bbolt" }

type boltTx struct{ *bolt.Tx }

func (t boltTx) Bucket(name []byte) Bucket {
	b := t.Tx.Bucket(name)
	if b == nil {
		return nil // a nil interface, not a wrapper around nil
	}
	return boltBucket{b}
}

func (t boltTx) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	b, err := t.Tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return boltBucket{b}, nil
}

func (t boltTx) CreateBucket(name []byte) (Bucket, error) {
	b, err := t.Tx.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	return boltBucket{b}, nil
}

func (t boltTx) ForEach(fn func(name []byte, b Bucket) error) error {
	return t.Tx.ForEach(func(name []byte, b *bolt.Bucket) error { return fn(name, boltBucket{b}) })
}

type boltBucket struct{ *bolt.Bucket }

func (b boltBucket) Cursor() Cursor { return b.Bucket.Cursor() }

func (b boltBucket) Stats() BucketStats { return BucketStats{KeyN: b.Bucket.Stats().KeyN} }

// BoltTxOf wraps a bbolt transaction (tests and tools that open the file themselves).
func BoltTxOf(tx *bolt.Tx) Tx { return boltTx{tx} }

// BoltBucketOf wraps a bbolt bucket.
func BoltBucketOf(b *bolt.Bucket) Bucket { return boltBucket{b} }
