package store

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// TestSingleEventsThenChunks: a case whose events are stored one by one (schema 3), or
// one by one and then in a frame of schema 4 (as a PostgreSQL case base copied in from a
// schema-3 file and acted on by schema 4 kept them), reads as it did for every reader
// (the case's events, the export walk, check, the dashboard's lean read). A commit on it
// is refused, saying why, and writes nothing: the conversion (chunkCases, run by a
// writable open of an older file, bbolt or PostgreSQL) puts such cases into chunks
// first. After that step the commit goes into the case's chunk.
func TestSingleEventsThenChunks(t *testing.T) {
	for _, mixed := range []bool{false, true} {
		t.Run(map[bool]string{false: "singles", true: "singles and a frame"}[mixed], func(t *testing.T) {
			s := demoStore(t, 30, 3)
			const id = 5
			before, err := s.Events(id)
			if err != nil || len(before) < 3 {
				t.Fatalf("case %d: %d events, %v", id, len(before), err)
			}
			err = s.db.Update(func(tx kv.Tx) error {
				b := tx.Bucket(bEvents)
				evs, err := caseEvents(tx, id)
				if err != nil {
					return err
				}
				if err := b.Delete(u32(id)); err != nil {
					return err
				}
				singles := len(evs)
				if mixed {
					singles = 2
					if err := b.Put(u32(id), packFrame(nil, 3, evs[2:])); err != nil {
						return err
					}
				}
				for i, js := range evs[:singles] {
					if err := b.Put(eventKey(id, i+1), packValue(nil, js)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			readsAs := func(want []workflow.Event) {
				t.Helper()
				if got, err := s.Events(id); err != nil || !sameJSON(t, got, want) {
					t.Fatalf("the case's events read back differently (%v)", err)
				}
				if p := s.Check(); len(p) != 0 {
					t.Fatalf("check: %v", p)
				}
				var exported []workflow.Event
				if err := s.EachCase(time.Time{}, true, func(c workflow.Case, evs []workflow.Event) error {
					if c.ID == id {
						exported = evs
					}
					return nil
				}); err != nil || !sameJSON(t, exported, want) {
					t.Errorf("the export walk reads the case differently (%v)", err)
				}
				_, lean, err := s.StatsData()
				if err != nil || len(lean[id]) != len(want) {
					t.Errorf("the dashboard's read: %d events of case %d (want %d), %v", len(lean[id]), id, len(want), err)
				}
				for i, e := range lean[id] {
					if int(e.Seq) != i+1 {
						t.Errorf("the dashboard's read: event %d has seq %d", i+1, e.Seq)
					}
				}
			}
			readsAs(before)
			c, err := s.Case(id)
			if err != nil {
				t.Fatal(err)
			}
			who := Demo.Staff[0] // a specialist: anyone of the staff may comment
			act := workflow.Action{Kind: workflow.ActComment, Comment: "单条事件之后的第一条"}
			if _, err := s.Apply(id, c.Version, who, act); err == nil || !strings.Contains(err.Error(), "case 5") {
				t.Fatalf("a commit on a case of single events: %v, want a refusal naming the case", err)
			}
			readsAs(before) // nothing written
			if err := s.db.Update(func(tx kv.Tx) error { _, _, err := chunkCases(tx, 0, 0); return err }); err != nil {
				t.Fatal(err)
			}
			readsAs(before)
			if _, err := s.Apply(id, c.Version, who, act); err != nil {
				t.Fatalf("a commit after the conversion: %v", err)
			}
			after, err := s.Events(id)
			if err != nil || len(after) != len(before)+1 || !sameJSON(t, after[:len(before)], before) || after[len(before)].Comment != act.Comment {
				t.Fatalf("after the commit: %d events (want %d), %v", len(after), len(before)+1, err)
			}
			readsAs(after)
			_ = s.db.View(func(tx kv.Tx) error {
				c := tx.Bucket(bEvents).Cursor()
				n := 0
				for k, v := c.Seek(u32(id)); k != nil && bytes.Equal(k[:4], u32(id)); k, v = c.Next() {
					if n++; len(k) != 4 || !isChunk(v) {
						t.Errorf("case %d: key %x holds %x…, want one chunk under the case's key", id, k, v[:1])
					}
				}
				return nil
			})
		})
	}
}

func sameJSON(t *testing.T, a, b []workflow.Event) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
