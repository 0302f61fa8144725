package workflow

import (
	"math"
	"strings"
	"testing"
	"time"
)

// stT reads "MM-DD HH:MM" as a time in 2026, China time.
func stT(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", "2026-"+s, ChinaTZ)
	if err != nil {
		panic(err)
	}
	return t
}

var stSupervisor = Staff{Name: "lijing", Role: RoleSupervisor, Active: true}

// stStep is one or more actions taken at a time; the case's owner acts unless noted.
type stStep func(c Case, at time.Time) []Action

func stDo(kind ActionKind, f func(*Action)) func(string) stStep {
	return func(at string) stStep {
		return func(Case, time.Time) []Action {
			a := Action{Kind: kind, At: stT(at)}
			if f != nil {
				f(&a)
			}
			return []Action{a}
		}
	}
}

var (
	// stNotice marks the credit report invalid and issues a one-time notice.
	stNotice = func(at string) stStep {
		return func(Case, time.Time) []Action {
			t := stT(at)
			return []Action{
				{Kind: ActUpdateMaterial, At: t.Add(-time.Minute), Material: &MaterialUpdate{Key: "credit_report", Received: true, Note: "报告超过一个月"}},
				{Kind: ActRequestMaterials, At: t, Deadline: DefaultSLA().ResubmitDeadline(DefaultCalendar(), t)},
			}
		}
	}
	// stBack: the applicant brings the material; the case returns to formal review.
	stBack = func(at string) stStep {
		return func(Case, time.Time) []Action {
			t := stT(at)
			return []Action{
				{Kind: ActUpdateMaterial, At: t.Add(-time.Minute), Material: &MaterialUpdate{Key: "credit_report", Received: true, Valid: true}},
				{Kind: ActMaterialsReceived, At: t},
			}
		}
	}
	stAccept  = stDo(ActAccept, nil)
	stFinding = stDo(ActAddFinding, func(a *Action) {
		a.Finding = &Finding{Checked: "还款记录", Contact: "bank", Method: "phone", Result: "confirmed_wrong"}
	})
	// stPropose records a finding an hour before proposing.
	stPropose = func(at string) stStep {
		return func(c Case, _ time.Time) []Action {
			t := stT(at)
			return []Action{
				{Kind: ActAddFinding, At: t.Add(-time.Hour), Finding: &Finding{Checked: "还款记录", Contact: "bank", Method: "phone", Result: "confirmed_wrong"}},
				{Kind: ActProposeRepair, At: t, Proposal: &Proposal{Conclusion: "确属错误"}},
			}
		}
	}
	stApprove = stDo(ActApprove, func(a *Action) { a.Actor = stSupervisor.Name })
	stSubmit  = func(at, channel string) stStep {
		return stDo(ActSubmitCorrection, func(a *Action) { a.Submission = &Submission{Channel: channel, Reference: "REF-" + at} })(at)
	}
	stOutcome = func(at, result string) stStep {
		return stDo(ActRecordOutcome, func(a *Action) { a.Outcome = &Outcome{Result: result} })(at)
	}
	stNotify = func(at string) stStep {
		return stDo(ActNotifyApplicant, func(a *Action) { a.Notification = &Notification{Channel: "phone", Date: Day(stT(at))} })(at)
	}
	stDecline = func(at, reason string) stStep {
		return stDo(ActDecline, func(a *Action) {
			a.Decline = &Decline{Reason: reason, Explanation: "说明", Avenues: []string{"pbc_complaint"}}
		})(at)
	}
	stWithdraw = stDo(ActWithdraw, func(a *Action) { a.Comment = "企业撤回" })
)

