package office

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// The demo office: realistic cases spread over every stage, each built by the workflow
// engine from real actions (so every history folds), loaded through the store's bulk
// path (store.BulkLoad).

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

// DemoLetterhead is the demo office's agency (fictitious: the 0371 area code of Zhengzhou
// and a 555 number).
var DemoLetterhead = workflow.LetterSettings{Agency: "河南信修信用管理有限公司", Address: "郑州市金水区花园路88号信修大厦6层",
	Phone: "0371-5550-1234", Contact: "陈静（审核主管）"}

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

// DemoCreditCode makes a credit code that passes the GB 32100 check and its structure
// checks (workflow.CreditCodeStructure) for a region of GB/T 2260.
func DemoCreditCode(r *rand.Rand, region string) string {
	b := []byte("91" + region)
	for len(b) < 17 {
		b = append(b, orgChars[r.IntN(len(orgChars))])
	}
	// Position 17 is the GB 11714 check character of the organisation code (drawn above
	// too, so the random sequence, and every demo figure after it, stays the same).
	b[16], _ = workflow.OrgCodeCheckChar(string(b[8:16]))
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

// demoName is a realistic enterprise name and the region code of its city.
func demoName(r *rand.Rand) (string, string) {
	c := demoCities[r.IntN(len(demoCities))]
	return c.name + demoCores[r.IntN(len(demoCores))] + demoIndustries[r.IntN(len(demoIndustries))] + demoSuffixes[r.IntN(len(demoSuffixes))], c.code
}

func demoPerson(r *rand.Rand) string {
	return demoSurnames[r.IntN(len(demoSurnames))] + demoGiven[r.IntN(len(demoGiven))]
}

// GenerateDemo fills the database with n realistic cases spread over every stage, and
// the demo staff. The same seed gives the same office, whatever the number of CPUs.
//
// Building a case (the engine, and the store's letters, sealing, hashes and JSON) is most
// of the work, so cases are built in parallel: each case's plan is drawn in order — its
// id and number, enterprise, how far it goes, whitewash or not, and a seed for the rest —
// then workers, one per CPU, build and pack the cases while the store writes the batches
// before (load, below).
func GenerateDemo(s *store.Store, n int, seed uint64) error {
	return GenerateDemoWith(s, n, seed, store.Work{})
}

// GenerateDemoWith is GenerateDemo reporting its progress ("demo": cases written) and
// stopping between batches when w's context ends; the cases written by then are whole
// (each batch is one transaction).
func GenerateDemoWith(s *store.Store, n int, seed uint64, w store.Work) error {
	return generateDemo(s, n, seed, w, defaultDemoSizes)
}

func generateDemo(s *store.Store, n int, seed uint64, w store.Work, sizes demoSizes) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := s.Now()
	for _, st := range DemoStaff {
		if _, ok := s.Staff(st.Name); !ok {
			if err := s.PutStaff(workflow.Staff{}, st); err != nil {
				return err
			}
		}
	}
	// The demo office's letterhead (an office of its own sets it with repairdesk agency
	// set or :agency); a letterhead already set is kept.
	if lh := s.Settings().Letterhead; lh.Agency == "" && lh.Address == "" && lh.Phone == "" && lh.Contact == "" {
		if err := s.UpdateSettings(DemoStaff[5], func(st *store.Settings) error {
			st.Letterhead = DemoLetterhead
			return nil
		}); err != nil {
			return err
		}
	}
	d := demoGen{s: s, r: r, now: now,
		specialists: []workflow.Staff{DemoStaff[0], DemoStaff[1], DemoStaff[2]},
		supervisors: []workflow.Staff{DemoStaff[3], DemoStaff[4]},
		workers:     min(runtime.GOMAXPROCS(0), max(n/64, 1)), sizes: sizes}
	// Spread receipt over a window: a few months for a small demo, years for a big one.
	d.span = 60 * 24 * time.Hour
	if n > 1000 {
		d.span = 3 * 365 * 24 * time.Hour
	}
	err := s.BulkLoad(func(b *store.Bulk) error { return d.load(b, n, w) })
	if err == nil && w.Progress != nil {
		w.Progress("demo", int64(n), int64(n))
	}
	return err
}

