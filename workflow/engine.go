package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Refusal says why an action cannot be taken, in words a person can act on.
type Refusal struct {
	Code string
	ZH   string
	EN   string
}

func (r *Refusal) Error() string { return r.EN }

// Message is the reason in lang ("en" or Chinese by default).
func (r *Refusal) Message(lang string) string {
	if lang == "en" {
		return r.EN
	}
	return r.ZH
}

// refuse builds a Refusal. args holds the Chinese arguments followed by the English
// ones, the same number of each (labels differ by language).
func refuse(code, zh, en string, args ...any) *Refusal {
	half := len(args) / 2
	return &Refusal{Code: code, ZH: fmt.Sprintf(zh, args[:half]...), EN: fmt.Sprintf(en, args[half:]...)}
}

// Option is one entry of the action menu: allowed, or refused with the reason.
type Option struct {
	Kind    ActionKind
	Refusal *Refusal // nil when allowed
}

// Rules are the engine's settings that come from data (catalogue, publicity periods).
type Rules struct {
	// Publicity is the minimum publicity period of an administrative penalty before repair
	// may be requested, by tier, versioned by the day the penalty was decided (newest
	// first; the last applies to every earlier penalty): sources/sources.json.
	Publicity []PublicityRule
}

// DefaultRules: the publicity periods of the source book (NDRC Order 36 from 2026-04-01:
// minor none, general 3 months, serious 1 year; earlier penalties follow the rules of their
// time, whose figures are marked 待核实 in the data).
func DefaultRules() Rules {
	return Rules{Publicity: Sources().Publicity}
}

// LawVersion is the version of the legal rules an action is checked by. Apply stamps it
// on every new action; an action stored before it (Law 0) replays by the rules of its time,
// so a history written under the old rules still rebuilds.
const LawVersion = 1

// PublicityRule is the rule for a penalty decided on the record's date.
func (r Rules) PublicityRule(rec Record) (PublicityRule, bool) {
	d, err := ParseDate(rec.Date)
	if err != nil {
		return PublicityRule{}, false
	}
	day := Day(d)
	for _, p := range r.Publicity {
		if p.From == "" || day >= p.From {
			return p, true
		}
	}
	return PublicityRule{}, false
}

// EarliestRepair is the first day repair of this record may be requested, or zero if any
// day: the decision date plus the tier's months, clamped to the month's end (民法典 art. 202).
func (r Rules) EarliestRepair(rec Record) time.Time {
	if rec.Type != "admin_penalty" {
		return time.Time{}
	}
	p, ok := r.PublicityRule(rec)
	if !ok {
		return time.Time{}
	}
	months := p.Months[rec.Tier]
	if months == 0 {
		return time.Time{}
	}
	d, _ := ParseDate(rec.Date)
	return AddMonths(d, months)
}

// stagesFor says where each action may be taken.
var stagesFor = map[ActionKind][]Stage{
	ActUpdateMaterial:     {StageFormalReview, StageAwaitingMaterials},
	ActAddRecord:          {StageFormalReview, StageAwaitingMaterials},
	ActRequestMaterials:   {StageFormalReview},
	ActMaterialsReceived:  {StageAwaitingMaterials},
	ActLapse:              {StageAwaitingMaterials},
	ActOverrideCreditCode: {StageFormalReview, StageAwaitingMaterials},
	ActAccept:             {StageFormalReview},
	ActAddFinding:         {StageInvestigating},
	ActProposeRepair:      {StageInvestigating},
	ActApprove:            {StagePendingApproval},
	ActReturn:             {StagePendingApproval},
	ActSubmitCorrection:   {StageApproved},
	ActRecordOutcome:      {StageSubmitted},
	ActNotifyApplicant:    {StageFeedback},
	ActDecline:            {StageFormalReview, StageInvestigating, StagePendingApproval},
}

// Check says whether actor may take kind on c now, judged on the case alone (the payload
// is checked by Apply). It is what the action menu shows.
func (r Rules) Check(c *Case, actor Staff, kind ActionKind, now time.Time) *Refusal {
	return r.check(c, actor, kind, now, LawVersion)
}

// supporting are the finding results that support a repair: the record is wrong, or (信用中国,
// GSXT) the dishonest conduct was corrected and the record is eligible for repair.
var supporting = []string{"confirmed_wrong", "corrected_eligible"}

