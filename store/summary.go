package store

import (
	"encoding/json"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
	"repairdesk/workflow/search"
)

// Summary is the compact form of a case the queues draw from. It is kept for every case
// in memory, shared by every session, and persisted so start-up never reads whole cases.
type Summary struct {
	ID         uint32           `json:"i"`
	No         string           `json:"n"`
	Version    int              `json:"v"`
	Stage      workflow.Stage   `json:"s"`
	Enterprise string           `json:"e"`
	CreditCode string           `json:"c"`
	Agent      string           `json:"a"`
	RecordType string           `json:"t"`
	Sources    []string         `json:"src,omitempty"`
	Owner      string           `json:"o"`
	UpdatedAt  time.Time        `json:"u"`
	UpdatedBy  string           `json:"ub"`
	ReceivedAt time.Time        `json:"r"`
	StageSince time.Time        `json:"ss"`
	ClosedAt   time.Time        `json:"ca,omitzero"`
	Pauses     []workflow.Pause `json:"p,omitempty"`
	NoticeDue  time.Time        `json:"nd,omitzero"`
	Blocked    []string         `json:"b,omitempty"` // who may not approve (investigators, proposer)

	// Due is computed from the current SLA settings, not stored.
	Due workflow.Due `json:"-"`
}

func summarise(c *workflow.Case) Summary {
	s := Summary{ID: c.ID, No: c.No, Version: c.Version, Stage: c.Stage, Enterprise: c.Enterprise.Name,
		CreditCode: c.Enterprise.CreditCode, Agent: c.Agent.Name, Owner: c.Owner, UpdatedAt: c.UpdatedAt,
		UpdatedBy: c.UpdatedBy, ReceivedAt: c.ReceivedAt, StageSince: c.StageSince, ClosedAt: c.ClosedAt,
		Pauses: c.Pauses}
	if len(c.Records) > 0 {
		s.RecordType = c.Records[0].Type
	}
	for _, r := range c.Records {
		if !slices.Contains(s.Sources, r.Source) {
			s.Sources = append(s.Sources, r.Source)
		}
	}
	if k := len(c.Notices); k > 0 {
		s.NoticeDue = c.Notices[k-1].Deadline
	}
	s.Blocked = append(slices.Clone(c.Investigators), c.Proposer)
	return s
}

// asCase rebuilds just enough of a case for the SLA to compute its deadline.
func (sm *Summary) asCase() workflow.Case {
	c := workflow.Case{Stage: sm.Stage, StageSince: sm.StageSince, ReceivedAt: sm.ReceivedAt, Pauses: sm.Pauses}
	for i, src := range sm.Sources {
		r := workflow.Record{Source: src}
		if i == 0 {
			r.Type = sm.RecordType
		}
		c.Records = append(c.Records, r)
	}
	if !sm.NoticeDue.IsZero() {
		c.Notices = []workflow.Notice{{Deadline: sm.NoticeDue}}
	}
	return c
}

// MayApprove reports whether name is allowed by four-eyes to decide this case.
func (sm *Summary) MayApprove(name string) bool { return !slices.Contains(sm.Blocked, name) }

// Snapshot is an immutable view of every case summary, newest case first. Sessions hold a
// snapshot and ask for a new one when the store announces a change.
type Snapshot struct {
	Gen  uint64
	List []*Summary
	byID map[uint32]int
}

// Get finds a summary by case id.
func (sn *Snapshot) Get(id uint32) (*Summary, bool) {
	i, ok := sn.byID[id]
	if !ok {
		return nil, false
	}
	return sn.List[i], true
}

// Snapshot returns the current summaries.
func (s *Store) Snapshot() *Snapshot { return s.snap.Load() }

func (s *Store) loadSummaries() error {
	var list []*Summary
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSums)
		list = make([]*Summary, 0, b.Stats().KeyN)
		return b.ForEach(func(k, v []byte) error {
			sm := new(Summary)
			if err := json.Unmarshal(v, sm); err != nil {
				return err
			}
			list = append(list, sm)
			return nil
		})
	})
	if err != nil {
		return err
	}
	st := s.Settings()
	cal := st.Calendar()
	docs := make([]search.Doc, 0, len(list))
	for _, sm := range list {
		c := sm.asCase()
		sm.Due = st.SLA.DueOf(&c, cal)
		docs = append(docs, docOf(sm))
	}
	slices.Reverse(list) // keys ascend by id; newest first
	s.index.Upsert(docs...)
	s.sumMu.Lock()
	s.install(list)
	s.sumMu.Unlock()
	return nil
}

func docOf(sm *Summary) search.Doc {
	return search.Doc{ID: sm.ID, Fields: []string{sm.No, sm.Enterprise, sm.CreditCode, sm.Agent}}
}

func (s *Store) install(list []*Summary) {
	byID := make(map[uint32]int, len(list))
	for i, sm := range list {
		byID[sm.ID] = i
	}
	var gen uint64
	if old := s.snap.Load(); old != nil {
		gen = old.Gen + 1
	}
	s.snap.Store(&Snapshot{Gen: gen, List: list, byID: byID})
}

// refresh replaces one case's summary in a new snapshot (copy-on-write: readers keep theirs).
func (s *Store) refresh(c *workflow.Case) {
	sm := summarise(c)
	st := s.Settings()
	cc := sm.asCase()
	sm.Due = st.SLA.DueOf(&cc, st.Calendar())
	s.sumMu.Lock()
	defer s.sumMu.Unlock()
	old := s.snap.Load()
	var list []*Summary
	if i, ok := old.byID[c.ID]; ok {
		list = slices.Clone(old.List)
		list[i] = &sm
		s.snap.Store(&Snapshot{Gen: old.Gen + 1, List: list, byID: old.byID})
	} else {
		list = make([]*Summary, 0, len(old.List)+1)
		list = append(list, &sm)
		list = append(list, old.List...)
		s.install(list)
	}
	s.index.Upsert(docOf(&sm))
}

// recomputeDue refreshes every deadline after the SLA or calendar changed.
func (s *Store) recomputeDue() {
	st := s.Settings()
	cal := st.Calendar()
	s.sumMu.Lock()
	defer s.sumMu.Unlock()
	old := s.snap.Load()
	if old == nil {
		return
	}
	list := make([]*Summary, len(old.List))
	for i, sm := range old.List {
		n := *sm
		c := n.asCase()
		n.Due = st.SLA.DueOf(&c, cal)
		list[i] = &n
	}
	s.snap.Store(&Snapshot{Gen: old.Gen + 1, List: list, byID: old.byID})
}

// Search runs the shared index (case number, enterprise, credit code, agent; pinyin too).
func (s *Store) Search(query string, within []uint32, limit int) ([]search.Match, int) {
	return s.index.Search(query, within, limit)
}
