package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/workflow"
)

// resultsPeriods are the periods the aggregates are held to over the cases' span: every
// month, quarter and year, ranges that cross a year end, single days and a range longer
// than the data.
func resultsPeriods(t *testing.T, s *store.Store) []workflow.Period {
	t.Helper()
	all, err := s.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	first, last := all[0].ReceivedAt, all[0].ReceivedAt
	for _, c := range all {
		if c.ReceivedAt.Before(first) {
			first = c.ReceivedAt
		}
		for _, at := range []time.Time{c.ReceivedAt, c.UpdatedAt} {
			if at.After(last) {
				last = at
			}
		}
	}
	var out []workflow.Period
	add := func(spec string) {
		p, err := workflow.ParsePeriod(spec, last)
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		out = append(out, p)
	}
	f, l := first.In(workflow.ChinaTZ), last.In(workflow.ChinaTZ)
	for y := f.Year(); y <= l.Year(); y++ {
		add(fmt.Sprint(y))
		for q := 1; q <= 4; q++ {
			add(fmt.Sprintf("%d-Q%d", y, q))
		}
		for m := 1; m <= 12; m++ {
			add(fmt.Sprintf("%d-%02d", y, m))
		}
		add(fmt.Sprintf("%d-11-15..%d-02-10", y, y+1)) // across the year end
		add(fmt.Sprintf("%d-12-31", y))
	}
	add(f.AddDate(-1, 0, 0).Format("2006-01-02") + ".." + l.AddDate(1, 0, 0).Format("2006-01-02"))
	for _, k := range []string{"month", "quarter", "year"} {
		add(k)
	}
	return out
}

// sameResults compares the aggregates' table with the full scan's for every period, and
// reports how much the comparison covered.
func sameResults(t *testing.T, s *store.Store, now time.Time) (compared workflow.Results) {
	t.Helper()
	// The full scan's data, read once (s.ResultsFullScan reads it for each period).
	cases, events, err := s.StatsData()
	if err != nil {
		t.Fatal(err)
	}
	set := s.Settings()
	for _, p := range resultsPeriods(t, s) {
		got, err := s.Results(p, now)
		if err != nil {
			t.Fatal(err)
		}
		want := workflow.ComputeResults(cases, events, p, set.SLA, set.Calendar(), now)
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Fatalf("period %s: the aggregates give\n%s\nthe full scan\n%s", p, g, w)
		}
		// The open figures from the open cases' entries (as in a fresh process, while the
		// summaries load), where the aggregates have them.
		if store.OpenRowsKept(s) && workflow.DayAligned(p) {
			rows, err := store.ResultsFromOpenRows(s, p, now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rows, want) {
				g, _ := json.Marshal(rows)
				w, _ := json.Marshal(want)
				t.Fatalf("period %s: the aggregates with the open cases' entries give\n%s\nthe full scan\n%s", p, g, w)
			}
		}
		for _, lang := range []string{"zh", "en"} {
			if !reflect.DeepEqual(got.Rows(lang), want.Rows(lang)) {
				t.Fatalf("period %s: rows differ", p)
			}
		}
		// What was compared, summed over the periods: the comparison must reach every row.
		compared.Received += got.Received
		compared.Repaired += got.Repaired
		compared.DeclinedAtReview += got.DeclinedAtReview
		compared.WhitewashDeclined += got.WhitewashDeclined
		compared.SLABreaches += got.SLABreaches
		compared.Ended += got.Ended
		compared.Accepted += got.Accepted
		compared.Decided += got.Decided
		compared.Open = got.Open
		compared.FollowUps += got.FollowUps
		compared.Satisfied += got.Satisfied
		compared.BasicallySatisfied += got.BasicallySatisfied
		compared.Dissatisfied += got.Dissatisfied
		compared.ThanksReceived += got.ThanksReceived
		if got.Goal != set.SLA.HandlingGoal() {
			t.Fatalf("period %s: goal %+v, the settings' %+v", p, got.Goal, set.SLA.HandlingGoal())
		}
		compared.Goal = got.Goal
		for _, st := range got.StageTimes {
			compared.StageTimes = append(compared.StageTimes, st)
		}
	}
	return compared
}

