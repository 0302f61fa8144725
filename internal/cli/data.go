package cli

// Data commands: import (bulk intake from CSV), backup and check (hot, through the
// running process's control socket when the database is open), restore.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"repairdesk/internal/office"
	"repairdesk/internal/progress"
	"repairdesk/store"
	"repairdesk/store/kv"
	"repairdesk/workflow"
)

// localTimeout: how long the data commands wait for the file lock before falling back
// to the control socket of the process that holds it.
const localTimeout = 500 * time.Millisecond

// importCmd: repairdesk import FILE.csv [--as NAME].
func (a *app) importCmd() *cobra.Command {
	c := a.command("import", "import")
	c.Args = a.exactArgs(1)
	as := c.Flags().String("as", "", a.t("flag.import_as"))
	errFile := c.Flags().String("errors", "", a.t("flag.import_errors"))
	c.RunE = a.run(func(args []string) int { return a.importCSV(args[0], *as, *errFile) })
	return c
}

func (a *app) importCSV(file, as, errFile string) int {
	l := a.lang
	if errFile != "" {
		if err := a.refuseExisting(errFile); err != nil {
			return a.errf("import", exitFail, err.Error())
		}
	}
	data, err := a.readFile(file)
	if err != nil {
		return a.errf("import", exitFail, err.Error())
	}
	f := bytes.NewReader(data)
	db := a.dbPath()
	if _, err := os.Stat(db); a.held == nil && err != nil && !kv.IsPostgres(db) {
		// Importing never creates a database: its staff must exist to take the cases in.
		return a.errf("import", exitFail, a.t("cli.import_no_db", db, err))
	}
	st, done, ok := a.useStore(db, store.Options{})
	if !ok {
		return exitFail
	}
	defer done()
	if err := st.KeyProblem(); err != nil {
		return a.errf("import", exitFail, messageIn(err, l))
	}
	name := as
	if name == "" {
		name = a.me()
	} else if a.actor != nil && name != a.actor.Name && !a.actor.Role.CanAdminister() {
		// Through the socket, only an admin takes cases in in someone else's name.
		return a.errf("import", exitFail, a.t("cli.remote_import_as", a.actor.Name, workflow.CleanLine(name)))
	}
	actor, found := st.Staff(name)
	if !found || !actor.Active {
		return a.errf("import", exitFail, a.t("cli.import_not_staff", name))
	}
	if !actor.Role.CanWork() {
		return a.errf("import", exitFail, a.t("cli.import_read_only", name))
	}
	ctx, stop := a.interruptible()
	defer stop()
	w := a.work("progress.import", progress.Bytes)
	rep, err := office.ImportCSVWith(st, f, actor, int64(len(data)), store.Work{Context: ctx, Progress: func(_ string, done, total int64) { w.update(done, total) }})
	w.done()
	a.printImportReport(a.stdout, rep)
	if errFile != "" && len(rep.Bad) > 0 {
		// The rows not imported, with their problems, through the one CSV writer.
		var buf bytes.Buffer
		werr := rep.WriteErrors(&buf, l)
		if werr == nil {
			werr = a.writeOut(errFile, buf.Bytes())
		}
		if werr != nil {
			return a.errf("import", exitFail, werr.Error())
		}
		fmt.Fprintln(a.stdout, a.t("cli.import_errors_written", errFile))
	}
	if err != nil && ctx.Err() != nil {
		return a.errf("import", exitInterrupted, a.t("cli.import_interrupted"))
	}
	if err != nil {
		return a.errf("import", exitFail, messageIn(err, l))
	}
	if len(rep.Bad) > 0 {
		return exitFail
	}
	return exitOK
}

