package workflow_test

import (
	"slices"
	"testing"

	"repairdesk/workflow"
)

// The follow-up call (回访) is the one action after closing: specialists and supervisors
// record it (DESIGN §4: both do feedback work; no four-eyes rule applies to it), auditors
// and former staff cannot; before closing it is refused with the reason.
func TestEngineFollowUp(t *testing.T) {
	f := engBuild(t)
	call := func(sat string, thanks ...string) workflow.Action {
		a := workflow.Action{Kind: workflow.ActFollowUp, At: engT("2026-03-24 10:00"),
			FollowUp: &workflow.FollowUp{Satisfaction: sat, Comment: "企业表示已自行查询到更正后的报告"}}
		for _, k := range thanks {
			a.FollowUp.Thanks = append(a.FollowUp.Thanks, workflow.Thanks{Kind: k, At: engT("2020-01-01 00:00")})
		}
		return a
	}
	for _, s := range []workflow.Stage{workflow.StageFeedback, workflow.StageSubmitted, workflow.StageFormalReview} {
		r := engRefused(t, f.at[s].c, engLi, call("satisfied"), "stage")
		if got := r.Message("zh"); got != "回访在案件办结后登记（当前："+s.Label("zh")+"）" {
			t.Errorf("at %s: %q", s, got)
		}
	}
	engRefused(t, f.at[workflow.StageDeclined].c, engLi, call("satisfied"), "terminal")
	closed := f.at[workflow.StageClosed].c
	engRefused(t, closed, engAudit, call("satisfied"), "read_only")
	engRefused(t, closed, engGone, call("satisfied"), "inactive")
	engRefused(t, closed, engLi, call(""), "follow_up")      // satisfaction first
	engRefused(t, closed, engLi, call("happy"), "follow_up") // not one of the three
	engRefused(t, closed, engLi, call("satisfied", "cake"), "follow_up")
	engRefused(t, closed, engLi, workflow.Action{Kind: workflow.ActFollowUp, At: engT("2026-03-24 10:00")}, "follow_up")

	for _, who := range []workflow.Staff{engLi, engZhao, engWang} { // the handler, a colleague, a supervisor
		w := f.at[workflow.StageClosed].fork().do(who, call("basically_satisfied", "banner"))
		c := w.c
		fu := c.FollowUp
		if c.Stage != workflow.StageClosed || fu == nil || fu.Satisfaction != "basically_satisfied" || fu.By != who.Name ||
			!fu.At.Equal(engT("2026-03-24 10:00")) || len(fu.Thanks) != 1 || !fu.Thanks[0].At.Equal(fu.At) {
			t.Fatalf("%s: follow-up %+v", who.Name, fu) // the engine stamps the thanks' time, not the payload
		}
		ev := w.events[len(w.events)-1]
		if !slices.Contains(ev.Changes, workflow.Change{Field: "satisfaction", New: "basically_satisfied"}) {
			t.Errorf("history: %+v", ev.Changes)
		}
		// Once called, the satisfaction stands; thanks that arrive later are added.
		later := call("", "letter")
		later.At = engT("2026-04-08 15:00")
		engRefused(t, c, who, call("satisfied"), "follow_up")
		engRefused(t, c, who, call(""), "follow_up") // nothing to add
		w.do(who, later)
		if got := w.c.ThanksCount(); got != 2 || w.c.FollowUp.Satisfaction != "basically_satisfied" || !w.c.FollowUp.Thanks[1].At.Equal(later.At) {
			t.Errorf("after the letter: %d thanks, %+v", got, w.c.FollowUp)
		}
		back, err := workflow.DefaultRules().Replay(w.events)
		if err != nil || back.FollowUp == nil || back.ThanksCount() != 2 {
			t.Errorf("replay: %v %+v", err, back.FollowUp)
		}
	}
	// The action menu offers it on a closed case only.
	for _, o := range workflow.DefaultRules().Options(&closed, engLi, engNow) {
		if o.Kind == workflow.ActFollowUp && o.Refusal != nil {
			t.Errorf("closed case: follow-up refused %v", o.Refusal)
		}
	}
}

// Intake records the originals seen at the counter (who and when come from the action,
// never from the form), the first responsible person (首问负责), who stays after a
// reassignment, and a duplicate's reason.
func TestEngineIntakeSeenFirstResponsibleDuplicate(t *testing.T) {
	in := engIntake(engGoodCode)
	in.Seen = &workflow.Seen{AgentID: true, AuthLetter: true, By: "someone-else", At: engT("2020-01-01 00:00")}
	w := engStart(t, engLi, in, engT("2026-03-02 09:00"))
	s := w.c.Seen
	if s == nil || !s.AgentID || !s.AuthLetter || s.By != "li" || !s.At.Equal(engT("2026-03-02 09:00")) {
		t.Fatalf("seen = %+v; want both, by li at intake", s)
	}
	w.act(engWang, workflow.ActReassign, engT("2026-03-03 09:00"))
	if w.c.Owner != "zhao" || w.c.FirstResponsible() != "li" {
		t.Errorf("after reassignment: owner %s, first responsible %q; want zhao, li", w.c.Owner, w.c.FirstResponsible())
	}
	none := engIntake(engGoodCode)
	none.Seen = &workflow.Seen{}
	if c := engStart(t, engLi, none, engT("2026-03-02 09:00")).c; c.Seen != nil {
		t.Errorf("nothing ticked, yet seen = %+v", c.Seen)
	}

	dup := engIntake(engGoodCode)
	dup.Duplicate = &workflow.Duplicate{Of: []string{"XF-2026-000003"}, Reason: "  "}
	r := engRefused(t, workflow.Case{}, engLi, workflow.Action{Kind: workflow.ActCreate, At: engT("2026-03-02 09:00"), Intake: dup}, "duplicate")
	if got := r.Message("zh"); got != "该企业就同一记录已有在办案件 XF-2026-000003，继续受理须写明理由" {
		t.Errorf("%q", got)
	}
	dup.Duplicate.Reason = "前案经办人已离职，企业重新委托"
	c := engStart(t, engLi, dup, engT("2026-03-02 09:00")).c
	if c.Duplicate == nil || c.Duplicate.Reason != "前案经办人已离职，企业重新委托" || !slices.Equal(c.Duplicate.Of, []string{"XF-2026-000003"}) {
		t.Errorf("duplicate = %+v", c.Duplicate)
	}
}

// "The same record": source, type, institution (spacing and case aside) and date.
func TestSameRecord(t *testing.T) {
	a := engLoan()
	b := a
	b.Institution = " 中国工商银行北京朝阳支行 "
	b.AmountFen, b.Problem = 1, "wrong_data"
	if !workflow.SameRecord(a, b) {
		t.Errorf("same entry, other amount and claim: should be the same record")
	}
	for _, change := range []func(*workflow.Record){
		func(r *workflow.Record) { r.Source = "baihang" },
		func(r *workflow.Record) { r.Type = "guarantee" },
		func(r *workflow.Record) { r.Institution = "中国银行" },
		func(r *workflow.Record) { r.Date = "2025-11-21" },
	} {
		c := a
		change(&c)
		if workflow.SameRecord(a, c) {
			t.Errorf("%+v counted as the same record as %+v", c, a)
		}
	}
}
