package workflow_test

// Tests of the engine against DESIGN §1. The expected stage × action × role table is written
// out by hand from the design (engDesignMoves), never derived from the engine, so that the
// engine disagreeing with the design fails here. Helpers are prefixed "eng" because the
// package's test files are written by several people at once.

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"repairdesk/workflow"
)

const (
	engGoodCode = "91110000600037341L" // GB 32100 check character correct
	engWarnCode = "91110000600037341A" // same code, wrong check character: an overridable warning
)

var (
	engLi    = workflow.Staff{Name: "li", Display: "李敏", Role: workflow.RoleSpecialist, Active: true}
	engZhao  = workflow.Staff{Name: "zhao", Display: "赵强", Role: workflow.RoleSpecialist, Active: true}
	engWang  = workflow.Staff{Name: "wang", Display: "王主管", Role: workflow.RoleSupervisor, Active: true}
	engZhou  = workflow.Staff{Name: "zhou", Display: "周主管", Role: workflow.RoleSupervisor, Active: true}
	engRoot  = workflow.Staff{Name: "root", Display: "管理员", Role: workflow.RoleAdmin, Active: true}
	engAudit = workflow.Staff{Name: "audit", Display: "审计员", Role: workflow.RoleAuditor, Active: true}
	// An inactive supervisor: if "inactive" is not checked first, the role would let them act.
	engGone = workflow.Staff{Name: "old", Display: "已离职", Role: workflow.RoleSupervisor, Active: false}

	engMatrixStaff = []workflow.Staff{engLi, engWang, engRoot, engAudit, engGone}
)

// engT reads "YYYY-MM-DD HH:MM" as China time.
func engT(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, workflow.ChinaTZ)
	if err != nil {
		panic(err)
	}
	return t
}

// engNow is when the matrix is judged: after every fixture's last event.
var engNow = engT("2026-04-01 10:00")

func engLoan() workflow.Record {
	return workflow.Record{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行北京朝阳支行",
		Date: "2025-11-20", AmountFen: 5_000_000, Problem: "non_malicious_overdue"}
}

func engPenalty(tier, date string) workflow.Record {
	return workflow.Record{Source: "creditchina", Type: "admin_penalty", Institution: "北京市朝阳区市场监督管理局",
		Date: date, AmountFen: 1_000_000, Problem: "corrected_dishonest", Tier: tier}
}

func engIntake(code string, recs ...workflow.Record) *workflow.Intake {
	if len(recs) == 0 {
		recs = []workflow.Record{engLoan()}
	}
	return &workflow.Intake{
		ID: 7, No: workflow.CaseNo(2026, 7),
		Enterprise: workflow.Enterprise{Name: "北京示例科技有限公司", CreditCode: code, LegalRep: "张三", Address: "北京市朝阳区示例路1号"},
		Agent:      workflow.Agent{Name: "王五", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-2026-001"},
		Records:    recs,
		Materials:  workflow.DefaultCatalogue().Checklist(recs),
		Owner:      "li",
		ReceivedAt: engT("2026-03-02 09:00"),
	}
}

// engAct is a valid action of kind at time at (payload included), as a screen would send it.
func engAct(kind workflow.ActionKind, at time.Time) workflow.Action {
	a := workflow.Action{Kind: kind, At: at}
	switch kind {
	case workflow.ActCreate:
		a.Intake = engIntake(engGoodCode)
	case workflow.ActUpdateMaterial:
		a.Material = &workflow.MaterialUpdate{Key: "application_form", Received: true, Valid: true}
	case workflow.ActAddRecord:
		a.Record = &workflow.Record{Source: "baihang", Type: "guarantee", Institution: "郑州银行", Date: "2025-06-01", Problem: "outdated"}
		a.Materials = workflow.DefaultCatalogue().Checklist([]workflow.Record{*a.Record})
	case workflow.ActRequestMaterials:
		a.Deadline = workflow.DefaultSLA().ResubmitDeadline(workflow.DefaultCalendar(), at)
	case workflow.ActOverrideCreditCode:
		a.Comment = "已与营业执照原件逐位核对，一致"
	case workflow.ActAddFinding:
		a.Finding = &workflow.Finding{Checked: "逾期期间银行系统故障记录", Contact: "bank", Method: "phone",
			Result: "confirmed_wrong", Evidence: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	case workflow.ActProposeRepair:
		a.Proposal = &workflow.Proposal{Conclusion: "逾期系银行扣款系统故障所致，属非恶意逾期", Plan: "向征信中心提交异议更正"}
	case workflow.ActApprove:
		a.Comment = "同意"
	case workflow.ActReturn:
		a.Comment = "请补充银行书面说明"
	case workflow.ActDecline:
		a.Decline = &workflow.Decline{Reason: "out_of_scope", Explanation: "该记录不属于信用修复范围",
			Avenues: []string{"pbc_complaint"}}
	case workflow.ActSubmitCorrection:
		a.Submission = &workflow.Submission{Channel: "pbc_dispute", Reference: "YY-2026-000123"}
	case workflow.ActRecordOutcome:
		a.Outcome = &workflow.Outcome{Result: "corrected", Note: "征信报告已更新"}
	case workflow.ActNotifyApplicant:
		a.Notification = &workflow.Notification{Channel: "letter", Date: workflow.Day(at)}
	case workflow.ActWithdraw:
		a.Comment = "企业主动撤回申请"
	case workflow.ActReassign:
		a.Assignee = "zhao"
	case workflow.ActComment:
		a.Comment = "已电话联系经办人"
	case workflow.ActFollowUp:
		a.FollowUp = &workflow.FollowUp{Satisfaction: "satisfied", Comment: "企业表示报告已更新"}
	}
	return a
}

func engMaterial(key string, received, valid bool, note string) workflow.Action {
	return workflow.Action{Kind: workflow.ActUpdateMaterial,
		Material: &workflow.MaterialUpdate{Key: key, Received: received, Valid: valid, Note: note}}
}

// ---- applying actions, with the invariants every applied action must keep ----

// engDeepCopy copies v with no shared slices, maps or pointers (time.Time is copied whole).
func engDeepCopy[T any](v T) T {
	var out T
	reflect.ValueOf(&out).Elem().Set(engCopyValue(reflect.ValueOf(&v).Elem()))
	return out
}

func engCopyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(engCopyValue(v.Elem()))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(engCopyValue(v.Index(i)))
		}
		return s
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			m.SetMapIndex(it.Key(), engCopyValue(it.Value()))
		}
		return m
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // unexported fields (time.Time's) by value
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(engCopyValue(v.Field(i)))
			}
		}
		return out
	}
	return v
}

// engTry applies a and checks that the input case was not touched, whatever the outcome.
// On success it checks the version and the event.
func engTry(t *testing.T, c workflow.Case, actor workflow.Staff, a workflow.Action) (workflow.Case, workflow.Event, error) {
	t.Helper()
	if a.Actor == "" {
		a.Actor = actor.Name
	}
	before := engDeepCopy(c)
	n, ev, err := workflow.DefaultRules().Apply(c, actor, a)
	if !reflect.DeepEqual(before, c) {
		t.Fatalf("Apply(%s) by %s mutated its input case:\nbefore %+v\nafter  %+v", a.Kind, actor.Name, before, c)
	}
	if err != nil {
		var r *workflow.Refusal
		if errors.As(err, &r) {
			// Messages may quote user data (a hand-added item's Chinese name), so only the
			// formatting is checked here; TestEngineRefusalMessages checks the language.
			engCheckMessage(t, fmt.Sprintf("%s by %s at %s", a.Kind, actor.Name, c.Stage), r, false)
		}
		return n, ev, err
	}
	wantVer := c.Version + 1
	if a.Kind == workflow.ActCreate {
		wantVer = 1
	}
	if n.Version != wantVer {
		t.Errorf("%s: Version = %d, want %d", a.Kind, n.Version, wantVer)
	}
	from := c.Stage
	if a.Kind == workflow.ActCreate {
		from = ""
	}
	switch {
	case ev.Seq != n.Version:
		t.Errorf("%s: event Seq = %d, case Version = %d", a.Kind, ev.Seq, n.Version)
	case ev.Kind != a.Kind || ev.Action.Kind != a.Kind:
		t.Errorf("%s: event kind %s / action kind %s", a.Kind, ev.Kind, ev.Action.Kind)
	case ev.From != from || ev.To != n.Stage:
		t.Errorf("%s: event %s → %s, want %s → %s", a.Kind, ev.From, ev.To, from, n.Stage)
	case ev.Actor != actor.Name || ev.Action.Actor != actor.Name:
		t.Errorf("%s: event actor %q / %q, want %q", a.Kind, ev.Actor, ev.Action.Actor, actor.Name)
	case ev.Action.Role != actor.Role:
		t.Errorf("%s: event records role %q, actor is %q", a.Kind, ev.Action.Role, actor.Role)
	case !ev.At.Equal(a.At) || !n.UpdatedAt.Equal(a.At) || n.UpdatedBy != actor.Name:
		t.Errorf("%s: event at %v, case updated %v by %q; want %v by %q", a.Kind, ev.At, n.UpdatedAt, n.UpdatedBy, a.At, actor.Name)
	case ev.CaseID != n.ID || n.ID == 0:
		t.Errorf("%s: event case id %d, case id %d", a.Kind, ev.CaseID, n.ID)
	}
	if n.Stage != c.Stage && a.Kind != workflow.ActCreate && !n.StageSince.Equal(a.At) {
		t.Errorf("%s: stage changed but StageSince = %v, want %v", a.Kind, n.StageSince, a.At)
	}
	return n, ev, nil
}

