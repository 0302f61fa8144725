package store

// The results table's aggregates: the supervisors' dashboard and `repairdesk report`
// read a period's day buckets instead of every case and every event.
//
// The bucket "results" holds, per China-time calendar day, keys that start with the day
// (4 bytes, big-endian, so a period is one range scan) and a kind byte:
//
//	day | 'r' | 0     | len(source) source | owner   received cases (counter)
//	day | 'e' | stage | len(source) source | owner   cases that reached a terminal stage (counters)
//	day | 'a' | from  | 0                           accept events (counters)
//	day | 'd' | case id                             a case that ended that day: its agency days (float64)
//	day | 't' | case id | seq                       a stage left that day: from, entered, at (Unix ns)
//	day | 'f' | 0     | 0                           follow-up calls by satisfaction, thanks received (counters)
//
// A counter row's value is a list of (counter id, value) varint pairs; a counter a row
// does not have is 0. Which row each figure comes from, and how it stays exact:
//   - received, closed, repaired, decided (the success rate's base), declined at formal
//     review, whitewash attempts, ended (the handling days' base), accepted and accepted
//     after at most one notice: sums of counters (integers: exact in any order);
//   - follow-up calls (回访) by the enterprise's answer, on the day of the call, and
//     thank-you letters and banners, each on the day it was received: counters of the
//     'f' row, kept from the case's FollowUp like the rows of its own fields;
//   - average and median handling days: one 'd' entry per case, the exact float; the
//     period's entries are summed in case order, as the full scan does, and sorted for
//     the median;
//   - time per stage: one 't' entry per stage left; summed in case then event order;
//   - SLA breaches depend on the settings and on now, so nothing about them is stored:
//     a stage left late is worked out at open from the period's 't' entries and today's
//     limits, and cases late now come from the open cases in memory (their deadlines are
//     the queues'); a case counts once however often it was late;
//   - open now and the workload per person: the open cases in memory (not period-bound).
//
// Cases change (a reassignment, a close, a correction): every commit subtracts what the
// case contributed before and adds what it contributes now, in the same transaction as
// the case and its event. Events never change, so their rows are only added.
//
// Adding a row (as the follow-up calls' satisfaction and thanks were): give it a counter
// id below (never reuse one), set it in addCase or addEvents, add it to workflow.Tally,
// read it in tally and use it in workflow.ResultsFromTally; the full scan
// (workflow.ComputeResults) gets the same definition; bump resultsVersion so existing
// files rebuild their aggregates once at open.

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"repairdesk/store/kv"

	"repairdesk/workflow"
)

var (
	bResults = []byte("results")
	// resultsVersionKey (in meta) names the layout of bResults; missing or different, the
	// aggregates are rebuilt at open.
	resultsVersionKey = []byte("results.version")
)

// resultsVersion: "2" added the follow-up calls and thanks (the 'f' rows).
const resultsVersion = "2"

// Counter ids (stable: stored in the file).
const (
	cReceived = 1 + iota
	cClosed
	cRepaired
	cDecided
	cDeclinedReview
	cWhitewash
	cEnded
	cAccepted
	cAcceptedFirst
	cFollowUps // a follow-up call recorded with the enterprise's answer
	cSatisfied
	cBasicallySatisfied
	cDissatisfied
	cThanks // a thank-you letter or banner received
	nCounters
)

var counterNames = [nCounters]string{"", "received", "closed", "repaired", "decided", "declined_review", "whitewash", "ended", "accepted", "accepted_first_notice",
	"follow_ups", "satisfied", "basically_satisfied", "dissatisfied", "thanks"}

// Row kinds.
const (
	kReceived = 'r'
	kEnded    = 'e'
	kAccept   = 'a'
	kDays     = 'd'
	kMove     = 't'
	kFollowUp = 'f'
)

type counters [nCounters]int64

func (c *counters) zero() bool { return *c == counters{} }

func encodeCounters(c *counters) []byte {
	var b []byte
	for i := 1; i < nCounters; i++ {
		if c[i] != 0 {
			b = binary.AppendUvarint(b, uint64(i))
			b = binary.AppendVarint(b, c[i])
		}
	}
	return b
}

