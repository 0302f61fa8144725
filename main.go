// Command repairdesk is a keyboard-driven console for an enterprise credit-repair agency:
// on one desk over an embedded database, or for a whole office as an SSH server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	narrowAmbiguous()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `repairdesk — 企业征信修复工作台 / credit-repair desk

usage:
  repairdesk [--db PATH] [--lang zh|en] [--as NAME]   open the console
  repairdesk --demo [--reset] [--as NAME]             open the console on the demo database
  repairdesk serve [--listen ADDR] [--db PATH] [--host-key PATH] [--idle-lock 15m]
  repairdesk staff add NAME --role specialist|supervisor|admin|auditor [--display 姓名] [--key FILE]
  repairdesk staff list | disable NAME | enable NAME
  repairdesk staff key add NAME FILE | staff key remove NAME FINGERPRINT
  repairdesk demo --cases N --db PATH                 generate a demo database
  repairdesk letters templates DIR | use DIR | use --default   adapt the letter templates
  repairdesk calendar list | import FILE.json         working-day calendar (holidays, 调休)
  repairdesk sla show | set STAGE DAYS [--type T]     deadline rules
  repairdesk import FILE.csv [--db PATH] [--as NAME]   bulk intake; re-running skips rows already imported
  repairdesk check [--db PATH]                        verify the database (also while it is open)
  repairdesk backup FILE [--db PATH]                  consistent hot backup, verified (also while it is open)
  repairdesk restore FILE [--db PATH]                 replace the database with a verified backup (never while it is open)
  repairdesk report [--period 2026-Q3] [--format md|csv] [--out FILE] [--db PATH]   results table
  repairdesk letter CASE receipt|notice|decline|result [--out FILE] [--format txt|html] [--db PATH]
  repairdesk export [--format csv|json] [--since 2026-01-01] [--out FILE] [--db PATH]
  repairdesk version

Run any command with --help for its flags.
`

const usageZH = `repairdesk — 企业征信修复工作台

用法：
  repairdesk [--db 路径] [--lang zh|en] [--as 登录名]   打开控制台
  repairdesk --demo [--reset] [--as 登录名]             在演示数据库上打开控制台
  repairdesk serve [--listen 地址] [--db 路径] [--host-key 路径] [--idle-lock 15m]   为全办公室提供 SSH 服务
  repairdesk staff add 登录名 --role specialist|supervisor|admin|auditor [--display 姓名] [--key 公钥文件]
  repairdesk staff list | disable 登录名 | enable 登录名
  repairdesk staff key add 登录名 公钥文件 | staff key remove 登录名 指纹
  repairdesk demo --cases N --db 路径                 生成演示数据库
  repairdesk letters templates 目录 | use 目录 | use --default   调整信函模板
  repairdesk calendar list | import 文件.json         工作日历（节假日、调休）
  repairdesk sla show | set 阶段 天数 [--type 类型]   期限规则
  repairdesk import 文件.csv [--db 路径] [--as 登录名]   批量受理；重复运行会跳过已导入的行
  repairdesk check [--db 路径]                        校验数据库（使用中亦可）
  repairdesk backup 文件 [--db 路径]                  一致的热备份并校验（使用中亦可）
  repairdesk restore 文件 [--db 路径]                 用已校验的备份替换数据库（使用中不可）
  repairdesk report [--period 2026-Q3] [--format md|csv] [--out 文件] [--db 路径]   成效统计表
  repairdesk letter 案件编号 receipt|notice|decline|result [--out 文件] [--format txt|html] [--db 路径]
  repairdesk export [--format csv|json] [--since 2026-01-01] [--out 文件] [--db 路径]
  repairdesk version

