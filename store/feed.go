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
	"fmt"
	"os"
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
	keys, err := loadKeys(d, addr, opts)
	if err != nil {
		d.Close()
		return nil, err
	}
	if keys.locked != nil {
		opts.ReadOnly = true
	}
	s := &Store{db: d, path: kv.Redact(addr), opts: opts, rules: workflow.DefaultRules(), cat: workflow.DefaultCatalogue(), commitTurn: make(chan struct{}, 1),
		index: search.New(), subs: map[int]chan Change{}, keys: keys}
	fail := func(err error) (*Store, error) { d.Close(); return nil, err }
	// The feed's head before the summaries are read: what commits meanwhile is applied
	// again after, harmlessly (refresh keeps the newer version).
	head, err := d.FeedHead(context.Background())
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
	if err := s.loadSettings(); err != nil {
		s.closeAnchors()
		return fail(err)
	}
	if err := s.loadSummaries(); err != nil {
		s.closeAnchors()
		return fail(err)
	}
	s.feed.cursor.Store(head)
	ctx, cancel := context.WithCancel(context.Background())
	s.feed.cancel, s.feed.done = cancel, make(chan struct{})
	go s.follow(ctx, d)
	return s, nil
}

const feedPage = 1000

// FeedGapWait is how long a follower waits for a missing feed number (a transaction
// still committing) before it takes the number for one rolled back and moves past it.
const FeedGapWait = 5 * time.Second

// feedReplay: at open the follower reads again the last entries before the head, in case
// a transaction that took its number before the head committed after the summaries were
// read (applying an entry twice is harmless: the case is read as it is now).
const feedReplay = 64

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
	cursor := s.feed.cursor.Load() // every entry up to it is applied
	cursor -= min(cursor, feedReplay)
	seen := map[uint64]bool{} // entries after the cursor already applied
	var gapSince time.Time
	for {
		for ctx.Err() == nil {
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			es, err := src.ReadFeed(rctx, cursor, feedPage)
			cancel()
			if err != nil {
				if ctx.Err() == nil && !s.feed.lost.Swap(true) {
					s.publish(Change{Topic: "db", At: s.opts.Now()})
				}
				break
			}
			if s.feed.lost.Swap(false) {
				s.publish(Change{Topic: "db", At: s.opts.Now()})
			}
			fresh := es[:0:0]
			for _, e := range es {
				if !seen[e.Seq] {
					fresh = append(fresh, e)
				}
			}
			if len(fresh) > 0 {
				if err := s.applyFeed(fresh, src.Node()); err != nil {
					break // tried again at the next wake-up
				}
				for _, e := range fresh {
					seen[e.Seq] = true
				}
			}
			// Move the cursor over what is applied; over a gap only once it is old.
			for {
				for seen[cursor+1] {
					delete(seen, cursor+1)
					cursor++
				}
				if len(seen) == 0 {
					gapSince = time.Time{}
					break
				}
				if gapSince.IsZero() {
					gapSince = time.Now()
				}
				if time.Since(gapSince) < FeedGapWait {
					break
				}
				cursor++ // a number never committed
				gapSince = time.Time{}
			}
			s.feed.cursor.Store(cursor)
			if len(es) < feedPage {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
	}
}

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
	cases := make([]*workflow.Case, 0, len(ids))
	for _, id := range ids {
		c, err := s.Case(id)
		if err != nil {
			return err
		}
		cases = append(cases, &c)
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

// Retries counts this node's transactions run again after losing a serialization race
// (0 on bbolt): for benchmarks and diagnostics.
func (s *Store) Retries() uint64 {
	if d, ok := s.db.(*kv.PG); ok {
		return d.Retries()
	}
	return 0
}
