package workflow

import (
	"slices"
	"time"
)

// Limit is a time limit: working days by the official calendar, or natural days.
type Limit struct {
	Days    int  `json:"days"`
	Natural bool `json:"natural,omitempty"`
}

// SLA is the deadline configuration (DESIGN §3). Admins can change it; cases keep no copy,
// so a change applies to every open case at once.
type SLA struct {
	// Stage: how long the agency may keep a case in a stage, from when it entered it.
	Stage map[Stage]Limit `json:"stage"`
	// TypeStage overrides Stage for one record type (e.g. a longer investigation for
	// court listings).
	TypeStage map[string]map[Stage]Limit `json:"type_stage,omitempty"`
	// Case: the overall limit from receipt by the record's source, applicant time excluded.
	Case map[string]Limit `json:"case"`
	// Resubmit: the applicant's deadline to bring missing materials.
	Resubmit Limit `json:"resubmit"`
	// DueSoon: working days before a deadline at which a case shows as due soon.
	DueSoon int `json:"due_soon"`
	// FollowUp: how long after closing the follow-up call (回访) falls due; zero means
	// DefaultFollowUpDays working days.
	FollowUp Limit `json:"follow_up,omitzero"`
	// Goal is the handling-time baseline and target shown beside the measured average
	// (`repairdesk sla goal`); zero means the default, DefaultHandlingGoal.
	Goal HandlingGoal `json:"goal,omitzero"`
}

// HandlingGoal is the office's handling-time baseline and target, in natural days from
// the application to its result (seed 001: 平均处理时长从最初的35天压缩至15天以内).
type HandlingGoal struct {
	Baseline int `json:"baseline"`
	Target   int `json:"target"`
}

// DefaultHandlingGoal: seed 001's results table, 处理效率 row — "平均处理时长从最初的35天压缩至
// 15天以内": a 35-day baseline, a target of 15 days or less.
var DefaultHandlingGoal = HandlingGoal{Baseline: 35, Target: 15}

// HandlingGoal is the goal in force: the one set, else the default.
func (s SLA) HandlingGoal() HandlingGoal {
	if s.Goal == (HandlingGoal{}) {
		return DefaultHandlingGoal
	}
	return s.Goal
}

// FollowUpLimit is the follow-up call's limit in force.
func (s SLA) FollowUpLimit() Limit {
	if s.FollowUp.Days <= 0 {
		return Limit{Days: DefaultFollowUpDays}
	}
	return s.FollowUp
}

// DefaultSLA holds the agency's own limits, kept apart from the external bodies' limits
// (sources/sources.json), which are a different clock:
//   - one-time notice of missing materials within 5 working days of receipt (行政许可法
//     art. 32(4), whose days are working days by art. 82);
//   - the agency's overall limit, from receipt to submission with the applicant's time
//     left out, is the sum of its stage limits before submission: 5 + 10 + 3 + 2 = 20
//     working days, the same for every source (TestDefaultSLAConsistent);
//   - once submitted, the case waits on the external body's own limit from the submission
//     (条例 art. 25's 20 days for the credit agencies, 10 working days for 信用中国, 15 days
//     for the enforcing court); the submitted-stage figure here is only the agency's
//     follow-up when that body's limit is unverified (GSXT, tax, other: 待核实);
//   - feedback to the applicant within 3 working days of the outcome.
func DefaultSLA() SLA {
	return SLA{
		Stage: map[Stage]Limit{
			StageFormalReview:    {Days: 5},
			StageInvestigating:   {Days: 10},
			StagePendingApproval: {Days: 3},
			StageApproved:        {Days: 2},
			StageSubmitted:       {Days: 10},
			StageFeedback:        {Days: 3},
		},
		Case: map[string]Limit{
			"pbc":         {Days: 20},
			"baihang":     {Days: 20},
			"pudao":       {Days: 20},
			"creditchina": {Days: 20},
			"gsxt":        {Days: 20},
			"court":       {Days: 20},
			"tax":         {Days: 20},
			"other":       {Days: 20},
		},
		Resubmit: Limit{Days: 15},
		DueSoon:  2,
	}
}

