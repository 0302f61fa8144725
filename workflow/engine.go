package workflow

import (
	"fmt"
	"repairdesk/internal/msg"
	"slices"
	"strings"
	"time"
)

// Refusal says why an action cannot be taken, in words a person can act on. Its text is
// the catalogue's (internal/msg) message Key with Args, rendered in the reader's language;
// Code is the stable machine code.
type Refusal struct {
	Code string
	Key  string
	Args []any
}

func (r *Refusal) Error() string { return r.Message("en") }

// Message is the reason in lang ("en" or Chinese by default).
func (r *Refusal) Message(lang string) string { return msg.T(lang, r.Key, r.Args...) }

// Refuse builds a Refusal with the catalogue's message key and its arguments (data as
// is; labels and other texts as msg.Localized values, rendered in the reader's language).
func Refuse(code, key string, args ...any) *Refusal {
	return &Refusal{Code: code, Key: key, Args: args}
}

func refuse(code, key string, args ...any) *Refusal { return Refuse(code, key, args...) }

// loc is a text computed per language (a label method, a material's name) as a message
// argument.
type loc func(lang string) string

func (f loc) Localize(lang string) string { return f(lang) }

// Option is one entry of the action menu: allowed, or refused with the reason.
type Option struct {
	Kind    ActionKind
	Refusal *Refusal // nil when allowed
}

// Rules are the engine's settings that come from data (catalogue, publicity periods).
type Rules struct {
	// Publicity is the minimum publicity period of an administrative penalty before repair
	// may be requested, by tier, versioned by the day the penalty was decided (newest
	// first; the last applies to every earlier penalty): sources/sources.json.
	Publicity []PublicityRule
}

// DefaultRules: the publicity periods of the source book (NDRC Order 36 from 2026-04-01:
// minor none, general 3 months, serious 1 year; earlier penalties follow the rules of their
// time, whose figures are marked 待核实 in the data).
func DefaultRules() Rules {
	return Rules{Publicity: Sources().Publicity}
}

// LawVersion is the version of the legal rules an action is checked by. Apply stamps it
// on every new action; an action stored before it (Law 0) replays by the rules of its time,
// so a history written under the old rules still rebuilds.
const LawVersion = 1

// PublicityRule is the rule for a penalty decided on the record's date.
func (r Rules) PublicityRule(rec Record) (PublicityRule, bool) {
	d, err := ParseDate(rec.Date)
	if err != nil {
		return PublicityRule{}, false
	}
	day := Day(d)
	for _, p := range r.Publicity {
		if p.From == "" || day >= p.From {
			return p, true
		}
	}
	return PublicityRule{}, false
}

// EarliestRepair is the first day repair of this record may be requested, or zero if any
// day: the decision date plus the tier's months, clamped to the month's end (民法典 art. 202).
func (r Rules) EarliestRepair(rec Record) time.Time {
	if rec.Type != "admin_penalty" {
		return time.Time{}
	}
	p, ok := r.PublicityRule(rec)
	if !ok {
		return time.Time{}
	}
	months := p.Months[rec.Tier]
	if months == 0 {
		return time.Time{}
	}
	d, _ := ParseDate(rec.Date)
	return AddMonths(d, months)
}

// stagesFor says where each action may be taken.
var stagesFor = map[ActionKind][]Stage{
	ActUpdateMaterial:     {StageFormalReview, StageAwaitingMaterials},
	ActAddRecord:          {StageFormalReview, StageAwaitingMaterials},
	ActRequestMaterials:   {StageFormalReview},
	ActMaterialsReceived:  {StageAwaitingMaterials},
	ActLapse:              {StageAwaitingMaterials},
	ActOverrideCreditCode: {StageFormalReview, StageAwaitingMaterials},
	ActAccept:             {StageFormalReview},
	ActAddFinding:         {StageInvestigating},
	ActProposeRepair:      {StageInvestigating},
	ActApprove:            {StagePendingApproval},
	ActReturn:             {StagePendingApproval},
	ActSubmitCorrection:   {StageApproved},
	ActRecordOutcome:      {StageSubmitted},
	ActNotifyApplicant:    {StageFeedback},
	ActDecline:            {StageFormalReview, StageInvestigating, StagePendingApproval},
}

