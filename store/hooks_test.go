package store

import (
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

// PGPool is the connection pool of a store on PostgreSQL (nil on bbolt), for benchmarks
// that watch the database's sessions.
func (s *Store) PGPool() *pgxpool.Pool {
	if d, ok := s.db.(*kv.PG); ok {
		return d.Pool()
	}
	return nil
}
