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

	// Investigating from Fri 20 March: the stage limit is 10 working days → 3 April. The
	// agency's overall limit (20 working days, its stages before submission) moves on by the
	// 5 paused working days (4, 5, 6, 9, 10 March): 25 working days from Mon 2 March →
	// 3–6 (4), 9–13 (9), 16–20 (14), 23–27 (19), 30, 31, 1, 2, 3 April (24), 7 April (25;
	// 6 April is 清明). The stage limit comes first.
	w.completeMaterials(engLi, engT("2026-03-20 08:00")).act(engLi, workflow.ActAccept, engT("2026-03-20 09:00"))
	if d := sla.DueOf(&w.c, cal); d.Kind != "stage" || !d.At.Equal(engEnd("2026-04-03")) {
		t.Errorf("due while investigating = %+v, want stage 2026-04-03 23:59:59", d)
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

// The agency's overall limit, the same for every source (the 信用中国 body's own 10 working
// days are a different clock, run from the submission): 20 working days from receipt plus
// the applicant's working days. A penalty case received Mon 2 March, paused 3 → 10 March
// (5 working days: 4, 5, 6, 9, 10), accepted Fri 20 March: 25 working days from 2 March is
// 7 April (6 April is 清明), after the investigating stage's 3 April.
func TestSLAOverallLimitSameForCreditChina(t *testing.T) {
	cal := workflow.DefaultCalendar()
	sla := workflow.DefaultSLA()
	w := engStart(t, engLi, engIntake(engGoodCode, engPenalty("minor", "2026-01-15")), engT("2026-03-02 09:00")).
		act(engLi, workflow.ActRequestMaterials, engT("2026-03-03 09:00")).
		act(engLi, workflow.ActMaterialsReceived, engT("2026-03-10 09:00"))
	w.completeMaterials(engLi, engT("2026-03-20 08:00")).act(engLi, workflow.ActAccept, engT("2026-03-20 09:00"))
	if d := sla.DueOf(&w.c, cal); d.Kind != "stage" || !d.At.Equal(engEnd("2026-04-03")) {
		t.Errorf("due = %+v, want stage 2026-04-03 23:59:59", d)
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

// The agency's overall limit binds when it ends before the stage's: received Monday
// 2026-03-02, accepted only on Friday 2026-03-20 (formal review took 14 working days, no
// notice, so no applicant time to leave out). Investigating would run 10 working days from
// the acceptance, to 2026-04-03; the overall limit of 20 working days from receipt ends
// first: Mar 3–6 (4), 9–13 (9), 16–20 (14), 23–27 (19), Mon Mar 30 (20) — March 2026 has
// no public holiday (State Council notice for 2026). So the deadline is the case's, Mar 30.
func TestSLAOverallLimitBindsBeforeTheStage(t *testing.T) {
	cal := workflow.DefaultCalendar()
	sla := workflow.DefaultSLA()
	w := engStart(t, engLi, engIntake(engGoodCode, engLoan()), engT("2026-03-02 09:00"))
	w.completeMaterials(engLi, engT("2026-03-20 08:00")).act(engLi, workflow.ActAccept, engT("2026-03-20 09:00"))
	if d := sla.DueOf(&w.c, cal); d.Kind != "case" || !d.At.Equal(engEnd("2026-03-30")) {
		t.Errorf("due = %+v, want the case's 2026-03-30 23:59:59", d)
	}
}
