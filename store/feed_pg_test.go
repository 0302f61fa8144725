package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"repairdesk/store"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// TestFeedGapsDelayNothing: the feed's numbers come from a sequence, so a transaction
// that rolls back leaves numbers that are never committed, and one still committing
// leaves a number that appears late. Node 2 must apply what follows a gap at once, more
// than a page of entries after it too, and still apply the late entry when it commits.
// (The follower used to hold its cursor at a gap and read the same first page after it
// again and again: a change behind a page of entries waited FeedGapWait per missing
// number.)
func TestFeedGapsDelayNothing(t *testing.T) {
	addr, n1, n2, c := feedPair(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// A transaction that takes a number and commits only later (a staff change in flight).
	_, ltx := feedInFlight(t, ctx, addr)
	// Numbers of transactions that rolled back: never committed.
	if _, err := conn.Exec(ctx, `SELECT nextval('rd_feed_seq') FROM generate_series(1, 40)`); err != nil {
		t.Fatal(err)
	}
	// More than a page of entries after the gap (another node's work on other records).
	if _, err := conn.Exec(ctx, `INSERT INTO rd_feed (seq, topic, id, node) SELECT nextval('rd_feed_seq'), 'other', g, 'elsewhere' FROM generate_series(1, 1500) g`); err != nil {
		t.Fatal(err)
	}
	ch, cancel := n2.Subscribe()
	defer cancel()
	n, err := n1.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "缺号之后"})
	if err != nil {
		t.Fatal(err)
	}
	if !waitFor(time.Second, func() bool { sm := snGet(n2, c.ID); return sm != nil && sm.Version == n.Version }) {
		t.Fatalf("a change behind a gap in the feed did not reach node 2 within 1 s (gap wait %v)", store.FeedGapWait)
	}
	// The late transaction commits now: its entry is applied though its number is old.
	if err := ltx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	hearStaff(t, ch, 2*time.Second, "an entry that committed after later ones was not applied")
	// The cursor moves past the numbers never committed once they are old, and stops
	// at none of them for longer.
	if !waitFor(store.FeedGapWait+3*time.Second, func() bool { return n2.FeedCursor() >= lastSeq(t, conn) }) {
		t.Errorf("the cursor stays at %d, behind numbers that were never committed (last %d)", n2.FeedCursor(), lastSeq(t, conn))
	}
}

func lastSeq(t *testing.T, conn *pgx.Conn) uint64 {
	var n int64
	if err := conn.QueryRow(context.Background(), `SELECT max(seq) FROM rd_feed`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return uint64(n)
}

// TestFeedWaitsForASlowCommit: a transaction that took its feed number and commits only
// after FeedGapWait (a commit held up by a disk or a standby) must still be heard: the
// follower gives a missing number up only once every transaction that could hold it has
// ended (kv.FeedMarks), not after a time. The old follower gave it up after
// FeedGapWait and never applied the entry that then appeared behind its cursor.
func TestFeedWaitsForASlowCommit(t *testing.T) {
	addr, n1, n2, c := feedPair(t)
	ctx := context.Background()
	slow, stx := feedInFlight(t, ctx, addr)
	ch, cancel := n2.Subscribe()
	defer cancel()
	// Later numbers commit and are applied: the slow one is a gap behind them.
	n, err := n1.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "慢提交之后"})
	if err != nil {
		t.Fatal(err)
	}
	if !waitFor(time.Second, func() bool { sm := snGet(n2, c.ID); return sm != nil && sm.Version == n.Version }) {
		t.Fatal("the change after the gap did not reach node 2")
	}
	time.Sleep(store.FeedGapWait + time.Second)
	if err := stx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	hearStaff(t, ch, 3*time.Second, fmt.Sprintf("an entry committed %v after it took its number was never applied", store.FeedGapWait+time.Second))
	// And the numbers never committed are given up as soon as nothing can hold them.
	if _, err := slow.Exec(ctx, `SELECT nextval('rd_feed_seq') FROM generate_series(1, 5)`); err != nil {
		t.Fatal(err)
	}
	if _, err := n1.Apply(c.ID, n.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "缺号"}); err != nil {
		t.Fatal(err)
	}
	if !waitFor(2*time.Second, func() bool { return n2.FeedCursor() >= lastSeq(t, slow) }) {
		t.Errorf("the cursor stays at %d, behind numbers never committed (last %d)", n2.FeedCursor(), lastSeq(t, slow))
	}
}

