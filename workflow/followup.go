package workflow

// The follow-up call (回访, seed 000 §5) and what intake records besides the application:
// the originals seen at the counter (seed 004: agent ID + authorisation letter) and a
// duplicate application's reason.

import (
	"slices"
	"strings"
	"time"
)

// ActFollowUp records the follow-up call after a case closed: the enterprise's
// satisfaction and comment, and thank-you letters or banners received (seed 001's results
// row 3: 收到感谢信/锦旗XX次，专项满意度调查). It is the one action (besides a comment) taken
// on a closed case.
const ActFollowUp ActionKind = "follow_up"

// FollowUp is what a follow-up call recorded. A later follow_up with no satisfaction
// adds thanks received after the call; the satisfaction is given once.
type FollowUp struct {
	Satisfaction string    `json:"satisfaction,omitempty"` // Keys("satisfaction")
	Comment      string    `json:"comment,omitempty"`
	Thanks       []Thanks  `json:"thanks,omitempty"` // one entry per letter or banner received
	By           string    `json:"by"`
	At           time.Time `json:"at"`
}

// Thanks is one thank-you letter or banner received (Kind: Keys("thanks")); the engine
// stamps At, so the results count it in the period it arrived.
type Thanks struct {
	Kind string    `json:"kind"`
	At   time.Time `json:"at,omitzero"`
}

// Seen records that staff saw the originals at the counter: the agent's ID card and the
// enterprise's authorisation letter (授权委托书). The engine stamps By and At.
type Seen struct {
	AgentID    bool      `json:"agent_id,omitempty"`
	AuthLetter bool      `json:"auth_letter,omitempty"`
	By         string    `json:"by,omitempty"`
	At         time.Time `json:"at,omitzero"`
}

// Duplicate: the enterprise already had open cases on the same record when this one was
// taken in (SameRecord), and the reason staff went on.
type Duplicate struct {
	Of     []string `json:"of"` // the open cases' numbers
	Reason string   `json:"reason"`
}

// SameRecord says whether two contested records are the same record: the same source,
// record type, reporting institution (spaces and case aside) and record date. Those are
// what a credit report or public list identifies an entry by; the amount and the claimed
// problem may differ between two applications about one entry. (add_record's check within
// one case compares the same four fields.)
func SameRecord(a, b Record) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	return a.Source == b.Source && a.Type == b.Type && norm(a.Institution) == norm(b.Institution) && a.Date == b.Date
}

// SharesRecord: some record of c is the same record as one of recs.
func (c *Case) SharesRecord(recs []Record) bool {
	for _, r := range c.Records {
		if slices.ContainsFunc(recs, func(x Record) bool { return SameRecord(r, x) }) {
			return true
		}
	}
	return false
}

// FollowUpDue is when the follow-up call falls due: the SLA's follow-up limit after the
// case closed (end of that day). Zero when the case is not closed or was called already.
func FollowUpDue(c *Case, sla SLA, cal *Calendar) time.Time {
	if c.Stage != StageClosed || c.ClosedAt.IsZero() || c.FollowUp != nil && c.FollowUp.Satisfaction != "" {
		return time.Time{}
	}
	return FollowUpDueFrom(c.ClosedAt, sla, cal)
}

// FollowUpDueFrom is closed plus the SLA's follow-up limit.
func FollowUpDueFrom(closed time.Time, sla SLA, cal *Calendar) time.Time {
	due, _ := sla.FollowUpLimit().Add(cal, closed)
	return due
}

// DefaultFollowUpDays: the follow-up call falls due 5 working days after closing — a
// week for the enterprise to see the corrected report for itself before it is asked
// (an office choice, not a legal limit; `repairdesk sla set followup N`).
const DefaultFollowUpDays = 5

// followUp applies a follow_up action to n.
func followUp(n *Case, a Action) ([]Change, *Refusal) {
	f := a.FollowUp
	if f == nil {
		return nil, refuse("follow_up", "refuse.follow_up_empty")
	}
	sat := strings.TrimSpace(f.Satisfaction)
	if sat != "" && !isKey("satisfaction", sat) {
		return nil, refuse("follow_up", "refuse.follow_up_satisfaction", sat)
	}
	thanks := make([]Thanks, 0, len(f.Thanks))
	kinds := make([]string, 0, len(f.Thanks))
	for _, t := range f.Thanks {
		if !isKey("thanks", t.Kind) {
			return nil, refuse("follow_up", "refuse.follow_up_thanks", t.Kind)
		}
		thanks = append(thanks, Thanks{Kind: t.Kind, At: a.At})
		kinds = append(kinds, t.Kind)
	}
	had := n.FollowUp != nil && n.FollowUp.Satisfaction != ""
	switch {
	case had && sat != "":
		return nil, refuse("follow_up", "refuse.follow_up_twice", Day(n.FollowUp.At))
	case !had && sat == "":
		return nil, refuse("follow_up", "refuse.follow_up_satisfaction_needed")
	case had && len(f.Thanks) == 0:
		return nil, refuse("follow_up", "refuse.follow_up_nothing")
	}
	var changes []Change
	if !had {
		n.FollowUp = &FollowUp{Satisfaction: sat, Comment: strings.TrimSpace(f.Comment), Thanks: thanks, By: a.Actor, At: a.At}
		changes = append(changes, Change{Field: "satisfaction", New: sat})
	} else {
		fu := *n.FollowUp
		fu.Thanks = append(slices.Clone(fu.Thanks), thanks...)
		n.FollowUp = &fu
	}
	if len(kinds) > 0 {
		changes = append(changes, Change{Field: "thanks", New: strings.Join(kinds, ",")})
	}
	return changes, nil
}

// ThanksCount is how many thank-you letters and banners the case's follow-ups recorded.
func (c *Case) ThanksCount() int {
	if c.FollowUp == nil {
		return 0
	}
	return len(c.FollowUp.Thanks)
}