// Check says whether actor may take kind on c now, judged on the case alone (the payload
// is checked by Apply). It is what the action menu shows.
func (r Rules) Check(c *Case, actor Staff, kind ActionKind, now time.Time) *Refusal {
	return r.check(c, actor, kind, now, LawVersion)
}

// supporting are the finding results that support a repair: the record is wrong, or (信用中国,
// GSXT) the dishonest conduct was corrected and the record is eligible for repair.
var supporting = []string{"confirmed_wrong", "corrected_eligible"}

// check judges kind on c under the rules of version law (what an action stored with that
// version was checked by).
func (r Rules) check(c *Case, actor Staff, kind ActionKind, now time.Time, law int) *Refusal {
	if !actor.Active {
		return refuse("inactive", "refuse.inactive")
	}
	if !actor.Role.CanWork() {
		return refuse("read_only", "refuse.read_only", loc(actor.Role.Label))
	}
	if kind == ActComment {
		return nil
	}
	if kind == ActFollowUp { // after closing, and only then
		if c.Stage == StageClosed {
			return nil
		}
		if !c.Stage.Terminal() {
			return refuse("stage", "refuse.follow_up_stage", loc(c.Stage.Label))
		}
	}
	if c.Stage.Terminal() {
		return refuse("terminal", "refuse.terminal", msg.Lower(loc(c.Stage.Label)))
	}
	switch kind {
	case ActWithdraw, ActAttachFile, ActTieFile: // any open stage
		return nil
	case ActReassign:
		if !actor.Role.CanReview() {
			return refuse("role", "refuse.role_3")
		}
		return nil
	}
	stages, ok := stagesFor[kind]
	if !ok {
		return refuse("unknown", "refuse.unknown", kind)
	}
	if !slices.Contains(stages, c.Stage) {
		names := make([]any, 0, len(stages))
		for _, s := range stages {
			names = append(names, loc(s.Label))
		}
		return refuse("stage", "refuse.stage", loc(c.Stage.Label), msg.List(names...))
	}
	switch kind {
	case ActRequestMaterials:
		for _, n := range c.Notices {
			if n.Round == c.Round {
				return refuse("notice_round", "refuse.notice_round", c.Round)
			}
		}
		if len(c.Missing()) == 0 {
			return refuse("nothing_missing", "refuse.nothing_missing")
		}
		// A later notice naming what the earlier ones did not: a supervisor's decision, so
		// the menu says so before the form (Apply asks the supervisor's reason).
		if law >= 1 && !actor.Role.CanReview() {
			if extra := laterNoticeExtras(c, c.Missing()); len(extra) > 0 {
				cc := *c // the text reads a copy: a closure over c moved applyTo's case to the heap on every call
				return refuse("notice_new_items", "refuse.notice_new_items", loc(func(lang string) string { return materialNames(&cc, extra, lang) }))
			}
		}
	case ActLapse:
		var due time.Time
		if k := len(c.Notices); k > 0 {
			due = c.Notices[k-1].Deadline
		}
		if due.IsZero() || !now.After(due) {
			return refuse("not_lapsed", "refuse.not_lapsed", Day(due))
		}
	case ActOverrideCreditCode:
		if !c.CreditCodeWarning || c.CreditCodeOverride != "" {
			return refuse("no_warning", "refuse.no_warning")
		}
		if !actor.Role.CanReview() {
			return refuse("role", "refuse.role_2")
		}
		if law >= 1 && c.IntakeBy != "" && c.IntakeBy == actor.Name {
			return refuse("four_eyes", "refuse.four_eyes_code")
		}
	case ActAccept:
		if miss := c.Missing(); len(miss) > 0 {
			names := make([]any, 0, len(miss))
			for _, m := range miss {
				names = append(names, loc(Material{Key: m.Key, Label: m.Label}.Name))
			}
			return refuse("materials", "refuse.materials", msg.List(names...))
		}
		if c.CreditCodeWarning && c.CreditCodeOverride == "" {
			return refuse("credit_code", "refuse.credit_code")
		}
		for _, rec := range c.Records {
			if e := r.EarliestRepair(rec); !e.IsZero() && now.Before(e) {
				return refuse("publicity", "refuse.publicity", Day(e))
			}
		}
	case ActAddFinding:
	case ActProposeRepair:
		if len(c.Findings) == 0 {
			return refuse("no_finding", "refuse.no_finding")
		}
		if law >= 1 && !c.hasCurrentResult(supporting...) {
			return refuse("no_support", "refuse.no_support")
		}
		if law >= 1 && c.hasCurrentResult("confirmed_accurate") && !actor.Role.CanReview() {
			return refuse("accurate_finding", "refuse.accurate_finding")
		}
	case ActApprove, ActReturn:
		if r := fourEyes(c, actor); r != nil {
			return r
		}
	case ActDecline:
		if law >= 1 && c.Stage != StageFormalReview && len(c.CurrentFindings()) == 0 {
			return refuse("no_finding_decline", "refuse.no_finding_decline")
		}
		if c.Stage == StagePendingApproval {
			if r := fourEyes(c, actor); r != nil {
				return r
			}
		}
	}
	return nil
}

