package store_test

import (
	"encoding/binary"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// openEntries lists the open cases' entries of the results bucket (0 | 'o' | id).
func openEntries(t *testing.T, path string) map[uint32][]byte {
	t.Helper()
	out := map[uint32][]byte{}
	for _, k := range resultsRows(t, path) {
		if len(k) == 6 && k[0] == 0 && k[1] == 'o' {
			out[binary.BigEndian.Uint32(k[2:])] = nil
		}
	}
	return out
}

// TestDashboardWhileLoadingNeedsNoSummary: in a fresh process the dashboard's figures
// come while the summaries are still loading (the open cases from their entries in the
// results bucket), and they are the full scan's. Before, Results waited for the whole
// load (at 100,000 cases most of a cold dashboard's 0.5 s).
func TestDashboardWhileLoadingNeedsNoSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := office.GenerateDemo(s, 300, 5); err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	s.Close()
	paused, release := make(chan int, 1), make(chan struct{})
	first := true
	s, err = store.Open(path, store.Options{LoadFirst: 20, LoadPause: func(done int) {
		if first {
			first = false
			paused <- done
			<-release
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
		s.Close()
	}()
	<-paused
	if sn := s.SnapshotSoFar(); sn.Len() >= 300 {
		t.Fatalf("the load is not paused: %d cases loaded", sn.Len())
	}
	p, err := workflow.ParsePeriod("year", now)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		r   workflow.Results
		err error
	}
	got := make(chan answer, 1)
	go func() {
		r, err := s.Results(p, now)
		got <- answer{r, err}
	}()
	var a answer
	select {
	case a = <-got:
	case <-time.After(20 * time.Second):
		close(release)
		released = true
		t.Fatal("the dashboard waited for the summaries' load")
	}
	if a.err != nil {
		t.Fatal(a.err)
	}
	close(release)
	released = true
	want, err := s.ResultsFullScan(p, now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.r, want) {
		t.Fatalf("while loading: %+v\nfull scan: %+v", a.r, want)
	}
	if want.Open == 0 {
		t.Fatal("the demo has no open case: the test compares nothing")
	}
}

// TestLayout4GetsOpenEntriesOnce: aggregates of layout "4" (written before the open
// cases' entries) are not rebuilt: one pass over the cases adds the entries, once, and
// the figures and check hold.
func TestLayout4GetsOpenEntriesOnce(t *testing.T) {
	path, clk := closedDemo200(t)
	before := openEntries(t, path)
	if len(before) == 0 {
		t.Fatal("a new file has no open cases' entries")
	}
	// Layout "4", with one entry left behind by a pass that was cut off, of a case that
	// is closed now: the pass must not keep it.
	var closed uint32
	for id := uint32(1); id <= 200 && closed == 0; id++ {
		if _, open := before[id]; !open {
			closed = id
		}
	}
	tamper(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("results"))
		var kept []byte
		for id := range before {
			k := append([]byte{0, 'o'}, binary.BigEndian.AppendUint32(nil, id)...)
			kept = append([]byte(nil), b.Get(k)...)
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		if err := b.Put(append([]byte{0, 'o'}, binary.BigEndian.AppendUint32(nil, closed)...), kept); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("results.version"), []byte("4"))
	})
	// Read-only, it is read as it is (the open figures from the summaries), and check
	// does not ask for entries it cannot have.
	ro, err := store.Open(path, store.Options{ReadOnly: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if !ro.ResultsKept() {
		t.Fatal("a file of layout 4 opened read-only is not read from its aggregates")
	}
	sameResults(t, ro, ro.Now())
	if probs := ro.Check(); len(probs) != 0 {
		t.Fatalf("check of a layout-4 file: %v", probs)
	}
	ro.Close()

	rw := openOnlyOpenPass(t, path, clk)
	sameResults(t, rw, rw.Now())
	if probs := rw.Check(); len(probs) != 0 {
		t.Fatalf("check: %v", probs)
	}
	rw.Close()
	if after := openEntries(t, path); !reflect.DeepEqual(after, before) {
		t.Errorf("%d open cases' entries after the pass, %d written with the cases", len(after), len(before))
	}
	again, calls := openHearingBuild(t, path, clk)
	again.Close()
	if len(calls) != 0 {
		t.Errorf("a second open built again: %v", calls)
	}
}

// TestCheckFindsOpenEntryDamage: check recomputes the open cases' entries from the cases
// and names the case whose entry differs or is missing, or that has one but is closed.
func TestCheckFindsOpenEntryDamage(t *testing.T) {
	s, path, _ := newStore(t)
	if err := office.GenerateDemo(s, 120, 3); err != nil {
		t.Fatal(err)
	}
	var open, other, closed uint32
	for sm := range s.Snapshot().All() {
		switch {
		case sm.Stage.Terminal():
			closed = sm.ID
		case open == 0:
			open = sm.ID
		case other == 0 && sm.Owner != "":
			other = sm.ID
		}
	}
	s.Close()
	if open == 0 || other == 0 || closed == 0 {
		t.Fatal("the demo lacks open or closed cases")
	}
	key := func(id uint32) []byte { return append([]byte{0, 'o'}, binary.BigEndian.AppendUint32(nil, id)...) }
	tamper(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("results"))
		v := append([]byte(nil), b.Get(key(other))...)
		if err := b.Put(key(open), v); err != nil { // another case's stage, owner and dates
			return err
		}
		if err := b.Delete(key(other)); err != nil {
			return err
		}
		return b.Put(key(closed), v)
	})
	ro, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var found []string
	for _, p := range ro.Check() {
		found = append(found, p.What)
	}
	all := strings.Join(found, "\n")
	for _, want := range []string{
		"open case " + itoa(open) + ": stored",
		"open case " + itoa(other) + ": missing",
		"open case " + itoa(closed) + ": stored",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("check does not say %q:\n%s", want, all)
		}
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// openOnlyOpenPass opens path for writing and fails the test unless the open's one long
// piece of work was the open cases' pass (results_open): no rebuild, no conversion.
func openOnlyOpenPass(t *testing.T, path string, clk *testClock) *store.Store {
	t.Helper()
	var heard []string
	rw, err := store.Open(path, store.Options{Now: clk.Now, Progress: func(what string, done, total int64) {
		if len(heard) == 0 || heard[len(heard)-1] != what {
			heard = append(heard, what)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(heard, []string{"results_open"}) {
		t.Errorf("the open heard %v, want only the open cases' pass", heard)
	}
	return rw
}
