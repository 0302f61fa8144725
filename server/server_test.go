package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/log"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"repairdesk/store"
	"repairdesk/tui"
	"repairdesk/workflow"
)

// These tests drive the server with a real SSH client over loopback.

type srvLogBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *srvLogBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *srvLogBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type srvOffice struct {
	t    *testing.T
	st   *store.Store
	srv  *Server
	addr string
	logs *srvLogBuf
}

func newSrvOffice(t *testing.T, tweak func(*Options)) *srvOffice {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "office.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return newSrvOfficeOn(t, st, tweak)
}

// newSrvOfficeOn serves st (which it closes at the end of the test).
func newSrvOfficeOn(t *testing.T, st *store.Store, tweak func(*Options)) *srvOffice {
	t.Helper()
	dir := t.TempDir()
	logs := &srvLogBuf{}
	o := Options{Store: st, HostKeyPath: filepath.Join(dir, "host_ed25519"),
		Logger: log.NewWithOptions(logs, log.Options{Level: log.DebugLevel})}
	if tweak != nil {
		tweak(&o)
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		st.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return &srvOffice{t: t, st: st, srv: srv, addr: ln.Addr().String(), logs: logs}
}

func srvSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// hire registers a staff member with a new key.
func (o *srvOffice) hire(name, display string, role workflow.Role) (workflow.Staff, gossh.Signer) {
	o.t.Helper()
	sig := srvSigner(o.t)
	s := workflow.Staff{Name: name, Display: display, Role: role, Active: true, Keys: []string{store.NormalKey(sig.PublicKey())}}
	if err := o.st.PutStaff(workflow.Staff{}, s); err != nil {
		o.t.Fatal(err)
	}
	return s, sig
}

func (o *srvOffice) config(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{User: "anyone", Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}
}

func (o *srvOffice) dial(cfg *gossh.ClientConfig) (*gossh.Client, error) {
	c, err := gossh.Dial("tcp", o.addr, cfg)
	if err == nil {
		o.t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// sshScreen is one console session as the client sees it.
type sshScreen struct {
	t     *testing.T
	sess  *gossh.Session
	stdin io.Writer
	mu    sync.Mutex
	raw   []byte
	done  chan struct{}
	exit  error
}

func (o *srvOffice) login(sig gossh.Signer, env ...string) *sshScreen {
	o.t.Helper()
	c, err := o.dial(o.config(gossh.PublicKeys(sig)))
	if err != nil {
		o.t.Fatal(err)
	}
	return o.console(c, env...)
}

func (o *srvOffice) console(c *gossh.Client, env ...string) *sshScreen {
	o.t.Helper()
	return o.consoleSized(c, 40, 120, env...)
}

// consoleSized opens a console on a terminal of rows × cols.
func (o *srvOffice) consoleSized(c *gossh.Client, rows, cols int, env ...string) *sshScreen {
	t := o.t
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := sess.Setenv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.RequestPty("xterm-256color", rows, cols, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
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
	sc := &sshScreen{t: t, sess: sess, stdin: in, done: make(chan struct{})}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := out.Read(buf)
			sc.mu.Lock()
			sc.raw = append(sc.raw, buf[:n]...)
			sc.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		err := sess.Wait()
		<-copied
		sc.exit = err
		close(sc.done)
	}()
	return sc
}

func (sc *sshScreen) mark() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.raw)
}

func (sc *sshScreen) text(since int) string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return ansi.Strip(string(sc.raw[since:]))
}

