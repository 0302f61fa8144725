package cli

// Commands while another process holds the database: they run inside that process
// (store.RemoteCommand), as the staff member of the OS user who ran them, with their
// files read and written on this side. The same code runs both ways: a command opens its
// store with useStore and touches files only through the methods below.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"repairdesk/internal/msg"
	"repairdesk/store"
	"repairdesk/workflow"
)

// errRemoteDone: the command ran in the process holding the database; a.code is its code.
var errRemoteDone = errors.New("ran through the control socket")

// need is who may run a command through the socket.
type need int

const (
	needStaff need = iota + 1 // any active staff member
	needWork                  // a role that takes in cases
	needAdmin
)

// remoteCommands are the commands that go through the control socket, by command path.
var remoteCommands = map[string]need{
	"repairdesk letter":           needStaff,
	"repairdesk export":           needStaff,
	"repairdesk report":           needStaff,
	"repairdesk sla show":         needStaff,
	"repairdesk calendar list":    needStaff,
	"repairdesk import":           needWork,
	"repairdesk staff add":        needAdmin,
	"repairdesk staff list":       needAdmin,
	"repairdesk staff disable":    needAdmin,
	"repairdesk staff enable":     needAdmin,
	"repairdesk staff pin-reset":  needAdmin,
	"repairdesk staff key add":    needAdmin,
	"repairdesk staff key remove": needAdmin,
	"repairdesk sla set":          needAdmin,
	"repairdesk sla goal":         needAdmin,
	"repairdesk agency show":      needStaff,
	"repairdesk agency set":       needAdmin,
	"repairdesk calendar import":  needAdmin,
	"repairdesk letters use":      needAdmin,
}

// preRun sends a command to the process holding the database (on the command line's
// side), or checks who runs it (inside that process).
func (a *app) preRun(cmd *cobra.Command, _ []string) error {
	nd, ok := remoteCommands[cmd.CommandPath()]
	if a.held != nil {
		if !ok {
			// Anything else (the console, serve, restore …) never runs inside the server.
			return &refusedErr{a.t("cli.remote_not_allowed")}
		}
		return a.authorise(nd)
	}
	if !ok {
		return nil
	}
	db := a.dbPath()
	if !store.HeldElsewhere(db) {
		return nil
	}
	cwd, _ := os.Getwd()
	ctx, stop := a.interruptible()
	defer stop()
	code, err := store.RemoteCommandContext(ctx, db, store.CommandRequest{Args: a.args, Lang: a.lang, Cwd: cwd}, a.stdout, a.stderr)
	if err != nil && ctx.Err() != nil {
		a.code = a.errf(strings.TrimPrefix(cmd.CommandPath(), "repairdesk "), exitInterrupted, a.t("cli.interrupted"))
		return errRemoteDone
	}
	if errors.Is(err, fs.ErrPermission) {
		// The socket is another OS user's, and not open to a group this user is in.
		a.code = a.errf(strings.TrimPrefix(cmd.CommandPath(), "repairdesk "), exitFail, a.t("cli.remote_no_access", osUser(), db))
		return errRemoteDone
	}
	if err != nil {
		le := lockedByMessage(db, a.lang)
		a.code = a.errf(strings.TrimPrefix(cmd.CommandPath(), "repairdesk "), exitFail, a.t("cli.remote_failed", le, workflow.CleanLine(err.Error())))
		return errRemoteDone
	}
	a.code = code
	return errRemoteDone
}

func lockedByMessage(db, lang string) string {
	_, err := store.Open(db, store.Options{ReadOnly: true, Timeout: 1})
	if err == nil {
		return db
	}
	return messageIn(err, lang)
}

// RunHeld runs a command sent through the control socket of the process that holds st,
// for peer. It never panics: a failure is the command's exit code and message.
func RunHeld(version string, st *store.Store, peer store.Peer, req store.CommandRequest, cio *store.CommandIO) (code int) {
	lang := "zh"
	if req.Lang == "en" {
		lang = "en"
	}
	a := &app{stdout: cio.Stdout, stderr: cio.Stderr, version: version, lang: lang, held: st, peer: &peer, cio: cio, cwd: req.Cwd}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(a.stderr, "repairdesk: %s\n", a.t("cli.remote_internal", fmt.Sprint(r)))
			_ = debug.Stack()
			code = exitFail
		}
	}()
	return a.execute(req.Args)
}

// CommandHandler is what a console or the server passes to st.HandleCommands.
func CommandHandler(version string, st *store.Store) store.CommandHandler {
	return func(peer store.Peer, req store.CommandRequest, cio *store.CommandIO) int {
		return RunHeld(version, st, peer, req, cio)
	}
}

// me is the staff name of whoever runs the command: the socket peer's OS user inside the
// process holding the database, else this process's user.
func (a *app) me() string {
	if a.peer != nil {
		return staffNameOf(a.peer.Username)
	}
	return osUser()
}

