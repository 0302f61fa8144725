package kv_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/store/kv/pgtest"
)

// forEachBackend runs f against a fresh bbolt file and a fresh PostgreSQL schema.
func forEachBackend(t *testing.T, f func(t *testing.T, db kv.DB)) {
	t.Run("bbolt", func(t *testing.T) {
		b, err := bolt.Open(filepath.Join(t.TempDir(), "kv.db"), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db := kv.Bolt(b)
		t.Cleanup(func() { db.Close() })
		f(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := kv.OpenPG(pgtest.Addr(t), kv.PGOptions{Node: "test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db)
	})
}

var errStop = errors.New("stop")

func TestBucketsAndValues(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db kv.DB) {
		var kept []byte
		err := db.Update(func(tx kv.Tx) error {
			if tx.Bucket([]byte("b")) != nil {
				t.Error("a bucket that was never made exists")
			}
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			if _, err := tx.CreateBucket([]byte("b")); err == nil {
				t.Error("CreateBucket of an existing bucket succeeded")
			}
			if err := b.Put([]byte("k"), []byte("v1")); err != nil {
				return err
			}
			if err := b.Put([]byte("empty"), []byte{}); err != nil {
				return err
			}
			if got := b.Get([]byte("k")); string(got) != "v1" {
				t.Errorf("read own write: %q", got)
			}
			if got := b.Get([]byte("empty")); got == nil || len(got) != 0 {
				t.Errorf("an empty value reads as %v, want empty and not nil", got)
			}
			if got := b.Get([]byte("missing")); got != nil {
				t.Errorf("a missing key reads as %q", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = db.View(func(tx kv.Tx) error {
			kept = bytes.Clone(tx.Bucket([]byte("b")).Get([]byte("k")))
			if tx.Writable() {
				t.Error("a View is writable")
			}
			return nil
		})
		if string(kept) != "v1" {
			t.Errorf("committed value %q", kept)
		}
		// A failed Update writes nothing.
		err = db.Update(func(tx kv.Tx) error {
			b := tx.Bucket([]byte("b"))
			_ = b.Put([]byte("k"), []byte("v2"))
			_ = b.Delete([]byte("empty"))
			_, _ = tx.CreateBucketIfNotExists([]byte("c"))
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("Update returned %v, want the function's error", err)
		}
		_ = db.View(func(tx kv.Tx) error {
			b := tx.Bucket([]byte("b"))
			if got := b.Get([]byte("k")); string(got) != "v2" && string(got) != "v1" || string(got) == "v2" {
				t.Errorf("a rolled-back Put is visible: %q", got)
			}
			if b.Get([]byte("empty")) == nil {
				t.Error("a rolled-back Delete is visible")
			}
			if tx.Bucket([]byte("c")) != nil {
				t.Error("a rolled-back bucket exists")
			}
			if n := b.Stats().KeyN; n != 2 {
				t.Errorf("KeyN %d, want 2", n)
			}
			return nil
		})
		// Delete, and DeleteBucket.
		if err := db.Update(func(tx kv.Tx) error {
			if err := tx.Bucket([]byte("b")).Delete([]byte("k")); err != nil {
				return err
			}
			if tx.Bucket([]byte("b")).Get([]byte("k")) != nil {
				t.Error("a deleted key reads")
			}
			_, err := tx.CreateBucket([]byte("gone"))
			if err != nil {
				return err
			}
			return tx.DeleteBucket([]byte("gone"))
		}); err != nil {
			t.Fatal(err)
		}
		var names []string
		_ = db.View(func(tx kv.Tx) error {
			return tx.ForEach(func(name []byte, _ kv.Bucket) error { names = append(names, string(name)); return nil })
		})
		if !slices.Equal(names, []string{"b"}) {
			t.Errorf("buckets %q, want [b]", names)
		}
	})
}

// keys in bbolt's order: bytewise, a prefix before its extensions.
var ordered = [][]byte{{0x00}, {0x00, 0x00}, {0x01}, {0x01, 0x00}, []byte("a"), []byte("ab"), []byte("b"), {0x7f}, {0x80}, {0xff}, {0xff, 0x00}}

func TestCursorOrderAndPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db kv.DB) {
		const n = 5000 // several pages of every size
		err := db.Update(func(tx kv.Tx) error {
			b, _ := tx.CreateBucketIfNotExists([]byte("o"))
			for i := len(ordered) - 1; i >= 0; i-- {
				if err := b.Put(ordered[i], []byte{byte(i)}); err != nil {
					return err
				}
			}
			big, _ := tx.CreateBucketIfNotExists([]byte("big"))
			for i := range n {
				if err := big.Put(binary.BigEndian.AppendUint32(nil, uint32(i*2)), fmt.Appendf(nil, "%d", i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = db.View(func(tx kv.Tx) error {
			b := tx.Bucket([]byte("o"))
			var fwd, back [][]byte
			c := b.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				fwd = append(fwd, bytes.Clone(k))
			}
			for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
				back = append(back, bytes.Clone(k))
			}
			if !slices.EqualFunc(fwd, ordered, bytes.Equal) {
				t.Errorf("forward order %x, want %x", fwd, ordered)
			}
			slices.Reverse(back)
			if !slices.EqualFunc(back, ordered, bytes.Equal) {
				t.Errorf("backward order %x, want %x", back, ordered)
			}
			var each [][]byte
			_ = b.ForEach(func(k, v []byte) error { each = append(each, bytes.Clone(k)); return nil })
			if !slices.EqualFunc(each, ordered, bytes.Equal) {
				t.Errorf("ForEach order %x", each)
			}

			big := tx.Bucket([]byte("big"))
			c = big.Cursor()
			i := 0
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if got := binary.BigEndian.Uint32(k); got != uint32(i*2) || string(v) != fmt.Sprint(i) {
					t.Fatalf("pair %d is %d=%s", i, got, v)
				}
				i++
			}
			if i != n {
				t.Errorf("walked %d of %d", i, n)
			}
			i = n - 1
			for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
				if got := binary.BigEndian.Uint32(k); got != uint32(i*2) {
					t.Fatalf("backwards pair %d is %d", i, got)
				}
				i--
			}
			if i != -1 {
				t.Errorf("walked back to %d", i)
			}
			// Seek between keys, on a key, past the end; then turn round (the store's
			// lastHash: Seek(id+1) then Prev).
			k, _ := c.Seek(binary.BigEndian.AppendUint32(nil, 2001))
			if binary.BigEndian.Uint32(k) != 2002 {
				t.Errorf("Seek(2001) = %d", binary.BigEndian.Uint32(k))
			}
			k, _ = c.Prev()
			if binary.BigEndian.Uint32(k) != 2000 {
				t.Errorf("Prev after Seek = %d", binary.BigEndian.Uint32(k))
			}
			k, _ = c.Next()
			if binary.BigEndian.Uint32(k) != 2002 {
				t.Errorf("Next after Prev = %d", binary.BigEndian.Uint32(k))
			}
			if k, _ := c.Seek(binary.BigEndian.AppendUint32(nil, 2*n)); k != nil {
				t.Errorf("Seek past the end = %x", k)
			}
			if k, _ := c.Seek(binary.BigEndian.AppendUint32(nil, 0)); binary.BigEndian.Uint32(k) != 0 {
				t.Errorf("Seek(0) = %x", k)
			}
			if k, _ := c.Prev(); k != nil {
				t.Errorf("Prev before the first = %x", k)
			}
			return nil
		})
	})
}

func TestSequences(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db kv.DB) {
		err := db.Update(func(tx kv.Tx) error {
			b, _ := tx.CreateBucketIfNotExists([]byte("s"))
			if b.Sequence() != 0 {
				t.Errorf("new bucket's sequence %d", b.Sequence())
			}
			for want := uint64(1); want <= 3; want++ {
				if n, err := b.NextSequence(); err != nil || n != want {
					t.Errorf("NextSequence = %d, %v; want %d", n, err, want)
				}
			}
			return b.SetSequence(10)
		})
		if err != nil {
			t.Fatal(err)
		}
		_ = db.Update(func(tx kv.Tx) error {
			n, _ := tx.Bucket([]byte("s")).NextSequence()
			if n != 11 {
				t.Errorf("after SetSequence(10): %d", n)
			}
			return errStop // rolled back
		})
		_ = db.View(func(tx kv.Tx) error {
			if s := tx.Bucket([]byte("s")).Sequence(); s != 10 {
				t.Errorf("a rolled-back NextSequence stuck: %d", s)
			}
			return nil
		})
	})
}

// TestNoLostUpdates: read-modify-write from many goroutines (on PostgreSQL, many
// connections) loses none of them: serializable transactions, run again when they lose.
func TestNoLostUpdates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db kv.DB) {
		_ = db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("n")); return err })
		const workers, each = 8, 15
		var runs atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for range workers {
			wg.Go(func() {
				for range each {
					errs <- db.Update(func(tx kv.Tx) error {
						runs.Add(1)
						b := tx.Bucket([]byte("n"))
						var v uint64
						if raw := b.Get([]byte("c")); raw != nil {
							v = binary.BigEndian.Uint64(raw)
						}
						return b.Put([]byte("c"), binary.BigEndian.AppendUint64(nil, v+1))
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		_ = db.View(func(tx kv.Tx) error {
			if got := binary.BigEndian.Uint64(tx.Bucket([]byte("n")).Get([]byte("c"))); got != workers*each {
				t.Errorf("counter %d after %d increments: updates were lost", got, workers*each)
			}
			return nil
		})
		t.Logf("%d increments took %d runs of the function", workers*each, runs.Load())
	})
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db kv.DB) {
		_ = db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("r")); return err })
		_ = db.View(func(tx kv.Tx) error {
			if err := tx.Bucket([]byte("r")).Put([]byte("k"), []byte("v")); err == nil {
				t.Error("a Put in a View succeeded")
			}
			return nil
		})
	})
}

