package workflow_test

import (
	"testing"

	"repairdesk/workflow"
)

// A deadline missed over days off is overdue by one day, never by 0: Left counts the
// working days in (due day, today], which is 0 on the weekend or holiday right after the
// due day, yet the case is late. Dates from the 2026 calendar (calendardata/2026.json).
func TestSLAOverdueOverDaysOff(t *testing.T) {
	cal := workflow.DefaultCalendar()
	sla := workflow.DefaultSLA()
	for _, x := range []struct {
		due, now string
		n        int
		why      string
	}{
		// Due end of Friday 20 March; 21–22 March is a weekend.
		{"2026-03-20", "2026-03-21 10:00", -1, "Saturday: no working day since, still one day late"},
		{"2026-03-20", "2026-03-22 18:00", -1, "Sunday: no working day since"},
		{"2026-03-20", "2026-03-23 09:00", -1, "Monday: one working day (23)"},
		{"2026-03-20", "2026-03-24 09:00", -2, "Tuesday: 23, 24"},
		// Due end of Friday 3 April; 清明 is Sat 4 – Mon 6 April.
		{"2026-04-03", "2026-04-06 10:00", -1, "Qingming Monday is a holiday: no working day since"},
		{"2026-04-03", "2026-04-07 10:00", -1, "Tuesday 7: one working day"},
		{"2026-04-03", "2026-04-08 10:00", -2, "7, 8"},
		// Due end of Wednesday 30 September; 国庆 is 1–7 October, Sat 10 October is worked.
		{"2026-09-30", "2026-10-07 10:00", -1, "the last day of the National Day holiday"},
		{"2026-09-30", "2026-10-08 10:00", -1, "Thursday 8: one working day"},
		{"2026-09-30", "2026-10-10 10:00", -3, "8, 9 and the worked Saturday 10"},
		{"2026-09-30", "2026-10-11 10:00", -3, "Sunday 11 is off again"},
	} {
		d := workflow.Due{At: engEnd(x.due), Kind: "stage"}
		if n, u := sla.Left(d, cal, engT(x.now)); n != x.n || u != workflow.UrgencyOverdue {
			t.Errorf("due %s, now %s: Left = %d, %v; want %d, overdue (%s)", x.due, x.now, n, u, x.n, x.why)
		}
	}
}
