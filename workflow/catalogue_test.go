package workflow_test

import (
	"encoding/json"
	"strings"
	"testing"

	"repairdesk/workflow"
)

// engRequired maps each checklist key to whether it is required, failing on duplicates.
func engRequired(t *testing.T, ms []workflow.Material) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range ms {
		if _, dup := out[m.Key]; dup {
			t.Errorf("checklist lists %s twice", m.Key)
		}
		if m.Received || m.Valid {
			t.Errorf("a new checklist item %s is already received/valid", m.Key)
		}
		out[m.Key] = m.Required
	}
	return out
}

func engExpectRequired(t *testing.T, name string, got map[string]bool, want map[string]bool) {
	t.Helper()
	for k, req := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: checklist has no %s", name, k)
		case g != req:
			t.Errorf("%s: %s required = %v, want %v", name, k, g, req)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected item %s", name, k)
		}
	}
}

func TestCatalogueParses(t *testing.T) {
	cat := workflow.DefaultCatalogue()
	if cat.Version == "" || len(cat.Common) == 0 {
		t.Fatalf("default catalogue: version %q, %d common items", cat.Version, len(cat.Common))
	}
	for _, rt := range workflow.Keys("record_type") {
		if _, ok := cat.Types[rt]; !ok {
			t.Errorf("record type %s has no entry", rt)
		}
		for _, pr := range workflow.Keys("problem") {
			for _, m := range cat.Checklist([]workflow.Record{{Type: rt, Problem: pr}}) {
				if workflow.Label("material", m.Key, "zh") == m.Key || workflow.Label("material", m.Key, "en") == m.Key {
					t.Errorf("material %s (%s/%s) has no label", m.Key, rt, pr)
				}
			}
		}
	}
	for p := range cat.Problems {
		if !strings.Contains(strings.Join(workflow.Keys("problem"), ","), p) {
			t.Errorf("catalogue has an entry for unknown problem %s", p)
		}
	}

	// ParseCatalogue refuses broken data and catalogues that leave a record type out.
	if _, err := workflow.ParseCatalogue([]byte(`{"common": [`)); err == nil {
		t.Errorf("ParseCatalogue accepted broken JSON")
	}
	b, _ := json.Marshal(cat)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	delete(m["types"].(map[string]any), "guarantee")
	b, _ = json.Marshal(m)
	if _, err := workflow.ParseCatalogue(b); err == nil || !strings.Contains(err.Error(), "guarantee") {
		t.Errorf("ParseCatalogue without guarantee: %v", err)
	}
}

func TestCatalogueChecklist(t *testing.T) {
	cat := workflow.DefaultCatalogue()
	loan := workflow.Record{Type: "overdue_loan", Problem: "wrong_data"}
	penalty := workflow.Record{Type: "admin_penalty", Problem: "corrected_dishonest", Tier: "general"}
	nonMal := workflow.Record{Type: "overdue_loan", Problem: "non_malicious_overdue"}

	// 2025 reform (国办发〔2025〕22号): 信用中国 asks for proof of fulfilment and a 信用承诺书;
	// the proof of authority stays required (seed 000 step 2, seed 004).
	engExpectRequired(t, "admin_penalty", engRequired(t, cat.Checklist([]workflow.Record{penalty})), map[string]bool{
		"application_form": true, "business_license": true,
		"legal_rep_id": true, "authorization": true, "agent_id": true, "credit_report": false,
		"penalty_decision": false, "penalty_fulfilled": true, "credit_commitment": true,
	})
	// Two penalties agree: still the reformed list.
	engExpectRequired(t, "two admin_penalty", engRequired(t, cat.Checklist([]workflow.Record{penalty, penalty})), map[string]bool{
		"application_form": true, "business_license": true,
		"legal_rep_id": true, "authorization": true, "agent_id": true, "credit_report": false,
		"penalty_decision": false, "penalty_fulfilled": true, "credit_commitment": true,
	})
	// A mixed case asks for the stricter union, whatever the order of its records.
	union := map[string]bool{
		"application_form": true, "business_license": true,
		"legal_rep_id": true, "authorization": true, "agent_id": true, "credit_report": true,
		"settlement_certificate": true, "nonmalicious_statement": false, "correction_evidence": true,
		"penalty_decision": false, "penalty_fulfilled": true, "credit_commitment": true,
	}
	engExpectRequired(t, "overdue_loan+admin_penalty", engRequired(t, cat.Checklist([]workflow.Record{loan, penalty})), union)
	engExpectRequired(t, "admin_penalty+overdue_loan", engRequired(t, cat.Checklist([]workflow.Record{penalty, loan})), union)

	// A non-malicious overdue needs the bank's statement; a plain wrong-data claim does not.
	if r := engRequired(t, cat.Checklist([]workflow.Record{nonMal})); !r["nonmalicious_statement"] || !r["settlement_certificate"] || !r["credit_report"] {
		t.Errorf("non_malicious_overdue checklist %v: the bank statement, settlement and report are required", r)
	}
	if r := engRequired(t, cat.Checklist([]workflow.Record{loan})); r["nonmalicious_statement"] {
		t.Errorf("wrong_data overdue loan requires the non-malicious statement: %v", r)
	}
	// The problem's requirement holds even when the other record is an admin penalty.
	if r := engRequired(t, cat.Checklist([]workflow.Record{penalty, nonMal})); !r["nonmalicious_statement"] {
		t.Errorf("penalty + non-malicious overdue: statement not required: %v", r)
	}
	// No records: the common list.
	for _, m := range cat.Checklist(nil) {
		if !m.Required {
			t.Errorf("common item %s is optional with no record", m.Key)
		}
	}
}