// The demo's pipeline. bbolt has one write transaction at a time, so the cases are built
// on every core while it writes:
//   - the planner (one goroutine) draws the plans in order and reserves their ids, a
//     demoReserve at a time (one transaction, fsync'd, each), and hands them on in
//     batches of demoBatch, in order;
//   - workers (one per CPU) build and pack the cases of a batch, demoChunk at a time;
//   - load, in order, waits for a batch to be built and puts it (store.Bulk.Put: one
//     transaction per batch, written while the next batches are built).
//
// The channels are bounded, so at most demoAhead batches wait built or being built.
const (
	demoBatch   = 2000 // cases per transaction
	demoReserve = 5 * demoBatch
	demoChunk   = 25 // cases per worker's turn
	demoAhead   = 3
)

// demoSizes are the pipeline's sizes (the constants above; a test makes them small).
type demoSizes struct{ batch, reserve, chunk, ahead int }

var defaultDemoSizes = demoSizes{demoBatch, demoReserve, demoChunk, demoAhead}

// demoBatchWork is a batch of cases on its way through the pipeline.
type demoBatchWork struct {
	plans []demoPlan
	out   []*store.BulkCase
	left  sync.WaitGroup // chunks not built yet
	mu    sync.Mutex
	err   error
}

func (bt *demoBatchWork) fail(err error) {
	bt.mu.Lock()
	if bt.err == nil {
		bt.err = err
	}
	bt.mu.Unlock()
}

type demoJob struct {
	bt     *demoBatchWork
	lo, hi int
}

// load runs the pipeline: plans, builds and puts n cases. Stopped (w's context, or a
// failure), it waits for every goroutine it started before it returns.
func (d *demoGen) load(b *store.Bulk, n int, w store.Work) error {
	stop := make(chan struct{})
	jobs := make(chan demoJob, d.sizes.ahead*d.sizes.batch/d.sizes.chunk)
	ready := make(chan *demoBatchWork, d.sizes.ahead-1)
	planned := make(chan error, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return w.Context != nil && w.Context.Err() != nil
		}
	}
	for range d.workers {
		wg.Go(func() {
			for j := range jobs {
				if !stopped() {
					d.buildChunk(b, j.bt, j.lo, j.hi)
				}
				j.bt.left.Done()
			}
		})
	}
	wg.Go(func() {
		defer close(jobs)
		defer close(ready)
		planned <- d.planAll(b, n, stop, stopped, jobs, ready)
	})
	done := 0
	for bt := range ready {
		bt.left.Wait()
		if w.Context != nil && w.Context.Err() != nil {
			return w.Context.Err()
		}
		if bt.err != nil {
			return bt.err
		}
		if err := b.Put(bt.out...); err != nil {
			return err
		}
		done += len(bt.out)
		if w.Progress != nil && done < n {
			w.Progress("demo", int64(done), int64(n)) // built and handed to the store
		}
	}
	if err := <-planned; err != nil {
		return err
	}
	if w.Context != nil && w.Context.Err() != nil {
		return w.Context.Err()
	}
	return nil
}

// planAll draws the plans of n cases in order, reserves their ids, and sends them on as
// batches (to ready, in order) and their chunks (to jobs).
func (d *demoGen) planAll(b *store.Bulk, n int, stop <-chan struct{}, stopped func() bool, jobs chan<- demoJob, ready chan<- *demoBatchWork) error {
	for done := 0; done < n; {
		if stopped() {
			return nil
		}
		k := min(d.sizes.reserve, n-done)
		plans := make([]demoPlan, k)
		received := make([]time.Time, k)
		for i := range plans {
			d.plan(&plans[i])
			received[i] = plans[i].received
		}
		nums, err := b.Reserve(received)
		if err != nil {
			return err
		}
		for i, num := range nums {
			plans[i].id, plans[i].no = num.ID, num.No
		}
		batch, chunk := d.sizes.batch, d.sizes.chunk
		for lo := 0; lo < k; lo += batch {
			hi := min(lo+batch, k)
			bt := &demoBatchWork{plans: plans[lo:hi:hi], out: make([]*store.BulkCase, hi-lo)}
			chunks := (hi - lo + chunk - 1) / chunk
			bt.left.Add(chunks)
			select {
			case ready <- bt:
			case <-stop:
				return nil
			}
			for c := range chunks {
				j := demoJob{bt: bt, lo: c * chunk, hi: min((c+1)*chunk, hi-lo)}
				select {
				case jobs <- j:
				case <-stop:
					return nil
				}
			}
		}
		done += k
	}
	return nil
}

// buildChunk builds and packs the cases lo to hi of a batch.
func (d *demoGen) buildChunk(b *store.Bulk, bt *demoBatchWork, lo, hi int) {
	for i := lo; i < hi; i++ {
		bc := b.NewCase()
		if _, err := demoCase(d.s, bc, &bt.plans[i], d.now); err != nil {
			bt.fail(err)
			return
		}
		if err := bc.Pack(); err != nil {
			bt.fail(fmt.Errorf("demo case %s: %w", bt.plans[i].no, err))
			return
		}
		bt.out[i] = bc
	}
}

