package workflow

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"repairdesk/internal/msg"
)

// Period is a span of time [From, To), in practice whole days in China time.
type Period struct{ From, To time.Time }

// Contains reports whether t lies in [From, To).
func (p Period) Contains(t time.Time) bool {
	return !t.IsZero() && !t.Before(p.From) && t.Before(p.To)
}

// String shows the period as its first and last day: 2026-07-01..2026-09-30.
func (p Period) String() string {
	if !p.To.After(p.From) {
		return ""
	}
	return Day(p.From) + ".." + Day(p.To.Add(-time.Nanosecond))
}

// PeriodError is a period ParsePeriod did not understand; Why is its catalogue key.
type PeriodError struct{ In, Why string }

// Error is the English with the Chinese hint, as the console shows it.
func (e *PeriodError) Error() string {
	return e.Message(msg.EN)
}

// Message is the refusal in lang only.
func (e *PeriodError) Message(lang string) string {
	return msg.T(lang, "period.bad", CleanLine(e.In), msg.T(lang, e.Why))
}

// ParsePeriod reads a period for the dashboard: "2026-Q3", "2026-07", "2026",
// "2026-01-01..2026-03-31" (both days included), a single day "2026-03-05", or "month",
// "quarter", "year" (also 本月, 本季度, 本年) for the one now falls in. Periods are whole
// days in China time.
func ParsePeriod(s string, now time.Time) (Period, error) {
	in := strings.TrimSpace(s)
	bad := func(why string) (Period, error) {
		return Period{}, &PeriodError{In: in, Why: why}
	}
	if in == "" {
		return bad("period.empty")
	}
	n := now.In(ChinaTZ)
	switch strings.ToLower(in) {
	case "month", "本月":
		return monthPeriod(n.Year(), int(n.Month()), 1), nil
	case "quarter", "本季度", "本季":
		return monthPeriod(n.Year(), (int(n.Month())-1)/3*3+1, 3), nil
	case "year", "本年", "今年":
		return monthPeriod(n.Year(), 1, 12), nil
	}
	if a, b, ok := strings.Cut(in, ".."); ok {
		from, err1 := ParseDate(strings.TrimSpace(a))
		to, err2 := ParseDate(strings.TrimSpace(b))
		if err1 != nil || err2 != nil {
			return bad("period.range_days")
		}
		if to.Before(from) {
			return bad("period.range_order")
		}
		return Period{From: from, To: to.AddDate(0, 0, 1)}, nil
	}
	year := func(v string) (int, bool) {
		if len(v) != 4 {
			return 0, false
		}
		y, err := strconv.Atoi(v)
		return y, err == nil && y >= 1900 && y <= 9999
	}
	switch {
	case len(in) == 4:
		y, ok := year(in)
		if !ok {
			return bad("period.year")
		}
		return monthPeriod(y, 1, 12), nil
	case len(in) == 7 && in[4] == '-' && (in[5] == 'Q' || in[5] == 'q'):
		y, ok := year(in[:4])
		q := int(in[6] - '0')
		if !ok || q < 1 || q > 4 {
			return bad("period.quarter")
		}
		return monthPeriod(y, (q-1)*3+1, 3), nil
	case len(in) == 7 && in[4] == '-':
		y, ok := year(in[:4])
		m, err := strconv.Atoi(in[5:])
		if !ok || err != nil || m < 1 || m > 12 || in[5] == '+' || in[5] == '-' {
			return bad("period.month")
		}
		return monthPeriod(y, m, 1), nil
	case len(in) == 10 && in[4] == '-' && in[7] == '-':
		d, err := ParseDate(in)
		if err != nil {
			return bad("period.day")
		}
		return Period{From: d, To: d.AddDate(0, 0, 1)}, nil
	}
	return bad("period.not_understood")
}

func monthPeriod(year, month, months int) Period {
	from := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, ChinaTZ)
	return Period{From: from, To: from.AddDate(0, months, 0)}
}

// StageTime is the average time cases spent in a stage before leaving it.
type StageTime struct {
	Stage   Stage
	AvgDays float64
	Count   int // transitions averaged; 0 means no data (AvgDays is then 0)
}

// StaffLoad is one owner's workload.
type StaffLoad struct {
	Staff                         string
	Open, ClosedInPeriod, Overdue int
}

