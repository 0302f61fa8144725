package msg

// os.*: why a file operation failed, for errors shown to a user.
//
// serverText: what the SSH server says outside a console session (ssh.*). Messages shown
// before the server knows who is connecting (and so which language they read) carry both
// languages on one line, the same in ZH and EN; SSHBilingual lists them.
var serverText = map[string]Text{
	"ssh.no_pty": {ZH: "repairdesk 是交互式控制台，请不带命令直接 ssh 连接 / repairdesk is an interactive console: connect with plain ssh (a terminal is required)",
		EN: "repairdesk 是交互式控制台，请不带命令直接 ssh 连接 / repairdesk is an interactive console: connect with plain ssh (a terminal is required)"},
	"ssh.unknown_key": {ZH: "您的公钥未登记（%s）。请联系管理员运行 repairdesk staff key add 登录名 公钥文件 / Your key is not registered (%[1]s): ask an admin to run repairdesk staff key add NAME FILE",
		EN: "您的公钥未登记（%s）。请联系管理员运行 repairdesk staff key add 登录名 公钥文件 / Your key is not registered (%[1]s): ask an admin to run repairdesk staff key add NAME FILE"},
	"ssh.disabled_key": {ZH: "此公钥所属账号已停用（%s），请联系管理员 / The account of this key is disabled (%[1]s): ask an admin",
		EN: "此公钥所属账号已停用（%s），请联系管理员 / The account of this key is disabled (%[1]s): ask an admin"},
	"ssh.stopping": {ZH: "服务器正在停止，请稍后再连接 / The server is stopping: connect again in a moment",
		EN: "服务器正在停止，请稍后再连接 / The server is stopping: connect again in a moment"},
	"os.path_error": {ZH: "%s：%s", EN: "%s: %s"},
	"os.not_exist":  {ZH: "文件或目录不存在", EN: "no such file or directory"},
	"os.permission": {ZH: "没有访问权限", EN: "permission denied"},
	"os.exist":      {ZH: "文件已存在", EN: "the file already exists"},
	"os.is_dir":     {ZH: "这是一个目录，不是文件", EN: "it is a directory, not a file"},
	"os.not_dir":    {ZH: "路径中有一部分不是目录", EN: "a part of the path is not a directory"},
	"os.no_space":   {ZH: "磁盘空间不足", EN: "no space left on the device"},
	"ssh.too_many_failures": {ZH: "此地址登录失败次数过多，未登记的公钥暂被拒绝，请一分钟后再试或只用已登记的公钥（ssh -o IdentitiesOnly=yes -i 公钥） / Too many failed logins from this address: unregistered keys are refused for now; try again in a minute, or offer only your registered key (ssh -o IdentitiesOnly=yes -i KEY)",
		EN: "此地址登录失败次数过多，未登记的公钥暂被拒绝，请一分钟后再试或只用已登记的公钥（ssh -o IdentitiesOnly=yes -i 公钥） / Too many failed logins from this address: unregistered keys are refused for now; try again in a minute, or offer only your registered key (ssh -o IdentitiesOnly=yes -i KEY)"},
	"ssh.server_full": {ZH: "服务器已有 %d 个会话（上限），请稍后再连接或联系管理员。", EN: "The server already has %d sessions open (its limit): connect again later or ask an admin.",
		EnOne: "The server already has %d session open (its limit): connect again later or ask an admin.", Count: 0},
	"ssh.staff_full": {ZH: "您已打开 %d 个会话（每人上限），请先退出一个再连接。", EN: "You already have %d sessions open (the limit per person): quit one and connect again.",
		EnOne: "You already have %d session open (the limit per person): quit it and connect again.", Count: 0},
	"ssh.ended_disabled": {ZH: "您的账号已被管理员停用，会话已结束。", EN: "Your account was disabled by an admin; this session has ended."},
	"ssh.ended_key":      {ZH: "您登录所用的公钥已被移除，会话已结束。", EN: "The key you logged in with was removed from your account; this session has ended."},
	// Files over scp and sftp (server/files.go): the staff member is known, so one language.
	"files.bad_path":    {ZH: "路径无效（含有控制字符、NUL 或反斜杠）：%s", EN: "Invalid path (control characters, NUL or a backslash): %s"},
	"files.escape":      {ZH: "路径不能含有 ..：%s", EN: "A path cannot contain ..: %s"},
	"files.not_found":   {ZH: "没有这个文件或目录：%s（可用：exports/ 与 cases/案件编号/）", EN: "No such file or folder: %s (there are exports/ and cases/CASE-NUMBER/)"},
	"files.no_case":     {ZH: "案件 %s 不存在", EN: "There is no case %s"},
	"files.not_dir":     {ZH: "%s 不是目录", EN: "%s is not a folder"},
	"files.is_dir":      {ZH: "%s 是目录，不是文件", EN: "%s is a folder, not a file"},
	"files.unreadable":  {ZH: "无法读取 %s：%s", EN: "Cannot read %s: %s"},
	"files.write_where": {ZH: "只能上传到 cases/案件编号/ 下（例如 cases/XF-2026-000012/），不能写入 %s", EN: "Files can only be sent to cases/CASE-NUMBER/ (for example cases/XF-2026-000012/), not to %s"},
	"files.spool":       {ZH: "服务器暂时无法接收文件（临时空间不可用）；请稍后再试，或告知管理员", EN: "The server cannot take files just now (no temporary space); try again later, or tell an admin"},
	"files.refused":     {ZH: "未附加 %s：%s", EN: "%s was not attached: %s"},
	"files.gone":        {ZH: "找不到该案件或文件", EN: "The case or file was not found"},
	"files.read_only":   {ZH: "此处不能修改、删除或新建目录；上传的文件不会被覆盖，同名文件另存为新版本", EN: "Nothing here can be changed, removed or made a folder; files sent are never overwritten, a file of the same name becomes its next version"},
	"files.recursive":   {ZH: "不支持目录上传（scp -r），请逐个发送文件", EN: "Folders cannot be sent (scp -r): send the files one by one"},
}

// SSHBilingual are the keys of serverText said in both languages at once (before login).
var SSHBilingual = map[string]bool{"ssh.no_pty": true, "ssh.unknown_key": true, "ssh.disabled_key": true, "ssh.stopping": true, "ssh.too_many_failures": true}
