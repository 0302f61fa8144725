package workflow

import "time"

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
}

// DefaultSLA holds the figures of the rules that apply:
//   - one-time notice of missing materials within 5 working days of receipt (行政许可法 art. 32 model);
//   - a 征信 dispute answered in writing within 20 days of receipt (征信业管理条例 art. 25);
//   - 信用中国 feedback within 10 working days, decision within 3 more (国办发〔2025〕22号);
//   - a PBOC-branch complaint answered within 30 days (art. 26), used for other sources.
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
			"pbc":         {Days: 20, Natural: true},
			"baihang":     {Days: 20, Natural: true},
			"pudao":       {Days: 20, Natural: true},
			"creditchina": {Days: 13},
			"court":       {Days: 30, Natural: true},
			"tax":         {Days: 30, Natural: true},
			"other":       {Days: 30, Natural: true},
		},
		Resubmit: Limit{Days: 15},
		DueSoon:  2,
	}
}

// Add applies l to t on cal.
func (l Limit) Add(cal *Calendar, t time.Time) (time.Time, bool) {
	if l.Natural {
		return AddCalendarDays(t, l.Days), false
	}
	return cal.AddWorkdays(t, l.Days)
}

// Due is a case's next deadline.
type Due struct {
	At          time.Time
	Provisional bool   // falls in a year without calendar data
	Paused      bool   // waiting for the applicant: At is the applicant's deadline
	Kind        string // "stage", "case" or "applicant"
}

// DueOf is the deadline a case must meet next: the earlier of its stage limit and its
// overall limit (moved on by the time it waited for the applicant). Terminal cases have none.
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
	var best Due
	if l, ok := s.StageLimit(c.Stage, c.recordType()); ok && l.Days > 0 {
		at, prov := l.Add(cal, c.StageSince)
		best = Due{At: at, Provisional: prov, Kind: "stage"}
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
	return d.Hours() / 24
}

// ResubmitDeadline is the applicant's deadline for a notice issued at t.
func (s SLA) ResubmitDeadline(cal *Calendar, t time.Time) time.Time {
	at, _ := s.Resubmit.Add(cal, t)
	return at
}