func fourEyes(c *Case, actor Staff) *Refusal {
	if !actor.Role.CanReview() {
		return refuse("role", "refuse.role")
	}
	if c.hasInvestigator(actor.Name) || c.Proposer == actor.Name {
		return refuse("four_eyes", "refuse.four_eyes")
	}
	return nil
}

// Options is the action menu for actor on c: every action with whether it is allowed.
func (r Rules) Options(c *Case, actor Staff, now time.Time) []Option {
	out := make([]Option, 0, len(Actions))
	for _, k := range Actions {
		out = append(out, Option{Kind: k, Refusal: r.Check(c, actor, k, now)})
	}
	return out
}

// Apply takes action a on c and returns the new case and the event that records it. c is
// not modified. actor is the authenticated staff member (a.Actor must be theirs).
func (r Rules) Apply(c Case, actor Staff, a Action) (Case, Event, error) {
	if a.Law == 0 {
		a.Law = LawVersion
	}
	return r.apply(c, actor, a)
}

// apply takes a as it is: Replay passes stored actions, whose Law says which rules held.
func (r Rules) apply(c Case, actor Staff, a Action) (Case, Event, error) {
	return r.applyTo(c, actor, a, false)
}

// applyTo is apply; fold says the call is a step of a fold (Replay), which replaces its
// case with the result, or drops it on an error, and drops the event: c is the caller's
// alone, so the result reuses c's lists instead of copying them first and c may be
// changed (copying every list of the case for every event was a third of what Check
// allocated); and the event's changes are not written (their texts were most of what
// the replay allocated after that). Whether the action is allowed, and the case it
// leaves, do not depend on fold.
func (r Rules) applyTo(c Case, actor Staff, a Action, fold bool) (Case, Event, error) {
	if a.Actor != actor.Name {
		return c, Event{}, refuse("actor", "refuse.actor")
	}
	a.Role = actor.Role
	a.At = a.At.Round(0)
	if a.At.IsZero() {
		return c, Event{}, refuse("time", "refuse.time")
	}
	a.Comment = strings.TrimSpace(a.Comment)
	if a.Kind == ActCreate {
		if c.ID != 0 || c.Version != 0 {
			return c, Event{}, refuse("exists", "refuse.exists")
		}
		return r.create(actor, a)
	}
	if c.ID == 0 {
		return c, Event{}, refuse("no_case", "refuse.no_case")
	}
	if ref := r.check(&c, actor, a.Kind, a.At, a.Law); ref != nil {
		return c, Event{}, ref
	}
	n := c
	if !fold {
		n = c.clone()
	}
	from := c.Stage
	var changes []Change
	set := func(field, old, new string) { changes = append(changes, Change{Field: field, Old: old, New: new}) }
	move := func(to Stage) {
		if to != n.Stage {
			n.Stage = to
			n.StageSince = a.At
		}
	}

	switch a.Kind {
	case ActComment:
		if a.Comment == "" {
			return c, Event{}, refuse("comment", "refuse.comment_4")
		}
	case ActAttachFile:
		f, ref := attach(&n, a)
		if ref != nil {
			return c, Event{}, ref
		}
		if !fold {
			set("file", "", f.Name+" v"+fmt.Sprint(f.Version)+" sha256:"+f.SHA256)
		}
	case ActTieFile:
		field, val, ref := tie(&n, a)
		if ref != nil {
			return c, Event{}, ref
		}
		if !fold {
			set(field, "", val)
		}
	case ActUpdateMaterial:
		u := a.Material
		if u == nil || strings.TrimSpace(u.Key) == "" {
			return c, Event{}, refuse("material", "refuse.material_3")
		}
		if u.Waive || u.Unwaive {
			if a.Law < 1 {
				return c, Event{}, refuse("material", "refuse.material_op")
			}
			i := slices.IndexFunc(n.Materials, func(m Material) bool { return m.Key == u.Key })
			switch {
			case i < 0:
				return c, Event{}, refuse("material", "refuse.material_4", u.Key)
			case !actor.Role.CanReview():
				return c, Event{}, refuse("role", "refuse.role_waive")
			case u.Waive && slices.Contains(AuthorityProof, u.Key):
				return c, Event{}, refuse("waive_authority", "refuse.waive_authority")
			case u.Waive && strings.TrimSpace(u.Note) == "":
				return c, Event{}, refuse("waive_reason", "refuse.waive_reason")
			}
			old := materialState(n.Materials[i])
			m := &n.Materials[i]
			m.Waived, m.WaivedBy, m.WaiverWhy = u.Waive, "", ""
			if u.Waive {
				m.WaivedBy, m.WaiverWhy = a.Actor, strings.TrimSpace(u.Note)
			}
			if !fold {
				set("material."+u.Key, old, materialState(*m))
			}
			break
		}
		if u.Valid && !u.Received {
			return c, Event{}, refuse("material", "refuse.material_2")
		}
		if u.Received && !u.Valid && strings.TrimSpace(u.Note) == "" {
			return c, Event{}, refuse("material_note", "refuse.material_note")
		}
		i := slices.IndexFunc(n.Materials, func(m Material) bool { return m.Key == u.Key })
		if i < 0 {
			if strings.TrimSpace(u.Label) == "" {
				return c, Event{}, refuse("material", "refuse.material", u.Key)
			}
			n.Materials = append(n.Materials, Material{Key: u.Key, Label: u.Label, Required: u.Required})
			i = len(n.Materials) - 1
		}
		old := materialState(n.Materials[i])
		n.Materials[i].Received, n.Materials[i].Valid, n.Materials[i].Note = u.Received, u.Valid, strings.TrimSpace(u.Note)
		if a.Law >= 1 && u.Received { // the applicant submitted it (again) now
			n.Materials[i].UpdatedAt = a.At
		}
		if !fold {
			set("material."+u.Key, old, materialState(n.Materials[i]))
		}
	case ActRequestMaterials:
		items := n.Missing()
		if a.Deadline.IsZero() {
			return c, Event{}, refuse("deadline", "refuse.deadline")
		}
		notice := Notice{Round: n.Round, Items: items, At: a.At, By: a.Actor, Deadline: a.Deadline}
		if a.Law >= 1 {
			if extra := laterNoticeExtras(&c, items); len(extra) > 0 {
				// The refusal's text reads a copy of the case: a closure over c itself
				// moved c to the heap on every call, refused or not (a case per event
				// replayed by check).
				cc := c
				names := loc(func(lang string) string { return materialNames(&cc, extra, lang) })
				if !actor.Role.CanReview() {
					return c, Event{}, refuse("notice_new_items", "refuse.notice_new_items", names)
				}
				if a.Comment == "" {
					return c, Event{}, refuse("notice_override", "refuse.notice_override", names)
				}
				notice.Override, notice.OverrideBy = a.Comment, a.Actor
			}
		}
		n.Notices = append(n.Notices, notice)
		n.Pauses = append(n.Pauses, Pause{From: a.At})
		if !fold {
			set("notice", "", fmt.Sprint(len(items))) // how many items; the notice itself names them
		}
		move(StageAwaitingMaterials)
	case ActMaterialsReceived:
		if k := len(n.Pauses); k > 0 && n.Pauses[k-1].To.IsZero() {
			n.Pauses[k-1].To = a.At
		}
		n.Round++
		if !fold {
			set("round", fmt.Sprint(c.Round), fmt.Sprint(n.Round))
		}
		move(StageFormalReview)
	case ActLapse:
		if k := len(n.Pauses); k > 0 && n.Pauses[k-1].To.IsZero() {
			n.Pauses[k-1].To = a.At
		}
		n.Lapsed, n.Withdrawal = true, a.Comment
		n.ClosedAt = a.At
		if !fold {
			set("lapsed", "", Day(n.Notices[len(n.Notices)-1].Deadline))
		}
		move(StageWithdrawn)
	case ActOverrideCreditCode:
		if a.Comment == "" {
			return c, Event{}, refuse("comment", "refuse.comment_3")
		}
		n.CreditCodeOverride = a.Actor
		if !fold {
			set("credit_code_override", "", a.Actor)
		}
	case ActAddRecord:
		if a.Record == nil {
			return c, Event{}, refuse("record", "refuse.record")
		}
		rec := *a.Record
		if errs := ValidateRecord(&rec, "record.", a.At); len(errs) > 0 {
			return c, Event{}, &Refusal{Code: "invalid", Key: "msg.as_is", Args: []any{errs[0]}}
		}
		for _, r := range n.Records {
			if r.Source == rec.Source && r.Type == rec.Type && r.Institution == rec.Institution && r.Date == rec.Date {
				return c, Event{}, refuse("record_dup", "refuse.record_dup")
			}
		}
		n.Records = append(n.Records, rec)
		for _, m := range a.Materials {
			i := slices.IndexFunc(n.Materials, func(x Material) bool { return x.Key == m.Key })
			switch {
			case i < 0:
				added := Material{Key: m.Key, Label: m.Label, Required: m.Required}
				if a.Law >= 1 {
					added.UpdatedAt = a.At // brought by a record added now
				}
				n.Materials = append(n.Materials, added)
			case m.Required && !n.Materials[i].Required:
				n.Materials[i].Required = true // the new record needs what was optional
			}
		}
		if !fold {
			set("record", "", rec.Type)
		}
	case ActAccept:
		move(StageInvestigating)
	case ActAddFinding:
		f := a.Finding
		if f == nil {
			return c, Event{}, refuse("finding", "refuse.finding_5")
		}
		f2 := *f
		f2.Checked = strings.TrimSpace(f2.Checked)
		if f2.Checked == "" {
			return c, Event{}, refuse("finding", "refuse.finding_4")
		}
		if !isKey("result", f2.Result) {
			return c, Event{}, refuse("finding", "refuse.finding_3")
		}
		if f2.Method != "" && !isKey("method", f2.Method) {
			return c, Event{}, refuse("finding", "refuse.finding_2", f2.Method)
		}
		if f2.Contact != "" && !isKey("contact", f2.Contact) {
			return c, Event{}, refuse("finding", "refuse.finding", f2.Contact)
		}
		f2.Evidence = strings.TrimSpace(f2.Evidence)
		if !validEvidence(f2.Evidence) {
			return c, Event{}, refuse("evidence", "refuse.evidence")
		}
		f2.By, f2.At, f2.SupersededBy = a.Actor, a.At, 0
		if a.Law >= 1 && f2.Result == "corrected_eligible" && !c.hasSource("creditchina", "gsxt") {
			return c, Event{}, refuse("result_source", "refuse.result_source")
		}
		if k := f2.Supersedes; k != 0 {
			if a.Law < 1 || k < 0 || k > len(n.Findings) || !n.Findings[k-1].Current() {
				return c, Event{}, refuse("supersede", "refuse.supersede", k)
			}
			n.Findings[k-1].SupersededBy = len(n.Findings) + 1
			if !fold {
				set("finding.superseded", fmt.Sprint(k), fmt.Sprint(len(n.Findings)+1))
			}
		}
		n.Findings = append(n.Findings, f2)
		n.addInvestigator(a.Actor)
		if !fold {
			set("finding", "", f2.Result)
		}
	case ActProposeRepair:
		p := a.Proposal
		if p == nil || strings.TrimSpace(p.Conclusion) == "" {
			return c, Event{}, refuse("conclusion", "refuse.conclusion")
		}
		override := strings.TrimSpace(p.Override)
		if a.Law >= 1 && c.hasCurrentResult("confirmed_accurate") && override == "" {
			return c, Event{}, refuse("override_reason", "refuse.override_reason")
		}
		n.Proposal = &Proposal{Conclusion: strings.TrimSpace(p.Conclusion), Plan: strings.TrimSpace(p.Plan), Override: override, By: a.Actor, At: a.At}
		n.Proposer = a.Actor
		n.addInvestigator(a.Actor)
		move(StagePendingApproval)
	case ActApprove:
		n.Approval = &Decision{By: a.Actor, At: a.At, Comment: a.Comment}
		move(StageApproved)
	case ActReturn:
		if a.Comment == "" {
			return c, Event{}, refuse("comment", "refuse.comment_2")
		}
		n.Returns++
		move(StageInvestigating)
	case ActDecline:
		d := a.Decline
		if d == nil || d.Reason == "" {
			return c, Event{}, refuse("reason", "refuse.reason_3")
		}
		if !isKey("reason", d.Reason) {
			return c, Event{}, refuse("reason", "refuse.reason_2", d.Reason)
		}
		if c.Stage == StageFormalReview && !isKey("reason_formal", d.Reason) {
			return c, Event{}, refuse("reason", "refuse.reason")
		}
		if strings.TrimSpace(d.Explanation) == "" {
			return c, Event{}, refuse("explanation", "refuse.explanation")
		}
		if len(d.Avenues) == 0 {
			return c, Event{}, refuse("avenues", "refuse.avenues_2")
		}
		for _, av := range d.Avenues {
			if !isKey("avenue", av) {
				return c, Event{}, refuse("avenues", "refuse.avenues", av)
			}
		}
		if a.Law >= 1 {
			for _, av := range d.Avenues {
				if !AvenueAllowed(&c, av) {
					cc := c // as above: the closure reads a copy
					return c, Event{}, refuse("avenue_source", "refuse.avenue_source", loc(func(lang string) string { return Label("avenue", av, lang) }), loc(func(lang string) string { return sourceNames(&cc, lang) }))
				}
			}
		}
		if slices.Contains(d.Avenues, "await_expiry") && d.ExpiryDate != "" {
			if _, err := ParseDate(d.ExpiryDate); err != nil {
				return c, Event{}, refuse("expiry", "refuse.expiry")
			}
		}
		n.Decline = &Decline{Reason: d.Reason, Explanation: strings.TrimSpace(d.Explanation), Avenues: slices.Clone(d.Avenues),
			ExpiryDate: d.ExpiryDate, From: c.Stage, By: a.Actor, At: a.At}
		n.ClosedAt = a.At
		move(StageDeclined)
	case ActSubmitCorrection:
		s := a.Submission
		if s == nil || !isKey("channel", s.Channel) {
			return c, Event{}, refuse("channel", "refuse.channel")
		}
		if strings.TrimSpace(s.Reference) == "" {
			return c, Event{}, refuse("reference", "refuse.reference")
		}
		n.Submission = &Submission{Channel: s.Channel, Reference: strings.TrimSpace(s.Reference), By: a.Actor, At: a.At}
		move(StageSubmitted)
	case ActRecordOutcome:
		o := a.Outcome
		if o == nil || !isKey("outcome", o.Result) {
			return c, Event{}, refuse("outcome", "refuse.outcome")
		}
		n.Outcome = &Outcome{Result: o.Result, Note: strings.TrimSpace(o.Note), By: a.Actor, At: a.At}
		move(StageFeedback)
	case ActNotifyApplicant:
		nt := a.Notification
		if nt == nil || !isKey("notify", nt.Channel) {
			return c, Event{}, refuse("notify", "refuse.notify")
		}
		d, err := ParseDate(nt.Date)
		if err != nil {
			return c, Event{}, refuse("date", "refuse.date_3")
		}
		if d.After(a.At) {
			return c, Event{}, refuse("date", "refuse.date_2")
		}
		if n.Submission != nil && Day(d) < Day(n.Submission.At) {
			return c, Event{}, refuse("date", "refuse.date", Day(n.Submission.At))
		}
		n.Notification = &Notification{Channel: nt.Channel, Date: nt.Date, By: a.Actor, At: a.At}
		n.ClosedAt = a.At
		move(StageClosed)
	case ActWithdraw:
		if a.Comment == "" {
			return c, Event{}, refuse("comment", "refuse.comment")
		}
		if k := len(n.Pauses); k > 0 && n.Pauses[k-1].To.IsZero() {
			n.Pauses[k-1].To = a.At
		}
		n.Withdrawal = a.Comment
		n.ClosedAt = a.At
		move(StageWithdrawn)
	case ActFollowUp:
		chs, ref := followUp(&n, a)
		if ref != nil {
			return c, Event{}, ref
		}
		changes = append(changes, chs...)
	case ActReassign:
		if a.Assignee == "" {
			return c, Event{}, refuse("assignee", "refuse.assignee_2")
		}
		if a.Assignee == c.Owner {
			return c, Event{}, refuse("assignee", "refuse.assignee", a.Assignee)
		}
		if !fold {
			set("owner", c.Owner, a.Assignee)
		}
		n.Owner = a.Assignee
	default:
		return c, Event{}, refuse("unknown", "refuse.unknown", a.Kind)
	}
	if n.Stage != from {
		if !fold {
			set("stage", string(from), string(n.Stage))
		}
	}
	n.Version++
	n.UpdatedAt, n.UpdatedBy = a.At, a.Actor
	if fold {
		return n, Event{}, nil // the fold drops the event: not built
	}
	ev := Event{CaseID: n.ID, Seq: n.Version, Kind: a.Kind, Actor: a.Actor, At: a.At, From: from, To: n.Stage,
		Comment: a.Comment, Changes: changes, Action: a}
	return n, ev, nil
}

