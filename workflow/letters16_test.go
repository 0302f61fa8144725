package workflow

import (
	"strings"
	"testing"
	"testing/fstest"
)

// Issue 16 §1–§2: letters that agree with the case, and the paper to the institution.

func TestSentenceStop(t *testing.T) {
	for _, tc := range []struct{ in, lang, want string }{
		{"", "zh", ""},
		{"逾期系银行系统原因所致", "zh", "逾期系银行系统原因所致。"},
		{"逾期系银行系统原因所致。", "zh", "逾期系银行系统原因所致。"},
		{"是否已更正？", "zh", "是否已更正？"},
		{"（见附件）", "zh", "（见附件）。"},
		{"他说：“已经还清。”", "zh", "他说：“已经还清。”"},
		{"编号 R-1", "zh", "编号 R-1。"},
		{"The bank confirmed it", "en", "The bank confirmed it."},
		{"The bank confirmed it.", "en", "The bank confirmed it."},
		{"银行已确认", "en", "银行已确认。"},
		{"ends with space  ", "en", "ends with space."},
	} {
		if got := Sentence(tc.in, tc.lang); got != tc.want {
			t.Errorf("Sentence(%q, %s) = %q, want %q", tc.in, tc.lang, got, tc.want)
		}
	}
	// In a letter: the decline's explanation typed without a stop gets one, never two.
	c := ltDeclinedCase(t)
	c.Decline.Explanation = "贷款实际于2025年9月15日归还"
	l, _ := DefaultLetters().Render("decline", &c, ltSettings, "zh", ltAt(4, 8, 9, 0))
	if !strings.Contains(l.Body, "贷款实际于2025年9月15日归还。\n") {
		t.Errorf("no closing stop:\n%s", l.Body)
	}
	c.Decline.Explanation = "贷款实际于2025年9月15日归还。"
	l, _ = DefaultLetters().Render("decline", &c, ltSettings, "zh", ltAt(4, 8, 9, 0))
	if strings.Contains(l.Body, "。。") {
		t.Errorf("doubled stop:\n%s", l.Body)
	}
}

// A receipt lists what was handed over at the counter, with the day, and what is still
// missing; it is a 收件回执, never a 受理 decision.
func TestReceiptListsWhatWasHandedOver(t *testing.T) {
	recs := []Record{{Source: "pbc", Type: "overdue_loan", Institution: "某银行", Date: "2025-06-01", Problem: "wrong_data"}}
	mats := DefaultCatalogue().Checklist(recs)
	handed := map[string]bool{"application_form": true, "business_license": true, "agent_id": true}
	for i := range mats {
		if handed[mats[i].Key] {
			mats[i].Received, mats[i].Valid, mats[i].UpdatedAt = true, true, ltAt(3, 2, 9, 0)
		}
	}
	in := &Intake{ID: 40, No: CaseNo(2026, 40), Enterprise: Enterprise{Name: "某公司", CreditCode: "91110000600037341L", LegalRep: "甲"},
		Agent: Agent{Name: "乙", Phone: "13800000000", IDNumber: "11010519491231002X"}, Records: recs, Materials: mats, ReceivedAt: ltAt(3, 2, 9, 0)}
	c := ltApply(t, Case{}, ltSpecialist, Action{Kind: ActCreate, At: ltAt(3, 2, 9, 0), Intake: in})
	for _, lang := range []string{"zh", "en"} {
		l, err := DefaultLetters().Render("receipt", &c, ltSettings, lang, ltAt(3, 2, 9, 0))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"修复申请书（2026年3月2日收到）", "营业执照副本（2026年3月2日收到）", "经办人身份证（2026年3月2日收到）", "尚未收到的必备材料", "授权委托书"}
		title := "收件回执"
		if lang == "en" {
			want = []string{"Repair application form (received 2 March 2026)", "Required items not yet received", "Letter of authorisation"}
			title = "Materials Received"
		}
		for _, s := range want {
			if !strings.Contains(l.Body, s) {
				t.Errorf("%s receipt lacks %q:\n%s", lang, s, l.Body)
			}
		}
		if !strings.Contains(l.Title, title) || strings.Contains(l.Title+l.Body, "受理回执") || strings.Contains(l.Body, "（暂无）") {
			t.Errorf("%s receipt: title %q\n%s", lang, l.Title, l.Body)
		}
		// The authorisation was not handed over: it is missing, not received.
		recv, _, _ := strings.Cut(l.Body, pickLang(lang == "en", "四、尚未收到", "4. Required items"))
		if strings.Contains(recv, pickLang(lang == "en", "授权委托书（", "Letter of authorisation (received")) {
			t.Errorf("%s: the authorisation listed as received", lang)
		}
	}
}