func (a *app) printImportReport(w io.Writer, rep office.ImportReport) {
	lang := a.lang
	where := func(line int, ref string) string {
		if ref = workflow.CleanLine(ref); ref != "" {
			return a.t("cli.import_line_ref", line, ref)
		}
		return a.t("cli.import_line", line)
	}
	type entry struct {
		line int
		text string
	}
	var out []entry
	add := func(line int, ref, key string, args ...any) {
		out = append(out, entry{line, a.t("cli.import_entry", where(line, ref), a.t(key, args...))})
	}
	for _, c := range rep.Cases {
		add(c.Line, c.Ref, "cli.import_imported", c.CaseNo)
	}
	for _, d := range rep.Duplicates {
		add(d.Line, d.Ref, "cli.import_duplicate", d.CaseNo)
	}
	for _, p := range rep.Warnings {
		for _, m := range p.Messages(lang) {
			add(p.Line, p.Ref, "cli.import_warning", p.CaseNo, workflow.CleanLine(m))
		}
	}
	for _, p := range rep.Bad {
		for _, m := range p.Messages(lang) {
			add(p.Line, p.Ref, "cli.import_bad", workflow.CleanLine(m))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	for _, e := range out {
		fmt.Fprintln(w, e.text)
	}
	fmt.Fprintln(w, a.t("cli.import_summary", rep.Rows, rep.Imported, rep.Skipped, len(rep.Bad), len(rep.Warnings)))
}

// backupCmd: repairdesk backup FILE. Works while the console or the server has the
// database open (through its control socket).
func (a *app) backupCmd() *cobra.Command {
	c := a.command("backup", "backup")
	c.Args = a.exactArgs(1)
	c.RunE = a.run(func(args []string) int {
		l, db, dest := a.lang, a.dbPath(), args[0]
		if kv.IsPostgres(db) {
			return a.errf("backup", exitFail, messageIn(&store.FileOnlyError{What: "backup"}, l))
		}
		defer bulkGC()()
		ctx, stop := a.interruptible()
		defer stop()
		res, err := store.BackupFileWith(db, dest, a.storeWork(ctx, "progress.backup", progress.Bytes))
		if err != nil && ctx.Err() != nil {
			return a.errf("backup", exitInterrupted, a.t("cli.interrupted"))
		}
		if errors.Is(err, fs.ErrPermission) && store.HeldElsewhere(db) {
			// Another OS user's served database (serve --control-group): its file, key and
			// anchor log are not this user's to copy.
			return a.errf("backup", exitFail, a.t("cli.backup_not_owner", db))
		}
		if err != nil {
			return a.errf("backup", exitFail, messageIn(err, l))
		}
		via := ""
		if res.Remote {
			via = a.t("cli.backup_remote")
		}
		fmt.Fprintln(a.stdout, a.t("cli.backup_written", db, dest, res.Bytes, via))
		if res.KeyProblem != nil {
			fmt.Fprintln(a.stdout, a.t("cli.warning"), messageIn(res.KeyProblem, l))
		} else if res.KeyFile != "" {
			fmt.Fprintln(a.stdout, a.t("cli.backup_key_note", res.KeyFile))
		}
		if len(res.Problems) > 0 {
			for _, p := range res.Problems {
				fmt.Fprintln(a.stdout, workflow.CleanLine(p.Text(l)))
			}
			fmt.Fprintln(a.stdout, a.t("cli.backup_unverified", res.Cases, len(res.Problems)))
			return exitFail
		}
		fmt.Fprintln(a.stdout, a.t("cli.backup_verified", res.Cases))
		return exitOK
	})
	return c
}

// checkCmd: repairdesk check. Works while the database is open elsewhere.
func (a *app) checkCmd() *cobra.Command {
	c := a.command("check", "check")
	c.Args = a.noArgs
	anchorLog := c.Flags().String("anchor-log", "", a.t("flag.anchor_log"))
	anchorPub := c.Flags().String("anchor-pub", "", a.t("flag.anchor_pub"))
	c.RunE = a.run(func([]string) int {
		l, db := a.lang, a.dbPath()
		defer bulkGC()()
		ctx, stop := a.interruptible()
		defer stop()
		sw := a.storeWork(ctx, "progress.check", progress.Cases)
		st, err := store.Open(db, store.Options{ReadOnly: true, Timeout: localTimeout, KeyFile: a.keyFile, AnchorLog: *anchorLog, AnchorPub: *anchorPub,
			Context: sw.Context, Progress: sw.Progress, IndexOnDemand: true, NoSummaries: true})
		var le *store.LockedError
		switch {
		case err == nil:
			defer st.Close()
			probs := st.Check()
			sw.Progress("", 0, 0) // clears the line
			if ctx.Err() != nil {
				return a.errf("check", exitInterrupted, a.t("cli.check_interrupted"))
			}
			a.printAnchors(st.Anchors())
			if len(probs) == 0 {
				fmt.Fprintln(a.stdout, a.t("cli.check_ok", db, st.CheckedCases()))
				return exitOK
			}
			for _, p := range probs {
				fmt.Fprintln(a.stdout, workflow.CleanLine(p.Text(l)))
			}
			fmt.Fprintln(a.stdout, a.t("cli.check_problems", db, len(probs)))
			return exitFail
		case errors.As(err, &le):
			if *anchorLog != "" || *anchorPub != "" {
				return a.errf("check", exitFail, a.t("cli.check_anchor_in_use"))
			}
			probs, rerr := store.RemoteCheck(db)
			if rerr != nil {
				return a.errf("check", exitFail, a.t("cli.check_no_socket", le.Message(l), rerr))
			}
			if len(probs) == 0 {
				fmt.Fprintln(a.stdout, a.t("cli.check_ok_remote", db))
				return exitOK
			}
			for _, p := range probs {
				fmt.Fprintln(a.stdout, workflow.CleanLine(p))
			}
			fmt.Fprintln(a.stdout, a.t("cli.check_problems_remote", db, len(probs)))
			return exitFail
		default:
			return a.errf("check", exitFail, messageIn(err, l))
		}
	})
	return c
}

// restoreCmd: repairdesk restore FILE.
func (a *app) restoreCmd() *cobra.Command {
	c := a.command("restore", "restore")
	c.Args = a.exactArgs(1)
	c.RunE = a.run(func(args []string) int {
		l, db := a.lang, a.dbPath()
		if kv.IsPostgres(db) {
			return a.errf("restore", exitFail, messageIn(&store.FileOnlyError{What: "restore"}, l))
		}
		ctx, stop := a.interruptible()
		defer stop()
		rep, err := store.RestoreWith(db, args[0], a.storeWork(ctx, "progress.restore", progress.Bytes))
		if err != nil && ctx.Err() != nil {
			return a.errf("restore", exitInterrupted, a.t("cli.interrupted"))
		}
		if err != nil {
			var le *store.LockedError
			var re *store.RestoreError
			switch {
			case errors.As(err, &le):
				return a.errf("restore", exitFail, a.t("cli.restore_in_use", le.Message(l)))
			case errors.As(err, &re):
				for _, p := range re.Problems {
					fmt.Fprintln(a.stderr, workflow.CleanLine(p.Text(l)))
				}
			}
			return a.errf("restore", exitFail, messageIn(err, l))
		}
		fmt.Fprintln(a.stdout, a.t("cli.restored", db, args[0], rep.Cases))
		if rep.Previous != "" {
			fmt.Fprintln(a.stdout, a.t("cli.restore_previous", rep.Previous))
		}
		return exitOK
	})
	return c
}

// printAnchors says what the anchor log holds and which key checked it.
func (a *app) printAnchors(an store.AnchorInfo) {
	switch {
	case an.Entries == 0 && an.Shared:
		fmt.Fprintln(a.stdout, a.t("cli.anchor_none_shared", an.Log))
	case an.Entries == 0 && !an.Anchored:
		fmt.Fprintln(a.stdout, a.t("cli.anchor_none"))
	case an.Entries > 0 && an.Key != "":
		fmt.Fprintln(a.stdout, a.t("cli.anchor_info", an.Log, an.Entries, an.Last.N, an.Last.At.Local().Format(time.DateTime),
			an.Last.Cases, an.Last.Events, an.Key, an.PubFrom))
	}
	if an.Shared && len(an.Nodes) > 0 {
		fmt.Fprintln(a.stdout, a.t("cli.anchor_nodes", len(an.Nodes), strings.Join(an.Nodes, ", ")))
	}
}
