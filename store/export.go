package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
)

// Reading everything, for reports, exports and the dashboard. Each call is one read
// transaction and decodes inside it (decoding copies: nothing outlives the transaction).
// Personal fields come back decrypted, as from Case and Events (Locked when the key
// cannot open them).

// AllCases returns every case, in ascending id order (the order they were taken in).
func (s *Store) AllCases() ([]workflow.Case, error) {
	var out []workflow.Case
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = s.casesIn(tx, time.Time{})
		return err
	})
	return out, err
}

// AllEvents returns every event grouped by case id, each case's events oldest first.
func (s *Store) AllEvents() (map[uint32][]workflow.Event, error) {
	var out map[uint32][]workflow.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = s.eventsIn(tx, nil, false)
		return err
	})
	return out, err
}

// CasesSince returns the cases received at or after t (all of them for a zero t), in
// ascending id order, with their events, read together in one transaction so the two
// agree.
func (s *Store) CasesSince(t time.Time) ([]workflow.Case, map[uint32][]workflow.Event, error) {
	var cases []workflow.Case
	var events map[uint32][]workflow.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if cases, err = s.casesIn(tx, t); err != nil {
			return err
		}
		var want map[uint32]bool
		if !t.IsZero() {
			want = make(map[uint32]bool, len(cases))
			for _, c := range cases {
				want[c.ID] = true
			}
		}
		events, err = s.eventsIn(tx, want, false)
		return err
	})
	return cases, events, err
}

// EachCase calls fn for every case received at or after since (every case for a zero
// since) in ascending id order, with its events oldest first when withEvents is set. It
// is one read transaction and holds no more than one case in memory, so an export of a
// large file streams. An error from fn stops the walk and is returned.
func (s *Store) EachCase(since time.Time, withEvents bool, fn func(c workflow.Case, evs []workflow.Event) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		// Read the buckets ahead (see prefetch), so a cold file is not read a page at a time.
		var pre sync.WaitGroup
		for _, b := range []*bolt.Bucket{tx.Bucket(bCases), tx.Bucket(bEvents)} {
			if b == tx.Bucket(bEvents) && !withEvents {
				continue
			}
			pre.Add(1)
			go func() {
				defer pre.Done()
				prefetch(tx, b)
			}()
		}
		pre.Wait()
		ec := tx.Bucket(bEvents).Cursor()
		return tx.Bucket(bCases).ForEach(func(k, v []byte) error {
			var c workflow.Case
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("case %d is unreadable: %w", binary.BigEndian.Uint32(k), err)
			}
			if !since.IsZero() && c.ReceivedAt.Before(since) {
				return nil
			}
			_ = s.unsealCase(&c) // a field that cannot be decrypted reads as Locked
			var evs []workflow.Event
			if withEvents {
				prefix := u32(c.ID)
				for ek, ev := ec.Seek(prefix); ek != nil && string(ek[:4]) == string(prefix); ek, ev = ec.Next() {
					var e workflow.Event
					if err := json.Unmarshal(ev, &e); err != nil {
						return fmt.Errorf("event %x: %w", ek, err)
					}
					_ = s.unsealEvent(&e)
					evs = append(evs, e)
				}
			}
			return fn(c, evs)
		})
	})
}

func (s *Store) casesIn(tx *bolt.Tx, since time.Time) ([]workflow.Case, error) {
	b := tx.Bucket(bCases)
	out := make([]workflow.Case, 0, b.Sequence()) // ids run from 1 to the sequence
	err := b.ForEach(func(k, v []byte) error {
		var c workflow.Case
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("case %d is unreadable: %w", binary.BigEndian.Uint32(k), err)
		}
		if since.IsZero() || !c.ReceivedAt.Before(since) {
			_ = s.unsealCase(&c) // a field that cannot be decrypted reads as Locked
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// eventsIn groups the events bucket by case (keys are case id then sequence, so each
// case's events come out oldest first). want nil means every case.
func (s *Store) eventsIn(tx *bolt.Tx, want map[uint32]bool, lean bool) (map[uint32][]workflow.Event, error) {
	out := map[uint32][]workflow.Event{}
	err := tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
		if len(k) < 4 {
			return fmt.Errorf("event key %x is malformed", k)
		}
		id := binary.BigEndian.Uint32(k[:4])
		if want != nil && !want[id] {
			return nil
		}
		var ev workflow.Event
		if lean {
			var le leanEvent
			if err := json.Unmarshal(v, &le); err != nil {
				return fmt.Errorf("event %x: %w", k, err)
			}
			ev = workflow.Event{CaseID: le.CaseID, Seq: le.Seq, Kind: le.Kind, At: le.At, From: le.From, To: le.To}
		} else {
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("event %x: %w", k, err)
			}
			_ = s.unsealEvent(&ev)
		}
		out[id] = append(out[id], ev)
		return nil
	})
	return out, err
}
