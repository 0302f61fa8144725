package store

// The results table's aggregates: the supervisors' dashboard and `repairdesk report`
// read a period's day buckets instead of every case and every event.
//
// The bucket "results" holds, per China-time calendar day, keys that start with the day
// (4 bytes, big-endian, so a period is one range scan) and a kind byte:
//
//	day | 'r' | 0     | len(source) source | owner   received cases (counter)
//	day | 'e' | stage | len(source) source | owner   cases that reached a terminal stage, and the agency time of those that ended (counters)
//	day | 'a' | from  | 0                           accept events (counters)
//	day | 's' | stage | 0                           stages left that day: how many, and the time spent in them (counters)
//	day | 'h' | bucket                              cases that ended that day with agency days in [bucket, bucket+1) (counter)
//	day | 'l' | case id                             a case that left a stage late that day, by today's SLA and calendar (counter)
//	day | 'f' | 0     | 0                           follow-up calls by satisfaction, thanks received (counters)
//
// On a shared (PostgreSQL) case base every node keeps rows of its own for the kinds that
// many cases add to ('r', 'e', 'a', 's', 'h', 'f'), under a prefix that names the node:
//
//	1 | node (8 bytes) | day | kind | …            that node's part of the row day | kind | …
//
// so that two nodes' commits never write one row (a row every commit of the day adds to
// made the nodes' group commits lose serialization races to each other, and a lost group
// ran again whole). A period's figures are the sum of the plain rows and of every node's
// rows; a node's row may be negative (a case received by one node and corrected on
// another), the sum never is. check compares the sum over the nodes with what the events
// give. The late flags ('l') are per case already and stay plain; a file (one process)
// has no node rows.
//
// Apart from the days (first byte 0, so no period's scan meets them), the entries
// one per item that the period's figures are not read from:
//
//	0 | 'd' | bucket | day | case id                a case that ended: its agency days (float64), for the median
//	0 | 't' | day | case id | seq                   a stage left: from, entered, at (Unix ns), to rewrite the late flags
//	0 | 'o' | case id                             an open case: its deadline and owner (openRow)
//
// A counter row's value is a list of (counter id, value) varint pairs; a counter a row
// does not have is 0. Which row each figure comes from, and how it stays exact:
//   - received, closed, repaired, decided (the success rate's base), declined at formal
//     review, whitewash attempts, ended (the handling days' base), accepted and accepted
//     after at most one notice: sums of counters (integers: exact in any order);
//   - follow-up calls (回访) by the enterprise's answer, on the day of the call, and
//     thank-you letters and banners, each on the day it was received: counters of the
//     'f' row, kept from the case's FollowUp like the rows of its own fields;
//   - average handling days and time per stage: sums of durations as integer seconds
//     and nanoseconds (workflow.NanoSum), exact in any order; the full scan sums them the
//     same way;
//   - median handling days: the 'h' rows of the period say which whole-day bucket holds
//     the middle value(s), and only that bucket's exact values in the period are read
//     (0 | 'd' | bucket | from..to, one short range); agency days fall in their bucket by
//     floor, which keeps their order, so the value at a rank is the one the full scan's
//     sort puts there;
//   - stages left late depend on the SLA's stage limits and the calendar: an 'l' row per
//     case and day, judged with the settings in force when the stage was left, and all
//     of them rewritten from the 't' entries in the transaction of an admin's change of
//     either (rewriteLate); a case counts once however often it was late (the period's
//     'l' rows are few, and deduplicated by case id); cases late now are the open cases
//     whose deadline has passed: their deadlines, sorted once per snapshot (openDue),
//     answer any now by a binary search;
//   - open now and the workload per person: the open cases of the snapshot, counted
//     once per snapshot (not period-bound); while the summaries are still loading at
//     open, from the open cases' 'o' entries instead (one per open case, written only
//     by the commits of that case, so two nodes never write one): the dashboard of a
//     fresh process waits for no summary. An entry holds the case's deadline already
//     worked out, so that the entries are few pages and reading them is all the work.
//     A deadline depends on the SLA, the calendar and the source book besides the case
//     (workflow.DueRules names them); the meta key results.open.rules names the rules
//     the entries were worked out under. An admin's change of the settings rewrites the
//     entries in its transaction; entries under other rules (a new version's calendar
//     or source book) are not read, and a read-write open writes them again.
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
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
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

// resultsVersion: "2" added the follow-up calls and thanks (the 'f' rows); "3" keeps
// the stage times and handling days as sums, a histogram and late flags, with the
// per-item entries moved out of the days' range; "4" keeps every node's rows apart on a
// shared case base (a case base of "3" would count its plain rows beside the nodes');
// "5" adds the open cases' entries (0 | 'o' | id), which a file or case base of "4" (or
// a file of "3") gets by one pass over its cases, without a rebuild (addOpenRows); "6"
// keeps in those entries the deadline worked out instead of what it is worked out from
// (a "5" gets them by the same pass).
const resultsVersion = "6"

// openRulesKey (in meta) is the workflow.DueRules the open cases' entries were worked
// out under.
var openRulesKey = []byte("results.open.rules")

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
	cDaysSec
	cDaysNsec
	cMoves
	cMoveSec
	cMoveNsec
	cHist
	cLate
	nCounters
)

var counterNames = [nCounters]string{"", "received", "closed", "repaired", "decided", "declined_review", "whitewash", "ended", "accepted", "accepted_first_notice",
	"follow_ups", "satisfied", "basically_satisfied", "dissatisfied", "thanks",
	"days_sec", "days_nsec", "stages_left", "stage_sec", "stage_nsec", "ended_in_bucket", "late_stages"}

// Row kinds.
const (
	kReceived  = 'r'
	kEnded     = 'e'
	kAccept    = 'a'
	kStageTime = 's'
	kHist      = 'h'
	kLate      = 'l'
	kFollowUp  = 'f'
)

// The per-item entries, under a first byte no day has (sideKey).
const (
	sidePrefix = 0
	sideDays   = 'd'
	sideMove   = 't'
	sideOpen   = 'o'
)

// sideOpenKey is the entry of an open case.
func sideOpenKey(id uint32) []byte {
	return binary.BigEndian.AppendUint32(append(make([]byte, 0, 6), sidePrefix, sideOpen), id)
}

