package workflow

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/charmbracelet/x/exp/golden"
)

// The golden letters are testdata/TestLetterGolden/<kind>.<lang>.golden and html.golden;
// -update (github.com/charmbracelet/x/exp/golden's flag) rewrites them from the current
// templates:
//
//	go test ./workflow/ -run TestLetterGolden -update

func ltAt(month, day, hour, minute int) time.Time {
	return time.Date(2026, time.Month(month), day, hour, minute, 0, 0, ChinaTZ)
}

var (
	ltSpecialist = Staff{Name: "wangmin", Display: "王敏", Role: RoleSpecialist, Active: true}
	ltSupervisor = Staff{Name: "lijing", Display: "李静", Role: RoleSupervisor, Active: true}
	ltSettings   = LetterSettings{Agency: "北京信安企业信用服务有限公司", Address: "北京市西城区金融大街12号5层", Phone: "010-66881234", Seal: "业务专用章",
		Contact: "刘洋", Staff: "王敏"}
)

// ltApply applies one action and fails the test on a refusal.
func ltApply(t *testing.T, c Case, who Staff, a Action) Case {
	t.Helper()
	a.Actor = who.Name
	n, _, err := DefaultRules().Apply(c, who, a)
	if err != nil {
		t.Fatalf("%s at %s: %v", a.Kind, a.At, err)
	}
	return n
}

// ltRepairedCase takes case XF-2026-000017 through the whole flowchart and returns it as it
// stood after each letter-producing action: created, notice issued, applicant notified.
func ltRepairedCase(t *testing.T) (created, noticed, notified Case) {
	t.Helper()
	recs := []Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行北京朝阳支行", Date: "2025-06-18",
		AmountFen: 125000000, Problem: "non_malicious_overdue", Detail: "因银行核心系统升级，自动扣款延迟3天"}}
	mats := DefaultCatalogue().Checklist(recs)
	for i := range mats {
		switch mats[i].Key {
		case "settlement_certificate", "nonmalicious_statement":
		case "authorization":
			mats[i].Received, mats[i].Note = true, "授权委托书未加盖企业公章，且未写明委托事项"
		default:
			mats[i].Received, mats[i].Valid = true, true
		}
	}
	in := &Intake{ID: 17, No: CaseNo(2026, 17),
		Enterprise: Enterprise{Name: "北京华信达商贸有限公司", CreditCode: "91110000600037341L", LegalRep: "张建国", Address: "北京市朝阳区建国路88号"},
		Agent:      Agent{Name: "李晓燕", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-2026-031"},
		Records:    recs, Materials: mats, Owner: "wangmin", ReceivedAt: ltAt(3, 2, 9, 30)}
	c := ltApply(t, Case{}, ltSpecialist, Action{Kind: ActCreate, At: ltAt(3, 2, 9, 30), Intake: in})
	created = c
	deadline := DefaultSLA().ResubmitDeadline(DefaultCalendar(), ltAt(3, 4, 10, 0))
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActRequestMaterials, At: ltAt(3, 4, 10, 0), Deadline: deadline})
	noticed = c
	for _, k := range []string{"authorization", "settlement_certificate", "nonmalicious_statement"} {
		c = ltApply(t, c, ltSpecialist, Action{Kind: ActUpdateMaterial, At: ltAt(3, 10, 9, 0), Material: &MaterialUpdate{Key: k, Received: true, Valid: true}})
	}
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActMaterialsReceived, At: ltAt(3, 10, 9, 5)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAccept, At: ltAt(3, 11, 14, 0)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAddFinding, At: ltAt(3, 13, 15, 0), Finding: &Finding{
		Checked: "2025年6月还款流水与银行系统升级公告", Contact: "bank", Method: "document", Result: "confirmed_wrong",
		Evidence: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActProposeRepair, At: ltAt(3, 16, 10, 0), Proposal: &Proposal{
		Conclusion: "逾期系银行系统原因所致，非企业恶意", Plan: "将2025年6月的逾期记录更正为正常还款"}})
	c = ltApply(t, c, ltSupervisor, Action{Kind: ActApprove, At: ltAt(3, 17, 11, 0)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActSubmitCorrection, At: ltAt(3, 18, 9, 30), Submission: &Submission{Channel: "pbc_dispute", Reference: "ZX-YY-20260318-0042"}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActRecordOutcome, At: ltAt(4, 3, 16, 0), Outcome: &Outcome{Result: "corrected", Note: "征信中心已将该笔贷款2025年6月的还款状态更正为正常。"}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActNotifyApplicant, At: ltAt(4, 7, 10, 0), Notification: &Notification{Channel: "letter", Date: "2026-04-07"}})
	notified = c
	return
}