// TestResultsMatchFullScan: the results table from the day buckets is identical to the
// full scan over every case and event (workflow.ComputeResults), over a demo office of
// three years — written by the bulk load, with its follow-up calls and thanks — for every
// month, quarter and year, ranges across a year end and single days; then again after
// interactive work through the one write path (new cases taken to the end, a follow-up
// call on a closed case and thanks received days later, reassignments, withdrawals,
// comments, a new handling-time goal), and with now in the past, where the cases late now
// are not counted.
func TestResultsMatchFullScan(t *testing.T) {
	s, _, clk := newStore(t)
	if err := office.GenerateDemo(s, 1100, 7); err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	cov := sameResults(t, s, now)
	stageN := 0
	for _, st := range cov.StageTimes {
		stageN += st.Count
	}
	if cov.Received < 1100 || cov.Repaired == 0 || cov.DeclinedAtReview == 0 || cov.WhitewashDeclined == 0 || cov.SLABreaches == 0 ||
		cov.Ended == 0 || cov.Accepted == 0 || cov.Decided == 0 || cov.Open == 0 || stageN == 0 ||
		cov.FollowUps == 0 || cov.Satisfied == 0 || cov.BasicallySatisfied == 0 || cov.Dissatisfied == 0 || cov.ThanksReceived == 0 ||
		cov.Goal == (workflow.HandlingGoal{}) {
		t.Fatalf("the demo does not exercise every row: %+v (stage changes %d)", cov, stageN)
	}

	// Interactive work on top.
	a := create(t, s, entA)
	advance(t, s, a.ID, workflow.StageClosed)
	// The follow-up call on the closed case, and thanks received three days later: the
	// commit path moves the call's day and the thanks' day in the aggregates.
	day := func(at time.Time) workflow.Period {
		p, err := workflow.ParsePeriod(workflow.Day(at), at)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	results := func(p workflow.Period) workflow.Results {
		r, err := s.Results(p, s.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	called := do(t, s, a.ID, li, workflow.Action{Kind: workflow.ActFollowUp, FollowUp: &workflow.FollowUp{
		Satisfaction: "basically_satisfied", Thanks: []workflow.Thanks{{Kind: "letter"}}}})
	callDay := day(called.FollowUp.At)
	if r := results(callDay); r.FollowUps != 1 || r.BasicallySatisfied != 1 || r.ThanksReceived != 1 {
		t.Fatalf("on the day of the call: calls %d, basically satisfied %d, thanks %d; want 1, 1, 1", r.FollowUps, r.BasicallySatisfied, r.ThanksReceived)
	}
	clk.Set(s.Now().AddDate(0, 0, 3))
	thanked := do(t, s, a.ID, chen, workflow.Action{Kind: workflow.ActFollowUp, FollowUp: &workflow.FollowUp{
		Thanks: []workflow.Thanks{{Kind: "banner"}, {Kind: "letter"}}}})
	if r := results(callDay); r.FollowUps != 1 || r.ThanksReceived != 1 {
		t.Fatalf("the call's day after later thanks: calls %d, thanks %d; want 1, 1", r.FollowUps, r.ThanksReceived)
	}
	if r := results(day(thanked.FollowUp.Thanks[2].At)); r.FollowUps != 0 || r.ThanksReceived != 2 {
		t.Fatalf("the day of the later thanks: calls %d, thanks %d; want 0, 2", r.FollowUps, r.ThanksReceived)
	}
	if err := s.UpdateSettings(root, func(set *store.Settings) error {
		set.SLA.Goal = workflow.HandlingGoal{Baseline: 30, Target: 12}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b := create(t, s, entB)
	advance(t, s, b.ID, workflow.StageSubmitted)
	c := create(t, s, entC)
	do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActComment, Comment: "企业来电"})
	do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回申请"})
	declineAtReview(t, s)
	n := 0
	for _, sm := range s.Snapshot().Open() {
		if n == 40 {
			break
		}
		var act workflow.Action
		switch n % 3 {
		case 0:
			act = workflow.Action{Kind: workflow.ActReassign, Assignee: li.Name}
		case 1:
			act = workflow.Action{Kind: workflow.ActComment, Comment: "跟进"}
		default:
			act = workflow.Action{Kind: workflow.ActWithdraw, Comment: "企业撤回申请"}
		}
		if _, err := s.Apply(sm.ID, sm.Version, chen, act); err == nil {
			n++
		}
	}
	if n < 40 {
		t.Fatalf("only %d actions on demo cases went through", n)
	}
	if cov := sameResults(t, s, s.Now()); cov.Goal != (workflow.HandlingGoal{Baseline: 30, Target: 12}) {
		t.Fatalf("goal %+v after it was set to 30 and 12", cov.Goal)
	}
	sameResults(t, s, now.AddDate(0, -7, 0))
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("check after the work: %v", p[:min(len(p), 5)])
	}
}

// resultsRows lists the keys of the aggregates' bucket.
func resultsRows(t *testing.T, path string) [][]byte {
	t.Helper()
	var out [][]byte
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("results"))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error { out = append(out, append([]byte(nil), k...)); return nil })
	})
	return out
}