// A reason code has a staff label and a client wording; letters use only the latter, and no
// letter of any kind says 洗白.
func TestLettersUseClientWordingNeverWhitewash(t *testing.T) {
	for _, k := range Keys("reason") {
		staff, client := Label("reason", k, "zh"), Label("reason_client", k, "zh")
		if client == "" || client == staff || strings.HasPrefix(client, "[") {
			t.Errorf("reason %s: client wording %q (staff label %q)", k, client, staff)
		}
		if strings.HasPrefix(Label("reason_client", k, "en"), "[") {
			t.Errorf("reason %s has no English client wording", k)
		}
	}
	for _, c := range letterSamples() {
		for _, kind := range LettersOf(&c) {
			for _, lang := range letterLangs {
				l, err := DefaultLetters().Render(kind, &c, ltSettings, lang, c.UpdatedAt)
				if err != nil {
					t.Fatal(err)
				}
				text := l.Title + l.Body
				if strings.Contains(text, "洗白") || strings.Contains(strings.ToLower(text), "whitewash") {
					t.Errorf("%s.%s says 洗白/whitewash:\n%s", kind, lang, text)
				}
				if c.Decline != nil && kind == "decline" && strings.Contains(text, Label("reason", c.Decline.Reason, lang)) {
					t.Errorf("%s.%s quotes the staff label %q", kind, lang, Label("reason", c.Decline.Reason, lang))
				}
			}
		}
	}
	// The whitewash decline carries the courteous risk warning.
	for _, c := range letterSamples() {
		if c.Decline != nil && c.Decline.Reason == "whitewash" {
			l, _ := DefaultLetters().Render("decline", &c, ltSettings, "zh", c.UpdatedAt)
			if !strings.Contains(l.Body, "风险警示：") {
				t.Errorf("no 风险警示:\n%s", l.Body)
			}
		}
	}
}

// Letters quote only current findings; a decline never quotes one that concludes the record
// is wrong (it decides what a decline quotes: the findings consistent with it).
func TestLettersQuoteCurrentFindingsAndDeclinesNoContradiction(t *testing.T) {
	c := ltDeclinedCase(t)
	// An earlier finding said 确属错误 and was superseded; another current one says so too.
	c.Findings = append([]Finding{
		{Checked: "旧的核实：银行口头答复有误", Contact: "bank", Method: "phone", Result: "confirmed_wrong", By: "a", At: ltAt(3, 7, 9, 0), SupersededBy: 2},
	}, c.Findings...)
	c.Findings = append(c.Findings, Finding{Checked: "企业自述的扣款记录", Contact: "enterprise", Method: "document", Result: "confirmed_wrong", By: "a", At: ltAt(3, 11, 9, 0)})
	for _, lang := range letterLangs {
		l, err := DefaultLetters().Render("decline", &c, ltSettings, lang, ltAt(4, 8, 9, 0))
		if err != nil {
			t.Fatal(err)
		}
		wrong := Label("result", "confirmed_wrong", lang)
		if strings.Contains(l.Body, wrong) || strings.Contains(l.Body, "旧的核实") || strings.Contains(l.Body, "企业自述的扣款记录") {
			t.Errorf("%s decline quotes a contradicting or superseded finding:\n%s", lang, l.Body)
		}
		if !strings.Contains(l.Body, Label("result", "confirmed_accurate", lang)) {
			t.Errorf("%s decline lost the findings it rests on:\n%s", lang, l.Body)
		}
	}
	// A correction report quotes the current 确属错误 finding, never the superseded one.
	_, _, notified := ltRepairedCase(t)
	n := notified.clone()
	n.Findings = append([]Finding{{Checked: "旧的核实", Contact: "bank", Method: "phone", Result: "cannot_determine", By: "a", At: ltAt(3, 12, 9, 0), SupersededBy: 2}}, n.Findings...)
	l, _ := DefaultLetters().Render("correction", &n, ltSettings, "zh", ltAt(4, 8, 9, 0))
	if strings.Contains(l.Body, "旧的核实") || !strings.Contains(l.Body, "2025年6月还款流水与银行系统升级公告") {
		t.Errorf("correction report findings:\n%s", l.Body)
	}
}

