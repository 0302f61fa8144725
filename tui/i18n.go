package tui

import (
	"fmt"
	"os"
	"strings"
)

// T looks key up in lang's catalogue ("en", anything else is Chinese) and formats args.
// A missing key shows itself in brackets so tests can catch it.
func T(lang, key string, args ...any) string {
	m, ok := catalogue[key]
	if !ok {
		return "[" + key + "]"
	}
	s := m[0]
	if lang == "en" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// LangFromEnv picks the language: flag, else LC_ALL / LC_MESSAGES / LANG, else Chinese.
func LangFromEnv(flag string) string {
	if flag != "" {
		return NormLang(flag)
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			return NormLang(s)
		}
	}
	return "zh"
}

// NormLang maps a locale name to "en" or "zh". C/POSIX mean nothing about the staff's
// language, so they fall back to Chinese.
func NormLang(s string) string {
	s = strings.ToLower(s)
	if strings.HasPrefix(s, "en") {
		return "en"
	}
	return "zh"
}

// CatalogueKeys lists every key (for the completeness test).
func CatalogueKeys() []string {
	keys := make([]string, 0, len(catalogue))
	for k := range catalogue {
		keys = append(keys, k)
	}
	return keys
}

var catalogue = map[string][2]string{
	"app.title":              {"征信修复工作台", "repairdesk"},
	"app.demo":               {"演示数据", "DEMO"},
	"tab.mine":               {"我的案件", "Mine"},
	"tab.open":               {"全部在办", "All open"},
	"tab.review":             {"待审批", "Review"},
	"tab.due":                {"即将到期·已超期", "Due soon·Overdue"},
	"tab.closed":             {"已办结", "Closed"},
	"col.no":                 {"案件编号", "Case no."},
	"col.enterprise":         {"企业名称", "Enterprise"},
	"col.type":               {"记录类型", "Record"},
	"col.stage":              {"阶段", "Stage"},
	"col.owner":              {"承办人", "Owner"},
	"col.due":                {"期限", "Due"},
	"col.updated":            {"最近变更", "Last change"},
	"queue.empty":            {"此队列暂无案件", "No cases in this queue"},
	"queue.count":            {"%d 件", "%d cases"},
	"queue.marked":           {"已选 %d 件", "%d marked"},
	"due.paused":             {"暂停待补正", "paused·applicant"},
	"due.left":               {"余%d工作日", "%d wd left"},
	"due.today":              {"今日到期", "due today"},
	"due.over":               {"超%d工作日", "%d wd overdue"},
	"due.provisional":        {"(暂定)", "(provisional)"},
	"search.prompt":          {"搜索：", "Search: "},
	"search.hint":            {"编号/企业/信用代码/经办人，支持拼音", "no./enterprise/code/agent, pinyin ok"},
	"search.results":         {"%d 条结果", "%d results"},
	"key.up":                 {"上移", "up"},
	"key.down":               {"下移", "down"},
	"key.open":               {"打开", "open"},
	"key.back":               {"返回", "back"},
	"key.search":             {"搜索", "search"},
	"key.help":               {"帮助", "help"},
	"key.quit":               {"退出", "quit"},
	"key.new":                {"新建受理", "new case"},
	"key.actions":            {"办理", "actions"},
	"key.nexttab":            {"下一页签", "next tab"},
	"key.prevtab":            {"上一页签", "prev tab"},
	"key.mark":               {"选中", "mark"},
	"key.command":            {"命令", "command"},
	"key.reveal":             {"显示证件号", "reveal ID"},
	"key.save":               {"保存", "save"},
	"key.nextfield":          {"下一项", "next field"},
	"key.prevfield":          {"上一项", "prev field"},
	"key.choose":             {"切换选项", "change option"},
	"key.top":                {"首行", "top"},
	"key.bottom":             {"末行", "bottom"},
	"key.pgdown":             {"下一页", "page down"},
	"key.pgup":               {"上一页", "page up"},
	"key.export":             {"导出", "export"},
	"key.toggle":             {"切换", "toggle"},
	"help.title":             {"快捷键", "Keys"},
	"help.close":             {"按 esc 或 ? 关闭", "esc or ? to close"},
	"case.summary":           {"概要", "Summary"},
	"case.materials":         {"材料", "Materials"},
	"case.findings":          {"核实", "Findings"},
	"case.history":           {"历史", "History"},
	"case.letters":           {"文书", "Letters"},
	"case.enterprise":        {"申请企业", "Enterprise"},
	"case.credit_code":       {"统一社会信用代码", "Credit code"},
	"case.legal_rep":         {"法定代表人", "Legal rep."},
	"case.address":           {"地址", "Address"},
	"case.agent":             {"经办人", "Agent"},
	"case.phone":             {"电话", "Phone"},
	"case.id_number":         {"身份证号", "ID number"},
	"case.records":           {"异议记录", "Contested records"},
	"case.owner":             {"承办人", "Owner"},
	"case.stage":             {"阶段", "Stage"},
	"case.round":             {"审核轮次", "Review round"},
	"case.received":          {"收件日期", "Received"},
	"case.due":               {"当前期限", "Due"},
	"case.agency_days":       {"机构用时", "Agency time"},
	"case.days":              {"%.1f 天", "%.1f days"},
	"case.cc_warning":        {"⚠ 信用代码校验位不符，待主管确认", "⚠ credit code check digit fails; awaiting supervisor"},
	"case.cc_override":       {"信用代码已由 %s 确认", "credit code confirmed by %s"},
	"case.proposal":          {"调查结论", "Conclusion"},
	"case.decline":           {"不予修复", "Declined"},
	"case.submission":        {"报送", "Submission"},
	"case.outcome":           {"修正结果", "Outcome"},
	"case.notified":          {"已反馈", "Notified"},
	"case.withdrawn":         {"撤回原因", "Withdrawn"},
	"case.no_findings":       {"尚无核实记录。按 a 办理 → 记录核实结果", "No findings yet. Press a → Record finding"},
	"case.no_letters":        {"此阶段尚无文书", "No letters at this stage"},
	"case.loading":           {"载入中…", "Loading…"},
	"case.updated":           {"案件已被%s更新", "Case updated by %s"},
	"case.filing":            {"该企业共有 %d 件案件", "This enterprise has %d cases"},
	"case.whitewash":         {"⚠ 该企业曾有洗白申请被驳回", "⚠ an earlier whitewash attempt by this enterprise was declined"},
	"mat.required":           {"必需", "required"},
	"mat.optional":           {"可选", "optional"},
	"mat.missing":            {"未收到", "missing"},
	"mat.ok":                 {"合规", "ok"},
	"mat.invalid":            {"不合规", "invalid"},
	"mat.hint":               {"r 收到合规  x 不合规(须注明)  u 撤销  ↑↓ 选择", "r received ok  x invalid (note)  u undo  ↑↓ select"},
	"mat.note_prompt":        {"不合规原因：", "What is wrong: "},
	"hist.by":                {"%s 于 %s", "%s at %s"},
	"act.title":              {"办理 %s", "Act on %s"},
	"act.unavailable":        {"不可用", "unavailable"},
	"act.done":               {"已完成：%s", "Done: %s"},
	"act.confirm":            {"确认%s？(y/n)", "Confirm %s? (y/n)"},
	"form.comment":           {"备注/意见", "Comment"},
	"form.submit_hint":       {"ctrl+s 保存  tab 下一项  ←→ 切换选项  esc 取消", "ctrl+s save  tab next  ←→ change option  esc cancel"},
	"form.invalid":           {"请先修正标红的项目", "Fix the fields marked in red first"},
	"form.saved":             {"已保存", "Saved"},
	"form.discard":           {"放弃未保存的内容？(y/n)", "Discard unsaved input? (y/n)"},
	"form.space_toggle":      {"空格 勾选", "space toggles"},
	"intake.title":           {"新建受理", "New application"},
	"intake.created":         {"已受理 %s，材料清单已生成", "Created %s with its materials checklist"},
	"intake.known":           {"已备案企业：已填入备案信息", "Known enterprise: filled in from its filing"},
	"intake.open_case":       {"⚠ 该企业已有在办案件 %s", "⚠ this enterprise already has an open case %s"},
	"intake.publicity_early": {"⚠ 未满最短公示期：最早可于 %s 申请修复，形式审核将不予受理", "⚠ Minimum publicity period not reached: repair may be requested from %s; formal review will refuse it"},
	"intake.publicity_ok":    {"最短公示期已满（自 %s 起可申请修复）", "Minimum publicity period passed (repair possible since %s)"},
	"letter.hint":            {"[ ] 切换文书  e 导出", "[ ] switch letter  e export"},
	"letter.exported":        {"已导出：%s 与 %s", "Exported: %s and %s"},
	"letter.no_dir":          {"未设置导出目录", "No export directory is set"},
	"ent.title":              {"客户备案", "Client filing"},
	"key.filing":             {"客户备案", "client filing"},
	"session.disabled": {"您的账号已被管理员停用，会话已结束。", "Your account was disabled by an admin; this session has ended."},
	"f.enterprise":           {"企业名称", "Enterprise name"},
	"f.credit_code":          {"统一社会信用代码", "Credit code"},
	"f.legal_rep":            {"法定代表人", "Legal representative"},
	"f.address":              {"地址", "Address"},
	"f.agent":                {"经办人姓名", "Agent's name"},
	"f.phone":                {"经办人电话", "Agent's phone"},
	"f.id_number":            {"经办人身份证号", "Agent's ID number"},
	"f.auth":                 {"授权委托书编号", "Authorisation letter ref."},
	"f.source":               {"记录来源", "Record source"},
	"f.type":                 {"记录类型", "Record type"},
	"f.institution":          {"报送机构", "Reporting institution"},
	"f.date":                 {"记录日期", "Record date"},
	"f.amount":               {"金额(元)", "Amount (yuan)"},
	"f.problem":              {"异议问题", "Claimed problem"},
	"f.tier":                 {"处罚程度", "Penalty tier"},
	"f.detail":               {"情况说明", "Details"},
	"f.checked":              {"核实内容", "What was checked"},
	"f.contact":              {"核实对象", "Source contacted"},
	"f.method":               {"核实方式", "Method"},
	"f.result":               {"核实结论", "Result"},
	"f.evidence":             {"证据(sha256:…或编号)", "Evidence (sha256:… or ref.)"},
	"f.conclusion":           {"调查结论", "Conclusion"},
	"f.plan":                 {"修复方案", "Repair plan"},
	"f.reason":               {"不予修复理由", "Reason"},
	"f.explanation":          {"通俗说明", "Plain explanation"},
	"f.avenues":              {"其他途径", "Other avenues"},
	"f.expiry":               {"记录期满日期", "Record expiry date"},
	"f.channel":              {"报送渠道", "Channel"},
	"f.reference":            {"报送回执编号", "Reference no."},
	"f.outcome":              {"修正结果", "Outcome"},
	"f.note":                 {"说明", "Note"},
	"f.notify":               {"反馈方式", "How told"},
	"f.notify_date":          {"反馈日期", "Date told"},
	"f.assignee":             {"改派给", "Assign to"},
	"f.reveal_reason":        {"查看原因", "Reason for viewing"},
	"f.required":             {"必填", "required"},
	"f.date_format":          {"格式 YYYY-MM-DD", "format YYYY-MM-DD"},
	"f.date_future":          {"日期不能晚于今天", "The date cannot be in the future"},
	"f.amount_format":        {"请输入金额，如 12345.67", "Enter an amount, e.g. 12345.67"},
	"f.evidence_format":      {"sha256: 后应为64位十六进制", "sha256: must be followed by 64 hex digits"},
	"reveal.title":           {"查看完整身份证号（将记录日志）", "Reveal the full ID number (logged)"},
	"reveal.denied":          {"您的角色不能查看完整证件号", "Your role cannot reveal ID numbers"},
	"reveal.shown":           {"证件号：%s（已记录）", "ID number: %s (logged)"},
	"cmd.prompt":             {"命令：", "Command: "},
	"cmd.unknown":            {"未知命令 %q。可用：%s", "Unknown command %q. Available: %s"},
	"cmd.goto_missing":       {"找不到案件 %s", "No case %s"},
	"status.me":              {"%s（%s）", "%s (%s)"},
	"status.live":            {"实时", "live"},
	"lock.title":             {"屏幕已锁定", "Screen locked"},
	"lock.hint":              {"按任意键继续", "Press any key to resume"},
	"server.stopping":        {"服务器正在停止，会话即将结束。未保存的输入请记下。", "The server is stopping; this session will end. Note down any unsaved input."},
	"err.generic":            {"出错了：%s", "Error: %s"},
	"err.panic":              {"抱歉，此会话出错已结束，其他人的会话不受影响。请重新连接。", "Sorry — this session hit an error and ended; other sessions are unaffected. Please reconnect."},
	"err.readonly":           {"只读角色：不能办理", "Read-only role: no actions"},
	"err.not_found":          {"案件不存在或已删除", "The case does not exist"},
	"err.small":              {"终端太小（至少 80×24）", "Terminal too small (at least 80×24)"},
	"cli.demo_creating":      {"正在生成演示数据库…", "Creating the demo database…"},
	"cli.no_staff":           {"没有登录名为 %q 的人员。演示人员：%s", "No staff member %q. Demo staff: %s"},
	"cli.as_demo_only":       {"--as 只能用于 --demo；真实数据库按操作系统用户登录", "--as only works with --demo; on a real database you act as your OS user"},
	"cli.first_admin":        {"新数据库：已将 %s 登记为管理员（%s）", "New database: %s registered as its admin (%s)"},
	"cli.unregistered":       {"%s 不是本数据库登记的在岗人员。请管理员运行：repairdesk staff add %[1]s --role specialist", "%s is not an active staff member of this database. Ask an admin to run: repairdesk staff add %[1]s --role specialist"},
	"staff.title":            {"人员与公钥（管理员）", "Staff and keys (admin)"},
	"staff.add":              {"新增人员", "Add staff member"},
	"staff.login":            {"登录名", "Login name"},
	"staff.bad_login":        {"登录名须为小写字母、数字、_ . -，以字母开头", "Use lower-case letters, digits, _ . - and start with a letter"},
	"staff.display":          {"姓名", "Display name"},
	"staff.role":             {"角色", "Role"},
	"staff.key":              {"SSH 公钥", "SSH public key"},
	"staff.bad_key":          {"不是 OpenSSH 公钥（应形如 ssh-ed25519 AAAA… 备注）", "Not an OpenSSH public key (like ssh-ed25519 AAAA… comment)"},
	"staff.key_add":          {"为 %s 添加公钥", "Add a key for %s"},
	"staff.exists":           {"%s 已存在", "%s already exists"},
	"staff.not_self":         {"不能停用自己的账号", "You cannot disable your own account"},
	"staff.active":           {"在岗", "active"},
	"staff.disabled":         {"已停用", "off"},
	"staff.keys":             {"%d 把公钥", "%d key(s)"},
	"staff.hint":             {"n 新增  k 添加公钥  x 删除最后一把公钥  d 停用/启用  esc 返回", "n add  k add key  x remove last key  d disable/enable  esc back"},
	"staff.denied":           {"只有管理员可以管理人员", "Only an admin can manage staff"},
	"yes":                    {"是", "yes"},
	"no":                     {"否", "no"},
	"none":                   {"无", "none"},
}