// waitFor waits until every want has appeared on the screen since mark.
func (sc *sshScreen) waitFor(since int, want ...string) {
	sc.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		txt := sc.text(since)
		missing := ""
		for _, w := range want {
			if !strings.Contains(txt, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			if len(txt) > 3000 {
				txt = txt[len(txt)-3000:]
			}
			sc.t.Fatalf("%q never appeared on the screen; it shows:\n%s", missing, txt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (sc *sshScreen) key(s string) {
	sc.t.Helper()
	if _, err := io.WriteString(sc.stdin, s); err != nil {
		sc.t.Fatal(err)
	}
}

// ended waits for the session to end and returns its exit status.
func (sc *sshScreen) ended() int {
	sc.t.Helper()
	select {
	case <-sc.done:
	case <-time.After(5 * time.Second):
		sc.t.Fatalf("the session did not end; it shows:\n%s", sc.text(0))
	}
	var ee *gossh.ExitError
	switch {
	case sc.exit == nil:
		return 0
	case errors.As(sc.exit, &ee):
		return ee.ExitStatus()
	}
	sc.t.Fatalf("session ended with %v", sc.exit)
	return -1
}

func (sc *sshScreen) running() bool {
	select {
	case <-sc.done:
		return false
	default:
		return true
	}
}

// srvCase takes in a case as actor and carries it to investigation with one finding.
func srvCase(t *testing.T, st *store.Store, actor workflow.Staff) workflow.Case {
	t.Helper()
	in := workflow.Intake{
		Enterprise: workflow.Enterprise{Name: "北京示例科技有限公司", CreditCode: "91110000600037341L", LegalRep: "张三", Address: "北京市朝阳区示例路1号"},
		Agent:      workflow.Agent{Name: "王五", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-1"},
		Records:    []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "某银行", Date: "2025-03-01", Problem: "wrong_data"}},
	}
	cs, err := st.Create(actor, in, "")
	if err != nil {
		t.Fatal(err)
	}
	do := func(a workflow.Action) {
		t.Helper()
		cs, err = st.Apply(cs.ID, cs.Version, actor, a)
		if err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	for _, m := range cs.Materials {
		if !m.OK() {
			do(workflow.Action{Kind: workflow.ActUpdateMaterial, Material: &workflow.MaterialUpdate{Key: m.Key, Received: true, Valid: true}})
		}
	}
	do(workflow.Action{Kind: workflow.ActAccept})
	do(workflow.Action{Kind: workflow.ActAddFinding, Finding: &workflow.Finding{Checked: "银行系统故障记录", Contact: "bank", Method: "phone", Result: "confirmed_wrong"}})
	return cs
}

func TestServeLiveAcrossSessions(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	li, liKey := o.hire("li", "王丽", workflow.RoleSpecialist)
	zhao, zhaoKey := o.hire("zhao", "赵强", workflow.RoleSupervisor)
	cs := srvCase(t, o.st, li)

	// The specialist's client sends an English locale; the supervisor's sends none.
	spec := o.login(liKey, "LANG=en_US.UTF-8")
	sup := o.login(zhaoKey)
	spec.waitFor(0, "repairdesk", "王丽 (Specialist)", cs.No, "Investigating")
	sup.waitFor(0, "征信修复工作台", "赵强（审核主管）", "待审批 0")
	if strings.Contains(sup.text(0), cs.No) {
		t.Fatal("the supervisor's own queue should not list the specialist's case")
	}

	// The specialist proposes; the supervisor's review count changes with no key pressed.
	m := sup.mark()
	cs, err := o.st.Apply(cs.ID, cs.Version, li, workflow.Action{Kind: workflow.ActProposeRepair,
		Proposal: &workflow.Proposal{Conclusion: "逾期系银行系统故障所致", Plan: "提交异议更正"}})
	if err != nil {
		t.Fatal(err)
	}
	// A supervisor starts on the review tab: the case shows up there by itself.
	sup.waitFor(m, "待审批 1", cs.No, "审批复核")

	// The supervisor approves; the specialist's screen shows the new stage by itself.
	m = spec.mark()
	if _, err := o.st.Apply(cs.ID, cs.Version, zhao, workflow.Action{Kind: workflow.ActApprove, Comment: "同意"}); err != nil {
		t.Fatal(err)
	}
	spec.waitFor(m, "Approved")
	if n := len(o.srv.list()); n != 2 {
		t.Fatalf("%d sessions registered, want 2", n)
	}
	for _, want := range []string{"login", "staff=li", "staff=zhao", "SHA256:", "remote=127.0.0.1:"} {
		if !strings.Contains(o.logs.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}

func TestServeConflict(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	li, _ := o.hire("li", "王丽", workflow.RoleSpecialist)
	zhao, _ := o.hire("zhao", "赵强", workflow.RoleSupervisor)
	cs := srvCase(t, o.st, li)
	if _, err := o.st.Apply(cs.ID, cs.Version, li, workflow.Action{Kind: workflow.ActComment, Comment: "已电话联系经办人"}); err != nil {
		t.Fatal(err)
	}
	_, err := o.st.Apply(cs.ID, cs.Version, zhao, workflow.Action{Kind: workflow.ActComment, Comment: "请尽快补充"})
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("the second change on the same version got %v, want a *store.ConflictError", err)
	}
	if msg := ce.Message("zh"); !strings.Contains(msg, "已被") || !strings.Contains(msg, "王丽") {
		t.Fatalf("conflict message %q should say who changed the case (已被王丽…)", msg)
	}
}

func TestServeRefusesUnknownKeys(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	gone, goneKey := o.hire("gone", "离职员工", workflow.RoleSpecialist)
	gone.Active = false
	if err := o.st.PutStaff(workflow.Staff{}, gone); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  gossh.Signer
		want []string
	}{
		{"unregistered", srvSigner(t), []string{"您的公钥未登记", "Your key is not registered", "repairdesk staff key add"}},
		{"disabled", goneKey, []string{"已停用", "disabled"}},
	} {
		var banners []string
		cfg := o.config(gossh.PublicKeys(tc.key))
		cfg.BannerCallback = func(msg string) error { banners = append(banners, msg); return nil }
		if _, err := o.dial(cfg); err == nil {
			t.Fatalf("%s: a %s key logged in", tc.name, tc.name)
		}
		got := strings.Join(banners, "")
		for _, w := range append(tc.want, gossh.FingerprintSHA256(tc.key.PublicKey())) {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the banner %q lacks %q", tc.name, got, w)
			}
		}
		if strings.Count(got, "\n") != 1 {
			t.Errorf("%s: want a one-line message, got %q", tc.name, got)
		}
	}
	if n := len(o.srv.list()); n != 0 {
		t.Fatalf("%d sessions were created for refused keys", n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(o.logs.String(), "reason=\"account disabled\"") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{"login refused", "unregistered key", "account disabled"} {
		if !strings.Contains(o.logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, o.logs.String())
		}
	}
	if strings.Contains(o.logs.String(), "msg=login ") || strings.Contains(o.logs.String(), "INFO login") {
		t.Errorf("a refused key was logged in:\n%s", o.logs.String())
	}
}

// srvOfferOnly offers a real staff key but cannot prove it holds it.
type srvOfferOnly struct {
	pub    gossh.PublicKey
	signed atomic.Bool
}

func (s *srvOfferOnly) PublicKey() gossh.PublicKey { return s.pub }

func (s *srvOfferOnly) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	s.signed.Store(true)
	return nil, errors.New("this client does not hold the key")
}

// A client may offer the admin's public key (anyone can have it) and then log in with
// its own: the session must belong to the key that authenticated.
func TestServeIdentityIsTheAuthenticatedKey(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	_, adminKey := o.hire("zhou", "周主任", workflow.RoleAdmin)
	_, liKey := o.hire("li", "王丽", workflow.RoleSpecialist)

	fake := &srvOfferOnly{pub: adminKey.PublicKey()}
	cfg := o.config(gossh.PublicKeys(fake))
	switched := false
	cfg.AuthCallback = func(ctx *gossh.ClientAuthContext) (gossh.AuthMethod, error) {
		if !switched && strings.Contains(strings.Join(ctx.TriedMethods, ","), "publickey") {
			switched = true
			return gossh.PublicKeys(liKey), nil
		}
		return nil, nil
	}
	c, err := o.dial(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !fake.signed.Load() || !switched {
		t.Fatal("the client never got as far as being asked to sign with the admin's key")
	}
	sc := o.console(c)
	sc.waitFor(0, "王丽（修复专员）")
	if txt := sc.text(0); strings.Contains(txt, "周主任") || strings.Contains(txt, "管理员") {
		t.Fatalf("the session shows the admin:\n%s", txt)
	}
	list := o.srv.list()
	if len(list) != 1 || list[0].staff.Name != "li" || list[0].fp != gossh.FingerprintSHA256(liKey.PublicKey()) {
		t.Fatalf("sessions: %+v", list)
	}
}

func TestServeRefusesSessionsWithoutTerminal(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	_, key := o.hire("li", "王丽", workflow.RoleSpecialist)
	c, err := o.dial(o.config(gossh.PublicKeys(key)))
	if err != nil {
		t.Fatal(err)
	}
	want := sT("", "ssh.no_pty") + "\n"
	for _, cmd := range []string{"ls -l", ""} {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		out := &srvLogBuf{}
		sess.Stdout, sess.Stderr = out, out
		start := time.Now()
		if cmd != "" {
			err = sess.Run(cmd)
		} else {
			if err = sess.Shell(); err == nil {
				err = sess.Wait()
			}
		}
		var ee *gossh.ExitError
		if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
			t.Fatalf("%q: got %v, want exit status 1", cmd, err)
		}
		if out.String() != want {
			t.Fatalf("%q: got %q, want %q", cmd, out.String(), want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%q: took %s", cmd, d)
		}
	}
	if n := len(o.srv.list()); n != 0 {
		t.Fatalf("%d console sessions for commands", n)
	}
}

// srvPanicky is a console that breaks on purpose: ! in Update, @ in a command, # in View.
type srvPanicky struct {
	tea.Model
	inView bool
}

func (p *srvPanicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch k.String() {
		case "!":
			panic("test: panic in Update")
		case "@":
			return p, func() tea.Msg { panic("test: panic in a command") }
		case "#":
			p.inView = true
			return p, nil
		}
	}
	m, cmd := p.Model.Update(msg)
	p.Model = m
	return p, cmd
}

func (p *srvPanicky) View() string {
	if p.inView {
		panic("test: panic in View")
	}
	return p.Model.View()
}

func TestServePanicEndsOnlyThatSession(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, func(so *Options) {
		so.wrap = func(me workflow.Staff, m tea.Model) tea.Model {
			if me.Name == "boom" {
				return &srvPanicky{Model: m}
			}
			return m
		}
	})
	li, liKey := o.hire("li", "王丽", workflow.RoleSpecialist)
	_, boomKey := o.hire("boom", "测试", workflow.RoleSpecialist)
	other := o.login(liKey)
	other.waitFor(0, "王丽")

	for _, k := range []string{"!", "@", "#"} {
		sc := o.login(boomKey)
		sc.waitFor(0, "测试（修复专员）")
		m := sc.mark()
		sc.key(k)
		if code := sc.ended(); code != 1 {
			t.Errorf("%s: exit status %d, want 1", k, code)
		}
		sc.waitFor(m, tui.T("zh", "err.panic"))
	}
	for _, want := range []string{"panic in Update", "panic in a command", "panic in View", "session panicked"} {
		if !strings.Contains(o.logs.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	if strings.Contains(o.logs.String(), "caught by Bubble Tea") {
		t.Error("a panic got past the session's guard to Bubble Tea's own recovery")
	}

	// The other session lives on and still hears about changes.
	m := other.mark()
	cs := srvCase(t, o.st, li)
	other.waitFor(m, cs.No)
	if !other.running() {
		t.Fatal("the other session ended")
	}
	if n := len(o.srv.list()); n != 1 {
		t.Fatalf("%d sessions registered, want 1", n)
	}
}

func TestServeRevokedAccessEndsSessions(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	li, liKey := o.hire("li", "王丽", workflow.RoleSpecialist)
	wu, wuKey := o.hire("wu", "吴明", workflow.RoleSpecialist)
	zhao, zhaoKey := o.hire("zhao", "赵强", workflow.RoleSupervisor)
	a, b, c := o.login(liKey), o.login(wuKey, "LC_ALL=en_US.UTF-8"), o.login(zhaoKey)
	a.waitFor(0, "王丽")
	b.waitFor(0, "吴明")
	c.waitFor(0, "赵强")

	li.Active = false
	if err := o.st.PutStaff(workflow.Staff{}, li); err != nil {
		t.Fatal(err)
	}
	if code := a.ended(); code != 1 {
		t.Errorf("disabled: exit status %d, want 1", code)
	}
	a.waitFor(0, sT("zh", "ssh.ended_disabled"))

	wu.Keys = []string{store.NormalKey(srvSigner(t).PublicKey())} // a new key, the old one removed
	if err := o.st.PutStaff(workflow.Staff{}, wu); err != nil {
		t.Fatal(err)
	}
	if code := b.ended(); code != 1 {
		t.Errorf("key removed: exit status %d, want 1", code)
	}
	b.waitFor(0, sT("en", "ssh.ended_key"))

	zhao.Display = "赵强强" // other changes to staff end nobody
	if err := o.st.PutStaff(workflow.Staff{}, zhao); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if !c.running() {
		t.Fatal("an unrelated staff change ended a session")
	}
	if _, err := o.dial(o.config(gossh.PublicKeys(liKey))); err == nil {
		t.Fatal("a disabled staff member logged in again")
	}
}

func TestServeShutdown(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	li, liKey := o.hire("li", "王丽", workflow.RoleSpecialist)
	_, zhaoKey := o.hire("zhao", "赵强", workflow.RoleSupervisor)
	cs := srvCase(t, o.st, li)
	a, b := o.login(liKey), o.login(zhaoKey, "LANG=en_GB.UTF-8")
	a.waitFor(0, cs.No)
	b.waitFor(0, "赵强")
	idle, err := o.dial(o.config(gossh.PublicKeys(liKey))) // a connection with no session
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := o.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Shutdown took %s", d)
	}
	a.ended()
	b.ended()
	a.waitFor(0, tui.T("zh", "server.stopping"))
	b.waitFor(0, tui.T("en", "server.stopping"))
	if _, _, err := idle.SendRequest("keepalive@openssh.com", true, nil); err == nil {
		t.Error("a connection without a session outlived the server")
	}
	if _, err := o.dial(o.config(gossh.PublicKeys(liKey))); err == nil {
		t.Fatal("the stopped server still accepts logins")
	}
	for _, want := range []string{"stopping", "sessions=2", "stopped", "logout"} {
		if !strings.Contains(o.logs.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}

func TestServeDropsSilentConnections(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, func(so *Options) { so.handshakeTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", o.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = io.Copy(io.Discard, conn) // the server's version line, then its close
	if err != nil {
		t.Fatalf("the silent connection was not closed: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("closed after %s", d)
	}
}

func TestServeKeepsItsHostKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "office.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	path := filepath.Join(dir, "keys", "host_ed25519")
	var fps []string
	for range 2 {
		s, err := New(Options{Store: st, HostKeyPath: path, Logger: log.New(io.Discard)})
		if err != nil {
			t.Fatal(err)
		}
		fps = append(fps, gossh.FingerprintSHA256(s.ssh.HostSigners[0].PublicKey()))
		s.Shutdown(context.Background())
	}
	if fps[0] != fps[1] {
		t.Fatalf("the host key changed between starts: %v", fps)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key file: %v %v", fi.Mode(), err)
	}
}

func TestServeSessionLang(t *testing.T) {
	for _, tc := range []struct {
		staff string
		env   []string
		want  string
	}{
		{"", nil, "zh"},
		{"", []string{"TERM=xterm", "LANG=en_US.UTF-8"}, "en"},
		{"", []string{"LANG=en_US.UTF-8", "LC_ALL=zh_CN.UTF-8"}, "zh"},
		{"", []string{"LANG=C.UTF-8"}, "zh"},
		{"zh", []string{"LANG=en_US.UTF-8"}, "zh"},
		{"en", nil, "en"},
	} {
		if got := sessionLang(workflow.Staff{Lang: tc.staff}, tc.env); got != tc.want {
			t.Errorf("staff %q env %v: %s, want %s", tc.staff, tc.env, got, tc.want)
		}
	}
}

func TestServeReturnsWhenCancelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "office.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := Options{Store: st, HostKeyPath: filepath.Join(dir, "host_ed25519"), Logger: log.New(io.Discard)}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	o.Listen = busy.Addr().String()
	if err := Serve(context.Background(), o); err == nil {
		t.Fatal("Serve on a port in use did not fail")
	}

	o.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, o) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10 s of being cancelled")
	}
}

// ssh -t desk ls: a command is refused even when the client also asks for a terminal.
func TestServeRefusesCommandsWithATerminal(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	_, key := o.hire("li", "王丽", workflow.RoleSpecialist)
	c, err := o.dial(o.config(gossh.PublicKeys(key)))
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &srvLogBuf{}
	sess.Stdout, sess.Stderr = out, out
	if err := sess.RequestPty("xterm", 40, 120, nil); err != nil {
		t.Fatal(err)
	}
	err = sess.Run("ls -l")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		t.Fatalf("got %v, want exit status 1", err)
	}
	if !strings.Contains(out.String(), sT("", "ssh.no_pty")) {
		t.Fatalf("got %q", out.String())
	}
	if n := len(o.srv.list()); n != 0 {
		t.Fatalf("%d console sessions for a command", n)
	}
}
