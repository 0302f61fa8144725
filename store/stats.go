package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// StatsData returns every case as workflow.Case.ForStats keeps it and, grouped by case
// and oldest first, what workflow.ComputeStats reads of each event, in one transaction.
// It is what the dashboard and the report load: at 100,000 cases about 30 MB of cases and
// 21 MB of events, where whole cases and events took about 800 MB.
//
// At 100,000 cases that is 1.3 million events in 1.6 GB of the file. Read one 4 KiB
// page fault at a time and decoded on one core it took 46 s from a cold page cache
// (12 s warm). Both buckets are now read ahead (prefetch), the values are decoded on
// every core, and an event's few fields are read from the front of its JSON, where
// json.Marshal put them, instead of scanning its letter.
func (s *Store) StatsData() ([]workflow.Case, map[uint32][]workflow.StatEvent, error) {
	var cases []workflow.Case
	var events map[uint32][]workflow.StatEvent
	err := s.view(func(tx kv.Tx) error {
		cb, eb := tx.Bucket(bCases), tx.Bucket(bEvents)
		prefetchAll(tx, cb, eb)
		// The values point into the mapped file: they are decoded before the
		// transaction ends, and decoding copies.
		type raw struct {
			k, v []byte
		}
		var rc []raw
		if err := cb.ForEach(func(k, v []byte) error { rc = append(rc, raw{k, v}); return nil }); err != nil {
			return err
		}
		re, err := caseGroups(eb, 0, 1<<32-1)
		if err != nil {
			return err
		}
		cases = make([]workflow.Case, len(rc))
		err = s.parallelRead(len(rc), string(bCases), func(lo, hi int) error {
			var u unpacker
			for i := lo; i < hi; i++ {
				var c workflow.Case // personal fields stay sealed: ForStats drops them
				if len(rc[i].k) != 4 {
					return fmt.Errorf("case key %x is malformed", rc[i].k)
				}
				if err := u.unmarshal(rc[i].v, &c); err != nil {
					return fmt.Errorf("case %d is unreadable: %w", binary.BigEndian.Uint32(rc[i].k), err)
				}
				cases[i] = c.ForStats()
			}
			return nil
		})
		if err != nil {
			return err
		}
		events, err = s.leanGroups(re)
		if err != nil {
			return err
		}
		return nil
	})
	return cases, events, err
}

// leanEvent is what Compute needs of an event.
type leanEvent struct {
	CaseID uint32              `json:"case_id"`
	Seq    int                 `json:"seq"`
	Kind   workflow.ActionKind `json:"kind"`
	At     time.Time           `json:"at"`
	From   workflow.Stage      `json:"from"`
	To     workflow.Stage      `json:"to"`
}

// leanDecoder reads leanEvent's fields from the front of a stored event, where
// json.Marshal of workflow.Event puts them in this order:
//
//	{"case_id":12,"seq":3,"kind":"accept","actor":"wangfang","at":"…","from":"…","to":"…",…
//
// ("from" is left out when empty). Anything else — spacing, an escape in a string, a
// field out of place — is decoded by decodeJSON instead, so the result is the same
// either way; only the speed differs. Kinds and stages are interned.
type leanDecoder struct {
	names map[string]string
	u     unpacker
}

func (d *leanDecoder) decode(v []byte) (workflow.Event, error) {
	v, err := d.u.json(v)
	if err != nil {
		return workflow.Event{}, err
	}
	return d.decodeJSON(v)
}

// decodeJSON is decode given the event's JSON.
func (d *leanDecoder) decodeJSON(v []byte) (workflow.Event, error) {
	if ev, ok := d.fast(v); ok {
		return ev, nil
	}
	var le leanEvent
	if err := decodeJSON(v, &le); err != nil {
		return workflow.Event{}, err
	}
	return workflow.Event{CaseID: le.CaseID, Seq: le.Seq, Kind: le.Kind, At: le.At, From: le.From, To: le.To}, nil
}

func (d *leanDecoder) fast(p []byte) (ev workflow.Event, ok bool) {
	take := func(prefix string) bool {
		if !bytes.HasPrefix(p, []byte(prefix)) {
			return false
		}
		p = p[len(prefix):]
		return true
	}
	num := func() (int, bool) {
		n, i := 0, 0
		for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
			if i == 9 {
				return 0, false
			}
			n = n*10 + int(p[i]-'0')
		}
		p = p[i:]
		return n, i > 0
	}
	str := func() ([]byte, bool) { // up to the closing quote; no escapes
		i := bytes.IndexByte(p, '"')
		if i < 0 || bytes.IndexByte(p[:i], '\\') >= 0 {
			return nil, false
		}
		s := p[:i]
		p = p[i+1:]
		return s, true
	}
	name := func() (string, bool) {
		b, ok := str()
		if !ok {
			return "", false
		}
		if s, ok := d.names[string(b)]; ok {
			return s, true
		}
		if d.names == nil {
			d.names = map[string]string{}
		}
		s := string(b)
		d.names[s] = s
		return s, true
	}
	var id, seq int
	var kind, from, to string
	var at []byte
	if !take(`{"case_id":`) {
		return ev, false
	}
	if id, ok = num(); !ok || !take(`,"seq":`) {
		return ev, false
	}
	if seq, ok = num(); !ok || !take(`,"kind":"`) {
		return ev, false
	}
	if kind, ok = name(); !ok || !take(`,"actor":"`) {
		return ev, false
	}
	if _, ok = str(); !ok || !take(`,"at":"`) {
		return ev, false
	}
	if at, ok = str(); !ok {
		return ev, false
	}
	if take(`,"from":"`) {
		if from, ok = name(); !ok {
			return ev, false
		}
	}
	if !take(`,"to":"`) {
		return ev, false
	}
	if to, ok = name(); !ok || len(p) == 0 || (p[0] != ',' && p[0] != '}') {
		return ev, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(at))
	if err != nil {
		return ev, false
	}
	return workflow.Event{CaseID: uint32(id), Seq: seq, Kind: workflow.ActionKind(kind), At: t,
		From: workflow.Stage(from), To: workflow.Stage(to)}, true
}
