package main

// Data commands: import (bulk intake from CSV), backup and check (hot, through the
// running process's control socket when the database is open), restore.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// localTimeout: how long the data commands wait for the file lock before falling back
// to the control socket of the process that holds it.
const localTimeout = 500 * time.Millisecond

// cmdImport: repairdesk import FILE.csv [--db PATH] [--as NAME] [--lang zh|en].
func cmdImport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk import", stderr, "repairdesk import FILE.csv [--db PATH] [--as NAME] [--lang zh|en]")
	db := fs.String("db", DefaultDBPath(), "database file")
	as := fs.String("as", "", "staff member the cases are taken in by (default: your login name)")
	lang := fs.String("lang", "", "report language: zh (default) or en; else LC_ALL/LANG")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	l := tui.LangFromEnv(*lang)
	say := func(zh, en string, a ...any) string {
		if l == "en" {
			return fmt.Sprintf(en, a...)
		}
		return fmt.Sprintf(zh, a...)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk import:", err)
		return 1
	}
	defer f.Close()
	if _, err := os.Stat(*db); err != nil {
		// Importing never creates a database: its staff must exist to take the cases in.
		fmt.Fprintln(stderr, "repairdesk import:", say("找不到数据库 %s（%v）；请先打开一次控制台或用 --db 指定数据库",
			"no database at %s (%v); open the console once first, or name the database with --db", *db, err))
		return 1
	}
	st, ok := openStore(*db, store.Options{}, stderr, l)
	if !ok {
		return 1
	}
	defer st.Close()
	if err := st.KeyProblem(); err != nil {
		fmt.Fprintln(stderr, "repairdesk import:", messageIn(err, l))
		return 1
	}
	name := *as
	if name == "" {
		name = osUser()
	}
	actor, found := st.Staff(name)
	if !found || !actor.Active {
		fmt.Fprintln(stderr, "repairdesk import:", say("%s 不是在岗的工作人员；请用 --as 指定导入人（登录名），或先用 repairdesk staff add 登记",
			"%s is not an active staff member; name who takes the cases in with --as NAME, or add them with repairdesk staff add", name))
		return 1
	}
	if !actor.Role.CanWork() {
		fmt.Fprintln(stderr, "repairdesk import:", say("%s 为只读角色，不能受理案件", "%s has a read-only role and cannot take in cases", name))
		return 1
	}
	rep, err := st.ImportCSV(f, actor)
	printImportReport(stdout, rep, l)
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk import:", messageIn(err, l))
		return 1
	}
	if len(rep.Bad) > 0 {
		return 1
	}
	return 0
}

// messageIn picks the language of an error that has both.
func messageIn(err error, lang string) string {
	var m interface{ Message(string) string }
	if errors.As(err, &m) {
		return m.Message(lang)
	}
	return err.Error()
}