type demoGen struct {
	s                        *store.Store
	r                        *rand.Rand
	now                      time.Time
	span                     time.Duration
	specialists, supervisors []workflow.Staff
	whites                   []struct{ name, code string } // earlier whitewash attempts
	workers                  int
	sizes                    demoSizes
}

// demoPlan is what is drawn for a case in order, before it is built: all that later cases
// depend on (id, number, the enterprise, a whitewash attempt) and the seed of the rest.
type demoPlan struct {
	id         uint32
	no         string
	year       int
	depth      int // how far along the flowchart (0 = just taken in, 9 = closed)
	received   time.Time
	spec, sup  workflow.Staff
	name, code string
	whitewash  bool
	seed       uint64
}

// plan draws the next case (its id and number come from the store after).
func (d *demoGen) plan(p *demoPlan) {
	r := d.r
	// Open cases are recent, as in a real office that keeps up with its work.
	p.depth = r.IntN(10)
	if r.IntN(2) == 0 {
		p.depth = 9
	}
	window := d.span
	if p.depth < 9 {
		window = time.Duration(2+p.depth*2) * 24 * time.Hour
	}
	received := d.now.Add(-time.Duration(r.Int64N(int64(window))))
	// Office hours: 9:00–17:00 China time.
	lt := received.In(workflow.ChinaTZ)
	received = time.Date(lt.Year(), lt.Month(), lt.Day(), 9+r.IntN(8), r.IntN(60), 0, 0, workflow.ChinaTZ)
	if received.After(d.now) {
		received = d.now.Add(-time.Hour)
	}
	p.received = received
	p.spec = d.specialists[r.IntN(len(d.specialists))]
	p.sup = d.supervisors[r.IntN(len(d.supervisors))]
	var region string
	p.name, region = demoName(r)
	p.code = DemoCreditCode(r, region)
	// A few repeat applicants, some of them earlier whitewash attempts.
	if len(d.whites) > 0 && r.IntN(12) == 0 {
		w := d.whites[r.IntN(len(d.whites))]
		p.name, p.code = w.name, w.code
	}
	p.whitewash = p.depth > 0 && r.IntN(14) == 0
	if p.whitewash {
		d.whites = append(d.whites, struct{ name, code string }{p.name, p.code})
	}
	p.seed = r.Uint64()
	p.year = received.In(workflow.ChinaTZ).Year()
}

