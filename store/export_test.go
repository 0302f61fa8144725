package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

var expStaff = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}

func expIntake(name, code string) workflow.Intake {
	return workflow.Intake{
		Enterprise: workflow.Enterprise{Name: name, CreditCode: code, LegalRep: "张建国"},
		Agent:      workflow.Agent{Name: "王桂英", Phone: "13812345678", IDNumber: "11010519491231002X"},
		Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01",
			Problem: "non_malicious_overdue"}},
	}
}

// expFill makes three cases received a day apart: the first gets a notice (two events),
// the second gets one material marked, the third only its intake.
func expFill(t *testing.T) (*store.Store, []workflow.Case, time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, workflow.ChinaTZ)
	st, err := store.Open(filepath.Join(t.TempDir(), "x.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var made []workflow.Case
	for i, code := range []string{"91110000600037341L", "91512081MA62K0260E", "9131000063159284XQ"} {
		in := expIntake([]string{"甲公司", "乙公司", "丙公司"}[i], code)
		in.ReceivedAt = now.AddDate(0, 0, i)
		c, err := st.Create(expStaff, in, "")
		if err != nil {
			t.Fatal(err)
		}
		switch i {
		case 0:
			if c, err = st.Apply(c.ID, c.Version, expStaff, workflow.Action{Kind: workflow.ActRequestMaterials}); err != nil {
				t.Fatal(err)
			}
		case 1:
			m := c.Materials[0]
			if c, err = st.Apply(c.ID, c.Version, expStaff, workflow.Action{Kind: workflow.ActUpdateMaterial,
				Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}}); err != nil {
				t.Fatal(err)
			}
		}
		made = append(made, c)
	}
	return st, made, now
}

func TestExportAllCases(t *testing.T) {
	st, made, _ := expFill(t)
	all, err := st.AllCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(made) {
		t.Fatalf("AllCases gave %d cases, want %d", len(all), len(made))
	}
	for i, c := range all {
		if c.ID != made[i].ID || c.No != made[i].No || c.Version != made[i].Version || c.Stage != made[i].Stage {
			t.Errorf("case %d: got %s v%d %s, want %s v%d %s (ascending id order, current state)", i, c.No, c.Version, c.Stage, made[i].No, made[i].Version, made[i].Stage)
		}
		if i > 0 && c.ID <= all[i-1].ID {
			t.Errorf("cases not in ascending id order: %d after %d", c.ID, all[i-1].ID)
		}
	}
}

func TestExportAllEventsGrouped(t *testing.T) {
	st, made, _ := expFill(t)
	evs, err := st.AllEvents()
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(made) {
		t.Fatalf("events for %d cases, want %d", len(evs), len(made))
	}
	for _, c := range made {
		got := evs[c.ID]
		if len(got) != c.Version {
			t.Fatalf("%s: %d events, want %d (one per version)", c.No, len(got), c.Version)
		}
		for i, ev := range got {
			if ev.CaseID != c.ID || ev.Seq != i+1 {
				t.Errorf("%s event %d: case %d seq %d", c.No, i, ev.CaseID, ev.Seq)
			}
		}
		if got[0].Kind != workflow.ActCreate || got[0].Letter == nil || got[0].Letter.Kind != "receipt" {
			t.Errorf("%s: the first event should be the intake with its receipt, got %s %+v", c.No, got[0].Kind, got[0].Letter)
		}
		// The same history as Events(id).
		one, err := st.Events(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range one {
			if one[i].Hash != got[i].Hash {
				t.Errorf("%s event %d differs from Events()", c.No, i+1)
			}
		}
	}
	if n := evs[made[0].ID][1]; n.Kind != workflow.ActRequestMaterials || n.Letter == nil || n.Letter.Kind != "notice" {
		t.Errorf("the notice event lost its letter: %+v", n)
	}
}

func TestExportCasesSince(t *testing.T) {
	st, made, now := expFill(t)
	cases, evs, err := st.CasesSince(now.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 || cases[0].ID != made[1].ID || cases[1].ID != made[2].ID {
		t.Fatalf("CasesSince the second day: got %d cases %v", len(cases), cases)
	}
	if len(evs) != 2 || evs[made[0].ID] != nil || len(evs[made[1].ID]) != 2 {
		t.Errorf("events should belong to the cases returned only: %v", evs)
	}
	all, _, err := st.CasesSince(time.Time{})
	if err != nil || len(all) != 3 {
		t.Errorf("a zero time means every case: %d, %v", len(all), err)
	}
}

func TestExportStatsDataAndEach(t *testing.T) {
	st, made, _ := expFill(t)
	cases, evs, err := st.StatsData()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 3 {
		t.Fatalf("StatsData: %d cases", len(cases))
	}
	n := evs[made[0].ID]
	if len(n) != 2 || !n[1].Is(workflow.ActRequestMaterials) || n[1].Left() != workflow.StageFormalReview ||
		n[1].Entered() != workflow.StageAwaitingMaterials || n[1].At == 0 || n[1].Seq != 2 || !n[0].Is(workflow.ActCreate) {
		t.Errorf("lean events lost what Compute needs: %+v", n)
	}
	if c := cases[0]; c.Agent != (workflow.Agent{}) || c.Enterprise != (workflow.Enterprise{}) || c.Materials != nil {
		t.Errorf("the dashboard's cases carry personal or unneeded fields: %+v", c)
	}

	var seen []uint32
	total := 0
	err = st.EachCase(time.Time{}, true, func(c workflow.Case, evs []workflow.Event) error {
		seen = append(seen, c.ID)
		total += len(evs)
		for _, ev := range evs {
			if ev.CaseID != c.ID {
				t.Errorf("EachCase gave %s an event of case %d", c.No, ev.CaseID)
			}
		}
		return nil
	})
	if err != nil || len(seen) != 3 || seen[0] != made[0].ID || seen[2] != made[2].ID || total != 2+2+1 {
		t.Errorf("EachCase: %v %v total %d", seen, err, total)
	}
	stop := errors.New("stop")
	calls := 0
	err = st.EachCase(time.Time{}, false, func(workflow.Case, []workflow.Event) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an error from fn should stop the walk: %v after %d calls", err, calls)
	}
}