func materialState(m Material) string {
	switch {
	case m.Waived:
		return "waived"
	case !m.Received:
		return "missing"
	case !m.Valid:
		return "invalid"
	}
	return "ok"
}

func (r Rules) create(actor Staff, a Action) (Case, Event, error) {
	if !actor.Active {
		return Case{}, Event{}, refuse("inactive", "refuse.inactive")
	}
	if !actor.Role.CanWork() {
		return Case{}, Event{}, refuse("read_only", "refuse.read_only_intake", loc(actor.Role.Label))
	}
	in := a.Intake
	if in == nil || in.ID == 0 || in.No == "" {
		return Case{}, Event{}, refuse("intake", "refuse.intake")
	}
	if errs := ValidateIntake(in, a.At); len(errs) > 0 {
		for _, e := range errs {
			if !e.Warning {
				return Case{}, Event{}, &Refusal{Code: "invalid", Key: "msg.as_is", Args: []any{e}}
			}
		}
	}
	// Structure warnings (GB 32100, GB/T 2260, GB 11714) apply to intakes under the law
	// version; older intakes replay with the check digit alone.
	var ccErr *FieldError
	if a.Law >= 1 {
		_, ccErr = ValidateCreditCode(in.Enterprise.CreditCode)
	} else {
		_, ccErr = validateCreditCodeBase(in.Enterprise.CreditCode)
	}
	owner := in.Owner
	if owner == "" {
		owner = a.Actor
	}
	c := Case{
		ID: in.ID, No: in.No, Version: 1, Stage: StageFormalReview,
		Enterprise: in.Enterprise, Agent: in.Agent,
		Records: slices.Clone(in.Records), Materials: slices.Clone(in.Materials),
		Owner: owner, Round: 1, CreditCodeWarning: ccErr != nil && ccErr.Warning,
		ReceivedAt: in.ReceivedAt, StageSince: a.At, UpdatedAt: a.At, UpdatedBy: a.Actor,
	}
	if a.Law >= 1 {
		c.IntakeBy = a.Actor // who typed the code: not the one to confirm its warning
	}
	if s := in.Seen; s != nil && (s.AgentID || s.AuthLetter) {
		c.Seen = &Seen{AgentID: s.AgentID, AuthLetter: s.AuthLetter, By: a.Actor, At: a.At}
	}
	if d := in.Duplicate; d != nil && len(d.Of) > 0 {
		reason := strings.TrimSpace(d.Reason)
		if reason == "" {
			return Case{}, Event{}, refuse("duplicate", "refuse.duplicate_reason", strings.Join(d.Of, ", "))
		}
		c.Duplicate = &Duplicate{Of: slices.Clone(d.Of), Reason: reason}
	}
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = a.At
	}
	ev := Event{CaseID: c.ID, Seq: 1, Kind: ActCreate, Actor: a.Actor, At: a.At, To: c.Stage, Comment: a.Comment, Action: a}
	if s := c.Seen; s != nil { // for the history: the originals seen, and a duplicate's reason
		var what []string
		if s.AgentID {
			what = append(what, "agent_id")
		}
		if s.AuthLetter {
			what = append(what, "auth_letter")
		}
		ev.Changes = append(ev.Changes, Change{Field: "seen", New: strings.Join(what, ",")})
	}
	if d := c.Duplicate; d != nil {
		ev.Changes = append(ev.Changes, Change{Field: "duplicate", New: strings.Join(d.Of, "、")}, Change{Field: "duplicate_reason", New: d.Reason})
	}
	return c, ev, nil
}

