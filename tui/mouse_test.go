package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func click(m *Model, x, y int) {
	_, cmd := m.Update(tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	run(m, cmd)
}

func wheel(m *Model, down bool) {
	b := tea.MouseButtonWheelUp
	if down {
		b = tea.MouseButtonWheelDown
	}
	_, cmd := m.Update(tea.MouseMsg{X: 10, Y: 10, Button: b, Action: tea.MouseActionPress})
	run(m, cmd)
}

// lineOf is the screen line (y) that shows s, and the column where it starts.
func lineOf(t *testing.T, m *Model, s string) (x, y int) {
	t.Helper()
	for i, l := range strings.Split(screen(m), "\n") {
		if j := strings.Index(l, s); j >= 0 {
			return ansi.StringWidth(l[:j]), i
		}
	}
	t.Fatalf("%q is not on the screen:\n%s", s, screen(m))
	return 0, 0
}

// TestMouseSelectsAndScrolls: a click selects a queue tab, a row (a second click opens
// it), a case tab and an action; the wheel scrolls.
func TestMouseSelectsAndScrolls(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)}
	m, cs := findingStore(t, clk)
	x, y := lineOf(t, m, "全部在办")
	click(m, x+1, y)
	if m.q.tab != tabOpen {
		t.Fatalf("a click on 全部在办 left the tab at %d", m.q.tab)
	}
	mustShow(t, m, "洛阳恒通科技有限公司")
	_, y = lineOf(t, m, "河南豫兴商贸有限公司")
	click(m, 30, y)
	if sm := m.q.selected(); sm == nil || sm.ID != cs[1].ID {
		t.Fatalf("a click on 豫兴's row selected %v", sm)
	}
	wheel(m, true)
	if got := m.q.cursor[tabOpen]; got != 3 {
		t.Fatalf("the wheel moved the cursor to %d, want the last row 3", got)
	}
	wheel(m, false)
	if got := m.q.cursor[tabOpen]; got != 0 {
		t.Fatalf("the wheel up moved the cursor to %d, want 0", got)
	}
	click(m, 30, y) // selects 豫兴 again
	click(m, 30, y) // opens it
	if cv := caseOf(m); cv == nil || cv.id != cs[1].ID {
		t.Fatalf("a second click did not open the row:\n%s", screen(m))
	}
	x, y = lineOf(t, m, "3 ")
	click(m, x+2, y)
	if caseOf(m).tab != ctFindings {
		t.Fatalf("a click on the findings tab left the case on tab %d:\n%s", caseOf(m).tab, screen(m))
	}
	press(m, "a")
	if menuOf(m) == nil {
		t.Fatal("no action menu")
	}
	// Click the second item, then click it again to choose it (if it is allowed).
	_, y = lineOf(t, m, menuOf(m).opts[1].Kind.Label("zh"))
	click(m, 4, y)
	if menuOf(m).sel != 1 {
		t.Fatalf("a click on the second action selected %d", menuOf(m).sel)
	}
}

// TestMouseOffWhereNotReported: no mouse on dumb and VT terminals, nor with --no-mouse.
func TestMouseOffWhereNotReported(t *testing.T) {
	for term, want := range map[string]int{"xterm-256color": 1, "screen": 1, "dumb": 0, "vt100": 0, "VT220": 0, "": 0} {
		if got := len(MouseOptions(term, false)); got != want {
			t.Errorf("MouseOptions(%q) gives %d options, want %d", term, got, want)
		}
	}
	if got := len(MouseOptions("xterm-256color", true)); got != 0 {
		t.Errorf("--no-mouse still gives %d options", got)
	}
}