func printImportReport(w io.Writer, rep store.ImportReport, lang string) {
	en := lang == "en"
	where := func(line int, ref string) string {
		ref = workflow.CleanLine(ref)
		switch {
		case en && ref != "":
			return fmt.Sprintf("line %d (%s)", line, ref)
		case en:
			return fmt.Sprintf("line %d", line)
		case ref != "":
			return fmt.Sprintf("第 %d 行（%s）", line, ref)
		}
		return fmt.Sprintf("第 %d 行", line)
	}
	type entry struct {
		line int
		text string
	}
	var out []entry
	add := func(line int, ref, zh, en string, a ...any) {
		f := "%s：" + zh
		if lang == "en" {
			f = "%s: " + en
		}
		out = append(out, entry{line, fmt.Sprintf(f, append([]any{where(line, ref)}, a...)...)})
	}
	for _, c := range rep.Cases {
		add(c.Line, c.Ref, "已受理为 %s", "imported as %s", c.CaseNo)
	}
	for _, d := range rep.Duplicates {
		add(d.Line, d.Ref, "已导入过（%s），跳过", "already imported as %s — skipped", d.CaseNo)
	}
	for _, p := range rep.Warnings {
		for _, m := range p.Messages(lang) {
			add(p.Line, p.Ref, "提示（%s）：%s", "warning (%s): %s", p.CaseNo, workflow.CleanLine(m))
		}
	}
	for _, p := range rep.Bad {
		for _, m := range p.Messages(lang) {
			add(p.Line, p.Ref, "未导入：%s", "not imported: %s", workflow.CleanLine(m))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	for _, e := range out {
		fmt.Fprintln(w, e.text)
	}
	if en {
		fmt.Fprintf(w, "%d row(s): %d imported, %d already imported, %d not imported, %d with warnings\n",
			rep.Rows, rep.Imported, rep.Skipped, len(rep.Bad), len(rep.Warnings))
	} else {
		fmt.Fprintf(w, "共 %d 行：新受理 %d，已导入过 %d，未导入 %d，有提示 %d\n",
			rep.Rows, rep.Imported, rep.Skipped, len(rep.Bad), len(rep.Warnings))
	}
}

// cmdBackup: repairdesk backup FILE [--db PATH]. Works while the console or the server
// has the database open (through its control socket).
func cmdBackup(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk backup", stderr, "repairdesk backup FILE [--db PATH]")
	db := fs.String("db", DefaultDBPath(), "database file")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	l := tui.LangFromEnv("")
	res, err := store.BackupFile(*db, pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "repairdesk backup:", messageIn(err, l))
		return 1
	}
	via := ""
	if res.Remote {
		via = tui.T(l, "cli.backup_remote")
	}
	fmt.Fprintln(stdout, tui.T(l, "cli.backup_written", *db, pos[0], res.Bytes, via))
	if res.KeyProblem != nil {
		fmt.Fprintln(stdout, tui.T(l, "cli.warning"), messageIn(res.KeyProblem, l))
	} else if res.KeyFile != "" {
		fmt.Fprintln(stdout, tui.T(l, "cli.backup_key_note", res.KeyFile))
	}
	if len(res.Problems) > 0 {
		for _, p := range res.Problems {
			fmt.Fprintln(stdout, workflow.CleanLine(p.Text(l)))
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.backup_unverified", res.Cases, len(res.Problems)))
		return 1
	}
	fmt.Fprintln(stdout, tui.T(l, "cli.backup_verified", res.Cases))
	return 0
}

// cmdCheck: repairdesk check [--db PATH]. Works while the database is open elsewhere.
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk check", stderr, "repairdesk check [--db PATH]")
	db := fs.String("db", DefaultDBPath(), "database file")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	l := tui.LangFromEnv("")
	st, err := store.Open(*db, store.Options{ReadOnly: true, Timeout: localTimeout})
	var le *store.LockedError
	switch {
	case err == nil:
		defer st.Close()
		probs := st.Check()
		if len(probs) == 0 {
			fmt.Fprintln(stdout, tui.T(l, "cli.check_ok", *db, st.Snapshot().Len()))
			return 0
		}
		for _, p := range probs {
			fmt.Fprintln(stdout, workflow.CleanLine(p.Text(l)))
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.check_problems", *db, len(probs)))
		return 1
	case errors.As(err, &le):
		probs, rerr := store.RemoteCheck(*db)
		if rerr != nil {
			fmt.Fprintln(stderr, "repairdesk check:", tui.T(l, "cli.check_no_socket", le.Message(l), rerr))
			return 1
		}
		if len(probs) == 0 {
			fmt.Fprintln(stdout, tui.T(l, "cli.check_ok_remote", *db))
			return 0
		}
		for _, p := range probs {
			fmt.Fprintln(stdout, p)
		}
		fmt.Fprintln(stdout, tui.T(l, "cli.check_problems_remote", *db, len(probs)))
		return 1
	default:
		fmt.Fprintln(stderr, "repairdesk check:", messageIn(err, l))
		return 1
	}
}

// cmdRestore: repairdesk restore FILE [--db PATH].
func cmdRestore(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repairdesk restore", stderr, "repairdesk restore FILE [--db PATH]")
	db := fs.String("db", DefaultDBPath(), "database file to replace")
	pos, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	l := tui.LangFromEnv("")
	rep, err := store.Restore(*db, pos[0])
	if err != nil {
		var le *store.LockedError
		var re *store.RestoreError
		var ke *store.RestoreKeyError
		var de *store.DamageError
		switch {
		case errors.As(err, &le):
			fmt.Fprintln(stderr, "repairdesk restore:", tui.T(l, "cli.restore_in_use", le.Message(l)))
		case errors.As(err, &re):
			for _, p := range re.Problems {
				fmt.Fprintln(stderr, workflow.CleanLine(p.Text(l)))
			}
			fmt.Fprintln(stderr, "repairdesk restore:", err)
		case errors.As(err, &ke):
			fmt.Fprintln(stderr, "repairdesk restore:", ke.Message(l))
		case errors.As(err, &de):
			fmt.Fprintln(stderr, "repairdesk restore:", de.Message(l))
		default:
			fmt.Fprintln(stderr, "repairdesk restore:", err)
		}
		return 1
	}
	fmt.Fprintln(stdout, tui.T(l, "cli.restored", *db, pos[0], rep.Cases))
	if rep.Previous != "" {
		fmt.Fprintln(stdout, tui.T(l, "cli.restore_previous", rep.Previous))
	}
	return 0
}
