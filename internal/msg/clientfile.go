package msg

// clientFileText: the enterprise's whole file (客户备案: its fields, edits and history),
// what intake records besides the application (originals seen, duplicates, 首问负责), and
// the follow-up call (回访: satisfaction, thanks) with its queue and results rows.
var clientFileText = map[string]Text{
	// labels of the enumerations (workflow.Label)
	"action.follow_up":                 {ZH: "回访登记", EN: "Follow-up call"},
	"satisfaction.satisfied":           {ZH: "满意", EN: "Satisfied"},
	"satisfaction.basically_satisfied": {ZH: "基本满意", EN: "Basically satisfied"},
	"satisfaction.dissatisfied":        {ZH: "不满意", EN: "Dissatisfied"},
	"thanks.letter":                    {ZH: "感谢信", EN: "Thank-you letter"},
	"thanks.banner":                    {ZH: "锦旗", EN: "Banner"},

	// the engine's refusals
	"refuse.follow_up_stage":               {ZH: "回访在案件办结后登记（当前：%s）", EN: "A follow-up call is recorded after the case is closed (now: %s)"},
	"refuse.follow_up_empty":               {ZH: "回访内容为空", EN: "The follow-up is empty"},
	"refuse.follow_up_satisfaction":        {ZH: "未知的满意度 %s", EN: "Unknown satisfaction %s"},
	"refuse.follow_up_thanks":              {ZH: "未知的感谢类型 %s", EN: "Unknown kind of thanks %s"},
	"refuse.follow_up_twice":               {ZH: "满意度已于 %s 回访登记，不能再改；之后收到的感谢信或锦旗可另行登记", EN: "Satisfaction was recorded at the follow-up call on %s and cannot be changed; thanks received since can still be recorded"},
	"refuse.follow_up_satisfaction_needed": {ZH: "请选择企业的满意度（满意 / 基本满意 / 不满意）", EN: "Choose the enterprise's satisfaction (satisfied / basically satisfied / dissatisfied)"},
	"refuse.follow_up_nothing":             {ZH: "满意度已登记；请勾选收到的感谢信或锦旗", EN: "Satisfaction is already recorded; tick the thank-you letter or banner received"},
	"refuse.duplicate_reason":              {ZH: "该企业就同一记录已有在办案件 %s，继续受理须写明理由", EN: "The enterprise already has an open case on the same record (%s); say why this one is taken in"},

	// the client file: its fields (form, history, errors)
	"filing.field_name":               {ZH: "企业名称", EN: "Name"},
	"filing.field_legal_rep":          {ZH: "法定代表人", EN: "Legal representative"},
	"filing.field_address":            {ZH: "法定地址", EN: "Legal address"},
	"filing.field_registered_capital": {ZH: "注册资本", EN: "Registered capital"},
	"filing.field_business_address":   {ZH: "经营地址", EN: "Business address"},
	"filing.field_mobile":             {ZH: "联系手机", EN: "Contact mobile"},
	"filing.field_email":              {ZH: "电子邮箱", EN: "E-mail"},
	"filing.field_legal_rep_id":       {ZH: "法定代表人身份证号", EN: "Legal representative's ID number"},
	"filing.field_licences":           {ZH: "在档证照", EN: "Licences on file"},
	"filing.field_credit_notes":       {ZH: "信用状况备注", EN: "Credit standing notes"},
	"filing.conflict":                 {ZH: "客户备案已被 %s 于 %s 修改，请重新打开后再编辑", EN: "The client filing was changed by %s at %s; open it again and redo the edit"},

	"filing.history":          {ZH: "修改记录（%d 次）", EN: "Changes (%d)", EnOne: "Changes (%d)"},
	"filing.changed":          {ZH: "%s：%s → %s", EN: "%s: %s → %s"},
	"filing.changed_personal": {ZH: "%s已修改（个人信息不留存旧值）", EN: "%s changed (personal: values not kept)"},
	"filing.by_intake":        {ZH: "%s（受理 %s）", EN: "%s (intake %s)"},
	"filing.sep":              {ZH: "；", EN: "; "},
	"filing.keep":             {ZH: "当前 %s，留空不变", EN: "now %s; leave empty to keep"},
	"filing.edit_title":       {ZH: "编辑客户备案 %s", EN: "Edit client filing: %s"},
	"filing.saved":            {ZH: "客户备案已保存", EN: "Client filing saved"},
	"key.edit_filing":         {ZH: "编辑备案", EN: "edit filing"},
	"key.queuetabs":           {ZH: "切换队列", EN: "go to queue"},

	// the follow-up form and queue
	"tab.followup":   {ZH: "待回访", EN: "Follow-up"},
	"f.satisfaction": {ZH: "满意度", EN: "Satisfaction"},
	"f.fu_comment":   {ZH: "企业意见", EN: "The enterprise's comments"},
	"f.thanks":       {ZH: "收到感谢信/锦旗", EN: "Thanks received"},
	"fu.called":      {ZH: "已于 %[2]s 回访（%[1]s）；此处只登记之后收到的感谢信或锦旗", EN: "Called on %[2]s (%[1]s); only thanks received since can be recorded here"},

	// the intake form
	"f.seen":           {ZH: "已查验原件", EN: "Originals seen"},
	"f.dup_reason":     {ZH: "继续受理理由", EN: "Why take it in anyway"},
	"intake.duplicate": {ZH: "⚠ 该企业就同一记录（来源、类型、机构、日期相同）已有在办案件 %s；继续受理须写明理由", EN: "⚠ the enterprise already has an open case on the same record (source, type, institution, date): %s; say why to go on"},

	// the case summary
	"case.duplicate":         {ZH: "⚠ 受理时该企业就同一记录已有在办案件 %s", EN: "⚠ at intake the enterprise already had an open case on the same record: %s"},
	"case.duplicate_reason":  {ZH: "继续受理理由：%s", EN: "Taken in because: %s"},
	"case.seen":              {ZH: "原件查验", EN: "Originals seen"},
	"case.seen_none":         {ZH: "受理时未登记查验原件", EN: "not recorded at intake"},
	"case.seen_partly":       {ZH: "（未全部查验）", EN: "(not all seen)"},
	"case.first_responsible": {ZH: "首问负责人", EN: "First responsible"},
	"case.follow_up":         {ZH: "回访", EN: "Follow-up call"},
	"case.follow_up_due":     {ZH: "待回访，应于 %s 前完成", EN: "Follow-up call due by %s"},
	"case.follow_up_overdue": {ZH: "（已逾期）", EN: "(overdue)"},
	"f.seen_id":              {ZH: "经办人身份证原件", EN: "agent's original ID"},
	"f.seen_auth":            {ZH: "授权委托书原件", EN: "original authorisation letter"},

	// field errors of the client file
	"field.email_format": {ZH: "电子邮箱格式不对（例：name@example.com）", EN: "Not an e-mail address (e.g. name@example.com)"},

	// `repairdesk export` (cases table, last columns)
	"export.col_first_responsible": {ZH: "首问负责人", EN: "First responsible"},
	"export.col_satisfaction":      {ZH: "回访满意度", EN: "Satisfaction at follow-up"},
	"export.col_follow_up":         {ZH: "回访时间", EN: "Follow-up call"},
	"export.col_thanks":            {ZH: "感谢信/锦旗（件）", EN: "Thank-you letters and banners"},

	// `repairdesk sla`
	"cli.sla_follow_up":      {ZH: "%-18s 回访 %3d %s，自办结起（sla set follow_up 天数）", EN: "%-18s follow-up call %3d %s after closing (sla set follow_up DAYS)"},
	"cli.sla_follow_up_type": {ZH: "回访期限不分记录类型，请去掉 --type", EN: "The follow-up limit is the same for every record type; leave out --type"},

	// the results table (dashboard and `repairdesk report`)
	"res.satisfaction":       {ZH: "回访满意率", EN: "Satisfaction at follow-up"},
	"res.thanks":             {ZH: "收到感谢信/锦旗", EN: "Thank-you letters and banners"},
	"res.unit_times":         {ZH: "次", EN: "received"},
	"res.basis_satisfaction": {ZH: "回访 %d 次：满意 %d、基本满意 %d、不满意 %d", EN: "%d follow-up calls: %d satisfied, %d basically satisfied, %d dissatisfied", EnOne: "%d follow-up call: %d satisfied, %d basically satisfied, %d dissatisfied"},
	"res.na_satisfaction":    {ZH: "本期没有回访记录", EN: "no follow-up call was recorded in the period"},
	"res.def_satisfaction":   {ZH: "回访满意率 = 本期回访中答复“满意”或“基本满意”的次数 ÷ 本期回访次数（回访在办结后进行）；感谢信/锦旗按收到日期计入当期。", EN: "Satisfaction at follow-up = follow-up calls in the period answered satisfied or basically satisfied ÷ follow-up calls in the period (calls follow closing); thank-you letters and banners count in the period they arrived."},
}
