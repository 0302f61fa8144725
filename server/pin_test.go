package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"repairdesk/store"
	"repairdesk/workflow"
)

// Over SSH, with the server's idle lock on: the first login asks the person to choose a
// PIN before the queues; the next login asks for it, and five wrong PINs end the session
// with a message, an exit status, a line in the server's log and an audit entry.
func TestServePINLoginAndLockout(t *testing.T) {
	o := newSrvOffice(t, func(so *Options) { so.IdleLock = 15 * time.Minute })
	_, sig := o.hire("wangfang", "王芳", workflow.RoleSpecialist)

	sc := o.login(sig, "LANG=zh_CN.UTF-8")
	sc.waitFor(0, "设置解锁 PIN")
	if strings.Contains(sc.text(0), "我的案件") {
		t.Fatal("the queue showed before a PIN was chosen")
	}
	at := sc.mark()
	sc.key("2468\r")
	sc.waitFor(at, "请再输入一次以确认")
	at = sc.mark()
	sc.key("2468\r")
	sc.waitFor(at, "我的案件")
	sc.key("q")
	if code := sc.ended(); code != 0 {
		t.Fatalf("q: exit %d", code)
	}

	sc = o.login(sig, "LANG=zh_CN.UTF-8")
	sc.waitFor(0, "请输入 PIN")
	for i := 1; i < store.MaxPINFails; i++ {
		at := sc.mark()
		sc.key("0000\r")
		sc.waitFor(at, fmt.Sprintf("还可再试 %d 次", store.MaxPINFails-i))
	}
	at = sc.mark()
	sc.key("0000\r")
	sc.waitFor(at, "会话已结束")
	if code := sc.ended(); code != 1 {
		t.Fatalf("after five wrong PINs: exit %d, want 1", code)
	}
	if !strings.Contains(sc.text(0), "连续 5 次 PIN 错误") {
		t.Fatal("the reason is not shown to the person")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(o.logs.String(), "wrong PINs at the lock") {
		if time.Now().After(deadline) {
			t.Fatalf("the server log does not record the lockout:\n%s", o.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	found := false
	for _, e := range o.st.AuditLog(20) {
		if e.What == "pin_lockout" && e.Actor == "wangfang" {
			found = true
		}
	}
	if !found {
		t.Fatal("the lockout is not in the audit log")
	}
}