func TestFeed(t *testing.T) {
	addr := pgtest.Addr(t)
	a, err := kv.OpenPG(addr, kv.PGOptions{Node: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := kv.OpenPG(addr, kv.PGOptions{Node: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woke := make(chan struct{}, 16)
	go b.Listen(ctx, func() { woke <- struct{}{} })
	time.Sleep(300 * time.Millisecond) // LISTEN is registered (the poll covers the rest in the store)

	_ = a.Update(func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("x")); return err })
	for i := uint64(1); i <= 3; i++ {
		if err := a.Update(func(tx kv.Tx) error {
			kv.Feed(tx, "case", i)
			return tx.Bucket([]byte("x")).Put([]byte{byte(i)}, []byte{1})
		}); err != nil {
			t.Fatal(err)
		}
	}
	_ = a.Update(func(tx kv.Tx) error { kv.Feed(tx, "case", 99); return errStop }) // rolled back: no entry
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Error("no NOTIFY reached the other node")
	}
	head, err := b.FeedHead(ctx)
	if err != nil || head != 3 {
		t.Fatalf("FeedHead = %d, %v; want 3", head, err)
	}
	es, err := b.ReadFeed(ctx, 1, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Seq != 2 || es[0].ID != 2 || es[1].ID != 3 || es[0].Node != "a" || es[0].Topic != "case" {
		t.Errorf("feed after 1: %+v", es)
	}
}

// TestFeedOwnWakeUpsIgnored: a node is not woken by the NOTIFY of its own commits (it
// refreshed after them; each wake-up is a read of the feed), only by another node's.
// Other tests' nodes on the same database notify on the same channel meanwhile (many
// packages' tests run at once), so the node's wake-ups are compared with those of a
// third node that commits nothing and hears everything: it must hear the node's 20
// commits that the node itself does not. The old listener heard them too (difference 0).
func TestFeedOwnWakeUpsIgnored(t *testing.T) {
	addr := pgtest.Addr(t)
	a, err := kv.OpenPG(addr, kv.PGOptions{Node: "own-a"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := kv.OpenPG(addr, kv.PGOptions{Node: "own-b"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := kv.OpenPG(addr, kv.PGOptions{Node: "own-c"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var woke, heard atomic.Int64
	go a.Listen(ctx, func() { woke.Add(1) })
	go c.Listen(ctx, func() { heard.Add(1) })
	time.Sleep(300 * time.Millisecond) // LISTEN is registered
	w0, h0 := woke.Load(), heard.Load()
	for i := range 20 {
		if err := a.Update(func(tx kv.Tx) error { kv.Feed(tx, "case", uint64(i)); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	// Both count the other nodes' wake-ups of the same moments; the third also a's 20.
	if n, h := woke.Load()-w0, heard.Load()-h0; h-n < 15 {
		t.Errorf("20 commits of its own woke the node %d times, a node that commits nothing %d times", n, h)
	}
	before := woke.Load()
	if err := b.Update(func(tx kv.Tx) error { kv.Feed(tx, "case", 99); return nil }); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); woke.Load() == before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("another node's commit did not wake the node")
		}
	}
}

// TestFeedFromRacingNodes: entries written by racing transactions on two nodes all
// arrive, each once, numbered in increasing order.
func TestFeedFromRacingNodes(t *testing.T) {
	addr := pgtest.Addr(t)
	var dbs []*kv.PG
	for _, n := range []string{"a", "b"} {
		d, err := kv.OpenPG(addr, kv.PGOptions{Node: n})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		dbs = append(dbs, d)
	}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 10 {
				if err := dbs[w%2].Update(func(tx kv.Tx) error { kv.Feed(tx, "case", uint64(w*100+i)); return nil }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	es, err := dbs[0].ReadFeed(context.Background(), 0, nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[uint64]bool{}
	for i, e := range es {
		if i > 0 && e.Seq <= es[i-1].Seq {
			t.Errorf("entry %d after %d", e.Seq, es[i-1].Seq)
		}
		ids[e.ID] = true
	}
	if len(es) != 60 || len(ids) != 60 {
		t.Errorf("%d entries, %d distinct; want 60", len(es), len(ids))
	}
}

// TestConnectionLostInTransaction: the connection of a transaction is cut between two
// statements. The function still sees every existing bucket (a bucket is never nil for
// store code written for bbolt: that was a crash), the Update fails as
// *kv.UnavailableError with nothing committed, and the next Update works on a new
// connection.
func TestConnectionLostInTransaction(t *testing.T) {
	// The connection to cut is found by an application name of this test's own: other
	// packages' tests share the database, and their connections must not be cut.
	app := fmt.Sprintf("kv_lost_%d", time.Now().UnixNano())
	addr := pgtest.Addr(t)
	db, err := kv.OpenPG(addr+"&application_name="+app, kv.PGOptions{Node: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx kv.Tx) error {
		for _, n := range []string{"one", "two"} {
			if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	killer, err := pgx.Connect(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(ctx)
	err = db.Update(func(tx kv.Tx) error {
		_ = tx.Bucket([]byte("one")).Put([]byte("k"), []byte("lost"))
		_ = tx.Bucket([]byte("one")).Get([]byte("x")) // a statement: the transaction has begun (BEGIN goes with the first one)
		var cut int
		if err := killer.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1
			AND state LIKE 'idle in transaction%'`, app).Scan(&cut); err != nil || cut != 1 {
			t.Fatalf("cutting the transaction's connection: %d cut, %v", cut, err)
		}
		b := tx.Bucket([]byte("two"))
		if b == nil {
			t.Fatal("an existing bucket read as nil after the connection was lost")
		}
		_ = b.Put([]byte("k"), []byte("lost"))
		return nil
	})
	var ue *kv.UnavailableError
	if !errors.As(err, &ue) {
		t.Fatalf("Update after the connection was cut: %v, want *kv.UnavailableError", err)
	}
	if err := db.Update(func(tx kv.Tx) error { return tx.Bucket([]byte("two")).Put([]byte("k2"), []byte("ok")) }); err != nil {
		t.Fatalf("the next Update: %v", err)
	}
	_ = db.View(func(tx kv.Tx) error {
		if v := tx.Bucket([]byte("one")).Get([]byte("k")); v != nil {
			t.Errorf("a write of the cut transaction was committed: %q", v)
		}
		if v := tx.Bucket([]byte("two")).Get([]byte("k2")); string(v) != "ok" {
			t.Errorf("the next write reads %q", v)
		}
		return nil
	})
}

// TestFeedNumbersPastTheSequence: feed entries numbered beyond the sequence (a database
// restored without it) do not make every later commit collide with them.
func TestFeedNumbersPastTheSequence(t *testing.T) {
	addr := pgtest.Addr(t)
	db, err := kv.OpenPG(addr, kv.PGOptions{Node: "a"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Pool().Exec(ctx, `INSERT INTO rd_feed (seq, topic, id, node) VALUES (1, 'case', 1, 'old'), (2, 'case', 2, 'old')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = kv.OpenPG(addr, kv.PGOptions{Node: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx kv.Tx) error { kv.Feed(tx, "case", 3); return nil }); err != nil {
		t.Fatalf("a commit after entries numbered past the sequence: %v", err)
	}
	if head, _ := db.FeedHead(ctx); head != 3 {
		t.Errorf("head %d, want 3", head)
	}
}

// TestLastWritesFailBeforeCommit: a transaction's last writes travel with its COMMIT in
// one round trip. When one of them fails on the server (here a trigger refuses a value),
// nothing of the transaction is committed — not its other writes, not its feed entry,
// not its COMMIT — the error is the server's, the work run beside the COMMIT has ended
// when Update returns, and the next transaction on the pool works.
func TestLastWritesFailBeforeCommit(t *testing.T) {
	addr := pgtest.Addr(t)
	db, err := kv.OpenPG(addr, kv.PGOptions{Node: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("one"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("before"))
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.v = 'boom'::bytea THEN RAISE EXCEPTION 'boom refused (test)'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON rd_kv FOR EACH ROW EXECUTE FUNCTION refuse_boom()`); err != nil {
		t.Fatal(err)
	}
	var head int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM rd_feed`).Scan(&head); err != nil {
		t.Fatal(err)
	}
	besideDone := false
	for _, writes := range [][]string{{"boom"}, {"after", "boom"}} { // a lone write, and a set of them
		err = db.Update(func(tx kv.Tx) error {
			kv.BesideCommit(tx, func() { time.Sleep(20 * time.Millisecond); besideDone = true })
			b := tx.Bucket([]byte("one"))
			for i, v := range writes {
				if err := b.Put([]byte(fmt.Sprint("k", i)), []byte(v)); err != nil {
					return err
				}
			}
			kv.Feed(tx, "case", 7)
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "boom refused") {
			t.Fatalf("writes %v: Update = %v, want the trigger's error", writes, err)
		}
		if !besideDone {
			t.Fatalf("writes %v: Update returned before the work beside its COMMIT ended", writes)
		}
		besideDone = false
	}
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM rd_feed WHERE seq > $1`, head).Scan(&n); err != nil || n != 0 {
		t.Fatalf("feed entries of the failed transactions: %d, %v", n, err)
	}
	if err := db.Update(func(tx kv.Tx) error { return tx.Bucket([]byte("one")).Put([]byte("k"), []byte("next")) }); err != nil {
		t.Fatalf("the next Update: %v", err)
	}
	_ = db.View(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("one"))
		if v := b.Get([]byte("k0")); v != nil {
			t.Errorf("a write of a failed transaction was committed: %q", v)
		}
		if v := b.Get([]byte("k")); string(v) != "next" {
			t.Errorf("the next write reads %q", v)
		}
		return nil
	})
}

// TestWakeUpFailureIsNotTheTransactions: the other nodes' wake-up runs after COMMIT, in
// a transaction of its own; when it fails (here its payload, the node's name, is longer
// than NOTIFY takes), the transaction has committed all the same and says so: its write
// and its feed entry are there, and the pool's next transaction works. (With the NOTIFY
// inside the transaction, as before, the whole transaction failed.)
func TestWakeUpFailureIsNotTheTransactions(t *testing.T) {
	addr := pgtest.Addr(t)
	db, err := kv.OpenPG(addr, kv.PGOptions{Node: strings.Repeat("n", 9000)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 2 {
		if err := db.Update(func(tx kv.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("one"))
			if err != nil {
				return err
			}
			kv.Feed(tx, "case", uint64(i+1))
			return b.Put([]byte{byte(i)}, []byte("committed"))
		}); err != nil {
			t.Fatalf("transaction %d whose wake-up fails: %v", i, err)
		}
	}
	ctx := context.Background()
	head, err := db.FeedHead(ctx)
	if err != nil || head != 2 {
		t.Fatalf("FeedHead = %d, %v; want 2", head, err)
	}
	_ = db.View(func(tx kv.Tx) error {
		for i := range 2 {
			if v := tx.Bucket([]byte("one")).Get([]byte{byte(i)}); string(v) != "committed" {
				t.Errorf("write %d reads %q", i, v)
			}
		}
		return nil
	})
}