// check judges kind on c under the rules of version law (what an action stored with that
// version was checked by).
func (r Rules) check(c *Case, actor Staff, kind ActionKind, now time.Time, law int) *Refusal {
	if !actor.Active {
		return refuse("inactive", "账号已停用，请联系管理员", "Your account is disabled; ask an admin")
	}
	if !actor.Role.CanWork() {
		return refuse("read_only", "%s为只读角色，不能办理案件", "The %s role is read-only", actor.Role.Label("zh"), actor.Role.Label("en"))
	}
	if kind == ActComment {
		return nil
	}
	if c.Stage.Terminal() {
		return refuse("terminal", "案件%s，不能再办理", "The case is %s; nothing more can be done", c.Stage.Label("zh"), strings.ToLower(c.Stage.Label("en")))
	}
	switch kind {
	case ActWithdraw:
		return nil
	case ActReassign:
		if !actor.Role.CanReview() {
			return refuse("role", "改派需由审核主管办理", "Only a supervisor can reassign a case")
		}
		return nil
	}
	stages, ok := stagesFor[kind]
	if !ok {
		return refuse("unknown", "未知操作 %s", "Unknown action %s", kind, kind)
	}
	if !slices.Contains(stages, c.Stage) {
		names := make([]string, 0, len(stages))
		namesEN := make([]string, 0, len(stages))
		for _, s := range stages {
			names = append(names, s.Label("zh"))
			namesEN = append(namesEN, s.Label("en"))
		}
		return refuse("stage", "当前阶段为%s；此操作仅在%s阶段可用", "The case is at %s; this is only possible at %s",
			c.Stage.Label("zh"), strings.Join(names, "、"), c.Stage.Label("en"), strings.Join(namesEN, ", "))
	}
	switch kind {
	case ActRequestMaterials:
		for _, n := range c.Notices {
			if n.Round == c.Round {
				return refuse("notice_round", "第%d轮审核已发出补正通知，同一轮不得再次告知", "A notice was already sent in review round %d; one notice per round", c.Round, c.Round)
			}
		}
		if len(c.Missing()) == 0 {
			return refuse("nothing_missing", "材料已齐全合规，无需补正，可直接受理", "All materials are complete and valid; accept instead")
		}
	case ActLapse:
		var due time.Time
		if k := len(c.Notices); k > 0 {
			due = c.Notices[k-1].Deadline
		}
		if due.IsZero() || !now.After(due) {
			return refuse("not_lapsed", "补正期限（%s）尚未届满，不能终止办理", "The supplement deadline (%s) has not passed", Day(due), Day(due))
		}
	case ActOverrideCreditCode:
		if !c.CreditCodeWarning || c.CreditCodeOverride != "" {
			return refuse("no_warning", "统一社会信用代码没有待确认的警告", "There is no credit-code warning to confirm")
		}
		if !actor.Role.CanReview() {
			return refuse("role", "信用代码校验警告需由审核主管确认", "Only a supervisor can confirm a credit-code warning")
		}
		if law >= 1 && c.IntakeBy != "" && c.IntakeBy == actor.Name {
			return refuse("four_eyes", "信用代码警告须由未录入该代码的主管确认", "The credit-code warning must be confirmed by a supervisor who did not type the code")
		}
	case ActAccept:
		if miss := c.Missing(); len(miss) > 0 {
			names := make([]string, 0, len(miss))
			namesEN := make([]string, 0, len(miss))
			for _, m := range miss {
				names = append(names, Material{Key: m.Key, Label: m.Label}.Name("zh"))
				namesEN = append(namesEN, Material{Key: m.Key, Label: m.Label}.Name("en"))
			}
			return refuse("materials", "材料未齐全合规：%s", "Materials incomplete or invalid: %s", strings.Join(names, "、"), strings.Join(namesEN, ", "))
		}
		if c.CreditCodeWarning && c.CreditCodeOverride == "" {
			return refuse("credit_code", "统一社会信用代码校验位不符，需审核主管确认后方可受理", "The credit code fails its check digit; a supervisor must confirm it first")
		}
		for _, rec := range c.Records {
			if e := r.EarliestRepair(rec); !e.IsZero() && now.Before(e) {
				return refuse("publicity", "行政处罚未满最短公示期，最早可于%s申请修复", "The penalty's minimum publicity period has not passed; repair may be requested from %s", Day(e), Day(e))
			}
		}
	case ActAddFinding:
	case ActProposeRepair:
		if len(c.Findings) == 0 {
			return refuse("no_finding", "尚无核实记录，请先记录至少一条核实结果", "Record at least one verification finding first")
		}
		if law >= 1 && !c.hasCurrentResult(supporting...) {
			return refuse("no_support", "提请修复须至少有一条支持修复的核实结论（确属错误，或已纠正失信行为、符合修复条件）", "A repair needs at least one finding that supports it (confirmed wrong, or conduct corrected and eligible)")
		}
		if law >= 1 && c.hasCurrentResult("confirmed_accurate") && !actor.Role.CanReview() {
			return refuse("accurate_finding", "有核实结论为“确认无误”，提请修复须由审核主管写明理由后办理", "A finding says the record is accurate: only a supervisor, giving a reason, can propose a repair")
		}
	case ActApprove, ActReturn:
		if r := fourEyes(c, actor); r != nil {
			return r
		}
	case ActDecline:
		if law >= 1 && c.Stage != StageFormalReview && len(c.CurrentFindings()) == 0 {
			return refuse("no_finding_decline", "调查后不予修复须至少有一条核实结论", "A decline after investigation needs at least one finding")
		}
		if c.Stage == StagePendingApproval {
			if r := fourEyes(c, actor); r != nil {
				return r
			}
		}
	}
	return nil
}

