package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"repairdesk/internal/msg"
	"repairdesk/store/kv"
	"slices"
	"sync/atomic"
	"time"

	"repairdesk/workflow"
)

// ConflictError: the case changed since the caller loaded it. Nothing was written.
type ConflictError struct {
	CaseNo   string
	By       string // display name of who changed it
	At       time.Time
	Expected int
	Current  int
}

func (e *ConflictError) Error() string { return e.Message("en") }

// Message: "changed by 王芳 at 14:32 — reloaded, please check".
func (e *ConflictError) Message(lang string) string {
	at := e.At.In(workflow.ChinaTZ).Format("15:04")
	return msg.T(lang, "store.conflict", e.CaseNo, e.By, at)
}

// Change is what subscribers hear after every commit.
type Change struct {
	CaseID  uint32
	Version int
	Kind    workflow.ActionKind // "" for non-case changes (staff, settings)
	Actor   string
	At      time.Time
	Topic   string // "case", "staff", "settings"
}

// Subscribe returns a channel that receives every change until cancel is called or the
// store closes. Slow readers miss changes rather than block writers: a missed change is
// harmless because a reader always reloads the current state.
func (s *Store) Subscribe() (<-chan Change, func()) {
	ch := make(chan Change, 64)
	s.subMu.Lock()
	id := s.nextID
	s.nextID++
	s.subs[id] = ch
	s.subMu.Unlock()
	return ch, func() {
		s.subMu.Lock()
		if c, ok := s.subs[id]; ok {
			close(c)
			delete(s.subs, id)
		}
		s.subMu.Unlock()
	}
}

func (s *Store) publish(c Change) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- c:
		default:
		}
	}
}

// Case loads one case.
func (s *Store) Case(id uint32) (workflow.Case, error) {
	var c workflow.Case
	err := s.view(func(tx kv.Tx) error {
		raw := tx.Bucket(bCases).Get(u32(id))
		if raw == nil {
			return ErrNotFound
		}
		if err := unmarshalValue(raw, &c); err != nil { // decoding copies: nothing outlives the transaction
			return fmt.Errorf("case %d is unreadable: %w", id, err)
		}
		_ = s.unsealCase(&c) // a field that cannot be decrypted reads as Locked
		return nil
	})
	return c, err
}

// CaseByNo loads a case by its number.
func (s *Store) CaseByNo(no string) (workflow.Case, error) {
	for sm := range s.Snapshot().All() {
		if sm.No == no {
			return s.Case(sm.ID)
		}
	}
	return workflow.Case{}, ErrNotFound
}

// Events lists a case's history, oldest first.
func (s *Store) Events(id uint32) ([]workflow.Event, error) {
	evs, err := s.storedEvents(id)
	for i := range evs {
		_ = s.unsealEvent(&evs[i]) // a field that cannot be decrypted reads as Locked
	}
	return evs, err
}

// Create takes in a new case: assigns its id and number, copies the checklist from the
// catalogue if the intake has none, and saves the case with its first event.
func (s *Store) Create(actor workflow.Staff, in workflow.Intake, comment string) (workflow.Case, error) {
	return s.create(actor, in, comment, "")
}