// ltDeclinedCase is case XF-2026-000021, declined after investigation: the record is accurate.
func ltDeclinedCase(t *testing.T) Case {
	t.Helper()
	recs := []Record{{Source: "pbc", Type: "overdue_loan", Institution: "上海银行浦东分行", Date: "2025-08-31",
		AmountFen: 48000000, Problem: "wrong_data"}}
	mats := DefaultCatalogue().Checklist(recs)
	for i := range mats {
		mats[i].Received, mats[i].Valid = true, true
	}
	in := &Intake{ID: 21, No: CaseNo(2026, 21),
		Enterprise: Enterprise{Name: "上海恒远建设工程有限公司", CreditCode: "9131000063159284XQ", LegalRep: "陈立华"},
		Agent:      Agent{Name: "周敏", Phone: "13900001111", IDNumber: "11010519491231002X"},
		Records:    recs, Materials: mats, Owner: "wangmin", ReceivedAt: ltAt(3, 5, 10, 0)}
	c := ltApply(t, Case{}, ltSpecialist, Action{Kind: ActCreate, At: ltAt(3, 5, 10, 0), Intake: in})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAccept, At: ltAt(3, 6, 9, 0)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAddFinding, At: ltAt(3, 9, 15, 0), Finding: &Finding{
		Checked: "2025年8月应还款日与实际还款日", Contact: "bank", Method: "letter", Result: "confirmed_accurate"}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAddFinding, At: ltAt(3, 10, 11, 0), Finding: &Finding{
		Checked: "企业提供的还款凭证", Contact: "enterprise", Method: "document", Result: "confirmed_accurate"}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActDecline, At: ltAt(3, 12, 16, 0), Decline: &Decline{
		Reason:      "record_accurate",
		Explanation: "银行回函和贵单位提供的还款凭证均显示，该笔贷款实际于2025年9月15日归还，晚于约定的8月31日，逾期记录与事实相符。",
		Avenues:     []string{"await_expiry", "pbc_complaint", "institution_dispute", "civil_suit"},
		ExpiryDate:  "2030-09-15"}})
	return c
}

func TestLetterGolden(t *testing.T) {
	created, noticed, notified := ltRepairedCase(t)
	declined := ltDeclinedCase(t)
	now := ltAt(4, 8, 9, 0) // later than every action: letters are dated by their action
	// Lapsed: the notice's deadline (25 March 2026) passed without the materials.
	lapsed := ltApply(t, noticed, ltSpecialist, Action{Kind: ActLapse, At: ltAt(3, 26, 10, 0)})
	cases := map[string]*Case{"receipt": &created, "notice": &noticed, "lapse": &lapsed, "decline": &declined,
		"correction": &notified, "situation": &notified, "result": &notified}
	for _, kind := range LetterKinds {
		for _, lang := range []string{"zh", "en"} {
			t.Run(kind+"."+lang, func(t *testing.T) {
				l, err := DefaultLetters().Render(kind, cases[kind], ltSettings, lang, now)
				if err != nil {
					t.Fatal(err)
				}
				if l.Kind != kind || l.Lang != lang {
					t.Errorf("letter is %s/%s", l.Kind, l.Lang)
				}
				got := l.Title + "\n\n" + l.Body
				golden.RequireEqual(t, []byte(got))
			})
		}
	}
	// Every record source: the letters that depend on it (who the correction report goes
	// to and the law it cites, the decline's avenues, where the result says to check).
	for _, src := range Keys("source") {
		for _, kind := range []string{"correction", "decline", "result"} {
			for _, lang := range []string{"zh", "en"} {
				t.Run("source/"+src+"/"+kind+"."+lang, func(t *testing.T) {
					c := ltSourceCase(t, src, kind == "decline")
					l, err := DefaultLetters().Render(kind, &c, ltSettings, lang, now)
					if err != nil {
						t.Fatal(err)
					}
					golden.RequireEqual(t, []byte(l.Title+"\n\n"+l.Body))
				})
			}
		}
	}
	t.Run("html", func(t *testing.T) {
		l, err := DefaultLetters().Render("decline", &declined, ltSettings, "zh", now)
		if err != nil {
			t.Fatal(err)
		}
		golden.RequireEqual(t, []byte(LetterHTML(l, ltSettings)))
	})
}

