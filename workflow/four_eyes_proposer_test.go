package workflow_test

import (
	"testing"

	"repairdesk/workflow"
)

// The proposer may not decide their own proposal even when the case does not list them
// as an investigator. Apply always lists the proposer, so through the engine the two
// checks coincide; a case that reached the store by another road (restored, imported,
// edited by a tool) may not, and four-eyes must not rest on that list alone.
func TestFourEyesProposerNotListedAsInvestigator(t *testing.T) {
	rules := workflow.DefaultRules()
	c := workflow.Case{ID: 1, No: "XF-2026-000001", Stage: workflow.StagePendingApproval, Version: 9,
		Owner: engLi.Name, Investigators: []string{engLi.Name}, Proposer: engWang.Name,
		Findings: []workflow.Finding{{Checked: "核对还款流水", Result: "confirmed_wrong", By: engLi.Name}}}
	for _, kind := range []workflow.ActionKind{workflow.ActApprove, workflow.ActReturn, workflow.ActDecline} {
		r := rules.Check(&c, engWang, kind, engNow)
		if r == nil || r.Code != "four_eyes" {
			t.Errorf("%s by the proposer %s: refusal %+v, want four_eyes", kind, engWang.Name, r)
		}
		if r := rules.Check(&c, engZhou, kind, engNow); r != nil {
			t.Errorf("%s by %s, who neither investigated nor proposed: refused %s", kind, engZhou.Name, r.Code)
		}
	}
	// Apply says the same.
	if _, _, err := rules.Apply(c, engWang, workflow.Action{Kind: workflow.ActApprove, Actor: engWang.Name, At: engNow}); err == nil {
		t.Error("Apply let the proposer approve their own proposal")
	}
}
