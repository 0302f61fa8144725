// Package cli is repairdesk's command line: one cobra command per verb (one file per
// command or command group), with flags, help and messages in the user's language.
//
// main.go only calls Run. The package reaches tui only to start the console (console.go)
// and the SSH server (serve.go); its text comes from internal/msg and its figures from
// workflow and store.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"repairdesk/internal/msg"
	"repairdesk/store"
	"repairdesk/workflow"
)

// Exit codes: 0 done, 1 the work failed, 2 the command was not understood.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// app is one invocation of the command line: its output, its language and the flags the
// root declares for every command. Nothing of it is shared between invocations.
type app struct {
	stdout, stderr io.Writer
	version        string
	lang           string // decided before cobra parses anything, so help is in it too
	langFlag       string // --lang as given ("" when absent)
	db             string // --db
	keyFile        string // --key-file
	anchorKey      string // --anchor-key
	code           int    // what the command that ran returns
	args           []string
	// openStopped: Ctrl+C stopped the opening of the database (its conversion); the
	// command then exits with exitInterrupted.
	openStopped bool

	// Inside the process that holds the database, for a command sent through its control
	// socket (remote.go): the store, the peer, its staff member and its files.
	held  *store.Store
	peer  *store.Peer
	actor *workflow.Staff
	cio   *store.CommandIO
	cwd   string

	// Tests: the context long work stops on (instead of Ctrl+C), and a hook that hears
	// its progress.
	ctx          context.Context
	progressHook func(what string, done, total int64)
	// Tests: hears the options each store is opened with (openStore), and adjusts the
	// figures serve compares to warn that PostgreSQL's cache is smaller than the base
	// (a test server's shared_buffers is far larger than a test's base).
	storeOpts func(store.Options)
	cacheFit  func(buffers, base int64) (int64, int64)
	now       func() time.Time // the export's clock (its CSV's agency days); nil: time.Now
}

// Run runs the command line with args (without the program name) and returns the exit
// code. version is what `repairdesk version` prints.
func Run(version string, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, version: version}
	a.langFlag = scanLang(args)
	a.lang = msg.LangFromEnv(a.langFlag)
	return a.execute(args)
}

// execute runs args: here, or in the process that holds the database (remote.go).
func (a *app) execute(args []string) int {
	a.args = args
	root := a.rootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if errors.Is(err, errRemoteDone) {
		return a.code
	}
	var re *refusedErr
	if errors.As(err, &re) {
		return a.errf(strings.TrimPrefix(cmd.CommandPath(), "repairdesk "), exitFail, re.text)
	}
	if err != nil {
		return a.usageError(cmd, err)
	}
	if a.openStopped && a.code != 0 {
		return exitInterrupted
	}
	return a.code
}

// scanLang finds --lang in args before cobra reads them: the help cobra renders while
// parsing must already be in the user's language.
func scanLang(args []string) string {
	lang := ""
	for i := 0; i < len(args); i++ {
		s := args[i]
		if s == "--" {
			break
		}
		if v, ok := strings.CutPrefix(s, "--lang="); ok {
			lang = v
		} else if s == "--lang" && i+1 < len(args) {
			lang = args[i+1]
			i++
		}
	}
	return lang
}

// t is a message in the invocation's language.
func (a *app) t(key string, args ...any) string { return msg.T(a.lang, key, args...) }

// usageErr is a command line that was not understood: exit 2, with a pointer to --help.
type usageErr struct{ text string }

func (e *usageErr) Error() string { return e.text }

func (a *app) usage(key string, args ...any) error { return &usageErr{a.t(key, args...)} }

// usageError reports what cobra or a command refused, in the user's language, and says
// where the help is.
func (a *app) usageError(cmd *cobra.Command, err error) int {
	if cmd == nil {
		cmd = &cobra.Command{Use: "repairdesk"}
	}
	text := a.flagError(err)
	fmt.Fprintf(a.stderr, "%s: %s\n%s\n", cmd.CommandPath(), text, a.t("cli.see_help", cmd.CommandPath()))
	return exitUsage
}

// flagError turns pflag's errors into messages in the user's language.
func (a *app) flagError(err error) string {
	var ue *usageErr
	var ne *pflag.NotExistError
	var ve *pflag.ValueRequiredError
	var ie *pflag.InvalidValueError
	var se *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &ue):
		return ue.text
	case errors.As(err, &ne):
		return a.t("cli.unknown_flag", flagName(ne.GetSpecifiedName(), ne.GetSpecifiedShortnames()))
	case errors.As(err, &ve):
		return a.t("cli.flag_needs_value", flagName(ve.GetSpecifiedName(), ve.GetSpecifiedShortnames()))
	case errors.As(err, &ie):
		return a.t("cli.flag_bad_value", "--"+ie.GetFlag().Name, ie.GetValue())
	case errors.As(err, &se):
		return a.t("cli.flag_syntax", se.GetSpecifiedFlag())
	}
	return workflow.CleanLine(err.Error())
}

func flagName(long, short string) string {
	if long != "" {
		return "--" + long
	}
	return "-" + short
}