// create is Create; a non-empty token is recorded with the new case in the same
// transaction, and a token already recorded returns *dupToken and writes nothing
// (CreateOnce, drafts.go).
func (s *Store) create(actor workflow.Staff, in workflow.Intake, comment, token string) (workflow.Case, error) {
	if s.closed.Load() {
		return workflow.Case{}, ErrClosed
	}
	if err := s.writable(); err != nil {
		return workflow.Case{}, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.closed.Load() {
		return workflow.Case{}, ErrClosed
	}
	now := s.opts.Now()
	if len(in.Materials) == 0 {
		in.Materials = s.cat.Checklist(in.Records)
	}
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = now
	}
	var out workflow.Case
	err := s.update(func(tx kv.Tx) error {
		s.anch.reset() // a shared database may run this again (a serialization retry): note afresh
		if token != "" {
			if id, ok := tokenCase(tx, token); ok {
				return &dupToken{id: id}
			}
		}
		cb := tx.Bucket(bCases)
		seq, err := cb.NextSequence()
		if err != nil {
			return err
		}
		year := in.ReceivedAt.In(workflow.ChinaTZ).Year()
		n, err := nextYearSeq(tx, year)
		if err != nil {
			return err
		}
		in.ID = uint32(seq)
		in.No = workflow.CaseNo(year, n)
		a := workflow.Action{Kind: workflow.ActCreate, Actor: actor.Name, At: now, Comment: comment, Intake: &in}
		c, ev, err := s.rules.Apply(workflow.Case{}, actor, a)
		if err != nil {
			return err
		}
		if err := s.save(tx, &c, &ev, "", nil); err != nil {
			return err
		}
		if err := s.noteResults(tx, nil, &c, &ev); err != nil {
			return err
		}
		if err := s.fileEnterprise(tx, &c); err != nil {
			return err
		}
		if token != "" {
			if err := useToken(tx, token, c.ID); err != nil {
				return err
			}
		}
		s.anch.note(c.ID, ev.Seq, ev.Hash)
		out = c
		return s.anch.stage(tx, now)
	})
	s.anchorDone(err)
	if err != nil {
		return workflow.Case{}, err
	}
	s.refresh(&out)
	s.publish(Change{CaseID: out.ID, Version: out.Version, Kind: workflow.ActCreate, Actor: actor.Name, At: now, Topic: "case"})
	return out, nil
}

func nextYearSeq(tx kv.Tx, year int) (int, error) {
	m := tx.Bucket(bMeta)
	key := []byte(fmt.Sprintf("seq.%d", year))
	n := 0
	if raw := m.Get(key); raw != nil {
		fmt.Sscan(string(raw), &n)
	}
	n++
	if n > 999999 {
		return 0, fmt.Errorf("case numbers for %d are exhausted", year)
	}
	return n, m.Put(key, []byte(fmt.Sprint(n)))
}

// Apply is the one write path for an existing case: load → check the expected version →
// workflow applies the action → save the case and append its event, in one transaction.
// A stale expected version returns *ConflictError and writes nothing.
//
// Actions from many sessions commit together (group commit): while one transaction is
// being written, the actions that arrive queue up, and the next caller to take the
// writer's turn commits all of them in one transaction with one pair of fsyncs. Each is
// checked against the state the ones before it left, so a conflict between two of them
// is found as before, and a refused action writes nothing and does not affect the rest.
// A lone action does not wait for company.
func (s *Store) Apply(id uint32, expected int, actor workflow.Staff, a workflow.Action) (workflow.Case, error) {
	if s.closed.Load() {
		return workflow.Case{}, ErrClosed
	}
	if err := s.writable(); err != nil {
		return workflow.Case{}, err
	}
	s.completeAction(actor, &a)
	if a.Kind == workflow.ActReassign {
		who, ok := s.Staff(a.Assignee)
		if !ok || !who.Active || !who.Role.CanWork() {
			return workflow.Case{}, workflow.Refuse("assignee", "store.assignee", a.Assignee)
		}
	}
	r := &applyReq{id: id, expected: expected, actor: actor, a: a, done: make(chan struct{}), queued: time.Now()}
	s.ctimes.traceStart(r)
	defer s.ctimes.traceEnd(r)
	s.commitMu.Lock()
	s.commitQ = append(s.commitQ, r)
	if s.gathered != nil && len(s.commitQ) >= s.gatherWant {
		close(s.gathered) // the turn's holder has the company it waited for (gather)
		s.gathered = nil
	}
	s.commitMu.Unlock()
	for {
		if r.taken.Load() {
			// In a batch already (this caller's or another's): its answer may come after
			// the turn was handed on (anchorer.commitLater), so wait for it rather than
			// take the turn again and again with nothing queued.
			<-r.done
			return r.out, r.err
		}
		select {
		case <-r.done:
			return r.out, r.err
		default:
		}
		select {
		case <-r.done: // committed (or refused) in a batch another caller wrote
			return r.out, r.err
		case s.commitTurn <- struct{}{}:
			s.turnsTaken.Add(1)
			if r.taken.Load() {
				// Taken into a batch between the check above and now: the queue is its own
				// callers' to write, and gather would wait for this caller's session too.
				<-s.commitTurn
				continue
			}
			s.gather()
			s.commitMu.Lock()
			n := min(len(s.commitQ), maxCommitBatch)
			batch := slices.Clone(s.commitQ[:n])
			s.commitQ = slices.Delete(s.commitQ, 0, n)
			for _, b := range batch {
				b.taken.Store(true)
			}
			s.commitMu.Unlock()
			if len(batch) > 0 {
				s.commitBatch(batch)
			}
			<-s.commitTurn
		}
	}
}