// engCodeOf is the refusal code of err ("" for nil, "<not a refusal>" otherwise).
func engCodeOf(err error) string {
	if err == nil {
		return ""
	}
	var r *workflow.Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return "<not a refusal: " + err.Error() + ">"
}

func engCode(r *workflow.Refusal) string {
	if r == nil {
		return ""
	}
	return r.Code
}

// engRefused applies a and requires it to be refused with code.
func engRefused(t *testing.T, c workflow.Case, actor workflow.Staff, a workflow.Action, code string) *workflow.Refusal {
	t.Helper()
	_, _, err := engTry(t, c, actor, a)
	if got := engCodeOf(err); got != code {
		t.Fatalf("%s by %s at %s: refusal %q (%v), want %q", a.Kind, actor.Name, c.Stage, got, err, code)
	}
	var r *workflow.Refusal
	errors.As(err, &r)
	return r
}

// engWalk is a case taken through actions, keeping every event and every state.
type engWalk struct {
	t      *testing.T
	c      workflow.Case
	events []workflow.Event
	states []workflow.Case
}

func engStart(t *testing.T, actor workflow.Staff, in *workflow.Intake, at time.Time) *engWalk {
	t.Helper()
	w := &engWalk{t: t}
	a := workflow.Action{Kind: workflow.ActCreate, At: at, Intake: in}
	return w.do(actor, a)
}

func (w *engWalk) do(actor workflow.Staff, a workflow.Action) *engWalk {
	w.t.Helper()
	n, ev, err := engTry(w.t, w.c, actor, a)
	if err != nil {
		w.t.Fatalf("step %d: %s by %s at %s refused: %v", len(w.events)+1, a.Kind, actor.Name, w.c.Stage, err)
	}
	w.c = n
	w.events = append(w.events, ev)
	w.states = append(w.states, n)
	return w
}

// act applies engAct(kind, at) with opt applied to the action first.
func (w *engWalk) act(actor workflow.Staff, kind workflow.ActionKind, at time.Time, opt ...func(*workflow.Action)) *engWalk {
	w.t.Helper()
	a := engAct(kind, at)
	for _, f := range opt {
		f(&a)
	}
	return w.do(actor, a)
}

func (w *engWalk) material(actor workflow.Staff, at time.Time, key string, received, valid bool, note string) *engWalk {
	w.t.Helper()
	a := engMaterial(key, received, valid, note)
	a.At = at
	return w.do(actor, a)
}

// completeMaterials marks every checklist item received and valid.
func (w *engWalk) completeMaterials(actor workflow.Staff, at time.Time) *engWalk {
	w.t.Helper()
	for _, m := range w.c.Materials {
		if !m.OK() {
			w.material(actor, at, m.Key, true, true, "")
		}
	}
	return w
}

func (w *engWalk) fork() *engWalk {
	return &engWalk{t: w.t, c: w.c, events: slices.Clone(w.events), states: slices.Clone(w.states)}
}

func (w *engWalk) stage(want workflow.Stage) *engWalk {
	w.t.Helper()
	if w.c.Stage != want {
		w.t.Fatalf("case is at %s, want %s", w.c.Stage, want)
	}
	return w
}

// engFixtures is one case at every stage, all made by applying actions.
type engFixtures struct {
	complete       *engWalk // formal review, every material ok, valid credit code
	incompleteWarn *engWalk // formal review, items missing and invalid, credit-code warning
	at             map[workflow.Stage]*engWalk
}

func engBuild(t *testing.T) engFixtures {
	t.Helper()
	t0 := engT("2026-03-02 09:00")
	complete := engStart(t, engLi, engIntake(engGoodCode), t0).completeMaterials(engLi, engT("2026-03-02 09:30"))
	incomplete := engStart(t, engLi, engIntake(engWarnCode), t0).
		material(engLi, engT("2026-03-02 09:30"), "application_form", true, true, "").
		material(engLi, engT("2026-03-02 09:31"), "authorization", true, false, "授权委托书未加盖企业公章")
	if !incomplete.c.CreditCodeWarning {
		t.Fatalf("credit code %s should leave a warning on the case", engWarnCode)
	}
	f := engFixtures{complete: complete, incompleteWarn: incomplete, at: map[workflow.Stage]*engWalk{}}
	f.at[workflow.StageFormalReview] = complete
	f.at[workflow.StageAwaitingMaterials] = incomplete.fork().act(engLi, workflow.ActRequestMaterials, engT("2026-03-03 10:00")).stage(workflow.StageAwaitingMaterials)
	inv := complete.fork().act(engLi, workflow.ActAccept, engT("2026-03-04 10:00")).
		act(engLi, workflow.ActAddFinding, engT("2026-03-05 10:00")).stage(workflow.StageInvestigating)
	f.at[workflow.StageInvestigating] = inv
	pend := inv.fork().act(engLi, workflow.ActProposeRepair, engT("2026-03-06 10:00")).stage(workflow.StagePendingApproval)
	f.at[workflow.StagePendingApproval] = pend
	appr := pend.fork().act(engWang, workflow.ActApprove, engT("2026-03-09 10:00")).stage(workflow.StageApproved)
	f.at[workflow.StageApproved] = appr
	sub := appr.fork().act(engLi, workflow.ActSubmitCorrection, engT("2026-03-10 10:00")).stage(workflow.StageSubmitted)
	f.at[workflow.StageSubmitted] = sub
	fb := sub.fork().act(engLi, workflow.ActRecordOutcome, engT("2026-03-16 10:00")).stage(workflow.StageFeedback)
	f.at[workflow.StageFeedback] = fb
	f.at[workflow.StageClosed] = fb.fork().act(engLi, workflow.ActNotifyApplicant, engT("2026-03-17 10:00")).stage(workflow.StageClosed)
	f.at[workflow.StageDeclined] = complete.fork().act(engLi, workflow.ActDecline, engT("2026-03-04 11:00")).stage(workflow.StageDeclined)
	f.at[workflow.StageWithdrawn] = complete.fork().act(engLi, workflow.ActWithdraw, engT("2026-03-04 12:00")).stage(workflow.StageWithdrawn)
	return f
}

// fixture is the case to judge kind on at stage: one on which the design's own guards for
// that action are met, so that the matrix tests stage and role only.
func (f engFixtures) fixture(stage workflow.Stage, kind workflow.ActionKind) workflow.Case {
	if stage == workflow.StageFormalReview && (kind == workflow.ActRequestMaterials || kind == workflow.ActOverrideCreditCode) {
		return f.incompleteWarn.c
	}
	return f.at[stage].c
}

// ---- 1. stage × action × role, from DESIGN §1 ----

// engMove is one arrow of DESIGN §1: where the action leads and whether only a supervisor
// (or an admin, who is also a supervisor: DESIGN §4) may take it.
type engMove struct {
	to     workflow.Stage
	review bool
}

