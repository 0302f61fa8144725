package store_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

var (
	bCases  = []byte("cases")
	bEvents = []byte("events")
)

// evKey is the events bucket's key: 4-byte big-endian case id, 4-byte big-endian seq.
func evKey(id uint32, seq int) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint32(k[:4], id)
	binary.BigEndian.PutUint32(k[4:], uint32(seq))
	return k
}

func caseKey(id uint32) []byte {
	k := make([]byte, 4)
	binary.BigEndian.PutUint32(k, id)
	return k
}

// tamper edits a closed database file directly, behind the store's back.
func tamper(t *testing.T, path string, edit func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	defer db.Close()
	if err := db.Update(edit); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

// rawEvents is the JSON of a case's events as the file holds them.
func rawEvents(t *testing.T, tx *bolt.Tx, id uint32) [][]byte {
	t.Helper()
	evs, err := store.EventsOf(tx.Bucket(bEvents), id)
	if err != nil {
		t.Fatalf("events of case %d: %v", id, err)
	}
	return evs
}

func getEvent(t *testing.T, tx *bolt.Tx, id uint32, seq int) workflow.Event {
	t.Helper()
	evs := rawEvents(t, tx, id)
	if seq < 1 || seq > len(evs) {
		t.Fatalf("no event %d/%d", id, seq)
	}
	var ev workflow.Event
	if err := json.Unmarshal(evs[seq-1], &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// putEvent replaces the seq-th event of case id with ev, in the file's own layout.
func putEvent(t *testing.T, tx *bolt.Tx, id uint32, seq int, ev workflow.Event) error {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return putRawEvent(t, tx, id, seq, b)
}

func putRawEvent(t *testing.T, tx *bolt.Tx, id uint32, seq int, js []byte) error {
	t.Helper()
	evs := rawEvents(t, tx, id)
	evs[seq-1] = js
	return store.PutEvents(tx.Bucket(bEvents), id, evs)
}

// deleteEvent removes the seq-th event of case id (the ones after it move up).
func deleteEvent(t *testing.T, tx *bolt.Tx, id uint32, seq int) error {
	t.Helper()
	evs := rawEvents(t, tx, id)
	return store.PutEvents(tx.Bucket(bEvents), id, append(evs[:seq-1:seq-1], evs[seq:]...))
}

// history builds a closed database with two cases: the victim, with six events each
// carrying a comment, and a bystander with three.
func history(t *testing.T) (path string, victim, bystander uint32) {
	t.Helper()
	s, path, _ := newStore(t)
	v := create(t, s, entA)
	b := create(t, s, entB)
	c, _ := s.Case(v.ID)
	for i, m := range c.Materials[:4] {
		do(t, s, v.ID, wang, workflow.Action{Kind: workflow.ActUpdateMaterial, Comment: fmt.Sprintf("收到第%d份材料", i+1),
			Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
	}
	do(t, s, v.ID, li, workflow.Action{Kind: workflow.ActComment, Comment: "材料核对中"})
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "企业来电"})
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "企业再次来电"})
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("a clean store has problems: %v", p)
	}
	if n := countEvents(t, s, v.ID); n != 6 {
		t.Fatalf("victim has %d events, want 6", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, v.ID, b.ID
}

// checkAfter reopens the tampered file and runs Check; it returns the problems, failing
// if any concern the bystander or if Check panics.
func checkAfter(t *testing.T, path string, bystander uint32) []store.Problem {
	t.Helper()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("Open of a tampered file: %v", err)
	}
	defer s.Close()
	var probs []store.Problem
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("Check panicked on a tampered file: %v", r)
			}
		}()
		probs = s.Check()
	}()
	for _, p := range probs {
		if p.CaseID == bystander {
			t.Errorf("Check blames the untouched case: %s", p)
		}
	}
	return probs
}

// expectOne: exactly one problem for case id, at seq, whose text contains every want.
func expectOne(t *testing.T, probs []store.Problem, id uint32, seq int, want ...string) {
	t.Helper()
	var mine []store.Problem
	for _, p := range probs {
		if p.CaseID == id {
			mine = append(mine, p)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("problems for case %d: %v, want exactly one", id, probs)
	}
	p := mine[0]
	if p.Seq != seq {
		t.Errorf("problem %q is at event %d, want %d", p, p.Seq, seq)
	}
	str := p.String()
	if !strings.Contains(str, fmt.Sprintf("case %d", id)) {
		t.Errorf("problem %q does not name case %d", str, id)
	}
	for _, w := range want {
		if !strings.Contains(str, w) {
			t.Errorf("problem %q lacks %q", str, w)
		}
	}
}

func TestCheckCleanStore(t *testing.T) {
	s, _, _ := newStore(t)
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("an empty store has problems: %v", p)
	}
	a := create(t, s, entA)
	advance(t, s, a.ID, workflow.StageClosed)
	b := create(t, s, entB)
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActRequestMaterials})
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActMaterialsReceived})
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActDecline, Decline: &workflow.Decline{Reason: "whitewash",
		Explanation: "记录真实，不属于修复范围", Avenues: []string{"pbc_complaint", "await_expiry"}, ExpiryDate: "2030-03-01"}})
	c := create(t, s, entC)
	do(t, s, c.ID, chen, workflow.Action{Kind: workflow.ActReassign, Assignee: li.Name})
	do(t, s, c.ID, li, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回"})
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("a clean store has problems: %v", p)
	}
}