// TestCheckFindsTamperedResults: check recomputes the aggregates from the events and
// fails on a changed counter (a case's or a follow-up call's), a changed exact entry, a
// removed one and an extra one, naming the row.
func TestCheckFindsTamperedResults(t *testing.T) {
	s, path, _ := newStore(t)
	if err := office.GenerateDemo(s, 150, 3); err != nil {
		t.Fatal(err)
	}
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("a clean demo has problems: %v", p)
	}
	s.Close()
	rows := resultsRows(t, path)
	var counter, move, days, followUp, stageTime, hist, late []byte
	for _, k := range rows {
		switch {
		case k[0] == 0 && k[1] == 't' && move == nil:
			move = k
		case k[0] == 0 && k[1] == 'd' && days == nil:
			days = k
		case k[0] == 0:
		case k[4] == 'e' && counter == nil:
			counter = k
		case k[4] == 'f' && followUp == nil:
			followUp = k
		case k[4] == 's' && stageTime == nil:
			stageTime = k
		case k[4] == 'h' && hist == nil:
			hist = k
		case k[4] == 'l' && late == nil:
			late = k
		}
	}
	if counter == nil || move == nil || days == nil || followUp == nil || stageTime == nil || hist == nil || late == nil {
		t.Fatalf("the demo's aggregates lack a kind of row (%d rows)", len(rows))
	}
	cases := []struct {
		name string
		edit func(b *bolt.Bucket) error
		want []string
	}{
		{"a counter raised", func(b *bolt.Bucket) error {
			v := append([]byte(nil), b.Get(counter)...)
			v = append(v, 2, 2) // closed += 1
			return b.Put(counter, v)
		}, []string{"ended", "stored", "closed="}},
		{"a satisfied follow-up call added", func(b *bolt.Bucket) error {
			v := append([]byte(nil), b.Get(followUp)...)
			v = append(v, 11, 2) // satisfied += 1
			return b.Put(followUp, v)
		}, []string{"follow-ups", "stored", "satisfied="}},
		{"a stage change removed", func(b *bolt.Bucket) error { return b.Delete(move) }, []string{"stage left by case", "missing"}},
		{"a stage's time raised", func(b *bolt.Bucket) error {
			v := append([]byte(nil), b.Get(stageTime)...)
			v = append(v, 18, 2) // stage_sec += 1
			return b.Put(stageTime, v)
		}, []string{"stages left", "stage ", "stored", "stage_sec="}},
		{"a handling-days bucket changed", func(b *bolt.Bucket) error {
			return b.Put(hist, []byte{20, 6}) // ended_in_bucket = 3
		}, []string{"cases ended with", "handling days", "ended_in_bucket=3"}},
		{"a late flag removed", func(b *bolt.Bucket) error { return b.Delete(late) }, []string{"stages left late by case", "missing", "late_stages="}},
		{"handling days changed", func(b *bolt.Bucket) error {
			return b.Put(days, []byte{0x40, 0x24, 0, 0, 0, 0, 0, 0}) // 10 days
		}, []string{"handling days of case", "10 days"}},
		{"a row added", func(b *bolt.Bucket) error {
			k := append(append([]byte(nil), counter[:4]...), 'r', 0, 3, 'p', 'b', 'c', 'x')
			return b.Put(k, []byte{1, 2})
		}, []string{"received", "staff x", "recomputed from the events nothing"}},
	}
	clean := copyFile(t, path)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := copyFile(t, clean)
			tamper(t, p, func(tx *bolt.Tx) error { return tc.edit(tx.Bucket([]byte("results"))) })
			probs := checkAfter(t, p, 1<<31)
			if len(probs) != 1 {
				t.Fatalf("%d problems, want 1: %v", len(probs), probs)
			}
			for _, w := range tc.want {
				if !strings.Contains(probs[0].String(), w) {
					t.Errorf("problem %q does not say %q", probs[0], w)
				}
			}
		})
	}
}

