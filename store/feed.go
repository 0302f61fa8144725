package store

// A store on PostgreSQL, shared by several serve nodes.
//
// Each node keeps its own summaries and search index in memory, as on bbolt. It learns
// of the other nodes' commits from the change feed (kv.FeedSource): every transaction
// that writes a case, a staff record or the settings adds an entry in that transaction;
// the entries are numbered from a sequence, and the number up to which a node applied
// every entry is a cursor from which it catches up with nothing missed (after a lost
// connection too); a number not yet committed holds the cursor for up to FeedGapWait. NOTIFY wakes the node at once; a poll every FeedPoll is the fallback
// (and the only way where the engine has no LISTEN/NOTIFY).
//
// An entry is applied through the path the node's own commits take: the case is read,
// refresh puts its summary in the snapshot and the index, and publish tells the sessions.

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"repairdesk/internal/msg"
	"repairdesk/store/kv"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// feedState is the follower of the change feed; zero on bbolt.
type feedState struct {
	cancel context.CancelFunc
	done   chan struct{}
	cursor atomic.Uint64 // the last entry applied
	lost   atomic.Bool   // the database cannot be reached
	once   sync.Once
	// Set at open, read by the follower when it starts: the numbers below the head that
	// no entry had, and the marks of that read (kv.FeedGaps).
	gaps     []uint64
	gapMarks kv.FeedMarks
}

func (f *feedState) stop() {
	f.once.Do(func() {
		if f.cancel != nil {
			f.cancel()
			<-f.done
		}
	})
}

// Shared reports whether the store is a shared (PostgreSQL) one.
func (s *Store) Shared() bool { return kv.BoltDB(s.db) == nil }

// DBLost reports whether the database cannot be reached just now (a shared store
// reconnects by itself; sessions say 数据库连接中断，正在重连 meanwhile).
func (s *Store) DBLost() bool { return s.feed.lost.Load() }

// resetConns drops a shared store's pooled connections (kv.PG.ResetConns).
func (s *Store) resetConns() {
	if d, ok := s.db.(*kv.PG); ok {
		d.ResetConns()
	}
}

// FeedCursor is the number of the last change-feed entry this node applied.
func (s *Store) FeedCursor() uint64 { return s.feed.cursor.Load() }