func fourEyes(c *Case, actor Staff) *Refusal {
	if !actor.Role.CanReview() {
		return refuse("role", "审批需由审核主管办理", "Approval needs a supervisor")
	}
	if c.hasInvestigator(actor.Name) || c.Proposer == actor.Name {
		return refuse("four_eyes", "审批需由非调查人的主管完成（您参与了本案调查或提请）", "Approval must come from a supervisor who did not investigate or propose this case")
	}
	return nil
}

// Options is the action menu for actor on c: every action with whether it is allowed.
func (r Rules) Options(c *Case, actor Staff, now time.Time) []Option {
	out := make([]Option, 0, len(Actions))
	for _, k := range Actions {
		out = append(out, Option{Kind: k, Refusal: r.Check(c, actor, k, now)})
	}
	return out
}

// Apply takes action a on c and returns the new case and the event that records it. c is
// not modified. actor is the authenticated staff member (a.Actor must be theirs).
func (r Rules) Apply(c Case, actor Staff, a Action) (Case, Event, error) {
	if a.Law == 0 {
		a.Law = LawVersion
	}
	return r.apply(c, actor, a)
}

// apply takes a as it is: Replay passes stored actions, whose Law says which rules held.
func (r Rules) apply(c Case, actor Staff, a Action) (Case, Event, error) {
	if a.Actor != actor.Name {
		return c, Event{}, refuse("actor", "操作人与登录身份不符", "The action's actor is not the signed-in staff member")
	}
	a.Role = actor.Role
	a.At = a.At.Round(0)
	if a.At.IsZero() {
		return c, Event{}, refuse("time", "缺少操作时间", "The action has no time")
	}
	a.Comment = strings.TrimSpace(a.Comment)
	if a.Kind == ActCreate {
		if c.ID != 0 || c.Version != 0 {
			return c, Event{}, refuse("exists", "案件已存在，不能重复受理", "The case already exists")
		}
		return r.create(actor, a)
	}
	if c.ID == 0 {
		return c, Event{}, refuse("no_case", "案件不存在", "No such case")
	}
	if ref := r.check(&c, actor, a.Kind, a.At, a.Law); ref != nil {
		return c, Event{}, ref
	}
	n := c.clone()
	from := c.Stage
	var changes []Change
	set := func(field, old, new string) { changes = append(changes, Change{Field: field, Old: old, New: new}) }
	move := func(to Stage) {
		if to != n.Stage {
			n.Stage = to
			n.StageSince = a.At
		}
	}

	switch a.Kind {
	case ActComment:
		if a.Comment == "" {
			return c, Event{}, refuse("comment", "备注内容不能为空", "The comment is empty")
		}
	case ActUpdateMaterial:
		u := a.Material
		if u == nil || strings.TrimSpace(u.Key) == "" {
			return c, Event{}, refuse("material", "未指定材料", "No material given")
		}
		if u.Waive || u.Unwaive {
			if a.Law < 1 {
				return c, Event{}, refuse("material", "未知的材料操作", "Unknown material change")
			}
			i := slices.IndexFunc(n.Materials, func(m Material) bool { return m.Key == u.Key })
			switch {
			case i < 0:
				return c, Event{}, refuse("material", "材料清单中没有 %s", "%s is not on the checklist", u.Key, u.Key)
			case !actor.Role.CanReview():
				return c, Event{}, refuse("role", "材料免交或不适用须由审核主管确认", "Only a supervisor can waive a checklist item")
			case u.Waive && slices.Contains(AuthorityProof, u.Key):
				return c, Event{}, refuse("waive_authority", "授权与身份证明对每个来源都必须提交，不能免交", "Proof of authority is required for every source and cannot be waived")
			case u.Waive && strings.TrimSpace(u.Note) == "":
				return c, Event{}, refuse("waive_reason", "请写明免交或不适用的理由", "Say why the item is waived")
			}
			old := materialState(n.Materials[i])
			m := &n.Materials[i]
			m.Waived, m.WaivedBy, m.WaiverWhy = u.Waive, "", ""
			if u.Waive {
				m.WaivedBy, m.WaiverWhy = a.Actor, strings.TrimSpace(u.Note)
			}
			set("material."+u.Key, old, materialState(*m))
			break
		}
		if u.Valid && !u.Received {
			return c, Event{}, refuse("material", "未收到的材料不能标为合规", "A material not received cannot be valid")
		}
		if u.Received && !u.Valid && strings.TrimSpace(u.Note) == "" {
			return c, Event{}, refuse("material_note", "标记材料不合规时须写明问题，以便一次性告知", "Say what is wrong with an invalid material, for the notice")
		}
		i := slices.IndexFunc(n.Materials, func(m Material) bool { return m.Key == u.Key })
		if i < 0 {
			if strings.TrimSpace(u.Label) == "" {
				return c, Event{}, refuse("material", "材料清单中没有 %s；新增材料须填写名称", "%s is not on the checklist; give a name to add it", u.Key, u.Key)
			}
			n.Materials = append(n.Materials, Material{Key: u.Key, Label: u.Label, Required: u.Required})
			i = len(n.Materials) - 1
		}
		old := materialState(n.Materials[i])
		n.Materials[i].Received, n.Materials[i].Valid, n.Materials[i].Note = u.Received, u.Valid, strings.TrimSpace(u.Note)
		if a.Law >= 1 && u.Received { // the applicant submitted it (again) now
			n.Materials[i].UpdatedAt = a.At
		}
		set("material."+u.Key, old, materialState(n.Materials[i]))
	case ActRequestMaterials:
		items := n.Missing()
		if a.Deadline.IsZero() {
			return c, Event{}, refuse("deadline", "补正通知须写明补正期限", "The notice needs a resubmission deadline")
		}
		notice := Notice{Round: n.Round, Items: items, At: a.At, By: a.Actor, Deadline: a.Deadline}
		if a.Law >= 1 {
			if extra := laterNoticeExtras(&c, items); len(extra) > 0 {
				zh, en := materialNames(&c, extra, "zh"), materialNames(&c, extra, "en")
				if !actor.Role.CanReview() {
					return c, Event{}, refuse("notice_new_items", "一次性告知：%s未在此前的补正通知中列明，也不是此后新提交的材料；再次告知须由审核主管写明理由",
						"Told once and in full: %s was not named in an earlier notice nor submitted since; only a supervisor, giving a reason, can name it now", zh, en)
				}
				if a.Comment == "" {
					return c, Event{}, refuse("notice_override", "请写明再次告知%s的理由（将记入补正通知历史）", "Give the reason to name %s now (kept in the notice history)", zh, en)
				}
				notice.Override, notice.OverrideBy = a.Comment, a.Actor
			}
		}
		n.Notices = append(n.Notices, notice)
		n.Pauses = append(n.Pauses, Pause{From: a.At})
		set("notice", "", fmt.Sprint(len(items))) // how many items; the notice itself names them
		move(StageAwaitingMaterials)
	case ActMaterialsReceived:
		if k := len(n.Pauses); k > 0 && n.Pauses[k-1].To.IsZero() {
			n.Pauses[k-1].To = a.At
		}
		n.Round++
		set("round", fmt.Sprint(c.Round), fmt.Sprint(n.Round))
		move(StageFormalReview)
	case ActLapse:
		if k := len(n.Pauses); k > 0 && n.Pauses[k-1].To.IsZero() {
			n.Pauses[k-1].To = a.At
		}
		n.Lapsed, n.Withdrawal = true, a.Comment
		n.ClosedAt = a.At
		set("lapsed", "", Day(n.Notices[len(n.Notices)-1].Deadline))
		move(StageWithdrawn)
	case ActOverrideCreditCode:
		if a.Comment == "" {
			return c, Event{}, refuse("comment", "请说明确认该信用代码的理由", "Say why the credit code is accepted")
		}
		n.CreditCodeOverride = a.Actor
		set("credit_code_override", "", a.Actor)
	case ActAddRecord:
		if a.Record == nil {
			return c, Event{}, refuse("record", "未填写异议记录", "No record given")
		}
		rec := *a.Record
		if errs := ValidateRecord(&rec, "record.", a.At); len(errs) > 0 {
			return c, Event{}, &Refusal{Code: "invalid", ZH: errs[0].ZH, EN: errs[0].EN}
		}
		for _, r := range n.Records {
			if r.Source == rec.Source && r.Type == rec.Type && r.Institution == rec.Institution && r.Date == rec.Date {
				return c, Event{}, refuse("record_dup", "该记录已在本案中", "This record is already part of the case")
			}
		}
		n.Records = append(n.Records, rec)
		for _, m := range a.Materials {
			i := slices.IndexFunc(n.Materials, func(x Material) bool { return x.Key == m.Key })
			switch {
			case i < 0:
				added := Material{Key: m.Key, Label: m.Label, Required: m.Required}
				if a.Law >= 1 {
					added.UpdatedAt = a.At // brought by a record added now
				}
				n.Materials = append(n.Materials, added)
			case m.Required && !n.Materials[i].Required:
				n.Materials[i].Required = true // the new record needs what was optional
			}
		}
		set("record", "", rec.Type)
	case ActAccept:
		move(StageInvestigating)
	case ActAddFinding:
		f := a.Finding
		if f == nil {
			return c, Event{}, refuse("finding", "未填写核实结果", "No finding given")
		}
		f2 := *f
		f2.Checked = strings.TrimSpace(f2.Checked)
		if f2.Checked == "" {
			return c, Event{}, refuse("finding", "请写明核实了什么", "Say what was checked")
		}
		if !slices.Contains(Keys("result"), f2.Result) {
			return c, Event{}, refuse("finding", "请选择核实结论（确属错误/已纠正失信行为、符合修复条件/确认无误/无法认定）", "Choose a result: confirmed wrong, conduct corrected and eligible, confirmed accurate or cannot determine")
		}
		if f2.Method != "" && !slices.Contains(Keys("method"), f2.Method) {
			return c, Event{}, refuse("finding", "未知的核实方式 %s", "Unknown method %s", f2.Method, f2.Method)
		}
		if f2.Contact != "" && !slices.Contains(Keys("contact"), f2.Contact) {
			return c, Event{}, refuse("finding", "未知的核实对象 %s", "Unknown source contacted %s", f2.Contact, f2.Contact)
		}
		f2.Evidence = strings.TrimSpace(f2.Evidence)
		if !validEvidence(f2.Evidence) {
			return c, Event{}, refuse("evidence", "证据引用以 sha256: 开头时，其后须为64位十六进制摘要", "An evidence reference starting with sha256: must carry a 64-digit hex digest")
		}
		f2.By, f2.At, f2.SupersededBy = a.Actor, a.At, 0
		if a.Law >= 1 && f2.Result == "corrected_eligible" && !c.hasSource("creditchina", "gsxt") {
			return c, Event{}, refuse("result_source", "“已纠正失信行为、符合修复条件”仅适用于信用中国和国家企业信用信息公示系统的记录", "\"Conduct corrected; eligible for repair\" applies only to Credit China and GSXT records")
		}
		if k := f2.Supersedes; k != 0 {
			if a.Law < 1 || k < 0 || k > len(n.Findings) || !n.Findings[k-1].Current() {
				return c, Event{}, refuse("supersede", "只能取代一条现行的核实结论（第%d条不存在或已被取代）", "Only a current finding can be superseded (no. %d does not exist or was superseded)", k, k)
			}
			n.Findings[k-1].SupersededBy = len(n.Findings) + 1
			set("finding.superseded", fmt.Sprint(k), fmt.Sprint(len(n.Findings)+1))
		}
		n.Findings = append(n.Findings, f2)
		n.addInvestigator(a.Actor)
		set("finding", "", f2.Result)
	case ActProposeRepair:
		p := a.Proposal
		if p == nil || strings.TrimSpace(p.Conclusion) == "" {
			return c, Event{}, refuse("conclusion", "提请审批须写明调查结论", "A proposal needs a conclusion")
		}
		override := strings.TrimSpace(p.Override)
		if a.Law >= 1 && c.hasCurrentResult("confirmed_accurate") && override == "" {
			return c, Event{}, refuse("override_reason", "有核实结论为“确认无误”，请写明仍提请修复的理由", "A finding says the record is accurate: give the reason to propose a repair anyway")
		}
		n.Proposal = &Proposal{Conclusion: strings.TrimSpace(p.Conclusion), Plan: strings.TrimSpace(p.Plan), Override: override, By: a.Actor, At: a.At}
		n.Proposer = a.Actor
		n.addInvestigator(a.Actor)
		move(StagePendingApproval)
	case ActApprove:
		n.Approval = &Decision{By: a.Actor, At: a.At, Comment: a.Comment}
		move(StageApproved)
	case ActReturn:
		if a.Comment == "" {
			return c, Event{}, refuse("comment", "退回须写明意见", "A return needs comments saying what to do")
		}
		n.Returns++
		move(StageInvestigating)
	case ActDecline:
		d := a.Decline
		if d == nil || d.Reason == "" {
			return c, Event{}, refuse("reason", "不予修复须选择理由", "A decline needs a reason code")
		}
		if !slices.Contains(Keys("reason"), d.Reason) {
			return c, Event{}, refuse("reason", "未知的不予修复理由 %s", "Unknown reason %s", d.Reason, d.Reason)
		}
		if c.Stage == StageFormalReview && !slices.Contains(Keys("reason_formal"), d.Reason) {
			return c, Event{}, refuse("reason", "形式审核阶段只能以不属于修复范围、洗白或未满公示期等理由不予修复；核实结论须经调查", "At formal review a decline must be out of scope, a whitewash attempt or too early; findings need an investigation")
		}
		if strings.TrimSpace(d.Explanation) == "" {
			return c, Event{}, refuse("explanation", "请用通俗语言写明不予修复的原因", "Explain the reason in plain language")
		}
		if len(d.Avenues) == 0 {
			return c, Event{}, refuse("avenues", "须告知企业其他救济途径（至少一项）", "Tell the applicant at least one other avenue")
		}
		for _, av := range d.Avenues {
			if !slices.Contains(Keys("avenue"), av) {
				return c, Event{}, refuse("avenues", "未知的救济途径 %s", "Unknown avenue %s", av, av)
			}
		}
		if a.Law >= 1 {
			for _, av := range d.Avenues {
				if !AvenueAllowed(&c, av) {
					return c, Event{}, refuse("avenue_source", "“%s”不适用于本案记录的来源（%s）", "%q does not apply to the sources of this case's records (%s)",
						Label("avenue", av, "zh"), sourceNames(&c, "zh"), Label("avenue", av, "en"), sourceNames(&c, "en"))
				}
			}
		}
		if slices.Contains(d.Avenues, "await_expiry") && d.ExpiryDate != "" {
			if _, err := ParseDate(d.ExpiryDate); err != nil {
				return c, Event{}, refuse("expiry", "期满日期格式应为 YYYY-MM-DD", "The expiry date must be YYYY-MM-DD")
			}
		}
		n.Decline = &Decline{Reason: d.Reason, Explanation: strings.TrimSpace(d.Explanation), Avenues: slices.Clone(d.Avenues),
			ExpiryDate: d.ExpiryDate, From: c.Stage, By: a.Actor, At: a.At}
		n.ClosedAt = a.At
		move(StageDeclined)
	case ActSubmitCorrection:
		s := a.Submission
		if s == nil || !slices.Contains(Keys("channel"), s.Channel) {
			return c, Event{}, refuse("channel", "请选择报送渠道", "Choose the channel the correction was submitted through")
		}
		if strings.TrimSpace(s.Reference) == "" {
			return c, Event{}, refuse("reference", "请填写报送回执编号", "Enter the submission's reference number")
		}
		n.Submission = &Submission{Channel: s.Channel, Reference: strings.TrimSpace(s.Reference), By: a.Actor, At: a.At}
		move(StageSubmitted)
	case ActRecordOutcome:
		o := a.Outcome
		if o == nil || !slices.Contains(Keys("outcome"), o.Result) {
			return c, Event{}, refuse("outcome", "请选择修正结果", "Choose the outcome")
		}
		n.Outcome = &Outcome{Result: o.Result, Note: strings.TrimSpace(o.Note), By: a.Actor, At: a.At}
		move(StageFeedback)
	case ActNotifyApplicant:
		nt := a.Notification
		if nt == nil || !slices.Contains(Keys("notify"), nt.Channel) {
			return c, Event{}, refuse("notify", "请选择反馈方式", "Choose how the applicant was told")
		}
		d, err := ParseDate(nt.Date)
		if err != nil {
			return c, Event{}, refuse("date", "反馈日期格式应为 YYYY-MM-DD", "The date must be YYYY-MM-DD")
		}
		if d.After(a.At) {
			return c, Event{}, refuse("date", "反馈日期不能晚于今天", "The date cannot be in the future")
		}
		if n.Submission != nil && Day(d) < Day(n.Submission.At) {
			return c, Event{}, refuse("date", "反馈日期不能早于报送日期 %s", "The date cannot be before the submission on %s", Day(n.Submission.At), Day(n.Submission.At))
		}
		n.Notification = &Notification{Channel: nt.Channel, Date: nt.Date, By: a.Actor, At: a.At}
		n.ClosedAt = a.At
		move(StageClosed)
	case ActWithdraw:
		if a.Comment == "" {
			return c, Event{}, refuse("comment", "撤回须写明原因", "Say why the application is withdrawn")
		}
		if k := len(n.Pauses); k > 0 && n.Pauses[k-1].To.IsZero() {
			n.Pauses[k-1].To = a.At
		}
		n.Withdrawal = a.Comment
		n.ClosedAt = a.At
		move(StageWithdrawn)
	case ActReassign:
		if a.Assignee == "" {
			return c, Event{}, refuse("assignee", "请选择改派给谁", "Choose whom to assign the case to")
		}
		if a.Assignee == c.Owner {
			return c, Event{}, refuse("assignee", "案件已由 %s 负责", "The case is already assigned to %s", a.Assignee, a.Assignee)
		}
		set("owner", c.Owner, a.Assignee)
		n.Owner = a.Assignee
	default:
		return c, Event{}, refuse("unknown", "未知操作 %s", "Unknown action %s", a.Kind, a.Kind)
	}
	if n.Stage != from {
		set("stage", string(from), string(n.Stage))
	}
	n.Version++
	n.UpdatedAt, n.UpdatedBy = a.At, a.Actor
	ev := Event{CaseID: n.ID, Seq: n.Version, Kind: a.Kind, Actor: a.Actor, At: a.At, From: from, To: n.Stage,
		Comment: a.Comment, Changes: changes, Action: a}
	return n, ev, nil
}