// preSubmission are the stages the agency's overall limit covers.
var preSubmission = []Stage{StageFormalReview, StageInvestigating, StagePendingApproval, StageApproved}

// PreSubmissionDays is the sum of the agency's stage limits from receipt to submission for
// a record type: what its overall limit should be at most (working days).
func (s SLA) PreSubmissionDays(recordType string) int {
	n := 0
	for _, st := range preSubmission {
		if l, ok := s.StageLimit(st, recordType); ok {
			n += l.Days
		}
	}
	return n
}

// Add applies l to t on cal. A limit in natural days whose last day is not a working day
// ends on the next working day (民法典 art. 203: a period whose last day is a statutory
// holiday ends on the day after the holiday; rest days are days off by the calendar).
func (l Limit) Add(cal *Calendar, t time.Time) (time.Time, bool) {
	if l.Natural {
		at := AddCalendarDays(t, l.Days)
		prov := false
		for i := 0; i < 60; i++ { // the longest run of days off is far shorter
			work, known := cal.IsWorkday(at)
			if !known {
				prov = true
			}
			if work {
				break
			}
			at = AddCalendarDays(at, 1)
		}
		return at, prov
	}
	return cal.AddWorkdays(t, l.Days)
}

// Due is a case's next deadline.
type Due struct {
	At          time.Time
	Provisional bool   // falls in a year without calendar data
	Paused      bool   // waiting for the applicant: At is the applicant's deadline
	Kind        string // "stage", "case", "applicant" or "external"
	// Source is, for an external deadline, the source whose body's limit it is.
	Source string
	// Unverified: the external body's limit is not confirmed (待核实); At is the agency's
	// own follow-up limit for the submitted stage instead.
	Unverified bool
}

// DueOf is the deadline a case must meet next. Before submission: the earlier of its stage
// limit and the agency's overall limit (from receipt, applicant time left out). Submitted:
// the external body's own limit from the submission — the agency's clock stops while the
// body has the case. Feedback: the stage limit. Terminal cases have none.
func (s SLA) DueOf(c *Case, cal *Calendar) Due {
	if c.Stage.Terminal() {
		return Due{}
	}
	if c.Stage == StageAwaitingMaterials {
		d := Due{Paused: true, Kind: "applicant"}
		if k := len(c.Notices); k > 0 {
			d.At = c.Notices[k-1].Deadline
		}
		return d
	}
	if c.Stage == StageSubmitted {
		return s.ExternalDue(c, cal)
	}
	var best Due
	if l, ok := s.StageLimit(c.Stage, c.recordType()); ok && l.Days > 0 {
		at, prov := l.Add(cal, c.StageSince)
		best = Due{At: at, Provisional: prov, Kind: "stage"}
	}
	if !slices.Contains(preSubmission, c.Stage) {
		return best
	}
	// The overall limit follows the strictest source among the records.
	for _, r := range c.Records {
		l, ok := s.Case[r.Source]
		if !ok || l.Days <= 0 {
			continue
		}
		ext := s.pausedDays(c, cal, l.Natural)
		at, prov := Limit{Days: l.Days + ext, Natural: l.Natural}.Add(cal, c.ReceivedAt)
		if best.At.IsZero() || at.Before(best.At) {
			best = Due{At: at, Provisional: prov, Kind: "case"}
		}
	}
	return best
}