// TestFeedAtOpenWaitsForACommitInFlight: a node that opens while a transaction holds a
// feed number below the head (taken, not committed yet) hears of that transaction's
// change when it commits, however late. The old follower re-read only the last 64
// entries before the head at open and then gave a missing number up after FeedGapWait.
func TestFeedAtOpenWaitsForACommitInFlight(t *testing.T) {
	clk := newClock(t0)
	addr := pgtest.Addr(t)
	key := filepath.Join(t.TempDir(), "shared.key")
	n1 := openPGStore(t, addr, key, clk)
	addStaff(t, n1)
	c := create(t, n1, entA)
	ctx := context.Background()
	_, stx := feedInFlight(t, ctx, addr)
	var err error
	for i := range 3 { // committed after it: the head passes the slow number
		if c, err = n1.Apply(c.ID, c.Version, wang, workflow.Action{Kind: workflow.ActComment, Comment: "开机之前"}); err != nil {
			t.Fatalf("comment %d: %v", i, err)
		}
	}
	n2 := openPGStore(t, addr, key, clk)
	ch, cancel := n2.Subscribe()
	defer cancel()
	time.Sleep(store.FeedGapWait + time.Second)
	for drained := false; !drained; { // what the node heard so far (entries applied again at open)
		select {
		case <-ch:
		default:
			drained = true
		}
	}
	if err := stx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	hearStaff(t, ch, 3*time.Second, "a change in flight when the node opened, committed later, was never applied")
}

// feedPair opens two nodes on a fresh case base, and waits until node 2 has heard of node
// 1's first case, c.
func feedPair(t *testing.T) (addr string, n1, n2 *store.Store, c workflow.Case) {
	t.Helper()
	clk := newClock(t0)
	addr = pgtest.Addr(t)
	key := filepath.Join(t.TempDir(), "shared.key")
	n1 = openPGStore(t, addr, key, clk)
	addStaff(t, n1)
	n2 = openPGStore(t, addr, key, clk)
	c = create(t, n1, entA)
	if !waitFor(time.Second, func() bool { return snGet(n2, c.ID) != nil }) {
		t.Fatal("the case did not reach node 2")
	}
	return addr, n1, n2, c
}

// feedInFlight begins, on a connection of its own, a transaction that has taken a feed
// number and not committed: the caller commits or rolls it back.
func feedInFlight(t *testing.T, ctx context.Context, addr string) (*pgx.Conn, pgx.Tx) {
	t.Helper()
	conn, err := pgx.Connect(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO rd_feed (seq, topic, id, node) VALUES (nextval('rd_feed_seq'), 'staff', 0, 'elsewhere')`); err != nil {
		t.Fatal(err)
	}
	return conn, tx
}

// hearStaff waits up to d for a change of the staff on ch, and fails the test with why
// if none comes.
func hearStaff(t *testing.T, ch <-chan store.Change, d time.Duration, why string) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e := <-ch:
			if e.Topic == "staff" {
				return
			}
		case <-deadline:
			t.Fatal(why)
		}
	}
}

// TestServerCache: a node on PostgreSQL reports the server's shared_buffers and the size
// of the case base's table, as the server gives them (serve warns when the one is
// smaller than the other); a file has no such server.
func TestServerCache(t *testing.T) {
	s, _, _ := newStore(t)
	if _, _, ok := s.ServerCache(); ok {
		t.Error("ServerCache on a file: ok, want not")
	}

	_, n1, _, _ := feedPair(t)
	buffers, base, ok := n1.ServerCache()
	if !ok {
		t.Fatal("ServerCache on PostgreSQL: not ok")
	}
	var wantBuffers, wantBase int64
	if err := n1.PGPool().QueryRow(context.Background(), `SELECT pg_size_bytes(current_setting('shared_buffers')), pg_total_relation_size('rd_kv')`).Scan(&wantBuffers, &wantBase); err != nil {
		t.Fatal(err)
	}
	if buffers != wantBuffers || base != wantBase {
		t.Errorf("ServerCache = %d, %d bytes; the server says shared_buffers %d, rd_kv %d", buffers, base, wantBuffers, wantBase)
	}
	if buffers <= 0 || base <= 0 {
		t.Errorf("ServerCache = %d, %d bytes, want both above 0", buffers, base)
	}
}