任一命令加 --help 查看其参数。
`

// usageText is the command summary in the user's language.
func usageText() string {
	if tui.LangFromEnv("") == "en" {
		return usage
	}
	return usageZH
}

// DefaultDBPath: $REPAIRDESK_DB, else $XDG_DATA_HOME/repairdesk/repairdesk.db, else
// ~/.local/share/repairdesk/repairdesk.db.
func DefaultDBPath() string {
	if p := os.Getenv("REPAIRDESK_DB"); p != "" {
		return p
	}
	return filepath.Join(dataDir(), "repairdesk.db")
}

func dataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "repairdesk")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".local", "share", "repairdesk")
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "serve":
			return cmdServe(args[1:], stdout, stderr)
		case "staff":
			return cmdStaff(args[1:], stdout, stderr)
		case "demo":
			return cmdDemo(args[1:], stdout, stderr)
		case "report":
			return cmdReport(args[1:], stdout, stderr)
		case "letter":
			return cmdLetter(args[1:], stdout, stderr)
		case "export":
			return cmdExport(args[1:], stdout, stderr)
		case "letters":
			return cmdLetters(args[1:], stdout, stderr)
		case "calendar":
			return cmdCalendar(args[1:], stdout, stderr)
		case "sla":
			return cmdSLA(args[1:], stdout, stderr)
		case "check":
			return cmdCheck(args[1:], stdout, stderr)
		case "backup":
			return cmdBackup(args[1:], stdout, stderr)
		case "restore":
			return cmdRestore(args[1:], stdout, stderr)
		case "import":
			return cmdImport(args[1:], stdout, stderr)
		case "version":
			fmt.Fprintln(stdout, "repairdesk", version)
			return 0
		case "help":
			fmt.Fprint(stdout, usageText())
			return 0
		default:
			fmt.Fprintf(stderr, "repairdesk: %s\n\n%s", tui.T(tui.LangFromEnv(""), "cli.unknown_command", args[0]), usageText())
			return 2
		}
	}
	return cmdConsole(args, stdout, stderr)
}

func newFlags(name string, stderr io.Writer, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n\nflags:\n", help)
		fs.PrintDefaults()
	}
	return fs
}

// parse accepts flags before and after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func openStore(path string, opts store.Options, stderr io.Writer, lang string) (*store.Store, bool) {
	st, err := store.Open(path, opts)
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			fmt.Fprintln(stderr, "repairdesk:", le.Message(lang))
		} else {
			fmt.Fprintln(stderr, "repairdesk:", messageIn(err, lang))
		}
		return nil, false
	}
	return st, true
}

func cmdConsole(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk", stderr, "repairdesk [--db PATH] [--lang zh|en] [--demo [--reset]] [--as NAME]")
	db := fs.String("db", "", "database file (default $REPAIRDESK_DB or the user data directory)")
	lang := fs.String("lang", "", "interface language: zh (default) or en; else LC_ALL/LANG")
	demo := fs.Bool("demo", false, "open the demo database (created on first use, never the real one)")
	reset := fs.Bool("reset", false, "with --demo: start the demo database afresh")
	as := fs.String("as", "", "with --demo: act as this staff member (e.g. chenjing, the supervisor)")
	idle := fs.Duration("lock-after", 0, "lock the screen after this long without a key (0 = never)")
	keyFile := fs.String("key-file", "", "key for personal fields (default $REPAIRDESK_KEY, else DB.key beside the database)")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	l := tui.LangFromEnv(*lang)
	path := *db
	if *demo {
		if path == "" {
			path = filepath.Join(dataDir(), "demo.db")
		}
		if *reset {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				fmt.Fprintln(stderr, "repairdesk:", err)
				return 1
			}
		}
	} else if path == "" {
		path = DefaultDBPath()
	}
	if *reset && !*demo {
		fmt.Fprintln(stderr, "repairdesk:", tui.T(l, "cli.reset_demo_only"))
		return 2
	}
	st, ok := openStore(path, store.Options{Mode: "console", KeyFile: *keyFile}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	// Lets repairdesk backup and check reach this database while the console has it.
	if stop, err := st.ServeControl(context.Background()); err != nil {
		fmt.Fprintln(stderr, "repairdesk:", tui.T(l, "cli.no_control"), err)
	} else {
		defer stop()
	}
	var me workflow.Staff
	if *demo {
		if st.Snapshot() == nil || st.Snapshot().Len() == 0 {
			fmt.Fprintln(stderr, tui.T(l, "cli.demo_creating"))
			if err := st.GenerateDemo(72, uint64(time.Now().UnixNano())); err != nil {
				fmt.Fprintln(stderr, "repairdesk:", err)
				return 1
			}
		}
		name := *as
		if name == "" {
			name = "wangfang"
		}
		s, found := st.Staff(name)
		if !found {
			fmt.Fprintln(stderr, "repairdesk:", tui.T(l, "cli.no_staff", name, demoNames()))
			return 2
		}
		me = s
	} else {
		if *as != "" {
			fmt.Fprintln(stderr, "repairdesk:", tui.T(l, "cli.as_demo_only"))
			return 2
		}
		name := osUser()
		if st.StaffCount() == 0 {
			// A first run needs no setup: whoever opens a new database is its admin.
			if err := st.PutStaff(workflow.Staff{}, workflow.Staff{Name: name, Display: name, Role: workflow.RoleAdmin, Active: true}); err != nil {
				fmt.Fprintln(stderr, "repairdesk:", err)
				return 1
			}
			fmt.Fprintln(stderr, tui.T(l, "cli.first_admin", name, path))
		}
		s, found := st.Staff(name)
		if !found || !s.Active {
			fmt.Fprintln(stderr, "repairdesk:", tui.T(l, "cli.unregistered", name))
			return 1
		}
		me = s
	}
	if me.Lang != "" && *lang == "" {
		l = tui.NormLang(me.Lang)
	}
	m := tui.New(tui.Options{Store: st, Me: me, Lang: l, Demo: *demo, IdleLock: *idle, ExportDir: filepath.Join(dataDir(), "exports")})
	defer m.Close()
	p := tea.NewProgram(m, tea.WithAltScreen())
	if _, err := p.Run(); err != nil {
		fmt.Fprintln(stderr, "repairdesk:", err)
		return 1
	}
	return 0
}

func demoNames() string {
	var n []string
	for _, s := range store.DemoStaff {
		n = append(n, s.Name+"("+s.Display+")")
	}
	return strings.Join(n, ", ")
}

var nonName = regexp.MustCompile(`[^a-z0-9_.-]`)

// osUser is the login name of whoever runs the console, as a staff name.
func osUser() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	name = strings.ToLower(name)
	if i := strings.LastIndexAny(name, `\/`); i >= 0 { // DOMAIN\user
		name = name[i+1:]
	}
	name = nonName.ReplaceAllString(name, "_")
	if name == "" || !store.ValidStaffName(name) {
		name = "admin"
	}
	return name
}

func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk demo", stderr, "repairdesk demo --cases N --db PATH")
	n := fs.Int("cases", 1000, "number of cases to generate")
	db := fs.String("db", "", "database file to create (required; never the real default)")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same data)")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	l := tui.LangFromEnv("")
	if *db == "" {
		fmt.Fprintln(stderr, "repairdesk demo:", tui.T(l, "cli.demo_db_required"))
		return 2
	}
	if *n < 1 || *n > 5_000_000 {
		fmt.Fprintln(stderr, "repairdesk demo:", tui.T(l, "cli.demo_cases_range"))
		return 2
	}
	st, ok := openStore(*db, store.Options{}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	if st.Snapshot().Len() > 0 {
		fmt.Fprintln(stderr, "repairdesk demo:", tui.T(l, "cli.demo_not_empty", *db, st.Snapshot().Len()))
		return 1
	}
	start := time.Now()
	if err := st.GenerateDemo(*n, *seed); err != nil {
		fmt.Fprintln(stderr, "repairdesk demo:", err)
		return 1
	}
	fmt.Fprintln(stdout, tui.T(l, "cli.demo_done", *n, time.Since(start).Round(time.Millisecond).String(), *db))
	return 0
}
