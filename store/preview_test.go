package store_test

import (
	"errors"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// ltReady takes a non-malicious overdue case to approved (ready for node I).
func ltReady(t *testing.T, s *store.Store) workflow.Case {
	t.Helper()
	in := intake(entA)
	in.Records[0].Problem = "non_malicious_overdue"
	in.Records[0].Detail = "银行系统升级导致扣款失败"
	c, err := s.Create(wang, in, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Materials {
		c = do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
	}
	c = do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActAccept})
	c = do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{Checked: "还款流水", Contact: "bank", Method: "document", Result: "confirmed_wrong"}})
	c = do(t, s, c.ID, wang, workflow.Action{Kind: workflow.ActProposeRepair, Proposal: &workflow.Proposal{Conclusion: "非恶意逾期", Plan: "更正为正常还款"}})
	return do(t, s, c.ID, chen, workflow.Action{Kind: workflow.ActApprove})
}

// What is stored is exactly what was previewed: the letters of submit_correction (the
// correction report and the 情况说明) byte for byte, each with its own code, both verifiable.
func TestPreviewIsWhatIsStored(t *testing.T) {
	s, _, clk := newStore(t)
	if err := s.UpdateSettings(root, func(st *store.Settings) error {
		st.Letterhead = workflow.LetterSettings{Agency: "郑州信修", Address: "花园路88号", Phone: "0371-5550-1234", Contact: "陈静"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	c := ltReady(t, s)
	a := workflow.Action{Kind: workflow.ActSubmitCorrection, Submission: &workflow.Submission{Channel: "pbc_dispute", Reference: "ZX-1"}}
	done, shown, err := s.PreviewLetters(c.ID, c.Version, wang, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != 2 || shown[0].Kind != "correction" || shown[1].Kind != "situation" || done.Previewed == "" {
		t.Fatalf("preview: %d letters %+v, fingerprint %q", len(shown), shown, done.Previewed)
	}
	if c2, _ := s.Case(c.ID); c2.Version != c.Version {
		t.Fatal("the preview wrote something")
	}
	clk.Set(clk.Now().Add(90 * 60e9)) // confirmed an hour and a half later: the preview's time stands
	n, err := s.Apply(c.ID, c.Version, wang, done)
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := s.Events(c.ID)
	stored := evs[len(evs)-1].Letters()
	if len(stored) != 2 {
		t.Fatalf("stored %d letters", len(stored))
	}
	for i := range stored {
		if got, want := workflow.LetterText(stored[i]), workflow.LetterText(shown[i]); got != want {
			t.Errorf("letter %d stored differs from the preview:\n--- stored\n%s\n--- previewed\n%s", i, got, want)
		}
		if !strings.Contains(stored[i].Body, "承办人：王芳") || !strings.Contains(stored[i].Body, "联系人：陈静") {
			t.Errorf("letter %d lacks the staff member or contact:\n%s", i, stored[i].Body)
		}
	}
	if stored[0].Code == stored[1].Code || stored[0].Code == "" {
		t.Errorf("codes %q %q", stored[0].Code, stored[1].Code)
	}
	for _, l := range stored {
		v, err := s.VerifyLetter(n.No, l.Code)
		if err != nil || !v.OK || v.Letter.Kind != l.Kind {
			t.Errorf("verify %s %s: %+v %v", l.Kind, l.Code, v, err)
		}
	}
	if probs := s.Check(); len(probs) != 0 {
		t.Fatalf("check: %v", probs)
	}
}

// A change to the case between preview and confirm is caught by the version check (and
// the console asks to preview again); a change to what the letters say (the letterhead)
// is caught by the fingerprint. Nothing is written either way.
func TestPreviewThenChangeIsRefused(t *testing.T) {
	s, _, _ := newStore(t)
	c := create(t, s, entB)
	a := workflow.Action{Kind: workflow.ActRequestMaterials}
	done, shown, err := s.PreviewLetters(c.ID, c.Version, wang, a)
	if err != nil || len(shown) != 1 || shown[0].Kind != "notice" {
		t.Fatalf("preview: %v %+v", err, shown)
	}
	// Someone marks a material meanwhile: the notice previewed no longer fits the case.
	do(t, s, c.ID, li, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: "application_form", Received: true, Valid: true}})
	var ce *store.ConflictError
	if _, err := s.Apply(c.ID, c.Version, wang, done); !errors.As(err, &ce) {
		t.Fatalf("confirm after a change: %v, want a conflict", err)
	}
	c, _ = s.Case(c.ID)
	done, _, err = s.PreviewLetters(c.ID, c.Version, wang, a)
	if err != nil {
		t.Fatal(err)
	}
	// The agency's phone changes before the confirm: the letter would differ.
	if err := s.UpdateSettings(root, func(st *store.Settings) error { st.Letterhead.Phone = "0371-1"; return nil }); err != nil {
		t.Fatal(err)
	}
	_, err = s.Apply(c.ID, c.Version, wang, done)
	var rf *workflow.Refusal
	if !errors.As(err, &rf) || rf.Code != "preview" || !strings.Contains(rf.Message("zh"), "请重新预览") {
		t.Fatalf("confirm after the letterhead changed: %v", err)
	}
	if n, _ := s.Case(c.ID); n.Version != c.Version || len(n.Notices) != 0 {
		t.Fatal("a refused confirm wrote something")
	}
	// Previewed again, it goes through.
	done, shown, _ = s.PreviewLetters(c.ID, c.Version, wang, a)
	if _, err := s.Apply(c.ID, c.Version, wang, done); err != nil {
		t.Fatal(err)
	}
	evs, _ := s.Events(c.ID)
	if got := workflow.LetterText(*evs[len(evs)-1].Letter); got != workflow.LetterText(shown[0]) || !strings.Contains(got, "0371-1") {
		t.Errorf("stored notice is not the preview:\n%s", got)
	}
}