// engDesignMoves is DESIGN §1's table written out by hand. Actions that change no stage are
// listed at the stages where they make sense (materials at formal review and while waiting for
// them, findings during the investigation, the credit-code override before acceptance).
var engDesignMoves = map[workflow.Stage]map[workflow.ActionKind]engMove{
	workflow.StageFormalReview: {
		workflow.ActUpdateMaterial:     {to: workflow.StageFormalReview},
		workflow.ActAddRecord:          {to: workflow.StageFormalReview},
		workflow.ActOverrideCreditCode: {to: workflow.StageFormalReview, review: true},
		workflow.ActRequestMaterials:   {to: workflow.StageAwaitingMaterials},
		workflow.ActAccept:             {to: workflow.StageInvestigating},
		workflow.ActDecline:            {to: workflow.StageDeclined},
	},
	workflow.StageAwaitingMaterials: {
		workflow.ActUpdateMaterial:     {to: workflow.StageAwaitingMaterials},
		workflow.ActAddRecord:          {to: workflow.StageAwaitingMaterials},
		workflow.ActOverrideCreditCode: {to: workflow.StageAwaitingMaterials, review: true},
		workflow.ActMaterialsReceived:  {to: workflow.StageFormalReview},
		workflow.ActLapse:              {to: workflow.StageWithdrawn}, // engNow is after the notice's deadline
	},
	workflow.StageInvestigating: {
		workflow.ActAddFinding:    {to: workflow.StageInvestigating},
		workflow.ActProposeRepair: {to: workflow.StagePendingApproval},
		workflow.ActDecline:       {to: workflow.StageDeclined},
	},
	workflow.StagePendingApproval: {
		workflow.ActApprove: {to: workflow.StageApproved, review: true},
		workflow.ActReturn:  {to: workflow.StageInvestigating, review: true},
		workflow.ActDecline: {to: workflow.StageDeclined, review: true},
	},
	workflow.StageApproved:  {workflow.ActSubmitCorrection: {to: workflow.StageSubmitted}},
	workflow.StageSubmitted: {workflow.ActRecordOutcome: {to: workflow.StageFeedback}},
	workflow.StageFeedback:  {workflow.ActNotifyApplicant: {to: workflow.StageClosed}},
	workflow.StageClosed:    {workflow.ActFollowUp: {to: workflow.StageClosed}},
	workflow.StageDeclined:  {},
	workflow.StageWithdrawn: {},
}

// engMovesAt adds what every stage allows: withdraw from any non-terminal stage, reassign
// (supervisor) while the case is open, and a comment at any time.
func engMovesAt(s workflow.Stage) map[workflow.ActionKind]engMove {
	m := map[workflow.ActionKind]engMove{workflow.ActComment: {to: s}}
	for k, v := range engDesignMoves[s] {
		m[k] = v
	}
	if !s.Terminal() {
		m[workflow.ActWithdraw] = engMove{to: workflow.StageWithdrawn}
		m[workflow.ActReassign] = engMove{to: s, review: true}
	}
	return m
}

// engWant is the design's answer: the refusal code ("" = allowed) and where the case goes.
func engWant(s workflow.Stage, k workflow.ActionKind, who workflow.Staff) (string, workflow.Stage) {
	switch {
	case !who.Active:
		return "inactive", ""
	case who.Role == workflow.RoleAuditor:
		return "read_only", ""
	}
	m, ok := engMovesAt(s)[k]
	switch {
	case ok && m.review && who.Role != workflow.RoleSupervisor && who.Role != workflow.RoleAdmin:
		return "role", ""
	case ok:
		return "", m.to
	case s.Terminal():
		return "terminal", ""
	}
	return "stage", ""
}

func TestEngineDesignTableIsComplete(t *testing.T) {
	if len(engDesignMoves) != len(workflow.Stages) {
		t.Fatalf("the design table covers %d stages, the engine has %d", len(engDesignMoves), len(workflow.Stages))
	}
	for _, s := range workflow.Stages {
		if _, ok := engDesignMoves[s]; !ok {
			t.Errorf("stage %s is not in the design table", s)
		}
	}
	want := []workflow.ActionKind{"update_material", "add_record", "request_materials", "materials_received", "lapse", "override_credit_code",
		"accept", "add_finding", "propose_repair", "approve", "return", "submit_correction", "record_outcome",
		"notify_applicant", "follow_up", "decline", "reassign", "withdraw", "comment"}
	got := slices.Clone(workflow.Actions)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("workflow.Actions = %v\nthe matrix was written for %v", got, want)
	}
}

func TestEngineMatrix(t *testing.T) {
	f := engBuild(t)
	rules := workflow.DefaultRules()
	for _, s := range workflow.Stages {
		for _, k := range workflow.Actions {
			for _, who := range engMatrixStaff {
				c := f.fixture(s, k)
				wantCode, wantTo := engWant(s, k, who)
				t.Run(fmt.Sprintf("%s/%s/%s", s, k, who.Name), func(t *testing.T) {
					gotCheck := engCode(rules.Check(&c, who, k, engNow))
					if gotCheck != wantCode {
						t.Errorf("Check = %q, design says %q", gotCheck, wantCode)
					}
					n, _, err := engTry(t, c, who, engAct(k, engNow))
					if got := engCodeOf(err); got != wantCode {
						t.Fatalf("Apply refusal = %q (%v), design says %q", got, err, wantCode)
					}
					if err == nil && n.Stage != wantTo {
						t.Errorf("Apply left the case at %s, design says %s", n.Stage, wantTo)
					}
				})
			}
		}
	}
}

// Options is what the action menu shows: it must agree with Check for every action.
func TestEngineOptionsAgreeWithCheck(t *testing.T) {
	f := engBuild(t)
	rules := workflow.DefaultRules()
	for _, s := range workflow.Stages {
		c := f.at[s].c
		for _, who := range engMatrixStaff {
			opts := rules.Options(&c, who, engNow)
			if len(opts) != len(workflow.Actions) {
				t.Fatalf("%s/%s: %d options for %d actions", s, who.Name, len(opts), len(workflow.Actions))
			}
			for i, o := range opts {
				if o.Kind != workflow.Actions[i] {
					t.Errorf("%s/%s: option %d is %s, want %s", s, who.Name, i, o.Kind, workflow.Actions[i])
				}
				if got, want := engCode(o.Refusal), engCode(rules.Check(&c, who, o.Kind, engNow)); got != want {
					t.Errorf("%s/%s/%s: option says %q, Check says %q", s, who.Name, o.Kind, got, want)
				}
			}
		}
	}
}

// The "create" column: who may take in a case.
func TestEngineCreateByRole(t *testing.T) {
	for _, who := range engMatrixStaff {
		t.Run(who.Name, func(t *testing.T) {
			wantCode, _ := engWant(workflow.StageFormalReview, workflow.ActComment, who) // worker roles only
			n, ev, err := engTry(t, workflow.Case{}, who, engAct(workflow.ActCreate, engT("2026-03-02 09:00")))
			if got := engCodeOf(err); got != wantCode {
				t.Fatalf("create refusal = %q (%v), want %q (the code Check gives this person for any action)", got, err, wantCode)
			}
			if err != nil {
				return
			}
			if n.Stage != workflow.StageFormalReview || n.Round != 1 || n.Version != 1 || ev.Seq != 1 {
				t.Errorf("new case: stage %s round %d version %d seq %d; want formal_review, 1, 1, 1", n.Stage, n.Round, n.Version, ev.Seq)
			}
			if n.Owner != "li" || n.No != "XF-2026-000007" || n.CreditCodeWarning {
				t.Errorf("new case: owner %q no %q warning %v", n.Owner, n.No, n.CreditCodeWarning)
			}
		})
	}
}

// A create must start a case, never overwrite one: otherwise a second create event in a
// stored history silently resets the case on replay (DESIGN §1: state is never edited in
// place; every event is immutable).
func TestEngineCreateOnlyOnNewCase(t *testing.T) {
	f := engBuild(t)
	for _, s := range workflow.Stages {
		c := f.at[s].c
		_, _, err := engTry(t, c, engLi, engAct(workflow.ActCreate, engNow))
		if err == nil {
			t.Errorf("create on an existing case at %s (version %d) was accepted and replaced it", s, c.Version)
		}
	}
	// And replay of a history with a second create fails instead of restarting the case.
	w := f.at[workflow.StageInvestigating]
	events := slices.Clone(w.events)
	events = append(events, workflow.Event{Kind: workflow.ActCreate, Action: w.events[0].Action})
	if c, err := workflow.DefaultRules().Replay(events); err == nil {
		t.Errorf("replay of a history with two creates succeeded, ending at %s version %d", c.Stage, c.Version)
	}
}

