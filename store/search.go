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
	s.waitIndex()
	return s.index.Search(query, within, limit)
}

// SearchIn is Search within a prepared subset of the cases (the rows of a tab), for
// repeated searches in it.
func (s *Store) SearchIn(query string, sub *search.Subset, limit int) ([]search.Match, int) {
	if ms, ok := s.searchIDNumber(query); ok {
		return ms, len(ms)
	}
	s.waitIndex()
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

// SearchNarrow is SearchIn narrowing a growing query within the whole set of an earlier
// query's matches (search.Matches, returned for the next keystroke): the same answer as
// SearchIn. A whole ID number is answered as by SearchIn, and keeps no set.
func (s *Store) SearchNarrow(query string, sub *search.Subset, limit int, prev ...*search.Matches) ([]search.Match, int, *search.Matches) {
	if ms, ok := s.searchIDNumber(query); ok {
		return ms, len(ms), nil
	}
	s.waitIndex()
	return s.index.SearchNarrow(query, sub, limit, prev...)
}

// CountIn counts a query's matches in each of subs (nil: every case) in one pass, except
// the ids of except, narrowing within prev and scanning only outside have's scope when it
// can (search.Index.CountIn). A whole ID number's cases are counted where they are, and
// keep no set.
func (s *Store) CountIn(query string, subs []*search.Subset, except [][]uint32, have, prev *search.Matches) ([]int, *search.Matches) {
	if ms, ok := s.searchIDNumber(query); ok {
		out := make([]int, len(subs))
		skip := map[uint32]bool{}
		for _, ids := range except {
			for _, id := range ids {
				skip[id] = true
			}
		}
		for i, sub := range subs {
			var in search.IDSet
			if sub != nil {
				in = sub.Set()
			}
			for _, m := range ms {
				if !skip[m.ID] && (sub == nil || in.Has(m.ID)) {
					out[i]++
				}
			}
		}
		return out, nil
	}
	s.waitIndex()
	return s.index.CountIn(query, subs, except, have, prev)
}
