package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	bolt "go.etcd.io/bbolt"

	"repairdesk/workflow"
)

// DemoStaff are the people of the demo office.
var DemoStaff = []workflow.Staff{
	{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true},
	{Name: "lijun", Display: "李军", Role: workflow.RoleSpecialist, Active: true},
	{Name: "zhangmin", Display: "张敏", Role: workflow.RoleSpecialist, Active: true},
	{Name: "chenjing", Display: "陈静", Role: workflow.RoleSupervisor, Active: true},
	{Name: "zhaolei", Display: "赵磊", Role: workflow.RoleSupervisor, Active: true},
	{Name: "admin", Display: "管理员", Role: workflow.RoleAdmin, Active: true},
	{Name: "audit", Display: "审计", Role: workflow.RoleAuditor, Active: true},
}

var (
	demoCities = []struct{ name, code string }{
		{"河南", "410000"}, {"郑州", "410100"}, {"洛阳", "410300"}, {"开封", "410200"}, {"新乡", "410700"},
		{"北京", "110000"}, {"上海", "310000"}, {"深圳", "440300"}, {"杭州", "330100"}, {"成都", "510100"},
		{"武汉", "420100"}, {"南京", "320100"}, {"西安", "610100"}, {"济南", "370100"}, {"长沙", "430100"},
	}
	demoCores       = []string{"信修", "华信", "宏达", "鑫源", "中原", "瑞丰", "恒通", "天成", "金石", "博远", "豫兴", "嘉禾", "正和", "汇通", "长青", "卓越", "远航", "新华", "国泰", "同创"}
	demoIndustries  = []string{"商贸", "科技", "建筑工程", "物流", "食品", "机械制造", "农业开发", "医药", "纺织", "电子", "信用管理", "新能源", "餐饮管理", "印务", "环保"}
	demoSuffixes    = []string{"有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"}
	demoSurnames    = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡"}
	demoGiven       = []string{"芳", "伟", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "桂英", "建华", "志强", "海燕", "晓东", "丽娟"}
	demoBanks       = []string{"中国工商银行郑州分行", "中国建设银行河南省分行", "中原银行", "郑州银行", "交通银行洛阳分行", "招商银行郑州分行", "浦发银行", "兴业银行"}
	demoAuthorities = []string{"郑州市市场监督管理局", "洛阳市生态环境局", "国家税务总局郑州市税务局", "开封市应急管理局", "郑州市中级人民法院"}
	orgChars        = "0123456789ABCDEFGHJKLMNPQRTUWXY"
)

// DemoCreditCode makes a credit code that passes the GB 32100 check.
func DemoCreditCode(r *rand.Rand, region string) string {
	b := []byte("91" + region)
	for len(b) < 17 {
		b = append(b, orgChars[r.IntN(len(orgChars))])
	}
	ch, _ := workflow.CreditCodeCheckChar(string(b))
	return string(append(b, ch))
}