// WeekCount is one ISO week (Monday start, China time), counted within the period.
type WeekCount struct {
	WeekStart        time.Time
	Received, Closed int
}

// Stats are the dashboard's figures: the results table of the seed (received, repaired,
// success rate, handling time, whitewash attempts declined) plus the office's own.
type Stats struct {
	Period   Period
	Received int // cases received in the period
	Closed   int // reached closed/declined/withdrawn in the period
	Repaired int // closed in the period with outcome corrected or partly corrected
	// SuccessRate is Repaired over the compliant applications that reached an outcome in the
	// period (closed with an outcome, or declined after investigation); declines at formal
	// review and whitewash attempts are not in its base (DeclinedAtReview, WhitewashDeclined).
	SuccessRate float64
	// DeclinedAtReview: declined in the period at formal review or as a whitewash attempt.
	DeclinedAtReview int
	// AvgDays and MedianDays are agency handling days (AgencyDays: the applicant's waiting
	// excluded) of the cases that ended (closed or declined) in the period.
	AvgDays, MedianDays float64
	// StageTimes: every non-terminal stage in flowchart order, averaged over the
	// transitions that left it in the period (from events; natural days).
	StageTimes []StageTime
	// SLABreaches counts cases, each once: those open now and past their deadline (when the
	// period includes now; waiting for the applicant is not a breach), and those that left a
	// stage in the period after that stage's due date.
	SLABreaches int
	// FirstNoticeRate: of the cases accepted in the period (reached investigating), the share
	// that needed at most one materials notice. 0 if none.
	FirstNoticeRate   float64
	WhitewashDeclined int // declined in the period for an attempt to whitewash a true record
	Open              int // not terminal now
	// Load is per owner (open now, closed in the period, overdue now), sorted by Open
	// descending then name; owners with none of these are left out.
	Load []StaffLoad
	// Weekly covers the period with ISO weeks; the first and last may be partial, and only
	// events inside the period are counted, so the weeks add up to Received and Closed.
	Weekly []WeekCount
}

// StatEvent is what the dashboard reads of an event, in 16 bytes: at 100,000 cases it
// holds over a million of them (a whole Event is 408 bytes).
type StatEvent struct {
	At       int64 // Unix nanoseconds
	Seq      int32
	Kind     uint8 // 1 + index in create followed by Actions; 0 for one not there
	From, To uint8 // 1 + index in Stages; 0 for none
}

var (
	actionCode = codes(append([]ActionKind{ActCreate}, Actions...))
	stageCode  = codes(Stages)
)

func codes[T ~string](list []T) map[T]uint8 {
	m := make(map[T]uint8, len(list))
	for i, v := range list {
		m[v] = uint8(i + 1)
	}
	return m
}

// StatEventOf keeps what Compute needs of ev.
func StatEventOf(ev *Event) StatEvent {
	return StatEvent{At: ev.At.UnixNano(), Seq: int32(ev.Seq), Kind: actionCode[ev.Kind], From: stageCode[ev.From], To: stageCode[ev.To]}
}

// Time is when the event happened.
func (e StatEvent) Time() time.Time { return time.Unix(0, e.At) }

// Is reports whether the event is an action of this kind.
func (e StatEvent) Is(k ActionKind) bool { return e.Kind != 0 && e.Kind == actionCode[k] }

// KindCode is what StatEvent.Kind holds for an action of kind k (0: none), for a caller
// that asks Is of many events: IsCode(KindCode(k)) is Is(k), without a lookup each time.
func KindCode(k ActionKind) uint8 { return actionCode[k] }

// IsCode is Is of the kind whose KindCode is code.
func (e StatEvent) IsCode(code uint8) bool { return e.Kind != 0 && e.Kind == code }

// Left is the stage the event left ("" when none), and Entered the stage it entered.
func (e StatEvent) Left() Stage    { return stageAt(e.From) }
func (e StatEvent) Entered() Stage { return stageAt(e.To) }

func stageAt(c uint8) Stage {
	if c == 0 || int(c) > len(Stages) {
		return ""
	}
	return Stages[c-1]
}