// maxCommitBatch bounds one group commit, so that a transaction stays short.
const maxCommitBatch = 128

// gatherWait: on a shared case base, how long after a group's actions were answered the
// node's next group waits for them to come back (gather).
const gatherWait = time.Millisecond

// gatherAnswerLimit bounds gather's wait for the group before to be answered.
const gatherAnswerLimit = time.Second

// gatherMin: gather waits only after a group of at least this many actions: for a group
// of two or three (people's pace at a few hundred actions a second) the turn it could
// save is not worth a wait for sessions that are unlikely to come back within it.
const gatherMin = 4

// answering is the node's last group on a shared case base, for gather: its size, and
// done, closed once its actions are answered (at, when, and queued, how many actions
// were queued then — none of them its own, which were waiting for their answers; both
// set before done is closed).
type answering struct {
	n      int
	at     time.Time
	queued int
	done   chan struct{}
}

// gather, called by the holder of the node's turn before it takes the queue, lets the
// actions of the group before come back and join this one. On a shared case base a
// group's actions are answered only once its anchor entry is fsynced, while the next
// group already runs (anchorer.commitLater): sessions that act again at once (50 of them
// acting with no pause, BENCHMARKS.md, the closed loop) then always miss the next group,
// which holds only those that came in meanwhile, and the node's sessions split into two
// cohorts whose groups alternate — a large one and a small one, or two halves (12 and 13
// of 25) — and every action waits for the other cohort's whole turn (two round trips and
// a COMMIT's WAL flush) before its own. Waiting costs this group little: it could not
// COMMIT before that fsync is done anyway (stage waits for it), and it waits at most
// gatherWait after the answers for the rest; once it holds what was queued when the
// group before was answered and that group's actions, it goes at once. A node whose
// groups are of one to three actions (people's pace) never waits (gatherMin).
//
// Until round twelve it did not wait when half as many as the group before were queued
// already: two halves then alternated for good, and their actions were the closed loop's
// slowest (BENCHMARKS.md, "The closed loop's tail, round twelve").
func (s *Store) gather() {
	s.commitMu.Lock()
	p, q := s.lastGroup, len(s.commitQ)
	s.commitMu.Unlock()
	if p == nil || p.n < gatherMin || q >= maxCommitBatch || s.gatherWait <= 0 {
		return
	}
	waited := false
	select {
	case <-p.done:
	default:
		// Bounded: should the group before never be answered (its anchor fsync hung, or a
		// panic on the way to its answers), this group goes on without it rather than
		// leaving every later action of the node waiting here (its own COMMIT then waits
		// where it always did, in stage).
		waited = true
		t := time.NewTimer(gatherAnswerLimit)
		select {
		case <-p.done:
			t.Stop()
		case <-t.C:
			s.gathers.Add(1)
			return
		}
	}
	deadline, want := p.at.Add(s.gatherWait), min(p.queued+p.n, maxCommitBatch)
	s.commitMu.Lock()
	if len(s.commitQ) < want && time.Now().Before(deadline) {
		waited = true
		ch := make(chan struct{})
		s.gathered, s.gatherWant = ch, want
		s.commitMu.Unlock()
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
		s.commitMu.Lock()
		if s.gathered == ch {
			s.gathered = nil
		}
	}
	s.commitMu.Unlock()
	if waited {
		s.gathers.Add(1)
	}
}

