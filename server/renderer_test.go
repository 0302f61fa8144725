package server

import (
	"testing"
	"time"

	"repairdesk/workflow"
)

// The console shows without waiting on the client's terminal, and the first key typed
// reaches it. With wish's bubbletea.MakeRenderer in place of sessionRenderer, a client
// that does not answer its background-colour query (as here) saw nothing until it
// pressed a key, and that key went to the query's reader.
func TestServeFirstKeyReachesTheConsole(t *testing.T) {
	t.Parallel()
	o := newSrvOffice(t, nil)
	_, key := o.hire("li", "王丽", workflow.RoleSpecialist)
	start := time.Now()
	sc := o.login(key)
	sc.waitFor(0, "王丽")
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the console took %s to show", d)
	}
	m := sc.mark()
	sc.key("?")
	sc.waitFor(m, "快捷键")
}
