package store

import (
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
)

// TestCheckEventIsEventWithoutLetters: every event of a demo file decoded as Check
// decodes it (checkEvent) is the event decoded whole, but for its letters and its list
// of changes — so the replay, the fold and the results see what they saw before.
func TestCheckEventIsEventWithoutLetters(t *testing.T) {
	w := demoStore(t, 150, 5)
	path := w.path
	w.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events, letters, changes := 0, 0, 0
	err = db.View(func(tx *bolt.Tx) error {
		for id := uint32(1); id <= 150; id++ {
			evs, err := EventsOf(tx.Bucket(bEvents), id)
			if err != nil {
				return err
			}
			for _, js := range evs {
				var full workflow.Event
				if err := decodeJSON(js, &full); err != nil {
					return err
				}
				var lean checkEvent
				if err := decodeJSON(js, &lean); err != nil {
					return err
				}
				if full.Letter != nil || len(full.Also) > 0 {
					letters++
					if lean.Letter == nil {
						t.Errorf("case %d event %d: the letter's place is not marked", id, full.Seq)
					}
				}
				if lean.Event.Letter != nil || lean.Event.Also != nil {
					t.Errorf("case %d event %d: the letters were decoded", id, full.Seq)
				}
				if len(full.Changes) > 0 {
					changes++
					if len(lean.Changes) != len(full.Changes) {
						t.Errorf("case %d event %d: %d changes passed over, want %d", id, full.Seq, len(lean.Changes), len(full.Changes))
					}
				}
				if lean.Event.Changes != nil {
					t.Errorf("case %d event %d: the changes were decoded", id, full.Seq)
				}
				full.Letter, full.Also, full.Changes = nil, nil, nil
				if !reflect.DeepEqual(full, lean.Event) {
					t.Errorf("case %d event %d: decoded without letters it differs:\n%+v\n%+v", id, full.Seq, full, lean.Event)
				}
				events++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if letters == 0 || events == 0 || changes == 0 {
		t.Fatalf("%d events, %d with letters, %d with changes: the demo should issue letters and record changes", events, letters, changes)
	}
}