// applyReq is one Apply waiting for its group commit.
type applyReq struct {
	id       uint32
	expected int
	actor    workflow.Staff
	a        workflow.Action

	was   workflow.Case // the case before the action (prepareApply), for the results' aggregates
	chunk chunkRead     // the chunk prepareApply read the previous event's hash from, for save
	// For CommitTimes: when Apply queued it, whether a transaction took it up, its trace.
	queued   time.Time
	started  bool
	trace    *ActionTrace
	groups   []*GroupTrace // its group transactions' traces (while tracing)
	answered bool          // done is closed, or will be once logSynced is
	taken    atomic.Bool   // taken from the queue into a batch
	// logSynced: the anchor entry of the transaction that committed it is being fsynced
	// (anchorer.commitLater); it is answered when this is closed. nil: nothing to wait for.
	logSynced <-chan struct{}
	out       workflow.Case
	err       error
	done      chan struct{} // closed when out and err are final
}

// commitBatch writes the actions in one transaction, then publishes them. If the
// transaction itself fails (a write or the commit, not a refusal), each action is tried
// again on its own, so one bad action cannot fail the others. Each part of the batch that
// commits (applyGroup) is published and answered at once: an action committed in the first
// half of a split group does not wait for the other half.
func (s *Store) commitBatch(batch []*applyReq) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	defer func() { // whatever happened (a panic on the way), nobody waits for ever
		for _, r := range batch {
			if !r.answered {
				r.answered = true
				close(r.done)
			}
		}
	}()
	if s.closed.Load() {
		for _, r := range batch {
			r.err = ErrClosed
		}
		return
	}
	s.applyGroup(batch)
}

// answer refreshes the snapshot with what part committed, publishes it and answers every
// action of part.
func (s *Store) answer(part []*applyReq) {
	p := time.Now()
	defer func() { s.ctimes.publish.Add(int64(time.Since(p))); s.ctimes.batches.Add(1) }()
	var done []*workflow.Case
	for _, r := range part {
		if r.err == nil {
			done = append(done, &r.out)
		}
	}
	s.refresh(done...)
	for _, r := range part {
		if r.err == nil {
			s.publish(Change{CaseID: r.out.ID, Version: r.out.Version, Kind: r.a.Kind, Actor: r.actor.Name, At: r.a.At, Topic: "case"})
		}
	}
	at := time.Now()
	var synced <-chan struct{}
	for _, r := range part {
		if r.logSynced != nil {
			synced = r.logSynced
		}
	}
	var g *answering // for the node's next group (gather)
	if s.Shared() {
		g = &answering{n: len(part), done: make(chan struct{})}
		s.commitMu.Lock()
		s.lastGroup = g
		s.commitMu.Unlock()
	}
	// The group's trace is noted for all its actions before any is answered: an answered
	// action's caller reads it (traceEnd).
	if synced == nil {
		for _, r := range part {
			s.ctimes.noteAnswer(r, at.Sub(p), 0, at)
		}
		g.noteQueued(s)
		for _, r := range part {
			r.answered = true
			close(r.done)
		}
		g.answered()
		return
	}
	// The anchor entry's fsync is under way while the node's turn passes to the next
	// group: the actions are answered once it is done (each is then in the database and
	// in the node's log on disk, as before).
	for _, r := range part {
		r.answered = true // by the goroutine below, not by commitBatch's
	}
	publish := at.Sub(p)
	go func() {
		<-synced
		done := time.Now()
		s.ctimes.logSync.Add(int64(done.Sub(at)))
		for _, r := range part {
			s.ctimes.noteAnswer(r, publish, done.Sub(at), done)
		}
		g.noteQueued(s)
		for _, r := range part {
			close(r.done)
		}
		g.answered()
	}()
}

