package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// demoStore is a new store with a demo office of n cases.
func demoStore(t testing.TB, n int, seed uint64) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := Demo.Generate(s, n, seed); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStatsData: the dashboard's data equals what ForStats keeps of every case and
// StatEventOf of every stored event fully decoded, on a demo store with every stage and
// letter kind; every kind and stage the store wrote has its code.
func TestStatsData(t *testing.T) {
	s := demoStore(t, 300, 3)
	cases, lean, err := s.StatsData()
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != len(all) {
		t.Fatalf("%d cases, want %d", len(cases), len(all))
	}
	for i := range all {
		a, _ := json.Marshal(cases[i])
		b, _ := json.Marshal(all[i].ForStats())
		if string(a) != string(b) {
			t.Fatalf("case %d differs:\n%s\n%s", all[i].ID, a, b)
		}
	}
	full, err := s.AllEvents()
	if err != nil {
		t.Fatal(err)
	}
	if len(lean) != len(full) {
		t.Fatalf("events of %d cases, want %d", len(lean), len(full))
	}
	n := 0
	for id, evs := range full {
		got := lean[id]
		if len(got) != len(evs) {
			t.Fatalf("case %d: %d events, want %d", id, len(got), len(evs))
		}
		for i, ev := range evs {
			g := got[i]
			if g != workflow.StatEventOf(&ev) || !g.Is(ev.Kind) || g.Left() != ev.From || g.Entered() != ev.To || !g.Time().Equal(ev.At) || int(g.Seq) != ev.Seq {
				t.Fatalf("case %d event %d: %+v, want %+v", id, i, g, ev)
			}
			n++
		}
	}
	if n < 1000 {
		t.Fatalf("only %d events compared", n)
	}
	// Every event the store wrote takes the fast path.
	var d leanDecoder
	slow := 0
	err = s.db.View(func(tx kv.Tx) error {
		return eachStoredEvent(tx.Bucket(bEvents), func(_ uint32, _ int, js []byte) error {
			if _, ok := d.fast(js); !ok {
				slow++
			}
			return nil
		})
	})
	if err != nil || slow > 0 {
		t.Fatalf("%d stored events missed the fast path (%v)", slow, err)
	}
}

// TestLeanDecoder: the fast reading of an event's front agrees with encoding/json, and
// whatever it does not recognise goes to encoding/json.
func TestLeanDecoder(t *testing.T) {
	at := time.Date(2026, 3, 10, 9, 30, 15, 123456789, workflow.ChinaTZ)
	evs := []workflow.Event{
		{CaseID: 7, Seq: 1, Kind: workflow.ActCreate, Actor: "wangfang", At: at, To: workflow.StageFormalReview},
		{CaseID: 4000000, Seq: 12, Kind: workflow.ActAccept, Actor: "li.jun-2", At: at.UTC(), From: workflow.StageFormalReview, To: workflow.StageInvestigating,
			Comment: `"to":"closed" 引号与\反斜杠`, Letter: &workflow.Letter{Kind: "receipt", Body: `{"case_id":1}`}},
		{CaseID: 9, Seq: 3, Kind: workflow.ActComment, Actor: "wang\"fang", At: at, From: workflow.StageInvestigating, To: workflow.StageInvestigating},
	}
	var d leanDecoder
	for i, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		_, fast := d.fast(b)
		if want := i < 2; fast != want { // the escaped actor is left to encoding/json
			t.Errorf("event %d: fast path %v, want %v: %s", i, fast, want, b)
		}
		got, err := d.decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.CaseID != ev.CaseID || got.Seq != ev.Seq || got.Kind != ev.Kind || !got.At.Equal(ev.At) || got.From != ev.From || got.To != ev.To {
			t.Errorf("event %d: %+v, want %+v", i, got, ev)
		}
	}
	for _, odd := range []string{
		`{ "case_id": 3, "seq": 2, "kind": "comment", "at": "2026-03-10T09:00:00+08:00", "to": "investigating" }`,
		`{"seq":2,"case_id":3,"kind":"comment","actor":"x","at":"2026-03-10T09:00:00+08:00","to":"investigating"}`,
	} {
		if _, fast := d.fast([]byte(odd)); fast {
			t.Errorf("the fast path took non-canonical JSON: %s", odd)
		}
		got, err := d.decode([]byte(odd))
		if err != nil || got.CaseID != 3 || got.Seq != 2 || got.To != workflow.StageInvestigating {
			t.Errorf("%s: %+v, %v", odd, got, err)
		}
	}
	if _, err := d.decode([]byte(`{"case_id":`)); err == nil {
		t.Error("a cut event decoded without error")
	}
}

// TestEachCaseBatches: over several batches the cases come in id order with their own
// events, since filters, and an error from fn stops the walk and is returned.
func TestEachCaseBatches(t *testing.T) {
	s := demoStore(t, 700, 5)
	all, err := s.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint32
	err = s.EachCase(time.Time{}, true, func(c workflow.Case, evs []workflow.Event) error {
		ids = append(ids, c.ID)
		if len(evs) == 0 || len(evs) != c.Version {
			return fmt.Errorf("case %d: %d events at version %d", c.ID, len(evs), c.Version)
		}
		for i, ev := range evs {
			if ev.CaseID != c.ID || ev.Seq != i+1 {
				return fmt.Errorf("case %d got event %d of case %d", c.ID, ev.Seq, ev.CaseID)
			}
		}
		return nil
	})
	if err != nil || len(ids) != len(all) || !slices.IsSorted(ids) {
		t.Fatalf("%d cases in order %v: %v", len(ids), slices.IsSorted(ids), err)
	}
	since := all[len(all)/2].ReceivedAt
	want := 0
	for _, c := range all {
		if !c.ReceivedAt.Before(since) {
			want++
		}
	}
	n := 0
	if err := s.EachCase(since, false, func(workflow.Case, []workflow.Event) error { n++; return nil }); err != nil || n != want {
		t.Fatalf("since: %d cases, want %d (%v)", n, want, err)
	}
	stop := errors.New("enough")
	n = 0
	err = s.EachCase(time.Time{}, true, func(workflow.Case, []workflow.Event) error {
		if n++; n == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 300 {
		t.Fatalf("stopping at 300: %d calls, %v", n, err)
	}
}