func materialState(m Material) string {
	switch {
	case m.Waived:
		return "waived"
	case !m.Received:
		return "missing"
	case !m.Valid:
		return "invalid"
	}
	return "ok"
}

func (r Rules) create(actor Staff, a Action) (Case, Event, error) {
	if !actor.Active {
		return Case{}, Event{}, refuse("inactive", "账号已停用，请联系管理员", "Your account is disabled; ask an admin")
	}
	if !actor.Role.CanWork() {
		return Case{}, Event{}, refuse("read_only", "%s为只读角色，不能受理案件", "The %s role is read-only", actor.Role.Label("zh"), actor.Role.Label("en"))
	}
	in := a.Intake
	if in == nil || in.ID == 0 || in.No == "" {
		return Case{}, Event{}, refuse("intake", "受理信息不完整", "The intake is incomplete")
	}
	if errs := ValidateIntake(in, a.At); len(errs) > 0 {
		for _, e := range errs {
			if !e.Warning {
				return Case{}, Event{}, &Refusal{Code: "invalid", ZH: e.ZH, EN: e.EN}
			}
		}
	}
	// Structure warnings (GB 32100, GB/T 2260, GB 11714) apply to intakes under the law
	// version; older intakes replay with the check digit alone.
	_, ccErr := validateCreditCodeBase(in.Enterprise.CreditCode)
	if a.Law >= 1 {
		_, ccErr = ValidateCreditCode(in.Enterprise.CreditCode)
	}
	owner := in.Owner
	if owner == "" {
		owner = a.Actor
	}
	c := Case{
		ID: in.ID, No: in.No, Version: 1, Stage: StageFormalReview,
		Enterprise: in.Enterprise, Agent: in.Agent,
		Records: slices.Clone(in.Records), Materials: slices.Clone(in.Materials),
		Owner: owner, Round: 1, CreditCodeWarning: ccErr != nil && ccErr.Warning,
		ReceivedAt: in.ReceivedAt, StageSince: a.At, UpdatedAt: a.At, UpdatedBy: a.Actor,
	}
	if a.Law >= 1 {
		c.IntakeBy = a.Actor // who typed the code: not the one to confirm its warning
	}
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = a.At
	}
	ev := Event{CaseID: c.ID, Seq: 1, Kind: ActCreate, Actor: a.Actor, At: a.At, To: c.Stage, Comment: a.Comment, Action: a}
	return c, ev, nil
}

