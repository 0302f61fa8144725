package store

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"repairdesk/store/kv"

	bolt "go.etcd.io/bbolt"
)

// TestPrefetchRange: reading a key range ahead reaches every leaf page a cursor over
// that range then reads, and not the pages of keys far outside it: a period of the
// results table is read, not the whole bucket.
func TestPrefetchRange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 150)
	key := func(i int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }
	for round := range 4 { // several transactions, so pages are spread over the file
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("big"))
			if err != nil {
				return err
			}
			for i := range 60_000 {
				if i%4 == round {
					if err := b.Put(key(i), val); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range [][2]int{{20_000, 26_000}, {0, 500}, {59_000, 70_000}, {31_337, 31_338}} {
		err = db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("big"))
			lo, hi := key(r[0]), key(r[1])
			read := map[uint64]bool{}
			for _, id := range prefetchRange(kv.BoltTxOf(tx), kv.BoltBucketOf(b), lo, hi) {
				read[id] = true
			}
			all := len(prefetch(kv.BoltTxOf(tx), kv.BoltBucketOf(b)))
			base := db.Info().Data
			ps := uintptr(db.Info().PageSize)
			leaves := map[uint64]bool{}
			c := b.Cursor()
			for k, v := c.Seek(lo); k != nil && string(k) < string(hi); k, v = c.Next() {
				leaves[uint64((uintptr(unsafe.Pointer(&v[0]))-base)/ps)] = true
			}
			for id := range leaves {
				if !read[id] {
					return fmt.Errorf("range %v: leaf page %d was not read ahead (%d read, %d leaves)", r, id, len(read), len(leaves))
				}
			}
			// The leaves of the range, one on either side at most, and the branch pages
			// above them.
			if len(read) > len(leaves)+2+8 || len(read)*4 > all {
				return fmt.Errorf("range %v: %d pages read for %d leaves (the whole bucket is %d)", r, len(read), len(leaves), all)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