// The result letter says what was corrected and when the body confirmed it, then how to
// check for oneself: never "check from <a later date> whether it is corrected".
func TestResultLetterDoesNotContradictItself(t *testing.T) {
	_, _, notified := ltRepairedCase(t)
	for _, o := range []string{"corrected", "partly_corrected"} {
		c := notified.clone()
		c.Outcome = &Outcome{Result: o, By: "a", At: ltAt(4, 3, 16, 0)}
		for _, lang := range letterLangs {
			l, _ := DefaultLetters().Render("result", &c, ltSettings, lang, ltAt(4, 8, 9, 0))
			must := []string{"中国人民银行征信中心于2026年4月3日确认", "将2025年6月的逾期记录更正为正常还款。", "贵单位可通过中国人民银行征信中心的最新企业信用报告"}
			not := []string{"请自", "起查询"}
			if lang == "en" {
				must = []string{"on 3 April 2026 the PBOC Credit Reference Center confirmed", "You can check a new enterprise credit report"}
				not = []string{"From "}
			}
			for _, s := range must {
				if !strings.Contains(l.Body, s) {
					t.Errorf("%s %s lacks %q:\n%s", o, lang, s, l.Body)
				}
			}
			for _, s := range not {
				if strings.Contains(l.Body, s) {
					t.Errorf("%s %s says %q:\n%s", o, lang, s, l.Body)
				}
			}
		}
	}
}

// Every letter carries the agency's name, address, phone and contact, a seal placeholder,
// the staff member responsible, its date and the case number.
func TestEveryLetterCarriesTheAgency(t *testing.T) {
	created, noticed, notified := ltRepairedCase(t)
	declined := ltDeclinedCase(t)
	lapsed := ltApply(t, noticed, ltSpecialist, Action{Kind: ActLapse, At: ltAt(3, 26, 10, 0)})
	s := LetterSettings{Agency: "郑州信修信用管理有限公司", Address: "郑州市花园路88号", Phone: "0371-5550-1234", Contact: "陈静", Staff: "王芳"}
	for kind, c := range map[string]*Case{"receipt": &created, "notice": &noticed, "lapse": &lapsed, "decline": &declined,
		"correction": &notified, "situation": &notified, "result": &notified} {
		for _, lang := range letterLangs {
			l, err := DefaultLetters().Render(kind, c, s, lang, ltAt(4, 8, 9, 0))
			if err != nil {
				t.Fatal(err)
			}
			seal := "（盖章处）"
			if lang == "en" {
				seal = "(seal)"
			}
			for _, want := range []string{s.Agency, s.Address, s.Phone, s.Contact, s.Staff, seal, c.No} {
				if !strings.Contains(l.Body, want) {
					t.Errorf("%s.%s lacks %q:\n%s", kind, lang, want, l.Body)
				}
			}
			lines := strings.Split(strings.TrimSpace(l.Body), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, "2026") {
				t.Errorf("%s.%s does not end with its date: %q", kind, lang, last)
			}
		}
	}
	if got := (LetterSettings{Agency: "甲", Phone: "1"}).Unset(); strings.Join(got, ",") != "address,contact" {
		t.Errorf("Unset = %v", got)
	}
}

