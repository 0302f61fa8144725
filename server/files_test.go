package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/workflow"
)

// fileOffice is a server with exports on, and staff who use the stock OpenSSH scp and sftp.
type fileOffice struct {
	*srvOffice
	exports string
	host    string
	port    string
}

func newFileOffice(t *testing.T, tweak func(*Options)) *fileOffice {
	t.Helper()
	for _, bin := range []string{"scp", "sftp", "ssh"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("no OpenSSH %s on this machine", bin)
		}
	}
	exports := filepath.Join(t.TempDir(), "office-exports")
	o := newSrvOffice(t, func(so *Options) {
		so.ExportRoot = exports
		if tweak != nil {
			tweak(so)
		}
	})
	host, port, _ := strings.Cut(o.addr, ":")
	return &fileOffice{srvOffice: o, exports: exports, host: host, port: port}
}

// staffWithKeyFile registers a staff member whose key is also a file OpenSSH reads.
func (o *fileOffice) staffWithKeyFile(name, display string, role workflow.Role, lang string) (workflow.Staff, gossh.Signer, string) {
	t := o.t
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sig, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	s := workflow.Staff{Name: name, Display: display, Role: role, Active: true, Lang: lang, Keys: []string{store.NormalKey(sig.PublicKey())}}
	if err := o.st.PutStaff(workflow.Staff{}, s); err != nil {
		t.Fatal(err)
	}
	return s, sig, keyFile
}

func sshOpts(keyFile string) []string {
	return []string{"-F", "/dev/null", "-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"}
}

// run runs an OpenSSH program in dir and returns its output (stdout and stderr).
func (o *fileOffice) run(dir, stdin, bin string, args ...string) (string, error) {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + o.t.TempDir(), "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// scp runs scp with the key; legacy forces the old SCP protocol (-O), else OpenSSH 9 uses SFTP.
func (o *fileOffice) scp(dir, keyFile string, legacy bool, args ...string) (string, error) {
	all := append(sshOpts(keyFile), "-P", o.port)
	if legacy {
		all = append(all, "-O")
	}
	return o.run(dir, "", "scp", append(all, args...)...)
}

// sftp runs a batch of sftp commands; each must succeed.
func (o *fileOffice) sftp(dir, keyFile, batch string) (string, error) {
	all := append(sshOpts(keyFile), "-P", o.port, "-b", "-", "desk@"+o.host)
	return o.run(dir, batch, "sftp", all...)
}

func (o *fileOffice) remote(p string) string { return "desk@" + o.host + ":" + p }

func (o *fileOffice) newCase(owner workflow.Staff) workflow.Case {
	o.t.Helper()
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "北京示例科技有限公司", CreditCode: "91110000600037341L", LegalRep: "张三", Address: "北京市朝阳区示例路1号"},
		Agent:      workflow.Agent{Name: "王五", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-1"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "某银行", Date: "2025-03-01", Problem: "wrong_data"}},
		Owner:      owner.Name,
	}
	cs, err := o.st.Create(owner, in, "")
	if err != nil {
		o.t.Fatal(err)
	}
	return cs
}

var fetchCmd = regexp.MustCompile(`scp -P (\d+) (\S+):(exports/\S+) \.`)

// e on the queue over SSH writes into the person's own exports folder on the server, the
// status line gives the exact command, and that command, run with the stock scp (legacy
// protocol and SFTP) and sftp, fetches exactly the file written.
func TestFilesExportFetchedWithTheCommandShown(t *testing.T) {
	o := newFileOffice(t, nil)
	wu, sig, keyFile := o.staffWithKeyFile("wu", "吴明", workflow.RoleSpecialist, "")
	cs := o.newCase(wu)
	sc := o.consoleSized(mustDial(o.srvOffice, sig), 40, 200)
	sc.waitFor(0, cs.No)
	m := sc.mark()
	sc.key("e")
	sc.waitFor(m, "在自己电脑上取回", "scp -P "+o.port)
	found := fetchCmd.FindStringSubmatch(sc.text(m))
	if found == nil {
		t.Fatalf("no fetch command on the screen:\n%s", sc.text(m))
	}
	if found[1] != o.port || found[2] != o.host {
		t.Fatalf("the command names %s:%s, want %s:%s", found[2], found[1], o.host, o.port)
	}
	name := strings.TrimPrefix(found[3], "exports/")
	want, err := os.ReadFile(filepath.Join(o.exports, "wu", name))
	if err != nil {
		t.Fatalf("the export is not in wu's folder on the server: %v", err)
	}
	if !bytes.Contains(want, []byte(cs.No)) {
		t.Fatalf("the export does not hold the case:\n%s", want)
	}
	for _, legacy := range []bool{true, false} {
		dir := t.TempDir()
		if out, err := o.scp(dir, keyFile, legacy, o.remote(found[3]), "."); err != nil {
			t.Fatalf("scp (legacy %v) %s: %v\n%s", legacy, found[3], err, out)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, want) {
			t.Fatalf("scp (legacy %v) fetched %d bytes, want the %d of the export", legacy, len(got), len(want))
		}
	}
	dir := t.TempDir()
	if out, err := o.sftp(dir, keyFile, "ls exports\nget exports/"+name+"\n"); err != nil || !strings.Contains(out, name) {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, want) {
		t.Fatalf("sftp fetched %d bytes, want %d", len(got), len(want))
	}
}

