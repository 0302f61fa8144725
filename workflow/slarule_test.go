package workflow

import "testing"

// One check of a deadline rule for the console and the command line, refusing in both
// languages.
func TestSLARuleChecks(t *testing.T) {
	if s, err := SLAStage("investigating"); err != nil || s != StageInvestigating {
		t.Errorf("investigating: %v %v", s, err)
	}
	for _, bad := range []string{"closed", "awaiting_materials", "nope", ""} {
		_, err := SLAStage(bad)
		r, ok := err.(*Refusal)
		if !ok || r.Message("zh") == "" || r.Message("en") == "" || r.Message("zh") == r.Message("en") {
			t.Errorf("stage %q: %v", bad, err)
		}
	}
	for in, want := range map[string]int{"1": 1, "365": 365, " 10 ": 10} {
		if d, err := SLADays(in); err != nil || d != want {
			t.Errorf("days %q: %d %v", in, d, err)
		}
	}
	for _, bad := range []string{"0", "366", "x", "-3"} {
		if _, err := SLADays(bad); err == nil {
			t.Errorf("days %q accepted", bad)
		}
	}
	if SLARecordType("court_dishonest") != nil || SLARecordType("nope") == nil {
		t.Error("record type check")
	}
}