// copyFile copies a database (and its key and anchors) to a new directory.
func copyFile(t *testing.T, path string) string {
	t.Helper()
	dst := dbPath(t)
	for _, suffix := range []string{"", ".key", ".anchors", ".anchor-key", ".anchor-key.pub"} {
		b, err := os.ReadFile(path + suffix)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestResultsBuiltOnOpen: a file written before the aggregates existed opens read-only
// with the same figures (the full scan), and the first read-write open builds them once,
// reporting progress up to every case; the next open builds nothing.
func TestResultsBuiltOnOpen(t *testing.T) {
	s, path, clk := newStore(t)
	if err := office.GenerateDemo(s, 300, 5); err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	p, _ := workflow.ParsePeriod("year", now)
	want, err := s.Results(p, now)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	tamper(t, path, func(tx *bolt.Tx) error { // as an older repairdesk left it
		if err := tx.DeleteBucket([]byte("results")); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("results.version"))
	})
	ro, err := store.Open(path, store.Options{ReadOnly: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ro.Results(p, now)
	ro.Close()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("read-only without aggregates: %v\n%+v\nwant %+v", err, got.Stats, want.Stats)
	}
	if n := len(resultsRows(t, path)); n != 0 {
		t.Fatalf("a read-only open wrote %d rows", n)
	}
	var calls [][2]int64
	rw, err := store.Open(path, store.Options{Now: clk.Now, Progress: func(what string, done, total int64) {
		calls = append(calls, [2]int64{done, total})
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 || calls[0][0] != 0 || calls[len(calls)-1] != [2]int64{300, 300} {
		t.Errorf("progress %v, want 0 … 300 of 300", calls)
	}
	got, err = rw.Results(p, now)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after the build: %v\n%+v\nwant %+v", err, got.Stats, want.Stats)
	}
	if probs := rw.Check(); len(probs) != 0 {
		t.Fatalf("check after the build: %v", probs)
	}
	rw.Close()
	if n := len(resultsRows(t, path)); n < 300 {
		t.Fatalf("the build wrote %d rows", n)
	}
	calls = nil
	again, err := store.Open(path, store.Options{Now: clk.Now, Progress: func(what string, done, total int64) {
		calls = append(calls, [2]int64{done, total})
	}})
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
	if len(calls) != 0 {
		t.Errorf("a second open built again: %v", calls)
	}
}

// TestStatsDataKeepsDeclineFrom: the dashboard's lean cases keep where a decline was
// made, so a decline at formal review is not counted in the success rate's base. (The
// lean cases dropped it: every decline but a whitewash attempt counted as decided.)
func TestStatsDataKeepsDeclineFrom(t *testing.T) {
	s, _, _ := newStore(t)
	if err := office.GenerateDemo(s, 100, 11); err != nil {
		t.Fatal(err)
	}
	declineAtReview(t, s)
	cases, events, err := s.StatsData()
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	p := workflow.Period{From: time.Date(2000, 1, 1, 0, 0, 0, 0, workflow.ChinaTZ), To: time.Date(2100, 1, 1, 0, 0, 0, 0, workflow.ChinaTZ)}
	set := s.Settings()
	lean := workflow.ComputeResults(cases, events, p, set.SLA, set.Calendar(), s.Now())
	full := workflow.ComputeResults(all, events, p, set.SLA, set.Calendar(), s.Now())
	if full.DeclinedAtReview <= full.WhitewashDeclined {
		t.Fatalf("no decline at formal review but whitewash attempts (%d)", full.DeclinedAtReview)
	}
	if lean.DeclinedAtReview != full.DeclinedAtReview || lean.Decided != full.Decided || lean.SuccessRate != full.SuccessRate {
		t.Fatalf("lean cases: declined at review %d, decided %d; whole cases %d, %d",
			lean.DeclinedAtReview, lean.Decided, full.DeclinedAtReview, full.Decided)
	}
}

// declineAtReview takes in a case and declines it at formal review (out of scope: not a
// whitewash attempt), and another after investigation.
func declineAtReview(t *testing.T, s *store.Store) {
	t.Helper()
	dec := workflow.Action{Kind: workflow.ActDecline, Decline: &workflow.Decline{Reason: "out_of_scope",
		Explanation: "该记录不属于信用修复范围", Avenues: []string{"pbc_complaint"}}}
	a := create(t, s, entA)
	do(t, s, a.ID, wang, dec)
	b := create(t, s, entB)
	advance(t, s, b.ID, workflow.StageInvestigating)
	do(t, s, b.ID, wang, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{
		Checked: "与报送银行核对还款流水", Contact: "bank", Method: "letter", Result: "cannot_determine"}})
	do(t, s, b.ID, wang, dec)
}

// TestResultsLateFlagsFollowSettings: a stage left late depends on the stage limits and
// the calendar in force. An admin's change of either rewrites the late flags in its own
// transaction, so the breach count from the aggregates stays the full scan's, and check
// stays clean; a change of neither leaves them as they are.
func TestResultsLateFlagsFollowSettings(t *testing.T) {
	s, _, _ := newStore(t)
	if err := office.GenerateDemo(s, 600, 13); err != nil {
		t.Fatal(err)
	}
	now := s.Now()
	past := now.AddDate(0, -7, 0) // the cases late now are not counted: only stages left late
	breaches := func() int {
		n := 0
		for _, p := range resultsPeriods(t, s) {
			r, err := s.Results(p, past)
			if err != nil {
				t.Fatal(err)
			}
			n += r.SLABreaches
		}
		return n
	}
	before := breaches()
	if before == 0 {
		t.Fatal("the demo has no stage left late")
	}
	// Tighter stage limits: more stages left late.
	if err := s.UpdateSettings(root, func(set *store.Settings) error {
		for st, l := range set.SLA.Stage {
			if l.Days > 1 {
				l.Days = 1
				set.SLA.Stage[st] = l
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tight := breaches()
	if tight <= before {
		t.Fatalf("breaches %d with one-day limits, %d before: the late flags were not rewritten", tight, before)
	}
	sameResults(t, s, past)
	sameResults(t, s, now)
	// A calendar year in which every weekday of the first half is a holiday: dues move
	// past those days, fewer stages were late.
	year := now.In(workflow.ChinaTZ).Year()
	cy := workflow.CalendarYear{Year: year, Source: "test"}
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, workflow.ChinaTZ); d.Month() <= 6; d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			cy.Holidays = append(cy.Holidays, workflow.CalendarDay{Date: d.Format("2006-01-02"), Name: "test"})
		}
	}
	if err := s.UpdateSettings(root, func(set *store.Settings) error {
		set.CalendarYears = append(set.CalendarYears, cy)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := breaches(); got == tight {
		t.Fatalf("breaches %d after half a year of holidays, as before: the late flags were not rewritten", got)
	}
	sameResults(t, s, past)
	sameResults(t, s, now)
	// A change of neither (the letterhead) keeps them.
	if err := s.UpdateSettings(root, func(set *store.Settings) error {
		set.SLA.Goal = workflow.HandlingGoal{Baseline: 40, Target: 20}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sameResults(t, s, past)
	if p := s.Check(); len(p) != 0 {
		t.Fatalf("check after the changes: %v", p[:min(len(p), 5)])
	}
}

// TestResultsRebuiltOnNewLayout: a file whose aggregates are of an earlier layout
// (version "2": one entry per ended case and per stage left inside the days' range)
// rebuilds them once at its first read-write open, with progress; the old entries are
// gone, the figures are the full scan's and check is clean; the next open builds nothing.
func TestResultsRebuiltOnNewLayout(t *testing.T) {
	path, clk := closedDemo200(t)
	// An old-layout entry: day | 'd' | case id → days, as version 2 kept them.
	old := []byte{0x80, 0x00, 0x50, 0x00, 'd', 0, 0, 0, 7}
	tamper(t, path, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("results")).Put(old, []byte{0x40, 0x24, 0, 0, 0, 0, 0, 0}); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("results.version"), []byte("2"))
	})
	rw, calls := openHearingBuild(t, path, clk)
	if len(calls) < 2 || calls[len(calls)-1] != [2]int64{200, 200} {
		t.Errorf("progress %v, want 0 … 200 of 200", calls)
	}
	sameResults(t, rw, rw.Now())
	if probs := rw.Check(); len(probs) != 0 {
		t.Fatalf("check after the rebuild: %v", probs)
	}
	rw.Close()
	for _, k := range resultsRows(t, path) {
		if string(k) == string(old) {
			t.Fatal("the old layout's entry survived the rebuild")
		}
	}
	again, calls := openHearingBuild(t, path, clk)
	again.Close()
	if len(calls) != 0 {
		t.Errorf("a second open built again: %v", calls)
	}
}

// TestFileOfLayout3IsNotRebuilt: layout "4" only keeps a shared case base's node rows
// apart; a file (which has none) of layout "3" opens without a rebuild, its figures are
// the full scan's, and check compares them.
func TestFileOfLayout3IsNotRebuilt(t *testing.T) {
	path, clk := closedDemo200(t)
	tamper(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("results.version"), []byte("3"))
	})
	rw, calls := openHearingBuild(t, path, clk)
	defer rw.Close()
	if len(calls) != 0 {
		t.Errorf("a file of layout 3 was rebuilt: %v", calls)
	}
	if !rw.ResultsKept() {
		t.Fatal("a file of layout 3 is not read from its aggregates")
	}
	sameResults(t, rw, rw.Now())
	if probs := rw.Check(); len(probs) != 0 {
		t.Fatalf("check: %v", probs)
	}
}

// openHearingBuild opens path for writing and returns the store with the progress of its
// results build at open (done, total), if it built.
func openHearingBuild(t *testing.T, path string, clk *testClock) (*store.Store, [][2]int64) {
	t.Helper()
	var calls [][2]int64
	s, err := store.Open(path, store.Options{Now: clk.Now, Progress: func(what string, done, total int64) {
		if what == "results" {
			calls = append(calls, [2]int64{done, total})
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s, calls
}
