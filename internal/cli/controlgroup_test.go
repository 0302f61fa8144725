//go:build linux

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"repairdesk/store"
	"repairdesk/workflow"
)

// serve --control-group: the control socket becomes that group's (mode 0660), so another
// OS user in the group runs commands while the server holds the database, as the staff
// member their OS user maps to (SO_PEERCRED); without the group, or unregistered, they
// are refused with what to do; a raw backup through the socket needs an admin.
//
// Tried for real: as root, the test runs itself as the OS user nobody (its group nogroup).
func TestControlGroupLetsAnotherOSUserIn(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to run a command as another OS user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no OS user nobody")
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	group, err := user.LookupGroupId(nobody.Gid)
	if err != nil {
		t.Skip("nobody's group has no name")
	}
	dbDir := officeDB(t, workflow.RoleAdmin, true)
	db := filepath.Join(dbDir, "r.db")
	// The folders on the way to the database: passable (not readable) by others, as
	// the server's warning asks; the database itself stays the server's user's (0600).
	for d := dbDir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	// This test binary, where nobody may run it.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	os.Chmod(binDir, 0o755)
	bin := filepath.Join(binDir, "repairdesk.test")
	raw, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	os.Chmod(work, 0o777)
	asNobody := func(args ...string) (int, string) {
		t.Helper()
		b, _ := json.Marshal(args)
		cmd := exec.Command(bin, "-test.run=^$")
		cmd.Dir = work
		cmd.Env = []string{"RD_AS_ARGS=" + string(b), "HOME=" + work, "LC_ALL=en_US.UTF-8", "PATH=/usr/bin:/bin"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	hold := func(group string) *store.Store {
		t.Helper()
		st, err := store.Open(db, store.Options{Mode: "serve", ControlGroup: group})
		if err != nil {
			t.Fatal(err)
		}
		stop, err := st.ServeControl(context.Background())
		if err != nil {
			st.Close()
			t.Fatal(err)
		}
		remove := st.HandleCommands(CommandHandler("test", st))
		t.Cleanup(func() { remove(); stop(); st.Close() })
		return st
	}

	// Served without a control group: the socket is the server user's only.
	first := hold("")
	if fi, err := os.Stat(store.SocketPath(db)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the socket without a group: %v %v", fi.Mode(), err)
	}
	code, out := asNobody("sla", "show", "--db", db)
	if code != 1 || !strings.Contains(out, "does not let the OS user nobody in") || !strings.Contains(out, "--control-group GROUP") {
		t.Fatalf("another OS user, no control group: exit %d\n%s", code, out)
	}
	first.Close()

	// With the group: mode 0660, the group's.
	st := hold(group.Name)
	fi, err := os.Stat(store.SocketPath(db))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o660 || int(fi.Sys().(*syscall.Stat_t).Gid) != gid {
		t.Fatalf("the socket with --control-group %s: mode %v gid %d", group.Name, fi.Mode().Perm(), fi.Sys().(*syscall.Stat_t).Gid)
	}
	// In, but not registered: refused, naming the command that registers them.
	code, out = asNobody("sla", "show", "--db", db)
	if code != 1 || !strings.Contains(out, "the OS user nobody is not a staff member") || !strings.Contains(out, "repairdesk staff add nobody --role") {
		t.Fatalf("an unregistered OS user in the group: exit %d\n%s", code, out)
	}
	// Registered as a specialist: the command runs, as them.
	if err := st.PutStaff(workflow.Staff{}, workflow.Staff{Name: "nobody", Display: "值班", Role: workflow.RoleSpecialist, Active: true}); err != nil {
		t.Fatal(err)
	}
	code, out = asNobody("sla", "show", "--db", db)
	if code != 0 || out == "" {
		t.Fatalf("a registered specialist in the group: exit %d\n%s", code, out)
	}
	// …but an admin's command is refused, and the whole database is not theirs to copy.
	code, out = asNobody("sla", "set", "intake", "3", "--db", db)
	if code != 1 || !strings.Contains(out, "nobody") {
		t.Fatalf("an admin's command by a specialist: exit %d\n%s", code, out)
	}
	code, out = asNobody("raw-backup", db)
	if code != 1 || !strings.Contains(out, "only an admin may back up") {
		t.Fatalf("a raw backup by a specialist through the socket: exit %d\n%s", code, out)
	}
	// The command line's backup says why it cannot, and what to do instead.
	code, out = asNobody("backup", "b.db", "--lang", "en", "--db", db)
	if code != 1 || !strings.Contains(out, "belongs to the OS user running the server") {
		t.Fatalf("backup by another OS user: exit %d\n%s", code, out)
	}
	// The server's own OS user still may.
	if _, err := store.RemoteBackup(db, io.Discard); err != nil {
		t.Fatalf("the server's own user: %v", err)
	}
}

// serve --control-group warns about every folder on the way to the database that the
// group cannot pass, the outermost first, so one command fixes them all.
func TestUnreachableByNamesEveryClosedFolder(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to give folders to a group")
	}
	root := t.TempDir()
	os.Chmod(root, 0o755)
	os.Chmod(filepath.Dir(root), 0o755) // the test's own temporary folder
	a := filepath.Join(root, "a")
	b := filepath.Join(a, "b")
	c := filepath.Join(b, "c")
	if err := os.MkdirAll(c, 0o700); err != nil {
		t.Fatal(err)
	}
	gid := 65534
	if got := unreachableBy(c, gid); strings.Join(got, " ") != a+" "+b+" "+c {
		t.Fatalf("closed folders: %v", got)
	}
	for _, d := range []string{a, b, c} {
		os.Chown(d, -1, gid)
		os.Chmod(d, 0o710)
	}
	if got := unreachableBy(c, gid); len(got) != 0 {
		t.Fatalf("after chgrp and chmod g+x: %v", got)
	}
}