func decodeCounters(b []byte, c *counters) error {
	for len(b) > 0 {
		id, n := binary.Uvarint(b)
		if n <= 0 {
			return fmt.Errorf("bad counter id")
		}
		b = b[n:]
		v, m := binary.Varint(b)
		if m <= 0 {
			return fmt.Errorf("bad counter value")
		}
		b = b[m:]
		if id < nCounters {
			c[id] += v
		}
	}
	return nil
}

// dayNo is t's calendar day in China time as a key: days since 1970-01-01, with the sign
// bit flipped so that keys sort as days do.
func dayNo(t time.Time) uint32 {
	y, m, d := t.In(workflow.ChinaTZ).Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	return uint32(int32(days)) ^ 1<<31
}

// dayStart is the day dayNo names, 00:00 China time.
func dayStart(n uint32) time.Time {
	days := int64(int32(n ^ 1<<31))
	y, m, d := time.Unix(days*86400, 0).UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, workflow.ChinaTZ)
}

func rowKey(day uint32, kind byte, stage workflow.Stage, source, owner string) []byte {
	k := make([]byte, 0, 7+len(source)+len(owner))
	k = binary.BigEndian.AppendUint32(k, day)
	k = append(k, kind, stageByte(stage), byte(min(len(source), 255)))
	k = append(k, source[:min(len(source), 255)]...)
	return append(k, owner...)
}

func stageByte(s workflow.Stage) byte {
	if s == "" {
		return 0
	}
	if i := slices.Index(workflow.Stages, s); i >= 0 {
		return byte(i + 1)
	}
	return 0xff
}

func stageOfByte(b byte) workflow.Stage {
	if b == 0 || int(b) > len(workflow.Stages) {
		return ""
	}
	return workflow.Stages[b-1]
}

// describeResultKey names a row for check's findings: 2026-03-05 ended closed pbc wangfang.
func describeResultKey(k []byte) string {
	if len(k) < 5 {
		return fmt.Sprintf("%x", k)
	}
	day := dayStart(binary.BigEndian.Uint32(k)).Format("2006-01-02")
	rest := k[5:]
	switch k[4] {
	case kReceived, kEnded, kAccept, kFollowUp:
		name := map[byte]string{kReceived: "received", kEnded: "ended", kAccept: "accepted", kFollowUp: "follow-ups"}[k[4]]
		if len(rest) < 2 || len(rest) < 2+int(rest[1]) {
			return day + " " + name + fmt.Sprintf(" %x", rest)
		}
		src, owner := string(rest[2:2+int(rest[1])]), string(rest[2+int(rest[1]):])
		out := []string{day, name}
		if s := stageOfByte(rest[0]); s != "" {
			out = append(out, "stage "+string(s))
		}
		if src != "" {
			out = append(out, "source "+src)
		}
		if owner != "" {
			out = append(out, "staff "+owner)
		}
		return workflow.CleanLine(strings.Join(out, " "))
	case kDays:
		if len(rest) == 4 {
			return fmt.Sprintf("%s handling days of case %d", day, binary.BigEndian.Uint32(rest))
		}
	case kMove:
		if len(rest) == 8 {
			return fmt.Sprintf("%s stage left by case %d event %d", day, binary.BigEndian.Uint32(rest), binary.BigEndian.Uint32(rest[4:]))
		}
	}
	return fmt.Sprintf("%s %x", day, k[4:])
}

// aggSet is the aggregate rows some cases contribute (or, signed, the change a commit
// makes to them).
type aggSet struct {
	rows  map[string]*counters
	exact map[string][]byte // nil value: remove
}

func newAggSet() *aggSet {
	return &aggSet{rows: map[string]*counters{}, exact: map[string][]byte{}}
}

func (a *aggSet) count(k []byte, id int, n int64) {
	c := a.rows[string(k)]
	if c == nil {
		c = new(counters)
		a.rows[string(k)] = c
	}
	c[id] += n
}

