package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/workflow"
)

// The stock OpenSSH client on a terminal of 20000×20000 (stty rows 20000 cols 20000;
// ssh -tt desk) used to make the server build frames of 400 million cells until it ran
// out of memory. Now the console draws what fits in 500×200, the heap stays where it
// was, and another person's console keeps answering.
func TestServeOpenSSHClientOnAHugeTerminal(t *testing.T) {
	sshBin, err := exec.LookPath("ssh")
	if err != nil {
		t.Skip("no OpenSSH client (ssh) on this machine")
	}
	spy := &sizeSpy{}
	o := newSrvOffice(t, func(so *Options) { so.wrap = spy.wrap("wu") })
	_, zhaoKey := o.hire("zhao", "赵强", workflow.RoleSupervisor)
	other := o.login(zhaoKey)
	other.waitFor(0, "赵强")

	// wu's key, as a file OpenSSH can read.
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
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.st.PutStaff(workflow.Staff{}, workflow.Staff{Name: "wu", Display: "吴明", Role: workflow.RoleSpecialist, Active: true,
		Keys: []string{store.NormalKey(signer.PublicKey())}}); err != nil {
		t.Fatal(err)
	}

	before := heapInuse()
	host, port, _ := net.SplitHostPort(o.addr)
	cmd := exec.Command(sshBin, "-tt", "-F", "/dev/null", "-p", port, "-i", keyFile,
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "desk@"+host)
	cmd.Env = []string{"TERM=xterm-256color", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 20000, Cols: 20000})
	if err != nil {
		t.Fatal(err)
	}
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
		tty.Close()
	}()
	var (
		mu  sync.Mutex
		out []byte
	)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := tty.Read(buf)
			mu.Lock()
			out = append(out, buf[:n]...)
			if len(out) > 4<<20 { // keep the tail: the frames are the test's, not the server's
				out = append([]byte(nil), out[len(out)-1<<20:]...)
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	mark := func() int { mu.Lock(); defer mu.Unlock(); return len(out) }
	waitFor := func(since int, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			txt := ansi.Strip(string(out[min(since, len(out)):]))
			mu.Unlock()
			if strings.Contains(txt, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never appeared on the OpenSSH client's screen; it shows:\n%s", want, txt[max(0, len(txt)-2000):])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(0, "吴明")
	// The terminal is resized (stty rows 20000 cols 20000 again): a window-change.
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 20001, Cols: 20001}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	m := mark()
	io.WriteString(tty, "?")
	waitFor(m, "快捷键")

	m = other.mark()
	other.key("?")
	other.waitFor(m, "快捷键")
	if after := heapInuse(); after > before+8<<20 {
		t.Errorf("the server's heap grew from %d MB to %d MB", before>>20, after>>20)
	}
	for _, s := range spy.get() {
		if s.Width > MaxWidth || s.Height > MaxHeight {
			t.Fatalf("the console was told %d×%d", s.Width, s.Height)
		}
	}
	if len(spy.get()) < 2 {
		t.Errorf("the console heard of %d sizes, want the first and the change", len(spy.get()))
	}

	m = mark()
	io.WriteString(tty, "?") // closes the help
	time.Sleep(200 * time.Millisecond)
	io.WriteString(tty, "q")
	select {
	case <-done:
		if waitErr != nil {
			t.Errorf("ssh ended with %v", waitErr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("q did not end the OpenSSH session")
	}
	if !other.running() {
		t.Fatal("the other session ended")
	}
}
