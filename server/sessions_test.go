package server

import (
	"errors"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"repairdesk/workflow"
)

// refusedConsole asks for a console that the server should refuse, and returns what it
// said on standard error.
func (o *srvOffice) refusedConsole(key gossh.Signer, env ...string) string {
	o.t.Helper()
	c, err := o.dial(o.config(gossh.PublicKeys(key)))
	if err != nil {
		o.t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		o.t.Fatal(err)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		sess.Setenv(k, v)
	}
	errs := &srvLogBuf{}
	sess.Stderr = errs
	if err := sess.RequestPty("xterm-256color", 40, 120, nil); err != nil {
		o.t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		o.t.Fatal(err)
	}
	err = sess.Wait()
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		o.t.Fatalf("got %v, want exit status 1; stderr %q", err, errs.String())
	}
	return errs.String()
}

func TestServeLimitsSessions(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, func(so *Options) { so.MaxSessions = 3; so.MaxSessionsPerStaff = 2 })
	_, liKey := o.hire("li", "王丽", workflow.RoleSpecialist)
	_, wuKey := o.hire("wu", "吴明", workflow.RoleSpecialist)
	_, zhaoKey := o.hire("zhao", "赵强", workflow.RoleSupervisor)
	a, b := o.login(liKey), o.login(liKey)
	a.waitFor(0, "王丽")
	b.waitFor(0, "王丽")
	if got := o.refusedConsole(liKey); !strings.Contains(got, "您已打开 2 个会话（每人上限）") {
		t.Fatalf("a third console of one person: %q", got)
	}
	if got := o.refusedConsole(liKey, "LANG=en_US.UTF-8"); !strings.Contains(got, "You already have 2 sessions open (the limit per person)") {
		t.Fatalf("in English: %q", got)
	}
	c := o.login(wuKey)
	c.waitFor(0, "吴明")
	if got := o.refusedConsole(zhaoKey); !strings.Contains(got, "服务器已有 3 个会话（上限）") {
		t.Fatalf("a fourth console on the server: %q", got)
	}
	if n := len(o.srv.list()); n != 3 {
		t.Fatalf("%d sessions registered, want 3", n)
	}
	// When one ends, there is room again.
	a.key("q")
	a.ended()
	d := o.login(zhaoKey)
	d.waitFor(0, "赵强")
	for _, want := range []string{"ssh.staff_full", "ssh.server_full"} {
		if !strings.Contains(o.logs.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}
