package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/store/kv/pgtest"
	"repairdesk/workflow"
)

// chunkBackends runs f on a demo office of n cases in a new bbolt file and in a new
// PostgreSQL schema (skipped without one, pgtest.Reason).
func chunkBackends(t *testing.T, n int, f func(t *testing.T, s *Store, reopen func() *Store)) {
	run := func(t *testing.T, addr string, o Options) {
		open := func() *Store {
			s, err := Open(addr, o)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		s := open()
		if err := Demo.Generate(s, n, 7); err != nil {
			t.Fatal(err)
		}
		f(t, s, open)
	}
	t.Run("bbolt", func(t *testing.T) {
		run(t, filepath.Join(t.TempDir(), "t.db"), Options{})
	})
	t.Run("postgres", func(t *testing.T) {
		key := filepath.Join(t.TempDir(), "shared.key")
		run(t, pgtest.Addr(t), Options{KeyFile: key, NoAnchors: true, FeedPoll: 100 * time.Millisecond})
	})
}

// comments acts on case id until it has upto events: comments, every third a long one
// (a letter's length), by a member of the demo's staff.
func comments(t *testing.T, s *Store, id uint32, upto int) {
	t.Helper()
	c, err := s.Case(id)
	if err != nil {
		t.Fatal(err)
	}
	for v := c.Version; v < upto; v++ {
		text := fmt.Sprintf("第%d次跟进：企业来电询问进度", v+1)
		if v%3 == 0 {
			text += strings.Repeat("，已告知所需材料与办理时限", 60)
		}
		if _, err := s.Apply(id, v, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: text}); err != nil {
			t.Fatalf("event %d of case %d: %v", v+1, id, err)
		}
	}
}

