package workflow

// The results table of the seed: what the supervisors' dashboard shows and what
// `repairdesk report` prints, computed once here for both.

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"repairdesk/internal/msg"
)

// Results are the dashboard's figures (Stats) with the counts its rates and
// averages are taken over, so "nothing to measure" shows as — rather than as 0.
type Results struct {
	Stats
	Decided  int // compliant applications that reached an outcome in the period (closed with one, or declined after investigation): the success rate's base
	Ended    int // closed or declined in the period: the handling days' base
	Accepted int // accepted in the period: the first-notice rate's base
	// Goal is the handling-time baseline and target in force (SLA.HandlingGoal), shown
	// beside the measured average in the console and in the report.
	Goal HandlingGoal

	// The follow-up calls (回访) recorded in the period, by the enterprise's answer, and
	// the thank-you letters and banners received in it (seed 001's results row 3).
	FollowUps, Satisfied, BasicallySatisfied, Dissatisfied int
	ThanksReceived                                         int
}

// SatisfactionRate is the share of follow-up calls that answered 满意 or 基本满意 (0–1);
// 0 when no call was recorded in the period.
func (r Results) SatisfactionRate() float64 {
	if r.FollowUps == 0 {
		return 0
	}
	return float64(r.Satisfied+r.BasicallySatisfied) / float64(r.FollowUps)
}

// countFollowUps adds the follow-up calls and thanks of c that fall in p.
func (r *Results) countFollowUps(c *Case, p Period) {
	f := c.FollowUp
	if f == nil {
		return
	}
	if f.Satisfaction != "" && p.Contains(f.At) {
		r.FollowUps++
		switch f.Satisfaction {
		case "satisfied":
			r.Satisfied++
		case "basically_satisfied":
			r.BasicallySatisfied++
		case "dissatisfied":
			r.Dissatisfied++
		}
	}
	for _, t := range f.Thanks {
		if p.Contains(t.At) {
			r.ThanksReceived++
		}
	}
}

// ComputeResults runs Compute and counts the bases of its rates the same way.
func ComputeResults(cases []Case, events map[uint32][]StatEvent, p Period,
	sla SLA, cal *Calendar, now time.Time) Results {
	r := Results{Stats: ComputeStats(cases, events, p, sla, cal, now), Goal: sla.HandlingGoal()}
	for i := range cases {
		c := &cases[i]
		r.countFollowUps(c, p)
		if !c.Stage.Terminal() || !p.Contains(c.ClosedAt) {
			continue
		}
		switch c.Stage {
		case StageClosed:
			r.Ended++
			if c.Outcome != nil {
				r.Decided++
			}
		case StageDeclined:
			r.Ended++
			if CompliantDecline(c) {
				r.Decided++
			}
		}
	}
	for _, evs := range events {
		for _, ev := range evs {
			if ev.Is(ActAccept) && ev.From != 0 && ev.From != ev.To && p.Contains(ev.Time()) {
				r.Accepted++
			}
		}
	}
	return r
}

// ResultRow is one line of the seed's results table.
type ResultRow struct {
	Key   string  // stable: received, repaired, success_rate, satisfaction, thanks, avg_days, median_days, stage, sla_breaches, first_notice, whitewash, open, closed
	Stage Stage   // with Key "stage": which stage
	Label string  // in full, e.g. 平均办理天数（不含企业补正时间）; for a stage, the stage's name
	Short string  // for the screen, e.g. 平均办理天数¹
	Value float64 // a count, days, or a percentage 0–100; 0 when NA
	Unit  string  // 笔, 件, 天, %
	Text  string  // Value with its unit; "—" when NA
	NA    bool    // nothing to measure in the period
	Note  string  // the base, short, for the screen: "2/3", "5 件", "12 次"
	Basis string  // the base in words, for reports: 已有结论 3 笔，其中成功修复 2 笔
	Goal  string  // avg_days: the baseline and target in force, shown beside the figure
}

