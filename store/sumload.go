package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"repairdesk/store/kv"
	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// readSummaries decodes the summaries bucket, oldest case first. Summaries that are
// unreadable or missing are rebuilt from their cases; stale lists the ids whose stored
// form is not the current layout (JSON or rebuilt), for the caller to write back.
func readSummaries(tx kv.Tx, mem MemoryHints) (list []*Summary, stale []uint32, err error) {
	type raw struct {
		id uint32
		v  []byte // points into the mapped file: valid during tx
	}
	var raws []raw
	// Decoding allocates about 100 MB that all stays live. With the collector on, the
	// heap doubles from a few MB a dozen times, each time marking everything decoded so
	// far: 100 ms of a cold start, for no garbage. The program may hold the collector off
	// meanwhile (MemoryHints.Hold); the store does not touch process-wide settings.
	if mem.Hold != nil {
		defer mem.Hold()()
	}
	b := tx.Bucket(bSums)
	prefetch(tx, b)
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) == 4 {
			raws = append(raws, raw{binary.BigEndian.Uint32(k), v})
		}
	}
	// Decode in parallel: each worker takes blocks of consecutive summaries.
	slab := make([]Summary, len(raws))
	list = make([]*Summary, len(raws))
	bad := make([]bool, len(raws))
	const block = 2048
	blocks := (len(raws) + block - 1) / block
	var g errgroup.Group
	var next sync.Mutex
	nb := 0
	workers := min(runtime.GOMAXPROCS(0), max(blocks, 1))
	for range workers {
		g.Go(func() error {
			var d sumDecoder
			// The values point into the mapped file: a damage there is an error, not a crash.
			return shieldDB(boltOf(tx), pathOf(tx), string(bSums), 0, func() error {
				for {
					next.Lock()
					p := nb
					nb++
					next.Unlock()
					if p >= blocks {
						return nil
					}
					for i := p * block; i < min((p+1)*block, len(raws)); i++ {
						sm := &slab[i]
						list[i] = sm
						v := raws[i].v
						switch {
						case len(v) > 0 && v[0] == sumLayout:
							bad[i] = d.decode(v, sm) != nil || sm.ID != raws[i].id
						case len(v) > 0 && v[0] == '{':
							*sm = Summary{}
							bad[i] = json.Unmarshal(v, sm) != nil || sm.ID != raws[i].id
						default:
							bad[i] = true
						}
					}
				}
			})
		})
	}
	// The first damage a decoder met.
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	for i, r := range raws {
		switch {
		case bad[i]:
			sm, err := summaryFromCase(tx, r.id)
			if errors.Is(err, ErrNotFound) { // a summary without a case: not shown
				list[i] = nil
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			list[i] = sm
			stale = append(stale, r.id)
		case r.v[0] != sumLayout:
			stale = append(stale, r.id)
		}
	}
	list = slices.DeleteFunc(list, func(sm *Summary) bool { return sm == nil })
	// Case ids run from 1 to the cases bucket's sequence: a missing summary is rebuilt.
	if seq := tx.Bucket(bCases).Sequence(); uint64(len(list)) < seq {
		have := make(map[uint32]bool, len(list))
		for _, sm := range list {
			have[sm.ID] = true
		}
		for id := uint32(1); uint64(id) <= seq; id++ {
			if have[id] {
				continue
			}
			sm, err := summaryFromCase(tx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			list = append(list, sm)
			stale = append(stale, id)
		}
		slices.SortFunc(list, func(a, b *Summary) int { return int(int64(a.ID) - int64(b.ID)) })
	}
	return list, stale, nil
}

func summaryFromCase(tx kv.Tx, id uint32) (*Summary, error) {
	raw := tx.Bucket(bCases).Get(u32(id))
	if raw == nil {
		return nil, ErrNotFound
	}
	var c workflow.Case
	if err := unmarshalValue(raw, &c); err != nil {
		return nil, fmt.Errorf("case %d is unreadable, so is its summary: %w", id, err)
	}
	sm := summarise(&c)
	return &sm, nil
}

func (s *Store) loadSummaries() error {
	var list []*Summary
	var stale []uint32
	err := s.view(func(tx kv.Tx) error {
		var err error
		list, stale, err = readSummaries(tx, s.opts.Memory)
		return err
	})
	if err != nil {
		return err
	}
	if len(stale) > 0 && !s.opts.ReadOnly {
		// Store the current layout, so the next start-up decodes them quickly.
		err := s.update(func(tx kv.Tx) error {
			b := tx.Bucket(bSums)
			for _, id := range stale {
				i, ok := slices.BinarySearchFunc(list, id, func(sm *Summary, id uint32) int { return int(int64(sm.ID) - int64(id)) })
				if !ok {
					continue
				}
				sm := list[i]
				if sm.IDH == "" { // rebuilt or older summaries: add the ID number's keyed hash
					var c struct {
						Agent workflow.Agent `json:"agent"`
					}
					if raw := tx.Bucket(bCases).Get(u32(id)); raw != nil && unmarshalValue(raw, &c) == nil {
						sm.IDH = s.keys.idToken(id, c.Agent.IDNumber)
					}
				}
				// A fresh buffer each time: bbolt keeps the slice given to Put until commit.
				buf := encodeSummary(nil, sm)
				if err := b.Put(u32(id), buf); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	slices.Reverse(list) // oldest first → newest first
	st := s.Settings()
	cal := st.Calendar()
	parallel(len(list), func(lo, hi int) {
		for _, sm := range list[lo:hi] {
			sm.Due = sm.dueOf(st, cal)
		}
	})
	// The queues can be drawn now. The search index (pinyin, packed haystacks: the larger
	// part of start-up) is built in the background; Search and later index updates wait
	// for it, so nothing ever sees it half built.
	s.sumMu.Lock()
	defer s.sumMu.Unlock()
	old := s.snap.Load()
	old.waitIndexed() // a bulk load (BulkLoad) loads a second time
	var gen uint64
	if old != nil {
		gen = old.Gen + 1
	}
	done := make(chan struct{})
	s.snap.Store(&Snapshot{Gen: gen, t: tableOf(list), indexed: done, views: &views{}, log: &changeLog{}})
	go func() {
		defer close(done)
		docs := make([]search.Doc, len(list))
		fields := make([]string, 4*len(list))
		for i, sm := range list {
			f := fields[4*i : 4*i+4 : 4*i+4]
			f[0], f[1], f[2], f[3] = sm.No, sm.Enterprise, sm.CreditCode, sm.Agent
			docs[i] = search.Doc{ID: sm.ID, Fields: f}
		}
		s.index.Upsert(docs...)
		if len(list) >= bigLoad && s.opts.Memory.Settled != nil {
			// Loading and indexing leave tens of MB of garbage the runtime keeps for
			// reuse and hands back to the OS only over the next minutes; a server holds
			// on to the memory it reports for its whole life: the program may hand it
			// back now.
			docs, fields = nil, nil
			s.opts.Memory.Settled()
		}
	}()
	return nil
}

// bigLoad is the size of a load after which MemoryHints.Settled is called (tests open
// many small stores).
const bigLoad = 20_000

// parallel runs f over [0, n) in one share per CPU.
func parallel(n int, f func(lo, hi int)) {
	_ = parallelErr(n, func(lo, hi int) error { f(lo, hi); return nil })
}

// parallelErr runs f over [0, n) in one share per CPU and returns the first error a
// share returned (every share runs to its end either way).
func parallelErr(n int, f func(lo, hi int) error) error {
	w := min(runtime.GOMAXPROCS(0), max(n/4096, 1))
	var g errgroup.Group
	for k := range w {
		lo, hi := n*k/w, n*(k+1)/w
		g.Go(func() error { return f(lo, hi) })
	}
	return g.Wait()
}