// DemoIDNumber makes an ID number that passes the GB 11643 check.
func DemoIDNumber(r *rand.Rand) string {
	birth := time.Date(1965+r.IntN(35), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	s := fmt.Sprintf("410102%s%03d", birth.Format("20060102"), r.IntN(1000))
	ch, _ := workflow.IDCheckChar(s)
	return s + string(ch)
}

// DemoName is a realistic enterprise name.
func DemoName(r *rand.Rand) (string, string) {
	c := demoCities[r.IntN(len(demoCities))]
	return c.name + demoCores[r.IntN(len(demoCores))] + demoIndustries[r.IntN(len(demoIndustries))] + demoSuffixes[r.IntN(len(demoSuffixes))], c.code
}

func demoPerson(r *rand.Rand) string {
	return demoSurnames[r.IntN(len(demoSurnames))] + demoGiven[r.IntN(len(demoGiven))]
}

// GenerateDemo fills the database with n realistic cases spread over every stage, each
// built by the workflow engine from real actions (so every history folds). Cases are
// written in large transactions: this is a bulk load, not the interactive write path.
func (s *Store) GenerateDemo(n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := s.opts.Now()
	for _, st := range DemoStaff {
		if _, ok := s.Staff(st.Name); !ok {
			if err := s.PutStaff(workflow.Staff{}, st); err != nil {
				return err
			}
		}
	}
	specialists := []workflow.Staff{DemoStaff[0], DemoStaff[1], DemoStaff[2]}
	supervisors := []workflow.Staff{DemoStaff[3], DemoStaff[4]}
	// Spread receipt over a window: a few months for a small demo, years for a big one.
	span := 60 * 24 * time.Hour
	if n > 1000 {
		span = 3 * 365 * 24 * time.Hour
	}
	const batch = 2000
	var whiteNames []struct{ name, code string }
	for done := 0; done < n; {
		k := min(batch, n-done)
		s.writeMu.Lock()
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i := 0; i < k; i++ {
				if err := s.demoCase(tx, r, now, span, specialists, supervisors, &whiteNames); err != nil {
					return err
				}
			}
			return nil
		})
		s.writeMu.Unlock()
		if err != nil {
			return err
		}
		done += k
	}
	return s.loadSummaries()
}

