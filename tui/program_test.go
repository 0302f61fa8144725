package tui

import (
	"bytes"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"repairdesk/workflow"
)

// TestProgramRuns drives the real Bubble Tea program (not just Update/View): the queue
// appears, a live change by another session shows up without a key press, and q quits.
func TestProgramRuns(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, workflow.ChinaTZ)}
	st := newTestStore(t, clk)
	if _, err := st.Create(testSpecialist, testIntake("洛阳宏达餐饮管理有限公司", "91110000600037341L"), ""); err != nil {
		t.Fatal(err)
	}
	m := New(Options{Store: st, Me: testSpecialist, Lang: "zh", Renderer: asciiRenderer(), Now: clk.now})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor := func(want string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			return bytes.Contains([]byte(ansi.Strip(string(b))), []byte(want))
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("洛阳宏达餐饮管理有限公司")
	// Another staff member takes in a case: it appears with no key pressed here.
	in := testIntake("河南信修信用管理有限公司", "91512081MA62K0260E")
	in.Owner = testSpecialist.Name // taken in by 李军 for 王芳: it lands in her queue
	if _, err := st.Create(testSpecialist2, in, ""); err != nil {
		t.Fatal(err)
	}
	waitFor("河南信修信用管理有限公司")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if fm, ok := tm.FinalModel(t).(*Model); !ok || fm.unsub != nil {
		t.Fatal("the session did not stop listening to the store on quit")
	}
}