// Rows lays the results out in the seed's order: received, repaired, success rate,
// average and median handling days, time per stage, SLA breaches, first-notice
// completeness, whitewash attempts declined, open now, closed in the period.
func (r Results) Rows(lang string) []ResultRow {
	t := func(k string, a ...any) string { return msg.T(lang, k, a...) }
	count := func(key, unit string, n int) ResultRow {
		l := t("res." + key)
		return ResultRow{Key: key, Label: l, Short: l, Value: float64(n), Unit: t(unit), Text: strconv.Itoa(n) + unitSep(lang) + t(unit)}
	}
	pct := func(key string, rate float64, num, den int) ResultRow {
		l := t("res." + key)
		row := ResultRow{Key: key, Label: l, Short: l, Unit: "%"}
		if den == 0 {
			row.NA, row.Text, row.Basis = true, "—", t("res.na_"+key)
			return row
		}
		row.Value = rate * 100
		row.Text = strconv.FormatFloat(row.Value, 'f', 1, 64) + "%"
		row.Note = t("res.note_rate", num, den)
		row.Basis = t("res.basis_"+key, den, num)
		return row
	}
	days := func(key string, v float64, base int, note, basis string) ResultRow {
		row := ResultRow{Key: key, Label: t("res." + key), Short: t("res." + key + "_short"), Unit: t("res.unit_days")}
		if base == 0 {
			row.NA, row.Text, row.Basis = true, "—", t("res.na_"+key)
			return row
		}
		row.Value = v
		row.Text = strconv.FormatFloat(v, 'f', 1, 64) + unitSep(lang) + row.Unit
		row.Note, row.Basis = note, basis
		return row
	}
	var out []ResultRow
	out = append(out, count("received", "res.unit_apps", r.Received), count("repaired", "res.unit_apps", r.Repaired))
	out = append(out, pct("success_rate", r.SuccessRate, r.Repaired, r.Decided))
	sat := pct("satisfaction", r.SatisfactionRate(), r.Satisfied+r.BasicallySatisfied, r.FollowUps)
	if !sat.NA {
		sat.Basis = t("res.basis_satisfaction", r.FollowUps, r.Satisfied, r.BasicallySatisfied, r.Dissatisfied)
	}
	out = append(out, sat, count("thanks", "res.unit_times", r.ThanksReceived))
	ended := t("res.basis_days", r.Ended)
	avg := days("avg_days", r.AvgDays, r.Ended, t("res.note_cases", r.Ended), ended)
	if g := r.Goal; g != (HandlingGoal{}) { // the baseline and target beside the measured figure
		avg.Goal = t("res.goal", g.Baseline, g.Target)
		avg.Basis += t("res.goal_sep") + avg.Goal
	}
	out = append(out, avg, days("median_days", r.MedianDays, r.Ended, t("res.note_cases", r.Ended), ended))
	for _, s := range r.StageTimes {
		row := days("stage", s.AvgDays, s.Count, t("res.note_times", s.Count), t("res.basis_stage", s.Count))
		row.Stage, row.Label, row.Short = s.Stage, s.Stage.Label(lang), s.Stage.Label(lang)
		out = append(out, row)
	}
	out = append(out, count("sla_breaches", "res.unit_cases", r.SLABreaches))
	firstOK := int(r.FirstNoticeRate*float64(r.Accepted) + 0.5)
	out = append(out, pct("first_notice", r.FirstNoticeRate, firstOK, r.Accepted))
	out = append(out, count("whitewash", "res.unit_apps", r.WhitewashDeclined), count("declined_review", "res.unit_apps", r.DeclinedAtReview),
		count("open", "res.unit_cases", r.Open), count("closed", "res.unit_cases", r.Closed))
	return out
}

// ResultDefinitions are the definitions printed under the results table.
func ResultDefinitions(lang string) []string {
	var out []string
	for _, k := range []string{"res.def_success_rate", "res.def_satisfaction", "res.def_declined_review", "res.def_days", "res.def_goal"} {
		out = append(out, msg.T(lang, k))
	}
	return out
}

// unitSep goes between a figure and its unit: 12 笔, 12 cases.
func unitSep(string) string { return " " }

// PeriodKind names the span of a dashboard period.
type PeriodKind int

const (
	PeriodMonth PeriodKind = iota
	PeriodQuarter
	PeriodYear
)