// noteQueued notes how many actions are queued just before g's are answered (gather).
func (g *answering) noteQueued(s *Store) {
	if g != nil {
		s.commitMu.Lock()
		g.queued = len(s.commitQ)
		s.commitMu.Unlock()
	}
}

// answered: the group's actions are answered.
func (g *answering) answered() {
	if g != nil {
		g.at = time.Now()
		close(g.done)
	}
}

// applyGroup commits the actions of a group and answers them (answer). A group that
// loses a serialization race with another node (a shared database) is not run again
// whole: it is split in halves, each committed and answered on its own and split again
// should it lose, so that the one case (or index page) the other node also wrote does not
// drag the rest of the group through every retry; a single action is retried as any
// transaction is. A group that fails otherwise (a write or the commit, not a refusal) is
// tried one action at a time, so that one bad action cannot fail the others.
func (s *Store) applyGroup(batch []*applyReq) {
	if len(batch) == 1 {
		s.applyAll(batch, false)
		s.answer(batch)
		return
	}
	ok, err := s.applyAll(batch, s.Shared())
	switch {
	case ok:
		s.answer(batch)
	case kv.Retryable(err):
		s.groupSplits.Add(1)
		s.applyGroup(batch[:len(batch)/2])
		s.applyGroup(batch[len(batch)/2:])
	default:
		for _, r := range batch {
			s.applyAll([]*applyReq{r}, false)
			s.answer([]*applyReq{r})
		}
	}
}

// errNeedsSerializable: a group tried at REPEATABLE READ holds an action whose
// invariants rest on a read (a stage left: its late flag is judged by the settings), or
// the results' layout is not current (a build may be under way): it is run again
// SERIALIZABLE.
var errNeedsSerializable = errors.New("store: the group needs SERIALIZABLE")

// applyAll runs the actions in one transaction (once: a lost race is returned, not run
// again). It reports false, with the error on every action, when the transaction failed
// as a whole. On a shared case base the transaction is tried at REPEATABLE READ first,
// and SERIALIZABLE when that is not enough (errNeedsSerializable; README, "Several
// offices: REPEATABLE READ for an action", has the case-by-case proof).
func (s *Store) applyAll(batch []*applyReq, once bool) (bool, error) {
	if s.Shared() && s.ownRows() {
		ok, err := s.applyAllAt(batch, once, true)
		if !errors.Is(err, errNeedsSerializable) {
			return ok, err
		}
		s.serialGroups.Add(1)
	}
	return s.applyAllAt(batch, once, false)
}

// ownRows reports whether this node writes results rows no other process writes: a node
// with an anchor key of its own (one process holds its log; its transactions run one at
// a time). A writer without one (a command run beside a node) shares the rows of tag 0
// with any other such writer, and one's upsert of a row the other deleted meanwhile
// would insert it anew from a stale count at REPEATABLE READ: it stays SERIALIZABLE.
func (s *Store) ownRows() bool {
	for _, b := range s.aggNode[1:] {
		if b != 0 {
			return true
		}
	}
	return false
}

