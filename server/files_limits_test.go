package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/workflow"
)

// sftpClient opens an SFTP session as sig (the Go client, to hold it open or break it off).
func sftpClient(t *testing.T, o *srvOffice, sig gossh.Signer) (*gossh.Client, *sftp.Client) {
	t.Helper()
	c := mustDial(o, sig)
	sc, err := sftp.NewClient(c)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c, sc
}

// scp and sftp sessions count against --max-sessions and --max-sessions-per-staff like
// consoles: one open sftp session of a person at their limit refuses their console and
// their scp, with the limit named; when it ends there is room again.
func TestFilesSessionsCountAgainstTheLimits(t *testing.T) {
	o := newFileOffice(t, func(so *Options) { so.MaxSessions = 2; so.MaxSessionsPerStaff = 1 })
	_, liSig, liKey := o.staffWithKeyFile("li", "王丽", workflow.RoleSpecialist, "zh")
	_, wuSig, wuKey := o.staffWithKeyFile("wu", "吴明", workflow.RoleSpecialist, "zh")
	conn, sc := sftpClient(t, o.srvOffice, liSig)
	if _, err := sc.ReadDir("exports"); err != nil {
		t.Fatal(err)
	}
	if got := o.refusedConsole(liSig); !strings.Contains(got, "您已打开 1 个会话（每人上限）") {
		t.Fatalf("a console beside an open sftp session at the limit: %q", got)
	}
	dir := t.TempDir()
	if out, err := o.scp(dir, liKey, true, o.remote("exports/x.csv"), "."); err == nil || !strings.Contains(out, "您已打开 1 个会话（每人上限）") {
		t.Fatalf("scp beside an open sftp session at the limit: %v %q", err, out)
	}
	// The server's total: li's sftp and wu's console fill it; wu's scp is refused.
	wu := o.login(wuSig)
	wu.waitFor(0, "吴明")
	if out, err := o.scp(dir, wuKey, false, o.remote("exports/x.csv"), "."); err == nil || !strings.Contains(out, "服务器已有 2 个会话（上限）") {
		t.Fatalf("scp on a full server: %v %q", err, out)
	}
	// The sftp session ends: li has room again.
	sc.Close()
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := mustDial(o.srvOffice, liSig)
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		err = s.RequestSubsystem("sftp")
		s.Close()
		c.Close()
		if err == nil && len(o.srv.list()) < 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ended sftp session still counts: %d sessions", len(o.srv.list()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Disabling a person ends their sftp session too, not only their consoles.
func TestFilesDisabledPersonsSftpSessionEnds(t *testing.T) {
	o := newFileOffice(t, nil)
	li, liSig, _ := o.staffWithKeyFile("li", "王丽", workflow.RoleSpecialist, "zh")
	conn, sc := sftpClient(t, o.srvOffice, liSig)
	defer conn.Close()
	if _, err := sc.ReadDir("exports"); err != nil {
		t.Fatal(err)
	}
	li.Active = false
	if err := o.st.PutStaff(workflow.Staff{}, li); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := sc.ReadDir("exports"); err != nil {
			return // ended
		}
		if time.Now().After(deadline) {
			t.Fatal("a disabled person's sftp session still works")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// spooled lists the spool files this process holds open (Linux: /proc/self/fd), with
// what is on disk in them.
func spooled(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // the links in /proc name the real path
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	for _, e := range ents {
		p := filepath.Join("/proc/self/fd", e.Name())
		target, err := os.Readlink(p)
		// This test's spools only (its own spool folder): other tests of the package (and
		// their servers, which close a finished transfer's spool a moment after answering)
		// share the process. A spool opened without a name shows as "DIR/#inode (deleted)".
		if err != nil || !strings.HasPrefix(target, dir+string(filepath.Separator)) {
			continue
		}
		b, _ := os.ReadFile(p)
		out[target] = b
	}
	return out
}

// spoolClosed fails t unless every spool of dir is closed within 5 s: the server closes a
// finished transfer's spool once it has answered it, a moment after the client hears the
// answer (the limit guards against a spool left open, it measures nothing).
func spoolClosed(t *testing.T, dir string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); len(spooled(t, dir)) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a spool file was left open after the upload")
		}
	}
}

// spoolOffice: an office whose upload spools go to a folder of the test's, a specialist
// with a case, and a scan to send (~150 KB, several SFTP writes) made of a marker that
// must never be found in clear in a spool.
func spoolOffice(t *testing.T) (o *fileOffice, spoolDir string, sig gossh.Signer, cs workflow.Case, marker, content []byte) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads the spool through /proc")
	}
	spoolDir = t.TempDir()
	o = newFileOffice(t, func(so *Options) { so.SpoolDir = spoolDir })
	li, sig, _ := o.staffWithKeyFile("li", "王丽", workflow.RoleSpecialist, "zh")
	marker = []byte("营业执照 scan 91110000600037341L ")
	return o, spoolDir, sig, o.newCase(li), marker, bytes.Repeat(marker, 4000)
}