// addCase adds (sign +1) or takes away (-1) what case c contributes by its own fields:
// received, its follow-up call and thanks, and if it ended, the ended row and its
// handling days. The fields read are those workflow.Case.ForStats keeps.
func (a *aggSet) addCase(c *workflow.Case, sign int64) {
	src := ""
	if len(c.Records) > 0 {
		src = c.Records[0].Source
	}
	if !c.ReceivedAt.IsZero() {
		a.count(rowKey(dayNo(c.ReceivedAt), kReceived, "", src, c.Owner), cReceived, sign)
	}
	if f := c.FollowUp; f != nil { // as workflow.Results.countFollowUps counts them
		if f.Satisfaction != "" {
			k := rowKey(dayNo(f.At), kFollowUp, "", "", "")
			a.count(k, cFollowUps, sign)
			switch f.Satisfaction {
			case "satisfied":
				a.count(k, cSatisfied, sign)
			case "basically_satisfied":
				a.count(k, cBasicallySatisfied, sign)
			case "dissatisfied":
				a.count(k, cDissatisfied, sign)
			}
		}
		for _, t := range f.Thanks {
			a.count(rowKey(dayNo(t.At), kFollowUp, "", "", ""), cThanks, sign)
		}
	}
	if !c.Stage.Terminal() || c.ClosedAt.IsZero() {
		return
	}
	day := dayNo(c.ClosedAt)
	k := rowKey(day, kEnded, c.Stage, src, c.Owner)
	a.count(k, cClosed, sign)
	ended := false
	switch c.Stage {
	case workflow.StageClosed:
		ended = true
		if c.Outcome != nil {
			a.count(k, cDecided, sign)
		}
		if c.Repaired() {
			a.count(k, cRepaired, sign)
		}
	case workflow.StageDeclined:
		ended = true
		if workflow.CompliantDecline(c) {
			a.count(k, cDecided, sign)
		} else {
			a.count(k, cDeclinedReview, sign)
		}
		if c.Decline != nil && c.Decline.Reason == "whitewash" {
			a.count(k, cWhitewash, sign)
		}
	}
	if ended {
		a.count(k, cEnded, sign)
		dk := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, day), c.ID)
		dk = slices.Insert(dk, 4, kDays)
		if sign > 0 {
			a.exact[string(dk)] = binary.BigEndian.AppendUint64(nil, math.Float64bits(workflow.AgencyDays(c, c.ClosedAt)))
		} else if _, set := a.exact[string(dk)]; !set {
			a.exact[string(dk)] = nil
		}
	}
}

// addEvents adds the rows of evs[from:], events of case id in sequence order whose
// earlier events are evs[:from] (read for the stage each one left and the notices sent
// before an acceptance), as workflow.ComputeStats walks them.
func (a *aggSet) addEvents(id uint32, evs []workflow.StatEvent, from int) {
	var entered int64
	known := false
	notices := 0
	for i, ev := range evs {
		if ev.Is(workflow.ActRequestMaterials) {
			notices++
		}
		if ev.Is(workflow.ActCreate) {
			entered, known = ev.At, true
			continue
		}
		if ev.From == ev.To || ev.From == 0 {
			continue
		}
		if i >= from {
			day := dayNo(ev.Time())
			if ev.Is(workflow.ActAccept) {
				k := rowKey(day, kAccept, ev.Left(), "", "")
				a.count(k, cAccepted, 1)
				if notices <= 1 {
					a.count(k, cAcceptedFirst, 1)
				}
			}
			if left := ev.Left(); !left.Terminal() && known {
				k := make([]byte, 0, 13)
				k = binary.BigEndian.AppendUint32(k, day)
				k = append(k, kMove)
				k = binary.BigEndian.AppendUint32(k, id)
				k = binary.BigEndian.AppendUint32(k, uint32(ev.Seq))
				v := make([]byte, 0, 17)
				v = append(v, ev.From)
				v = binary.BigEndian.AppendUint64(v, uint64(entered))
				v = binary.BigEndian.AppendUint64(v, uint64(ev.At))
				a.exact[string(k)] = v
			}
		}
		entered, known = ev.At, true
	}
}