// PeriodOf is the month, quarter or year that day falls in (China time), with its
// name in lang: 2026年3月 / Mar 2026, 2026年第1季度 / Q1 2026, 2026年 / 2026.
func PeriodOf(kind PeriodKind, day time.Time, lang string) (Period, string) {
	d := day.In(ChinaTZ)
	y, m := d.Year(), int(d.Month())
	var spec, name string
	switch kind {
	case PeriodYear:
		spec = fmt.Sprintf("%04d", y)
		name = msg.T(lang, "period.name_year", y)
	case PeriodQuarter:
		q := (m-1)/3 + 1
		spec = fmt.Sprintf("%04d-Q%d", y, q)
		name = msg.T(lang, "period.name_quarter", y, q)
	default:
		spec = fmt.Sprintf("%04d-%02d", y, m)
		name = msg.T(lang, "period.name_month", y, m, time.Month(m).String()[:3])
	}
	p, err := ParsePeriod(spec, d)
	if err != nil { // only a year outside 1900–9999 gets here
		return Period{}, name
	}
	return p, name
}

// ---- the results table from the store's day buckets ----

// Tally is what the store keeps of a period in its day buckets (store/results.go): sums
// of counters, and the few figures that are not sums worked out exactly by the store.
// ResultsFromTally turns it into the same Results ComputeResults gives over every case
// and event.
type Tally struct {
	Received, Closed, Repaired, Decided, DeclinedAtReview, Whitewash, Ended int
	Accepted, FirstOK                                                       int
	// The follow-up calls in the period by answer (on the day of the call) and the thanks
	// received in it (each on its own day), as Results.countFollowUps counts them.
	FollowUps, Satisfied, BasicallySatisfied, Dissatisfied, Thanks int
	// Daily: received and closed per day of the period (the weekly chart).
	Daily []DayCount
	// ClosedBy: cases that reached a terminal stage in the period, per owner.
	ClosedBy map[string]int
	// DaysSum is the agency time (AgencyTime) of the Ended cases; MedianDays the median
	// of their agency days (AgencyDays), exactly as ComputeStats takes it.
	DaysSum    NanoSum
	MedianDays float64
	// StageN and StageSum: the stage changes in the period out of each non-terminal
	// stage whose entry is known, and the time spent in it.
	StageN   map[Stage]int
	StageSum map[Stage]NanoSum
	// Breaches: the cases that left a stage late in the period, and, when the period
	// holds now, the open cases overdue now; each case once.
	Breaches int
	// Open, OpenBy and OverdueBy: the cases open now (not period-bound), per owner, and
	// those overdue now per owner.
	Open              int
	OpenBy, OverdueBy map[string]int
}

// DayCount is one day's received and closed cases.
type DayCount struct {
	Day              time.Time // 00:00 China time
	Received, Closed int
}

// LateJudge says whether a stage was left late by the SLA's stage limits, as
// ComputeStats judges it (at after the limit added to the entry); dues are kept per limit
// and day entered, which is all a due depends on.
// It is safe for concurrent use.
type LateJudge struct {
	sla  SLA
	cal  *Calendar
	mu   sync.Mutex
	dues map[lateKey]time.Time

	rulesOnce sync.Once
	rules     string
}

type lateKey struct {
	l   Limit
	day int64
}

// NewLateJudge judges by sla and cal (nil: DefaultCalendar).
func NewLateJudge(sla SLA, cal *Calendar) *LateJudge {
	if cal == nil {
		cal = DefaultCalendar()
	}
	return &LateJudge{sla: sla, cal: cal, dues: map[lateKey]time.Time{}}
}

// Late reports whether leaving stage from at (Unix ns), entered at entered, was late.
func (j *LateJudge) Late(from Stage, entered, at int64) bool {
	l, ok := j.sla.Stage[from]
	if !ok || l.Days <= 0 {
		return false
	}
	e := time.Unix(0, entered)
	k := lateKey{l, dayOf(e).Unix()}
	j.mu.Lock()
	due, ok := j.dues[k]
	j.mu.Unlock()
	if !ok {
		due, _ = l.Add(j.cal, e)
		j.mu.Lock()
		j.dues[k] = due
		j.mu.Unlock()
	}
	return time.Unix(0, at).After(due)
}

// SLA and Calendar are what j judges by (read only).
func (j *LateJudge) SLA() SLA            { return j.sla }
func (j *LateJudge) Calendar() *Calendar { return j.cal }

