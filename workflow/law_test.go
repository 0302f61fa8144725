package workflow_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"repairdesk/workflow"
)

// Tests of issue 15 ("true to the law"). Each names its source; the facts and their
// confidence are in sources/sources.json.

func lawRecord(src, typ string) workflow.Record {
	r := workflow.Record{Source: src, Type: typ, Institution: "某机构", Date: "2025-12-01", AmountFen: 100_000, Problem: "wrong_data"}
	if typ == "admin_penalty" {
		r.Tier, r.Problem = "general", "corrected_dishonest"
	}
	return r
}

// lawInvestigating is a case of one record at the investigating stage with one finding.
func lawInvestigating(t *testing.T, rec workflow.Record) *engWalk {
	t.Helper()
	return engStart(t, engLi, engIntake(engGoodCode, rec), engT("2026-03-02 09:00")).
		completeMaterials(engLi, engT("2026-03-02 09:30")).
		act(engLi, workflow.ActAccept, engT("2026-03-03 09:00")).
		act(engLi, workflow.ActAddFinding, engT("2026-03-04 09:00"))
}

// lawSubmitted walks a case of one record to the submitted stage, submitted at `at`
// through channel.
func lawSubmitted(t *testing.T, rec workflow.Record, channel string, at time.Time) *engWalk {
	t.Helper()
	return lawInvestigating(t, rec).
		act(engLi, workflow.ActProposeRepair, engT("2026-03-05 09:00")).
		act(engWang, workflow.ActApprove, engT("2026-03-06 09:00")).
		act(engLi, workflow.ActSubmitCorrection, at, func(a *workflow.Action) {
			a.Submission = &workflow.Submission{Channel: channel, Reference: "REF-1"}
		}).stage(workflow.StageSubmitted)
}

func lawDecline(avenues ...string) func(*workflow.Action) {
	return func(a *workflow.Action) {
		a.Decline = &workflow.Decline{Reason: "record_accurate", Explanation: "经核实记录准确", Avenues: avenues}
	}
}

// The data file covers every source, including GSXT (国办发〔2025〕22号: market-supervision
// repair goes through GSXT), and every figure says how sure it is.
func TestLawSourcesData(t *testing.T) {
	b := workflow.Sources()
	for _, k := range workflow.Keys("source") {
		s := b.Source(k)
		if s.Key != k {
			t.Errorf("source %s has no entry", k)
		}
		if s.Limit.Status == "" || s.Free.Status == "" {
			t.Errorf("source %s: a figure without a status", k)
		}
		if k != "other" && len(s.Avenues) == 0 {
			t.Errorf("source %s offers no avenue", k)
		}
	}
	if b.Source("gsxt").Key != "gsxt" || workflow.Label("source", "gsxt", "zh") != "国家企业信用信息公示系统" {
		t.Errorf("GSXT is not a source")
	}
	// Hand-read from the fact sheet: 条例 art. 25 20 natural days (primary); 信用中国 10
	// working days (国办发〔2025〕22号, secondary); enforcing court 15 days (最高法 若干规定
	// art. 12, secondary); GSXT, tax and the 信用中国 objection unverified.
	for _, x := range []struct {
		src     string
		days    int
		natural bool
		status  string
	}{
		{"pbc", 20, true, workflow.StatusPrimary}, {"baihang", 20, true, workflow.StatusPrimary}, {"pudao", 20, true, workflow.StatusPrimary},
		{"creditchina", 10, false, workflow.StatusSecondary}, {"court", 15, true, workflow.StatusSecondary},
		{"gsxt", 0, false, workflow.StatusUnverified}, {"tax", 0, false, workflow.StatusUnverified},
	} {
		l := b.Source(x.src).Limit
		if l.Days != x.days || l.Natural != x.natural || l.Status != x.status || l.Starts != "submit_correction" {
			t.Errorf("%s limit = %+v, want %d natural=%v %s from submit_correction", x.src, l, x.days, x.natural, x.status)
		}
	}
	if a, _ := b.Avenue("creditchina_appeal"); a.Status != workflow.StatusUnverified {
		t.Errorf("the 信用中国 objection's limit is unverified, got %s", a.Status)
	}
	// A broken file is refused: an avenue a source names must have its text.
	var raw map[string]any
	data, _ := json.Marshal(b)
	_ = json.Unmarshal(data, &raw)
	raw["avenues"] = []any{}
	bad, _ := json.Marshal(raw)
	if _, err := workflow.ParseSources(bad); err == nil {
		t.Errorf("a source book without avenue texts was accepted")
	}
}

