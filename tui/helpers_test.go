package tui

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"repairdesk/store"
	"repairdesk/workflow"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var (
	testSpecialist  = workflow.Staff{Name: "wangfang", Display: "王芳", Role: workflow.RoleSpecialist, Active: true}
	testSpecialist2 = workflow.Staff{Name: "lijun", Display: "李军", Role: workflow.RoleSpecialist, Active: true}
	testSupervisor  = workflow.Staff{Name: "chenjing", Display: "陈静", Role: workflow.RoleSupervisor, Active: true}
	testAuditor     = workflow.Staff{Name: "audit", Display: "审计", Role: workflow.RoleAuditor, Active: true}
)

func newTestStore(t testing.TB, clk *clock) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "t.db"), store.Options{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, s := range []workflow.Staff{testSpecialist, testSpecialist2, testSupervisor, testAuditor} {
		if err := st.PutStaff(workflow.Staff{}, s); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func testIntake(name, code string) workflow.Intake {
	return workflow.Intake{
		Enterprise: workflow.Enterprise{Name: name, CreditCode: code, LegalRep: "张建国", Address: "郑州市金水区花园路88号"},
		Agent:      workflow.Agent{Name: "王桂英", Phone: "13812345678", IDNumber: "11010519491231002X", AuthLetter: "SQ-2026-0001"},
		Records: []workflow.Record{{Source: "pbc", Type: "overdue_loan", Institution: "中国工商银行郑州分行", Date: "2025-03-01",
			AmountFen: 12345600, Problem: "non_malicious_overdue", Detail: "疫情封控期间银行系统故障导致扣款失败"}},
	}
}

// asciiRenderer draws without colour so screens compare as text.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

func newTestModel(t *testing.T, st *store.Store, me workflow.Staff, lang string, clk *clock, w, h int) *Model {
	t.Helper()
	return newTestModelWith(t, Options{Store: st, Me: me, Lang: lang, Renderer: asciiRenderer(), Now: clk.now}, w, h)
}

// newTestModelWith is newTestModel with any options.
func newTestModelWith(t *testing.T, o Options, w, h int) *Model {
	t.Helper()
	m := New(o)
	m.manualFeed = true
	m.c.draftDelay = 0 // run() waits out every timer: drafts are saved on a timer only where a test asks
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// run executes a command the way the Bubble Tea runtime would, feeding the resulting
// messages back. Commands that wait (the change feed, ticks) are left after a short wait.
func run(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(5 * time.Second): // only waiting commands (none in tests) take this long
		return
	}
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			run(m, c)
		}
	case tickMsg, quitMsg:
	default:
		_, next := m.Update(msg)
		run(m, next)
	}
}

func kmsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "ctrl+s":
		return tea.KeyMsg{Type: tea.KeyCtrlS}
	case "ctrl+o":
		return tea.KeyMsg{Type: tea.KeyCtrlO}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// press sends keys one by one; typed text goes as one rune message each.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		_, cmd := m.Update(kmsg(k))
		run(m, cmd)
	}
}

func typeText(m *Model, s string) {
	for _, r := range s {
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		run(m, cmd)
	}
}

func screen(m *Model) string { return ansi.Strip(m.View()) }

func mustShow(t *testing.T, m *Model, want ...string) {
	t.Helper()
	s := screen(m)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("screen does not show %q:\n%s", w, s)
		}
	}
}

// deliver feeds every change the store has announced to the model, as the runtime would.
func deliver(m *Model) {
	for {
		select {
		case ch, ok := <-m.sub:
			_, cmd := m.Update(changeMsg{ch: ch, ok: ok})
			run(m, cmd)
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// The screens on a model's stack, for tests (nil when not open).
func caseOf(m *Model) *caseView {
	v, _ := find[*caseView](m)
	return v
}

func menuOf(m *Model) *actionMenu {
	v, _ := find[*actionMenu](m)
	return v
}

func staffOf(m *Model) *staffView {
	v, _ := find[*staffView](m)
	return v
}

func dashOf(m *Model) *dashboard {
	v, _ := find[*dashboard](m)
	return v
}

func formOf(m *Model, kind string) *form {
	for i := len(m.stack) - 1; i >= 0; i-- {
		if s, ok := m.stack[i].(*formScreen); ok && s.kind == kind {
			return s.f
		}
	}
	return nil
}

func intakeOf(m *Model) *form     { return formOf(m, "intake") }
func actionFormOf(m *Model) *form { return formOf(m, "action") }

func pinOf(m *Model) *pinScreen {
	v, _ := find[*pinScreen](m)
	return v
}
