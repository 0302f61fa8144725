package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// TestPostgresRestartUnderLoad (issue 18): PostgreSQL itself goes down while two nodes
// are writing (pg_ctl -m immediate: every connection cut, as when the database's machine
// fails) and comes back. Each node says it lost the database and recovers by itself;
// actions refused meanwhile wrote nothing; every acknowledged action is in the case base;
// and both nodes catch up, so that each one's summaries show every case at the version
// the database holds. The server is one of the test's own: restarting the shared test
// database would cut the other tests' connections.
func TestPostgresRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and restarts a PostgreSQL of its own")
	}
	srv := pgtest.Private(t)
	clk := newClock(t0)
	key := filepath.Join(t.TempDir(), "shared.key")
	n1 := openPGStore(t, srv.Addr, key, clk)
	n2 := openPGStore(t, srv.Addr, key, clk)
	addStaff(t, n1)
	var ids []uint32
	for _, e := range []ent{entA, entB, entC, entA, entB, entC} {
		ids = append(ids, create(t, n1, e).ID)
	}

	type ack struct {
		id      uint32
		version int
		comment string
	}
	var (
		mu       sync.Mutex
		acks     []ack
		down     atomic.Bool  // the server is stopped
		refused  atomic.Int64 // actions refused while it was down
		afterUp  [2]atomic.Int64
		restarts atomic.Bool // set once the server is back
		stop     = make(chan struct{})
		wg       sync.WaitGroup
		seq      atomic.Int64
	)
	nodes := []*store.Store{n1, n2}
	for w := range 4 {
		node := w % 2
		s := nodes[node]
		actor := []workflow.Staff{wang, li}[node]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := ids[(w+i)%len(ids)]
				c, err := s.Case(id)
				if err != nil {
					if down.Load() {
						refused.Add(1)
					}
					time.Sleep(20 * time.Millisecond)
					continue
				}
				text := fmt.Sprintf("节点%d-%d", node+1, seq.Add(1))
				n, err := s.Apply(id, c.Version, actor, workflow.Action{Kind: workflow.ActComment, Comment: text})
				var ce *store.ConflictError
				switch {
				case err == nil:
					mu.Lock()
					acks = append(acks, ack{id, n.Version, text})
					mu.Unlock()
					if restarts.Load() {
						afterUp[node].Add(1)
					}
				case errors.As(err, &ce):
					// the other writers got there first: nothing written
				default:
					if down.Load() {
						refused.Add(1)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	// Load before the restart.
	if !waitFor(20*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acks) >= 20 }) {
		t.Fatal("the nodes did not write before the restart")
	}
	down.Store(true)
	srv.Stop()
	if !waitFor(10*time.Second, func() bool { return n1.DBLost() && n2.DBLost() }) {
		t.Fatalf("with the database down, the nodes say lost: %v, %v", n1.DBLost(), n2.DBLost())
	}
	time.Sleep(500 * time.Millisecond)
	srv.Start()
	down.Store(false)
	restarts.Store(true)
	if !waitFor(30*time.Second, func() bool { return !n1.DBLost() && !n2.DBLost() }) {
		t.Fatalf("the nodes did not recover by themselves: lost %v, %v", n1.DBLost(), n2.DBLost())
	}
	if !waitFor(30*time.Second, func() bool { return afterUp[0].Load() >= 5 && afterUp[1].Load() >= 5 }) {
		t.Fatalf("after the restart the nodes acknowledged %d and %d actions", afterUp[0].Load(), afterUp[1].Load())
	}
	close(stop)
	wg.Wait()
	if refused.Load() == 0 {
		t.Fatal("no action was refused while the database was down: the restart was not under load")
	}

	// Every acknowledged action is in the case base, read by a node opened afterwards.
	fresh := openPGStore(t, srv.Addr, key, clk)
	have := map[string]bool{}
	db := map[uint32]int{}
	for _, id := range ids {
		evs, err := fresh.Events(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			have[ev.Comment] = true
		}
		c, err := fresh.Case(id)
		if err != nil {
			t.Fatal(err)
		}
		db[id] = c.Version
	}
	for _, a := range acks {
		if !have[a.comment] {
			t.Errorf("acknowledged %q (case %d, version %d) is not in the case base", a.comment, a.id, a.version)
		}
		if db[a.id] < a.version {
			t.Errorf("case %d acknowledged at version %d, the database holds %d", a.id, a.version, db[a.id])
		}
	}
	// Both nodes caught up with everything, the other node's commits included.
	for i, s := range nodes {
		ok := waitFor(5*time.Second, func() bool {
			for id, v := range db {
				if sm := snGet(s, id); sm == nil || sm.Version != v {
					return false
				}
			}
			return true
		})
		if !ok {
			for id, v := range db {
				if sm := snGet(s, id); sm == nil || sm.Version != v {
					t.Errorf("node %d shows case %d at %v, the database holds version %d", i+1, id, sm, v)
				}
			}
		}
	}
	if p := fresh.Check(); len(p) > 0 {
		t.Fatalf("check after the restart: %v", p)
	}
	t.Logf("%d actions acknowledged (%d and %d after the restart), %d refused while the database was down",
		len(acks), afterUp[0].Load(), afterUp[1].Load(), refused.Load())
}
