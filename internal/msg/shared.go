package msg

// sharedText: a case base shared by several offices on PostgreSQL (store.pg_*, migrate.*).
var sharedText = map[string]Text{
	"store.pg_file_only.backup": {ZH: "PostgreSQL 数据库的备份由 PostgreSQL 自己完成：请用 pg_dump（或数据库团队的流复制与 WAL 归档）；repairdesk backup 只复制 bbolt 数据库文件",
		EN: "backing up a PostgreSQL store is pg_dump's job (or your database team's streaming replication and WAL archiving); repairdesk backup copies a bbolt database file only"},
	"store.pg_file_only.restore": {ZH: "PostgreSQL 数据库的恢复由 PostgreSQL 自己完成：请用 pg_restore 或 psql；要把 bbolt 文件导入 PostgreSQL，请用 repairdesk migrate --from 文件 --to postgres://…",
		EN: "restoring a PostgreSQL store is pg_restore's or psql's job; to bring a bbolt file into PostgreSQL use repairdesk migrate --from FILE --to postgres://…"},
	"store.pg_file_only.damage": {ZH: "页面级检查只适用于 bbolt 数据库文件；PostgreSQL 的存储由它自己校验（如 pg_amcheck）。repairdesk check 仍会核对每个案件的哈希链",
		EN: "page checks apply to a bbolt database file only; PostgreSQL checks its own storage (pg_amcheck, for example). repairdesk check still verifies every case's hash chain"},
	"store.pg_key_needed": {ZH: "PostgreSQL 数据库需要指定密钥文件：请用 --key-file 或 REPAIRDESK_KEY 给出路径，每个节点使用同一份密钥（首次运行时会在该路径生成）",
		EN: "a PostgreSQL store needs its key file named: give its path with --key-file or REPAIRDESK_KEY, the same key on every node (the first run makes it there)"},
	"store.pg_unreachable": {ZH: "无法连接 PostgreSQL 数据库 %s：%v", EN: "cannot reach the PostgreSQL database %s: %v"},
	"store.db_lost":        {ZH: "数据库连接中断，正在重连", EN: "Database connection lost, reconnecting"},
	"store.db_back":        {ZH: "数据库连接已恢复", EN: "Database connection restored"},
}
