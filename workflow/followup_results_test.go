package workflow

import (
	"strings"
	"testing"
)

// fuCall records the follow-up call at at; thanks are the letters/banners received with it.
func fuCall(at, satisfaction string, thanks ...string) stStep {
	return stDo(ActFollowUp, func(a *Action) {
		f := &FollowUp{Satisfaction: satisfaction, Comment: "回访"}
		for _, k := range thanks {
			f.Thanks = append(f.Thanks, Thanks{Kind: k})
		}
		a.FollowUp = f
	})(at)
}

// fuFixture: five closed cases with their follow-up calls (all 09:00, 2026).
//
//	1  closed 03-23; call 03-25 满意, a banner with it                 (March)
//	2  closed 03-17; call 03-19 基本满意; a thank-you letter on 04-02  (call March, letter April)
//	3  closed 03-11; call 03-13 不满意                                 (March)
//	4  closed 02-27; call 03-02 满意, a letter and a banner with it     (March: the call's date counts, not the close)
//	5  closed 03-20; no call yet                                        (not counted anywhere)
//
// March by hand: calls 4 (1, 2, 3, 4) — 满意 2 (1, 4), 基本满意 1 (2), 不满意 1 (3);
// satisfaction = (2 + 1) / 4 = 75.0%; thanks in March = 1 (case 1) + 2 (case 4) = 3.
// April: no call (— and its reason), thanks = 1 (case 2's letter).
// February: case 4 closed then but was called in March: no call, no thanks.
func fuFixture(t *testing.T) ([]Case, map[uint32][]StatEvent) {
	t.Helper()
	closed := func(recv, accept, propose, approve, submit, outcome, notify string) []stStep {
		return []stStep{stAccept(accept), stPropose(propose), stApprove(approve), stSubmit(submit, "pbc_dispute"),
			stOutcome(outcome, "corrected"), stNotify(notify)}
	}
	var cases []Case
	events := map[uint32][]StatEvent{}
	add := func(c Case, evs []Event) {
		cases = append(cases, c)
		for i := range evs {
			events[c.ID] = append(events[c.ID], StatEventOf(&evs[i]))
		}
	}
	add(stCase(t, 1, "wangmin", "pbc", "03-02 09:00", append(closed("", "03-03 09:00", "03-05 09:00", "03-06 09:00", "03-09 09:00", "03-20 09:00", "03-23 09:00"),
		fuCall("03-25 09:00", "satisfied", "banner"))...))
	add(stCase(t, 2, "wangmin", "pbc", "03-02 09:00", append(closed("", "03-03 09:00", "03-05 09:00", "03-06 09:00", "03-09 09:00", "03-16 09:00", "03-17 09:00"),
		fuCall("03-19 09:00", "basically_satisfied"), fuCall("04-02 09:00", "", "letter"))...))
	add(stCase(t, 3, "zhaolei", "pbc", "03-02 09:00", append(closed("", "03-03 09:00", "03-04 09:00", "03-05 09:00", "03-06 09:00", "03-10 09:00", "03-11 09:00"),
		fuCall("03-13 09:00", "dissatisfied"))...))
	add(stCase(t, 4, "zhaolei", "pbc", "02-02 09:00", append(closed("", "02-03 09:00", "02-04 09:00", "02-05 09:00", "02-06 09:00", "02-26 09:00", "02-27 09:00"),
		fuCall("03-02 09:00", "satisfied", "letter", "banner"))...))
	add(stCase(t, 5, "chenyu", "pbc", "03-02 09:00", closed("", "03-03 09:00", "03-04 09:00", "03-05 09:00", "03-06 09:00", "03-19 09:00", "03-20 09:00")...))
	return cases, events
}