// openPG opens the store on the PostgreSQL database at addr.
func openPG(addr string, opts Options) (*Store, error) {
	if opts.KeyFile == "" && os.Getenv(KeyEnv) == "" {
		return nil, msg.Errorf("store.pg_key_needed")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Mode == "" {
		opts.Mode = "console"
	}
	if opts.FeedPoll == 0 {
		opts.FeedPoll = 250 * time.Millisecond
	}
	host, _ := os.Hostname()
	node := fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano()%1e6)
	d, err := kv.OpenPG(addr, kv.PGOptions{Node: node, NoNotify: opts.NoNotify, Timeout: max(opts.Timeout, 5*time.Second)})
	if err != nil {
		return nil, msg.Errorf("store.pg_unreachable", kv.Redact(addr), err)
	}
	if busy, err := d.Migrating(context.Background()); err != nil || busy {
		d.Close()
		if err != nil {
			return nil, msg.Errorf("store.pg_unreachable", kv.Redact(addr), err)
		}
		return nil, msg.Errorf("store.pg_migrating", kv.Redact(addr))
	}
	keys, err := loadKeys(d, addr, opts)
	if err != nil {
		d.Close()
		return nil, err
	}
	if keys.locked != nil {
		opts.ReadOnly = true
	}
	s := &Store{db: d, path: kv.Redact(addr), opts: opts, rules: workflow.DefaultRules(), cat: workflow.DefaultCatalogue(), commitTurn: make(chan struct{}, 1),
		index: search.New(), subs: map[int]chan Change{}, keys: keys, gatherWait: gatherWait}
	s.checkedKeys.Store(-1)
	fail := func(err error) (*Store, error) { d.Close(); return nil, err }
	// The feed's head before the summaries are read: what commits meanwhile is applied
	// again after, harmlessly (refresh keeps the newer version).
	head, err := d.FeedHead(context.Background())
	if err != nil {
		return fail(err)
	}
	// The numbers below the head that no entry has yet: a transaction still committing
	// holds some of them (its entry is applied when it appears, after the summaries), the
	// rest were rolled back and are given up at the follower's first read.
	s.feed.gaps, s.feed.gapMarks, err = d.FeedGaps(context.Background(), head-min(head, feedMaxMissing), head)
	if err != nil {
		return fail(err)
	}
	if err := s.prepare(); err != nil {
		return fail(err)
	}
	if err := s.initKeys(); err != nil {
		return fail(err)
	}
	// This node's anchor log (anchor.go): a file on the node's machine.
	if err := s.openAnchors(); err != nil {
		return fail(err)
	}
	// The results rows this node writes are its own, named by its anchor key.
	var pub []byte
	if s.anch != nil && s.anch.priv != nil {
		pub = s.anch.priv.Public().(ed25519.PublicKey)
	}
	s.aggNode = nodeTag(pub)
	if err := s.loadSettings(); err != nil {
		s.closeAnchors()
		return fail(err)
	}
	// The results table's aggregates: a new case base starts with them; one without
	// them (or in an older layout) is built once, in one transaction. Should that lose to
	// the other nodes' commits for good, the node still opens: the dashboard then works
	// from every case and event (the same figures, slower), and the next open tries again.
	_ = s.ensureResults()
	if err := s.loadSummariesInBackground(); err != nil {
		s.closeAnchors()
		return fail(err)
	}
	if !opts.ReadOnly {
		go warmCodec() // the first commit should not wait for the compressor's tables
	}
	s.feed.cursor.Store(head)
	ctx, cancel := context.WithCancel(context.Background())
	s.feed.cancel, s.feed.done = cancel, make(chan struct{})
	go s.follow(ctx, d)
	return s, nil
}

const feedPage = 1000

// FeedGapWait is how long a follower waits for a missing feed number (a transaction
// still committing) before it takes the number for one rolled back and gives up on it.
const FeedGapWait = 5 * time.Second

// feedReplay: at open the follower reads again the last entries before the head, in case
// a transaction that took its number before the head committed after the summaries were
// read (applying an entry twice is harmless: the case is read as it is now).
const feedReplay = 64

// feedMaxMissing bounds the numbers a follower waits for. Numbers are skipped by
// transactions that rolled back (a lost serialization race takes its numbers with it)
// and are still in flight; a wider jump (a large transaction rolled back) is tracked by
// its newest numbers only, which are the ones that may still be committing.
const feedMaxMissing = 65536

// feedFollower is the follower's position in the feed: every entry up to hi was applied
// except the numbers in missing (not committed when last read; each with the time it was
// first missed). An entry past hi is applied as soon as it is read, whatever gap lies
// before it, so a gap delays nothing but its own entry; a missing number is read again
// (by number, not by re-reading the range after it) until it appears or FeedGapWait has
// passed.
type feedFollower struct {
	hi      uint64
	missing map[uint64]feedGap
}

// feedGap is a number the follower waits for: since when, and the After mark of the read
// that first found it missing (0: unknown, wait FeedGapWait).
type feedGap struct {
	since time.Time
	mark  uint64
}

// cursor is the number up to which every entry is applied or given up.
func (f *feedFollower) cursor() uint64 {
	c := f.hi
	for n := range f.missing {
		c = min(c, n-1)
	}
	return c
}