func (s *Store) demoCase(tx *bolt.Tx, r *rand.Rand, now time.Time, span time.Duration,
	specialists, supervisors []workflow.Staff, whites *[]struct{ name, code string }) error {
	// How far along the flowchart this case has come (0 = just taken in, 9 = closed).
	// Open cases are recent, as in a real office that keeps up with its work.
	depth := r.IntN(10)
	if r.IntN(2) == 0 {
		depth = 9
	}
	window := span
	if depth < 9 {
		window = time.Duration(2+depth*2) * 24 * time.Hour
	}
	received := now.Add(-time.Duration(r.Int64N(int64(window))))
	// Office hours: 9:00–17:00 China time.
	d := received.In(workflow.ChinaTZ)
	received = time.Date(d.Year(), d.Month(), d.Day(), 9+r.IntN(8), r.IntN(60), 0, 0, workflow.ChinaTZ)
	if received.After(now) {
		received = now.Add(-time.Hour)
	}
	spec := specialists[r.IntN(len(specialists))]
	sup := supervisors[r.IntN(len(supervisors))]
	name, region := DemoName(r)
	code := DemoCreditCode(r, region)
	// A few repeat applicants, some of them earlier whitewash attempts.
	if len(*whites) > 0 && r.IntN(12) == 0 {
		w := (*whites)[r.IntN(len(*whites))]
		name, code = w.name, w.code
	}
	types := workflow.Keys("record_type")
	typ := types[r.IntN(len(types))]
	src := map[string][]string{
		"overdue_loan": {"pbc", "baihang", "pudao"}, "admin_penalty": {"creditchina"}, "guarantee": {"pbc"},
		"tax_arrears": {"tax", "creditchina"}, "court_dishonest": {"court"}, "identity_error": {"pbc", "baihang"},
	}[typ]
	problems := map[string][]string{
		"overdue_loan": {"non_malicious_overdue", "wrong_data", "outdated"}, "admin_penalty": {"corrected_dishonest"},
		"guarantee": {"outdated", "wrong_data"}, "tax_arrears": {"corrected_dishonest", "outdated"},
		"court_dishonest": {"corrected_dishonest", "outdated"}, "identity_error": {"identity_misuse", "wrong_data"},
	}[typ]
	inst := demoBanks[r.IntN(len(demoBanks))]
	if typ != "overdue_loan" && typ != "guarantee" && typ != "identity_error" {
		inst = demoAuthorities[r.IntN(len(demoAuthorities))]
	}
	recDate := received.AddDate(0, -2-r.IntN(30), -r.IntN(28))
	rec := workflow.Record{Source: src[r.IntN(len(src))], Type: typ, Institution: inst, Date: workflow.Day(recDate),
		AmountFen: int64(r.IntN(500000)) * 100, Problem: problems[r.IntN(len(problems))]}
	if typ == "admin_penalty" {
		rec.Tier = []string{"minor", "general", "general", "serious"}[r.IntN(4)]
		if rec.Tier == "serious" {
			rec.Date = workflow.Day(received.AddDate(-1, -r.IntN(12), 0))
		}
	}
	cb := tx.Bucket(bCases)
	seq, err := cb.NextSequence()
	if err != nil {
		return err
	}
	year := received.In(workflow.ChinaTZ).Year()
	no, err := nextYearSeq(tx, year)
	if err != nil {
		return err
	}
	in := workflow.Intake{ID: uint32(seq), No: workflow.CaseNo(year, no),
		Enterprise: workflow.Enterprise{Name: name, CreditCode: code, LegalRep: demoPerson(r), Address: name[:6] + "市金水区花园路" + fmt.Sprint(1+r.IntN(200)) + "号"},
		Agent:      workflow.Agent{Name: demoPerson(r), Phone: fmt.Sprintf("13%d%08d", 5+r.IntN(5), r.IntN(100000000)), IDNumber: DemoIDNumber(r), AuthLetter: fmt.Sprintf("SQ-%d-%04d", year, r.IntN(10000))},
		Records:    []workflow.Record{rec}, Owner: spec.Name, ReceivedAt: received}
	in.Materials = s.cat.Checklist(in.Records)

	t := received
	depthHours := 30
	if depth < 9 {
		depthHours = 12
	}
	step := func() time.Time {
		t = t.Add(time.Duration(1+r.IntN(depthHours)) * time.Hour)
		// Staff work office hours, 9:00–18:00 China time.
		if lt := t.In(workflow.ChinaTZ); lt.Hour() < 9 || lt.Hour() >= 18 {
			d := lt
			if lt.Hour() >= 18 {
				d = lt.AddDate(0, 0, 1)
			}
			t = time.Date(d.Year(), d.Month(), d.Day(), 9, r.IntN(60), 0, 0, workflow.ChinaTZ)
		}
		if t.After(now) {
			t = now.Add(-time.Minute)
		}
		return t
	}
	var c workflow.Case
	var prev string
	apply := func(actor workflow.Staff, a workflow.Action) bool {
		a.Actor = actor.Name
		if a.At.IsZero() {
			a.At = step()
		}
		if a.Kind == workflow.ActRequestMaterials {
			st := s.Settings()
			a.Deadline = st.SLA.ResubmitDeadline(st.Calendar(), a.At)
		}
		n, ev, err := s.rules.Apply(c, actor, a)
		if err != nil {
			return false
		}
		if err := s.save(tx, &n, &ev, prev); err != nil {
			return false
		}
		prev = ev.Hash
		c = n
		return true
	}
	if !apply(spec, workflow.Action{Kind: workflow.ActCreate, At: received, Intake: &in}) {
		return fmt.Errorf("demo intake %s refused", in.No)
	}
	if err := s.fileEnterprise(tx, &c); err != nil {
		return err
	}
	markAll := func(skip int) {
		for i, m := range c.Materials {
			if i == skip {
				continue
			}
			if m.Required || r.IntN(2) == 0 {
				apply(spec, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
			}
		}
	}
	if depth == 0 {
		return nil
	}
	whitewash := r.IntN(14) == 0
	if whitewash {
		markAll(-1)
		apply(spec, workflow.Action{Kind: workflow.ActDecline, Decline: &workflow.Decline{Reason: "whitewash",
			Explanation: "该逾期记录真实发生且非因不可抗力，企业要求删除真实失信信息，不属于信用修复范围。",
			Avenues:     []string{"institution_dispute", "pbc_complaint", "await_expiry"}, ExpiryDate: workflow.Day(recDate.AddDate(5, 0, 0))}})
		*whites = append(*whites, struct{ name, code string }{name, code})
		return nil
	}
	// Some applicants forget things: a one-time notice, then the rest arrives.
	if r.IntN(3) == 0 && len(c.Materials) > 2 {
		skip := r.IntN(len(c.Materials))
		markAll(skip)
		if c.Materials[skip].Required || r.IntN(2) == 0 {
			m := c.Materials[skip]
			apply(spec, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Note: "复印件不清晰，需加盖公章"}})
		}
		if !apply(spec, workflow.Action{Kind: workflow.ActRequestMaterials}) {
			// nothing missing after all
		} else {
			if depth <= 1 {
				return nil
			}
			apply(spec, workflow.Action{Kind: workflow.ActMaterialsReceived, Comment: "企业已补交"})
			m := c.Materials[skip]
			apply(spec, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
		}
	} else {
		markAll(-1)
	}
	if depth <= 2 {
		return nil
	}
	if !apply(spec, workflow.Action{Kind: workflow.ActAccept}) {
		return nil // e.g. a penalty still inside its publicity period: stays at formal review
	}
	if depth <= 3 {
		return nil
	}
	accurate := r.IntN(6) == 0
	result := "confirmed_wrong"
	if accurate {
		result = "confirmed_accurate"
	}
	apply(spec, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{Checked: "与" + inst + "核对原始台账及还款流水",
		Contact: "bank", Method: "letter", Result: result, Evidence: fmt.Sprintf("HX-%d-%05d", year, r.IntN(100000))}})
	if accurate {
		apply(spec, workflow.Action{Kind: workflow.ActDecline, Decline: &workflow.Decline{Reason: "record_accurate",
			Explanation: "经向报送机构核实，该记录与原始凭证一致，不存在错误。", Avenues: []string{"pbc_complaint", "reconsideration_litigation"}}})
		return nil
	}
	if depth <= 4 {
		return nil
	}
	apply(spec, workflow.Action{Kind: workflow.ActProposeRepair, Proposal: &workflow.Proposal{Conclusion: "经核实该记录确属错误，建议向" + workflow.Label("source", rec.Source, "zh") + "提交更正。"}})
	if depth <= 5 {
		return nil
	}
	if r.IntN(5) == 0 {
		apply(sup, workflow.Action{Kind: workflow.ActReturn, Comment: "请补充银行出具的书面说明后再报。"})
		apply(spec, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{Checked: "取得银行书面情况说明", Contact: "bank", Method: "document", Result: "confirmed_wrong"}})
		apply(spec, workflow.Action{Kind: workflow.ActProposeRepair, Proposal: &workflow.Proposal{Conclusion: "补充银行书面说明，确属错误。"}})
	}
	apply(sup, workflow.Action{Kind: workflow.ActApprove})
	if depth <= 6 {
		return nil
	}
	ch := map[string]string{"pbc": "pbc_dispute", "baihang": "baihang", "pudao": "pudao", "creditchina": "creditchina", "court": "court", "tax": "tax"}[rec.Source]
	apply(spec, workflow.Action{Kind: workflow.ActSubmitCorrection, Submission: &workflow.Submission{Channel: ch, Reference: fmt.Sprintf("YY%d%06d", year, r.IntN(1000000))}})
	if depth <= 7 {
		return nil
	}
	outcome := []string{"corrected", "corrected", "corrected", "partly_corrected", "not_corrected", "unconfirmed"}[r.IntN(6)]
	apply(spec, workflow.Action{Kind: workflow.ActRecordOutcome, Outcome: &workflow.Outcome{Result: outcome}})
	if depth <= 8 {
		return nil
	}
	at := step()
	apply(spec, workflow.Action{Kind: workflow.ActNotifyApplicant, At: at, Notification: &workflow.Notification{Channel: "letter", Date: workflow.Day(at)}})
	return nil
}

// DemoSummaryJSON is exposed for benchmarks that need the on-disk summary size.
func DemoSummaryJSON(sm *Summary) []byte {
	b, _ := json.Marshal(sm)
	return b
}
