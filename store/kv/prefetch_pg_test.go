package kv_test

import (
	"bytes"
	"fmt"
	"testing"

	"repairdesk/store/kv"
)

// TestPrefetchReadsWhatTheTransactionSees: keys and Seek pages read ahead answer later
// Gets and Seeks as the database would, including the transaction's own writes made
// after the read-ahead (inside a page, past its end, deletions), on both backends.
func TestPrefetchReadsWhatTheTransactionSees(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db kv.DB) {
		name := []byte("p")
		key := func(i int) []byte { return []byte(fmt.Sprintf("k%03d", i)) }
		if err := db.Update(func(tx kv.Tx) error {
			b, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			for i := 0; i < 40; i += 2 { // even keys only
				if err := b.Put(key(i), []byte(fmt.Sprint("v", i))); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		walk := func(b kv.Bucket, seek []byte, n int) string {
			var out bytes.Buffer
			c := b.Cursor()
			for k, v := c.Seek(seek); k != nil && n > 0; k, v = c.Next() {
				fmt.Fprintf(&out, "%s=%s ", k, v)
				n--
			}
			return out.String()
		}
		err := db.Update(func(tx kv.Tx) error {
			kv.Prefetch(tx,
				[]kv.Read{{Bucket: name, Key: key(2)}, {Bucket: name, Key: key(3)}, {Bucket: name, Key: key(38)}},
				[]kv.Read{{Bucket: name, Key: key(1)}, {Bucket: name, Key: key(30)}})
			b := tx.Bucket(name)
			if got := string(b.Get(key(2))); got != "v2" {
				t.Errorf("Get of a prefetched key: %q", got)
			}
			if got := b.Get(key(3)); got != nil {
				t.Errorf("Get of a prefetched missing key: %q", got)
			}
			// Writes after the read-ahead: inside the first page, past a full page's end,
			// into the open-ended page, and a deletion.
			for _, w := range []struct {
				k   []byte
				v   string
				del bool
			}{{key(3), "new3", false}, {key(2), "", true}, {key(25), "new25", false}, {key(33), "new33", false}, {key(38), "new38", false}} {
				var err error
				if w.del {
					err = b.Delete(w.k)
				} else {
					err = b.Put(w.k, []byte(w.v))
				}
				if err != nil {
					return err
				}
			}
			if got := string(b.Get(key(3))); got != "new3" {
				t.Errorf("Get after Put of a prefetched missing key: %q", got)
			}
			if got := b.Get(key(2)); got != nil {
				t.Errorf("Get after Delete of a prefetched key: %q", got)
			}
			if got, want := walk(b, key(1), 16), "k003=new3 k004=v4 k006=v6 k008=v8 k010=v10 k012=v12 k014=v14 k016=v16 k018=v18 k020=v20 k022=v22 k024=v24 k025=new25 k026=v26 k028=v28 k030=v30 "; got != want {
				t.Errorf("Seek over a prefetched page after writes:\n got %s\nwant %s", got, want)
			}
			if got, want := walk(b, key(30), 10), "k030=v30 k032=v32 k033=new33 k034=v34 k036=v36 k038=new38 "; got != want {
				t.Errorf("Seek to the bucket's end after writes:\n got %s\nwant %s", got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// What was written is what the next transaction reads.
		if err := db.View(func(tx kv.Tx) error {
			b := tx.Bucket(name)
			if got, want := walk(b, key(0), 4), "k000=v0 k003=new3 k004=v4 k006=v6 "; got != want {
				t.Errorf("after commit: %s, want %s", got, want)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestBucketsKnownAcrossTransactions: a bucket is looked up once per database, not per
// transaction, and a bucket deleted and made again, or made in a transaction that rolled
// back, is seen as it is.
func TestBucketsKnownAcrossTransactions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db kv.DB) {
		errBack := fmt.Errorf("roll back")
		if err := db.Update(func(tx kv.Tx) error {
			if _, err := tx.CreateBucket([]byte("gone")); err != nil {
				return err
			}
			return errBack
		}); err != errBack {
			t.Fatal(err)
		}
		if err := db.Update(func(tx kv.Tx) error {
			if tx.Bucket([]byte("gone")) != nil {
				t.Error("a bucket made in a transaction that rolled back exists")
			}
			b, err := tx.CreateBucket([]byte("x"))
			if err != nil {
				return err
			}
			_, err = b.NextSequence()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		pg, _ := db.(*kv.PG)
		var before uint64
		if pg != nil {
			before = pg.RoundTrips()
		}
		for range 3 {
			if err := db.View(func(tx kv.Tx) error {
				b := tx.Bucket([]byte("x"))
				if b == nil {
					t.Fatal("bucket x is missing")
				}
				if b.Sequence() != 1 {
					t.Errorf("sequence %d, want 1", b.Sequence())
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if pg != nil {
			// Each view: begin and the sequence; no lookup of the bucket.
			if n := pg.RoundTrips() - before; n != 6 {
				t.Errorf("three views of a known bucket took %d round trips, want 6", n)
			}
		}
		if err := db.Update(func(tx kv.Tx) error {
			if err := tx.DeleteBucket([]byte("x")); err != nil {
				return err
			}
			if tx.Bucket([]byte("x")) != nil {
				t.Error("a deleted bucket is still there in its transaction")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.View(func(tx kv.Tx) error {
			if tx.Bucket([]byte("x")) != nil {
				t.Error("a deleted bucket is still there")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestManyWritesInOneTransaction: a transaction with many writes (sent as set
// statements on PostgreSQL) puts, overwrites and deletes as one with few writes does.
func TestManyWritesInOneTransaction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db kv.DB) {
		name := []byte("m")
		key := func(i int) []byte { return []byte(fmt.Sprintf("k%05d", i)) }
		if err := db.Update(func(tx kv.Tx) error {
			b, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			for i := range 100 {
				if err := b.Put(key(i), []byte("old")); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx kv.Tx) error {
			b := tx.Bucket(name)
			for i := range 12000 { // overwrites 0..99, then new keys
				if err := b.Put(key(i), []byte(fmt.Sprint("v", i))); err != nil {
					return err
				}
			}
			for i := 0; i < 12000; i += 3 {
				if err := b.Delete(key(i)); err != nil {
					return err
				}
			}
			return b.Put(key(3), []byte("back")) // deleted, then put again
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.View(func(tx kv.Tx) error {
			b := tx.Bucket(name)
			n := 0
			err := b.ForEach(func(k, v []byte) error {
				var i int
				fmt.Sscanf(string(k), "k%05d", &i)
				want := fmt.Sprint("v", i)
				if i == 3 {
					want = "back"
				}
				if i%3 == 0 && i != 3 || string(v) != want {
					t.Errorf("%s = %s, want %s (or absent)", k, v, want)
				}
				n++
				return nil
			})
			if n != 8001 {
				t.Errorf("%d keys, want 8001", n)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