// stCase takes a case in through the engine and applies the steps, returning the case and
// its events. Every case's one record comes from source (pbc: an overdue loan; creditchina:
// a minor administrative penalty) and all its materials arrive valid.
func stCase(t *testing.T, id uint32, owner, source, received string, steps ...stStep) (Case, []Event) {
	t.Helper()
	rec := Record{Source: source, Type: "overdue_loan", Institution: "某银行", Date: "2025-06-18", Problem: "wrong_data"}
	if source == "creditchina" {
		rec = Record{Source: source, Type: "admin_penalty", Tier: "minor", Institution: "某市场监督管理局", Date: "2025-06-01", Problem: "corrected_dishonest"}
	}
	mats := DefaultCatalogue().Checklist([]Record{rec})
	for i := range mats {
		mats[i].Received, mats[i].Valid = true, true
	}
	staff := map[string]Staff{owner: {Name: owner, Role: RoleSpecialist, Active: true}, stSupervisor.Name: stSupervisor}
	at := stT(received)
	in := &Intake{ID: id, No: CaseNo(2026, int(id)), Owner: owner, ReceivedAt: at,
		Enterprise: Enterprise{Name: "测试企业", CreditCode: "91110000600037341L", LegalRep: "张三"},
		Agent:      Agent{Name: "李四", Phone: "13812345678", IDNumber: "11010519491231002X"},
		Records:    []Record{rec}, Materials: mats}
	c, ev, err := DefaultRules().Apply(Case{}, staff[owner], Action{Kind: ActCreate, Actor: owner, At: at, Intake: in})
	if err != nil {
		t.Fatalf("case %d create: %v", id, err)
	}
	evs := []Event{ev}
	for _, s := range steps {
		for _, a := range s(c, at) {
			if a.Actor == "" {
				a.Actor = owner
			}
			c, ev, err = DefaultRules().Apply(c, staff[a.Actor], a)
			if err != nil {
				t.Fatalf("case %d %s at %s: %v", id, a.Kind, Day(a.At), err)
			}
			evs = append(evs, ev)
		}
	}
	return c, evs
}