// ForStats is the part of a case the dashboard reads (Compute, SLA.DueOf, AgencyDays,
// Repaired); the rest, personal fields included, is dropped, so that a hundred thousand
// cases can be held while the period changes.
func (c *Case) ForStats() Case {
	out := Case{ID: c.ID, Stage: c.Stage, Owner: c.Owner, ReceivedAt: c.ReceivedAt, StageSince: c.StageSince,
		ClosedAt: c.ClosedAt, Pauses: c.Pauses}
	for _, r := range c.Records {
		out.Records = append(out.Records, Record{Source: r.Source, Type: r.Type})
	}
	if k := len(c.Notices); k > 0 {
		out.Notices = []Notice{{Deadline: c.Notices[k-1].Deadline}}
	}
	if c.Outcome != nil {
		out.Outcome = &Outcome{Result: c.Outcome.Result}
	}
	if c.Decline != nil {
		out.Decline = &Decline{Reason: c.Decline.Reason, From: c.Decline.From} // CompliantDecline reads From
	}
	if f := c.FollowUp; f != nil { // the results' satisfaction and thanks (not the comment)
		out.FollowUp = &FollowUp{Satisfaction: f.Satisfaction, At: f.At, Thanks: slices.Clone(f.Thanks)}
	}
	return out
}

// Compute works out the dashboard over cases and their events (grouped by case id; each
// case's events in any order). Figures about stage changes and acceptance need the events;
// a case without them still counts in everything else. cal nil means DefaultCalendar.
func Compute(cases []Case, events map[uint32][]Event, p Period, sla SLA, cal *Calendar, now time.Time) Stats {
	lean := make(map[uint32][]StatEvent, len(events))
	for id, evs := range events {
		out := make([]StatEvent, len(evs))
		for i := range evs {
			out[i] = StatEventOf(&evs[i])
		}
		lean[id] = out
	}
	return ComputeStats(cases, lean, p, sla, cal, now)
}

// NanoSum is a sum of durations kept exactly (whole seconds, floored, and the nanoseconds
// left over, each an integer sum), so that it is the same whatever the order or grouping
// of its terms: the dashboard's averages are sums the store keeps per day and adds up per
// period, and must equal the full scan's.
type NanoSum struct{ Sec, Nsec int64 }

// Add adds d.
func (s *NanoSum) Add(d time.Duration) {
	q, r := int64(d/time.Second), int64(d%time.Second)
	if r < 0 {
		q, r = q-1, r+int64(time.Second)
	}
	s.Sec += q
	s.Nsec += r
}

// Plus is s + o.
func (s NanoSum) Plus(o NanoSum) NanoSum { return NanoSum{s.Sec + o.Sec, s.Nsec + o.Nsec} }

// Days is the average of n terms in days. It depends only on the total (normalised
// first), so equal sums give identical figures.
func (s NanoSum) Days(n int) float64 {
	if n == 0 {
		return 0
	}
	sec, ns := s.Sec+s.Nsec/1e9, s.Nsec%1e9
	if ns < 0 {
		sec, ns = sec-1, ns+1e9
	}
	return (float64(sec) + float64(ns)/1e9) / 86400 / float64(n)
}

