package store

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// TestSingleEventsAndAFrame: a case whose events are still stored one by one (as a
// PostgreSQL case base copied in from a schema-3 file keeps them) reads as it did; its
// next commit starts a frame at its own event; the case's history is then the single
// events followed by the frame's, for every reader (the case's events, the export walk,
// check, the anchors' heads, the dashboard's lean read), and check is clean.
func TestSingleEventsAndAFrame(t *testing.T) {
	s := demoStore(t, 30, 3)
	path := s.Path()
	const id = 5
	before, err := s.Events(id)
	if err != nil || len(before) < 2 {
		t.Fatalf("case %d: %d events, %v", id, len(before), err)
	}
	// The case's frame rewritten as the schema-3 layout: one compressed value per event.
	err = s.db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bEvents)
		evs, err := caseEvents(tx, id)
		if err != nil {
			return err
		}
		if err := b.Delete(u32(id)); err != nil {
			return err
		}
		for i, js := range evs {
			if err := b.Put(eventKey(id, i+1), packValue(nil, js)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Events(id); err != nil || !sameJSON(t, got, before) {
		t.Fatalf("single events read back differently (%v)", err)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("check of single events: %v", p)
	}
	c, err := s.Case(id)
	if err != nil {
		t.Fatal(err)
	}
	who := Demo.Staff[0] // a specialist: anyone of the staff may comment
	if _, err := s.Apply(id, c.Version, who, workflow.Action{Kind: workflow.ActComment, Comment: "单条事件之后的第一条"}); err != nil {
		t.Fatalf("a commit on a case of single events: %v", err)
	}
	after, err := s.Events(id)
	if err != nil || len(after) != len(before)+1 || !sameJSON(t, after[:len(before)], before) || after[len(before)].Comment != "单条事件之后的第一条" {
		t.Fatalf("after the commit: %d events (want %d), %v", len(after), len(before)+1, err)
	}
	var frames, singles int
	_ = s.db.View(func(tx kv.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(u32(id)); k != nil && bytes.Equal(k[:4], u32(id)); k, v = c.Next() {
			if len(k) == 4 && isFrame(v) {
				frames++
				if first, _, err := frameHead(v); err != nil || first != len(before)+1 {
					t.Errorf("the new frame starts at event %d (%v), want %d", first, err, len(before)+1)
				}
			} else {
				singles++
			}
		}
		return nil
	})
	if frames != 1 || singles != len(before) {
		t.Errorf("case %d holds %d frames and %d single events; want 1 and %d", id, frames, singles, len(before))
	}
	if p := s.Check(); len(p) != 0 {
		t.Errorf("check after the commit: %v", p)
	}
	var exported []workflow.Event
	if err := s.EachCase(time.Time{}, true, func(c workflow.Case, evs []workflow.Event) error {
		if c.ID == id {
			exported = evs
		}
		return nil
	}); err != nil || !sameJSON(t, exported, after) {
		t.Errorf("the export walk reads the case differently (%v)", err)
	}
	_, lean, err := s.StatsData()
	if err != nil || len(lean[id]) != len(after) {
		t.Errorf("the dashboard's read: %d events of case %d (want %d), %v", len(lean[id]), id, len(after), err)
	}
	for i, e := range lean[id] {
		if int(e.Seq) != i+1 {
			t.Errorf("the dashboard's read: event %d has seq %d", i+1, e.Seq)
		}
	}
	s.Close()
	// The next writable open of a file keeps it as it is (schema 4 is not converted
	// again); a conversion from schema 3 folds such a case into one frame — foldCase,
	// covered by TestConvertSchema3 — and check stays clean on the reopened file.
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p := s.Check(); len(p) != 0 {
		t.Errorf("check after reopening: %v", p)
	}
}

func sameJSON(t *testing.T, a, b []workflow.Event) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