func mustDial(o *srvOffice, sig gossh.Signer) *gossh.Client {
	o.t.Helper()
	c, err := o.dial(o.config(gossh.PublicKeys(sig)))
	if err != nil {
		o.t.Fatal(err)
	}
	return c
}

// A person reaches only their own exports: a colleague's file, a path with .., an
// absolute path, a symbolic link planted in their own folder: all refused, nothing
// fetched, and the reason said in the person's language.
func TestFilesColleaguesExportAndEscapesRefused(t *testing.T) {
	o := newFileOffice(t, nil)
	_, _, keyFile := o.staffWithKeyFile("wu", "吴明", workflow.RoleSpecialist, "")
	o.staffWithKeyFile("zhao", "赵强", workflow.RoleSupervisor, "")
	secret := []byte("zhao's letter: 机密 secret-5c1e")
	for _, d := range []string{"wu", "zhao"} {
		if err := os.MkdirAll(filepath.Join(o.exports, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(o.exports, "zhao", "secret.html"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(o.exports, "zhao", "secret.html"), filepath.Join(o.exports, "wu", "link.html")); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(filepath.Dir(o.exports), "outside.txt")
	if err := os.WriteFile(outside, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, says string }{
		{"exports/secret.html", "没有这个文件或目录"},
		{"exports/../zhao/secret.html", "路径不能含有 .."},
		{"../zhao/secret.html", "路径不能含有 .."},
		{"exports/../../outside.txt", "路径不能含有 .."},
		{"zhao/secret.html", "没有这个文件或目录"},
		{filepath.Join(o.exports, "zhao", "secret.html"), "没有这个文件或目录"},
		{"exports/link.html", "没有这个文件或目录"},
		{`exports\..\..\outside.txt`, "没有这个文件或目录"}, // the remote command line takes \ as an escape
	}
	for _, c := range cases {
		for _, legacy := range []bool{true, false} {
			dir := t.TempDir()
			out, err := o.scp(dir, keyFile, legacy, o.remote(c.path), "got")
			if err == nil {
				t.Errorf("scp (legacy %v) %s succeeded:\n%s", legacy, c.path, out)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "got")); len(got) > 0 {
				t.Errorf("scp (legacy %v) %s fetched %q", legacy, c.path, got)
			}
			if legacy && !strings.Contains(out, c.says) {
				t.Errorf("scp -O %s says %q, want %q", c.path, out, c.says)
			}
		}
		dir := t.TempDir()
		out, err := o.sftp(dir, keyFile, "get "+c.path+" got\n")
		if err == nil {
			t.Errorf("sftp get %s succeeded:\n%s", c.path, out)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "got")); len(got) > 0 {
			t.Errorf("sftp get %s fetched %q", c.path, got)
		}
	}
	// The listing shows neither the colleague's file nor the link.
	out, err := o.sftp(t.TempDir(), keyFile, "ls -1 exports\n")
	if err != nil || strings.Contains(out, "secret") || strings.Contains(out, "link.html") {
		t.Fatalf("sftp ls exports: %v\n%s", err, out)
	}
}

// A file sent to cases/<number>/ with scp (legacy and SFTP) or sftp put is attached to
// the case: stored by its SHA-256, an attach_file event carrying the hash, listed on the
// case's materials tab in the console. A second file of the same name is a new version;
// the first is untouched.
func TestFilesUploadAttachesToTheCase(t *testing.T) {
	o := newFileOffice(t, nil)
	wu, sig, keyFile := o.staffWithKeyFile("wu", "吴明", workflow.RoleSpecialist, "")
	cs := o.newCase(wu)
	dir := t.TempDir()
	scans := [][]byte{[]byte("%PDF-1.4 first scan"), []byte("%PDF-1.4 second scan, other bytes"), []byte("%PDF-1.4 third")}
	send := []func() (string, error){
		// scp over SFTP first: it sets the times of a file not yet attached.
		func() (string, error) { return o.scp(dir, keyFile, false, "scan.pdf", o.remote("cases/"+cs.No+"/")) },
		func() (string, error) { return o.scp(dir, keyFile, true, "scan.pdf", o.remote("cases/"+cs.No+"/")) },
		func() (string, error) { return o.sftp(dir, keyFile, "put scan.pdf /cases/"+cs.No+"/scan.pdf\n") },
	}
	for i, f := range send {
		if err := os.WriteFile(filepath.Join(dir, "scan.pdf"), scans[i], 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := f()
		if err != nil {
			t.Fatalf("send %d: %v\n%s", i+1, err, out)
		}
		// OpenSSH's scp over SFTP sets the file's times before it closes it: no complaint.
		if strings.Contains(out, "Failure") || strings.Contains(out, "没有这个文件") {
			t.Errorf("send %d succeeded with an error message:\n%s", i+1, out)
		}
	}
	got, err := o.st.Case(cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 3 {
		t.Fatalf("the case has %d files, want 3: %+v", len(got.Files), got.Files)
	}
	evs, err := o.st.Events(cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	var attached []workflow.Event
	for _, ev := range evs {
		if ev.Kind == workflow.ActAttachFile {
			attached = append(attached, ev)
		}
	}
	if len(attached) != 3 {
		t.Fatalf("%d attach_file events, want 3", len(attached))
	}
	for i, f := range got.Files {
		if f.Name != "scan.pdf" || f.Version != i+1 || f.By != "wu" || attached[i].Action.File.SHA256 != f.SHA256 {
			t.Errorf("file %d = %+v (event hash %s)", i, f, attached[i].Action.File.SHA256)
		}
		content, err := o.st.FileContent(f.SHA256)
		if err != nil || !bytes.Equal(content, scans[i]) {
			t.Errorf("file %d reads %q (%v), want %q", i, content, err, scans[i])
		}
	}
	// The versions are listed and read back over sftp.
	out, err := o.sftp(dir, keyFile, "ls -1 cases/"+cs.No+"\nget cases/"+cs.No+"/scan.v2.pdf back.pdf\n")
	if err != nil || !strings.Contains(out, "scan.v3.pdf") {
		t.Fatalf("sftp ls/get: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "back.pdf")); !bytes.Equal(b, scans[1]) {
		t.Fatalf("scan.v2.pdf reads %q", b)
	}

	// In the console: the case's materials tab lists them.
	sc := o.consoleSized(mustDial(o.srvOffice, sig), 40, 160)
	sc.waitFor(0, cs.No)
	m := sc.mark()
	sc.key("\r")
	sc.waitFor(m, cs.No)
	m = sc.mark()
	sc.key("2")
	sc.waitFor(m, "附件（3", "scan.pdf", "v3", "sha256:"+got.Files[2].SHA256[:12])
}

// Refused uploads: a case that does not exist, a file over the limit, anywhere but
// cases/<number>/, a path with .., a read-only role; each is told in the person's
// language (here English) and attaches nothing.
func TestFilesUploadRefusals(t *testing.T) {
	o := newFileOffice(t, func(so *Options) { so.MaxUpload = 1 << 10 })
	wu, _, keyFile := o.staffWithKeyFile("wu", "Wu Ming", workflow.RoleSpecialist, "en")
	_, _, auditorKey := o.staffWithKeyFile("shen", "沈审", workflow.RoleAuditor, "")
	cs := o.newCase(wu)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.pdf"), []byte("small"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.pdf"), bytes.Repeat([]byte("x"), 2<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	tries := []struct {
		file, to, says string
	}{
		{"small.pdf", "cases/XF-2026-999999/", "There is no case XF-2026-999999"},
		{"big.pdf", "cases/" + cs.No + "/", "The file is too large"},
		{"small.pdf", "exports/", "Files can only be sent to cases/CASE-NUMBER/"},
		{"small.pdf", "", "Files can only be sent to cases/CASE-NUMBER/"},
		{"small.pdf", "cases/" + cs.No + "/../../", "A path cannot contain .."},
		{"small.pdf", "cases/" + cs.No + "/../XF-2026-999999/", "A path cannot contain .."},
		{"small.pdf", "/tmp/", "Files can only be sent to cases/CASE-NUMBER/"},
	}
	for _, tr := range tries {
		out, err := o.scp(dir, keyFile, true, tr.file, o.remote(tr.to))
		if err == nil || !strings.Contains(out, tr.says) {
			t.Errorf("scp -O %s to %q: %v, says %q; want a refusal saying %q", tr.file, tr.to, err, out, tr.says)
		}
		out, err = o.scp(dir, keyFile, false, tr.file, o.remote(tr.to))
		if err == nil {
			t.Errorf("scp (SFTP) %s to %q succeeded:\n%s", tr.file, tr.to, out)
		}
		if tr.to != "" && !strings.Contains(tr.to, "..") { // sftp resolves .. on its side
			if !strings.Contains(out, tr.says) {
				t.Errorf("scp (SFTP) %s to %q says %q, want %q", tr.file, tr.to, out, tr.says)
			}
		}
	}
	if out, err := o.sftp(dir, keyFile, "put small.pdf cases/"+cs.No+"/a\\\\b.pdf\n"); err == nil {
		t.Errorf("sftp put to a name with a backslash succeeded:\n%s", out)
	}
	if out, err := o.sftp(dir, keyFile, "mkdir cases/"+cs.No+"/sub\n"); err == nil {
		t.Errorf("sftp mkdir succeeded:\n%s", out)
	}
	out, err := o.scp(dir, auditorKey, true, "small.pdf", o.remote("cases/"+cs.No+"/"))
	if err == nil || !strings.Contains(out, "只读") {
		t.Errorf("an auditor's upload: %v, says %q", err, out)
	}
	got, err := o.st.Case(cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 0 || got.Version != cs.Version {
		t.Fatalf("refused uploads changed the case: version %d→%d, files %+v", cs.Version, got.Version, got.Files)
	}
	// Other commands stay refused.
	if out, err := o.run(dir, "", "ssh", append(sshOpts(keyFile), "-p", o.port, "desk@"+o.host, "ls", "-l")...); err == nil {
		t.Errorf("ssh desk ls -l succeeded:\n%s", out)
	}
}

// A key nobody registered gets neither scp nor sftp.
func TestFilesUnregisteredKeyRefused(t *testing.T) {
	o := newFileOffice(t, nil)
	_, _, keyFile := o.staffWithKeyFile("wu", "吴明", workflow.RoleSpecialist, "")
	if err := o.st.PutStaff(workflow.Staff{}, workflow.Staff{Name: "wu", Display: "吴明", Role: workflow.RoleSpecialist, Active: true}); err != nil {
		t.Fatal(err) // the key is removed
	}
	if out, err := o.scp(t.TempDir(), keyFile, true, o.remote("exports/x"), "."); err == nil {
		t.Errorf("scp with a removed key succeeded:\n%s", out)
	}
	if out, err := o.sftp(t.TempDir(), keyFile, "ls\n"); err == nil {
		t.Errorf("sftp with a removed key succeeded:\n%s", out)
	}
}

// The path check itself, for what the clients never send as typed (a shell on the way
// eats backslashes; sftp cleans .. before sending).
func TestFilesPathCheck(t *testing.T) {
	o := newSrvOffice(t, func(so *Options) { so.ExportRoot = t.TempDir() })
	a := &fileArea{s: o.srv, me: workflow.Staff{Name: "wu"}, lang: "en"}
	for _, p := range []string{"../x", "exports/../x", "cases/XF-2026-000001/..", "/..", "a\\b", "exports\\x", "a\x00b", "exports/\x1b[2Jx", "exports/a\nb"} {
		if _, err := a.segments(p); err == nil {
			t.Errorf("%q passed the path check", p)
		}
		if _, _, err := a.uploadTarget(p); err == nil {
			t.Errorf("%q is an upload target", p)
		}
		if _, _, _, err := a.read(p); err == nil {
			t.Errorf("%q was read", p)
		}
	}
	for _, p := range []string{"", "/", ".", "exports", "/exports/", "./cases/"} {
		if _, err := a.resolve(p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
}

// The tree's own directories (the root, cases, exports) list with the time the file
// session began, not the zero time (sftp's `ls -l` showed them as of "Jan 1 0001").
func TestFilesOwnDirectoriesHaveATime(t *testing.T) {
	o := newSrvOffice(t, func(so *Options) { so.ExportRoot = t.TempDir() })
	opened := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	a := &fileArea{s: o.srv, me: workflow.Staff{Name: "wu"}, lang: "en", opened: opened}
	root, err := a.resolve("/")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := a.list(root)
	if err != nil || len(dirs) != 2 {
		t.Fatalf("the root lists %v, %v", dirs, err)
	}
	for _, fi := range append(dirs, a.info(root)) {
		if !fi.IsDir() || !fi.ModTime().Equal(opened) {
			t.Errorf("%q: dir %v, time %v, want %v", fi.Name(), fi.IsDir(), fi.ModTime(), opened)
		}
	}
}
