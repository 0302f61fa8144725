package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"repairdesk/store/kv/pgtest"
)

// Two offices, one case base (issue 18), as people meet it: two real `repairdesk serve`
// nodes over one PostgreSQL, and two people, each with the stock OpenSSH client on a
// terminal (tmux) of their own, each on another node.
//   - A change made in a session on node 1 shows in a session on node 2: the time it
//     took is logged (BenchmarkCrossNodeVisibility gives the p99 against the 1 s target;
//     here a busy machine only has to get there).
//   - Both act on one case at once: one wins; the other is told who changed it, keeps
//     what they typed, and saves it on the second try. Nothing is lost: both remarks are
//     in the history, and `repairdesk check` finds every chain whole.
func TestTwoNodesOverOpenSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program, runs two servers and drives OpenSSH in tmux")
	}
	for _, prog := range []string{"tmux", "ssh"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Skipf("%s is not installed (.ci/run installs it)", prog)
		}
	}
	addr := pgtest.Addr(t) // skips, saying why, without a test database
	dir := t.TempDir()
	exe := filepath.Join(dir, "repairdesk")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	keyFile := filepath.Join(dir, "demo.db.key")
	env := append(os.Environ(), "REPAIRDESK_DB="+addr, "REPAIRDESK_KEY="+keyFile, "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	rd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(exe, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("repairdesk %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// An office's file, brought into PostgreSQL; two people get their ssh keys.
	rd("demo", "--cases", "20", "--db", filepath.Join(dir, "demo.db"))
	rd("migrate", "--from", filepath.Join(dir, "demo.db"), "--to", addr)
	keys := map[string]string{}
	for _, name := range []string{"wangfang", "lijun"} {
		keys[name] = sshKey(t, dir, name)
		rd("staff", "key", "add", name, keys[name]+".pub")
	}

	// Two nodes.
	var ports [2]string
	for i := range ports {
		ports[i] = freePort(t)
		var log bytes.Buffer
		// Each node has an anchor log and key of its own (on its own machine, in an office).
		node := filepath.Join(dir, fmt.Sprintf("node%d", i+1))
		cmd := exec.Command(exe, "serve", "--listen", "127.0.0.1:"+ports[i], "--host-key", node+".host",
			"--anchor-log", node+".anchors", "--anchor-key", node+".anchor-key")
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(40 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
		deadline := time.Now().Add(30 * time.Second)
		for {
			c, err := net.Dial("tcp", "127.0.0.1:"+ports[i])
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d never listened: %s", i+1, log.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	sock := fmt.Sprintf("repairdesk-nodes-%d", os.Getpid())
	ssh := func(session, name, port string) *tmuxTerm {
		tt := &tmuxTerm{t: t, sock: sock, session: session}
		cmd := fmt.Sprintf("ssh -tt -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes -o BatchMode=yes -i %q -p %s desk@127.0.0.1",
			keys[name], port)
		tt.run("new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd)
		return tt
	}
	wang := ssh("wang", "wangfang", ports[0])
	t.Cleanup(func() { _ = wang.cmd("kill-server").Run() })
	li := ssh("li", "lijun", ports[1])
	for _, tt := range []*tmuxTerm{wang, li} {
		tt.waitFor("设置解锁 PIN")
		tt.keys("2468", "Enter")
		tt.waitFor("请再输入一次")
		tt.keys("2468", "Enter")
		tt.waitFor("全部在办")
	}

	// Both open the same case: the first of the demo's (its number is fixed by the seed).
	const no = "XF-2026-000003"
	for _, tt := range []*tmuxTerm{wang, li} {
		tt.keys(":")
		tt.waitFor("命令：")
		tt.literal("open " + no)
		tt.keys("Enter")
		tt.waitFor("1 概要")
	}

	// 1. Wang (node 1) writes a remark; Li (node 2) has the history open and sees it.
	li.keys("4")
	li.waitFor("受理登记") // the history tab: the case's first event
	remark(wang, "王芳在一号节点")
	start := time.Now()
	li.waitFor("王芳在一号节点")
	t.Logf("node 1 → node 2: the remark showed in Li's session %v after Wang's save was done", time.Since(start).Round(time.Millisecond))

	// 2. Both write a remark at once; Wang saves first.
	openRemark(wang)
	openRemark(li)
	wang.literal("王芳先保存")
	li.literal("李军后保存")
	li.waitFor("李军后保存")
	wang.keys("C-s")
	wang.waitFor("已完成：备注")
	li.keys("C-s")
	li.waitFor("已被王芳于")
	if !strings.Contains(li.capture(), "李军后保存") {
		t.Fatalf("Li's input was not kept after the conflict:\n%s", li.capture())
	}
	li.keys("C-s") // checked, saved again on the reloaded case
	li.waitFor("已完成：备注")
	wang.keys("4")
	wang.waitFor("李军后保存")
	for _, text := range []string{"王芳在一号节点", "王芳先保存"} {
		if !strings.Contains(wang.capture(), text) {
			t.Errorf("Wang's history lacks %q:\n%s", text, wang.capture())
		}
	}
	// Each node's anchor log vouches for what it wrote; checked from the command line
	// while the nodes run.
	out := rd("check")
	for i := range ports {
		node := filepath.Join(dir, fmt.Sprintf("node%d", i+1))
		got := rd("check", "--anchor-log", node+".anchors", "--anchor-pub", node+".anchor-key.pub")
		// The two nodes and the commands run before them (staff key add) anchored it.
		if !strings.Contains(got, node+".anchors") || !strings.Contains(got, "已有 3 个节点锚定") {
			t.Errorf("check with node %d's anchor log:\n%s", i+1, got)
		}
		out += got
	}
	var export []struct {
		Events []struct {
			Kind    string `json:"kind"`
			Comment string `json:"comment"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(rd("export", "--format", "json", "--out", "-")), &export); err != nil {
		t.Fatalf("export: %v", err)
	}
	held := map[string]int{}
	for _, c := range export {
		for _, ev := range c.Events {
			if ev.Kind == "comment" {
				held[ev.Comment]++
			}
		}
	}
	for _, text := range []string{"王芳在一号节点", "王芳先保存", "李军后保存"} {
		if held[text] != 1 {
			t.Errorf("the case base holds %d remarks %q, want one", held[text], text)
		}
	}
	t.Logf("repairdesk check:\n%s", out)
}

// remark writes a remark on the open case through the action menu and waits until it is
// done.
func remark(tt *tmuxTerm, text string) {
	tt.t.Helper()
	openRemark(tt)
	tt.literal(text)
	tt.waitFor(text)
	tt.keys("C-s")
	tt.waitFor("已完成：备注")
}

// openRemark opens the remark form from the open case's action menu: the cursor is moved
// to the line 备注, wherever the case's stage puts it.
func openRemark(tt *tmuxTerm) {
	tt.t.Helper()
	tt.keys("a")
	tt.waitFor("办理 XF-")
	lines := strings.Split(tt.capture(), "\n")
	at, want := -1, -1
	for i, l := range lines {
		if strings.HasPrefix(l, "▸ ") && at < 0 {
			at = i
		}
		if f := strings.Fields(strings.TrimPrefix(l, "▸")); len(f) > 0 && f[0] == "备注" {
			want = i
		}
	}
	if at < 0 || want < at {
		tt.t.Fatalf("no 备注 in the action menu:\n%s", tt.capture())
	}
	for range want - at {
		tt.keys("Down")
	}
	tt.keys("Enter")
	tt.waitFor("备注/意见")
}

func (tt *tmuxTerm) keys(k ...string) {
	tt.t.Helper()
	tt.run(append([]string{"send-keys", "-t", tt.session}, k...)...)
}

func (tt *tmuxTerm) literal(s string) {
	tt.t.Helper()
	tt.run("send-keys", "-t", tt.session, "-l", s)
}

// sshKey writes a new ed25519 key for OpenSSH (path and path.pub) and returns path.
func sshKey(t *testing.T, dir, name string) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "id_"+name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(sp), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