// Replay folds events into the case they describe; store checks use it to prove a stored
// case equals its history.
// The actor is taken as they were then (role stored in the action, active).
func (r Rules) Replay(events []Event) (Case, error) {
	var c Case
	for i, ev := range events {
		actor := Staff{Name: ev.Action.Actor, Role: ev.Action.Role, Active: true}
		n, _, err := r.apply(c, actor, ev.Action)
		if err != nil {
			return c, fmt.Errorf("event %d (%s): %w", i+1, ev.Kind, err)
		}
		c = n
	}
	return c, nil
}

// validEvidence: a reference is free text (a file number), but one that claims to be a
// SHA-256 must be one, so it can be checked against the file later.
func validEvidence(ref string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(ref), "sha256:")
	if !ok {
		return true
	}
	if len(rest) != 64 {
		return false
	}
	for _, r := range rest {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// sourceNames lists the sources of c's records.
func sourceNames(c *Case, lang string) string {
	var out []string
	for _, r := range c.Records {
		if n := Label("source", r.Source, lang); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sep := "、"
	if lang == "en" {
		sep = ", "
	}
	return strings.Join(out, sep)
}

// laterNoticeExtras are the items of a new notice that a later notice may not name by itself
// (行政许可法 art. 32(4): incomplete materials are told once and in full): neither named in
// an earlier notice (and so still not right) nor submitted since the last notice (or
// brought by a record added since). An item the agency adds to the checklist by hand after
// the notice is such an extra.
func laterNoticeExtras(c *Case, items []NoticeItem) []string {
	if len(c.Notices) == 0 {
		return nil
	}
	last := c.Notices[len(c.Notices)-1].At
	named := map[string]bool{}
	for _, nt := range c.Notices {
		for _, it := range nt.Items {
			named[it.Key] = true
		}
	}
	var out []string
	for _, it := range items {
		i := slices.IndexFunc(c.Materials, func(m Material) bool { return m.Key == it.Key })
		if named[it.Key] || i >= 0 && c.Materials[i].UpdatedAt.After(last) {
			continue
		}
		out = append(out, it.Key)
	}
	return out
}

func materialNames(c *Case, keys []string, lang string) string {
	var out []string
	for _, k := range keys {
		m := Material{Key: k}
		if i := slices.IndexFunc(c.Materials, func(x Material) bool { return x.Key == k }); i >= 0 {
			m = c.Materials[i]
		}
		out = append(out, "“"+CleanLine(m.Name(lang))+"”")
	}
	if lang == "en" {
		return strings.Join(out, ", ")
	}
	return strings.Join(out, "、")
}