// Replay folds events into the case they describe; store checks use it to prove a stored
// case equals its history.
// The actor is taken as they were then (role stored in the action, active). On an error
// the case returned is the fold before the failing event, which that event's refused
// step may have changed in part (the fold builds its case in place): use it only
// without an error.
func (r Rules) Replay(events []Event) (Case, error) {
	var c Case
	for i := range events {
		ev := &events[i] // an event is about 500 bytes: not copied for each step
		actor := Staff{Name: ev.Action.Actor, Role: ev.Action.Role, Active: true}
		// The fold owns its case: each step replaces it, and drops the event (applyTo's fold).
		n, _, err := r.applyTo(c, actor, ev.Action, true)
		if err != nil {
			return c, fmt.Errorf("event %d (%s): %w", i+1, ev.Kind, err)
		}
		c = n
	}
	return c, nil
}

// validEvidence: a reference is free text (a file number), but one that claims to be a
// SHA-256 must be one, so it can be checked against the file later.
func validEvidence(ref string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(ref), "sha256:")
	if !ok {
		return true
	}
	if len(rest) != 64 {
		return false
	}
	for _, r := range rest {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// sourceNames lists the sources of c's records.
func sourceNames(c *Case, lang string) string {
	var out []string
	for _, r := range c.Records {
		if n := Label("source", r.Source, lang); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sep := "、"
	if lang == "en" {
		sep = ", "
	}
	return strings.Join(out, sep)
}

// laterNoticeExtras are the items of a new notice that a later notice may not name by itself
// (行政许可法 art. 32(4): incomplete materials are told once and in full): neither named in
// an earlier notice (and so still not right) nor submitted since the last notice (or
// brought by a record added since). An item the agency adds to the checklist by hand after
// the notice is such an extra.
func laterNoticeExtras(c *Case, items []NoticeItem) []string {
	if len(c.Notices) == 0 {
		return nil
	}
	last := c.Notices[len(c.Notices)-1].At
	named := map[string]bool{}
	for _, nt := range c.Notices {
		for _, it := range nt.Items {
			named[it.Key] = true
		}
	}
	var out []string
	for _, it := range items {
		i := slices.IndexFunc(c.Materials, func(m Material) bool { return m.Key == it.Key })
		if named[it.Key] || i >= 0 && c.Materials[i].UpdatedAt.After(last) {
			continue
		}
		out = append(out, it.Key)
	}
	return out
}

// NoticeExtras are the items a notice sent now would name although no earlier notice
// named them and they were not submitted since (行政许可法 art. 32(4): told once and in
// full). Naming them needs a supervisor's reason, kept with the notice.
func (c *Case) NoticeExtras() []string { return laterNoticeExtras(c, c.Missing()) }

// MaterialNames lists the items' names in lang, quoted, for a sentence.
func MaterialNames(c *Case, keys []string, lang string) string { return materialNames(c, keys, lang) }

func materialNames(c *Case, keys []string, lang string) string {
	var out []string
	for _, k := range keys {
		m := Material{Key: k}
		if i := slices.IndexFunc(c.Materials, func(x Material) bool { return x.Key == k }); i >= 0 {
			m = c.Materials[i]
		}
		out = append(out, "“"+CleanLine(m.Name(lang))+"”")
	}
	if lang == "en" {
		return strings.Join(out, ", ")
	}
	return strings.Join(out, "、")
}