// Every refusal is shown to a person: both languages, fully formatted, English in English.
func TestEngineRefusalMessages(t *testing.T) {
	f := engBuild(t)
	rules := workflow.DefaultRules()
	seen := map[string]bool{}
	for _, s := range workflow.Stages {
		for _, k := range workflow.Actions {
			for _, who := range engMatrixStaff {
				c := f.fixture(s, k)
				r := rules.Check(&c, who, k, engNow)
				if r == nil {
					continue
				}
				key := r.Code + "|" + r.Message("zh") + "|" + r.Message("en")
				if seen[key] {
					continue
				}
				seen[key] = true
				engCheckMessage(t, fmt.Sprintf("%s/%s/%s", s, k, who.Name), r, true)
			}
		}
	}
	// Refusals that carry user data or dates.
	bad := f.at[workflow.StageFormalReview].c
	a := engAct(workflow.ActUpdateMaterial, engNow)
	a.Material = &workflow.MaterialUpdate{Key: "site_photos", Received: true, Valid: true}
	engCheckMessage(t, "unknown material", engRefused(t, bad, engLi, a, "material"), true)
	inv := f.at[workflow.StageInvestigating].c
	a = engAct(workflow.ActAddFinding, engNow)
	a.Finding.Method = "telepathy"
	engCheckMessage(t, "unknown method", engRefused(t, inv, engLi, a, "finding"), true)
	a = engAct(workflow.ActDecline, engNow)
	a.Decline.Reason = "bogus"
	engCheckMessage(t, "unknown reason", engRefused(t, inv, engLi, a, "reason"), true)
}

func engCheckMessage(t *testing.T, where string, r *workflow.Refusal, strict bool) {
	t.Helper()
	if r == nil {
		return
	}
	han := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	}
	switch {
	case r.Message("zh") == "" || r.Message("en") == "":
		t.Errorf("%s: refusal %q has an empty message: zh %q en %q", where, r.Code, r.Message("zh"), r.Message("en"))
	case strings.Contains(r.Message("zh"), "%!") || strings.Contains(r.Message("en"), "%!"):
		t.Errorf("%s: refusal %q is badly formatted:\n  zh: %s\n  en: %s", where, r.Code, r.Message("zh"), r.Message("en"))
	case strict && han(r.Message("en")):
		t.Errorf("%s: refusal %q has Chinese in the English message: %s", where, r.Code, r.Message("en"))
	case strict && !han(r.Message("zh")):
		t.Errorf("%s: refusal %q has no Chinese in the Chinese message: %s", where, r.Code, r.Message("zh"))
	case r.Error() != r.Message("en") || r.Message("en") != r.Message("en") || r.Message("zh") != r.Message("zh"):
		t.Errorf("%s: refusal %q: Error/Message do not return the messages", where, r.Code)
	}
}

// ---- 2. guards ----

func TestEngineActorMustBeSignedInStaff(t *testing.T) {
	f := engBuild(t)
	c := f.at[workflow.StageFormalReview].c
	for _, k := range []workflow.ActionKind{workflow.ActComment, workflow.ActAccept, workflow.ActWithdraw} {
		a := engAct(k, engNow)
		a.Actor = "wang" // claims to be the supervisor
		engRefused(t, c, engLi, a, "actor")
	}
	a := engAct(workflow.ActCreate, engNow)
	a.Actor = "wang"
	engRefused(t, workflow.Case{}, engLi, a, "actor")
	// The role recorded is the signed-in one, whatever the action claims.
	a = engAct(workflow.ActComment, engNow)
	a.Role = workflow.RoleAdmin
	_, ev, err := engTry(t, c, engLi, a)
	if err != nil || ev.Action.Role != workflow.RoleSpecialist {
		t.Errorf("comment with a forged role: err %v, recorded role %q", err, ev.Action.Role)
	}
	// An action without a time is refused.
	a = engAct(workflow.ActComment, time.Time{})
	engRefused(t, c, engLi, a, "time")
}

func TestEngineCreditCodeWarningAtIntake(t *testing.T) {
	at := engT("2026-03-02 09:00")
	for _, tc := range []struct {
		code string
		warn bool
		err  string
	}{
		{engGoodCode, false, ""},
		{"91512081MA62K0260E", false, ""},
		{engWarnCode, true, ""},
		{"9111000060003734", false, "invalid"},   // too short: an error, not a warning
		{"91110000600037341O", false, "invalid"}, // O is not in the charset
	} {
		a := workflow.Action{Kind: workflow.ActCreate, At: at, Intake: engIntake(tc.code)}
		n, _, err := engTry(t, workflow.Case{}, engLi, a)
		if got := engCodeOf(err); got != tc.err {
			t.Errorf("%s: create refusal %q (%v), want %q", tc.code, got, err, tc.err)
			continue
		}
		if err == nil && n.CreditCodeWarning != tc.warn {
			t.Errorf("%s: CreditCodeWarning = %v, want %v", tc.code, n.CreditCodeWarning, tc.warn)
		}
	}
}