// stFixture is eleven cases of three specialists (all times 09:00, 2026), seen on
// Tuesday 31 March 18:00. The answers for March are worked out by hand in TestStatsMarch.
//
//	A wangmin  pbc  recv 03-02, notice 03-03, back 03-06, accept 03-09, propose 03-11, approve 03-12,
//	                submit 03-13, corrected 03-20, notified 03-23              → closed
//	B wangmin  pbc  recv 03-03, accept 03-04, propose 03-05, approve 03-06, submit 03-09,
//	                partly corrected 03-16, notified 03-17                      → closed
//	C zhaolei  pbc  recv 03-04, declined (whitewash) at formal review 03-05     → declined
//	D zhaolei  pbc  recv 03-05, accept 03-06, finding 03-09, declined 03-23    → declined (investigating overran)
//	E wangmin  pbc  recv 02-24, accept 02-25, propose 02-26, approve 02-27, submit 03-02,
//	                not corrected 03-09, notified 03-11                         → closed
//	F zhaolei  pbc  recv 03-10, notice 03-11, back 03-16, notice 03-17, back 03-19, accept 03-20 → investigating
//	G wangmin  pbc  recv 03-16                                                  → formal review (overdue)
//	H chenyu   pbc  recv 03-25, notice 03-26                                    → awaiting materials
//	I wangmin  pbc  recv 03-20, withdrawn 03-24                                 → withdrawn
//	J chenyu   creditchina recv 03-09, accept 03-17 (late), propose 03-18, approve 03-19,
//	                submit 03-20                                                → submitted (Credit China's own 10
//	                working days from the submission run to 04-03: not overdue on 03-31)
//	K chenyu   pbc  recv 02-02, withdrawn 02-05                                 → withdrawn
func stFixture(t *testing.T) ([]Case, map[uint32][]Event) {
	t.Helper()
	var cases []Case
	events := map[uint32][]Event{}
	add := func(c Case, evs []Event) {
		cases = append(cases, c)
		events[c.ID] = evs
	}
	add(stCase(t, 1, "wangmin", "pbc", "03-02 09:00", stNotice("03-03 09:00"), stBack("03-06 09:00"), stAccept("03-09 09:00"),
		stPropose("03-11 09:00"), stApprove("03-12 09:00"), stSubmit("03-13 09:00", "pbc_dispute"),
		stOutcome("03-20 09:00", "corrected"), stNotify("03-23 09:00")))
	add(stCase(t, 2, "wangmin", "pbc", "03-03 09:00", stAccept("03-04 09:00"), stPropose("03-05 09:00"), stApprove("03-06 09:00"),
		stSubmit("03-09 09:00", "pbc_dispute"), stOutcome("03-16 09:00", "partly_corrected"), stNotify("03-17 09:00")))
	add(stCase(t, 3, "zhaolei", "pbc", "03-04 09:00", stDecline("03-05 09:00", "whitewash")))
	add(stCase(t, 4, "zhaolei", "pbc", "03-05 09:00", stAccept("03-06 09:00"), stFinding("03-09 09:00"), stDecline("03-23 09:00", "record_accurate")))
	add(stCase(t, 5, "wangmin", "pbc", "02-24 09:00", stAccept("02-25 09:00"), stPropose("02-26 09:00"), stApprove("02-27 09:00"),
		stSubmit("03-02 09:00", "pbc_dispute"), stOutcome("03-09 09:00", "not_corrected"), stNotify("03-11 09:00")))
	add(stCase(t, 6, "zhaolei", "pbc", "03-10 09:00", stNotice("03-11 09:00"), stBack("03-16 09:00"), stNotice("03-17 09:00"),
		stBack("03-19 09:00"), stAccept("03-20 09:00")))
	add(stCase(t, 7, "wangmin", "pbc", "03-16 09:00"))
	add(stCase(t, 8, "chenyu", "pbc", "03-25 09:00", stNotice("03-26 09:00")))
	add(stCase(t, 9, "wangmin", "pbc", "03-20 09:00", stWithdraw("03-24 09:00")))
	add(stCase(t, 10, "chenyu", "creditchina", "03-09 09:00", stAccept("03-17 09:00"), stPropose("03-18 09:00"),
		stApprove("03-19 09:00"), stSubmit("03-20 09:00", "creditchina")))
	add(stCase(t, 11, "chenyu", "pbc", "02-02 09:00", stWithdraw("02-05 09:00")))
	return cases, events
}

var stNow = stT("03-31 18:00")