func TestCheckAlteredComment(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		ev := getEvent(t, tx, v, 3)
		ev.Comment = "篡改后的备注"
		return putEvent(t, tx, v, 3, ev)
	})
	expectOne(t, checkAfter(t, path, by), v, 3, "event 3", "content altered")
}

func TestCheckAlteredAndRehashed(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		ev := getEvent(t, tx, v, 3)
		ev.Comment, ev.Action.Comment = "篡改", "篡改"
		ev.Hash = store.EventHash(ev) // a careful forger re-hashes the event …
		return putEvent(t, tx, v, 3, ev)
	})
	// … and the next event's link gives it away.
	expectOne(t, checkAfter(t, path, by), v, 4, "event 4", "broken chain")
}

func TestCheckDeletedMiddleEvent(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error { return deleteEvent(t, tx, v, 3) })
	expectOne(t, checkAfter(t, path, by), v, 3, "out of order", "expected event 3", "found event 4")
}

func TestCheckDeletedLastEvent(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error { return deleteEvent(t, tx, v, 6) })
	expectOne(t, checkAfter(t, path, by), v, 0, "differs from the fold")
}

func TestCheckSwappedEvents(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		evs := rawEvents(t, tx, v)
		evs[1], evs[2] = evs[2], evs[1]
		return store.PutEvents(tx.Bucket(bEvents), v, evs)
	})
	expectOne(t, checkAfter(t, path, by), v, 2, "event 2", "out of order")
}

func TestCheckSwappedEventsRenumbered(t *testing.T) {
	path, v, by := history(t)
	// Swap events 2 and 3 and fix their seq fields, so only the chain can tell.
	tamper(t, path, func(tx *bolt.Tx) error {
		e2, e3 := getEvent(t, tx, v, 2), getEvent(t, tx, v, 3)
		e2.Seq, e3.Seq = 3, 2
		if err := putEvent(t, tx, v, 2, e3); err != nil {
			return err
		}
		return putEvent(t, tx, v, 3, e2)
	})
	probs := checkAfter(t, path, by)
	if len(probs) != 1 || probs[0].CaseID != v || probs[0].Seq != 2 {
		t.Fatalf("swapped and renumbered events: %v, want one problem at case %d event 2", probs, v)
	}
}

func TestCheckStageChangedWithoutEvent(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		var c workflow.Case
		if err := json.Unmarshal(valueJSON(t, tx.Bucket(bCases).Get(caseKey(v))), &c); err != nil {
			return err
		}
		c.Stage = workflow.StageInvestigating
		b, _ := json.Marshal(c)
		return tx.Bucket(bCases).Put(caseKey(v), b)
	})
	expectOne(t, checkAfter(t, path, by), v, 0, "differs from the fold", "version 6", "6 events")
}

func TestCheckOrphanEvents(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bCases).Delete(caseKey(v)) })
	expectOne(t, checkAfter(t, path, by), v, 0, "events without a case")
}

func TestCheckCaseWithoutEvents(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		return store.PutEvents(tx.Bucket(bEvents), v, nil)
	})
	expectOne(t, checkAfter(t, path, by), v, 0, "no events")
}

func TestCheckUnreadableEvent(t *testing.T) {
	path, v, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error { return putRawEvent(t, tx, v, 2, []byte("{not json")) })
	expectOne(t, checkAfter(t, path, by), v, 2, "unreadable")
}

// A damaged file must produce a report, not a crash: keys of the wrong length in the
// events and cases buckets are reported as problems.
func TestCheckMalformedKeys(t *testing.T) {
	path, _, by := history(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bEvents).Put([]byte("junk"), []byte("{}")); err != nil {
			return err
		}
		return tx.Bucket(bCases).Put([]byte("x"), []byte("{}"))
	})
	if probs := checkAfter(t, path, by); len(probs) == 0 {
		t.Error("Check found nothing wrong with malformed keys")
	}
}

// ---------------------------------------------------------------------------
// 9. Demo