// demoCase builds a planned case action by action through the engine, its records into bc.
func demoCase(s *store.Store, bc *store.BulkCase, p *demoPlan, now time.Time) (c workflow.Case, err error) {
	rules := s.Rules()
	r := rand.New(rand.NewPCG(p.seed, p.seed^0x9e3779b97f4a7c15))
	depth, received, spec, sup, name, code, year := p.depth, p.received, p.spec, p.sup, p.name, p.code, p.year
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
	in := workflow.Intake{ID: p.id, No: p.no,
		Enterprise: workflow.Enterprise{Name: name, CreditCode: code, LegalRep: demoPerson(r), Address: name[:6] + "市金水区花园路" + fmt.Sprint(1+r.IntN(200)) + "号"},
		Agent:      workflow.Agent{Name: demoPerson(r), Phone: fmt.Sprintf("13%d%08d", 5+r.IntN(5), r.IntN(100000000)), IDNumber: DemoIDNumber(r), AuthLetter: fmt.Sprintf("SQ-%d-%04d", year, r.IntN(10000))},
		Records:    []workflow.Record{rec}, Owner: spec.Name, ReceivedAt: received}
	in.Materials = s.Catalogue().Checklist(in.Records)

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
	apply := func(actor workflow.Staff, a workflow.Action) bool {
		a.Actor = actor.Name
		if a.At.IsZero() {
			a.At = step()
		}
		if a.Kind == workflow.ActRequestMaterials {
			st := s.Settings()
			a.Deadline = st.SLA.ResubmitDeadline(st.Calendar(), a.At)
		}
		if err != nil {
			return false // a store failure: the case is given up below
		}
		n, ev, aerr := rules.Apply(c, actor, a)
		if aerr != nil {
			return false // refused by the engine, as a person could be
		}
		if err = bc.Add(&n, &ev); err != nil {
			return false
		}
		c = n
		return true
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("demo case %s: %w", p.no, err)
		}
	}()
	if !apply(spec, workflow.Action{Kind: workflow.ActCreate, At: received, Intake: &in}) {
		if err != nil {
			return c, err
		}
		return c, errors.New("its intake was refused")
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
		return c, err
	}
	if p.whitewash {
		markAll(-1)
		apply(spec, workflow.Action{Kind: workflow.ActDecline, Decline: &workflow.Decline{Reason: "whitewash",
			Explanation: "该逾期记录真实发生且非因不可抗力，企业要求删除真实失信信息，不属于信用修复范围。",
			Avenues:     workflow.DefaultAvenues(&c)}})
		return c, err
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
				return c, err
			}
			apply(spec, workflow.Action{Kind: workflow.ActMaterialsReceived, Comment: "企业已补交"})
			m := c.Materials[skip]
			apply(spec, workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
		}
	} else {
		markAll(-1)
	}
	if depth <= 2 {
		return c, err
	}
	if !apply(spec, workflow.Action{Kind: workflow.ActAccept}) {
		return c, err // e.g. a penalty still inside its publicity period: stays at formal review
	}
	if depth <= 3 {
		return c, err
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
			Explanation: "经向报送机构核实，该记录与原始凭证一致，不存在错误。", Avenues: workflow.DefaultAvenues(&c)}})
		return c, err
	}
	if depth <= 4 {
		return c, err
	}
	apply(spec, workflow.Action{Kind: workflow.ActProposeRepair, Proposal: &workflow.Proposal{Conclusion: "经核实该记录确属错误，建议向" + workflow.Label("source", rec.Source, "zh") + "提交更正。"}})
	if depth <= 5 {
		return c, err
	}
	if r.IntN(5) == 0 {
		apply(sup, workflow.Action{Kind: workflow.ActReturn, Comment: "请补充银行出具的书面说明后再报。"})
		apply(spec, workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{Checked: "取得银行书面情况说明", Contact: "bank", Method: "document", Result: "confirmed_wrong"}})
		apply(spec, workflow.Action{Kind: workflow.ActProposeRepair, Proposal: &workflow.Proposal{Conclusion: "补充银行书面说明，确属错误。"}})
	}
	apply(sup, workflow.Action{Kind: workflow.ActApprove})
	if depth <= 6 {
		return c, err
	}
	ch := map[string]string{"pbc": "pbc_dispute", "baihang": "baihang", "pudao": "pudao", "creditchina": "creditchina", "court": "court", "tax": "tax"}[rec.Source]
	apply(spec, workflow.Action{Kind: workflow.ActSubmitCorrection, Submission: &workflow.Submission{Channel: ch, Reference: fmt.Sprintf("YY%d%06d", year, r.IntN(1000000))}})
	if depth <= 7 {
		return c, err
	}
	outcome := []string{"corrected", "corrected", "corrected", "partly_corrected", "not_corrected", "unconfirmed"}[r.IntN(6)]
	apply(spec, workflow.Action{Kind: workflow.ActRecordOutcome, Outcome: &workflow.Outcome{Result: outcome}})
	if depth <= 8 {
		return c, err
	}
	at := step()
	apply(spec, workflow.Action{Kind: workflow.ActNotifyApplicant, At: at, Notification: &workflow.Notification{Channel: "letter", Date: workflow.Day(at)}})
	// The follow-up call (回访) two to eight days later, unless that is still to come (the
	// case then waits in the follow-up queue) or, one time in six, not yet made though due.
	call := time.Date(at.Year(), at.Month(), at.Day(), 10+r.IntN(7), r.IntN(60), 0, 0, workflow.ChinaTZ).AddDate(0, 0, 2+r.IntN(7))
	if call.After(now) || r.IntN(6) == 0 {
		return c, err
	}
	fu := &workflow.FollowUp{Satisfaction: []string{"satisfied", "satisfied", "satisfied", "basically_satisfied", "basically_satisfied", "dissatisfied"}[r.IntN(6)]}
	fu.Comment = map[string]string{"satisfied": "企业已自行查询到更正后的报告，对办理时效表示满意。",
		"basically_satisfied": "结果满意，但认为补正材料来回次数偏多。", "dissatisfied": "企业认为办理时间过长，沟通不够及时。"}[fu.Satisfaction]
	if fu.Satisfaction == "satisfied" && r.IntN(4) == 0 {
		fu.Thanks = []workflow.Thanks{{Kind: []string{"letter", "banner"}[r.IntN(2)]}}
	}
	apply(spec, workflow.Action{Kind: workflow.ActFollowUp, At: call, FollowUp: fu})
	return c, err
}