// applyAllAt is applyAll at REPEATABLE READ (rr, a shared case base only) or
// SERIALIZABLE.
func (s *Store) applyAllAt(batch []*applyReq, once, rr bool) (bool, error) {
	update := s.update
	if once {
		update = s.updateOnce
	}
	if rr {
		update = func(fn func(kv.Tx) error) error {
			return s.shield("", 0, func() error { return kv.UpdateRepeatableRead(s.db, once, fn) })
		}
	}
	var tt *kv.TxTimes
	start := time.Now()
	err := update(func(tx kv.Tx) error {
		if t, ok := tx.(kv.TxTimer); ok {
			tt = t.Times()
		}
		s.anch.reset() // a shared database may run this again (a serialization retry): note afresh
		// On PostgreSQL every read is a round trip: the batch's cases and the events their
		// chains continue from (and the settings, where the results' aggregates are kept:
		// their late flags are judged by them) are read ahead together. The events before
		// are read only by an action that leaves a stage (noteResults). Nothing on bbolt.
		if s.Shared() {
			gets := make([]kv.Read, 0, 2*len(batch)+1)
			if tx.Bucket(bResults) != nil {
				gets = append(gets, kv.Read{Bucket: bSettings, Key: settingsKey})
			}
			for _, r := range batch {
				// The chunk of the case's last event (its version: the previous hash),
				// and the next event's when that one starts a chunk (absent, as a rule:
				// known to be so, the append asks nothing).
				last := chunkStart(max(r.expected, 1))
				gets = append(gets, kv.Read{Bucket: bCases, Key: u32(r.id)}, kv.Read{Bucket: bEvents, Key: chunkKey(r.id, last)})
				if next := chunkStart(r.expected + 1); next != last {
					gets = append(gets, kv.Read{Bucket: bEvents, Key: chunkKey(r.id, next)})
				}
			}
			if rr {
				// The guard against a results build or open-entries pass beside this
				// transaction: both end by writing the layout's row, so one that committed
				// since this snapshot fails this transaction here, and one under way waits
				// for it (or deadlocks with it, and one runs again).
				kv.LockShared(tx, bMeta, resultsVersionKey)
			}
			kv.Prefetch(tx, gets, nil)
			if rr && resultsLayout(tx) != resultsVersion {
				return errNeedsSerializable
			}
		}
		for _, r := range batch {
			r.out, r.err = workflow.Case{}, nil
			c, ev, prev, err := s.prepareApply(tx, r)
			if err != nil {
				r.err = err // refused: nothing of it was written
				continue
			}
			if rr && leavesStage(workflow.StatEventOf(&ev)) {
				// Its late flag is judged by the settings this transaction only reads: an
				// admin's change committed meanwhile would not fail it (write skew).
				return errNeedsSerializable
			}
			if err := s.save(tx, &c, &ev, prev, &r.chunk); err != nil {
				return err
			}
			if err := s.noteResults(tx, &r.was, &c, &ev); err != nil {
				return err
			}
			s.anch.note(c.ID, ev.Seq, ev.Hash)
			if s.afterSave != nil {
				if err := s.afterSave(&c); err != nil {
					return err
				}
			}
			r.out = c
		}
		if err := s.anch.stage(tx, s.opts.Now()); err != nil {
			return err
		}
		if s.anch != nil && s.anch.staged != nil && s.anch.beside {
			// On PostgreSQL, when the office chose it (Options.AnchorBesideCommit), the
			// entry is written and fsynced while the COMMIT is under way
			// (anchorer.writeAhead); anchorDone below then only confirms it.
			kv.BesideCommit(tx, s.anch.writeAhead)
		}
		return nil
	})
	g := s.ctimes.noteGroup(batch, start, tt, err != nil)
	var syncWait time.Duration
	if s.anch != nil {
		syncWait, s.anch.syncWait = s.anch.syncWait, 0
	}
	a := time.Now()
	logSynced := s.anchorDoneLater(err)
	ad := time.Since(a)
	s.ctimes.anchor.Add(int64(ad))
	s.ctimes.logSyncWait.Add(int64(syncWait))
	if g != nil {
		g.Anchor, g.LogSyncWait = ad, syncWait
	}
	for _, r := range batch {
		r.logSynced = logSynced
	}
	for _, r := range batch {
		if r.trace != nil {
			r.trace.TxDone = time.Since(r.queued)
		}
	}
	if err != nil {
		for _, r := range batch {
			r.out, r.err = workflow.Case{}, err
		}
		return false, err
	}
	return true, nil
}

