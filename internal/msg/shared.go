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
	"migrate.same":         {ZH: "--from 与 --to 是同一个数据库", EN: "--from and --to are the same database"},
	"migrate.target_not_empty": {ZH: "目标数据库 %s 已有另一套案件库（%d 件案件），未作任何改动：migrate 只复制到空数据库；若是上次中断的复制，它不会留下任何数据，请检查 --to 是否写错",
		EN: "the destination %s already holds another case base (cases: %d) and was not changed: migrate copies into an empty database only (an interrupted copy leaves nothing behind, so check --to)"},
	"migrate.copy_differs": {ZH: "复制后桶 %s 与源数据库不一致", EN: "after the copy the bucket %s differs from the source"},
	"migrate.check_failed": {ZH: "%s 的核对发现 %d 处问题，第一处：%s", EN: "checking %s found %d problems, the first: %s", EnOne: "checking %s found %d problem: %s", Count: 1},
	"migrate.done":         {ZH: "已复制 %d 个桶、%d 个键（%d 件案件），用时 %s；两边每条历史链均已核对完整", EN: "copied in %[4]s: buckets %[1]d, keys %[2]d, cases %[3]d; every history chain checked whole on both sides"},
	"migrate.already":      {ZH: "%s 已是这份数据的完整副本（%d 件案件），未再复制；两边每条历史链均已核对完整", EN: "%s already is a whole copy of this data (cases: %d): nothing copied; every history chain checked whole on both sides"},
	"migrate.recoded":      {ZH: "源数据库是旧格式：其中 %d 条案件和历史记录已在复制时转为新的压缩格式（源数据库 %s 本身未改动）", EN: "the source is in the older format: %d case and history records were converted to the new compressed format on the way (the source %s itself was not changed)", EnOne: "the source is in the older format: %d case or history record was converted to the new compressed format on the way (the source %s itself was not changed)", Count: 0},
	"migrate.need":         {ZH: "请同时给出 --from 和 --to（bbolt 文件路径或 postgres:// 地址）", EN: "give both --from and --to (a bbolt file path or a postgres:// address)"},
	"cmd.migrate.short":    {ZH: "在 bbolt 文件与 PostgreSQL 之间复制案件库并核对每条历史链", EN: "copy the case base between a bbolt file and PostgreSQL, every history chain checked"},
	"flag.migrate_from":    {ZH: "源数据库：bbolt 文件`路径`或 postgres:// 地址", EN: "the source: a bbolt file `PATH` or a postgres:// address"},
	"flag.migrate_to":      {ZH: "目标数据库（须为空）：bbolt 文件`路径`或 postgres:// 地址", EN: "the destination (empty): a bbolt file `PATH` or a postgres:// address"},
	"flag.no_notify":       {ZH: "共享的 PostgreSQL 兼容数据库不支持 LISTEN/NOTIFY 时使用：只靠轮询得知其他节点的变更", EN: "for a shared PostgreSQL-compatible database without LISTEN/NOTIFY: learn of the other nodes' changes by polling only"},
}