// ltSourceCase is a case on one record of source src, taken to the result (corrected, with
// an attached scan) or, with declined, declined after investigation with its source's
// avenues.
func ltSourceCase(t *testing.T, src string, declined bool) Case {
	t.Helper()
	typ, problem, tier := "overdue_loan", "wrong_data", ""
	switch src {
	case "creditchina", "gsxt":
		typ, problem, tier = "admin_penalty", "wrong_data", "minor"
	case "court":
		typ = "court_dishonest"
	case "tax":
		typ = "tax_arrears"
	}
	recs := []Record{{Source: src, Type: typ, Tier: tier, Institution: "某某报送机构", Date: "2025-05-20", AmountFen: 5000000, Problem: problem,
		Detail: "记录的金额与合同不符"}}
	mats := DefaultCatalogue().Checklist(recs)
	for i := range mats {
		mats[i].Received, mats[i].Valid = true, true
	}
	in := &Intake{ID: 30, No: CaseNo(2026, 30),
		Enterprise: Enterprise{Name: "郑州恒通物流有限公司", CreditCode: "91110000600037341L", LegalRep: "赵强"},
		Agent:      Agent{Name: "孙丽", Phone: "13900002222", IDNumber: "11010519491231002X"},
		Records:    recs, Materials: mats, Owner: "wangmin", ReceivedAt: ltAt(3, 2, 9, 0)}
	c := ltApply(t, Case{}, ltSpecialist, Action{Kind: ActCreate, At: ltAt(3, 2, 9, 0), Intake: in})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAccept, At: ltAt(3, 3, 9, 0)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAttachFile, At: ltAt(3, 4, 9, 0), File: &FileRef{Name: "合同.pdf",
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Size: 1024}})
	if declined {
		c = ltApply(t, c, ltSpecialist, Action{Kind: ActAddFinding, At: ltAt(3, 5, 9, 0), Finding: &Finding{
			Checked: "原始合同金额", Contact: "other", Method: "document", Result: "confirmed_accurate"}})
		av := DefaultAvenues(&c)
		if len(av) == 0 { // "other" has no avenues of its own: those the engine allows
			for _, k := range Keys("avenue") {
				if AvenueAllowed(&c, k) && k != "await_expiry" {
					av = append(av, k)
				}
			}
		}
		return ltApply(t, c, ltSpecialist, Action{Kind: ActDecline, At: ltAt(3, 6, 9, 0), Decline: &Decline{
			Reason: "record_accurate", Explanation: "合同金额与记录一致", Avenues: av}})
	}
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActAddFinding, At: ltAt(3, 5, 9, 0), Finding: &Finding{
		Checked: "原始合同金额", Contact: "other", Method: "document", Result: "confirmed_wrong", Evidence: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActProposeRepair, At: ltAt(3, 6, 9, 0), Proposal: &Proposal{
		Conclusion: "记录金额有误", Plan: "将记录金额更正为合同金额50,000元"}})
	c = ltApply(t, c, ltSupervisor, Action{Kind: ActApprove, At: ltAt(3, 9, 9, 0)})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActSubmitCorrection, At: ltAt(3, 10, 9, 0), Submission: &Submission{
		Channel: Sources().Source(src).Channel, Reference: "REF-" + src}})
	c = ltApply(t, c, ltSpecialist, Action{Kind: ActRecordOutcome, At: ltAt(3, 30, 9, 0), Outcome: &Outcome{Result: "corrected"}})
	return ltApply(t, c, ltSpecialist, Action{Kind: ActNotifyApplicant, At: ltAt(4, 1, 9, 0), Notification: &Notification{Channel: "letter", Date: "2026-04-01"}})
}

