package store

import (
	"errors"
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
	if err := s.view(func(tx kv.Tx) error { kept = openRowsKept(tx); return nil }); err != nil {
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
	_ = s.view(func(tx kv.Tx) error { kept = openRowsKept(tx); return nil })
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

// SetAfterSave runs fn inside a commit's transaction after each case is written (nil:
// no longer), so a test can make another transaction commit while this one is open.
func SetAfterSave(s *Store, fn func(*workflow.Case) error) { s.afterSave = fn }

// RebuildResults builds the results table's aggregates anew, as the first open of a
// case base in an older layout does.
func RebuildResults(s *Store) error { return s.buildResults(0) }
