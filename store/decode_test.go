package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// TestDecoderAgreesWithEncodingJSON: decodeJSON (github.com/goccy/go-json) gives, for
// every stored case and event of a demo office with every stage and letter kind, exactly
// the value encoding/json gives; and JSON it cannot read is refused with encoding/json's
// own error.
func TestDecoderAgreesWithEncodingJSON(t *testing.T) {
	s := demoStore(t, 400, 7)
	var nc, ne int
	err := s.viewBolt(func(tx *bolt.Tx) error {
		for _, bucket := range [][]byte{bCases, bEvents} {
			each := tx.Bucket(bucket).ForEach
			if string(bucket) == string(bEvents) {
				each = func(fn func(k, v []byte) error) error {
					return eachStoredEvent(kv.BoltTxOf(tx).Bucket(bEvents), func(id uint32, seq int, js []byte) error {
						return fn(eventKey(id, seq), js)
					})
				}
			}
			err := each(func(k, v []byte) error {
				js, err := ValueJSON(v)
				if err != nil {
					return err
				}
				if string(bucket) == string(bCases) {
					var a, b workflow.Case
					if err := json.Unmarshal(js, &a); err != nil {
						return err
					}
					if err := decodeJSON(js, &b); err != nil {
						return err
					}
					if !reflect.DeepEqual(a, b) {
						t.Errorf("case %x decodes differently:\n%+v\n%+v", k, a, b)
					}
					nc++
					return nil
				}
				var a, b workflow.Event
				if err := json.Unmarshal(js, &a); err != nil {
					return err
				}
				if err := decodeJSON(js, &b); err != nil {
					return err
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("event %x decodes differently:\n%+v\n%+v", k, a, b)
				}
				ne++
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if nc != 400 || ne < 400 {
		t.Fatalf("compared %d cases and %d events", nc, ne)
	}
	for _, bad := range []string{`{"seq":1,`, `{"seq":"x"}`, `[1,2]`, `{"at":"yesterday"}`, ``} {
		var a, b workflow.Event
		errA := json.Unmarshal([]byte(bad), &a)
		errB := decodeJSON([]byte(bad), &b)
		if errA == nil || errB == nil || errA.Error() != errB.Error() {
			t.Errorf("%q: encoding/json says %v, decodeJSON %v", bad, errA, errB)
		}
	}
}

// TestSameCaseIsTheRoundTrip: sameCase decides as the JSON round trip of both sides
// (normal) does: on every case of a demo office the stored case equals its fold through
// the fast path (the fold encodes to the stored bytes), and a fold that differs in any
// field, or a stored case whose bytes are laid out otherwise, is judged by the round trip.
func TestSameCaseIsTheRoundTrip(t *testing.T) {
	s := demoStore(t, 200, 11)
	fast := 0
	err := s.viewBolt(func(tx *bolt.Tx) error {
		eb := tx.Bucket(bEvents)
		return tx.Bucket(bCases).ForEach(func(k, v []byte) error {
			cjs, err := ValueJSON(v)
			if err != nil {
				return err
			}
			var c workflow.Case
			if err := decodeJSON(cjs, &c); err != nil {
				return err
			}
			var evs []workflow.Event
			evjs, err := EventsOf(eb, binary.BigEndian.Uint32(k))
			if err != nil {
				return err
			}
			for _, ev := range evjs {
				var e workflow.Event
				if err := decodeJSON(ev, &e); err != nil {
					return err
				}
				evs = append(evs, e)
			}
			folded, touched, err := s.replayStoredT(evs, &c)
			if err != nil {
				return err
			}
			want := reflect.DeepEqual(normal(folded), normal(c))
			if !want {
				t.Errorf("case %d: the demo's fold differs from the stored case", c.ID)
			}
			if got := sameCase(&folded, &c, cjs, touched); got != want {
				t.Errorf("case %d: sameCase %v, the round trip says %v", c.ID, got, want)
			}
			if fj, _ := json.Marshal(&folded); !touched && bytes.Equal(fj, cjs) {
				fast++
			}
			// A fold that differs in one field is told apart, by both ways.
			other := folded
			other.Version++
			if sameCase(&other, &c, cjs, touched) {
				t.Errorf("case %d: a fold of another version passes", c.ID)
			}
			other = folded
			other.Owner += "x"
			if sameCase(&other, &c, cjs, touched) {
				t.Errorf("case %d: a fold with another owner passes", c.ID)
			}
			// The same case stored with its fields in another order (an older writer):
			// not the fast path, the same answer.
			var m map[string]json.RawMessage
			if err := json.Unmarshal(cjs, &m); err != nil {
				return err
			}
			reordered, _ := json.Marshal(m) // keys sorted: not the struct's order
			if bytes.Equal(reordered, cjs) {
				t.Fatalf("case %d: the reordered JSON is the same bytes", c.ID)
			}
			if !sameCase(&folded, &c, reordered, touched) {
				t.Errorf("case %d: the same case laid out otherwise is judged different", c.ID)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if fast != 200 {
		t.Errorf("%d of 200 cases took the fast path", fast)
	}
}

// TestWithHashIsMarshal: the stored bytes of every event of a demo office (written by
// chainEvent through withHash) are json.Marshal of the event as decoded, hash included,
// and the hash is EventHash's.
func TestWithHashIsMarshal(t *testing.T) {
	s := demoStore(t, 150, 5)
	n := 0
	err := s.viewBolt(func(tx *bolt.Tx) error {
		return eachStoredEvent(kv.BoltTxOf(tx).Bucket(bEvents), func(id uint32, seq int, js []byte) error {
			k := eventKey(id, seq)
			var ev workflow.Event
			if err := json.Unmarshal(js, &ev); err != nil {
				return err
			}
			want, _ := json.Marshal(ev)
			if !bytes.Equal(js, want) {
				t.Fatalf("event %x stored as\n%s\nnot as json.Marshal writes it\n%s", k, js, want)
			}
			if EventHash(ev) != ev.Hash {
				t.Fatalf("event %x: hash %s, EventHash %s", k, ev.Hash, EventHash(ev))
			}
			n++
			return nil
		})
	})
	if err != nil || n < 150 {
		t.Fatalf("%d events: %v", n, err)
	}
}