// prepareApply reads the case and works out the action's result without writing.
func (s *Store) prepareApply(tx kv.Tx, r *applyReq) (workflow.Case, workflow.Event, string, error) {
	raw := tx.Bucket(bCases).Get(u32(r.id))
	if raw == nil {
		return workflow.Case{}, workflow.Event{}, "", ErrNotFound
	}
	var c workflow.Case
	var err error
	if js, ok := s.wrote.caseJSON(r.id, raw); ok {
		err = decodeJSON(js, &c) // this node wrote it last: not decompressed again
	} else {
		err = unmarshalValue(raw, &c)
	}
	if err != nil {
		return workflow.Case{}, workflow.Event{}, "", fmt.Errorf("case %d is unreadable: %w", r.id, err)
	}
	if err := s.unsealCase(&c); err != nil {
		return workflow.Case{}, workflow.Event{}, "", err // never save Locked over a value
	}
	if c.Version != r.expected {
		by := c.UpdatedBy
		if st, ok := staffIn(tx, by); ok {
			by = st.Shown()
		}
		return workflow.Case{}, workflow.Event{}, "", &ConflictError{CaseNo: c.No, By: by, At: c.UpdatedAt, Expected: r.expected, Current: c.Version}
	}
	a := r.a
	if a.Kind == workflow.ActAddRecord && a.Record != nil {
		// The checklist the new record brings, from today's catalogue, goes into the
		// action so the event replays the same whatever the catalogue becomes.
		a.Materials = s.cat.Checklist(append(slices.Clone(c.Records), *a.Record))
	}
	n, ev, err := s.rules.Apply(c, r.actor, a)
	if err != nil {
		return workflow.Case{}, workflow.Event{}, "", err
	}
	r.was = c
	prev, err := s.lastHashRead(tx, r.id, c.Version, &r.chunk)
	if err != nil {
		return workflow.Case{}, workflow.Event{}, "", err
	}
	if a.Previewed != "" {
		// Confirmed from a preview: the letters issued now must be the ones previewed
		// (settings or templates may have changed since; the case cannot, by version).
		ls, err := s.issueLetters(&n, ev.Kind, ev.Seq, ev.At, prev, shownIn(tx))
		if err != nil {
			return workflow.Case{}, workflow.Event{}, "", err
		}
		if PreviewPrint(ls) != a.Previewed {
			return workflow.Case{}, workflow.Event{}, "", workflow.Refuse("preview", "store.preview_stale", c.No)
		}
	}
	return n, ev, prev, nil
}

// lastHashAt is lastHash for a case at version v, whose last event is its v-th (the
// engine numbers events by version). It reads the chunk of that event, one key: on a
// shared database a range scan would lock a range of the index for SERIALIZABLE and
// make commits on neighbouring cases from other nodes conflict, and on either backend a
// long history is not decoded whole. When the event is not where it should be (single
// events of an older layout), it is lastHash as ever.
func (s *Store) lastHashAt(tx kv.Tx, id uint32, v int) (string, error) {
	return s.lastHashRead(tx, id, v, nil)
}

// lastHashRead is lastHashAt that gives keep the chunk it read (chunkLast), if any.
func (s *Store) lastHashRead(tx kv.Tx, id uint32, v int, keep *chunkRead) (string, error) {
	if keep != nil {
		*keep = chunkRead{}
	}
	if v > 0 {
		h, ok, err := chunkLast(tx, id, v, keep, &s.wrote)
		if err != nil {
			return "", err
		}
		if ok {
			return h, nil
		}
	}
	return lastHash(tx, id)
}

// lastHash is the hash of case id's last event ("" when it has none).
func lastHash(tx kv.Tx, id uint32) (string, error) { return lastEventHash(tx, id) }

