package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// FoldStored folds stored (sealed) events as Check does, for tests that forge a
// consistent history behind the store's back; c is the stored case.
func FoldStored(evs []workflow.Event, c workflow.Case) (workflow.Case, error) {
	s := &Store{rules: workflow.DefaultRules(), keys: &keyring{}}
	return s.replayStored(evs, &c)
}

// ResultsFromOpenRows is Results with the open figures read from the open cases'
// entries in the results bucket, as while the summaries are still loading at open.
func ResultsFromOpenRows(s *Store, p workflow.Period, now time.Time) (workflow.Results, error) {
	kept := false
	if err := s.view(func(tx kv.Tx) error { kept = s.openRowsKept(tx); return nil }); err != nil {
		return workflow.Results{}, err
	}
	if !kept {
		return workflow.Results{}, errors.New("the results bucket has no open cases' entries")
	}
	return s.results(p, now, true)
}

// OpenRowsKept reports whether the results bucket has the open cases' entries.
func OpenRowsKept(s *Store) bool {
	kept := false
	_ = s.view(func(tx kv.Tx) error { kept = s.openRowsKept(tx); return nil })
	return kept
}

// PGPool is the connection pool of a store on PostgreSQL (nil on bbolt), for benchmarks
// that watch the database's sessions.
func (s *Store) PGPool() *pgxpool.Pool {
	if d, ok := s.db.(*kv.PG); ok {
		return d.Pool()
	}
	return nil
}

// FillWriterPool leaves n connections idle in the writer pool of a store on PostgreSQL
// (acquired together, then released), as a node that has had n commits at once has.
func FillWriterPool(t testing.TB, s *Store, n int) {
	d, ok := s.db.(*kv.PG)
	if !ok {
		t.Fatal("not a store on PostgreSQL")
	}
	var conns []*pgxpool.Conn
	for range n {
		c, err := d.WritePool().Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Release()
	}
}

// OpenDueAgainstRebuild makes the open cases' part of the results for the current
// snapshot as the dashboard does (derived from the previous snapshot's when that one was
// made: derived true), and compares it with one made afresh from every case.
func OpenDueAgainstRebuild(s *Store) (derived bool, open int, err error) {
	sn := s.Snapshot()
	derived = sn.views.duePrev != nil
	got := s.openDue(sn)
	want := newOpenDueSet()
	for sm := range sn.All() { // counted and sorted the plain way
		if !sm.Stage.Terminal() {
			want.open++
			want.openBy[sm.Owner]++
			if e, ok := dueEntry(sm.ID, sm.Due); ok {
				e.owner = want.owner(sm.Owner)
				want.due = append(want.due, e)
			}
		}
	}
	slices.SortFunc(want.due, openDueEntry.before)
	if got.open != want.open || !maps.Equal(got.openBy, want.openBy) {
		return derived, want.open, fmt.Errorf("open %d by %v, made afresh %d by %v", got.open, got.openBy, want.open, want.openBy)
	}
	if len(got.due) != len(want.due) {
		return derived, want.open, fmt.Errorf("%d deadlines, made afresh %d", len(got.due), len(want.due))
	}
	for i := range got.due {
		g, w := got.due[i], want.due[i]
		if g.sec != w.sec || g.nsec != w.nsec || g.id != w.id || got.owners[g.owner] != want.owners[w.owner] {
			return derived, want.open, fmt.Errorf("deadline %d: case %d of %s, made afresh case %d of %s", i, g.id, got.owners[g.owner], w.id, want.owners[w.owner])
		}
	}
	return derived, want.open, nil
}

// SetAfterSave runs fn inside a commit's transaction after each case is written (nil:
// no longer), so a test can make another transaction commit while this one is open.
func SetAfterSave(s *Store, fn func(*workflow.Case) error) { s.afterSave = fn }

// RebuildResults builds the results table's aggregates anew, as the first open of a
// case base in an older layout does.
func RebuildResults(s *Store) error { return s.buildResults(0) }

// WaitIndexed waits until s has loaded every case and built its search index at open,
// as the file's benchmarks do before they time anything (Snapshot alone waits for the
// cases, not for the index built behind them).
func WaitIndexed(s *Store) { s.Snapshot().waitIndexed() }