// ---- the root: the console, and the flags every command shares ----

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "repairdesk",
		SilenceErrors: true,
		SilenceUsage:  true,
		// The console takes no arguments: a word here is a command that does not exist.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return a.unknownCommand(cmd, args[0])
			}
			return nil
		},
	}
	// Before the commands are built: the completion command takes its output from here.
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	root.PersistentPreRunE = a.preRun
	pf := root.PersistentFlags()
	pf.StringVar(&a.db, "db", "", a.t("flag.db"))
	pf.StringVar(&a.langFlag, "lang", "", a.t("flag.lang"))
	pf.StringVar(&a.keyFile, "key-file", "", a.t("flag.key_file"))
	pf.StringVar(&a.anchorKey, "anchor-key", "", a.t("flag.anchor_key"))
	a.consoleFlags(root)
	root.AddCommand(
		a.serveCmd(), a.staffCmd(), a.demoCmd(), a.lettersCmd(), a.calendarCmd(), a.slaCmd(), a.agencyCmd(),
		a.importCmd(), a.checkCmd(), a.backupCmd(), a.restoreCmd(), a.migrateCmd(), a.verifyCmd(), a.reportCmd(), a.letterCmd(),
		a.exportCmd(), a.versionCmd(),
	)
	a.localise(root)
	return root
}

// unknownCommand refuses a word that is no command of cmd, suggesting a near one.
func (a *app) unknownCommand(cmd *cobra.Command, word string) error {
	text := a.t("cli.unknown_command", workflow.CleanLine(word))
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		text += a.t("cli.did_you_mean", strings.Join(s, ", "))
	}
	return &usageErr{text}
}

// group is a command that only holds others: run alone or with an unknown word, it
// refuses with exit 2 and points at its help.
func (a *app) group(use, key string, subs ...*cobra.Command) *cobra.Command {
	c := a.command(use, key)
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return a.usage("cli.sub_needed")
		}
		return a.unknownCommand(cmd, args[0])
	}
	c.AddCommand(subs...)
	return c
}

// command is a command whose usage line and descriptions are the catalogue's
// cmd.KEY.use, cmd.KEY.short and (when there) cmd.KEY.long.
func (a *app) command(use, key string) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: a.t("cmd." + key + ".short"),
	}
	if msg.Has("cmd." + key + ".long") {
		c.Long = a.t("cmd." + key + ".long")
	}
	if msg.Has("cmd." + key + ".use") {
		c.Use = a.t("cmd." + key + ".use")
	}
	return c
}

// exactArgs and noArgs check the positional arguments with messages in the user's language.
func (a *app) exactArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return a.usage("cli.args_exact", n, len(args))
		}
		return nil
	}
}

func (a *app) noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return a.usage("cli.args_none", workflow.CleanLine(strings.Join(args, " ")))
	}
	return nil
}

// run adapts a command written as func(args) exit-code to cobra.
func (a *app) run(f func(args []string) int) func(*cobra.Command, []string) error {
	return func(_ *cobra.Command, args []string) error {
		a.code = f(args)
		return nil
	}
}

// ---- shared by the commands ----

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

// dbPath is --db, else the default database.
func (a *app) dbPath() string {
	if a.db != "" {
		return a.db
	}
	return DefaultDBPath()
}

// errf prints "repairdesk CMD: message" on standard error and returns code.
func (a *app) errf(cmd string, code int, text string) int {
	fmt.Fprintf(a.stderr, "repairdesk %s: %s\n", cmd, text)
	return code
}

// openStore opens the database, saying in the user's language why it cannot.
func (a *app) openStore(path string, opts store.Options) (*store.Store, bool) {
	if opts.KeyFile == "" {
		opts.KeyFile = a.keyFile
	}
	if opts.AnchorKey == "" {
		opts.AnchorKey = a.anchorKey
	}
	// A command (not the console, not serve) beside a node of a shared case base that
	// holds the anchor log goes on without it.
	opts.AnchorsIfFree = opts.Mode == ""
	if opts.Memory.Hold == nil {
		opts.Memory = memoryHints
	}
	clear := a.openProgress(path, &opts)
	defer clear()
	if !opts.ReadOnly && opts.OpenContext == nil {
		// Ctrl+C during a long open (an older file's conversion) stops it cleanly.
		ctx, stop := a.interruptible()
		defer stop()
		opts.OpenContext = ctx
	}
	if a.storeOpts != nil {
		a.storeOpts(opts)
	}
	st, err := store.Open(path, opts)
	if err != nil {
		clear() // the progress line goes before the sentence that says why
	}
	if errors.Is(err, store.ErrChunksInterrupted) {
		a.openStopped = true
		fmt.Fprintln(a.stderr, "repairdesk:", a.t("cli.chunks_interrupted"))
		return nil, false
	}
	if errors.Is(err, store.ErrConvertInterrupted) {
		a.openStopped = true
		fmt.Fprintln(a.stderr, "repairdesk:", a.t("cli.convert_interrupted"))
		return nil, false
	}
	if err != nil {
		fmt.Fprintln(a.stderr, "repairdesk:", messageIn(err, a.lang))
		return nil, false
	}
	return st, true
}

// messageIn picks the language of an error that has both.
func messageIn(err error, lang string) string {
	var m interface{ Message(string) string }
	if errors.As(err, &m) {
		return m.Message(lang)
	}
	return err.Error()
}

var nonName = regexp.MustCompile(`[^a-z0-9_.-]`)

// osUser is the login name of whoever runs the command, as a staff name.
func osUser() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	return staffNameOf(name)
}

// staffNameOf is the staff name of an OS user name.
func staffNameOf(name string) string {
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

// cliAdmin is who the command line acts as for settings: whoever can write the database
// file is trusted like an admin, and is named in the audit log.
func cliAdmin() workflow.Staff {
	return workflow.Staff{Name: osUser(), Role: workflow.RoleAdmin, Active: true}
}

func (a *app) versionCmd() *cobra.Command {
	c := a.command("version", "version")
	c.Args = a.noArgs
	c.RunE = a.run(func([]string) int {
		fmt.Fprintln(a.stdout, "repairdesk", a.version)
		return exitOK
	})
	return c
}