func stNear(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestStatsMarch(t *testing.T) {
	cases, events := stFixture(t)
	p, err := ParsePeriod("2026-03", stNow)
	if err != nil {
		t.Fatal(err)
	}
	s := Compute(cases, events, p, DefaultSLA(), DefaultCalendar(), stNow)

	ints := []struct {
		name      string
		got, want int
	}{
		// Received in March: A B C D F G H I J (E and K in February).
		{"Received", s.Received, 9},
		// Ended in March: A B E (closed), C D (declined), I (withdrawn); K ended in February.
		{"Closed", s.Closed, 6},
		// A corrected, B partly corrected; E not corrected.
		{"Repaired", s.Repaired, 2},
		// C.
		{"WhitewashDeclined", s.WhitewashDeclined, 1},
		// F G H J.
		{"Open", s.Open, 4},
		// G: formal review since 03-16, 5 working days → due 03-23, overdue now.
		// J: left formal review on 03-17 after its due date 03-16. Now submitted (03-20), it
		//    waits on Credit China's own clock: 10 working days from Fri 03-20 → 03-23..27,
		//    03-30, 03-31, 04-01, 04-02, 04-03 → due 04-03 (国办发〔2025〕22号), not overdue now.
		// D: investigating from Fri 03-06, 10 working days → due 03-20; left 03-23.
		// Not: H (waiting for the applicant), F (investigating due 04-03; overall 20 days
		// + 7 days paused from 03-10 → 04-06), E (approved 02-27 → 03-02 is in time: Sat
		// 02-28 is a 调休 workday, so 2 working days end on 03-02).
		{"SLABreaches", s.SLABreaches, 3},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	floats := []struct {
		name      string
		got, want float64
	}{
		// Compliant and decided in March: A B E (closed with an outcome) + D (declined after
		// investigation) = 4; C, a whitewash attempt declined at formal review, is not in the
		// base (issue 15 §6); repaired A B = 2 → 2/4.
		{"SuccessRate", s.SuccessRate, 2.0 / 4},
		{"DeclinedAtReview", float64(s.DeclinedAtReview), 1}, // C
		// Agency days of cases closed or declined in March (I, withdrawn, is not counted):
		// A 03-02→03-23 = 21 less 3 days waiting (03-03→03-06) = 18; B 03-03→03-17 = 14;
		// C 03-04→03-05 = 1; D 03-05→03-23 = 18; E 02-24→03-11 = 15.
		// Mean 66/5 = 13.2; sorted 1 14 15 18 18 → median 15.
		{"AvgDays", s.AvgDays, 13.2},
		{"MedianDays", s.MedianDays, 15},
		// Accepted in March: A (1 notice), B, D, J (none), F (2 notices) → 4/5. E was accepted in February.
		{"FirstNoticeRate", s.FirstNoticeRate, 0.8},
	}
	for _, c := range floats {
		if !stNear(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	// Stage times over transitions that left the stage in March (natural days):
	//   formal review: A 1 and 3, B 1, C 1, D 1, F 1+1+1, H 1, I 4, J 8 → 23/11
	//   awaiting materials: A 3, F 5 and 2 → 10/3
	//   investigating: A 2, B 1, D 17, J 1 → 21/4 (F still there; E left in February)
	//   pending approval: A B J 1 each → 1
	//   approved: A 1, B 3, E 3 (02-27→03-02, left in March), J 1 → 8/4
	//   submitted: A B E 7 each → 7
	//   feedback: A 3, B 1, E 2 → 2
	want := []StageTime{
		{StageFormalReview, 23.0 / 11, 11}, {StageAwaitingMaterials, 10.0 / 3, 3}, {StageInvestigating, 21.0 / 4, 4},
		{StagePendingApproval, 1, 3}, {StageApproved, 2, 4}, {StageSubmitted, 7, 3}, {StageFeedback, 2, 3},
	}
	if len(s.StageTimes) != len(want) {
		t.Fatalf("StageTimes = %+v", s.StageTimes)
	}
	for i, w := range want {
		g := s.StageTimes[i]
		if g.Stage != w.Stage || g.Count != w.Count || !stNear(g.AvgDays, w.AvgDays) {
			t.Errorf("StageTimes[%d] = %+v, want %+v", i, g, w)
		}
	}

	// ISO weeks covering March (Sun 03-01 falls in the week of Mon 02-23), counted inside March:
	//   02-23: —            03-02: recv A B C D, closed C
	//   03-09: recv F J, closed E      03-16: recv G I, closed B
	//   03-23: recv H, closed A D I    03-30: —
	wantWeeks := []WeekCount{
		{stT("02-23 00:00"), 0, 0}, {stT("03-02 00:00"), 4, 1}, {stT("03-09 00:00"), 2, 1},
		{stT("03-16 00:00"), 2, 1}, {stT("03-23 00:00"), 1, 3}, {stT("03-30 00:00"), 0, 0},
	}
	if len(s.Weekly) != len(wantWeeks) {
		t.Fatalf("Weekly = %+v", s.Weekly)
	}
	for i, w := range wantWeeks {
		g := s.Weekly[i]
		if !g.WeekStart.Equal(w.WeekStart) || g.Received != w.Received || g.Closed != w.Closed {
			t.Errorf("Weekly[%d] = %v %d/%d, want %v %d/%d", i, g.WeekStart, g.Received, g.Closed, w.WeekStart, w.Received, w.Closed)
		}
		if g.WeekStart.In(ChinaTZ).Weekday() != time.Monday {
			t.Errorf("week %d starts on a %s", i, g.WeekStart.Weekday())
		}
	}

	// Load now: chenyu H J open (J within Credit China's 10 working days, not overdue), K closed in February; wangmin G open and overdue,
	// A B E I closed in March; zhaolei F open, C D closed. Open desc, then name.
	wantLoad := []StaffLoad{{"chenyu", 2, 0, 0}, {"wangmin", 1, 4, 1}, {"zhaolei", 1, 2, 0}}
	if len(s.Load) != len(wantLoad) {
		t.Fatalf("Load = %+v", s.Load)
	}
	for i, w := range wantLoad {
		if s.Load[i] != w {
			t.Errorf("Load[%d] = %+v, want %+v", i, s.Load[i], w)
		}
	}
	if s.Period != p {
		t.Errorf("Period = %v", s.Period)
	}
}

func TestStatsFebruaryAndGaps(t *testing.T) {
	cases, events := stFixture(t)

	// February, seen from 31 March: received E K; K withdrawn 02-05; nothing decided, so the
	// rates and days are 0 except first-notice (E accepted 02-25 with no notice → 1).
	// Today's overdue cases are not February's breaches; no February transition was late.
	// Load keeps "open now" and "overdue now"; closed counts February only (K).
	p, _ := ParsePeriod("2026-02", stNow)
	s := Compute(cases, events, p, DefaultSLA(), nil, stNow)
	if s.Received != 2 || s.Closed != 1 || s.Repaired != 0 || s.SuccessRate != 0 || s.AvgDays != 0 || s.MedianDays != 0 ||
		s.FirstNoticeRate != 1 || s.SLABreaches != 0 || s.WhitewashDeclined != 0 || s.Open != 4 {
		t.Errorf("February: %+v", s)
	}
	// Sun 02-01 → the first week is Mon 01-26; five weeks; K in the week of 02-02, E of 02-23.
	if len(s.Weekly) != 5 || !s.Weekly[0].WeekStart.Equal(stT("01-26 00:00")) ||
		s.Weekly[1].Received != 1 || s.Weekly[1].Closed != 1 || s.Weekly[4].Received != 1 {
		t.Errorf("February weeks: %+v", s.Weekly)
	}
	wantLoad := []StaffLoad{{"chenyu", 2, 1, 0}, {"wangmin", 1, 0, 1}, {"zhaolei", 1, 0, 0}}
	for i, w := range wantLoad {
		if i >= len(s.Load) || s.Load[i] != w {
			t.Errorf("February load = %+v, want %+v", s.Load, wantLoad)
			break
		}
	}

	// Without events: stage times and first-notice are unknown (0), breaches only from
	// today's overdue cases (G only: J is within Credit China's own limit), everything else as before.
	march, _ := ParsePeriod("2026-03", stNow)
	s = Compute(cases, nil, march, DefaultSLA(), DefaultCalendar(), stNow)
	if s.Received != 9 || s.Closed != 6 || s.SLABreaches != 1 || s.FirstNoticeRate != 0 || !stNear(s.AvgDays, 13.2) {
		t.Errorf("no events: %+v", s)
	}
	for _, st := range s.StageTimes {
		if st.Count != 0 || st.AvgDays != 0 {
			t.Errorf("no events: stage time %+v", st)
		}
	}

	// Events handed over out of order give the same answer.
	shuffled := map[uint32][]Event{}
	for id, evs := range events {
		r := make([]Event, len(evs))
		for i, e := range evs {
			r[len(evs)-1-i] = e
		}
		shuffled[id] = r
	}
	a := Compute(cases, events, march, DefaultSLA(), nil, stNow)
	b := Compute(cases, shuffled, march, DefaultSLA(), nil, stNow)
	if a.SLABreaches != b.SLABreaches || a.FirstNoticeRate != b.FirstNoticeRate || a.StageTimes[0] != b.StageTimes[0] {
		t.Error("event order changed the figures")
	}

	// Nothing at all: zeros, seven stage rows, the weeks still laid out.
	e := Compute(nil, nil, march, DefaultSLA(), nil, stNow)
	if e.Received != 0 || e.SuccessRate != 0 || len(e.StageTimes) != 7 || len(e.Weekly) != 6 || len(e.Load) != 0 {
		t.Errorf("empty: %+v", e)
	}
	// An empty or inverted period has no weeks and counts nothing.
	if z := Compute(cases, events, Period{}, DefaultSLA(), nil, stNow); z.Received != 0 || z.Weekly != nil {
		t.Errorf("zero period: %+v", z)
	}
}

func TestParsePeriod(t *testing.T) {
	day := func(s string) time.Time {
		d, err := ParseDate(s)
		if err != nil {
			panic(err)
		}
		return d
	}
	now := stNow // Tue 2026-03-31 18:00 China time
	for _, tc := range []struct{ in, from, to string }{
		{"2026-Q3", "2026-07-01", "2026-10-01"},
		{"2026-q1", "2026-01-01", "2026-04-01"},
		{"2026-Q4", "2026-10-01", "2027-01-01"},
		{"2026-07", "2026-07-01", "2026-08-01"},
		{"2026-12", "2026-12-01", "2027-01-01"},
		{"2026", "2026-01-01", "2027-01-01"},
		{"2026-01-01..2026-03-31", "2026-01-01", "2026-04-01"},
		{" 2026-02-03 .. 2026-02-03 ", "2026-02-03", "2026-02-04"},
		{"2024-02-29", "2024-02-29", "2024-03-01"},
		{"month", "2026-03-01", "2026-04-01"},
		{"MONTH", "2026-03-01", "2026-04-01"},
		{"本月", "2026-03-01", "2026-04-01"},
		{"quarter", "2026-01-01", "2026-04-01"},
		{"year", "2026-01-01", "2027-01-01"},
	} {
		p, err := ParsePeriod(tc.in, now)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !p.From.Equal(day(tc.from)) || !p.To.Equal(day(tc.to)) {
			t.Errorf("%q = %v..%v, want [%s, %s)", tc.in, p.From, p.To, tc.from, tc.to)
		}
	}
	// "month" follows China time: 31 March 20:00 UTC is already 1 April in Beijing.
	if p, _ := ParsePeriod("month", time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC)); !p.From.Equal(day("2026-04-01")) {
		t.Errorf("month at 04-01 04:00 CST = %v", p.From)
	}
	if p, _ := ParsePeriod("quarter", time.Date(2026, 12, 31, 12, 0, 0, 0, ChinaTZ)); !p.From.Equal(day("2026-10-01")) || !p.To.Equal(day("2027-01-01")) {
		t.Errorf("quarter in December = %v", p)
	}
	if p, _ := ParsePeriod("2026-Q3", now); p.String() != "2026-07-01..2026-09-30" || !p.Contains(day("2026-09-30").Add(23*time.Hour)) || p.Contains(day("2026-10-01")) {
		t.Errorf("String/Contains: %q", p.String())
	}

	for _, tc := range []struct{ in, why string }{
		{"", "empty"},
		{"   ", "empty"},
		{"2026-Q5", "Q1 to Q4"},
		{"2026-Q0", "Q1 to Q4"},
		{"2026-13", "01 to 12"},
		{"2026-00", "01 to 12"},
		{"2026-+7", "01 to 12"},
		{"26", "not understood"},
		{"2026-7", "not understood"},
		{"abcd", "four digits"},
		{"0999", "four digits"},
		{"2026-02-30", "no such day"},
		{"2026-03-31..2026-01-01", "ends before it starts"},
		{"2026-01-01..", "two days"},
		{"2026-01..2026-03", "two days"},
		{"last month", "not understood"},
	} {
		_, err := ParsePeriod(tc.in, now)
		if err == nil {
			t.Errorf("%q accepted", tc.in)
			continue
		}
		// The English (Error, for logs) and the Chinese (Message, for the console) each
		// say what is wrong and what is accepted.
		msg, zh := err.Error(), err.(*PeriodError).Message("zh")
		if !strings.Contains(msg, tc.why) || !strings.Contains(msg, "2026-Q3") || !strings.Contains(zh, "2026-Q3") || !strings.Contains(zh, "统计期间") {
			t.Errorf("%q: unclear error %q / %q (want it to mention %q, the accepted forms, and Chinese)", tc.in, msg, zh, tc.why)
		}
	}
}

// TestStatEventCodes: every action the engine knows and every stage has a code, and an
// event survives the trip to a StatEvent.
func TestStatEventCodes(t *testing.T) {
	kinds := []ActionKind{ActCreate}
	for k := range stagesFor {
		kinds = append(kinds, k)
	}
	at := time.Date(2026, 3, 10, 9, 30, 15, 5, ChinaTZ)
	for _, k := range kinds {
		for _, from := range append([]Stage{""}, Stages...) {
			ev := Event{Seq: 7, Kind: k, At: at, From: from, To: StageInvestigating}
			e := StatEventOf(&ev)
			if e.Kind == 0 || !e.Is(k) || e.Left() != from || e.Entered() != StageInvestigating || !e.Time().Equal(at) || e.Seq != 7 {
				t.Fatalf("%s from %q: %+v", k, from, e)
			}
		}
	}
}

// TestNanoSumExactInAnyOrder: a NanoSum is the same whatever the order and grouping of
// its terms (negative durations too), and its average depends on the total only.
func TestNanoSumExactInAnyOrder(t *testing.T) {
	terms := []time.Duration{1, 999_999_999, -1, 36*time.Hour + 7, -3*time.Second - 5, 2 * time.Hour, 1500 * time.Millisecond}
	var fwd, back, split NanoSum
	for _, d := range terms {
		fwd.Add(d)
	}
	for i := len(terms) - 1; i >= 0; i-- {
		back.Add(terms[i])
	}
	var a, b NanoSum
	for i, d := range terms {
		if i%2 == 0 {
			a.Add(d)
		} else {
			b.Add(d)
		}
	}
	split = b.Plus(a)
	var total time.Duration
	for _, d := range terms {
		total += d
	}
	for _, s := range []NanoSum{back, split} {
		if s.Days(len(terms)) != fwd.Days(len(terms)) {
			t.Fatalf("%+v gives %v, %+v gives %v", s, s.Days(len(terms)), fwd, fwd.Days(len(terms)))
		}
	}
	if got, want := time.Duration(fwd.Sec)*time.Second+time.Duration(fwd.Nsec), total; got != want {
		t.Fatalf("sum %v, want %v", got, want)
	}
	if got, want := fwd.Days(1), total.Hours()/24; math.Abs(got-want) > 1e-12 {
		t.Fatalf("days %v, want %v", got, want)
	}
	if (NanoSum{}).Days(0) != 0 {
		t.Fatal("no terms: not 0")
	}
}

// IsCode of an action kind's KindCode says what Is says, for events of every kind (and
// of none).
func TestIsCodeIsIs(t *testing.T) {
	kinds := append([]ActionKind{ActCreate, "no_such_kind"}, Actions...)
	for _, evKind := range kinds {
		e := StatEventOf(&Event{Kind: evKind})
		for _, k := range kinds {
			if got, want := e.IsCode(KindCode(k)), e.Is(k); got != want {
				t.Fatalf("an event of kind %q: IsCode(KindCode(%q)) = %v, Is = %v", evKind, k, got, want)
			}
		}
	}
}