func TestEngineMaterialUpdates(t *testing.T) {
	w := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00"))
	at := engT("2026-03-02 10:00")
	for _, tc := range []struct {
		name string
		u    *workflow.MaterialUpdate
		code string
	}{
		{"nil", nil, "material"},
		{"no key", &workflow.MaterialUpdate{Received: true, Valid: true}, "material"},
		{"valid but not received", &workflow.MaterialUpdate{Key: "agent_id", Valid: true}, "material"},
		{"invalid without note", &workflow.MaterialUpdate{Key: "agent_id", Received: true}, "material_note"},
		{"invalid with blank note", &workflow.MaterialUpdate{Key: "agent_id", Received: true, Note: "  "}, "material_note"},
		{"unknown key without label", &workflow.MaterialUpdate{Key: "site_photos", Received: true, Valid: true}, "material"},
		{"ok", &workflow.MaterialUpdate{Key: "agent_id", Received: true, Valid: true}, ""},
		{"invalid with note", &workflow.MaterialUpdate{Key: "agent_id", Received: true, Note: "复印件模糊"}, ""},
		{"new item", &workflow.MaterialUpdate{Key: "site_photos", Label: "现场照片", Received: true, Valid: true}, ""},
	} {
		a := workflow.Action{Kind: workflow.ActUpdateMaterial, At: at, Material: tc.u}
		_, _, err := engTry(t, w.c, engLi, a)
		if got := engCodeOf(err); got != tc.code {
			t.Errorf("%s: refusal %q (%v), want %q", tc.name, got, err, tc.code)
		}
	}
	// An update cannot make a required item optional (that would get round the accept guard).
	a := workflow.Action{Kind: workflow.ActUpdateMaterial, At: at,
		Material: &workflow.MaterialUpdate{Key: "credit_report", Required: false, Received: false}}
	n, _, err := engTry(t, w.c, engLi, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range n.Materials {
		if m.Key == "credit_report" && !m.Required {
			t.Errorf("update_material made the required credit_report optional")
		}
	}
}

// 一次性告知: the notice names every missing required item and every received-but-invalid
// item (with what is wrong), once per review round.
func TestEngineOneTimeNotice(t *testing.T) {
	w := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00"))
	at := engT("2026-03-02 10:00")
	w.material(engLi, at, "application_form", true, true, "").
		material(engLi, at, "business_license", true, true, "").
		material(engLi, at, "legal_rep_id", true, true, "").
		material(engLi, at, "authorization", true, false, "授权委托书未加盖企业公章").
		material(engLi, at, "credit_report", true, false, "信用报告打印日期超过30天")
	// A hand-added optional item: not received is fine, received-but-invalid must be named.
	w.do(engLi, workflow.Action{Kind: workflow.ActUpdateMaterial, At: at,
		Material: &workflow.MaterialUpdate{Key: "bank_flow", Label: "银行流水", Received: true, Note: "缺少银行业务章"}})
	w.do(engLi, workflow.Action{Kind: workflow.ActUpdateMaterial, At: at,
		Material: &workflow.MaterialUpdate{Key: "site_photos", Label: "现场照片"}})

	type item struct {
		missing bool
		note    string
	}
	want := map[string]item{
		"authorization":          {false, "授权委托书未加盖企业公章"},
		"credit_report":          {false, "信用报告打印日期超过30天"},
		"bank_flow":              {false, "缺少银行业务章"},
		"agent_id":               {true, ""},
		"settlement_certificate": {true, ""},
		"nonmalicious_statement": {true, ""}, // required because the problem is a non-malicious overdue
	}
	// Accept is refused, naming what is missing.
	r := engRefused(t, w.c, engLi, engAct(workflow.ActAccept, engT("2026-03-03 09:00")), "materials")
	for _, name := range []string{"经办人身份证", "授权委托书", "银行流水"} {
		if !strings.Contains(r.Message("zh"), name) {
			t.Errorf("accept refusal does not name %s: %s", name, r.Message("zh"))
		}
	}
	if !strings.Contains(r.Message("en"), "Agent's ID card") {
		t.Errorf("accept refusal does not name the agent's ID in English: %s", r.Message("en"))
	}

	// A notice needs its deadline.
	noDeadline := engAct(workflow.ActRequestMaterials, engT("2026-03-03 10:00"))
	noDeadline.Deadline = time.Time{}
	engRefused(t, w.c, engLi, noDeadline, "deadline")

	req := engAct(workflow.ActRequestMaterials, engT("2026-03-03 10:00"))
	w.do(engLi, req).stage(workflow.StageAwaitingMaterials)
	if len(w.c.Notices) != 1 {
		t.Fatalf("%d notices, want 1", len(w.c.Notices))
	}
	n := w.c.Notices[0]
	if n.Round != 1 || n.By != "li" || !n.At.Equal(req.At) || !n.Deadline.Equal(req.Deadline) {
		t.Errorf("notice round %d by %q at %v deadline %v", n.Round, n.By, n.At, n.Deadline)
	}
	got := map[string]item{}
	for _, it := range n.Items {
		if _, dup := got[it.Key]; dup {
			t.Errorf("notice names %s twice", it.Key)
		}
		got[it.Key] = item{it.Missing, it.Note}
		if it.Key == "bank_flow" && it.Label != "银行流水" {
			t.Errorf("hand-added item lost its label: %+v", it)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("notice items:\n got %v\nwant %v", got, want)
	}

	// No second notice in the same round: at awaiting_materials it is the wrong stage …
	engRefused(t, w.c, engLi, engAct(workflow.ActRequestMaterials, engT("2026-03-04 10:00")), "stage")
	// … and even a case put back at formal review in the same round is refused.
	same := engDeepCopy(w.c)
	same.Stage = workflow.StageFormalReview
	engRefused(t, same, engLi, engAct(workflow.ActRequestMaterials, engT("2026-03-04 10:00")), "notice_round")

	// The applicant brings some of it; a new round starts and a new notice is allowed.
	w.material(engLi, engT("2026-03-06 10:00"), "agent_id", true, true, "").
		material(engLi, engT("2026-03-06 10:00"), "authorization", true, true, "")
	w.act(engLi, workflow.ActMaterialsReceived, engT("2026-03-09 10:00")).stage(workflow.StageFormalReview)
	if w.c.Round != 2 {
		t.Fatalf("round after materials_received = %d, want 2", w.c.Round)
	}
	w.act(engLi, workflow.ActRequestMaterials, engT("2026-03-09 11:00")).stage(workflow.StageAwaitingMaterials)
	n2 := w.c.Notices[1]
	keys := []string{}
	for _, it := range n2.Items {
		keys = append(keys, it.Key)
	}
	slices.Sort(keys)
	if n2.Round != 2 || !slices.Equal(keys, []string{"bank_flow", "credit_report", "nonmalicious_statement", "settlement_certificate"}) {
		t.Errorf("second notice: round %d items %v", n2.Round, keys)
	}
	// Everything in order: nothing to ask for, accept instead.
	w.act(engLi, workflow.ActMaterialsReceived, engT("2026-03-12 10:00")).completeMaterials(engLi, engT("2026-03-12 10:30"))
	engRefused(t, w.c, engLi, engAct(workflow.ActRequestMaterials, engT("2026-03-12 11:00")), "nothing_missing")
	w.act(engLi, workflow.ActAccept, engT("2026-03-12 11:00")).stage(workflow.StageInvestigating)
}

func TestEngineCreditCodeOverride(t *testing.T) {
	w := engStart(t, engLi, engIntake(engWarnCode), engT("2026-03-02 09:00")).completeMaterials(engLi, engT("2026-03-02 09:30"))
	at := engT("2026-03-02 11:00")
	engRefused(t, w.c, engLi, engAct(workflow.ActAccept, at), "credit_code")
	engRefused(t, w.c, engLi, engAct(workflow.ActOverrideCreditCode, at), "role")
	noComment := engAct(workflow.ActOverrideCreditCode, at)
	noComment.Comment = "   "
	engRefused(t, w.c, engWang, noComment, "comment")
	w.act(engWang, workflow.ActOverrideCreditCode, at)
	if w.c.CreditCodeOverride != "wang" || !w.c.CreditCodeWarning {
		t.Errorf("after override: override %q warning %v", w.c.CreditCodeOverride, w.c.CreditCodeWarning)
	}
	engRefused(t, w.c, engZhou, engAct(workflow.ActOverrideCreditCode, at), "no_warning")
	w.act(engLi, workflow.ActAccept, at).stage(workflow.StageInvestigating)

	// With a valid code there is nothing to override.
	ok := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00"))
	engRefused(t, ok.c, engWang, engAct(workflow.ActOverrideCreditCode, at), "no_warning")
}

// NDRC Order 36: an administrative penalty may be repaired only after its minimum publicity
// period (general tier: 3 months from the decision).
func TestEnginePublicityPeriod(t *testing.T) {
	rules := workflow.DefaultRules()
	for _, tc := range []struct {
		rec  workflow.Record
		want string
	}{
		{engPenalty("general", "2025-12-10"), "2026-03-10"},
		{engPenalty("serious", "2025-12-10"), "2026-12-10"},
		{engPenalty("minor", "2025-12-10"), ""},
		{engLoan(), ""},
	} {
		if got := workflow.Day(rules.EarliestRepair(tc.rec)); got != tc.want {
			t.Errorf("EarliestRepair(%s %s %s) = %q, want %q", tc.rec.Type, tc.rec.Tier, tc.rec.Date, got, tc.want)
		}
	}

	rec := engPenalty("general", "2025-12-10")
	w := engStart(t, engLi, engIntake(engGoodCode, rec), engT("2026-03-02 09:00")).completeMaterials(engLi, engT("2026-03-02 09:30"))
	for _, at := range []time.Time{engT("2026-03-02 10:00"), engT("2026-03-09 23:59")} {
		r := engRefused(t, w.c, engLi, engAct(workflow.ActAccept, at), "publicity")
		if !strings.Contains(r.Message("zh"), "2026-03-10") || !strings.Contains(r.Message("en"), "2026-03-10") {
			t.Errorf("publicity refusal does not give the date 2026-03-10:\n  %s\n  %s", r.Message("zh"), r.Message("en"))
		}
	}
	// Also the moment before, given in UTC.
	engRefused(t, w.c, engLi, engAct(workflow.ActAccept, engT("2026-03-09 23:59").UTC()), "publicity")
	for _, at := range []time.Time{engT("2026-03-11 09:00"), engT("2026-03-10 09:00"), engT("2026-03-10 00:00").UTC()} {
		if _, _, err := engTry(t, w.c, engLi, engAct(workflow.ActAccept, at)); err != nil {
			t.Errorf("accept at %v refused: %v", at, err)
		}
	}
	// Too early is a formal-review reason to decline.
	d := engAct(workflow.ActDecline, engT("2026-03-03 10:00"))
	d.Decline.Reason = "publicity_period"
	d.Decline.Avenues = []string{"creditchina_repair"} // a Credit China penalty: no PBOC complaint (条例 art. 2)
	w.do(engLi, d).stage(workflow.StageDeclined)

	// A case with a serious and a minor penalty waits for the serious one.
	two := engStart(t, engLi, engIntake(engGoodCode, engPenalty("minor", "2025-12-10"), engPenalty("serious", "2025-06-01")),
		engT("2026-03-02 09:00")).completeMaterials(engLi, engT("2026-03-02 09:30"))
	engRefused(t, two.c, engLi, engAct(workflow.ActAccept, engT("2026-05-29 10:00")), "publicity")
	two.act(engLi, workflow.ActAccept, engT("2026-06-01 10:00")).stage(workflow.StageInvestigating)
}

func TestEngineFindingAndProposal(t *testing.T) {
	f := engBuild(t)
	bare := f.complete.fork().act(engLi, workflow.ActAccept, engT("2026-03-04 10:00"))
	at := engT("2026-03-05 10:00")
	engRefused(t, bare.c, engLi, engAct(workflow.ActProposeRepair, at), "no_finding")
	if r := workflow.DefaultRules().Check(&bare.c, engLi, workflow.ActProposeRepair, at); engCode(r) != "no_finding" {
		t.Errorf("Check propose without a finding = %q, want no_finding", engCode(r))
	}
	for name, fd := range map[string]*workflow.Finding{
		"nil":            nil,
		"nothing":        {Result: "confirmed_wrong"},
		"blank checked":  {Checked: "  ", Result: "confirmed_wrong"},
		"no result":      {Checked: "银行流水"},
		"unknown result": {Checked: "银行流水", Result: "maybe"},
		"unknown method": {Checked: "银行流水", Result: "confirmed_wrong", Method: "telepathy"},
		"unknown source": {Checked: "银行流水", Result: "confirmed_wrong", Contact: "neighbour"},
	} {
		a := engAct(workflow.ActAddFinding, at)
		a.Finding = fd
		if _, _, err := engTry(t, bare.c, engLi, a); engCodeOf(err) != "finding" {
			t.Errorf("finding %s: refusal %q (%v), want finding", name, engCodeOf(err), err)
		}
	}
	bare.act(engLi, workflow.ActAddFinding, at)
	fd := bare.c.Findings[0]
	if fd.By != "li" || !fd.At.Equal(at) || !slices.Contains(bare.c.Investigators, "li") {
		t.Errorf("finding by %q at %v, investigators %v", fd.By, fd.At, bare.c.Investigators)
	}
	for name, p := range map[string]*workflow.Proposal{
		"nil":              nil,
		"no conclusion":    {Plan: "提交异议"},
		"blank conclusion": {Conclusion: " \t "},
	} {
		a := engAct(workflow.ActProposeRepair, at)
		a.Proposal = p
		engRefused(t, bare.c, engLi, a, "conclusion")
		_ = name
	}
	bare.act(engLi, workflow.ActProposeRepair, at).stage(workflow.StagePendingApproval)
	if bare.c.Proposer != "li" || bare.c.Proposal == nil || bare.c.Proposal.By != "li" {
		t.Errorf("proposer %q proposal %+v", bare.c.Proposer, bare.c.Proposal)
	}
}

// Maker ≠ checker at pending_approval: a supervisor (or admin) who neither recorded a finding
// nor proposed.
func TestEngineFourEyes(t *testing.T) {
	f := engBuild(t)
	// wang (supervisor) and root (admin) each record a finding, li proposes.
	w := f.complete.fork().act(engLi, workflow.ActAccept, engT("2026-03-04 10:00")).
		act(engWang, workflow.ActAddFinding, engT("2026-03-05 10:00")).
		act(engRoot, workflow.ActAddFinding, engT("2026-03-05 11:00")).
		act(engLi, workflow.ActProposeRepair, engT("2026-03-06 10:00")).stage(workflow.StagePendingApproval)
	// Another case where a supervisor proposed after li's finding.
	sp := f.at[workflow.StageInvestigating].fork().act(engZhou, workflow.ActProposeRepair, engT("2026-03-06 10:00"))

	at := engT("2026-03-09 10:00")
	for _, tc := range []struct {
		name string
		c    workflow.Case
		who  workflow.Staff
		code string
	}{
		{"proposer, specialist", w.c, engLi, "role"},
		{"uninvolved specialist", w.c, engZhao, "role"},
		{"auditor", w.c, engAudit, "read_only"},
		{"supervisor who recorded a finding", w.c, engWang, "four_eyes"},
		{"admin who recorded a finding", w.c, engRoot, "four_eyes"},
		{"uninvolved supervisor", w.c, engZhou, ""},
		{"supervisor who proposed", sp.c, engZhou, "four_eyes"},
		{"uninvolved supervisor, other case", sp.c, engWang, ""},
		{"uninvolved admin", sp.c, engRoot, ""},
	} {
		for _, k := range []workflow.ActionKind{workflow.ActApprove, workflow.ActReturn, workflow.ActDecline} {
			if got := engCode(workflow.DefaultRules().Check(&tc.c, tc.who, k, at)); got != tc.code {
				t.Errorf("%s: Check %s = %q, want %q", tc.name, k, got, tc.code)
			}
			if _, _, err := engTry(t, tc.c, tc.who, engAct(k, at)); engCodeOf(err) != tc.code {
				t.Errorf("%s: Apply %s = %q (%v), want %q", tc.name, k, engCodeOf(err), err, tc.code)
			}
		}
	}
	// Return needs comments saying what to do.
	for _, c := range []string{"", "  \n"} {
		a := engAct(workflow.ActReturn, at)
		a.Comment = c
		engRefused(t, w.c, engZhou, a, "comment")
	}
	back := w.fork().act(engZhou, workflow.ActReturn, at).stage(workflow.StageInvestigating)
	if back.c.Returns != 1 {
		t.Errorf("Returns = %d, want 1", back.c.Returns)
	}
	// Returning does not make zhou an investigator: zhou may still approve the next proposal.
	back.act(engLi, workflow.ActProposeRepair, engT("2026-03-10 10:00")).
		act(engZhou, workflow.ActApprove, engT("2026-03-10 11:00")).stage(workflow.StageApproved)
	if back.c.Approval == nil || back.c.Approval.By != "zhou" {
		t.Errorf("approval %+v", back.c.Approval)
	}
}

func TestEngineDeclineGuards(t *testing.T) {
	f := engBuild(t)
	at := engNow
	type tc struct {
		name string
		d    *workflow.Decline
		code string
	}
	valid := func(reason string) *workflow.Decline {
		return &workflow.Decline{Reason: reason, Explanation: "说明", Avenues: []string{"pbc_complaint", "institution_dispute"}}
	}
	common := []tc{
		{"nil", nil, "reason"},
		{"no reason", &workflow.Decline{Explanation: "说明", Avenues: []string{"pbc_complaint"}}, "reason"},
		{"unknown reason", &workflow.Decline{Reason: "bogus", Explanation: "说明", Avenues: []string{"pbc_complaint"}}, "reason"},
		{"no explanation", &workflow.Decline{Reason: "out_of_scope", Avenues: []string{"pbc_complaint"}}, "explanation"},
		{"blank explanation", &workflow.Decline{Reason: "out_of_scope", Explanation: "  ", Avenues: []string{"pbc_complaint"}}, "explanation"},
		{"no avenue", &workflow.Decline{Reason: "out_of_scope", Explanation: "说明"}, "avenues"},
		{"empty avenues", &workflow.Decline{Reason: "out_of_scope", Explanation: "说明", Avenues: []string{}}, "avenues"},
		{"unknown avenue", &workflow.Decline{Reason: "out_of_scope", Explanation: "说明", Avenues: []string{"pray"}}, "avenues"},
		{"bad expiry date", &workflow.Decline{Reason: "out_of_scope", Explanation: "说明", Avenues: []string{"await_expiry"}, ExpiryDate: "2030/01/01"}, "expiry"},
		{"out of scope", valid("out_of_scope"), ""},
		{"expiry", &workflow.Decline{Reason: "out_of_scope", Explanation: "说明", Avenues: []string{"await_expiry"}, ExpiryDate: "2030-01-01"}, ""},
	}
	byStage := map[workflow.Stage][]tc{
		workflow.StageFormalReview: append(slices.Clone(common),
			tc{"whitewash", valid("whitewash"), ""},
			tc{"publicity period", valid("publicity_period"), ""},
			tc{"record accurate needs an investigation", valid("record_accurate"), "reason"},
			tc{"insufficient evidence needs an investigation", valid("insufficient_evidence"), "reason"}),
		workflow.StageInvestigating: append(slices.Clone(common),
			tc{"record accurate", valid("record_accurate"), ""},
			tc{"insufficient evidence", valid("insufficient_evidence"), ""}),
		workflow.StagePendingApproval: append(slices.Clone(common),
			tc{"record accurate", valid("record_accurate"), ""}),
	}
	for s, cases := range byStage {
		c := f.at[s].c
		who := engLi
		if s == workflow.StagePendingApproval {
			who = engZhou
		}
		for _, x := range cases {
			a := engAct(workflow.ActDecline, at)
			a.Decline = x.d
			var before []string
			if x.d != nil {
				before = slices.Clone(x.d.Avenues)
			}
			n, ev, err := engTry(t, c, who, a)
			if got := engCodeOf(err); got != x.code {
				t.Errorf("%s/%s: refusal %q (%v), want %q", s, x.name, got, err, x.code)
				continue
			}
			if err != nil {
				continue
			}
			if n.Stage != workflow.StageDeclined || n.Decline == nil || n.Decline.From != s || n.Decline.By != who.Name ||
				n.Decline.Reason != x.d.Reason || !slices.Equal(n.Decline.Avenues, before) || !n.ClosedAt.Equal(at) {
				t.Errorf("%s/%s: declined case %s %+v closed %v", s, x.name, n.Stage, n.Decline, n.ClosedAt)
			}
			// The case keeps its own copy of the avenues.
			x.d.Avenues[0] = "changed"
			if n.Decline.Avenues[0] == "changed" || ev.To != workflow.StageDeclined {
				t.Errorf("%s/%s: the declined case shares the caller's avenues slice", s, x.name)
			}
			x.d.Avenues[0] = before[0]
		}
	}
}

func TestEngineSubmitOutcomeNotify(t *testing.T) {
	f := engBuild(t)
	at := engNow
	for _, x := range []struct {
		name string
		s    *workflow.Submission
		code string
	}{
		{"nil", nil, "channel"},
		{"no channel", &workflow.Submission{Reference: "YY-1"}, "channel"},
		{"unknown channel", &workflow.Submission{Channel: "fax", Reference: "YY-1"}, "channel"},
		{"no reference", &workflow.Submission{Channel: "pbc_dispute"}, "reference"},
		{"blank reference", &workflow.Submission{Channel: "pbc_dispute", Reference: "  "}, "reference"},
		{"ok", &workflow.Submission{Channel: "creditchina", Reference: " XY-2026-9 "}, ""},
	} {
		a := engAct(workflow.ActSubmitCorrection, at)
		a.Submission = x.s
		n, _, err := engTry(t, f.at[workflow.StageApproved].c, engLi, a)
		if got := engCodeOf(err); got != x.code {
			t.Errorf("submit %s: refusal %q (%v), want %q", x.name, got, err, x.code)
		} else if err == nil && (n.Stage != workflow.StageSubmitted || n.Submission.Reference != "XY-2026-9" || n.Submission.By != "li") {
			t.Errorf("submit %s: %s %+v", x.name, n.Stage, n.Submission)
		}
	}
	for _, x := range []struct {
		o    *workflow.Outcome
		code string
	}{
		{nil, "outcome"},
		{&workflow.Outcome{}, "outcome"},
		{&workflow.Outcome{Result: "deleted"}, "outcome"},
		{&workflow.Outcome{Result: "corrected"}, ""},
		{&workflow.Outcome{Result: "partly_corrected"}, ""},
		{&workflow.Outcome{Result: "not_corrected"}, ""},
		{&workflow.Outcome{Result: "unconfirmed"}, ""},
	} {
		a := engAct(workflow.ActRecordOutcome, at)
		a.Outcome = x.o
		n, _, err := engTry(t, f.at[workflow.StageSubmitted].c, engLi, a)
		if got := engCodeOf(err); got != x.code {
			t.Errorf("outcome %+v: refusal %q (%v), want %q", x.o, got, err, x.code)
		} else if err == nil && (n.Stage != workflow.StageFeedback || n.Outcome.Result != x.o.Result ||
			n.Repaired() != (x.o.Result == "corrected" || x.o.Result == "partly_corrected")) {
			t.Errorf("outcome %s: %s %+v repaired %v", x.o.Result, n.Stage, n.Outcome, n.Repaired())
		}
	}
	// The correction was submitted on 2026-03-10; now is 2026-04-01 10:00.
	for _, x := range []struct {
		name string
		n    *workflow.Notification
		code string
	}{
		{"nil", nil, "notify"},
		{"no channel", &workflow.Notification{Date: "2026-03-20"}, "notify"},
		{"unknown channel", &workflow.Notification{Channel: "pigeon", Date: "2026-03-20"}, "notify"},
		{"no date", &workflow.Notification{Channel: "letter"}, "date"},
		{"bad date", &workflow.Notification{Channel: "letter", Date: "2026/03/20"}, "date"},
		{"future", &workflow.Notification{Channel: "letter", Date: "2026-04-02"}, "date"},
		{"before submission", &workflow.Notification{Channel: "letter", Date: "2026-03-09"}, "date"},
		{"day of submission", &workflow.Notification{Channel: "email", Date: "2026-03-10"}, ""},
		{"today", &workflow.Notification{Channel: "phone", Date: "2026-04-01"}, ""},
	} {
		a := engAct(workflow.ActNotifyApplicant, at)
		a.Notification = x.n
		n, _, err := engTry(t, f.at[workflow.StageFeedback].c, engLi, a)
		if got := engCodeOf(err); got != x.code {
			t.Errorf("notify %s: refusal %q (%v), want %q", x.name, got, err, x.code)
		} else if err == nil && (n.Stage != workflow.StageClosed || n.Notification.Date != x.n.Date || !n.ClosedAt.Equal(at)) {
			t.Errorf("notify %s: %s %+v closed %v", x.name, n.Stage, n.Notification, n.ClosedAt)
		}
	}
	// Early in the morning, today is still not the future.
	a := engAct(workflow.ActNotifyApplicant, engT("2026-04-01 00:05"))
	if _, _, err := engTry(t, f.at[workflow.StageFeedback].c, engLi, a); err != nil {
		t.Errorf("notify dated today at 00:05 refused: %v", err)
	}
}

func TestEngineWithdraw(t *testing.T) {
	f := engBuild(t)
	for _, s := range workflow.Stages {
		c := f.at[s].c
		if s.Terminal() {
			engRefused(t, c, engLi, engAct(workflow.ActWithdraw, engNow), "terminal")
			continue
		}
		for _, reason := range []string{"", "   "} {
			a := engAct(workflow.ActWithdraw, engNow)
			a.Comment = reason
			engRefused(t, c, engLi, a, "comment")
		}
		n, ev, err := engTry(t, c, engLi, engAct(workflow.ActWithdraw, engNow))
		if err != nil {
			t.Errorf("withdraw from %s refused: %v", s, err)
			continue
		}
		if n.Stage != workflow.StageWithdrawn || n.Withdrawal != "企业主动撤回申请" || !n.ClosedAt.Equal(engNow) || ev.From != s {
			t.Errorf("withdraw from %s: stage %s withdrawal %q closed %v from %s", s, n.Stage, n.Withdrawal, n.ClosedAt, ev.From)
		}
		for _, p := range n.Pauses {
			if p.To.IsZero() {
				t.Errorf("withdraw from %s left a pause open", s)
			}
		}
	}
}

func TestEngineReassignAndComment(t *testing.T) {
	f := engBuild(t)
	c := f.at[workflow.StageInvestigating].c
	same := engAct(workflow.ActReassign, engNow)
	same.Assignee = "li"
	engRefused(t, c, engWang, same, "assignee")
	none := engAct(workflow.ActReassign, engNow)
	none.Assignee = ""
	engRefused(t, c, engWang, none, "assignee")
	n, ev, err := engTry(t, c, engWang, engAct(workflow.ActReassign, engNow))
	if err != nil || n.Owner != "zhao" || len(ev.Changes) == 0 {
		t.Errorf("reassign: err %v owner %q changes %v", err, n.Owner, ev.Changes)
	}
	empty := engAct(workflow.ActComment, engNow)
	empty.Comment = " "
	engRefused(t, c, engLi, empty, "comment")
}

// ---- 3. immutability, versions, events, replay ----

// engReplayCheck: replaying the events gives the case built step by step, and every prefix
// gives the state after that step. Events chain stage to stage.
func engReplayCheck(t *testing.T, w *engWalk) {
	t.Helper()
	rules := workflow.DefaultRules()
	got, err := rules.Replay(w.events)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if !reflect.DeepEqual(got, w.c) {
		t.Fatalf("replay differs from the applied case:\nreplay  %+v\napplied %+v", got, w.c)
	}
	for i := range w.events {
		p, err := rules.Replay(w.events[:i+1])
		if err != nil || !reflect.DeepEqual(p, w.states[i]) {
			t.Fatalf("replay of the first %d events differs (err %v)", i+1, err)
		}
		if w.events[i].Seq != i+1 {
			t.Errorf("event %d has Seq %d", i+1, w.events[i].Seq)
		}
		if i > 0 && w.events[i].From != w.events[i-1].To {
			t.Errorf("event %d (%s) starts at %s, the previous ended at %s", i+1, w.events[i].Kind, w.events[i].From, w.events[i-1].To)
		}
	}
}

func TestEngineFullWalk(t *testing.T) {
	w := engStart(t, engLi, engIntake(engGoodCode), engT("2026-03-02 09:00"))
	// Some missing, one invalid.
	w.material(engLi, engT("2026-03-02 09:10"), "application_form", true, true, "").
		material(engLi, engT("2026-03-02 09:11"), "business_license", true, true, "").
		material(engLi, engT("2026-03-02 09:12"), "legal_rep_id", true, true, "").
		material(engLi, engT("2026-03-02 09:13"), "credit_report", true, true, "").
		material(engLi, engT("2026-03-02 09:14"), "authorization", true, false, "授权委托书未加盖企业公章")
	w.act(engLi, workflow.ActRequestMaterials, engT("2026-03-03 10:00")).stage(workflow.StageAwaitingMaterials)
	w.act(engLi, workflow.ActMaterialsReceived, engT("2026-03-10 09:00")).stage(workflow.StageFormalReview)
	w.completeMaterials(engLi, engT("2026-03-10 09:30"))
	w.act(engLi, workflow.ActComment, engT("2026-03-10 09:40"))
	w.act(engLi, workflow.ActAccept, engT("2026-03-10 10:00")).stage(workflow.StageInvestigating)
	w.act(engLi, workflow.ActAddFinding, engT("2026-03-11 10:00"))
	w.act(engLi, workflow.ActProposeRepair, engT("2026-03-12 10:00")).stage(workflow.StagePendingApproval)
	w.act(engWang, workflow.ActReturn, engT("2026-03-13 10:00")).stage(workflow.StageInvestigating)
	w.act(engLi, workflow.ActAddFinding, engT("2026-03-16 10:00"), func(a *workflow.Action) {
		a.Finding = &workflow.Finding{Checked: "银行出具的书面说明", Contact: "bank", Method: "letter", Result: "confirmed_wrong"}
	})
	w.act(engLi, workflow.ActProposeRepair, engT("2026-03-17 10:00")).stage(workflow.StagePendingApproval)
	w.act(engZhou, workflow.ActApprove, engT("2026-03-18 10:00")).stage(workflow.StageApproved)
	w.act(engLi, workflow.ActSubmitCorrection, engT("2026-03-19 10:00")).stage(workflow.StageSubmitted)
	w.act(engLi, workflow.ActRecordOutcome, engT("2026-03-26 10:00")).stage(workflow.StageFeedback)
	w.act(engLi, workflow.ActNotifyApplicant, engT("2026-03-27 10:00")).stage(workflow.StageClosed)

	c := w.c
	if c.Version != len(w.events) || c.Round != 2 || c.Returns != 1 || len(c.Notices) != 1 || len(c.Findings) != 2 {
		t.Errorf("closed case: version %d/%d round %d returns %d notices %d findings %d",
			c.Version, len(w.events), c.Round, c.Returns, len(c.Notices), len(c.Findings))
	}
	if c.Approval == nil || c.Approval.By != "zhou" || !c.Repaired() || !c.ClosedAt.Equal(engT("2026-03-27 10:00")) {
		t.Errorf("closed case: approval %+v repaired %v closed %v", c.Approval, c.Repaired(), c.ClosedAt)
	}
	if len(c.Pauses) != 1 || !c.Pauses[0].From.Equal(engT("2026-03-03 10:00")) || !c.Pauses[0].To.Equal(engT("2026-03-10 09:00")) {
		t.Errorf("pauses %+v", c.Pauses)
	}
	engReplayCheck(t, w)

	// Replay re-runs the guards: out of order, it fails.
	bad := slices.Clone(w.events)
	bad[len(bad)-1], bad[len(bad)-2] = bad[len(bad)-2], bad[len(bad)-1]
	if _, err := workflow.DefaultRules().Replay(bad); err == nil {
		t.Errorf("replay of events out of order succeeded")
	}
}

func TestEngineDeclineWalks(t *testing.T) {
	t0 := engT("2026-03-02 09:00")
	// Whitewash attempt turned away at formal review.
	ww := engStart(t, engLi, engIntake(engGoodCode), t0).
		act(engLi, workflow.ActDecline, engT("2026-03-03 10:00"), func(a *workflow.Action) {
			a.Decline = &workflow.Decline{Reason: "whitewash", Explanation: "逾期记录真实，企业要求删除真实不良记录",
				Avenues: []string{"await_expiry"}, ExpiryDate: "2030-11-20"}
		}).stage(workflow.StageDeclined)
	engReplayCheck(t, ww)

	// Investigated, found accurate, declined at investigation.
	inv := engStart(t, engLi, engIntake(engGoodCode), t0).completeMaterials(engLi, engT("2026-03-02 10:00")).
		act(engLi, workflow.ActAccept, engT("2026-03-03 10:00")).
		act(engLi, workflow.ActAddFinding, engT("2026-03-04 10:00"), func(a *workflow.Action) {
			a.Finding.Result = "confirmed_accurate"
		}).
		act(engLi, workflow.ActDecline, engT("2026-03-05 10:00"), func(a *workflow.Action) {
			a.Decline = &workflow.Decline{Reason: "record_accurate", Explanation: "经向银行核实，逾期记录准确",
				Avenues: []string{"pbc_complaint", "civil_suit"}}
		}).stage(workflow.StageDeclined)
	engReplayCheck(t, inv)
	if inv.c.Decline.From != workflow.StageInvestigating {
		t.Errorf("decline from %s", inv.c.Decline.From)
	}

	// Proposed, declined by the reviewing supervisor.
	pa := engStart(t, engLi, engIntake(engGoodCode), t0).completeMaterials(engLi, engT("2026-03-02 10:00")).
		act(engLi, workflow.ActAccept, engT("2026-03-03 10:00")).
		act(engLi, workflow.ActAddFinding, engT("2026-03-04 10:00")).
		act(engLi, workflow.ActProposeRepair, engT("2026-03-05 10:00")).
		act(engWang, workflow.ActDecline, engT("2026-03-06 10:00"), func(a *workflow.Action) {
			a.Decline = &workflow.Decline{Reason: "insufficient_evidence", Explanation: "银行未能出具书面证明",
				Avenues: []string{"institution_dispute"}}
		}).stage(workflow.StageDeclined)
	engReplayCheck(t, pa)
	if pa.c.Decline.By != "wang" || pa.c.Decline.From != workflow.StagePendingApproval {
		t.Errorf("decline %+v", pa.c.Decline)
	}
	// Nothing more can happen to a declined case but comments.
	engRefused(t, pa.c, engWang, engAct(workflow.ActWithdraw, engNow), "terminal")
	engRefused(t, pa.c, engLi, engAct(workflow.ActNotifyApplicant, engNow), "terminal")
}

// Apply on a failed action leaves the input alone too, and an applied case does not share
// its slices with the input (appending to one must not show in the other).
func TestEngineNoAliasing(t *testing.T) {
	f := engBuild(t)
	in := f.at[workflow.StageAwaitingMaterials].c
	keep := engDeepCopy(in)
	n, _, err := engTry(t, in, engLi, engAct(workflow.ActMaterialsReceived, engNow))
	if err != nil {
		t.Fatal(err)
	}
	n.Materials[0].Note = "scribble"
	n.Pauses[0].From = time.Time{}
	n.Investigators = append(n.Investigators, "x")
	if !reflect.DeepEqual(keep, in) {
		t.Errorf("changing the applied case changed the input case")
	}
}

func TestFindingEvidenceReference(t *testing.T) {
	for ref, ok := range map[string]bool{
		"":                                   true,
		"HX-2026-00017":                      true,
		"sha256:" + strings.Repeat("ab", 32): true,
		"SHA256:" + strings.Repeat("AB", 32): true,
		"sha256:abc":                         false,
		"sha256:" + strings.Repeat("zz", 32): false,
	} {
		if got := workflow.ValidEvidenceForTest(ref); got != ok {
			t.Errorf("%q: %v, want %v", ref, got, ok)
		}
	}
}

// A further record joins the case at formal review: its checklist items are added (or made
// required), the same record twice is refused, a bad record is refused with its reason.
func TestEngineAddRecord(t *testing.T) {
	rules := workflow.DefaultRules()
	at := engT("2026-03-03 10:00")
	create := engAct(workflow.ActCreate, engT("2026-03-02 09:00"))
	create.Actor = engLi.Name
	c, _, err := rules.Apply(workflow.Case{}, engLi, create)
	if err != nil {
		t.Fatal(err)
	}
	rec := workflow.Record{Source: "baihang", Type: "guarantee", Institution: "郑州银行", Date: "2025-06-01", Problem: "outdated"}
	a := workflow.Action{Kind: workflow.ActAddRecord, Actor: engLi.Name, At: at, Record: &rec,
		Materials: workflow.DefaultCatalogue().Checklist(append(slices.Clone(c.Records), rec))}
	n, _, err := rules.Apply(c, engLi, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Records) != len(c.Records)+1 {
		t.Fatalf("records %d", len(n.Records))
	}
	i := slices.IndexFunc(n.Materials, func(m workflow.Material) bool { return m.Key == "guarantee_release" })
	if i < 0 || !n.Materials[i].Required {
		t.Fatalf("the guarantee release certificate was not added as required: %+v", n.Materials)
	}
	if _, _, err := rules.Apply(n, engLi, a); err == nil || err.(*workflow.Refusal).Code != "record_dup" {
		t.Fatalf("the same record twice: %v", err)
	}
	bad := rec
	bad.Date = "2099-01-01"
	a.Record = &bad
	if _, _, err := rules.Apply(c, engLi, a); err == nil || !strings.Contains(err.(*workflow.Refusal).Message("zh"), "不能晚于今天") {
		t.Fatalf("a future record date: %v", err)
	}
}