// merge adds b's rows to a (both of whole cases: no removals).
func (a *aggSet) merge(b *aggSet) {
	for k, c := range b.rows {
		if cur := a.rows[k]; cur != nil {
			for i := range c {
				cur[i] += c[i]
			}
		} else {
			a.rows[k] = c
		}
	}
	for k, v := range b.exact {
		a.exact[k] = v
	}
}

// write applies the set to the bucket: counters are added to what is stored (a row
// whose counters all reach 0 is removed), exact entries put or removed.
func (a *aggSet) write(b kv.Bucket) error {
	keys := make([]string, 0, len(a.rows))
	for k := range a.rows {
		keys = append(keys, k)
	}
	slices.Sort(keys) // in key order: pages fill in one pass when the bucket is built
	for _, k := range keys {
		d := a.rows[k]
		if d.zero() {
			continue
		}
		var c counters
		if err := decodeCounters(b.Get([]byte(k)), &c); err != nil {
			return fmt.Errorf("results %s: %w", describeResultKey([]byte(k)), err)
		}
		for i := range c {
			c[i] += d[i]
		}
		var err error
		if c.zero() {
			err = b.Delete([]byte(k))
		} else {
			err = b.Put([]byte(k), encodeCounters(&c))
		}
		if err != nil {
			return err
		}
	}
	keys = keys[:0]
	for k := range a.exact {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var err error
		if v := a.exact[k]; v == nil {
			err = b.Delete([]byte(k))
		} else {
			err = b.Put([]byte(k), v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// noteResults updates the aggregates for one commit: case old (nil for a new case)
// became c by event ev, written in tx. Files whose aggregates are not built (read-only
// opens never write) are left alone.
func (s *Store) noteResults(tx kv.Tx, old, c *workflow.Case, ev *workflow.Event) error {
	b := tx.Bucket(bResults)
	if b == nil {
		return nil
	}
	a := newAggSet()
	if old != nil {
		a.addCase(old, -1)
	}
	a.addCase(c, 1)
	// The events before this one, as the dashboard reads them: the stage it left was
	// entered at the last stage change, and the notices sent so far count.
	var evs []workflow.StatEvent
	var d leanDecoder
	cur := tx.Bucket(bEvents).Cursor()
	prefix := u32(c.ID)
	for k, v := cur.Seek(prefix); k != nil && len(k) == 8 && string(k[:4]) == string(prefix); k, v = cur.Next() {
		if int(binary.BigEndian.Uint32(k[4:])) >= ev.Seq {
			break
		}
		e, err := d.decode(v)
		if err != nil {
			return eventUnreadable(k, err)
		}
		evs = append(evs, workflow.StatEventOf(&e))
	}
	n := len(evs)
	evs = append(evs, workflow.StatEventOf(ev))
	a.addEvents(c.ID, evs, n)
	return a.write(b)
}

// resultsReady reports whether the file's aggregates are built and current.
func resultsReady(tx kv.Tx) bool {
	m := tx.Bucket(bMeta)
	return m != nil && tx.Bucket(bResults) != nil && string(m.Get(resultsVersionKey)) == resultsVersion
}

// ensureResults builds the aggregates of a file that has none (written before they
// existed, or whose build was cut off): once, at open, reporting progress. A new file
// starts with an empty, current bucket.
func (s *Store) ensureResults() error {
	if s.opts.ReadOnly {
		return nil
	}
	var ready bool
	var total int
	if err := s.view(func(tx kv.Tx) error {
		if ready = resultsReady(tx); !ready { // counting walks every page: only for a build
			total = tx.Bucket(bCases).Stats().KeyN
		}
		return nil
	}); err != nil || ready {
		return err
	}
	return s.buildResults(total)
}

// resultsChunk is how many cases one transaction of a build covers.
const resultsChunk = 8192

func (s *Store) buildResults(total int) error {
	progress := s.work().report
	if err := s.update(func(tx kv.Tx) error {
		if tx.Bucket(bResults) != nil {
			if err := tx.DeleteBucket(bResults); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bMeta).Delete(resultsVersionKey); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bResults)
		return err
	}); err != nil {
		return err
	}
	progress("results", 0, int64(total))
	done := 0
	var next uint32 = 0
	for {
		var n int
		err := s.update(func(tx kv.Tx) error {
			cases, events, last, err := s.statsRange(tx, next, resultsChunk)
			if err != nil {
				return err
			}
			n = len(cases)
			if n == 0 {
				return tx.Bucket(bMeta).Put(resultsVersionKey, []byte(resultsVersion))
			}
			next = last + 1
			a := resultsOf(cases, events)
			b := tx.Bucket(bResults)
			fill(b, 0.9)
			return a.write(b)
		})
		if err != nil {
			return fmt.Errorf("building the results table's aggregates: %w", err)
		}
		if n == 0 {
			break
		}
		done += n
		progress("results", int64(done), int64(total))
	}
	return nil
}

// resultsOf is the aggregate rows of whole cases and their events, worked out on every
// core.
func resultsOf(cases []workflow.Case, events map[uint32][]workflow.StatEvent) *aggSet {
	parts := make([]*aggSet, 0, 8)
	var mu sync.Mutex
	_ = parallelErr(len(cases), func(lo, hi int) error {
		a := newAggSet()
		for i := lo; i < hi; i++ {
			c := &cases[i]
			a.addCase(c, 1)
			a.addEvents(c.ID, events[c.ID], 0)
		}
		mu.Lock()
		parts = append(parts, a)
		mu.Unlock()
		return nil
	})
	out := newAggSet()
	for _, p := range parts {
		out.merge(p)
	}
	return out
}

// Results is the results table for period p as the dashboard and the report show it. It
// reads the period's day buckets and the open cases in memory; a file without
// aggregates (opened read-only before they were built), or a period that is not whole
// days, is computed over every case and event instead (workflow.ComputeResults), with
// the same figures.
func (s *Store) Results(p workflow.Period, now time.Time) (workflow.Results, error) {
	set := s.Settings()
	if workflow.DayAligned(p) {
		t, ok, err := s.tally(p, set, now)
		if err != nil {
			return workflow.Results{}, err
		}
		if ok {
			return workflow.ResultsFromTally(t, p, set.SLA, set.Calendar(), now), nil
		}
	}
	return s.ResultsFullScan(p, now)
}

// ResultsFullScan is the results table computed over every case and event: the
// reference the aggregates are held to (tests, benchmarks), and the way for a file
// without them.
func (s *Store) ResultsFullScan(p workflow.Period, now time.Time) (workflow.Results, error) {
	set := s.Settings()
	cases, events, err := s.StatsData()
	if err != nil {
		return workflow.Results{}, err
	}
	return workflow.ComputeResults(cases, events, p, set.SLA, set.Calendar(), now), nil
}

// tally reads the period's rows (false: the file has no aggregates).
func (s *Store) tally(p workflow.Period, set *Settings, now time.Time) (workflow.Tally, bool, error) {
	var t workflow.Tally
	ok := false
	err := s.view(func(tx kv.Tx) error {
		if !resultsReady(tx) {
			return nil
		}
		ok = true
		from, to := dayNo(p.From), dayNo(p.To)
		t.ClosedBy = map[string]int{}
		daily := map[uint32]*workflow.DayCount{}
		dayOf := func(d uint32) *workflow.DayCount {
			x := daily[d]
			if x == nil {
				x = &workflow.DayCount{Day: dayStart(d)}
				daily[d] = x
			}
			return x
		}
		cur := tx.Bucket(bResults).Cursor()
		for k, v := cur.Seek(binary.BigEndian.AppendUint32(nil, from)); k != nil && len(k) >= 5; k, v = cur.Next() {
			day := binary.BigEndian.Uint32(k)
			if day >= to {
				break
			}
			rest := k[5:]
			switch k[4] {
			case kReceived, kEnded, kAccept, kFollowUp:
				var c counters
				if err := decodeCounters(v, &c); err != nil {
					return fmt.Errorf("results %s: %w", describeResultKey(k), err)
				}
				t.Received += int(c[cReceived])
				t.Closed += int(c[cClosed])
				t.Repaired += int(c[cRepaired])
				t.Decided += int(c[cDecided])
				t.DeclinedAtReview += int(c[cDeclinedReview])
				t.Whitewash += int(c[cWhitewash])
				t.Ended += int(c[cEnded])
				t.Accepted += int(c[cAccepted])
				t.FirstOK += int(c[cAcceptedFirst])
				t.FollowUps += int(c[cFollowUps])
				t.Satisfied += int(c[cSatisfied])
				t.BasicallySatisfied += int(c[cBasicallySatisfied])
				t.Dissatisfied += int(c[cDissatisfied])
				t.Thanks += int(c[cThanks])
				if c[cReceived] != 0 {
					dayOf(day).Received += int(c[cReceived])
				}
				if c[cClosed] != 0 {
					dayOf(day).Closed += int(c[cClosed])
					if len(rest) >= 2 && len(rest) >= 2+int(rest[1]) {
						t.ClosedBy[string(rest[2+int(rest[1]):])] += int(c[cClosed])
					}
				}
			case kDays:
				if len(rest) != 4 || len(v) != 8 {
					return fmt.Errorf("results %s: malformed", describeResultKey(k))
				}
				t.Days = append(t.Days, workflow.CaseDays{ID: binary.BigEndian.Uint32(rest), Days: math.Float64frombits(binary.BigEndian.Uint64(v))})
			case kMove:
				if len(rest) != 8 || len(v) != 17 {
					return fmt.Errorf("results %s: malformed", describeResultKey(k))
				}
				t.Moves = append(t.Moves, workflow.Move{ID: binary.BigEndian.Uint32(rest), Seq: int32(binary.BigEndian.Uint32(rest[4:])),
					From: stageOfByte(v[0]), Entered: int64(binary.BigEndian.Uint64(v[1:])), At: int64(binary.BigEndian.Uint64(v[9:]))})
			}
		}
		for _, d := range daily {
			t.Daily = append(t.Daily, *d)
		}
		return nil
	})
	if err != nil || !ok {
		return t, ok, err
	}
	cal := set.Calendar()
	for _, sm := range s.Snapshot().Open() {
		t.Open = append(t.Open, workflow.OpenCase{ID: sm.ID, Owner: sm.Owner, Overdue: set.SLA.Breached(sm.Due, cal, now)})
	}
	return t, true, nil
}

// checkResults compares the stored aggregates with want, recomputed from the cases and
// events; each difference is a problem naming the row.
func checkResults(tx kv.Tx, want *aggSet, add func(Problem)) {
	b := tx.Bucket(bResults)
	seen := map[string]bool{}
	_ = b.ForEach(func(k, v []byte) error {
		ks := string(k)
		seen[ks] = true
		if len(k) < 5 {
			add(Problem{What: fmt.Sprintf("results: malformed key %x", k)})
			return nil
		}
		switch k[4] {
		case kReceived, kEnded, kAccept, kFollowUp:
			var got counters
			if err := decodeCounters(v, &got); err != nil {
				add(Problem{What: "results " + describeResultKey(k) + ": unreadable: " + err.Error()})
				return nil
			}
			var w counters
			if c := want.rows[ks]; c != nil {
				w = *c
			}
			if got != w {
				add(Problem{What: "results " + describeResultKey(k) + ": stored " + describeCounters(&got) + ", recomputed from the events " + describeCounters(&w)})
			}
		default:
			w, ok := want.exact[ks]
			if !ok || string(w) != string(v) {
				add(Problem{What: "results " + describeResultKey(k) + ": stored " + describeExact(k, v) + ", recomputed from the events " + describeExact(k, w)})
			}
		}
		return nil
	})
	var missing []string
	for k, c := range want.rows {
		if !seen[k] && !c.zero() {
			missing = append(missing, k)
		}
	}
	for k := range want.exact {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	for _, k := range missing {
		add(Problem{What: "results " + describeResultKey([]byte(k)) + ": missing; recomputed from the events it should be " + describeExactOrCounters(want, k)})
	}
}

func describeCounters(c *counters) string {
	var out []string
	for i := 1; i < nCounters; i++ {
		if c[i] != 0 {
			out = append(out, fmt.Sprintf("%s=%d", counterNames[i], c[i]))
		}
	}
	if len(out) == 0 {
		return "nothing"
	}
	return strings.Join(out, " ")
}

func describeExact(k, v []byte) string {
	if v == nil {
		return "nothing"
	}
	switch {
	case len(k) >= 5 && k[4] == kDays && len(v) == 8:
		return fmt.Sprintf("%g days", math.Float64frombits(binary.BigEndian.Uint64(v)))
	case len(k) >= 5 && k[4] == kMove && len(v) == 17:
		return fmt.Sprintf("left %s entered %s at %s", stageOfByte(v[0]),
			time.Unix(0, int64(binary.BigEndian.Uint64(v[1:]))).In(workflow.ChinaTZ).Format(time.RFC3339),
			time.Unix(0, int64(binary.BigEndian.Uint64(v[9:]))).In(workflow.ChinaTZ).Format(time.RFC3339))
	}
	return fmt.Sprintf("%x", v)
}

func describeExactOrCounters(a *aggSet, k string) string {
	if c := a.rows[k]; c != nil {
		return describeCounters(c)
	}
	return describeExact([]byte(k), a.exact[k])
}

// statsRange reads up to n cases from id from on (as ForStats keeps them) and their
// events (as StatEvents), decoded on every core; last is the last id read.
func (s *Store) statsRange(tx kv.Tx, from uint32, n int) ([]workflow.Case, map[uint32][]workflow.StatEvent, uint32, error) {
	type raw struct{ k, v []byte }
	var rc, re []raw
	cc := tx.Bucket(bCases).Cursor()
	for k, v := cc.Seek(u32(from)); k != nil && len(rc) < n; k, v = cc.Next() {
		if len(k) != 4 {
			return nil, nil, 0, fmt.Errorf("case key %x is malformed", k)
		}
		rc = append(rc, raw{k, v})
	}
	if len(rc) == 0 {
		return nil, nil, 0, nil
	}
	last := binary.BigEndian.Uint32(rc[len(rc)-1].k)
	ec := tx.Bucket(bEvents).Cursor()
	for k, v := ec.Seek(u32(from)); k != nil; k, v = ec.Next() {
		if len(k) < 4 {
			return nil, nil, 0, fmt.Errorf("event key %x is malformed", k)
		}
		if binary.BigEndian.Uint32(k) > last {
			break
		}
		re = append(re, raw{k, v})
	}
	cases := make([]workflow.Case, len(rc))
	err := s.parallelRead(len(rc), string(bCases), func(lo, hi int) error {
		var u unpacker
		for i := lo; i < hi; i++ {
			var c workflow.Case
			if err := u.unmarshal(rc[i].v, &c); err != nil {
				return fmt.Errorf("case %d is unreadable: %w", binary.BigEndian.Uint32(rc[i].k), err)
			}
			cases[i] = c.ForStats()
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	evs := make([]workflow.StatEvent, len(re))
	err = s.parallelRead(len(re), string(bEvents), func(lo, hi int) error {
		var d leanDecoder
		for i := lo; i < hi; i++ {
			ev, err := d.decode(re[i].v)
			if err != nil {
				return eventUnreadable(re[i].k, err)
			}
			evs[i] = workflow.StatEventOf(&ev)
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	events := make(map[uint32][]workflow.StatEvent, len(rc))
	for i := 0; i < len(re); {
		id := binary.BigEndian.Uint32(re[i].k[:4])
		j := i + 1
		for j < len(re) && binary.BigEndian.Uint32(re[j].k[:4]) == id {
			j++
		}
		events[id] = evs[i:j:j]
		i = j
	}
	return cases, events, last, nil
}
