package kv_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"repairdesk/store/kv"
	"repairdesk/store/kv/pgtest"
)

// TestWritesDoNotWaitForReadConnections: with every connection of the reads' pool taken
// (a burst of sessions opening cases, a node following the feed), a read-write
// transaction still gets a connection of its own and commits, and a view waits for a
// read connection as before.
func TestWritesDoNotWaitForReadConnections(t *testing.T) {
	d, err := kv.OpenPG(pgtest.Addr(t), kv.PGOptions{Node: "w"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Update(func(tx kv.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("x"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var held []*pgxpool.Conn
	release := func() {
		for _, c := range held {
			c.Release()
		}
		held = nil
	}
	defer release()
	for range d.Pool().Config().MaxConns {
		c, err := d.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}

	done := make(chan error, 1)
	go func() {
		done <- d.Update(func(tx kv.Tx) error { return tx.Bucket([]byte("x")).Put([]byte("k"), []byte("v")) })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write failed: %v", err)
		}
	case <-time.After(20 * time.Second):
		release() // let it finish, so that the store closes
		<-done
		t.Fatal("a read-write transaction waited for the reads' connections")
	}

	viewed := make(chan error, 1)
	go func() {
		viewed <- d.View(func(tx kv.Tx) error {
			if v := tx.Bucket([]byte("x")).Get([]byte("k")); string(v) != "v" {
				t.Errorf("read %q after the write, want v", v)
			}
			return nil
		})
	}()
	select {
	case <-viewed:
		t.Fatal("a view got a connection while the reads' pool had none free")
	case <-time.After(200 * time.Millisecond):
	}
	release()
	if err := <-viewed; err != nil {
		t.Fatal(err)
	}
}