// chunkLayout is what the events bucket holds of case id: each key's first event and
// the number of events its chunk says it holds (-1: not a chunk).
func chunkLayout(t *testing.T, s *Store, id uint32) (firsts, counts []int) {
	t.Helper()
	if err := s.db.View(func(tx kv.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(u32(id)); k != nil && len(k) >= 4 && binary.BigEndian.Uint32(k) == id; k, v = c.Next() {
			first, count, _, err := chunkHead(v)
			if err != nil || !isChunk(v) {
				first, count = -1, -1
			}
			if !bytes.Equal(k, chunkKey(id, first)) {
				t.Errorf("case %d: key %x holds a chunk from event %d", id, k, first)
			}
			firsts, counts = append(firsts, first), append(counts, count)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return firsts, counts
}

// wantLayout: case id of n events is in chunks of chunkEvents, the last holding the rest.
func wantLayout(t *testing.T, s *Store, id uint32, n int) {
	t.Helper()
	firsts, counts := chunkLayout(t, s, id)
	var wf, wc []int
	for f := 1; f <= n; f += chunkEvents {
		wf, wc = append(wf, f), append(wc, min(chunkEvents, n-f+1))
	}
	if fmt.Sprint(firsts, counts) != fmt.Sprint(wf, wc) {
		t.Errorf("case %d of %d events: chunks from %v holding %v; want from %v holding %v", id, n, firsts, counts, wf, wc)
	}
}

// wholeHistory: case id's events are n, numbered 1…n and chained, for every reader of a
// whole case (Events, the keyed read caseEntries, the export walk, the dashboard's),
// and its last event's hash is the one lastHashAt gives a commit.
func wholeHistory(t *testing.T, s *Store, id uint32, n int, walks bool) []workflow.Event {
	t.Helper()
	evs, err := s.Events(id)
	if err != nil || len(evs) != n {
		t.Fatalf("case %d: %d events, %v; want %d", id, len(evs), err, n)
	}
	for i, e := range evs {
		if e.Seq != i+1 || (i > 0 && e.PrevHash != evs[i-1].Hash) {
			t.Fatalf("case %d: event %d has seq %d and is chained to %.8s, not to %.8s", id, i+1, e.Seq, e.PrevHash, evs[max(i-1, 0)].Hash)
		}
	}
	if err := s.db.View(func(tx kv.Tx) error {
		h, err := s.lastHashAt(tx, id, n)
		if err != nil || h != evs[n-1].Hash {
			t.Errorf("lastHashAt: %.8s, %v; want %.8s", h, err, evs[n-1].Hash)
		}
		if h, err := lastEventHash(tx, id); err != nil || h != evs[n-1].Hash {
			t.Errorf("lastEventHash: %.8s, %v; want %.8s", h, err, evs[n-1].Hash)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !walks { // the walks of the whole file (stopped by a damaged case)
		return evs
	}
	var exported []workflow.Event
	if err := s.EachCase(time.Time{}, true, func(c workflow.Case, es []workflow.Event) error {
		if c.ID == id {
			exported = es
		}
		return nil
	}); err != nil || !sameJSON(t, exported, evs) {
		t.Errorf("the export walk reads case %d differently (%d events, %v)", id, len(exported), err)
	}
	_, lean, err := s.StatsData()
	if err != nil || len(lean[id]) != n {
		t.Errorf("the dashboard's read: %d events of case %d (want %d), %v", len(lean[id]), id, n, err)
	}
	return evs
}

// TestChunksLongHistory: on both backends, a case acted on hundreds of times (long
// comments among them, and the demo's letters before) keeps its events in chunks of
// chunkEvents aligned on their numbers — the appends crossing every chunk's boundary —
// and reads whole and in order for every reader, checks clean, and reads the same after
// a reopen; its neighbours are untouched.
func TestChunksLongHistory(t *testing.T) {
	chunkBackends(t, 4, func(t *testing.T, s *Store, reopen func() *Store) {
		const id, n = 2, 7*chunkEvents + 5
		before, err := s.Events(3)
		if err != nil {
			t.Fatal(err)
		}
		for _, upto := range []int{chunkEvents - 1, chunkEvents, chunkEvents + 1, 2 * chunkEvents, n} {
			comments(t, s, id, upto)
			wantLayout(t, s, id, upto)
			wholeHistory(t, s, id, upto, true)
		}
		if p := s.Check(); len(p) != 0 {
			t.Fatalf("check: %v", p)
		}
		evs, _ := s.Events(id)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = reopen()
		if again := wholeHistory(t, s, id, n, true); !sameJSON(t, again, evs) {
			t.Error("the reopened store reads the history differently")
		}
		if after, err := s.Events(3); err != nil || !sameJSON(t, after, before) {
			t.Errorf("a neighbouring case reads differently (%v)", err)
		}
		comments(t, s, id, n+1)
		wantLayout(t, s, id, n+1)
		if p := s.Check(); len(p) != 0 {
			t.Fatalf("check after the reopen: %v", p)
		}
	})
}

// TestChunksDamageDetected: every way a case's chunks can be wrong is reported by check
// as a problem of that case at the event where it shows, and by a reader of the case as
// an error when its keys are scanned — never read past, never a crash: a chunk missing, one under another key, one
// starting where no chunk starts, a chunk whose head lies about its count, chunks or
// events overlapping, events out of order or missing inside a chunk, a chunk too long,
// a whole frame of schema 4 under the key of a later chunk.
func TestChunksDamageDetected(t *testing.T) {
	const victim, bystander, n = 1, 2, 2*chunkEvents + 6
	base := func(t *testing.T) (string, [][]byte) {
		s := demoStore(t, 3, 5)
		comments(t, s, victim, n)
		if p := s.Check(); len(p) != 0 {
			t.Fatalf("a clean store has problems: %v", p)
		}
		var evs [][]byte
		if err := s.db.View(func(tx kv.Tx) error {
			var err error
			evs, err = caseEvents(tx, victim)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		path := s.Path()
		s.Close()
		return path, evs
	}
	chunk := func(first int, evs [][]byte) []byte {
		return packChunk(nil, first, len(evs), recordsOf(evs))
	}
	c2 := chunkEvents + 1 // the second chunk's first event
	c3 := 2*chunkEvents + 1
	// The third chunk's events (6) were appended by commits, each in a frame of its own
	// after the first (appendEvent: none of them re-packed it); lastFrame is its last
	// frame, and frames edits the chunk's stored value knowing it ends with it.
	lastFrame := func(evs [][]byte) []byte { return eventFrame(nil, recordsOf(evs[n-1:])) }
	frames := func(b *bolt.Bucket, evs [][]byte, edit func(v []byte, at int) []byte) error {
		v := bytes.Clone(b.Get(chunkKey(victim, c3)))
		last := lastFrame(evs)
		if !bytes.HasSuffix(v, last) || len(v) < len(last)+chunkRepack {
			return fmt.Errorf("the chunk of events %d–%d does not end with a frame of its last event alone", c3, n)
		}
		return b.Put(chunkKey(victim, c3), edit(v, len(v)-len(last)))
	}
	for _, tc := range []struct {
		name string
		seq  int
		want string
		edit func(b *bolt.Bucket, evs [][]byte) error
	}{
		{"a chunk missing", c2, fmt.Sprintf("events %d–%d are missing", c2, c3-1), func(b *bolt.Bucket, evs [][]byte) error {
			return b.Delete(chunkKey(victim, c2))
		}},
		{"a chunk under another chunk's key", c3, fmt.Sprintf("a chunk of events from event %d under the key of event %d", c2, c3), func(b *bolt.Bucket, evs [][]byte) error {
			// The second chunk moved to the third's key, over it.
			if err := b.Delete(chunkKey(victim, c2)); err != nil {
				return err
			}
			return b.Put(chunkKey(victim, c3), chunk(c2, evs[c2-1:c3-1]))
		}},
		{"a chunk under a key not its own", c2 + 1, fmt.Sprintf("a chunk of events from event %d under the key of event %d", c2, c2+1), func(b *bolt.Bucket, evs [][]byte) error {
			if err := b.Delete(chunkKey(victim, c2)); err != nil {
				return err
			}
			return b.Put(eventKey(victim, c2+1), chunk(c2, evs[c2-1:c3-1]))
		}},
		{"a chunk starting where none starts", c2 + 1, "where no chunk starts", func(b *bolt.Bucket, evs [][]byte) error {
			if err := b.Put(chunkKey(victim, c2), chunk(c2, evs[c2-1:c2])); err != nil {
				return err
			}
			return b.Put(eventKey(victim, c2+1), chunk(c2+1, evs[c2:c3-1]))
		}},
		{"chunk 0 starting at event 2", 2, "under the case's key", func(b *bolt.Bucket, evs [][]byte) error {
			return b.Put(u32(victim), chunk(2, evs[1:c2-1]))
		}},
		{"a chunk's head saying more than it holds", c2, "says it holds 32 events and holds 31", func(b *bolt.Bucket, evs [][]byte) error {
			return b.Put(chunkKey(victim, c2), packChunk(nil, c2, chunkEvents, recordsOf(evs[c2-1:c3-2])))
		}},
		{"a chunk of more events than one holds", c2, "more than the 32", func(b *bolt.Bucket, evs [][]byte) error {
			if err := b.Delete(chunkKey(victim, c3)); err != nil {
				return err
			}
			return b.Put(chunkKey(victim, c2), chunk(c2, evs[c2-1:]))
		}},
		{"the last event of a chunk missing", c3 - 1, fmt.Sprintf("events %d–%d are missing", c3-1, c3-1), func(b *bolt.Bucket, evs [][]byte) error {
			return b.Put(chunkKey(victim, c2), chunk(c2, evs[c2-1:c3-2]))
		}},
		{"an event stored twice", c2 + 3, fmt.Sprintf("event %d is stored twice", c2+3), func(b *bolt.Bucket, evs [][]byte) error {
			return b.Put(eventKey(victim, c2+3), packValue(nil, evs[c2+2]))
		}},
		{"events out of order in a chunk", c2 + 1, "out of order", func(b *bolt.Bucket, evs [][]byte) error {
			part := append([][]byte(nil), evs[c2-1:c3-1]...)
			part[1], part[2] = part[2], part[1]
			return b.Put(chunkKey(victim, c2), chunk(c2, part))
		}},
		{"a later frame of a chunk cut short", c3, "a compressed value is damaged", func(b *bolt.Bucket, evs [][]byte) error {
			return frames(b, evs, func(v []byte, at int) []byte { return v[:len(v)-2] })
		}},
		{"a later frame of a chunk missing", c3, "says it holds 6 events and holds 5", func(b *bolt.Bucket, evs [][]byte) error {
			return frames(b, evs, func(v []byte, at int) []byte { return v[:at] })
		}},
		{"a later frame's magic number damaged", c3, "a compressed value is damaged", func(b *bolt.Bucket, evs [][]byte) error {
			return frames(b, evs, func(v []byte, at int) []byte { v[at+1] ^= 0x40; return v })
		}},
		{"a frame too many in a chunk", n + 1, "out of order", func(b *bolt.Bucket, evs [][]byte) error {
			// (check's replay meets the seventh record before the count is compared)
			return frames(b, evs, func(v []byte, at int) []byte { return append(v, lastFrame(evs)...) })
		}},
		{"a later frame holding other bytes", n, "content altered", func(b *bolt.Bucket, evs [][]byte) error {
			return frames(b, evs, func(v []byte, at int) []byte {
				ev := bytes.Clone(evs[n-1])
				i := bytes.LastIndex(ev, []byte(`"hash":"`)) + len(`"hash":"`)
				ev[i] ^= 1 // one hex digit for another
				return eventFrame(v[:at], recordsOf([][]byte{ev}))
			})
		}},
		{"a whole frame under a chunk's key", c2, "a frame of events under the key of one event", func(b *bolt.Bucket, evs [][]byte) error {
			return b.Put(chunkKey(victim, c2), packFrame(nil, c2, evs[c2-1:c3-1]))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, evs := base(t)
			db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *bolt.Tx) error { return tc.edit(tx.Bucket(bEvents), evs) }); err != nil {
				t.Fatal(err)
			}
			db.Close()
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var mine []Problem
			for _, p := range s.Check() {
				if p.CaseID == bystander {
					t.Errorf("check blames the untouched case: %s", p)
				}
				if p.CaseID == victim {
					mine = append(mine, p)
				}
			}
			if len(mine) != 1 || mine[0].Seq != tc.seq || !strings.Contains(mine[0].String(), tc.want) {
				t.Fatalf("check: %v; want one problem of case %d at event %d saying %q", mine, victim, tc.seq, tc.want)
			}
			if tc.want == "out of order" && tc.seq <= n || tc.want == "content altered" {
				return // the stored layout is sound: only the replay or the hash tells
			}
			// (The keyed read of one case, caseEntries, follows the chunks it expects
			// and does not see keys beside them; check and every scan do.)
			if err := s.db.View(func(tx kv.Tx) error {
				keys, vals := wholeCase(tx, victim)
				_, err := eventsIn(victim, keys, vals)
				return err
			}); err == nil {
				t.Errorf("the case's entries read without an error")
			}
		})
	}
}

// wholeCase is every entry of case id, by a scan of its keys.
func wholeCase(tx kv.Tx, id uint32) (keys, vals [][]byte) {
	c := tx.Bucket(bEvents).Cursor()
	k, v := c.Seek(u32(id))
	_, _, keys, vals = entriesOf(c, k, v, id, nil, nil)
	return keys, vals
}

// schema4File is a bbolt file as schema 4 left it, made from a demo store of n cases
// acted on further: every case's events one whole frame under its id (long ones among
// them: case 1 of `long` events, case 2 of exactly chunkEvents), case 3's first two
// events single values before its frame (a PostgreSQL base copied in from schema 3 and
// acted on by schema 4), and, when damaged, case 4's event 3 missing (damage the
// conversion carries as it is). It gives the JSON of every case's events as they were.
func schema4File(t *testing.T, n, long int, damaged bool) (string, map[uint32][][]byte) {
	t.Helper()
	s := demoStore(t, n, 9)
	comments(t, s, 1, long)
	comments(t, s, 2, chunkEvents)
	comments(t, s, 4, 4)
	path := s.Path()
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var all map[uint32][][]byte
	if err := db.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket(bEvents)
		var err error
		if all, err = takeEvents(btx, n); err != nil {
			return err
		}
		for id, evs := range all {
			switch id {
			case 3:
				for i, js := range evs[:2] {
					if err := b.Put(eventKey(id, i+1), packValue(nil, js)); err != nil {
						return err
					}
				}
				if err := b.Put(u32(id), packFrame(nil, 3, evs[2:])); err != nil {
					return err
				}
			case 4:
				if !damaged {
					if err := b.Put(u32(id), packFrame(nil, 1, evs)); err != nil {
						return err
					}
					continue
				}
				if err := b.Put(u32(id), packFrame(nil, 1, evs[:2])); err != nil {
					return err
				}
				if err := b.Put(eventKey(id, 4), packValue(nil, evs[3])); err != nil {
					return err
				}
			default:
				if err := b.Put(u32(id), packFrame(nil, 1, evs)); err != nil {
					return err
				}
			}
		}
		return btx.Bucket(bMeta).Put([]byte("schema"), []byte("4"))
	}); err != nil {
		t.Fatal(err)
	}
	return path, all
}

// fileSchema is the schema number a closed bbolt file says.
func fileSchema(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := 0
	_ = db.View(func(tx *bolt.Tx) error {
		v, _ = strconv.Atoi(string(tx.Bucket(bMeta).Get([]byte("schema"))))
		return nil
	})
	return v
}

// readsAsBefore: every case of s but the damaged one (4) reads the events it had, and
// check finds the damaged one alone, at its missing event (nothing when none is).
func readsAsBefore(t *testing.T, s *Store, all map[uint32][][]byte, damaged bool) {
	t.Helper()
	if err := s.db.View(func(tx kv.Tx) error {
		for id, want := range all {
			if id == 4 && damaged {
				continue
			}
			got, err := caseEvents(tx, id)
			if err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
				t.Errorf("case %d reads %d events (%v), want %d as they were", id, len(got), err, len(want))
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	probs := s.Check()
	if !damaged {
		if len(probs) != 0 {
			t.Errorf("check: %v", probs)
		}
		return
	}
	if len(probs) != 1 || probs[0].CaseID != 4 || probs[0].Seq != 3 || !strings.Contains(probs[0].What, "missing") {
		t.Errorf("check: %v; want case 4's missing event 3 alone", probs)
	}
}

// TestChunksConvertSchema4: a file of schema 4 is converted in place at its first
// writable open, in bounded transactions: the long frames (chunkEvents events or more)
// and single events go into chunks, the short frames stay as they are, the damaged case
// is carried as it is. A crash after a transaction (the conversion's hook) leaves a
// file that says schema 4, reads whole — some cases converted, the others not — and
// whose next open goes on and finishes; a Ctrl+C leaves it the same way. Progress is
// told on the way; then a commit on each converted case goes into its chunk.
func TestChunksConvertSchema4(t *testing.T) {
	const long = 3*chunkEvents + 7
	path, all := schema4File(t, 12, long, true)
	// A transaction per case; a crash after the third.
	atConvertCommit(t, 1, 3, func() error { return errors.New("injected crash") })
	_, err := Open(path, Options{})
	convertFail = nil
	if err == nil || !strings.Contains(err.Error(), "injected crash") {
		t.Fatalf("open: %v, want the injected crash", err)
	}
	if v := fileSchema(t, path); v != 4 {
		t.Fatalf("after the crash the file says schema %d, want 4", v)
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := chunkLayout(t, s, 1); len(f) != 4 {
		t.Errorf("case 1 (converted before the crash) has %d chunks, want 4", len(f))
	}
	if f, c := chunkLayout(t, s, 12); len(f) != 1 || c[0] != -1 {
		t.Errorf("case 12 (not reached) is %v %v, want its frame", f, c)
	}
	readsAsBefore(t, s, all, true)
	s.Close()

	// Ctrl+C between two transactions: the same.
	ctx, cancel := context.WithCancel(context.Background())
	atConvertCommit(t, 1, 2, func() error { cancel(); return nil })
	_, err = Open(path, Options{OpenContext: ctx})
	convertFail = nil
	if !errors.Is(err, ErrChunksInterrupted) {
		t.Fatalf("open: %v, want ErrChunksInterrupted", err)
	}
	if v := fileSchema(t, path); v != 4 {
		t.Fatalf("after Ctrl+C the file says schema %d, want 4", v)
	}

	var told []int64
	var total int64
	s, err = Open(path, Options{Progress: func(what string, done, tot int64) {
		if what == "convert" {
			told, total = append(told, done), tot
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(told) < 3 || told[0] != 0 || told[len(told)-1] != total || total <= 0 {
		t.Errorf("progress told %v of %d", told, total)
	}
	for i := 1; i < len(told); i++ {
		if told[i] < told[i-1] {
			t.Errorf("progress went back: %v", told)
		}
	}
	wantSchemaNow(t, s)
	wantLayout(t, s, 1, long)
	wantLayout(t, s, 2, chunkEvents)
	wantLayout(t, s, 3, len(all[3]))
	if f, c := chunkLayout(t, s, 5); len(f) != 1 || c[0] != -1 {
		t.Errorf("case 5 (a short frame) is %v %v, want its frame as it was", f, c)
	}
	readsAsBefore(t, s, all, true)
	for _, id := range []uint32{1, 2, 3, 5} {
		comments(t, s, id, len(all[id])+1)
		wantLayout(t, s, id, len(all[id])+1)
		wholeHistory(t, s, id, len(all[id])+1, false)
	}
}

// TestChunksConvertPostgres: a schema-4 file copied into PostgreSQL by `migrate` (a copy
// byte for byte, which says schema 4) is converted by the first writable open there, in
// its transaction, telling its progress in cases: the long frames and single events go
// into chunks, every case reads as it did, check is clean, and a commit goes into its
// chunk.
func TestChunksConvertPostgres(t *testing.T) {
	addr := pgtest.Addr(t)
	const long = 2*chunkEvents + 3
	path, all := schema4File(t, 6, long, false)
	key := path + ".key"
	if _, err := Migrate(path, addr, key); err != nil {
		t.Fatal(err)
	}
	var told []int64
	var total int64
	s, err := Open(addr, Options{KeyFile: key, NoAnchors: true, Progress: func(what string, done, tot int64) {
		if what == "chunks" {
			told, total = append(told, done), tot
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(told) < 2 || told[0] != 0 || total != 6 || told[len(told)-1] != total {
		t.Errorf("progress told %v of %d, want from 0 to 6 (cases)", told, total)
	}
	wantSchemaNow(t, s)
	wantLayout(t, s, 1, long)
	wantLayout(t, s, 2, chunkEvents)
	wantLayout(t, s, 3, len(all[3]))
	readsAsBefore(t, s, all, false)
	comments(t, s, 1, long+1)
	wantLayout(t, s, 1, long+1)
	wholeHistory(t, s, 1, long+1, true)
}

// TestChunksKeyedReadsPostgres: on PostgreSQL a commit on a case of several chunks —
// in the middle of a chunk, and starting a new one — makes no more round trips than a
// commit on a case of a few events (the read-ahead asks for the chunks it needs by their
// keys), and a whole long case is read in one round trip after prefetchChunks.
func TestChunksKeyedReadsPostgres(t *testing.T) {
	addr := pgtest.Addr(t)
	s, err := Open(addr, Options{KeyFile: filepath.Join(t.TempDir(), "shared.key"), NoAnchors: true, FeedPoll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Demo.Generate(s, 4, 7); err != nil {
		t.Fatal(err)
	}
	pg, ok := s.db.(*kv.PG)
	if !ok {
		t.Fatalf("the store's database is a %T", s.db)
	}
	// trips is the fewest round trips of three commits on case id (a background read
	// may fall into one).
	trips := func(id uint32) uint64 {
		best := uint64(1 << 62)
		for range 3 {
			c, err := s.Case(id)
			if err != nil {
				t.Fatal(err)
			}
			before := pg.RoundTrips()
			if _, err := s.Apply(id, c.Version, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: "来电"}); err != nil {
				t.Fatal(err)
			}
			best = min(best, pg.RoundTrips()-before)
		}
		return best
	}
	short := trips(2)
	comments(t, s, 1, 3*chunkEvents+10)
	if long := trips(1); long != short {
		t.Errorf("a commit in the middle of a long case's chunk made %d round trips, one on a short case %d", long, short)
	}
	comments(t, s, 1, 4*chunkEvents)
	c, _ := s.Case(1)
	before := pg.RoundTrips()
	if _, err := s.Apply(1, c.Version, Demo.Staff[0], workflow.Action{Kind: workflow.ActComment, Comment: "新的一块"}); err != nil {
		t.Fatal(err)
	}
	if n := pg.RoundTrips() - before; n > short {
		t.Errorf("a commit starting a chunk made %d round trips, one on a short case %d", n, short)
	}
	wantLayout(t, s, 1, 4*chunkEvents+1)
	if err := s.db.View(func(tx kv.Tx) error {
		before := pg.RoundTrips()
		prefetchChunks(tx, 1, 4*chunkEvents+1)
		keys, _ := caseEntries(tx, 1)
		if n := pg.RoundTrips() - before; n != 1 || len(keys) != 5 {
			t.Errorf("a case of 5 chunks read in %d round trips (%d keys), want 1 (5)", n, len(keys))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestChunksAppendAfterAFrameRefused: a case of chunkEvents events left in a whole frame
// of schema 4 (which the conversion would have cut; here put back behind its back) does
// not get a second chunk its readers by key would not find: the commit is refused,
// saying why, and writes nothing; after the conversion's step it goes through.
func TestChunksAppendAfterAFrameRefused(t *testing.T) {
	s := demoStore(t, 3, 5)
	comments(t, s, 1, chunkEvents)
	if err := s.db.Update(func(tx kv.Tx) error {
		evs, err := caseEvents(tx, 1)
		if err != nil {
			return err
		}
		return tx.Bucket(bEvents).Put(u32(1), packFrame(nil, 1, evs))
	}); err != nil {
		t.Fatal(err)
	}
	act := workflow.Action{Kind: workflow.ActComment, Comment: "第33条"}
	if _, err := s.Apply(1, chunkEvents, Demo.Staff[0], act); err == nil || !strings.Contains(err.Error(), "not a full chunk") {
		t.Fatalf("a commit after a whole frame of %d events: %v, want a refusal", chunkEvents, err)
	}
	if evs, err := s.Events(1); err != nil || len(evs) != chunkEvents {
		t.Fatalf("after the refusal: %d events, %v", len(evs), err)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("check after the refusal: %v", p)
	}
	if err := s.db.Update(func(tx kv.Tx) error { _, _, err := chunkCases(tx, 0, 0); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(1, chunkEvents, Demo.Staff[0], act); err != nil {
		t.Fatal(err)
	}
	wantLayout(t, s, 1, chunkEvents+1)
	wholeHistory(t, s, 1, chunkEvents+1, true)
}

// TestChunksConvertSchema3: a file of schema 3 (one value per event) holding a long case
// goes through the copying conversion (convertFile), which folds each case's events into
// chunks: the long case into several, the others into one; every case reads as it did.
func TestChunksConvertSchema3(t *testing.T) {
	const long = 2*chunkEvents + 5
	s := demoStore(t, 5, 9)
	comments(t, s, 1, long)
	path := s.Path()
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var all map[uint32][][]byte
	if err := db.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket(bEvents)
		var err error
		if all, err = takeEvents(btx, 5); err != nil {
			return err
		}
		for id, evs := range all {
			for i, js := range evs {
				if err := b.Put(eventKey(id, i+1), packValue(nil, js)); err != nil {
					return err
				}
			}
		}
		return btx.Bucket(bMeta).Put([]byte("schema"), []byte("3"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path + ".migrating"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the conversion's copy was left (%v)", err)
	}
	wantLayout(t, s, 1, long)
	for id := uint32(2); id <= 5; id++ {
		wantLayout(t, s, id, len(all[id]))
	}
	readsAsBefore(t, s, all, false)
	comments(t, s, 1, long+1)
	wholeHistory(t, s, 1, long+1, true)
}

// takeEvents reads the events of cases 1..n and empties the events bucket, for a test to
// write them again in another layout.
func takeEvents(btx *bolt.Tx, n int) (map[uint32][][]byte, error) {
	all := map[uint32][][]byte{}
	for id := uint32(1); id <= uint32(n); id++ {
		evs, err := caseEvents(kv.BoltTxOf(btx), id)
		if err != nil {
			return nil, err
		}
		all[id] = evs
	}
	b := btx.Bucket(bEvents)
	var old [][]byte
	_ = b.ForEach(func(k, _ []byte) error { old = append(old, bytes.Clone(k)); return nil })
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// wantSchemaNow fails t unless s's database says this program's schema.
func wantSchemaNow(t *testing.T, s *Store) {
	t.Helper()
	if err := s.db.View(func(tx kv.Tx) error {
		if v, err := schemaOf(tx); err != nil || v != SchemaVersion {
			t.Errorf("schema %d (%v) after the conversion, want %d", v, err, SchemaVersion)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestAppendTakesTheChunkItRead: a commit decodes the chunk of its case's last event once
// (chunkLast for the previous hash) and appends to what it decoded (appendEvent), but
// only while the key holds exactly the bytes it read: a read from before another append
// is decoded again, never appended to.
func TestAppendTakesTheChunkItRead(t *testing.T) {
	s, id, c := threeCaseStore(t)
	v := c.Version
	records := func(tx kv.Tx) []string {
		raw := tx.Bucket(bEvents).Get(chunkKey(id, chunkStart(v)))
		var u unpacker
		_, content, err := u.frame(raw)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		if err := frameRecords(content, func(js []byte) error { out = append(out, string(js)); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	errRollback := errors.New("rolled back")
	err := s.db.Update(func(tx kv.Tx) error {
		before := records(tx)
		var read chunkRead
		if _, ok, err := chunkLast(tx, id, v, &read, nil); err != nil || !ok || read.content == nil || read.n != len(before) {
			t.Fatalf("chunkLast kept %d records (ok %v, %v); want %d", read.n, ok, err, len(before))
		}
		stale := chunkRead{key: read.key, raw: bytes.Clone(read.raw), first: read.first, n: read.n, content: bytes.Clone(read.content)}
		// What was read is what is appended to: a mark put into the kept records (a
		// test's doing; a commit never changes them) comes out in the stored chunk
		// where the append writes it anew as one frame (every 1)…
		marked := bytes.Clone(read.content)
		i := bytes.LastIndex(marked, []byte(`"hash":"`)) + len(`"hash":"`)
		marked[i] = 'X'
		again := read
		again.content = bytes.Clone(marked)
		read.content = marked
		if err := appendEventEvery(tx, id, v+1, []byte(`{"one":1}`), &read, 1); err != nil {
			t.Fatal(err)
		}
		if stored := tx.Bucket(bEvents).Get(read.key); !bytes.Equal(stored, read.raw) || read.n != len(before)+1 {
			t.Errorf("appendEvent told of a chunk of %d events, stored as written: %v; want %d", read.n, bytes.Equal(stored, read.raw), len(before)+1)
		}
		got := records(tx)
		if len(got) != len(before)+1 || got[len(got)-1] != `{"one":1}` || !strings.Contains(got[len(got)-2], `"hash":"X`) {
			t.Fatalf("appended to the read: %d records, last %q; want %d, the mark in the one before", len(got), got[len(got)-1], len(before)+1)
		}
		// …and where it adds a frame after the stored bytes, which hold no mark, the
		// records it tells of (for the memo) are the ones it was given, and the stored
		// ones are those stored and the new one.
		if err := tx.Bucket(bEvents).Put(again.key, again.raw); err != nil {
			return err
		}
		if err := appendEventEvery(tx, id, v+1, []byte(`{"one":1}`), &again, chunkEvents); err != nil {
			t.Fatal(err)
		}
		if told := string(again.content); !strings.Contains(told, `"hash":"X`) || !strings.HasSuffix(told, `{"one":1}`) {
			t.Errorf("an append adding a frame told of records without the mark given it, or without the new one")
		}
		if got := records(tx); fmt.Sprint(got) != fmt.Sprint(append(slices.Clone(before), `{"one":1}`)) {
			t.Errorf("an append adding a frame stored %d records; want the %d there and the new one", len(got), len(before))
		}
		got = records(tx)
		// The read from before that append no longer matches the key: decoded again.
		if err := appendEvent(tx, id, v+2, []byte(`{"two":2}`), &stale); err != nil {
			t.Fatalf("an append given a stale read: %v", err)
		}
		if got2 := records(tx); fmt.Sprint(got2) != fmt.Sprint(append(got, `{"two":2}`)) {
			t.Errorf("an append given a stale read stored %d records; want the %d there and the new one", len(got2), len(got))
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}
