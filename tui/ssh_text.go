package tui

import "fmt"

// serveText holds what the SSH server says outside a console session. Messages shown
// before we know who is connecting carry both languages on one line.
var serveText = map[string][2]string{
	"ssh.no_pty":         {"repairdesk 是交互式控制台，请不带命令直接 ssh 连接 / repairdesk is an interactive console: connect with plain ssh (a terminal is required)", ""},
	"ssh.unknown_key":    {"您的公钥未登记（%s）。请联系管理员运行 repairdesk staff key add 登录名 公钥文件 / Your key is not registered (%[1]s): ask an admin to run repairdesk staff key add NAME FILE", ""},
	"ssh.disabled_key":   {"此公钥所属账号已停用（%s），请联系管理员 / The account of this key is disabled (%[1]s): ask an admin", ""},
	"ssh.stopping":       {"服务器正在停止，请稍后再连接 / The server is stopping: connect again in a moment", ""},
	"ssh.ended_disabled": {"您的账号已被管理员停用，会话已结束。", "Your account was disabled by an admin; this session has ended."},
	"ssh.ended_key":      {"您登录所用的公钥已被移除，会话已结束。", "The key you logged in with was removed from your account; this session has ended."},
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
