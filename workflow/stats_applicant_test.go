package workflow_test

import (
	"testing"

	"repairdesk/workflow"
)

// A case waiting for the applicant past the applicant's own deadline is the applicant's
// lateness: it is neither the owner's overdue case nor an SLA breach (DESIGN §3). The
// figures below are worked out by hand from the default SLA and the 2026 calendar (no
// holiday in March 2026; weekends 7–8, 14–15, 21–22, 28–29 March).
func TestStatsApplicantLatenessIsNotOverdue(t *testing.T) {
	cal := workflow.DefaultCalendar()
	sla := workflow.DefaultSLA()
	now := engT("2026-03-25 10:00") // Wednesday
	p := workflow.Period{From: engT("2026-03-01 00:00"), To: engT("2026-04-01 00:00")}
	pbc := []workflow.Record{{Source: "pbc", Type: "overdue_loan"}}
	cases := []workflow.Case{
		// 1. li: notice of 2 March, the applicant's deadline Fri 20 March has passed and
		// they have not come back. Waiting: not li's overdue, not a breach.
		{ID: 1, Owner: "lijun", Stage: workflow.StageAwaitingMaterials, Records: pbc,
			ReceivedAt: engT("2026-03-02 09:00"), StageSince: engT("2026-03-02 10:00"),
			Pauses:  []workflow.Pause{{From: engT("2026-03-02 10:00")}},
			Notices: []workflow.Notice{{Round: 1, At: engT("2026-03-02 10:00"), Deadline: engEnd("2026-03-20")}}},
		// 2. li: investigating since Mon 2 March. Stage limit 10 working days: 3,4,5,6,
		// 9,10,11,12,13,16 → due end of Mon 16 March; the pbc 20 natural days from 2 March
		// end on 22 March, later. Now (25 March) it is overdue: li's, and a breach.
		{ID: 2, Owner: "lijun", Stage: workflow.StageInvestigating, Records: pbc,
			ReceivedAt: engT("2026-03-02 09:00"), StageSince: engT("2026-03-02 09:00")},
		// 3. wang: formal review since Tue 24 March: 5 working days 25,26,27,30,31 → due
		// 31 March. Not overdue.
		{ID: 3, Owner: "wangfang", Stage: workflow.StageFormalReview, Records: pbc,
			ReceivedAt: engT("2026-03-24 09:00"), StageSince: engT("2026-03-24 09:00")},
		// 4. wang: waiting, the applicant's deadline (10 April) still ahead.
		{ID: 4, Owner: "wangfang", Stage: workflow.StageAwaitingMaterials, Records: pbc,
			ReceivedAt: engT("2026-03-19 09:00"), StageSince: engT("2026-03-20 09:00"),
			Pauses:  []workflow.Pause{{From: engT("2026-03-20 09:00")}},
			Notices: []workflow.Notice{{Round: 1, At: engT("2026-03-20 09:00"), Deadline: engEnd("2026-04-10")}}},
	}
	// The deadlines the comments give, so the fixture is what it says.
	for id, want := range map[int]workflow.Due{
		0: {At: engEnd("2026-03-20"), Paused: true, Kind: "applicant"},
		1: {At: engEnd("2026-03-16"), Kind: "stage"},
		2: {At: engEnd("2026-03-31"), Kind: "stage"},
		3: {At: engEnd("2026-04-10"), Paused: true, Kind: "applicant"},
	} {
		if got := sla.DueOf(&cases[id], cal); !got.At.Equal(want.At) || got.Paused != want.Paused || got.Kind != want.Kind {
			t.Fatalf("case %d: due %+v, the hand count says %+v", id+1, got, want)
		}
	}

	st := workflow.Compute(cases, nil, p, sla, cal, now)
	if st.Open != 4 || st.Received != 4 {
		t.Errorf("open %d received %d, want 4 and 4", st.Open, st.Received)
	}
	if st.SLABreaches != 1 {
		t.Errorf("SLA breaches = %d, want 1 (case 2 only; case 1 waits for the applicant)", st.SLABreaches)
	}
	want := []workflow.StaffLoad{
		{Staff: "lijun", Open: 2, Overdue: 1},
		{Staff: "wangfang", Open: 2, Overdue: 0},
	}
	if len(st.Load) != len(want) {
		t.Fatalf("load %+v, want %+v", st.Load, want)
	}
	for i := range want {
		if st.Load[i] != want[i] {
			t.Errorf("load[%d] = %+v, want %+v", i, st.Load[i], want[i])
		}
	}

	// Outside the period that holds now, open cases are not breaches at all.
	past := workflow.Period{From: engT("2026-02-01 00:00"), To: engT("2026-03-01 00:00")}
	if st := workflow.Compute(cases, nil, past, sla, cal, now); st.SLABreaches != 0 {
		t.Errorf("February: %d breaches, want 0", st.SLABreaches)
	}
}