func TestGenerateDemo(t *testing.T) {
	s, _, _ := newStore(t)
	if err := office.GenerateDemo(s, 200, 1); err != nil {
		t.Fatalf("GenerateDemo: %v", err)
	}
	list := s.Snapshot().List()
	if len(list) != 200 {
		t.Fatalf("%d cases, want 200", len(list))
	}
	for _, st := range office.DemoStaff {
		got, ok := s.Staff(st.Name)
		if !ok || got.Role != st.Role || !got.Active {
			t.Errorf("demo staff %s: %+v %v", st.Name, got, ok)
		}
	}
	stages := map[workflow.Stage]int{}
	nos := map[string]bool{}
	noRe := regexp.MustCompile(`^XF-\d{4}-\d{6}$`)
	for i, sm := range list {
		stages[sm.Stage]++
		if !noRe.MatchString(sm.No) || nos[sm.No] {
			t.Errorf("case number %q malformed or repeated", sm.No)
		}
		nos[sm.No] = true
		if i > 0 && sm.ID >= list[i-1].ID {
			t.Errorf("snapshot not newest first at %d: %d after %d", i, sm.ID, list[i-1].ID)
		}
		c, err := s.Case(sm.ID)
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := s.Events(sm.ID)
		if len(evs) != c.Version || sm.Version != c.Version || sm.Stage != c.Stage || sm.Owner != c.Owner {
			t.Errorf("demo case %s: version %d, %d events, summary v%d %s %s, case %s %s",
				c.No, c.Version, len(evs), sm.Version, sm.Stage, sm.Owner, c.Stage, c.Owner)
		}
		if !sm.Stage.Terminal() && sm.Due.At.IsZero() {
			t.Errorf("open demo case %s at %s has no deadline", sm.No, sm.Stage)
		}
	}
	for _, st := range workflow.Stages {
		if st.Terminal() && st != workflow.StageClosed && st != workflow.StageDeclined {
			continue
		}
		if stages[st] == 0 {
			t.Errorf("no demo case at %s (stages: %v)", st, stages)
		}
	}
	if p := s.Check(); len(p) != 0 {
		t.Errorf("Check after GenerateDemo: %d problems, first %v", len(p), p[:min(len(p), 5)])
	}
	// Interactive work continues the demo's numbering.
	c := create(t, s, entA)
	if nos[c.No] {
		t.Errorf("a new case after the demo reused number %s", c.No)
	}
	if sm := s.Snapshot().List()[0]; sm.ID != c.ID {
		t.Errorf("the new case is not first in the snapshot")
	}
	if m, _ := s.Search(list[7].Enterprise, nil, 50); len(m) == 0 {
		t.Errorf("demo enterprise %s not searchable", list[7].Enterprise)
	}
}

// A case's frame of events damaged in its compressed bytes (or cut short) is reported as
// that case's problem, naming it; the other case is not blamed and nothing panics.
func TestCheckDamagedFrame(t *testing.T) {
	for _, how := range []string{"flipped", "cut", "header"} {
		t.Run(how, func(t *testing.T) {
			path, v, by := history(t)
			tamper(t, path, func(tx *bolt.Tx) error {
				b := tx.Bucket(bEvents)
				frame := append([]byte(nil), b.Get(caseKey(v))...)
				if len(frame) < 40 {
					t.Fatalf("case %d's frame is %d bytes", v, len(frame))
				}
				switch how {
				case "flipped":
					for i := len(frame) / 2; i < len(frame)/2+8; i++ {
						frame[i] ^= 0x5a
					}
				case "cut":
					frame = frame[:len(frame)*2/3]
				case "header":
					frame = frame[:3] // the tag, the dictionary and a first byte of the number
					frame[2] = 0x80
				}
				return b.Put(caseKey(v), frame)
			})
			probs := checkAfter(t, path, by)
			if len(probs) != 1 || probs[0].CaseID != v || !strings.Contains(probs[0].What, "unreadable") {
				t.Fatalf("a %s frame: %v, want one problem of case %d saying it is unreadable", how, probs, v)
			}
		})
	}
}

// TestCheckAlteredChanges: Check decodes events without their lists of changes
// (checkEvent), but a change rewritten behind the store's back is still found: the hash
// covers it.
func TestCheckAlteredChanges(t *testing.T) {
	alterFirst(t, "recorded no change", func(ev *workflow.Event) bool {
		if len(ev.Changes) == 0 {
			return false
		}
		ev.Changes[0].New += "（已改）"
		return true
	})
}

// TestCheckAlteredLetter: Check decodes events without their letters (checkEvent), but
// a letter changed behind the store's back is still found: the hash covers it.
func TestCheckAlteredLetter(t *testing.T) {
	alterFirst(t, "issued no letter", func(ev *workflow.Event) bool {
		if ev.Letter == nil {
			return false
		}
		ev.Letter.Body = strings.Replace(ev.Letter.Body, "。", "！", 1) + "（已改）"
		return true
	})
}

// alterFirst rewrites, behind the store's back and without a new hash, the first event
// of a history that alter changes (it returns false to pass one by), and expects Check
// to find that event's content altered, and nothing else.
func alterFirst(t *testing.T, none string, alter func(*workflow.Event) bool) {
	t.Helper()
	path, v, by := history(t)
	seq := 0
	tamper(t, path, func(tx *bolt.Tx) error {
		for i, js := range rawEvents(t, tx, v) {
			var ev workflow.Event
			if err := json.Unmarshal(js, &ev); err != nil {
				t.Fatal(err)
			}
			if !alter(&ev) {
				continue
			}
			seq = i + 1
			return putEvent(t, tx, v, seq, ev)
		}
		t.Fatal("the victim's history " + none)
		return nil
	})
	expectOne(t, checkAfter(t, path, by), v, seq, fmt.Sprintf("event %d", seq), "content altered")
}