// Avenues come from the source. 征信业管理条例 art. 2 (last paragraph) excludes what state
// bodies publish: no art. 25/26 avenue for 信用中国, GSXT, court or tax records; 行政复议 is
// not an avenue against a bank's record or a court's enforcement act.
func TestLawAvenuesBySource(t *testing.T) {
	for _, x := range []struct {
		rec  workflow.Record
		want []string
	}{
		{lawRecord("pbc", "overdue_loan"), []string{"institution_dispute", "pbc_complaint", "civil_suit"}},
		{lawRecord("baihang", "overdue_loan"), []string{"institution_dispute", "pbc_complaint", "civil_suit"}},
		{lawRecord("creditchina", "admin_penalty"), []string{"creditchina_repair", "creditchina_appeal", "reconsideration_litigation"}},
		{lawRecord("gsxt", "admin_penalty"), []string{"gsxt_repair", "reconsideration_litigation"}},
		{lawRecord("court", "court_dishonest"), []string{"court_correction", "court_review"}},
		{lawRecord("tax", "tax_arrears"), []string{"tax_reassessment", "reconsideration_litigation"}},
	} {
		c := workflow.Case{Records: []workflow.Record{x.rec}}
		if got := workflow.DefaultAvenues(&c); strings.Join(got, ",") != strings.Join(x.want, ",") {
			t.Errorf("%s: default avenues %v, want %v", x.rec.Source, got, x.want)
		}
	}

	// The engine refuses an avenue that does not apply, in both languages.
	cc := lawInvestigating(t, lawRecord("creditchina", "admin_penalty"))
	for _, av := range []string{"pbc_complaint", "institution_dispute", "court_correction"} {
		a := engAct(workflow.ActDecline, engT("2026-03-05 09:00"))
		lawDecline(av)(&a)
		r := engRefused(t, cc.c, engLi, a, "avenue_source")
		if !strings.Contains(r.Message("zh"), "信用中国") || !strings.Contains(r.Message("en"), "Credit China") {
			t.Errorf("refusal does not name the source: %s / %s", r.Message("zh"), r.Message("en"))
		}
	}
	court := lawInvestigating(t, lawRecord("court", "court_dishonest"))
	a := engAct(workflow.ActDecline, engT("2026-03-05 09:00"))
	lawDecline("reconsideration_litigation")(&a)
	engRefused(t, court.c, engLi, a, "avenue_source")
	bank := lawInvestigating(t, lawRecord("pbc", "overdue_loan"))
	a = engAct(workflow.ActDecline, engT("2026-03-05 09:00"))
	lawDecline("reconsideration_litigation")(&a)
	engRefused(t, bank.c, engLi, a, "avenue_source")
	// What applies is accepted, and the case replays.
	court.act(engLi, workflow.ActDecline, engT("2026-03-05 09:00"), lawDecline("court_correction", "court_review")).stage(workflow.StageDeclined)
	engReplayCheck(t, court)
}

// An action stored before the law version (Law 0) replays by the rules of its time, so a
// history with a decline naming the old avenues still rebuilds.
func TestLawOldHistoryReplays(t *testing.T) {
	w := lawInvestigating(t, lawRecord("creditchina", "admin_penalty"))
	a := engAct(workflow.ActDecline, engT("2026-03-05 09:00"))
	lawDecline("pbc_complaint", "reconsideration_litigation")(&a)
	a.Actor, a.Role, a.Law = engLi.Name, engLi.Role, 0
	events := append([]workflow.Event(nil), w.events...)
	for i := range events {
		events[i].Action.Law = 0
	}
	events = append(events, workflow.Event{Kind: workflow.ActDecline, Action: a})
	c, err := workflow.DefaultRules().Replay(events)
	if err != nil || c.Stage != workflow.StageDeclined {
		t.Fatalf("an old history no longer replays: %v (stage %s)", err, c.Stage)
	}
	// The same action taken today carries the law version and is refused.
	a.Law = 0
	if _, _, err := workflow.DefaultRules().Apply(w.c, engLi, a); engCodeOf(err) != "avenue_source" {
		t.Errorf("the old avenues applied today: %v", err)
	}
	cm := engAct(workflow.ActComment, engT("2026-03-05 09:00"))
	cm.Actor = engLi.Name
	if _, ev, err := workflow.DefaultRules().Apply(w.c, engLi, cm); err != nil || ev.Action.Law != workflow.LawVersion {
		t.Errorf("a new action is stored with law %d, want %d", ev.Action.Law, workflow.LawVersion)
	}
}