// The correction report goes to the source's body with the findings, their evidence, the
// attached files' SHA-256, the correction requested and the law — or 待核实 where the law
// is not confirmed; the 情况说明 is only for a non-malicious overdue.
func TestCorrectionReportAndStatement(t *testing.T) {
	c := ltSourceCase(t, "court", false)
	l, err := DefaultLetters().Render("correction", &c, ltSettings, "zh", ltAt(4, 8, 9, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"执行法院：", "郑州恒通物流有限公司", "91110000600037341L", "某某报送机构", "原始合同金额", "确属错误",
		"证据：sha256:9f86d081", "合同.pdf（SHA-256：9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08）",
		"将记录金额更正为合同金额50,000元。", "《最高人民法院关于公布失信被执行人名单信息的若干规定》第十二条", "2026年3月10日"} {
		if !strings.Contains(l.Title+l.Body, want) {
			t.Errorf("court correction report lacks %q:\n%s", want, l.Body)
		}
	}
	o := ltSourceCase(t, "other", false)
	l, _ = DefaultLetters().Render("correction", &o, ltSettings, "zh", ltAt(4, 8, 9, 0))
	if !strings.Contains(l.Body, "待核实") || strings.Contains(l.Body, "条例") {
		t.Errorf("an unverified basis stated as fact:\n%s", l.Body)
	}
	// Whatever the source, no 待核实 figure is stated in a letter as a fact.
	for _, src := range Keys("source") {
		x := ltSourceCase(t, src, false)
		l, _ := DefaultLetters().Render("correction", &x, ltSettings, "zh", ltAt(4, 8, 9, 0))
		if s := Sources().Source(src); s.Limit.Status == StatusUnverified && !strings.Contains(l.Body, "待核实：") {
			t.Errorf("%s: unverified basis not marked:\n%s", src, l.Body)
		}
		if strings.Contains(l.Body, "待核实）") {
			t.Errorf("%s: a 待核实 aside in the letter:\n%s", src, l.Body)
		}
	}
	if LettersFor(ActSubmitCorrection, &c)[0] != "correction" || len(LettersFor(ActSubmitCorrection, &c)) != 1 {
		t.Errorf("a wrong-data case issues %v", LettersFor(ActSubmitCorrection, &c))
	}
	if _, err := DefaultLetters().Render("situation", &c, ltSettings, "zh", ltAt(4, 8, 9, 0)); err == nil {
		t.Error("a 情况说明 for a case that is not a non-malicious overdue")
	}
	_, _, notified := ltRepairedCase(t)
	if got := strings.Join(LettersFor(ActSubmitCorrection, &notified), " "); got != "correction situation" {
		t.Errorf("non-malicious overdue issues %q", got)
	}
	l, _ = DefaultLetters().Render("situation", &notified, ltSettings, "zh", ltAt(4, 8, 9, 0))
	for _, want := range []string{"非恶意逾期的情况说明", "中国人民银行征信中心：", "因银行核心系统升级，自动扣款延迟3天。", "银行出具的非恶意逾期说明（2026年3月10日收到）", "结清证明（2026年3月10日收到）", "逾期系银行系统原因所致，非企业恶意。"} {
		if !strings.Contains(l.Title+l.Body, want) {
			t.Errorf("statement lacks %q:\n%s", want, l.Body)
		}
	}
}

// An admin's templates for the two new kinds are checked like the others: a misspelt
// field in the 情况说明 is reported with its file's name when the set is loaded.
func TestAdminTemplatesForNewKindsChecked(t *testing.T) {
	for _, name := range []string{"situation.zh.tmpl", "correction.en.tmpl"} {
		fsys := fstest.MapFS{name: {Data: []byte(`{{define "title"}}X{{end}}{{.Enterprise.Nmae}}`)}}
		if _, err := ParseLetterTemplates(fsys); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