// openRow is what the results need of an open case: its deadline under rules, worked
// out as the summaries' are (Summary.dueBy), and its owner:
//
//	0 | owner                               no deadline that counts (none, or waiting for the applicant)
//	1 | sec (8) | nsec (4) | owner          the deadline (Unix seconds, big-endian, and nanoseconds)
//
// It reads only the fields workflow.Case.ForStats keeps, so a commit, a build and check
// write the same bytes.
func openRow(c *workflow.Case, rules *workflow.LateJudge) []byte {
	sm := summarise(c)
	d := sm.dueBy(rules.SLA(), rules.Calendar())
	if d.At.IsZero() || d.Paused {
		return append([]byte{0}, sm.Owner...)
	}
	b := make([]byte, 0, 13+len(sm.Owner))
	b = append(b, 1)
	b = binary.BigEndian.AppendUint64(b, uint64(d.At.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(d.At.Nanosecond()))
	return append(b, sm.Owner...)
}

// parseOpenRow reads an entry of openRow: the owner, and the deadline unless it has none
// that counts (ok false).
func parseOpenRow(v []byte) (owner []byte, e openDueEntry, due, ok bool) {
	switch {
	case len(v) >= 1 && v[0] == 0:
		return v[1:], e, false, true
	case len(v) >= 13 && v[0] == 1:
		e.sec, e.nsec = int64(binary.BigEndian.Uint64(v[1:])), int32(binary.BigEndian.Uint32(v[9:]))
		if e.nsec < 0 || e.nsec >= 1e9 {
			return nil, e, false, false
		}
		return v[13:], e, true, true
	}
	return nil, e, false, false
}

// caseKV is a case's key and stored value, as read in a transaction.
type caseKV struct{ k, v []byte }

// putOpenRows writes the entries of the open cases among rc (decoded on every core),
// worked out under rules.
func (s *Store) putOpenRows(b kv.Bucket, rc []caseKV, rules *workflow.LateJudge) error {
	rows := make([][]byte, len(rc))
	err := s.parallelRead(len(rc), string(bCases), func(lo, hi int) error {
		var u unpacker
		for i := lo; i < hi; i++ {
			var c workflow.Case
			if err := u.unmarshal(rc[i].v, &c); err != nil {
				return fmt.Errorf("case %d is unreadable: %w", binary.BigEndian.Uint32(rc[i].k), err)
			}
			if !c.Stage.Terminal() {
				fc := c.ForStats()
				rows[i] = openRow(&fc, rules)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, r := range rows {
		if r != nil {
			if err := b.Put(sideOpenKey(binary.BigEndian.Uint32(rc[i].k)), r); err != nil {
				return err
			}
		}
	}
	return nil
}

// rewriteOpen writes every open case's entry again under rules (an admin's change of
// the settings, in its transaction), if the entries were current before; entries that
// were not are left to the next read-write open (addOpenRows).
func (s *Store) rewriteOpen(tx kv.Tx, before, rules *workflow.LateJudge) error {
	m := tx.Bucket(bMeta)
	if resultsLayout(tx) != resultsVersion || string(m.Get(openRulesKey)) != before.DueRules() || before.DueRules() == rules.DueRules() {
		return nil
	}
	rb, cb := tx.Bucket(bResults), tx.Bucket(bCases)
	var ids [][]byte
	cur := rb.Cursor()
	for k, _ := cur.Seek([]byte{sidePrefix, sideOpen}); k != nil && len(k) >= 2 && k[0] == sidePrefix && k[1] == sideOpen; k, _ = cur.Next() {
		if len(k) != 6 {
			return fmt.Errorf("results %s: malformed", describeResultKey(k))
		}
		ids = append(ids, slices.Clone(k[2:6]))
	}
	rc := make([]caseKV, 0, len(ids))
	for lo := 0; lo < len(ids); lo += 4096 {
		// On PostgreSQL a round trip per 4,096 cases rather than one per case.
		gets := make([]kv.Read, 0, min(4096, len(ids)-lo))
		for _, id := range ids[lo:min(lo+4096, len(ids))] {
			gets = append(gets, kv.Read{Bucket: bCases, Key: id})
		}
		kv.Prefetch(tx, gets, nil)
		for _, g := range gets {
			v := cb.Get(g.Key)
			if v == nil {
				return fmt.Errorf("results %s: no such case", describeResultKey(sideOpenKey(binary.BigEndian.Uint32(g.Key))))
			}
			rc = append(rc, caseKV{g.Key, v})
		}
	}
	if err := s.putOpenRows(rb, rc, rules); err != nil {
		return err
	}
	return m.Put(openRulesKey, []byte(rules.DueRules()))
}

// A node's rows on a shared case base: nodeRowsByte, the node's tag, then the row's key.
const (
	nodeRowsByte = 1
	nodeTagLen   = 1 + 8
)

// nodeTag is the prefix of the rows a node writes: the first 8 bytes of the SHA-256 of
// its anchor signing key (the fingerprint its anchor.next/<fingerprint> entry is kept
// under), stable across the node's restarts. A writer without a key of its own (a
// command run beside a node that holds the node's anchor log) writes under tag 0: rows
// shared by such writers, still exact, only not apart.
func nodeTag(pub []byte) []byte {
	t := make([]byte, nodeTagLen)
	t[0] = nodeRowsByte
	if pub != nil {
		sum := sha256.Sum256(pub)
		copy(t[1:], sum[:8])
	}
	return t
}

// isNodeKey: a key of a node's rows (the node's prefix and a row's key).
func isNodeKey(k []byte) bool { return len(k) > nodeTagLen && k[0] == nodeRowsByte }

// perNode: a row of this kind is kept per node (many cases add to it); the others are
// per case ('l') or per item.
func perNode(kind byte) bool {
	switch kind {
	case kReceived, kEnded, kAccept, kStageTime, kHist, kFollowUp:
		return true
	}
	return false
}

// isCounterRow: a day's row of counters (everything but the per-item entries).
func isCounterRow(k []byte) bool {
	if len(k) < 5 || k[0] == sidePrefix {
		return false
	}
	switch k[4] {
	case kReceived, kEnded, kAccept, kStageTime, kHist, kLate, kFollowUp:
		return true
	}
	return false
}

func histKey(day, bucket uint32) []byte {
	k := binary.BigEndian.AppendUint32(make([]byte, 0, 9), day)
	k = append(k, kHist)
	return binary.BigEndian.AppendUint32(k, bucket)
}

func lateKey(day, id uint32) []byte {
	k := binary.BigEndian.AppendUint32(make([]byte, 0, 9), day)
	k = append(k, kLate)
	return binary.BigEndian.AppendUint32(k, id)
}

func sideDaysKey(bucket, day, id uint32) []byte {
	k := append(make([]byte, 0, 14), sidePrefix, sideDays)
	k = binary.BigEndian.AppendUint32(k, bucket)
	k = binary.BigEndian.AppendUint32(k, day)
	return binary.BigEndian.AppendUint32(k, id)
}

func sideMoveKey(day, id, seq uint32) []byte {
	k := append(make([]byte, 0, 14), sidePrefix, sideMove)
	k = binary.BigEndian.AppendUint32(k, day)
	k = binary.BigEndian.AppendUint32(k, id)
	return binary.BigEndian.AppendUint32(k, seq)
}

// daysBucket is the histogram bucket of agency days v: its whole days (floor), which
// keeps the order of the values.
func daysBucket(v float64) uint32 {
	if !(v > 0) {
		return 0
	}
	if v >= 1<<31 {
		return 1 << 31
	}
	return uint32(v)
}

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
	return appendRowKey(make([]byte, 0, 7+len(source)+len(owner)), day, kind, stage, source, owner)
}

// appendRowKey appends rowKey's key to k (a buffer on the caller's stack, for a lookup).
func appendRowKey(k []byte, day uint32, kind byte, stage workflow.Stage, source, owner string) []byte {
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
	if k[0] == sidePrefix {
		return describeSideKey(k)
	}
	if isNodeKey(k) {
		return fmt.Sprintf("node %x: %s", k[1:nodeTagLen], describeResultKey(k[nodeTagLen:]))
	}
	day := dayStart(binary.BigEndian.Uint32(k)).Format("2006-01-02")
	rest := k[5:]
	switch k[4] {
	case kReceived, kEnded, kAccept, kFollowUp, kStageTime:
		name := map[byte]string{kReceived: "received", kEnded: "ended", kAccept: "accepted", kFollowUp: "follow-ups", kStageTime: "stages left"}[k[4]]
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
	case kHist:
		if len(rest) == 4 {
			b := binary.BigEndian.Uint32(rest)
			return fmt.Sprintf("%s cases ended with %d–%d handling days", day, b, b+1)
		}
	case kLate:
		if len(rest) == 4 {
			return fmt.Sprintf("%s stages left late by case %d", day, binary.BigEndian.Uint32(rest))
		}
	}
	return fmt.Sprintf("%s %x", day, k[4:])
}

func describeSideKey(k []byte) string {
	if len(k) == 6 && k[1] == sideOpen {
		return fmt.Sprintf("open case %d", binary.BigEndian.Uint32(k[2:]))
	}
	if len(k) == 14 {
		day := func(b []byte) string { return dayStart(binary.BigEndian.Uint32(b)).Format("2006-01-02") }
		switch k[1] {
		case sideDays:
			return fmt.Sprintf("%s handling days of case %d", day(k[6:]), binary.BigEndian.Uint32(k[10:]))
		case sideMove:
			return fmt.Sprintf("%s stage left by case %d event %d", day(k[2:]), binary.BigEndian.Uint32(k[6:]), binary.BigEndian.Uint32(k[10:]))
		}
	}
	return fmt.Sprintf("%x", k)
}

// aggSet is the aggregate rows some cases contribute (or, signed, the change a commit
// makes to them).
type aggSet struct {
	rows  map[string]*counters
	exact map[string][]byte // nil value: remove
	late  *workflow.LateJudge
	// flat: Check's exact entries, instead of exact (checkagg.go).
	flat *flatExact
}

// newAggSet collects rows; stages left are judged late by late (the settings in force).
func newAggSet(late *workflow.LateJudge) *aggSet {
	return &aggSet{rows: map[string]*counters{}, exact: map[string][]byte{}, late: late}
}

// lateJudge judges stages left late by the settings in force.
func lateJudge(set *Settings) *workflow.LateJudge {
	return workflow.NewLateJudge(set.SLA, set.Calendar())
}

func (a *aggSet) count(k []byte, id int, n int64) {
	a.row(k)[id] += n
}

// row is the counters of row k, made when new: a caller adding to several counters of
// one row looks it up once (check adds every case's and event's rows, and each lookup
// hashes the key again).
func (a *aggSet) row(k []byte) *counters {
	c := a.rows[string(k)]
	if c == nil {
		c = new(counters)
		a.rows[string(k)] = c
	}
	return c
}

// addCase adds (sign +1) or takes away (-1) what case c contributes by its own fields:
// received, its follow-up call and thanks, and if it ended, the ended row and its
// handling days. The fields read are those workflow.Case.ForStats keeps.
func (a *aggSet) addCase(c *workflow.Case, sign int64) {
	if !c.Stage.Terminal() { // the open case's entry: put, or (taken away) removed
		if sign > 0 {
			a.putExact(sideOpenKey(c.ID), openRow(c, a.late))
		} else if k := string(sideOpenKey(c.ID)); !hasKey(a.exact, k) {
			a.exact[k] = nil
		}
	}
	src := ""
	if len(c.Records) > 0 {
		src = c.Records[0].Source
	}
	var kb [96]byte // the keys of the rows counted, each looked up once
	if !c.ReceivedAt.IsZero() {
		a.count(appendRowKey(kb[:0], dayNo(c.ReceivedAt), kReceived, "", src, c.Owner), cReceived, sign)
	}
	if f := c.FollowUp; f != nil { // as workflow.Results.countFollowUps counts them
		if f.Satisfaction != "" {
			r := a.row(appendRowKey(kb[:0], dayNo(f.At), kFollowUp, "", "", ""))
			r[cFollowUps] += sign
			switch f.Satisfaction {
			case "satisfied":
				r[cSatisfied] += sign
			case "basically_satisfied":
				r[cBasicallySatisfied] += sign
			case "dissatisfied":
				r[cDissatisfied] += sign
			}
		}
		for _, t := range f.Thanks {
			a.count(appendRowKey(kb[:0], dayNo(t.At), kFollowUp, "", "", ""), cThanks, sign)
		}
	}
	if !c.Stage.Terminal() || c.ClosedAt.IsZero() {
		return
	}
	day := dayNo(c.ClosedAt)
	r := a.row(appendRowKey(kb[:0], day, kEnded, c.Stage, src, c.Owner))
	r[cClosed] += sign
	ended := false
	switch c.Stage {
	case workflow.StageClosed:
		ended = true
		if c.Outcome != nil {
			r[cDecided] += sign
		}
		if c.Repaired() {
			r[cRepaired] += sign
		}
	case workflow.StageDeclined:
		ended = true
		if workflow.CompliantDecline(c) {
			r[cDecided] += sign
		} else {
			r[cDeclinedReview] += sign
		}
		if c.Decline != nil && c.Decline.Reason == "whitewash" {
			r[cWhitewash] += sign
		}
	}
	if ended {
		r[cEnded] += sign
		d := workflow.AgencyTime(c, c.ClosedAt)
		var sum workflow.NanoSum
		sum.Add(d)
		r[cDaysSec] += sign * sum.Sec
		r[cDaysNsec] += sign * sum.Nsec
		v := d.Hours() / 24 // AgencyDays
		bucket := daysBucket(v)
		a.count(histKey(day, bucket), cHist, sign)
		if sign > 0 {
			a.putExact(sideDaysKey(bucket, day, c.ID), binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
		} else if dk := string(sideDaysKey(bucket, day, c.ID)); !hasKey(a.exact, dk) {
			a.exact[dk] = nil
		}
	}
}

// addEvents adds the rows of evs[from:], events of case id in sequence order whose
// earlier events are evs[:from] (read for the stage each one left and the notices sent
// before an acceptance), as workflow.ComputeStats walks them.
func (a *aggSet) addEvents(id uint32, evs []workflow.StatEvent, from int) {
	var kb [16]byte // the keys of the rows counted, each looked up once
	var entered int64
	known := false
	notices := 0
	// The kinds' codes, looked up once (Is looks its kind up each time).
	reqMat, create, accept := workflow.KindCode(workflow.ActRequestMaterials), workflow.KindCode(workflow.ActCreate), workflow.KindCode(workflow.ActAccept)
	for i, ev := range evs {
		if ev.IsCode(reqMat) {
			notices++
		}
		if ev.IsCode(create) {
			entered, known = ev.At, true
			continue
		}
		if !movesStage(ev) { // leavesStage: a creation went on above
			continue
		}
		if i >= from {
			day := dayNo(ev.Time())
			if ev.IsCode(accept) {
				r := a.row(appendRowKey(kb[:0], day, kAccept, ev.Left(), "", ""))
				r[cAccepted]++
				if notices <= 1 {
					r[cAcceptedFirst]++
				}
			}
			if left := ev.Left(); !left.Terminal() && known {
				r := a.row(appendRowKey(kb[:0], day, kStageTime, left, "", ""))
				var sum workflow.NanoSum
				sum.Add(ev.Time().Sub(time.Unix(0, entered))) // as ComputeStats measures it
				r[cMoves]++
				r[cMoveSec] += sum.Sec
				r[cMoveNsec] += sum.Nsec
				if a.late.Late(left, entered, ev.At) {
					a.count(lateKey(day, id), cLate, 1)
				}
				v := make([]byte, 0, 17)
				v = append(v, ev.From)
				v = binary.BigEndian.AppendUint64(v, uint64(entered))
				v = binary.BigEndian.AppendUint64(v, uint64(ev.At))
				a.putExact(sideMoveKey(day, id, uint32(ev.Seq)), v)
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
	if b.flat != nil {
		a.flat.merge(b.flat)
	}
}

// write applies the set to the bucket: counters are added to what is stored (a row
// whose counters all reach 0 is removed), exact entries put or removed. node is the
// writer's prefix for the rows kept per node (nodeTag; nil on a file).
func (a *aggSet) write(b kv.Bucket, node []byte) error {
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
		key := []byte(k)
		if node != nil && len(key) >= 5 && perNode(key[4]) {
			key = append(slices.Clip(node), key...)
		}
		var c counters
		if err := decodeCounters(b.Get(key), &c); err != nil {
			return fmt.Errorf("results %s: %w", describeResultKey(key), err)
		}
		for i := range c {
			c[i] += d[i]
		}
		var err error
		if c.zero() {
			err = b.Delete(key)
		} else {
			err = b.Put(key, encodeCounters(&c))
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
	late, err := s.lateJudgeIn(tx) // the stage limits in force in this transaction
	if err != nil {
		return err
	}
	a := newAggSet(late)
	if old != nil {
		a.addCase(old, -1)
	}
	a.addCase(c, 1)
	last := workflow.StatEventOf(ev)
	if !leavesStage(last) {
		// The event adds no row of its own (a comment, a material marked, the intake):
		// the events before it are not read. On a shared database that read is a round
		// trip, and a range of the events' index locked against the other nodes' commits.
		return a.write(b, s.aggNode)
	}
	// The events before this one, as the dashboard reads them: the stage it left was
	// entered at the last stage change, and the notices sent so far count.
	var evs []workflow.StatEvent
	var d leanDecoder
	var r eventReader
	prefetchChunks(tx, c.ID, ev.Seq)
	keys, vals := caseEntries(tx, c.ID)
	errEnough := errors.New("the events before it are read")
	err = r.each(c.ID, keys, vals, func(seq int, js []byte) error {
		if seq >= ev.Seq {
			return errEnough
		}
		e, err := d.decodeJSON(js)
		if err != nil {
			return &eventError{CaseID: c.ID, Seq: seq, Err: err}
		}
		evs = append(evs, workflow.StatEventOf(&e))
		return nil
	})
	if err != nil && err != errEnough {
		return err
	}
	n := len(evs)
	evs = append(evs, last)
	a.addEvents(c.ID, evs, n)
	return a.write(b, s.aggNode)
}

// leavesStage reports whether addEvents counts anything for ev (a stage left, an
// acceptance): only then do the events before it matter.
func leavesStage(ev workflow.StatEvent) bool {
	return !ev.Is(workflow.ActCreate) && movesStage(ev)
}

// movesStage: ev moves its case from one stage to another (leavesStage, but for a
// creation, which a caller has told apart already).
func movesStage(ev workflow.StatEvent) bool { return ev.From != ev.To && ev.From != 0 }

// resultsReady reports whether the file's aggregates are built and their counters
// current. A file has no node rows, so layout "3" is layout "4" there: an office's file
// is not rebuilt for a change that only a shared case base needs. Layouts "5" and "6"
// only add the open cases' entries (openRowsKept), which a "4" gets without a rebuild.
func (s *Store) resultsReady(tx kv.Tx) bool {
	v := resultsLayout(tx)
	return v == resultsVersion || v == "5" || v == "4" || (v == "3" && !s.Shared())
}

// openRowsKept reports whether the aggregates have the open cases' entries (layout "6"),
// worked out under the rules in force in tx: a file of "5", "4" or "3" opened read-only,
// or one whose entries were worked out under other rules (another version's calendar or
// source book), reads its counters, and the open figures from the summaries, until a
// read-write open writes the entries again.
func (s *Store) openRowsKept(tx kv.Tx) bool {
	if resultsLayout(tx) != resultsVersion {
		return false
	}
	late, err := s.lateJudgeIn(tx)
	return err == nil && string(tx.Bucket(bMeta).Get(openRulesKey)) == late.DueRules()
}

func resultsLayout(tx kv.Tx) string {
	m := tx.Bucket(bMeta)
	if m == nil || tx.Bucket(bResults) == nil {
		return ""
	}
	return string(m.Get(resultsVersionKey))
}

// ensureResults builds the aggregates of a file that has none (written before they
// existed, or whose build was cut off): once, at open, reporting progress. A new file
// starts with an empty, current bucket.
func (s *Store) ensureResults() error {
	if s.opts.ReadOnly {
		return nil
	}
	var ready, counters bool
	var total int
	if err := s.view(func(tx kv.Tx) error {
		counters = s.resultsReady(tx)
		if ready = counters && s.openRowsKept(tx); !ready {
			// For the progress line: cases are numbered from 1 and never removed, so
			// the last one's number is how many there are (counting them with Stats
			// walks every page: 10 CPU-seconds at a million cases).
			if k, _ := tx.Bucket(bCases).Cursor().Last(); len(k) == 4 {
				total = int(binary.BigEndian.Uint32(k))
			}
		}
		return nil
	}); err != nil || ready {
		return err
	}
	if counters {
		return s.addOpenRows(total)
	}
	return s.buildResults(total)
}

// addOpenRows gives aggregates of layout "5", "4" (or a file's "3") the open cases'
// entries, and writes them again when they were worked out under other rules: one pass
// over the cases, no event read, instead of a rebuild. Progress is reported as
// "results_open".
func (s *Store) addOpenRows(total int) error {
	// chunk writes the entries of the open cases from *next on; n == 0: done.
	chunk := func(tx kv.Tx, next *uint32) (int, error) {
		late, err := s.lateJudgeIn(tx)
		if err != nil {
			return 0, err
		}
		var rc []caseKV
		cc := tx.Bucket(bCases).Cursor()
		for k, v := cc.Seek(u32(*next)); k != nil && len(rc) < resultsChunk; k, v = cc.Next() {
			if len(k) != 4 {
				return 0, fmt.Errorf("case key %x is malformed", k)
			}
			rc = append(rc, caseKV{k, v})
		}
		if len(rc) == 0 {
			if err := tx.Bucket(bMeta).Put(openRulesKey, []byte(late.DueRules())); err != nil {
				return 0, err
			}
			return 0, tx.Bucket(bMeta).Put(resultsVersionKey, []byte(resultsVersion))
		}
		*next = binary.BigEndian.Uint32(rc[len(rc)-1].k) + 1
		b := tx.Bucket(bResults)
		fill(b, 0.9) // the entries are written in key order
		return len(rc), s.putOpenRows(b, rc, late)
	}
	// clearOpen removes the entries an earlier pass that was cut off may have left (of cases
	// closed since): each pass writes them all.
	clearOpen := func(tx kv.Tx) error {
		b := tx.Bucket(bResults)
		var old [][]byte
		cur := b.Cursor()
		for k, _ := cur.Seek([]byte{sidePrefix, sideOpen}); k != nil && len(k) >= 2 && k[0] == sidePrefix && k[1] == sideOpen; k, _ = cur.Next() {
			old = append(old, slices.Clone(k))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.inChunks("results_open", total, clearOpen, chunk); err != nil {
		return fmt.Errorf("adding the open cases to the results table: %w", err)
	}
	return nil
}

// inChunks runs prepare, then chunk from case 0 until it does nothing, with progress
// reported as what. On a shared case base it is one SERIALIZABLE transaction: other nodes
// commit meanwhile, and a commit adjusts the rows of its case, so a case committed in a
// part not yet done would be adjusted before it was ever written; all in one, a conflict
// runs it again. A file has no other writer while it opens: a transaction per chunk, so
// a large file is not one huge transaction.
func (s *Store) inChunks(what string, total int, prepare func(kv.Tx) error, chunk func(tx kv.Tx, next *uint32) (int, error)) error {
	progress := s.work().report
	progress(what, 0, int64(total))
	all := func(tx kv.Tx, next *uint32, done *int) error {
		for {
			n, err := chunk(tx, next)
			if err != nil || n == 0 {
				return err
			}
			*done += n
			progress(what, int64(*done), int64(total))
		}
	}
	if s.Shared() {
		return s.update(func(tx kv.Tx) error {
			if err := prepare(tx); err != nil {
				return err
			}
			var next uint32
			done := 0
			return all(tx, &next, &done)
		})
	}
	if err := s.update(prepare); err != nil {
		return err
	}
	var next uint32
	done := 0
	for {
		var n int
		if err := s.update(func(tx kv.Tx) error {
			var err error
			n, err = chunk(tx, &next)
			return err
		}); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		done += n
		progress(what, int64(done), int64(total))
	}
}

// ResultsKept says whether the results table's aggregates are kept in this database
// (Results reads them), or the dashboard works from every case and event.
func (s *Store) ResultsKept() bool {
	ready := false
	_ = s.view(func(tx kv.Tx) error { ready = s.resultsReady(tx); return nil })
	return ready
}

// resultsChunk is how many cases one transaction of a build covers.
const resultsChunk = 8192

func (s *Store) buildResults(total int) error {
	reset := func(tx kv.Tx) error {
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
	}
	// chunk adds the aggregates of the cases from *next on; n == 0: the build is done.
	chunk := func(tx kv.Tx, next *uint32) (int, error) {
		cases, events, last, err := s.statsRange(tx, *next, resultsChunk)
		if err != nil {
			return 0, err
		}
		late, err := s.lateJudgeIn(tx)
		if err != nil {
			return 0, err
		}
		if len(cases) == 0 {
			if err := tx.Bucket(bMeta).Put(openRulesKey, []byte(late.DueRules())); err != nil {
				return 0, err
			}
			return 0, tx.Bucket(bMeta).Put(resultsVersionKey, []byte(resultsVersion))
		}
		*next = last + 1
		a := resultsOf(cases, events, late)
		b := tx.Bucket(bResults)
		fill(b, 0.9)
		return len(cases), a.write(b, s.aggNode)
	}
	if err := s.inChunks("results", total, reset, chunk); err != nil {
		return fmt.Errorf("building the results table's aggregates: %w", err)
	}
	return nil
}

// resultsOf is the aggregate rows of whole cases and their events, worked out on every
// core.
func resultsOf(cases []workflow.Case, events map[uint32][]workflow.StatEvent, late *workflow.LateJudge) *aggSet {
	parts := make([]*aggSet, 0, 8)
	var mu sync.Mutex
	_ = parallelErr(len(cases), func(lo, hi int) error {
		a := newAggSet(late)
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
	out := newAggSet(late)
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
	return s.results(p, now, false)
}

// results is Results; openRows reads the open figures from the open cases' entries even
// when every summary is loaded (tests hold both ways to the full scan).
func (s *Store) results(p workflow.Period, now time.Time, openRows bool) (workflow.Results, error) {
	set := s.Settings()
	if workflow.DayAligned(p) {
		t, ok, err := s.tally(p, set, now, openRows)
		if err != nil {
			return workflow.Results{}, err
		}
		if ok {
			return workflow.ResultsFromTally(t, p, set.SLA), nil
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
func (s *Store) tally(p workflow.Period, set *Settings, now time.Time, openRows bool) (workflow.Tally, bool, error) {
	var t workflow.Tally
	ok := false
	var late []uint32 // cases that left a stage late in the period (may repeat)
	var od *openDueSet
	err := s.view(func(tx kv.Tx) error {
		if !s.resultsReady(tx) {
			return nil
		}
		ok = true
		// The open cases: from their entries while the summaries are still loading (the
		// snapshot would wait for every one), else from the snapshot, once per snapshot.
		if (openRows || s.stillLoading()) && s.openRowsKept(tx) {
			var err error
			if od, err = openDueOfRows(tx); err != nil {
				return err
			}
		}
		from, to := dayNo(p.From), dayNo(p.To)
		lo, hi := binary.BigEndian.AppendUint32(nil, from), binary.BigEndian.AppendUint32(nil, to)
		rb := tx.Bucket(bResults)
		prefetchRange(tx, rb, lo, hi) // sequential reads rather than one page fault at a time
		t.ClosedBy = map[string]int{}
		t.StageN = map[workflow.Stage]int{}
		t.StageSum = map[workflow.Stage]workflow.NanoSum{}
		hist := map[uint32]int{}
		daily := map[uint32]*workflow.DayCount{}
		dayOf := func(d uint32) *workflow.DayCount {
			x := daily[d]
			if x == nil {
				x = &workflow.DayCount{Day: dayStart(d)}
				daily[d] = x
			}
			return x
		}
		// row adds one row of the period (k without a node's prefix; full, the key).
		row := func(k, full, v []byte) error {
			day := binary.BigEndian.Uint32(k)
			if !isCounterRow(k) {
				return fmt.Errorf("results %s: malformed", describeResultKey(full))
			}
			var c counters
			if err := decodeCounters(v, &c); err != nil {
				return fmt.Errorf("results %s: %w", describeResultKey(full), err)
			}
			rest := k[5:]
			switch k[4] {
			case kReceived, kEnded, kAccept, kFollowUp:
				t.Received += int(c[cReceived])
				t.Closed += int(c[cClosed])
				t.Repaired += int(c[cRepaired])
				t.Decided += int(c[cDecided])
				t.DeclinedAtReview += int(c[cDeclinedReview])
				t.Whitewash += int(c[cWhitewash])
				t.Ended += int(c[cEnded])
				t.DaysSum = t.DaysSum.Plus(workflow.NanoSum{Sec: c[cDaysSec], Nsec: c[cDaysNsec]})
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
			case kStageTime:
				if len(rest) < 1 {
					return fmt.Errorf("results %s: malformed", describeResultKey(k))
				}
				st := stageOfByte(rest[0])
				t.StageN[st] += int(c[cMoves])
				t.StageSum[st] = t.StageSum[st].Plus(workflow.NanoSum{Sec: c[cMoveSec], Nsec: c[cMoveNsec]})
			case kHist:
				if len(rest) != 4 {
					return fmt.Errorf("results %s: malformed", describeResultKey(k))
				}
				hist[binary.BigEndian.Uint32(rest)] += int(c[cHist])
			case kLate:
				if len(rest) != 4 {
					return fmt.Errorf("results %s: malformed", describeResultKey(k))
				}
				if c[cLate] > 0 {
					late = append(late, binary.BigEndian.Uint32(rest))
				}
			}
			return nil
		}
		// scan reads the period's rows under prefix (nil: the plain rows).
		scan := func(prefix []byte) error {
			cur := rb.Cursor()
			for k, v := cur.Seek(append(slices.Clip(prefix), lo...)); k != nil && len(k) >= len(prefix)+5 && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
				if binary.BigEndian.Uint32(k[len(prefix):]) >= to {
					break
				}
				if err := row(k[len(prefix):], k, v); err != nil {
					return err
				}
			}
			return nil
		}
		if err := scan(nil); err != nil {
			return err
		}
		// Every node's rows (a shared case base): the nodes are found by seeking past
		// each one's prefix.
		nodes := rb.Cursor()
		for k, _ := nodes.Seek([]byte{nodeRowsByte}); k != nil && isNodeKey(k); {
			node := bytes.Clone(k[:nodeTagLen])
			prefetchRange(tx, rb, append(slices.Clip(node), lo...), append(slices.Clip(node), hi...))
			if err := scan(node); err != nil {
				return err
			}
			after := prefixEnd(node)
			if after == nil {
				break
			}
			k, _ = nodes.Seek(after)
		}
		for _, d := range daily {
			t.Daily = append(t.Daily, *d)
		}
		med, err := medianDays(rb, hist, from, to)
		t.MedianDays = med
		return err
	})
	if err != nil || !ok {
		return t, ok, err
	}
	if od == nil {
		od = s.openDue(s.Snapshot())
	}
	t.Open, t.OpenBy = od.open, od.openBy
	n := od.overdue(now) // the first n deadlines have passed
	by := make([]int, len(od.owners))
	for _, d := range od.due[:n] {
		by[d.owner]++
	}
	t.OverdueBy = map[string]int{}
	for i, k := range by {
		if k > 0 {
			t.OverdueBy[od.owners[i]] = k
		}
	}
	// Each case once: those late in the period, and the open ones overdue now if the
	// period holds now.
	var seen bitset
	for _, id := range late {
		if seen.add(id) {
			t.Breaches++
		}
	}
	if p.Contains(now) {
		for _, d := range od.due[:n] {
			if seen.add(d.id) {
				t.Breaches++
			}
		}
	}
	return t, true, nil
}

// prefixEnd is the first key after every key that starts with p (nil: none).
func prefixEnd(p []byte) []byte {
	e := bytes.Clone(p)
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] < 0xff {
			e[i]++
			return e[:i+1]
		}
	}
	return nil
}

// medianDays is the median of the agency days of the cases that ended in [from, to),
// as ComputeStats takes it: the histogram says which bucket holds each middle rank, and
// that bucket's values in the period are read and sorted.
func medianDays(rb kv.Bucket, hist map[uint32]int, from, to uint32) (float64, error) {
	n := 0
	buckets := make([]uint32, 0, len(hist))
	for b, c := range hist {
		if c < 0 {
			return 0, fmt.Errorf("results: handling days bucket %d counts %d cases", b, c)
		}
		n += c
		buckets = append(buckets, b)
	}
	if n == 0 {
		return 0, nil
	}
	slices.Sort(buckets)
	at := func(rank int) (float64, error) {
		below := 0
		for _, b := range buckets {
			if rank < below+hist[b] {
				var vals []float64
				lo := sideDaysKey(b, from, 0)
				cur := rb.Cursor()
				for k, v := cur.Seek(lo); k != nil && len(k) == 14 && string(k[:6]) == string(lo[:6]); k, v = cur.Next() {
					if binary.BigEndian.Uint32(k[6:]) >= to {
						break
					}
					if len(v) != 8 {
						return 0, fmt.Errorf("results %s: malformed", describeResultKey(k))
					}
					vals = append(vals, math.Float64frombits(binary.BigEndian.Uint64(v)))
				}
				if len(vals) != hist[b] {
					return 0, fmt.Errorf("results: %d cases ended with %d–%d handling days in the period, but %d have their days", hist[b], b, b+1, len(vals))
				}
				slices.Sort(vals)
				return vals[rank-below], nil
			}
			below += hist[b]
		}
		return 0, fmt.Errorf("results: rank %d beyond the histogram", rank)
	}
	if n%2 == 1 {
		return at(n / 2)
	}
	a, err := at(n/2 - 1)
	if err != nil {
		return 0, err
	}
	b, err := at(n / 2)
	return (a + b) / 2, err
}

// bitset is a set of case ids.
type bitset []uint64

// add adds id and reports whether it was new.
func (b *bitset) add(id uint32) bool {
	w := int(id / 64)
	if w >= len(*b) {
		*b = append(*b, make([]uint64, w+1-len(*b))...)
	}
	m := uint64(1) << (id % 64)
	if (*b)[w]&m != 0 {
		return false
	}
	(*b)[w] |= m
	return true
}

// openDueSet is what the dashboard needs of the open cases, made once per snapshot: how
// many and whose, and their deadlines sorted, so that which have passed at any now is a
// binary search (SLA.Breached: a deadline that is set, not waiting for the applicant,
// and before now). Shared by every session: read only once made.
type openDueSet struct {
	open   int
	openBy map[string]int
	owners []string         // by index
	ix     map[string]int32 // owners' indexes by name
	due    []openDueEntry   // by deadline, then case id
}

func newOpenDueSet() *openDueSet {
	return &openDueSet{openBy: map[string]int{}, ix: map[string]int32{}}
}

type openDueEntry struct {
	sec   int64 // the deadline, as time.Time orders it
	nsec  int32
	owner int32 // index in owners
	id    uint32
}

// before orders entries by deadline, as time.Time orders them, then by case id (so that
// an entry is found again to be taken out).
func (e openDueEntry) before(o openDueEntry) int {
	if c := cmp.Compare(e.sec, o.sec); c != 0 {
		return c
	}
	if c := cmp.Compare(e.nsec, o.nsec); c != 0 {
		return c
	}
	return cmp.Compare(e.id, o.id)
}

// dueEntry is the entry of an open case's deadline (ok false: it has none that counts:
// none, or waiting for the applicant).
func dueEntry(id uint32, due workflow.Due) (e openDueEntry, ok bool) {
	if due.At.IsZero() || due.Paused {
		return e, false
	}
	return openDueEntry{sec: due.At.Unix(), nsec: int32(due.At.Nanosecond()), id: id}, true
}

// owner is owner's index in od, numbered now if new.
func (od *openDueSet) owner(owner string) int32 {
	o, ok := od.ix[owner]
	if !ok {
		o = int32(len(od.owners))
		od.ix[owner] = o
		od.owners = append(od.owners, owner)
	}
	return o
}

// openDue is the open cases' part of the results for sn: made once per snapshot and
// shared, and made from the previous snapshot's by the commit's changes when that one was
// made (a copy and a few binary searches instead of a pass over every case and a sort:
// at a million cases, about 380,000 deadlines).
func (s *Store) openDue(sn *Snapshot) *openDueSet {
	v := sn.views
	v.dueOnce.Do(func() {
		defer v.dueReady.Store(true)
		if p := v.duePrev; p != nil {
			v.due = p.due.derive(v.dueChanges)
			v.duePrev, v.dueChanges = nil, nil
			return
		}
		od := newOpenDueSet()
		var due dueList
		for sm := range sn.All() { // not Open(): its order is not needed
			if !sm.Stage.Terminal() {
				od.open++
				od.openBy[sm.Owner]++
				if e, ok := dueEntry(sm.ID, sm.Due); ok {
					e.owner = od.owner(sm.Owner)
					due.add(e)
				}
			}
		}
		od.due = due.sorted()
		v.due = od
	})
	return v.due
}

// derive is od with changes applied (in order: a batch may change one case twice); od
// itself is not changed.
func (od *openDueSet) derive(changes []viewChange) *openDueSet {
	n := &openDueSet{open: od.open, openBy: maps.Clone(od.openBy), owners: slices.Clip(od.owners), ix: maps.Clone(od.ix),
		due: slices.Grow(slices.Clone(od.due), len(changes))}
	for _, c := range changes {
		if sm := c.was; sm != nil && !sm.Stage.Terminal() {
			n.open--
			if n.openBy[sm.Owner]--; n.openBy[sm.Owner] <= 0 {
				delete(n.openBy, sm.Owner)
			}
			if e, ok := dueEntry(sm.ID, sm.Due); ok {
				if i, found := slices.BinarySearchFunc(n.due, e, openDueEntry.before); found {
					n.due = slices.Delete(n.due, i, i+1)
				}
			}
		}
		if sm := c.now; sm != nil && !sm.Stage.Terminal() {
			n.open++
			n.openBy[sm.Owner]++
			if e, ok := dueEntry(sm.ID, sm.Due); ok {
				e.owner = n.owner(sm.Owner)
				i, _ := slices.BinarySearchFunc(n.due, e, openDueEntry.before)
				n.due = slices.Insert(n.due, i, e)
			}
		}
	}
	return n
}

// stillLoading reports whether the summaries are still being loaded at open.
func (s *Store) stillLoading() bool {
	w := s.loadWait.Load()
	if w == nil {
		return false
	}
	select {
	case <-*w:
		return false
	default:
		return true
	}
}

// openDueOfRows is openDue from the open cases' entries ('o'), read in tx (the caller
// has made sure they were worked out under the rules in force: openRowsKept). The
// entries are read ahead in sequential runs.
func openDueOfRows(tx kv.Tx) (*openDueSet, error) {
	rb := tx.Bucket(bResults)
	lo := []byte{sidePrefix, sideOpen}
	prefetchRange(tx, rb, lo, []byte{sidePrefix, sideOpen + 1})
	od := newOpenDueSet()
	var open []int // per owner's index
	var due dueList
	cur := rb.Cursor()
	for k, v := cur.Seek(lo); k != nil && len(k) >= 2 && k[0] == sidePrefix && k[1] == sideOpen; k, v = cur.Next() {
		ob, e, hasDue, ok := parseOpenRow(v)
		if len(k) != 6 || !ok {
			return nil, fmt.Errorf("results %s: malformed", describeResultKey(k))
		}
		o, seen := od.ix[string(ob)] // one lookup an entry, and no string made for it
		if !seen {
			o = od.owner(string(ob))
			open = append(open, 0)
		}
		open[o]++
		if hasDue {
			e.id, e.owner = binary.BigEndian.Uint32(k[2:]), o
			due.add(e)
		}
	}
	for o, n := range open {
		od.openBy[od.owners[o]] = n
		od.open += n
	}
	od.due = due.sorted()
	return od, nil
}

// overdue is how many deadlines have passed at now (they come first): now.After(due).
func (od *openDueSet) overdue(now time.Time) int {
	at := openDueEntry{sec: now.Unix(), nsec: int32(now.Nanosecond())}
	n, _ := slices.BinarySearchFunc(od.due, at, func(e, now openDueEntry) int {
		if e.before(now) < 0 {
			return -1
		}
		return 1
	})
	return n
}

// rewriteLate rewrites every 'l' row from the stages left ('t' entries), judged by
// late: in the transaction of an admin's change of the SLA or the calendar.
func rewriteLate(tx kv.Tx, late *workflow.LateJudge) error {
	b := tx.Bucket(bResults)
	if b == nil {
		return nil
	}
	want := map[string]int64{}
	days := map[uint32]bool{}
	prefix := []byte{sidePrefix, sideMove}
	cur := b.Cursor()
	for k, v := cur.Seek(prefix); k != nil && len(k) >= 2 && k[0] == sidePrefix && k[1] == sideMove; k, v = cur.Next() {
		if len(k) != 14 || len(v) != 17 {
			return fmt.Errorf("results %s: malformed", describeResultKey(k))
		}
		day := binary.BigEndian.Uint32(k[2:])
		days[day] = true
		if late.Late(stageOfByte(v[0]), int64(binary.BigEndian.Uint64(v[1:])), int64(binary.BigEndian.Uint64(v[9:]))) {
			want[string(lateKey(day, binary.BigEndian.Uint32(k[6:])))]++
		}
	}
	var old [][]byte
	for day := range days {
		lo := lateKey(day, 0)[:5]
		for k, _ := cur.Seek(lo); k != nil && len(k) >= 5 && string(k[:5]) == string(lo); k, _ = cur.Next() {
			old = append(old, slices.Clone(k))
		}
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		c := counters{}
		c[cLate] = want[k]
		if err := b.Put([]byte(k), encodeCounters(&c)); err != nil {
			return err
		}
	}
	return nil
}

// checkResults compares the stored aggregates with want, recomputed from the cases and
// events; each difference is a problem naming the row. A row kept per node (a shared
// case base) is compared as the sum of every node's part and the plain row.
func (s *Store) checkResults(tx kv.Tx, want *aggSet, add func(Problem)) {
	checkResultsKept(s, tx, want, s.openRowsKept(tx), add)
}

// checkResultsKept is checkResults, the open cases' entries compared when rowsKept.
func checkResultsKept(s *Store, tx kv.Tx, want *aggSet, rowsKept bool, add func(Problem)) {
	b := tx.Bucket(bResults)
	if !rowsKept { // aggregates of "4" (a read-only open): the open cases' entries are not read
		want = want.withoutOpenRows()
	}
	exact := want.exactEntries()   // and which of them were compared
	sums := map[string]*counters{} // counter rows, summed over the nodes
	parts := map[string]int{}      // how many stored rows each sum has
	_ = b.ForEach(func(k, v []byte) error {
		if len(k) < 5 {
			add(Problem{What: fmt.Sprintf("results: malformed key %x", k)})
			return nil
		}
		lk := k
		if isNodeKey(k) {
			if lk = k[nodeTagLen:]; !isCounterRow(lk) || !perNode(lk[4]) {
				add(Problem{What: "results " + describeResultKey(k) + ": not a row a node keeps"})
				return nil
			}
		}
		switch {
		case isCounterRow(lk):
			var got counters
			if err := decodeCounters(v, &got); err != nil {
				add(Problem{What: "results " + describeResultKey(k) + ": unreadable: " + err.Error()})
				return nil
			}
			sum := sums[string(lk)]
			if sum == nil {
				sum = new(counters)
				sums[string(lk)] = sum
			}
			for i := range got {
				sum[i] += got[i]
			}
			parts[string(lk)]++
		case !rowsKept && isOpenKey(k): // left by a pass that was cut off; the next pass clears it
		default:
			w, ok := exact.get(k)
			if !ok || string(w) != string(v) {
				add(Problem{What: "results " + describeResultKey(k) + ": stored " + describeExact(k, v) + ", recomputed from the events " + describeExact(k, w)})
			}
		}
		return nil
	})
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		got := sums[k]
		var w counters
		if c := want.rows[k]; c != nil {
			w = *c
		}
		if *got != w {
			stored := describeCounters(got)
			if parts[k] > 1 {
				stored += fmt.Sprintf(" (the sum of %d nodes' rows)", parts[k])
			}
			add(Problem{What: "results " + describeResultKey([]byte(k)) + ": stored " + stored + ", recomputed from the events " + describeCounters(&w)})
		}
	}
	var missing []string
	for k, c := range want.rows {
		if sums[k] == nil && !c.zero() {
			missing = append(missing, k)
		}
	}
	exact.unseen(func(k string) { missing = append(missing, k) })
	slices.Sort(missing)
	for _, k := range missing {
		add(Problem{What: "results " + describeResultKey([]byte(k)) + ": missing; recomputed from the events it should be " + describeExactOrCounters(want, exact, k)})
	}
}

// withoutOpenRows is a copy of a without the open cases' entries.
func (a *aggSet) withoutOpenRows() *aggSet {
	out := &aggSet{rows: a.rows, exact: make(map[string][]byte, len(a.exact)), late: a.late}
	if a.flat != nil {
		f := *a.flat
		f.noOpen = true
		out.flat = &f
	}
	for k, v := range a.exact {
		if !isOpenKey([]byte(k)) {
			out.exact[k] = v
		}
	}
	return out
}

// isOpenKey: the entry of an open case (sideOpenKey).
func isOpenKey(k []byte) bool { return len(k) == 6 && k[0] == sidePrefix && k[1] == sideOpen }

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
	case len(k) == 6 && k[0] == sidePrefix && k[1] == sideOpen:
		owner, e, due, ok := parseOpenRow(v)
		if !ok {
			return fmt.Sprintf("unreadable %x", v)
		}
		at := "none that counts"
		if due {
			at = time.Unix(e.sec, int64(e.nsec)).In(workflow.ChinaTZ).Format(time.RFC3339Nano)
		}
		return workflow.CleanLine(fmt.Sprintf("staff %s, deadline %s", owner, at))
	case len(k) == 14 && k[0] == sidePrefix && k[1] == sideDays && len(v) == 8:
		return fmt.Sprintf("%g days", math.Float64frombits(binary.BigEndian.Uint64(v)))
	case len(k) == 14 && k[0] == sidePrefix && k[1] == sideMove && len(v) == 17:
		return fmt.Sprintf("left %s entered %s at %s", stageOfByte(v[0]),
			time.Unix(0, int64(binary.BigEndian.Uint64(v[1:]))).In(workflow.ChinaTZ).Format(time.RFC3339),
			time.Unix(0, int64(binary.BigEndian.Uint64(v[9:]))).In(workflow.ChinaTZ).Format(time.RFC3339))
	}
	return fmt.Sprintf("%x", v)
}

func describeExactOrCounters(a *aggSet, exact *exactEntries, k string) string {
	if c := a.rows[k]; c != nil {
		return describeCounters(c)
	}
	return describeExact([]byte(k), exact.value(k))
}

// statsRange reads up to n cases from id from on (as ForStats keeps them) and their
// events (as StatEvents), decoded on every core; last is the last id read.
func (s *Store) statsRange(tx kv.Tx, from uint32, n int) ([]workflow.Case, map[uint32][]workflow.StatEvent, uint32, error) {
	type raw struct{ k, v []byte }
	var rc []raw
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
	re, err := caseGroups(tx.Bucket(bEvents), from, last)
	if err != nil {
		return nil, nil, 0, err
	}
	cases := make([]workflow.Case, len(rc))
	err = s.parallelRead(len(rc), string(bCases), func(lo, hi int) error {
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
	events, err := s.leanGroups(re)
	if err != nil {
		return nil, nil, 0, err
	}
	return cases, events, last, nil
}