// EventHash is the SHA-256 over the event's content with its own Hash field empty; it
// includes PrevHash, which chains a case's events together.
func EventHash(ev workflow.Event) string {
	ev.Hash = ""
	b, _ := json.Marshal(ev)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// save writes the case, its summary and the event (with letter and hash). read, when not
// nil, is the chunk of events the commit read prevHash from (appendEvent).
func (s *Store) save(tx kv.Tx, c *workflow.Case, ev *workflow.Event, prevHash string, read *chunkRead) error {
	eb, err := s.chainEvent(c, ev, prevHash, shownIn(tx))
	if err != nil {
		return err
	}
	cb, err := s.caseRecord(c)
	if err != nil {
		return err
	}
	pv := packValue(nil, cb)
	if err := tx.Bucket(bCases).Put(u32(c.ID), pv); err != nil {
		return err
	}
	if read == nil {
		read = &chunkRead{}
	}
	if err := appendEvent(tx, c.ID, ev.Seq, eb, read); err != nil {
		return err
	}
	// What was written, for this node's next commit on the case (wroteMemo; what a
	// rollback leaves there is keyed by bytes no longer stored, and so never taken).
	s.wrote.put(c.ID, pv, cb, *read)
	kv.Feed(tx, "case", uint64(c.ID)) // the other nodes' wake-up (PostgreSQL); nothing on bbolt
	return putSummary(tx, c, s.keys.idToken(c.ID, c.Agent.IDNumber))
}

// chainEvent completes ev, the engine's event that left the case c, as it is stored: its
// letter, the hash of the event before it and its own hash; it returns the stored form
// (personal fields sealed; the hash covers that form).
func (s *Store) chainEvent(c *workflow.Case, ev *workflow.Event, prevHash string, shown func(string) string) ([]byte, error) {
	b, err := s.chainJSON(c, ev, prevHash, shown)
	if err != nil {
		return nil, err
	}
	return withHash(b, ev.Hash), nil
}

// chainJSON is chainEvent's work without the last step: the event's JSON without its
// hash, which it sets in ev (a bulk load appends the stored form straight into the
// case's frame: appendWithHash).
func (s *Store) chainJSON(c *workflow.Case, ev *workflow.Event, prevHash string, shown func(string) string) ([]byte, error) {
	ls, err := s.issueLetters(c, ev.Kind, ev.Seq, ev.At, prevHash, shown)
	if err != nil {
		return nil, err
	}
	ev.Letter, ev.Also = nil, nil
	if len(ls) > 0 {
		ev.Letter, ev.Also = &ls[0], ls[1:]
		if len(ev.Also) == 0 {
			ev.Also = nil
		}
	}
	ev.PrevHash = prevHash
	se := *ev
	if err := s.sealEvent(&se); err != nil {
		return nil, err
	}
	se.Hash = ""
	b, err := json.Marshal(se)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	ev.Hash = hex.EncodeToString(sum[:])
	return b, nil
}

// withHash is json.Marshal of an event given b, json.Marshal of the same event without
// its hash: Hash is Event's last field and left out when empty, so the event with its
// hash is b with `,"hash":"…"` before the closing brace (storedHashOK reads it so).
// One encoding instead of two for every event written (TestWithHashIsMarshal).
func withHash(b []byte, hash string) []byte {
	return appendWithHash(make([]byte, 0, withHashLen(b, hash)), b, hash)
}

// withHashLen is the length of withHash(b, hash).
func withHashLen(b []byte, hash string) int { return len(b) + len(`,"hash":""`) + len(hash) }

// appendWithHash appends withHash(b, hash) to dst.
func appendWithHash(dst, b []byte, hash string) []byte {
	dst = append(dst, b[:len(b)-1]...)
	dst = append(dst, `,"hash":"`...)
	dst = append(dst, hash...)
	return append(dst, `"}`...)
}

// caseRecord is the stored form of a case (personal fields sealed).
func (s *Store) caseRecord(c *workflow.Case) ([]byte, error) {
	sc := *c
	if err := s.keys.sealAgent(sc.ID, &sc.Agent); err != nil {
		return nil, err
	}
	if anyText(caseWalk(&sc)) {
		sc = workflow.CloneCase(sc)
		if err := s.keys.sealTexts(sc.ID, caseWalk(&sc)); err != nil {
			return nil, err
		}
	}
	return json.Marshal(sc)
}
