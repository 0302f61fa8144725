package workflow

// label looks up the display name of an enumerated value. The domain owns these because
// letters (pure workflow) need them as much as the screens do.
func label(kind, key, lang string) string {
	m, ok := labels[kind+"."+key]
	if !ok {
		return key
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

// Label exposes the enumeration labels: kind is one of stage, role, action, source,
// record_type, problem, tier, material, reason, avenue, channel, outcome, method, result.
func Label(kind, key, lang string) string { return label(kind, key, lang) }

// Keys returns the keys of one enumeration in their defined order.
func Keys(kind string) []string {
	return append([]string(nil), enumOrder[kind]...)
}

var enumOrder = map[string][]string{
	"source":        {"pbc", "baihang", "pudao", "creditchina", "gsxt", "court", "tax", "other"},
	"record_type":   {"overdue_loan", "admin_penalty", "guarantee", "tax_arrears", "court_dishonest", "identity_error"},
	"problem":       {"wrong_data", "outdated", "non_malicious_overdue", "corrected_dishonest", "identity_misuse"},
	"tier":          {"minor", "general", "serious"},
	"reason_formal": {"out_of_scope", "whitewash", "publicity_period"},
	"reason":        {"out_of_scope", "whitewash", "publicity_period", "record_accurate", "insufficient_evidence", "other"},
	"avenue": {"institution_dispute", "pbc_complaint", "civil_suit", "creditchina_repair", "creditchina_appeal", "gsxt_repair",
		"court_correction", "court_review", "tax_reassessment", "reconsideration_litigation", "await_expiry"},
	"channel": {"pbc_dispute", "baihang", "pudao", "creditchina", "gsxt", "institution", "court", "tax"},
	"outcome": {"corrected", "partly_corrected", "not_corrected", "unconfirmed"},
	"notify":  {"letter", "email", "phone", "sms", "in_person"},
	"method":  {"phone", "letter", "onsite", "system", "document"},
	"result":  {"confirmed_wrong", "corrected_eligible", "confirmed_accurate", "cannot_determine"},
	"contact": {"bank", "credit_center", "court", "regulator", "enterprise", "site_visit", "other"},
}

var labels = map[string][2]string{
	"stage.formal_review":      {"形式审核", "Formal review"},
	"stage.awaiting_materials": {"待补正", "Awaiting materials"},
	"stage.investigating":      {"调查核实", "Investigating"},
	"stage.pending_approval":   {"审批复核", "Pending approval"},
	"stage.approved":           {"待报送", "Approved"},
	"stage.submitted":          {"已报送", "Submitted"},
	"stage.feedback":           {"待反馈", "Feedback due"},
	"stage.closed":             {"已办结", "Closed"},
	"stage.declined":           {"不予修复", "Declined"},
	"stage.withdrawn":          {"已撤回", "Withdrawn"},

	"role.specialist": {"修复专员", "Specialist"},
	"role.supervisor": {"审核主管", "Supervisor"},
	"role.admin":      {"管理员", "Admin"},
	"role.auditor":    {"审计员", "Auditor"},

	"action.create":               {"受理登记", "Intake"},
	"action.update_material":      {"登记材料", "Update material"},
	"action.add_finding":          {"记录核实结果", "Record finding"},
	"action.request_materials":    {"一次性告知补正", "Request materials"},
	"action.materials_received":   {"补正材料已收到", "Materials received"},
	"action.lapse":                {"逾期未补正，终止办理", "Lapse: materials not supplied in time"},
	"action.accept":               {"受理并转调查", "Accept"},
	"action.decline":              {"不予修复", "Decline"},
	"action.propose_repair":       {"提请审批", "Propose repair"},
	"action.approve":              {"批准", "Approve"},
	"action.return":               {"退回补充调查", "Return"},
	"action.submit_correction":    {"报送修正", "Submit correction"},
	"action.record_outcome":       {"登记修正结果", "Record outcome"},
	"action.notify_applicant":     {"反馈企业", "Notify applicant"},
	"action.withdraw":             {"撤回申请", "Withdraw"},
	"action.reassign":             {"改派", "Reassign"},
	"action.override_credit_code": {"确认信用代码", "Override code warning"},
	"action.add_record":           {"追加异议记录", "Add a record"},
	"action.comment":              {"备注", "Comment"},
	"action.reveal":               {"查看完整证件号", "Reveal ID number"},

	"source.pbc":         {"人民银行征信中心", "PBOC Credit Reference Center"},
	"source.baihang":     {"百行征信", "Baihang Credit"},
	"source.pudao":       {"朴道征信", "Pudao Credit"},
	"source.creditchina": {"信用中国", "Credit China"},
	"source.gsxt":        {"国家企业信用信息公示系统", "National Enterprise Credit Information Publicity System"},
	"source.court":       {"法院失信被执行人名单", "Court dishonest-debtor list"},
	"source.tax":         {"税务纳税信用", "Tax credit rating"},
	"source.other":       {"其他", "Other"},

	"record_type.overdue_loan":    {"贷款逾期", "Overdue loan"},
	"record_type.admin_penalty":   {"行政处罚", "Administrative penalty"},
	"record_type.guarantee":       {"对外担保", "Guarantee"},
	"record_type.tax_arrears":     {"欠税", "Tax arrears"},
	"record_type.court_dishonest": {"失信被执行", "Court dishonest listing"},
	"record_type.identity_error":  {"身份信息错误", "Wrong identity data"},

	"problem.wrong_data":            {"信息错误", "Wrong data"},
	"problem.outdated":              {"信息过时未更新", "Outdated"},
	"problem.non_malicious_overdue": {"非恶意逾期(有证明)", "Non-malicious overdue with proof"},
	"problem.corrected_dishonest":   {"失信行为已纠正", "Dishonest conduct corrected"},
	"problem.identity_misuse":       {"身份被冒用", "Identity misuse"},

	"tier.minor":   {"轻微", "Minor"},
	"tier.general": {"一般", "General"},
	"tier.serious": {"严重", "Serious"},

	"reason.out_of_scope":          {"不属于修复范围", "Out of scope"},
	"reason.whitewash":             {"试图洗白真实失信记录", "Attempt to whitewash a true record"},
	"reason.publicity_period":      {"未满最短公示期", "Minimum publicity period not reached"},
	"reason.record_accurate":       {"经核实记录准确", "Record verified as accurate"},
	"reason.insufficient_evidence": {"证据不足无法认定", "Insufficient evidence"},
	"reason.other":                 {"其他原因", "Other"},

	"avenue.institution_dispute":        {"向报送机构提出异议", "Dispute with the reporting institution"},
	"avenue.pbc_complaint":              {"向人民银行分支机构投诉(受理后30日内答复)", "Complain to the PBOC branch (answered within 30 days)"},
	"avenue.civil_suit":                 {"向人民法院提起诉讼", "Sue in a people's court"},
	"avenue.creditchina_repair":         {"最短公示期届满后在信用中国申请信用修复", "Apply for repair on Credit China after the minimum publicity period"},
	"avenue.creditchina_appeal":         {"通过信用中国网站提出异议申诉", "Objection via the Credit China website"},
	"avenue.gsxt_repair":                {"通过国家企业信用信息公示系统申请信用修复", "Apply for repair through the enterprise credit publicity system"},
	"avenue.court_correction":           {"向执行法院提交书面纠正申请", "Written request for correction to the enforcing court"},
	"avenue.court_review":               {"向上一级法院申请复议", "Review by the next higher court"},
	"avenue.tax_reassessment":           {"向主管税务机关申请纳税信用复评", "Tax credit re-rating by the tax authority"},
	"avenue.reconsideration_litigation": {"依法申请行政复议或提起行政诉讼", "Administrative reconsideration or litigation"},
	"avenue.await_expiry":               {"等待保存或公示期限届满", "Wait for the retention or publicity period to end"},

	"channel.pbc_dispute": {"征信中心异议申请", "PBOC credit centre dispute"},
	"channel.baihang":     {"百行征信异议", "Baihang dispute"},
	"channel.pudao":       {"朴道征信异议", "Pudao dispute"},
	"channel.creditchina": {"信用中国信用修复", "Credit China repair"},
	"channel.gsxt":        {"国家企业信用信息公示系统信用修复", "Enterprise credit publicity system repair"},
	"channel.institution": {"报送机构更正", "Reporting institution correction"},
	"channel.court":       {"向执行法院申请纠正", "Correction request to the enforcing court"},
	"channel.tax":         {"税务机关信用修复", "Tax authority repair"},

	"outcome.corrected":        {"已更正", "Corrected"},
	"outcome.partly_corrected": {"部分更正", "Partly corrected"},
	"outcome.not_corrected":    {"未更正", "Not corrected"},
	"outcome.unconfirmed":      {"无法确认", "Cannot be confirmed"},

	"notify.letter":    {"书面函件", "Letter"},
	"notify.email":     {"电子邮件", "Email"},
	"notify.phone":     {"电话", "Phone"},
	"notify.sms":       {"短信", "SMS"},
	"notify.in_person": {"当面送达", "In person"},

	"method.phone":    {"电话核实", "Phone"},
	"method.letter":   {"发函核实", "Letter"},
	"method.onsite":   {"实地走访", "Site visit"},
	"method.system":   {"系统查询", "System query"},
	"method.document": {"材料比对", "Document check"},

	"result.confirmed_wrong":    {"确属错误", "Confirmed wrong"},
	"result.corrected_eligible": {"已纠正失信行为、符合修复条件", "Dishonest conduct corrected; eligible for repair"},
	"result.confirmed_accurate": {"确认无误", "Confirmed accurate"},
	"result.cannot_determine":   {"无法认定", "Cannot determine"},

	"contact.bank":          {"银行/报送机构", "Bank / reporting institution"},
	"contact.credit_center": {"征信中心", "Credit centre"},
	"contact.court":         {"法院", "Court"},
	"contact.regulator":     {"行政机关", "Authority"},
	"contact.enterprise":    {"申请企业", "Applicant"},
	"contact.site_visit":    {"实地", "Site visit"},
	"contact.other":         {"其他", "Other"},

	"material.application_form":       {"修复申请书", "Repair application form"},
	"material.business_license":       {"营业执照副本", "Business licence copy"},
	"material.legal_rep_id":           {"法定代表人身份证明", "Legal representative's ID"},
	"material.authorization":          {"授权委托书", "Letter of authorisation"},
	"material.agent_id":               {"经办人身份证", "Agent's ID card"},
	"material.credit_report":          {"载有该记录的信用报告", "Credit report showing the record"},
	"material.nonmalicious_statement": {"银行出具的非恶意逾期说明", "Bank's non-malicious overdue statement"},
	"material.settlement_certificate": {"结清证明", "Settlement certificate"},
	"material.penalty_decision":       {"行政处罚决定书", "Penalty decision"},
	"material.penalty_fulfilled":      {"履行行政处罚义务的证明", "Proof the penalty was fulfilled"},
	"material.credit_commitment":      {"信用承诺书", "Credit commitment letter"},
	"material.guarantee_release":      {"担保责任解除证明", "Guarantee release certificate"},
	"material.tax_clearance":          {"完税证明", "Tax clearance certificate"},
	"material.court_fulfilment":       {"履行完毕证明或结案证明", "Proof of fulfilment of the judgment"},
	"material.identity_proof":         {"身份冒用报案回执或证明", "Police report of identity misuse"},
	"material.correction_evidence":    {"信息错误的证明材料", "Evidence the data is wrong"},
}