// missingList is the numbers still awaited, in order.
func (f *feedFollower) missingList() []uint64 {
	out := make([]uint64, 0, len(f.missing))
	for n := range f.missing {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// fresh keeps, of the entries read, those not applied yet.
func (f *feedFollower) fresh(es []kv.FeedEntry) []kv.FeedEntry {
	var out []kv.FeedEntry
	for _, e := range es {
		if _, ok := f.missing[e.Seq]; ok || e.Seq > f.hi {
			out = append(out, e)
		}
	}
	return out
}

// applied moves the position over entries that were applied (in order of Seq), read with
// the marks m, and gives up on the missing numbers that can never be committed: those
// that every transaction which could hold them has ended since (kv.FeedMarks), or, where
// the marks are unknown, those older than FeedGapWait.
func (f *feedFollower) applied(es []kv.FeedEntry, m kv.FeedMarks, now time.Time) {
	for _, e := range es {
		if _, ok := f.missing[e.Seq]; ok {
			delete(f.missing, e.Seq)
			continue
		}
		if e.Seq <= f.hi {
			continue
		}
		from := f.hi + 1
		if e.Seq-from > feedMaxMissing {
			from = e.Seq - feedMaxMissing
		}
		for n := from; n < e.Seq; n++ {
			f.missing[n] = feedGap{since: now, mark: m.After}
		}
		f.hi = e.Seq
	}
	f.settle(m, now)
}

// settle gives up the missing numbers that a read with the marks m, which did not return
// them, shows were never committed.
func (f *feedFollower) settle(m kv.FeedMarks, now time.Time) {
	for n, g := range f.missing {
		if g.mark != 0 && m.Before != 0 {
			if m.Before >= g.mark { // every transaction that could hold n has ended
				delete(f.missing, n)
			}
		} else if now.Sub(g.since) >= FeedGapWait {
			delete(f.missing, n) // taken for a number never committed
		}
	}
}

// follow applies the feed until ctx ends.
func (s *Store) follow(ctx context.Context, src kv.FeedSource) {
	defer close(s.feed.done)
	wake := make(chan struct{}, 1)
	go src.Listen(ctx, func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	tick := time.NewTicker(s.opts.FeedPoll)
	defer tick.Stop()
	start := s.feed.cursor.Load()
	f := &feedFollower{hi: start, missing: map[uint64]feedGap{}}
	for _, n := range s.feed.gaps { // numbers below the head not committed at open
		f.missing[n] = feedGap{since: time.Now(), mark: s.feed.gapMarks.After}
	}
	if s.feed.gapMarks.After == 0 { // no marks: read the last entries again, in case
		f.hi = start - min(start, feedReplay)
	}
	var lastRead time.Time
	for {
		for ctx.Err() == nil {
			// A wake-up pending now is answered by this read (it starts after the drain).
			select {
			case <-wake:
			default:
			}
			lastRead = time.Now()
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			after := f.hi
			es, marks, err := src.ReadFeedMarked(rctx, after, f.missingList(), feedPage)
			cancel()
			if err != nil {
				if ctx.Err() == nil && !s.feed.lost.Swap(true) {
					s.resetConns()
					s.publish(Change{Topic: "db", At: s.opts.Now()})
				}
				break
			}
			if s.feed.lost.Load() {
				// Back: the connections made before or during the loss are dropped before
				// the sessions are told, so that no action takes a dead one.
				s.resetConns()
				if s.feed.lost.Swap(false) {
					s.publish(Change{Topic: "db", At: s.opts.Now()})
				}
			}
			fresh := f.fresh(es)
			if len(fresh) > 0 {
				if err := s.applyFeed(fresh, src.Node()); err != nil {
					break // tried again at the next wake-up
				}
			}
			f.applied(fresh, marks, time.Now())
			s.feed.cursor.Store(f.cursor())
			past := 0 // entries of the range after the old position: a full page says more follow
			for _, e := range es {
				if e.Seq > after {
					past++
				}
			}
			if past < feedPage {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
			// Wake-ups closer together than feedCoalesce are answered by one read.
			if d := feedCoalesce - time.Since(lastRead); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		case <-tick.C:
		}
	}
}

// feedCoalesce is the shortest time between two reads of the feed that NOTIFY wakes: the
// other nodes' commits that arrive meanwhile are read together. Each read is a round trip
// and a wake-up of a database backend and of this node; at 500 actions a second over two
// nodes the wake-ups and the reads they caused (one per commit, on each node) were a
// quarter of the CPU the commits took, and on two cores the commits' own processes then
// waited to run (BENCHMARKS.md, "Commit p99 over a sweep of offered rates"). It adds at
// most this much to a change's way to another node (target: 1 s).
const feedCoalesce = 10 * time.Millisecond

// applyFeed brings the other nodes' changes into this node's summaries and index and
// tells the sessions, as after a commit of its own.
func (s *Store) applyFeed(es []kv.FeedEntry, self string) error {
	var ids []uint32
	seen := map[uint32]bool{}
	staff, settings := false, false
	for _, e := range es {
		if e.Node == self {
			continue // this node refreshed after its own commit
		}
		switch e.Topic {
		case "case":
			if id := uint32(e.ID); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		case "staff":
			staff = true
		case "settings":
			settings = true
		}
	}
	if settings {
		if err := s.loadSettings(); err != nil {
			return err
		}
		s.recomputeDue()
		s.publish(Change{Topic: "settings", At: s.opts.Now()})
	}
	cases, err := s.casesAt(ids)
	if err != nil {
		return err
	}
	s.refresh(cases...)
	for _, c := range cases {
		s.publish(Change{CaseID: c.ID, Version: c.Version, Kind: lastKind(c), Actor: c.UpdatedBy, At: c.UpdatedAt, Topic: "case"})
	}
	if staff {
		s.publish(Change{Topic: "staff", At: s.opts.Now()})
	}
	return nil
}

// lastKind is the kind of the action that left c as it is, when the case says.
func lastKind(c *workflow.Case) workflow.ActionKind {
	if c.Version <= 1 {
		return workflow.ActCreate
	}
	return ""
}

// ServerCache reports, on a shared case base, PostgreSQL's shared_buffers and the size
// of the case base's table (bytes); ok is false on a file, or when the server does not
// say.
func (s *Store) ServerCache() (buffers, base int64, ok bool) {
	d, isPG := s.db.(*kv.PG)
	if !isPG {
		return 0, 0, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	buffers, base, err := d.CacheFit(ctx)
	return buffers, base, err == nil
}

// Retries counts this node's transactions run again after losing a serialization race
// (0 on bbolt): for benchmarks and diagnostics.
func (s *Store) Retries() uint64 {
	if d, ok := s.db.(*kv.PG); ok {
		return d.Retries()
	}
	return 0
}

// GroupSplits counts this node's group commits that lost a serialization race and were
// split (applyGroup): for benchmarks and diagnostics.
func (s *Store) GroupSplits() uint64 { return s.groupSplits.Load() }

// GroupGathers counts the times the node's next group waited for the actions of the
// group before it to come back (gather): for benchmarks and tests.
func (s *Store) GroupGathers() uint64 { return s.gathers.Load() }

// SerialGroups counts this node's group commits (or lone actions) that were run
// SERIALIZABLE because REPEATABLE READ was not enough for them (a stage left, a results
// layout not current; applyAll): for benchmarks and tests.
func (s *Store) SerialGroups() uint64 { return s.serialGroups.Load() }

// RoundTrips counts this node's round trips to the database inside transactions (0 on
// bbolt): for benchmarks.
func (s *Store) RoundTrips() uint64 {
	if d, ok := s.db.(*kv.PG); ok {
		return d.RoundTrips()
	}
	return 0
}

// casesAt reads the cases ids in one view (their keys read ahead together: one round
// trip for all, not a transaction each). A case missing or unreadable is an error, as
// Case would return it.
func (s *Store) casesAt(ids []uint32) ([]*workflow.Case, error) {
	out := make([]*workflow.Case, 0, len(ids))
	err := s.view(func(tx kv.Tx) error {
		gets := make([]kv.Read, len(ids))
		for i, id := range ids {
			gets[i] = kv.Read{Bucket: bCases, Key: u32(id)}
		}
		kv.Prefetch(tx, gets, nil)
		b := tx.Bucket(bCases)
		for _, id := range ids {
			raw := b.Get(u32(id))
			if raw == nil {
				return ErrNotFound
			}
			var c workflow.Case
			if err := unmarshalValue(raw, &c); err != nil {
				return fmt.Errorf("case %d is unreadable: %w", id, err)
			}
			_ = s.unsealCase(&c) // a field that cannot be decrypted reads as Locked
			out = append(out, &c)
		}
		return nil
	})
	return out, err
}
