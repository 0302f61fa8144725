package server

import "fmt"

// serveText holds what the SSH server says outside a console session: the banners sent
// while a client authenticates, and the refusals before a console opens. Messages shown
// before we know who is connecting carry both languages on one line.
var serveText = map[string][2]string{
	"ssh.no_pty":            {"repairdesk 是交互式控制台，请不带命令直接 ssh 连接 / repairdesk is an interactive console: connect with plain ssh (a terminal is required)", ""},
	"ssh.unknown_key":       {"您的公钥未登记（%s）。请联系管理员运行 repairdesk staff key add 登录名 公钥文件 / Your key is not registered (%[1]s): ask an admin to run repairdesk staff key add NAME FILE", ""},
	"ssh.disabled_key":      {"此公钥所属账号已停用（%s），请联系管理员 / The account of this key is disabled (%[1]s): ask an admin", ""},
	"ssh.too_many_failures": {"此地址登录失败次数过多，未登记的公钥暂被拒绝，请一分钟后再试或只用已登记的公钥（ssh -o IdentitiesOnly=yes -i 公钥） / Too many failed logins from this address: unregistered keys are refused for now; try again in a minute, or offer only your registered key (ssh -o IdentitiesOnly=yes -i KEY)", ""},
	"ssh.stopping":          {"服务器正在停止，请稍后再连接 / The server is stopping: connect again in a moment", ""},
	"ssh.server_full":       {"服务器已有 %[1]d 个会话（上限），请稍后再连接或联系管理员。", "The server already has %[1]d sessions open (its limit): connect again later or ask an admin."},
	"ssh.staff_full":        {"您已打开 %[2]d 个会话（每人上限），请先退出一个再连接。", "You already have %[2]d sessions open (the limit per person): quit one and connect again."},
	"ssh.ended_disabled":    {"您的账号已被管理员停用，会话已结束。", "Your account was disabled by an admin; this session has ended."},
	"ssh.ended_key":         {"您登录所用的公钥已被移除，会话已结束。", "The key you logged in with was removed from your account; this session has ended."},

	// Files over scp and sftp (files.go): the staff member is known, so one language.
	"files.bad_path":    {"路径无效（含有控制字符、NUL 或反斜杠）：%s", "Invalid path (control characters, NUL or a backslash): %s"},
	"files.escape":      {"路径不能含有 ..：%s", "A path cannot contain ..: %s"},
	"files.not_found":   {"没有这个文件或目录：%s（可用：exports/ 与 cases/案件编号/）", "No such file or folder: %s (there are exports/ and cases/CASE-NUMBER/)"},
	"files.no_case":     {"案件 %s 不存在", "There is no case %s"},
	"files.not_dir":     {"%s 不是目录", "%s is not a folder"},
	"files.is_dir":      {"%s 是目录，不是文件", "%s is a folder, not a file"},
	"files.unreadable":  {"无法读取 %s：%s", "Cannot read %s: %s"},
	"files.write_where": {"只能上传到 cases/案件编号/ 下（例如 cases/XF-2026-000012/），不能写入 %s", "Files can only be sent to cases/CASE-NUMBER/ (for example cases/XF-2026-000012/), not to %s"},
	"files.refused":     {"未附加 %s：%s", "%s was not attached: %s"},
	"files.gone":        {"找不到该案件或文件", "The case or file was not found"},
	"files.read_only":   {"此处不能修改、删除或新建目录；上传的文件不会被覆盖，同名文件另存为新版本", "Nothing here can be changed, removed or made a folder; files sent are never overwritten, a file of the same name becomes its next version"},
	"files.recursive":   {"不支持目录上传（scp -r），请逐个发送文件", "Folders cannot be sent (scp -r): send the files one by one"},
}

// sT is T for serveText. Bilingual entries have no English column.
func sT(lang, key string, args ...any) string {
	m, ok := serveText[key]
	if !ok {
		return "[" + key + "]"
	}
	s := m[0]
	if lang == "en" && m[1] != "" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