// A case built from the catalogue cannot be accepted until the catalogue's required items
// are in: the checklist and the accept guard agree.
func TestCatalogueDrivesAccept(t *testing.T) {
	rec := engPenalty("minor", "2026-01-15")
	w := engStart(t, engLi, engIntake(engGoodCode, rec), engT("2026-03-02 09:00"))
	at := engT("2026-03-02 10:00")
	for _, k := range []string{"application_form", "business_license", "penalty_fulfilled"} {
		w.material(engLi, at, k, true, true, "")
	}
	r := engRefused(t, w.c, engLi, engAct(workflow.ActAccept, at), "materials")
	if !strings.Contains(r.Message("zh"), "信用承诺书") {
		t.Errorf("accept refusal does not name the credit commitment: %s", r.Message("zh"))
	}
	w.material(engLi, at, "credit_commitment", true, true, "")
	// The proof of authority is still needed (seed 000 step 2, seed 004) ...
	r = engRefused(t, w.c, engLi, engAct(workflow.ActAccept, at), "materials")
	if !strings.Contains(r.Message("zh"), "授权委托书") || !strings.Contains(r.Message("zh"), "经办人身份证") || !strings.Contains(r.Message("zh"), "法定代表人身份证明") {
		t.Errorf("accept refusal does not name the proof of authority: %s", r.Message("zh"))
	}
	for _, k := range workflow.AuthorityProof {
		w.material(engLi, at, k, true, true, "")
	}
	// ... the optional items (credit report, penalty decision) are not, under the 2025 reform.
	w.act(engLi, workflow.ActAccept, at).stage(workflow.StageInvestigating)
}

// The proof of authority (legal representative's ID, letter of authorisation, agent's ID)
// is required for every record type, and a catalogue that makes it optional is refused.
func TestCatalogueAuthorityProofEverywhere(t *testing.T) {
	cat := workflow.DefaultCatalogue()
	for _, typ := range workflow.Keys("record_type") {
		req := engRequired(t, cat.Checklist([]workflow.Record{{Type: typ, Problem: "wrong_data"}}))
		for _, k := range workflow.AuthorityProof {
			if !req[k] {
				t.Errorf("%s: %s is not required", typ, k)
			}
		}
	}
	bad := `{"version":"x","common":[{"key":"legal_rep_id","required":true},{"key":"authorization","required":true},{"key":"agent_id","required":true}],
"types":{"overdue_loan":[],"admin_penalty":[{"key":"agent_id","required":false}],"guarantee":[],"tax_arrears":[],"court_dishonest":[],"identity_error":[]}}`
	if _, err := workflow.ParseCatalogue([]byte(bad)); err == nil || !strings.Contains(err.Error(), "agent_id") {
		t.Errorf("a catalogue making the agent's ID optional was accepted: %v", err)
	}
}
