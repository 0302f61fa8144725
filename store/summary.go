package store

import (
	"slices"
	"time"

	"repairdesk/workflow"
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
	// IDH is a keyed hash of the agent's ID number (never the number): a search for the
	// whole number finds the case.
	IDH string `json:"ih,omitempty"`
	// FollowedUp is when the follow-up call (回访) was recorded; zero while it is due.
	FollowedUp time.Time `json:"fu,omitzero"`

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
	if f := c.FollowUp; f != nil && f.Satisfaction != "" {
		s.FollowedUp = f.At
	}
	return s
}

// dueOf is the deadline the SLA gives the case this summary stands for: just enough of
// the case is rebuilt (stage, dates, pauses, record type and sources, the last notice).
func (sm *Summary) dueOf(st *Settings, cal *workflow.Calendar) workflow.Due {
	return sm.dueBy(st.SLA, cal)
}

// dueBy is dueOf by sla.
func (sm *Summary) dueBy(sla workflow.SLA, cal *workflow.Calendar) workflow.Due {
	if sm.Stage.Terminal() {
		return workflow.Due{}
	}
	var recs [4]workflow.Record
	var notice [1]workflow.Notice
	c := workflow.Case{Stage: sm.Stage, StageSince: sm.StageSince, ReceivedAt: sm.ReceivedAt, Pauses: sm.Pauses}
	if len(sm.Sources) <= len(recs) {
		c.Records = recs[:0]
	}
	for _, src := range sm.Sources {
		c.Records = append(c.Records, workflow.Record{Source: src})
	}
	if len(c.Records) > 0 {
		c.Records[0].Type = sm.RecordType // a record type may have its own stage limits
	}
	if !sm.NoticeDue.IsZero() {
		notice[0].Deadline = sm.NoticeDue
		c.Notices = notice[:]
	}
	return sla.DueOf(&c, cal)
}

// MayApprove reports whether name is allowed by four-eyes to decide this case.
func (sm *Summary) MayApprove(name string) bool { return !slices.Contains(sm.Blocked, name) }
