package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// `sla set follow_up N` sets when the follow-up call falls due, `sla show` says it, and a
// --type with it is refused in the user's language.
func TestSLASetFollowUp(t *testing.T) {
	db := filepath.Join(t.TempDir(), "office.db")
	if code, out, errs := runCLI(t, "sla", "show", "--db", db); code != 0 || !strings.Contains(out, "follow-up call   5 working days after closing") {
		t.Fatalf("default: %d %q %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "sla", "set", "follow_up", "3", "--db", db); code != 0 || !strings.Contains(out, "follow-up call   3 working days") {
		t.Fatalf("set: %d %q %s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "sla", "set", "follow_up", "3", "--type", "overdue_loan", "--db", db); code == 0 || !strings.Contains(errs, "leave out --type") {
		t.Fatalf("--type: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "sla", "set", "follow_up", "0", "--db", db); code == 0 || errs == "" {
		t.Fatalf("0 days accepted: %d %s", code, errs)
	}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := st.Settings().SLA.FollowUpLimit(); got != (workflow.Limit{Days: 3}) {
		t.Fatalf("stored limit %+v", got)
	}
}