func TestResultsSatisfactionByHand(t *testing.T) {
	cases, events := fuFixture(t)
	now := stT("04-30 18:00")
	row := func(r Results, lang, key string) ResultRow {
		for _, x := range r.Rows(lang) {
			if x.Key == key {
				return x
			}
		}
		t.Fatalf("no %s row", key)
		return ResultRow{}
	}
	p, _ := ParsePeriod("2026-03", now)
	r := ComputeResults(cases, events, p, DefaultSLA(), DefaultCalendar(), now)
	if r.FollowUps != 4 || r.Satisfied != 2 || r.BasicallySatisfied != 1 || r.Dissatisfied != 1 || r.ThanksReceived != 3 {
		t.Fatalf("March: calls %d (满意 %d 基本 %d 不满意 %d), thanks %d; want 4 (2 1 1), 3",
			r.FollowUps, r.Satisfied, r.BasicallySatisfied, r.Dissatisfied, r.ThanksReceived)
	}
	sat := row(r, "zh", "satisfaction")
	if sat.NA || sat.Text != "75.0%" || sat.Note != "3/4" || sat.Basis != "回访 4 次：满意 2、基本满意 1、不满意 1" {
		t.Errorf("March satisfaction row = %+v; want 75.0%%, 3/4", sat)
	}
	if th := row(r, "zh", "thanks"); th.Text != "3 次" || th.Label != "收到感谢信/锦旗" {
		t.Errorf("March thanks row = %+v; want 3 次", th)
	}
	if en := row(r, "en", "satisfaction"); en.Basis != "4 follow-up calls: 2 satisfied, 1 basically satisfied, 1 dissatisfied" {
		t.Errorf("English basis %q", en.Basis)
	}

	p, _ = ParsePeriod("2026-04", now)
	r = ComputeResults(cases, events, p, DefaultSLA(), DefaultCalendar(), now)
	if sat := row(r, "zh", "satisfaction"); !sat.NA || sat.Text != "—" || sat.Basis != "本期没有回访记录" {
		t.Errorf("April satisfaction = %+v; want — (no call)", sat)
	}
	if r.ThanksReceived != 1 {
		t.Errorf("April thanks = %d, want 1 (case 2's letter of 04-02)", r.ThanksReceived)
	}
	p, _ = ParsePeriod("2026-02", now)
	if r = ComputeResults(cases, events, p, DefaultSLA(), DefaultCalendar(), now); r.FollowUps != 0 || r.ThanksReceived != 0 {
		t.Errorf("February: calls %d thanks %d; want 0, 0 (case 4 was called in March)", r.FollowUps, r.ThanksReceived)
	}
	// The satisfaction rows stand next to the success rate, and the definition says what they count.
	keys := []string{}
	for _, x := range r.Rows("zh") {
		keys = append(keys, x.Key)
	}
	if got := strings.Join(keys, ","); !strings.Contains(got, "success_rate,satisfaction,thanks,") {
		t.Errorf("row order %s", got)
	}
	if defs := strings.Join(ResultDefinitions("zh"), "\n"); !strings.Contains(defs, "回访满意率 = ") {
		t.Errorf("definitions lack satisfaction:\n%s", defs)
	}
}

func TestFollowUpDueInWorkingDays(t *testing.T) {
	cases, _ := fuFixture(t)
	c5 := cases[4] // closed Friday 2026-03-20, not yet called
	due := FollowUpDue(&c5, DefaultSLA(), DefaultCalendar())
	// Five working days after Friday 20 March: 23, 24, 25, 26, 27 March (no holiday) → Friday 27th.
	if Day(due) != "2026-03-27" {
		t.Errorf("follow-up due %s, want 2026-03-27", Day(due))
	}
	if c1 := cases[0]; !FollowUpDue(&c1, DefaultSLA(), DefaultCalendar()).IsZero() {
		t.Errorf("a case already called has no follow-up due")
	}
	// The office's setting: 3 working days → Wednesday 25 March; 10 natural days → 30 March.
	sla := DefaultSLA()
	sla.FollowUp = Limit{Days: 3}
	if d := Day(FollowUpDue(&c5, sla, DefaultCalendar())); d != "2026-03-25" {
		t.Errorf("3 working days: %s, want 2026-03-25", d)
	}
	sla.FollowUp = Limit{Days: 10, Natural: true}
	if d := Day(FollowUpDue(&c5, sla, DefaultCalendar())); d != "2026-03-30" {
		t.Errorf("10 natural days: %s, want 2026-03-30", d)
	}
}
