package store

import (
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// Search runs the shared index (case number, enterprise, credit code, agent; pinyin too).
func (s *Store) Search(query string, within []uint32, limit int) ([]search.Match, int) {
	if ms, ok := s.searchIDNumber(query); ok {
		return ms, len(ms)
	}
	s.snap.Load().waitIndexed()
	return s.index.Search(query, within, limit)
}

// SearchIn is Search within a prepared subset of the cases (the rows of a tab), for
// repeated searches in it.
func (s *Store) SearchIn(query string, sub *search.Subset, limit int) ([]search.Match, int) {
	if ms, ok := s.searchIDNumber(query); ok {
		return ms, len(ms)
	}
	s.snap.Load().waitIndexed()
	return s.index.SearchIn(query, sub, limit)
}

// searchIDNumber answers a query that is a whole, valid ID number by its keyed hash: the
// cases whose agent holds it. Part of a number finds nothing, by design.
func (s *Store) searchIDNumber(query string) ([]search.Match, bool) {
	id, fe := workflow.ValidateIDNumber(query, s.opts.Now())
	if fe != nil {
		return nil, false
	}
	tok := s.keys.idToken(0, id)
	if tok == "" {
		return nil, true // no key: nothing can be matched, and nothing is leaked
	}
	// within is ignored: it narrows a growing text query, and a whole ID number is not
	// found by its prefixes (they match nothing on purpose).
	var out []search.Match
	for sm := range s.Snapshot().All() {
		if sm.IDH == tok {
			out = append(out, search.Match{ID: sm.ID, Score: search.ExactBonus})
		}
	}
	return out, true
}