// authorise decides whether the socket peer may run a command needing nd.
func (a *app) authorise(nd need) error {
	name := a.me()
	s, found := a.held.Staff(name)
	if !found && a.held.StaffCount() == 0 && a.peer.UID == os.Getuid() {
		// A new database: its owner is trusted as on the command line (staff add makes
		// them its admin).
		return nil
	}
	var text string
	switch {
	case !found:
		text = a.unregistered(name, nd)
	case !s.Active:
		text = a.t("cli.remote_disabled", name)
	case nd == needAdmin && !s.Role.CanAdminister():
		text = a.t("cli.remote_not_admin", name, s.Role.Label(a.lang), a.adminNames())
	case nd == needWork && !s.Role.CanWork():
		text = a.t("cli.import_read_only", name)
	default:
		a.actor = &s
		return nil
	}
	return &refusedErr{text}
}

// refusedErr: the peer may not run this command (exit 1, not a usage error).
type refusedErr struct{ text string }

func (e *refusedErr) Error() string { return e.text }

// unregistered says who can register name, with a role that lets them run what they
// asked: an admin for admin commands; it never suggests one that cannot help.
func (a *app) unregistered(name string, nd need) string {
	role := workflow.RoleSpecialist
	switch nd {
	case needAdmin:
		role = workflow.RoleAdmin
	case needStaff:
		role = workflow.RoleAuditor
	}
	if admins := a.adminNames(); admins != "" {
		return a.t("cli.remote_unregistered", name, admins, role)
	}
	return a.t("cli.remote_unregistered_no_admin", name, role)
}

// adminNames lists the active admins of the held (or given) database.
func (a *app) adminNames() string {
	if a.held == nil {
		return ""
	}
	return adminsOf(a.held, a.lang)
}

func adminsOf(st *store.Store, lang string) string {
	var names []string
	for _, s := range st.ListStaff() {
		if s.Active && s.Role.CanAdminister() {
			names = append(names, s.Name)
		}
	}
	return strings.Join(names, msg.T(lang, "cli.list_sep"))
}

// by is who a staff change is recorded as: the socket peer's staff member, or (on the
// command line with the file free) the OS user's when they are an admin, else nobody —
// the file's owner is trusted.
func (a *app) by(st *store.Store) workflow.Staff {
	if a.actor != nil {
		return *a.actor
	}
	// With the file free, the OS user is named when they are one of its admins.
	if s, ok := st.Staff(osUser()); ok && s.Active && s.Role.CanAdminister() {
		return s
	}
	return workflow.Staff{}
}

// admin is who settings changes are recorded as.
func (a *app) admin() workflow.Staff {
	if a.actor != nil {
		return *a.actor
	}
	return cliAdmin()
}

// useStore opens the database, or lends the one this process holds; done releases it.
func (a *app) useStore(path string, opts store.Options) (*store.Store, func(), bool) {
	if a.held != nil {
		return a.held, func() {}, true
	}
	st, ok := a.openStore(path, opts)
	if !ok {
		return nil, func() {}, false
	}
	return st, func() { a.noteUnanchored(st); st.Close() }, true
}

// noteUnanchored tells, after a command beside a node that holds the anchor log, that
// the case records the command wrote are in no anchor log.
func (a *app) noteUnanchored(st *store.Store) {
	if log, n := st.AnchorsSkipped(); n > 0 {
		fmt.Fprintln(a.stderr, "repairdesk:", msg.T(a.lang, "cli.unanchored", log, n))
	}
}

// ---- files, on the command line's side either way ----

func (a *app) refuseExisting(path string) error {
	if a.cio != nil {
		if a.cio.Exists(path) {
			return errors.New(msg.T(a.lang, "cli.file_exists", path))
		}
		return nil
	}
	return refuseExisting(path, a.lang)
}

func (a *app) createNew(path string) (io.WriteCloser, error) {
	if a.cio != nil {
		w, err := a.cio.CreateNew(path)
		if errors.Is(err, fs.ErrExist) {
			return nil, errors.New(msg.T(a.lang, "cli.file_exists", path))
		}
		return w, err
	}
	return createNew(a.lang, path)
}

// removeNew removes a file createNew made (after a failure: whole or nothing).
func (a *app) removeNew(w io.WriteCloser, path string) {
	if a.cio != nil {
		a.cio.Remove(w)
		return
	}
	os.Remove(path)
}

func (a *app) readFile(path string) ([]byte, error) {
	if a.cio != nil {
		return a.cio.ReadFile(path)
	}
	return os.ReadFile(path)
}

// writeOut writes data to path ("" or "-": standard output), never over an existing file.
func (a *app) writeOut(path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := a.stdout.Write(data)
		return err
	}
	f, err := a.createNew(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		a.removeNew(f, path)
	}
	return err
}

// abs makes path absolute against the command line's working directory.
func (a *app) abs(path string) (string, error) {
	if a.held != nil && !filepath.IsAbs(path) {
		if a.cwd == "" {
			return "", errors.New("relative path without a working directory")
		}
		return filepath.Join(a.cwd, path), nil
	}
	return filepath.Abs(path)
}