// The letters: a 信用中国 decline cites neither art. 25 nor 26, offers repair on 信用中国 and
// says the official channel is free (国办发〔2025〕22号: repair is a free public service); a
// court decline offers the written 纠正 request and the 复议 at the higher court, never
// 行政复议; no letter claims art. 16's five years for an enterprise record.
func TestLawDeclineLetters(t *testing.T) {
	ls := workflow.DefaultLetters()
	render := func(w *engWalk, lang string) string {
		t.Helper()
		l, err := ls.Render("decline", &w.c, workflow.LetterSettings{Agency: "某机构"}, lang, engT("2026-03-06 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		return l.Body
	}
	cc := lawInvestigating(t, lawRecord("creditchina", "admin_penalty"))
	cc.act(engLi, workflow.ActDecline, engT("2026-03-05 09:00"), lawDecline(workflow.DefaultAvenues(&cc.c)...))
	zh := render(cc, "zh")
	for _, want := range []string{"申请信用修复", "10个工作日", "不收取任何费用", "行政复议"} {
		if !strings.Contains(zh, want) {
			t.Errorf("信用中国 decline lacks %q:\n%s", want, zh)
		}
	}
	for _, not := range []string{"第二十五条", "第二十六条", "人民银行"} {
		if strings.Contains(zh, not) {
			t.Errorf("信用中国 decline cites %q:\n%s", not, zh)
		}
	}
	if en := render(cc, "en"); !strings.Contains(en, "free of charge") || strings.Contains(en, "art. 25") {
		t.Errorf("English 信用中国 decline:\n%s", en)
	}

	court := lawInvestigating(t, lawRecord("court", "court_dishonest"))
	court.act(engLi, workflow.ActDecline, engT("2026-03-05 09:00"), lawDecline(workflow.DefaultAvenues(&court.c)...))
	zh = render(court, "zh")
	for _, want := range []string{"执行法院提交书面纠正申请", "15日内审查", "3个工作日内纠正", "10日内向上一级人民法院申请复议"} {
		if !strings.Contains(zh, want) {
			t.Errorf("court decline lacks %q:\n%s", want, zh)
		}
	}
	for _, not := range []string{"行政复议", "行政诉讼", "第二十六条", "不收取任何费用"} { // free: unverified for courts
		if strings.Contains(zh, not) {
			t.Errorf("court decline has %q:\n%s", not, zh)
		}
	}

	bank := lawInvestigating(t, lawRecord("pbc", "overdue_loan"))
	bank.act(engLi, workflow.ActDecline, engT("2026-03-05 09:00"), lawDecline("pbc_complaint", "await_expiry"))
	zh = render(bank, "zh")
	if strings.Contains(zh, "第十六条") || strings.Contains(zh, "保存5年") {
		t.Errorf("the decline claims art. 16's five years for an enterprise:\n%s", zh)
	}
	if strings.Contains(render(bank, "en"), "5 years") {
		t.Errorf("the English decline claims five years")
	}
}

// Unverified figures carry the 待核实 mark a supervisor sees in the decline form.
func TestLawUnverifiedMarks(t *testing.T) {
	if l := workflow.AvenueLabel("creditchina_appeal", "zh"); !strings.Contains(l, "待核实") {
		t.Errorf("the 信用中国 objection (limit unverified) has no mark: %s", l)
	}
	if l := workflow.AvenueLabel("tax_reassessment", "en"); !strings.Contains(l, "unverified") {
		t.Errorf("the tax re-rating has no mark: %s", l)
	}
	if l := workflow.AvenueLabel("pbc_complaint", "zh"); strings.Contains(l, "待核实") {
		t.Errorf("art. 26 is primary, yet marked: %s", l)
	}
}

// Two clocks. The external body's limit runs from submit_correction, by the source's own
// figure; the submitted stage is overdue only when it runs out.
func TestLawExternalClock(t *testing.T) {
	cal := workflow.DefaultCalendar()
	sla := workflow.DefaultSLA()
	for _, x := range []struct {
		name, src, typ, channel, submit, due string
		why                                  string
	}{
		// 条例 art. 25: Fri 20 March + 20 natural days = Thu 9 April, a working day.
		{"pbc", "pbc", "overdue_loan", "pbc_dispute", "2026-03-20 10:00", "2026-04-09", "20 days"},
		// Tue 17 March + 20 = Mon 6 April, 清明 (4–6 April off): ends Tue 7 April (民法典 art. 203).
		{"pbc holiday", "pbc", "overdue_loan", "pbc_dispute", "2026-03-17 10:00", "2026-04-07", "rolled over 清明"},
		// 信用中国 10 working days from Fri 20 March: 23–27, 30, 31, 1, 2, 3 April.
		{"creditchina", "creditchina", "admin_penalty", "creditchina", "2026-03-20 10:00", "2026-04-03", "10 working days"},
		// Court 15 days from Wed 16 September = Thu 1 October, 国庆 (1–7 October off): Thu 8 October.
		{"court", "court", "court_dishonest", "court", "2026-09-16 10:00", "2026-10-08", "rolled over 国庆"},
	} {
		w := lawSubmitted(t, lawRecord(x.src, x.typ), x.channel, engT(x.submit))
		d := sla.DueOf(&w.c, cal)
		if d.Kind != "external" || d.Source != x.src || !d.At.Equal(engEnd(x.due)) || d.Unverified {
			t.Errorf("%s: due %+v, want external %s (%s)", x.name, d, x.due, x.why)
		}
		// Not overdue the day the due day ends, overdue the day after.
		if sla.Breached(d, cal, engEnd(x.due)) || !sla.Breached(d, cal, engEnd(x.due).Add(time.Hour)) {
			t.Errorf("%s: overdue around %s wrong", x.name, x.due)
		}
	}
	// The old stage limit (10 working days from 20 March = 3 April) no longer makes a PBOC
	// submission overdue on 7 April, inside the institution's 20 days.
	w := lawSubmitted(t, lawRecord("pbc", "overdue_loan"), "pbc_dispute", engT("2026-03-20 10:00"))
	if sla.Breached(sla.DueOf(&w.c, cal), cal, engT("2026-04-07 09:00")) {
		t.Errorf("a PBOC submission is overdue before the institution's 20 days ran out")
	}
	// GSXT's limit is unverified: the agency's follow-up (10 working days) with the mark.
	g := lawSubmitted(t, lawRecord("gsxt", "admin_penalty"), "gsxt", engT("2026-03-20 10:00"))
	if d := sla.DueOf(&g.c, cal); !d.Unverified || d.Kind != "external" || !d.At.Equal(engEnd("2026-04-03")) {
		t.Errorf("GSXT due %+v, want unverified follow-up 2026-04-03", d)
	}
	// A summary carries no submission: the records' sources and the stage's start give the
	// same answer.
	bare := workflow.Case{Stage: workflow.StageSubmitted, StageSince: engT("2026-03-20 10:00"), Records: []workflow.Record{{Source: "pbc"}}}
	if d := sla.DueOf(&bare, cal); !d.At.Equal(engEnd("2026-04-09")) {
		t.Errorf("summary due %+v, want 2026-04-09", d)
	}
}

// The agency's overall limit is the sum of its stages before submission, the same working
// days for every source (it was 20 natural days for the PBOC and 13 working days for
// 信用中国, the external bodies' figures on the agency's clock).
func TestLawAgencyLimitConsistent(t *testing.T) {
	sla := workflow.DefaultSLA()
	want := sla.PreSubmissionDays("") // 5 + 10 + 3 + 2
	if want != 20 {
		t.Fatalf("stages before submission add up to %d, want 20", want)
	}
	for _, k := range workflow.Keys("source") {
		l, ok := sla.Case[k]
		if !ok || l.Days != want || l.Natural {
			t.Errorf("overall limit for %s = %+v, want %d working days", k, l, want)
		}
	}
}

// 民法典 art. 202: counted by months, a period with no corresponding day ends on the
// month's last day. NDRC Order 36: general penalties 3 months, serious 1 year.
func TestLawMonthArithmetic(t *testing.T) {
	for _, x := range []struct{ from, want string }{
		{"2025-11-30", "2026-02-28"}, {"2025-12-31", "2026-03-31"}, {"2023-11-30", "2024-02-29"}, {"2026-01-15", "2026-04-15"},
	} {
		f, _ := workflow.ParseDate(x.from)
		if got := workflow.Day(workflow.AddMonths(f, 3)); got != x.want {
			t.Errorf("%s + 3 months = %s, want %s", x.from, got, x.want)
		}
	}
	rules := workflow.DefaultRules()
	for _, x := range []struct{ tier, date, want string }{
		{"general", "2025-11-30", "2026-02-28"}, // was 2026-03-02
		{"serious", "2024-02-29", "2025-02-28"},
		{"general", "2026-05-31", "2026-08-31"},
	} {
		rec := engPenalty(x.tier, x.date)
		if got := workflow.Day(rules.EarliestRepair(rec)); got != x.want {
			t.Errorf("EarliestRepair(%s %s) = %s, want %s", x.tier, x.date, got, x.want)
		}
	}
}

// Publicity minimums are versioned by the penalty's decision date: NDRC Order 36 from
// 2026-04-01; earlier penalties follow the rules of their time, whose figures are 待核实.
func TestLawPublicityVersions(t *testing.T) {
	rules := workflow.DefaultRules()
	p, ok := rules.PublicityRule(engPenalty("general", "2026-04-01"))
	if !ok || p.From != "2026-04-01" || !strings.Contains(p.Basis, "第36号") || p.Status == workflow.StatusUnverified {
		t.Errorf("a penalty of 2026-04-01 follows %+v", p)
	}
	p, ok = rules.PublicityRule(engPenalty("general", "2026-03-31"))
	if !ok || p.From != "" || p.Status != workflow.StatusUnverified {
		t.Errorf("a penalty of 2026-03-31 follows %+v, want the earlier rule marked unverified", p)
	}
}

// The result letter's "check from" date follows the source's own limit: the enforcing
// court 15 days (was 20, with no basis); tax, unverified, states no period.
func TestLawResultLetterCheck(t *testing.T) {
	ls := workflow.DefaultLetters()
	for _, x := range []struct {
		src, typ, channel, want, not string
	}{
		// Submitted Fri 20 March + 15 = Sat 4 April, 清明 → Tue 7 April.
		{"court", "court_dishonest", "court", "请自2026年4月7日起查询", "20日内"},
		{"tax", "tax_arrears", "tax", "请自2026年4月1日起查询", "工作日内"}, // the letter's own date
	} {
		w := lawSubmitted(t, lawRecord(x.src, x.typ), x.channel, engT("2026-03-20 10:00")).
			act(engLi, workflow.ActRecordOutcome, engT("2026-04-01 09:00"), func(a *workflow.Action) {
				a.Outcome = &workflow.Outcome{Result: "unconfirmed"}
			})
		l, err := ls.Render("result", &w.c, workflow.LetterSettings{Agency: "某机构"}, "zh", engT("2026-04-01 10:00"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(l.Body, x.want) || strings.Contains(l.Body, x.not) {
			t.Errorf("%s result letter: want %q, not %q:\n%s", x.src, x.want, x.not, l.Body)
		}
		if x.src == "court" && (strings.Contains(l.Body, "行政复议") || !strings.Contains(l.Body, "纠正申请")) {
			t.Errorf("court result letter avenues:\n%s", l.Body)
		}
	}
}

// §4: findings decide the outcome. The matrix: the current findings × who proposes × with
// or without an override reason → the refusal code ("" = allowed). A supporting finding is
// 确属错误, or for 信用中国/GSXT 已纠正失信行为、符合修复条件; a current 确认无误 blocks the proposal
// unless a supervisor gives a reason (kept in the proposal).
func TestEngineMatrixFindingsDecide(t *testing.T) {
	finding := func(result string, supersedes int) func(*workflow.Action) {
		return func(a *workflow.Action) { a.Finding.Result, a.Finding.Supersedes = result, supersedes }
	}
	type step struct {
		result     string
		supersedes int
	}
	sup := workflow.Staff{Name: "sun", Display: "孙主管", Role: workflow.RoleSupervisor, Active: true}
	for _, x := range []struct {
		name     string
		src, typ string
		findings []step
		who      workflow.Staff
		override string
		want     string
	}{
		{"cannot determine only", "pbc", "overdue_loan", []step{{"cannot_determine", 0}}, engLi, "", "no_support"},
		{"accurate only", "pbc", "overdue_loan", []step{{"confirmed_accurate", 0}}, sup, "理由", "no_support"},
		{"wrong", "pbc", "overdue_loan", []step{{"confirmed_wrong", 0}}, engLi, "", ""},
		{"wrong + accurate, specialist", "pbc", "overdue_loan", []step{{"confirmed_wrong", 0}, {"confirmed_accurate", 0}}, engLi, "理由", "accurate_finding"},
		{"wrong + accurate, supervisor without reason", "pbc", "overdue_loan", []step{{"confirmed_wrong", 0}, {"confirmed_accurate", 0}}, sup, "", "override_reason"},
		{"wrong + accurate, supervisor with reason", "pbc", "overdue_loan", []step{{"confirmed_wrong", 0}, {"confirmed_accurate", 0}}, sup, "银行书面确认系统故障，前一结论依据的台账有误", ""},
		{"accurate superseded by wrong", "pbc", "overdue_loan", []step{{"confirmed_accurate", 0}, {"confirmed_wrong", 1}}, engLi, "", ""},
		{"wrong superseded by accurate", "pbc", "overdue_loan", []step{{"confirmed_wrong", 0}, {"confirmed_accurate", 1}}, sup, "理由", "no_support"},
		{"corrected, Credit China", "creditchina", "admin_penalty", []step{{"corrected_eligible", 0}}, engLi, "", ""},
		{"corrected, GSXT", "gsxt", "admin_penalty", []step{{"corrected_eligible", 0}}, engLi, "", ""},
	} {
		t.Run(x.name, func(t *testing.T) {
			w := engStart(t, engLi, engIntake(engGoodCode, lawRecord(x.src, x.typ)), engT("2026-03-02 09:00")).
				completeMaterials(engLi, engT("2026-03-02 09:30")).
				act(engLi, workflow.ActAccept, engT("2026-03-03 09:00"))
			for i, f := range x.findings {
				w.act(engLi, workflow.ActAddFinding, engT("2026-03-04 09:00").Add(time.Duration(i)*time.Minute), finding(f.result, f.supersedes))
			}
			a := engAct(workflow.ActProposeRepair, engT("2026-03-05 09:00"))
			a.Proposal.Override = x.override
			if x.want != "" {
				engRefused(t, w.c, x.who, a, x.want)
				return
			}
			w.do(x.who, a).stage(workflow.StagePendingApproval)
			if w.c.Proposal.Override != x.override {
				t.Errorf("override reason %q not kept: %+v", x.override, w.c.Proposal)
			}
			engReplayCheck(t, w)
		})
	}

	// 已纠正失信行为、符合修复条件 is for 信用中国 and GSXT only.
	bank := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00")).
		completeMaterials(engLi, engT("2026-03-02 09:30")).act(engLi, workflow.ActAccept, engT("2026-03-03 09:00"))
	a := engAct(workflow.ActAddFinding, engT("2026-03-04 09:00"))
	a.Finding.Result = "corrected_eligible"
	engRefused(t, bank.c, engLi, a, "result_source")

	// A decline after investigation needs a finding; at formal review it does not.
	a = engAct(workflow.ActDecline, engT("2026-03-04 09:00"))
	engRefused(t, bank.c, engLi, a, "no_finding_decline")
	fr := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00"))
	fr.act(engLi, workflow.ActDecline, engT("2026-03-03 09:00")).stage(workflow.StageDeclined)

	// Superseding: only a current finding, by number; the history keeps both.
	a = engAct(workflow.ActAddFinding, engT("2026-03-04 09:00"))
	a.Finding.Supersedes = 1
	engRefused(t, bank.c, engLi, a, "supersede") // there is no finding 1 yet
}

// A superseded finding stays in the history but letters quote only the current ones.
func TestLawLettersQuoteCurrentFindings(t *testing.T) {
	w := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00")).
		completeMaterials(engLi, engT("2026-03-02 09:30")).act(engLi, workflow.ActAccept, engT("2026-03-03 09:00")).
		act(engLi, workflow.ActAddFinding, engT("2026-03-04 09:00"), func(a *workflow.Action) {
			a.Finding.Checked, a.Finding.Result = "电话询问支行客户经理", "cannot_determine"
		}).
		act(engLi, workflow.ActAddFinding, engT("2026-03-05 09:00"), func(a *workflow.Action) {
			a.Finding.Checked, a.Finding.Result, a.Finding.Supersedes = "银行书面回函核对原始台账", "confirmed_accurate", 1
		})
	if len(w.c.Findings) != 2 || w.c.Findings[0].SupersededBy != 2 || len(w.c.CurrentFindings()) != 1 {
		t.Fatalf("findings %+v", w.c.Findings)
	}
	a := engAct(workflow.ActAddFinding, engT("2026-03-05 10:00"))
	a.Finding.Supersedes = 1
	engRefused(t, w.c, engLi, a, "supersede") // already superseded
	w.act(engLi, workflow.ActDecline, engT("2026-03-06 09:00"), lawDecline("pbc_complaint"))
	engReplayCheck(t, w)
	l, err := workflow.DefaultLetters().Render("decline", &w.c, workflow.LetterSettings{Agency: "某机构"}, "zh", engT("2026-03-06 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(l.Body, "电话询问支行客户经理") || !strings.Contains(l.Body, "银行书面回函核对原始台账") {
		t.Errorf("the letter quotes a superseded finding or misses the current one:\n%s", l.Body)
	}
}

// §3: one-time notice means one time (行政许可法 art. 32(4): incomplete materials are told once
// and in full). A later notice may name only items an earlier notice named that are still
// not right, or items submitted since; anything else needs a supervisor's reason, kept
// with the notice.
func TestLawNoticeOnce(t *testing.T) {
	at := func(s string) time.Time { return engT("2026-03-" + s) }
	w := engStart(t, engLi, engIntake(engGoodCode), at("02 09:00"))
	for _, m := range w.c.Materials {
		switch m.Key {
		case "authorization":
			w.material(engLi, at("02 09:30"), m.Key, true, false, "未加盖公章")
		case "settlement_certificate":
		default:
			w.material(engLi, at("02 09:30"), m.Key, true, true, "")
		}
	}
	w.act(engLi, workflow.ActRequestMaterials, at("03 09:00"))
	if n := w.c.Notices[0]; n.Round != 1 || len(n.Items) != 2 {
		t.Fatalf("first notice %+v", n)
	}
	w.act(engLi, workflow.ActMaterialsReceived, at("10 09:00"))
	w.material(engLi, at("10 09:10"), "authorization", true, true, "")
	w.material(engLi, at("10 09:11"), "settlement_certificate", true, false, "结清金额与贷款金额不符") // named before, still not right
	w.material(engLi, at("10 09:12"), "credit_report", true, false, "报告已超过一个月")             // submitted since, not right

	// Named before or submitted since: a specialist may issue it; it carries round 2.
	ok := w.fork().act(engLi, workflow.ActRequestMaterials, at("10 10:00"))
	if n := ok.c.Notices[1]; n.Round != 2 || len(n.Items) != 2 || n.Override != "" {
		t.Errorf("second notice %+v", n)
	}

	// A new requirement added by hand after the notice was never told: a supervisor's reason.
	w.do(engLi, workflow.Action{Kind: workflow.ActUpdateMaterial, At: at("10 09:20"),
		Material: &workflow.MaterialUpdate{Key: "bank_letter", Label: "银行说明函", Required: true}})
	r := engRefused(t, w.c, engLi, engAct(workflow.ActRequestMaterials, at("10 10:00")), "notice_new_items")
	if !strings.Contains(r.Message("zh"), "银行说明函") || !strings.Contains(r.Message("en"), "银行说明函") {
		t.Errorf("the refusal does not name the item: %s / %s", r.Message("zh"), r.Message("en"))
	}
	if strings.Contains(r.Message("zh"), "结清证明") || strings.Contains(r.Message("zh"), "信用报告") {
		t.Errorf("the refusal names items that may be told again: %s", r.Message("zh"))
	}
	// The menu (Check) says so before the form: greyed for the specialist, open to the
	// supervisor, who gives the reason in the form.
	if r := workflow.DefaultRules().Check(&w.c, engLi, workflow.ActRequestMaterials, at("10 10:00")); r == nil || r.Code != "notice_new_items" {
		t.Errorf("Check lets the specialist name a new item: %v", r)
	}
	if r := workflow.DefaultRules().Check(&w.c, engWang, workflow.ActRequestMaterials, at("10 10:00")); r != nil {
		t.Errorf("Check refuses the supervisor: %v", r)
	}
	engRefused(t, w.c, engWang, engAct(workflow.ActRequestMaterials, at("10 10:00")), "notice_override")
	a := engAct(workflow.ActRequestMaterials, at("10 10:00"))
	a.Comment = "银行要求补充说明函，首次审核时尚无此要求"
	w.do(engWang, a)
	if n := w.c.Notices[1]; n.Override != a.Comment || n.OverrideBy != engWang.Name || n.Round != 2 || len(n.Items) != 3 {
		t.Errorf("override not kept in the notice history: %+v", n)
	}
	engReplayCheck(t, w)
}

// The notice states the deadline and what happens when it passes; after the deadline the
// case can lapse (视为撤回, 终止办理) with its own letter listing what is still missing.
func TestLawNoticeLapse(t *testing.T) {
	w := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00")).
		act(engLi, workflow.ActRequestMaterials, engT("2026-03-03 09:00"))
	// 15 working days from Tue 3 March: 4–6, 9–13, 16–20, 23, 24 → 24 March.
	if d := workflow.Day(w.c.Notices[0].Deadline); d != "2026-03-24" {
		t.Fatalf("deadline %s", d)
	}
	ls := workflow.DefaultLetters()
	n, err := ls.Render("notice", &w.c, workflow.LetterSettings{Agency: "某机构"}, "zh", engT("2026-03-03 10:00"))
	if err != nil || !strings.Contains(n.Body, "请于2026年3月24日前") || !strings.Contains(n.Body, "视为撤回") || !strings.Contains(n.Body, "第1轮") {
		t.Errorf("the notice does not state the deadline, the round and the consequence (%v):\n%s", err, n.Body)
	}
	r := engRefused(t, w.c, engLi, engAct(workflow.ActLapse, engT("2026-03-24 18:00")), "not_lapsed")
	if !strings.Contains(r.Message("zh"), "2026-03-24") {
		t.Errorf("refusal does not give the deadline: %s", r.Message("zh"))
	}
	w.material(engLi, engT("2026-03-20 09:00"), "application_form", true, true, "")
	w.act(engLi, workflow.ActLapse, engT("2026-03-25 09:00")).stage(workflow.StageWithdrawn)
	if !w.c.Lapsed || w.c.Pauses[0].To.IsZero() || w.c.ClosedAt.IsZero() {
		t.Errorf("lapse: %+v", w.c)
	}
	engReplayCheck(t, w)
	if workflow.LetterKindFor(workflow.ActLapse) != "lapse" || !strings.Contains(strings.Join(workflow.LettersOf(&w.c), ","), "lapse") {
		t.Errorf("no lapse letter")
	}
	l, err := ls.Render("lapse", &w.c, workflow.LetterSettings{Agency: "某机构"}, "zh", engT("2026-03-25 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(l.Body, "终止办理") || !strings.Contains(l.Body, "授权委托书") || strings.Contains(l.Body, "修复申请书") {
		t.Errorf("the lapse letter must list only what is still missing:\n%s", l.Body)
	}
}

// A checklist item can be waived (不适用/免交) with a reason, by a supervisor: a settlement
// proof for a loan not yet repaid. The proof of authority cannot be waived.
func TestLawMaterialWaiver(t *testing.T) {
	w := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00"))
	for _, m := range w.c.Materials {
		if m.Key != "settlement_certificate" {
			w.material(engLi, engT("2026-03-02 09:30"), m.Key, true, true, "")
		}
	}
	engRefused(t, w.c, engLi, engAct(workflow.ActAccept, engT("2026-03-02 10:00")), "materials")
	waive := func(key, why string) workflow.Action {
		return workflow.Action{Kind: workflow.ActUpdateMaterial, At: engT("2026-03-02 10:00"),
			Material: &workflow.MaterialUpdate{Key: key, Waive: true, Note: why}}
	}
	engRefused(t, w.c, engLi, waive("settlement_certificate", "贷款尚未结清，异议针对逾期记录本身"), "role")
	engRefused(t, w.c, engWang, waive("settlement_certificate", " "), "waive_reason")
	engRefused(t, w.c, engWang, waive("authorization", "法定代表人亲自办理"), "waive_authority")
	w.do(engWang, waive("settlement_certificate", "贷款尚未结清，异议针对逾期记录本身"))
	i := slices.IndexFunc(w.c.Materials, func(m workflow.Material) bool { return m.Key == "settlement_certificate" })
	if m := w.c.Materials[i]; !m.Waived || m.WaivedBy != engWang.Name || m.WaiverWhy == "" || !m.OK() {
		t.Errorf("waiver not kept: %+v", m)
	}
	if len(w.c.Missing()) != 0 {
		t.Errorf("a waived item is still missing: %+v", w.c.Missing())
	}
	w.act(engLi, workflow.ActAccept, engT("2026-03-02 11:00")).stage(workflow.StageInvestigating)
	engReplayCheck(t, w)
}

// lawCode completes 17 characters with the GB 32100 check character.
func lawCode(t *testing.T, first17 string) string {
	t.Helper()
	c, ok := workflow.CreditCodeCheckChar(first17)
	if !ok {
		t.Fatalf("cannot complete %s", first17)
	}
	return first17 + string(c)
}

// §5: the structure of a code whose check character is right (GB 32100-2015 positions 1–2,
// GB/T 2260 positions 3–8 at province level, GB 11714 check at position 17) gives
// warnings, never refusals; a supervisor who did not take the intake confirms them.
func TestLawCreditCodeStructure(t *testing.T) {
	// GB 11714 by hand: 6·3+0·7+0·9+0·10+3·5+7·8+3·4+4·2 = 109, 109 mod 11 = 10, 11−10 = 1.
	// M A 6 2 K 0 2 6 = 22·3+10·7+6·9+2·10+20·5+0·8+2·4+6·2 = 330, mod 11 = 0 → 11 → '0'.
	for body, want := range map[string]byte{"60003734": '1', "MA62K026": '0'} {
		if got, ok := workflow.OrgCodeCheckChar(body); !ok || got != want {
			t.Errorf("OrgCodeCheckChar(%s) = %c, want %c", body, got, want)
		}
	}
	for _, x := range []struct {
		code, want string // "" = no warning; else a fragment of the Chinese warning
	}{
		{engGoodCode, ""},
		{"91512081MA62K0260E", ""},
		{lawCode(t, "Y1110000600037341"), ""}, // Y (其他) is a valid authority: not digits only
		{lawCode(t, "N1110000600037341"), ""},
		{lawCode(t, "B1110000600037341"), "第1位"},
		{lawCode(t, "94110000600037341"), "第2位"},
		{lawCode(t, "91990000600037341"), "“99”"},
		{lawCode(t, "91100000600037341"), ""}, // central level
		{lawCode(t, "91110000600037342"), "GB 11714"},
	} {
		code, fe := workflow.ValidateCreditCode(x.code)
		switch {
		case x.want == "" && fe != nil:
			t.Errorf("%s: unexpected %v", x.code, fe.Message("zh"))
		case x.want != "" && (fe == nil || !fe.Warning || fe.Code != "structure" || !strings.Contains(fe.Message("zh"), x.want) || fe.Message("en") == ""):
			t.Errorf("%s: want a structure warning naming %q, got %+v", x.code, x.want, fe)
		case code != x.code:
			t.Errorf("%s read as %s", x.code, code)
		}
	}

	// The warning holds the case at formal review until a supervisor other than the one
	// who took the intake confirms it.
	bad := lawCode(t, "91990000600037341")
	sun := workflow.Staff{Name: "sun", Display: "孙主管", Role: workflow.RoleSupervisor, Active: true}
	w := engStart(t, engWang, engIntake(bad), engT("2026-03-02 09:00")).completeMaterials(engWang, engT("2026-03-02 09:30"))
	if !w.c.CreditCodeWarning || w.c.IntakeBy != engWang.Name {
		t.Fatalf("no warning on the case: %+v", w.c)
	}
	engRefused(t, w.c, engWang, engAct(workflow.ActAccept, engT("2026-03-02 10:00")), "credit_code")
	engRefused(t, w.c, engWang, engAct(workflow.ActOverrideCreditCode, engT("2026-03-02 10:00")), "four_eyes")
	w.act(sun, workflow.ActOverrideCreditCode, engT("2026-03-02 10:00")).act(engWang, workflow.ActAccept, engT("2026-03-02 11:00"))
	engReplayCheck(t, w)

	// An intake stored before the structure checks replays without the warning.
	ev := w.events[0]
	ev.Action.Law = 0
	c, err := workflow.DefaultRules().Replay([]workflow.Event{ev})
	if err != nil || c.CreditCodeWarning || c.IntakeBy != "" {
		t.Errorf("old intake replay: %v %+v", err, c.CreditCodeWarning)
	}
}

// The agent's ID number: a first two digits that are no GB/T 2260 province give a warning
// at intake, never a refusal. 99010519491231002? completed with its GB 11643 check char.
func TestLawIDDivisionWarning(t *testing.T) {
	c, ok := workflow.IDCheckChar("99010519491231002")
	if !ok {
		t.Fatal("check char")
	}
	odd := "99010519491231002" + string(c)
	if _, fe := workflow.ValidateIDNumber(odd, engNow); fe != nil {
		t.Fatalf("a valid ID number refused: %v", fe)
	}
	if w := workflow.IDDivisionWarning(odd); w == nil || !w.Warning || !strings.Contains(w.Message("zh"), "99") {
		t.Errorf("no division warning: %+v", w)
	}
	if w := workflow.IDDivisionWarning("11010519491231002X"); w != nil {
		t.Errorf("Beijing warned: %+v", w)
	}
	in := engIntake(engGoodCode)
	in.Agent.IDNumber = odd
	var warned bool
	for _, e := range workflow.ValidateIntake(in, engNow) {
		if e.Code == "division" && e.Warning && e.Field == "agent.id_number" {
			warned = true
		} else if !e.Warning {
			t.Errorf("intake error: %+v", e)
		}
	}
	if !warned {
		t.Errorf("intake does not warn about the division")
	}
	// and the case is still taken in
	engStart(t, engLi, in, engT("2026-03-02 09:00")).stage(workflow.StageFormalReview)
}

// The limits still marked 待核实 stay unverified — the research at hand gives no primary
// source for them (record-sources fact sheet, December 2026: "国办发〔2025〕22号 …
// (secondary)"; "The time limit for a 信用中国 异议申诉 … is unverified"; NDRC Order 36
// "penalties decided earlier follow the rules of their time" with no figures; nothing on
// GSXT's or the tax authority's limits, or on 限制消费 orders) — and the data says, for
// each, what is missing. A figure marked unverified without that is refused at start.
func TestLawUnverifiedSayWhatIsMissing(t *testing.T) {
	b := workflow.Sources()
	for _, k := range []string{"gsxt", "tax"} {
		if l := b.Source(k).Limit; l.Status != workflow.StatusUnverified || l.Days != 0 || l.Missing == "" {
			t.Errorf("%s: the limit should stay 待核实 with what is missing: %+v", k, l)
		}
	}
	if c := b.Source("court"); c.Note.ZH == "" || !strings.Contains(c.NoteMissing, "限制消费") {
		t.Errorf("court: the 限制消费 note should say what is missing: %+v", c)
	}
	for _, k := range []string{"creditchina_appeal", "tax_reassessment", "await_expiry"} {
		if a, ok := b.Avenue(k); !ok || a.Status != workflow.StatusUnverified || a.Missing == "" {
			t.Errorf("avenue %s should stay 待核实 with what is missing: %+v", k, a)
		}
	}
	// Penalties before NDRC Order 36 (in force 2026-04-01): the rules of their time, unknown.
	if p := b.PublicityRuleFor(time.Date(2026, 3, 31, 12, 0, 0, 0, workflow.ChinaTZ)); p.Status != workflow.StatusUnverified || p.Missing == "" {
		t.Errorf("the publicity rule before 2026-04-01: %+v", p)
	}
	// Confirmed ones are unchanged: 信用中国 10 working days (国办发〔2025〕22号, secondary).
	if l := b.Source("creditchina").Limit; l.Days != 10 || l.Natural || l.Status != workflow.StatusSecondary {
		t.Errorf("creditchina limit %+v", l)
	}

	// Taking a "missing" away makes the file refused.
	var raw map[string]any
	orig, err := os.ReadFile("sources/sources.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(orig, &raw); err != nil {
		t.Fatal(err)
	}
	for _, s := range raw["sources"].([]any) {
		if src := s.(map[string]any); src["key"] == "gsxt" {
			delete(src["limit"].(map[string]any), "missing")
		}
	}
	data, _ := json.Marshal(raw)
	if _, err := workflow.ParseSources(data); err == nil || !strings.Contains(err.Error(), "gsxt") {
		t.Errorf("an unverified limit without what is missing was accepted: %v", err)
	}
}