func TestLetterContent(t *testing.T) {
	created, noticed, notified := ltRepairedCase(t)
	declined := ltDeclinedCase(t)
	now := ltAt(4, 8, 9, 0)
	render := func(kind string, c *Case, lang string) Letter {
		t.Helper()
		l, err := DefaultLetters().Render(kind, c, ltSettings, lang, now)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	mustHave := func(l Letter, subs ...string) {
		t.Helper()
		for _, s := range subs {
			if !strings.Contains(l.Body, s) {
				t.Errorf("%s.%s lacks %q:\n%s", l.Kind, l.Lang, s, l.Body)
			}
		}
	}
	mustNot := func(l Letter, subs ...string) {
		t.Helper()
		for _, s := range subs {
			if strings.Contains(l.Body, s) || strings.Contains(l.Title, s) {
				t.Errorf("%s.%s contains %q", l.Kind, l.Lang, s)
			}
		}
	}

	// Personal data: the ID number only masked, in every letter.
	for _, c := range []*Case{&created, &noticed, &declined, &notified} {
		for _, kind := range LettersOf(c) {
			for _, lang := range []string{"zh", "en"} {
				mustNot(render(kind, c, lang), "11010519491231002X", "13812345678")
			}
		}
	}
	mustHave(render("receipt", &created, "zh"), "1101**********002X", "138****5678", "2026年3月2日", "XF-2026-000017", "人民币1,250,000.00元")
	mustHave(render("receipt", &created, "en"), "1101**********002X", "2 March 2026", "CNY 1,250,000.00")

	// Notice: every missing or invalid item, what is wrong and what to bring, and the deadline
	// (15 working days after 4 March 2026 = 25 March 2026).
	n := render("notice", &noticed, "zh")
	mustHave(n, "授权委托书（不符合要求）", "授权委托书未加盖企业公章", "结清证明（未提交）", "贷款银行出具并加盖公章的结清证明",
		"银行出具的非恶意逾期说明（未提交）", "以下3项材料",
		"请于2026年3月25日前", "第1轮形式审核", "2026年3月4日")
	if got, want := strings.Count(n.Body, "   请提交："), len(noticed.Missing()); got != want || want != 3 {
		t.Errorf("notice lists %d items, case misses %d (want 3)", got, want)
	}

	// Decline: findings, reason label + explanation, avenues incl. the 30-day PBOC complaint, expiry date.
	d := render("decline", &declined, "zh")
	// A PBOC record: the 条例's avenues (arts. 25, 26 incl. a civil suit), never Credit China
	// or administrative reconsideration, which do not apply to a bank's record.
	mustHave(d, "经核实，该记录与事实相符。银行回函", "30日内书面答复", "直接向人民法院提起诉讼", "2030年9月15日届满", "确认无误", "2026年3月12日")
	mustNot(d, "特别提示", "信用中国", "行政复议", "第十六条", "保存5年")
	de := render("decline", &declined, "en")
	mustHave(de, "On verification, the record matches the facts.", "within 30 days", "15 September 2030")

	// Result: channel, reference, what was corrected and when the institution confirmed it,
	// then where to look for oneself — no "check from <date> whether it is corrected".
	r := render("result", &notified, "zh")
	mustHave(r, "征信中心异议申请", "ZX-YY-20260318-0042", "该记录已更正：中国人民银行征信中心于2026年4月3日确认",
		"修正内容：将2025年6月的逾期记录更正为正常还款。", "贵单位可通过中国人民银行征信中心的最新企业信用报告", "2026年4月7日")
	mustNot(r, "30日内书面答复", "请自", "起查询") // no avenues when fully corrected, no date to check from

	// Untrusted text is cleaned: terminal controls never reach a letter.
	dirty := created.clone()
	dirty.Enterprise.Name = "恶意\x1b]52;c;Zm9v\x07公司\x1b[31m"
	dirty.Records[0].Detail = "第一行\r\n\u202e第二行"
	l := render("receipt", &dirty, "zh")
	if strings.ContainsAny(l.Body+l.Title, "\x1b\x07\r\u202e") {
		t.Errorf("controls survived: %q", l.Body)
	}
	mustHave(l, "恶意公司")
}

func TestLetterDecisionBranches(t *testing.T) {
	_, noticed, notified := ltRepairedCase(t)
	now := ltAt(4, 8, 9, 0)
	render := func(kind string, c *Case, lang string) string {
		t.Helper()
		l, err := DefaultLetters().Render(kind, c, ltSettings, lang, now)
		if err != nil {
			t.Fatal(err)
		}
		return l.Body
	}

	// A whitewash attempt declined at formal review gets the risk warning.
	w := noticed.clone()
	w.Stage = StageDeclined
	w.Decline = &Decline{Reason: "whitewash", Explanation: "该逾期记录真实存在，贵单位要求删除的依据不成立。", Avenues: []string{"pbc_complaint"}, From: StageFormalReview, By: "wangmin", At: ltAt(3, 5, 10, 0)}
	body := render("decline", &w, "zh")
	for _, s := range []string{"风险警示", "经形式审核", "经审核，申请所涉记录真实、准确，不属于可以更正或修复的信息。该逾期记录真实存在"} {
		if !strings.Contains(body, s) {
			t.Errorf("whitewash decline lacks %q:\n%s", s, body)
		}
	}

	// Too early: a general penalty of 10 Jan 2026 may be repaired from 10 Apr 2026 (3 months).
	p := noticed.clone()
	p.Records = []Record{{Source: "creditchina", Type: "admin_penalty", Tier: "general", Institution: "北京市朝阳区市场监督管理局", Date: "2026-01-10", Problem: "corrected_dishonest"}}
	p.Stage = StageDeclined
	p.Decline = &Decline{Reason: "publicity_period", Explanation: "该行政处罚尚在最短公示期内。", Avenues: []string{"creditchina_appeal"}, From: StageFormalReview, By: "wangmin", At: ltAt(3, 5, 10, 0)}
	if body := render("decline", &p, "zh"); !strings.Contains(body, "最早可于2026年4月10日起申请") {
		t.Errorf("publicity decline lacks the earliest date:\n%s", body)
	}

	// Not corrected: avenues appear; Credit China channel counts 10 working days
	// (18 March 2026 + 10 working days = 1 April 2026, later than an outcome-day draft).
	nc := notified.clone()
	nc.Stage = StageFeedback
	nc.Notification = nil
	nc.ClosedAt = time.Time{}
	nc.Outcome = &Outcome{Result: "not_corrected", Note: "报送机构维持原记录。", By: "wangmin", At: ltAt(3, 19, 9, 0)}
	nc.Submission = &Submission{Channel: "creditchina", Reference: "CC-1", By: "wangmin", At: ltAt(3, 18, 9, 30)}
	draftNow := ltAt(3, 20, 9, 0)
	l, err := DefaultLetters().Render("result", &nc, ltSettings, "zh", draftNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"未予更正", "报送机构维持原记录", "信用中国", "行政复议", "2026年3月20日"} {
		if !strings.Contains(l.Body, s) {
			t.Errorf("not-corrected result lacks %q:\n%s", s, l.Body)
		}
	}
	nc.Outcome.Result = "unconfirmed"
	l, _ = DefaultLetters().Render("result", &nc, ltSettings, "en", draftNow)
	if !strings.Contains(l.Body, "From 1 April 2026, please check your enterprise's entry on the Credit China website") {
		t.Errorf("unconfirmed result: wrong check advice:\n%s", l.Body)
	}
}

func TestLetterErrorsAndKinds(t *testing.T) {
	created, noticed, notified := ltRepairedCase(t)
	ls := DefaultLetters()
	now := ltAt(4, 8, 9, 0)
	if _, err := ls.Render("notice", &created, ltSettings, "zh", now); err == nil || !strings.Contains(err.Error(), "XF-2026-000017") {
		t.Errorf("notice without a notice: %v", err)
	}
	if _, err := ls.Render("decline", &notified, ltSettings, "zh", now); err == nil {
		t.Error("decline letter for a case not declined")
	}
	if _, err := ls.Render("result", &noticed, ltSettings, "zh", now); err == nil {
		t.Error("result letter without an outcome")
	}
	if _, err := ls.Render("thanks", &created, ltSettings, "zh", now); err == nil || !strings.Contains(err.Error(), "receipt, notice, lapse, decline, correction, situation, result") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := ls.Render("receipt", nil, ltSettings, "zh", now); err == nil {
		t.Error("nil case accepted")
	}
	// Unknown language → Chinese; empty settings → visible placeholder, default seal.
	l, err := ls.Render("receipt", &created, LetterSettings{}, "", now)
	if err != nil || l.Lang != "zh" || !strings.Contains(l.Body, "（机构名称未设置）\n（盖章处）") {
		t.Errorf("defaults: %v %q", err, l.Body)
	}

	for k, want := range map[ActionKind]string{ActCreate: "receipt", ActRequestMaterials: "notice", ActDecline: "decline",
		ActSubmitCorrection: "correction", ActNotifyApplicant: "result", ActAccept: "", ActComment: "", ActRecordOutcome: ""} {
		if got := LetterKindFor(k); got != want {
			t.Errorf("LetterKindFor(%s) = %q, want %q", k, got, want)
		}
	}
	for _, tc := range []struct {
		c    *Case
		want string
	}{
		{nil, ""}, {&Case{}, ""}, {&created, "receipt"}, {&noticed, "receipt notice"},
		{&notified, "receipt notice correction situation result"}, {ltPtr(ltDeclinedCase(t)), "receipt decline"},
	} {
		if got := strings.Join(LettersOf(tc.c), " "); got != tc.want {
			t.Errorf("LettersOf = %q, want %q", got, tc.want)
		}
	}
	// Every kind LettersOf offers renders.
	for _, c := range letterSamples() {
		for _, k := range LettersOf(&c) {
			if _, err := ls.Render(k, &c, ltSettings, "en", now); err != nil {
				t.Errorf("%s: %v", k, err)
			}
		}
	}
}

func ltPtr[T any](v T) *T { return &v }

func TestLetterHTML(t *testing.T) {
	created, _, _ := ltRepairedCase(t)
	c := created.clone()
	c.Enterprise.Name = `<script>alert("x")</script>&Co`
	s := ltSettings
	s.Agency = `信安<b>服务</b>`
	l, err := DefaultLetters().Render("receipt", &c, s, "zh", ltAt(4, 8, 9, 0))
	if err != nil {
		t.Fatal(err)
	}
	h := LetterHTML(l, s)
	for _, want := range []string{
		"size: A4;", `@bottom-center { content: counter(page) " / " counter(pages);`,
		`body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", `, "line-break: strict;", `<html lang="zh-CN">`,
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;Co", "信安&lt;b&gt;服务&lt;/b&gt;", `<p class="sign">`,
		"地址：北京市西城区金融大街12号5层", `电话：<span class="nobr">010-66881234</span>`, "<h1>征信修复申请材料收件回执</h1>",
		`<span class="nobr">2026年3月2日</span>`, `<span class="nobr">XF-2026-000017</span>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(h, "<script>") || strings.Contains(h, "<b>") {
		t.Error("HTML not escaped")
	}
	if strings.Count(h, `class="sign"`) != 1 {
		t.Error("exactly the last paragraph should be the signature")
	}
	en, _ := DefaultLetters().Render("receipt", &c, s, "en", ltAt(4, 8, 9, 0))
	if h := LetterHTML(en, LetterSettings{}); !strings.Contains(h, `<html lang="en">`) || strings.Contains(h, "<header>") {
		t.Error("English page: wrong lang, or a letterhead with no agency")
	}
}

func TestLetterTemplatesAdmin(t *testing.T) {
	created, _, _ := ltRepairedCase(t)
	now := ltAt(4, 8, 9, 0)

	// An adapted receipt replaces the built-in one; every other kind falls back.
	fsys := fstest.MapFS{
		"receipt.zh.tmpl": {Data: []byte(`{{define "title"}}回执{{end}}{{.Enterprise.Name}}，编号{{.CaseNo}}，经办人证件{{.Agent.ID}}，{{label "source" "pbc"}}

{{.Agency}}
{{.Date}}`)},
		"README.md": {Data: []byte("ignored")},
	}
	ls, err := ParseLetterTemplates(fsys)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ls.Render("receipt", &created, ltSettings, "zh", now)
	if err != nil {
		t.Fatal(err)
	}
	if l.Title != "回执" || !strings.HasPrefix(l.Body, "北京华信达商贸有限公司，编号XF-2026-000017，经办人证件1101**********002X，人民银行征信中心\n\n") {
		t.Errorf("adapted template not used: %q %q", l.Title, l.Body)
	}
	def, _ := DefaultLetters().Render("receipt", &created, ltSettings, "en", now)
	if got, _ := ls.Render("receipt", &created, ltSettings, "en", now); got != def {
		t.Error("missing English receipt did not fall back to the built-in one")
	}

	// The shipped directory parses as an admin directory too (what an admin starts from).
	if _, err := ParseLetterTemplates(DefaultLetterTemplates()); err != nil {
		t.Fatalf("shipped templates as admin dir: %v", err)
	}

	for name, tc := range map[string]struct {
		fs   fstest.MapFS
		want string
	}{
		"empty":        {fstest.MapFS{"notes.txt": {Data: []byte("x")}}, "no letter templates"},
		"bad name":     {fstest.MapFS{"notise.zh.tmpl": {Data: []byte(`{{define "title"}}x{{end}}`)}}, "notise.zh.tmpl"},
		"bad lang":     {fstest.MapFS{"notice.fr.tmpl": {Data: []byte(`{{define "title"}}x{{end}}`)}}, "notice.fr.tmpl"},
		"no title":     {fstest.MapFS{"notice.zh.tmpl": {Data: []byte(`hello`)}}, "defines no title"},
		"syntax":       {fstest.MapFS{"notice.zh.tmpl": {Data: []byte(`{{define "title"}}x{{end}}{{if}}`)}}, "notice.zh.tmpl"},
		"wrong field":  {fstest.MapFS{"decline.en.tmpl": {Data: []byte(`{{define "title"}}x{{end}}{{.Decline.Reasn}}`)}}, "decline.en.tmpl"},
		"branch field": {fstest.MapFS{"result.zh.tmpl": {Data: []byte(`{{define "title"}}x{{end}}{{if eq .Outcome.Key "unconfirmed"}}{{.Outcome.Nte}}{{end}}`)}}, "result.zh.tmpl"},
		"too large":    {fstest.MapFS{"receipt.zh.tmpl": {Data: []byte(`{{define "title"}}x{{end}}` + strings.Repeat("x", letterTemplateMax))}}, "too large"},
	} {
		_, err := ParseLetterTemplates(tc.fs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, tc.want)
		}
	}
	if _, err := ParseLetterTemplates(nil); err == nil {
		t.Error("nil fs accepted")
	}
}

func TestLetterConcurrent(t *testing.T) {
	_, _, notified := ltRepairedCase(t)
	ls := DefaultLetters()
	want, _ := ls.Render("result", &notified, ltSettings, "zh", ltAt(4, 8, 9, 0))
	done := make(chan Letter)
	for range 8 {
		go func() {
			l, _ := ls.Render("result", &notified, ltSettings, "zh", ltAt(4, 8, 9, 0))
			done <- l
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Error("concurrent render differs")
		}
	}
}
