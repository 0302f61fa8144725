package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"reflect"

	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
)

// Problem is one thing wrong with the file.
type Problem struct {
	CaseID uint32
	Seq    int
	What   string
}

func (p Problem) String() string {
	if p.CaseID == 0 {
		return p.What
	}
	if p.Seq > 0 {
		return fmt.Sprintf("case %d event %d: %s", p.CaseID, p.Seq, p.What)
	}
	return fmt.Sprintf("case %d: %s", p.CaseID, p.What)
}

// Check verifies the file: bbolt's own consistency check, every event chain (the first
// broken link is named), and that every case equals the fold of its events.
func (s *Store) Check() []Problem {
	var out []Problem
	_ = s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			out = append(out, Problem{What: "bbolt: " + err.Error()})
		}
		events := map[uint32][]workflow.Event{}
		broken := map[uint32]bool{}
		_ = tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				out = append(out, Problem{What: fmt.Sprintf("events: malformed key %x", k)})
				return nil
			}
			id := binary.BigEndian.Uint32(k[:4])
			seq := int(binary.BigEndian.Uint32(k[4:]))
			if broken[id] {
				return nil
			}
			var ev workflow.Event
			if err := json.Unmarshal(v, &ev); err != nil {
				out = append(out, Problem{id, seq, "unreadable: " + err.Error()})
				broken[id] = true
				return nil
			}
			prev := events[id]
			want := len(prev) + 1
			wantPrev := ""
			if len(prev) > 0 {
				wantPrev = prev[len(prev)-1].Hash
			}
			switch {
			case seq != want || ev.Seq != seq:
				out = append(out, Problem{id, seq, fmt.Sprintf("out of order: expected event %d", want)})
				broken[id] = true
			case ev.PrevHash != wantPrev:
				out = append(out, Problem{id, seq, "broken chain: prev_hash does not match the previous event"})
				broken[id] = true
			case EventHash(ev) != ev.Hash:
				out = append(out, Problem{id, seq, "content altered: hash does not match"})
				broken[id] = true
			}
			events[id] = append(prev, ev)
			return nil
		})
		_ = tx.Bucket(bCases).ForEach(func(k, v []byte) error {
			if len(k) != 4 {
				out = append(out, Problem{What: fmt.Sprintf("cases: malformed key %x", k)})
				return nil
			}
			id := binary.BigEndian.Uint32(k)
			var c workflow.Case
			if err := json.Unmarshal(v, &c); err != nil {
				out = append(out, Problem{id, 0, "unreadable case: " + err.Error()})
				return nil
			}
			evs := events[id]
			delete(events, id)
			if broken[id] {
				return nil
			}
			if len(evs) == 0 {
				out = append(out, Problem{id, 0, "case has no events"})
				return nil
			}
			folded, err := s.replayStored(evs, &c) // personal fields compared as stored
			if err != nil {
				out = append(out, Problem{id, 0, "history does not replay: " + err.Error()})
				return nil
			}
			if !reflect.DeepEqual(normal(folded), normal(c)) {
				out = append(out, Problem{id, 0, fmt.Sprintf("stored case (version %d) differs from the fold of its %d events", c.Version, len(evs))})
			}
			return nil
		})
		for id := range events {
			out = append(out, Problem{id, 0, "events without a case"})
		}
		return nil
	})
	return out
}

// normal round-trips a case through JSON so in-memory and decoded forms compare equal.
func normal(c workflow.Case) workflow.Case {
	b, _ := json.Marshal(c)
	var n workflow.Case
	_ = json.Unmarshal(b, &n)
	return n
}

// Backup writes a consistent copy of the database to w while others keep working.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
