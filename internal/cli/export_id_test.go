package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// An ID number typed with a lower-case x goes into the structured agent field as the
// normalised number, and every export shows that field masked: the whole number appears
// in neither case. (ID numbers typed into free text are masked by the free-text pass,
// tested on its own.)
func TestExportMasksLowerCaseXIDInAgentField(t *testing.T) {
	t.Setenv(store.KeyEnv, "")
	db := filepath.Join(t.TempDir(), "x.db")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)
	st, err := store.Open(db, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutStaff(workflow.Staff{}, cliSpecialist); err != nil {
		t.Fatal(err)
	}
	lower := strings.ToLower(cliID) // 11010519491231002x
	c, err := st.Create(cliSpecialist, workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "郑州华信商贸有限公司", CreditCode: "91110000600037341L", LegalRep: "张建国", Address: "郑州市"},
		Agent:      workflow.Agent{Name: "王桂英", Phone: "13812345678", IDNumber: lower, AuthLetter: "SQ-1"},
		Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01",
			Problem: "wrong_data"}},
	}, "")
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if c.Agent.IDNumber != cliID {
		t.Fatalf("stored ID %q, want it normalised to %q", c.Agent.IDNumber, cliID)
	}

	code, out, errs := cli(t, "export", "--format", "json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(strings.ToLower(out), lower) {
		t.Fatalf("the JSON export shows the whole ID number:\n%s", out)
	}
	var items []struct {
		Case   workflow.Case    `json:"case"`
		Events []workflow.Event `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != 1 || len(items[0].Events) != 1 {
		t.Fatalf("export: %v, %d items", err, len(items))
	}
	if got := items[0].Case.Agent.IDNumber; got != "1101**********002X" {
		t.Errorf("case agent ID %q, want 1101**********002X", got)
	}
	if in := items[0].Events[0].Action.Intake; in == nil || in.Agent.IDNumber != "1101**********002X" {
		t.Errorf("the intake event's agent ID is not masked: %+v", in)
	}

	code, out, errs = cli(t, "export", "--format", "csv", "--db", db)
	if code != 0 {
		t.Fatalf("csv: exit %d: %s", code, errs)
	}
	if strings.Contains(strings.ToLower(out), lower) || !strings.Contains(out, "1101**********002X") {
		t.Errorf("the CSV export does not mask the agent's ID:\n%s", out)
	}
}

// The structured fields are masked whatever they hold: a lower-case x from an older
// record, and also a number the free-text pass would not recognise (a failing check
// digit). That pass is a second net, not the first.
func TestMaskCaseMasksAgentFieldsItself(t *testing.T) {
	for _, id := range []string{"11010519491231002x", "110105194912310021"} {
		c := workflow.Case{Agent: workflow.Agent{Name: "王桂英", IDNumber: id, Phone: "13812345678"}}
		evs := []workflow.Event{{Seq: 1, Kind: workflow.ActCreate, Action: workflow.Action{Kind: workflow.ActCreate,
			Intake: &workflow.Intake{Agent: workflow.Agent{IDNumber: id, Phone: "13812345678"}}}}}
		c, evs, err := workflow.MaskCase(c, evs)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		masked := func(got string) bool {
			return !strings.EqualFold(got, id) && strings.HasPrefix(got, "1101") && strings.Count(got, "*") == 10 && len(got) == 18
		}
		if !masked(c.Agent.IDNumber) || c.Agent.Phone != "138****5678" {
			t.Errorf("%s: case agent %q %q, want 1101**********…, 138****5678", id, c.Agent.IDNumber, c.Agent.Phone)
		}
		if got := evs[0].Action.Intake.Agent.IDNumber; !masked(got) {
			t.Errorf("%s: intake agent %q, want 1101**********…", id, got)
		}
	}
}