// A file sent over SFTP is spooled on disk, not held in memory: the spool file has no
// name from the start (nothing is left in its folder) and holds the bytes sealed (the
// content does not appear in it). A transfer broken off before the client closes the
// file attaches nothing; a whole one is attached with the bytes sent.
func TestFilesSFTPUploadSpooledSealedAndWhole(t *testing.T) {
	o, spoolDir, liSig, cs, marker, content := spoolOffice(t)

	// Broken off: half sent, then the connection drops.
	conn, sc := sftpClient(t, o.srvOffice, liSig)
	f, err := sc.Create("cases/" + cs.No + "/licence.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(content[:len(content)/2]); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(spoolDir); len(ents) != 0 {
		t.Fatalf("the spool folder shows %d files during an upload", len(ents))
	}
	sp := spooled(t, spoolDir)
	if len(sp) != 1 {
		t.Fatalf("%d spool files open during an upload, want 1", len(sp))
	}
	for name, b := range sp {
		if !strings.HasSuffix(name, "(deleted)") {
			t.Errorf("the spool file %s still has a name", name)
		}
		if len(b) < len(content)/2 || bytes.Contains(b, marker[:12]) {
			t.Errorf("the spool file holds %d bytes; the content in clear: %v", len(b), bytes.Contains(b, marker[:12]))
		}
	}
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for len(spooled(t, spoolDir)) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the spool of a broken transfer was not closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c, _ := o.st.CaseByNo(cs.No); len(c.Files) != 0 {
		t.Fatalf("a transfer broken off was attached: %+v", c.Files)
	}

	// Whole: attached, byte for byte.
	conn, sc = sftpClient(t, o.srvOffice, liSig)
	defer conn.Close()
	f, err = sc.Create("cases/" + cs.No + "/licence.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c, _ := o.st.CaseByNo(cs.No)
	if len(c.Files) != 1 {
		t.Fatalf("files after a whole upload: %+v", c.Files)
	}
	sum := sha256.Sum256(content)
	got, err := o.st.FileContent(hex.EncodeToString(sum[:]))
	if c.Files[0].SHA256 != hex.EncodeToString(sum[:]) || err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the attached file is not the bytes sent: %v", err)
	}
	if ents, _ := os.ReadDir(spoolDir); len(ents) != 0 {
		t.Fatal("a spool file was left after the upload")
	}
	spoolClosed(t, spoolDir)
}

// Blocks that come out of order (SFTP writes at offsets) are put together right.
func TestSpoolOutOfOrder(t *testing.T) {
	sp, err := newSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	want := make([]byte, 200_003)
	for i := range want {
		want[i] = byte(i*7 + i/251)
	}
	for _, r := range [][2]int{{150_000, 200_003}, {17, 70_000}, {0, 17}, {70_000, 150_000}} {
		if _, err := sp.WriteAt(want[r[0]:r[1]], int64(r[0])); err != nil {
			t.Fatal(err)
		}
	}
	got, err := sp.content()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("out of order: %v, equal %v", err, bytes.Equal(got, want))
	}
}

// A file sent with the legacy scp protocol (scp -O) waits on disk, sealed, while it
// arrives, as over SFTP: it used to be read into memory whole, so many slow uploads of up
// to --max-upload each piled up in the server's memory.
func TestFilesLegacySCPUploadSpooled(t *testing.T) {
	o, spoolDir, liSig, cs, marker, content := spoolOffice(t)

	conn := mustDial(o.srvOffice, liSig)
	defer conn.Close()
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("scp -t cases/" + cs.No + "/"); err != nil {
		t.Fatal(err)
	}
	ack := func() {
		t.Helper()
		b := make([]byte, 1)
		if _, err := io.ReadFull(out, b); err != nil || b[0] != 0 {
			t.Fatalf("scp said %q, %v", b, err)
		}
	}
	ack()
	fmt.Fprintf(in, "C0600 %d licence.pdf\n", len(content))
	ack()
	if _, err := in.Write(content[:len(content)/2]); err != nil {
		t.Fatal(err)
	}
	// The half sent waits in one spool file, nameless and sealed.
	halfSpooled := func() bool {
		sp := spooled(t, spoolDir)
		for name, b := range sp {
			if !strings.HasSuffix(name, "(deleted)") || bytes.Contains(b, marker[:12]) {
				t.Fatalf("the spool %s: named, or the content in clear", name)
			}
			return len(sp) == 1 && len(b) >= len(content)/2
		}
		return false
	}
	for deadline := time.Now().Add(5 * time.Second); !halfSpooled(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("half an scp upload is not in a spool file: %d open", len(spooled(t, spoolDir)))
		}
	}
	if _, err := in.Write(content[len(content)/2:]); err != nil {
		t.Fatal(err)
	}
	in.Write([]byte{0})
	ack()
	in.Close()
	sess.Wait()
	c, _ := o.st.CaseByNo(cs.No)
	if len(c.Files) != 1 {
		t.Fatalf("files after the scp upload: %+v", c.Files)
	}
	got, err := o.st.FileContent(c.Files[0].SHA256)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the attached file is not the bytes sent: %v", err)
	}
	spoolClosed(t, spoolDir)
}
