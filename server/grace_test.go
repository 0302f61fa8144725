package server

import (
	"strings"
	"testing"
	"time"

	"repairdesk/tui"
	"repairdesk/workflow"
)

// On a stop the server gives sessions a grace period: each console shows the countdown
// and keeps what is typed into its open form as a draft, offered at the next login. The
// console's output places the terminal's cursor at the form's insertion point.
func TestServeGraceKeepsDraft(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	_, liKey := o.hire("li", "王丽", workflow.RoleSpecialist)
	a := o.login(liKey)
	a.waitFor(0, "王丽")
	at := a.mark()
	a.key("n")
	a.waitFor(at, tui.T("zh", "intake.title"))
	at = a.mark()
	a.key("郑州华信")
	a.waitFor(at, "郑州华信")
	a.mu.Lock()
	raw := string(a.raw)
	a.mu.Unlock()
	if !strings.Contains(raw, "\x1b[?25h") {
		t.Error("the session's output never shows the terminal cursor in a form")
	}

	at = a.mark()
	start := time.Now()
	done := make(chan struct{})
	go func() { o.srv.Grace(2 * time.Second); close(done) }()
	a.waitFor(at, "服务器将在")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ds := o.st.Drafts("li"); len(ds) == 1 && ds[0].Fields["name"] == "郑州华信" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no draft kept in the grace period: %+v", o.st.Drafts("li"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	<-done
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Fatalf("Grace returned after %s with a session still open", d)
	}
	if !a.running() {
		t.Fatal("the grace period ended the session itself")
	}
}
