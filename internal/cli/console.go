package cli

// The root command: the console on one desk, over the database file.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spf13/cobra"

	"repairdesk/internal/office"
	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// consoleOpts are the root's own flags (not inherited by the commands).
type consoleOpts struct {
	demo, reset bool
	noMouse     bool
	as          string
	idle        time.Duration
}

func (a *app) consoleFlags(root *cobra.Command) {
	root.Short = a.t("cmd.root.short")
	root.Long = a.t("cmd.root.long")
	root.Use = "repairdesk"
	o := &consoleOpts{}
	f := root.Flags()
	f.BoolVar(&o.demo, "demo", false, a.t("flag.demo"))
	f.BoolVar(&o.reset, "reset", false, a.t("flag.reset"))
	f.StringVar(&o.as, "as", "", a.t("flag.demo_as"))
	f.DurationVar(&o.idle, "lock-after", 0, a.t("flag.lock_after"))
	f.BoolVar(&o.noMouse, "no-mouse", false, a.t("flag.no_mouse"))
	root.RunE = func(_ *cobra.Command, _ []string) error {
		a.code = a.console(o)
		return nil
	}
}

func (a *app) console(o *consoleOpts) int {
	l := a.lang
	fail := func(code int, text string) int {
		fmt.Fprintln(a.stderr, "repairdesk:", text)
		return code
	}
	path := a.db
	if o.demo {
		if path == "" {
			path = filepath.Join(dataDir(), "demo.db")
		}
		if o.reset {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				return fail(exitFail, err.Error())
			}
		}
	} else if path == "" {
		path = DefaultDBPath()
	}
	if o.reset && !o.demo {
		return fail(exitUsage, a.t("cli.reset_demo_only"))
	}
	st, ok := a.openStore(path, store.Options{Mode: "console"})
	if !ok {
		return exitFail
	}
	defer st.Close()
	// Lets repairdesk backup and check reach this database while the console has it.
	if stop, err := st.ServeControl(context.Background()); err != nil {
		fmt.Fprintln(a.stderr, "repairdesk:", a.t("cli.no_control"), err)
	} else {
		defer stop()
		defer st.HandleCommands(CommandHandler(a.version, st))()
	}
	var me workflow.Staff
	if o.demo {
		if demoEmpty(st) {
			fmt.Fprintln(a.stderr, a.t("cli.demo_creating"))
			if err := office.GenerateDemo(st, 72, uint64(time.Now().UnixNano())); err != nil {
				return fail(exitFail, messageIn(err, l))
			}
		}
		name := o.as
		if name == "" {
			name = "wangfang"
		}
		s, found := st.Staff(name)
		if !found {
			return fail(exitUsage, a.t("cli.no_staff", name, demoNames()))
		}
		me = s
	} else {
		if o.as != "" {
			return fail(exitUsage, a.t("cli.as_demo_only"))
		}
		name := osUser()
		if st.StaffCount() == 0 {
			// A first run needs no setup: whoever opens a new database is its admin.
			if err := st.PutStaff(workflow.Staff{}, workflow.Staff{Name: name, Display: name, Role: workflow.RoleAdmin, Active: true}); err != nil {
				return fail(exitFail, messageIn(err, l))
			}
			fmt.Fprintln(a.stderr, a.t("cli.first_admin", name, path))
		}
		s, found := st.Staff(name)
		if !found || !s.Active {
			// Never a role that cannot fix it: the admins who can register them, or, with
			// none, an admin registered by the file's owner.
			if admins := adminsOf(st, l); admins != "" {
				return fail(exitFail, a.t("cli.unregistered_admins", name, admins))
			}
			return fail(exitFail, a.t("cli.unregistered_no_admin", name))
		}
		me = s
	}
	if me.Lang != "" && a.langFlag == "" {
		l = tui.NormLang(me.Lang)
	}
	m := tui.New(tui.Options{Store: st, Me: me, Lang: l, Demo: o.demo, IdleLock: o.idle, ExportDir: filepath.Join(dataDir(), "exports")})
	defer m.Close()
	// The terminal's cursor follows the focused field, for input methods (tui/cursor.go);
	// the mouse, unless the terminal cannot report it (TERM dumb, vt100) or --no-mouse.
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithOutput(m.Output(os.Stdout))},
		tui.MouseOptions(os.Getenv("TERM"), o.noMouse)...)...)
	if _, err := p.Run(); err != nil {
		return fail(exitFail, err.Error())
	}
	if m.LockedOut() {
		// Five wrong PINs at the lock: said on exit (the audit log has it too).
		return fail(exitFail, m.EndReason())
	}
	return exitOK
}

func demoNames() string {
	var n []string
	for _, s := range office.DemoStaff {
		n = append(n, s.Name+"("+s.Display+")")
	}
	return strings.Join(n, ", ")
}

// demoEmpty says whether the demo database holds no case yet. It asks the cases loaded so
// far: the newest are in when Open returns, so a big database is known not to be empty
// without waiting for the rest, which load behind the console's first frame.
func demoEmpty(st *store.Store) bool {
	sn := st.SnapshotSoFar()
	return sn == nil || sn.Len() == 0
}
