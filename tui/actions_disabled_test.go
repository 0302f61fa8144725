package tui

import (
	"testing"
	"time"

	"repairdesk/workflow"
)

// moveTo selects the menu item of this kind with the arrow keys, as a user would.
func moveTo(t *testing.T, m *Model, kind workflow.ActionKind) workflow.Option {
	t.Helper()
	for menuOf(m).sel > 0 {
		press(m, "up")
	}
	for range menuOf(m).opts {
		if o := menuOf(m).opts[menuOf(m).sel]; o.Kind == kind {
			return o
		}
		press(m, "down")
	}
	t.Fatalf("%s is not in the action menu:\n%s", kind, screen(m))
	return workflow.Option{}
}

// Enter on a greyed-out action does nothing but show why: no form opens, nothing is
// applied, the menu stays with the reason on screen. Driven by keys, in both languages.
func TestActionMenuDisabledItemDoesNothing(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	cs, err := st.Create(testSpecialist, testIntake("郑州华信商贸有限公司", "91110000600037341L"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		lang   string
		me     workflow.Staff
		kind   workflow.ActionKind
		reason string
	}{
		{"zh", testSpecialist, workflow.ActAccept, "材料未齐全合规"},              // materials missing
		{"en", testSpecialist, workflow.ActAccept, "Materials incomplete"}, // the same in English
		{"zh", testSpecialist, workflow.ActReassign, "改派需由审核主管办理"},         // role
		{"zh", testSpecialist, workflow.ActApprove, "此操作仅在"},               // stage
	} {
		m := newTestModel(t, st, x.me, x.lang, clk, 120, 40)
		openCase(m, cs.No)
		press(m, "a")
		if menuOf(m) == nil {
			t.Fatalf("the action menu did not open:\n%s", screen(m))
		}
		o := moveTo(t, m, x.kind)
		if o.Refusal == nil {
			t.Fatalf("%s is allowed here; the test needs it greyed", x.kind)
		}
		mustShow(t, m, x.reason)
		press(m, "enter")
		if actionFormOf(m) != nil || menuOf(m) == nil {
			t.Fatalf("%s %s: enter on the greyed %s opened a form (%v) or left the menu (%v):\n%s",
				x.lang, x.me.Name, x.kind, actionFormOf(m) != nil, menuOf(m) == nil, screen(m))
		}
		if menuOf(m).opts[menuOf(m).sel].Kind != x.kind {
			t.Errorf("the selection moved off %s", x.kind)
		}
		mustShow(t, m, x.reason)
		// Enter again and ctrl+s: still nothing applied.
		press(m, "enter", "ctrl+s")
		if now, _ := st.Case(cs.ID); now.Version != cs.Version || now.Stage != cs.Stage {
			t.Fatalf("the case changed: v%d %s", now.Version, now.Stage)
		}
		press(m, "esc")
		if menuOf(m) != nil {
			t.Errorf("esc did not close the menu")
		}
	}
}