// DueRules names everything an open case's deadline (SLA.DueOf) is worked out from
// besides the case: the SLA's limits, the calendar's years, and the source book's limits and
// channels (shipped with the program, so a new version may change them). Two judges with
// the same DueRules give every case the same deadline; deadlines worked out and kept
// under one are stale under another.
func (j *LateJudge) DueRules() string {
	j.rulesOnce.Do(func() { j.rules = DueRules(j.sla, j.cal) })
	return j.rules
}

// DueRules is LateJudge.DueRules for sla and cal.
func DueRules(sla SLA, cal *Calendar) string {
	h := sha256.New()
	put := func(v any) {
		b, err := json.Marshal(v)
		if err != nil { // every part is plain data: cannot happen, but never hide it
			b = []byte(err.Error())
		}
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	// The parts of the SLA DueOf reads (keep in step with it): a change of the handling
	// goal or the due-soon margin moves no deadline.
	put([]any{sla.Stage, sla.TypeStage, sla.Case})
	for _, y := range cal.Years() {
		cy, _ := cal.Year(y)
		put(cy)
	}
	for _, src := range Sources().Sources {
		put([]any{src.Key, src.Channel, src.Limit})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ResultsFromTally works out the results for p from the store's tally, with exactly the
// arithmetic of ComputeResults.
func ResultsFromTally(t Tally, p Period, sla SLA) Results {
	r := Results{Decided: t.Decided, Ended: t.Ended, Accepted: t.Accepted, Goal: sla.HandlingGoal(),
		FollowUps: t.FollowUps, Satisfied: t.Satisfied, BasicallySatisfied: t.BasicallySatisfied,
		Dissatisfied: t.Dissatisfied, ThanksReceived: t.Thanks}
	st := &r.Stats
	st.Period = p
	st.Received, st.Closed, st.Repaired = t.Received, t.Closed, t.Repaired
	st.DeclinedAtReview, st.WhitewashDeclined = t.DeclinedAtReview, t.Whitewash
	if t.Decided > 0 {
		st.SuccessRate = float64(t.Repaired) / float64(t.Decided)
	}
	if t.Accepted > 0 {
		st.FirstNoticeRate = float64(t.FirstOK) / float64(t.Accepted)
	}
	if t.Ended > 0 {
		st.AvgDays = t.DaysSum.Days(t.Ended)
		st.MedianDays = t.MedianDays
	}
	for _, s := range Stages {
		if s.Terminal() {
			continue
		}
		x := StageTime{Stage: s, Count: t.StageN[s]}
		if x.Count > 0 {
			x.AvgDays = t.StageSum[s].Days(x.Count)
		}
		st.StageTimes = append(st.StageTimes, x)
	}
	st.Open = t.Open
	st.SLABreaches = t.Breaches
	load := map[string]*StaffLoad{}
	loadOf := func(owner string) *StaffLoad {
		l := load[owner]
		if l == nil {
			l = &StaffLoad{Staff: owner}
			load[owner] = l
		}
		return l
	}
	for owner, n := range t.OpenBy {
		loadOf(owner).Open += n
	}
	for owner, n := range t.OverdueBy {
		loadOf(owner).Overdue += n
	}
	for owner, n := range t.ClosedBy {
		if n > 0 {
			loadOf(owner).ClosedInPeriod += n
		}
	}
	for _, l := range load {
		st.Load = append(st.Load, *l)
	}
	slices.SortFunc(st.Load, func(a, b StaffLoad) int {
		if a.Open != b.Open {
			return cmp.Compare(b.Open, a.Open)
		}
		return cmp.Compare(a.Staff, b.Staff)
	})
	weeks := isoWeeks(p)
	for _, d := range t.Daily {
		if len(weeks) == 0 || d.Day.Before(weeks[0].WeekStart) {
			continue
		}
		i := int(dayOf(d.Day).Sub(weeks[0].WeekStart).Hours() / (24 * 7))
		if i < 0 || i >= len(weeks) {
			continue
		}
		weeks[i].Received += d.Received
		weeks[i].Closed += d.Closed
	}
	st.Weekly = weeks
	return r
}

// DayAligned reports whether p is whole days in China time, as the store's day buckets
// can answer it (every period ParsePeriod and PeriodOf give is).
func DayAligned(p Period) bool {
	return p.To.After(p.From) && dayOf(p.From).Equal(p.From) && dayOf(p.To).Equal(p.To)
}