// ComputeStats is Compute over the events as the store keeps them for the dashboard.
func ComputeStats(cases []Case, events map[uint32][]StatEvent, p Period, sla SLA, cal *Calendar, now time.Time) Stats {
	if cal == nil {
		cal = DefaultCalendar()
	}
	st := Stats{Period: p}
	var decided, accepted, firstOK int
	var days []float64
	var daysSum NanoSum // the average sums integer nanoseconds: exact in any order
	breached := make([]bool, len(cases))
	stageSum := map[Stage]NanoSum{}
	stageN := map[Stage]int{}
	load := map[string]*StaffLoad{}
	loadOf := func(owner string) *StaffLoad {
		l := load[owner]
		if l == nil {
			l = &StaffLoad{Staff: owner}
			load[owner] = l
		}
		return l
	}
	current := p.Contains(now)
	weeks := isoWeeks(p)
	week := func(t time.Time) *WeekCount {
		if len(weeks) == 0 || t.Before(weeks[0].WeekStart) {
			return nil
		}
		i := int(dayOf(t).Sub(weeks[0].WeekStart).Hours() / (24 * 7))
		if i < 0 || i >= len(weeks) {
			return nil
		}
		return &weeks[i]
	}

	for i := range cases {
		c := &cases[i]
		if p.Contains(c.ReceivedAt) {
			st.Received++
			if w := week(c.ReceivedAt); w != nil {
				w.Received++
			}
		}
		if !c.Stage.Terminal() {
			st.Open++
			l := loadOf(c.Owner)
			l.Open++
			if sla.Breached(sla.DueOf(c, cal), cal, now) {
				l.Overdue++
				if current {
					breached[i] = true
				}
			}
		} else if p.Contains(c.ClosedAt) {
			st.Closed++
			loadOf(c.Owner).ClosedInPeriod++
			if w := week(c.ClosedAt); w != nil {
				w.Closed++
			}
			switch c.Stage {
			case StageClosed:
				if c.Outcome != nil {
					decided++
				}
				if c.Repaired() {
					st.Repaired++
				}
				d := AgencyTime(c, now)
				days = append(days, d.Hours()/24)
				daysSum.Add(d)
			case StageDeclined:
				if CompliantDecline(c) {
					decided++
				} else {
					st.DeclinedAtReview++
				}
				if c.Decline != nil && c.Decline.Reason == "whitewash" {
					st.WhitewashDeclined++
				}
				d := AgencyTime(c, now)
				days = append(days, d.Hours()/24)
				daysSum.Add(d)
			}
		}

		evs := events[c.ID]
		bySeq := func(a, b StatEvent) int { return cmp.Compare(a.Seq, b.Seq) }
		if !slices.IsSortedFunc(evs, bySeq) { // the store gives them in order: no copy then
			evs = slices.Clone(evs)
			slices.SortStableFunc(evs, bySeq)
		}
		var entered time.Time // when the case entered its current stage; zero if unknown
		notices := 0
		for _, ev := range evs {
			at := ev.Time()
			if ev.Is(ActRequestMaterials) {
				notices++
			}
			if ev.Is(ActCreate) {
				entered = at
				continue
			}
			if ev.From == ev.To || ev.From == 0 {
				continue
			}
			if p.Contains(at) {
				if ev.Is(ActAccept) {
					accepted++
					if notices <= 1 {
						firstOK++
					}
				}
				if from := ev.Left(); !from.Terminal() && !entered.IsZero() {
					x := stageSum[from]
					x.Add(at.Sub(entered))
					stageSum[from] = x
					stageN[from]++
					if l, ok := sla.Stage[from]; ok && l.Days > 0 {
						if due, _ := l.Add(cal, entered); at.After(due) {
							breached[i] = true
						}
					}
				}
			}
			entered = at
		}
	}

	if decided > 0 {
		st.SuccessRate = float64(st.Repaired) / float64(decided)
	}
	if accepted > 0 {
		st.FirstNoticeRate = float64(firstOK) / float64(accepted)
	}
	if len(days) > 0 {
		st.AvgDays = daysSum.Days(len(days))
		slices.Sort(days)
		if k := len(days); k%2 == 1 {
			st.MedianDays = days[k/2]
		} else {
			st.MedianDays = (days[k/2-1] + days[k/2]) / 2
		}
	}
	for _, s := range Stages {
		if s.Terminal() {
			continue
		}
		t := StageTime{Stage: s, Count: stageN[s]}
		if t.Count > 0 {
			t.AvgDays = stageSum[s].Days(t.Count)
		}
		st.StageTimes = append(st.StageTimes, t)
	}
	for _, b := range breached {
		if b {
			st.SLABreaches++
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
	st.Weekly = weeks
	return st
}

// isoWeeks lists the Mondays (00:00 China time) of the weeks overlapping p.
func isoWeeks(p Period) []WeekCount {
	if !p.To.After(p.From) {
		return nil
	}
	d := dayOf(p.From)
	start := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	var out []WeekCount
	for w := start; w.Before(p.To); w = w.AddDate(0, 0, 7) {
		out = append(out, WeekCount{WeekStart: w})
	}
	return out
}

// CompliantDecline says whether a decline counts in the success rate's base: one reached
// after investigation, not at formal review and not a whitewash attempt (those applications
// were never compliant; the results table shows them separately).
func CompliantDecline(c *Case) bool {
	return c.Decline != nil && c.Decline.From != StageFormalReview && c.Decline.Reason != "whitewash"
}
