package workflow_test

import (
	"testing"
	"time"

	"repairdesk/workflow"
)

func engEnd(day string) time.Time { return engT(day + " 23:59").Add(59 * time.Second) }

// DESIGN §3: time in awaiting_materials is the applicant's, not the agency's.
func TestSLAPauses(t *testing.T) {
	cal := workflow.DefaultCalendar()
	sla := workflow.DefaultSLA()
	t0 := engT("2026-03-02 09:00") // Monday
	tReq := engT("2026-03-03 09:00")
	tBack := engT("2026-03-10 09:00")

	w := engStart(t, engLi, engIntake(engGoodCode), t0).
		material(engLi, engT("2026-03-02 09:30"), "authorization", true, false, "未加盖公章")
	// Formal review: 5 working days from intake.
	if d := sla.DueOf(&w.c, cal); d.Kind != "stage" || !d.At.Equal(engEnd("2026-03-09")) || d.Paused || d.Provisional {
		t.Errorf("due at formal review = %+v, want stage 2026-03-09 23:59:59", d)
	}

	w.act(engLi, workflow.ActRequestMaterials, tReq)
	// 15 working days from Tue 3 March (no holidays in March 2026).
	wantDeadline := engEnd("2026-03-24")
	if got := sla.ResubmitDeadline(cal, tReq); !got.Equal(wantDeadline) {
		t.Fatalf("ResubmitDeadline = %v, want %v", got, wantDeadline)
	}
	if len(w.c.Pauses) != 1 || !w.c.Pauses[0].From.Equal(tReq) || !w.c.Pauses[0].To.IsZero() {
		t.Fatalf("after request_materials pauses = %+v, want one open pause from %v", w.c.Pauses, tReq)
	}
	d := sla.DueOf(&w.c, cal)
	if !d.Paused || d.Kind != "applicant" || !d.At.Equal(wantDeadline) {
		t.Errorf("due while awaiting materials = %+v, want paused applicant deadline %v", d, wantDeadline)
	}
	// Waiting for the applicant is never "due soon" for the agency.
	if n, u := sla.Left(d, cal, engT("2026-03-23 09:00")); n != 1 || u != workflow.UrgencyOK {
		t.Errorf("Left one day before the applicant's deadline = %d, %v; want 1, OK", n, u)
	}
	// Open pause: 3 days since receipt, 2 of them the applicant's.
	if got := workflow.AgencyDays(&w.c, engT("2026-03-05 09:00")); got != 1 {
		t.Errorf("AgencyDays during the pause = %v, want 1", got)
	}

	w.act(engLi, workflow.ActMaterialsReceived, tBack)
	if len(w.c.Pauses) != 1 || !w.c.Pauses[0].To.Equal(tBack) {
		t.Fatalf("after materials_received pauses = %+v, want closed at %v", w.c.Pauses, tBack)
	}
	// 10 days since receipt, 7 of them paused.
	if got := workflow.AgencyDays(&w.c, engT("2026-03-12 09:00")); got != 3 {
		t.Errorf("AgencyDays after the pause = %v, want 3", got)
	}
	// A new review round: 5 working days from the materials' return (Tue 10 → Tue 17).
	if d := sla.DueOf(&w.c, cal); d.Kind != "stage" || !d.At.Equal(engEnd("2026-03-17")) || d.Paused {
		t.Errorf("due at the second formal review = %+v, want stage 2026-03-17 23:59:59", d)
	}

	// Investigating from Fri 20 March: the stage limit (10 working days → 3 April) is later
	// than the 征信 20-day limit, moved on by the 7 paused days: 2 March + 27 = 29 March.
	w.completeMaterials(engLi, engT("2026-03-20 08:00")).act(engLi, workflow.ActAccept, engT("2026-03-20 09:00"))
	if d := sla.DueOf(&w.c, cal); d.Kind != "case" || !d.At.Equal(engEnd("2026-03-29")) {
		t.Errorf("due while investigating = %+v, want case 2026-03-29 23:59:59", d)
	}

	// Closed: AgencyDays stops at the close, DueOf has nothing.
	w.act(engLi, workflow.ActWithdraw, engT("2026-03-22 09:00"))
	if got := workflow.AgencyDays(&w.c, engT("2026-06-01 09:00")); got != 13 {
		t.Errorf("AgencyDays of the withdrawn case = %v, want 20 - 7 = 13", got)
	}
	if d := sla.DueOf(&w.c, cal); !d.At.IsZero() {
		t.Errorf("a closed case has a deadline: %+v", d)
	}
}

// A withdrawal while waiting for the applicant closes the pause.
func TestSLAWithdrawWhilePaused(t *testing.T) {
	w := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00")).
		act(engLi, workflow.ActRequestMaterials, engT("2026-03-03 09:00")).
		act(engLi, workflow.ActWithdraw, engT("2026-03-06 09:00"))
	if len(w.c.Pauses) != 1 || !w.c.Pauses[0].To.Equal(engT("2026-03-06 09:00")) {
		t.Fatalf("pauses %+v", w.c.Pauses)
	}
	if got := workflow.AgencyDays(&w.c, engT("2026-04-01 09:00")); got != 1 {
		t.Errorf("AgencyDays = %v, want 1", got)
	}
}

// 信用中国 counts working days: 13 of them, plus the working days the applicant had.
func TestSLACreditChinaWorkingDays(t *testing.T) {
	cal := workflow.DefaultCalendar()
	sla := workflow.DefaultSLA()
	w := engStart(t, engLi, engIntake(engGoodCode, engPenalty("minor", "2026-01-15")), engT("2026-03-02 09:00")).
		act(engLi, workflow.ActRequestMaterials, engT("2026-03-03 09:00")).
		act(engLi, workflow.ActMaterialsReceived, engT("2026-03-10 09:00")) // 5 working days paused (4,5,6,9,10)
	w.completeMaterials(engLi, engT("2026-03-20 08:00")).act(engLi, workflow.ActAccept, engT("2026-03-20 09:00"))
	// 13 + 5 = 18 working days from Mon 2 March is Thu 26 March; the stage limit is 3 April.
	if d := sla.DueOf(&w.c, cal); d.Kind != "case" || !d.At.Equal(engEnd("2026-03-26")) {
		t.Errorf("due = %+v, want case 2026-03-26 23:59:59", d)
	}
}

func TestSLAUrgency(t *testing.T) {
	cal := workflow.DefaultCalendar()
	sla := workflow.DefaultSLA()
	d := workflow.Due{At: engEnd("2026-03-17"), Kind: "stage"}
	for _, x := range []struct {
		now  string
		n    int
		want workflow.Urgency
	}{
		{"2026-03-10 09:00", 5, workflow.UrgencyOK},
		{"2026-03-13 09:00", 2, workflow.UrgencySoon},
		{"2026-03-17 18:00", 0, workflow.UrgencySoon},
		{"2026-03-18 09:00", -1, workflow.UrgencyOverdue},
		{"2026-03-20 09:00", -3, workflow.UrgencyOverdue},
	} {
		if n, u := sla.Left(d, cal, engT(x.now)); n != x.n || u != x.want {
			t.Errorf("Left at %s = %d, %v; want %d, %v", x.now, n, u, x.n, x.want)
		}
	}
	if _, u := sla.Left(workflow.Due{}, cal, engNow); u != workflow.UrgencyNone {
		t.Errorf("no deadline has urgency %v", u)
	}
}
