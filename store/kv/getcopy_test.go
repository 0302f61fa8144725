package kv

import (
	"testing"

	"repairdesk/store/kv/pgtest"
)

// TestGetHandsOutTheTransactionsCopy: on PostgreSQL a Get of a key the transaction read
// ahead or read before returns the transaction's own copy of the value (no copy per Get:
// a commit reads each of its values once more after the read-ahead); a Get of a key it
// wrote returns the value put (not copied by Put either); a later write of the key
// leaves a value returned before as it was.
func TestGetHandsOutTheTransactionsCopy(t *testing.T) {
	d, err := OpenPG(pgtest.Addr(t), PGOptions{Node: "get"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	name := []byte("getcopy")
	err = d.Update(func(tx Tx) error {
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		if err := b.Put([]byte("a"), []byte("stored a")); err != nil {
			return err
		}
		return b.Put([]byte("b"), []byte("stored b"))
	})
	if err != nil {
		t.Fatal(err)
	}
	same := func(x, y []byte) bool { return len(x) > 0 && len(y) > 0 && &x[0] == &y[0] }
	err = d.Update(func(tx Tx) error {
		Prefetch(tx, []Read{{Bucket: name, Key: []byte("a")}}, nil)
		b := tx.Bucket(name)
		a1, a2 := b.Get([]byte("a")), b.Get([]byte("a"))
		if string(a1) != "stored a" || !same(a1, a2) {
			t.Errorf("read ahead: Get gave %q and %q, copies %v; want one value", a1, a2, !same(a1, a2))
		}
		b1, b2 := b.Get([]byte("b")), b.Get([]byte("b")) // the first asks the database
		if string(b1) != "stored b" || !same(b1, b2) {
			t.Errorf("read: Get gave %q and %q, copies %v; want one value", b1, b2, !same(b1, b2))
		}
		v := []byte("written a")
		k := []byte("a")
		if err := b.Put(k, v); err != nil {
			return err
		}
		k[0] = 'z' // the key may be reused at once
		w1, w2 := b.Get([]byte("a")), b.Get([]byte("a"))
		if string(w1) != "written a" || !same(w1, w2) || !same(w1, v) {
			t.Errorf("written: Get gave %q and %q, copies %v, the value put %v; want the value put", w1, w2, !same(w1, w2), same(w1, v))
		}
		if z := b.Get([]byte("z")); z != nil {
			t.Errorf("the key's reuse after Put wrote %q under it", z)
		}
		if string(a1) != "stored a" {
			t.Errorf("a value returned before the write changed to %q", a1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