// ExternalDue is the external body's deadline for a submitted case: the limit of the
// source its correction went to (by the submission's channel; a summary without one goes
// by the records' sources, the earliest), counted from the submission (submit_correction
// starts the clock). When no limit is confirmed it is the agency's follow-up limit for the
// submitted stage, marked Unverified.
func (s SLA) ExternalDue(c *Case, cal *Calendar) Due {
	start := c.StageSince
	var srcs []Source
	if sb := c.Submission; sb != nil {
		start = sb.At
		srcs = append(srcs, Sources().SourceOfChannel(sb.Channel))
	} else {
		for _, r := range c.Records {
			srcs = append(srcs, Sources().Source(r.Source))
		}
	}
	var best Due
	for _, src := range srcs {
		if !src.Limit.Known() {
			continue
		}
		at, prov := src.Limit.Limit().Add(cal, start)
		if best.At.IsZero() || at.Before(best.At) {
			best = Due{At: at, Provisional: prov, Kind: "external", Source: src.Key}
		}
	}
	if !best.At.IsZero() {
		return best
	}
	d := Due{Kind: "external", Unverified: true}
	if len(srcs) > 0 {
		d.Source = srcs[0].Key
	}
	if l, ok := s.StageLimit(StageSubmitted, c.recordType()); ok && l.Days > 0 {
		d.At, d.Provisional = l.Add(cal, start)
	}
	return d
}

// Breached says whether d has run out at now without the applicant to wait for: the
// dashboard's breach count and the queues' overdue mark both come from Left.
func (s SLA) Breached(d Due, cal *Calendar, now time.Time) bool {
	_, u := s.Left(d, cal, now)
	return u == UrgencyOverdue && !d.Paused
}

// StageLimit is the limit for a stage, the record type's own if it has one.
func (s SLA) StageLimit(st Stage, recordType string) (Limit, bool) {
	if m, ok := s.TypeStage[recordType]; ok {
		if l, ok := m[st]; ok {
			return l, true
		}
	}
	l, ok := s.Stage[st]
	return l, ok
}

func (c *Case) recordType() string {
	if len(c.Records) == 0 {
		return ""
	}
	return c.Records[0].Type
}

func (s SLA) pausedDays(c *Case, cal *Calendar, natural bool) int {
	total := 0
	for _, p := range c.Pauses {
		if p.To.IsZero() {
			continue
		}
		if natural {
			total += int(dayOf(p.To).Sub(dayOf(p.From)).Hours() / 24)
		} else {
			n, _ := cal.WorkdaysBetween(p.From, p.To)
			total += n
		}
	}
	return total
}

func dayOf(t time.Time) time.Time {
	t = t.In(ChinaTZ)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, ChinaTZ)
}

// Urgency of a deadline seen from now.
type Urgency int

const (
	UrgencyNone Urgency = iota
	UrgencyOK
	UrgencySoon
	UrgencyOverdue
)

// Left says how many working days remain until d (negative when overdue) and how urgent it is.
func (s SLA) Left(d Due, cal *Calendar, now time.Time) (int, Urgency) {
	if d.At.IsZero() {
		return 0, UrgencyNone
	}
	if now.After(d.At) {
		n, _ := cal.WorkdaysBetween(d.At, now)
		if n == 0 {
			n = 1
		}
		return -n, UrgencyOverdue
	}
	n, _ := cal.WorkdaysBetween(now, d.At)
	if d.Paused {
		return n, UrgencyOK
	}
	if n <= s.DueSoon {
		return n, UrgencySoon
	}
	return n, UrgencyOK
}

// AgencyDays is how many natural days the agency held the case, from receipt to close
// (or now), less the time spent waiting for the applicant.
func AgencyDays(c *Case, now time.Time) float64 {
	return AgencyTime(c, now).Hours() / 24
}

// AgencyTime is AgencyDays as a duration: what the dashboard's average sums (exactly, as
// integer nanoseconds; see NanoSum).
func AgencyTime(c *Case, now time.Time) time.Duration {
	end := now
	if !c.ClosedAt.IsZero() {
		end = c.ClosedAt
	}
	d := end.Sub(c.ReceivedAt)
	for _, p := range c.Pauses {
		to := p.To
		if to.IsZero() {
			to = end
		}
		d -= to.Sub(p.From)
	}
	if d < 0 {
		d = 0
	}
	return d
}

// ResubmitDeadline is the applicant's deadline for a notice issued at t.
func (s SLA) ResubmitDeadline(cal *Calendar, t time.Time) time.Time {
	at, _ := s.Resubmit.Add(cal, t)
	return at
}
